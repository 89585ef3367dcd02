#!/bin/sh
# /init of the kernel-matrix initramfs (busybox sh). Copied as-is by tests/kernel_matrix/run.sh.
# Runs every case listed for this kernel in /lab/cases-<label>.txt (label from the kernel command
# line: bt2bin_kernel=<label>), each as /lab/bin/<name> under a timeout, with an optional
# workload (/lab/cases/<name>/workload: argv, one per line; a first word naming /lab/helpers/<x>
# runs that helper) started once the tool printed `Attached`. Output protocol on the console:
#   === BOOTED <release>
#   === CASE <name>  ...tool stdout+stderr...  === END <name> rc=<N>
#   === DONE uptime=<seconds>
# then powers off.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
ulimit -l unlimited 2>/dev/null

label=
skip=0 # bt2bin_skip=N: the first N cases already ran (a boot before this one crashed)
for word in $(cat /proc/cmdline); do
  case $word in
    bt2bin_kernel=*) label=${word#bt2bin_kernel=} ;;
    bt2bin_skip=*) skip=${word#bt2bin_skip=} ;;
  esac
done
echo
echo "=== BOOTED $(uname -r)"

alive() { # a zombie counts as gone
  [ -r "/proc/$1/stat" ] || return 1
  read -r _ _ state _ < "/proc/$1/stat"
  [ "$state" != Z ]
}

run_workload() {
  wl_file=$1
  set --
  while IFS= read -r arg || [ -n "$arg" ]; do
    set -- "$@" "$arg"
  done < "$wl_file"
  if [ -x "/lab/helpers/$1" ]; then
    cmd=/lab/helpers/$1
    shift
    set -- "$cmd" "$@"
  fi
  "$@"
}

# an args word `{ksym:NAME}` becomes the address of kernel symbol NAME (0x...)
expand_args() {
  for word in $(cat "$1"); do
    case $word in
      "{ksym:"*"}") sym=${word#\{ksym:}; sym=${sym%\}}
        awk -v s="$sym" '$3 == s { print "0x" $1; exit }' /proc/kallsyms ;;
      *) echo "$word" ;;
    esac
  done
}

run_case() { # run_case NAME TIMEOUT_SECONDS
  name=$1
  out=/tmp/$name.out
  args=""
  [ -f "/lab/cases/$name/args" ] && args=$(expand_args "/lab/cases/$name/args")
  echo "=== CASE $name"
  cd /lab || return
  if [ -f "/lab/cases/$name/workload" ]; then
    timeout "$2" "/lab/bin/$name" $args < /dev/null > "$out" 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 300 ] && alive $pid && ! grep -q '^Attached ' "$out"; do
      sleep 0.05
      i=$((i + 1))
    done
    run_workload "/lab/cases/$name/workload" < /dev/null > "/tmp/$name.workload" 2>&1 ||
      echo "workload failed: $(cat "/tmp/$name.workload")" >> "$out.wl"
    wait $pid
    rc=$?
  else
    timeout "$2" "/lab/bin/$name" $args < /dev/null > "$out" 2>&1
    rc=$?
  fi
  cat "$out"
  [ -f "$out.wl" ] && cat "$out.wl"
  echo "=== END $name rc=$rc"
}

if [ -f "/lab/cases-$label.txt" ]; then
  n=0
  while read -r name tmo; do
    n=$((n + 1))
    [ "$n" -le "$skip" ] && continue
    run_case "$name" "$tmo"
  done < "/lab/cases-$label.txt"
else
  echo "no case list for kernel label '$label'"
fi
read -r up _ < /proc/uptime
echo "=== DONE uptime=$up"
poweroff -f

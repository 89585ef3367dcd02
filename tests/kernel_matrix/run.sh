#!/usr/bin/env bash
# Kernel matrix: the same bt2bin-built binaries, built ONCE here, run on the host kernel and on
# Debian's 6.1 and 6.12 cloud kernels booted under qemu TCG with a busybox initramfs
# (recipe: ../shared/reference/kernels-and-toolchain.md §4). See tests/kernel_matrix/README.md.
#
# Case = cases/NAME.bt + NAME.expected (one extended regex per line that must match a line of the
# tool's stdout+stderr; `!REGEX` must not match; `#` comments) + optional NAME.kernels (subset of
# `host 6.1 6.12`, default all), NAME.args (tool arguments, one per line), NAME.workload (argv, one per line, run once the tool is attached;
# first word may name a tests/e2e/helpers program), NAME.cmdline (extra guest kernel command line:
# such cases run in a boot of their own), NAME.timeout (seconds, default 20), NAME.rc
# (expected exit code, default 0; `!0` = any failure code other than a timeout's 124/137/143).
# NAME.bt2bin: extra compiler arguments such as --unsafe, one per line.
# In NAME.args, a word `{ksym:NAME}` is replaced by the address of kernel symbol NAME.
#
# Usage: tests/kernel_matrix/run.sh BUILD_DIR [-k REGEX] [--kernels 'host 6.1 6.12'] [--selftest] [--keep]
#   --selftest  use the hand-written static C stand-ins in selftest/ instead of bt2bin-built cases
#               (proves the harness: fetch, initramfs, boot, protocol, parsing)
# Env: BT2BIN overrides BUILD_DIR/bt2bin; BT2BIN_KERNEL_CACHE overrides /var/cache/bt2bin-kernels.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 BUILD_DIR [-k REGEX] [--kernels 'host 6.1 6.12'] [--selftest] [--keep]" >&2; exit 2; }
(($# >= 1)) || usage
build=$(cd "$1" && pwd) || usage
shift
pattern='' want_kernels="host 6.1 6.12" selftest=0 keep=0
while (($#)); do
  case $1 in
    -k) (($# >= 2)) || usage; pattern=$2; shift 2 ;;
    --kernels) (($# >= 2)) || usage; want_kernels=$2; shift 2 ;;
    --selftest) selftest=1; shift ;;
    --keep) keep=1; shift ;;
    *) usage ;;
  esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e=$(cd "$here/../e2e" && pwd)
bt2bin=${BT2BIN:-$build/bt2bin}
summary_dir=$build/test-summaries
mkdir -p "$summary_dir"
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
secs() { printf '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
t_begin=$(now_ms)

fail_early() {
  echo "kernel_matrix: $1" >&2
  echo "kernel matrix: 0 passed, 1 failed ($1)" | tee "$summary_dir/kernel_matrix.txt"
  exit 1
}
((EUID == 0)) || fail_early "must run as root"
for tool in qemu-system-x86_64 busybox cpio gzip cc; do
  command -v "$tool" >/dev/null || fail_early "$tool missing: run scripts/install-deps.sh"
done
if ((selftest)); then
  case_dir=$here/selftest ext=c
else
  case_dir=$here/cases ext=bt
  [[ -x $bt2bin ]] || fail_early "no compiler at $bt2bin (build the bt2bin target first)"
  bt2bin=$(cd "$(dirname "$bt2bin")" && pwd)/$(basename "$bt2bin")
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bt2bin-kmatrix.XXXXXX")
if ((keep == 0)); then trap 'rm -rf -- "$work"' EXIT; fi
mkdir -p "$work/bin" "$work/logs" "$work/out"

# ---- cases and the kernels each applies to ----
declare -A case_kernels case_timeout case_cmdline
cases=()
for f in "$case_dir"/*."$ext"; do
  [[ -e $f ]] || continue
  name=$(basename "$f" ".$ext")
  [[ $name =~ ^[A-Za-z0-9_-]+$ ]] || fail_early "bad case name '$name' (use [A-Za-z0-9_-])"
  if [[ -n $pattern && ! $name =~ $pattern ]]; then continue; fi
  ks="host 6.1 6.12"
  if [[ -f $case_dir/$name.kernels ]]; then ks=$(grep -v '^#' "$case_dir/$name.kernels" | tr '\n' ' '); fi
  sel=()
  for k in $ks; do
    [[ $k == host || $k == 6.1 || $k == 6.12 ]] || fail_early "$name.kernels: unknown kernel '$k'"
    [[ " $want_kernels " == *" $k "* ]] && sel+=("$k")
  done
  ((${#sel[@]})) || continue
  case_kernels[$name]="${sel[*]}"
  tmo=20
  if [[ -f $case_dir/$name.timeout ]]; then tmo=$(tr -d ' \n' <"$case_dir/$name.timeout"); fi
  [[ $tmo =~ ^[0-9]+$ ]] || fail_early "$name.timeout: whole seconds expected"
  case_timeout[$name]=$tmo
  cmdline=''
  if [[ -f $case_dir/$name.cmdline ]]; then cmdline=$(grep -v '^#' "$case_dir/$name.cmdline" | tr '\n' ' '); fi
  [[ $cmdline =~ ^[A-Za-z0-9_.,=\ -]*$ ]] || fail_early "$name.cmdline: only [A-Za-z0-9_.,=-] words"
  case_cmdline[$name]=$(echo $cmdline)
  [[ -f $case_dir/$name.expected ]] || fail_early "missing $name.expected"
  cases+=("$name")
done
((${#cases[@]})) || fail_early "no case selected"

# ---- build every binary once, on the host (2 at a time) ----
t0=$(now_ms)
build_one() { # build_one NAME: $work/bin/NAME, or $work/logs/NAME.failed
  local name=$1 src=$case_dir/$1.$ext
  local -a cmd
  if ((selftest)); then
    cmd=(cc -O2 -static -Wall -o "$work/bin/$name" "$src")
  else
    cmd=("$bt2bin" "$src" -o "$work/bin/$name")
    # NAME.bt2bin: extra compiler arguments (e.g. --unsafe), one per line
    [[ -f $case_dir/$name.bt2bin ]] && mapfile -t -O ${#cmd[@]} cmd < <(grep -v '^#' "$case_dir/$name.bt2bin")
  fi
  if ! timeout 300 "${cmd[@]}" >"$work/logs/$name.build.log" 2>&1 || [[ ! -x $work/bin/$name ]]; then
    touch "$work/logs/$name.failed"
    rm -f -- "$work/bin/$name"
  fi
}
running=0
for name in "${cases[@]}"; do
  build_one "$name" &
  running=$((running + 1))
  if ((running >= 2)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
declare -A build_error
for name in "${cases[@]}"; do
  if [[ -e $work/logs/$name.failed ]]; then build_error[$name]=1; fi
done
mkdir -p "$work/helpers"
for src in "$e2e"/helpers/*.c; do
  cc -O2 -static -Wall -o "$work/helpers/$(basename "$src" .c)" "$src" ||
    fail_early "cannot build helper $src"
done
t_build=$(($(now_ms) - t0))

# ---- host runs ----
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [[ ${st%% *} != Z ]]
}
read_lines() {
  local -n out_arr=$2
  out_arr=()
  [[ -f $1 ]] || return 0
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line == '#'* ]] && continue
    out_arr+=("$line")
  done <"$1"
}
run_on_host() { # run_on_host NAME: writes out/host/NAME.out and .rc
  local name=$1 out=$work/out/host/$1.out pid rc=0 i
  local -a wl args
  read_lines "$case_dir/$name.workload" wl
  read_lines "$case_dir/$name.args" args
  for i in "${!args[@]}"; do # {ksym:NAME} -> the kernel symbol's address, as in guest-init.sh
    if [[ ${args[i]} =~ ^\{ksym:(.+)\}$ ]]; then
      args[i]=0x$(awk -v s="${BASH_REMATCH[1]}" '$3 == s { print $1; exit }' /proc/kallsyms)
    fi
  done
  if ((${#wl[@]})) && [[ -x $work/helpers/${wl[0]} ]]; then wl[0]=$work/helpers/${wl[0]}; fi
  (cd "$work/bin" && exec timeout -k 3 "${case_timeout[$name]}" env --default-signal=INT,TERM \
    "./$name" "${args[@]}" </dev/null >"$out" 2>&1) &
  pid=$!
  if ((${#wl[@]})); then
    for ((i = 0; i < 300; i++)); do
      alive "$pid" || break
      grep -q '^Attached ' "$out" && break
      sleep 0.05
    done
    timeout 30 "${wl[@]}" </dev/null >"$work/out/host/$name.workload" 2>&1 ||
      echo "workload failed: ${wl[*]}" >>"$out.wl"
  fi
  wait "$pid" || rc=$?
  if [[ -f $out.wl ]]; then cat -- "$out.wl" >>"$out"; fi
  echo "$rc" >"$work/out/host/$name.rc"
}
declare -A kernel_time kernel_info kernel_count
host_cases=()
for name in "${cases[@]}"; do
  if [[ " ${case_kernels[$name]} " == *" host "* && -z ${build_error[$name]:-} ]]; then host_cases+=("$name"); fi
done
if ((${#host_cases[@]})); then
  mkdir -p "$work/out/host"
  t0=$(now_ms)
  for name in "${host_cases[@]}"; do run_on_host "$name"; done
  kernel_time[host]=$(($(now_ms) - t0))
  kernel_info[host]="$(uname -r), native"
  kernel_count[host]=${#host_cases[@]}
fi

# ---- guests ----
guest_labels=()
for k in 6.1 6.12; do
  for name in "${cases[@]}"; do
    if [[ " ${case_kernels[$name]} " == *" $k "* ]]; then guest_labels+=("$k"); break; fi
  done
done
declare -A vmlinuz
if ((${#guest_labels[@]})); then
  kernel_list=$("$here/fetch-kernels.sh") || fail_early "cannot fetch the guest kernels"
  while read -r label path; do
    vmlinuz[$label]=$path
  done <<<"$kernel_list"

  # initramfs: busybox, the case binaries, helpers, workloads, per-kernel case lists, /init
  t0=$(now_ms)
  root=$work/rootfs
  mkdir -p "$root"/{bin,proc,sys,dev,tmp,lab/bin,lab/helpers,lab/cases}
  cp -- "$(command -v busybox)" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cp -- "$here/guest-init.sh" "$root/init"
  chmod 755 "$root/init"
  cp -- "$work"/helpers/* "$root/lab/helpers/"
  echo "bt2bin kernel matrix data file" >"$root/lab/data.txt"
  # One boot per kernel and extra command line (NAME.cmdline): boot labels are "6.1", "6.1-b1", ...
  declare -A boot_label boot_kernel boot_cmdline
  boots=()
  for name in "${cases[@]}"; do
    for k in ${case_kernels[$name]}; do
      [[ $k != host ]] || continue
      key="$k|${case_cmdline[$name]}"
      if [[ -z ${boot_label[$key]:-} ]]; then
        label=$k
        [[ -z ${case_cmdline[$name]} ]] || label="$k-b${#boots[@]}"
        boot_label[$key]=$label boot_kernel[$label]=$k boot_cmdline[$label]=${case_cmdline[$name]}
        boots+=("$label")
        : >"$root/lab/cases-$label.txt"
      fi
    done
  done
  for name in "${cases[@]}"; do
    [[ -z ${build_error[$name]:-} ]] || continue
    cp -- "$work/bin/$name" "$root/lab/bin/$name"
    for extra in workload args; do
      if [[ -f $case_dir/$name.$extra ]]; then
        mkdir -p "$root/lab/cases/$name"
        grep -v '^#' "$case_dir/$name.$extra" >"$root/lab/cases/$name/$extra" || true
      fi
    done
    for k in ${case_kernels[$name]}; do
      if [[ $k != host ]]; then
        printf '%s %s\n' "$name" "${case_timeout[$name]}" >>"$root/lab/cases-${boot_label[$k|${case_cmdline[$name]}]}.txt"
      fi
    done
  done
  (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
  t_initrd=$(($(now_ms) - t0))

  # boot_guest BOOT SKIP: boots BOOT's kernel, which runs its cases after the first SKIP, and
  # splits the serial log into per-case outputs; sets rc and info.
  boot_guest() {
    local b=$1 skip=$2 k=${boot_kernel[$1]}
    rc=0
    timeout 600 qemu-system-x86_64 -accel tcg -smp 2 -m 1G -nographic -no-reboot -nic none \
      -kernel "${vmlinuz[$k]}" -initrd "$work/initrd.gz" \
      -append "console=ttyS0 quiet loglevel=1 panic=-1 bt2bin_kernel=$b bt2bin_skip=$skip ${boot_cmdline[$b]}" \
      </dev/null >"$work/logs/serial-$b.log" 2>&1 || rc=$?
    mkdir -p "$work/out/$k"
    info=$("$here/split-serial" "$work/logs/serial-$b.log" "$work/out/$k")
  }
  # first_unfinished BOOT: the index in BOOT's case list of the first case without an exit code.
  first_unfinished() {
    local i=0 name _
    while read -r name _; do
      [[ -f $work/out/${boot_kernel[$1]}/$name.rc ]] || break
      i=$((i + 1))
    done <"$root/lab/cases-$1.txt"
    echo "$i"
  }

  for b in "${boots[@]}"; do
    k=${boot_kernel[$b]}
    total=$(wc -l <"$root/lab/cases-$b.txt")
    kernel_count[$k]=$((${kernel_count[$k]:-0} + total))
    t0=$(now_ms)
    boot_guest "$b" 0
    retried=""
    # A guest kernel that crashed under TCG (seen once: an `int3` Oops while the kernel patched
    # a tracepoint's static branch, an emulation artefact of cross-CPU code patching) is booted
    # once more for the cases it did not finish; the crash log is kept and reported.
    unfinished=$(first_unfinished "$b")
    if ((unfinished < total)) && grep -qE 'Oops:|Kernel panic' "$work/logs/serial-$b.log"; then
      crashed=$(sed -n "$((unfinished + 1))p" "$root/lab/cases-$b.txt" | cut -d' ' -f1)
      cp -- "$work/logs/serial-$b.log" "$work/logs/serial-$b.crash.log"
      rm -f -- "$work/out/$k/$crashed.out"
      echo "kernel matrix: the $k guest crashed during $crashed ($(grep -m1 -oE 'Oops: [^[]*|Kernel panic[^[]*' \
        "$work/logs/serial-$b.crash.log")); booting it again for the $((total - unfinished)) cases left" >&2
      retried=", booted twice: the first boot crashed during $crashed"
      boot_guest "$b" "$unfinished"
    fi
    kernel_time[$k]=$((${kernel_time[$k]:-0} + $(now_ms) - t0))
    release=$(awk '$1 == "booted" {print $2}' <<<"$info")
    uptime=$(awk '$1 == "uptime" {print $2}' <<<"$info")
    boot_info="${release:-did not boot}, guest uptime ${uptime:-?} s$retried"
    [[ -z ${boot_cmdline[$b]} ]] || boot_info="${boot_cmdline[$b]}: $boot_info"
    ((rc == 0)) || boot_info+=", qemu rc=$rc"
    kernel_info[$k]="${kernel_info[$k]:+${kernel_info[$k]}; }$boot_info"
  done
fi

# ---- check ----
check_output() { # check_output NAME OUTFILE RCFILE -> prints problems, returns 1 if any
  local name=$1 out=$2 rcf=$3 bad=0 want_rc=0 got_rc re
  local -a pats
  if [[ ! -f $out ]]; then echo "no output (case did not run)"; return 1; fi
  if [[ ! -f $rcf ]]; then echo "case never finished (crash or guest timeout)"; bad=1; else
    got_rc=$(<"$rcf")
    if [[ -f $case_dir/$name.rc ]]; then want_rc=$(tr -d ' \n' <"$case_dir/$name.rc"); fi
    if [[ $want_rc == '!0' ]]; then
      if [[ $got_rc == 0 || $got_rc == 124 || $got_rc == 137 || $got_rc == 143 ]]; then
        echo "exit code $got_rc, expected a failure exit code (not 0, not a timeout)"
        bad=1
      fi
    elif [[ $got_rc != "$want_rc" ]]; then
      echo "exit code $got_rc, expected $want_rc"
      bad=1
    fi
  fi
  read_lines "$case_dir/$name.expected" pats
  for re in "${pats[@]}"; do
    [[ -n $re ]] || continue
    if [[ $re == '!'* ]]; then
      if grep -E -q -e "${re#!}" -- "$out"; then echo "unexpected match: ${re#!}"; bad=1; fi
    elif ! grep -E -q -e "$re" -- "$out"; then
      echo "no line matches: $re"
      bad=1
    fi
  done
  return $bad
}

passed=0 failed=0
report=$work/report.txt
: >"$report"
for k in host 6.1 6.12; do
  for name in "${cases[@]}"; do
    [[ " ${case_kernels[$name]} " == *" $k "* ]] || continue
    if [[ -n ${build_error[$name]:-} ]]; then
      printf 'FAIL %-5s %s (build failed)\n' "$k" "$name"
      { echo "===== $name: build failed"; head -n 30 -- "$work/logs/$name.build.log"; echo; } >>"$report"
      failed=$((failed + 1))
      continue
    fi
    if problems=$(check_output "$name" "$work/out/$k/$name.out" "$work/out/$k/$name.rc"); then
      printf 'PASS %-5s %s\n' "$k" "$name"
      passed=$((passed + 1))
    else
      printf 'FAIL %-5s %s\n' "$k" "$name"
      failed=$((failed + 1))
      {
        echo "===== $name on $k:"
        printf '%s\n' "$problems"
        if [[ -f $work/out/$k/$name.out ]]; then
          echo "--- output:"
          head -n 40 -- "$work/out/$k/$name.out"
        elif [[ $k != host ]]; then
          echo "--- serial log tail:"
          tail -n 30 -- "$work/logs/serial-${boot_label[$k|${case_cmdline[$name]}]}.log"
        fi
        echo
      } >>"$report"
    fi
  done
done

echo
cat -- "$report"
echo "timing:"
printf '  build %d binaries once on the host: %s s\n' "${#cases[@]}" "$(secs "$t_build")"
[[ -n ${t_initrd:-} ]] && printf '  initramfs: %s s (%s KiB)\n' "$(secs "$t_initrd")" $(($(stat -c %s "$work/initrd.gz") / 1024))
for k in host 6.1 6.12; do
  [[ -n ${kernel_time[$k]:-} ]] || continue
  printf '  %-5s %2d cases in %5s s  (%s)\n' "$k" "${kernel_count[$k]}" "$(secs "${kernel_time[$k]}")" "${kernel_info[$k]}"
done
printf '  total %s s\n' "$(secs $(($(now_ms) - t_begin)))"
((keep)) && echo "kernel matrix: work directory kept: $work"
echo "kernel matrix: $passed passed, $failed failed" | tee "$summary_dir/kernel_matrix.txt"
((failed == 0))

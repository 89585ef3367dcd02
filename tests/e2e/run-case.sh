#!/usr/bin/env bash
# Runs ONE tests/e2e case (called by tests/e2e/run.sh, possibly in parallel through xargs).
# Usage: run-case.sh CASE.bt NAME WORKDIR HELPERS_DIR BT2BIN
# Compiles CASE.bt with BT2BIN into WORKDIR/tool, runs it (with NAME.args, while NAME.workload
# runs, ending it with NAME.signal if given, under NAME.timeout), runs NAME.after, applies
# NAME.filter and compares stdout (the tool's, then NAME.after's) with NAME.expected, stderr with NAME.stderr (if present) and the exit code with NAME.rc
# (default 0). Writes WORKDIR/result ("PASS", "FAIL <reason>") and WORKDIR/report (details);
# always exits 0 unless its own arguments are wrong.
set -euo pipefail
export LC_ALL=C

if (($# != 5)); then
  echo "usage: run-case.sh CASE.bt NAME WORKDIR HELPERS_DIR BT2BIN" >&2
  exit 2
fi
bt=$1 name=$2 dir=$3 helpers=$4 bt2bin=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
base=${bt%.bt}
mkdir -p "$dir"
: >"$dir/report"

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
t_start=$(now_ms)

finish() { # finish STATUS [REASON]
  local elapsed=$(($(now_ms) - t_start))
  printf '%s %d.%02ds%s\n' "$1" $((elapsed / 1000)) $((elapsed % 1000 / 10)) "${2:+ $2}" >"$dir/result"
  exit 0
}
note() { printf '%s\n' "$*" >>"$dir/report"; }
attach_file() { # attach_file TITLE FILE [MAXLINES]
  [[ -s $2 ]] || return 0
  note "--- $1 ($2)"
  head -n "${3:-40}" -- "$2" >>"$dir/report"
}

# read_lines FILE ARRAY: one element per line; lines starting with '#' are comments
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

# process state from /proc (a zombie counts as gone)
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [[ ${st%% *} != Z ]]
}

sleep_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# ---- case options ----
timeout_s=10
[[ -f $base.timeout ]] && timeout_s=$(tr -d ' \n' <"$base.timeout")
[[ $timeout_s =~ ^[0-9]+(\.[0-9]+)?$ ]] || finish FAIL "bad $name.timeout: $timeout_s"
expected_rc=0
[[ -f $base.rc ]] && expected_rc=$(tr -d ' \n' <"$base.rc")
read_lines "$base.args" args
read_lines "$base.bt2bin" compile_args
read_lines "$base.workload" workload
read_lines "$base.after" after
read_lines "$base.filter" filter_lines
filters=()
for l in "${filter_lines[@]}"; do
  read -r -a words <<<"$l"
  filters+=("${words[@]}")
done
sig='' sig_ms=''
if [[ -f $base.signal ]]; then
  read -r sig sig_ms <"$base.signal" || true
  sig=${sig#SIG}
  [[ $sig == INT || $sig == TERM ]] || finish FAIL "bad $name.signal: signal must be SIGINT or SIGTERM"
  [[ $sig_ms =~ ^[0-9]+$ ]] || finish FAIL "bad $name.signal: expected '<SIGINT|SIGTERM> <ms>'"
fi
if ((${#workload[@]})) && [[ -x $helpers/${workload[0]} ]]; then
  workload[0]=$helpers/${workload[0]}
fi
[[ -f $base.expected ]] || finish FAIL "missing $name.expected"

# ---- compile ----
if ! timeout 300 "$bt2bin" "${compile_args[@]}" "$bt" -o "$dir/tool" >"$dir/compile.log" 2>&1; then
  attach_file "bt2bin output" "$dir/compile.log"
  finish FAIL "compile failed"
fi
[[ -x $dir/tool ]] || finish FAIL "bt2bin exited 0 but produced no executable"

# ---- a process started before the tool (NAME.background), named in NAME.args as {bgpid} ----
read_lines "$base.background" background
bgpid=''
if ((${#background[@]})); then
  if [[ -x $helpers/${background[0]} ]]; then background[0]=$helpers/${background[0]}; fi
  "${background[@]}" >"$dir/background.log" 2>&1 </dev/null &
  bgpid=$!
  # The tool reads /proc/PID/exe at start: wait until the child has exec'd.
  for _ in $(seq 200); do
    [[ $(readlink "/proc/$bgpid/exe" 2>/dev/null) == "$(readlink -f "$(command -v "${background[0]}")")" ]] && break
    sleep 0.01
  done
  for i in "${!args[@]}"; do args[i]=${args[i]//\{bgpid\}/$bgpid}; done
fi

# ---- privileges (NAME.user): run as `nobody`, or as root without capabilities ----
runner=()
if [[ -f $base.user ]]; then
  user=$(tr -d ' \n' <"$base.user")
  case $user in
    nobody)
      # nobody cannot enter the private work directory: run a copy from a readable one
      udir=$(mktemp -d "${TMPDIR:-/tmp}/bt2bin-e2e-user.XXXXXX")
      chmod 755 "$udir"
      install -m 755 "$dir/tool" "$udir/tool"
      trap 'rm -rf -- "$udir"' EXIT
      runner=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all)
      tool=$udir/tool
      ;;
    root-without-caps) runner=(setpriv --inh-caps=-all --bounding-set=-all) ;;
    *) finish FAIL "bad $name.user: nobody or root-without-caps" ;;
  esac
fi
tool=${tool:-$dir/tool}

# ---- NAME.trace: the tool runs under a name of its own, so that the kernel trace buffer lines
# (debugf/bpf_trace_printk) written from its process (BEGIN/END run there) can be told apart ----
trace_comm=''
if [[ -f $base.trace ]]; then
  trace_comm=bt$$_$RANDOM # a comm: at most 15 characters
  ln -sf -- "$tool" "$dir/$trace_comm"
  tool=$dir/$trace_comm
fi

# ---- run ----
# timeout(1) forwards SIGINT/SIGTERM to the tool; env resets their disposition to default
# (background jobs of a non-interactive shell start with SIGINT ignored).
# The helpers are on PATH so `-c` cases can name them.
timeout -k 3 "$timeout_s" env --default-signal=INT,TERM -- PATH="$helpers:$PATH" ${runner[@]+"${runner[@]}"} \
  "$tool" "${args[@]}" \
  >"$dir/stdout" 2>"$dir/stderr" </dev/null &
pid=$!

if ((${#workload[@]})) || [[ -n $sig ]]; then
  # wait until the tool says it is attached (or exits); tools run with -q never say it
  deadline=$(($(now_ms) + 10000))
  while alive "$pid" && ! grep -q '^Attached ' "$dir/stderr" && (($(now_ms) < deadline)); do
    sleep 0.02
  done
  grep -q '^Attached ' "$dir/stderr" || note "note: no 'Attached' line on stderr before the workload"
fi
if ((${#workload[@]})); then
  if ! timeout 30 "${workload[@]}" >"$dir/workload.log" 2>&1 </dev/null; then
    attach_file "workload output" "$dir/workload.log"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    finish FAIL "workload failed: ${workload[*]}"
  fi
fi
if [[ -n $sig ]]; then
  sleep_ms "$sig_ms"
  kill -s "$sig" "$pid" 2>/dev/null || note "note: tool had already exited before SIG$sig"
fi
rc=0
wait "$pid" || rc=$?
# NAME.after: argv run once the tool has ended (e.g. reading what it left behind); its stdout is
# compared as part of the tool's.
if ((${#after[@]})); then
  timeout 30 "${after[@]}" >>"$dir/stdout" 2>>"$dir/report" </dev/null || note "note: ${after[*]} failed"
fi
if [[ -n $bgpid ]]; then
  kill -KILL "$bgpid" 2>/dev/null || true
  wait "$bgpid" 2>/dev/null || true
fi

# ---- compare ----
reasons=()
if ((rc == 124 || rc == 137)); then
  reasons+=("timed out after ${timeout_s}s")
elif [[ $rc != "$expected_rc" ]]; then
  reasons+=("exit code $rc, expected $expected_rc")
fi
if ((${#filters[@]})); then
  "$here/normalize" "${filters[@]}" <"$dir/stdout" >"$dir/stdout.norm" 2>>"$dir/report" ||
    finish FAIL "bad filter: ${filters[*]}"
  "$here/normalize" "${filters[@]}" <"$base.expected" >"$dir/expected.norm"
else
  cp -- "$dir/stdout" "$dir/stdout.norm"
  cp -- "$base.expected" "$dir/expected.norm"
fi
if ! cmp -s "$dir/expected.norm" "$dir/stdout.norm"; then
  reasons+=("stdout differs")
  note "--- stdout diff (expected vs actual${filters:+, after filter: ${filters[*]}})"
  diff -u --label "$name.expected" --label "actual stdout" "$dir/expected.norm" "$dir/stdout.norm" \
    >>"$dir/report" || true
fi
if [[ -n $trace_comm ]]; then
  tracefs=/sys/kernel/tracing
  [[ -r $tracefs/trace ]] || tracefs=/sys/kernel/debug/tracing
  # `   COMM-PID   [CPU] FLAGS  TIME: bpf_trace_printk: MESSAGE` -> MESSAGE
  sed -n "s/^ *$trace_comm-[0-9]\+ .*: bpf_trace_printk: //p" "$tracefs/trace" >"$dir/trace" 2>>"$dir/report" || true
  if ! cmp -s "$base.trace" "$dir/trace"; then
    reasons+=("kernel trace differs")
    note "--- kernel trace diff (lines of $tracefs/trace from $trace_comm)"
    diff -u --label "$name.trace" --label "actual trace" "$base.trace" "$dir/trace" >>"$dir/report" || true
  fi
fi
if [[ -f $base.stderr ]] && ! cmp -s "$base.stderr" "$dir/stderr"; then
  reasons+=("stderr differs")
  note "--- stderr diff"
  diff -u --label "$name.stderr" --label "actual stderr" "$base.stderr" "$dir/stderr" >>"$dir/report" || true
elif ((${#reasons[@]})); then
  attach_file "stderr" "$dir/stderr" 20
fi
if ((${#reasons[@]})); then
  printf -v joined '%s; ' "${reasons[@]}"
  finish FAIL "${joined%; }"
fi
finish PASS

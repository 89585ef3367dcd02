#!/usr/bin/env bash
# Runs ONE differential case (called by tests/differential/run.sh, possibly in parallel).
# Usage: diff-case.sh CASE.bt NAME WORKDIR HELPERS_DIR BT2BIN
#  * NAME.skip present      -> SKIP (its first line is the reason)
#  * NAME.expected present  -> golden mode (a feature 0.17 lacks): only the bt2bin tool runs
#  * otherwise: Debian's bpftrace 0.17 runs NAME.bt (same NAME.args/NAME.workload), its stdout goes
#    through normalize-0.17 (documented 0.17 differences only; its stderr is ignored), and the
#    result becomes the expected stdout of the bt2bin-built tool. 0.17 outputs that show the
#    hist >= 2^31 clamp are skipped.
# The bt2bin side is run by tests/e2e/run-case.sh (same compile/run/compare machinery).
# Writes WORKDIR/result ("PASS|FAIL|SKIP <time> [reason]") and WORKDIR/report.
set -euo pipefail
export LC_ALL=C

(($# == 5)) || { echo "usage: diff-case.sh CASE.bt NAME WORKDIR HELPERS_DIR BT2BIN" >&2; exit 2; }
bt=$1 name=$2 dir=$3 helpers=$4 bt2bin=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e=$(cd "$here/../e2e" && pwd)
base=${bt%.bt}
mkdir -p "$dir/case"
: >"$dir/report"

if [[ -f $base.skip ]]; then
  reason=$(head -n 1 -- "$base.skip")
  printf 'SKIP 0.00s %s\n' "${reason:-NAME.skip present}" >"$dir/result"
  exit 0
fi

# The case as tests/e2e/run-case.sh sees it: same script, args, workload, timeout.
cp -- "$bt" "$dir/case/$(basename "$bt")"
for ext in args workload timeout signal; do
  if [[ -f $base.$ext ]]; then cp -- "$base.$ext" "$dir/case/"; fi
done
case_bt=$dir/case/$(basename "$bt")
case_base=${case_bt%.bt}

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
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [[ ${st%% *} != Z ]]
}

if [[ -f $base.expected ]]; then
  mode=golden
  cp -- "$base.expected" "$case_base.expected"
else
  mode=0.17
  timeout_s=30
  read_lines "$base.args" args
  read_lines "$base.workload" workload
  if ((${#workload[@]})) && [[ -x $helpers/${workload[0]} ]]; then
    workload[0]=$helpers/${workload[0]}
  fi
  timeout -k 3 "$timeout_s" env --default-signal=INT,TERM -- bpftrace "$bt" "${args[@]}" \
    >"$dir/bpftrace.stdout" 2>"$dir/bpftrace.stderr" </dev/null &
  pid=$!
  if ((${#workload[@]})); then
    # 0.17 prints its banner BEFORE attaching: wait for it, then give it time to attach
    for ((i = 0; i < 500; i++)); do
      alive "$pid" || break
      grep -q '^Attaching ' "$dir/bpftrace.stdout" && break
      sleep 0.02
    done
    sleep 0.5
    timeout 30 "${workload[@]}" >"$dir/workload.log" 2>&1 </dev/null || true
  fi
  rc=0
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    {
      echo "--- bpftrace 0.17 exited with $rc; its stderr:"
      grep -v RLIMIT_MEMLOCK "$dir/bpftrace.stderr" | head -n 30
    } >>"$dir/report"
    printf 'FAIL 0.00s bpftrace 0.17 failed (rc=%d): fix or skip the script\n' "$rc" >"$dir/result"
    exit 0
  fi
  if "$here/normalize-0.17" --detect-clamp <"$dir/bpftrace.stdout"; then
    printf 'SKIP 0.00s 0.17 clamps hist values >= 2^31 into [2G, 4G)\n' >"$dir/result"
    exit 0
  fi
  "$here/normalize-0.17" --script "$bt" <"$dir/bpftrace.stdout" >"$case_base.expected"
fi

bash "$e2e/run-case.sh" "$case_bt" "$name" "$dir/bt2bin" "$helpers" "$bt2bin"
read -r status rest <"$dir/bt2bin/result"
if [[ $status != PASS ]]; then
  if [[ $mode == 0.17 ]]; then
    echo "(expected = bpftrace 0.17 stdout after normalize-0.17)" >>"$dir/report"
  else
    echo "(expected = golden $name.expected)" >>"$dir/report"
  fi
  cat -- "$dir/bt2bin/report" >>"$dir/report"
fi
printf '%s %s\n' "$status" "$rest" >"$dir/result"

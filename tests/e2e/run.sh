#!/usr/bin/env bash
# End-to-end suite: compile each tests/e2e/cases/**/NAME.bt with bt2bin, run the produced tool,
# compare its output byte for byte (see tests/e2e/README.md for the case format).
# Usage: tests/e2e/run.sh BUILD_DIR [-k REGEX] [-j JOBS] [--keep]
#   -k REGEX  only cases whose name matches (bash regex, e.g. -k 'hello|sig')
#   -j JOBS   cases run in parallel (default 2); output order is always by case name
#   --keep    keep the work directory (printed at the end)
# Env: BT2BIN=path overrides BUILD_DIR/bt2bin (e.g. scripts/oracle-bt2bin).
# Prints PASS/FAIL per case, the report of each failure, then `e2e: N passed, M failed`.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 BUILD_DIR [-k REGEX] [-j JOBS] [--keep]" >&2; exit 2; }
(($# >= 1)) || usage
build=$(cd "$1" && pwd) || usage
shift
pattern='' jobs=2 keep=0
while (($#)); do
  case $1 in
    -k) (($# >= 2)) || usage; pattern=$2; shift 2 ;;
    -j) (($# >= 2)) || usage; jobs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage ;;
  esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bt2bin=${BT2BIN:-$build/bt2bin}
summary_dir=$build/test-summaries
mkdir -p "$summary_dir"

fail_early() {
  echo "e2e: $1" >&2
  echo "e2e: 0 passed, 1 failed ($1)" | tee "$summary_dir/e2e.txt"
  exit 1
}
[[ -x $bt2bin ]] || fail_early "no compiler at $bt2bin (build the bt2bin target first)"
bt2bin=$(cd "$(dirname "$bt2bin")" && pwd)/$(basename "$bt2bin")
((EUID == 0)) || fail_early "must run as root (the produced tools load BPF programs)"

# ---- helper programs used as workloads (static, deterministic syscalls) ----
helpers=$build/e2e/helpers
mkdir -p "$helpers"
for src in "$here"/helpers/*.c; do
  exe=$helpers/$(basename "$src" .c)
  if [[ ! -x $exe || $src -nt $exe ]]; then
    cc -O2 -static -Wall -o "$exe" "$src" || fail_early "cannot build helper $src"
  fi
done

# ---- select cases ----
cases=()
while IFS= read -r -d '' f; do
  rel=${f#"$here/cases/"}
  name=${rel%.bt}
  if [[ -n $pattern && ! $name =~ $pattern ]]; then continue; fi
  cases+=("$name")
done < <(find "$here/cases" -name '*.bt' -not -path '*/imports/*' -print0 | sort -z)
((${#cases[@]})) || fail_early "no case matches '${pattern}'"

work=$(mktemp -d "${TMPDIR:-/tmp}/bt2bin-e2e.XXXXXX")
if ((keep == 0)); then trap 'rm -rf -- "$work"' EXIT; fi

# ---- run (in parallel), then report in name order ----
for name in "${cases[@]}"; do printf '%s\0' "$name"; done |
  xargs -0 -P "$jobs" -I{} bash "$here/run-case.sh" "$here/cases/{}.bt" "{}" "$work/cases/{}" \
    "$helpers" "$bt2bin" || true

passed=0 failed=0 failures=()
for name in "${cases[@]}"; do
  res=$work/cases/$name/result
  if [[ -f $res ]]; then
    read -r status rest <"$res"
  else
    status=FAIL rest="harness error: no result"
  fi
  printf '%-4s %s %s\n' "$status" "$name" "$rest"
  if [[ $status == PASS ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
done

# self-contained check of one produced binary (part of the suite unless -k excludes it)
if [[ -z $pattern || self_contained =~ $pattern ]]; then
  if bash "$here/self_contained.sh" "$bt2bin" "$work/self_contained" >"$work/self_contained.log" 2>&1; then
    echo "PASS self_contained"
    passed=$((passed + 1))
  else
    echo "FAIL self_contained"
    failed=$((failed + 1))
    failures+=(self_contained)
  fi
fi

for name in "${failures[@]}"; do
  echo
  echo "===== $name"
  if [[ $name == self_contained ]]; then
    cat -- "$work/self_contained.log"
  elif [[ -s $work/cases/$name/report ]]; then
    cat -- "$work/cases/$name/report"
  fi
done
((keep)) && echo "e2e: work directory kept: $work"
echo
echo "e2e: $passed passed, $failed failed" | tee "$summary_dir/e2e.txt"
((failed == 0))

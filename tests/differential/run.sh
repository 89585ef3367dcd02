#!/usr/bin/env bash
# Differential suite: each tests/differential/cases/NAME.bt is run by Debian's bpftrace 0.17 and
# by the bt2bin-built tool; stdout must match after normalize-0.17 (documented 0.17 differences
# only). NAME.expected = golden output for a feature 0.17 lacks (bt2bin only); NAME.skip = skip.
# Scripts must be deterministic and end by themselves (0.17 does not auto-exit BEGIN-only
# programs: call exit()). See tests/differential/README.md.
# Usage: tests/differential/run.sh BUILD_DIR [-k REGEX] [-j JOBS] [--keep]
# Env: BT2BIN=path overrides BUILD_DIR/bt2bin.
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
  echo "differential: $1" >&2
  echo "differential: 0 passed, 1 failed, 0 skipped ($1)" | tee "$summary_dir/differential.txt"
  exit 1
}
[[ -x $bt2bin ]] || fail_early "no compiler at $bt2bin (build the bt2bin target first)"
bt2bin=$(cd "$(dirname "$bt2bin")" && pwd)/$(basename "$bt2bin")
((EUID == 0)) || fail_early "must run as root"
command -v bpftrace >/dev/null || fail_early "bpftrace (0.17) not installed: run scripts/install-deps.sh"

# workload helpers are shared with tests/e2e
helpers=$build/e2e/helpers
mkdir -p "$helpers"
for src in "$here"/../e2e/helpers/*.c; do
  exe=$helpers/$(basename "$src" .c)
  if [[ ! -x $exe || $src -nt $exe ]]; then
    cc -O2 -static -Wall -o "$exe" "$src" || fail_early "cannot build helper $src"
  fi
done

cases=()
while IFS= read -r -d '' f; do
  rel=${f#"$here/cases/"}
  name=${rel%.bt}
  if [[ -n $pattern && ! $name =~ $pattern ]]; then continue; fi
  cases+=("$name")
done < <(find "$here/cases" -name '*.bt' -print0 | sort -z)
((${#cases[@]})) || fail_early "no case matches '${pattern}'"

work=$(mktemp -d "${TMPDIR:-/tmp}/bt2bin-differential.XXXXXX")
if ((keep == 0)); then trap 'rm -rf -- "$work"' EXIT; fi

for name in "${cases[@]}"; do printf '%s\0' "$name"; done |
  xargs -0 -P "$jobs" -I{} bash "$here/diff-case.sh" "$here/cases/{}.bt" "{}" "$work/cases/{}" \
    "$helpers" "$bt2bin" || true

passed=0 failed=0 skipped=0 failures=()
for name in "${cases[@]}"; do
  res=$work/cases/$name/result
  if [[ -f $res ]]; then
    read -r status rest <"$res"
  else
    status=FAIL rest="harness error: no result"
  fi
  printf '%-4s %s %s\n' "$status" "$name" "$rest"
  case $status in
    PASS) passed=$((passed + 1)) ;;
    SKIP) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)); failures+=("$name") ;;
  esac
done
for name in "${failures[@]}"; do
  echo
  echo "===== $name"
  cat -- "$work/cases/$name/report" 2>/dev/null || true
done
((keep)) && echo "differential: work directory kept: $work"
echo
echo "differential: $passed passed, $failed failed, $skipped skipped" | tee "$summary_dir/differential.txt"
((failed == 0))

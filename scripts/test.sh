#!/usr/bin/env bash
# Runs the whole bt2bin test suite: setup's install + build (idempotent), then every CTest suite
# (unit, parse_corpus, diagnostics, compile_corpus, e2e, differential, kernel_matrix) through
# `ctest --test-dir build --output-on-failure`, then a final summary (one line per suite, with
# the suite's own `N passed, M failed` line from build/test-summaries/ when it writes one).
# Usage: scripts/test.sh [extra ctest args, e.g. -R e2e]
# Env: BT2BIN_BUILD_DIR as for scripts/setup.sh. Exit code: 0 iff every suite passed.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BT2BIN_BUILD_DIR:-$root/build}

if ! bash "$root/scripts/setup.sh" --no-example; then
  echo "================ bt2bin test summary ================"
  echo "RESULT: FAIL (setup or build failed; see above)"
  exit 1
fi

rm -rf -- "$build/test-summaries"
mkdir -p "$build/test-summaries"
log=$build/test-summaries/ctest.log
t0=$SECONDS
rc=0
ctest --test-dir "$build" --output-on-failure --timeout 1800 "$@" 2>&1 | tee "$log" || rc=$?

echo
echo "================ bt2bin test summary ================"
status_re='Test +#[0-9]+: ([A-Za-z0-9_]+) \.+ *(\*\*\*)?([A-Za-z ]+[A-Za-z])[^0-9]*([0-9.]+) sec'
seen=0
while IFS= read -r line; do
  if [[ $line =~ $status_re ]]; then
    name=${BASH_REMATCH[1]} status=${BASH_REMATCH[3]} secs=${BASH_REMATCH[4]}
    detail=
    if [[ -f $build/test-summaries/$name.txt ]]; then detail=$(tail -n 1 -- "$build/test-summaries/$name.txt"); fi
    printf '%-14s %-8s %8s s  %s\n' "$name" "$status" "$secs" "$detail"
    seen=$((seen + 1))
  fi
done <"$log"
((seen)) || echo "(no test ran: see the ctest output above)"
grep -E '^[0-9]+% tests passed' "$log" || true
printf 'total time %d s; full log: %s\n' $((SECONDS - t0)) "$log"
if ((rc == 0)) && ((seen)); then echo "RESULT: PASS"; else echo "RESULT: FAIL"; fi
((rc == 0)) && ((seen))

#!/usr/bin/env bash
# Compiles every parse-corpus and seed script into a binary (no run): each must either build or
# be refused with a script diagnostic (file:line:col: error:). A toolchain failure (clang,
# bpftool, the linker) or a crash means bt2bin generated bad code and fails the suite.
# Usage: tests/compile_corpus/run.sh BUILD_DIR [-j JOBS]
set -euo pipefail
build=$(cd "$1" && pwd)
jobs=2
[[ ${2:-} == -j ]] && jobs=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tests=$(dirname "$here")
work=$(mktemp -d "${TMPDIR:-/tmp}/bt2bin-compile.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

compile_one() { # compile_one SCRIPT: prints "built|refused|BROKEN NAME"
  local script=$1 name out rc=0
  name=$(basename "$script" .bt)
  out=$work/$name
  timeout 120 "$build/bt2bin" --unsafe "$script" -o "$out.bin" >"$out.log" 2>&1 || rc=$?
  if ((rc == 0)); then
    echo "built $name"
  elif ((rc == 1)) && grep -qE '^[^ ]+:[0-9]+:[0-9]+: error: ' "$out.log" && ! grep -q ' failed:$' "$out.log"; then
    echo "refused $name"
  else
    echo "BROKEN $name (exit $rc)"
    sed 's/^/    /' "$out.log" | head -20
  fi
  rm -f "$out.bin"
}
export -f compile_one
export build work

results=$(printf '%s\0' "$tests"/parse_corpus/*.bt "$tests"/seed/*.bt | xargs -0 -P "$jobs" -I{} bash -c 'compile_one "$1"' _ {})
echo "$results" | grep -v '^\(built\|refused\) ' || true
built=$(grep -c '^built ' <<<"$results" || true)
refused=$(grep -c '^refused ' <<<"$results" || true)
broken=$(grep -c '^BROKEN ' <<<"$results" || true)
summary="compile corpus: $built built, $refused refused with a diagnostic, $broken broken"
echo "$summary"
mkdir -p "$build/test-summaries"
echo "$summary" >"$build/test-summaries/compile_corpus.txt"
((broken == 0))

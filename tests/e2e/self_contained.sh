#!/usr/bin/env bash
# Checks that a bt2bin-produced tool is self-contained (DESIGN invariant 9): compiles the hello
# case, copies the binary ALONE into an empty directory, checks `file` calls it statically
# linked, and runs it there with an empty environment (`env -i`) and with PATH empty.
# Usage: self_contained.sh BT2BIN WORKDIR     (called by tests/e2e/run.sh)
set -euo pipefail
export LC_ALL=C

(($# == 2)) || { echo "usage: $0 BT2BIN WORKDIR" >&2; exit 2; }
bt2bin=$1 work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/cases/hello.bt
expected=$here/cases/hello.expected

rm -rf -- "$work"
mkdir -p "$work/build" "$work/empty"
fails=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

if ! "$bt2bin" "$src" -o "$work/build/hello" >"$work/build/compile.log" 2>&1; then
  echo "FAIL compile $src"
  cat -- "$work/build/compile.log"
  exit 1
fi
cp -- "$work/build/hello" "$work/empty/hello"
cd "$work/empty"

kind=$(file -b ./hello)
echo "file: $kind"
is_static() { [[ $kind == *"statically linked"* || $kind == *"static-pie linked"* ]]; }
check "file says statically linked" is_static
no_interp() { ! readelf -l ./hello 2>/dev/null | grep -q 'Requesting program interpreter'; }
check "no ELF interpreter (PT_INTERP)" no_interp

run_and_compare() { # run_and_compare LABEL ENV-ARGS...
  local label=$1
  shift
  local out=$work/$label.out err=$work/$label.err rc=0
  timeout 10 env "$@" ./hello >"$out" 2>"$err" </dev/null || rc=$?
  if ((rc != 0)); then
    echo "  exit code $rc; stderr:"
    head -n 20 -- "$err"
    return 1
  fi
  if ! cmp -s "$expected" "$out"; then
    diff -u --label expected --label "$label stdout" "$expected" "$out" || true
    return 1
  fi
}
check "runs alone in an empty dir with env -i" run_and_compare env-i -i
check "runs alone in an empty dir with PATH=''" run_and_compare empty-path PATH=
only_binary() { [[ $(find . -mindepth 1 | wc -l) == 1 ]]; }
check "the directory still holds only the binary" only_binary

((fails == 0))

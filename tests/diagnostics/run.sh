#!/usr/bin/env bash
# Diagnostics golden test: for every .bt in tests/diagnostics/, runs
# `BUILD_DIR/bt2bin --check FILE` from this directory with the bare file name
# (so messages read `001_missing_semicolon.bt:3:22: error: ...`), requires exit
# code 1, and compares stderr with the golden FILE.expected. With --update,
# rewrites the goldens instead.
#
# Usage: tests/diagnostics/run.sh BUILD_DIR [--update]
set -euo pipefail

usage() {
  echo "usage: $0 BUILD_DIR [--update]" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
build_dir=$1
update=0
if [[ $# -eq 2 ]]; then
  [[ $2 == --update ]] || usage
  update=1
fi

bt2bin=$(cd "$build_dir" && pwd)/bt2bin
[[ -x $bt2bin ]] || { echo "error: $bt2bin not found or not executable" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
updated=0
failed_files=()

shopt -s nullglob
files=(*.bt)
shopt -u nullglob

for name in "${files[@]}"; do
  golden="$name.expected"
  err="$tmp/err"
  rc=0
  "$bt2bin" --check "$name" >"$tmp/out" 2>"$err" || rc=$?

  if [[ $rc -ne 1 ]]; then
    echo "FAIL: $name: expected exit code 1, got $rc"
    sed 's/^/    /' "$err"
    failed=$((failed + 1))
    failed_files+=("$name")
    continue
  fi

  if [[ $update -eq 1 ]]; then
    cp "$err" "$golden"
    updated=$((updated + 1))
    passed=$((passed + 1))
    continue
  fi

  if [[ ! -f $golden ]]; then
    echo "FAIL: $name: missing golden $golden"
    failed=$((failed + 1))
    failed_files+=("$name")
    continue
  fi
  if diff -u --label "$golden (golden)" --label "$golden (actual)" "$golden" "$err" >"$tmp/diff"; then
    passed=$((passed + 1))
  else
    echo "FAIL: $name: diagnostics differ from golden"
    cat "$tmp/diff"
    failed=$((failed + 1))
    failed_files+=("$name")
  fi
done

if [[ $update -eq 1 ]]; then
  echo "diagnostics: $updated goldens written"
fi
echo "diagnostics: $passed passed, $failed failed"
if [[ $failed -ne 0 ]]; then
  for f in "${failed_files[@]}"; do
    echo "  failed: $f"
  done
  exit 1
fi

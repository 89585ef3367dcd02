#!/usr/bin/env bash
# Parse-corpus golden test: for every .bt in tests/parse_corpus/ and tests/seed/,
# runs `BUILD_DIR/bt2bin -d ast FILE` and compares stdout with the golden
# FILE.ast next to it. With --update, rewrites the goldens instead.
#
# Usage: tests/parse_corpus/run.sh BUILD_DIR [--update]
# The file is passed as a path relative to its own directory (the command runs
# there), so goldens never contain a build- or checkout-specific path.
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
dirs=("$here" "$here/../seed")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
updated=0
failed_files=()

for dir in "${dirs[@]}"; do
  [[ -d $dir ]] || continue
  dir=$(cd "$dir" && pwd)
  shopt -s nullglob
  files=("$dir"/*.bt)
  shopt -u nullglob
  for path in "${files[@]}"; do
    name=$(basename "$path")
    golden="$path.ast"
    out="$tmp/out"
    err="$tmp/err"
    rc=0
    (cd "$dir" && "$bt2bin" -d ast "$name") >"$out" 2>"$err" || rc=$?

    if [[ $update -eq 1 ]]; then
      if [[ $rc -ne 0 ]]; then
        echo "WARN: $name: bt2bin exited with $rc; golden not written" >&2
        sed 's/^/    /' "$err" >&2
        failed=$((failed + 1))
        failed_files+=("$dir/$name")
        continue
      fi
      cp "$out" "$golden"
      updated=$((updated + 1))
      passed=$((passed + 1))
      continue
    fi

    if [[ ! -f $golden ]]; then
      echo "FAIL: $name: missing golden $(basename "$golden")"
      failed=$((failed + 1))
      failed_files+=("$dir/$name")
      continue
    fi
    if [[ $rc -ne 0 ]]; then
      echo "FAIL: $name: bt2bin -d ast exited with $rc"
      sed 's/^/    /' "$err"
      failed=$((failed + 1))
      failed_files+=("$dir/$name")
      continue
    fi
    if diff -u --label "$name.ast (golden)" --label "$name.ast (actual)" "$golden" "$out" >"$tmp/diff"; then
      passed=$((passed + 1))
    else
      echo "FAIL: $name: AST differs from golden"
      cat "$tmp/diff"
      failed=$((failed + 1))
      failed_files+=("$dir/$name")
    fi
  done
done

if [[ $update -eq 1 ]]; then
  echo "parse corpus: $updated goldens written"
fi
echo "parse corpus: $passed passed, $failed failed"
if [[ $failed -ne 0 ]]; then
  for f in "${failed_files[@]}"; do
    echo "  failed: $f"
  done
  exit 1
fi

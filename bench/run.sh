#!/usr/bin/env bash
# Benchmarks bpftrace 0.17 against bt2bin-built tools, side by side, in one run (see bench.py for
# what is measured). Reports a table with ratios; never part of the test suite, never asserts.
# Usage: bench/run.sh [BUILD_DIR] [--quick]      (BUILD_DIR defaults to build/)
# Env: BT2BIN overrides BUILD_DIR/bt2bin.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=$root/build quick=()
while (($#)); do
  case $1 in
    --quick) quick=(--quick); shift ;;
    -*) echo "usage: $0 [BUILD_DIR] [--quick]" >&2; exit 2 ;;
    *) build=$(cd "$1" && pwd); shift ;;
  esac
done
bt2bin=${BT2BIN:-$build/bt2bin}
[[ -x $bt2bin ]] || { echo "bench: no compiler at $bt2bin (build the bt2bin target first)" >&2; exit 1; }
((EUID == 0)) || { echo "bench: must run as root" >&2; exit 1; }
command -v bpftrace >/dev/null || { echo "bench: bpftrace missing: run scripts/install-deps.sh" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time missing: run scripts/install-deps.sh" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bt2bin-bench.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
cc -O2 -Wall -o "$work/getppid_loop" "$here/getppid_loop.c"
python3 "$here/bench.py" --bt2bin "$bt2bin" --loop "$work/getppid_loop" --work "$work" "${quick[@]}"

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

# The hand-written libbpf baseline (bench/handwritten/), built the way libbpf-tools are.
hw=$work/handwritten
mkdir -p "$hw"
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$hw/vmlinux.h"
clang-14 -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$hw" -I/usr/include/x86_64-linux-gnu \
  -c "$here/handwritten/getppid_count.bpf.c" -o "$hw/getppid_count.tmp.o"
bpftool gen object "$hw/getppid_count.bpf.o" "$hw/getppid_count.tmp.o"
bpftool gen skeleton "$hw/getppid_count.bpf.o" name getppid_count_bpf >"$hw/getppid_count.skel.h"
cc -O2 -I"$hw" -o "$hw/getppid_count" "$here/handwritten/getppid_count.c" -static -lbpf -lelf -lz

python3 "$here/bench.py" --bt2bin "$bt2bin" --loop "$work/getppid_loop" --work "$work" \
  --handwritten "$hw/getppid_count" "${quick[@]}"

#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) to build and use bt2bin, idempotently:
#   1. installs the dependencies (scripts/install-deps.sh; silent when nothing is missing),
#   2. mounts tracefs and debugfs if they are not mounted,
#   3. configures (once) and builds bt2bin with CMake into build/,
#   4. compiles examples/hello.bt with build/bt2bin and runs the produced static tool.
# Usage: scripts/setup.sh [--no-example]
# Env: BT2BIN_BUILD_DIR=dir builds elsewhere than build/ (for experiments).
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BT2BIN_BUILD_DIR:-$root/build}
example=1
for arg in "$@"; do
  case $arg in
    --no-example) example=0 ;;
    *) echo "usage: $0 [--no-example]" >&2; exit 2 ;;
  esac
done
say() { printf 'setup: %s\n' "$*" >&2; }

if ((EUID != 0)); then
  say "run as root (installs packages, mounts tracefs; the produced tools load BPF programs)"
  exit 1
fi

# 1. dependencies
bash "$root/scripts/install-deps.sh"

# 2. tracefs and debugfs (bpftrace 0.17 reads /sys/kernel/debug/tracing), bpffs (pinned iterators)
mount_if_missing() { # mount_if_missing TYPE DIR
  if ! mountpoint -q "$2"; then
    if mount -t "$1" "$1" "$2"; then say "mounted $1 on $2"; else say "warning: cannot mount $1 on $2"; fi
  fi
}
mount_if_missing tracefs /sys/kernel/tracing
mount_if_missing debugfs /sys/kernel/debug
mount_if_missing bpf /sys/fs/bpf

# 3. configure once, build (incremental)
if [[ ! -f $build/CMakeCache.txt ]]; then
  say "configuring $build"
  cmake -S "$root" -B "$build" -G 'Unix Makefiles' -Wno-dev >/dev/null
fi
cmake --build "$build" -j "$(nproc)"

# 4. the bundled example, compiled and run
if ((example)); then
  mkdir -p "$build/examples"
  say "compiling examples/hello.bt -> $build/examples/hello"
  "$build/bt2bin" "$root/examples/hello.bt" -o "$build/examples/hello"
  say "running $build/examples/hello"
  "$build/examples/hello"
fi

#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of bt2bin from Debian 12's archive
# (test harnesses: python3, qemu/busybox/cpio for the kernel matrix; bench: bpftrace, time).
# Idempotent: when everything is present it prints nothing and touches nothing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config file
  clang-14 llvm-14 libbpf-dev bpftool libelf-dev zlib1g-dev
  antlr4 libantlr4-runtime-dev default-jre-headless
  doctest-dev dwarves systemtap-sdt-dev
  bpftrace
  qemu-system-x86 busybox-static cpio
  python3 time util-linux gzip
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

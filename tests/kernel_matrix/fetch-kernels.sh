#!/usr/bin/env bash
# Fetches Debian's 6.1 and 6.12 cloud kernels (bookworm, -unsigned images) once into a cache
# outside the repo and prints "LABEL PATH-TO-VMLINUZ" lines, one per kernel, for run.sh.
# Idempotent: when the cache already holds a vmlinuz for a line, apt is not consulted at all.
# Usage: fetch-kernels.sh [CACHE_DIR]   (default /var/cache/bt2bin-kernels, or $BT2BIN_KERNEL_CACHE)
set -euo pipefail

cache=${1:-${BT2BIN_KERNEL_CACHE:-/var/cache/bt2bin-kernels}}
mkdir -p "$cache/debs" "$cache/root"

# newest cached vmlinuz of a kernel line ("6.1" or "6.12"), or nothing
cached_vmlinuz() {
  local line=$1 f
  for f in "$cache"/root/boot/vmlinuz-"$line".*; do
    if [[ -e $f ]]; then printf '%s\n' "$f"; fi
  done | sort -V | tail -n 1
}

# package to download for a kernel line
package_for() {
  local line=$1 name
  if [[ $line == 6.1 ]]; then
    # the cloud meta-package points at the current 6.1 ABI
    name=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
           awk '/Depends: linux-image-6\.1\./ {print $2; exit}')
    [[ -n $name ]] && { printf '%s-unsigned\n' "$name"; return; }
  fi
  apt-cache pkgnames "linux-image-$line." 2>/dev/null |
    grep -E "^linux-image-${line//./\\.}\.[0-9.+a-z-]*-cloud-amd64-unsigned$" | sort -V | tail -n 1
}

fetch() {
  local line=$1 pkg deb
  pkg=$(package_for "$line")
  if [[ -z $pkg ]]; then
    apt-get update -qq >/dev/null 2>&1 || true
    pkg=$(package_for "$line")
  fi
  [[ -n $pkg ]] || { echo "fetch-kernels: no linux-image-$line.*-cloud-amd64-unsigned in apt" >&2; return 1; }
  echo "fetch-kernels: downloading $pkg into $cache" >&2
  (cd "$cache/debs" && apt-get download -qq "$pkg" >/dev/null 2>&1) ||
    { echo "fetch-kernels: apt-get download $pkg failed" >&2; return 1; }
  for deb in "$cache"/debs/"$pkg"_*.deb; do
    dpkg-deb -x "$deb" "$cache/root"
  done
}

for line in 6.1 6.12; do
  k=$(cached_vmlinuz "$line")
  if [[ -z $k ]]; then
    fetch "$line"
    k=$(cached_vmlinuz "$line")
  fi
  [[ -n $k ]] || { echo "fetch-kernels: no vmlinuz for $line after download" >&2; exit 1; }
  printf '%s %s\n' "$line" "$k"
done

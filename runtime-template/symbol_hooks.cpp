// Symbol hooks of a produced tool (see symbol_hooks.h).
#include "runtime-template/symbol_hooks.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <time.h>

#include <cstdio>
#include <cstring>
#include <map>

#include "runtime-template/ksyms.h"
#include "runtime-template/stack_format.h"
#include "runtime-template/usyms.h"

namespace bt2bin::rt {

namespace {

constexpr size_t kMaxFrames = 127;

StackPrintMode print_mode(const ValueDesc &desc, const std::string &fallback) {
  std::string m = desc.format && *desc.format ? desc.format : fallback;
  if (m == "perf") return StackPrintMode::perf;
  if (m == "raw") return StackPrintMode::raw;
  return StackPrintMode::bpftrace;
}

bool read_stack(bpf_object *obj, const char *map_name, int64_t id, uint64_t (&ips)[kMaxFrames], size_t &n) {
  bpf_map *map = bpf_object__find_map_by_name(obj, map_name);
  if (!map || id < 0) return false;
  uint32_t key = static_cast<uint32_t>(id);
  memset(ips, 0, sizeof ips);
  if (bpf_map_lookup_elem(bpf_map__fd(map), &key, ips) != 0) return false;
  n = 0;
  while (n < kMaxFrames && ips[n]) n++;
  return true;
}

std::string username_of(uint64_t uid) {
  static std::map<uint64_t, std::string> cache;
  if (auto it = cache.find(uid); it != cache.end()) return it->second;
  std::string name = std::to_string(uid);
  if (FILE *f = fopen("/etc/passwd", "r")) {
    char line[1024];
    while (fgets(line, sizeof line, f)) {
      char *user = strtok(line, ":");
      strtok(nullptr, ":");
      char *id = strtok(nullptr, ":");
      if (user && id && strtoull(id, nullptr, 10) == uid) {
        name = user;
        break;
      }
    }
    fclose(f);
  }
  return cache[uid] = name;
}

}  // namespace

void install_symbol_hooks(FormatContext &ctx, bpf_object *obj, const char *stack_mode) {
  std::string mode = stack_mode ? stack_mode : "bpftrace";
  ctx.ksym = [](uint64_t addr) {
    std::string s;
    append_ksym(s, addr);
    return s;
  };
  ctx.usym = [](uint64_t addr, uint32_t pid) {
    std::string s;
    append_usym(s, static_cast<int>(pid), addr);
    return s;
  };
  ctx.kstack = [obj, mode](int64_t id, const ValueDesc &desc) {
    uint64_t ips[kMaxFrames];
    size_t n = 0;
    if (!read_stack(obj, "kstack_map", id, ips, n)) return std::vector<std::string>{};
    KernelSymbols syms;
    StackFormat fmt;
    fmt.mode = print_mode(desc, mode);
    fmt.limit = desc.count;
    return stack_frames(ips, n, syms, fmt);
  };
  ctx.ustack = [obj, mode](int64_t id, uint32_t pid, const ValueDesc &desc) {
    uint64_t ips[kMaxFrames];
    size_t n = 0;
    if (!read_stack(obj, "ustack_map", id, ips, n)) return std::vector<std::string>{};
    UserSymbols syms(static_cast<int>(pid));
    StackFormat fmt;
    fmt.mode = print_mode(desc, mode);
    fmt.limit = desc.count;
    return stack_frames(ips, n, syms, fmt);
  };
  ctx.username = username_of;
  // nsecs counts from boot (CLOCK_BOOTTIME); strftime() wants wall time.
  timespec boot, real;
  clock_gettime(CLOCK_BOOTTIME, &boot);
  clock_gettime(CLOCK_REALTIME, &real);
  int64_t offset = (static_cast<int64_t>(real.tv_sec) - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
  ctx.timestamp_to_epoch_ns = [offset](uint64_t ns) { return static_cast<uint64_t>(static_cast<int64_t>(ns) + offset); };
}

}  // namespace bt2bin::rt

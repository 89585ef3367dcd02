// What the output-formatting layer needs from the rest of the runtime.
//
// value_format, map_format and printf_format turn raw BPF bytes into
// bpftrace's text and JSON; everything that needs the host (symbols, stacks,
// user names, cgroup paths, probe names, the clock) comes in through these
// hooks, which the tool's runtime fills in at start. A hook left unset falls
// back to something printable (hex addresses, numbers), so unit tests and
// early bring-up need no symbolizer. The ctx_* helpers apply that fallback.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime-template/value_desc.h"

namespace bt2bin::rt {

// Stack mode of a Kstack/Ustack value. The backend names it in
// ValueDesc::format ("perf", "raw", "build_id"); nullptr or "bpftrace" is
// the default. Frame lines are prefixed with FormatContext::stack_indent in
// bpftrace mode, "\t" in perf mode and nothing in raw and build_id modes.
enum class StackMode : uint8_t { Bpftrace, Perf, Raw, BuildId };

inline StackMode stack_mode_of(const ValueDesc &desc) {
  const char *m = desc.format;
  if (!m) return StackMode::Bpftrace;
  std::string_view v(m);
  if (v == "perf") return StackMode::Perf;
  if (v == "raw") return StackMode::Raw;
  if (v == "build_id") return StackMode::BuildId;
  return StackMode::Bpftrace;
}

struct FormatContext {
  // "sym" for a kernel address (ksym()); bpftrace prints "0x<hex>" when the
  // address resolves to nothing.
  std::function<std::string(uint64_t addr)> ksym;
  // "sym" for a user address of process `pid` (usym()).
  std::function<std::string(uint64_t addr, uint32_t pid)> usym;
  // The frames of a kernel / user stack, outermost last, one string per
  // frame and without indentation: "sym+off" in bpftrace stack mode,
  // "<hex> sym+off" in perf mode, "<hex>" in raw mode, "<build id> 0x<off>"
  // in build_id mode (the mode is in
  // ValueDesc::format, see stack_mode_of()). The formatter adds the leading
  // "\n", the per-mode indentation and a "\n" after each frame; an empty
  // vector (or an unset hook) prints as "\n".
  std::function<std::vector<std::string>(int64_t stack_id, const ValueDesc &)> kstack;
  std::function<std::vector<std::string>(int64_t stack_id, uint32_t pid, const ValueDesc &)> ustack;
  // User name of a uid (username builtin); bpftrace prints "" when unknown.
  std::function<std::string(uint64_t uid)> username;
  // cgroup_path(): "fs:/path,fs2:/path" for a cgroup id, in the cgroup
  // hierarchies whose names match `filter` (a glob; "*" for all).
  std::function<std::string(uint64_t cgroup_id, const char *filter)> cgroup_path;
  // probe builtin: the full probe name of a probe index.
  std::function<std::string(uint64_t probe_index)> probe_name;
  // strftime(): converts the nanoseconds recorded in BPF (boot clock for
  // the default mode) to nanoseconds since the Unix epoch. Unset: identity.
  std::function<uint64_t(uint64_t nsecs)> timestamp_to_epoch_ns;

  // Config `str_trunc_trailer`: appended to a string that fills its buffer.
  std::string str_trunc_trailer = "..";
  // Prefix of each frame line in bpftrace stack mode (8 spaces since 0.22,
  // for values, printf and map keys alike). perf mode uses "\t", raw none.
  std::string stack_indent = std::string(8, ' ');
  // strftime() in UTC instead of local time.
  bool utc = false;
  // printf integer widths: true = C semantics, as bpftrace 0.17-0.22 and the
  // reference outputs ("%d"/"%x"/"%u" take the low 32 bits, "%l…"/"%ll…"/
  // "%j…"/"%z…"/"%t…" 64, "%h…" 16, "%hh…" 8); false = 64-bit unless
  // "h"/"hh" (bpftrace's iostream formatter of 0.23+).
  bool printf_c_int_widths = false;  // v0.26 (the target) formats without a modifier as 64-bit
};

// ---- hooks with their fallbacks ----

inline std::string fmt_hex_addr(uint64_t addr) {
  char buf[24];
  snprintf(buf, sizeof(buf), "0x%" PRIx64, addr);
  return buf;
}

inline std::string ctx_ksym(const FormatContext &ctx, uint64_t addr) {
  return ctx.ksym ? ctx.ksym(addr) : fmt_hex_addr(addr);
}

inline std::string ctx_usym(const FormatContext &ctx, uint64_t addr, uint32_t pid) {
  return ctx.usym ? ctx.usym(addr, pid) : fmt_hex_addr(addr);
}

inline std::string ctx_username(const FormatContext &ctx, uint64_t uid) {
  return ctx.username ? ctx.username(uid) : std::to_string(uid);
}

inline std::string ctx_cgroup_path(const FormatContext &ctx, uint64_t id, const char *filter) {
  return ctx.cgroup_path ? ctx.cgroup_path(id, filter ? filter : "*") : std::to_string(id);
}

inline std::string ctx_probe_name(const FormatContext &ctx, uint64_t idx) {
  return ctx.probe_name ? ctx.probe_name(idx) : std::to_string(idx);
}

inline uint64_t ctx_epoch_ns(const FormatContext &ctx, uint64_t nsecs) {
  return ctx.timestamp_to_epoch_ns ? ctx.timestamp_to_epoch_ns(nsecs) : nsecs;
}

}  // namespace bt2bin::rt

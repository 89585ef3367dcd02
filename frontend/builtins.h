// The builtin variables of bpftrace (pid, comm, nsecs, arg0, ...): their
// types and which probe providers allow them. One table, read by semantic
// analysis; the backend has the matching table of C expressions
// (backend/builtins_emitter.cpp).
#pragma once

#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "frontend/types.h"

namespace bt2bin {

struct BuiltinInfo {
  Type type;
  // Providers the builtin is valid in (empty: everywhere).
  const char *const *providers = nullptr;
};

// Type of builtin `name` in a probe of `provider`; nullopt if `name` is not
// a builtin. `max_strlen` sizes string builtins.
std::optional<Type> builtin_type(const std::string &name);

// arg0..argN: returns N, or -1.
int builtin_arg_index(const std::string &name);

// Whether `name` may be used in a probe of canonical `provider`; on false
// sets `why` to a message for the diagnostic.
bool builtin_allowed(const std::string &name, const std::string &provider, std::string &why);

// Builtins read from the probe's context (arguments, registers, stacks), which
// for-map callbacks and fn bodies do not have.
bool builtin_reads_probe_context(const std::string &name);

// `usermode` as bpftrace computes it: from the cs register of the probe's
// pt_regs in kprobe, uprobe, usdt and perf-event probes (profile, interval,
// software, hardware, watchpoint); in a probe with any other attach point a
// constant: 1 in BEGIN/END/self (they run from the tool, in user space), 0
// elsewhere (tracepoints, fentry, iter... run in the kernel). nullopt: read
// the registers.
std::optional<uint64_t> usermode_constant(const std::vector<std::string> &providers);

// The number of signal `name` ("SIGUSR1" or "USR1") on Linux, if known.
std::optional<int> signal_number(const std::string &name);

}  // namespace bt2bin

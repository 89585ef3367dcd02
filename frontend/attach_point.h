// Splitting attach-point text (`kprobe:vfs_*`, `uprobe:/bin/bash:readline`,
// `usdt:/p/libjvm.so:hotspot:method__entry`, `profile:hz:99`, `i:s:1`) into
// an AttachPoint, one small grammar per provider, with provider aliases
// resolved to canonical names. Errors are reported at the attach point's
// location.
#pragma once

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

// Fills the parsed fields of `ap` from `ap.raw`. Returns false after
// reporting a diagnostic when the text is not a valid attach point.
bool parse_attach_point(AttachPoint &ap, Diagnostics &diags);

// Canonical provider name for a spelling or alias ("k" -> "kprobe",
// "BEGIN" -> "begin", "kfunc" -> "fentry"); empty when unknown.
std::string canonical_provider(const std::string &spelling);

// The kind of BPF program a (canonical) provider compiles to: what its
// context holds and which helpers and kfuncs the verifier allows in it.
enum class ProgramKind {
  RunOnce,        // begin, end, self: raw_tp programs run with BPF_PROG_TEST_RUN
  Kprobe,         // kprobe, kretprobe, uprobe, uretprobe, usdt: pt_regs
  PerfEvent,      // profile, interval, software, hardware, watchpoint
  Tracepoint,     // tracepoint
  Tracing,        // fentry, fexit, iter, rawtracepoint (tp_btf): BTF-typed
};
ProgramKind program_kind(const std::string &provider);

// The fentry/fexit attach point standing in for a kprobe/kretprobe one on
// hosts without kprobes (the same function, entry or return), and the
// other way round.
AttachPoint fentry_twin(const AttachPoint &ap);
AttachPoint kprobe_twin(const AttachPoint &ap);

// fentry:bpf[:id]:prog / fexit:bpf...: on a BPF program running on the
// target, found and bound when the tool starts.
bool targets_bpf_program(const AttachPoint &ap);

// The attach point's name (`probe`) is only complete once the tool has
// started: wildcards, positional parameters, running BPF programs.
bool named_at_start(const AttachPoint &ap);

}  // namespace bt2bin

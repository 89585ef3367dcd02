// Wildcards that need one BPF program per match, expanded at build time:
// fentry/fexit and rawtracepoint (tp_btf) programs are bound to one kernel
// function or event when they load, and a tracepoint probe that reads
// `args` is typed from each event's own format (see
// typed_wildcard_expansion.cpp for how this meets target-side expansion).
#pragma once

#include <cstdint>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

// Replaces every such wildcard attach point of `probe` by what it matches
// on the build host (in name order), each marked with the pattern it came
// from; wildcard tracepoints only when `reads_args`. Returns false after
// reporting a diagnostic when a pattern matches nothing here or more than
// `max_programs` attach points.
bool expand_typed_wildcards(Probe &probe, bool reads_args, uint64_t max_programs, Diagnostics &diags);

}  // namespace bt2bin

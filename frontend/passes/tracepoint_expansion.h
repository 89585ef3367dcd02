// Wildcard tracepoints whose probe reads `args`: expanded at build time so
// that each matched event gets its own program typed from its own format
// (see tracepoint_expansion.cpp for how this meets target-side expansion).
#pragma once

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

// Replaces every wildcard tracepoint attach point of `probe` by the
// tracepoints it matches on the build host (in name order), each marked
// with the pattern it came from. Returns false after reporting a
// diagnostic when a pattern matches nothing here.
bool expand_typed_tracepoints(Probe &probe, Diagnostics &diags);

}  // namespace bt2bin

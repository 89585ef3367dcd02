// Connects the output formatter's symbol hooks (FormatContext) to the
// target host: kernel and user symbols, stacks read from the tool's stack
// maps, user names from /etc/passwd, cgroup paths.
#pragma once

#include "runtime-template/format_context.h"

struct bpf_object;

namespace bt2bin::rt {

// `stack_mode` is the tool's default (config stack_mode).
void install_symbol_hooks(FormatContext &ctx, bpf_object *obj, const char *stack_mode);

}  // namespace bt2bin::rt

// Per-provider facts the BPF emitter needs for one attach point: the ELF
// section (libbpf SEC name), the program's context type, and how arguments
// and return values are read. One table row per provider, as in ply's
// provider files.
#pragma once

#include <string>

#include "frontend/ast.h"

namespace bt2bin {

struct ProbeSection {
  std::string section;    // SEC("...")
  std::string ctx_type;   // C type of the ctx parameter
  std::string func_name;  // C function name, libbpf-tools style
};

// `args_struct` is the C struct of tracepoint args (for tracepoints);
// `ap_index` numbers the attach points of one probe (function names stay unique).
ProbeSection probe_section(const AttachPoint &ap, int probe_id, int ap_index, const std::string &args_struct);

// C expression for argN / retval in a probe of `provider`, given ctx.
std::string arg_expression(const std::string &provider, int n);
std::string retval_expression(const std::string &provider);

}  // namespace bt2bin

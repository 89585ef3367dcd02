// Semantic analysis: resolves attach points, scopes, and the type of every
// expression; numbers maps, format strings and scratch variables; reports
// type errors as diagnostics. Produces the CheckedProgram the backend reads.
#pragma once

#include <memory>
#include <string>

#include "frontend/checked_program.h"
#include "frontend/diagnostics.h"
#include "frontend/script_types.h"

namespace bt2bin {

class BtfTypes;

struct SemanticOptions {
  std::string btf_file = "/sys/kernel/btf/vmlinux";
  bool unsafe = false;
  // The build host's vmlinux.h, for the script's C definitions that use
  // kernel types (`struct nameidata { struct path path; }`); asked for
  // only then. Unset: such definitions are refused.
  KernelHeaderSource kernel_header;
};

// Returns nullptr when errors were reported.
std::unique_ptr<CheckedProgram> analyse(Program &program, Diagnostics &diags,
                                        const SemanticOptions &options);

}  // namespace bt2bin

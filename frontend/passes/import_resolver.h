// Root `import "path";` statements (bpftrace v0.26).
//
// Each path is looked up relative to the script's directory. An imported
// `.bt` script is parsed (its own imports resolved the same way) and its
// probes, macros, functions, map declarations and C definitions are merged
// into the program ahead of the script's own; a `.h` header becomes C
// definitions; a `.bpf.c` file is listed in Program::c_imports (compiled
// with the program, see frontend/c_imports.h); a directory imports every
// `.bt`, `.h` and `.bpf.c` file in it. Files or
// directories writable by everyone are refused. Imported files are
// registered with Diagnostics, so errors inside them name the imported file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

// Keeps the text of imported files alive for diagnostics.
struct ImportedSources {
  std::vector<std::unique_ptr<SourceFile>> files;
};

// `script_dir` is the directory of the script ("" for -e: the current one).
// Returns false after reporting errors.
bool resolve_imports(Program &program, Diagnostics &diags, const std::string &script_dir,
                     ImportedSources &sources);

}  // namespace bt2bin

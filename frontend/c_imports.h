// Functions of imported BPF C files: `import "helpers.bpf.c";`.
//
// As in bpftrace v0.26, an imported .bpf.c file is compiled with the
// program and every function it defines with global linkage can be called
// from the script by name, e.g. `print(add_one(41))`. Each file is first
// compiled on its own (clang -g, BPF target) to check it and to read the
// functions' signatures from its BTF; the backend then #includes it into
// tool.bpf.c with the functions marked always_inline, so they are verified
// inside the probes that call them (as bpftrace links and inlines them).
#pragma once

#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

// One function of an imported C file, typed from its BTF.
struct CFunction {
  std::string name;
  std::vector<std::string> param_names;
  std::vector<Type> params;
  Type ret;                    // Void for `void f(...)`
  std::string source;          // absolute path of the .bpf.c file
  Location import_loc;         // the `import` statement
};

// Compiles each imported file against the vmlinux.h of `btf_file` and
// appends its functions to `out`. A file that does not compile, or a
// function whose signature the script can not call, is reported at the
// import statement (clang's message as a hint).
bool load_c_imports(const std::vector<CImport> &imports, const std::string &btf_file,
                    std::vector<CFunction> &out, Diagnostics &diags);

}  // namespace bt2bin

// Generates tool.bpf.c (the BPF programs, one per attach point) and tool.h
// (structs shared with the driver: tuples, map keys, event records) from a
// CheckedProgram.
#pragma once

#include <string>

#include "frontend/checked_program.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

struct EmittedSources {
  std::string bpf_c;     // tool.bpf.c
  std::string header;    // tool.h
  std::string main_cpp;  // tool.main.cpp
};

struct EmitOptions {
  std::string tool_name;     // the produced binary's name
  std::string script_name;   // for #line and messages
};

// The C symbol of script map `name` in the BPF object and its skeleton:
// `@x` -> `AT_x`, `@` -> `AT_`.
std::string map_symbol(const std::string &name);


// Returns false after reporting a diagnostic when the program uses
// something the backend cannot generate yet.
bool emit_sources(const CheckedProgram &program, const EmitOptions &options, EmittedSources &out,
                  Diagnostics &diags);

}  // namespace bt2bin

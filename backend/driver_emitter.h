// Generates tool.main.cpp: the tables that describe the tool to the runtime
// (probes, maps, format strings, value layouts) and the few calls that need
// the generated skeleton's type. All behaviour lives in runtime-template/.
#pragma once

#include <string>

#include "backend/bpf_emitter.h"
#include "backend/c_types.h"

namespace bt2bin {

// `types` is the BPF emitter's: tuple structs keep the names tool.h gives them.
std::string emit_driver(const CheckedProgram &program, const EmitOptions &options, CTypes &types);

}  // namespace bt2bin

// Generates tool.main.cpp: the tables that describe the tool to the runtime
// (probes, maps, format strings, value layouts) and the few calls that need
// the generated skeleton's type. All behaviour lives in runtime-template/.
#pragma once

#include <string>
#include <vector>

#include "backend/bpf_emitter.h"
#include "backend/c_types.h"

namespace bt2bin {

// `types` is the BPF emitter's: tuple structs keep the names tool.h gives them.
// `error_sites` are the "file:line:col" of runtime-error sites (÷0), by id.
std::string emit_driver(const CheckedProgram &program, const EmitOptions &options, CTypes &types,
                        const std::vector<std::string> &error_sites);

}  // namespace bt2bin

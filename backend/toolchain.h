// Running the external toolchain: bpftool (vmlinux.h, object link, skeleton),
// clang (BPF C), and the host C++ compiler (driver + static link).
//
// Every command runs with posix_spawn and an argv array (DESIGN invariant 8);
// output is captured so a failure names the stage and shows its message.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "util/run_command.h"

namespace bt2bin {

struct ToolchainOptions {
  std::string work_dir;       // holds tool.bpf.c, tool.h, tool.main.cpp
  std::string output;         // the binary to produce
  std::string btf_file;       // BTF for vmlinux.h; default /sys/kernel/btf/vmlinux
  std::string runtime_lib;    // libbt2bin_rt.a
  std::string include_dir;    // source root (runtime-template/, skeletons/)
  bool verbose = false;
  bool strip = getenv("BT2BIN_NO_STRIP") == nullptr;  // BT2BIN_NO_STRIP=1 keeps symbols (profiling a tool)
};

// Builds the tool. On failure returns false and sets `error` to
// "<stage> failed:\n<message>".
bool build_tool(const ToolchainOptions &opts, std::string &error);

// Path of a cached vmlinux.h for the BTF file (generated on first use).
bool vmlinux_header(const std::string &btf_file, std::string &path, std::string &error);

}  // namespace bt2bin

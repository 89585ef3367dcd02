// Attaching a produced tool's BPF programs on the target host, one place
// for every provider: tracepoints, raw tracepoints, k/uprobes, USDT,
// perf events (profile, interval, software, hardware), fentry/fexit, iter.
// Wildcards are expanded here, on the host the tool runs on.
#pragma once

#include <string>
#include <vector>

#include "runtime-template/tool_runtime.h"

struct bpf_link;
struct bpf_program;

namespace bt2bin::rt {

struct AttachResult {
  std::vector<bpf_link *> links;
  std::vector<int> perf_fds;
  int attached = 0;    // attach points (after wildcard expansion)
  std::string error;   // one line, naming the probe, when nothing attached
};

// Attaches `prog` at `probe`; -p PID (`pid` != 0) restricts user probes and
// perf events to that process.
AttachResult attach_probe(bpf_program *prog, const ProbeDesc &probe, int pid);

// Runs a BEGIN/END style program once with BPF_PROG_TEST_RUN.
bool run_once(bpf_program *prog, std::string &error);

}  // namespace bt2bin::rt

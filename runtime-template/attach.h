// Attaching a produced tool's BPF programs on the target host, one place
// for every provider: tracepoints, raw tracepoints, k/uprobes, USDT,
// perf events (profile, interval, software, hardware), fentry/fexit, iter.
// Wildcards are expanded here, on the host the tool runs on.
#pragma once

#include <functional>
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
  uint64_t watch_address = 0;  // watchpoints: the watched address (for unwatch)
};

// Numbers the concrete attach points of wildcard probes: each gets a BPF
// attach cookie that indexes the `probe` names the tool records.
struct ProbeNamer {
  uint64_t next = 0;
  std::function<void(uint64_t cookie, const std::string &name)> record;
  uint64_t name(const std::string &probe_name) {
    if (record) record(next, probe_name);
    return next++;
  }
};

// The attach point's name as bpftrace prints it (`probe`), from its parts.
std::string attach_point_name(const ProbeDesc &p);

// Attaches `prog` at `probe`; -p PID (`pid` != 0) restricts user probes and
// perf events to that process (watchpoints: -p or -c).
AttachResult attach_probe(bpf_program *prog, const ProbeDesc &probe, int pid, ProbeNamer &namer);

// Runs a BEGIN/END style program once with BPF_PROG_TEST_RUN.
bool run_once(bpf_program *prog, std::string &error);

}  // namespace bt2bin::rt

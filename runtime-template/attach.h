// Attaching a produced tool's BPF programs on the target host, one place
// for every provider: tracepoints, raw tracepoints, k/uprobes, USDT,
// perf events (profile, interval, software, hardware), fentry/fexit (also
// on running BPF programs), iter.
// Wildcards are expanded here, on the host the tool runs on.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime-template/program_copies.h"
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

// The processes a probe concerns. `pid` (-p PID) is the running process
// whose mappings resolve binary and library names, and the only one perf
// events count in; `traced_pid` (-p PID, or the -c child) is the only one
// user probes and watchpoints fire in. 0: every process.
struct ProcessScope {
  int pid = 0;
  int traced_pid = 0;
};

// Attaches `prog` at `probe` for the processes of `scope`.
// fentry:bpf[:id]:prog / fexit:bpf...: on functions of running BPF programs.
bool targets_bpf_program(const ProbeDesc &p);

// `copies` loads the programs of fentry:bpf probes, one per target.
AttachResult attach_probe(bpf_program *prog, const ProbeDesc &probe, ProcessScope scope, ProbeNamer &namer,
                          ProgramCopies &copies);

// Runs a BEGIN/END style program once with BPF_PROG_TEST_RUN.
bool run_once(bpf_program *prog, std::string &error);

}  // namespace bt2bin::rt

// The -c CMD child of a produced tool, run as bpftrace runs it. It is
// forked before the BPF object is loaded (so `cpid` is rodata) and held
// until the probes are attached, so its first instructions are traced.
// A tool with USDT probes instead lets it exec and stops it right after
// (ptrace), because USDT attaches to the process's own mappings. The
// command is split on blanks and exec'd without a shell.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace bt2bin::rt {

class ChildProcess {
 public:
  // Forks; the child waits before its execvp.
  bool spawn(const char *command);
  // Lets the child exec and waits until it stops after the exec; false
  // when the command could not be run (the child said why).
  bool run_until_exec();
  // Lets the child run (from before its exec, or from the stop after it).
  void release();
  // True once the child has exited (reaped).
  bool exited();
  // The tool failed before release: the child must not run at all.
  void kill_if_held();
  // The tool ends first: SIGTERM, as bpftrace does.
  void terminate_if_running();
  pid_t pid() const { return pid_; }

 private:
  bool go(char how);
  std::vector<std::string> words_;
  pid_t pid_ = 0;
  int go_fd_ = -1;       // the child waits for one byte here: 'g' exec, 's' exec and stop
  bool held_ = false;    // not released yet
  bool stopped_ = false; // ptrace-stopped after its exec
  bool reaped_ = false;
};

}  // namespace bt2bin::rt

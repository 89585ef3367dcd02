// Copies of one of the tool's BPF programs, each bound to its own target
// when it loads: fentry:bpf / fexit:bpf probes, whose targets (functions of
// BPF programs running on this host) are only found at start, and may be
// several for one attach point.
//
// The kernel fixes a tracing program's target at load, and libbpf loads a
// program once, so each target gets a second instance of the tool's BPF
// object in which only that program loads. Its maps are the tool's own
// (bpf_map__reuse_fd): the copy counts into the same maps, writes to the
// same ring buffer and reads the same rodata.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct bpf_object;
struct bpf_program;

namespace bt2bin::rt {

class ProgramCopies {
 public:
  // `elf` is the tool's BPF object; `tool` its loaded instance.
  void init(const void *elf, size_t size, bpf_object *tool) {
    elf_ = elf;
    size_ = size;
    tool_ = tool;
  }
  // A loaded copy of the tool's program `prog_name` bound to function
  // `func` of the running BPF program `target_id`; nullptr with `error`
  // set (one line) when it cannot be loaded.
  bpf_program *load(const char *prog_name, uint32_t target_id, const std::string &func, std::string &error);
  // Closes the copies: after their links are destroyed.
  void close_all();
  ~ProgramCopies() { close_all(); }

 private:
  const void *elf_ = nullptr;
  size_t size_ = 0;
  bpf_object *tool_ = nullptr;
  std::vector<bpf_object *> copies_;
};

}  // namespace bt2bin::rt

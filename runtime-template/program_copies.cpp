// Program copies for fentry:bpf / fexit:bpf (see program_copies.h).
#include "runtime-template/program_copies.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bt2bin::rt {

namespace {

// Every map of `copy` becomes the same-named map of `tool`.
bool share_maps(bpf_object *copy, bpf_object *tool, std::string &error) {
  bpf_map *map;
  bpf_object__for_each_map(map, copy) {
    bpf_map *own = bpf_object__find_map_by_name(tool, bpf_map__name(map));
    if (!own || bpf_map__fd(own) < 0 || bpf_map__reuse_fd(map, bpf_map__fd(own)) != 0) {
      error = std::string("cannot share map ") + bpf_map__name(map) + " with a program copy: " + strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace

bpf_program *ProgramCopies::load(const char *prog_name, uint32_t target_id, const std::string &func,
                                 std::string &error) {
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = bpf_object__name(tool_));
  bpf_object *copy = bpf_object__open_mem(elf_, size_, &opts);
  if (!copy) {
    error = std::string("cannot open a copy of the BPF object: ") + strerror(errno);
    return nullptr;
  }
  copies_.push_back(copy);
  bpf_program *prog = nullptr, *p;
  bpf_object__for_each_program(p, copy) {
    bool wanted = strcmp(bpf_program__name(p), prog_name) == 0;
    bpf_program__set_autoload(p, wanted);
    bpf_program__set_autoattach(p, false);
    if (wanted) prog = p;
  }
  if (!prog || !share_maps(copy, tool_, error)) {
    if (error.empty()) error = std::string("no program ") + prog_name + " in the BPF object";
    return nullptr;
  }
  int target_fd = bpf_prog_get_fd_by_id(target_id);
  if (target_fd < 0) {
    error = "BPF program " + std::to_string(target_id) + " is gone";
    return nullptr;
  }
  int err = bpf_program__set_attach_target(prog, target_fd, func.c_str());
  if (!err) err = bpf_object__load(copy);
  close(target_fd);  // the loaded copy holds its target
  if (err) {
    error = "cannot load a program for function " + func + " of BPF program " + std::to_string(target_id) + ": " +
            strerror(errno);
    return nullptr;
  }
  return prog;
}

void ProgramCopies::close_all() {
  for (bpf_object *copy : copies_) bpf_object__close(copy);
  copies_.clear();
}

}  // namespace bt2bin::rt

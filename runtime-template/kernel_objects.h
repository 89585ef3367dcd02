// Kernel objects a produced tool looks up on the target host when it
// starts (DESIGN invariant 4): per-CPU variables of percpu_kaddr(), cgroup
// ids of cgroupid(), kfuncs of kfunc_exist()/kfunc_allowed(); and the
// cgroupfs walk that prints cgroup_path() values.
#pragma once

#include <cstdint>
#include <string>

namespace bt2bin::rt {

// percpu_kaddr("name"): exits with a one-line error when this kernel's BTF
// has no such per-CPU variable (libbpf would fail the whole load later).
void require_percpu_variable(const char *name);

// cgroupid("path"): the id of the cgroup at `path` (its kernfs file handle);
// exits with a one-line error when there is none.
uint64_t resolve_cgroupid(const char *path);

// kfunc_exist("f"): the running kernel's BTF has a function named `f`.
bool kfunc_exists(const char *name);

// kfunc_allowed("f"): the verifier lets programs of the kind `provider`
// compiles to call `f` (bpftrace's probe: load a call and look for
// "calling kernel function f is not allowed").
bool kfunc_allowed(const char *name, const char *provider);

// cgroup_path(id, filter): "hierarchy:/path" for each mounted cgroup
// hierarchy whose name matches `filter` ("unified" for cgroup2, the mount
// directory's name for v1) and that has a cgroup with this id, cgroup2
// first then v1 by name, joined with ','.
std::string cgroup_path_text(uint64_t id, const char *filter);

}  // namespace bt2bin::rt

// Kernel objects looked up on the target host (see kernel_objects.h).
#include "runtime-template/kernel_objects.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <linux/bpf.h>
#include <mntent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

namespace bt2bin::rt {

namespace {

// The running kernel's BTF, loaded once (nullptr when it has none).
struct btf *vmlinux_btf() {
  static struct btf *btf = nullptr;
  static bool tried = false;
  if (!tried) {
    tried = true;
    btf = btf__load_vmlinux_btf();
    if (libbpf_get_error(btf)) btf = nullptr;
  }
  return btf;
}

int btf_id_of(const char *name, __u32 kind) {
  struct btf *btf = vmlinux_btf();
  return btf ? btf__find_by_name_kind(btf, name, kind) : -1;
}

// The program type the tool's probes of `provider` are loaded as.
bpf_prog_type program_type(const std::string &provider) {
  if (provider == "kprobe" || provider == "kretprobe" || provider == "uprobe" || provider == "uretprobe" ||
      provider == "usdt")
    return BPF_PROG_TYPE_KPROBE;
  if (provider == "tracepoint") return BPF_PROG_TYPE_TRACEPOINT;
  if (provider == "profile" || provider == "interval" || provider == "software" || provider == "hardware" ||
      provider == "watchpoint")
    return BPF_PROG_TYPE_PERF_EVENT;
  if (provider == "fentry" || provider == "fexit" || provider == "iter" || provider == "rawtracepoint")
    return BPF_PROG_TYPE_TRACING;
  return BPF_PROG_TYPE_RAW_TRACEPOINT;  // begin, end, self
}

// The verifier finds a typed ksym's address with kallsyms_lookup_name(),
// which knows variables only with CONFIG_KALLSYMS_ALL.
bool kallsyms_has(const char *name) {
  FILE *f = fopen("/proc/kallsyms", "r");
  if (!f) return true;  // can not tell: let the load decide
  char line[512];
  size_t len = strlen(name);
  bool found = false;
  while (!found && fgets(line, sizeof line, f)) {
    // "<address> <type> <name>[\t[module]]"
    char *sym = strchr(line, ' ');
    sym = sym ? strchr(sym + 1, ' ') : nullptr;
    found = sym && strncmp(sym + 1, name, len) == 0 && (sym[1 + len] == '\n' || sym[1 + len] == '\t');
  }
  fclose(f);
  return found;
}

}  // namespace

void require_percpu_variable(const char *name) {
  if (!vmlinux_btf()) {
    fprintf(stderr, "ERROR: percpu_kaddr(\"%s\"): this kernel has no BTF to find per-CPU variables in\n", name);
    exit(1);
  }
  if (btf_id_of(name, BTF_KIND_VAR) <= 0) {
    fprintf(stderr, "ERROR: percpu_kaddr(\"%s\"): this kernel has no per-CPU variable named '%s'\n", name, name);
    exit(1);
  }
  if (!kallsyms_has(name)) {
    fprintf(stderr,
            "ERROR: percpu_kaddr(\"%s\"): this kernel does not publish the address of '%s' "
            "(it lists no variables in /proc/kallsyms: CONFIG_KALLSYMS_ALL is not set)\n",
            name, name);
    exit(1);
  }
}

uint64_t resolve_cgroupid(const char *path) {
  // A cgroup's id is its 8-byte kernfs file handle.
  union {
    struct file_handle fh;
    char bytes[sizeof(struct file_handle) + sizeof(uint64_t)];
  } handle = {};
  handle.fh.handle_bytes = sizeof(uint64_t);
  int mount_id;
  if (name_to_handle_at(AT_FDCWD, path, &handle.fh, &mount_id, 0) != 0) {
    // Other file systems have longer handles: EOVERFLOW means "not a cgroup".
    if (errno == EOVERFLOW)
      fprintf(stderr, "ERROR: cgroupid(\"%s\"): %s is not a cgroup directory\n", path, path);
    else
      fprintf(stderr, "ERROR: cgroupid(\"%s\"): cannot get the cgroup id: %s\n", path, strerror(errno));
    exit(1);
  }
  uint64_t id;
  memcpy(&id, handle.fh.f_handle, sizeof id);
  return id;
}

bool kfunc_exists(const char *name) { return btf_id_of(name, BTF_KIND_FUNC) > 0; }

bool kfunc_allowed(const char *name, const char *provider) {
  int id = btf_id_of(name, BTF_KIND_FUNC);
  if (id <= 0) return false;
  struct bpf_insn insns[] = {
      {BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id},  // call the kfunc
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},      // r0 = 0
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  static char log[65536];
  log[0] = 0;
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  opts.log_level = 1;
  opts.log_size = sizeof log;
  opts.log_buf = log;
  int fd = bpf_prog_load(program_type(provider), nullptr, "GPL", insns, sizeof insns / sizeof insns[0], &opts);
  if (fd >= 0) {
    close(fd);
    return true;
  }
  std::string refusal = std::string("calling kernel function ") + name + " is not allowed";
  return strstr(log, refusal.c_str()) == nullptr;
}

// ------------------------------------------------------------ cgroup_path --

namespace {

struct Hierarchy {
  std::string name;  // "unified" or the v1 mount directory's name
  std::string root;  // mount point
};

std::vector<Hierarchy> cgroup_hierarchies() {
  std::vector<Hierarchy> v2, v1;
  FILE *f = setmntent("/proc/mounts", "r");
  if (!f) return {};
  while (struct mntent *m = getmntent(f)) {
    std::string type = m->mnt_type, dir = m->mnt_dir;
    if (type == "cgroup2") v2.push_back({"unified", dir});
    else if (type == "cgroup") v1.push_back({dir.substr(dir.find_last_of('/') + 1), dir});
  }
  endmntent(f);
  std::sort(v1.begin(), v1.end(), [](const Hierarchy &a, const Hierarchy &b) { return a.name < b.name; });
  v2.insert(v2.end(), v1.begin(), v1.end());
  return v2;
}

// nftw() has no user pointer: the walk in progress.
uint64_t g_wanted_id;
std::string g_found;

int match_inode(const char *path, const struct stat *st, int type, struct FTW *) {
  if (type != FTW_D || st->st_ino != g_wanted_id) return 0;
  g_found = path;
  return 1;
}

// The path of cgroup `id` below `root` ("/" for the root), "" if none.
std::string path_in_hierarchy(uint64_t id, const std::string &root) {
  static std::map<std::pair<uint64_t, std::string>, std::string> cache;
  auto key = std::make_pair(id, root);
  struct stat st;
  if (auto it = cache.find(key); it != cache.end()) {
    std::string full = root + (it->second == "/" ? "" : it->second);
    if (stat(full.c_str(), &st) == 0 && st.st_ino == id) return it->second;
  }
  g_wanted_id = id;
  g_found.clear();
  nftw(root.c_str(), match_inode, 16, FTW_PHYS);
  if (g_found.empty()) return "";
  std::string rel = g_found.size() > root.size() ? g_found.substr(root.size()) : "/";
  return cache[key] = rel;
}

}  // namespace

std::string cgroup_path_text(uint64_t id, const char *filter) {
  std::string out;
  for (const auto &h : cgroup_hierarchies()) {
    if (fnmatch(filter && *filter ? filter : "*", h.name.c_str(), 0) != 0) continue;
    std::string path = path_in_hierarchy(id, h.root);
    if (path.empty()) continue;
    if (!out.empty()) out += ",";
    out += h.name + ":" + path;
  }
  return out;
}

}  // namespace bt2bin::rt

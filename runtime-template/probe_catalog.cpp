// Run-time probe discovery: tracefs, kallsyms, BTF, ELF symbols and USDT
// notes of the host the tool runs on, wildcard matching over them, and the
// `-l` listing. See probe_catalog.h for the contract.
//
// Files are read with plain POSIX I/O (no iostreams): this code is linked
// into every produced static tool.
#include "runtime-template/probe_catalog.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <unordered_set>

#include "runtime-template/perf_events.h"
#include "runtime-template/usyms.h"

namespace bt2bin::rt {

namespace {

// ---- small helpers ----------------------------------------------------------

bool read_file(const std::string &path, std::string &out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

// Calls fn(line) for each line of `text` (without the newline).
template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    fn(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t s = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') i++;
    if (i > s) out.push_back(line.substr(s, i - s));
  }
  return out;
}

bool is_dir(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_regular(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> list_dir(const std::string &path, bool dirs_only) {
  std::vector<std::string> out;
  DIR *d = ::opendir(path.c_str());
  if (!d) return out;
  while (struct dirent *e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (dirs_only) {
      bool dir = e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && is_dir(path + "/" + name));
      if (!dir) continue;
    }
    out.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

template <typename T>
void sort_unique(std::vector<T> &v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// "a:b" -> {"a", "b"} at the first ':'; no colon -> {"", s}.
std::pair<std::string, std::string> split_first(std::string_view s) {
  size_t c = s.find(':');
  if (c == std::string_view::npos) return {"", std::string(s)};
  return {std::string(s.substr(0, c)), std::string(s.substr(c + 1))};
}

// ---- state ------------------------------------------------------------------

CatalogPaths g_paths;

struct Caches {
  bool kfuncs_loaded = false;
  std::vector<KernelFunction> kfuncs;
  std::string kfuncs_source;
  bool btf_loaded = false;
  // vmlinux first, then modules in name order.
  std::vector<std::pair<std::string, struct btf *>> btfs;
  ~Caches() { drop_btf(); }
  void drop_btf() {
    // Module BTFs are split on top of vmlinux: free them first.
    for (size_t i = btfs.size(); i-- > 0;) btf__free(btfs[i].second);
    btfs.clear();
    btf_loaded = false;
  }
};
Caches g_caches;

// ---- BTF loading ---------------------------------------------------------------

const std::vector<std::pair<std::string, struct btf *>> &btf_objects() {
  if (g_caches.btf_loaded) return g_caches.btfs;
  g_caches.btf_loaded = true;
  libbpf_print_fn_t old = libbpf_set_print(nullptr);  // keep libbpf quiet here
  const std::string &dir = g_paths.btf_dir;
  struct btf *vmlinux = btf__parse((dir + "/vmlinux").c_str(), nullptr);
  if (!vmlinux || libbpf_get_error(vmlinux)) {
    libbpf_set_print(old);
    return g_caches.btfs;
  }
  g_caches.btfs.emplace_back("vmlinux", vmlinux);
  for (const auto &name : list_dir(dir, false)) {
    if (name == "vmlinux") continue;
    struct btf *m = btf__parse_split((dir + "/" + name).c_str(), vmlinux);
    if (!m || libbpf_get_error(m)) continue;
    g_caches.btfs.emplace_back(name, m);
  }
  libbpf_set_print(old);
  return g_caches.btfs;
}

// First type id that belongs to `b` itself (module BTF is split).
uint32_t own_start_id(const std::pair<std::string, struct btf *> &obj) {
  const struct btf *base = btf__base_btf(obj.second);
  return base ? btf__type_cnt(base) : 1;
}

void dump_printf(void *ctx, const char *fmt, va_list args) {
  char buf[512];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  auto *out = static_cast<std::string *>(ctx);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof buf) {
    out->append(buf, static_cast<size_t>(n));
  } else {
    std::string big(static_cast<size_t>(n) + 1, '\0');
    vsnprintf(big.data(), big.size(), fmt, args);
    big.pop_back();
    *out += big;
  }
}

// "type" as C spells it, e.g. "struct sock *", "const char *".
std::string btf_type_decl(struct btf_dump *d, std::string &sink, uint32_t type_id) {
  sink.clear();
  LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "");
  if (btf_dump__emit_type_decl(d, type_id, &opts)) return "?";
  return sink;
}

// Parameter lines of a FUNC_PROTO; `skip` leading params are left out.
std::vector<std::string> proto_params(struct btf *b, const struct btf_type *proto, size_t skip,
                                      bool with_retval) {
  std::vector<std::string> out;
  std::string sink;
  struct btf_dump *d = btf_dump__new(b, dump_printf, &sink, nullptr);
  if (!d || libbpf_get_error(d)) return out;
  const struct btf_param *p = btf_params(proto);
  for (uint16_t i = 0, n = btf_vlen(proto); i < n; i++, p++) {
    if (i < skip) continue;
    const char *name = btf__name_by_offset(b, p->name_off);
    std::string arg = (name && *name) ? name : "arg" + std::to_string(i - skip);
    out.push_back(btf_type_decl(d, sink, p->type) + " " + arg);
  }
  if (with_retval && proto->type) out.push_back(btf_type_decl(d, sink, proto->type) + " retval");
  btf_dump__free(d);
  return out;
}

// The FUNC_PROTO of FUNC `name` in module `module` ("" = any); sets *owner.
const struct btf_type *find_func_proto(const std::string &module, const std::string &name,
                                       struct btf **owner) {
  for (const auto &obj : btf_objects()) {
    if (!module.empty() && obj.first != module) continue;
    int id = btf__find_by_name_kind(obj.second, name.c_str(), BTF_KIND_FUNC);
    if (id <= 0) continue;
    if (static_cast<uint32_t>(id) < own_start_id(obj) && obj.first != "vmlinux") continue;
    const struct btf_type *f = btf__type_by_id(obj.second, static_cast<uint32_t>(id));
    const struct btf_type *proto = f ? btf__type_by_id(obj.second, f->type) : nullptr;
    if (!proto || !btf_is_func_proto(proto)) continue;
    *owner = obj.second;
    return proto;
  }
  return nullptr;
}

// ---- ELF ------------------------------------------------------------------------

struct ElfFile {
  int fd = -1;
  Elf *elf = nullptr;
  explicit ElfFile(const std::string &path) {
    if (elf_version(EV_CURRENT) == EV_NONE) return;
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
    if (elf && elf_kind(elf) != ELF_K_ELF) {
      elf_end(elf);
      elf = nullptr;
    }
  }
  ~ElfFile() {
    if (elf) elf_end(elf);
    if (fd >= 0) ::close(fd);
  }
  ElfFile(const ElfFile &) = delete;
  ElfFile &operator=(const ElfFile &) = delete;
  explicit operator bool() const { return elf != nullptr; }
};

// File offset of a virtual address, via the PT_LOAD segment holding it.
bool vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t &off) {
  size_t n = 0;
  if (elf_getphdrnum(elf, &n) != 0) return false;
  for (size_t i = 0; i < n; i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, static_cast<int>(i), &ph) || ph.p_type != PT_LOAD) continue;
    if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
      off = vaddr - ph.p_vaddr + ph.p_offset;
      return true;
    }
  }
  return false;
}

// ---- binaries -----------------------------------------------------------------

std::vector<std::string> all_mapped_paths() {
  std::vector<std::string> out;
  for (const auto &name : list_dir("/proc", true)) {
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto paths = mapped_paths(std::atoi(name.c_str()));
    out.insert(out.end(), paths.begin(), paths.end());
  }
  sort_unique(out);
  return out;
}

// ---- provider names for listing ----------------------------------------------

struct ListProvider {
  const char *name;
  const char *alias1;
  const char *alias2;
  bool kernel;     // listed by `-l '*'`
  bool userspace;  // listed when a pid or a target file scopes the search
};

constexpr ListProvider kListProviders[] = {
    {"fentry", "f", "kfunc", true, false},
    {"fexit", "fr", "kretfunc", false, false},
    {"hardware", "h", nullptr, true, false},
    {"interval", "i", nullptr, false, false},
    {"iter", "it", nullptr, true, false},
    {"kprobe", "k", nullptr, true, false},
    {"kretprobe", "kr", nullptr, false, false},
    {"profile", "p", nullptr, false, false},
    {"rawtracepoint", "rt", nullptr, true, false},
    {"software", "s", nullptr, true, false},
    {"tracepoint", "t", nullptr, true, false},
    {"uprobe", "u", nullptr, false, true},
    {"uretprobe", "ur", nullptr, false, false},
    {"usdt", "U", nullptr, false, true},
};

std::string canonical_list_provider(const std::string &s) {
  for (const auto &p : kListProviders)
    if (s == p.name || (p.alias1 && s == p.alias1) || (p.alias2 && s == p.alias2)) return p.name;
  std::string l = s;
  for (auto &c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto &p : kListProviders)
    if (l == p.name || (p.alias1 && std::strlen(p.alias1) > 1 && l == p.alias1) ||
        (p.alias2 && l == p.alias2))
      return p.name;
  return {};
}

void add_matching_names(std::vector<ProbeMatch> &out, const std::vector<std::string> &names,
                        const std::string &pattern) {
  for (const auto &n : names)
    if (glob_match(pattern, n)) out.push_back({"", "", n});
}

}  // namespace

// ---- wildcards -----------------------------------------------------------------

bool has_wildcard(std::string_view s) { return s.find('*') != std::string_view::npos; }

bool glob_match(std::string_view pattern, std::string_view text) {
  return wildcard_match(pattern, text);  // usyms.h: the one matcher of the runtime
}

// ---- paths and caches -------------------------------------------------------------

void set_catalog_paths(const CatalogPaths &paths) {
  g_paths = paths;
  clear_catalog_caches();
}

const CatalogPaths &catalog_paths() { return g_paths; }

void clear_catalog_caches() {
  g_caches.kfuncs_loaded = false;
  g_caches.kfuncs.clear();
  g_caches.kfuncs_source.clear();
  g_caches.drop_btf();
}

std::string tracefs_dir() {
  if (!g_paths.tracefs.empty()) return is_dir(g_paths.tracefs + "/events") ? g_paths.tracefs : "";
  for (const char *d : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
    if (is_dir(std::string(d) + "/events")) return d;
  return {};
}

// ---- tracepoints ------------------------------------------------------------------

std::vector<std::string> list_tracepoints() {
  std::vector<std::string> out;
  std::string dir = tracefs_dir();
  if (dir.empty()) return out;
  std::string data;
  if (read_file(dir + "/available_events", data)) {
    for_each_line(data, [&](std::string_view line) {
      if (!line.empty()) out.emplace_back(line);
    });
  } else {
    // Walk events/<category>/<event>/; the ftrace category holds internal
    // events that cannot be attached to.
    for (const auto &cat : list_dir(dir + "/events", true)) {
      if (cat == "ftrace") continue;
      for (const auto &ev : list_dir(dir + "/events/" + cat, true)) out.push_back(cat + ":" + ev);
    }
  }
  sort_unique(out);
  return out;
}

std::vector<TracepointField> tracepoint_fields(const std::string &category, const std::string &event) {
  std::vector<TracepointField> out;
  std::string dir = tracefs_dir();
  std::string data;
  if (dir.empty() || !read_file(dir + "/events/" + category + "/" + event + "/format", data)) return out;
  // The common fields come first, then an empty line, then the event's own.
  bool common = true;
  for_each_line(data, [&](std::string_view line) {
    if (line.empty()) {
      common = false;
      return;
    }
    size_t f = line.find("field:");
    if (f == std::string_view::npos) return;
    TracepointField fld;
    size_t semi = line.find(';', f);
    if (semi == std::string_view::npos) return;
    fld.decl = std::string(line.substr(f + 6, semi - f - 6));
    fld.common = common;
    auto num = [&](std::string_view key) -> unsigned {
      size_t k = line.find(key);
      return k == std::string_view::npos ? 0u
                                         : static_cast<unsigned>(std::strtoul(
                                               std::string(line.substr(k + key.size())).c_str(),
                                               nullptr, 10));
    };
    fld.offset = num("offset:");
    fld.size = num("size:");
    fld.is_signed = num("signed:") != 0;
    out.push_back(std::move(fld));
  });
  return out;
}

// ---- kernel functions --------------------------------------------------------------

const std::vector<KernelFunction> &kernel_functions() {
  if (g_caches.kfuncs_loaded) return g_caches.kfuncs;
  g_caches.kfuncs_loaded = true;
  auto &out = g_caches.kfuncs;
  std::string data;
  std::string dir = tracefs_dir();
  if (!dir.empty() && read_file(dir + "/available_filter_functions", data)) {
    // "name" or "name [module]"
    for_each_line(data, [&](std::string_view line) {
      auto f = split_ws(line);
      if (f.empty()) return;
      KernelFunction k{std::string(f[0]), ""};
      if (f.size() > 1 && f[1].size() > 2 && f[1].front() == '[') k.module = f[1].substr(1, f[1].size() - 2);
      if (k.name.find(".part.") != std::string::npos) return;
      out.push_back(std::move(k));
    });
    g_caches.kfuncs_source = "available_filter_functions";
  } else if (read_file(g_paths.kallsyms, data)) {
    // "ffffffff81000000 T _stext" or "... t name\t[module]"
    // Scanned by hand: this file has ~200k lines and tools read it at start.
    out.reserve(150000);
    for_each_line(data, [&](std::string_view line) {
      size_t sp = line.find(' ');
      if (sp == std::string_view::npos || sp + 3 >= line.size() || line[sp + 2] != ' ') return;
      char type = line[sp + 1];
      if (type != 't' && type != 'T') return;
      std::string_view rest = line.substr(sp + 3);
      size_t end = rest.find_first_of(" \t");
      std::string_view name = rest.substr(0, end);
      if (name.empty() || name.substr(0, 6) == "__pfx_" || name.substr(0, 6) == "__cfi_") return;
      if (name.find(".part.") != std::string_view::npos) return;
      KernelFunction k{std::string(name), ""};
      if (end != std::string_view::npos) {
        size_t lb = rest.find('[', end), rb = rest.find(']', end);
        if (lb != std::string_view::npos && rb != std::string_view::npos && rb > lb + 1)
          k.module = rest.substr(lb + 1, rb - lb - 1);
      }
      out.push_back(std::move(k));
    });
    g_caches.kfuncs_source = "kallsyms";
  }
  sort_unique(out);
  return out;
}

std::string kernel_functions_source() {
  kernel_functions();
  return g_caches.kfuncs_source;
}

// ---- BTF ---------------------------------------------------------------------------

std::vector<std::string> list_raw_tracepoints() {
  std::vector<std::string> out;
  static constexpr std::string_view kPrefix = "btf_trace_";
  for (const auto &obj : btf_objects()) {
    uint32_t n = btf__type_cnt(obj.second);
    for (uint32_t id = own_start_id(obj); id < n; id++) {
      const struct btf_type *t = btf__type_by_id(obj.second, id);
      if (!t || !btf_is_typedef(t)) continue;
      std::string_view name = btf__name_by_offset(obj.second, t->name_off);
      if (name.substr(0, kPrefix.size()) != kPrefix) continue;
      out.push_back(obj.first + ":" + std::string(name.substr(kPrefix.size())));
    }
  }
  sort_unique(out);
  return out;
}

// The glob is applied to BTF names first: the check against the kernel's
// function list then only hashes the few names that match.
std::vector<std::string> list_btf_functions(const std::string &func_glob) {
  std::vector<std::pair<std::string_view, std::string_view>> candidates;  // module, function
  for (const auto &obj : btf_objects()) {
    uint32_t n = btf__type_cnt(obj.second);
    for (uint32_t id = own_start_id(obj); id < n; id++) {
      const struct btf_type *t = btf__type_by_id(obj.second, id);
      if (!t || !btf_is_func(t)) continue;
      const struct btf_type *proto = btf__type_by_id(obj.second, t->type);
      if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) > 6) continue;
      std::string_view name = btf__name_by_offset(obj.second, t->name_off);
      if (glob_match(func_glob, name)) candidates.emplace_back(obj.first, name);
    }
  }
  std::unordered_set<std::string_view> traceable;
  const auto &kf = kernel_functions();
  if (!candidates.empty() && !kf.empty()) {
    std::unordered_set<std::string_view> wanted;
    for (const auto &c : candidates) wanted.insert(c.second);
    for (const auto &k : kf)
      if (auto it = wanted.find(k.name); it != wanted.end()) traceable.insert(*it);
  }
  std::vector<std::string> out;
  for (const auto &[module, name] : candidates)
    if (kf.empty() || traceable.count(name)) out.push_back(std::string(module) + ":" + std::string(name));
  sort_unique(out);
  return out;
}

// The BTF FUNC names of one running program's functions (func_info).
static std::vector<std::string> bpf_program_functions(uint32_t id) {
  std::vector<std::string> out;
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return out;
  struct bpf_prog_info info = {};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || !info.btf_id || !info.nr_func_info) {
    close(fd);
    return out;
  }
  std::vector<struct bpf_func_info> funcs(info.nr_func_info);
  uint32_t rec_size = sizeof(struct bpf_func_info);
  info = {};
  info.nr_func_info = static_cast<uint32_t>(funcs.size());
  info.func_info_rec_size = rec_size;
  info.func_info = reinterpret_cast<uint64_t>(funcs.data());
  len = sizeof info;
  int err = bpf_obj_get_info_by_fd(fd, &info, &len);
  close(fd);
  if (err != 0 || info.func_info_rec_size != rec_size) return out;
  struct btf *btf = btf__load_from_kernel_by_id(info.btf_id);
  if (!btf || libbpf_get_error(btf)) return out;
  for (uint32_t i = 0; i < info.nr_func_info && i < funcs.size(); i++) {
    const struct btf_type *t = btf__type_by_id(btf, funcs[i].type_id);
    if (t && btf_is_func(t)) out.push_back(btf__name_by_offset(btf, t->name_off));
  }
  btf__free(btf);
  return out;
}

std::vector<BpfProgramFunction> running_bpf_functions(uint32_t prog_id, const std::string &func_glob) {
  std::vector<BpfProgramFunction> out;
  libbpf_print_fn_t old = libbpf_set_print(nullptr);  // keep libbpf quiet here
  uint32_t id = prog_id ? prog_id - 1 : 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    if (prog_id && id != prog_id) break;
    std::vector<std::string> funcs = bpf_program_functions(id);
    sort_unique(funcs);
    for (auto &f : funcs)
      if (glob_match(func_glob, f)) out.push_back({id, std::move(f)});
  }
  libbpf_set_print(old);
  return out;
}

std::vector<std::string> list_iters() {
  std::vector<std::string> out;
  static constexpr std::string_view kPrefix = "bpf_iter__";
  static constexpr std::string_view kSafe = "__safe_trusted";
  for (const auto &obj : btf_objects()) {
    uint32_t n = btf__type_cnt(obj.second);
    for (uint32_t id = own_start_id(obj); id < n; id++) {
      const struct btf_type *t = btf__type_by_id(obj.second, id);
      if (!t || !btf_is_struct(t)) continue;
      std::string_view name = btf__name_by_offset(obj.second, t->name_off);
      if (name.substr(0, kPrefix.size()) != kPrefix) continue;
      if (name.size() >= kSafe.size() && name.substr(name.size() - kSafe.size()) == kSafe) continue;
      out.emplace_back(name.substr(kPrefix.size()));
    }
  }
  sort_unique(out);
  return out;
}

std::vector<std::string> btf_function_params(const std::string &module, const std::string &func,
                                             bool with_retval) {
  struct btf *owner = nullptr;
  const struct btf_type *proto = find_func_proto(module, func, &owner);
  if (!proto) return {};
  return proto_params(owner, proto, 0, with_retval);
}

std::vector<std::string> raw_tracepoint_params(const std::string &module, const std::string &event) {
  // The probe stubs have the tracepoint's prototype with parameter names
  // (the btf_trace_ typedefs have none).
  for (const char *prefix : {"__probestub_", "__bpf_trace_"}) {
    struct btf *owner = nullptr;
    const struct btf_type *proto = find_func_proto(module, prefix + event, &owner);
    if (proto) return proto_params(owner, proto, 1, false);
  }
  for (const auto &obj : btf_objects()) {
    if (!module.empty() && obj.first != module) continue;
    int id = btf__find_by_name_kind(obj.second, ("btf_trace_" + event).c_str(), BTF_KIND_TYPEDEF);
    if (id <= 0) continue;
    const struct btf_type *t = btf__type_by_id(obj.second, static_cast<uint32_t>(id));
    const struct btf_type *ptr = t ? btf__type_by_id(obj.second, t->type) : nullptr;
    const struct btf_type *proto = ptr && btf_is_ptr(ptr) ? btf__type_by_id(obj.second, ptr->type) : nullptr;
    if (proto && btf_is_func_proto(proto)) return proto_params(obj.second, proto, 1, false);
  }
  return {};
}

// ---- perf events -------------------------------------------------------------------

std::vector<std::string> list_software_events() {
  std::vector<std::string> out;
  for (const auto &e : kSoftwareEvents) {
    out.emplace_back(e.name);
    if (!e.alias.empty()) out.emplace_back(e.alias);
  }
  return out;
}

std::vector<std::string> list_hardware_events() {
  std::vector<std::string> out;
  for (const auto &e : kHardwareEvents) {
    out.emplace_back(e.name);
    if (!e.alias.empty()) out.emplace_back(e.alias);
  }
  return out;
}

// ---- ELF ---------------------------------------------------------------------------

int UsdtNote::arg_count() const { return static_cast<int>(split_ws(args).size()); }

std::vector<UsdtNote> read_usdt_notes(const std::string &path) {
  std::vector<UsdtNote> out;
  ElfFile f(path);
  if (!f) return out;
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(f.elf, &shstrndx) != 0) return out;
  bool is64 = gelf_getclass(f.elf) == ELFCLASS64;
  uint64_t base_section = 0;
  std::vector<Elf_Scn *> note_sections;
  Elf_Scn *scn = nullptr;
  while ((scn = elf_nextscn(f.elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    const char *name = elf_strptr(f.elf, shstrndx, sh.sh_name);
    if (!name) continue;
    if (std::strcmp(name, ".stapsdt.base") == 0) base_section = sh.sh_addr;
    if (sh.sh_type == SHT_NOTE && std::strcmp(name, ".note.stapsdt") == 0) note_sections.push_back(scn);
  }
  const size_t asz = is64 ? 8 : 4;
  for (Elf_Scn *ns : note_sections) {
    Elf_Data *data = elf_getdata(ns, nullptr);
    if (!data) continue;
    size_t off = 0, name_off = 0, desc_off = 0;
    GElf_Nhdr nh;
    while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
      const char *bytes = static_cast<const char *>(data->d_buf);
      if (nh.n_type != 3 || nh.n_namesz != 8 || std::memcmp(bytes + name_off, "stapsdt", 8) != 0) continue;
      if (nh.n_descsz < 3 * asz + 3) continue;
      const char *desc = bytes + desc_off;
      auto addr = [&](size_t i) -> uint64_t {
        if (is64) {
          uint64_t v;
          std::memcpy(&v, desc + i * 8, 8);
          return v;
        }
        uint32_t v;
        std::memcpy(&v, desc + i * 4, 4);
        return v;
      };
      UsdtNote n;
      n.pc = addr(0);
      n.base = addr(1);
      n.semaphore = addr(2);
      const char *s = desc + 3 * asz;
      const char *end = desc + nh.n_descsz;
      auto next = [&]() -> std::string {
        const char *z = static_cast<const char *>(std::memchr(s, '\0', static_cast<size_t>(end - s)));
        if (!z) z = end;
        std::string r(s, static_cast<size_t>(z - s));
        s = z < end ? z + 1 : end;
        return r;
      };
      n.provider = next();
      n.name = next();
      n.args = next();
      if (base_section && n.base) n.pc += base_section - n.base;
      vaddr_to_offset(f.elf, n.pc, n.pc_offset);
      if (n.semaphore) vaddr_to_offset(f.elf, n.semaphore, n.semaphore_offset);
      out.push_back(std::move(n));
    }
  }
  return out;
}

// ---- binaries ------------------------------------------------------------------------

std::vector<std::string> mapped_paths(int pid) {
  std::vector<std::string> out;
  std::string data;
  if (!read_file("/proc/" + std::to_string(pid) + "/maps", data)) return out;
  // "addr perms offset dev inode path"
  for_each_line(data, [&](std::string_view line) {
    auto f = split_ws(line);
    if (f.size() < 6 || f[1].size() < 3 || f[1][2] != 'x' || f[5].empty() || f[5][0] != '/') return;
    if (f.size() > 6) return;  // "(deleted)" or a path with spaces
    out.emplace_back(f[5]);
  });
  sort_unique(out);
  return out;
}

std::vector<std::string> resolve_binary_paths(const std::string &target, int pid) {
  std::vector<std::string> out;
  if (target.empty()) {
    if (pid <= 0) return out;
    char buf[4096];
    std::string exe = "/proc/" + std::to_string(pid) + "/exe";
    ssize_t n = ::readlink(exe.c_str(), buf, sizeof buf - 1);
    if (n > 0) out.emplace_back(buf, static_cast<size_t>(n));
    return out;
  }
  if (target == "*") return pid > 0 ? mapped_paths(pid) : all_mapped_paths();
  if (has_wildcard(target)) {
    glob_t g{};
    if (::glob(target.c_str(), 0, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; i++)
        if (is_regular(g.gl_pathv[i]) && elf_type(g.gl_pathv[i]) >= 0) out.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    return out;
  }
  // A path, a program on $PATH or a library name (libc, libssl.so.3).
  std::string p = resolve_binary(target, pid > 0 ? pid : -1);
  if (!p.empty()) out.push_back(std::move(p));
  return out;
}

// ---- expansion -------------------------------------------------------------------------

std::string ProbeMatch::str() const {
  std::string s;
  for (const std::string *part : {&target, &ns, &func}) {
    if (part->empty()) continue;
    if (!s.empty()) s += ':';
    s += *part;
  }
  return s;
}

bool ProbeMatch::operator<(const ProbeMatch &o) const {
  if (target != o.target) return target < o.target;
  if (ns != o.ns) return ns < o.ns;
  return func < o.func;
}

std::vector<ProbeMatch> match_probes(const std::string &provider, const std::string &target,
                                     const std::string &ns, const std::string &func,
                                     const MatchOptions &opts) {
  std::vector<ProbeMatch> out;
  const std::string tpat = target.empty() ? "*" : target;

  if (provider == "tracepoint") {
    for (const auto &tp : list_tracepoints()) {
      auto [cat, ev] = split_first(tp);
      if (glob_match(tpat, cat) && glob_match(func, ev)) out.push_back({cat, "", ev});
    }
  } else if (provider == "kprobe" || provider == "kretprobe") {
    for (const auto &k : kernel_functions()) {
      if (!glob_match(func, k.name)) continue;
      if (target.empty()) {
        out.push_back({"", "", k.name});
      } else {
        std::string mod = k.module.empty() ? "vmlinux" : k.module;
        if (glob_match(target, mod)) out.push_back({mod, "", k.name});
      }
    }
  } else if (provider == "rawtracepoint" || provider == "fentry" || provider == "fexit") {
    auto all = provider == "rawtracepoint" ? list_raw_tracepoints() : list_btf_functions(func);
    if (provider != "rawtracepoint" && target == "bpf") {  // functions of running BPF programs
      for (auto &f : running_bpf_functions(static_cast<uint32_t>(opts.bpf_prog_id), func))
        out.push_back({"bpf", std::to_string(f.prog_id), std::move(f.func)});
      return out;
    }
    for (const auto &e : all) {
      auto [mod, name] = split_first(e);
      if (glob_match(tpat, mod) && glob_match(func, name)) out.push_back({mod, "", name});
    }
  } else if (provider == "uprobe" || provider == "uretprobe") {
    for (const auto &path : resolve_binary_paths(target, opts.pid))
      for (auto &sym : list_function_symbols(path, func, opts.lang == "cpp"))
        out.push_back({path, "", std::move(sym)});
  } else if (provider == "usdt") {
    const std::string npat = ns.empty() ? "*" : ns;
    for (const auto &path : resolve_binary_paths(target, opts.pid)) {
      for (const auto &n : read_usdt_notes(path))
        if (glob_match(npat, n.provider) && glob_match(func, n.name)) out.push_back({path, n.provider, n.name});
    }
  } else if (provider == "software") {
    add_matching_names(out, list_software_events(), func);
  } else if (provider == "hardware") {
    add_matching_names(out, list_hardware_events(), func);
  } else if (provider == "iter") {
    add_matching_names(out, list_iters(), func);
  }
  sort_unique(out);
  return out;
}

std::vector<std::string> expand(const std::string &provider, const std::string &target,
                                const std::string &pattern) {
  std::string ns, func = pattern;
  if (provider == "usdt") {
    size_t c = pattern.rfind(':');
    if (c != std::string::npos) {
      ns = pattern.substr(0, c);
      func = pattern.substr(c + 1);
    }
  }
  std::vector<std::string> out;
  for (const auto &m : match_probes(provider, target, ns, func)) out.push_back(m.str());
  return out;
}

// ---- listing ----------------------------------------------------------------------------

namespace {

// `-lv` lines of a kprobe ("type argN", floats skipped: they are not in
// argument registers) or a kretprobe ("type retval" or "void"), from BTF.
std::vector<std::string> kprobe_params(const std::string &module, const std::string &func, bool ret) {
  std::vector<std::string> out;
  struct btf *owner = nullptr;
  const struct btf_type *proto = find_func_proto(module, func, &owner);
  if (!proto) return out;
  std::string sink;
  struct btf_dump *d = btf_dump__new(owner, dump_printf, &sink, nullptr);
  if (!d || libbpf_get_error(d)) return out;
  if (ret) {
    out.push_back(proto->type ? btf_type_decl(d, sink, proto->type) + " retval" : "void");
  } else {
    const struct btf_param *p = btf_params(proto);
    for (uint16_t i = 0, n = btf_vlen(proto), argn = 0; i < n; i++, p++) {
      const struct btf_type *pt = btf__type_by_id(owner, p->type);
      if (pt && btf_kind(pt) == BTF_KIND_FLOAT) continue;
      out.push_back(btf_type_decl(d, sink, p->type) + " arg" + std::to_string(argn++));
    }
  }
  btf_dump__free(d);
  return out;
}

// "type name" lines for the members of a struct, looking through the
// anonymous unions the kernel wraps iterator context pointers in, and
// leaving out `meta`.
void add_member_lines(struct btf *b, struct btf_dump *d, std::string &sink, const struct btf_type *t,
                      std::vector<std::string> &out) {
  const struct btf_member *mem = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++, mem++) {
    std::string name = btf__name_by_offset(b, mem->name_off);
    if (name.empty()) {
      const struct btf_type *inner = btf__type_by_id(b, mem->type);
      if (inner && (btf_is_union(inner) || btf_is_struct(inner))) add_member_lines(b, d, sink, inner, out);
      continue;
    }
    if (name == "meta") continue;
    out.push_back(btf_type_decl(d, sink, mem->type) + " " + name);
  }
}

// Appends "provider:match" lines (and with verbose, "    arg" lines).
void list_provider(const std::string &provider, const std::vector<std::string> &parts,
                   const std::string &suffix, const ListOptions &opts, std::vector<std::string> &out) {
  // parts[0] is the provider as written; parts[1..] what follows it.
  const size_t n = parts.size();
  auto emit = [&](const std::string &line, const std::vector<std::string> &args) {
    out.push_back(provider + ":" + line);
    if (opts.verbose)
      for (const auto &a : args) out.push_back("    " + a);
  };
  MatchOptions mo;
  mo.pid = opts.pid;

  if (provider == "tracepoint") {
    std::string cat = n > 2 ? parts[1] : "*";
    std::string ev = n > 2 ? suffix.substr(parts[1].size() + 1) : suffix;
    for (const auto &m : match_probes(provider, cat, "", ev, mo)) {
      std::vector<std::string> args;
      if (opts.verbose)
        for (const auto &f : tracepoint_fields(m.target, m.func))
          if (!f.common) args.push_back(f.decl);
      emit(m.str(), args);
    }
  } else if (provider == "kprobe" || provider == "kretprobe") {
    std::string mod = n > 2 ? parts[1] : "";
    std::string fn = n > 2 ? suffix.substr(parts[1].size() + 1) : suffix;
    for (const auto &m : match_probes(provider, mod, "", fn, mo)) {
      std::vector<std::string> args;
      if (opts.verbose) args = kprobe_params(m.target == "vmlinux" ? "" : m.target, m.func,
                                             provider == "kretprobe");
      emit(m.str(), args);
    }
  } else if (provider == "rawtracepoint" || provider == "fentry" || provider == "fexit") {
    std::string mod = n > 2 ? parts[1] : "*";
    std::string fn = n > 2 ? suffix.substr(parts[1].size() + 1) : suffix;
    bool bpf_programs = provider != "rawtracepoint" && mod == "bpf";
    if (bpf_programs && n > 3) {  // fentry:bpf:ID:prog
      if (parts[2] != "*") mo.bpf_prog_id = strtoull(parts[2].c_str(), nullptr, 10);
      fn = fn.substr(parts[2].size() + 1);
    }
    for (const auto &m : match_probes(provider, mod, "", fn, mo)) {
      std::vector<std::string> args;
      if (opts.verbose && !bpf_programs)
        args = provider == "rawtracepoint" ? raw_tracepoint_params(m.target, m.func)
                                           : btf_function_params(m.target, m.func, true);
      emit(m.str(), args);
    }
  } else if (provider == "uprobe" || provider == "uretprobe") {
    std::string bin = "*", fn = suffix;
    if (n > 2) {
      bin = parts[1];
      fn = suffix.substr(parts[1].size() + 1);
    } else if (n == 2 && parts[1].find('/') != std::string::npos) {
      bin = parts[1];
      fn = "*";
    }
    for (const auto &m : match_probes(provider, bin, "", fn, mo)) emit(m.str(), {});
  } else if (provider == "usdt") {
    std::string bin = "*", ns, fn = suffix;
    if (n > 2) {
      bin = parts[1];
      fn = suffix.substr(parts[1].size() + 1);
      size_t c = fn.rfind(':');
      if (c != std::string::npos) {
        ns = fn.substr(0, c);
        fn = fn.substr(c + 1);
      }
    } else if (n == 2 && parts[1].find('/') != std::string::npos) {
      bin = parts[1];
      fn = "*";
    }
    for (const auto &m : match_probes(provider, bin, ns, fn, mo)) emit(m.str(), {});
  } else if (provider == "software" || provider == "hardware" || provider == "profile" ||
             provider == "interval") {
    // bpftrace prints these with a trailing ':' ("software:cpu-clock:").
    std::vector<std::string> names;
    if (provider == "software") names = list_software_events();
    else if (provider == "hardware") names = list_hardware_events();
    else
      for (auto u : kTimeUnits) names.emplace_back(u);
    std::string pat = suffix.empty() ? "*" : suffix;
    std::vector<std::string> hits;
    for (const auto &nm : names)
      if (glob_match(pat, nm + ":") || glob_match(pat, nm)) hits.push_back(nm + ":");
    sort_unique(hits);
    for (const auto &h : hits) emit(h, {});
  } else if (provider == "iter") {
    for (const auto &m : match_probes(provider, "", "", suffix.empty() ? "*" : suffix, mo)) {
      std::vector<std::string> args;
      if (opts.verbose) {
        // The iterator's context fields, from `struct bpf_iter__<name>`
        // minus the leading `meta`.
        for (const auto &obj : btf_objects()) {
          int id = btf__find_by_name_kind(obj.second, ("bpf_iter__" + m.func).c_str(), BTF_KIND_STRUCT);
          if (id <= 0) continue;
          const struct btf_type *t = btf__type_by_id(obj.second, static_cast<uint32_t>(id));
          std::string sink;
          struct btf_dump *d = btf_dump__new(obj.second, dump_printf, &sink, nullptr);
          if (!d || libbpf_get_error(d)) break;
          add_member_lines(obj.second, d, sink, t, args);
          btf_dump__free(d);
          break;
        }
      }
      emit(m.str(), args);
    }
  }
}

}  // namespace

std::vector<std::string> list_probes(const std::string &pattern, const ListOptions &opts) {
  std::vector<std::string> out;
  std::string pat = pattern.empty() ? "*" : pattern;

  // Split on ':' outside quotes.
  std::vector<std::string> parts(1);
  bool q = false;
  for (char c : pat) {
    if (c == '"') q = !q;
    if (c == ':' && !q) parts.emplace_back();
    else parts.back() += c;
  }
  std::string suffix;
  size_t colon = pat.find(':');
  if (colon != std::string::npos) suffix = pat.substr(colon + 1);
  if (suffix.empty() && parts.size() == 1) suffix = "*";

  // Which probe types: a wildcard (or a lone word) expands over the kernel
  // types, plus the userspace ones when a pid or an existing file scopes it.
  std::set<std::string> providers;
  const std::string &head = parts[0];
  bool specific_target = parts.size() > 1 && !parts[1].empty() && !has_wildcard(parts[1]) &&
                         parts[1].find('/') != std::string::npos && is_regular(parts[1]);
  if (has_wildcard(head) || parts.size() == 1) {
    std::string hp = head.empty() ? "*" : head;
    bool include_user = (!has_wildcard(hp)) || opts.pid > 0 || specific_target;
    for (const auto &p : kListProviders) {
      bool ok = has_wildcard(hp) ? glob_match(hp, p.name) : canonical_list_provider(hp) == p.name;
      if (!ok) continue;
      if (has_wildcard(hp) && !(p.kernel || (include_user && p.userspace))) continue;
      providers.insert(p.name);
    }
  } else {
    std::string c = canonical_list_provider(head);
    if (!c.empty()) providers.insert(c);
  }

  for (const auto &p : providers) {
    std::string sfx = suffix;
    if (parts.size() == 1) sfx = "*";
    list_provider(p, parts, sfx, opts, out);
  }
  return out;
}

}  // namespace bt2bin::rt

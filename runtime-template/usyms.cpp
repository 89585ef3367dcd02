// User-space symbolization and ELF helpers. See usyms.h.
//
// Pieces, bottom up: ElfFile (one file's function/object symbols, sorted by
// address, plus its PT_LOAD segments), FileCache (ElfFiles keyed by device
// and inode, shared by every process and by the path-based helpers),
// PerfMap (/tmp/perf-PID.map), Process (a pid's executable mappings), and
// Usyms::Impl tying them together.
#include "runtime-template/usyms.h"
#include "runtime-template/number_text.h"

#include <cxxabi.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace bt2bin::rt {

namespace {

// ---------------------------------------------------------------- utilities

constexpr uint64_t kRefreshNs = 20'000'000;  // re-read maps at most every 20 ms

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + ts.tv_nsec;
}

bool read_file(const std::string &path, std::string &out) {
  out.clear();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      errno = e;
      return false;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

std::string pid_path(int pid, const char *what) {
  std::string p = "/proc/";
  append_dec(p, static_cast<uint64_t>(pid));
  p += what;
  return p;
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_mangled(std::string_view name) { return name.starts_with("_Z"); }

struct FileKey {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator==(const FileKey &) const = default;
};

struct FileKeyHash {
  size_t operator()(const FileKey &k) const {
    return std::hash<uint64_t>()(k.ino * 0x9e3779b97f4a7c15ULL ^ k.dev);
  }
};

// ------------------------------------------------------------- ELF symbols

void ensure_libelf() {
  static bool done = (elf_version(EV_CURRENT), true);
  (void)done;
}

struct Segment {
  uint64_t vaddr, memsz, offset, filesz;
};

struct Sym {
  uint64_t addr;
  uint64_t size;
  uint32_t name_off;
  uint32_t name_len;
  uint8_t type;
  uint8_t bind;
  bool hidden;  // non-default symbol version (.gnu.version bit 15)
};

int bind_rank(uint8_t bind) {
  return bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0;
}

int leading_underscores(std::string_view s) {
  int n = 0;
  while (n < static_cast<int>(s.size()) && s[n] == '_')
    n++;
  return n;
}

class ElfFile {
 public:
  bool ok = false;
  int e_type = -1;
  std::vector<Segment> loads;
  std::vector<Sym> syms;          // by address; best name last per address
  std::vector<uint64_t> max_end;  // prefix maximum of symbol ends
  std::string names;
  std::string origin;  // path the file was opened at (for .gnu_debuglink)

  std::string_view name(const Sym &s) const {
    return std::string_view(names.data() + s.name_off, s.name_len);
  }

  // Symbol containing `vaddr`: the one with the greatest start, the best
  // name among aliases. A size-0 symbol matches only its own address.
  const Sym *find(uint64_t vaddr) const {
    auto it = std::upper_bound(
        syms.begin(), syms.end(), vaddr,
        [](uint64_t a, const Sym &s) { return a < s.addr; });
    for (ptrdiff_t i = (it - syms.begin()) - 1; i >= 0 && max_end[i] > vaddr;
         --i) {
      const Sym &s = syms[i];
      if (vaddr < s.addr + s.size || vaddr == s.addr)
        return &s;
    }
    return nullptr;
  }

  bool file_offset_to_vaddr(uint64_t off, uint64_t &vaddr) const {
    // Segments' file ranges do not overlap; their memory tails (.bss) may.
    for (int pass = 0; pass < 2; pass++) {
      for (const Segment &seg : loads) {
        uint64_t len = pass == 0 ? seg.filesz : std::max(seg.filesz, seg.memsz);
        if (off >= seg.offset && off < seg.offset + len) {
          vaddr = off - seg.offset + seg.vaddr;
          return true;
        }
      }
    }
    if (loads.empty()) {
      vaddr = off;
      return true;
    }
    return false;
  }

  bool vaddr_to_file_offset(uint64_t vaddr, uint64_t &off) const {
    for (const Segment &seg : loads) {
      if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.memsz) {
        off = vaddr - seg.vaddr + seg.offset;
        return true;
      }
    }
    return false;
  }

  std::string_view display_name(const Sym &s, bool demangle_names) {
    std::string_view raw = name(s);
    if (!demangle_names || !is_mangled(raw))
      return raw;
    auto it = demangled_.find(s.name_off);
    if (it == demangled_.end()) {
      std::string d = cxx_demangle(raw);
      it = demangled_.emplace(s.name_off, d.empty() ? std::string(raw) : d)
               .first;
    }
    return it->second;
  }

  // Indices into syms sorted by name (built on first use).
  const std::vector<uint32_t> &by_name() {
    if (by_name_.size() != syms.size()) {
      by_name_.resize(syms.size());
      for (uint32_t i = 0; i < syms.size(); i++)
        by_name_[i] = i;
      std::sort(by_name_.begin(), by_name_.end(), [&](uint32_t a, uint32_t b) {
        return name(syms[a]) < name(syms[b]);
      });
    }
    return by_name_;
  }

  // Best symbol named exactly `n`, or nullptr.
  const Sym *find_name(std::string_view n) {
    const auto &idx = by_name();
    auto lo = std::lower_bound(idx.begin(), idx.end(), n,
                               [&](uint32_t i, std::string_view v) {
                                 return name(syms[i]) < v;
                               });
    const Sym *best = nullptr;
    for (; lo != idx.end() && name(syms[*lo]) == n; ++lo) {
      const Sym &s = syms[*lo];
      if (!best || rank(s) > rank(*best))
        best = &s;
    }
    return best;
  }

  bool load(Elf *elf, bool debug_files);

 private:
  // Preference among same-name symbols: default version, code, sized,
  // global over weak over local.
  static std::tuple<bool, bool, bool, int> rank(const Sym &s) {
    return {!s.hidden, s.type != STT_OBJECT, s.size > 0, bind_rank(s.bind)};
  }

  bool read_symbols(Elf *elf, bool symtab_only, bool &has_symtab,
                    std::string &build_id, std::string &debuglink);
  void finalize();
  bool load_debug_file(const std::string &build_id, const std::string &debuglink,
                       const std::string &origin);

  std::unordered_map<uint32_t, std::string> demangled_;
  std::vector<uint32_t> by_name_;
};

bool ElfFile::read_symbols(Elf *elf, bool symtab_only, bool &has_symtab,
                           std::string &build_id, std::string &debuglink) {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0)
    return false;
  Elf_Data *versym = nullptr;
  Elf_Scn *scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
      versym = elf_getdata(scn, nullptr);
  }
  scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh))
      continue;
    if (sh.sh_type == SHT_NOTE && build_id.empty()) {
      Elf_Data *data = elf_getdata(scn, nullptr);
      size_t off = 0, name_off = 0, desc_off = 0;
      GElf_Nhdr nh;
      while (data && data->d_buf &&
             (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
            memcmp(static_cast<char *>(data->d_buf) + name_off, "GNU", 4) == 0) {
          const auto *d =
              static_cast<const unsigned char *>(data->d_buf) + desc_off;
          static const char hex[] = "0123456789abcdef";
          for (size_t i = 0; i < nh.n_descsz; i++) {
            build_id += hex[d[i] >> 4];
            build_id += hex[d[i] & 15];
          }
        }
      }
      continue;
    }
    if (sh.sh_type == SHT_PROGBITS && debuglink.empty()) {
      const char *sname = elf_strptr(elf, shstrndx, sh.sh_name);
      if (sname && strcmp(sname, ".gnu_debuglink") == 0) {
        Elf_Data *data = elf_getdata(scn, nullptr);
        if (data && data->d_buf && data->d_size > 0)
          debuglink.assign(static_cast<const char *>(data->d_buf),
                           strnlen(static_cast<const char *>(data->d_buf),
                                   data->d_size));
      }
      continue;
    }
    if (sh.sh_type != SHT_SYMTAB && (symtab_only || sh.sh_type != SHT_DYNSYM))
      continue;
    if (sh.sh_type == SHT_SYMTAB)
      has_symtab = true;
    Elf_Data *data = elf_getdata(scn, nullptr);
    if (!data || !data->d_buf || sh.sh_entsize == 0)
      continue;
    size_t n = sh.sh_size / sh.sh_entsize;
    bool dyn = sh.sh_type == SHT_DYNSYM;
    size_t nver = versym && versym->d_buf ? versym->d_size / sizeof(uint16_t) : 0;
    for (size_t i = 1; i < n; i++) {
      GElf_Sym s;
      if (!gelf_getsym(data, static_cast<int>(i), &s))
        continue;
      uint8_t type = GELF_ST_TYPE(s.st_info);
      if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT)
        continue;
      if (s.st_shndx == SHN_UNDEF || s.st_value == 0)
        continue;
      const char *nm = elf_strptr(elf, sh.sh_link, s.st_name);
      if (!nm || !*nm)
        continue;
      size_t len = strlen(nm);
      bool hidden = dyn && i < nver &&
                    (static_cast<const uint16_t *>(versym->d_buf)[i] & 0x8000);
      // .symtab spells versions into names: "memcpy@GLIBC_2.2.5" (hidden),
      // "memcpy@@GLIBC_2.14" (default). Print and match the bare name.
      if (const char *at = static_cast<const char *>(memchr(nm, '@', len));
          at && at != nm) {
        hidden = hidden || at[1] != '@';
        len = static_cast<size_t>(at - nm);
      }
      if (len > UINT32_MAX || names.size() + len > UINT32_MAX)
        continue;
      syms.push_back({s.st_value, s.st_size, static_cast<uint32_t>(names.size()),
                      static_cast<uint32_t>(len), type,
                      static_cast<uint8_t>(GELF_ST_BIND(s.st_info)), hidden});
      names.append(nm, len);
    }
  }
  return true;
}

void ElfFile::finalize() {
  // Per address, order aliases so the best is last (perf's choice: sized,
  // default version, global over weak over local, fewer leading
  // underscores, longer name); names sort last so duplicates from
  // .symtab and .dynsym become adjacent and collapse.
  auto key = [&](const Sym &s) {
    std::string_view n = name(s);
    return std::make_tuple(s.size > 0, !s.hidden, bind_rank(s.bind),
                           -leading_underscores(n), n.size());
  };
  std::sort(syms.begin(), syms.end(), [&](const Sym &a, const Sym &b) {
    if (a.addr != b.addr)
      return a.addr < b.addr;
    auto ka = key(a), kb = key(b);
    if (ka != kb)
      return ka < kb;
    return name(a) < name(b);
  });
  size_t out = 0;
  for (size_t i = 0; i < syms.size(); i++) {
    if (out > 0 && syms[out - 1].addr == syms[i].addr &&
        syms[out - 1].size == syms[i].size && name(syms[out - 1]) == name(syms[i])) {
      syms[out - 1].hidden = syms[out - 1].hidden && syms[i].hidden;
      continue;
    }
    syms[out++] = syms[i];
  }
  syms.resize(out);
  syms.shrink_to_fit();
  max_end.resize(syms.size());
  uint64_t m = 0;
  for (size_t i = 0; i < syms.size(); i++) {
    m = std::max(m, syms[i].addr + std::max<uint64_t>(syms[i].size, 1));
    max_end[i] = m;
  }
}

bool ElfFile::load_debug_file(const std::string &build_id,
                              const std::string &debuglink,
                              const std::string &from) {
  std::vector<std::string> candidates;
  if (build_id.size() > 2)
    candidates.push_back("/usr/lib/debug/.build-id/" + build_id.substr(0, 2) +
                         "/" + build_id.substr(2) + ".debug");
  if (!debuglink.empty() && !from.empty() && from[0] == '/') {
    std::string dir = from.substr(0, from.rfind('/'));
    candidates.push_back(dir + "/" + debuglink);
    candidates.push_back(dir + "/.debug/" + debuglink);
    // "/proc/PID/root/usr/lib" -> "/usr/lib" under our /usr/lib/debug
    std::string_view host_dir = dir;
    if (host_dir.starts_with("/proc/")) {
      size_t root = host_dir.find("/root/");
      host_dir = root == std::string_view::npos ? std::string_view()
                                                : host_dir.substr(root + 5);
    }
    if (!host_dir.empty())
      candidates.push_back("/usr/lib/debug" + std::string(host_dir) + "/" +
                           debuglink);
  }
  for (const std::string &c : candidates) {
    if (c == from)
      continue;
    int fd = open(c.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
    bool has_symtab = false;
    std::string bid, link;
    if (elf && elf_kind(elf) == ELF_K_ELF)
      read_symbols(elf, true, has_symtab, bid, link);
    if (elf)
      elf_end(elf);
    close(fd);
    if (has_symtab)
      return true;
  }
  return false;
}

bool ElfFile::load(Elf *elf, bool debug_files) {
  if (!elf || elf_kind(elf) != ELF_K_ELF)
    return false;
  GElf_Ehdr eh;
  if (!gelf_getehdr(elf, &eh))
    return false;
  e_type = eh.e_type;
  size_t nph = 0;
  if (elf_getphdrnum(elf, &nph) == 0) {
    for (size_t i = 0; i < nph; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD)
        loads.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz});
    }
  }
  bool has_symtab = false;
  std::string build_id, debuglink;
  if (!read_symbols(elf, false, has_symtab, build_id, debuglink))
    return false;
  if (!has_symtab && debug_files)
    load_debug_file(build_id, debuglink, origin);
  finalize();
  ok = true;
  return true;
}

// --------------------------------------------------------------- file cache

class FileCache {
 public:
  ElfFile *find(const FileKey &key) {
    auto it = files_.find(key);
    return it == files_.end() ? nullptr : it->second.get();
  }

  // Loads the file open on `fd` (not closed here) unless already cached.
  ElfFile *get(const FileKey &key, int fd, const std::string &origin,
               bool debug_files) {
    if (ElfFile *f = find(key))
      return f;
    ensure_libelf();
    auto f = std::make_unique<ElfFile>();
    f->origin = origin;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
    if (elf) {
      f->load(elf, debug_files);
      elf_end(elf);
    }
    ElfFile *raw = f.get();
    files_.emplace(key, std::move(f));
    return raw;
  }

  ElfFile *by_path(const std::string &path, bool debug_files = true) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return nullptr;
    struct stat st;
    ElfFile *f = nullptr;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
      f = get({static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)},
              fd, path, debug_files);
    close(fd);
    return f;
  }

  // Our own vDSO: the same image every process on this kernel maps.
  ElfFile *vdso() {
    if (vdso_tried_)
      return vdso_.get();
    vdso_tried_ = true;
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    if (!base)
      return nullptr;
    const auto *eh = reinterpret_cast<const Elf64_Ehdr *>(base);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64)
      return nullptr;
    size_t size = eh->e_shoff + static_cast<size_t>(eh->e_shnum) * eh->e_shentsize;
    const auto *ph = reinterpret_cast<const Elf64_Phdr *>(base + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++)
      if (ph[i].p_type == PT_LOAD)
        size = std::max<size_t>(size, ph[i].p_offset + ph[i].p_filesz);
    if (size == 0 || size > (64u << 20))
      return nullptr;
    std::string image(reinterpret_cast<const char *>(base), size);
    ensure_libelf();
    auto f = std::make_unique<ElfFile>();
    Elf *elf = elf_memory(image.data(), image.size());
    if (elf) {
      f->load(elf, false);
      elf_end(elf);
    }
    vdso_ = std::move(f);
    return vdso_.get();
  }

 private:
  std::unordered_map<FileKey, std::unique_ptr<ElfFile>, FileKeyHash> files_;
  std::unique_ptr<ElfFile> vdso_;
  bool vdso_tried_ = false;
};

FileCache &file_cache() {
  static FileCache cache;
  return cache;
}

// ----------------------------------------------------------------- perf map

class PerfMap {
 public:
  explicit PerfMap(std::string path) : path_(std::move(path)) {}

  const std::string &path() const { return path_; }

  // (Re)reads the file when its size changed. False if it is unreadable.
  bool refresh() {
    struct stat st;
    if (stat(path_.c_str(), &st) != 0)
      return false;
    if (st.st_size == size_)
      return true;
    std::string text;
    if (!read_file(path_, text))
      return false;
    size_ = st.st_size;
    entries_.clear();
    names_.clear();
    demangled_.clear();
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos)
        nl = text.size();
      parse_line(std::string_view(text).substr(pos, nl - pos));
      pos = nl + 1;
    }
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const Entry &a, const Entry &b) { return a.start < b.start; });
    max_end_.resize(entries_.size());
    uint64_t m = 0;
    for (size_t i = 0; i < entries_.size(); i++) {
      m = std::max(m, entries_[i].start + entries_[i].size);
      max_end_[i] = m;
    }
    return true;
  }

  // Latest entry covering addr.
  bool find(uint64_t addr, std::string_view &name, uint64_t &offset,
            bool demangle_names) {
    auto it = std::upper_bound(
        entries_.begin(), entries_.end(), addr,
        [](uint64_t a, const Entry &e) { return a < e.start; });
    for (ptrdiff_t i = (it - entries_.begin()) - 1;
         i >= 0 && max_end_[i] > addr; --i) {
      const Entry &e = entries_[i];
      if (addr < e.start + e.size) {
        name = std::string_view(names_.data() + e.name_off, e.name_len);
        offset = addr - e.start;
        if (demangle_names && is_mangled(name)) {
          auto d = demangled_.find(e.name_off);
          if (d == demangled_.end()) {
            std::string s = cxx_demangle(name);
            d = demangled_.emplace(e.name_off, s.empty() ? std::string(name) : s)
                    .first;
          }
          name = d->second;
        }
        return true;
      }
    }
    return false;
  }

 private:
  struct Entry {
    uint64_t start, size;
    uint32_t name_off, name_len;
  };

  static bool parse_hex(std::string_view &s, uint64_t &v) {
    if (s.starts_with("0x") || s.starts_with("0X"))
      s.remove_prefix(2);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (ec != std::errc())
      return false;
    s.remove_prefix(p - s.data());
    return true;
  }

  void parse_line(std::string_view line) {
    // "START SIZE symbol name with spaces"
    uint64_t start, size;
    if (!parse_hex(line, start) || line.empty() || line[0] != ' ')
      return;
    line.remove_prefix(1);
    if (!parse_hex(line, size) || line.empty() || line[0] != ' ')
      return;
    line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.remove_suffix(1);
    if (line.empty() || names_.size() + line.size() > UINT32_MAX)
      return;
    entries_.push_back({start, size, static_cast<uint32_t>(names_.size()),
                        static_cast<uint32_t>(line.size())});
    names_.append(line);
  }

  std::string path_;
  off_t size_ = -1;
  std::vector<Entry> entries_;
  std::vector<uint64_t> max_end_;
  std::string names_;
  std::unordered_map<uint32_t, std::string> demangled_;
};

// -------------------------------------------------------------- /proc/PID/maps

struct MapsLine {
  uint64_t start, end, pgoff;
  FileKey key;
  bool exec;
  std::string_view path;
};

// Calls f(const MapsLine&) for each line of a maps file's text.
template <class F>
void for_each_maps_line(std::string_view text, F &&f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos)
      nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    // start-end perms offset major:minor inode   path
    const char *p = line.data(), *e = p + line.size();
    MapsLine m{};
    auto r = std::from_chars(p, e, m.start, 16);
    if (r.ec != std::errc() || r.ptr >= e || *r.ptr != '-')
      continue;
    r = std::from_chars(r.ptr + 1, e, m.end, 16);
    if (r.ec != std::errc() || r.ptr + 6 > e)
      continue;
    p = r.ptr + 1;  // perms
    m.exec = p[2] == 'x';
    p += 5;
    r = std::from_chars(p, e, m.pgoff, 16);
    if (r.ec != std::errc() || r.ptr >= e)
      continue;
    unsigned maj = 0, min = 0;
    r = std::from_chars(r.ptr + 1, e, maj, 16);
    if (r.ec != std::errc() || r.ptr >= e || *r.ptr != ':')
      continue;
    r = std::from_chars(r.ptr + 1, e, min, 16);
    if (r.ec != std::errc() || r.ptr >= e)
      continue;
    m.key.dev = makedev(maj, min);
    r = std::from_chars(r.ptr + 1, e, m.key.ino);
    if (r.ec != std::errc())
      continue;
    p = r.ptr;
    while (p < e && *p == ' ')
      p++;
    m.path = std::string_view(p, e - p);
    f(m);
  }
}

bool different_mountns(int pid) {
  struct stat self, other;
  if (stat("/proc/self/ns/mnt", &self) != 0 ||
      stat(pid_path(pid, "/ns/mnt").c_str(), &other) != 0)
    return false;
  return self.st_ino != other.st_ino || self.st_dev != other.st_dev;
}

struct Mapping {
  uint64_t start, end, pgoff;
  FileKey key;
  const std::string *path;
  ElfFile *file;
  bool resolved;
  bool vdso;
};

struct Process {
  std::vector<Mapping> maps;  // sorted by start
  bool have_maps = false;
  bool gone = false;
  uint64_t maps_read_ns = 0;
  size_t hint = 0;
  std::unique_ptr<PerfMap> perf;
  uint64_t perf_checked_ns = 0;
  bool perf_tried = false;
  const std::string *fallback = nullptr;
};

}  // namespace

// ------------------------------------------------------------------- Usyms

struct Usyms::Impl {
  UsymsOptions opts;
  std::unordered_map<int, Process> procs;
  std::unordered_set<std::string> paths;  // interned module paths
  std::unordered_set<std::string> probe_binaries;  // see note_probe_binary()

  const std::string *intern(std::string_view s) {
    return &*paths.emplace(s).first;
  }

  bool read_maps(int pid, Process &p) {
    p.maps_read_ns = now_ns();
    std::string text;
    if (pid <= 0 || !read_file(pid_path(pid, "/maps"), text)) {
      if (pid <= 0 || errno == ENOENT || errno == ESRCH)
        p.gone = true;
      return false;
    }
    std::vector<Mapping> maps;
    for_each_maps_line(text, [&](const MapsLine &m) {
      if (!m.exec || m.path.empty())
        return;
      bool vdso = m.path == "[vdso]";
      if (m.path[0] != '/' && !vdso)
        return;
      maps.push_back({m.start, m.end, m.pgoff, m.key, intern(m.path), nullptr,
                      false, vdso});
    });
    // Keep files already resolved for unchanged mappings.
    for (Mapping &m : maps) {
      for (const Mapping &old : p.maps) {
        if (old.resolved && old.start == m.start && old.key == m.key &&
            old.path == m.path) {
          m.file = old.file;
          m.resolved = true;
          break;
        }
      }
    }
    p.maps = std::move(maps);
    p.have_maps = true;
    p.hint = 0;
    return true;
  }

  Mapping *find_mapping(Process &p, uint64_t addr) {
    if (p.hint < p.maps.size()) {
      Mapping &h = p.maps[p.hint];
      if (addr >= h.start && addr < h.end)
        return &h;
    }
    auto it = std::upper_bound(
        p.maps.begin(), p.maps.end(), addr,
        [](uint64_t a, const Mapping &m) { return a < m.start; });
    if (it == p.maps.begin())
      return nullptr;
    --it;
    if (addr >= it->end)
      return nullptr;
    p.hint = it - p.maps.begin();
    return &*it;
  }

  ElfFile *mapping_file(int pid, Mapping &m) {
    if (m.resolved)
      return m.file;
    m.resolved = true;
    if (m.vdso)
      return m.file = file_cache().vdso();
    if ((m.file = file_cache().find(m.key)))
      return m.file;
    const std::string &path = *m.path;
    std::vector<std::string> candidates;
    char range[48];
    snprintf(range, sizeof(range), "/map_files/%lx-%lx",
             static_cast<unsigned long>(m.start), static_cast<unsigned long>(m.end));
    if (path.ends_with(" (deleted)")) {
      candidates.push_back(pid_path(pid, range));
    } else {
      candidates.push_back(pid_path(pid, "/root") + path);
      candidates.push_back(path);
      candidates.push_back(pid_path(pid, range));
    }
    int chosen = -1;
    std::string chosen_path;
    for (const std::string &c : candidates) {
      int fd = open(c.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      struct stat st;
      bool same = fstat(fd, &st) == 0 &&
                  FileKey{static_cast<uint64_t>(st.st_dev),
                          static_cast<uint64_t>(st.st_ino)} == m.key;
      if (same || chosen < 0) {
        if (chosen >= 0)
          close(chosen);
        chosen = fd;
        chosen_path = c;
      } else {
        close(fd);
      }
      if (same)
        break;
    }
    if (chosen < 0)
      return nullptr;
    m.file = file_cache().get(m.key, chosen, chosen_path, opts.debug_files);
    close(chosen);
    return m.file;
  }

  PerfMap *perf_map(int pid, Process &p) {
    uint64_t now = now_ns();
    if (p.perf) {
      if (now - p.perf_checked_ns >= kRefreshNs) {
        p.perf_checked_ns = now;
        p.perf->refresh();
      }
      return p.perf.get();
    }
    if (pid <= 0 || (p.perf_tried && now - p.perf_checked_ns < kRefreshNs))
      return nullptr;
    p.perf_tried = true;
    p.perf_checked_ns = now;
    std::vector<std::string> candidates;
    // A process in its own pid namespace writes /tmp/perf-<its pid>.map.
    std::string status;
    if (read_file(pid_path(pid, "/status"), status)) {
      size_t at = status.find("\nNSpid:");
      if (at != std::string::npos) {
        size_t end = status.find('\n', at + 1);
        std::string_view line(status.data() + at + 7,
                              (end == std::string::npos ? status.size() : end) -
                                  at - 7);
        size_t last = line.find_last_of(" \t");
        std::string_view nspid =
            last == std::string_view::npos ? line : line.substr(last + 1);
        if (!nspid.empty() && std::to_string(pid) != nspid)
          candidates.push_back(pid_path(pid, "/root/tmp/perf-") +
                               std::string(nspid) + ".map");
      }
    }
    candidates.push_back("/tmp/perf-" + std::to_string(pid) + ".map");
    for (const std::string &c : candidates) {
      auto pm = std::make_unique<PerfMap>(c);
      if (pm->refresh()) {
        p.perf = std::move(pm);
        return p.perf.get();
      }
    }
    return nullptr;
  }

  UsymInfo lookup(int pid, uint64_t addr, std::string_view fallback_exe) {
    UsymInfo info;
    Process &p = procs[pid];
    if (!p.have_maps && !p.gone &&
        (p.maps_read_ns == 0 || now_ns() - p.maps_read_ns >= kRefreshNs))
      read_maps(pid, p);
    Mapping *m = find_mapping(p, addr);
    if (!m && !p.gone && now_ns() - p.maps_read_ns >= kRefreshNs) {
      read_maps(pid, p);
      m = find_mapping(p, addr);
    }
    if (m) {
      ElfFile *f = mapping_file(pid, *m);
      uint64_t vaddr;
      if (f && f->ok && f->file_offset_to_vaddr(addr - m->start + m->pgoff, vaddr)) {
        if (const Sym *s = f->find(vaddr)) {
          info.name = f->display_name(*s, opts.demangle);
          info.offset = vaddr - s->addr;
          info.module = *m->path;
          info.found = true;
          return info;
        }
      }
    }
    if (opts.perf_map) {
      if (PerfMap *pm = perf_map(pid, p)) {
        if (pm->find(addr, info.name, info.offset, opts.demangle)) {
          info.module = pm->path();
          info.found = true;
          return info;
        }
      }
    }
    // Gone (or a zombie, whose maps are empty): try the probe's binary.
    if (p.maps.empty() && !fallback_exe.empty()) {
      if (!p.fallback || *p.fallback != fallback_exe)
        p.fallback = intern(fallback_exe);
      ElfFile *f = file_cache().by_path(*p.fallback, opts.debug_files);
      if (f && f->ok) {
        if (const Sym *s = f->find(addr)) {
          info.name = f->display_name(*s, opts.demangle);
          info.offset = addr - s->addr;
          info.module = *p.fallback;
          info.found = true;
        }
      }
    }
    return info;
  }
};

Usyms::Usyms(UsymsOptions opts) : impl_(std::make_unique<Impl>()) {
  impl_->opts = opts;
}

Usyms::~Usyms() = default;

Usyms &Usyms::global() {
  static Usyms instance;
  return instance;
}

void Usyms::set_options(const UsymsOptions &opts) { impl_->opts = opts; }

const UsymsOptions &Usyms::options() const { return impl_->opts; }

UsymInfo Usyms::lookup(int pid, uint64_t addr) {
  return impl_->lookup(pid, addr, {});
}

UsymInfo Usyms::lookup(int pid, uint64_t addr, std::string_view fallback_exe) {
  if (fallback_exe.empty() && impl_->probe_binaries.size() == 1)
    fallback_exe = *impl_->probe_binaries.begin();
  return impl_->lookup(pid, addr, fallback_exe);
}

void Usyms::append_symbol(std::string &out, int pid, uint64_t addr,
                          bool show_offset, bool perf_mode,
                          std::string_view fallback_exe) {
  UsymInfo s = lookup(pid, addr, fallback_exe);
  if (!s.found) {
    out += "0x";
    append_hex(out, addr);
    if (perf_mode)
      out += " ([unknown])";
    return;
  }
  out.append(s.name);
  if (show_offset) {
    out += '+';
    append_dec(out, s.offset);
  }
  if (perf_mode) {
    out += " (";
    out.append(s.module);
    out += ')';
  }
}

std::string Usyms::symbolize(int pid, uint64_t addr, bool show_offset,
                             bool perf_mode) {
  std::string s;
  append_symbol(s, pid, addr, show_offset, perf_mode);
  return s;
}

bool Usyms::preload(int pid) {
  Process &p = impl_->procs[pid];
  p.gone = false;
  if (!impl_->read_maps(pid, p))
    return false;
  for (Mapping &m : p.maps)
    impl_->mapping_file(pid, m);
  return true;
}

void Usyms::note_probe_binary(const std::string &path) {
  impl_->probe_binaries.insert(path);
}

void Usyms::forget(int pid) { impl_->procs.erase(pid); }

void Usyms::clear() {
  impl_->procs.clear();
  impl_->paths.clear();
}

// -------------------------------------------------------------- ELF helpers

std::string cxx_demangle(std::string_view mangled) {
  if (!is_mangled(mangled))
    return {};
  std::string s(mangled);
  int status = 0;
  char *d = abi::__cxa_demangle(s.c_str(), nullptr, nullptr, &status);
  if (!d)
    return {};
  std::string r(d);
  free(d);
  return r;
}

int elf_type(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  unsigned char h[EI_NIDENT + 2];
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            pread(fd, h, sizeof(h), 0) == static_cast<ssize_t>(sizeof(h));
  close(fd);
  if (!ok || memcmp(h, ELFMAG, SELFMAG) != 0)
    return -1;
  if (h[EI_DATA] == ELFDATA2LSB)
    return h[EI_NIDENT] | (h[EI_NIDENT + 1] << 8);
  return (h[EI_NIDENT] << 8) | h[EI_NIDENT + 1];
}

namespace {

bool is_exec_elf(const std::string &path) {
  int t = elf_type(path);
  return (t == ET_EXEC && access(path.c_str(), X_OK) == 0) || t == ET_DYN;
}

// "libc" / "c" -> "libc.so" prefix; names containing ".so" match exactly.
struct LibName {
  std::string want;  // "libc.so" or the exact file name
  std::string dash;  // "libc-" (old versioned file names), "" if exact
  bool exact;
  bool matches(std::string_view file) const {
    if (exact)
      return file == want;
    if (file.starts_with(want) &&
        (file.size() == want.size() || file[want.size()] == '.'))
      return true;
    return file.starts_with(dash) && file.find(".so") != std::string_view::npos;
  }
};

LibName lib_name(std::string_view name) {
  LibName l;
  l.exact = name.find(".so") != std::string_view::npos;
  if (l.exact) {
    l.want = std::string(name);
    return l;
  }
  std::string base(name.starts_with("lib") ? name.substr(3) : name);
  l.want = "lib" + base + ".so";
  l.dash = "lib" + base + "-";
  return l;
}

std::string find_in_ld_cache(const LibName &lib) {
  std::string data;
  if (!read_file("/etc/ld.so.cache", data))
    return {};
  auto u32 = [&](size_t off) {
    uint32_t v = 0;
    if (off + 4 <= data.size())
      memcpy(&v, data.data() + off, 4);
    return v;
  };
  size_t base = 0;
  static const char kOld[] = "ld.so-1.7.0";
  static const char kNew[] = "glibc-ld.so.cache1.1";
  if (data.compare(0, sizeof(kOld) - 1, kOld) == 0) {
    size_t n = u32(12);
    base = (16 + n * 12 + 7) & ~size_t(7);
  }
  if (data.size() < base + 48 ||
      data.compare(base, sizeof(kNew) - 1, kNew) != 0)
    return {};
  size_t nlibs = u32(base + 20);
  for (size_t i = 0; i < nlibs; i++) {
    size_t e = base + 48 + i * 24;
    if (e + 24 > data.size())
      break;
    uint32_t flags = u32(e), key = u32(e + 4), value = u32(e + 8);
    if ((flags & 0xff) != 3)  // FLAG_ELF_LIBC6
      continue;
#if defined(__x86_64__)
    if ((flags & 0xff00) != 0x0300)  // FLAG_X8664_LIB64
      continue;
#endif
    if (base + key >= data.size() || base + value >= data.size())
      continue;
    const char *k = data.c_str() + base + key;
    if (!lib.matches(k))
      continue;
    std::string path(data.c_str() + base + value);
    if (elf_type(path) >= 0)
      return path;
  }
  return {};
}

std::string find_in_lib_dirs(const LibName &lib) {
  static const char *const kDirs[] = {
      "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
      "/usr/lib64",            "/lib",                      "/usr/lib",
      "/usr/local/lib"};
  for (const char *dir : kDirs) {
    std::string exact = std::string(dir) + "/" + lib.want;
    if (elf_type(exact) >= 0)
      return exact;
    if (lib.exact)
      continue;
    DIR *d = opendir(dir);
    if (!d)
      continue;
    std::string best;
    while (dirent *ent = readdir(d)) {
      std::string_view n = ent->d_name;
      if (!lib.matches(n))
        continue;
      std::string p = std::string(dir) + "/" + std::string(n);
      if (elf_type(p) < 0)
        continue;
      if (best.empty() || p.size() < best.size() ||
          (p.size() == best.size() && p < best))
        best = p;
    }
    closedir(d);
    if (!best.empty())
      return best;
  }
  return {};
}

std::string find_library(const LibName &lib) {
  std::string p = find_in_ld_cache(lib);
  return p.empty() ? find_in_lib_dirs(lib) : p;
}

std::string cwd_path(std::string_view rel) {
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof(buf)))
    return std::string(rel);
  while (rel.starts_with("./"))
    rel.remove_prefix(2);
  std::string p(buf);
  if (p != "/")
    p += '/';
  p += rel;
  return p;
}

}  // namespace

std::string resolve_binary(std::string_view name, int pid) {
  if (name.empty())
    return {};
  bool other_ns = pid > 0 && different_mountns(pid);
  auto in_ns = [&](const std::string &p) {
    return other_ns ? pid_path(pid, "/root") + p : p;
  };
  if (name.find('/') != std::string_view::npos) {
    std::string abs = name[0] == '/' ? std::string(name) : cwd_path(name);
    std::string p = in_ns(abs);
    return elf_type(p) >= 0 ? p : std::string();
  }
  // A library mapped by the target process wins.
  LibName lib = lib_name(name);
  if (pid > 0) {
    std::string maps;
    std::string found;
    if (read_file(pid_path(pid, "/maps"), maps)) {
      for_each_maps_line(maps, [&](const MapsLine &m) {
        if (found.empty() && !m.path.empty() && m.path[0] == '/' &&
            (basename_of(m.path) == name || lib.matches(basename_of(m.path))))
          found = std::string(m.path);
      });
    }
    if (!found.empty() && elf_type(in_ns(found)) >= 0)
      return in_ns(found);
  }
  // "libfoo", "foo.so.1": a library first. Otherwise a program first.
  bool lib_first = name.starts_with("lib") || lib.exact;
  if (lib_first) {
    std::string p = find_library(lib);
    if (!p.empty())
      return in_ns(p);
  }
  // Programs: the cwd, then $PATH (bpftrace's order).
  {
    std::string p = cwd_path(name);
    if (is_exec_elf(in_ns(p)))
      return in_ns(p);
  }
  const char *env = getenv("PATH");
  std::string_view dirs =
      env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (dir.empty())
      continue;
    std::string p = std::string(dir) + "/" + std::string(name);
    if (is_exec_elf(in_ns(p)))
      return in_ns(p);
  }
  std::string p = lib_first ? std::string() : find_library(lib);
  return p.empty() ? p : in_ns(p);
}

ElfSymbolInfo symbol_address(const std::string &path, std::string_view symbol) {
  ElfSymbolInfo info;
  ElfFile *f = file_cache().by_path(path);
  if (!f || !f->ok)
    return info;
  const Sym *s = f->find_name(symbol);
  if (!s)
    return info;
  info.address = s->addr;
  info.size = s->size;
  info.type = s->type;
  info.found = true;
  if (!f->vaddr_to_file_offset(s->addr, info.file_offset))
    info.file_offset = 0;
  return info;
}

bool vaddr_file_offset(const std::string &path, uint64_t vaddr, uint64_t &offset) {
  ElfFile *f = file_cache().by_path(path);
  return f && f->ok && f->vaddr_to_file_offset(vaddr, offset);
}

uint64_t symbol_file_offset(const std::string &path, std::string_view symbol) {
  return symbol_address(path, symbol).file_offset;
}

bool wildcard_match(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pat.size() && pat[p] == s[i]) {
      p++;
      i++;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*')
    p++;
  return p == pat.size();
}

std::vector<std::string> list_function_symbols(const std::string &path,
                                               std::string_view pattern,
                                               bool demangle_names) {
  std::set<std::string> out;
  ElfFile *f = file_cache().by_path(path);
  if (!f || !f->ok)
    return {};
  bool pattern_has_paren = pattern.find('(') != std::string_view::npos;
  for (const Sym &s : f->syms) {
    if (s.type != STT_FUNC && s.type != STT_GNU_IFUNC)
      continue;
    std::string_view n = f->name(s);
    if (n.find(".part.") != std::string_view::npos)
      continue;
    bool match = wildcard_match(pattern, n);
    if (!match && demangle_names && is_mangled(n)) {
      std::string_view d = f->display_name(s, true);
      if (!pattern_has_paren) {
        size_t paren = d.find_last_of('(');
        if (paren != std::string_view::npos)
          d = d.substr(0, paren);
      }
      match = wildcard_match(pattern, d);
    }
    if (match)
      out.emplace(n);
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> find_function_symbols(const std::string &path,
                                               std::string_view name) {
  ElfFile *f = file_cache().by_path(path);
  if (!f || !f->ok)
    return {};
  const Sym *exact = f->find_name(name);
  if (exact && (exact->type == STT_FUNC || exact->type == STT_GNU_IFUNC))
    return {std::string(name)};
  std::set<std::string> out;
  bool with_params = name.find('(') != std::string_view::npos;
  for (const Sym &s : f->syms) {
    if (s.type != STT_FUNC && s.type != STT_GNU_IFUNC)
      continue;
    std::string_view n = f->name(s);
    if (!is_mangled(n))
      continue;
    std::string_view d = f->display_name(s, true);
    if (!with_params)
      d = d.substr(0, d.find('('));
    if (d == name)
      out.emplace(n);
  }
  return {out.begin(), out.end()};
}

uint64_t runtime_address(int pid, const std::string &path, uint64_t vaddr) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return 0;
  ElfFile *f = file_cache().by_path(path);
  uint64_t off;
  if (!f || !f->ok || !f->vaddr_to_file_offset(vaddr, off))
    return 0;
  std::string maps;
  if (!read_file(pid_path(pid, "/maps"), maps))
    return 0;
  FileKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  uint64_t result = 0;
  for_each_maps_line(maps, [&](const MapsLine &m) {
    if (result || m.key.ino != key.ino)
      return;
    if (!(m.key == key)) {
      // Some filesystems (btrfs, overlayfs) report another device in maps.
      char a[PATH_MAX], b[PATH_MAX];
      std::string mp(m.path);
      if (!realpath(mp.c_str(), a) || !realpath(path.c_str(), b) || strcmp(a, b))
        return;
    }
    if (off >= m.pgoff && off < m.pgoff + (m.end - m.start))
      result = m.start + (off - m.pgoff);
  });
  return result;
}

}  // namespace bt2bin::rt

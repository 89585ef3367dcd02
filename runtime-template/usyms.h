// User-space symbols for the runtime, and the ELF helpers probes need.
//
// Usyms turns (pid, address) into "symbol+offset" on the target host, as
// bpftrace does for usym()/ustack: /proc/PID/maps gives the executable
// file mappings, each file's .symtab/.dynsym (or its separate debug file)
// is read once with libelf and shared by every process that maps it, the
// load bias is derived from the mapping's file offset and the PT_LOAD
// headers (so PIE executables and shared objects resolve), [vdso] is read
// from our own vDSO image, and /tmp/perf-PID.map covers JIT code. C++
// names are demangled unless disabled. A process that has exited resolves
// if it was looked up (or preload()ed) before, or, as in bpftrace, through
// the probe's binary when the tool's user probes all name one binary
// (note_probe_binary); otherwise callers print the hex address.
//
// The free functions resolve probe targets at tool start: uprobe binaries
// (resolve_binary), symbol addresses and file offsets (uaddr(), uprobe
// attach), and wildcard/C++ symbol expansion.
// Not thread-safe: the runtime symbolizes from its single output thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bt2bin::rt {

struct UsymInfo {
  std::string_view name;    // demangled when enabled; empty when not found
  uint64_t offset = 0;      // address - symbol start
  std::string_view module;  // mapped path as in /proc/PID/maps, "[vdso]",
                            // or the perf map path
  bool found = false;
};

struct UsymsOptions {
  bool demangle = true;     // bpftrace config cpp_demangle
  bool perf_map = true;     // /tmp/perf-PID.map for JIT code
  bool debug_files = true;  // /usr/lib/debug via build-id / .gnu_debuglink
};

class Usyms {
 public:
  explicit Usyms(UsymsOptions opts = {});
  ~Usyms();
  Usyms(const Usyms &) = delete;
  Usyms &operator=(const Usyms &) = delete;

  // The process-wide instance used by the output code.
  static Usyms &global();

  void set_options(const UsymsOptions &opts);
  const UsymsOptions &options() const;

  // String views stay valid until clear()/forget() or destruction.
  UsymInfo lookup(int pid, uint64_t addr);
  // Same, and when the process is unknown and gone, look the address up in
  // `fallback_exe` at its link-time addresses (non-PIE programs; bpftrace
  // does this with the probe's binary).
  UsymInfo lookup(int pid, uint64_t addr, std::string_view fallback_exe);

  // Appends "name"/"name+off" and, in perf mode, " (module)"; an unknown
  // address is "0x<hex>" (perf mode: "0x<hex> ([unknown])"), as bpftrace.
  void append_symbol(std::string &out, int pid, uint64_t addr,
                     bool show_offset, bool perf_mode,
                     std::string_view fallback_exe = {});
  std::string symbolize(int pid, uint64_t addr, bool show_offset,
                        bool perf_mode);

  // Reads /proc/PID/maps now so the process still resolves after it exits.
  bool preload(int pid);
  // Records the binary a uprobe/USDT probe attached to. While exactly one
  // binary has been noted, it is the fallback of lookups without one.
  void note_probe_binary(const std::string &path);
  void forget(int pid);
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- ELF helpers (tool start: probes, uaddr) ----

struct ElfSymbolInfo {
  uint64_t address = 0;      // st_value (link-time virtual address)
  uint64_t size = 0;         // st_size
  uint64_t file_offset = 0;  // offset in the file, for uprobe attach
  uint8_t type = 0;          // STT_FUNC, STT_GNU_IFUNC or STT_OBJECT
  bool found = false;
};

// Absolute path of a uprobe/usdt target on this host, or "" if none:
// paths with '/' are made absolute (relative to the cwd; under
// /proc/PID/root when PID lives in another mount namespace); bare program
// names are searched in $PATH; bare library names ("libc", "c",
// "libc.so.6") are found in PID's mappings (pid > 0), /etc/ld.so.cache,
// then the standard library directories. Only ELF files qualify.
std::string resolve_binary(std::string_view name_or_path, int pid = -1);

// ET_EXEC / ET_DYN / ... of an ELF file, or -1 if it is not one.
int elf_type(const std::string &path);

// Exact-name lookup in .symtab and .dynsym (and the debug file) of FUNC,
// GNU_IFUNC and OBJECT symbols; the default version wins over hidden ones.
ElfSymbolInfo symbol_address(const std::string &path, std::string_view symbol);
// File offset of the link-time virtual address `vaddr` in `path` (false if
// no loadable segment holds it): uprobe:bin:0xADDR attaches there.
bool vaddr_file_offset(const std::string &path, uint64_t vaddr, uint64_t &offset);
// File offset of `symbol` (0 when not found: no function lives at offset 0).
uint64_t symbol_file_offset(const std::string &path, std::string_view symbol);

// Function symbols (FUNC, GNU_IFUNC) matching a bpftrace wildcard pattern
// ('*' only), sorted and unique, ".part." clones skipped. When `demangle`
// and the raw name does not match, a C++ symbol also matches through its
// demangled name (without the parameter list unless the pattern has '(').
// Returns raw (mangled) names: those are what uprobes attach to.
std::vector<std::string> list_function_symbols(const std::string &path,
                                               std::string_view pattern,
                                               bool demangle = true);
// Raw names of the functions called `name`: the exact symbol, else every
// C++ symbol whose demangled name (without parameters unless `name` has
// '(') equals it, i.e. all overloads.
std::vector<std::string> find_function_symbols(const std::string &path,
                                               std::string_view name);

// bpftrace wildcard match: '*' matches any run of characters.
bool wildcard_match(std::string_view pattern, std::string_view text);

// Where link-time address `vaddr` of `path` is mapped in process `pid`, or
// 0 if the file (matched by device and inode) is not mapped there.
uint64_t runtime_address(int pid, const std::string &path, uint64_t vaddr);

// abi::__cxa_demangle of an "_Z" name, or "" when it is not one.
std::string cxx_demangle(std::string_view mangled);

}  // namespace bt2bin::rt

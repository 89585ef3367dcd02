// Run-time probe discovery on the host the tool runs on (DESIGN invariant 4):
// which tracepoints, kernel functions, raw tracepoints, BTF functions,
// iterators, perf events, ELF function symbols and USDT notes exist here.
//
// The produced tool uses it at start to expand wildcard attach points
// (`tracepoint:syscalls:sys_enter_open*`, `kprobe:vfs_*`, `uprobe:/bin/x:f*`)
// into concrete names before attaching, and `bt2bin -l` / `tool -l` use it
// to list probes in bpftrace's `-l` format. Wildcards follow bpftrace: `*`
// matches any run of characters; every other character is literal.
//
// Nothing here throws or prints: a missing source (tracefs not mounted, no
// BTF, unreadable binary) gives an empty result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bt2bin::rt {

// ---- wildcards -------------------------------------------------------------

bool has_wildcard(std::string_view s);
// True when `text` matches `pattern` as a whole; `*` matches any run of
// characters (including none). Same as wildcard_match() of usyms.h.
bool glob_match(std::string_view pattern, std::string_view text);

// ---- where the kernel's catalog lives (overridable for tests) --------------

struct CatalogPaths {
  std::string tracefs;      // "" = auto: /sys/kernel/tracing, then /sys/kernel/debug/tracing
  std::string kallsyms = "/proc/kallsyms";
  std::string btf_dir = "/sys/kernel/btf";
};
void set_catalog_paths(const CatalogPaths &paths);  // also drops the caches
const CatalogPaths &catalog_paths();
void clear_catalog_caches();

// The tracefs directory in use ("" when none is mounted).
std::string tracefs_dir();

// ---- tracepoints -------------------------------------------------------------

// "category:event", sorted; from available_events, else the events/ tree.
std::vector<std::string> list_tracepoints();

struct TracepointField {
  std::string decl;  // "const char * filename" as the format file spells it
  unsigned offset = 0;
  unsigned size = 0;
  bool is_signed = false;
  bool common = false;  // common_type, common_pid, ...
};
// The fields of events/<category>/<event>/format (empty when unreadable).
std::vector<TracepointField> tracepoint_fields(const std::string &category, const std::string &event);

// ---- kernel functions --------------------------------------------------------

struct KernelFunction {
  std::string name;
  std::string module;  // "" for vmlinux
  bool operator<(const KernelFunction &o) const {
    return name != o.name ? name < o.name : module < o.module;
  }
  bool operator==(const KernelFunction &o) const = default;
};
// Traceable kernel functions, sorted and unique: available_filter_functions,
// or, when that is unreadable (EPERM under lockdown), the text symbols of
// /proc/kallsyms (as bpftrace does). `.part.N` clones are left out.
const std::vector<KernelFunction> &kernel_functions();
// Where kernel_functions() came from: "available_filter_functions",
// "kallsyms" or "" (nothing readable).
std::string kernel_functions_source();

// ---- BTF ---------------------------------------------------------------------

// Raw tracepoints, "module:event" (module "vmlinux" for the core kernel),
// from the `btf_trace_<event>` typedefs of the kernel and module BTF.
std::vector<std::string> list_raw_tracepoints();
// fentry/fexit-able functions named like `func_glob`, "module:function":
// BTF FUNCs with at most 6 arguments that are also kernel functions.
std::vector<std::string> list_btf_functions(const std::string &func_glob = "*");
// Functions of the BPF programs running now that fentry:bpf can trace:
// each program's entry and subprograms, from its BTF (programs loaded
// without BTF cannot be traced), named like `func_glob`, of program
// `prog_id` (0: any). In program id, then name order.
struct BpfProgramFunction {
  uint32_t prog_id;
  std::string func;
};
std::vector<BpfProgramFunction> running_bpf_functions(uint32_t prog_id, const std::string &func_glob);
// bpf iterators (task, task_file, task_vma, ...) from `struct bpf_iter__*`.
std::vector<std::string> list_iters();
// `-lv` lines (without indent) for a BTF function: "struct file * file", ...,
// then "<ret> retval" when `with_retval` and it returns a value.
std::vector<std::string> btf_function_params(const std::string &module, const std::string &func,
                                             bool with_retval);
// `-lv` lines for a raw tracepoint (its arguments after the context pointer).
std::vector<std::string> raw_tracepoint_params(const std::string &module, const std::string &event);

// ---- perf events -------------------------------------------------------------

// Names and aliases of software/hardware events (see perf_events.h).
std::vector<std::string> list_software_events();
std::vector<std::string> list_hardware_events();

// ---- USDT notes (ELF function symbols: list_function_symbols() in usyms.h) ----

// One `.note.stapsdt` note: a USDT probe site.
struct UsdtNote {
  std::string provider;       // "python"
  std::string name;           // "function__entry"
  std::string args;           // argument spec, e.g. "-4@%edi 8@%rsi"
  uint64_t pc = 0;            // probe address (adjusted by .stapsdt.base)
  uint64_t base = 0;          // .stapsdt.base address recorded in the note
  uint64_t semaphore = 0;     // semaphore address, 0 when none
  uint64_t pc_offset = 0;     // file offset of pc (what a uprobe attaches to)
  uint64_t semaphore_offset = 0;  // file offset of the semaphore (uprobe ref_ctr_offset), 0 when none
  int arg_count() const;      // number of arguments in `args`
};
// The USDT notes of an ELF file in file order (empty when none/unreadable).
std::vector<UsdtNote> read_usdt_notes(const std::string &path);

// ---- binaries -----------------------------------------------------------------

// ELF files a uprobe/usdt target names: a path with `*` globbing, "*"
// (every executable mapping of `pid`, or of every process when pid is 0),
// "" with a pid (its executable), else resolve_binary() of usyms.h (a path,
// a program on $PATH, a library name such as `libc` or `libssl.so.3`).
std::vector<std::string> resolve_binary_paths(const std::string &target, int pid = 0);
// Executable file mappings of a process, sorted and unique.
std::vector<std::string> mapped_paths(int pid);

// ---- expansion and listing ----------------------------------------------------

struct ProbeMatch {
  std::string target;  // category / module / binary (empty when none)
  std::string ns;      // usdt provider
  std::string func;    // event / function / probe / iterator name
  // The parts joined with ':' (empty ones skipped): "syscalls:sys_enter_open".
  std::string str() const;
  bool operator<(const ProbeMatch &o) const;
  bool operator==(const ProbeMatch &o) const = default;
};

struct MatchOptions {
  int pid = 0;         // -p: restricts "*" targets to this process
  std::string lang;    // "cpp": match uprobe `func` against demangled names
  uint64_t bpf_prog_id = 0;  // fentry:bpf: only this program (0: any)
};

// Concrete probes of `provider` (canonical name) whose parts match the
// patterns, sorted and unique. `target`/`ns`/`func` as in AttachPoint:
//   tracepoint     target = category, func = event
//   kprobe(ret)    target = module ("" = any; result target "" then), func
//   rawtracepoint  target = module ("" = any), func = event
//   fentry/fexit   target = module ("" = any), func
//   uprobe(ret)    target = binary (resolved as resolve_binary_paths), func
//   usdt           target = binary or "*", ns ("" = any), func = probe
//   software, hardware, iter: func = name
std::vector<ProbeMatch> match_probes(const std::string &provider, const std::string &target,
                                     const std::string &ns, const std::string &func,
                                     const MatchOptions &opts = {});

// The same, as strings: expand("tracepoint", "syscalls", "sys_enter_open*")
// -> {"syscalls:sys_enter_open", "syscalls:sys_enter_openat", ...}. For usdt
// the pattern is "ns:probe" or "probe"; results are "path:ns:probe".
std::vector<std::string> expand(const std::string &provider, const std::string &target,
                                const std::string &pattern);

struct ListOptions {
  bool verbose = false;  // -v: argument lines under each probe
  int pid = 0;
};
// `-l PATTERN` output lines as bpftrace prints them, e.g.
// "tracepoint:syscalls:sys_enter_openat" and with verbose "    int dfd".
// The provider may be an alias or a wildcard (`t:syscalls:*`, `*:vfs_read`).
std::vector<std::string> list_probes(const std::string &pattern, const ListOptions &opts = {});

}  // namespace bt2bin::rt

// The runtime entry point of a produced tool.
//
// The generated tool.main.cpp holds only tables (ToolDesc) and the few
// skeleton calls that need the generated skeleton type; everything else —
// the tool's CLI, attach, BEGIN/END, the event loop, exit and map
// printing — is here, shared by every tool (DESIGN invariant 2).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime-template/helper_support.h"
#include "runtime-template/kernel_objects.h"
#include "runtime-template/skb_output.h"
#include "runtime-template/value_desc.h"

struct bpf_object;

namespace bt2bin::rt {

// One attach point of one BPF program.
struct ProbeDesc {
  const char *prog_name;   // BPF program (function) name
  const char *provider;    // canonical provider: "tracepoint", "begin", ...
  const char *target;      // tracepoint category, binary, module
  const char *func;        // event / function / probe name (may hold wildcards)
  const char *ns;          // usdt namespace
  const char *unit;        // profile/interval unit
  uint64_t freq;           // profile/interval rate, software/hardware count
  uint64_t offset;         // func+offset or address
  const char *display;     // the attach point as the `probe` builtin prints it
  bool wildcard;
  int alternative_of;      // >= 0: a twin of that row (kprobe <-> fentry), used where its probe type is missing
  uint64_t len;            // watchpoint length
  const char *mode;        // watchpoint mode ("w", "rw", "x")
  // Parts given as positional parameters, resolved at start, separated by
  // ',': "field=$N" for a numeric part (address, offset, freq, len), and the
  // bare name of a text part (target, ns, func, unit, mode) whose text above
  // is a template: "$N" is the Nth positional parameter, "$$" a '$'.
  const char *deferred;
  // One match of a wildcard expanded when compiling (fentry/fexit,
  // rawtracepoint, tracepoints whose probe reads `args`): the pattern, else
  // "". Missing on the target = skipped.
  const char *expanded_from;
  const char *lang;        // uprobe: "cpp" matches `func` against demangled C++ names
  const char *pin;         // iter: pin the iterator there (bpffs; relative: under /sys/fs/bpf) and end
  uint32_t bpf_prog_id;    // fentry:bpf:ID:prog (0: every running program with that function)
};

// Room for an attach point's name the runtime completes at start (wildcard
// matches, positional parameters): the `probe` builtin of such probes and
// the values of the probe_names map.
constexpr uint32_t kRuntimeProbeNameSize = 128;

// Runtime actions carried by the event channel; ids above the format-call
// ids. Every record starts with a u64 action id.
enum ActionId : uint64_t {
  kActionPrintfBase = 0,        // + format id
  kActionExit = 1000000,        // { u64 id; s64 code; }
  kActionPrintMap,              // { u64 id; u64 map; u64 top; u64 div; }
  kActionClearMap,              // { u64 id; u64 map; }
  kActionZeroMap,               // { u64 id; u64 map; }
  kActionTime,                  // { u64 id; u64 time_id; }
  kActionRuntimeError,          // { u64 id; u64 site; } division by zero
  kActionJoin,                  // { u64 id; u64 site; char args[16][256]; }
  kActionUnwatch = 1000100,     // { u64 id; u64 addr; } unwatch(addr)
  kActionPrintValueBase = 2000000,  // + print site id: { u64 id; value }
};

// A named program option: getopt("name", default, "description"), given to
// the tool as `-- --name=value` (booleans also as `--name`).
enum class OptionKind : uint8_t { Bool, Int, String };

struct OptionDesc {
  const char *name;
  OptionKind kind;
  const char *default_value;  // as text: "0"/"1", "42", "text"
  const char *description;
};

struct ToolDesc {
  const char *name;
  const char *source_name;           // script file name, for messages
  const ProbeDesc *probes;
  uint32_t nprobes;
  const MapDesc *maps;               // sorted by name
  uint32_t nmaps;
  const FormatDesc *formats;         // printf/errorf/warnf/system/cat sites
  uint32_t nformats;
  const uint32_t *format_kinds;      // FormatKind per format site
  const ValueDesc *print_values;     // print(value) sites
  uint32_t nprint_values;
  const char *const *time_formats;   // time() sites
  uint32_t ntime_formats;
  uint32_t max_positional;           // highest $N the script uses
  bool unsafe;                       // compiled with --unsafe (kprobe:$1 may then be an address)
  bool print_maps_on_exit;
  const char *str_trunc_trailer;
  const char *stack_mode;
  const char *missing_probes;        // "error", "warn", "ignore"
  bool has_end_probes;
  bool only_begin_end;               // exits by itself after BEGIN (0.24+)
  const OptionDesc *options;         // getopt() options
  uint32_t noptions;
  const char *const *join_separators; // join() sites
  uint32_t njoin_separators;
  const char *const *error_sites;    // "file:line:col" of each runtime-error site
  uint32_t nerror_sites;
  uint32_t max_record_size;          // sizeof the largest event record (perf-buffer fallback)
  // kernel objects
  const HelperUse *helper_uses;      // restricted helpers, checked at start
  uint32_t nhelper_uses;
  const SkbOutputDesc *skb_outputs;  // skboutput() sites
  uint32_t nskb_outputs;
};

// Hooks into the generated skeleton: plain functions of the driver, which
// keeps the skeleton pointer (no std::function to instantiate per tool).
struct SkeletonOps {
  bpf_object *(*open)();     // open the skeleton; nullptr on failure
  const void *(*elf_bytes)(size_t *size);  // the BPF object it was made from
  void (*set_rodata)();      // fill rodata from runtime_args()
  int (*load)();
  void (*destroy)();
};

// Values the generated set_rodata() reads.
struct RuntimeArgs {
  int argc = 0;
  char **argv = nullptr;                        // positional parameters $1..$N
  uint64_t start_boot_ns = 0;
  uint32_t ncpus = 1;
  uint32_t child_pid = 0;
  uint32_t filter_pid = 0;
  uint64_t pidns_dev = 0;                       // the tool's PID namespace (0: the initial one)
  uint64_t pidns_ino = 0;
  int64_t boot_to_tai_ns = 0;                   // CLOCK_TAI - CLOCK_BOOTTIME, for nsecs(sw_tai)
  bool perfbuf = false;                         // events through a perf buffer (no BPF ring buffer)
  std::vector<std::string> option_values;       // getopt() values, by option id (text)
  int64_t option_int(int id) const;
  const char *option_str(int id) const;
  int64_t positional_int(int n) const;          // $N as an integer (0 if unset)
  const char *positional_str(int n) const;      // $N as a string ("" if unset)
};

const RuntimeArgs &runtime_args();

// kaddr("name") on this host; exits with an error when there is no such symbol.
uint64_t resolve_kaddr(const char *name);

// uaddr("symbol") in `binary`: its ELF address. For a position-independent
// binary, *bias is set to the ELF address of `probe_func` (the BPF side
// adds the difference between the probed instruction and it); otherwise 0.
// Exits with an error when the binary or symbol is missing.
void resolve_uaddr(const char *binary, const char *symbol, const char *probe_func, unsigned long long *addr,
                   unsigned long long *bias);

// Parses the tool's command line, opens/loads/attaches, runs until exit and
// returns the process exit code.
int run_tool(const ToolDesc &desc, const SkeletonOps &ops, int argc, char **argv);

}  // namespace bt2bin::rt

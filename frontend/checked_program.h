// The checked Program: the AST with types resolved plus the tables semantic
// analysis numbers (maps, format strings, scratch variables, probes).
//
// This is the only input of the backend (DESIGN invariant 2): the backend
// never re-derives a type, it reads Node::type and these tables.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/btf_types.h"
#include "frontend/c_imports.h"

namespace bt2bin {

struct MapInfo {
  std::string name;          // "@x" ("@" for the anonymous map)
  int id = 0;
  Type key;                  // TypeKind::None for a scalar map
  Type value;                // plain value type, or an aggregation kind (Count, Hist, ...)
  std::string bpf_type;      // BPF map type: "hash", "percpu_hash", "lru_hash", "lru_percpu_hash"
  uint64_t max_entries = 0;
  bool declared = false;     // from `let @m = hash(N)`
  Location first_use;
  bool is_scalar() const { return key.is_none(); }
  bool is_percpu() const { return bpf_type.find("percpu") != std::string::npos; }
};

enum class FormatKind { Printf, Errorf, Warnf, System, Cat, Debugf };

// One printf-like call site. Its event record is `struct <record_name>`
// { u64 action; args... } with the argument types below.
struct FormatCall {
  FormatKind kind = FormatKind::Printf;
  int id = 0;
  std::string format;
  std::vector<Type> args;
  Location loc;
};

// Asynchronous actions carried by the event channel besides format calls.
enum class ActionKind {
  Exit, PrintMap, ClearMap, ZeroMap, PrintValue, Time, Join, RuntimeError,
};

// One `print(value)` site (non-map): the value's type.
struct PrintValueSite {
  int id = 0;
  Type type;
};

struct ScratchVar {
  std::string name;          // "$x"
  Type type;
  int slot = 0;              // unique per probe
  bool declared = false;     // `let $x: T`: the type is fixed, values must fit
};

struct ProbeInfo {
  Probe *probe = nullptr;
  std::vector<ScratchVar> vars;
  bool is_begin = false;
  bool is_end = false;
  bool args_loaded = false;
  ArgsInfo args;             // typed `args` of tracepoint/rawtracepoint/fentry probes (first attach point)
  std::vector<ArgsInfo> ap_args;  // the args layout of each attach point
  // functions whose BPF helper the kernel restricts (override, path,
  // socket_cookie, skboutput, write_user): checked and explained at start.
  std::set<std::string> restricted_calls;
  // Per attach point, the attach points the tool uses instead on a host
  // that lacks its probe type: for kprobe/kretprobe, fentry/fexit on the
  // same function, or for a wildcard on every function it matches on the
  // build host (one program each, sharing one body); for fentry/fexit,
  // kprobe/kretprobe. Empty when there is no twin.
  std::vector<std::vector<AttachPoint>> twins;
};

// uaddr("sym") in a probe on `binary`. For PIE binaries the load bias is
// found in BPF from the probed function's address (`probe_func`).
struct UaddrSymbol {
  std::string binary;
  std::string symbol;
  std::string probe_func;
  bool operator==(const UaddrSymbol &) const = default;
};

// getopt("name", default, "description"): a named option of the produced
// tool (`-- --name=value`), stored as rodata.
struct ProgramOption {
  enum Kind { Bool, Int, String } kind = Bool;
  std::string name;
  std::string default_value;  // as text
  std::string description;
};

// A checked `fn name($a: T, ...): R { ... }`: BPF C emits it as a static
// inline function the probes call. Values kept in memory (strings, tuples,
// struct values, ...) are passed and returned by pointer.
struct FunctionInfo {
  FnDef *def = nullptr;
  std::vector<Type> params;  // as declared
  Type ret;                  // Void when the function returns no value
  ProbeInfo locals;          // its scratch variables, parameters first (slots 0..n-1)
  bool exits = false;        // calls exit(), itself or through another function
};

// --- kernel objects ---
// percpu_kaddr("sym"): a per-CPU kernel variable, declared as a typed
// `__ksym` extern that libbpf resolves against the target's BTF at load.
struct PercpuSymbol {
  std::string name;
  std::string c_declaration;   // "struct rq runqueues", from the build host's BTF
  bool operator==(const PercpuSymbol &) const = default;
};

// cgroupid("path") / cgroupid(str($N)): resolved on the target at start.
struct CgroupIdSite {
  std::string path;            // literal path, or "" when taken from $positional
  int positional = 0;          // N of str($N), 0 for a literal
  bool operator==(const CgroupIdSite &) const = default;
};

// kfunc_exist("f") / kfunc_allowed("f"): decided on the target at start.
struct KfuncQuery {
  std::string kfunc;
  std::string provider;        // kfunc_allowed: probe provider whose program type is asked; "" for exist
  bool operator==(const KfuncQuery &) const = default;
};

// skboutput(file, skb, len, off): packets go to `file` as pcap, `offset`
// bytes skipped at the start of each.
struct SkbOutputSite {
  std::string file;
  uint64_t offset = 0;
};

struct Config {
  uint64_t max_strlen = 1024;
  uint64_t max_map_keys = 4096;
  uint64_t on_stack_limit = 32;
  uint64_t perf_rb_pages = 64;
  std::string stack_mode = "bpftrace";
  std::string str_trunc_trailer = "..";
  std::string missing_probes = "error";
  bool print_maps_on_exit = true;
  uint64_t max_cat_bytes = 10240;
  uint64_t max_bpf_progs = 1024;  // programs one wildcard may expand to (bpftrace's limit)
  std::string license = "GPL";
};

struct CheckedProgram {
  Program *program = nullptr;
  Config config;
  std::vector<MapInfo> maps;                 // sorted by name
  std::map<std::string, int> map_ids;
  std::vector<FormatCall> formats;
  std::vector<PrintValueSite> print_values;
  std::vector<std::string> time_formats;     // time() call sites, by id
  std::vector<ProbeInfo> probes;
  std::vector<FunctionInfo> functions;        // `fn` definitions, in script order
  std::vector<CFunction> c_functions;        // functions of imported .bpf.c files
  std::vector<std::string> c_sources;        // those files (absolute paths), in import order
  std::vector<std::string> probe_names;      // for the `probe` builtin (cookie index)
  int max_positional = 0;
  bool unsafe = false;                       // compiled with --unsafe
  std::set<int> string_positionals;          // $N used as str($N)
  std::vector<std::string> kaddr_symbols;    // kaddr("sym"), by id: resolved at tool start
  std::vector<UaddrSymbol> uaddr_symbols;    // uaddr("sym"), by id: resolved at tool start
  std::vector<ProgramOption> program_options;  // getopt(), by id
  std::vector<std::string> join_separators;  // join() sites, by id
  std::set<std::string> script_records;      // structs/unions the script defines (not in kernel BTF)
  // (value, name) pairs of every enum a printed value can hold, by enum name.
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> enum_values;
  // --- kernel objects ---
  std::vector<PercpuSymbol> percpu_symbols;    // percpu_kaddr(), by id
  std::vector<CgroupIdSite> cgroupid_sites;    // cgroupid(), by id: rodata set at start
  std::vector<KfuncQuery> kfunc_queries;       // kfunc_exist()/kfunc_allowed(), by id: rodata bools
  std::vector<SkbOutputSite> skboutput_sites;  // skboutput(), by id
  bool uses_kstack = false;
  bool uses_ustack = false;
  bool uses_elapsed = false;
  bool uses_ncpus = false;
  bool uses_cpid = false;

  const MapInfo *find_map(const std::string &name) const {
    auto it = map_ids.find(name);
    return it == map_ids.end() ? nullptr : &maps[it->second];
  }
};

}  // namespace bt2bin

// Semantic analysis of a parsed Program (see semantic_analyser.h).
//
// The walk runs twice: map types are global and a map may be read in one
// probe before the probe that assigns it, so the first walk only collects
// map types (diagnostics muted) and the second walk checks everything with
// all map types known. Integers stored in variables, map keys, map values
// and event records are 64-bit, as in bpftrace; narrower types survive only
// inside expressions (struct fields, casts) where they matter for loads.
#include "frontend/passes/semantic_analyser.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "frontend/attach_point.h"
#include "frontend/btf_types.h"
#include "frontend/builtins.h"
#include "frontend/passes/typed_wildcard_expansion.h"
#include "frontend/passes/compile_time.h"
#include "frontend/script_types.h"
#include "runtime-template/format_string.h"

namespace bt2bin {

namespace {

const std::set<std::string> kAggregations = {"count", "sum", "avg", "min", "max",
                                             "stats", "hist", "lhist"};

TypeKind aggregation_kind(const std::string &f) {
  static const std::map<std::string, TypeKind> kinds = {
      {"count", TypeKind::Count}, {"sum", TypeKind::Sum},     {"avg", TypeKind::Avg},
      {"min", TypeKind::Min},     {"max", TypeKind::Max},     {"stats", TypeKind::Stats},
      {"hist", TypeKind::Hist},   {"lhist", TypeKind::Lhist}};
  return kinds.at(f);
}


// The type a value has once stored in a variable, map or record. Integers
// keep their width (bpftrace v0.26: `$x = 1` is an int8 variable, widened
// when a wider integer is assigned later); enums are stored as 64 bits.
Type storage_type(const Type &t) {
  if (t.kind == TypeKind::Enum) {
    Type e = t;
    e.size = 8;
    return e;
  }
  if (t.kind == TypeKind::Int) return t;
  if (t.kind == TypeKind::Bool) return make_bool();
  if (t.kind == TypeKind::Tuple || t.kind == TypeKind::Record) {
    std::vector<Type> elems;
    std::vector<std::string> names;
    for (auto &f : t.fields) {
      elems.push_back(storage_type(*f.type));
      names.push_back(f.name);
    }
    return t.kind == TypeKind::Tuple ? make_tuple(elems) : make_record(names, elems);
  }
  Type s = t;
  s.is_literal = false;
  return s;
}

// The value of `x++`/`x--`: 64 bits, signed when x is or for `--`
// (bpftrace v0.26).
Type incdec_type(const std::string &op, const Type &t) {
  return make_int(8, op == "--" || t.is_signed);
}

// What x becomes after `x++`/`x--`: widened to 64 bits, keeping its sign
// (so `$u--` on an unsigned variable stays unsigned, as in bpftrace).
Type incdec_storage(const Type &t) { return make_int(8, t.is_signed); }

// bpftrace's wording for a call with the wrong number of arguments.
std::string arg_count_error(const std::string &f, size_t lo, size_t hi, size_t got) {
  auto count = [](size_t n) { return n == 1 ? std::string("one argument") : std::to_string(n) + " arguments"; };
  std::string msg;
  if (lo == hi) msg = lo == 0 ? f + "() requires no arguments" : f + "() requires " + count(lo);
  else if (got < lo) msg = f + "() requires at least " + count(lo);
  else msg = hi == 0 ? f + "() requires no arguments" : f + "() takes up to " + count(hi);
  return msg + " (" + std::to_string(got) + " provided)";
}

// "exit() only supports int arguments (string provided)"
std::string only_supports(const std::string &f, const std::string &what, const Node &arg) {
  return f + "() only supports " + what + " arguments (" + kind_name(arg.type) + " provided)";
}

// printf-style calls the kernel formats itself, and what it accepts there.
struct KernelFormat {
  const char *call;          // "debugf()", "printf() in an iter probe"
  size_t max_args;
  const char *limit;         // the helper whose limit max_args is
  bool (*accepts)(const rt::FormatSpec &);
  bool pointer_args;         // integer conversions also take pointers
  const char *hint;
};

// debugf() is bpf_trace_printk(): as bpftrace, at most three arguments and
// %d %u %x %p for integers, %s for strings (length modifiers such as %llu
// are the kernel's).
const KernelFormat kDebugf = {
    "debugf()", 3, "a bpf_trace_printk limit",
    [](const rt::FormatSpec &s) {
      using rt::FormatConv;
      return s.conv == FormatConv::s || s.conv == FormatConv::d || s.conv == FormatConv::u ||
             s.conv == FormatConv::x || s.conv == FormatConv::p;
    },
    false, "debugf() supports %d, %u, %x and %p for integers and %s for strings"};

// printf() in an iter probe is bpf_seq_printf(): at most 12 arguments of 8
// bytes and only %d %i %u %x %X (with l or ll), %c, %s and %p, with flags
// and width but no precision; anything else would make the helper fail at
// run time and print nothing.
const KernelFormat kSeqPrintf = {
    "printf() in an iter probe", 12, "a bpf_seq_printf limit",
    [](const rt::FormatSpec &s) {
      using rt::FormatConv;
      bool integer = s.conv == FormatConv::d || s.conv == FormatConv::i || s.conv == FormatConv::u ||
                     s.conv == FormatConv::x || s.conv == FormatConv::X;
      bool length_ok = s.length.empty() || (integer && (s.length == "l" || s.length == "ll"));
      bool conv_ok = integer || s.conv == FormatConv::c || s.conv == FormatConv::s || s.conv == FormatConv::p;
      return conv_ok && length_ok && !s.alt && s.precision < 0;
    },
    true,
    "in iter probes printf() is bpf_seq_printf(): %d %i %u %x %X (also with l, ll), %c, %p and %s, with flags "
    "and a width but no precision"};

class Analyser {
 public:
  Analyser(Program &program, Diagnostics &diags, const SemanticOptions &opts)
      : program_(program), diags_(diags), opts_(opts), btf_(opts.btf_file) {}

  std::unique_ptr<CheckedProgram> run();

 private:
  bool check_format_args(const std::string &format, const std::vector<Type> &args, std::string &why,
                         int &arg_index);
  void check_debugf(const Node &n);
  bool is_seq_printf(const Node &n) const;
  void check_kernel_format(const Node &n, const KernelFormat &rules);

  // ---- diagnostics (muted during the first walk) ----
  void error(const Location &loc, const std::string &msg) {
    if (final_walk_) diags_.error(loc, msg);
    failed_ = true;
  }
  void warning(const Location &loc, const std::string &msg) {
    if (final_walk_) diags_.warning(loc, msg);
  }

  void read_config();
  void declare_maps();
  void check_probe(Probe &probe, ProbeInfo &info);
  void check_block(std::vector<NodePtr> &stmts);
  void check_stmt(Node &n);
  void check_assign(Node &n);
  void check_loop_body(Node &n, const Type *loop_var);
  void check_map_assign(Node &n);
  bool check_aggregate_copy(Node &n, MapInfo &target);
  Type value_type(const Type &t);
  Type expand_structs(const Type &t, int depth = 0);
  Type struct_value(const Type &t, int depth);
  Type member_value(const Type &t, int depth);
  Type args_value();
  void check_expr(Node &n);
  void check_call(Node &n);
  // ---- argument checks shared by the call checkers ----
  bool want_args(const Node &n, size_t lo, size_t hi);
  MapInfo *want_map(Node &n, size_t i);
  MapInfo *want_map_and_key(Node &n);
  void want_task(Node &n, size_t i);
  void want_integer(Node &n, size_t i);
  void want_string(Node &n, size_t i);
  // ---- call families; each returns false when the call is not one of its own ----
  bool check_output_call(Node &n);
  bool check_builtin_call(Node &n);
  bool check_stdlib_call(Node &n);
  bool check_kernel_object_call(Node &n);
  void check_binary(Node &n);
  Type int_binary_type(Node &n, const Type &a, const Type &b);
  Type compound_type(const Node &assign, Type x, const Type &v);
  void check_fits_declared(const ScratchVar &v, const Node &value, const Location &loc);
  void check_unary(Node &n);
  void check_field(Node &n);
  void check_cast(Node &n);
  void check_format_call(Node &n, FormatKind kind, size_t first_arg);
  void check_map_key(Node &map);
  Type resolve_type_spec(const TypeSpec &spec);
  bool resolve_enum_constant(Node &n);
  void check_enum_cast(const Node &n, const Type &to);
  void collect_enums(const Type &t, CheckedProgram &out);
  std::vector<std::pair<int64_t, std::string>> enum_values(const std::string &name);
  Type args_type();
  void load_args(Probe &probe, ProbeInfo &info);
  void find_fentry_twins(Probe &probe, ProbeInfo &info);
  std::optional<ArgsInfo> args_of(const AttachPoint &ap);
  bool uses_builtin(const Probe &probe, const std::string &name);
  bool uses_call(const Probe &probe, const std::string &name);

  // ---- scopes ----
  ScratchVar *find_var(const std::string &name);
  ScratchVar &define_var(const std::string &name, const Type &type, const Location &loc);
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() { scopes_.pop_back(); }

  // ---- maps ----
  MapInfo &map_info(const std::string &name, const Location &loc);
  void set_map_value(MapInfo &m, const Type &value, const Location &loc);
  void set_map_key(MapInfo &m, const Type &key, const Location &loc);
  bool map_is_known(const std::string &name) const { return maps_.count(name) > 0; }
  Type unify(const Type &have, const Type &want, const Location &loc, const std::string &what);
  void type_mismatch(const Type &have, const Type &want, const Location &loc, const std::string &what);

  Program &program_;
  Diagnostics &diags_;
  const SemanticOptions &opts_;
  BtfTypes btf_;
  ScriptTypes script_types_;
  // The BTF that describes record type `t`: the script's own or the kernel's.
  BtfTypes &btf_for(const Type &t) {
    return script_types_.defines_record(t.name) ? *script_types_.btf() : btf_;
  }
  Config config_;
  bool final_walk_ = false;
  bool failed_ = false;

  std::map<std::string, MapInfo> maps_;
  std::vector<FormatCall> formats_;
  std::vector<PrintValueSite> print_values_;
  int max_positional_ = 0;
  bool uses_kstack_ = false, uses_ustack_ = false, uses_elapsed_ = false, uses_ncpus_ = false;

  std::set<const Probe *> untyped_args_probes_;  // wildcard tracepoints that matched nothing here

  // Per probe.
  Probe *probe_ = nullptr;
  ProbeInfo *probe_info_ = nullptr;
  std::string provider_;
  std::vector<std::map<std::string, int>> scopes_;  // name -> index in probe_info_->vars
  std::map<const ProbeInfo *, std::vector<Type>> first_walk_vars_;  // variable types, by slot
  int loop_depth_ = 0;
  int for_map_depth_ = 0;  // inside a for-map body (a callback without the probe's context)
  std::map<std::string, Location> keyless_use_, keyed_use_;
  std::vector<std::string> time_formats_;
  std::set<int> string_positionals_;
  std::vector<std::string> kaddr_symbols_;
  std::vector<UaddrSymbol> uaddr_symbols_;
  // kernel objects
  std::vector<PercpuSymbol> percpu_symbols_;
  std::vector<CgroupIdSite> cgroupid_sites_;
  std::vector<KfuncQuery> kfunc_queries_;
  std::vector<SkbOutputSite> skboutput_sites_;
  std::vector<ProgramOption> program_options_;
  std::vector<std::string> join_separators_;
  bool uses_cpid_ = false;
  std::set<const Node *> untyped_aggregate_copies_;  // `@y = @count_map` with @y untyped (first walk)

  // --- fn definitions ---
  std::vector<FunctionInfo> functions_;
  std::map<std::string, int> function_ids_;
  FunctionInfo *function_ = nullptr;  // the function whose body is being checked
  void declare_functions();
  Type resolve_fn_type(const TypeSpec &spec, const std::string &what);
  void check_function(FunctionInfo &fi);
  void check_fn_call(Node &n, int id);
  void check_return(Node &n);
  bool check_fn_arg_count(const Node &n, size_t want);
  bool check_script_types_unlike_kernel();
  void check_no_recursion();
  void find_exiting_functions();
  // --- functions of imported .bpf.c files ---
  std::vector<CFunction> c_functions_;
  std::map<std::string, int> c_function_ids_;
  void check_c_call(Node &n, int id);

  // Whether the statement being checked runs, as compile time knows it:
  // Dead under a constant-false condition, AtStart under a condition on
  // positional parameters (known when the produced tool starts).
  enum class Reach { Live, AtStart, Dead };
  std::vector<Reach> reach_;
  Reach reach() const {
    Reach r = Reach::Live;
    for (Reach x : reach_)
      if (x == Reach::Dead) return Reach::Dead;
      else if (x == Reach::AtStart) r = Reach::AtStart;
    return r;
  }
  int register_format(const Node &n, FormatKind kind, const std::string &format, const std::vector<Type> &args);

  // --- tseries ---
  std::string unstable_tseries_ = "warn";
  bool warned_tseries_ = false;
  void check_tseries_assign(Node &n, MapInfo &m);
};

// ---------------------------------------------------------------- config --

void Analyser::read_config() {
  for (auto &item : program_.config) {
    std::string key = item.key;
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    if (key.rfind("bpftrace_", 0) == 0) key = key.substr(9);
    Node *v = item.value.get();
    bool is_int = v && v->kind == NodeKind::Integer;
    bool is_str = v && (v->kind == NodeKind::String || v->kind == NodeKind::Builtin);
    std::string s = v ? (v->kind == NodeKind::String ? v->str : v->name) : "";
    auto need_int = [&](uint64_t &dst) {
      if (!is_int) return error(item.loc, "config '" + item.key + "' needs an integer value");
      dst = v->ival;
    };
    if (key == "max_strlen" || key == "strlen") need_int(config_.max_strlen);
    else if (key == "max_map_keys") need_int(config_.max_map_keys);
    else if (key == "on_stack_limit") need_int(config_.on_stack_limit);
    else if (key == "perf_rb_pages") need_int(config_.perf_rb_pages);
    else if (key == "max_cat_bytes" || key == "cat_bytes_max") need_int(config_.max_cat_bytes);
    else if (key == "max_bpf_progs") need_int(config_.max_bpf_progs);
    else if (key == "max_probes" || key == "log_size") {
      uint64_t ignored;
      need_int(ignored);
    } else if (key == "stack_mode" && is_str) config_.stack_mode = s;
    else if (key == "str_trunc_trailer" && is_str) config_.str_trunc_trailer = s;
    else if (key == "missing_probes" && is_str) config_.missing_probes = s;
    else if (key == "license" && is_str) config_.license = s;
    else if (key == "print_maps_on_exit") {
      if (is_int) config_.print_maps_on_exit = v->ival != 0;
      else if (v && v->kind == NodeKind::Bool) config_.print_maps_on_exit = v->ival != 0;
      else error(item.loc, "config 'print_maps_on_exit' needs true or false");
    } else if (key == "unstable_tseries") {  // enable, warn or error
      if (s != "enable" && s != "warn" && s != "error" && !(is_int && v->ival <= 1))
        error(item.loc, "config 'unstable_tseries' must be enable, warn or error");
      unstable_tseries_ = is_int ? (v->ival ? "enable" : "error") : s;
    } else if (key == "cpp_demangle" || key == "lazy_symbolication" || key == "show_debug_info" ||
               key == "use_blazesym" || key == "cache_user_symbols" ||
               key.rfind("unstable_", 0) == 0) {
      // Accepted; these only tune symbolisation or gate unstable features.
    } else {
      error(item.loc, "unknown config variable '" + item.key + "'");
    }
  }
  if (config_.stack_mode != "bpftrace" && config_.stack_mode != "perf" && config_.stack_mode != "raw")
    error({}, "config 'stack_mode' must be bpftrace, perf or raw");
}

void Analyser::declare_maps() {
  for (auto &d : program_.map_decls) {
    static const std::map<std::string, std::string> kinds = {
        {"hash", "hash"}, {"lruhash", "lru_hash"}, {"percpuhash", "percpu_hash"},
        {"percpulruhash", "lru_percpu_hash"}};
    auto it = kinds.find(d.bpf_type);
    if (it == kinds.end()) {
      error(d.loc, "unknown map type '" + d.bpf_type +
                       "' (expected hash, lruhash, percpuhash or percpulruhash)");
      continue;
    }
    if (d.max_entries == 0) error(d.loc, "map size must be greater than 0");
    MapInfo &m = maps_[d.name];
    m.name = d.name;
    m.bpf_type = it->second;
    m.max_entries = d.max_entries;
    m.declared = true;
    m.first_use = d.loc;
  }
}

// ------------------------------------------------------------------ maps --

MapInfo &Analyser::map_info(const std::string &name, const Location &loc) {
  auto it = maps_.find(name);
  if (it != maps_.end()) return it->second;
  MapInfo &m = maps_[name];
  m.name = name;
  m.first_use = loc;
  return m;
}

// The type of a slot (variable, map value or key) that held `have` and is
// now given `want`, or nothing when the two do not mix. Integers promote as
// in bpftrace v0.26 (see promoted_type); strings take the longer size;
// tuples and records merge field by field.
static std::optional<Type> merged_type(const Type &have, const Type &want) {
  if (have.is_none()) return want;
  if (want.is_none()) return have;
  if (have.kind == TypeKind::Int && want.kind == TypeKind::Int) return promoted_type(have, want);
  if (have.is_integer() && want.is_integer()) {  // an enum and an integer
    Type t = have;
    t.is_signed = have.is_signed || want.is_signed;
    t.is_literal = false;
    return t;
  }
  if (have.kind != want.kind) return std::nullopt;
  switch (have.kind) {
    case TypeKind::String: {
      Type t = have;
      t.size = std::max(have.size, want.size);
      return t;
    }
    case TypeKind::Tuple:
    case TypeKind::Record: {
      if (have.fields.size() != want.fields.size()) return std::nullopt;
      std::vector<Type> elems;
      std::vector<std::string> names;
      for (size_t i = 0; i < have.fields.size(); i++) {
        auto e = have.fields[i].name == want.fields[i].name
                     ? merged_type(*have.fields[i].type, *want.fields[i].type)
                     : std::nullopt;
        if (!e) return std::nullopt;
        elems.push_back(*e);
        names.push_back(have.fields[i].name);
      }
      return have.kind == TypeKind::Tuple ? make_tuple(elems) : make_record(names, elems);
    }
    case TypeKind::Struct:
      if (have.name != want.name) return std::nullopt;
      return have;
    case TypeKind::Pointer: case TypeKind::Kstack: case TypeKind::Ustack: case TypeKind::Bool:
      return have;
    default:
      if (have.is_aggregation()) return have;
      if (have == want) return have;
      return std::nullopt;
  }
}

// A storage conflict, worded as bpftrace v0.26 words it for `what` ("map
// @x", "variable $x", "key of map @x", "ternary").
void Analyser::type_mismatch(const Type &have, const Type &want, const Location &loc, const std::string &what) {
  auto named = [&](const char *prefix) {
    return what.rfind(prefix, 0) == 0 ? what.substr(strlen(prefix)) : std::string();
  };
  std::string h = have.to_string(), w = want.to_string();
  if (std::string m = named("map "); !m.empty())
    return error(loc, "Type mismatch for " + m + ": trying to assign value of type '" + w +
                          "' when map already has a type '" + h + "'");
  if (std::string v = named("variable "); !v.empty())
    return error(loc, "Type mismatch for " + v + ": trying to assign value of type '" + w +
                          "' when variable already has a type '" + h + "'");
  if (std::string m = named("key of map "); !m.empty())
    return error(loc, "Argument mismatch for " + m + ": trying to access with arguments: '" + w +
                          "' when map expects arguments: '" + h + "'");
  if (what == "ternary")
    return error(loc, "Branches must return the same type or compatible types: have '" + h + "' and '" + w + "'");
  error(loc, what + " has type '" + h + "', but is assigned a value of type '" + w + "'");
}

Type Analyser::unify(const Type &have, const Type &want, const Location &loc, const std::string &what) {
  auto merged = merged_type(have, want);
  if (!merged) {
    type_mismatch(have, want, loc, what);
    return have;
  }
  return *merged;
}

void Analyser::set_map_value(MapInfo &m, const Type &value, const Location &loc) {
  if (!m.value.is_none() && (m.value.is_aggregation() != value.is_aggregation() ||
                              (value.is_aggregation() && m.value.kind != value.kind))) {
    type_mismatch(m.value, value, loc, "map " + m.name);
    return;
  }
  if (value.kind == TypeKind::Hist || value.kind == TypeKind::Lhist) {
    if (!m.value.is_none() && !std::equal(std::begin(m.value.agg_args), std::end(m.value.agg_args),
                                          std::begin(value.agg_args)))
      error(loc, "map " + m.name + " is given a " + value.to_string() + " with different parameters");
  }
  m.value = unify(m.value, value, loc, "map " + m.name);
}

void Analyser::set_map_key(MapInfo &m, const Type &key, const Location &loc) {
  if (!m.key.is_none() && !key.is_none() &&
      (m.key.kind != key.kind || m.key.fields.size() != key.fields.size())) {
    type_mismatch(m.key, key, loc, "key of map " + m.name);
    return;
  }
  m.key = unify(m.key, key, loc, "key of map " + m.name);
}

// The key type of `@m[k...]`: one key is itself, several are a tuple;
// struct keys are struct values (`@[*p]`, `@[curtask->se.load]`).
void Analyser::check_map_key(Node &map) {
  for (auto &k : map.args) check_expr(*k);
  Type key;
  if (map.args.size() == 1) {
    key = value_type(map.args[0]->type);
  } else if (map.args.size() > 1) {
    std::vector<Type> elems;
    for (auto &k : map.args) elems.push_back(value_type(k->type));
    key = make_tuple(elems);
  }
  for (auto &k : map.args)
    if (k->type.kind == TypeKind::Void || k->type.is_aggregation())
      error(k->loc, "this expression has no value and can not be a map key");
  MapInfo &m = map_info(map.name, map.loc);
  if (map.args.empty()) {
    if (!keyless_use_.count(map.name)) keyless_use_[map.name] = map.loc;
  } else {
    if (!keyed_use_.count(map.name)) keyed_use_[map.name] = map.loc;
    set_map_key(m, key, map.loc);
  }
}

// ---------------------------------------------------------------- scopes --

ScratchVar *Analyser::find_var(const std::string &name) {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto f = it->find(name);
    if (f != it->end()) return &probe_info_->vars[f->second];
  }
  return nullptr;
}

ScratchVar &Analyser::define_var(const std::string &name, const Type &type, const Location &loc) {
  int slot = static_cast<int>(probe_info_->vars.size());
  Type t = value_type(type);
  // A variable's type is what all its assignments promote to: the final
  // walk starts from the type the first walk ended with.
  auto first = first_walk_vars_.find(probe_info_);
  if (final_walk_ && first != first_walk_vars_.end() && slot < static_cast<int>(first->second.size()))
    if (auto merged = merged_type(first->second[slot], t)) t = *merged;
  probe_info_->vars.push_back({name, t, slot});
  scopes_.back()[name] = slot;
  return probe_info_->vars.back();
}

// ---------------------------------------------------------------- probes --

// Typed `args` come from tracefs/BTF of the build host, for the probe's
// first attach point (all attach points of a probe share one args type).
// kprobe:f / kretprobe:f get an fentry/fexit twin when f is in the build
// host's BTF: the tool picks one on the target (DESIGN invariant 4).
void Analyser::find_fentry_twins(Probe &probe, ProbeInfo &info) {
  info.fentry_twins.assign(probe.attach_points.size(), std::nullopt);
  // Register access and the like only exist in a kprobe's pt_regs context.
  if (uses_call(probe, "reg") || uses_builtin(probe, "usermode") || uses_builtin(probe, "func")) return;
  if (uses_call(probe, "override")) return;  // bpf_override_return() exists only for kprobes
  for (size_t i = 0; i < probe.attach_points.size(); i++) {
    const AttachPoint &ap = probe.attach_points[i];
    if ((ap.provider != "kprobe" && ap.provider != "kretprobe") || ap.need_expansion || ap.has_offset ||
        !ap.target.empty() || ap.func.empty())
      continue;
    std::string err;
    if (auto args = btf_.function_args(ap.func, err)) info.fentry_twins[i] = std::move(*args);
  }
}

// Typed args for one attach point, from tracefs/BTF of the build host.
std::optional<ArgsInfo> Analyser::args_of(const AttachPoint &ap) {
  std::string err;
  std::optional<ArgsInfo> args;
  if (ap.provider == "tracepoint" && ap.need_expansion) {
    // Only with a positional parameter in the pattern: unknown until the tool runs.
    error(ap.loc, "args can not be used with a tracepoint named by a positional parameter");
    return std::nullopt;
  }
  if (ap.provider == "tracepoint") args = btf_.tracepoint_args(ap.target, ap.func, err);
  else if (ap.provider == "rawtracepoint") args = btf_.raw_tracepoint_args(ap.func, err);
  else if (ap.provider == "fentry" || ap.provider == "fexit") args = btf_.function_args(ap.func, err);
  else return std::nullopt;
  if (!args) error(ap.loc, err.empty() ? "no type information for the args of " + ap.name() : err);
  return args;
}

// The body is checked once against the first attach point's args; every
// other attach point gets its own layout (each has its own program) and
// must have the fields the body uses with the same types.
void Analyser::load_args(Probe &probe, ProbeInfo &info) {
  if (info.args_loaded || probe.attach_points.empty()) return;
  const AttachPoint &first = probe.attach_points[0];
  if (!uses_builtin(probe, "args") && !(first.provider == "fexit" && uses_builtin(probe, "retval"))) return;
  info.ap_args.clear();
  for (const auto &ap : probe.attach_points) {
    auto args = args_of(ap);
    if (!args) return;
    info.ap_args.push_back(std::move(*args));
  }
  info.args = info.ap_args[0];
  info.args_loaded = true;
  // Fields the body uses must exist with one type in every layout: checked
  // where they are used (check_field).
}

// `args.NAME` where the attach point has no such argument. Tracepoints use
// bpftrace's wording (its struct for event CAT:EV is `_tracepoint_CAT_EV`).
static std::string missing_arg_message(const AttachPoint &ap, const std::string &field) {
  if (ap.provider == "tracepoint")
    return "Struct/union of type 'struct _tracepoint_" + ap.target + "_" + ap.func +
           "' does not contain a field named '" + field + "'";
  return "'" + field + "' is not an argument of " + ap.name();
}

static bool node_uses(const Node *n, NodeKind kind, const std::string &name) {
  if (!n) return false;
  if (n->kind == kind && n->name == name) return true;
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()})
    if (node_uses(c, kind, name)) return true;
  for (auto &a : n->args)
    if (node_uses(a.get(), kind, name)) return true;
  for (auto &b : n->body)
    if (node_uses(b.get(), kind, name)) return true;
  return false;
}

static bool probe_uses(const Probe &probe, NodeKind kind, const std::string &name) {
  if (node_uses(probe.predicate.get(), kind, name)) return true;
  for (auto &s : probe.body)
    if (node_uses(s.get(), kind, name)) return true;
  return false;
}

bool Analyser::uses_builtin(const Probe &probe, const std::string &name) {
  return probe_uses(probe, NodeKind::Builtin, name);
}

bool Analyser::uses_call(const Probe &probe, const std::string &name) {
  return probe_uses(probe, NodeKind::Call, name);
}

Type Analyser::args_type() {
  Type t = make_simple(TypeKind::Struct, 0);
  t.name = "args";
  return t;
}

void Analyser::check_probe(Probe &probe, ProbeInfo &info) {
  probe_ = &probe;
  probe_info_ = &info;
  info.vars.clear();
  provider_.clear();
  for (auto &ap : probe.attach_points) {
    // Parsed once, in the first walk; it reports its own diagnostics.
    if (!final_walk_ && !parse_attach_point(ap, diags_)) failed_ = true;
    if (provider_.empty()) provider_ = ap.provider;
    if (ap.provider == "begin") info.is_begin = true;
    if (ap.provider == "end") info.is_end = true;
  }
  // Wildcards needing one program per match: fentry/fexit/rawtracepoint,
  // and tracepoints reading `args` (typed per event).
  if (!final_walk_ &&
      !expand_typed_wildcards(probe, uses_builtin(probe, "args"), config_.max_bpf_progs, diags_)) {
    failed_ = true;
    untyped_args_probes_.insert(&probe);  // reported: no follow-on errors about args
  }
  load_args(probe, info);
  if (!final_walk_) find_fentry_twins(probe, info);
  if ((info.is_begin || info.is_end) && probe.attach_points.size() > 1)
    error(probe.loc, "BEGIN and END probes can not share a block with other attach points");
  for (auto &ap : probe.attach_points)
    if ((ap.provider == "kprobe" || ap.provider == "kretprobe") && ap.func.empty() && ap.has_offset && !opts_.unsafe)
      error(ap.loc, ap.provider + " at a raw kernel address is unsafe: compile with --unsafe to allow it");
  for (auto &ap : probe.attach_points)
    if (ap.provider != provider_ && !provider_.empty() && !ap.provider.empty())
      if (ap.provider == "iter" || provider_ == "iter")
        error(ap.loc, "iter probes can not be mixed with other probe types");

  scopes_.clear();
  push_scope();
  loop_depth_ = 0;
  if (probe.predicate) {
    check_expr(*probe.predicate);
    const Type &t = probe.predicate->type;
    if (!t.is_integer() && t.kind != TypeKind::Bool && t.kind != TypeKind::Pointer && !t.is_none())
      error(probe.predicate->loc, "a predicate must be an integer, a boolean or a pointer, not '" +
                                      t.to_string() + "'");
  }
  check_block(probe.body);
  pop_scope();
}

// ------------------------------------------------------------ statements --

void Analyser::check_block(std::vector<NodePtr> &stmts) {
  for (auto &s : stmts) check_stmt(*s);
}

static bool is_truthy(const Type &t) {
  return t.is_integer() || t.kind == TypeKind::Bool || t.kind == TypeKind::Pointer || t.is_none();
}

void Analyser::check_stmt(Node &n) {
  switch (n.kind) {
    case NodeKind::ExprStmt:
      check_expr(*n.lhs);
      if (n.lhs->kind == NodeKind::Call && kAggregations.count(n.lhs->name))
        error(n.lhs->loc, n.lhs->name + "() must be assigned to a map, e.g. @x = " + n.lhs->name + "(...)");
      break;
    case NodeKind::Assign:
      check_assign(n);
      break;
    case NodeKind::Let: {
      Type t;
      if (n.type_spec) t = resolve_type_spec(*n.type_spec);
      // A sized integer type is fixed: assignments must fit into it.
      bool declared = t.kind == TypeKind::Int;
      if (n.rhs) {
        check_expr(*n.rhs);
        if (declared) check_fits_declared(ScratchVar{n.lhs->name, t}, *n.rhs, n.rhs->loc);
        else t = t.is_none() ? n.rhs->type : unify(t, n.rhs->type, n.rhs->loc, "variable " + n.lhs->name);
      }
      if (t.is_none()) t = make_int(8, true);
      if (find_var(n.lhs->name) && scopes_.back().count(n.lhs->name))
        error(n.lhs->loc, "variable " + n.lhs->name + " is already declared in this scope");
      ScratchVar &v = define_var(n.lhs->name, t, n.lhs->loc);
      v.declared = declared;
      n.lhs->type = v.type;
      n.lhs->id = v.slot;
      break;
    }
    case NodeKind::If: {
      check_expr(*n.cond);
      if (!is_truthy(n.cond->type))
        error(n.cond->loc, "an if condition must be an integer, a boolean or a pointer, not '" +
                               n.cond->type.to_string() + "'");
      // Which branch runs, as far as compile time knows (for fail()).
      auto known = fold_constant(*n.cond);
      Reach then_reach = known ? (*known ? Reach::Live : Reach::Dead)
                         : depends_only_on_positionals(*n.cond) ? Reach::AtStart
                                                                : Reach::Live;
      Reach else_reach = known ? (*known ? Reach::Dead : Reach::Live) : then_reach;
      reach_.push_back(then_reach);
      push_scope();
      check_block(n.body);
      pop_scope();
      reach_.back() = else_reach;
      if (n.els) {
        push_scope();
        if (n.els->kind == NodeKind::Block) check_block(n.els->body);
        else check_stmt(*n.els);
        pop_scope();
      }
      reach_.pop_back();
      break;
    }
    case NodeKind::Unroll:
      check_expr(*n.cond);
      if (n.cond->kind != NodeKind::Integer && n.cond->kind != NodeKind::Positional)
        error(n.cond->loc, "unroll needs a constant count");
      else if (n.cond->kind == NodeKind::Integer && (n.cond->ival < 1 || n.cond->ival > 100))
        error(n.cond->loc, "unroll count must be between 1 and 100");
      push_scope();
      check_block(n.body);
      pop_scope();
      break;
    case NodeKind::While:
      check_expr(*n.cond);
      check_loop_body(n, nullptr);
      break;
    case NodeKind::ForRange: {
      check_expr(*n.cond);
      check_expr(*n.rhs);
      if (!n.cond->type.is_integer() || !n.rhs->type.is_integer())
        error(n.cond->loc.merge(n.rhs->loc), "range bounds must be integers");
      // The index has the bounds' promoted type (bpftrace v0.26).
      Type index = n.cond->type.kind == TypeKind::Int ? n.cond->type : make_int(8, true);
      if (n.cond->type.kind == TypeKind::Int && n.rhs->type.kind == TypeKind::Int)
        if (auto p = promoted_type(n.cond->type, n.rhs->type)) index = *p;
      check_loop_body(n, &index);
      break;
    }
    case NodeKind::ForMap: {
      if (n.rhs->kind != NodeKind::Map || !n.rhs->args.empty()) {
        error(n.rhs->loc, "for loops iterate over a whole map, e.g. for ($kv : @m)");
        break;
      }
      MapInfo &m = map_info(n.rhs->name, n.rhs->loc);
      if (final_walk_ && m.value.is_none())
        error(n.rhs->loc, "undefined map " + n.rhs->name);
      bool whole_map_value = m.value.kind == TypeKind::Stats || m.value.kind == TypeKind::Hist ||
                             m.value.kind == TypeKind::Lhist;
      if (whole_map_value) {
        error(n.rhs->loc, "Loop expression does not support type: " + m.value.to_string());
        break;
      }
      // count/sum/min/max/avg elements are read as their value summed over CPUs.
      Type value = m.value.is_none() ? make_int(8, true)
                   : m.value.is_aggregation() ? make_int(8, m.value.kind != TypeKind::Count)
                                              : m.value;
      Type kv = make_tuple({m.key.is_none() ? make_int(8, true) : m.key, value});
      n.rhs->type = m.value;
      for_map_depth_++;
      check_loop_body(n, &kv);
      for_map_depth_--;
      break;
    }
    case NodeKind::Break:
    case NodeKind::Continue:
      if (loop_depth_ == 0)
        error(n.loc, std::string(n.kind == NodeKind::Break ? "break" : "continue") +
                         " can only be used inside a loop");
      break;
    case NodeKind::Return:
      if (function_) return check_return(n);
      if (n.lhs) check_expr(*n.lhs);
      break;
    case NodeKind::Block:
      push_scope();
      check_block(n.body);
      pop_scope();
      break;
    default:
      if (n.is_expr()) {
        check_expr(n);
      } else {
        error(n.loc, std::string("unsupported statement '") + node_kind_name(n.kind) + "'");
      }
  }
}

// The body of a while/for loop in its own scope; `loop_var` (for loops)
// declares n.lhs there with that type.
void Analyser::check_loop_body(Node &n, const Type *loop_var) {
  push_scope();
  if (loop_var) {
    ScratchVar &v = define_var(n.lhs->name, *loop_var, n.lhs->loc);
    n.lhs->type = v.type;
    n.lhs->id = v.slot;
  }
  loop_depth_++;
  check_block(n.body);
  loop_depth_--;
  pop_scope();
}

void Analyser::check_assign(Node &n) {
  Node &target = *n.lhs;
  if (target.kind == NodeKind::Map) return check_map_assign(n);
  if (target.kind != NodeKind::Variable) {
    error(target.loc, "only a scratch variable ($x) or a map (@x) can be assigned to");
    return;
  }
  check_expr(*n.rhs);
  Type value = n.rhs->type;
  if (value.is_aggregation() && n.rhs->kind == NodeKind::Map) {
    // stats/hist/lhist values only exist summed in userspace (bpftrace's message).
    error(n.loc, "Value '" + value.to_string() + "' cannot be assigned to a scratch variable.");
    return;
  }
  if (value.kind == TypeKind::Void || value.is_aggregation()) {
    error(n.rhs->loc, value.is_aggregation()
                          ? n.rhs->name + "() can only be assigned to a map"
                          : "this expression has no value and can not be assigned");
    return;
  }
  ScratchVar *v = find_var(target.name);
  if (n.op != "=") {
    if (!v) {
      error(target.loc, "undefined variable " + target.name);
      return;
    }
    if (!v->type.is_integer() && !(v->type.kind == TypeKind::Pointer))
      error(n.loc, "compound assignment '" + n.op + "' needs an integer variable, " + target.name +
                       " is '" + v->type.to_string() + "'");
    else if (!value.is_integer() && value.kind != TypeKind::Bool)
      error(n.rhs->loc, "compound assignment '" + n.op + "' needs an integer value");
    else if (v->type.is_integer() && !v->declared)
      v->type = unify(v->type, compound_type(n, v->type, value), n.loc, "variable " + target.name);
  } else if (!v) {
    v = &define_var(target.name, value, target.loc);
  } else if (v->declared) {
    check_fits_declared(*v, *n.rhs, n.rhs->loc);
  } else {
    Type merged = unify(v->type, value_type(value), n.rhs->loc, "variable " + target.name);
    v->type = merged;
  }
  target.type = v->type;
  target.id = v->slot;
}

void Analyser::check_map_assign(Node &n) {
  Node &target = *n.lhs;
  check_map_key(target);
  MapInfo &m = map_info(target.name, target.loc);
  Node &rhs = *n.rhs;
  if (rhs.kind == NodeKind::Call && rhs.name == "tseries") return check_tseries_assign(n, m);
  if (rhs.kind == NodeKind::Call && kAggregations.count(rhs.name)) {
    if (n.op != "=") {
      error(n.loc, rhs.name + "() can only be assigned with '='");
      return;
    }
    for (auto &a : rhs.args) check_expr(*a);
    Type agg = make_simple(aggregation_kind(rhs.name), 8);
    size_t want = rhs.name == "count" ? 0 : rhs.name == "lhist" ? 4 : 1;
    size_t got = rhs.args.size();
    bool ok = rhs.name == "hist" ? (got == 1 || got == 2) : got == want;
    if (!ok) {
      error(rhs.loc, arg_count_error(rhs.name, want, rhs.name == "hist" ? 2 : want, got));
      return;
    }
    if (got >= 1 && !rhs.args[0]->type.is_integer() && rhs.args[0]->type.kind != TypeKind::Bool &&
        !rhs.args[0]->type.is_none())
      error(rhs.loc, only_supports(rhs.name, "int", *rhs.args[0]));
    for (size_t i = 1; i < got; i++) {
      Node &a = *rhs.args[i];
      bool constant = a.kind == NodeKind::Integer ||
                      (a.kind == NodeKind::Unary && a.op == "-" && a.lhs->kind == NodeKind::Integer);
      if (!constant) {
        error(a.loc, rhs.name + "() parameters must be integer literals");
        continue;
      }
      agg.agg_args[i - 1] = a.kind == NodeKind::Integer ? (int64_t)a.ival : -(int64_t)a.lhs->ival;
    }
    if (agg.kind == TypeKind::Hist && (agg.agg_args[0] < 0 || agg.agg_args[0] > 5))
      error(rhs.args[1]->loc, "hist() k must be between 0 and 5");
    if (agg.kind == TypeKind::Lhist) {
      int64_t min = agg.agg_args[0], max = agg.agg_args[1], step = agg.agg_args[2];
      if (step <= 0) error(rhs.args[3]->loc, "lhist() step must be greater than 0");
      else if (max <= min) error(rhs.args[2]->loc, "lhist() max must be greater than min");
      else if ((max - min) / step > 1000)
        error(rhs.args[3]->loc, "lhist() has too many buckets ((max - min) / step must be at most 1000)");
    }
    if (agg.kind == TypeKind::Min || agg.kind == TypeKind::Max || agg.kind == TypeKind::Sum ||
        agg.kind == TypeKind::Avg || agg.kind == TypeKind::Stats)
      agg.is_signed = true;
    rhs.type = agg;
    set_map_value(m, agg, n.loc);
    target.type = m.value;
    target.id = 0;
    return;
  }
  check_expr(rhs);
  if (rhs.type.kind == TypeKind::Void) {
    error(rhs.loc, "this expression has no value and can not be stored in a map");
    return;
  }
  if (rhs.kind == NodeKind::Map && !check_aggregate_copy(n, m)) return;
  if (n.op != "=") {
    if (!m.value.is_none() && !m.value.is_integer() && m.value.kind != TypeKind::Count &&
        m.value.kind != TypeKind::Sum)
      error(n.loc, "compound assignment '" + n.op + "' needs an integer map, " + target.name + " holds '" +
                       m.value.to_string() + "'");
    if (!rhs.type.is_integer() && rhs.type.kind != TypeKind::Bool)
      error(rhs.loc, "compound assignment '" + n.op + "' needs an integer value, not '" +
                         rhs.type.to_string() + "'");
    if (m.value.is_none() || m.value.is_integer())
      set_map_value(m, compound_type(n, m.value.is_none() ? make_int(1, true) : m.value, rhs.type), n.loc);
  } else {
    set_map_value(m, value_type(rhs.type), n.loc);
  }
  target.type = m.value;
}

// `@y = @x` where @x holds an aggregation. bpftrace refuses to copy
// stats/hist/lhist values, and count/sum/min/max/avg values into a map
// that has no type yet (an integer map takes the value). Returns false when
// the assignment is refused.
bool Analyser::check_aggregate_copy(Node &n, MapInfo &target) {
  static const std::map<TypeKind, std::string> examples = {
      {TypeKind::Count, "count()"},       {TypeKind::Sum, "sum(retval)"},
      {TypeKind::Min, "min(retval)"},     {TypeKind::Max, "max(retval)"},
      {TypeKind::Avg, "avg(retval)"},     {TypeKind::Hist, "hist(retval)"},
      {TypeKind::Lhist, "lhist(rand %10, 0, 10, 1)"}, {TypeKind::Stats, "stats(arg2)"}};
  const Node &source = *n.rhs;
  const Type &agg = map_info(source.name, source.loc).value;
  if (!agg.is_aggregation()) return true;
  bool castable = agg.kind != TypeKind::Stats && agg.kind != TypeKind::Hist && agg.kind != TypeKind::Lhist;
  if (!final_walk_ && target.value.is_none()) untyped_aggregate_copies_.insert(&n);
  if (castable && !untyped_aggregate_copies_.count(&n)) return true;
  std::string msg = "Map value '" + agg.to_string() +
                    "' cannot be assigned from one map to another. The function that returns this type must be "
                    "called directly e.g. `" + n.lhs->name + " = " + examples.at(agg.kind) + ";`.";
  if (final_walk_) {
    Diagnostic &d = diags_.error(n.loc, msg);
    if (castable)
      d.hints.push_back("Add a cast to integer if you want the value of the aggregate, e.g. `" + n.lhs->name +
                        " = (int64)" + source.name + ";`.");
  }
  failed_ = true;
  return false;
}

// ----------------------------------------------------------- expressions --

void Analyser::check_expr(Node &n) {
  switch (n.kind) {
    case NodeKind::Integer: {
      if (n.type.kind == TypeKind::Enum) break;  // an enumerator, typed in the first walk
      n.type = literal_int_type(n.ival);
      break;
    }
    case NodeKind::String:
      n.type = make_string(static_cast<uint32_t>(n.str.size() + 1));
      n.type.is_literal = true;
      break;
    case NodeKind::Bool:
      n.type = make_bool();
      break;
    case NodeKind::Positional:
      if (n.name == "#") {
        n.type = make_int(8, false);
      } else {
        max_positional_ = std::max<int>(max_positional_, static_cast<int>(n.ival));
        n.type = make_int(8, true);
      }
      break;
    case NodeKind::Builtin: {
      auto t = builtin_type(n.name);
      if (!t) {
        // A bare identifier: an enum constant from BTF, or a call without parens.
        if (auto c = script_types_.constant(n.name)) {
          n.kind = NodeKind::Integer;
          n.ival = static_cast<uint64_t>(*c);
          n.type = make_int(8, true);
          break;
        }
        if (resolve_enum_constant(n)) break;
        error(n.loc, "unknown identifier '" + n.name + "'");
        n.type = make_int(8, true);
        break;
      }
      std::string why;
      if (!provider_.empty() && !builtin_allowed(n.name, provider_, why)) error(n.loc, why);
      if (for_map_depth_ > 0 && builtin_reads_probe_context(n.name))
        error(n.loc, "'" + n.name + "' builtin is not allowed in a for-loop");
      if (function_ && (builtin_reads_probe_context(n.name) || n.name == "probe" || n.name == "probetype"))
        error(n.loc, "the " + n.name + " builtin needs a probe's context and can not be used inside a function");
      if ((n.name == "kstack" || n.name == "ustack") && !n.type.is_none()) break;  // typed by kstack(...)
      if (n.name == "usermode" && probe_ && !function_) {
        // As bpftrace: where no user registers can be read, a constant.
        std::vector<std::string> providers;
        for (const auto &ap : probe_->attach_points) providers.push_back(ap.provider);
        if (auto folded = usermode_constant(providers)) {
          n.kind = NodeKind::Integer;
          n.ival = *folded;
          check_expr(n);
          break;
        }
      }
      n.type = *t;
      if (n.name == "probe" || n.name == "probetype") n.type = make_string(64);
      if (n.name == "args") n.type = args_type();
      // uprobe `func` is a user address, printed as the process's symbol.
      if (n.name == "func" && (provider_ == "uprobe" || provider_ == "uretprobe")) n.type = make_simple(TypeKind::Usym, 16);
      if (n.name == "retval" && provider_ == "fexit" && probe_info_->args_loaded && probe_info_->args.has_return)
        n.type = probe_info_->args.return_type;  // fexit: typed from BTF
      if (n.name == "ctx" && provider_ == "iter") {
        // iter probes: ctx is the iterator's context, e.g. struct bpf_iter__task.
        Type it = make_simple(TypeKind::Struct, 0);
        it.name = "struct bpf_iter__" + probe_->attach_points[0].func;
        n.type = make_pointer(it);
      }
      if (n.name == "kstack") uses_kstack_ = true;
      if (n.name == "ustack") uses_ustack_ = true;
      if (n.name == "elapsed") uses_elapsed_ = true;
      if (n.name == "ncpus") uses_ncpus_ = true;
      if (n.name == "cpid") uses_cpid_ = true;
      if (n.name == "kstack" || n.name == "ustack") n.type.count = 127;  // default frame limit
      break;
    }
    case NodeKind::Variable: {
      ScratchVar *v = find_var(n.name);
      if (!v) {
        error(n.loc, "undefined variable " + n.name);
        n.type = make_int(8, true);
        n.type.is_literal = true;  // fits anything: no follow-on warnings about its sign
      } else {
        n.type = v->type;
        n.id = v->slot;
      }
      break;
    }
    case NodeKind::Map: {
      check_map_key(n);
      MapInfo &m = map_info(n.name, n.loc);
      if (m.value.is_none() && final_walk_) error(n.loc, "undefined map " + n.name);
      // Reading an aggregation yields its integer value (summed over CPUs).
      if (m.value.kind == TypeKind::Count || m.value.kind == TypeKind::Sum ||
          m.value.kind == TypeKind::Min || m.value.kind == TypeKind::Max || m.value.kind == TypeKind::Avg)
        n.type = make_int(8, m.value.kind != TypeKind::Count);
      else if (m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist ||
               m.value.kind == TypeKind::Stats)
        n.type = m.value;
      else
        n.type = m.value.is_none() ? make_int(8, true) : m.value;
      break;
    }
    case NodeKind::Call:
      check_call(n);
      break;
    case NodeKind::Unary:
      check_unary(n);
      break;
    case NodeKind::IncDec: {
      Node &t = *n.lhs;
      if (t.kind == NodeKind::Map) {
        check_map_key(t);
        MapInfo &m = map_info(t.name, t.loc);
        if (m.value.is_none()) set_map_value(m, make_int(8, true), t.loc);
        else if (!m.value.is_integer() && m.value.kind != TypeKind::Count && m.value.kind != TypeKind::Sum)
          error(n.loc, "'" + n.op + "' needs an integer map, " + t.name + " holds '" + m.value.to_string() + "'");
        else if (m.value.is_integer())
          set_map_value(m, incdec_storage(m.value), t.loc);
        t.type = m.value;
      } else if (t.kind == NodeKind::Variable) {
        ScratchVar *v = find_var(t.name);
        if (!v) {
          error(t.loc, "undefined variable " + t.name);
        } else {
          if (!v->type.is_integer() && v->type.kind != TypeKind::Pointer)
            error(n.loc, "'" + n.op + "' needs an integer variable, " + t.name + " is '" + v->type.to_string() + "'");
          else if (v->type.is_integer() && !v->declared)
            v->type = unify(v->type, incdec_storage(v->type), n.loc, "variable " + t.name);
          t.type = v->type;
          t.id = v->slot;
        }
      } else {
        error(t.loc, "'" + n.op + "' can only be applied to a variable or a map");
      }
      n.type = t.type.is_integer() ? incdec_type(n.op, t.type) : t.type;
      if (t.type.kind == TypeKind::Count || t.type.kind == TypeKind::Sum) n.type = make_int(8, true);
      break;
    }
    case NodeKind::Binary:
      check_binary(n);
      break;
    case NodeKind::Ternary: {
      check_expr(*n.cond);
      if (n.lhs) check_expr(*n.lhs);
      check_expr(*n.rhs);
      if (!is_truthy(n.cond->type))
        error(n.cond->loc, "a condition must be an integer, a boolean or a pointer");
      const Type &a = n.lhs ? n.lhs->type : n.cond->type;
      const Type &b = n.rhs->type;
      // Both arms convert to their promoted type (bpftrace v0.26).
      if ((a.is_integer() && b.is_integer()) || (a.kind == TypeKind::String && b.kind == TypeKind::String) ||
          (a.kind == TypeKind::Tuple && b.kind == TypeKind::Tuple)) {
        n.type = unify(a, b, n.loc, "ternary");
      } else if (a.kind == b.kind && (a.kind == TypeKind::Bool || a.kind == TypeKind::Pointer)) {
        n.type = a;
      } else if (n.lhs && a.kind == TypeKind::Void && b.kind == TypeKind::Void) {
        n.type = a;  // `c ? print(x) : exit()`: a statement choosing between two calls
      } else {
        type_mismatch(a, b, n.loc, "ternary");
        n.type = a;
      }
      break;
    }
    case NodeKind::Field:
      check_field(n);
      break;
    case NodeKind::TupleIndex: {
      check_expr(*n.lhs);
      const Type &t = n.lhs->type;
      if (t.kind != TypeKind::Tuple) {
        error(n.loc, "'." + std::to_string(n.ival) + "' needs a tuple, not '" + t.to_string() + "'");
        n.type = make_int(8, true);
      } else if (n.ival >= t.fields.size()) {
        error(n.loc, "tuple index " + std::to_string(n.ival) + " is out of range for a tuple of " +
                         std::to_string(t.fields.size()) + " elements");
        n.type = make_int(8, true);
      } else {
        n.type = *t.fields[n.ival].type;
      }
      break;
    }
    case NodeKind::Index: {
      check_expr(*n.lhs);
      check_expr(*n.rhs);
      const Type &t = n.lhs->type;
      if (!n.rhs->type.is_integer()) error(n.rhs->loc, "an index must be an integer");
      if (t.kind == TypeKind::Array || t.kind == TypeKind::Pointer) {
        n.type = t.elem ? *t.elem : make_int(1, false);
        if (t.kind == TypeKind::Array && n.rhs->kind == NodeKind::Integer && n.rhs->ival >= t.count)
          error(n.rhs->loc, "index " + std::to_string(n.rhs->ival) + " is out of bounds for an array of " +
                                std::to_string(t.count) + " elements");
      } else if (t.kind == TypeKind::String) {
        n.type = make_int(1, true);
      } else {
        error(n.loc, "'[]' can not be used on a value of type '" + t.to_string() + "'");
        n.type = make_int(8, true);
      }
      break;
    }
    case NodeKind::Cast:
      check_cast(n);
      break;
    case NodeKind::Tuple: {
      std::vector<Type> elems;
      for (auto &e : n.args) {
        check_expr(*e);
        if (e->type.kind == TypeKind::Void) error(e->loc, "this expression has no value");
        elems.push_back(value_type(e->type));
      }
      n.type = make_tuple(elems);
      break;
    }
    case NodeKind::Record: {
      std::vector<Type> elems;
      for (auto &e : n.args) {
        check_expr(*e);
        elems.push_back(value_type(e->type));
      }
      n.type = make_record(n.names, elems);
      break;
    }
    case NodeKind::BlockExpr:
      push_scope();
      check_block(n.body);
      if (n.lhs) {
        check_expr(*n.lhs);
        n.type = n.lhs->type;
      } else {
        n.type = make_void();
      }
      pop_scope();
      break;
    case NodeKind::IfExpr: {
      check_expr(*n.cond);
      if (!is_truthy(n.cond->type))
        error(n.cond->loc, "an if condition must be an integer, a boolean or a pointer, not '" +
                               n.cond->type.to_string() + "'");
      check_expr(*n.lhs);
      if (!n.rhs) {
        error(n.loc, "an if expression used as a value needs an else branch");
        n.type = n.lhs->type;
        break;
      }
      check_expr(*n.rhs);
      const Type &a = n.lhs->type, &b = n.rhs->type;
      if ((a.is_integer() && b.is_integer()) || (a.kind == TypeKind::String && b.kind == TypeKind::String) ||
          (a.kind == TypeKind::Tuple && b.kind == TypeKind::Tuple))
        n.type = unify(a, b, n.loc, "ternary");
      else if (a == b) n.type = a;
      else {
        type_mismatch(a, b, n.loc, "ternary");
        n.type = a;
      }
      break;
    }
    case NodeKind::SizeOf: {
      Type t;
      if (n.type_spec) t = resolve_type_spec(*n.type_spec);
      else {
        check_expr(*n.lhs);
        t = n.lhs->type;
      }
      // Folded into an integer literal, typed as one (sizeof(1) is 1).
      n.kind = NodeKind::Integer;
      n.ival = t.size;
      n.type = literal_int_type(n.ival);
      break;
    }
    case NodeKind::OffsetOf: {
      Type t = n.type_spec ? resolve_type_spec(*n.type_spec) : Type{};
      uint64_t off = 0;
      for (auto &f : n.names) {
        auto fi = btf_for(t).field(t, f);
        if (!fi) {
          error(n.loc, "'" + t.to_string() + "' has no field named '" + f + "'");
          break;
        }
        off += fi->offset;
        t = fi->type;
      }
      n.kind = NodeKind::Integer;
      n.ival = off;
      n.type = literal_int_type(n.ival);
      break;
    }
    default:
      error(n.loc, std::string("unsupported expression '") + node_kind_name(n.kind) + "'");
      n.type = make_int(8, true);
  }
}

void Analyser::check_unary(Node &n) {
  check_expr(*n.lhs);
  const Type &t = n.lhs->type;
  if (n.op == "!") {
    if (!is_truthy(t)) error(n.loc, "'!' needs an integer, a boolean or a pointer, not '" + t.to_string() + "'");
    n.type = make_bool();
  } else if (n.op == "-" || n.op == "~") {
    if (!t.is_integer() && t.kind != TypeKind::Bool)
      error(n.loc, "'" + n.op + "' needs an integer, not '" + t.to_string() + "'");
    // bpftrace v0.26: a negative literal has the smallest signed type that
    // holds it; otherwise the result is 64 bits, signed for `-`.
    if (n.op == "-" && n.lhs->kind == NodeKind::Integer && n.lhs->type.kind == TypeKind::Int)
      n.type = negative_literal_type(n.lhs->ival);
    else
      n.type = make_int(8, n.op == "-" || !t.is_integer() || t.is_signed);
  } else if (n.op == "*") {
    if (t.kind != TypeKind::Pointer) {
      error(n.loc, "'*' needs a pointer, not '" + t.to_string() + "'");
      n.type = make_int(8, true);
    } else {
      n.type = t.elem && !t.elem->is_none() ? *t.elem : make_int(8, false);
    }
  } else if (n.op == "&") {
    if (n.lhs->kind != NodeKind::Map && n.lhs->kind != NodeKind::Variable && n.lhs->kind != NodeKind::Field)
      error(n.loc, "'&' can only take the address of a variable, a map value or a field");
    n.type = make_pointer(t);
  } else {
    error(n.loc, "unknown unary operator '" + n.op + "'");
    n.type = t;
  }
}

void Analyser::check_binary(Node &n) {
  check_expr(*n.lhs);
  check_expr(*n.rhs);
  const Type &a = n.lhs->type, &b = n.rhs->type;
  const std::string &op = n.op;
  // bpftrace's words: different kinds are a "type mismatch"; one kind the
  // operator does not apply to is reported with both types.
  auto mismatch = [&] {
    bool same_kind = a.kind == b.kind || (a.is_integer() && b.is_integer());
    if (same_kind)
      error(n.loc, "The " + op + " operator can not be used on expressions of types " + a.to_string() + ", " +
                       b.to_string());
    else
      error(n.loc, "Type mismatch for '" + op + "': comparing " + a.to_string() + " with " + b.to_string());
    n.type = make_int(8, true);
  };
  bool ints = (a.is_integer() || a.kind == TypeKind::Bool) && (b.is_integer() || b.kind == TypeKind::Bool);
  if (op == "&&" || op == "||") {
    if (!is_truthy(a) || !is_truthy(b)) return mismatch();
    n.type = make_bool();
    return;
  }
  if (op == "==" || op == "!=") {
    bool ok = ints || (a.kind == TypeKind::String && b.kind == TypeKind::String) ||
              (a.kind == TypeKind::Pointer && (b.kind == TypeKind::Pointer || b.is_integer())) ||
              (b.kind == TypeKind::Pointer && a.is_integer()) ||
              (a.kind == TypeKind::Tuple && b.kind == TypeKind::Tuple && a.fields.size() == b.fields.size()) ||
              (a.kind == TypeKind::Array && b.kind == TypeKind::Array && a.count == b.count &&
               a.elem && b.elem && a.elem->size == b.elem->size) ||
              (a.kind == TypeKind::Buffer && b.kind == TypeKind::Buffer) ||
              (a.kind == TypeKind::Ksym && b.kind == TypeKind::Ksym);
    if (!ok) {
      mismatch();
      n.type = make_bool();
      return;
    }
    n.type = ints ? int_binary_type(n, a, b) : make_bool();
    return;
  }
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    bool ok = ints || (a.kind == TypeKind::Pointer && b.kind == TypeKind::Pointer) ||
              (a.kind == TypeKind::Pointer && b.is_integer()) || (a.is_integer() && b.kind == TypeKind::Pointer);
    if (!ok) return mismatch();
    n.type = ints ? int_binary_type(n, a, b) : make_bool();
    return;
  }
  // Arithmetic and bitwise operators.
  if ((op == "+" || op == "-") && a.kind == TypeKind::Pointer && b.is_integer()) {
    n.type = a;
    return;
  }
  if (op == "+" && a.is_integer() && b.kind == TypeKind::Pointer) {
    n.type = b;
    return;
  }
  if (op == "-" && a.kind == TypeKind::Pointer && b.kind == TypeKind::Pointer) {
    n.type = make_int(8, true);
    return;
  }
  if (!ints) return mismatch();
  n.type = int_binary_type(n, a, b);
  if ((op == "/" || op == "%") && n.rhs->kind == NodeKind::Integer && n.rhs->ival == 0)
    warning(n.rhs->loc, "division by zero: the result will be 1");
}

// The value of `x op= v` for an integer x: what `x = x op v` computes.
// (An unassigned map starts as an int8 zero, as in bpftrace.)
Type Analyser::compound_type(const Node &assign, Type x, const Type &v) {
  if (!v.is_integer() && v.kind != TypeKind::Bool) return x;
  Node op(NodeKind::Binary, assign.loc);
  op.op = assign.op.substr(0, assign.op.size() - 1);
  x.is_literal = false;  // not a literal: nothing to fold
  return int_binary_type(op, x, v);
}

// `$x = value` where $x was declared `let $x: T`: the value must convert to
// T without loss (a literal: its value must fit).
void Analyser::check_fits_declared(const ScratchVar &v, const Node &value, const Location &loc) {
  const Type &t = value.type;
  if (!v.type.is_integer() || !t.is_integer()) {
    if (!merged_type(v.type, value_type(t))) type_mismatch(v.type, t, loc, "variable " + v.name);
    return;
  }
  std::optional<uint64_t> literal;
  if (value.kind == NodeKind::Integer && t.is_literal) literal = value.ival;
  bool negative_literal = value.kind == NodeKind::Unary && value.op == "-" && value.lhs->kind == NodeKind::Integer;
  bool fits = negative_literal ? v.type.is_signed && int_fits_into(t, v.type)
                               : int_fits_into(t, v.type, literal);
  if (!fits) type_mismatch(v.type, t, loc, "variable " + v.name);
}

// bpftrace v0.26 integer operators. A sign flexible literal takes the
// other operand's sign; operands of one type give a 64-bit result of that
// sign; otherwise the result is int64 when either operand is signed, and
// operands with no common type (uint64 and a signed integer) are warned
// about. `-` always yields a signed result. Both operands of a comparison
// convert to their promoted type (n.operand_type). An operation on two
// literals is folded, so its result is typed as the literal it makes.
Type Analyser::int_binary_type(Node &n, const Type &a_in, const Type &b_in) {
  const std::string &op = n.op;
  Type a = a_in.kind == TypeKind::Bool ? make_int(1, false) : a_in;
  Type b = b_in.kind == TypeKind::Bool ? make_int(1, false) : b_in;
  a.kind = b.kind = TypeKind::Int;  // enums compare as their integers
  bool comparison = op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=";
  auto promoted = promoted_type(a, b);
  if (comparison) n.operand_type = promoted ? *promoted : make_int(8, true);
  if (a.is_literal && b.is_literal && !comparison) {
    if (auto v = fold_constant(n)) {
      n.folded = true;
      n.ival = static_cast<uint64_t>(*v);
      Type t = *v < 0 ? negative_literal_type(-static_cast<uint64_t>(*v)) : literal_int_type(*v);
      if (op == "-" || *v < 0) t.is_literal = false;
      return t;
    }
  }
  if (a.is_literal && !b.is_literal) a.is_signed = b.is_signed;
  if (b.is_literal && !a.is_literal) b.is_signed = a.is_signed;
  if (comparison) {
    if (!promoted)
      warning(n.loc, "comparison of integers of different signs: '" + a_in.to_string() + "' and '" +
                         b_in.to_string() + "' can lead to undefined behavior");
    return make_bool();
  }
  if (a.size == b.size && a.is_signed == b.is_signed) return make_int(8, a.is_signed || op == "-");
  bool arithmetic = op == "+" || op == "-" || op == "*" || op == "/" || op == "%";
  if (!promoted && arithmetic)
    warning(n.loc, "arithmetic on integers of different signs: '" + a_in.to_string() + "' and '" +
                       b_in.to_string() + "' can lead to undefined behavior");
  return make_int(8, a.is_signed || b.is_signed || op == "-");
}

void Analyser::check_field(Node &n) {
  check_expr(*n.lhs);
  Type t = n.lhs->type;
  if (t.kind == TypeKind::Record) {
    for (auto &f : t.fields)
      if (f.name == n.name) {
        n.type = *f.type;
        return;
      }
    error(n.loc, "record has no field named '" + n.name + "'");
    n.type = make_int(8, true);
    return;
  }
  if (t.kind == TypeKind::Struct && t.name == "args") {
    if (!probe_info_->args_loaded) {
      if (!untyped_args_probes_.count(probe_)) error(n.loc, "args is not available for this probe");
      n.type = make_int(8, true);
      return;
    }
    const FieldInfo *first = nullptr;
    for (auto &f : probe_info_->args.fields)
      if (f.name == n.name) first = &f;
    for (size_t i = 1; i < probe_info_->ap_args.size(); i++) {
      const FieldInfo *other = nullptr;
      for (auto &g : probe_info_->ap_args[i].fields)
        if (g.name == n.name) other = &g;
      if (!other) error(n.loc, missing_arg_message(probe_->attach_points[i], n.name));
      else if (first && (other->type.kind != first->type.kind || other->data_loc != first->data_loc))
        error(n.loc, "args." + n.name + " has different types in " + probe_->attach_points[0].name() + " and " +
                         probe_->attach_points[i].name());
    }
    for (auto &f : probe_info_->args.fields)
      if (f.name == n.name) {
        n.type = f.type;
        if (f.data_loc) n.type = make_string(static_cast<uint32_t>(config_.max_strlen));
        n.ival = f.data_loc ? 2 : n.ival;
        return;
      }
    error(n.loc, missing_arg_message(probe_->attach_points[0], n.name));
    n.type = make_int(8, true);
    return;
  }
  if (t.is_struct_value()) {
    for (auto &f : t.fields)
      if (f.name == n.name) {
        n.type = *f.type;
        return;
      }
  }
  if (t.kind == TypeKind::Pointer && t.elem) t = *t.elem;
  if (t.kind != TypeKind::Struct) {
    error(n.loc, "field access needs a struct, a record or a pointer to a struct, not '" +
                     n.lhs->type.to_string() + "'");
    n.type = make_int(8, true);
    return;
  }
  auto fi = btf_for(t).field(t, n.name);
  if (!fi) {
    error(n.loc, "'" + t.to_string() + "' has no field named '" + n.name + "'");
    n.type = make_int(8, true);
    return;
  }
  n.type = fi->type;
  if (fi->bit_size) {
    n.type = make_int(8, false);
    n.bitfield = {fi->bit_offset, fi->bit_size};
  }
}

Type Analyser::resolve_type_spec(const TypeSpec &spec) {
  static const std::map<std::string, Type> ints = {
      {"int8", make_int(1, true)},    {"int16", make_int(2, true)},   {"int32", make_int(4, true)},
      {"int64", make_int(8, true)},   {"uint8", make_int(1, false)},  {"uint16", make_int(2, false)},
      {"uint32", make_int(4, false)}, {"uint64", make_int(8, false)}, {"bool", make_bool()}};
  Type t;
  if (spec.typeof_expr) {
    check_expr(*spec.typeof_expr);
    t = spec.typeof_expr->type;
  } else if (auto it = ints.find(spec.base); it != ints.end()) {
    t = it->second;
  } else if (spec.base == "string") {
    t = make_string(static_cast<uint32_t>(spec.array_size ? *spec.array_size : config_.max_strlen));
    return spec.pointer_depth ? make_pointer(t) : t;
  } else if (spec.base == "buffer") {
    t = make_simple(TypeKind::Buffer, static_cast<uint32_t>(4 + (spec.array_size ? *spec.array_size : 64)));
    return t;
  } else if (spec.base == "void") {
    t = make_int(1, false);
  } else if (script_types_.defines_record(spec.base) && script_types_.btf()->resolve(spec.base)) {
    t = *script_types_.btf()->resolve(spec.base);
  } else if (spec.base.rfind("enum ", 0) == 0 && script_types_.defines_enum(spec.base.substr(5)) &&
             script_types_.btf()->resolve(spec.base)) {
    t = *script_types_.btf()->resolve(spec.base);
  } else if (auto r = btf_.resolve(spec.base)) {
    t = *r;
  } else if (spec.base.rfind("enum ", 0) == 0) {
    error(spec.loc, "Unknown enum: " + spec.base.substr(5));
    t = make_int(8, true);
  } else {
    error(spec.loc, "unknown type '" + spec.base + "'");
    t = make_int(8, true);
  }
  for (int i = 0; i < spec.pointer_depth; i++) t = make_pointer(t);
  if (spec.array_size) {
    Type arr = make_simple(TypeKind::Array, 0);
    arr.count = *spec.array_size;
    arr.size = static_cast<uint32_t>(t.size * arr.count);
    arr.elem = std::make_shared<Type>(t);
    t = arr;
  }
  return t;
}

// --------------------------------------------------------- struct values --

// The type a value has once stored, with struct/union values given their
// fields (print(*p), $s = *p, @m[k] = *p, print(args)).
Type Analyser::value_type(const Type &t) { return expand_structs(storage_type(t)); }

Type Analyser::expand_structs(const Type &t, int depth) {
  if (t.kind == TypeKind::Struct && !t.is_struct_value())
    return t.name == "args" ? args_value() : struct_value(t, depth);
  if (t.kind == TypeKind::Array) return member_value(t, depth);
  if ((t.kind == TypeKind::Tuple || t.kind == TypeKind::Record) && depth < 16) {
    std::vector<Type> elems;
    std::vector<std::string> names;
    for (const auto &f : t.fields) {
      elems.push_back(expand_structs(*f.type, depth + 1));
      names.push_back(f.name);
    }
    return t.kind == TypeKind::Tuple ? make_tuple(elems) : make_record(names, elems);
  }
  return t;
}

// A struct without fields to show (opaque or empty), or an array of them.
static bool opaque_struct(const Type &t) {
  if (t.kind == TypeKind::Array && t.elem) return opaque_struct(*t.elem);
  return t.kind == TypeKind::Struct && !t.is_struct_value();
}

// A struct/union of the kernel's or the script's BTF as a value: every
// named member (anonymous members flattened, as bpftrace does), nested
// structs expanded too; printed as { .a = 1, .b = { .c = 2 } }.
Type Analyser::struct_value(const Type &t, int depth) {
  Type v = t;
  if (depth > 16) return v;
  for (const auto &fi : btf_for(t).fields(t)) {
    Type ft = fi.type;
    if (ft.kind == TypeKind::None || ft.kind == TypeKind::Void) continue;  // floats, functions
    ft = member_value(ft, depth + 1);
    if (opaque_struct(ft)) continue;   // empty or opaque structs, and arrays of them
    v.fields.push_back({fi.name, std::make_shared<Type>(ft), 0, Bitfield{fi.bit_offset, fi.bit_size}});
  }
  layout_fields(v);
  return v;
}

// A member's type as a value: a struct gets its fields, an array of structs
// (or of arrays of structs) gets expanded elements, laid out by bt2bin.
// Arrays of opaque or empty structs stay as they are.
Type Analyser::member_value(const Type &t, int depth) {
  if (t.kind == TypeKind::Struct) return t.is_struct_value() ? t : struct_value(t, depth);
  if (t.kind != TypeKind::Array || !t.elem || (t.elem->kind != TypeKind::Struct && t.elem->kind != TypeKind::Array))
    return t;
  Type elem = member_value(*t.elem, depth + 1);
  if (opaque_struct(elem)) return t;
  Type a = t;
  a.size = static_cast<uint32_t>(elem.size * t.count);
  a.elem = std::make_shared<Type>(std::move(elem));
  return a;
}

// `args` as a value: the probe's arguments (tracepoint fields without the
// common_* header, or the function's parameters).
Type Analyser::args_value() {
  Type v = make_simple(TypeKind::Struct, 0);
  v.name = probe_info_->args.c_struct_name.empty() ? "args" : probe_info_->args.c_struct_name;
  for (const auto &f : probe_info_->args.fields) {
    if (f.common) continue;
    Type ft = f.data_loc ? make_string(static_cast<uint32_t>(config_.max_strlen)) : f.type;
    ft = member_value(ft, 1);
    if (ft.kind == TypeKind::None || ft.kind == TypeKind::Void) continue;
    v.fields.push_back({f.name, std::make_shared<Type>(ft), 0, {}});
  }
  layout_fields(v);
  return v;
}

// ----------------------------------------------------------------- enums --

// An enumerator name used as a value: the script's enums first, then the
// kernel's. A named enum keeps its type, so print() and %s show the name.
bool Analyser::resolve_enum_constant(Node &n) {
  std::optional<int64_t> value = script_types_.enum_constant(n.name);
  std::optional<Type> type = value ? script_types_.enum_constant_type(n.name) : std::nullopt;
  if (!value) {
    value = btf_.enum_constant(n.name);
    if (value) type = btf_.enum_constant_type(n.name);
  }
  if (!value) return false;
  n.kind = NodeKind::Integer;
  n.ival = static_cast<uint64_t>(*value);
  n.type = make_int(8, true);
  if (type) {
    n.type = *type;
    n.type.size = 8;
  }
  return true;
}

std::vector<std::pair<int64_t, std::string>> Analyser::enum_values(const std::string &name) {
  if (script_types_.defines_enum(name)) return script_types_.btf()->enum_values(name);
  return btf_.enum_values(name);
}

// `(enum E)N` with a literal N must name one of E's values, as in bpftrace.
void Analyser::check_enum_cast(const Node &n, const Type &to) {
  if (n.lhs->kind != NodeKind::Integer) return;
  for (const auto &[value, name] : enum_values(to.name))
    if (static_cast<uint64_t>(value) == n.lhs->ival) return;
  error(n.loc, "Enum: " + to.name + " doesn't contain a variant value of " + std::to_string(n.lhs->ival));
}

// The value names of every enum a printed or stored value can hold.
void Analyser::collect_enums(const Type &t, CheckedProgram &out) {
  if (t.kind == TypeKind::Enum && !t.name.empty() && !out.enum_values.count(t.name))
    out.enum_values[t.name] = enum_values(t.name);
  for (const auto &f : t.fields) collect_enums(*f.type, out);
  if (t.elem && t.kind == TypeKind::Array) collect_enums(*t.elem, out);
}

void Analyser::check_cast(Node &n) {
  check_expr(*n.lhs);
  Type to = resolve_type_spec(*n.type_spec);
  const Type &from = n.lhs->type;
  bool from_scalar = from.is_integer() || from.kind == TypeKind::Pointer || from.kind == TypeKind::Bool;
  if ((to.is_integer() || to.kind == TypeKind::Pointer || to.kind == TypeKind::Bool) && from_scalar) {
    if (to.kind == TypeKind::Enum) check_enum_cast(n, to);
    n.type = to;
    return;
  }
  if (to.kind == TypeKind::Array && from.is_integer() && to.size == 8) {
    n.type = to;
    return;
  }
  if (to.is_integer() && from.kind == TypeKind::Array && from.size == to.size) {
    n.type = to;
    return;
  }
  if (to.kind == TypeKind::String && from.kind == TypeKind::String) {
    n.type = to;
    return;
  }
  error(n.loc, "can not cast from '" + from.to_string() + "' to '" + to.to_string() + "'");
  n.type = to;
}

// ----------------------------------------------------------------- calls --

// Checks a printf-style format against its arguments with the one format
// parser the runtime also uses. `arg_index` names the offending argument.
bool Analyser::check_format_args(const std::string &format, const std::vector<Type> &args, std::string &why,
                                 int &arg_index) {
  rt::ParsedFormat parsed;
  arg_index = -1;
  if (!rt::parse_format(format, parsed, why)) return false;
  if (!rt::check_format_arg_count(parsed, args.size(), why)) return false;
  auto specs = parsed.specs();
  for (size_t i = 0; i < specs.size() && i < args.size(); i++) {
    const Type &t = args[i];
    rt::FormatArgClass cls = t.is_integer() || t.kind == TypeKind::Bool || t.kind == TypeKind::Pointer
                                 ? rt::FormatArgClass::Integer
                             : t.kind == TypeKind::String ? rt::FormatArgClass::String
                             : t.kind == TypeKind::Buffer ? rt::FormatArgClass::Buffer
                                                          : rt::FormatArgClass::Other;
    if (!rt::check_format_arg(*specs[i], cls, t.to_string(), why)) {
      arg_index = static_cast<int>(i);
      return false;
    }
  }
  return true;
}

void Analyser::check_format_call(Node &n, FormatKind kind, size_t first_arg) {
  const char *fname = n.name.c_str();
  if (n.args.size() <= first_arg || n.args[first_arg]->kind != NodeKind::String) {
    error(n.args.size() > first_arg ? n.args[first_arg]->loc : n.loc,
          std::string(fname) + "() needs a format string literal as its first argument");
    return;
  }
  FormatCall call;
  call.kind = kind;
  call.format = n.args[first_arg]->str;
  call.loc = n.loc;
  for (size_t i = first_arg + 1; i < n.args.size(); i++) {
    Node &a = *n.args[i];
    check_expr(a);
    if (a.type.kind == TypeKind::Void || a.type.is_aggregation()) {
      error(a.loc, std::string(fname) + "() argument has no printable value");
      continue;
    }
    Type t = a.type.kind == TypeKind::Struct ? value_type(a.type) : a.type;
    if (t.is_integer() && t.kind == TypeKind::Int) t = make_int(8, t.is_signed);
    call.args.push_back(t);
  }
  std::string why;
  int arg_index = -1;
  if (!check_format_args(call.format, call.args, why, arg_index)) {
    const Location &loc = arg_index >= 0 && first_arg + 1 + arg_index < n.args.size()
                              ? n.args[first_arg + 1 + arg_index]->loc
                              : n.args[first_arg]->loc;
    error(loc, why);
  } else if (kind == FormatKind::Debugf) {
    check_debugf(n);
  } else if (is_seq_printf(n)) {
    check_kernel_format(n, kSeqPrintf);
  }
  // debugf() goes to the kernel's trace_pipe and printf() in an iter probe
  // to the iterator's seq_file, not through the event channel.
  if (final_walk_ && kind != FormatKind::Debugf && !is_seq_printf(n)) {
    call.id = static_cast<int>(formats_.size());
    n.id = call.id;
    formats_.push_back(std::move(call));
  }
  n.type = make_void();
}

void Analyser::check_debugf(const Node &n) {
  warning(n.loc, "the debugf() builtin is not recommended for production use: it writes to the kernel's "
                 "trace buffer (see bpf_trace_printk in bpf-helpers(7))");
  check_kernel_format(n, kDebugf);
}

// printf() directly in an iter probe writes to the iterator's seq_file
// with bpf_seq_printf(), as bpftrace does (in a fn it is a plain printf).
bool Analyser::is_seq_printf(const Node &n) const {
  return n.name == "printf" && provider_ == "iter" && !function_;
}

void Analyser::check_kernel_format(const Node &n, const KernelFormat &rules) {
  const Node &fmt = *n.args[0];
  if (n.args.size() > rules.max_args + 1) {
    error(n.loc, std::string(rules.call) + " cannot use more than " + std::to_string(rules.max_args) +
                     " conversion specifiers (" + rules.limit + ")");
    return;
  }
  rt::ParsedFormat parsed;
  std::string why;
  if (!rt::parse_format(fmt.str, parsed, why)) return;
  auto specs = parsed.specs();
  for (size_t i = 0; i < specs.size() && i + 1 < n.args.size(); i++) {
    const rt::FormatSpec &s = *specs[i];
    if (!rules.accepts(s)) {
      if (final_walk_)
        diags_.error(fmt.loc, std::string("invalid format specifier for ") + rules.call + ": " + s.text)
            .hints.push_back(rules.hint);
      failed_ = true;
      continue;
    }
    const Node &a = *n.args[i + 1];
    if (a.type.is_none()) continue;
    bool string_conv = s.conv == rt::FormatConv::s;
    bool integer_arg = a.type.is_integer() ||
                       (rules.pointer_args && (a.type.kind == TypeKind::Bool || a.type.kind == TypeKind::Pointer));
    if (string_conv ? a.type.kind != TypeKind::String : !integer_arg)
      error(a.loc, "type does not match format specifier: " + s.text + " in " + rules.call + " needs " +
                       (string_conv ? "a string" : "an integer") + ", not '" + a.type.to_string() + "'");
  }
}

// A printf-family record the analyser adds itself (assert()'s errorf,
// comm(pid)'s warnings), reported at n.loc; returns its format id.
int Analyser::register_format(const Node &n, FormatKind kind, const std::string &format, const std::vector<Type> &args) {
  if (!final_walk_) return -1;
  FormatCall call;
  call.kind = kind;
  call.format = format;
  call.args = args;
  call.loc = n.loc;
  call.id = static_cast<int>(formats_.size());
  formats_.push_back(std::move(call));
  return static_cast<int>(formats_.size()) - 1;
}

bool Analyser::want_args(const Node &n, size_t lo, size_t hi) {
  auto nargs = n.args.size();
  if (nargs >= lo && nargs <= hi) return true;
  error(n.loc, arg_count_error(n.name, lo, hi, nargs));
  return false;
}

MapInfo *Analyser::want_map(Node &n, size_t i) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  if (i >= nargs || n.args[i]->kind != NodeKind::Map) {
    error(i < nargs ? n.args[i]->loc : n.loc, f + "() needs a map as argument " + std::to_string(i + 1));
    return nullptr;
  }
  MapInfo &m = map_info(n.args[i]->name, n.args[i]->loc);
  if (final_walk_ && m.value.is_none()) error(n.args[i]->loc, "undefined map " + n.args[i]->name);
  n.args[i]->type = m.value;
  return &m;
}

// has_key(@m, k) / find(@m, k, ...): the map, and k fixes or checks its key type.
MapInfo *Analyser::want_map_and_key(Node &n) {
  MapInfo *m = want_map(n, 0);
  check_expr(*n.args[1]);
  if (m) set_map_key(*m, value_type(n.args[1]->type), n.args[1]->loc);
  return m;
}

void Analyser::want_task(Node &n, size_t i) {
  const std::string &f = n.name;
  check_expr(*n.args[i]);
  const Type &t = n.args[i]->type;
  if (t.kind != TypeKind::Pointer || !t.elem || t.elem->name != "struct task_struct")
    error(n.args[i]->loc, f + "() needs a 'struct task_struct *' such as curtask, not '" + t.to_string() + "'");
}

void Analyser::want_integer(Node &n, size_t i) {
  const std::string &f = n.name;
  check_expr(*n.args[i]);
  if (!n.args[i]->type.is_integer()) error(n.args[i]->loc, f + "() needs an integer, not '" + n.args[i]->type.to_string() + "'");
}

void Analyser::want_string(Node &n, size_t i) {
  const std::string &f = n.name;
  check_expr(*n.args[i]);
  if (n.args[i]->type.kind != TypeKind::String)
    error(n.args[i]->loc, f + "() needs a string, not '" + n.args[i]->type.to_string() + "'");
}

// The order of the checks decides what a name means: a builtin called with
// parentheses or a printf-family call first, then the builtins with
// arguments, then the script's fns and imported C functions, then the
// stdlib and kernel-object functions.
void Analyser::check_call(Node &n) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  if (kAggregations.count(f)) {
    error(n.loc, f + "() must be assigned to a map, e.g. @x = " + f + "(...)");
    n.type = make_void();
    return;
  }
  // Builtins called with parentheses: pid(), comm(), nsecs(), kstack(...)
  if (builtin_type(f) && f != "kstack" && f != "ustack" && nargs == 0) {
    n.kind = NodeKind::Builtin;
    check_expr(n);
    return;
  }
  if (f == "printf") return check_format_call(n, FormatKind::Printf, 0);
  if (f == "errorf") return check_format_call(n, FormatKind::Errorf, 0);
  if (f == "warnf") return check_format_call(n, FormatKind::Warnf, 0);
  if (f == "debugf") return check_format_call(n, FormatKind::Debugf, 0);
  if (f == "system" || f == "cat") {
    if (f == "system" && !opts_.unsafe)
      error(n.loc, "system() is an unsafe function: compile with --unsafe to allow it");
    return check_format_call(n, f == "system" ? FormatKind::System : FormatKind::Cat, 0);
  }
  n.type = make_void();
  if (check_output_call(n) || check_builtin_call(n)) return;
  // --- tseries() outside a map assignment ---
  if (f == "tseries") {
    error(n.loc, "tseries() must be assigned to a map, e.g. @x = tseries(value, 1s, 10)");
    n.type = make_int(8, true);  // no second error about the missing value
    return;
  }
  // --- calls of script functions (fn) ---
  if (auto it = function_ids_.find(f); it != function_ids_.end()) return check_fn_call(n, it->second);
  if (auto it = c_function_ids_.find(f); it != c_function_ids_.end()) return check_c_call(n, it->second);
  // --- builtins with arguments, string and compile-time helpers, kernel objects ---
  if (check_stdlib_call(n) || check_kernel_object_call(n)) return;
  error(n.loc, "unknown function '" + f + "'");
}

// Returns false when `n` is none of these calls.
bool Analyser::check_output_call(Node &n) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  if (f == "exit") {
    if (!want_args(n, 0, 1)) return true;
    if (nargs == 1) {
      check_expr(*n.args[0]);
      if (!n.args[0]->type.is_integer()) error(n.loc, only_supports("exit", "int", *n.args[0]));
    }
    if (loop_depth_ > 0) error(n.loc, "exit() can not be used inside a loop");
    return true;
  }
  if (f == "print") {
    if (!want_args(n, 1, 3)) return true;
    Node &a = *n.args[0];
    if (a.kind == NodeKind::Map && a.args.empty()) {
      want_map(n, 0);
      for (size_t i = 1; i < nargs; i++) {
        check_expr(*n.args[i]);
        if (n.args[i]->kind != NodeKind::Integer)
          error(n.args[i]->loc, "print() top and div arguments must be integer literals");
      }
      n.ival = 1;  // prints a whole map
      return true;
    }
    if (nargs > 1) error(n.args[1]->loc, "print() of a value takes no top/div arguments");
    check_expr(a);
    if (a.type.kind == TypeKind::Void) error(a.loc, "print() argument has no value");
    if (final_walk_) {
      PrintValueSite site{static_cast<int>(print_values_.size()), value_type(a.type)};
      if (a.type.is_aggregation()) site.type = a.type;
      n.id = site.id;
      print_values_.push_back(site);
    }
    return true;
  }
  if (f == "clear" || f == "zero") {
    if (want_args(n, 1, 1)) want_map(n, 0);
    return true;
  }
  if (f == "delete") {
    if (!want_args(n, 1, 2)) return true;
    Node &a = *n.args[0];
    if (a.kind != NodeKind::Map) {
      error(a.loc, "delete() needs a map");
      return true;
    }
    if (final_walk_ && map_info(a.name, a.loc).value.is_none()) {
      error(a.loc, "undefined map " + a.name);
      return true;
    }
    if (nargs == 2) {
      check_expr(*n.args[1]);
      MapInfo &m = map_info(a.name, a.loc);
      set_map_key(m, value_type(n.args[1]->type), n.args[1]->loc);
      a.type = m.value;
    } else {
      check_map_key(a);
      a.type = map_info(a.name, a.loc).value;
    }
    n.type = make_bool();
    return true;
  }
  if (f == "has_key") {
    if (!want_args(n, 2, 2)) return true;
    want_map_and_key(n);
    n.type = make_bool();
    return true;
  }
  if (f == "len") {
    if (!want_args(n, 1, 1)) return true;
    if (n.args[0]->kind == NodeKind::Map) {
      want_map(n, 0);
    } else {
      check_expr(*n.args[0]);
      if (n.args[0]->type.kind != TypeKind::Kstack && n.args[0]->type.kind != TypeKind::Ustack)
        error(n.args[0]->loc, "len() needs a map or a stack");
    }
    n.type = make_int(8, true);
    return true;
  }
  if (f == "time") {
    if (!want_args(n, 0, 1)) return true;
    if (nargs == 1 && n.args[0]->kind != NodeKind::String)
      error(n.args[0]->loc, "time() format must be a string literal");
    if (final_walk_) {
      FormatCall call;
      call.kind = FormatKind::Printf;
      call.format = nargs ? n.args[0]->str : "%H:%M:%S\n";
      call.id = -1;
      n.id = static_cast<int>(time_formats_.size());
      time_formats_.push_back(call.format);
    }
    return true;
  }
  return false;
}

// Returns false when `n` is none of these calls.
bool Analyser::check_builtin_call(Node &n) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  if (f == "str") {
    if (!want_args(n, 1, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    const Type &t = n.args[0]->type;
    if (n.args[0]->kind == NodeKind::Positional && n.args[0]->name != "#") {
      // $N as a string: a rodata string the tool fills from its arguments.
      n.type = make_string(static_cast<uint32_t>(std::min<uint64_t>(config_.max_strlen, 256)));
      n.args[0]->type = n.type;
      string_positionals_.insert(static_cast<int>(n.args[0]->ival));
      return true;
    }
    if (t.kind != TypeKind::Pointer && !t.is_integer() && t.kind != TypeKind::String && t.kind != TypeKind::Array)
      error(n.loc, "str() expects a string, integer or a pointer type as first argument (" + t.to_string() +
                       " provided)");
    uint64_t size = config_.max_strlen;
    if (nargs == 2) {
      if (n.args[1]->kind == NodeKind::Integer) size = std::min<uint64_t>(size, n.args[1]->ival + 1);
      else if (!n.args[1]->type.is_integer()) error(n.args[1]->loc, "str() length must be an integer");
    }
    if (t.kind == TypeKind::String) size = std::min<uint64_t>(size, t.size);
    n.type = make_string(static_cast<uint32_t>(size));
    n.type.user_space = t.user_space;
    return true;
  }
  if (f == "buf") {
    if (!want_args(n, 1, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    uint64_t size = config_.max_strlen;
    const Type &t = n.args[0]->type;
    if (t.kind == TypeKind::Array || t.kind == TypeKind::String) size = t.size;
    if (nargs == 2 && n.args[1]->kind == NodeKind::Integer) size = std::min<uint64_t>(size, n.args[1]->ival);
    n.type = make_simple(TypeKind::Buffer, static_cast<uint32_t>(4 + size));
    return true;
  }
  if (f == "ksym" || f == "usym") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer() && n.args[0]->type.kind != TypeKind::Pointer)
      error(n.loc, f + "() expects an integer or pointer argument");
    n.type = f == "ksym" ? make_simple(TypeKind::Ksym, 8) : make_simple(TypeKind::Usym, 16);
    return true;
  }
  if (f == "kstack" || f == "ustack") {
    if (!want_args(n, 0, 2)) return true;
    n.kind = NodeKind::Builtin;
    n.type = f == "kstack" ? make_simple(TypeKind::Kstack, 8) : make_simple(TypeKind::Ustack, 16);
    n.type.count = 127;
    for (auto &a : n.args) {
      if (a->kind == NodeKind::Integer) n.type.count = std::min<uint64_t>(a->ival, 127);
      else if (a->kind == NodeKind::Builtin && (a->name == "bpftrace" || a->name == "perf" || a->name == "raw"))
        n.type.name = a->name;
      else error(a->loc, f + "() takes a mode (bpftrace, perf, raw) and a frame limit");
    }
    n.args.clear();
    if (f == "kstack") uses_kstack_ = true;
    else uses_ustack_ = true;
    return true;
  }
  if (f == "strncmp") {
    if (!want_args(n, 3, 3)) return true;
    for (auto &a : n.args) check_expr(*a);
    if (n.args[0]->type.kind != TypeKind::String || n.args[1]->type.kind != TypeKind::String)
      error(n.loc, "strncmp() compares two strings");
    if (n.args[2]->kind != NodeKind::Integer) error(n.args[2]->loc, "strncmp() length must be an integer literal");
    n.type = make_int(8, true);
    return true;
  }
  if (f == "strcontains") {
    if (!want_args(n, 2, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    if (n.args[0]->type.kind != TypeKind::String || n.args[1]->type.kind != TypeKind::String)
      error(n.loc, "strcontains() needs two strings");
    n.type = make_bool();
    return true;
  }
  if (f == "strlen") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (n.args[0]->type.kind != TypeKind::String) error(n.args[0]->loc, "strlen() needs a string");
    n.type = make_int(8, false);
    return true;
  }
  if (f == "bswap") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.loc, only_supports("bswap", "integer", *n.args[0]));
    n.type = n.args[0]->type;
    n.type.kind = TypeKind::Int;
    return true;
  }
  if (f == "kptr" || f == "uptr") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer() && n.args[0]->type.kind != TypeKind::Pointer)
      error(n.loc, only_supports(f, "integer or pointer", *n.args[0]));
    n.type = n.args[0]->type;
    n.type.user_space = f == "uptr";
    return true;
  }
  if (f == "signal") {
    if (!opts_.unsafe) error(n.loc, "signal() is an unsafe function: compile with --unsafe to allow it");
    if (!want_args(n, 1, 1)) return true;
    Node &a = *n.args[0];
    if (a.kind == NodeKind::String) {
      auto number = signal_number(a.str);
      if (!number) {
        error(a.loc, "unknown signal '" + a.str + "'");
        return true;
      }
      a.kind = NodeKind::Integer;
      a.ival = static_cast<uint64_t>(*number);
      a.type = make_int(4, true);
      return true;
    }
    check_expr(a);
    if (!a.type.is_integer()) error(a.loc, "signal() needs a signal number or name");
    return true;
  }
  if (f == "kaddr") {
    if (!want_args(n, 1, 1)) return true;
    if (n.args[0]->kind != NodeKind::String) {
      error(n.args[0]->loc, "kaddr() needs a symbol name as a string literal");
      return true;
    }
    // Resolved on the target host when the tool starts, not here.
    auto it = std::find(kaddr_symbols_.begin(), kaddr_symbols_.end(), n.args[0]->str);
    n.id = static_cast<int>(it - kaddr_symbols_.begin());
    if (it == kaddr_symbols_.end()) kaddr_symbols_.push_back(n.args[0]->str);
    n.type = make_int(8, false);
    return true;
  }
  if (f == "uaddr") {
    if (!want_args(n, 1, 1)) return true;
    if (n.args[0]->kind != NodeKind::String) {
      error(n.args[0]->loc, "uaddr() needs a symbol name as a string literal");
      return true;
    }
    if (provider_ != "uprobe" && provider_ != "uretprobe" && provider_ != "usdt") {
      error(n.loc, "uaddr() can only be used in uprobe, uretprobe and usdt probes");
      return true;
    }
    // Resolved in the probe's binary on the target host when the tool starts.
    const AttachPoint &ap = probe_->attach_points[0];
    UaddrSymbol sym{ap.target, n.args[0]->str, provider_ == "uprobe" && !ap.need_expansion ? ap.func : ""};
    auto it = std::find(uaddr_symbols_.begin(), uaddr_symbols_.end(), sym);
    n.id = static_cast<int>(it - uaddr_symbols_.begin());
    if (it == uaddr_symbols_.end()) uaddr_symbols_.push_back(sym);
    n.type = make_pointer(make_int(8, false), true);
    return true;
  }
  if (f == "getopt") {
    if (!want_args(n, 1, 3)) return true;
    if (n.args[0]->kind != NodeKind::String || n.args[0]->str.empty()) {
      error(n.args[0]->loc, "getopt() needs the option name as a string literal");
      return true;
    }
    ProgramOption opt;
    opt.name = n.args[0]->str;
    opt.kind = ProgramOption::Bool;
    opt.default_value = "0";
    if (nargs >= 2) {
      Node &d = *n.args[1];
      bool negative = d.kind == NodeKind::Unary && d.op == "-" && d.lhs->kind == NodeKind::Integer;
      if (d.kind == NodeKind::Bool) {
        opt.default_value = d.ival ? "1" : "0";
      } else if (d.kind == NodeKind::Integer || negative) {
        opt.kind = ProgramOption::Int;
        opt.default_value = negative ? "-" + std::to_string(d.lhs->ival) : std::to_string(d.ival);
      } else if (d.kind == NodeKind::String) {
        opt.kind = ProgramOption::String;
        opt.default_value = d.str;
      } else {
        error(d.loc, "getopt() default must be a literal: true/false, an integer or a string");
      }
    }
    if (nargs == 3) {
      if (n.args[2]->kind != NodeKind::String) error(n.args[2]->loc, "getopt() description must be a string literal");
      else opt.description = n.args[2]->str;
    }
    auto it = std::find_if(program_options_.begin(), program_options_.end(),
                           [&](const ProgramOption &o) { return o.name == opt.name; });
    if (it != program_options_.end() && it->kind != opt.kind)
      error(n.loc, "option '" + opt.name + "' is used with two different types");
    n.id = static_cast<int>(it - program_options_.begin());
    if (it == program_options_.end()) program_options_.push_back(opt);
    n.type = opt.kind == ProgramOption::Bool  ? make_bool()
             : opt.kind == ProgramOption::Int ? make_int(8, true)
                                              : make_string(256);
    return true;
  }
  if (f == "reg") {
    if (!want_args(n, 1, 1)) return true;
    static const std::set<std::string> regs = {"ip", "pc", "sp", "ax", "bx", "cx", "dx", "si", "di", "bp",
                                               "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                                               "flags", "orig_ax", "cs", "ss"};
    if (n.args[0]->kind != NodeKind::String || !regs.count(n.args[0]->str)) {
      error(n.args[0]->loc, "reg() needs an x86_64 register name such as \"ip\", \"sp\" or \"di\"");
      return true;
    }
    if (provider_ != "kprobe" && provider_ != "kretprobe" && provider_ != "uprobe" && provider_ != "uretprobe" &&
        provider_ != "usdt")
      error(n.loc, "reg() can only be used in kprobe and uprobe probes");
    n.type = make_int(8, false);
    return true;
  }
  if (f == "strftime") {
    if (!want_args(n, 2, 2)) return true;
    check_expr(*n.args[1]);
    if (n.args[0]->kind != NodeKind::String) {
      check_expr(*n.args[0]);
      error(n.loc, "strftime() expects a string literal (" + kind_name(n.args[0]->type) + " provided)");
    } else if (!n.args[1]->type.is_integer()) {
      error(n.loc, only_supports("strftime", "int", *n.args[1]));
    }
    n.type = make_simple(TypeKind::Timestamp, 8);
    n.type.name = n.args[0]->kind == NodeKind::String ? n.args[0]->str : "";
    return true;
  }
  if (f == "strerror") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.args[0]->loc, "strerror() needs an error number");
    n.type = make_simple(TypeKind::StrError, 8);
    return true;
  }
  if (f == "ntop") {
    if (!want_args(n, 1, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    const Type &addr = n.args.back()->type;
    bool ok = (addr.is_integer() && addr.size <= 4 && nargs == 1) || addr.is_integer() ||
              ((addr.kind == TypeKind::Array || addr.kind == TypeKind::String) && (addr.size == 4 || addr.size == 16));
    if (!ok) error(n.args.back()->loc, "ntop() needs an IPv4 address (integer or 4 bytes) or an IPv6 address (16 bytes)");
    if (nargs == 2 && !n.args[0]->type.is_integer()) error(n.args[0]->loc, "ntop() address family must be an integer");
    n.type = make_simple(TypeKind::Inet, 20);
    return true;
  }
  if (f == "macaddr") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (t.kind != TypeKind::Pointer && !((t.kind == TypeKind::Array || t.kind == TypeKind::String) && t.size >= 6))
      error(n.args[0]->loc, "macaddr() needs a pointer to or an array of 6 bytes");
    n.type = make_simple(TypeKind::MacAddr, 6);
    return true;
  }
  if (f == "join") {
    if (!want_args(n, 1, 2)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (t.kind != TypeKind::Pointer && !t.is_integer())
      error(n.args[0]->loc, "join() needs an array of string pointers such as args.argv");
    std::string sep = " ";
    if (nargs == 2) {
      if (n.args[1]->kind != NodeKind::String) error(n.args[1]->loc, "join() separator must be a string literal");
      else sep = n.args[1]->str;
    }
    if (final_walk_) {
      n.id = static_cast<int>(join_separators_.size());
      join_separators_.push_back(sep);
    }
    return true;
  }
  // --- watchpoints ---
  if (f == "unwatch") {
    // Asynchronous: the tool removes every watchpoint on this address.
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (!t.is_integer() && t.kind != TypeKind::Pointer && !t.is_none())
      error(n.args[0]->loc, "unwatch() needs an address (an integer), not '" + t.to_string() + "'");
    n.type = make_void();
    return true;
  }
  return false;
}

// Returns false when `n` is none of these calls.
bool Analyser::check_stdlib_call(Node &n) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  if (f == "pid" || f == "tid") {
    // pid(curr_ns) / pid(init): the namespace the id is seen from.
    if (!want_args(n, 0, 1)) return true;
    n.type = make_int(4, false);
    Node &mode = *n.args[0];
    bool known = mode.kind == NodeKind::Builtin && (mode.name == "curr_ns" || mode.name == "init");
    if (!known) error(mode.loc, f + "() takes curr_ns or init");
    n.ival = known && mode.name == "init";  // the argument stays, but is not evaluated
    return true;
  }
  if (f == "nsecs") {
    if (!want_args(n, 0, 1)) return true;
    n.type = make_int(8, false);
    static const std::vector<std::string> clocks = {"boot", "monotonic", "tai", "sw_tai"};
    Node &mode = *n.args[0];
    auto it = mode.kind == NodeKind::Builtin ? std::find(clocks.begin(), clocks.end(), mode.name) : clocks.end();
    if (it == clocks.end()) error(mode.loc, "nsecs() takes boot, monotonic, tai or sw_tai");
    n.ival = it == clocks.end() ? 0 : static_cast<uint64_t>(it - clocks.begin());
    return true;
  }
  if (f == "comm") {
    // comm(pid): the name of another process, read through bpf_task_from_pid().
    if (!want_args(n, 1, 1)) return true;
    want_integer(n, 0);
    n.type = make_string(16);
    // The verifier refuses the kfunc in raw_tp (BEGIN/END/self) and kprobe
    // (uprobe, usdt) programs, in bpftrace's too.
    ProgramKind kind = program_kind(provider_);
    if (kind == ProgramKind::RunOnce || kind == ProgramKind::Kprobe)
      error(n.loc, "comm(pid) can not be used in " + provider_ +
                       " probes: the kernel allows bpf_task_from_pid() only in tracepoint, rawtracepoint, "
                       "fentry/fexit, iter and perf-event (profile, interval, software, hardware) programs");
    // Reported as bpftrace's comm(pid) does; the second follows the first.
    n.id = register_format(n, FormatKind::Warnf,
                           "'bpf_task_from_pid kfunc', which is used for getting the process comm, is not "
                           "supported on your system.", {});
    register_format(n, FormatKind::Warnf, "No such process (pid=%d)", {make_int(8, true)});
    return true;
  }
  if (f == "pcomm" || f == "leader_comm") {
    if (!want_args(n, 1, 1)) return true;
    want_task(n, 0);
    n.type = make_string(16);
    return true;
  }
  if (f == "ppid" || f == "leader_tid") {
    if (!want_args(n, 1, 1)) return true;
    want_task(n, 0);
    n.type = make_int(4, false);
    return true;
  }
  if (f == "signal_thread") {
    if (!opts_.unsafe) error(n.loc, "signal_thread() is an unsafe function: compile with --unsafe to allow it");
    if (!want_args(n, 1, 1)) return true;
    static const std::set<std::string> providers = {"kprobe", "kretprobe", "uprobe", "uretprobe", "usdt", "tracepoint",
                                                    "profile", "fentry", "fexit", "rawtracepoint"};
    if (!providers.count(provider_)) error(n.loc, "signal_thread() can not be used with '" + provider_ + "' probes");
    Node &a = *n.args[0];
    if (a.kind == NodeKind::Integer && (a.ival < 1 || a.ival > 64)) {
      error(a.loc, "signal_thread() accepts a string literal or an integer between 1 and 64 (inclusive)");
      return true;
    }
    if (a.kind == NodeKind::String) {
      auto number = signal_number(a.str);
      if (!number) error(a.loc, "unknown signal '" + a.str + "'");
      a.kind = NodeKind::Integer;
      a.ival = static_cast<uint64_t>(number.value_or(0));
    }
    check_expr(a);
    if (!a.type.is_integer() || (a.kind != NodeKind::Integer && a.type.is_signed))
      error(a.loc, "signal_thread() accepts a string literal or an unsigned integer");
    return true;
  }
  if (f == "strstr") {
    if (!want_args(n, 2, 2)) return true;
    want_string(n, 0);
    want_string(n, 1);
    n.type = make_int(8, true);
    return true;
  }
  if (f == "strcap") {
    // The capacity of a string or char array is known here; a pointer's is its strlen.
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (t.kind == TypeKind::String || t.kind == TypeKind::Array) {
      uint64_t cap = t.kind == TypeKind::String ? t.size : t.count;
      n.kind = NodeKind::Integer;
      n.ival = cap;
      n.args.clear();
      n.type = make_int(8, false);
      return true;
    }
    if (t.kind != TypeKind::Pointer)
      error(n.args[0]->loc, "strcap() needs a string, a char array or a char pointer, not '" + t.to_string() + "'");
    n.type = make_int(8, false);
    return true;
  }
  if (f == "memcmp") {
    if (!want_args(n, 3, 3)) return true;
    for (auto &a : n.args) check_expr(*a);
    for (size_t i = 0; i < 2; i++) {
      const Type &t = n.args[i]->type;
      bool bytes = t.is_integer() || t.kind == TypeKind::String || t.kind == TypeKind::Array ||
                   t.kind == TypeKind::Buffer || t.kind == TypeKind::Tuple || t.kind == TypeKind::Record;
      if (!bytes) error(n.args[i]->loc, "memcmp() can not compare a value of type '" + t.to_string() + "'");
    }
    if (!n.args[2]->type.is_integer()) error(n.args[2]->loc, "memcmp() count must be an integer");
    n.type = make_int(4, true);
    return true;
  }
  if (f == "syscall_name" || f == "signal_name") {
    if (!want_args(n, 1, 1)) return true;
    want_integer(n, 0);
    n.type = make_string(64);
    return true;
  }
  if (f == "is_err") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (!t.is_integer() && t.kind != TypeKind::Pointer)
      error(n.args[0]->loc, "is_err() needs a pointer or an integer, not '" + t.to_string() + "'");
    n.type = make_bool();
    return true;
  }
  if (f == "is_array" || f == "is_integer" || f == "is_ptr" || f == "is_str" || f == "is_unsigned_integer" ||
      f == "is_literal") {
    // Answered here from the argument's type; the argument is not evaluated.
    if (!want_args(n, 1, 1)) return true;
    Node &a = *n.args[0];
    check_expr(a);
    const Type &t = a.type;
    bool v = f == "is_array"              ? t.kind == TypeKind::Array
             : f == "is_integer"          ? t.kind == TypeKind::Int
             : f == "is_ptr"              ? t.kind == TypeKind::Pointer
             : f == "is_str"              ? t.kind == TypeKind::String
             : f == "is_unsigned_integer" ? t.kind == TypeKind::Int && !t.is_signed
                                          : is_literal_node(a);
    n.kind = NodeKind::Bool;
    n.ival = v;
    n.args.clear();
    n.type = make_bool();
    return true;
  }
  if (f == "find") {
    // find(@m, key, $v): true when key is in @m, and then $v holds its value.
    if (!want_args(n, 3, 3)) return true;
    MapInfo *m = want_map_and_key(n);
    Node &var = *n.args[2];
    n.type = make_bool();
    if (var.kind != NodeKind::Variable) {
      error(var.loc, "find() stores the value in a scratch variable such as $v");
      return true;
    }
    if (!m || m->value.is_none()) return true;
    if (m->value.is_aggregation()) {
      error(n.args[0]->loc, "find() needs a map of plain values, " + m->name + " holds " + m->value.to_string() + " values");
      return true;
    }
    ScratchVar *v = find_var(var.name);
    if (!v) v = &define_var(var.name, m->value, var.loc);
    else v->type = unify(v->type, storage_type(m->value), var.loc, "variable " + var.name);
    var.type = v->type;
    var.id = v->slot;
    return true;
  }
  if (f == "assert") {
    // assert(cond, msg): when cond is false, errorf("assert failed: %s", msg) and exit(1).
    if (!want_args(n, 2, 2)) return true;
    check_expr(*n.args[0]);
    if (!is_truthy(n.args[0]->type))
      error(n.args[0]->loc, "assert() condition must be an integer, a boolean or a pointer, not '" +
                                n.args[0]->type.to_string() + "'");
    want_string(n, 1);
    if (loop_depth_ > 0) error(n.loc, "assert() can not be used inside a loop");
    n.id = register_format(n, FormatKind::Errorf, "assert failed: %s", {n.args[1]->type});
    return true;
  }
  if (f == "static_assert") {
    if (!want_args(n, 2, 2)) return true;
    check_expr(*n.args[0]);
    if (n.args[1]->kind != NodeKind::String) {
      error(n.args[1]->loc, "static_assert() message must be a string literal");
      return true;
    }
    auto v = fold_constant(*n.args[0]);
    if (!v) error(n.args[0]->loc, "static_assert() needs a condition known at compile time");
    else if (!*v && reach() != Reach::Dead) error(n.loc, n.args[1]->str);
    return true;
  }
  if (f == "fail") {
    // A compile-time error where reached; under a condition on positional
    // parameters the produced tool reports it when the branch runs.
    if (nargs < 1 || n.args[0]->kind != NodeKind::String) {
      error(nargs ? n.args[0]->loc : n.loc, "fail() needs a format string literal as its first argument");
      return true;
    }
    std::vector<const Node *> args;
    bool literals = true;
    for (size_t i = 1; i < nargs; i++) {
      check_expr(*n.args[i]);
      if (!is_literal_node(*n.args[i])) error(n.args[i]->loc, "fail() arguments must be literals");
      literals = literals && is_literal_node(*n.args[i]);
      args.push_back(n.args[i].get());
    }
    if (!literals) return true;
    std::string why;
    auto message = format_literal_message(n.args[0]->str, args, why);
    if (!message) {
      error(n.args[0]->loc, why);
      return true;
    }
    n.ival = reach() == Reach::AtStart;
    if (reach() == Reach::Live) error(n.loc, *message);
    if (reach() == Reach::AtStart) check_format_call(n, FormatKind::Errorf, 0);
    return true;
  }
  if (f == "pton") {
    if (!want_args(n, 1, 1)) return true;
    Node &a = *n.args[0];
    unsigned char bytes[16] = {};
    bool v6 = a.kind == NodeKind::String && a.str.find(':') != std::string::npos;
    bool ok = a.kind == NodeKind::String && inet_pton(v6 ? AF_INET6 : AF_INET, a.str.c_str(), bytes) == 1;
    if (!ok) error(a.loc, "pton() needs an IPv4 or IPv6 address as a string literal");
    n.str.assign(reinterpret_cast<char *>(bytes), v6 ? 16 : 4);
    n.type = make_simple(TypeKind::Array, v6 ? 16 : 4);
    n.type.count = v6 ? 16 : 4;
    n.type.elem = std::make_shared<Type>(make_int(1, false));
    return true;
  }
  return false;
}

// Returns false when `n` is none of these calls.
bool Analyser::check_kernel_object_call(Node &n) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  // --- kernel objects (percpu_kaddr, cgroupid, cgroup_path, path,
  // socket_cookie, skboutput, override, write_user, kfunc_exist/allowed) ---
  // Helpers the kernel gives only to some program types: the tool checks
  // and explains them on the target (runtime-template/helper_support.cpp).
  auto restricted = [&] { probe_info_->restricted_calls.insert(f); };
  auto only_in = [&](const std::set<std::string> &providers, const std::string &what) {
    for (const auto &ap : probe_->attach_points)
      if (!providers.count(ap.provider)) {
        error(n.loc, f + "() can only be used in " + what + " probes, not in " + ap.provider + " probes");
        return false;
      }
    return true;
  };
  auto want_string_literal = [&](size_t i, const std::string &what) {
    if (n.args[i]->kind == NodeKind::String) return true;
    error(n.args[i]->loc, f + "() needs " + what + " as a string literal");
    return false;
  };
  auto is_struct_pointer = [](const Type &t, const std::string &name) {
    return t.kind == TypeKind::Pointer && t.elem && t.elem->kind == TypeKind::Struct && t.elem->name == name;
  };
  if (f == "percpu_kaddr") {
    n.type = make_int(8, false);
    if (!want_args(n, 1, 2) || !want_string_literal(0, "the variable name")) return true;
    if (nargs == 2) {
      check_expr(*n.args[1]);
      if (!n.args[1]->type.is_integer()) error(n.args[1]->loc, "percpu_kaddr() cpu must be an integer");
    }
    // The type comes from the build host's BTF (as bpftrace checks it at
    // compile time); the address is resolved by libbpf on the target.
    auto var = btf_.variable_type(n.args[0]->str);
    if (!var) {
      error(n.args[0]->loc, "Could not resolve variable \"" + n.args[0]->str + "\" from BTF");
      return true;
    }
    PercpuSymbol sym{n.args[0]->str, BtfTypes::c_declaration(*var, n.args[0]->str)};
    auto it = std::find(percpu_symbols_.begin(), percpu_symbols_.end(), sym);
    n.id = static_cast<int>(it - percpu_symbols_.begin());
    if (it == percpu_symbols_.end()) percpu_symbols_.push_back(sym);
    return true;
  }
  if (f == "cgroupid") {
    n.type = make_int(8, false);
    if (!want_args(n, 1, 1)) return true;
    // bpftrace resolves the path at compile time; a shipped tool resolves
    // it on the target when it starts (rodata).
    CgroupIdSite site;
    Node &a = *n.args[0];
    if (a.kind == NodeKind::String) {
      site.path = a.str;
    } else if (a.kind == NodeKind::Call && a.name == "str" && a.args.size() == 1 &&
               a.args[0]->kind == NodeKind::Positional && a.args[0]->name != "#") {
      site.positional = static_cast<int>(a.args[0]->ival);
      max_positional_ = std::max(max_positional_, site.positional);
    } else {
      error(a.loc, "cgroupid() needs a cgroup path as a string literal or str($N)");
      return true;
    }
    auto it = std::find(cgroupid_sites_.begin(), cgroupid_sites_.end(), site);
    n.id = static_cast<int>(it - cgroupid_sites_.begin());
    if (it == cgroupid_sites_.end()) cgroupid_sites_.push_back(site);
    return true;
  }
  if (f == "cgroup_path") {
    n.type = make_simple(TypeKind::CgroupPath, 8);
    n.type.name = "*";  // the hierarchy filter: printed paths are resolved in userspace
    if (!want_args(n, 1, 2)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.args[0]->loc, "cgroup_path() needs a cgroup id (an integer)");
    if (nargs == 2 && want_string_literal(1, "the hierarchy filter")) n.type.name = n.args[1]->str;
    return true;
  }
  if (f == "path") {
    if (!want_args(n, 1, 2)) return true;
    check_expr(*n.args[0]);
    uint64_t size = config_.max_strlen;
    if (nargs == 2) {
      if (n.args[1]->kind != NodeKind::Integer) error(n.args[1]->loc, "path(): invalid size value, need a non-negative literal");
      else size = std::min<uint64_t>(size, n.args[1]->ival);
    }
    n.type = make_string(static_cast<uint32_t>(std::max<uint64_t>(size, 1)));
    const Type &t = n.args[0]->type;
    bool ok = is_struct_pointer(t, "struct path") || (t.kind == TypeKind::Struct && t.name == "struct path" &&
                                                      n.args[0]->kind == NodeKind::Field);
    if (!ok) error(n.args[0]->loc, "path() needs a 'struct path *' or a 'struct path' field, not '" + t.to_string() + "'");
    if (only_in({"fentry", "fexit", "iter"}, "'fentry', 'fexit' and 'iter'")) restricted();
    return true;
  }
  if (f == "socket_cookie") {
    n.type = make_int(8, false);
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (!is_struct_pointer(t, "struct sock"))
      error(n.args[0]->loc, "socket_cookie() only supports 'struct sock *' as the argument ('" + t.to_string() +
                                "' provided)");
    // bpf_get_socket_cookie() takes a BTF socket pointer only in tracing programs.
    if (only_in({"fentry", "fexit", "iter"}, "'fentry', 'fexit' and 'iter'")) restricted();
    return true;
  }
  if (f == "skboutput") {
    n.type = make_int(4, false);
    if (!want_args(n, 4, 4)) return true;
    bool file_ok = want_string_literal(0, "the pcap file name");
    for (size_t i = 1; i < 4; i++) check_expr(*n.args[i]);
    if (!is_struct_pointer(n.args[1]->type, "struct sk_buff"))
      error(n.args[1]->loc, "skboutput() needs a 'struct sk_buff *', not '" + n.args[1]->type.to_string() + "'");
    if (!n.args[2]->type.is_integer()) error(n.args[2]->loc, "skboutput() capture length must be an integer");
    if (n.args[3]->kind != NodeKind::Integer) error(n.args[3]->loc, "skboutput() offset must be an integer literal");
    if (only_in({"fentry", "fexit"}, "'fentry' and 'fexit'")) restricted();
    if (final_walk_ && file_ok && n.args[3]->kind == NodeKind::Integer) {
      n.id = static_cast<int>(skboutput_sites_.size());
      skboutput_sites_.push_back({n.args[0]->str, n.args[3]->ival});
    }
    return true;
  }
  if (f == "override") {
    if (!opts_.unsafe) error(n.loc, "override() is an unsafe function: compile with --unsafe to allow it");
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.args[0]->loc, "override() needs an integer return value");
    if (only_in({"kprobe"}, "'kprobe'")) restricted();
    return true;
  }
  if (f == "write_user") {
    n.type = make_int(8, true);
    if (!opts_.unsafe) error(n.loc, "write_user() is an unsafe function: compile with --unsafe to allow it");
    if (!want_args(n, 3, 3)) return true;
    for (auto &a : n.args) check_expr(*a);
    const Type &dst = n.args[0]->type, &src = n.args[1]->type, &len = n.args[2]->type;
    if (!dst.is_integer() && dst.kind != TypeKind::Pointer)
      error(n.args[0]->loc, "write_user() destination must be a user address (a pointer or an integer)");
    bool memory = src.kind == TypeKind::String || src.kind == TypeKind::Array || src.kind == TypeKind::Buffer;
    if (!memory && !src.is_integer())
      error(n.args[1]->loc, "write_user() source must be a string, an array, a buffer or an integer, not '" +
                                src.to_string() + "'");
    uint32_t src_size = src.kind == TypeKind::Buffer ? src.size - 4 : src.is_integer() ? 8 : src.size;
    if (!len.is_integer()) error(n.args[2]->loc, "write_user() length must be an integer");
    else if (n.args[2]->kind == NodeKind::Integer && (n.args[2]->ival == 0 || n.args[2]->ival > src_size))
      error(n.args[2]->loc, "write_user() length must be between 1 and the source size (" + std::to_string(src_size) +
                                " bytes)");
    restricted();  // the kernel may forbid it (lockdown)
    return true;
  }
  if (f == "kfunc_exist" || f == "kfunc_allowed") {
    n.type = make_bool();
    if (!want_args(n, 1, 1) || !want_string_literal(0, "the kernel function name")) return true;
    // bpftrace folds these at compile time on the host it runs on; for a
    // shipped tool that host is the target, so the tool asks the running
    // kernel's BTF (and, for kfunc_allowed, its verifier, for this probe's
    // program type) when it starts: rodata booleans.
    KfuncQuery q{n.args[0]->str, f == "kfunc_allowed" ? provider_ : ""};
    auto it = std::find(kfunc_queries_.begin(), kfunc_queries_.end(), q);
    n.id = static_cast<int>(it - kfunc_queries_.begin());
    if (it == kfunc_queries_.end()) kfunc_queries_.push_back(q);
    return true;
  }
  return false;
}

// ------------------------------------------------------ functions --
// `fn name($a: T, ...): R { ... }`: parameters and results are any value a
// variable can hold (integers, booleans, pointers, strings, buffers, tuples,
// records, struct values, ...); the body is checked like a probe body
// without a probe context; every path of a function with a result must
// `return` one.

static bool fn_value_type_ok(const Type &t) {
  if (t.is_none() || t.kind == TypeKind::Void || t.is_aggregation()) return false;
  return t.kind != TypeKind::Struct || t.is_struct_value();
}

// Whether a value of type `from` can be passed as / returned as `to`.
static bool fn_accepts(const Type &to, const Type &from) {
  if (from.is_none()) return true;
  if (to.is_integer()) return from.is_integer() || from.kind == TypeKind::Bool;
  if (to.kind == TypeKind::Bool) return from.kind == TypeKind::Bool || from.is_integer();
  if (to.kind == TypeKind::Pointer) return from.kind == TypeKind::Pointer;
  if (to.kind == TypeKind::String) return from.kind == TypeKind::String && from.size <= to.size;
  if (to.kind == TypeKind::Struct) return from.kind == TypeKind::Struct && from.name == to.name;
  if (to.kind == TypeKind::Tuple || to.kind == TypeKind::Record) {
    if (from.kind != to.kind || from.fields.size() != to.fields.size()) return false;
    for (size_t i = 0; i < to.fields.size(); i++)
      if (from.fields[i].name != to.fields[i].name || !fn_accepts(*to.fields[i].type, *from.fields[i].type))
        return false;
    return true;
  }
  if (to.kind == TypeKind::Buffer) return from.kind == TypeKind::Buffer && from.size <= to.size;
  return from == to;
}

static bool returns_on_all_paths(const std::vector<NodePtr> &stmts);

// Whether statement `s` returns on every path through it.
static bool stmt_returns(const Node &s) {
  if (s.kind == NodeKind::Return) return true;
  if (s.kind == NodeKind::Block) return returns_on_all_paths(s.body);
  if (s.kind != NodeKind::If || !s.els || !returns_on_all_paths(s.body)) return false;
  return s.els->kind == NodeKind::If ? stmt_returns(*s.els) : returns_on_all_paths(s.els->body);
}

static bool returns_on_all_paths(const std::vector<NodePtr> &stmts) {
  for (const auto &s : stmts)
    if (stmt_returns(*s)) return true;
  return false;
}

Type Analyser::resolve_fn_type(const TypeSpec &spec, const std::string &what) {
  if (spec.base == "void" && spec.pointer_depth == 0 && !spec.array_size) return make_void();
  Type t = resolve_type_spec(spec);
  if ((t.kind == TypeKind::Struct && spec.pointer_depth == 0 && !spec.array_size) || t.kind == TypeKind::Tuple ||
      t.kind == TypeKind::Record)
    t = value_type(t);
  if (!fn_value_type_ok(t)) {
    error(spec.loc, what + " has type '" + t.to_string() + "', which is not a value a function can take or return");
    return make_int(8, true);
  }
  return t;
}

void Analyser::declare_functions() {
  final_walk_ = true;  // signatures are checked once, before the walks: report now
  for (auto &f : program_.functions) {
    if (function_ids_.count(f.name)) {
      diags_.error(f.loc, "function '" + f.name + "' is already defined");
      continue;
    }
    FunctionInfo fi;
    fi.def = &f;
    std::set<std::string> seen;
    for (auto &p : f.params) {
      if (!seen.insert(p.name).second) diags_.error(p.type.loc, "parameter " + p.name + " is declared twice");
      Type t = resolve_fn_type(p.type, "parameter " + p.name);
      if (t.kind == TypeKind::Void) {
        diags_.error(p.type.loc, "parameter " + p.name + " can not be void");
        t = make_int(8, true);
      }
      fi.params.push_back(t);
    }
    fi.ret = f.return_type ? resolve_fn_type(*f.return_type, "the result of '" + f.name + "'") : make_void();
    if (fi.ret.kind != TypeKind::Void && !returns_on_all_paths(f.body))
      diags_.error(f.loc, "not every path through function '" + f.name + "' returns a value");
    function_ids_[f.name] = static_cast<int>(functions_.size());
    functions_.push_back(std::move(fi));
  }
  final_walk_ = false;
  find_exiting_functions();
}

static void collect_call_names(const Node *n, std::set<std::string> &out) {
  if (!n) return;
  if (n->kind == NodeKind::Call) out.insert(n->name);
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()}) collect_call_names(c, out);
  for (auto &a : n->args) collect_call_names(a.get(), out);
  for (auto &b : n->body) collect_call_names(b.get(), out);
}

// A function exits when its body calls exit() or a function that exits:
// the calling probe must then stop right after the call.
void Analyser::find_exiting_functions() {
  std::vector<std::set<std::string>> calls(functions_.size());
  for (size_t i = 0; i < functions_.size(); i++) {
    for (auto &s : functions_[i].def->body) collect_call_names(s.get(), calls[i]);
    functions_[i].exits = calls[i].count("exit") > 0 && !function_ids_.count("exit");
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < functions_.size(); i++) {
      if (functions_[i].exits) continue;
      for (const auto &name : calls[i]) {
        auto it = function_ids_.find(name);
        if (it != function_ids_.end() && functions_[it->second].exits) {
          functions_[i].exits = changed = true;
          break;
        }
      }
    }
  }
}

void Analyser::check_function(FunctionInfo &fi) {
  function_ = &fi;
  probe_ = nullptr;
  probe_info_ = &fi.locals;
  fi.locals.vars.clear();
  provider_.clear();
  scopes_.clear();
  push_scope();
  loop_depth_ = 0;
  for (size_t i = 0; i < fi.params.size(); i++) {
    const FnParam &p = fi.def->params[i];
    define_var(p.name, fi.params[i], p.type.loc);
  }
  check_block(fi.def->body);
  pop_scope();
  function_ = nullptr;
  // The caller lays a parameter out as declared: assignments in the body
  // must not widen it (a longer string).
  for (size_t i = 0; i < fi.params.size() && i < fi.locals.vars.size(); i++)
    if (fi.locals.vars[i].type != value_type(fi.params[i]) && final_walk_)
      error(fi.def->params[i].type.loc, "parameter " + fi.def->params[i].name + " is declared '" +
                                            fi.params[i].to_string() + "' but is assigned a '" +
                                            fi.locals.vars[i].type.to_string() + "' in the function");
}

void Analyser::check_fn_call(Node &n, int id) {
  FunctionInfo &fi = functions_[id];
  n.op = "fn";
  n.id = id;
  n.type = fi.ret;
  if (fi.exits && loop_depth_ > 0)
    error(n.loc, "function '" + n.name + "' calls exit(), which can not be used inside a loop");
  if (!check_fn_arg_count(n, fi.params.size())) return;
  for (size_t i = 0; i < n.args.size(); i++) {
    Node &a = *n.args[i];
    check_expr(a);
    if (!fn_accepts(fi.params[i], a.type))
      error(a.loc, "argument " + std::to_string(i + 1) + " of '" + n.name + "' (" + fi.def->params[i].name +
                       ") must be '" + fi.params[i].to_string() + "', not '" + a.type.to_string() + "'");
  }
}

// A call of a script fn or an imported C function passes all its parameters.
bool Analyser::check_fn_arg_count(const Node &n, size_t want) {
  if (n.args.size() == want) return true;
  error(n.loc, "function '" + n.name + "' takes " + std::to_string(want) + (want == 1 ? " argument" : " arguments") +
                   ", not " + std::to_string(n.args.size()));
  return false;
}

void Analyser::check_return(Node &n) {
  const std::string &name = function_->def->name;
  const Type &ret = function_->ret;
  if (n.lhs) check_expr(*n.lhs);
  if (ret.kind == TypeKind::Void) {
    if (n.lhs) error(n.lhs->loc, "function '" + name + "' returns no value (its result type is void)");
  } else if (!n.lhs) {
    error(n.loc, "function '" + name + "' must return a value of type '" + ret.to_string() + "'");
  } else if (!fn_accepts(ret, n.lhs->type)) {
    error(n.lhs->loc, "function '" + name + "' returns '" + ret.to_string() + "', not '" +
                          n.lhs->type.to_string() + "'");
  }
}

// A call of a function of an imported .bpf.c file: arguments are
// converted as C converts them; pointers must be passed as pointers.
void Analyser::check_c_call(Node &n, int id) {
  const CFunction &cf = c_functions_[id];
  n.op = "c";
  n.id = id;
  n.type = cf.ret.kind == TypeKind::Void ? make_void() : cf.ret;
  if (!check_fn_arg_count(n, cf.params.size())) return;
  for (size_t i = 0; i < n.args.size(); i++) {
    Node &a = *n.args[i];
    check_expr(a);
    const Type &want = cf.params[i];
    bool ok = a.type.is_none() || (want.kind == TypeKind::Pointer ? a.type.kind == TypeKind::Pointer
                                                                   : a.type.is_integer() || a.type.kind == TypeKind::Bool);
    if (!ok)
      error(a.loc, "argument " + std::to_string(i + 1) + " of '" + n.name + "' (" + cf.param_names[i] +
                       ") must be '" + want.to_string() + "', not '" + a.type.to_string() + "'");
  }
}

static void collect_fn_calls(const Node *n, std::set<int> &out) {
  if (!n) return;
  if (n->kind == NodeKind::Call && n->op == "fn") out.insert(n->id);
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()}) collect_fn_calls(c, out);
  for (auto &a : n->args) collect_fn_calls(a.get(), out);
  for (auto &b : n->body) collect_fn_calls(b.get(), out);
}

// Functions are inlined into the probes, so no function may call itself,
// directly or through others.
void Analyser::check_no_recursion() {
  std::vector<std::set<int>> calls(functions_.size());
  for (size_t i = 0; i < functions_.size(); i++)
    for (auto &s : functions_[i].def->body) collect_fn_calls(s.get(), calls[i]);
  for (size_t start = 0; start < functions_.size(); start++) {
    std::set<int> seen;
    std::vector<int> work(calls[start].begin(), calls[start].end());
    while (!work.empty()) {
      int f = work.back();
      work.pop_back();
      if (f == (int)start) {
        diags_.error(functions_[start].def->loc,
                     "function '" + functions_[start].def->name + "' calls itself: recursion is not supported");
        break;
      }
      if (seen.insert(f).second) work.insert(work.end(), calls[f].begin(), calls[f].end());
    }
  }
}

// -------------------------------------------------------- tseries --
// `@m[k] = tseries(value, interval, count[, "avg|max|min|sum"])`: the last
// `count` intervals of `interval` nanoseconds (a literal, usually with a
// unit: 100ms, 1s), each holding the last value recorded in it or the
// aggregate of its values.
void Analyser::check_tseries_assign(Node &n, MapInfo &m) {
  Node &call = *n.rhs;
  call.type = make_void();
  if (n.op != "=") return error(n.loc, "tseries() can only be assigned with '='");
  size_t got = call.args.size();
  if (got < 3 || got > 4)
    return error(call.loc, "tseries() takes 3 or 4 arguments (value, interval, number of intervals[, aggregation]), not " +
                               std::to_string(got));
  if (unstable_tseries_ == "error")
    return error(call.loc, "tseries feature is not enabled by default. To enable this unstable feature, set the "
                           "config flag to enable. unstable_tseries=enable");
  if (unstable_tseries_ == "warn" && !warned_tseries_) {
    warned_tseries_ = final_walk_;
    warning(call.loc, "tseries() is an unstable feature: set config 'unstable_tseries = enable' to silence this warning");
  }
  Node &value = *call.args[0];
  check_expr(value);
  if (!value.type.is_integer() && value.type.kind != TypeKind::Bool && !value.type.is_none())
    error(value.loc, "tseries() records integers, not '" + value.type.to_string() + "'");
  Type ts = make_simple(TypeKind::Tseries, sizeof(int64_t) * 3);
  ts.is_signed = value.type.is_signed;
  for (size_t i = 1; i <= 2; i++) {
    Node &a = *call.args[i];
    if (a.kind != NodeKind::Integer || a.ival == 0) {
      error(a.loc, i == 1 ? "tseries() interval must be a positive integer literal, e.g. 100ms or 1s"
                          : "tseries() number of intervals must be a positive integer literal");
      continue;
    }
    ts.agg_args[i - 1] = static_cast<int64_t>(a.ival);
  }
  if (ts.agg_args[1] > 1000000) error(call.args[2]->loc, "tseries() can keep at most 1000000 intervals");
  if (got == 4) {
    static const std::map<std::string, TseriesAgg> aggs = {
        {"avg", TseriesAgg::Avg}, {"max", TseriesAgg::Max}, {"min", TseriesAgg::Min}, {"sum", TseriesAgg::Sum}};
    Node &a = *call.args[3];
    auto it = a.kind == NodeKind::String ? aggs.find(a.str) : aggs.end();
    if (it == aggs.end()) error(a.loc, "tseries() aggregation must be \"avg\", \"max\", \"min\" or \"sum\"");
    else ts.agg_args[2] = static_cast<int64_t>(it->second);
  }
  if (!m.value.is_none() && m.value.kind == TypeKind::Tseries &&
      !std::equal(std::begin(m.value.agg_args), std::end(m.value.agg_args), std::begin(ts.agg_args)))
    return error(n.loc, "map " + m.name + " is given a tseries() with different parameters");
  call.type = ts;
  set_map_value(m, ts, n.loc);
  n.lhs->type = m.value;
  n.lhs->id = 0;
}

// The generated C includes vmlinux.h before the script's definitions: a
// struct/union named like a kernel one would be defined twice.
bool Analyser::check_script_types_unlike_kernel() {
  bool ok = true;
  for (const std::string &name : script_types_.records()) {
    if (!btf_.resolve(name)) continue;
    Location loc = program_.c_definitions[0].loc;
    for (const CDefinition &d : program_.c_definitions) {
      if (d.text.find(name + " ") != std::string::npos || d.text.find(name + "{") != std::string::npos) {
        loc = d.loc;
        break;
      }
    }
    diags_.error(loc, name + " is also a kernel type (the generated C includes vmlinux.h): give the script's " +
                          name.substr(0, name.find(' ')) + " another name");
    ok = false;
  }
  return ok;
}

// ------------------------------------------------------------------- run --

std::unique_ptr<CheckedProgram> Analyser::run() {
  std::string types_error;
  if (!script_types_.load(program_.c_definitions, types_error)) {
    diags_.error(program_.c_definitions.empty() ? Location{} : program_.c_definitions[0].loc,
                 "invalid C definition: " + types_error);
    return nullptr;
  }
  if (!check_script_types_unlike_kernel()) return nullptr;
  read_config();
  if (!load_c_imports(program_.c_imports, opts_.btf_file, c_functions_, diags_)) return nullptr;
  for (size_t i = 0; i < c_functions_.size(); i++) {
    const CFunction &cf = c_functions_[i];
    if (!c_function_ids_.emplace(cf.name, static_cast<int>(i)).second)
      diags_.error(cf.import_loc, "function '" + cf.name + "' is defined by two imported C files");
  }
  declare_maps();
  declare_functions();
  auto out = std::make_unique<CheckedProgram>();
  out->probes.resize(program_.probes.size());
  for (int walk = 0; walk < 2; walk++) {
    final_walk_ = walk == 1;
    formats_.clear();
    print_values_.clear();
    time_formats_.clear();
    program_options_.clear();
    join_separators_.clear();
    skboutput_sites_.clear();
    keyless_use_.clear();
    keyed_use_.clear();
    for (auto &fi : functions_) check_function(fi);
    for (size_t i = 0; i < program_.probes.size(); i++) {
      out->probes[i].probe = &program_.probes[i];
      program_.probes[i].id = static_cast<int>(i);
      check_probe(program_.probes[i], out->probes[i]);
    }
    if (walk == 0) {
      auto remember = [&](const ProbeInfo &info) {
        auto &types = first_walk_vars_[&info];
        for (auto &v : info.vars) types.push_back(v.type);
      };
      for (auto &fi : functions_) remember(fi.locals);
      for (auto &info : out->probes) remember(info);
    }
  }
  check_no_recursion();
  for (auto &[name, loc] : keyless_use_)
    if (keyed_use_.count(name))
      diags_.error(loc, "map " + name + " is used without a key here, but with a key elsewhere");
  for (auto &[name, m] : maps_)
    if (m.value.is_none() && m.declared)
      diags_.warning(m.first_use, "map " + name + " is declared but never used");
  if (diags_.has_errors()) return nullptr;

  out->program = &program_;
  out->config = config_;
  int id = 0;
  for (auto &[name, m] : maps_) {
    if (m.value.is_none()) continue;
    m.id = id++;
    if (m.bpf_type.empty()) m.bpf_type = m.value.is_aggregation() ? "percpu_hash" : "hash";
    bool bucketed = m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist;
    if (m.max_entries == 0) m.max_entries = m.is_scalar() && !bucketed ? 1 : config_.max_map_keys;
    if (m.value.kind == TypeKind::Tseries)  // one entry per key and interval
      m.max_entries = (m.is_scalar() ? 1 : m.max_entries) * static_cast<uint64_t>(m.value.agg_args[1]);
    out->map_ids[name] = m.id;
    out->maps.push_back(m);
  }
  for (const auto &m : out->maps) {
    collect_enums(m.key, *out);
    collect_enums(m.value, *out);
  }
  for (const auto &f : formats_)
    for (const auto &a : f.args) collect_enums(a, *out);
  for (const auto &p : print_values_) collect_enums(p.type, *out);
  out->formats = std::move(formats_);
  out->print_values = std::move(print_values_);
  out->time_formats = std::move(time_formats_);
  out->max_positional = max_positional_;
  out->unsafe = opts_.unsafe;
  out->string_positionals = string_positionals_;
  out->kaddr_symbols = kaddr_symbols_;
  out->uaddr_symbols = uaddr_symbols_;
  out->program_options = program_options_;
  out->script_records = script_types_.records();
  out->join_separators = join_separators_;
  out->percpu_symbols = percpu_symbols_;
  out->cgroupid_sites = cgroupid_sites_;
  out->kfunc_queries = kfunc_queries_;
  out->skboutput_sites = skboutput_sites_;
  out->uses_kstack = uses_kstack_;
  out->uses_ustack = uses_ustack_;
  out->uses_elapsed = uses_elapsed_;
  out->uses_ncpus = uses_ncpus_;
  out->uses_cpid = uses_cpid_;
  out->functions = std::move(functions_);
  out->c_functions = c_functions_;
  for (const auto &cf : c_functions_)
    if (std::find(out->c_sources.begin(), out->c_sources.end(), cf.source) == out->c_sources.end())
      out->c_sources.push_back(cf.source);
  for (auto &fi : out->functions) fi.locals.probe = nullptr;
  return out;
}

}  // namespace

std::unique_ptr<CheckedProgram> analyse(Program &program, Diagnostics &diags, const SemanticOptions &options) {
  Analyser analyser(program, diags, options);
  return analyser.run();
}

}  // namespace bt2bin

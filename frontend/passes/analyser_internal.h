// The semantic analyser's class, shared by the analyse_*.cpp files that
// implement it (internal to frontend/passes; the API is semantic_analyser.h).
//
// The walk runs twice: map types are global and a map may be read in one
// probe before the probe that assigns it, so the first walk only collects
// map types (diagnostics muted) and the second walk checks everything with
// all map types known. Integers stored in variables, map keys, map values
// and event records are 64-bit, as in bpftrace; narrower types survive only
// inside expressions (struct fields, casts) where they matter for loads.
//
// Member functions are declared below grouped by the file that defines them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "frontend/btf_types.h"
#include "frontend/checked_program.h"
#include "frontend/diagnostics.h"
#include "frontend/passes/semantic_analyser.h"
#include "frontend/script_types.h"

namespace bt2bin::detail {

// ---- helpers shared by several analyse_*.cpp files ----

// count, sum, avg, min, max, stats, hist, lhist: calls only a map assignment takes.
extern const std::set<std::string> kAggregations;

// The type a value has once stored in a variable, map or record
// (analyse_stored_types.cpp).
Type storage_type(const Type &t);

// The type of a slot that held `have` and is now given `want`, or nothing
// when the two do not mix (analyse_stored_types.cpp).
std::optional<Type> merged_type(const Type &have, const Type &want);

// Whether a value of type `t` can be a condition (analyse_statements.cpp).
bool is_truthy(const Type &t);

// bpftrace's wording for a call with the wrong number of arguments
// (analyse_calls.cpp).
std::string arg_count_error(const std::string &f, size_t lo, size_t hi, size_t got);

// "exit() only supports int arguments (string provided)" (analyse_calls.cpp).
std::string only_supports(const std::string &f, const std::string &what, const Node &arg);

// printf-style calls the kernel formats itself (analyse_formats.cpp).
struct KernelFormat;

class Analyser {
 public:
  Analyser(Program &program, Diagnostics &diags, const SemanticOptions &opts)
      : program_(program), diags_(diags), opts_(opts), btf_(opts.btf_file) {}

  // semantic_analyser.cpp: both walks, then the CheckedProgram.
  std::unique_ptr<CheckedProgram> run();

 private:
  // ---- diagnostics (muted during the first walk) ----
  void error(const Location &loc, const std::string &msg) {
    if (final_walk_) diags_.error(loc, msg);
    failed_ = true;
  }
  void warning(const Location &loc, const std::string &msg) {
    if (final_walk_) diags_.warning(loc, msg);
  }

  // ---- analyse_config.cpp ----
  void read_config();

  // ---- analyse_probes.cpp ----
  void check_probe(Probe &probe, ProbeInfo &info);
  Type args_type();
  void load_args(Probe &probe, ProbeInfo &info);
  void find_twins(Probe &probe, ProbeInfo &info);
  void find_fentry_twins(Probe &probe, const AttachPoint &ap, std::vector<AttachPoint> &twins);
  bool kprobe_can_stand_in(Probe &probe, const AttachPoint &ap, const ArgsInfo *args);
  std::optional<ArgsInfo> args_of(const AttachPoint &ap);
  bool uses_builtin(const Probe &probe, const std::string &name);
  bool uses_call(const Probe &probe, const std::string &name);

  // ---- analyse_statements.cpp (statements and scopes) ----
  void check_block(std::vector<NodePtr> &stmts);
  void check_stmt(Node &n);
  void check_assign(Node &n);
  void check_loop_body(Node &n, const Type *loop_var);
  ScratchVar *find_var(const std::string &name);
  ScratchVar &define_var(const std::string &name, const Type &type, const Location &loc);
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() { scopes_.pop_back(); }

  // ---- analyse_expressions.cpp ----
  void check_expr(Node &n);
  void check_unary(Node &n);

  // ---- analyse_operators.cpp ----
  void check_binary(Node &n);
  Type int_binary_type(Node &n, const Type &a, const Type &b);
  Type compound_type(const Node &assign, Type x, const Type &v);
  void check_fits_declared(const ScratchVar &v, const Node &value, const Location &loc);

  // ---- analyse_fields.cpp ----
  void check_field(Node &n);

  // ---- analyse_type_names.cpp (type specs, casts, enums, the script's C types) ----
  Type resolve_type_spec(const TypeSpec &spec);
  void check_cast(Node &n);
  bool resolve_enum_constant(Node &n);
  uint32_t probe_name_size() const;
  void check_enum_cast(const Node &n, const Type &to);
  void collect_enums(const Type &t, CheckedProgram &out);
  std::vector<std::pair<int64_t, std::string>> enum_values(const std::string &name);
  void shadow_kernel_records();
  const std::string &script_type_name(const std::string &name) const;
  std::map<std::string, std::string> shadowed_records_;  // "struct nameidata" -> "struct nameidata__script"

  // ---- analyse_stored_types.cpp (stored values, slot types) ----
  Type value_type(const Type &t);
  Type expand_structs(const Type &t, int depth = 0);
  Type struct_value(const Type &t, int depth);
  Type member_value(const Type &t, int depth);
  Type args_value();
  Type unify(const Type &have, const Type &want, const Location &loc, const std::string &what);
  void type_mismatch(const Type &have, const Type &want, const Location &loc, const std::string &what);

  // ---- analyse_maps.cpp ----
  void declare_maps();
  MapInfo &map_info(const std::string &name, const Location &loc);
  void set_map_value(MapInfo &m, const Type &value, const Location &loc);
  void set_map_key(MapInfo &m, const Type &key, const Location &loc);
  bool map_is_known(const std::string &name) const { return maps_.count(name) > 0; }
  void check_map_key(Node &map);
  void check_map_assign(Node &n);
  bool check_aggregate_copy(Node &n, MapInfo &target);

  // ---- analyse_tseries.cpp ----
  void check_tseries_assign(Node &n, MapInfo &m);

  // ---- analyse_formats.cpp ----
  void check_format_call(Node &n, FormatKind kind, size_t first_arg);
  bool check_format_args(const std::string &format, const std::vector<Type> &args, std::string &why,
                         int &arg_index);
  void check_debugf(const Node &n);
  bool is_seq_printf(const Node &n) const;
  void check_kernel_format(const Node &n, const KernelFormat &rules);
  int register_format(const Node &n, FormatKind kind, const std::string &format, const std::vector<Type> &args);

  // ---- analyse_calls.cpp: dispatch, and argument checks shared by the call checkers ----
  void check_call(Node &n);
  bool want_args(const Node &n, size_t lo, size_t hi);
  MapInfo *want_map(Node &n, size_t i);
  MapInfo *want_map_and_key(Node &n);
  void want_task(Node &n, size_t i);
  void want_integer(Node &n, size_t i);
  void want_string(Node &n, size_t i);
  // Each returns false when the call is not one of its family.
  bool check_output_call(Node &n);         // analyse_output_calls.cpp
  bool check_builtin_call(Node &n);        // analyse_builtin_calls.cpp
  bool check_stdlib_call(Node &n);         // analyse_stdlib.cpp
  bool check_kernel_object_call(Node &n);  // analyse_kernel_objects.cpp

  // ---- analyse_functions.cpp (fn definitions, imported C functions) ----
  void declare_functions();
  Type resolve_fn_type(const TypeSpec &spec, const std::string &what);
  void check_function(FunctionInfo &fi);
  void check_fn_call(Node &n, int id);
  void check_return(Node &n);
  bool check_fn_arg_count(const Node &n, size_t want);
  void check_no_recursion();
  void find_exiting_functions();
  void check_c_call(Node &n, int id);

  // ---- state ----
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
  // --- functions of imported .bpf.c files ---
  std::vector<CFunction> c_functions_;
  std::map<std::string, int> c_function_ids_;

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

  // --- tseries ---
  std::string unstable_tseries_ = "warn";
  bool warned_tseries_ = false;
};

}  // namespace bt2bin::detail

// Calls: check_call() hands a call to the checker of its family (the
// analyse_*_calls.cpp, analyse_stdlib.cpp, analyse_kernel_objects.cpp,
// analyse_formats.cpp and analyse_functions.cpp files), and the argument
// checks and messages those checkers share. Part of the semantic analyser
// (see analyser_internal.h).
#include "frontend/builtins.h"
#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

const std::set<std::string> kAggregations = {"count", "sum", "avg", "min", "max",
                                             "stats", "hist", "lhist"};

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

}  // namespace bt2bin::detail

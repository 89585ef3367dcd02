// bpftrace's newer stdlib functions, checked after the script's own fns:
// process builtins with arguments (pid(init), comm(pid), ppid(task), ...),
// string helpers, type predicates, find, assert, static_assert, fail,
// pton. Part of the semantic analyser (see analyser_internal.h);
// check_call() in analyse_calls.cpp dispatches.
#include <arpa/inet.h>

#include <algorithm>

#include "frontend/attach_point.h"
#include "frontend/builtins.h"
#include "frontend/passes/analyser_internal.h"
#include "frontend/passes/compile_time.h"

namespace bt2bin::detail {

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

}  // namespace bt2bin::detail

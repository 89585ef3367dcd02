// Calls that end the tool, print, or act on whole maps: exit, print,
// clear, zero, delete, has_key, len, time. Part of the semantic analyser
// (see analyser_internal.h); check_call() in analyse_calls.cpp dispatches.
#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

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

}  // namespace bt2bin::detail

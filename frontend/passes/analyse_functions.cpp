// Script functions (`fn name(...)`): signatures, bodies, calls, returns,
// which functions exit, no recursion; and calls of the functions of
// imported .bpf.c files. Part of the semantic analyser (see
// analyser_internal.h).
#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

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

}  // namespace bt2bin::detail

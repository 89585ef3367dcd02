// Statements: expression statements, assignments to variables, `let`, if,
// unroll, while and for loops, break/continue/return, blocks; and the
// scopes that hold scratch variables. Part of the semantic analyser (see
// analyser_internal.h).
#include "frontend/passes/analyser_internal.h"
#include "frontend/passes/compile_time.h"

namespace bt2bin::detail {

void Analyser::check_block(std::vector<NodePtr> &stmts) {
  for (auto &s : stmts) check_stmt(*s);
}

bool is_truthy(const Type &t) {
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

}  // namespace bt2bin::detail

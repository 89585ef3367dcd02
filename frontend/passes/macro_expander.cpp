// Macro expansion: every call of a script macro is replaced by a copy of its
// body, before semantic analysis (bpftrace's macro_expansion pass).
//
// Parameters bind as bpftrace's hygienic macros do: `$v` parameters alias
// the caller's variable (by reference), `@m` parameters rename the map, and
// bare identifiers are replaced by the argument expression. Variables the
// body declares itself get a name no script can write, so they never clash
// with the caller's. A call in an expression becomes a block expression
// whose value is the macro's final expression; a call as a statement
// becomes a block.
#include "frontend/passes/macro_expander.h"

#include <map>

namespace bt2bin {

namespace {

NodePtr clone(const Node &n);

std::unique_ptr<TypeSpec> clone_spec(const TypeSpec *t) {
  if (!t) return nullptr;
  auto c = std::make_unique<TypeSpec>();
  c->loc = t->loc;
  c->base = t->base;
  c->pointer_depth = t->pointer_depth;
  c->array_size = t->array_size;
  if (t->typeof_expr) c->typeof_expr = clone(*t->typeof_expr);
  return c;
}

NodePtr clone(const Node &n) {
  auto c = std::make_unique<Node>(n.kind, n.loc);
  c->name = n.name;
  c->op = n.op;
  c->str = n.str;
  c->text = n.text;
  c->ival = n.ival;
  c->names = n.names;
  for (auto [dst, src] : {std::pair{&c->lhs, &n.lhs}, {&c->rhs, &n.rhs}, {&c->cond, &n.cond}, {&c->els, &n.els}})
    if (*src) *dst = clone(**src);
  for (const auto &a : n.args) c->args.push_back(clone(*a));
  for (const auto &b : n.body) c->body.push_back(clone(*b));
  c->type_spec = clone_spec(n.type_spec.get());
  return c;
}

class Expander {
 public:
  Expander(Program &p, Diagnostics &d) : program_(p), diags_(d) {
    for (auto &m : p.macros) macros_[m.name] = &m;
  }

  bool run() {
    if (macros_.empty()) return true;
    for (auto &probe : program_.probes) {
      if (probe.predicate) expand_expr(probe.predicate);
      expand_block(probe.body);
    }
    for (auto &fn : program_.functions) expand_block(fn.body);
    return ok_;
  }

 private:
  struct Binding {
    std::map<std::string, std::string> vars;        // "$param" -> caller's "$var"
    std::map<std::string, std::string> maps;        // "@param" -> caller's "@map"
    std::map<std::string, const Node *> exprs;      // bare param -> argument expression
    std::map<std::string, std::string> locals;      // body's own "$x" -> hygienic name
  };

  void expand_block(std::vector<NodePtr> &stmts) {
    for (auto &s : stmts) expand_stmt(s);
  }

  void expand_stmt(NodePtr &s) {
    if (s->kind == NodeKind::ExprStmt && s->lhs && s->lhs->kind == NodeKind::Call && macros_.count(s->lhs->name)) {
      NodePtr block = expand_call(*s->lhs, /*as_statement=*/true);
      if (block) s = std::move(block);
      return;
    }
    expand_children(*s);
  }

  void expand_expr(NodePtr &e) {
    if (e->kind == NodeKind::Call && macros_.count(e->name)) {
      NodePtr value = expand_call(*e, /*as_statement=*/false);
      if (value) e = std::move(value);
      return;
    }
    // A bare identifier naming a zero-argument macro is a call.
    if (e->kind == NodeKind::Builtin && macros_.count(e->name) && macros_.at(e->name)->params.empty()) {
      Node call(NodeKind::Call, e->loc);
      call.name = e->name;
      NodePtr value = expand_call(call, false);
      if (value) e = std::move(value);
      return;
    }
    expand_children(*e);
  }

  void expand_children(Node &n) {
    for (NodePtr *c : {&n.lhs, &n.rhs, &n.cond, &n.els})
      if (*c) (*c)->is_expr() ? expand_expr(*c) : expand_stmt(*c);
    for (auto &a : n.args) expand_expr(a);
    for (auto &b : n.body) b->is_expr() ? expand_expr(b) : expand_stmt(b);
  }

  NodePtr expand_call(const Node &call, bool as_statement) {
    const MacroDef &m = *macros_.at(call.name);
    if (depth_ > 16) {
      diags_.error(call.loc, "macro '" + m.name + "' expands into itself too deeply");
      ok_ = false;
      return nullptr;
    }
    if (call.args.size() != m.params.size()) {
      diags_.error(call.loc, "macro '" + m.name + "' takes " + std::to_string(m.params.size()) + " argument" +
                                 (m.params.size() == 1 ? "" : "s") + ", not " + std::to_string(call.args.size()));
      ok_ = false;
      return nullptr;
    }
    Binding b;
    for (size_t i = 0; i < m.params.size(); i++) {
      const std::string &p = m.params[i];
      const Node &arg = *call.args[i];
      if (p[0] == '$') {
        if (arg.kind != NodeKind::Variable) {
          diags_.error(arg.loc, "macro parameter " + p + " needs a variable ($x) as its argument");
          ok_ = false;
          return nullptr;
        }
        b.vars[p] = arg.name;
      } else if (p[0] == '@') {
        if (arg.kind != NodeKind::Map || !arg.args.empty()) {
          diags_.error(arg.loc, "macro parameter " + p + " needs a map (@m) as its argument");
          ok_ = false;
          return nullptr;
        }
        b.maps[p] = arg.name;
      } else {
        b.exprs[p] = &arg;
      }
    }
    int expansion = ++expansions_;
    auto block = std::make_unique<Node>(as_statement ? NodeKind::Block : NodeKind::BlockExpr, call.loc);
    for (const auto &s : m.body) block->body.push_back(substitute(*s, b, expansion, call.loc));
    if (m.value) {
      NodePtr v = substitute(*m.value, b, expansion, call.loc);
      if (as_statement) {
        auto stmt = std::make_unique<Node>(NodeKind::ExprStmt, v->loc);
        stmt->lhs = std::move(v);
        block->body.push_back(std::move(stmt));
      } else {
        block->lhs = std::move(v);
      }
    }
    depth_++;
    if (as_statement) {
      expand_block(block->body);
    } else {
      expand_block(block->body);
      if (block->lhs) expand_expr(block->lhs);
    }
    depth_--;
    return block;
  }

  // A copy of a macro body node with parameters bound; locations point at
  // the call so diagnostics underline where the macro was used.
  NodePtr substitute(const Node &n, Binding &b, int expansion, const Location &call_loc) {
    if (n.kind == NodeKind::Builtin) {
      auto it = b.exprs.find(n.name);
      if (it != b.exprs.end()) return clone(*it->second);
    }
    NodePtr c = clone(n);
    rename(*c, b, expansion);
    return c;
  }

  void rename(Node &n, Binding &b, int expansion) {
    if (n.kind == NodeKind::Variable) {
      if (auto it = b.vars.find(n.name); it != b.vars.end()) {
        n.name = it->second;
      } else {
        auto [slot, added] = b.locals.try_emplace(n.name, "");
        if (added) slot->second = n.name + "__m" + std::to_string(expansion);
        n.name = slot->second;
      }
    } else if (n.kind == NodeKind::Map) {
      if (auto it = b.maps.find(n.name); it != b.maps.end()) n.name = it->second;
    }
    for (NodePtr *c : {&n.lhs, &n.rhs, &n.cond, &n.els})
      if (*c) replace_or_rename(*c, b, expansion);
    for (auto &a : n.args) replace_or_rename(a, b, expansion);
    for (auto &s : n.body) replace_or_rename(s, b, expansion);
  }

  void replace_or_rename(NodePtr &c, Binding &b, int expansion) {
    if (c->kind == NodeKind::Builtin) {
      auto it = b.exprs.find(c->name);
      if (it != b.exprs.end()) {
        c = clone(*it->second);
        return;
      }
    }
    rename(*c, b, expansion);
  }

  Program &program_;
  Diagnostics &diags_;
  std::map<std::string, const MacroDef *> macros_;
  int expansions_ = 0;
  int depth_ = 0;
  bool ok_ = true;
};

}  // namespace

bool expand_macros(Program &program, Diagnostics &diags) { return Expander(program, diags).run(); }

}  // namespace bt2bin

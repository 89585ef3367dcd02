// Statements in BPF C: blocks, variables, if/while/unroll/for loops (a
// for-map loop becomes a bpf_for_each_map_elem() callback), break, continue,
// return, and the checked division of scalar assignments.
#include "backend/bpf_emitter_internal.h"

#include <regex>

namespace bt2bin::detail {

namespace {

// Variables of the enclosing probe that a for-map body uses, in first-use order.
void collect_variables(const Node *n, const std::set<int> &outer, std::vector<const Node *> &out) {
  if (!n) return;
  if (n->kind == NodeKind::Variable && outer.count(n->id) &&
      std::none_of(out.begin(), out.end(), [&](const Node *v) { return v->id == n->id; }))
    out.push_back(n);
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()}) collect_variables(c, outer, out);
  for (const auto &a : n->args) collect_variables(a.get(), outer, out);
  for (const auto &b : n->body) collect_variables(b.get(), outer, out);
}

}  // namespace

void BpfEmitter::block(const std::vector<NodePtr> &stmts) {
  for (const auto &s : stmts) stmt(*s);
}

// An expression evaluated for its effects only.
void BpfEmitter::discard(const Node &e) {
  if (e.kind == NodeKind::Call) return call_stmt(e);
  if (e.kind == NodeKind::IncDec) {
    body_.line(expr(e) + ";");
    return;
  }
  if (e.kind == NodeKind::Ternary && e.type.kind == TypeKind::Void) {
    body_.open("if (" + expr(*e.cond) + ")");
    discard(*e.lhs);
    body_.dedent();
    body_.open("} else");
    discard(*e.rhs);
    body_.close();
    return;
  }
  body_.line("(void)(" + expr(e) + ");");
}

void BpfEmitter::stmt(const Node &n) {
  line_directive(n.loc);
  switch (n.kind) {
    case NodeKind::ExprStmt:
      return discard(*n.lhs);
    case NodeKind::Assign:
      return n.lhs->kind == NodeKind::Map ? map_assign(n) : assign(n);
    case NodeKind::Let: {
      const Node &v = *n.lhs;
      const Type &vt = var_type(v);
      std::string name = var_name(v.name);
      if (is_memory(vt)) {
        std::string lv = temp(vt, name + "_");
        var_lvalue_[v.id] = lv;
        zero(lv);
        if (n.rhs) emit_into(*n.rhs, lv, vt);
      } else {
        body_.line(types_.decl(vt, name) + " = " + (n.rhs ? stored(vt, expr(*n.rhs)) : "0") + ";");
      }
      declared_vars_.insert(v.id);
      return;
    }
    case NodeKind::If:
      body_.open("if (" + expr(*n.cond) + ")");
      block(n.body);
      if (n.els) {
        body_.dedent();
        body_.open("} else");
        if (n.els->kind == NodeKind::Block) block(n.els->body);
        else stmt(*n.els);
      }
      body_.close();
      return;
    case NodeKind::Unroll: {
      std::string count = expr(*n.cond);
      std::string i = "_i" + std::to_string(tmp_++);
      body_.line("#pragma unroll");
      body_.open("for (int " + i + " = 0; " + i + " < " + count + "; " + i + "++)");
      block(n.body);
      body_.close();
      return;
    }
    case NodeKind::While:
      body_.open("while (" + expr(*n.cond) + ")");
      loops_.push_back(Loop::C);
      block(n.body);
      loops_.pop_back();
      body_.close();
      return;
    case NodeKind::ForRange: {
      std::string v = var_name(n.lhs->name);
      declared_vars_.insert(n.lhs->id);
      // The bounds first: evaluating them may take temporaries of their own.
      std::string start = expr(*n.cond), end = expr(*n.rhs);
      std::string end_var = "_end" + std::to_string(tmp_++);
      body_.open("for (" + types_.name(n.lhs->type) + " " + v + " = " + start + ", " + end_var + " = " + end + "; " + v + " < " + end_var +
                 "; " + v + "++)");
      loops_.push_back(Loop::C);
      block(n.body);
      loops_.pop_back();
      body_.close();
      return;
    }
    case NodeKind::Break:
      body_.line(loops_.back() == Loop::Callback ? "return 1;" : "break;");
      return;
    case NodeKind::Continue:
      body_.line(loops_.back() == Loop::Callback ? "return 0;" : "continue;");
      return;
    case NodeKind::Return:
      if (function_ && !in_callback()) {
        if (n.lhs && is_memory(function_->ret)) {
          emit_into(*n.lhs, "(*_ret)", function_->ret);
          body_.line("return;");
          return;
        }
        body_.line(n.lhs ? "return " + cast_to(function_->ret, expr(*n.lhs)) + ";" : "return;");
        return;
      }
      body_.line(in_callback() ? "return 1;" : "return 0;");
      return;
    case NodeKind::ForMap:
      return for_map(n);
    case NodeKind::Block:
      body_.open("");
      block(n.body);
      body_.close();
      return;
    default:
      unsupported(n.loc, std::string("the statement '") + node_kind_name(n.kind) + "'");
  }
}

void BpfEmitter::assign(const Node &n) {
  const Node &v = *n.lhs;
  std::string name = scalar_var(v);
  bool first = !declared_vars_.count(v.id);
  const Type &vt = var_type(v);
  if (is_memory(vt)) {
    if (first) {
      var_lvalue_[v.id] = temp(vt, name + "_");
      declared_vars_.insert(v.id);
    }
    const std::string &lv = var_lvalue_[v.id];
    zero(lv);
    emit_into(*n.rhs, lv, vt);
    return;
  }
  std::string value = expr(*n.rhs);
  if (n.op != "=") {
    std::string op = n.op.substr(0, n.op.size() - 1);
    if (op == "/" || op == "%")
      value = division(op, vt.is_signed, name, value, n.loc);
    else
      value = name + " " + op + " " + value;
  }
  if (first) {
    body_.line(types_.decl(vt, name) + " = " + stored(vt, value) + ";");
    declared_vars_.insert(v.id);
  } else {
    body_.line(name + " = " + stored(vt, value) + ";");
  }
}

// The C lvalue of a scalar variable: its local, or the pointer a for-map
// callback received for a variable of the enclosing probe.
std::string BpfEmitter::scalar_var(const Node &var) const {
  auto it = var_alias_.find(var.id);
  return it != var_alias_.end() ? it->second : var_name(var.name);
}

// a / b or a % b as bpftrace defines them: a zero divisor gives 1 and a
// runtime warning naming this site.
std::string BpfEmitter::division(const std::string &op, bool is_signed, const std::string &a, const std::string &b,
                                 const Location &loc) {
  int site = static_cast<int>(error_sites.size());
  // The tool runs far from the build tree: name the script by its file name.
  std::string script = source_name(loc).substr(source_name(loc).find_last_of('/') + 1);
  error_sites.push_back(script + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col));
  return std::string("bt_") + (is_signed ? "s" : "u") + (op == "/" ? "div" : "mod") + "(ctx, " + a + ", " + b + ", " +
         std::to_string(site) + ")";
}

// `for ($kv : @m) { ... }`: the body becomes a bpf_for_each_map_elem()
// callback; $kv is the (key, value) tuple of each element. Variables of the
// probe that the body uses are passed by pointer in a context struct, so
// writes are seen after the loop (as bpftrace does).
void BpfEmitter::for_map(const Node &n) {
  const MapInfo &m = *prog_.find_map(n.rhs->name);
  std::string owner = function_ ? "fn_" + function_->def->name : std::to_string(info_->probe->id);
  std::string cb = "for_each_" + owner + "_" + std::to_string(callback_count_++);
  std::vector<const Node *> captured;
  for (const auto &s : n.body) collect_variables(s.get(), declared_vars_, captured);

  // The callback is a separate BPF function with its own locals; its
  // scratch memory follows the probe's, which stays live around the call.
  CWriter saved_body;
  std::swap(body_, saved_body);
  auto saved_declared = declared_vars_;
  auto saved_lvalues = var_lvalue_;
  auto saved_aliases = var_alias_;
  bool saved_scratch = needs_scratch_;
  uint32_t saved_used = scratch_used_;
  declared_vars_.clear();
  needs_scratch_ = false;
  body_.indent();
  for (const Node *v : captured) {
    std::string alias = "(*_ctx->" + var_name(v->name) + ")";
    declared_vars_.insert(v->id);
    if (is_memory(var_type(*v))) var_lvalue_[v->id] = alias;
    else var_alias_[v->id] = alias;
  }

  const Node &kv = *n.lhs;
  std::string lv = temp(kv.type, var_name(kv.name) + "_");
  var_lvalue_[kv.id] = lv;
  declared_vars_.insert(kv.id);
  body_.line("__builtin_memcpy(&" + lv + ".f0, key, sizeof(" + lv + ".f0));");
  if (m.value.is_aggregation())
    body_.line(lv + ".f1 = " + aggregate_value(m, "key") + ";");
  else
    body_.line("__builtin_memcpy(&" + lv + ".f1, value, sizeof(" + lv + ".f1));");
  loops_.push_back(Loop::Callback);
  block(n.body);
  loops_.pop_back();

  // The callback's context: the program's context when the body sends a
  // record or divides (both need it), and one pointer per captured variable.
  static const std::regex ctx_use(R"(\bctx\b|bt_submit\()");
  bool uses_ctx = std::regex_search(body_.str(), ctx_use);
  std::string ctx_struct = "struct " + cb + "_ctx";
  bool has_ctx_struct = uses_ctx || !captured.empty();
  if (has_ctx_struct) {
    std::string def = ctx_struct + " {\n";
    if (uses_ctx) def += "\tvoid *ctx;\n";
    for (const Node *v : captured)
      def += "\t" + types_.decl(var_type(*v), "(*" + var_name(v->name) + ")") + ";\n";
    callbacks_.push_back(def + "};\n");
  }
  CWriter f;
  if (function_ && needs_scratch_)
    unsupported(n.loc, "a for loop needing values larger than on_stack_limit inside function '" +
                           function_->def->name + "'");
  f.line("static long " + cb + "(struct bpf_map *map, void *key, void *value, void *data)");
  f.line("{");
  if (has_ctx_struct) f.line("\t" + ctx_struct + " *_ctx = data;");
  if (uses_ctx) f.line("\tvoid *ctx = _ctx->ctx;");
  if (has_ctx_struct) f.line("");
  if (needs_scratch_) {
    f.line("\t__u32 _zero = 0;");
    f.line("\tchar *_scratch = bpf_map_lookup_elem(&scratch, &_zero);");
    f.line("");
    f.line("\tif (!_scratch)");
    f.line("\t\treturn 1;");
  }
  f.raw(body_.str());
  f.line("\treturn 0;");
  f.line("}");
  callbacks_.push_back(f.str());

  std::swap(body_, saved_body);
  declared_vars_ = saved_declared;
  var_lvalue_ = saved_lvalues;
  var_alias_ = saved_aliases;
  needs_scratch_ = saved_scratch;
  scratch_used_ = saved_used;
  if (!has_ctx_struct) {
    body_.line("bpf_for_each_map_elem(&" + map_symbol(m.name) + ", " + cb + ", NULL, 0);");
    return;
  }
  std::string init = uses_ctx ? ".ctx = ctx" : "";
  for (const Node *v : captured) {
    std::string lv = is_memory(var_type(*v)) ? var_lvalue_[v->id] : scalar_var(*v);
    // `(*p)` (scratch memory, or a context pointer): its address is p.
    bool deref = lv.size() > 3 && lv.compare(0, 2, "(*") == 0 && lv.back() == ')';
    std::string addr = deref ? lv.substr(2, lv.size() - 3) : "&" + lv;
    init += (init.empty() ? "" : ", ") + std::string(".") + var_name(v->name) + " = " + addr;
  }
  body_.open("");
  body_.line(ctx_struct + " _loop = { " + init + " };");
  body_.line("");
  body_.line("bpf_for_each_map_elem(&" + map_symbol(m.name) + ", " + cb + ", &_loop, 0);");
  body_.close();
}

}  // namespace bt2bin::detail

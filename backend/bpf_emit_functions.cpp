// Script functions (fn): each becomes a static __always_inline C function,
// emitted callees first; calls pass memory values by pointer and end the
// probe when the callee called exit().
#include "backend/bpf_emitter_internal.h"

#include <functional>

namespace bt2bin::detail {

namespace {

void collect_fn_ids(const Node *n, std::vector<int> &out) {
  if (!n) return;
  if (n->kind == NodeKind::Call && n->op == "fn") out.push_back(n->id);
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()}) collect_fn_ids(c, out);
  for (const auto &a : n->args) collect_fn_ids(a.get(), out);
  for (const auto &b : n->body) collect_fn_ids(b.get(), out);
}

// Whether the function body may change its parameter `name` (then the
// caller passes a copy of a memory-valued argument, not its variable).
bool writes_var(const Node *n, const std::string &name) {
  if (!n) return false;
  auto is_var = [&](const Node *v) { return v && v->kind == NodeKind::Variable && v->name == name; };
  if ((n->kind == NodeKind::Assign || n->kind == NodeKind::Let || n->kind == NodeKind::IncDec) && is_var(n->lhs.get()))
    return true;
  if (n->kind == NodeKind::Unary && n->op == "&" && is_var(n->lhs.get())) return true;
  if (n->kind == NodeKind::Call && n->name == "find" && n->args.size() == 3 && is_var(n->args[2].get())) return true;
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()})
    if (writes_var(c, name)) return true;
  for (const auto &a : n->args)
    if (writes_var(a.get(), name)) return true;
  for (const auto &b : n->body)
    if (writes_var(b.get(), name)) return true;
  return false;
}

bool writes_var_in(const FunctionInfo &fi, size_t param) {
  for (const auto &s : fi.def->body)
    if (writes_var(s.get(), fi.def->params[param].name)) return true;
  return false;
}

}  // namespace

// `fn add($a: int64, $b: int64): int64` -> `static __always_inline __s64
// fn_add(void *ctx, __s64 a, __s64 b)`: inlined into each caller, so the
// verifier sees one program per probe as before. `ctx` is the caller's
// program context, which sending a record or dividing needs. Besides the
// parameters, a function may take:
//   char *_scratch  its part of the caller's per-CPU scratch area, when it
//                   holds values larger than on_stack_limit;
//   bool *_exited   when it calls exit(): set before returning early, and
//                   the caller then ends its probe;
//   T *_ret         where a result kept in memory (a string, a tuple, ...)
//                   is written; the function itself returns void.
// Parameters kept in memory are passed by pointer: `char (*s)[1024]`.
std::string BpfEmitter::fn_signature(const FunctionInfo &fi) {
  std::string params = "void *ctx";
  int id = static_cast<int>(&fi - prog_.functions.data());
  if (fn_scratch_[id] > 0) params += ", char *_scratch";
  if (fi.exits) params += ", bool *_exited";
  if (is_memory(fi.ret)) params += ", " + types_.decl(fi.ret, "(*_ret)");
  for (size_t i = 0; i < fi.params.size(); i++) {
    std::string name = var_name(fi.def->params[i].name);
    params += ", " + types_.decl(fi.params[i], is_memory(fi.params[i]) ? "(*" + name + ")" : name);
  }
  std::string ret = fi.ret.kind == TypeKind::Void || is_memory(fi.ret) ? "void" : types_.decl(fi.ret, "");
  while (!ret.empty() && ret.back() == ' ') ret.pop_back();
  return "static __always_inline " + ret + " fn_" + fi.def->name + "(" + params + ")";
}

// The functions in an order where each comes after those it calls (the
// analyser refused recursion), so a caller knows its callees' needs.
std::vector<int> BpfEmitter::functions_callees_first() const {
  std::vector<int> order;
  std::vector<bool> done(prog_.functions.size());
  std::function<void(int)> visit = [&](int id) {
    if (done[id]) return;
    done[id] = true;
    std::vector<int> callees;
    for (const auto &s : prog_.functions[id].def->body) collect_fn_ids(s.get(), callees);
    for (int c : callees) visit(c);
    order.push_back(id);
  };
  for (size_t i = 0; i < prog_.functions.size(); i++) visit(static_cast<int>(i));
  return order;
}

void BpfEmitter::emit_function(const FunctionInfo &fi) {
  static const AttachPoint no_probe = [] {
    AttachPoint ap;
    ap.provider = "fn";
    return ap;
  }();
  function_ = &fi;
  info_ = &fi.locals;
  ap_ = &no_probe;
  written_ap_ = &no_probe;
  args_ = nullptr;
  declared_vars_.clear();
  var_lvalue_.clear();
  uint32_t saved_max = scratch_max_;
  scratch_used_ = 0;
  scratch_max_ = 0;
  needs_scratch_ = false;
  for (size_t i = 0; i < fi.params.size(); i++) {
    declared_vars_.insert(static_cast<int>(i));
    if (is_memory(fi.params[i])) var_lvalue_[static_cast<int>(i)] = "(*" + var_name(fi.def->params[i].name) + ")";
  }
  body_ = CWriter();
  body_.indent();
  block(fi.def->body);
  fn_scratch_[static_cast<int>(&fi - prog_.functions.data())] = needs_scratch_ ? scratch_max_ : 0;
  scratch_max_ = saved_max;
  CWriter f;
  f.line(fn_signature(fi));
  f.line("{");
  f.raw(body_.str());
  f.line("}");
  for (auto &cb : callbacks_) subprograms_.push_back(cb);
  callbacks_.clear();
  subprograms_.push_back(f.str());
  function_ = nullptr;
}

// `fn_f(ctx, ...)`; `result` is where a memory-valued result goes (a
// temporary when empty). Returns the call, or for a memory result called
// without `result`, the temporary holding it.
std::string BpfEmitter::fn_call(const Node &n, const std::string &result) {
  const FunctionInfo &fi = prog_.functions[n.id];
  std::vector<std::string> passed;  // memory variables passed in place
  std::vector<std::string> params;
  for (size_t i = 0; i < n.args.size(); i++) {
    const Node &a = *n.args[i];
    const Type &pt = fi.params[i];
    if (!is_memory(pt)) {
      params.push_back(cast_to(pt, expr(a)));
      continue;
    }
    if (a.kind == NodeKind::Variable && var_type(a) == pt && !writes_var_in(fi, i)) {
      std::string lv = expr(a);
      passed.push_back(lv);
      params.push_back("&" + lv);
      continue;
    }
    std::string copy = temp(pt, "_arg");
    zero(copy);
    emit_into(a, copy, pt);
    params.push_back("&" + copy);
  }
  std::string out;
  if (is_memory(fi.ret)) {
    out = result;
    bool aliased = std::find(passed.begin(), passed.end(), result) != passed.end();
    if (out.empty() || aliased) {
      out = temp(fi.ret, "_ret");
      zero(out);
    }
  }
  std::string args = "ctx";
  if (uint32_t need = fn_scratch_[n.id]) {
    // The callee's scratch follows what the caller holds there now,
    // arguments and result included.
    needs_scratch_ = true;
    uint32_t off = (scratch_used_ + 7) & ~7u;
    scratch_max_ = std::max(scratch_max_, off + need);
    args += ", _scratch + " + std::to_string(off);
  }
  if (fi.exits) {
    if (!function_) uses_exited_ = true;
    args += function_ ? ", _exited" : ", &_exited";
  }
  if (!out.empty()) args += ", &" + out;
  for (const auto &p : params) args += ", " + p;
  std::string call = "fn_" + fi.def->name + "(" + args + ")";
  if (is_memory(fi.ret)) {
    body_.line(call + ";");
    std::string check = exited_check(fi);
    if (!check.empty()) body_.line(check);
    if (!result.empty() && out != result)
      body_.line("__builtin_memcpy(&" + result + ", &" + out + ", sizeof(" + result + "));");
    return out;
  }
  if (!fi.exits || fi.ret.kind == TypeKind::Void) return call;
  // A statement expression keeps the call where C evaluates it (inside
  // `&&`, `?:` ...) and ends the probe right after it when it exited.
  std::string r = "_r" + std::to_string(tmp_++);
  return "({ " + types_.decl(fi.ret, r) + " = " + call + "; " + exited_check(fi) + " " + r + "; })";
}

// `if (_exited) return 0;` after a call of a function that may exit():
// the probe ends as if exit() were written in its body. Inside another
// function, that function returns early and its caller does the same.
std::string BpfEmitter::exited_check(const FunctionInfo &callee) {
  if (!callee.exits) return "";
  if (!function_) return "if (_exited) return 0;";
  bool no_value = function_->ret.kind == TypeKind::Void || is_memory(function_->ret);
  return std::string("if (*_exited) return") + (no_value ? ";" : " 0;");
}

void BpfEmitter::fn_call_stmt(const Node &n) {
  const FunctionInfo &fi = prog_.functions[n.id];
  if (is_memory(fi.ret)) {  // value unused: still somewhere to write it
    fn_call(n);
    return;
  }
  std::string call = fn_call(n);
  if (!fi.exits) {
    body_.line((fi.ret.kind == TypeKind::Void ? "" : "(void)") + call + ";");
    return;
  }
  // fn_call() wrapped a valued call in a statement expression; as a
  // statement the call and the check read better on their own lines.
  const std::string prefix = "({ ";
  if (call.compare(0, prefix.size(), prefix) == 0) {
    size_t eq = call.find(" = ");
    size_t semi = call.find("; if (");
    call = call.substr(eq + 3, semi - eq - 3);
    body_.line("(void)" + call + ";");
  } else {
    body_.line(call + ";");
  }
  if (function_) {
    body_.line(exited_check(fi));
    return;
  }
  body_.line("if (_exited)");
  body_.line("\treturn 0;  /* exit() in " + fi.def->name + "() ends this probe too */");
}

}  // namespace bt2bin::detail

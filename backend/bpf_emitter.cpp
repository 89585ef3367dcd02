// The BPF C emitter: maps, one program per attach point, statements and
// expressions (see bpf_emitter.h).
//
// Scalar expressions become C expressions (GNU statement expressions where
// a lookup is needed). Values that live in memory — strings, tuples, keys,
// buffers — are written straight into their destination (a map key, an
// event record in the ring buffer) with emit_into(), so the hot path makes
// no extra copies. Values too big for the stack live in a per-CPU scratch
// area at fixed offsets.
#include "backend/bpf_emitter.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "backend/c_types.h"
#include "backend/c_writer.h"
#include "backend/driver_emitter.h"
#include "backend/probe_sections.h"
#include "frontend/attach_point.h"
#include "frontend/builtins.h"

namespace bt2bin {

namespace {

const std::set<std::string> kCKeywords = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "ctx", "events", "lost_events", "scratch", "key", "bool", "true", "false"};

bool is_memory(const Type &t) {
  switch (t.kind) {
    case TypeKind::String:
    case TypeKind::Buffer:
    case TypeKind::Tuple:
    case TypeKind::Record:
    case TypeKind::Array:
    case TypeKind::Ustack:
    case TypeKind::Usym:
    case TypeKind::Inet:
    case TypeKind::MacAddr:
      return true;
    case TypeKind::Struct:
      return t.is_struct_value();
    default:
      return false;
  }
}

// User text shown in a C comment, unable to end the comment or the line.
std::string comment_text(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') out += ' ';
    else if (c == '/' && !out.empty() && out.back() == '*') out += " /";
    else out += c;
  }
  return out;
}

// Whether evaluating `n` calls a script function (fn).
bool calls_script_function(const Node &n) {
  if (n.kind == NodeKind::Call && n.op == "fn") return true;
  for (const Node *c : {n.lhs.get(), n.rhs.get(), n.cond.get(), n.els.get()})
    if (c && calls_script_function(*c)) return true;
  for (const auto &a : n.args)
    if (a && calls_script_function(*a)) return true;
  return false;
}

}  // namespace

AttachPoint fentry_twin(const AttachPoint &ap) {
  AttachPoint twin = ap;
  twin.provider = ap.provider == "kprobe" ? "fentry" : "fexit";
  return twin;
}

namespace {

std::string map_symbol(const std::string &name) { return name == "@" ? "AT_" : "AT_" + name.substr(1); }

static bool is_kernel_field(const Node &n);
static bool holds_struct_values(const Type &t);

class BpfEmitter {
 public:
  BpfEmitter(const CheckedProgram &p, const EmitOptions &o) : prog_(p), opts_(o) {}
  bool emit(EmittedSources &out, Diagnostics &diags);
  CTypes &types() { return types_; }
  std::vector<std::string> record_structs;  // event record struct definitions
  std::vector<std::string> error_sites;     // "file:line:col" of each runtime-error site

 private:
  struct Unsupported {
    Location loc;
    std::string what;
  };

  // ---- program structure ----
  void emit_maps(CWriter &w);
  void emit_probe(const ProbeInfo &info, const AttachPoint &ap, const ArgsInfo *twin_args = nullptr);

  // ---- statements ----
  void stmt(const Node &n);
  void block(const std::vector<NodePtr> &stmts);
  void assign(const Node &n);
  void map_assign(const Node &n);
  void aggregate(const Node &target, const Node &call);
  void call_stmt(const Node &n);
  void format_call(const Node &n);
  void seq_printf(const Node &n);
  std::string iter_ctx_field(const std::string &name, const std::string &declaration);
  // One record of format `fc`; argument i comes from args[i], or is the C
  // expression raw[i] where args[i] is null.
  void format_record(const FormatCall &fc, const std::vector<const Node *> &args,
                     const std::vector<std::string> &raw = {});
  void exit_record(const std::string &code);
  // Builtins with arguments and standard-library helpers.
  bool stdlib_call_stmt(const Node &n);
  std::optional<std::string> stdlib_call_expr(const Node &n);
  bool stdlib_emit_into(const Node &n, const std::string &dest);
  std::string task_local(const Node &task);
  void line_directive(const Location &loc);
  const std::string &source_name(const Location &loc) const;
  void for_map(const Node &n);
  std::string aggregate_value(const MapInfo &m, const std::string &key_ptr);
  std::string scalar_var(const Node &var) const;
  std::string division(const std::string &op, bool is_signed, const std::string &a, const std::string &b,
                       const Location &loc);
  bool in_callback() const { return std::find(loops_.begin(), loops_.end(), Loop::Callback) != loops_.end(); }

  // ---- expressions ----
  std::string expr(const Node &n);   // scalar C expression, or lvalue for memory values
  std::string call_expr(const Node &n);
  std::string if_value(const Node &n);
  std::string skb_output(const Node &n);
  std::string write_user(const Node &n);
  std::string builtin(const Node &n);
  std::string field(const Node &n);
  std::string map_read(const Node &n);
  void emit_into(const Node &n, const std::string &dest, const Type &dest_type);
  std::string key_of(const Node &map);
  std::string key_of_call(const Node &map, const Node &key);  // builds the key, returns its lvalue
  std::string temp(const Type &t, const std::string &prefix = "_t");
  std::string var_name(const std::string &var) const;
  // Whether memory behind a pointer of type `t` is read with the user helpers.
  bool reads_user(const Type &t) const {
    return t.user_space || ap_->provider == "uprobe" || ap_->provider == "uretprobe" || ap_->provider == "usdt";
  }
  struct CoreChain {
    std::string base;                    // typed pointer expression
    std::vector<std::string> accessors;  // one per dereference
    bool nullable = false;               // base must be checked for NULL first
    bool script_type = false;            // the script's own struct: no CO-RE relocation
    bool user = false;                   // user-space memory
    // BPF_CORE_READ, BPF_PROBE_READ_USER_STR_INTO, ...: `suffix` is "", "_INTO" or "_STR_INTO".
    std::string macro(const std::string &suffix) const {
      return std::string(script_type ? "BPF_PROBE_READ" : "BPF_CORE_READ") + (user ? "_USER" : "") + suffix;
    }
  };
  CoreChain core_chain(const Node &field);
  void emit_struct_fields(const CoreChain &from, const std::string &dest, const Type &value, const Location &loc);
  void emit_member(const CoreChain &c, const std::string &dst, const Type &t, const Bitfield &bf, const Location &loc);
  std::string bitfield_read(const CoreChain &c, const Bitfield &bf, const Location &loc);
  std::string last_struct(const CoreChain &c);
  void emit_args_value(const Node &args, const std::string &dest, const Type &value);
  std::string core_read_args(const CoreChain &c);
  void zero(const std::string &lvalue);
  std::map<std::string, uint32_t> temp_sizes_;  // bytes of each memory temporary
  const FieldInfo *args_field(const std::string &name) const;
  // A variable's type after the whole probe was checked: a later assignment
  // may have widened it (a longer string), and storage must fit every use.
  const Type &var_type(const Node &var) const {
    return var.id >= 0 && var.id < (int)info_->vars.size() ? info_->vars[var.id].type : var.type;
  }
  std::string args_member(const std::string &name) const;
  std::string pointer_c_type(const Type &t);
  std::string cast_to(const Type &t, const std::string &e);
  // The same for storing into a variable, map slot or record field: pointers
  // are kept there as __u64 addresses (CTypes::name).
  std::string stored(const Type &t, const std::string &e);
  void discard(const Node &e);
  [[noreturn]] void unsupported(const Location &loc, const std::string &what) { throw Unsupported{loc, what}; }

  const CheckedProgram &prog_;
  const EmitOptions &opts_;
  CTypes types_;
  CWriter body_;
  std::vector<std::string> functions_;
  const ProbeInfo *info_ = nullptr;
  const ArgsInfo *args_ = nullptr;  // args layout of the attach point being emitted
  const AttachPoint *ap_ = nullptr;
  const AttachPoint *written_ap_ = nullptr;  // as the script wrote it (ap_ may be its fentry twin)
  int tmp_ = 0;
  uint32_t scratch_used_ = 0, scratch_max_ = 0;
  bool needs_scratch_ = false;
  std::set<int> declared_vars_;
  std::map<int, std::string> var_lvalue_;  // memory-valued variables: their storage
  enum class Loop { C, Callback };
  std::vector<Loop> loops_;                 // enclosing loops, innermost last
  std::map<int, std::string> var_alias_;    // scalar variables reached through a for-map callback's context
  std::vector<std::string> callbacks_;      // bpf_for_each_map_elem callbacks, emitted before probes
  int callback_count_ = 0;
  bool uses_probe_names_ = false;
  uint32_t zeros_size_ = 0;  // size of bt_zeros, the source for zeroing big values
  int emit_depth_ = 0;       // nesting of emit_into(), to catch unsupported value kinds
  // --- fn definitions ---
  const FunctionInfo *function_ = nullptr;  // the function being emitted, if any
  std::vector<std::string> subprograms_;    // their prototypes and definitions
  std::map<int, uint32_t> fn_scratch_;      // scratch bytes each function needs (callees included)
  bool uses_exited_ = false;                // the probe calls a function that may exit()
  std::map<std::string, std::string> iter_ctx_fields_;  // iter: ctx field -> its local's declaration
  void emit_function(const FunctionInfo &fi);
  std::vector<int> functions_callees_first() const;
  std::string fn_signature(const FunctionInfo &fi);
  std::string fn_call(const Node &n, const std::string &result = "");
  void fn_call_stmt(const Node &n);
  std::string exited_check(const FunctionInfo &callee);
  // --- tseries ---
  bool uses_tseries_ = false;
  void aggregate_tseries(const Node &target, const Node &call);
  std::string bucket_key(const Node &target, const MapInfo &m, const std::string &bucket);
};

// ------------------------------------------------------------ utilities --

const FieldInfo *BpfEmitter::args_field(const std::string &name) const {
  for (const auto &f : args_->fields)
    if (f.name == name) return &f;
  return nullptr;
}

// The C member of a tracepoint argument: `__data_loc_filename`, `ent.pid`.
std::string BpfEmitter::args_member(const std::string &name) const {
  const FieldInfo *f = args_field(name);
  return f && !f->c_name.empty() ? f->c_name : name;
}

std::string BpfEmitter::var_name(const std::string &var) const {
  std::string n = var.substr(1);
  if (kCKeywords.count(n) || n.empty() || n[0] == '_') return "v_" + n;
  return n;
}

std::string BpfEmitter::pointer_c_type(const Type &t) {
  if (!t.elem || t.elem->is_none()) return "void *";
  const Type &e = *t.elem;
  if (e.kind == TypeKind::Struct) return e.name + " *";
  if (e.kind == TypeKind::Pointer) return pointer_c_type(e) + "*";
  if (e.is_integer()) return c_int_type(e.size, e.is_signed) + " *";
  if (e.kind == TypeKind::String) return "char *";
  return "void *";
}

// `(type)e`, written once: an expression already cast to the type, a plain
// identifier or a number keeps its simple form where C converts it anyway.
std::string BpfEmitter::cast_to(const Type &t, const std::string &e) {
  auto cast = [&](const std::string &ctype) {
    std::string prefix = "((" + ctype + ")";
    if (e.compare(0, prefix.size(), prefix) == 0) return e;
    bool simple = !e.empty() && e.find_first_of(" ()+-*/%&|^<>!?:,[].") == std::string::npos;
    return "((" + ctype + ")" + (simple ? e : "(" + e + ")") + ")";
  };
  if (t.kind == TypeKind::Pointer) return cast(pointer_c_type(t));
  if (t.kind == TypeKind::Bool) return "((" + e + ") != 0)";
  if (t.is_integer()) return cast(c_int_type(t.size, t.is_signed));
  return e;
}

// True when `e` is one parenthesized expression: "(a + b)", not "(a) + (b)".
bool fully_parenthesized(const std::string &e) {
  if (e.size() < 2 || e.front() != '(' || e.back() != ')') return false;
  int depth = 0;
  for (size_t i = 0; i < e.size(); i++) {
    if (e[i] == '(') depth++;
    else if (e[i] == ')' && --depth == 0 && i + 1 < e.size()) return false;
  }
  return true;
}

std::string BpfEmitter::stored(const Type &t, const std::string &e) {
  if (t.kind != TypeKind::Pointer) return cast_to(t, e);
  if (e.compare(0, 8, "((__u64)") == 0) return e;
  return "(__u64)" + (fully_parenthesized(e) ? e : "(" + e + ")");
}

// A fresh temporary for a memory value: on the stack when small, else in
// the per-CPU scratch area. Returns an lvalue.
std::string BpfEmitter::temp(const Type &t, const std::string &prefix) {
  std::string name = prefix + std::to_string(tmp_++);
  if (t.size <= prog_.config.on_stack_limit || !is_memory(t)) {
    body_.line(types_.decl(t, name) + ";");
    temp_sizes_[name] = t.size;
    return name;
  }
  needs_scratch_ = true;
  uint32_t off = (scratch_used_ + 7) & ~7u;
  scratch_used_ = off + t.size;
  scratch_max_ = std::max(scratch_max_, scratch_used_);
  std::string ptr = types_.decl(t, "(*" + name + ")");
  body_.line(ptr + " = (void *)(_scratch + " + std::to_string(off) + ");");
  temp_sizes_["(*" + name + ")"] = t.size;
  return "(*" + name + ")";
}

void BpfEmitter::line_directive(const Location &loc) {
  if (loc.valid())
    body_.raw("#line " + std::to_string(loc.line) + " " + c_string_literal(source_name(loc)) + "\n");
}

// The script, or the imported file `loc` is in.
const std::string &BpfEmitter::source_name(const Location &loc) const {
  const auto &sources = prog_.program->sources;
  return loc.file > 0 && loc.file < (int)sources.size() ? sources[loc.file] : opts_.script_name;
}

// ------------------------------------------------------------------ maps --

void BpfEmitter::emit_maps(CWriter &w) {
  for (const auto &m : prog_.maps) {
    std::string type = m.bpf_type == "hash"              ? "BPF_MAP_TYPE_HASH"
                       : m.bpf_type == "percpu_hash"     ? "BPF_MAP_TYPE_PERCPU_HASH"
                       : m.bpf_type == "lru_hash"        ? "BPF_MAP_TYPE_LRU_HASH"
                                                         : "BPF_MAP_TYPE_LRU_PERCPU_HASH";
    bool bucketed = m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist ||
                    m.value.kind == TypeKind::Tseries;
    std::string key;
    if (bucketed) {
      key = m.is_scalar() ? "__u64" : types_.name(make_tuple({m.key, make_int(8, false)}));
    } else if (m.is_scalar()) {
      key = "__u64";
    } else {
      std::string n = types_.name(m.key);
      key = n.empty() ? types_.decl(m.key, "") : n;
      // decl() of an array type with an empty name gives "char [16]".
      key.erase(std::remove(key.end() - 1, key.end(), ' '), key.end());
    }
    std::string value = types_.name(m.value);
    if (value.empty()) value = types_.decl(m.value, "");
    w.line("/* " + m.name + ": " + (m.is_scalar() ? "" : m.key.to_string() + " -> ") + m.value.to_string() + " */");
    w.open("struct");
    w.line("__uint(type, " + type + ");");
    w.line("__uint(max_entries, " + std::to_string(m.max_entries * (bucketed ? 1 : 1)) + ");");
    w.line("__type(key, " + key + ");");
    w.line("__type(value, " + value + ");");
    w.close(" " + map_symbol(m.name) + " SEC(\".maps\");");
    w.line();
  }
}

// ---------------------------------------------------------------- probes --

void BpfEmitter::emit_probe(const ProbeInfo &info, const AttachPoint &ap, const ArgsInfo *twin_args) {
  info_ = &info;
  ap_ = &ap;
  declared_vars_.clear();
  var_lvalue_.clear();
  scratch_used_ = 0;
  uses_exited_ = false;
  iter_ctx_fields_.clear();
  body_ = CWriter();
  body_.indent();
  const Probe &probe = *info.probe;
  args_ = twin_args ? twin_args : &info.args;
  for (size_t i = 0; i < info.ap_args.size(); i++)
    if (&info.probe->attach_points[i] == &ap) args_ = &info.ap_args[i];
  std::string args_struct = info.args_loaded ? args_->c_struct_name : "";
  int ap_index = 0;
  while (ap_index < (int)probe.attach_points.size() && probe.attach_points[ap_index].raw != ap.raw) ap_index++;
  written_ap_ = ap_index < (int)probe.attach_points.size() ? &probe.attach_points[ap_index] : &ap;
  ProbeSection sec = probe_section(ap, probe.id, ap_index, args_struct);
  needs_scratch_ = false;

  CWriter inner;
  std::swap(body_, inner);
  body_.indent();
  if (ap.provider != "begin" && ap.provider != "end" && ap.provider != "iter") {
    // -p PID: rodata, so the verifier prunes this when no PID is given.
    body_.line("if (bt_filter_pid && (bpf_get_current_pid_tgid() >> 32) != bt_filter_pid)");
    body_.line("\treturn 0;");
  }
  if (probe.predicate) {
    line_directive(probe.predicate->loc);
    body_.line("if (!(" + expr(*probe.predicate) + "))");
    body_.line("\treturn 0;");
  }
  block(probe.body);
  std::swap(body_, inner);

  CWriter f;
  f.line("SEC(\"" + sec.section + "\")");
  std::string param = sec.ctx_type == "void" ? "void *ctx" : sec.ctx_type + (sec.ctx_type.back() == '*' ? "ctx" : " *ctx");
  f.line("int " + sec.func_name + "(" + param + ")");
  f.line("{");
  if (needs_scratch_) {
    f.line("\t__u32 _zero = 0;");
    f.line("\tchar *_scratch = bpf_map_lookup_elem(&scratch, &_zero);");
    f.line("");
    f.line("\tif (!_scratch)");
    f.line("\t\treturn 0;");
  }
  if (uses_exited_) f.line("\tbool _exited = false;  /* set by a function that calls exit() */");
  for (const auto &[name, declaration] : iter_ctx_fields_) f.line("\t" + declaration);
  f.raw(inner.str());
  f.line("\treturn 0;");
  f.line("}");
  for (auto &cb : callbacks_) functions_.push_back(cb);
  callbacks_.clear();
  functions_.push_back(f.str());
}

// ------------------------------------------------------------ statements --

void BpfEmitter::block(const std::vector<NodePtr> &stmts) {
  for (const auto &s : stmts) stmt(*s);
}

// An integer literal, or an operation on two literals folded to one.
std::string integer_literal(const Node &n) {
  if (!n.type.is_signed) return std::to_string(n.ival) + "ULL";
  int64_t v = static_cast<int64_t>(n.ival);
  return std::to_string(v) + (v > INT32_MAX || v < INT32_MIN ? "LL" : "");
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

void BpfEmitter::map_assign(const Node &n) {
  const Node &target = *n.lhs;
  const Node &rhs = *n.rhs;
  if (rhs.kind == NodeKind::Call && rhs.type.is_aggregation()) return aggregate(target, rhs);
  const MapInfo &m = *prog_.find_map(target.name);
  body_.open("");
  std::string key = key_of(target);
  if (n.op != "=") {
    std::string op = n.op.substr(0, n.op.size() - 1);
    std::string vt = types_.name(m.value);
    body_.line(vt + " _init = 0, *_v = bt_lookup_or_init(&" + map_symbol(m.name) + ", &" + key + ", &_init);");
    body_.line("");
    std::string value = expr(rhs);
    body_.line("if (_v)");
    if (op == "/" || op == "%")
      body_.line("\t*_v = " + division(op, m.value.is_signed, "*_v", value, n.loc) + ";");
    else
      body_.line("\t*_v " + op + "= " + value + ";");
    body_.close();
    return;
  }
  std::string val;
  if (is_memory(m.value)) {
    val = temp(m.value, "_val");
    zero(val);
    emit_into(rhs, val, m.value);
  } else {
    val = "_val";
    body_.line(types_.decl(m.value, val) + " = " + stored(m.value, expr(rhs)) + ";");
  }
  body_.line("");
  body_.line("bpf_map_update_elem(&" + map_symbol(m.name) + ", &" + key + ", &" + val + ", BPF_ANY);");
  body_.close();
}

// count/sum/min/max/avg/stats/hist/lhist: update the per-CPU value in place.
void BpfEmitter::aggregate(const Node &target, const Node &call) {
  const MapInfo &m = *prog_.find_map(target.name);
  if (m.value.kind == TypeKind::Tseries) return aggregate_tseries(target, call);
  const std::string map = "&" + map_symbol(m.name);
  body_.open("");
  std::string arg = call.args.empty() ? "" : "(__s64)(" + expr(*call.args[0]) + ")";
  std::string key;
  if (m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist) {
    std::string bucket =
        m.value.kind == TypeKind::Hist
            ? "bt2bin_hist_index(" + arg + ", " + std::to_string(m.value.agg_args[0]) + ")"
            : "bt2bin_lhist_index(" + arg + ", " + std::to_string(m.value.agg_args[0]) + ", " +
                  std::to_string(m.value.agg_args[1]) + ", " + std::to_string(m.value.agg_args[2]) + ")";
    key = bucket_key(target, m, bucket);
    body_.line("__s64 _zero_count = 0, *_count = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_count);");
    body_.line("");
    body_.line("if (_count)");
    body_.line("\t(*_count)++;");
    body_.close();
    return;
  }
  key = key_of(target);
  switch (m.value.kind) {
    case TypeKind::Count:
    case TypeKind::Sum:
      body_.line("__s64 _zero_value = 0, *_value = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_value);");
      body_.line("");
      body_.line("if (_value)");
      body_.line(m.value.kind == TypeKind::Count ? "\t(*_value)++;" : "\t*_value += " + arg + ";");
      break;
    case TypeKind::Min:
    case TypeKind::Max: {
      const char *cmp = m.value.kind == TypeKind::Min ? "<" : ">";
      body_.line("__s64 _arg = " + arg + ";");
      body_.line("struct bt_minmax _zero_value = {}, *_value = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_value);");
      body_.line("");
      body_.open("if (_value && (!_value->is_set || _arg " + std::string(cmp) + " _value->value))");
      body_.line("_value->value = _arg;");
      body_.line("_value->is_set = 1;");
      body_.close();
      break;
    }
    case TypeKind::Avg:
    case TypeKind::Stats:
      body_.line("struct bt_avg _zero_value = {}, *_value = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_value);");
      body_.line("");
      body_.open("if (_value)");
      body_.line("_value->total += " + arg + ";");
      body_.line("_value->count++;");
      body_.close();
      break;
    default:
      unsupported(call.loc, call.name + "()");
  }
  body_.close();
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

// Variables of the enclosing probe that a for-map body uses, in first-use order.
static void collect_variables(const Node *n, const std::set<int> &outer, std::vector<const Node *> &out) {
  if (!n) return;
  if (n->kind == NodeKind::Variable && outer.count(n->id) &&
      std::none_of(out.begin(), out.end(), [&](const Node *v) { return v->id == n->id; }))
    out.push_back(n);
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()}) collect_variables(c, outer, out);
  for (const auto &a : n->args) collect_variables(a.get(), outer, out);
  for (const auto &b : n->body) collect_variables(b.get(), outer, out);
}

// The value of an aggregation map element as bpftrace reads it inside a
// probe: per-CPU slots summed (count, sum), reduced (min, max) or averaged.
std::string BpfEmitter::aggregate_value(const MapInfo &m, const std::string &key_ptr) {
  std::string sym = "&" + map_symbol(m.name);
  switch (m.value.kind) {
    case TypeKind::Count:
    case TypeKind::Sum:
      if (m.is_percpu()) return "bt_percpu_sum(" + sym + ", " + key_ptr + ")";
      return "({ __s64 *_p = bpf_map_lookup_elem(" + sym + ", " + key_ptr + "); _p ? *_p : 0; })";
    case TypeKind::Min:
    case TypeKind::Max:
      return "bt_percpu_minmax(" + sym + ", " + key_ptr + ", " + (m.value.kind == TypeKind::Max ? "1" : "0") + ")";
    case TypeKind::Avg:
      return "bt_percpu_avg(" + sym + ", " + key_ptr + ")";
    default:
      return "";
  }
}

// The C lvalue of a scalar variable: its local, or the pointer a for-map
// callback received for a variable of the enclosing probe.
std::string BpfEmitter::scalar_var(const Node &var) const {
  auto it = var_alias_.find(var.id);
  return it != var_alias_.end() ? it->second : var_name(var.name);
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

// The key of a map function's (map, key) arguments, as key_of() builds
// `@m[key]`: has_key(@m, k), find(@m, k, $v).
std::string BpfEmitter::key_of_call(const Node &map, const Node &key) {
  Node access(NodeKind::Map, map.loc);
  access.name = map.name;
  access.args.push_back(NodePtr(const_cast<Node *>(&key)));
  std::string lvalue = key_of(access);
  access.args[0].release();  // borrowed, not owned
  return lvalue;
}

// Builds the key of `@m[...]` in a local (or scratch) and returns its lvalue.
std::string BpfEmitter::key_of(const Node &map) {
  const MapInfo &m = *prog_.find_map(map.name);
  if (m.is_scalar()) {
    std::string k = "_key" + std::to_string(tmp_++);
    body_.line("__u64 " + k + " = 0;");
    return k;
  }
  if (!is_memory(m.key)) {
    std::string k = "_key" + std::to_string(tmp_++);
    body_.line(types_.decl(m.key, k) + " = " + stored(m.key, expr(*map.args[0])) + ";");
    return k;
  }
  std::string k = temp(m.key, "_key");
  zero(k);
  if (map.args.size() == 1) {
    emit_into(*map.args[0], k, m.key);
  } else {
    for (size_t i = 0; i < map.args.size(); i++) {
      const Type &ft = *m.key.fields[i].type;
      std::string dst = k + ".f" + std::to_string(i);
      if (is_memory(ft)) emit_into(*map.args[i], dst, ft);
      else body_.line(dst + " = " + stored(ft, expr(*map.args[i])) + ";");
    }
  }
  return k;
}

// Statement-level calls: printf & co., exit, print, clear, zero, delete.
void BpfEmitter::call_stmt(const Node &n) {
  const std::string &f = n.name;
  if (n.op == "fn") return fn_call_stmt(n);
  if (f == "printf" && ap_ && ap_->provider == "iter" && !function_) return seq_printf(n);
  if (f == "printf" || f == "errorf" || f == "warnf" || f == "system" || f == "cat") return format_call(n);
  if (f == "debugf") {
    // bpf_trace_printk() (trace_pipe), at most three arguments.
    std::string args;
    if (n.args.size() > 4) unsupported(n.loc, "debugf() with more than three arguments");
    for (size_t i = 1; i < n.args.size(); i++) args += ", " + expr(*n.args[i]);
    body_.line("bpf_printk(" + c_string_literal(n.args[0]->str) + args + ");");
    return;
  }
  if (f == "exit") {
    exit_record(n.args.empty() ? std::string("0") : expr(*n.args[0]));
    if (function_) {  // the caller sees *_exited and ends its probe
      body_.line("*_exited = true;");
      body_.line(function_->ret.kind == TypeKind::Void || is_memory(function_->ret) ? "return;" : "return 0;");
      return;
    }
    body_.line("return 0;  /* exit() ends this probe too */");
    return;
  }
  if (stdlib_call_stmt(n)) return;
  if ((f == "print" && n.ival == 1) || f == "clear" || f == "zero") {
    const MapInfo &m = *prog_.find_map(n.args[0]->name);
    const char *action = f == "print" ? "BT_ACTION_PRINT_MAP" : f == "clear" ? "BT_ACTION_CLEAR_MAP" : "BT_ACTION_ZERO_MAP";
    body_.open("");
    body_.line("struct bt_map_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line(std::string("_rec->action = ") + action + ";");
    body_.line("_rec->map = " + std::to_string(m.id) + ";");
    body_.line("_rec->top = " + (n.args.size() > 1 ? std::to_string(n.args[1]->ival) : std::string("0")) + ";");
    body_.line("_rec->div = " + (n.args.size() > 2 ? std::to_string(n.args[2]->ival) : std::string("0")) + ";");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "print") {
    const PrintValueSite &site = prog_.print_values[n.id];
    std::string rec = "struct bt_print_" + std::to_string(site.id);
    record_structs.push_back(rec + " {\n\t__u64 action;\n\t" + types_.decl(site.type, "value") + ";\n};\n");
    std::string early;  // as printf arguments: a script function runs before the reservation
    if (calls_script_function(*n.args[0])) {
      if (is_memory(site.type)) {
        early = temp(site.type, "_val");
        zero(early);
        emit_into(*n.args[0], early, site.type);
      } else {
        early = "_val" + std::to_string(tmp_++);
        body_.line(types_.decl(site.type, early) + " = " + stored(site.type, expr(*n.args[0])) + ";");
      }
    }
    body_.open("");
    body_.line(rec + " *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("_rec->action = BT_ACTION_PRINT_VALUE_BASE + " + std::to_string(site.id) + ";");
    if (!early.empty() && is_memory(site.type))
      body_.line("__builtin_memcpy(&_rec->value, &" + early + ", sizeof(_rec->value));");
    else if (!early.empty()) body_.line("_rec->value = " + early + ";");
    else if (is_memory(site.type)) emit_into(*n.args[0], "_rec->value", site.type);
    else body_.line("_rec->value = " + stored(site.type, expr(*n.args[0])) + ";");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "join") {
    // Up to BT_JOIN_ARGS strings of an argv-style array, read in BPF.
    const Node &argv = *n.args[0];
    std::string read = reads_user(argv.type) ? "bpf_probe_read_user" : "bpf_probe_read_kernel";
    body_.open("");
    body_.line("struct bt_join_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("const __u64 *_argv = (const void *)(" + expr(argv) + ");");
    body_.line("");
    body_.line("_rec->action = BT_ACTION_JOIN;");
    body_.line("_rec->site = " + std::to_string(n.id) + ";");
    body_.open("for (int _i = 0; _i < BT_JOIN_ARGS; _i++)");
    body_.line("__u64 _arg = 0;");
    body_.line("");
    body_.line(read + "(&_arg, sizeof(_arg), &_argv[_i]);");
    body_.open("if (!_arg)");
    body_.line("_rec->args[_i][0] = 0;");
    body_.line("break;");
    body_.close();
    body_.line(read + "_str(_rec->args[_i], BT_JOIN_ARG_SIZE, (const void *)_arg);");
    body_.close();
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "time") {
    body_.open("");
    body_.line("struct bt_time_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("_rec->action = BT_ACTION_TIME;");
    body_.line("_rec->time_id = " + std::to_string(n.id) + ";");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "delete") {
    const Node &map = *n.args[0];
    if (n.args.size() == 1 && map.args.empty() && !prog_.find_map(map.name)->is_scalar()) {
      // delete(@m): every element, like clear(@m).
      Node clear(NodeKind::Call, n.loc);
      clear.name = "clear";
      clear.args.push_back(NodePtr(const_cast<Node *>(&map)));
      call_stmt(clear);
      clear.args[0].release();
      return;
    }
    body_.open("");
    body_.line(call_expr(n) + ";");
    body_.close();
    return;
  }
  // --- watchpoints ---
  if (f == "unwatch") {
    body_.open("");
    body_.line("struct bt_unwatch_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("_rec->action = BT_ACTION_UNWATCH;");
    body_.line("_rec->addr = (__u64)(" + expr(*n.args[0]) + ");");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "signal") {
    const Node &a = *n.args[0];
    body_.line("bpf_send_signal(" + (a.kind == NodeKind::String ? "bt_signal_" + a.str : expr(a)) + ");");
    return;
  }
  body_.line("(void)(" + call_expr(n) + ");");
}

// printf() in an iter probe, as bpftrace emits it: bpf_seq_printf() into
// the iterator's seq_file, which the tool (or whoever reads the pinned
// iterator) reads; the analyser checked the format against the kernel's.
void BpfEmitter::seq_printf(const Node &n) {
  std::string args;
  for (size_t i = 1; i < n.args.size(); i++) args += ", " + expr(*n.args[i]);
  std::string meta = iter_ctx_field("meta", "struct bpf_iter_meta *_ctx_meta = ctx->meta;");
  body_.line("BPF_SEQ_PRINTF(" + meta + "->seq, " + c_string_literal(n.args[0]->str) + args + ");");
}

// iter programs read each context field once, at entry, into a local: the
// verifier refuses a context read through a computed address (ctx + 8),
// which clang emits when it reuses an offset for a second read.
std::string BpfEmitter::iter_ctx_field(const std::string &name, const std::string &declaration) {
  iter_ctx_fields_.emplace(name, declaration);
  return "_ctx_" + name;
}

void BpfEmitter::format_call(const Node &n) {
  std::vector<const Node *> args;
  for (size_t i = 1; i < n.args.size(); i++) args.push_back(n.args[i].get());
  format_record(prog_.formats[n.id], args);
}

void BpfEmitter::format_record(const FormatCall &fc, const std::vector<const Node *> &args,
                               const std::vector<std::string> &raw) {
  std::string rec = "struct bt_format_" + std::to_string(fc.id);
  std::string def = rec + " {\n\t__u64 action;\n";
  for (size_t i = 0; i < fc.args.size(); i++) def += "\t" + types_.decl(fc.args[i], "arg" + std::to_string(i)) + ";\n";
  record_structs.push_back(def + "};\n");
  // Arguments calling a script function run before the record is reserved,
  // so records the function sends come first, as in bpftrace.
  // (A function that exits then ends the probe before the reservation.)
  std::vector<std::string> early(fc.args.size());
  for (size_t i = 0; i < fc.args.size() && i < args.size(); i++) {
    if (!args[i] || !calls_script_function(*args[i])) continue;
    if (is_memory(fc.args[i])) {
      early[i] = temp(fc.args[i], "_arg");
      zero(early[i]);
      emit_into(*args[i], early[i], fc.args[i]);
      continue;
    }
    early[i] = "_arg" + std::to_string(tmp_++);
    body_.line(types_.decl(fc.args[i], early[i]) + " = " + stored(fc.args[i], expr(*args[i])) + ";");
  }
  body_.open("");
  body_.line(rec + " *_rec = bt_reserve(sizeof(*_rec));");
  body_.line("");
  body_.open("if (_rec)");
  body_.line("_rec->action = " + std::to_string(fc.id) + ";");
  for (size_t i = 0; i < fc.args.size(); i++) {
    std::string dst = "_rec->arg" + std::to_string(i);
    const Node *a = i < args.size() ? args[i] : nullptr;
    if (!early[i].empty() && is_memory(fc.args[i]))
      body_.line("__builtin_memcpy(&" + dst + ", &" + early[i] + ", sizeof(" + dst + "));");
    else if (!early[i].empty()) body_.line(dst + " = " + early[i] + ";");
    else if (!a) body_.line(dst + " = " + stored(fc.args[i], raw.at(i)) + ";");
    else if (is_memory(fc.args[i])) emit_into(*a, dst, fc.args[i]);
    else body_.line(dst + " = " + stored(fc.args[i], expr(*a)) + ";");
  }
  body_.line("bt_submit(_rec);");
  body_.close();
  body_.close();
}

// The record that asks the tool to exit with `code` (exit()).
void BpfEmitter::exit_record(const std::string &code) {
  body_.open("");
  body_.line("struct bt_exit_record *_rec = bt_reserve(sizeof(*_rec));");
  body_.line("");
  body_.open("if (_rec)");
  body_.line("_rec->action = BT_ACTION_EXIT;");
  body_.line("_rec->code = " + code + ";");
  body_.line("bt_submit(_rec);");
  body_.close();
  body_.close();
}

// ----------------------------------------------------------- expressions --

// Writes memory value `n` into `dest` (an lvalue of type `dest_type`, already
// zeroed where the value may be shorter).
void BpfEmitter::emit_into(const Node &n, const std::string &dest, const Type &dt) {
  const Type &t = n.type;
  // A value kind without a writer here would bounce between expr() and
  // emit_into(); report it instead.
  struct Depth {
    int &d;
    explicit Depth(int &x) : d(++x) {}
    ~Depth() { --d; }
  } depth(emit_depth_);
  if (emit_depth_ > 64) unsupported(n.loc, "this " + t.to_string() + " value");
  switch (n.kind) {
    case NodeKind::String:
      body_.line("__builtin_memcpy(&" + dest + ", " + c_string_literal(n.str) + ", " +
                 std::to_string(std::min<size_t>(n.str.size() + 1, dt.size)) + ");");
      return;
    case NodeKind::Builtin:
      if (n.name == "comm") {
        body_.line("bpf_get_current_comm(&" + dest + ", " + std::to_string(std::min<uint32_t>(16, dt.size)) + ");");
        return;
      }
      if (n.name == "pcomm" || n.name == "leader_comm") {
        std::string task = "_task" + std::to_string(tmp_++);
        body_.line("struct task_struct *" + task + " = (struct task_struct *)bpf_get_current_task();");
        body_.line("BPF_CORE_READ_STR_INTO(&" + dest + ", " + task + ", " +
                   (n.name == "pcomm" ? "real_parent" : "group_leader") + ", comm);");
        return;
      }
      if (n.name == "probe" && (ap_->need_expansion || !ap_->deferred.empty())) {
        // Wildcard, or parts given as positional parameters: the runtime
        // names each attach point under its cookie.
        uses_probe_names_ = true;
        body_.open("");
        // libbpf's USDT support keeps the BPF cookie for itself.
        body_.line(std::string("__u32 _index = ") + (ap_->provider == "usdt" ? "bpf_usdt_cookie" : "bpf_get_attach_cookie") +
                   "(ctx);");
        body_.line("const char *_name = bpf_map_lookup_elem(&probe_names, &_index);");
        body_.line("");
        body_.line("if (_name)");
        body_.line("\tbpf_probe_read_kernel(&" + dest + ", " + std::to_string(std::min<uint32_t>(64, dt.size)) +
                   ", _name);");
        body_.close();
        return;
      }
      if (n.name == "probe" || n.name == "probetype") {
        // Constant per program; `special` is bpftrace's provider name of BEGIN/END.
        const std::string &provider = written_ap_->provider;
        Node lit(NodeKind::String, n.loc);
        if (n.name == "probe") lit.str = written_ap_->name();
        else lit.str = provider == "begin" || provider == "end" ? "special" : provider;
        emit_into(lit, dest, dt);
        return;
      }
      if (n.name == "func" && dt.kind == TypeKind::Usym) {
        body_.line(dest + ".addr = bpf_get_func_ip(ctx);");
        body_.line(dest + ".pid = bpf_get_current_pid_tgid() >> 32;");
        return;
      }
      if (n.name == "args" && dt.is_struct_value()) return emit_args_value(n, dest, dt);
      if (n.name == "ustack") {
        body_.line(dest + ".stack_id = bpf_get_stackid(ctx, &ustack_map, BPF_F_USER_STACK);");
        body_.line(dest + ".pid = bpf_get_current_pid_tgid() >> 32;");
        return;
      }
      break;
    case NodeKind::Tuple:
      for (size_t i = 0; i < n.args.size(); i++) {
        const Type &ft = *dt.fields[i].type;
        std::string dst = dest + ".f" + std::to_string(i);
        if (is_memory(ft)) emit_into(*n.args[i], dst, ft);
        else body_.line(dst + " = " + stored(ft, expr(*n.args[i])) + ";");
      }
      return;
    case NodeKind::Record:
      for (size_t i = 0; i < n.args.size(); i++) {
        const Type &ft = *dt.fields[i].type;
        std::string dst = dest + "." + dt.fields[i].name;
        if (is_memory(ft)) emit_into(*n.args[i], dst, ft);
        else body_.line(dst + " = " + stored(ft, expr(*n.args[i])) + ";");
      }
      return;
    case NodeKind::Call:
      if (n.op == "fn" && prog_.functions[n.id].ret == dt) {  // the function writes dest itself
        fn_call(n, dest);
        return;
      }
      if (n.name == "str") {
        const Node &p = *n.args[0];
        uint32_t size = std::min(t.size, dt.size);
        std::string len = std::to_string(size);
        if (n.args.size() == 2 && n.args[1]->kind != NodeKind::Integer)
          len = "(((__u32)(" + expr(*n.args[1]) + ") & " + std::to_string(size - 1 > 0 ? 0xffff : 0) + ") + 1 < " +
                std::to_string(size) + " ? ((__u32)(" + expr(*n.args[1]) + ") + 1) : " + std::to_string(size) + ")";
        if (p.kind == NodeKind::Positional) {
          body_.line("bpf_probe_read_kernel_str(&" + dest + ", " + len + ", (const void *)bt_str_arg_" +
                     std::to_string(p.ival) + ");");
          return;
        }
        if (p.type.kind == TypeKind::String) {
          emit_into(p, dest, dt);
          return;
        }
        bool user = reads_user(p.type);
        body_.line(std::string(user ? "bpf_probe_read_user_str" : "bpf_probe_read_kernel_str") + "(&" + dest +
                   ", " + len + ", (const void *)(" + expr(p) + "));");
        return;
      }
      if (n.name == "buf") {
        const Node &src = *n.args[0];
        uint32_t cap = dt.size - 4;
        uint32_t len = std::min(cap, t.size - 4);
        body_.line(dest + ".len = " + std::to_string(len) + ";");
        if (src.type.kind == TypeKind::Pointer || src.type.is_integer()) {
          std::string read = reads_user(src.type) ? "bpf_probe_read_user" : "bpf_probe_read_kernel";
          body_.line(read + "(" + dest + ".data, " + std::to_string(len) + ", (const void *)(" + expr(src) + "));");
        } else {
          std::string lv = expr(src);
          body_.line("bpf_probe_read_kernel(" + dest + ".data, " + std::to_string(len) + ", &" + lv + ");");
        }
        return;
      }
      if (n.name == "getopt") {
        body_.line("bpf_probe_read_kernel_str(&" + dest + ", " + std::to_string(std::min<uint32_t>(256, dt.size)) +
                   ", (const void *)bt_opt_" + std::to_string(n.id) + ");");
        return;
      }
      if (n.name == "ntop") {
        const Node &addr = *n.args.back();
        std::string af = n.args.size() == 2 ? expr(*n.args[0])
                         : addr.type.is_integer() || addr.type.size == 4 ? "2" : "10";
        body_.line(dest + ".af = " + af + ";");
        if (addr.type.is_integer())
          body_.line("*(__u32 *)" + dest + ".addr = (__u32)(" + expr(addr) + ");");
        else
          emit_into(addr, dest + ".addr", make_simple(TypeKind::Array, 16));
        return;
      }
      if (n.name == "macaddr") {
        const Node &p = *n.args[0];
        if (p.type.kind == TypeKind::Pointer)
          body_.line("bpf_probe_read_kernel(&" + dest + ", 6, (const void *)(" + expr(p) + "));");
        else
          emit_into(p, dest, make_simple(TypeKind::Array, 6));
        return;
      }
      if (n.name == "path") {  // bpf_d_path() (fentry/fexit of allow-listed functions, iter)
        const Node &p = *n.args[0];
        // A `struct path *`, `&file->f_path` or `file->f_path`: the verifier
        // wants the BTF pointer itself, so a field's address is taken in place.
        bool address_of_field = p.kind == NodeKind::Unary && p.op == "&" && p.lhs->kind == NodeKind::Field;
        std::string path = address_of_field              ? "&" + field(*p.lhs)
                            : p.type.kind == TypeKind::Pointer ? cast_to(p.type, expr(p))
                                                               : "&" + field(p);
        body_.line("bpf_d_path(" + path + ", (char *)&" + dest + ", " + std::to_string(std::min(t.size, dt.size)) + ");");
        return;
      }
      if (n.name == "usym") {
        body_.line(dest + ".addr = " + expr(*n.args[0]) + ";");
        body_.line(dest + ".pid = bpf_get_current_pid_tgid() >> 32;");
        return;
      }
      if (stdlib_emit_into(n, dest)) return;
      break;
    case NodeKind::Unary:
      if (n.op == "*" && dt.is_struct_value()) {
        // The pointer is evaluated once; every field is read through it.
        const Node &p = *n.lhs;
        const Type &pointee = p.type.elem ? *p.type.elem : p.type;
        std::string ptr = "_ptr" + std::to_string(tmp_++);
        body_.line(pointer_c_type(p.type) + ptr + " = " + cast_to(p.type, expr(p)) + ";");
        emit_struct_fields({ptr, {}, false, prog_.script_records.count(pointee.name) > 0, reads_user(p.type)}, dest,
                           dt, n.loc);
        return;
      }
      break;
    case NodeKind::Ternary: {
      body_.open("if (" + expr(*n.cond) + ")");
      if (n.lhs) emit_into(*n.lhs, dest, dt);
      else emit_into(*n.cond, dest, dt);
      body_.dedent();
      body_.open("} else");
      emit_into(*n.rhs, dest, dt);
      body_.close();
      return;
    }
    case NodeKind::BlockExpr:
      block(n.body);
      emit_into(*n.lhs, dest, dt);
      return;
    case NodeKind::IfExpr:
      body_.open("if (" + expr(*n.cond) + ")");
      emit_into(*n.lhs, dest, dt);
      body_.dedent();
      body_.open("} else");
      emit_into(*n.rhs, dest, dt);
      body_.close();
      return;
    case NodeKind::Index:
      // One struct of a kernel array of structs: read member by member at a
      // constant index (each read a CO-RE relocation), as whole struct values are.
      if (holds_struct_values(dt) && is_kernel_field(*n.lhs) && n.lhs->type.kind == TypeKind::Array) {
        if (n.rhs->kind != NodeKind::Integer)
          unsupported(n.rhs->loc, "indexing an array of structs with a non-constant index");
        CoreChain c = core_chain(*n.lhs);
        c.accessors.back() += "[" + std::to_string(n.rhs->ival) + "]";
        emit_member(c, dest, dt, {}, n.loc);
        return;
      }
      break;
    case NodeKind::Field:
      if (n.lhs->type.kind == TypeKind::Struct && n.lhs->type.name == "args") {
        if (n.ival == 2) {  // __data_loc string: offset in the low 16 bits
          body_.line("bpf_probe_read_kernel_str(&" + dest + ", sizeof(" + dest + "), (char *)ctx + (ctx->" + args_member(n.name) +
                     " & 0xffff));");
        } else {
          body_.line("bpf_probe_read_kernel(&" + dest + ", " + std::to_string(std::min(t.size, dt.size)) +
                     ", &ctx->" + args_member(n.name) + ");");
        }
        return;
      }
      if (holds_struct_values(dt) && is_kernel_field(n)) {
        emit_member(core_chain(n), dest, dt, {}, n.loc);
        return;
      }
      if ((t.kind == TypeKind::String || t.kind == TypeKind::Array) && is_kernel_field(n)) {
        CoreChain chain = core_chain(n);
        std::string macro = chain.macro(t.kind == TypeKind::String ? "_STR_INTO" : "_INTO");
        body_.line(std::string(chain.nullable ? "if (" + chain.base + ") " : "") + macro + "(&" + dest + ", " +
                   core_read_args(chain) + ");");
        return;
      }
      break;
    default:
      break;
  }
  // Variables, map values and other lvalues: copy the bytes.
  std::string src = expr(n);
  uint32_t size = std::min(t.size, dt.size);
  if (size <= 64)
    body_.line("__builtin_memcpy(&" + dest + ", &" + src + ", " + std::to_string(size) + ");");
  else
    body_.line("bpf_probe_read_kernel(&" + dest + ", " + std::to_string(size) + ", &" + src + ");");
}

// A struct value read member by member from kernel (or user) memory:
// `from` reaches the struct (a pointer, or a CO-RE chain ending at it),
// each field is one CO-RE read into the matching member of `dest`, so the
// kernel's layout on the target host does not matter.
void BpfEmitter::emit_struct_fields(const CoreChain &from, const std::string &dest, const Type &value,
                                    const Location &loc) {
  for (const auto &f : value.fields) {
    CoreChain c = from;
    if (c.accessors.empty()) c.accessors.push_back(f.name);
    else c.accessors.back() += "." + f.name;
    emit_member(c, dest + "." + f.name, *f.type, f.bitfield, loc);
  }
}

// An array whose elements are (or hold) struct values: bt2bin's layout of
// the elements differs from the kernel's, so they are read one by one.
static bool holds_struct_values(const Type &t) {
  if (t.is_struct_value()) return true;
  return t.kind == TypeKind::Array && t.elem && holds_struct_values(*t.elem);
}

// One member of a struct value, reached by `c`, into `dst`: nested structs
// and arrays of structs member by member (constant indices, so each read
// stays a CO-RE relocation), bitfields by shift and mask, anything else
// with one read.
void BpfEmitter::emit_member(const CoreChain &c, const std::string &dst, const Type &t, const Bitfield &bf,
                             const Location &loc) {
  if (t.is_struct_value()) {
    emit_struct_fields(c, dst, t, loc);
  } else if (t.kind == TypeKind::Array && t.elem && holds_struct_values(*t.elem)) {
    constexpr uint64_t max_elements = 256;
    if (t.count > max_elements)
      unsupported(loc, "an array of " + std::to_string(t.count) + " structs inside a struct value (at most " +
                           std::to_string(max_elements) + ")");
    for (uint64_t i = 0; i < t.count; i++) {
      CoreChain e = c;
      std::string index = "[" + std::to_string(i) + "]";
      e.accessors.back() += index;
      emit_member(e, dst + index, *t.elem, {}, loc);
    }
  } else if (bf) {
    body_.line(dst + " = " + bitfield_read(c, bf, loc) + ";");
  } else {
    body_.line(std::string(c.nullable ? "if (" + c.base + ") " : "") + c.macro("_INTO") + "(&" + dst + ", " +
               core_read_args(c) + ");");
  }
}

// The value of the bitfield `c` ends at (zero-extended, as bpftrace reads
// it). Pointers before the struct holding it are followed first; then a
// kernel struct's layout comes from the target's BTF, a script struct's
// from the layout clang gave it when compiling.
std::string BpfEmitter::bitfield_read(const CoreChain &c, const Bitfield &bf, const Location &loc) {
  std::string base = last_struct(c);
  const std::string &member = c.accessors.back();
  std::string read_fn = c.user ? "bpf_probe_read_user" : "bpf_probe_read_kernel";
  std::string value;
  if (c.script_type) {
    std::optional<BitfieldLayout> r = bitfield_layout(bf);
    if (!r) unsupported(loc, "a bitfield spread over more than 8 bytes ('" + member + "')");
    // The bitfield's offset is from the struct that declares it: the
    // member path without its last name.
    size_t dot = member.rfind('.');
    std::string holder = dot == std::string::npos ? base : "&" + base + "->" + member.substr(0, dot);
    value = "bt_read_bitfield(" + read_fn + ", " + holder + ", " + std::to_string(r->byte_offset) + ", " +
            std::to_string(r->byte_size) + ", " + std::to_string(r->lshift) + ", " + std::to_string(r->rshift) +
            ")";
  } else {
    value = "BT_CORE_READ_BITFIELD(" + read_fn + ", " + base + ", " + member + ")";
  }
  if (c.nullable && c.accessors.size() == 1) value = "(" + base + " ? " + value + " : 0)";
  return value;
}

// A pointer to the struct the last accessor of `c` starts from: the chain's
// base, or the pointers before it followed with one (CO-RE) read.
std::string BpfEmitter::last_struct(const CoreChain &c) {
  if (c.accessors.size() <= 1) return c.base;
  CoreChain head = c;
  head.accessors.pop_back();
  std::string path = c.base;
  for (const auto &a : head.accessors) path += "->" + a;
  std::string ptr = "_ptr" + std::to_string(tmp_++);
  std::string read = head.macro("") + "(" + core_read_args(head) + ")";
  if (c.nullable) read = c.base + " ? " + read + " : 0";
  body_.line("__typeof__(" + path + ") " + ptr + " = " + read + ";");
  return ptr;
}

// print(args): every argument, read as `args.name` would be.
void BpfEmitter::emit_args_value(const Node &args, const std::string &dest, const Type &value) {
  for (const auto &f : value.fields) {
    const FieldInfo *info = args_field(f.name);
    Node field(NodeKind::Field, args.loc);
    field.lhs.reset(const_cast<Node *>(&args));
    field.name = f.name;
    field.type = info ? info->type : *f.type;
    if (info && info->data_loc) {
      field.type = *f.type;
      field.ival = 2;
    }
    std::string dst = dest + "." + f.name;
    if (is_memory(*f.type)) emit_into(field, dst, *f.type);
    else body_.line(dst + " = " + stored(*f.type, expr(field)) + ";");
    field.lhs.release();
  }
}

std::string BpfEmitter::map_read(const Node &n) {
  const MapInfo &m = *prog_.find_map(n.name);
  std::string key = key_of(n);
  std::string sym = "&" + map_symbol(m.name);
  switch (m.value.kind) {
    case TypeKind::Count:
    case TypeKind::Sum:
    case TypeKind::Min:
    case TypeKind::Max:
    case TypeKind::Avg:
      return aggregate_value(m, "&" + key);
    case TypeKind::Stats:
    case TypeKind::Hist:
    case TypeKind::Lhist:
    case TypeKind::Tseries:
      unsupported(n.loc, "reading a " + m.value.to_string() + " map value inside a probe");
    default:
      break;
  }
  if (is_memory(m.value)) {
    std::string tmp = temp(m.value, "_val");
    body_.open("");
    body_.line("void *_p = bpf_map_lookup_elem(" + sym + ", &" + key + ");");
    body_.line("");
    body_.line("if (_p)");
    body_.line("\t__builtin_memcpy(&" + tmp + ", _p, sizeof(" + tmp + "));");
    body_.line("else");
    body_.line("\t__builtin_memset(&" + tmp + ", 0, sizeof(" + tmp + "));");
    body_.close();
    return tmp;
  }
  std::string vt = types_.name(m.value);
  return "({ " + vt + " *_p = bpf_map_lookup_elem(" + sym + ", &" + key + "); _p ? *_p : 0; })";
}

std::string BpfEmitter::builtin(const Node &n) {
  const std::string &b = n.name;
  if (b == "pid") return "(__u32)(bt_ns_pid_tgid() >> 32)";
  if (b == "tid") return "(__u32)bt_ns_pid_tgid()";
  if (b == "leader_tid") return "BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), group_leader, pid)";
  if (b == "has_cpid") return "(bt_child_pid != 0)";
  if (b == "uid") return "(__u32)bpf_get_current_uid_gid()";
  if (b == "gid") return "(__u32)(bpf_get_current_uid_gid() >> 32)";
  if (b == "nsecs") return "bpf_ktime_get_boot_ns()";
  if (b == "elapsed") return "(bpf_ktime_get_boot_ns() - bt_start_ns)";
  if (b == "cpu") return "bpf_get_smp_processor_id()";
  if (b == "ncpus") return "bt_ncpus";
  if (b == "numaid") return "bpf_get_numa_node_id()";
  if (b == "cgroup") return "bpf_get_current_cgroup_id()";
  if (b == "rand") return "bpf_get_prandom_u32()";
  if (b == "jiffies") return "bpf_jiffies64()";
  if (b == "cpid") return "bt_child_pid";
  if (b == "curtask") return "((struct task_struct *)bpf_get_current_task())";
  if (b == "ppid") return "BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), real_parent, tgid)";
  if (b == "username") return "(__u32)bpf_get_current_uid_gid()";
  if (b == "retval") {
    if (ap_->provider == "fexit") return "(__s64)ctx[" + std::to_string(args_->return_index) + "]";
    return "(__s64)" + retval_expression(ap_->provider);
  }
  if (b == "func") return "bpf_get_func_ip(ctx)";
  if (b == "kstack") return "bpf_get_stackid(ctx, &kstack_map, 0)";
  if (b == "ctx") return n.type.kind == TypeKind::Pointer ? "ctx" : "((__u64)ctx)";
  if (int i = builtin_arg_index(b); i >= 0) return "(__u64)" + arg_expression(ap_->provider, i);
  if (b == "usermode") {
    // The privilege level in the low bits of the interrupted cs selector;
    // other probe types were folded to a constant by the analyser.
    ProgramKind kind = program_kind(ap_->provider);
    if (kind == ProgramKind::PerfEvent)
      // cs is 16 bits wide; perf_event contexts only allow 8-byte loads.
      return "((*(__u64 *)((char *)ctx + __builtin_offsetof(struct bpf_perf_event_data, regs.cs)) & 3) == 3)";
    if (kind == ProgramKind::Kprobe) return "((BPF_CORE_READ(ctx, cs) & 3) == 3)";
    unsupported(n.loc, "usermode in a " + ap_->provider + " probe");
  }
  if (b == "pcomm" || b == "comm" || b == "probe" || b == "probetype" || b == "ustack" || b == "leader_comm") {
    std::string t = temp(n.type);
    zero(t);
    emit_into(n, t, n.type);
    return t;
  }
  unsupported(n.loc, "the builtin '" + b + "'");
}

// A field access path as an lvalue on a typed pointer: `task->real_parent->pid`.
// vmlinux.h types carry preserve_access_index, so every load through such a
// pointer is a CO-RE relocation.
std::string BpfEmitter::field(const Node &n) {
  const Node &obj = *n.lhs;
  if (obj.type.kind == TypeKind::Struct && obj.type.name == "args") return "ctx->" + args_member(n.name);
  if (obj.type.kind == TypeKind::Struct && obj.kind == NodeKind::Field) return field(obj) + "." + n.name;
  return "(" + expr(obj) + ")->" + n.name;
}

static bool is_kernel_field(const Node &n) {
  if (n.kind != NodeKind::Field) return false;
  if (n.lhs->kind == NodeKind::Builtin && n.lhs->name == "ctx") return false;  // a direct context load
  const Type &t = n.lhs->type;
  return !(t.kind == TypeKind::Struct && t.name == "args") && t.kind != TypeKind::Record &&
         t.kind != TypeKind::Tuple && !t.is_struct_value();
}

// `t->real_parent->tgid` as BPF_CORE_READ(t, real_parent, tgid): a pointer
// chain becomes one CO-RE read with one accessor per dereference; embedded
// structs join their member names with '.'.
BpfEmitter::CoreChain BpfEmitter::core_chain(const Node &n) {
  const Node &obj = *n.lhs;
  // `p->arr[2].x`, `p->ptrs[1]->y`: a constant index into an array member
  // stays in the chain, so the element is reached with CO-RE too.
  bool constant_index = obj.kind == NodeKind::Index && obj.rhs->kind == NodeKind::Integer &&
                        is_kernel_field(*obj.lhs) && obj.lhs->type.kind == TypeKind::Array;
  if (constant_index && (obj.type.kind == TypeKind::Struct || obj.type.kind == TypeKind::Pointer)) {
    CoreChain c = core_chain(*obj.lhs);
    c.accessors.back() += "[" + std::to_string(obj.rhs->ival) + "]";
    if (obj.type.kind == TypeKind::Struct) c.accessors.back() += "." + n.name;
    else c.accessors.push_back(n.name);
    return c;
  }
  if (is_kernel_field(obj) && (obj.type.kind == TypeKind::Struct || obj.type.kind == TypeKind::Pointer)) {
    CoreChain c = core_chain(obj);
    if (obj.type.kind == TypeKind::Struct) c.accessors.back() += "." + n.name;
    else c.accessors.push_back(n.name);
    return c;
  }
  // The base pointer goes into a local first: CO-RE reads cannot nest (the
  // base may itself be a CO-RE read, e.g. PT_REGS_PARM1_CORE).
  std::string base = obj.type.kind == TypeKind::Pointer ? cast_to(obj.type, expr(obj)) : expr(obj);
  // Context fields can be BTF pointers the verifier wants null-checked
  // before any arithmetic (iter's ctx->task).
  bool nullable = obj.kind == NodeKind::Field && obj.lhs->kind == NodeKind::Builtin && obj.lhs->name == "ctx";
  const Type &pointee = obj.type.kind == TypeKind::Pointer && obj.type.elem ? *obj.type.elem : obj.type;
  bool script_type = prog_.script_records.count(pointee.name) > 0;
  bool user = reads_user(obj.type);
  if (obj.kind != NodeKind::Variable) {
    std::string local = "_ptr" + std::to_string(tmp_++);
    body_.line(pointer_c_type(obj.type.kind == TypeKind::Pointer ? obj.type : make_pointer(obj.type)) + local +
               " = " + base + ";");
    base = local;
  }
  return {base, {n.name}, nullable, script_type, user};
}

std::string BpfEmitter::core_read_args(const CoreChain &c) {
  std::string s = c.base;
  for (const auto &a : c.accessors) s += ", " + a;
  return s;
}

// Zeroes `size` bytes at `lvalue`; big objects are cleared by copying from a
// zero-filled global, because clang turns a large memset into a libcall.
void BpfEmitter::zero(const std::string &lvalue) {
  uint32_t size = temp_sizes_.count(lvalue) ? temp_sizes_[lvalue] : 0;
  if (size <= 128) {
    body_.line("__builtin_memset(&" + lvalue + ", 0, sizeof(" + lvalue + "));");
    return;
  }
  zeros_size_ = std::max(zeros_size_, size);
  body_.line("bpf_probe_read_kernel(&" + lvalue + ", sizeof(" + lvalue + "), bt_zeros);");
}

std::string BpfEmitter::call_expr(const Node &n) {
  const std::string &f = n.name;
  if (n.op == "fn") return fn_call(n);  // a script function
  if (n.op == "c") {                     // a function of an imported .bpf.c file
    const CFunction &cf = prog_.c_functions[n.id];
    std::string args;
    for (size_t i = 0; i < n.args.size(); i++)
      args += (i ? ", " : "") + cast_to(cf.params[i], expr(*n.args[i]));
    return cf.name + "(" + args + ")";
  }
  if (f == "has_key") {
    std::string key = key_of_call(*n.args[0], *n.args[1]);
    return "(bpf_map_lookup_elem(&" + map_symbol(n.args[0]->name) + ", &" + key + ") != NULL)";
  }
  if (f == "bswap") {
    uint32_t s = n.type.size;
    return s == 2 ? "__builtin_bswap16(" + expr(*n.args[0]) + ")"
                  : s == 4 ? "__builtin_bswap32(" + expr(*n.args[0]) + ")"
                           : "__builtin_bswap64(" + expr(*n.args[0]) + ")";
  }
  if (f == "kptr" || f == "uptr") return expr(*n.args[0]);
  if (f == "delete") {
    // delete(@m, k) / delete(@m[k]): true when the element existed.
    const Node &map = *n.args[0];
    if (n.args.size() == 1 && map.args.empty() && !prog_.find_map(map.name)->is_scalar())
      unsupported(n.loc, "the result of delete() of a whole map");
    std::string key;
    if (n.args.size() == 2) {
      Node fake(NodeKind::Map, map.loc);
      fake.name = map.name;
      fake.args.push_back(NodePtr(const_cast<Node *>(n.args[1].get())));
      key = key_of(fake);
      fake.args[0].release();
    } else {
      key = key_of(map);
    }
    return "(bpf_map_delete_elem(&" + map_symbol(map.name) + ", &" + key + ") == 0)";
  }
  if (f == "kaddr") return "bt_kaddr_" + std::to_string(n.id);
  if (f == "getopt" && !is_memory(n.type)) return "bt_opt_" + std::to_string(n.id);
  if (f == "uaddr") {
    std::string id = std::to_string(n.id);
    return "(bt_uaddr_" + id + " + (bt_uaddr_bias_" + id + " ? PT_REGS_IP_CORE(ctx) - bt_uaddr_bias_" + id +
           " : 0))";
  }
  if (f == "reg") {
    std::string r = n.args[0]->str == "pc" ? "ip" : n.args[0]->str;
    return "BPF_CORE_READ(ctx, " + r + ")";
  }
  if (f == "strftime" || f == "strerror") return "(__u64)(" + expr(*n.args[1 - (f == "strerror")]) + ")";
  if (f == "strlen")
    return "bt_strlen(" + expr(*n.args[0]) + ", " + std::to_string(n.args[0]->type.size) + ")";
  if (f == "strcontains")
    return "bt_strcontains(" + expr(*n.args[0]) + ", " + std::to_string(n.args[0]->type.size) + ", " +
           expr(*n.args[1]) + ", " + std::to_string(n.args[1]->type.size) + ")";
  if (f == "len" && n.args[0]->kind == NodeKind::Map)
    return "bt_map_len(&" + map_symbol(n.args[0]->name) + ")";
  if (f == "len") {
    // The depth of a stack: bpf_get_stack() fills (up to the limit) frames
    // in scratch memory and returns their size in bytes.
    const Type &stack = n.args[0]->type;
    uint32_t limit = stack.count ? stack.count : 127;
    std::string frames = temp(make_string(limit * 8), "_frames");
    std::string bytes = "_stack_bytes" + std::to_string(tmp_++);
    body_.line("long " + bytes + " = bpf_get_stack(ctx, &" + frames + ", sizeof(" + frames + "), " +
               (stack.kind == TypeKind::Ustack ? "BPF_F_USER_STACK" : "0") + ");");
    return "(" + bytes + " > 0 ? (__u64)" + bytes + " / 8 : 0)";
  }
  if (f == "ksym") return "(__u64)(" + expr(*n.args[0]) + ")";
  if (f == "strncmp") {
    return "(!bt_streq(" + expr(*n.args[0]) + ", " + expr(*n.args[1]) + ", " + std::to_string(n.args[2]->ival) + "))";
  }
  if (auto e = stdlib_call_expr(n)) return *e;
  // --- kernel objects ---
  if (f == "percpu_kaddr") {
    std::string var = "&" + prog_.percpu_symbols[n.id].name;
    if (n.args.size() == 1) return "((__u64)bpf_this_cpu_ptr(" + var + "))";
    return "((__u64)bpf_per_cpu_ptr(" + var + ", " + expr(*n.args[1]) + "))";
  }
  if (f == "cgroupid") return "bt_cgroupid_" + std::to_string(n.id);
  if (f == "cgroup_path") return "((__u64)(" + expr(*n.args[0]) + "))";
  if (f == "kfunc_exist" || f == "kfunc_allowed") return "bt_kfunc_" + std::to_string(n.id);
  if (f == "socket_cookie") return "bpf_get_socket_cookie(" + expr(*n.args[0]) + ")";
  if (f == "override") return "bpf_override_return(ctx, " + expr(*n.args[0]) + ")";
  if (f == "skboutput") return skb_output(n);
  if (f == "write_user") return write_user(n);
  if (is_memory(n.type)) {
    std::string t = temp(n.type);
    zero(t);
    emit_into(n, t, n.type);
    return t;
  }
  unsupported(n.loc, "the function '" + f + "()'");
}

// --- kernel objects ---

// skboutput(file, skb, len, off): the first `len` bytes of the packet go to
// userspace through the perf event array after a small header; the
// runtime writes them to the pcap file of this site.
std::string BpfEmitter::skb_output(const Node &n) {
  std::string id = std::to_string(tmp_++);
  std::string hdr = "_skb_hdr" + id, ret = "_skb_ret" + id;
  std::string skb = expr(*n.args[1]);
  std::string len = expr(*n.args[2]);
  body_.line("struct bt_skb_record " + hdr + " = {");
  body_.line("\t.site = " + std::to_string(n.id) + ",");
  body_.line("\t.ns = bpf_ktime_get_boot_ns(),");
  body_.line("\t.len = (__u32)(" + len + "),");
  body_.line("};");
  body_.line("__u32 " + ret + " = bpf_skb_output(" + skb + ", &skb_events, ((__u64)" + hdr +
             ".len << 32) | BPF_F_CURRENT_CPU, &" + hdr + ", sizeof(" + hdr + "));");
  return ret;
}

// write_user(dst, src, len): bpf_probe_write_user() of at most the source's
// size; a zero length writes nothing.
std::string BpfEmitter::write_user(const Node &n) {
  const Node &dst = *n.args[0], &src = *n.args[1], &len = *n.args[2];
  std::string ret = "_wu_ret" + std::to_string(tmp_);
  std::string count = "_wu_len" + std::to_string(tmp_++);
  std::string from;
  uint32_t size;
  if (src.type.is_integer()) {
    from = "_wu_val" + std::to_string(tmp_++);
    body_.line("__u64 " + from + " = " + expr(src) + ";");
    from = "&" + from;
    size = 8;
  } else if (src.type.kind == TypeKind::Buffer) {
    from = expr(src) + ".data";
    size = src.type.size - 4;
  } else {
    from = "&" + expr(src);
    size = src.type.size;
  }
  std::string to = "(void *)(" + expr(dst) + ")";
  if (len.kind == NodeKind::Integer) {  // checked against the source size by the analyser
    body_.line("long " + ret + " = bpf_probe_write_user(" + to + ", " + from + ", " + std::to_string(len.ival) + ");");
    return ret;
  }
  body_.line("long " + ret + " = 0;");
  body_.line("__u32 " + count + " = (__u32)(" + expr(len) + ");");
  body_.line("");
  body_.line("if (" + count + " > " + std::to_string(size) + ")");
  body_.line("\t" + count + " = " + std::to_string(size) + ";");
  body_.line("if (" + count + ")");
  body_.line("\t" + ret + " = bpf_probe_write_user(" + to + ", " + from + ", " + count + ");");
  return ret;
}


std::string BpfEmitter::expr(const Node &n) {
  switch (n.kind) {
    case NodeKind::Integer:
      return integer_literal(n);
    case NodeKind::Bool:
      return n.ival ? "1" : "0";
    case NodeKind::String: {
      std::string t = temp(n.type, "_str");
      body_.line("__builtin_memcpy(&" + t + ", " + c_string_literal(n.str) + ", " + std::to_string(n.type.size) + ");");
      return t;
    }
    case NodeKind::Builtin:
      return builtin(n);
    case NodeKind::Positional:
      if (n.name == "#") return "bt_num_args";
      return "bt_arg_" + std::to_string(n.ival);
    case NodeKind::Variable:
      if (is_memory(n.type)) return var_lvalue_[n.id];
      if (n.type.kind == TypeKind::Pointer) return cast_to(n.type, scalar_var(n));
      return scalar_var(n);
    case NodeKind::Map:
      return map_read(n);
    case NodeKind::Call:
      return call_expr(n);
    case NodeKind::Unary: {
      if (n.op == "&" && is_kernel_field(*n.lhs) && !n.lhs->bitfield) {
        // &p->a.b: the address computed from the (relocated) member offset, nothing read.
        CoreChain c = core_chain(*n.lhs);
        std::string member = "&" + last_struct(c) + "->" + c.accessors.back();
        return "((__u64)" + (c.script_type ? member : "__builtin_preserve_access_index(" + member + ")") + ")";
      }
      std::string e = expr(*n.lhs);
      if (n.op == "*") {
        std::string tmp = "_d" + std::to_string(tmp_++);
        body_.line(types_.decl(n.type, tmp) + " = 0;");
        body_.line(std::string(reads_user(n.lhs->type) ? "bpf_probe_read_user" : "bpf_probe_read_kernel") + "(&" +
                   tmp + ", sizeof(" + tmp + "), (const void *)(" + e + "));");
        return tmp;
      }
      if (n.op == "&") {
        if (n.lhs->kind != NodeKind::Variable) unsupported(n.loc, "taking the address of a map value or a field");
        if (is_memory(var_type(*n.lhs))) return "((__u64)&" + var_lvalue_[n.lhs->id] + ")";
        return "((__u64)&" + scalar_var(*n.lhs) + ")";
      }
      // `-x` and `~x` compute in their (64-bit) result type; a negative
      // literal is written as it is.
      if ((n.op == "-" || n.op == "~") && n.type.is_integer() && n.lhs->kind != NodeKind::Integer &&
          n.lhs->type != n.type)
        e = cast_to(n.type, e);
      return "(" + n.op + e + ")";
    }
    case NodeKind::IncDec: {
      const Node &t = *n.lhs;
      bool prefix = n.ival == 1;
      if (t.kind == NodeKind::Variable) {
        std::string v = scalar_var(t);
        return prefix ? "(" + n.op + v + ")" : "(" + v + n.op + ")";
      }
      const MapInfo &m = *prog_.find_map(t.name);
      std::string key = key_of(t);
      std::string vt = types_.name(m.value);
      std::string sym = "&" + map_symbol(m.name);
      std::string tmp = "_old" + std::to_string(tmp_++);
      body_.line("__s64 " + tmp + " = 0;");
      body_.open("");
      body_.line(vt + " _init = 0, *_v = bt_lookup_or_init(" + sym + ", &" + key + ", &_init);");
      body_.line("");
      body_.open("if (_v)");
      body_.line(tmp + " = *_v;");
      body_.line("*_v " + std::string(n.op == "++" ? "+= 1" : "-= 1") + ";");
      body_.close();
      body_.close();
      return prefix ? "(" + tmp + (n.op == "++" ? " + 1)" : " - 1)") : tmp;
    }
    case NodeKind::Binary: {
      if (n.folded) return integer_literal(n);
      const std::string &op = n.op;
      const Node &a = *n.lhs, &b = *n.rhs;
      if ((op == "==" || op == "!=") && a.type.kind == TypeKind::String) {
        std::string la = expr(a), lb = expr(b);
        uint32_t size = std::min(a.type.size, b.type.size);
        return std::string(op == "!=" ? "!" : "") + "bt_streq(" + la + ", " + lb + ", " + std::to_string(size) + ")";
      }
      if ((op == "==" || op == "!=") && is_memory(a.type)) {
        std::string la = expr(a), lb = expr(b);
        return std::string(op == "!=" ? "!" : "") + "bt_memeq(&" + la + ", &" + lb + ", sizeof(" + la + "))";
      }
      std::string la = expr(a), lb = expr(b);
      if (op == "/" || op == "%")
        return division(op, n.type.is_signed, la, lb, n.loc);
      if (n.type.is_integer() && (op == "+" || op == "-" || op == "*" || op == "<<" || op == ">>" || op == "&" ||
                                  op == "|" || op == "^"))
        return "(" + cast_to(n.type, la) + " " + op + " " + cast_to(n.type, lb) + ")";
      // Integer comparisons convert both operands to their promoted type.
      if (n.operand_type.is_integer() && a.type.is_integer() && b.type.is_integer()) {
        if (a.type == n.operand_type && b.type == n.operand_type) return "(" + la + " " + op + " " + lb + ")";
        return "(" + cast_to(n.operand_type, la) + " " + op + " " + cast_to(n.operand_type, lb) + ")";
      }
      return "(" + la + " " + op + " " + lb + ")";
    }
    case NodeKind::Ternary: {
      if (is_memory(n.type)) {
        std::string t = temp(n.type);
        zero(t);
        emit_into(n, t, n.type);
        return t;
      }
      std::string c = expr(*n.cond);
      std::string a = n.lhs ? expr(*n.lhs) : c;
      std::string b = expr(*n.rhs);
      return "(" + c + " ? " + cast_to(n.type, a) + " : " + cast_to(n.type, b) + ")";
    }
    case NodeKind::Field: {
      if (n.lhs->type.kind == TypeKind::Struct && n.lhs->type.name == "args" &&
          (ap_->provider == "fentry" || ap_->provider == "fexit" || ap_->provider == "rawtracepoint")) {
        const FieldInfo *f = args_field(n.name);
        int i = f ? f->arg_index : 0;
        return cast_to(n.type, "ctx[" + std::to_string(i) + "]");
      }
      if (n.lhs->type.kind == TypeKind::Struct && n.lhs->type.name == "args") {
        if (is_memory(n.type)) {
          std::string t = temp(n.type);
          zero(t);
          emit_into(n, t, n.type);
          return t;
        }
        return cast_to(n.type, "ctx->" + args_member(n.name));
      }
      if (n.lhs->type.kind == TypeKind::Record || n.lhs->type.kind == TypeKind::Tuple ||
          n.lhs->type.is_struct_value())
        return expr(*n.lhs) + "." + n.name;
      if (n.lhs->kind == NodeKind::Builtin && n.lhs->name == "ctx" && ap_->provider == "iter" && !function_)
        return cast_to(n.type, iter_ctx_field(n.name, "__typeof__(ctx->" + n.name + ") _ctx_" + n.name + " = ctx->" +
                                                          n.name + ";"));
      if (n.lhs->kind == NodeKind::Builtin && n.lhs->name == "ctx")
        return cast_to(n.type, "ctx->" + n.name);  // context fields are direct loads
      if (is_memory(n.type)) {
        std::string t = temp(n.type);
        zero(t);
        emit_into(n, t, n.type);
        return t;
      }
      if (n.type.kind == TypeKind::Struct)
        unsupported(n.loc, "using a whole struct value");
      if (n.bitfield) return bitfield_read(core_chain(n), n.bitfield, n.loc);
      CoreChain chain = core_chain(n);
      std::string read = chain.macro("") + "(" + core_read_args(chain) + ")";
      if (chain.nullable) read = "(" + chain.base + " ? " + read + " : 0)";
      return cast_to(n.type, read);
    }
    case NodeKind::TupleIndex:
      return expr(*n.lhs) + ".f" + std::to_string(n.ival);
    case NodeKind::Index: {
      const Type &t = n.lhs->type;
      std::string base = expr(*n.lhs);
      if (t.kind == TypeKind::Pointer) {
        std::string tmp = "_d" + std::to_string(tmp_++);
        body_.line(types_.decl(n.type, tmp) + " = 0;");
        body_.line(std::string(reads_user(t) ? "bpf_probe_read_user" : "bpf_probe_read_kernel") + "(&" + tmp +
                   ", sizeof(" + tmp + "), (const void *)(" + base + " + (" +
                   expr(*n.rhs) + ")));");
        return tmp;
      }
      return base + "[" + expr(*n.rhs) + "]";
    }
    case NodeKind::Cast:
      return cast_to(n.type, expr(*n.lhs));
    case NodeKind::BlockExpr:
      // Statements first (their variables have expansion-unique names), then the value.
      block(n.body);
      return n.lhs ? expr(*n.lhs) : "0";
    case NodeKind::IfExpr:
      return if_value(n);
    case NodeKind::Tuple:
    case NodeKind::Record: {
      std::string t = temp(n.type, "_tuple");
      zero(t);
      emit_into(n, t, n.type);
      return t;
    }
    default:
      unsupported(n.loc, std::string("the expression '") + node_kind_name(n.kind) + "'");
  }
}

// `if c { a } else { b }` as a value: each branch runs its statements and
// stores its value in one temporary.
std::string BpfEmitter::if_value(const Node &n) {
  if (is_memory(n.type)) {
    std::string t = temp(n.type);
    zero(t);
    emit_into(n, t, n.type);
    return t;
  }
  std::string t = "_if" + std::to_string(tmp_++);
  body_.line(types_.decl(n.type, t) + ";");
  body_.open("if (" + expr(*n.cond) + ")");
  body_.line(t + " = " + stored(n.type, expr(*n.lhs)) + ";");
  body_.dedent();
  body_.open("} else");
  body_.line(t + " = " + stored(n.type, expr(*n.rhs)) + ";");
  body_.close();
  return t;
}

// ------------------------------------------------------ functions --

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

static void collect_fn_ids(const Node *n, std::vector<int> &out) {
  if (!n) return;
  if (n->kind == NodeKind::Call && n->op == "fn") out.push_back(n->id);
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()}) collect_fn_ids(c, out);
  for (const auto &a : n->args) collect_fn_ids(a.get(), out);
  for (const auto &b : n->body) collect_fn_ids(b.get(), out);
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

// Whether the function body may change its parameter `name` (then the
// caller passes a copy of a memory-valued argument, not its variable).
static bool writes_var(const Node *n, const std::string &name) {
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

static bool writes_var_in(const FunctionInfo &fi, size_t param) {
  for (const auto &s : fi.def->body)
    if (writes_var(s.get(), fi.def->params[param].name)) return true;
  return false;
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

// ------------------------------------- builtins with arguments, stdlib --
// Builtins with arguments (pid(init), nsecs(tai), comm(pid), ...), the
// string and name helpers of bpftrace's standard library, and assert().

// `task` in a local, as CO-RE reads want a plain typed pointer.
std::string BpfEmitter::task_local(const Node &task) {
  std::string local = "_task" + std::to_string(tmp_++);
  body_.line("struct task_struct *" + local + " = " + cast_to(task.type, expr(task)) + ";");
  return local;
}

bool BpfEmitter::stdlib_call_stmt(const Node &n) {
  const std::string &f = n.name;
  if (f == "signal_thread") {
    body_.line("bpf_send_signal_thread(" + expr(*n.args[0]) + ");");
    return true;
  }
  if (f == "static_assert" || (f == "fail" && n.ival == 0)) {
    body_.line("/* " + f + "(): checked at compile time */");
    return true;
  }
  if (f == "fail") {
    // Under a condition on positional parameters: reported when it runs.
    format_call(n);
    exit_record("1");
    body_.line("return 0;");
    return true;
  }
  if (f == "assert") {
    body_.open("if (!(" + expr(*n.args[0]) + "))");
    format_record(prog_.formats[n.id], {n.args[1].get()});
    exit_record("1");
    body_.line("return 0;");
    body_.close();
    return true;
  }
  return false;
}

std::optional<std::string> BpfEmitter::stdlib_call_expr(const Node &n) {
  const std::string &f = n.name;
  if (f == "pid" || f == "tid") {
    std::string both = n.ival ? "bpf_get_current_pid_tgid()" : "bt_ns_pid_tgid()";
    return f == "pid" ? "(__u32)(" + both + " >> 32)" : "(__u32)" + both;
  }
  if (f == "nsecs") {
    static const char *const clocks[] = {"bpf_ktime_get_boot_ns()", "bpf_ktime_get_ns()", "bpf_ktime_get_tai_ns()",
                                         "(bpf_ktime_get_boot_ns() + bt_boot_to_tai_ns)"};
    return std::string(clocks[n.ival < 4 ? n.ival : 0]);
  }
  if (f == "ppid" || f == "leader_tid") {
    std::string task = task_local(*n.args[0]);
    return "BPF_CORE_READ(" + task + (f == "ppid" ? ", real_parent, tgid)" : ", group_leader, pid)");
  }
  if (f == "strstr") {
    const Node &h = *n.args[0], &needle = *n.args[1];
    std::string lh = expr(h), ln = expr(needle);
    return "bt_strstr(" + lh + ", " + std::to_string(h.type.size) + ", " + ln + ", " +
           std::to_string(needle.type.size) + ")";
  }
  if (f == "strcap")  // a pointer; strings and arrays were folded to their capacity
    return "bt_strcap_of_pointer((const char *)(" + expr(*n.args[0]) + "), " +
           std::to_string(prog_.config.max_strlen) + ")";
  if (f == "memcmp") {
    std::string side[2];
    uint32_t size = UINT32_MAX;
    for (int i = 0; i < 2; i++) {
      const Node &a = *n.args[i];
      if (is_memory(a.type)) {
        side[i] = expr(a);
      } else {
        side[i] = "_cmp" + std::to_string(tmp_++);
        body_.line(types_.decl(a.type, side[i]) + " = " + expr(a) + ";");
      }
      size = std::min(size, a.type.size);
    }
    return "bt_memcmp(&" + side[0] + ", &" + side[1] + ", " + expr(*n.args[2]) + ", " + std::to_string(size) + ")";
  }
  if (f == "is_err") return "((__u64)(" + expr(*n.args[0]) + ") >= (__u64)-4095)";
  if (f == "find") {
    // One lookup: on a hit the value is copied into the variable.
    const Node &map = *n.args[0], &var = *n.args[2];
    const MapInfo &m = *prog_.find_map(map.name);
    std::string key = key_of_call(map, *n.args[1]);
    const Type &vt = var_type(var);
    if (!declared_vars_.count(var.id)) {
      if (is_memory(vt)) {
        var_lvalue_[var.id] = temp(vt, var_name(var.name) + "_");
        zero(var_lvalue_[var.id]);
      } else {
        body_.line(types_.decl(vt, var_name(var.name)) + " = 0;");
      }
      declared_vars_.insert(var.id);
    }
    std::string lv = is_memory(vt) ? var_lvalue_[var.id] : var_name(var.name);
    std::string found = "_found" + std::to_string(tmp_++);
    body_.line("int " + found + " = 0;");
    body_.open("");
    body_.line("void *_p = bpf_map_lookup_elem(&" + map_symbol(m.name) + ", &" + key + ");");
    body_.line("");
    body_.open("if (_p)");
    if (is_memory(vt) && vt.size > m.value.size) zero(lv);
    body_.line("__builtin_memcpy(&" + lv + ", _p, " + std::to_string(std::min(vt.size, m.value.size)) + ");");
    body_.line(found + " = 1;");
    body_.close();
    body_.close();
    return found;
  }
  return std::nullopt;
}

bool BpfEmitter::stdlib_emit_into(const Node &n, const std::string &dest) {
  const std::string &f = n.name;
  if (f == "pcomm" || f == "leader_comm") {
    std::string task = task_local(*n.args[0]);
    body_.line("BPF_CORE_READ_STR_INTO(&" + dest + ", " + task + ", " +
               (f == "pcomm" ? "real_parent" : "group_leader") + ", comm);");
    return true;
  }
  if (f == "syscall_name" || f == "signal_name") {
    body_.line("bt_" + f + "((char *)&" + dest + ", " + expr(*n.args[0]) + ");");
    return true;
  }
  if (f == "pton") {
    std::string bytes;
    for (unsigned char c : n.str) bytes += (bytes.empty() ? "" : ", ") + std::to_string(c);
    body_.line("__builtin_memcpy(&" + dest + ", (const __u8[]){" + bytes + "}, " + std::to_string(n.str.size()) + ");");
    return true;
  }
  if (f == "comm") {
    // comm(pid): "[unknown]" without bpf_task_from_pid(), "N/A" for no such task.
    std::string pid = "_pid" + std::to_string(tmp_++);
    std::string ret = "_ret" + std::to_string(tmp_++);
    body_.line("__s32 " + pid + " = " + expr(*n.args[0]) + ";");
    body_.line("int " + ret + " = bt_comm_of_pid((char *)&" + dest + ", " + pid + ");");
    body_.line("");
    body_.open("if (" + ret + " == BT_COMM_NO_KFUNC)");
    format_record(prog_.formats[n.id], {});
    body_.line("__builtin_memcpy(&" + dest + ", \"[unknown]\", sizeof(\"[unknown]\"));");
    body_.dedent();
    body_.open("} else if (" + ret + " == BT_COMM_NO_TASK)");
    format_record(prog_.formats[n.id + 1], {nullptr}, {pid});
    body_.line("__builtin_memcpy(&" + dest + ", \"N/A\", sizeof(\"N/A\"));");
    body_.close();
    return true;
  }
  return false;
}

// -------------------------------------------------------- tseries --

// The key of a bucketed map (hist, lhist, tseries): the user key followed
// by `bucket`. Returns its lvalue.
std::string BpfEmitter::bucket_key(const Node &target, const MapInfo &m, const std::string &bucket) {
  if (m.is_scalar()) {
    std::string key = "_key" + std::to_string(tmp_++);
    body_.line("__u64 " + key + " = " + bucket + ";");
    return key;
  }
  std::string key = temp(make_tuple({m.key, make_int(8, false)}), "_key");
  zero(key);
  if (target.args.size() == 1 && !is_memory(m.key))
    body_.line(key + ".f0 = " + expr(*target.args[0]) + ";");
  else if (target.args.size() == 1)
    emit_into(*target.args[0], key + ".f0", m.key);
  else
    for (size_t i = 0; i < target.args.size(); i++) {
      const Type &ft = *m.key.fields[i].type;
      std::string dst = key + ".f0.f" + std::to_string(i);
      if (is_memory(ft)) emit_into(*target.args[i], dst, ft);
      else body_.line(dst + " = " + expr(*target.args[i]) + ";");
    }
  body_.line(key + ".f1 = " + bucket + ";");
  return key;
}

// `@m[k] = tseries(v, interval, n[, agg])`: the per-CPU slot of the current
// interval (epoch % n) starts over when it holds an older epoch, else
// combines the value with the one recorded so far in this interval.
void BpfEmitter::aggregate_tseries(const Node &target, const Node &call) {
  const MapInfo &m = *prog_.find_map(target.name);
  uses_tseries_ = true;
  const Type &t = m.value;
  auto agg = static_cast<TseriesAgg>(t.agg_args[2]);
  std::string ct = t.is_signed ? "__s64" : "__u64";
  body_.open("");
  body_.line("__s64 _arg = (__s64)(" + expr(*call.args[0]) + ");");
  body_.line("__u64 _now = bpf_ktime_get_boot_ns() + bt_tai_offset_ns;");
  body_.line("__u64 _epoch = _now / " + std::to_string(t.agg_args[0]) + "ULL;");
  std::string key = bucket_key(target, m, "_epoch % " + std::to_string(t.agg_args[1]));
  body_.line("struct bt_tseries _zero_value = {}, *_value = bt_lookup_or_init(&" + map_symbol(m.name) + ", &" + key +
             ", &_zero_value);");
  body_.line("");
  body_.open("if (_value && _value->epoch != _epoch)");
  body_.line("_value->epoch = _epoch;");
  body_.line("_value->value = _arg;");
  body_.line(std::string("_value->meta = ") + (agg == TseriesAgg::Last ? "_now" : agg == TseriesAgg::Avg ? "1" : "0") +
             ";");
  body_.dedent();
  body_.open("} else if (_value)");
  switch (agg) {
    case TseriesAgg::Last:
      body_.line("_value->value = _arg;");
      body_.line("_value->meta = _now;");
      break;
    case TseriesAgg::Avg:
      body_.line("_value->value += _arg;");
      body_.line("_value->meta++;");
      break;
    case TseriesAgg::Sum:
      body_.line("_value->value += _arg;");
      break;
    case TseriesAgg::Max:
    case TseriesAgg::Min:
      body_.line("if ((" + ct + ")_arg " + (agg == TseriesAgg::Max ? ">" : "<") + " (" + ct + ")_value->value)");
      body_.line("\t_value->value = _arg;");
      break;
  }
  body_.close();
  body_.close();
}

// ------------------------------------------------------------ top level --

bool BpfEmitter::emit(EmittedSources &out, Diagnostics &diags) {
  try {
    for (int id : functions_callees_first()) emit_function(prog_.functions[id]);
    for (const auto &info : prog_.probes)
      for (size_t i = 0; i < info.probe->attach_points.size(); i++) {
        const AttachPoint &ap = info.probe->attach_points[i];
        emit_probe(info, ap);
        if (i < info.fentry_twins.size() && info.fentry_twins[i]) {
          AttachPoint twin = fentry_twin(ap);
          emit_probe(info, twin, &*info.fentry_twins[i]);
        }
      }
  } catch (const Unsupported &u) {
    diags.error(u.loc, u.what + " is not supported by bt2bin yet");
    return false;
  }

  CWriter maps;
  emit_maps(maps);

  CWriter c;
  c.line("// SPDX-License-Identifier: GPL-2.0");
  c.line("// " + opts_.tool_name + ".bpf.c: BPF programs generated by bt2bin from " + opts_.script_name + ".");
  c.line("#include \"vmlinux.h\"");
  c.line("#include \"skeletons/bt2bin.bpf.h\"");
  bool has_usdt = false;
  for (const auto &info : prog_.probes)
    for (const auto &ap : info.probe->attach_points) has_usdt |= ap.provider == "usdt";
  if (has_usdt) c.line("#include <bpf/usdt.bpf.h>");
  for (const auto &d : prog_.program->c_definitions) {
    // Kernel types come from vmlinux.h (BTF); kernel headers would clash with it.
    bool include = d.text.find("#include") != std::string::npos && d.text.find_first_not_of(" \t") == d.text.find('#');
    c.raw(include ? "/* " + d.text + ": types come from vmlinux.h */\n" : d.text + "\n");
  }
  c.line("#include \"tool.h\"");
  c.line();
  if (!prog_.c_sources.empty()) {
    // bpftrace links imported C into the program and inlines it; here it is
    // compiled in the same unit, every function always_inline, so the
    // verifier checks it inside the probes that call it.
    for (const auto &src : prog_.c_sources) c.line("/* import \"" + comment_text(src) + "\" */");
    c.line("#pragma clang attribute push (__attribute__((always_inline)), apply_to = function)");
    for (const auto &src : prog_.c_sources) c.line("#include " + c_string_literal(src));
    c.line("#pragma clang attribute pop");
    c.line();
  }
  if (zeros_size_)
    c.line("static const char bt_zeros[" + std::to_string((zeros_size_ + 7) & ~7u) + "];");
  std::set<std::string> args_structs;
  for (const auto &info : prog_.probes)
    for (const auto &args : info.ap_args)
      if (!args.c_definition.empty() && args_structs.insert(args.c_struct_name).second)
        c.raw(args.c_definition + "\n");
  if (prog_.uses_kstack) {
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_STACK_TRACE);");
    c.line("__uint(max_entries, 4096);");
    c.line("__uint(key_size, sizeof(__u32));");
    c.line("__uint(value_size, 127 * sizeof(__u64));");
    c.close(" kstack_map SEC(\".maps\");");
    c.line();
  }
  if (prog_.uses_ustack) {
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_STACK_TRACE);");
    c.line("__uint(max_entries, 4096);");
    c.line("__uint(key_size, sizeof(__u32));");
    c.line("__uint(value_size, 127 * sizeof(__u64));");
    c.close(" ustack_map SEC(\".maps\");");
    c.line();
  }
  if (uses_probe_names_) {
    c.line("/* `probe` of wildcard attach points, by attach cookie (filled by the runtime). */");
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_ARRAY);");
    c.line("__uint(max_entries, 4096);");
    c.line("__type(key, __u32);");
    c.line("__type(value, char[64]);");
    c.close(" probe_names SEC(\".maps\");");
    c.line();
  }
  if (scratch_max_ > 0) {
    c.line("/* Per-CPU scratch memory for values larger than on_stack_limit. */");
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);");
    c.line("__uint(max_entries, 1);");
    c.line("__type(key, __u32);");
    c.line("__type(value, char[" + std::to_string((scratch_max_ + 7) & ~7u) + "]);");
    c.close(" scratch SEC(\".maps\");");
    c.line();
  }
  if (uses_tseries_)
    c.line("const volatile __u64 bt_tai_offset_ns = 0;  /* CLOCK_TAI - CLOCK_BOOTTIME at start, for tseries */");
  for (int i = 1; i <= prog_.max_positional; i++)
    c.line("const volatile __s64 bt_arg_" + std::to_string(i) + " = 0;");
  c.line("const volatile __u64 bt_num_args = 0;");
  for (int i : prog_.string_positionals)
    c.line("const volatile char bt_str_arg_" + std::to_string(i) + "[256] = {};");
  for (size_t i = 0; i < prog_.program_options.size(); i++) {
    const auto &o = prog_.program_options[i];
    std::string comment = "  /* getopt(\"" + o.name + "\") */";
    if (o.kind == ProgramOption::String)
      c.line("const volatile char bt_opt_" + std::to_string(i) + "[256] = {};" + comment);
    else
      c.line("const volatile __s64 bt_opt_" + std::to_string(i) + " = 0;" + comment);
  }
  for (size_t i = 0; i < prog_.uaddr_symbols.size(); i++) {
    c.line("const volatile __u64 bt_uaddr_" + std::to_string(i) + " = 0;  /* uaddr(\"" +
           prog_.uaddr_symbols[i].symbol + "\") */");
    c.line("const volatile __u64 bt_uaddr_bias_" + std::to_string(i) + " = 0;");
  }
  for (size_t i = 0; i < prog_.kaddr_symbols.size(); i++)
    c.line("const volatile __u64 bt_kaddr_" + std::to_string(i) + " = 0;  /* kaddr(\"" + prog_.kaddr_symbols[i] + "\") */");
  // --- kernel objects ---
  for (const auto &sym : prog_.percpu_symbols)
    c.line("extern const " + sym.c_declaration + " __ksym;  /* percpu_kaddr(\"" + sym.name + "\") */");
  for (size_t i = 0; i < prog_.cgroupid_sites.size(); i++) {
    const auto &site = prog_.cgroupid_sites[i];
    std::string what = site.positional ? "str($" + std::to_string(site.positional) + ")" : c_string_literal(site.path);
    c.line("const volatile __u64 bt_cgroupid_" + std::to_string(i) + " = 0;  /* cgroupid(" + comment_text(what) + ") */");
  }
  for (size_t i = 0; i < prog_.kfunc_queries.size(); i++) {
    const auto &q = prog_.kfunc_queries[i];
    c.line("const volatile bool bt_kfunc_" + std::to_string(i) + " = false;  /* " +
           (q.provider.empty() ? "kfunc_exist" : "kfunc_allowed") + "(\"" + comment_text(q.kfunc) + "\")" +
           (q.provider.empty() ? "" : " in a " + q.provider + " probe") + " */");
  }
  if (!prog_.skboutput_sites.empty()) {
    c.line();
    c.line("/* skboutput() packets, read by the runtime and written as pcap. */");
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);");
    c.line("__uint(key_size, sizeof(__u32));");
    c.line("__uint(value_size, sizeof(__u32));");
    c.close(" skb_events SEC(\".maps\");");
  }
  c.line();
  c.raw(maps.str());
  if (!prog_.functions.empty()) {
    for (const auto &fi : prog_.functions) c.line(fn_signature(fi) + ";");
    c.line();
  }
  for (const auto &f : subprograms_) c.raw(f + "\n");
  for (const auto &f : functions_) c.raw(f + "\n");
  c.line("char LICENSE[] SEC(\"license\") = " + c_string_literal(prog_.config.license) + ";");
  out.bpf_c = c.str();
  out.main_cpp = emit_driver(prog_, opts_, types_, error_sites);

  CWriter h;
  h.line("/* tool.h: types shared by " + opts_.tool_name + ".bpf.c and its driver (generated by bt2bin). */");
  h.line("#ifndef BT2BIN_TOOL_H");
  h.line("#define BT2BIN_TOOL_H");
  h.line();
  h.line("#define BT_ACTION_EXIT 1000000");
  h.line("#define BT_ACTION_PRINT_MAP 1000001");
  h.line("#define BT_ACTION_CLEAR_MAP 1000002");
  h.line("#define BT_ACTION_ZERO_MAP 1000003");
  h.line("#define BT_ACTION_TIME 1000004");
  h.line("#define BT_ACTION_RUNTIME_ERROR 1000005");
  h.line("#define BT_ACTION_JOIN 1000006");
  h.line("#define BT_JOIN_ARGS 16");
  h.line("#define BT_JOIN_ARG_SIZE 256");
  h.line("#define BT_ACTION_UNWATCH 1000100");
  h.line("#define BT_ACTION_PRINT_VALUE_BASE 2000000");
  h.line();
  h.line("struct bt_exit_record {\n\t__u64 action;\n\t__s64 code;\n};\n");
  h.line("struct bt_map_record {\n\t__u64 action;\n\t__u64 map;\n\t__u64 top;\n\t__u64 div;\n};\n");
  h.line("struct bt_time_record {\n\t__u64 action;\n\t__u64 time_id;\n};\n");
  h.line("struct bt_unwatch_record {\n\t__u64 action;\n\t__u64 addr;\n};\n");
  if (!prog_.skboutput_sites.empty())
    h.line("struct bt_skb_record {\n\t__u64 site;\n\t__u64 ns;\n\t__u32 len;\n\t__u32 pad;\n};\n");
  h.line("struct bt_join_record {\n\t__u64 action;\n\t__u64 site;\n\tchar args[BT_JOIN_ARGS][BT_JOIN_ARG_SIZE];\n};\n");
  for (const auto &d : types_.definitions()) h.raw(d + "\n");
  std::set<std::string> seen;
  for (const auto &d : record_structs)
    if (seen.insert(d).second) h.raw(d + "\n");
  h.line("/* Every event record: its size is the perf-buffer fallback's record slot. */");
  h.line("union bt_any_record {");
  std::set<std::string> members;
  for (std::string name : {"bt_exit_record", "bt_map_record", "bt_time_record", "bt_join_record", "bt_unwatch_record"})
    members.insert(name);
  for (const auto &d : record_structs)
    if (d.rfind("struct ", 0) == 0) members.insert(d.substr(7, d.find(' ', 7) - 7));
  for (const auto &name : members) h.line("\tstruct " + name + " " + name.substr(3) + ";");
  h.line("};");
  h.line();
  h.line("#endif /* BT2BIN_TOOL_H */");
  out.header = h.str();
  return true;
}

}  // namespace

bool emit_sources(const CheckedProgram &program, const EmitOptions &options, EmittedSources &out,
                  Diagnostics &diags) {
  BpfEmitter emitter(program, options);
  return emitter.emit(out, diags);
}

}  // namespace bt2bin

// Small helpers every part of the BPF C emitter uses (bpf_emitter_internal.h):
// C names of variables, maps and tracepoint arguments, casts, temporaries in
// the stack or the per-CPU scratch area and their zeroing, #line directives.
#include "backend/bpf_emitter_internal.h"

namespace bt2bin::detail {

namespace {

const std::set<std::string> kCKeywords = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "ctx", "events", "lost_events", "scratch", "key", "bool", "true", "false"};

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

}  // namespace

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

void BpfEmitter::line_directive(const Location &loc) {
  if (loc.valid())
    body_.raw("#line " + std::to_string(loc.line) + " " + c_string_literal(source_name(loc)) + "\n");
}

// The script, or the imported file `loc` is in.
const std::string &BpfEmitter::source_name(const Location &loc) const {
  const auto &sources = prog_.program->sources;
  return loc.file > 0 && loc.file < (int)sources.size() ? sources[loc.file] : opts_.script_name;
}

}  // namespace bt2bin::detail

namespace bt2bin {

std::string map_symbol(const std::string &name) { return name == "@" ? "AT_" : "AT_" + name.substr(1); }

}  // namespace bt2bin

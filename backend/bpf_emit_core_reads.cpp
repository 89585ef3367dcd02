// Reads of kernel (or user) memory through typed pointers: a field path
// becomes one BPF_CORE_READ chain, a struct value is read member by member,
// a bitfield by shift and mask, so the target kernel's layout decides.
#include "backend/bpf_emitter_internal.h"

namespace bt2bin::detail {

bool is_kernel_field(const Node &n) {
  if (n.kind != NodeKind::Field) return false;
  if (n.lhs->kind == NodeKind::Builtin && n.lhs->name == "ctx") return false;  // a direct context load
  const Type &t = n.lhs->type;
  return !(t.kind == TypeKind::Struct && t.name == "args") && t.kind != TypeKind::Record &&
         t.kind != TypeKind::Tuple && !t.is_struct_value();
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
bool holds_struct_values(const Type &t) {
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

}  // namespace bt2bin::detail

// AST helpers: node construction, kind names for messages and dumps, and the
// canonical name of an attach point (what the `probe` builtin prints).
#include "frontend/ast.h"

namespace bt2bin {

NodePtr make_node(NodeKind kind, Location loc) { return std::make_unique<Node>(kind, loc); }

const char *node_kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::Integer: return "Integer";
    case NodeKind::String: return "String";
    case NodeKind::Bool: return "Bool";
    case NodeKind::Builtin: return "Builtin";
    case NodeKind::Positional: return "Positional";
    case NodeKind::Variable: return "Variable";
    case NodeKind::Map: return "Map";
    case NodeKind::Call: return "Call";
    case NodeKind::Unary: return "Unary";
    case NodeKind::IncDec: return "IncDec";
    case NodeKind::Binary: return "Binary";
    case NodeKind::Ternary: return "Ternary";
    case NodeKind::Field: return "Field";
    case NodeKind::TupleIndex: return "TupleIndex";
    case NodeKind::Index: return "Index";
    case NodeKind::Cast: return "Cast";
    case NodeKind::Tuple: return "Tuple";
    case NodeKind::Record: return "Record";
    case NodeKind::BlockExpr: return "BlockExpr";
    case NodeKind::IfExpr: return "IfExpr";
    case NodeKind::SizeOf: return "SizeOf";
    case NodeKind::OffsetOf: return "OffsetOf";
    case NodeKind::TypeOf: return "TypeOf";
    case NodeKind::ExprStmt: return "ExprStmt";
    case NodeKind::Assign: return "Assign";
    case NodeKind::Let: return "Let";
    case NodeKind::If: return "If";
    case NodeKind::Unroll: return "Unroll";
    case NodeKind::While: return "While";
    case NodeKind::ForMap: return "ForMap";
    case NodeKind::ForRange: return "ForRange";
    case NodeKind::Break: return "Break";
    case NodeKind::Continue: return "Continue";
    case NodeKind::Return: return "Return";
    case NodeKind::Block: return "Block";
  }
  return "?";
}

// As bpftrace's AttachPoint::name(): provider, then each non-empty part
// joined by ':' (`tracepoint:syscalls:sys_enter_openat`, `kprobe:vfs_read`,
// `uprobe:/bin/bash:readline`, `uprobe:/bin/x:cpp:f`, `interval:s:1`,
// `kprobe:f+16`, `fentry:bpf:42:prog`, `begin`); addresses and counts in decimal.
// Before the attach-point parser has run (no provider), the raw text.
std::string AttachPoint::name() const {
  if (provider.empty()) return raw;
  std::string n = provider;
  if (!target.empty()) n += ":" + target;
  if (!lang.empty()) n += ":" + lang;
  if (!ns.empty()) n += ":" + ns;
  if (!unit.empty()) n += ":" + unit;
  if (bpf_prog_id != 0) n += ":" + std::to_string(bpf_prog_id);  // fentry:bpf:ID:prog
  if (!func.empty()) {
    n += ":" + func;
    if (has_offset && offset != 0) n += "+" + std::to_string(offset);
  } else if (has_offset) {
    n += ":" + std::to_string(offset);  // an address
  }
  if (freq != 0) n += ":" + std::to_string(freq);
  if (len != 0) n += ":" + std::to_string(len);
  if (!mode.empty()) n += ":" + mode;
  return n;
}

}  // namespace bt2bin

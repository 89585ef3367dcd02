// print_ast(): the `-d ast` dump, one node per line, two spaces of indent
// per depth. Golden files compare it, so the format is deterministic and
// only changes on purpose:
//
//   probe tracepoint:syscalls:sys_enter_openat
//     predicate
//       binop ==
//         builtin pid
//         int 123
//     assign =
//       map @start
//         builtin tid
//       builtin nsecs
//
// Top-level items print in this order: C definitions, config, imports, map
// declarations, macros, functions, probes. Labels without a node of their
// own (`predicate`, `then`, `else`, `body`, `value`, `typeof`) group the
// children that follow them.
#include "frontend/ast_printer.h"

#include <cstdio>
#include <string>

namespace bt2bin {
namespace {

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string type_text(const TypeSpec &t) {
  std::string s = t.typeof_expr ? "typeof(...)" : t.base;
  if (t.pointer_depth > 0) s += " " + std::string(static_cast<size_t>(t.pointer_depth), '*');
  if (t.array_size) s += *t.array_size ? "[" + std::to_string(*t.array_size) + "]" : "[]";
  return s;
}

class Printer {
 public:
  explicit Printer(std::ostream &out) : out_(out) {}

  void program(const Program &p) {
    for (const auto &c : p.c_definitions) line(0, "c_definition " + quote(c.text));
    if (!p.config.empty()) {
      line(0, "config");
      for (const auto &item : p.config) {
        line(1, "set " + item.key);
        node(item.value.get(), 2);
      }
    }
    for (const auto &i : p.imports) line(0, "import " + quote(i.path));
    for (const auto &m : p.map_decls)
      line(0, "map_decl " + m.name + " " + m.bpf_type + " " + std::to_string(m.max_entries));
    for (const auto &m : p.macros) {
      std::string params;
      for (size_t i = 0; i < m.params.size(); i++) params += (i ? ", " : "") + m.params[i];
      line(0, "macro " + m.name + "(" + params + ")");
      nodes(m.body, 1);
      if (m.value) {
        line(1, "value");
        node(m.value.get(), 2);
      }
    }
    for (const auto &f : p.functions) {
      std::string params;
      for (size_t i = 0; i < f.params.size(); i++)
        params += (i ? ", " : "") + f.params[i].name + ": " + type_text(f.params[i].type);
      std::string head = "fn " + f.name + "(" + params + ")";
      if (f.return_type) head += ": " + type_text(*f.return_type);
      line(0, head);
      for (const auto &param : f.params) typeof_child(param.type, 1);
      if (f.return_type) typeof_child(*f.return_type, 1);
      nodes(f.body, 1);
    }
    for (const auto &pr : p.probes) {
      std::string head = "probe ";
      if (!pr.label.empty()) head += pr.label + "=";
      for (size_t i = 0; i < pr.attach_points.size(); i++) head += (i ? ", " : "") + pr.attach_points[i].raw;
      line(0, head);
      if (pr.predicate) {
        line(1, "predicate");
        node(pr.predicate.get(), 2);
      }
      nodes(pr.body, 1);
    }
  }

 private:
  void line(int depth, const std::string &text) {
    out_ << std::string(static_cast<size_t>(depth) * 2, ' ') << text << '\n';
  }

  void nodes(const std::vector<NodePtr> &list, int depth) {
    for (const auto &n : list) node(n.get(), depth);
  }

  void typeof_child(const TypeSpec &t, int depth) {
    if (!t.typeof_expr) return;
    line(depth, "typeof");
    node(t.typeof_expr.get(), depth + 1);
  }

  void labelled(const char *label, const std::vector<NodePtr> &list, int depth) {
    line(depth, label);
    nodes(list, depth + 1);
  }

  void node(const Node *n, int d) {
    if (!n) {
      line(d, "(null)");
      return;
    }
    switch (n->kind) {
      case NodeKind::Integer: {
        std::string v = std::to_string(n->ival);
        line(d, "int " + v + (n->text.empty() || n->text == v ? "" : " (" + n->text + ")"));
        break;
      }
      case NodeKind::String: line(d, "string " + quote(n->str)); break;
      case NodeKind::Bool: line(d, n->ival ? "bool true" : "bool false"); break;
      case NodeKind::Builtin: line(d, "builtin " + n->name); break;
      case NodeKind::Positional:
        line(d, "positional $" + (n->name == "#" ? std::string("#") : std::to_string(n->ival)));
        break;
      case NodeKind::Variable: line(d, "variable " + n->name); break;
      case NodeKind::Map:
        line(d, "map " + n->name);
        nodes(n->args, d + 1);
        break;
      case NodeKind::Call:
        line(d, "call " + n->name);
        nodes(n->args, d + 1);
        break;
      case NodeKind::Unary:
        line(d, "unop " + n->op);
        node(n->lhs.get(), d + 1);
        break;
      case NodeKind::IncDec:
        line(d, std::string("incdec ") + (n->ival ? "pre " : "post ") + n->op);
        node(n->lhs.get(), d + 1);
        break;
      case NodeKind::Binary:
        line(d, "binop " + n->op);
        node(n->lhs.get(), d + 1);
        node(n->rhs.get(), d + 1);
        break;
      case NodeKind::Ternary:
        line(d, n->lhs ? "ternary" : "ternary ?:");
        node(n->cond.get(), d + 1);
        if (n->lhs) node(n->lhs.get(), d + 1);
        node(n->rhs.get(), d + 1);
        break;
      case NodeKind::Field:
        line(d, std::string("field ") + (n->ival ? "->" : ".") + n->name);
        node(n->lhs.get(), d + 1);
        break;
      case NodeKind::TupleIndex:
        line(d, "tuple_index " + std::to_string(n->ival));
        node(n->lhs.get(), d + 1);
        break;
      case NodeKind::Index:
        line(d, "index");
        node(n->lhs.get(), d + 1);
        node(n->rhs.get(), d + 1);
        break;
      case NodeKind::Cast:
        line(d, "cast (" + (n->type_spec ? type_text(*n->type_spec) : std::string("?")) + ")");
        if (n->type_spec) typeof_child(*n->type_spec, d + 1);
        node(n->lhs.get(), d + 1);
        break;
      case NodeKind::Tuple:
        line(d, "tuple");
        nodes(n->args, d + 1);
        break;
      case NodeKind::Record: {
        std::string names;
        for (size_t i = 0; i < n->names.size(); i++) names += (i ? ", " : "") + n->names[i];
        line(d, "record (" + names + ")");
        nodes(n->args, d + 1);
        break;
      }
      case NodeKind::BlockExpr:
        line(d, "block_expr");
        nodes(n->body, d + 1);
        if (n->lhs) {
          line(d + 1, "value");
          node(n->lhs.get(), d + 2);
        }
        break;
      case NodeKind::IfExpr:
        line(d, "if_expr");
        node(n->cond.get(), d + 1);
        node(n->lhs.get(), d + 1);
        if (n->rhs) node(n->rhs.get(), d + 1);
        break;
      case NodeKind::SizeOf:
      case NodeKind::TypeOf: {
        std::string head = n->kind == NodeKind::SizeOf ? "sizeof" : "typeof";
        if (n->type_spec) head += " " + type_text(*n->type_spec);
        line(d, head);
        if (n->type_spec) typeof_child(*n->type_spec, d + 1);
        node_if(n->lhs.get(), d + 1);
        break;
      }
      case NodeKind::OffsetOf: {
        std::string head = "offsetof";
        if (n->type_spec) head += " " + type_text(*n->type_spec);
        std::string path;
        for (size_t i = 0; i < n->names.size(); i++) path += (i ? "." : "") + n->names[i];
        line(d, head + " " + path);
        if (n->type_spec) typeof_child(*n->type_spec, d + 1);
        node_if(n->lhs.get(), d + 1);
        break;
      }
      case NodeKind::ExprStmt:
        line(d, n->ival ? "discard" : "expr_stmt");
        node(n->lhs.get(), d + 1);
        break;
      case NodeKind::Assign:
        line(d, "assign " + n->op);
        node(n->lhs.get(), d + 1);
        node(n->rhs.get(), d + 1);
        break;
      case NodeKind::Let: {
        std::string head = "let " + (n->lhs ? n->lhs->name : std::string("?"));
        if (n->type_spec) head += ": " + type_text(*n->type_spec);
        line(d, head);
        if (n->type_spec) typeof_child(*n->type_spec, d + 1);
        node_if(n->rhs.get(), d + 1);
        break;
      }
      case NodeKind::If:
        line(d, "if");
        node(n->cond.get(), d + 1);
        labelled("then", n->body, d + 1);
        if (n->els) {
          line(d + 1, "else");
          if (n->els->kind == NodeKind::Block) nodes(n->els->body, d + 2);
          else node(n->els.get(), d + 2);
        }
        break;
      case NodeKind::Unroll:
        line(d, "unroll");
        node(n->cond.get(), d + 1);
        labelled("body", n->body, d + 1);
        break;
      case NodeKind::While:
        line(d, "while");
        node(n->cond.get(), d + 1);
        labelled("body", n->body, d + 1);
        break;
      case NodeKind::ForMap:
        line(d, "for");
        node(n->lhs.get(), d + 1);
        node(n->rhs.get(), d + 1);
        labelled("body", n->body, d + 1);
        break;
      case NodeKind::ForRange:
        line(d, "for_range");
        node(n->lhs.get(), d + 1);
        node(n->cond.get(), d + 1);
        node(n->rhs.get(), d + 1);
        labelled("body", n->body, d + 1);
        break;
      case NodeKind::Break: line(d, "break"); break;
      case NodeKind::Continue: line(d, "continue"); break;
      case NodeKind::Return:
        line(d, "return");
        node_if(n->lhs.get(), d + 1);
        break;
      case NodeKind::Block:
        line(d, "block");
        nodes(n->body, d + 1);
        break;
    }
  }

  void node_if(const Node *n, int d) {
    if (n) node(n, d);
  }

  std::ostream &out_;
};

}  // namespace

void print_ast(const Program &program, std::ostream &out) { Printer(out).program(program); }

}  // namespace bt2bin

// The owned abstract syntax tree of a bpftrace program.
//
// The parser (frontend/parser.cpp, the only file that sees ANTLR) builds it;
// every later stage (passes, backend) reads and annotates it. As in chibicc,
// one Node struct serves every kind of expression and statement: `kind` says
// which fields mean something, and the comment on each kind below lists them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "frontend/location.h"
#include "frontend/types.h"

namespace bt2bin {

enum class NodeKind {
  // ---- expressions ----
  Integer,      // ival (uint64 bit pattern); text = literal spelling
  String,       // str = unescaped value
  Bool,         // ival = 0/1
  Builtin,      // name: pid, comm, nsecs, arg0, args, retval, curtask, ...
  Positional,   // ival = N for $N; name == "#" for $#
  Variable,     // name = "$x"
  Map,          // name = "@x" (or "@"); args = keys (empty for a scalar map)
  Call,         // name = function; args = arguments; block = body (none)
                //   (also `typeinfo(x)`: args = {TypeOf}; statement `import "f";`: name = "import")
                //   (a call of a script `fn`: op = "fn", id = its index in CheckedProgram::functions)
  Unary,        // op = "-", "!", "~", "*", "&", "comptime"; lhs = operand
  IncDec,       // op = "++"/"--"; ival = 1 if prefix; lhs = variable or map
  Binary,       // op = "+", "==", "&&", ...; lhs, rhs
  Ternary,      // cond, lhs (then; null for `a ?: b`), rhs (else)
  Field,        // lhs = object; name = field; ival = 1 if written with "->"
  TupleIndex,   // lhs = tuple; ival = index
  Index,        // lhs = array/pointer/string/map; rhs = index
  Cast,         // type_spec; lhs = operand
  Tuple,        // args = elements
  Record,       // args = values; names = field names
  BlockExpr,    // body = statements; lhs = final value expression
  IfExpr,       // cond; lhs = then value; rhs = else value
  SizeOf,       // type_spec or lhs
  OffsetOf,     // type_spec (or lhs for offsetof(expr, f)); names = field path
  TypeOf,       // type_spec or lhs (used only in type contexts)
  // ---- statements ----
  ExprStmt,     // lhs = expression; ival = 1 for a discard `_ = expr`
  Assign,       // lhs = variable/map target; op = "=", "+=", ...; rhs
  Let,          // lhs = variable; type_spec (optional); rhs = init (optional)
  If,           // cond; body = then-block; els = else-block or nested If
  Unroll,       // cond = count expression; body
  While,        // cond; body
  ForMap,       // lhs = variable; rhs = map; body
  ForRange,     // lhs = variable; cond = start; rhs = end; body
  Break,
  Continue,
  Return,       // lhs = value (optional)
  Block,        // body
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

// A type as written in the script: `int32`, `struct task_struct *`,
// `uint8[4]`, `string[16]`, `typeof(expr)`.
struct TypeSpec {
  Location loc;
  std::string base;          // "int32", "struct task_struct", "string", ...
  int pointer_depth = 0;
  std::optional<uint64_t> array_size;
  NodePtr typeof_expr;       // set for typeof(expr)
};

struct Node {
  NodeKind kind;
  Location loc;

  std::string name;
  std::string op;
  std::string str;
  std::string text;
  uint64_t ival = 0;
  bool folded = false;  // Binary of two literals: its value is ival (bit pattern)
  std::vector<std::string> names;

  NodePtr lhs, rhs, cond, els;
  std::vector<NodePtr> args;
  std::vector<NodePtr> body;
  std::unique_ptr<TypeSpec> type_spec;

  // Filled in by semantic analysis.
  Type type;
  Type operand_type;  // integer comparisons: the type both operands convert to
  int id = -1;  // per-kind number: map id, printf id, variable slot, ...
  Bitfield bitfield;  // Field: a C bitfield member, read by shift and mask

  Node(NodeKind k, Location l) : kind(k), loc(l) {}
  bool is_expr() const { return kind < NodeKind::ExprStmt; }
};

// One attach point as written (`kprobe:vfs_*`) and as split by the
// attach-point parser (frontend/attach_point.cpp).
struct AttachPoint {
  Location loc;
  std::string raw;           // the text as written, positional params unexpanded
  std::string provider;      // canonical provider name: "kprobe", "tracepoint", ...
  std::string target;        // binary / library / tracepoint category / module
  std::string ns;            // usdt namespace
  std::string func;          // function, event, probe or unit-less name
  std::string unit;          // profile/interval unit ("hz", "s", "ms", "us", "ns")
  uint64_t freq = 0;         // profile/interval/software/hardware count
  uint64_t offset = 0;       // func+offset, or an address
  uint64_t len = 0;          // watchpoint length
  std::string mode;          // watchpoint mode
  bool has_offset = false;
  bool need_expansion = false;  // contains a wildcard
  // Added by the attach-point parser (see the table in attach_point.cpp):
  std::string lang;             // uprobe language ("cpp" in uprobe:bin:cpp:"NS::f")
  std::string pin;              // iter pin path (iter:task:PIN)
  uint64_t bpf_prog_id = 0;     // fentry:bpf:ID:prog (0 = any)
  // Positional parameters ($1 ...) are run-time arguments of the produced
  // tool, so they stay unexpanded: string fields keep the "$N" text, and a
  // numeric part that holds one is left 0 and recorded here as
  // {field, text}, e.g. {"freq", "$1"}. Expansion happens on the target.
  bool has_positional = false;
  std::vector<std::pair<std::string, std::string>> deferred;
  // A wildcard that needs one program per match (fentry/fexit/rawtracepoint,
  // tracepoints reading `args`) is expanded when compiling (see
  // passes/typed_wildcard_expansion.cpp): each expansion keeps the pattern.
  std::string expanded_from;
  std::string name() const;     // canonical `provider:target:func` string
};

struct Probe {
  Location loc;
  std::string label;         // optional `name=` prefix
  std::vector<AttachPoint> attach_points;
  NodePtr predicate;         // may be null
  std::vector<NodePtr> body;
  int id = -1;
};

struct MacroDef {
  Location loc;
  std::string name;
  std::vector<std::string> params;   // "$v", "@m" or bare identifiers
  std::vector<NodePtr> body;
  NodePtr value;                     // final expression written without ';' (the
                                     // macro's value, as in a block expression), or null
};

struct FnParam {
  std::string name;
  TypeSpec type;
};

struct FnDef {
  Location loc;
  std::string name;
  std::vector<FnParam> params;
  std::optional<TypeSpec> return_type;
  std::vector<NodePtr> body;
};

struct MapDecl {
  Location loc;
  std::string name;          // "@m"
  std::string bpf_type;      // hash, lruhash, percpuhash, percpulruhash
  uint64_t max_entries = 0;
};

struct ConfigItem {
  Location loc;
  std::string key;
  NodePtr value;
};

struct Import {
  Location loc;
  std::string path;
};

// An imported BPF C file (`import "x.bpf.c";`), compiled with the program.
struct CImport {
  Location loc;              // the import statement
  std::string path;          // the file, as found relative to the script
};

// A C preprocessor line or struct/union/enum definition, passed to clang.
struct CDefinition {
  Location loc;
  std::string text;
};

struct Program {
  std::string filename;
  std::vector<std::string> sources;  // file name of each Location::file (0: the script, then imports)
  std::vector<CDefinition> c_definitions;
  std::vector<ConfigItem> config;
  std::vector<Import> imports;
  std::vector<CImport> c_imports;    // .bpf.c files, after import resolution
  std::vector<MacroDef> macros;
  std::vector<FnDef> functions;
  std::vector<MapDecl> map_decls;
  std::vector<Probe> probes;
};

NodePtr make_node(NodeKind kind, Location loc);
const char *node_kind_name(NodeKind kind);

}  // namespace bt2bin

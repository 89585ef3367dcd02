// Binary operators and integer conversions as bpftrace v0.26 types them:
// comparisons, logic, pointer arithmetic, integer promotion and folding of
// literals, compound assignments, values assigned to `let $x: T`
// variables. Part of the semantic analyser (see analyser_internal.h).
#include "frontend/passes/analyser_internal.h"
#include "frontend/passes/compile_time.h"

namespace bt2bin::detail {

void Analyser::check_binary(Node &n) {
  check_expr(*n.lhs);
  check_expr(*n.rhs);
  const Type &a = n.lhs->type, &b = n.rhs->type;
  const std::string &op = n.op;
  // bpftrace's words: different kinds are a "type mismatch"; one kind the
  // operator does not apply to is reported with both types.
  auto mismatch = [&] {
    bool same_kind = a.kind == b.kind || (a.is_integer() && b.is_integer());
    if (same_kind)
      error(n.loc, "The " + op + " operator can not be used on expressions of types " + a.to_string() + ", " +
                       b.to_string());
    else
      error(n.loc, "Type mismatch for '" + op + "': comparing " + a.to_string() + " with " + b.to_string());
    n.type = make_int(8, true);
  };
  bool ints = (a.is_integer() || a.kind == TypeKind::Bool) && (b.is_integer() || b.kind == TypeKind::Bool);
  if (op == "&&" || op == "||") {
    if (!is_truthy(a) || !is_truthy(b)) return mismatch();
    n.type = make_bool();
    return;
  }
  if (op == "==" || op == "!=") {
    bool ok = ints || (a.kind == TypeKind::String && b.kind == TypeKind::String) ||
              (a.kind == TypeKind::Pointer && (b.kind == TypeKind::Pointer || b.is_integer())) ||
              (b.kind == TypeKind::Pointer && a.is_integer()) ||
              (a.kind == TypeKind::Tuple && b.kind == TypeKind::Tuple && a.fields.size() == b.fields.size()) ||
              (a.kind == TypeKind::Array && b.kind == TypeKind::Array && a.count == b.count &&
               a.elem && b.elem && a.elem->size == b.elem->size) ||
              (a.kind == TypeKind::Buffer && b.kind == TypeKind::Buffer) ||
              (a.kind == TypeKind::Ksym && b.kind == TypeKind::Ksym);
    if (!ok) {
      mismatch();
      n.type = make_bool();
      return;
    }
    n.type = ints ? int_binary_type(n, a, b) : make_bool();
    return;
  }
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    bool ok = ints || (a.kind == TypeKind::Pointer && b.kind == TypeKind::Pointer) ||
              (a.kind == TypeKind::Pointer && b.is_integer()) || (a.is_integer() && b.kind == TypeKind::Pointer);
    if (!ok) return mismatch();
    n.type = ints ? int_binary_type(n, a, b) : make_bool();
    return;
  }
  // Arithmetic and bitwise operators.
  if ((op == "+" || op == "-") && a.kind == TypeKind::Pointer && b.is_integer()) {
    n.type = a;
    return;
  }
  if (op == "+" && a.is_integer() && b.kind == TypeKind::Pointer) {
    n.type = b;
    return;
  }
  if (op == "-" && a.kind == TypeKind::Pointer && b.kind == TypeKind::Pointer) {
    n.type = make_int(8, true);
    return;
  }
  if (!ints) return mismatch();
  n.type = int_binary_type(n, a, b);
  if ((op == "/" || op == "%") && n.rhs->kind == NodeKind::Integer && n.rhs->ival == 0)
    warning(n.rhs->loc, "division by zero: the result will be 1");
}

// The value of `x op= v` for an integer x: what `x = x op v` computes.
// (An unassigned map starts as an int8 zero, as in bpftrace.)
Type Analyser::compound_type(const Node &assign, Type x, const Type &v) {
  if (!v.is_integer() && v.kind != TypeKind::Bool) return x;
  Node op(NodeKind::Binary, assign.loc);
  op.op = assign.op.substr(0, assign.op.size() - 1);
  x.is_literal = false;  // not a literal: nothing to fold
  return int_binary_type(op, x, v);
}

// `$x = value` where $x was declared `let $x: T`: the value must convert to
// T without loss (a literal: its value must fit).
void Analyser::check_fits_declared(const ScratchVar &v, const Node &value, const Location &loc) {
  const Type &t = value.type;
  if (!v.type.is_integer() || !t.is_integer()) {
    if (!merged_type(v.type, value_type(t))) type_mismatch(v.type, t, loc, "variable " + v.name);
    return;
  }
  std::optional<uint64_t> literal;
  if (value.kind == NodeKind::Integer && t.is_literal) literal = value.ival;
  bool negative_literal = value.kind == NodeKind::Unary && value.op == "-" && value.lhs->kind == NodeKind::Integer;
  bool fits = negative_literal ? v.type.is_signed && int_fits_into(t, v.type)
                               : int_fits_into(t, v.type, literal);
  if (!fits) type_mismatch(v.type, t, loc, "variable " + v.name);
}

// bpftrace v0.26 integer operators. A sign flexible literal takes the
// other operand's sign; operands of one type give a 64-bit result of that
// sign; otherwise the result is int64 when either operand is signed, and
// operands with no common type (uint64 and a signed integer) are warned
// about. `-` always yields a signed result. Both operands of a comparison
// convert to their promoted type (n.operand_type). An operation on two
// literals is folded, so its result is typed as the literal it makes.
Type Analyser::int_binary_type(Node &n, const Type &a_in, const Type &b_in) {
  const std::string &op = n.op;
  Type a = a_in.kind == TypeKind::Bool ? make_int(1, false) : a_in;
  Type b = b_in.kind == TypeKind::Bool ? make_int(1, false) : b_in;
  a.kind = b.kind = TypeKind::Int;  // enums compare as their integers
  bool comparison = op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=";
  auto promoted = promoted_type(a, b);
  if (comparison) n.operand_type = promoted ? *promoted : make_int(8, true);
  if (a.is_literal && b.is_literal && !comparison) {
    if (auto v = fold_constant(n)) {
      n.folded = true;
      n.ival = static_cast<uint64_t>(*v);
      Type t = *v < 0 ? negative_literal_type(-static_cast<uint64_t>(*v)) : literal_int_type(*v);
      if (op == "-" || *v < 0) t.is_literal = false;
      return t;
    }
  }
  if (a.is_literal && !b.is_literal) a.is_signed = b.is_signed;
  if (b.is_literal && !a.is_literal) b.is_signed = a.is_signed;
  if (comparison) {
    if (!promoted)
      warning(n.loc, "comparison of integers of different signs: '" + a_in.to_string() + "' and '" +
                         b_in.to_string() + "' can lead to undefined behavior");
    return make_bool();
  }
  if (a.size == b.size && a.is_signed == b.is_signed) return make_int(8, a.is_signed || op == "-");
  bool arithmetic = op == "+" || op == "-" || op == "*" || op == "/" || op == "%";
  if (!promoted && arithmetic)
    warning(n.loc, "arithmetic on integers of different signs: '" + a_in.to_string() + "' and '" +
                       b_in.to_string() + "' can lead to undefined behavior");
  return make_int(8, a.is_signed || b.is_signed || op == "-");
}

}  // namespace bt2bin::detail

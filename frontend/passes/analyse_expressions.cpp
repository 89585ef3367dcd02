// Expressions: the type of every expression node (literals, builtins,
// variables, map reads, ++/--, ternaries, tuples, records, indexing,
// sizeof/offsetof, unary operators); binary operators, field access, casts
// and calls have files of their own. Part of the semantic analyser (see
// analyser_internal.h).
#include <algorithm>

#include "frontend/attach_point.h"
#include "frontend/builtins.h"
#include "frontend/passes/analyser_internal.h"
#include "frontend/passes/compile_time.h"
#include "runtime-template/tool_runtime.h"

namespace bt2bin::detail {

// The value of `x++`/`x--`: 64 bits, signed when x is or for `--`
// (bpftrace v0.26).
static Type incdec_type(const std::string &op, const Type &t) {
  return make_int(8, op == "--" || t.is_signed);
}

// What x becomes after `x++`/`x--`: widened to 64 bits, keeping its sign
// (so `$u--` on an unsigned variable stays unsigned, as in bpftrace).
static Type incdec_storage(const Type &t) { return make_int(8, t.is_signed); }

// `probe` holds the attach point's name: room for the longest one this
// probe names when compiling, and for long paths when the tool completes
// names at start (wildcards, positional parameters, running BPF programs).
uint32_t Analyser::probe_name_size() const {
  size_t longest = 0;
  bool runtime_named = false;
  for (const auto &ap : probe_->attach_points) {
    longest = std::max(longest, ap.name().size());
    runtime_named |= named_at_start(ap);
  }
  return static_cast<uint32_t>(std::max<size_t>(runtime_named ? rt::kRuntimeProbeNameSize : 64, longest + 1));
}

void Analyser::check_expr(Node &n) {
  switch (n.kind) {
    case NodeKind::Integer: {
      if (n.type.kind == TypeKind::Enum) break;  // an enumerator, typed in the first walk
      n.type = literal_int_type(n.ival);
      break;
    }
    case NodeKind::String:
      n.type = make_string(static_cast<uint32_t>(n.str.size() + 1));
      n.type.is_literal = true;
      break;
    case NodeKind::Bool:
      n.type = make_bool();
      break;
    case NodeKind::Positional:
      if (n.name == "#") {
        n.type = make_int(8, false);
      } else {
        max_positional_ = std::max<int>(max_positional_, static_cast<int>(n.ival));
        n.type = make_int(8, true);
      }
      break;
    case NodeKind::Builtin: {
      auto t = builtin_type(n.name);
      if (!t) {
        // A bare identifier: an enum constant from BTF, or a call without parens.
        if (auto c = script_types_.constant(n.name)) {
          n.kind = NodeKind::Integer;
          n.ival = static_cast<uint64_t>(*c);
          n.type = make_int(8, true);
          break;
        }
        if (resolve_enum_constant(n)) break;
        if (auto m = script_types_.macro(n.name)) {
          n.kind = m->is_string ? NodeKind::String : NodeKind::Integer;
          n.str = m->text;
          n.ival = static_cast<uint64_t>(m->number);
          n.type = m->is_string ? make_string(static_cast<uint32_t>(n.str.size() + 1)) : make_int(8, true);
          n.type.is_literal = m->is_string;
          break;
        }
        failed_ = true;
        if (final_walk_) {
          auto &d = diags_.error(n.loc, "unknown identifier '" + n.name + "'");
          if (!script_types_.macro_problem().empty()) d.hints.push_back(script_types_.macro_problem());
        }
        n.type = make_int(8, true);
        break;
      }
      std::string why;
      if (!provider_.empty() && !builtin_allowed(n.name, provider_, why)) error(n.loc, why);
      if (for_map_depth_ > 0 && builtin_reads_probe_context(n.name))
        error(n.loc, "'" + n.name + "' builtin is not allowed in a for-loop");
      if (function_ && (builtin_reads_probe_context(n.name) || n.name == "probe" || n.name == "probetype"))
        error(n.loc, "the " + n.name + " builtin needs a probe's context and can not be used inside a function");
      if ((n.name == "kstack" || n.name == "ustack") && !n.type.is_none()) break;  // typed by kstack(...)
      if (n.name == "usermode" && probe_ && !function_) {
        // As bpftrace: where no user registers can be read, a constant.
        std::vector<std::string> providers;
        for (const auto &ap : probe_->attach_points) providers.push_back(ap.provider);
        if (auto folded = usermode_constant(providers)) {
          n.kind = NodeKind::Integer;
          n.ival = *folded;
          check_expr(n);
          break;
        }
      }
      n.type = *t;
      if (n.name == "probe") n.type = make_string(probe_name_size());
      if (n.name == "probetype") n.type = make_string(64);
      if (n.name == "args") n.type = args_type();
      // uprobe `func` is a user address, printed as the process's symbol.
      if (n.name == "func" && (provider_ == "uprobe" || provider_ == "uretprobe")) n.type = make_simple(TypeKind::Usym, 16);
      if (n.name == "retval" && provider_ == "fexit" && probe_info_->args_loaded && probe_info_->args.has_return)
        n.type = probe_info_->args.return_type;  // fexit: typed from BTF
      if (n.name == "ctx" && provider_ == "iter") {
        // iter probes: ctx is the iterator's context, e.g. struct bpf_iter__task.
        Type it = make_simple(TypeKind::Struct, 0);
        it.name = "struct bpf_iter__" + probe_->attach_points[0].func;
        n.type = make_pointer(it);
      }
      if (n.name == "kstack") uses_kstack_ = true;
      if (n.name == "ustack") uses_ustack_ = true;
      if (n.name == "elapsed") uses_elapsed_ = true;
      if (n.name == "ncpus") uses_ncpus_ = true;
      if (n.name == "cpid") uses_cpid_ = true;
      if (n.name == "kstack" || n.name == "ustack") n.type.count = 127;  // default frame limit
      break;
    }
    case NodeKind::Variable: {
      ScratchVar *v = find_var(n.name);
      if (!v) {
        error(n.loc, "undefined variable " + n.name);
        n.type = make_int(8, true);
        n.type.is_literal = true;  // fits anything: no follow-on warnings about its sign
      } else {
        n.type = v->type;
        n.id = v->slot;
      }
      break;
    }
    case NodeKind::Map: {
      check_map_key(n);
      MapInfo &m = map_info(n.name, n.loc);
      if (m.value.is_none() && final_walk_) error(n.loc, "undefined map " + n.name);
      // Reading an aggregation yields its integer value (summed over CPUs).
      if (m.value.kind == TypeKind::Count || m.value.kind == TypeKind::Sum ||
          m.value.kind == TypeKind::Min || m.value.kind == TypeKind::Max || m.value.kind == TypeKind::Avg)
        n.type = make_int(8, m.value.kind != TypeKind::Count);
      else if (m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist ||
               m.value.kind == TypeKind::Stats)
        n.type = m.value;
      else
        n.type = m.value.is_none() ? make_int(8, true) : m.value;
      break;
    }
    case NodeKind::Call:
      check_call(n);
      break;
    case NodeKind::Unary:
      check_unary(n);
      break;
    case NodeKind::IncDec: {
      Node &t = *n.lhs;
      if (t.kind == NodeKind::Map) {
        check_map_key(t);
        MapInfo &m = map_info(t.name, t.loc);
        if (m.value.is_none()) set_map_value(m, make_int(8, true), t.loc);
        else if (!m.value.is_integer() && m.value.kind != TypeKind::Count && m.value.kind != TypeKind::Sum)
          error(n.loc, "'" + n.op + "' needs an integer map, " + t.name + " holds '" + m.value.to_string() + "'");
        else if (m.value.is_integer())
          set_map_value(m, incdec_storage(m.value), t.loc);
        t.type = m.value;
      } else if (t.kind == NodeKind::Variable) {
        ScratchVar *v = find_var(t.name);
        if (!v) {
          error(t.loc, "undefined variable " + t.name);
        } else {
          if (!v->type.is_integer() && v->type.kind != TypeKind::Pointer)
            error(n.loc, "'" + n.op + "' needs an integer variable, " + t.name + " is '" + v->type.to_string() + "'");
          else if (v->type.is_integer() && !v->declared)
            v->type = unify(v->type, incdec_storage(v->type), n.loc, "variable " + t.name);
          t.type = v->type;
          t.id = v->slot;
        }
      } else {
        error(t.loc, "'" + n.op + "' can only be applied to a variable or a map");
      }
      n.type = t.type.is_integer() ? incdec_type(n.op, t.type) : t.type;
      if (t.type.kind == TypeKind::Count || t.type.kind == TypeKind::Sum) n.type = make_int(8, true);
      break;
    }
    case NodeKind::Binary:
      check_binary(n);
      break;
    case NodeKind::Ternary: {
      check_expr(*n.cond);
      if (n.lhs) check_expr(*n.lhs);
      check_expr(*n.rhs);
      if (!is_truthy(n.cond->type))
        error(n.cond->loc, "a condition must be an integer, a boolean or a pointer");
      const Type &a = n.lhs ? n.lhs->type : n.cond->type;
      const Type &b = n.rhs->type;
      // Both arms convert to their promoted type (bpftrace v0.26).
      if ((a.is_integer() && b.is_integer()) || (a.kind == TypeKind::String && b.kind == TypeKind::String) ||
          (a.kind == TypeKind::Tuple && b.kind == TypeKind::Tuple)) {
        n.type = unify(a, b, n.loc, "ternary");
      } else if (a.kind == b.kind && (a.kind == TypeKind::Bool || a.kind == TypeKind::Pointer)) {
        n.type = a;
      } else if (n.lhs && a.kind == TypeKind::Void && b.kind == TypeKind::Void) {
        n.type = a;  // `c ? print(x) : exit()`: a statement choosing between two calls
      } else {
        type_mismatch(a, b, n.loc, "ternary");
        n.type = a;
      }
      break;
    }
    case NodeKind::Field:
      check_field(n);
      break;
    case NodeKind::TupleIndex: {
      check_expr(*n.lhs);
      const Type &t = n.lhs->type;
      if (t.kind != TypeKind::Tuple) {
        error(n.loc, "'." + std::to_string(n.ival) + "' needs a tuple, not '" + t.to_string() + "'");
        n.type = make_int(8, true);
      } else if (n.ival >= t.fields.size()) {
        error(n.loc, "tuple index " + std::to_string(n.ival) + " is out of range for a tuple of " +
                         std::to_string(t.fields.size()) + " elements");
        n.type = make_int(8, true);
      } else {
        n.type = *t.fields[n.ival].type;
      }
      break;
    }
    case NodeKind::Index: {
      check_expr(*n.lhs);
      check_expr(*n.rhs);
      const Type &t = n.lhs->type;
      if (!n.rhs->type.is_integer()) error(n.rhs->loc, "an index must be an integer");
      if (t.kind == TypeKind::Array || t.kind == TypeKind::Pointer) {
        n.type = t.elem ? *t.elem : make_int(1, false);
        if (t.kind == TypeKind::Array && n.rhs->kind == NodeKind::Integer && n.rhs->ival >= t.count)
          error(n.rhs->loc, "index " + std::to_string(n.rhs->ival) + " is out of bounds for an array of " +
                                std::to_string(t.count) + " elements");
      } else if (t.kind == TypeKind::String) {
        n.type = make_int(1, true);
      } else if (t.kind == TypeKind::Tuple) {
        // `$t[1]` is `$t.1`: the index must be known when compiling.
        auto index = fold_constant(*n.rhs);
        if (!index) {
          error(n.rhs->loc, "a tuple index must be a constant");
          n.type = make_int(8, true);
          break;
        }
        n.kind = NodeKind::TupleIndex;
        n.ival = static_cast<uint64_t>(*index);
        n.rhs.reset();
        if (*index < 0 || n.ival >= t.fields.size()) {
          error(n.loc, "tuple index " + std::to_string(*index) + " is out of range for a tuple of " +
                           std::to_string(t.fields.size()) + " elements");
          n.type = make_int(8, true);
        } else {
          n.type = *t.fields[n.ival].type;
        }
      } else {
        error(n.loc, "'[]' can not be used on a value of type '" + t.to_string() + "'");
        n.type = make_int(8, true);
      }
      break;
    }
    case NodeKind::Cast:
      check_cast(n);
      break;
    case NodeKind::Tuple: {
      std::vector<Type> elems;
      for (auto &e : n.args) {
        check_expr(*e);
        if (e->type.kind == TypeKind::Void) error(e->loc, "this expression has no value");
        elems.push_back(value_type(e->type));
      }
      n.type = make_tuple(elems);
      break;
    }
    case NodeKind::Record: {
      std::vector<Type> elems;
      for (auto &e : n.args) {
        check_expr(*e);
        elems.push_back(value_type(e->type));
      }
      n.type = make_record(n.names, elems);
      break;
    }
    case NodeKind::BlockExpr:
      push_scope();
      check_block(n.body);
      if (n.lhs) {
        check_expr(*n.lhs);
        n.type = n.lhs->type;
      } else {
        n.type = make_void();
      }
      pop_scope();
      break;
    case NodeKind::IfExpr: {
      check_expr(*n.cond);
      if (!is_truthy(n.cond->type))
        error(n.cond->loc, "an if condition must be an integer, a boolean or a pointer, not '" +
                               n.cond->type.to_string() + "'");
      check_expr(*n.lhs);
      if (!n.rhs) {
        error(n.loc, "an if expression used as a value needs an else branch");
        n.type = n.lhs->type;
        break;
      }
      check_expr(*n.rhs);
      const Type &a = n.lhs->type, &b = n.rhs->type;
      if ((a.is_integer() && b.is_integer()) || (a.kind == TypeKind::String && b.kind == TypeKind::String) ||
          (a.kind == TypeKind::Tuple && b.kind == TypeKind::Tuple))
        n.type = unify(a, b, n.loc, "ternary");
      else if (a == b) n.type = a;
      else {
        type_mismatch(a, b, n.loc, "ternary");
        n.type = a;
      }
      break;
    }
    case NodeKind::SizeOf: {
      Type t;
      if (n.type_spec) t = resolve_type_spec(*n.type_spec);
      else {
        check_expr(*n.lhs);
        t = n.lhs->type;
      }
      // Folded into an integer literal, typed as one (sizeof(1) is 1).
      n.kind = NodeKind::Integer;
      n.ival = t.size;
      n.type = literal_int_type(n.ival);
      break;
    }
    case NodeKind::OffsetOf: {
      Type t = n.type_spec ? resolve_type_spec(*n.type_spec) : Type{};
      uint64_t off = 0;
      for (auto &f : n.names) {
        auto fi = btf_for(t).field(t, f);
        if (!fi) {
          error(n.loc, "'" + t.to_string() + "' has no field named '" + f + "'");
          break;
        }
        off += fi->offset;
        t = fi->type;
      }
      n.kind = NodeKind::Integer;
      n.ival = off;
      n.type = literal_int_type(n.ival);
      break;
    }
    default:
      error(n.loc, std::string("unsupported expression '") + node_kind_name(n.kind) + "'");
      n.type = make_int(8, true);
  }
}

void Analyser::check_unary(Node &n) {
  check_expr(*n.lhs);
  const Type &t = n.lhs->type;
  if (n.op == "!") {
    if (!is_truthy(t)) error(n.loc, "'!' needs an integer, a boolean or a pointer, not '" + t.to_string() + "'");
    n.type = make_bool();
  } else if (n.op == "-" || n.op == "~") {
    if (!t.is_integer() && t.kind != TypeKind::Bool)
      error(n.loc, "'" + n.op + "' needs an integer, not '" + t.to_string() + "'");
    // bpftrace v0.26: a negative literal has the smallest signed type that
    // holds it; otherwise the result is 64 bits, signed for `-`.
    if (n.op == "-" && n.lhs->kind == NodeKind::Integer && n.lhs->type.kind == TypeKind::Int)
      n.type = negative_literal_type(n.lhs->ival);
    else
      n.type = make_int(8, n.op == "-" || !t.is_integer() || t.is_signed);
  } else if (n.op == "*") {
    if (t.is_integer()) {
      // As bpftrace: an integer is an address (kaddr("avenrun")) holding a uint64.
      n.type = make_int(8, false);
    } else if (t.kind != TypeKind::Pointer) {
      error(n.loc, "'*' needs a pointer, not '" + t.to_string() + "'");
      n.type = make_int(8, true);
    } else {
      n.type = t.elem && !t.elem->is_none() ? *t.elem : make_int(8, false);
    }
  } else if (n.op == "&") {
    if (n.lhs->kind != NodeKind::Map && n.lhs->kind != NodeKind::Variable && n.lhs->kind != NodeKind::Field)
      error(n.loc, "'&' can only take the address of a variable, a map value or a field");
    n.type = make_pointer(t);
  } else {
    error(n.loc, "unknown unary operator '" + n.op + "'");
    n.type = t;
  }
}

}  // namespace bt2bin::detail

// The types of stored values: what a value becomes once stored in a
// variable, map or record (64-bit storage, struct values given their
// fields), and how the type of a slot merges with each new value (and the
// bpftrace wording when it can not). Part of the semantic analyser (see
// analyser_internal.h).
#include <algorithm>
#include <cstring>

#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

// The type a value has once stored in a variable, map or record. Integers
// keep their width (bpftrace v0.26: `$x = 1` is an int8 variable, widened
// when a wider integer is assigned later); enums are stored as 64 bits.
Type storage_type(const Type &t) {
  if (t.kind == TypeKind::Enum) {
    Type e = t;
    e.size = 8;
    return e;
  }
  if (t.kind == TypeKind::Int) return t;
  if (t.kind == TypeKind::Bool) return make_bool();
  if (t.kind == TypeKind::Tuple || t.kind == TypeKind::Record) {
    std::vector<Type> elems;
    std::vector<std::string> names;
    for (auto &f : t.fields) {
      elems.push_back(storage_type(*f.type));
      names.push_back(f.name);
    }
    return t.kind == TypeKind::Tuple ? make_tuple(elems) : make_record(names, elems);
  }
  Type s = t;
  s.is_literal = false;
  return s;
}

// The type of a slot (variable, map value or key) that held `have` and is
// now given `want`, or nothing when the two do not mix. Integers promote as
// in bpftrace v0.26 (see promoted_type); strings take the longer size;
// tuples and records merge field by field.
std::optional<Type> merged_type(const Type &have, const Type &want) {
  if (have.is_none()) return want;
  if (want.is_none()) return have;
  if (have.kind == TypeKind::Int && want.kind == TypeKind::Int) return promoted_type(have, want);
  if (have.is_integer() && want.is_integer()) {  // an enum and an integer
    Type t = have;
    t.is_signed = have.is_signed || want.is_signed;
    t.is_literal = false;
    return t;
  }
  if (have.kind != want.kind) return std::nullopt;
  switch (have.kind) {
    case TypeKind::String: {
      Type t = have;
      t.size = std::max(have.size, want.size);
      return t;
    }
    case TypeKind::Tuple:
    case TypeKind::Record: {
      if (have.fields.size() != want.fields.size()) return std::nullopt;
      std::vector<Type> elems;
      std::vector<std::string> names;
      for (size_t i = 0; i < have.fields.size(); i++) {
        auto e = have.fields[i].name == want.fields[i].name
                     ? merged_type(*have.fields[i].type, *want.fields[i].type)
                     : std::nullopt;
        if (!e) return std::nullopt;
        elems.push_back(*e);
        names.push_back(have.fields[i].name);
      }
      return have.kind == TypeKind::Tuple ? make_tuple(elems) : make_record(names, elems);
    }
    case TypeKind::Struct:
      if (have.name != want.name) return std::nullopt;
      return have;
    case TypeKind::Pointer: case TypeKind::Kstack: case TypeKind::Ustack: case TypeKind::Bool:
      return have;
    default:
      if (have.is_aggregation()) return have;
      if (have == want) return have;
      return std::nullopt;
  }
}

// A storage conflict, worded as bpftrace v0.26 words it for `what` ("map
// @x", "variable $x", "key of map @x", "ternary").
void Analyser::type_mismatch(const Type &have, const Type &want, const Location &loc, const std::string &what) {
  auto named = [&](const char *prefix) {
    return what.rfind(prefix, 0) == 0 ? what.substr(strlen(prefix)) : std::string();
  };
  std::string h = have.to_string(), w = want.to_string();
  if (std::string m = named("map "); !m.empty())
    return error(loc, "Type mismatch for " + m + ": trying to assign value of type '" + w +
                          "' when map already has a type '" + h + "'");
  if (std::string v = named("variable "); !v.empty())
    return error(loc, "Type mismatch for " + v + ": trying to assign value of type '" + w +
                          "' when variable already has a type '" + h + "'");
  if (std::string m = named("key of map "); !m.empty())
    return error(loc, "Argument mismatch for " + m + ": trying to access with arguments: '" + w +
                          "' when map expects arguments: '" + h + "'");
  if (what == "ternary")
    return error(loc, "Branches must return the same type or compatible types: have '" + h + "' and '" + w + "'");
  error(loc, what + " has type '" + h + "', but is assigned a value of type '" + w + "'");
}

Type Analyser::unify(const Type &have, const Type &want, const Location &loc, const std::string &what) {
  auto merged = merged_type(have, want);
  if (!merged) {
    type_mismatch(have, want, loc, what);
    return have;
  }
  return *merged;
}

// The type a value has once stored, with struct/union values given their
// fields (print(*p), $s = *p, @m[k] = *p, print(args)).
Type Analyser::value_type(const Type &t) { return expand_structs(storage_type(t)); }

Type Analyser::expand_structs(const Type &t, int depth) {
  if (t.kind == TypeKind::Struct && !t.is_struct_value())
    return t.name == "args" ? args_value() : struct_value(t, depth);
  if (t.kind == TypeKind::Array) return member_value(t, depth);
  if ((t.kind == TypeKind::Tuple || t.kind == TypeKind::Record) && depth < 16) {
    std::vector<Type> elems;
    std::vector<std::string> names;
    for (const auto &f : t.fields) {
      elems.push_back(expand_structs(*f.type, depth + 1));
      names.push_back(f.name);
    }
    return t.kind == TypeKind::Tuple ? make_tuple(elems) : make_record(names, elems);
  }
  return t;
}

// A struct without fields to show (opaque or empty), or an array of them.
static bool opaque_struct(const Type &t) {
  if (t.kind == TypeKind::Array && t.elem) return opaque_struct(*t.elem);
  return t.kind == TypeKind::Struct && !t.is_struct_value();
}

// A struct/union of the kernel's or the script's BTF as a value: every
// named member (anonymous members flattened, as bpftrace does), nested
// structs expanded too; printed as { .a = 1, .b = { .c = 2 } }.
Type Analyser::struct_value(const Type &t, int depth) {
  Type v = t;
  if (depth > 16) return v;
  for (const auto &fi : btf_for(t).fields(t)) {
    Type ft = fi.type;
    if (ft.kind == TypeKind::None || ft.kind == TypeKind::Void) continue;  // floats, functions
    ft = member_value(ft, depth + 1);
    if (opaque_struct(ft)) continue;   // empty or opaque structs, and arrays of them
    v.fields.push_back({fi.name, std::make_shared<Type>(ft), 0, Bitfield{fi.bit_offset, fi.bit_size}});
  }
  layout_fields(v);
  return v;
}

// A member's type as a value: a struct gets its fields, an array of structs
// (or of arrays of structs) gets expanded elements, laid out by bt2bin.
// Arrays of opaque or empty structs stay as they are.
Type Analyser::member_value(const Type &t, int depth) {
  if (t.kind == TypeKind::Struct) return t.is_struct_value() ? t : struct_value(t, depth);
  if (t.kind != TypeKind::Array || !t.elem || (t.elem->kind != TypeKind::Struct && t.elem->kind != TypeKind::Array))
    return t;
  Type elem = member_value(*t.elem, depth + 1);
  if (opaque_struct(elem)) return t;
  Type a = t;
  a.size = static_cast<uint32_t>(elem.size * t.count);
  a.elem = std::make_shared<Type>(std::move(elem));
  return a;
}

// `args` as a value: the probe's arguments (tracepoint fields without the
// common_* header, or the function's parameters).
Type Analyser::args_value() {
  Type v = make_simple(TypeKind::Struct, 0);
  v.name = probe_info_->args.c_struct_name.empty() ? "args" : probe_info_->args.c_struct_name;
  for (const auto &f : probe_info_->args.fields) {
    if (f.common) continue;
    Type ft = f.data_loc ? make_string(static_cast<uint32_t>(config_.max_strlen)) : f.type;
    ft = member_value(ft, 1);
    if (ft.kind == TypeKind::None || ft.kind == TypeKind::Void) continue;
    v.fields.push_back({f.name, std::make_shared<Type>(ft), 0, {}});
  }
  layout_fields(v);
  return v;
}

}  // namespace bt2bin::detail

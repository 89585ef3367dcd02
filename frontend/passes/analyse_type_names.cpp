// Types the script names: type specs (`let $x: uint32`, casts, sizeof),
// casts, enum constants and enum casts, and the script's own C types,
// which must not clash with the kernel's. Part of the semantic analyser
// (see analyser_internal.h).
#include "frontend/passes/analyser_internal.h"

#include <regex>

namespace bt2bin::detail {

Type Analyser::resolve_type_spec(const TypeSpec &spec) {
  static const std::map<std::string, Type> ints = {
      {"int8", make_int(1, true)},    {"int16", make_int(2, true)},   {"int32", make_int(4, true)},
      {"int64", make_int(8, true)},   {"uint8", make_int(1, false)},  {"uint16", make_int(2, false)},
      {"uint32", make_int(4, false)}, {"uint64", make_int(8, false)}, {"bool", make_bool()}};
  Type t;
  if (spec.typeof_expr) {
    check_expr(*spec.typeof_expr);
    t = spec.typeof_expr->type;
  } else if (auto it = ints.find(spec.base); it != ints.end()) {
    t = it->second;
  } else if (spec.base == "string") {
    t = make_string(static_cast<uint32_t>(spec.array_size ? *spec.array_size : config_.max_strlen));
    return spec.pointer_depth ? make_pointer(t) : t;
  } else if (spec.base == "buffer") {
    t = make_simple(TypeKind::Buffer, static_cast<uint32_t>(4 + (spec.array_size ? *spec.array_size : 64)));
    return t;
  } else if (spec.base == "void") {
    t = make_int(1, false);
  } else if (script_types_.defines_record(script_type_name(spec.base)) &&
             script_types_.btf()->resolve(script_type_name(spec.base))) {
    t = *script_types_.btf()->resolve(script_type_name(spec.base));
  } else if (spec.base.rfind("enum ", 0) == 0 && script_types_.defines_enum(spec.base.substr(5)) &&
             script_types_.btf()->resolve(spec.base)) {
    t = *script_types_.btf()->resolve(spec.base);
  } else if (auto r = btf_.resolve(spec.base)) {
    t = *r;
  } else if (spec.base.rfind("enum ", 0) == 0) {
    error(spec.loc, "Unknown enum: " + spec.base.substr(5));
    t = make_int(8, true);
  } else {
    error(spec.loc, "unknown type '" + spec.base + "'");
    t = make_int(8, true);
  }
  for (int i = 0; i < spec.pointer_depth; i++) t = make_pointer(t);
  if (spec.array_size) {
    Type arr = make_simple(TypeKind::Array, 0);
    arr.count = *spec.array_size;
    arr.size = static_cast<uint32_t>(t.size * arr.count);
    arr.elem = std::make_shared<Type>(t);
    t = arr;
  }
  return t;
}

// An enumerator name used as a value: the script's enums first, then the
// kernel's. A named enum keeps its type, so print() and %s show the name.
bool Analyser::resolve_enum_constant(Node &n) {
  std::optional<int64_t> value = script_types_.enum_constant(n.name);
  std::optional<Type> type = value ? script_types_.enum_constant_type(n.name) : std::nullopt;
  if (!value) {
    value = btf_.enum_constant(n.name);
    if (value) type = btf_.enum_constant_type(n.name);
  }
  if (!value) return false;
  n.kind = NodeKind::Integer;
  n.ival = static_cast<uint64_t>(*value);
  n.type = make_int(8, true);
  if (type) {
    n.type = *type;
    n.type.size = 8;
  }
  return true;
}

std::vector<std::pair<int64_t, std::string>> Analyser::enum_values(const std::string &name) {
  if (script_types_.defines_enum(name)) return script_types_.btf()->enum_values(name);
  return btf_.enum_values(name);
}

// `(enum E)N` with a literal N must name one of E's values, as in bpftrace.
void Analyser::check_enum_cast(const Node &n, const Type &to) {
  if (n.lhs->kind != NodeKind::Integer) return;
  for (const auto &[value, name] : enum_values(to.name))
    if (static_cast<uint64_t>(value) == n.lhs->ival) return;
  error(n.loc, "Enum: " + to.name + " doesn't contain a variant value of " + std::to_string(n.lhs->ival));
}

// The value names of every enum a printed or stored value can hold.
void Analyser::collect_enums(const Type &t, CheckedProgram &out) {
  if (t.kind == TypeKind::Enum && !t.name.empty() && !out.enum_values.count(t.name))
    out.enum_values[t.name] = enum_values(t.name);
  for (const auto &f : t.fields) collect_enums(*f.type, out);
  if (t.elem && t.kind == TypeKind::Array) collect_enums(*t.elem, out);
}

void Analyser::check_cast(Node &n) {
  check_expr(*n.lhs);
  Type to = resolve_type_spec(*n.type_spec);
  const Type &from = n.lhs->type;
  bool from_scalar = from.is_integer() || from.kind == TypeKind::Pointer || from.kind == TypeKind::Bool;
  if ((to.is_integer() || to.kind == TypeKind::Pointer || to.kind == TypeKind::Bool) && from_scalar) {
    if (to.kind == TypeKind::Enum) check_enum_cast(n, to);
    n.type = to;
    return;
  }
  if (to.kind == TypeKind::Array && to.count == 0 && to.elem && to.elem->size && 8 % to.elem->size == 0 &&
      from.is_integer()) {
    // `(int8[])x`: as many elements as the integer's 8 bytes hold.
    to.count = 8 / to.elem->size;
    to.size = 8;
  }
  if (to.kind == TypeKind::Array && from.is_integer() && to.size == 8) {
    n.type = to;
    return;
  }
  if (to.is_integer() && from.kind == TypeKind::Array && from.size == to.size) {
    n.type = to;
    return;
  }
  if (to.kind == TypeKind::String && from.kind == TypeKind::String) {
    n.type = to;
    return;
  }
  error(n.loc, "can not cast from '" + from.to_string() + "' to '" + to.to_string() + "'");
  n.type = to;
}

// The generated C includes vmlinux.h before the script's definitions: a
// struct/union named like a kernel one would be defined twice.
// A script struct or union named like a kernel one (dcsnoop's nameidata,
// kernel-internal but in the kernel's BTF) shadows it, as in bpftrace: its
// tag gets a suffix in the script's C definitions, which the generated C
// compiles next to vmlinux.h, and the script's type names map to it.
void Analyser::shadow_kernel_records() {
  static const std::regex record_re(R"(\b(struct|union)\s+([A-Za-z_]\w*)\s*\{)");
  std::set<std::string> clashing;
  for (const auto &d : program_.c_definitions)
    for (auto it = std::sregex_iterator(d.text.begin(), d.text.end(), record_re); it != std::sregex_iterator(); ++it) {
      std::string name = (*it)[1].str() + " " + (*it)[2].str();
      if (btf_.resolve(name)) clashing.insert(name);
    }
  for (const auto &name : clashing) {
    std::string kind = name.substr(0, name.find(' ')), tag = name.substr(name.find(' ') + 1);
    std::string renamed = name + "__script";
    std::regex use("\\b" + kind + "\\s+" + tag + "\\b");
    for (auto &d : program_.c_definitions) d.text = std::regex_replace(d.text, use, renamed);
    shadowed_records_[name] = renamed;
  }
}

// The script's name for a type, after shadow_kernel_records().
const std::string &Analyser::script_type_name(const std::string &name) const {
  auto it = shadowed_records_.find(name);
  return it == shadowed_records_.end() ? name : it->second;
}

}  // namespace bt2bin::detail

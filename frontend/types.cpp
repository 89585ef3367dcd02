// Constructors, layout and printing of Type.
#include "frontend/types.h"

#include <algorithm>
#include <cstdint>

namespace bt2bin {

Type make_int(uint32_t bytes, bool is_signed) {
  Type t;
  t.kind = TypeKind::Int;
  t.size = bytes;
  t.is_signed = is_signed;
  return t;
}

Type make_bool() { return make_simple(TypeKind::Bool, 1); }

Type make_string(uint32_t size) { return make_simple(TypeKind::String, size); }

Type make_void() { return make_simple(TypeKind::Void, 0); }

Type make_simple(TypeKind kind, uint32_t size) {
  Type t;
  t.kind = kind;
  t.size = size;
  return t;
}

Type make_pointer(Type elem, bool user_space) {
  Type t = make_simple(TypeKind::Pointer, 8);
  t.elem = std::make_shared<Type>(std::move(elem));
  t.user_space = user_space;
  return t;
}

Type make_tuple(std::vector<Type> elems) {
  Type t = make_simple(TypeKind::Tuple, 0);
  for (auto &e : elems) t.fields.push_back({"", std::make_shared<Type>(std::move(e)), 0, {}});
  layout_fields(t);
  return t;
}

Type make_record(std::vector<std::string> names, std::vector<Type> elems) {
  Type t = make_simple(TypeKind::Record, 0);
  for (size_t i = 0; i < elems.size(); i++)
    t.fields.push_back({names[i], std::make_shared<Type>(std::move(elems[i])), 0, {}});
  layout_fields(t);
  return t;
}

uint32_t type_alignment(const Type &t) {
  switch (t.kind) {
    case TypeKind::Int:
    case TypeKind::Enum:
      return std::max<uint32_t>(1, std::min<uint32_t>(t.size, 8));
    case TypeKind::Bool:
    case TypeKind::String:
    case TypeKind::MacAddr:
      return 1;
    case TypeKind::Buffer:
      return 4;
    case TypeKind::Array:
      return t.elem ? type_alignment(*t.elem) : 1;
    case TypeKind::Struct:
      if (t.fields.empty()) return 8;
      [[fallthrough]];
    case TypeKind::Tuple:
    case TypeKind::Record: {
      uint32_t a = 1;
      for (auto &f : t.fields) a = std::max(a, type_alignment(*f.type));
      return a;
    }
    default:
      return 8;
  }
}

void layout_fields(Type &t) {
  uint32_t off = 0;
  uint32_t align = 1;
  for (auto &f : t.fields) {
    uint32_t a = type_alignment(*f.type);
    align = std::max(align, a);
    off = (off + a - 1) / a * a;
    f.offset = off;
    off += f.type->size;
  }
  t.size = (off + align - 1) / align * align;
}

std::string Type::to_string() const {
  switch (kind) {
    case TypeKind::None: return "none";
    case TypeKind::Void: return "void";
    case TypeKind::Int:
      return std::string(is_signed ? "int" : "uint") + std::to_string(size * 8);
    case TypeKind::Bool: return "bool";
    case TypeKind::String: return "string[" + std::to_string(size) + "]";
    case TypeKind::Buffer: return "buffer[" + std::to_string(size) + "]";
    case TypeKind::Pointer: return (elem ? elem->to_string() : "void") + " *";
    case TypeKind::Array:
      return (elem ? elem->to_string() : "?") + "[" + std::to_string(count) + "]";
    case TypeKind::Struct: return name;
    case TypeKind::Enum: return "enum " + name;
    case TypeKind::Tuple: {
      // bpftrace's spelling: (int64,string[4])
      std::string s = "(";
      for (size_t i = 0; i < fields.size(); i++) s += (i ? "," : "") + fields[i].type->to_string();
      return s + ")";
    }
    case TypeKind::Record: {
      // bpftrace's spelling: record { .a = int64, .b = string[2] }
      std::string s = "record { ";
      for (size_t i = 0; i < fields.size(); i++)
        s += (i ? ", ." : ".") + fields[i].name + " = " + fields[i].type->to_string();
      return s + " }";
    }
    case TypeKind::Kstack: return "kstack";
    case TypeKind::Ustack: return "ustack";
    case TypeKind::Ksym: return "ksym_t";
    case TypeKind::Usym: return "usym_t";
    case TypeKind::Inet: return "inet";
    case TypeKind::MacAddr: return "macaddr_t";
    case TypeKind::Username: return "username_t";
    case TypeKind::Timestamp: return "timestamp";
    case TypeKind::CgroupPath: return "cgroup_path_t";
    case TypeKind::StrError: return "strerror_t";
    case TypeKind::Count: return "count_t";
    case TypeKind::Sum: return "sum_t";
    case TypeKind::Min: return "min_t";
    case TypeKind::Max: return "max_t";
    case TypeKind::Avg: return "avg_t";
    case TypeKind::Stats: return "stats_t";
    case TypeKind::Hist: return "hist_t";
    case TypeKind::Lhist: return "lhist_t";
    case TypeKind::Tseries: return "tseries_t";
  }
  return "?";
}

Type literal_int_type(uint64_t v) {
  if (v > static_cast<uint64_t>(INT64_MAX)) return make_int(8, false);
  Type t = make_int(v <= INT8_MAX ? 1 : v <= INT16_MAX ? 2 : v <= INT32_MAX ? 4 : 8, true);
  t.is_literal = true;
  return t;
}

Type negative_literal_type(uint64_t magnitude) {
  // -magnitude fits a signed type of N bits when magnitude <= 2^(N-1).
  return make_int(magnitude <= 128 ? 1 : magnitude <= 32768 ? 2 : magnitude <= 0x80000000ULL ? 4 : 8, true);
}

// Signed integers wide enough for an unsigned one of `bytes` bytes.
static std::optional<uint32_t> signed_size_holding_unsigned(uint32_t bytes) {
  if (bytes >= 8) return std::nullopt;
  return bytes * 2;
}

static std::optional<Type> promoted_int(Type a, Type b) {
  // A sign flexible literal takes the other side's sign.
  if (a.is_literal && !b.is_literal) a.is_signed = b.is_signed;
  if (b.is_literal && !a.is_literal) b.is_signed = a.is_signed;
  bool literal = a.is_literal && b.is_literal;
  Type t;
  if (a.is_signed == b.is_signed) {
    t = make_int(std::max(a.size, b.size), a.is_signed);
  } else {
    const Type &u = a.is_signed ? b : a, &s = a.is_signed ? a : b;
    auto need = signed_size_holding_unsigned(u.size);
    if (!need) return std::nullopt;
    t = make_int(std::max(*need, s.size), true);
  }
  t.is_literal = literal;
  return t;
}

std::optional<Type> promoted_type(const Type &a, const Type &b) {
  if (a.is_none()) return b;
  if (b.is_none()) return a;
  if (a.kind == TypeKind::Int && b.kind == TypeKind::Int) return promoted_int(a, b);
  if (a.kind != b.kind) return std::nullopt;
  if (a.kind == TypeKind::String) return make_string(std::max(a.size, b.size));
  if (a.kind == TypeKind::Tuple || a.kind == TypeKind::Record) {
    if (a.fields.size() != b.fields.size()) return std::nullopt;
    std::vector<Type> elems;
    std::vector<std::string> names;
    for (size_t i = 0; i < a.fields.size(); i++) {
      if (a.fields[i].name != b.fields[i].name) return std::nullopt;
      auto e = promoted_type(*a.fields[i].type, *b.fields[i].type);
      if (!e) return std::nullopt;
      elems.push_back(*e);
      names.push_back(a.fields[i].name);
    }
    return a.kind == TypeKind::Tuple ? make_tuple(elems) : make_record(names, elems);
  }
  if (a == b) return a;
  return std::nullopt;
}

bool int_fits_into(const Type &from, const Type &to, std::optional<uint64_t> literal) {
  if (!from.is_integer() || !to.is_integer()) return false;
  if (literal) {
    uint64_t max = to.size >= 8 ? UINT64_MAX : (1ULL << (to.size * 8)) - 1;
    if (to.is_signed) max >>= 1;
    return *literal <= max;
  }
  if (from.is_signed == to.is_signed) return from.size <= to.size;
  return !from.is_signed && from.size < to.size;  // unsigned into a wider signed
}

std::string kind_name(const Type &t) {
  switch (t.kind) {
    case TypeKind::Int: case TypeKind::Enum: return "int";
    case TypeKind::Bool: return "bool";
    case TypeKind::String: return "string";
    case TypeKind::Buffer: return "buffer";
    case TypeKind::Pointer: return "pointer";
    case TypeKind::Array: return "array";
    case TypeKind::Struct: return "c_struct";
    case TypeKind::Tuple: return "tuple";
    case TypeKind::Record: return "record";
    case TypeKind::Void: return "void";
    case TypeKind::None: return "none";
    default: return t.to_string();
  }
}

std::string Type::shape() const {
  if (fields.empty() && !(elem && kind == TypeKind::Array)) return to_string();
  std::string s = kind == TypeKind::Struct ? name + "{" : kind == TypeKind::Array ? "array[" : to_string() + "{";
  if (kind == TypeKind::Array) return s + std::to_string(count) + "]" + elem->shape();
  for (const auto &f : fields) s += f.name + ":" + f.type->shape() + ";";
  return s + "}";
}

bool Type::operator==(const Type &o) const {
  if (kind != o.kind || size != o.size || is_signed != o.is_signed || name != o.name ||
      count != o.count || fields.size() != o.fields.size())
    return false;
  if ((elem == nullptr) != (o.elem == nullptr)) return false;
  if (elem && *elem != *o.elem) return false;
  for (size_t i = 0; i < fields.size(); i++)
    if (fields[i].name != o.fields[i].name || *fields[i].type != *o.fields[i].type) return false;
  return true;
}

}  // namespace bt2bin

// Constructors, layout and printing of Type.
#include "frontend/types.h"

#include <algorithm>

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

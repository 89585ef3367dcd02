// C spellings of bpftrace types (see c_types.h).
#include "backend/c_types.h"

#include "backend/c_writer.h"

namespace bt2bin {

std::string c_int_type(uint32_t bytes, bool is_signed) {
  switch (bytes) {
    case 1: return is_signed ? "__s8" : "__u8";
    case 2: return is_signed ? "__s16" : "__u16";
    case 4: return is_signed ? "__s32" : "__u32";
    default: return is_signed ? "__s64" : "__u64";
  }
}

std::optional<BitfieldLayout> bitfield_layout(const Bitfield &bf) {
  uint32_t first_bit = bf.bit_offset % 8;
  if (bf.bit_size == 0 || first_bit + bf.bit_size > 64) return std::nullopt;
  BitfieldLayout r;
  r.byte_offset = bf.bit_offset / 8;
  r.byte_size = (first_bit + bf.bit_size + 7) / 8;
  r.lshift = 64 - first_bit - bf.bit_size;
  r.rshift = 64 - bf.bit_size;
  return r;
}

std::string c_string_literal(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '?': out += "\\?"; break;  // no trigraphs
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string CTypes::name(const Type &t) {
  switch (t.kind) {
    case TypeKind::Int:
    case TypeKind::Enum:
      return c_int_type(t.size, t.is_signed);
    case TypeKind::Bool:
      return "__u8";
    case TypeKind::Pointer:
    case TypeKind::Ksym:
    case TypeKind::Username:
    case TypeKind::CgroupPath:
    case TypeKind::Timestamp:
      return "__u64";
    case TypeKind::Kstack:
    case TypeKind::StrError:
    case TypeKind::Count:
    case TypeKind::Sum:
    case TypeKind::Hist:
    case TypeKind::Lhist:
      return "__s64";
    case TypeKind::Min:
    case TypeKind::Max:
      return "struct bt_minmax";
    case TypeKind::Avg:
    case TypeKind::Stats:
      return "struct bt_avg";
    case TypeKind::Tseries:
      return "struct bt_tseries";
    case TypeKind::Ustack:
      return "struct bt_ustack";
    case TypeKind::Usym:
      return "struct bt_usym";
    case TypeKind::Tuple:
    case TypeKind::Record:
      return tuple_struct(t);
    case TypeKind::Struct:
      return t.is_struct_value() ? tuple_struct(t) : "";
    default:
      return "";
  }
}

std::string CTypes::decl(const Type &t, const std::string &name_) {
  switch (t.kind) {
    case TypeKind::String:
      return "char " + name_ + "[" + std::to_string(t.size) + "]";
    case TypeKind::Buffer:
      return "struct { __u32 len; __u8 data[" + std::to_string(t.size - 4) + "]; } " + name_;
    case TypeKind::MacAddr:
      return "__u8 " + name_ + "[6]";
    case TypeKind::Inet:
      return "struct bt_inet " + name_;
    case TypeKind::Array:
      return decl(*t.elem, name_ + "[" + std::to_string(t.count) + "]");
    default: {
      std::string n = name(t);
      return (n.empty() ? "__u64" : n) + " " + name_;
    }
  }
}

// Tuples, records and struct values become named structs, one per
// distinct shape: struct tuple_N, struct record_N, struct <name>_value_N.
std::string CTypes::tuple_struct(const Type &t) {
  std::string shape = t.shape();
  auto it = tuple_names_.find(shape);
  if (it != tuple_names_.end()) return it->second;
  // Member declarations first: they define (and number) nested tuples.
  std::vector<std::string> members;
  for (size_t i = 0; i < t.fields.size(); i++) {
    std::string field = t.kind == TypeKind::Tuple ? "f" + std::to_string(i) : t.fields[i].name;
    members.push_back(decl(*t.fields[i].type, field));
  }
  std::string sname = std::string(t.kind == TypeKind::Tuple ? "struct tuple_" : "struct record_") +
                      std::to_string(tuple_names_.size());
  if (t.kind == TypeKind::Struct) {
    std::string base = t.name.substr(t.name.find(' ') + 1);  // "struct task_struct" -> "task_struct"
    sname = "struct " + base + "_value_" + std::to_string(tuple_names_.size());
  }
  std::string def = sname + " {\n";
  for (const auto &m : members) def += "\t" + m + ";\n";
  def += "};\n";
  tuple_names_[shape] = sname;
  definitions_.push_back(def);
  return sname;
}

}  // namespace bt2bin

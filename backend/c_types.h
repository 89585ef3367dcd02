// C spellings of bpftrace types in generated code, and the struct
// definitions (tuples, records, map keys, event records) shared by the BPF
// program and the driver through tool.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontend/types.h"

namespace bt2bin {

class CTypes {
 public:
  // A declaration of `name` with type `t` as stored in maps and records:
  // "__s64 x", "char comm[16]", "struct tuple_1 k".
  std::string decl(const Type &t, const std::string &name);
  // The type name when it has one without a declarator ("__s64",
  // "struct tuple_1"); arrays/strings have none, so "" is returned.
  std::string name(const Type &t);
  // Struct definitions needed so far, in dependency order.
  const std::vector<std::string> &definitions() const { return definitions_; }

 private:
  std::string tuple_struct(const Type &t);
  std::map<std::string, std::string> tuple_names_;
  std::vector<std::string> definitions_;
};

// C type of an integer of `bytes` and signedness: "__s32", "__u64".
std::string c_int_type(uint32_t bytes, bool is_signed);

// How generated code reads a bitfield whose layout is known when compiling
// (the script's own structs, which the target's BTF does not describe):
// `byte_size` bytes from `byte_offset` of the struct go into a u64 (x86_64
// is little-endian: the first byte is the low one), then
// `(v << lshift) >> rshift` keeps the field, zero-extended as bpftrace does.
// These are the numbers BPF_FIELD_BYTE_OFFSET/BYTE_SIZE/LSHIFT_U64/
// RSHIFT_U64 give for a kernel struct, except that only the bytes holding
// the field are read, so the read never leaves the struct.
struct BitfieldLayout {
  uint32_t byte_offset = 0;
  uint32_t byte_size = 0;
  uint32_t lshift = 0;
  uint32_t rshift = 0;
};
// nullopt when the field's bits span more than 8 bytes (a packed struct).
std::optional<BitfieldLayout> bitfield_layout(const Bitfield &bf);

}  // namespace bt2bin

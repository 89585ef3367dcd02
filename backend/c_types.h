// C spellings of bpftrace types in generated code, and the struct
// definitions (tuples, records, map keys, event records) shared by the BPF
// program and the driver through tool.h.
#pragma once

#include <map>
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

}  // namespace bt2bin

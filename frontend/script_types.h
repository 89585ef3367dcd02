// Types a script defines itself: C struct/union/enum definitions and
// `#define NAME <integer>` constants at the top of the script.
//
// The definitions are compiled once with clang (-g, BPF target) into an
// object whose BTF is read like the kernel's, so fields, sizes and offsets
// are exactly what the generated C will see. Kernel structs referenced by
// pointer need no definition; the script's own types are not in the
// kernel's BTF, so the backend reads them without CO-RE relocations.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/btf_types.h"
#include "frontend/c_macros.h"

namespace bt2bin {

// Finds (or makes) the build host's vmlinux.h: true with its path.
using KernelHeaderSource = std::function<bool(std::string &path, std::string &error)>;

class ScriptTypes {
 public:
  // Compiles the definitions (only when there are any); on a clang error
  // returns false with `error` holding its first message.
  // Definitions that use kernel types are compiled again over the kernel's
  // vmlinux.h, which `kernel_header` provides (when set).
  bool load(const std::vector<CDefinition> &defs, std::string &error, const KernelHeaderSource &kernel_header = {});
  BtfTypes *btf() { return btf_.get(); }
  // Named structs/unions of the script, and the anonymous ones inside them
  // ("struct __anon_script_12": not to be looked up in the kernel's BTF).
  bool defines_record(const std::string &name) const {
    return records_.count(name) > 0 || name.find(" " + std::string(anon_prefix)) != std::string::npos;
  }
  static constexpr const char *anon_prefix = "__anon_script_";
  std::optional<int64_t> constant(const std::string &name) const;
  // Any other object-like macro of the script's #include/#define lines
  // (`#define RED "\033[31m"`, AF_INET through <sys/socket.h>); see c_macros.h.
  std::optional<MacroValue> macro(const std::string &name) { return macros_.value(name); }
  const std::string &macro_problem() const { return macros_.problem(); }
  bool defines_enum(const std::string &name) const { return enums_.count(name) > 0; }
  // Enumerators of the script's own enums: value and (named) enum type.
  std::optional<int64_t> enum_constant(const std::string &name);
  std::optional<Type> enum_constant_type(const std::string &name);
  const std::set<std::string> &records() const { return records_; }

 private:
  bool compile(const std::string &prelude, const std::string &body, std::string &object, std::string &error);

  std::unique_ptr<BtfTypes> btf_;
  std::set<std::string> records_;           // "struct foo", "union bar"
  std::set<std::string> enums_;             // "color" for `enum color { ... }`
  bool has_enum_constants_ = false;
  std::map<std::string, int64_t> constants_;
  CMacros macros_{{}};
};

}  // namespace bt2bin

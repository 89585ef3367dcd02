// Object-like C macros the script's preprocessor lines make visible, as
// bpftrace's clang parser collects them: `#include <sys/socket.h>` brings
// AF_INET, a `#define` in the script or a header it includes brings its own.
//
// The script's `#include`/`#define`/`#if` lines (with BPFTRACE_HAVE_BTF
// defined, as bpftrace defines it when the kernel has BTF) are run through
// `clang -E -dM` once, the first time an identifier is looked up; a macro's
// body is expanded through the other macros and evaluated as an integer
// constant expression or a string literal. Function-like macros and bodies
// that are neither (types, casts, statements) are not values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/run_command.h"

namespace bt2bin {

struct MacroValue {
  bool is_string = false;
  int64_t number = 0;
  std::string text;  // is_string: the string's bytes
};

class CMacros {
 public:
  // `lines`: the script's preprocessor lines, in order.
  explicit CMacros(std::vector<std::string> lines) : lines_(std::move(lines)) {}

  // The value of macro `name`, if the preprocessor lines define it as one.
  std::optional<MacroValue> value(const std::string &name);

  // What kept macros from being read: headers that are not on this host
  // (left out), or clang's first error; "" when all went well.
  const std::string &problem() const { return problem_; }

 private:
  void preprocess();
  static CommandResult run_preprocessor(const std::vector<std::string> &lines);
  void read_definitions(const std::string &output);
  static std::string missing_header(const std::string &output);
  static bool drop_include(std::vector<std::string> &lines, const std::string &header);
  static std::string first_error(const std::string &output);
  std::optional<std::string> expand(const std::string &body, int depth) const;

  std::vector<std::string> lines_;
  bool preprocessed_ = false;
  std::map<std::string, std::string> bodies_;  // object-like macros: name -> body
  std::string problem_;
};

// Evaluates a C integer constant expression of literals and operators
// (`(1 << 4) | 0x2`, `-1UL`); nullopt when it is anything else.
std::optional<int64_t> evaluate_c_integer(const std::string &expression);

}  // namespace bt2bin

// Compile-time diagnostics: the one place errors and warnings are collected
// and printed.
//
// Every stage reports through Diagnostics::error()/warning(); nothing prints
// directly. Output is `file:line:col: error: message`, the source line, an
// underline `^~~~` under the exact range, then any hints as `note:` lines.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "frontend/location.h"

namespace bt2bin {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity;
  Location loc;
  std::string message;
  std::vector<std::string> hints;
};

class Diagnostics {
 public:
  explicit Diagnostics(const SourceFile &source) : source_(source), sources_{&source} {}

  // Registers an imported file; locations in it carry the returned index.
  int add_source(const SourceFile &source);
  const SourceFile &source_of(const Location &loc) const;

  Diagnostic &error(const Location &loc, std::string message);
  Diagnostic &warning(const Location &loc, std::string message);

  bool has_errors() const;
  const std::vector<Diagnostic> &all() const { return diags_; }
  const SourceFile &source() const { return source_; }

  // Prints the diagnostics reported since the last print, in order.
  void print(std::ostream &out) const;
  void print_one(std::ostream &out, const Diagnostic &d) const;

 private:
  const SourceFile &source_;
  std::vector<const SourceFile *> sources_;
  std::vector<Diagnostic> diags_;
  mutable size_t printed_ = 0;
};

}  // namespace bt2bin

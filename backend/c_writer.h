// A tiny indenting writer for generated C/C++ (tabs, kernel style).
#pragma once

#include <sstream>
#include <string>

namespace bt2bin {

class CWriter {
 public:
  // Writes one line at the current indent; "" writes an empty line.
  CWriter &line(const std::string &text = {}) {
    if (!text.empty()) out_ << std::string(indent_, '\t') << text;
    out_ << '\n';
    return *this;
  }
  // `{`-terminated line, then indent.
  CWriter &open(const std::string &text) {
    line(text.empty() ? "{" : text + " {");
    indent_++;
    return *this;
  }
  CWriter &close(const std::string &suffix = {}) {
    indent_--;
    line("}" + suffix);
    return *this;
  }
  CWriter &raw(const std::string &text) {
    out_ << text;
    return *this;
  }
  void indent() { indent_++; }
  void dedent() { indent_--; }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
  int indent_ = 0;
};

// A C string literal for `s` with every non-printable byte escaped.
std::string c_string_literal(const std::string &s);

}  // namespace bt2bin

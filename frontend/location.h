// Source positions and the source text they point into.
//
// A Location is a half-open range [begin, end) of 1-based line/column pairs
// in one SourceFile. Diagnostics use it to print `file:line:col` and an
// underline; the backend uses its line for `#line` directives.
#pragma once

#include <string>
#include <vector>

namespace bt2bin {

struct Location {
  int line = 0;
  int col = 0;
  int end_line = 0;
  int end_col = 0;  // exclusive
  int file = 0;     // index of the SourceFile in Diagnostics (0: the script, then imports)

  bool valid() const { return line > 0; }
  // The smallest range covering both.
  Location merge(const Location &other) const;
};

// The text of one script, kept for diagnostics and the `#line` mapping.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);
  const std::string &name() const { return name_; }
  const std::string &text() const { return text_; }
  // Line `n` (1-based) without its newline; empty when out of range.
  std::string line(int n) const;
  int line_count() const { return static_cast<int>(line_starts_.size()); }

 private:
  std::string name_;
  std::string text_;
  std::vector<size_t> line_starts_;
};

}  // namespace bt2bin

// Location arithmetic and line lookup for SourceFile.
#include "frontend/location.h"

#include <utility>

namespace bt2bin {

Location Location::merge(const Location &other) const {
  if (!valid()) return other;
  if (!other.valid()) return *this;
  Location r = *this;
  if (other.line < r.line || (other.line == r.line && other.col < r.col)) {
    r.line = other.line;
    r.col = other.col;
  }
  if (other.end_line > r.end_line ||
      (other.end_line == r.end_line && other.end_col > r.end_col)) {
    r.end_line = other.end_line;
    r.end_col = other.end_col;
  }
  return r;
}

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); i++)
    if (text_[i] == '\n' && i + 1 < text_.size()) line_starts_.push_back(i + 1);
}

std::string SourceFile::line(int n) const {
  if (n < 1 || n > line_count()) return {};
  size_t begin = line_starts_[n - 1];
  size_t end = text_.find('\n', begin);
  if (end == std::string::npos) end = text_.size();
  return text_.substr(begin, end - begin);
}

}  // namespace bt2bin

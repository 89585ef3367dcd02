// Formatting of diagnostics with a source excerpt and an underline.
#include "frontend/diagnostics.h"

#include <algorithm>

namespace bt2bin {

Diagnostic &Diagnostics::error(const Location &loc, std::string message) {
  diags_.push_back({Severity::Error, loc, std::move(message), {}});
  return diags_.back();
}

Diagnostic &Diagnostics::warning(const Location &loc, std::string message) {
  diags_.push_back({Severity::Warning, loc, std::move(message), {}});
  return diags_.back();
}

int Diagnostics::add_source(const SourceFile &source) {
  sources_.push_back(&source);
  return static_cast<int>(sources_.size()) - 1;
}

const SourceFile &Diagnostics::source_of(const Location &loc) const {
  return loc.file > 0 && loc.file < (int)sources_.size() ? *sources_[loc.file] : source_;
}

bool Diagnostics::has_errors() const {
  return std::any_of(diags_.begin(), diags_.end(),
                     [](const Diagnostic &d) { return d.severity == Severity::Error; });
}

void Diagnostics::print(std::ostream &out) const {
  for (; printed_ < diags_.size(); printed_++) print_one(out, diags_[printed_]);
}

// Locations count bytes; what the user sees counts characters, so UTF-8
// continuation bytes are skipped (Russian comments in the seed scripts).
static bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

static int display_column(const std::string &line, int byte_col) {
  int col = 1;
  for (int i = 0; i < byte_col - 1 && i < (int)line.size(); i++)
    if (!is_continuation(line[i])) col++;
  return col + std::max(0, byte_col - 1 - (int)line.size());
}

// Tabs in the source line are kept in the underline so columns line up.
static std::string underline(const std::string &line, const Location &loc) {
  std::string u;
  int first = std::max(loc.col, 1);
  for (int c = 1; c < first; c++) {
    if (c - 1 < (int)line.size() && is_continuation(line[c - 1])) continue;
    u += (c - 1 < (int)line.size() && line[c - 1] == '\t') ? '\t' : ' ';
  }
  int last = loc.end_line == loc.line ? loc.end_col : (int)line.size() + 1;
  if (last <= first) last = first + 1;
  u += '^';
  for (int c = first + 1; c < last; c++)
    if (c - 1 >= (int)line.size() || !is_continuation(line[c - 1])) u += '~';
  return u;
}

void Diagnostics::print_one(std::ostream &out, const Diagnostic &d) const {
  const char *sev = d.severity == Severity::Error ? "error" : "warning";
  const SourceFile &source = source_of(d.loc);
  out << source.name();
  if (d.loc.valid()) out << ':' << d.loc.line << ':' << display_column(source.line(d.loc.line), d.loc.col);
  out << ": " << sev << ": " << d.message << '\n';
  if (d.loc.valid()) {
    std::string line = source.line(d.loc.line);
    out << line << '\n' << underline(line, d.loc) << '\n';
  }
  for (const auto &h : d.hints) out << "note: " << h << '\n';
}

}  // namespace bt2bin

// Object-like C macros of the script's preprocessor lines (see c_macros.h).
#include "frontend/c_macros.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "frontend/parser.h"
#include "frontend/passes/compile_time.h"
#include "util/run_command.h"

namespace bt2bin {

namespace {

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// `"a" "b"` -> "ab"; nullopt unless the text is only string literals.
std::optional<std::string> string_literals(const std::string &text) {
  std::string out;
  size_t i = 0;
  bool any = false;
  while (true) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) i++;
    if (i == text.size()) break;
    if (text[i] != '"') return std::nullopt;
    size_t j = i + 1;
    while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
    if (j >= text.size()) return std::nullopt;
    out += string_literal_value(text.substr(i, j - i + 1));
    any = true;
    i = j + 1;
  }
  if (!any) return std::nullopt;
  return out;
}

// Recursive descent over C's integer operators, lowest precedence first.
class IntegerExpression {
 public:
  explicit IntegerExpression(const std::string &s) : s_(s) {}

  std::optional<int64_t> evaluate() {
    auto v = binary(0);
    skip_space();
    if (!v || pos_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  struct Op {
    const char *text;
    int level;
  };

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) pos_++;
  }

  bool take(const char *t) {
    skip_space();
    size_t n = std::char_traits<char>::length(t);
    if (s_.compare(pos_, n, t) != 0) return false;
    pos_ += n;
    return true;
  }

  // Binary operators from precedence `level` up (0: ||, 9: * / %).
  std::optional<int64_t> binary(int level) {
    static const Op ops[] = {{"||", 0}, {"&&", 1}, {"|", 2}, {"^", 3}, {"&", 4},  {"==", 5}, {"!=", 5},
                             {"<=", 6}, {">=", 6}, {"<<", 7}, {">>", 7}, {"<", 6}, {">", 6},  {"+", 8},
                             {"-", 8},  {"*", 9},  {"/", 9},  {"%", 9}};
    if (level > 9) return unary();
    auto lhs = binary(level + 1);
    while (lhs) {
      skip_space();
      const Op *found = nullptr;
      for (const auto &op : ops) {
        size_t n = std::char_traits<char>::length(op.text);
        if (op.level != level || s_.compare(pos_, n, op.text) != 0) continue;
        // A one-character operator is not the start of a longer one:
        // `|` of `||`, `&` of `&&`, `<` of `<<` or `<=`.
        char next = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        if (n == 1 && (next == op.text[0] || (next == '=' && (op.text[0] == '<' || op.text[0] == '>')))) continue;
        found = &op;
        break;
      }
      if (!found) break;
      pos_ += std::char_traits<char>::length(found->text);
      auto rhs = binary(level + 1);
      if (!rhs) return std::nullopt;
      lhs = fold_integer_binary(found->text, *lhs, *rhs);
    }
    return lhs;
  }

  std::optional<int64_t> unary() {
    if (take("-")) {
      auto v = unary();
      return v ? std::optional<int64_t>(static_cast<int64_t>(0 - static_cast<uint64_t>(*v))) : std::nullopt;
    }
    if (take("+")) return unary();
    if (take("~")) {
      auto v = unary();
      return v ? std::optional<int64_t>(~*v) : std::nullopt;
    }
    if (take("!")) {
      auto v = unary();
      return v ? std::optional<int64_t>(!*v) : std::nullopt;
    }
    return primary();
  }

  // A cast to an integer type is kept as its operand's value.
  bool skip_integer_cast() {
    static const std::set<std::string> words = {"unsigned", "signed", "int", "long", "short", "char",
                                                "__u8", "__u16", "__u32", "__u64", "__s8", "__s16",
                                                "__s32", "__s64", "u8", "u16", "u32", "u64", "s8",
                                                "s16", "s32", "s64", "size_t", "uint32_t", "uint64_t",
                                                "int32_t", "int64_t"};
    size_t save = pos_;
    if (!take("(")) return false;
    bool any = false;
    while (true) {
      skip_space();
      size_t start = pos_;
      while (pos_ < s_.size() && is_ident_char(s_[pos_])) pos_++;
      if (start == pos_) break;
      if (!words.count(s_.substr(start, pos_ - start))) {
        pos_ = save;
        return false;
      }
      any = true;
    }
    if (!any || !take(")")) {
      pos_ = save;
      return false;
    }
    return true;
  }

  std::optional<int64_t> primary() {
    if (skip_integer_cast()) return unary();
    if (take("(")) {
      auto v = binary(0);
      if (!v || !take(")")) return std::nullopt;
      return v;
    }
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '\'' && pos_ + 2 < s_.size() && s_[pos_ + 2] == '\'') {
      int64_t c = static_cast<unsigned char>(s_[pos_ + 1]);
      pos_ += 3;
      return c;
    }
    if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) return std::nullopt;
    const char *begin = s_.c_str() + pos_;
    char *end = nullptr;
    uint64_t v = std::strtoull(begin, &end, 0);
    pos_ += static_cast<size_t>(end - begin);
    while (pos_ < s_.size() && (s_[pos_] == 'u' || s_[pos_] == 'U' || s_[pos_] == 'l' || s_[pos_] == 'L')) pos_++;
    if (pos_ < s_.size() && is_ident_char(s_[pos_])) return std::nullopt;  // 1.5, 0x1p3, ...
    return static_cast<int64_t>(v);
  }

  const std::string &s_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<int64_t> evaluate_c_integer(const std::string &expression) {
  return IntegerExpression(expression).evaluate();
}

// `clang -E -dM` over the lines; a header that is not on this host (a
// kernel-internal one such as <net/sock.h>, which bpftrace reads from the
// kernel headers) is left out and the rest preprocessed again, so that
// <sys/socket.h> beside it still brings AF_INET.
void CMacros::preprocess() {
  preprocessed_ = true;
  std::vector<std::string> lines = lines_;
  std::vector<std::string> missing;
  for (int attempt = 0; attempt < 16; attempt++) {
    CommandResult r = run_preprocessor(lines);
    if (r.exit_code == 0) {
      read_definitions(r.output);
      break;
    }
    std::string header = missing_header(r.output);
    if (header.empty() || !drop_include(lines, header)) {
      problem_ = "the script's #include lines could not be preprocessed: " + first_error(r.output);
      return;
    }
    missing.push_back(header);
  }
  if (!missing.empty()) {
    problem_ = "the macros of headers this host does not have are unknown: <" + missing[0] + ">";
    for (size_t i = 1; i < missing.size(); i++) problem_ += ", <" + missing[i] + ">";
  }
}

CommandResult CMacros::run_preprocessor(const std::vector<std::string> &lines) {
  char path[] = "/tmp/bt2bin-macros-XXXXXX.c";
  int fd = mkstemps(path, 2);
  if (fd < 0) return {1, "error: cannot create a temporary file"};
  close(fd);
  {
    std::ofstream src(path);
    src << "#define BPFTRACE_HAVE_BTF 1\n";
    for (const auto &line : lines) src << line << "\n";
  }
  CommandResult r = run_command({"clang-14", "-E", "-dM", "-x", "c", path});
  unlink(path);
  return r;
}

void CMacros::read_definitions(const std::string &output) {
  std::istringstream out(output);
  std::string line;
  while (std::getline(out, line)) {
    if (line.rfind("#define ", 0) != 0) continue;
    size_t name_end = 8;
    while (name_end < line.size() && is_ident_char(line[name_end])) name_end++;
    if (name_end < line.size() && line[name_end] == '(') continue;  // function-like
    bodies_[line.substr(8, name_end - 8)] = trim(line.substr(name_end));
  }
}

// "fatal error: 'net/sock.h' file not found" -> "net/sock.h".
std::string CMacros::missing_header(const std::string &output) {
  size_t end = output.find("' file not found");
  if (end == std::string::npos) return "";
  size_t begin = output.rfind('\'', end - 1);
  return begin == std::string::npos ? "" : output.substr(begin + 1, end - begin - 1);
}

bool CMacros::drop_include(std::vector<std::string> &lines, const std::string &header) {
  for (auto it = lines.begin(); it != lines.end(); ++it) {
    if (it->find("include") == std::string::npos) continue;
    if (it->find("<" + header + ">") == std::string::npos && it->find("\"" + header + "\"") == std::string::npos)
      continue;
    lines.erase(it);
    return true;
  }
  return false;
}

std::string CMacros::first_error(const std::string &output) {
  size_t e = output.find("error: ");
  if (e == std::string::npos) return "the C preprocessor failed";
  size_t end = output.find('\n', e);
  return output.substr(e + 7, end == std::string::npos ? std::string::npos : end - e - 7);
}

std::optional<std::string> CMacros::expand(const std::string &body, int depth) const {
  if (depth > 32) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == '"' || c == '\'') {  // literals are copied as they are
      size_t j = i + 1;
      while (j < body.size() && body[j] != c) j += body[j] == '\\' ? 2 : 1;
      out += body.substr(i, j + 1 - i);
      i = j + 1;
      continue;
    }
    if (!is_ident_start(c) || (i > 0 && (is_ident_char(body[i - 1]) || body[i - 1] == '.'))) {
      out += c;
      i++;
      continue;
    }
    size_t j = i;
    while (j < body.size() && is_ident_char(body[j])) j++;
    std::string ident = body.substr(i, j - i);
    auto it = bodies_.find(ident);
    if (it == bodies_.end()) {
      out += ident;
    } else {
      auto inner = expand(it->second, depth + 1);
      if (!inner) return std::nullopt;
      out += string_literals(*inner) ? *inner : "(" + *inner + ")";
    }
    i = j;
  }
  return out;
}

std::optional<MacroValue> CMacros::value(const std::string &name) {
  if (lines_.empty()) return std::nullopt;
  if (!preprocessed_) preprocess();
  auto it = bodies_.find(name);
  if (it == bodies_.end() || it->second.empty()) return std::nullopt;
  auto expanded = expand(it->second, 0);
  if (!expanded) return std::nullopt;
  MacroValue v;
  if (auto s = string_literals(*expanded)) {
    v.is_string = true;
    v.text = *s;
    return v;
  }
  auto n = evaluate_c_integer(*expanded);
  if (!n) return std::nullopt;
  v.number = *n;
  return v;
}

}  // namespace bt2bin

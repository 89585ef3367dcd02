// parse_program(): bpftrace source text -> owned AST (frontend/ast.h).
//
// The only file that sees ANTLR (DESIGN invariant 1). It
//   1. maps ANTLR's code-point token positions to 1-based byte line/columns,
//   2. feeds the generated lexer (grammar/Bpftrace.g4) through a token source
//      that checks literals (escapes, integers), reports stray characters and
//      unterminated strings/comments, and inserts the IMPLICIT_SEMI tokens the
//      grammar relies on (see the grammar's header comment),
//   3. parses with SLL prediction first and, only if that fails, again with
//      full LL and an error strategy that turns every syntax error into a
//      Diagnostic worded in the language's own terms (ANTLR's messages never
//      reach the user; its console listener is removed),
//   4. walks the parse tree and builds the AST (the ASTBuilder "visitor").
// All errors are collected, sorted by position and reported together.
#include "frontend/parser.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <antlr4-runtime.h>

#include "BpftraceLexer.h"
#include "BpftraceParser.h"

namespace bt2bin {
namespace {

using Lx = bt2bin_antlr::BpftraceLexer;
using Ps = bt2bin_antlr::BpftraceParser;
using antlr4::Token;

constexpr size_t kMaxSyntaxErrors = 20;

// ---------------------------------------------------------------------------
// Errors collected during one parse.

struct ParseError {
  Location loc;
  std::string message;
  std::vector<std::string> hints;
};

struct ErrorList {
  std::vector<ParseError> errors;
  // Byte offsets of the errors reported so far. A syntax error that follows
  // one in the same statement is its consequence and is not reported.
  std::vector<size_t> positions;
  ParseError &add(Location loc, std::string message) {
    errors.push_back({loc, std::move(message), {}});
    return errors.back();
  }
  // An error whose effects later syntax errors may be.
  ParseError &add_at(size_t byte, Location loc, std::string message) {
    positions.push_back(byte);
    return add(loc, std::move(message));
  }
};

// ---------------------------------------------------------------------------
// Source positions. ANTLR indexes code points; diagnostics use bytes.

class SourceMap {
 public:
  SourceMap(const std::string &text, int file) : text_(text), file_(file) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); i++)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    // ANTLR's UTF-8 decoder throws on invalid input: replace each invalid
    // byte by '?', which keeps byte offsets unchanged.
    sanitized_.reserve(text.size());
    cp_bytes_.reserve(text.size() + 1);
    size_t i = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) {  // a UTF-8 byte order mark reads as a blank
      cp_bytes_.push_back(0);
      sanitized_ += ' ';
      i = 3;
    }
    while (i < text.size()) {
      size_t len = valid_utf8_length(i);
      cp_bytes_.push_back(i);
      if (len == 0) {
        sanitized_ += '?';
        i++;
      } else {
        sanitized_.append(text, i, len);
        i += len;
      }
    }
    cp_bytes_.push_back(text.size());
  }

  const std::string &sanitized() const { return sanitized_; }
  const std::string &text() const { return text_; }

  size_t byte_of(size_t code_point) const {
    return code_point < cp_bytes_.size() ? cp_bytes_[code_point] : text_.size();
  }
  size_t token_begin(const Token *t) const { return byte_of(t->getStartIndex()); }
  size_t token_end(const Token *t) const {
    size_t stop = t->getStopIndex();
    if (stop == std::numeric_limits<size_t>::max()) return token_begin(t);
    return std::max(byte_of(stop + 1), token_begin(t));
  }
  std::string token_text(const Token *t) const {
    if (t->getType() == Token::EOF) return "";
    size_t b = token_begin(t), e = token_end(t);
    return text_.substr(b, e - b);
  }

  // [begin, end) in bytes; an empty range becomes one column wide.
  Location range(size_t begin, size_t end) const {
    Location l;
    l.file = file_;
    line_col(begin, l.line, l.col);
    if (end <= begin) {
      l.end_line = l.line;
      l.end_col = l.col + 1;
    } else {
      line_col(end, l.end_line, l.end_col);
    }
    return l;
  }
  Location token_loc(const Token *t) const { return range(token_begin(t), token_end(t)); }
  // The column just after a token (where a missing ';' belongs).
  Location after(const Token *t) const { return range(token_end(t), token_end(t)); }

 private:
  void line_col(size_t byte, int &line, int &col) const {
    // Never point past the last line: the end of file is the end of the text.
    if (byte >= text_.size() && byte > 0 && text_.back() == '\n') byte = text_.size() - 1;
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), byte);
    size_t index = static_cast<size_t>(it - line_starts_.begin());
    line = static_cast<int>(index);
    col = static_cast<int>(byte - line_starts_[index - 1]) + 1;
  }

  size_t valid_utf8_length(size_t i) const {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text_[k]); };
    unsigned char c = byte(i);
    if (c < 0x80) return 1;
    size_t len = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (len == 0 || i + len > text_.size()) return 0;
    for (size_t k = 1; k < len; k++)
      if ((byte(i + k) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && byte(i + 1) < 0xA0) return 0;  // overlong
    if (c == 0xED && byte(i + 1) > 0x9F) return 0;  // surrogates
    if (c == 0xF0 && byte(i + 1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && byte(i + 1) > 0x8F) return 0;  // > U+10FFFF
    return len;
  }

  const std::string &text_;
  int file_ = 0;
  std::string sanitized_;
  std::vector<size_t> line_starts_;
  std::vector<size_t> cp_bytes_;
};

// ---------------------------------------------------------------------------
// Literals.

struct IntLiteral {
  bool ok = false;
  uint64_t value = 0;
  std::string error;
};

bool is_c_int_suffix(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s.empty() || s == "u" || s == "l" || s == "ul" || s == "lu" || s == "ll" || s == "ull" ||
         s == "llu";
}

uint64_t duration_ns(const std::string &unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1000ULL;
  if (unit == "ms") return 1000000ULL;
  if (unit == "s") return 1000000000ULL;
  if (unit == "m") return 60ULL * 1000000000ULL;
  if (unit == "h") return 3600ULL * 1000000000ULL;
  if (unit == "d") return 86400ULL * 1000000000ULL;
  return 0;
}

// Decimal, octal (0123), hex (0x1F), digit separators (1_000), scientific
// (2e3), C suffixes (U L UL LL ULL) and durations (1ms -> 1000000).
IntLiteral parse_integer_literal(const std::string &spelling) {
  IntLiteral r;
  auto invalid = [&] {
    r.ok = false;
    r.error = "invalid integer literal '" + spelling + "'";
    return r;
  };
  auto too_large = [&] {
    r.ok = false;
    r.error = "integer literal '" + spelling + "' is too large";
    return r;
  };
  if (spelling.empty() || spelling.back() == '_' || spelling.find("__") != std::string::npos) return invalid();
  std::string s;
  for (char c : spelling)
    if (c != '_') s += c;
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return invalid();

  const uint64_t max = std::numeric_limits<uint64_t>::max();
  uint64_t v = 0;
  bool overflow = false;
  auto push = [&](uint64_t base, uint64_t digit) {
    if (v > (max - digit) / base) overflow = true;
    else v = v * base + digit;
  };

  size_t i = 0;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    i = 2;
    size_t start = i;
    for (; i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])); i++) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
      push(16, std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'a' + 10);
    }
    if (i == start || !is_c_int_suffix(s.substr(i))) return invalid();
  } else {
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); i++) {}
    std::string digits = s.substr(0, i), rest = s.substr(i);
    bool octal = digits.size() > 1 && digits[0] == '0';
    for (char c : digits) {
      if (octal && c > '7') return invalid();
      push(octal ? 8 : 10, static_cast<uint64_t>(c - '0'));
    }
    if (!rest.empty() && (rest[0] == 'e' || rest[0] == 'E') && rest.size() > 1 &&
        std::all_of(rest.begin() + 1, rest.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      if (rest.size() > 4) return too_large();
      int exp = std::stoi(rest.substr(1));
      for (int k = 0; k < exp && !overflow; k++) push(10, 0);
    } else if (!rest.empty() && duration_ns(rest) != 0) {
      if (octal) return invalid();
      uint64_t mult = duration_ns(rest);
      if (v > max / mult) overflow = true;
      else v *= mult;
    } else if (!is_c_int_suffix(rest)) {
      return invalid();
    }
  }
  if (overflow) return too_large();
  r.ok = true;
  r.value = v;
  return r;
}

struct EscapeError {
  size_t offset;  // bytes from the opening quote
  size_t length;
  std::string message;
};

size_t utf8_char_length(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  return std::min(len, s.size() - i);
}

// `token` is the string literal as written, quotes included (the closing
// quote may be missing after an error). Returns the unescaped value.
std::string unescape_string(std::string_view token, std::vector<EscapeError> *errors) {
  std::string out;
  size_t end = token.size();
  if (end >= 2 && token.back() == '"') end--;
  for (size_t i = 1; i < end; i++) {
    char c = token[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 1 >= end) break;
    char e = token[i + 1];
    size_t start = i;
    switch (e) {
      case 'n': out += '\n'; i++; continue;
      case 't': out += '\t'; i++; continue;
      case 'r': out += '\r'; i++; continue;
      case '"': out += '"'; i++; continue;
      case '\\': out += '\\'; i++; continue;
      default: break;
    }
    if (e >= '0' && e <= '7') {
      unsigned value = 0;
      size_t j = i + 1;
      for (; j < end && j < i + 4 && token[j] >= '0' && token[j] <= '7'; j++) value = value * 8 + (token[j] - '0');
      if (value > 0xFF && errors)
        errors->push_back({start, j - start,
                           "octal escape sequence '" + std::string(token.substr(start, j - start)) +
                               "' is out of range"});
      out += static_cast<char>(value & 0xFF);
      i = j - 1;
      continue;
    }
    if (e == 'x' || e == 'X') {
      unsigned value = 0;
      size_t j = i + 2;
      for (; j < end && j < i + 4 && std::isxdigit(static_cast<unsigned char>(token[j])); j++) {
        char h = static_cast<char>(std::tolower(static_cast<unsigned char>(token[j])));
        value = value * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : h - 'a' + 10);
      }
      if (j == i + 2) {
        if (errors) errors->push_back({start, 2, "invalid escape sequence '\\" + std::string(1, e) + "'"});
      } else {
        out += static_cast<char>(value);
      }
      i = j - 1;
      continue;
    }
    size_t len = utf8_char_length(token, i + 1);
    if (errors)
      errors->push_back({start, 1 + len, "invalid escape sequence '\\" + std::string(token.substr(i + 1, len)) + "'"});
    i += len;
  }
  return out;
}

bool has(const antlr4::misc::IntervalSet &set, size_t type) { return set.contains(type); }

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// ---------------------------------------------------------------------------
// Token source: literal checks and IMPLICIT_SEMI insertion.

// Tokens after a nested block's `}` that begin a new statement (so the
// block ended a statement and a `;` is implied). `-`, `*`, `&` continue
// the expression instead (`{ 1 } - 2`).
bool starts_statement(size_t type) {
  switch (type) {
    case Ps::VAR: case Ps::MAP: case Ps::PARAM: case Ps::PARAM_COUNT: case Ps::IDENT:
    case Ps::BUILTIN: case Ps::CONFIG: case Ps::INT: case Ps::STRING: case Ps::UNTERMINATED_STRING:
    case Ps::TRUE: case Ps::FALSE: case Ps::IF: case Ps::WHILE: case Ps::FOR: case Ps::UNROLL:
    case Ps::BREAK: case Ps::CONTINUE: case Ps::RETURN: case Ps::LET: case Ps::IMPORT:
    case Ps::SIZEOF: case Ps::OFFSETOF: case Ps::TYPEOF: case Ps::TYPEINFO: case Ps::COMPTIME:
    case Ps::LBRACE: case Ps::LPAREN: case Ps::INC: case Ps::DEC: case Ps::NOT: case Ps::TILDE:
    case Ps::UNDERSCORE:
      return true;
    default:
      return false;
  }
}

class StatementTokenSource : public antlr4::TokenSource {
 public:
  StatementTokenSource(Lx &lexer, const SourceMap &map, ErrorList &errors)
      : lexer_(lexer), map_(map), errors_(errors) {}

  std::unique_ptr<Token> nextToken() override {
    std::unique_ptr<Token> t;
    if (!pending_.empty()) {
      t = std::move(pending_.front());
      pending_.pop_front();
    } else {
      t = fetch();
      // After a nested block's `}`, a statement-starting token means the
      // block ended its statement.
      if (after_nested_rbrace_ && starts_statement(t->getType())) {
        after_nested_rbrace_ = false;
        auto semi = implicit_semi(t.get());
        pending_.push_back(std::move(t));
        return emit(std::move(semi));
      }
      // The last statement of a block needs no `;`.
      if (t->getType() == Ps::RBRACE && depth_ > 0 && prev_type_ != Ps::LBRACE &&
          prev_type_ != Ps::SEMI && prev_type_ != Ps::IMPLICIT_SEMI) {
        auto semi = implicit_semi(t.get());
        pending_.push_back(std::move(t));
        return emit(std::move(semi));
      }
    }
    return emit(std::move(t));
  }

  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override { return lexer_.getCharPositionInLine(); }
  antlr4::CharStream *getInputStream() override { return lexer_.getInputStream(); }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken> *getTokenFactory() override { return lexer_.getTokenFactory(); }

 private:
  std::unique_ptr<Token> emit(std::unique_ptr<Token> t) {
    size_t type = t->getType();
    after_nested_rbrace_ = false;
    if (type == Ps::LBRACE) depth_++;
    if (type == Ps::RBRACE && depth_ > 0) {
      depth_--;
      after_nested_rbrace_ = depth_ > 0;
    }
    prev_type_ = type;
    return t;
  }

  std::unique_ptr<Token> implicit_semi(Token *before) {
    auto semi = std::make_unique<antlr4::CommonToken>(
        std::make_pair<antlr4::TokenSource *, antlr4::CharStream *>(this, lexer_.getInputStream()),
        Ps::IMPLICIT_SEMI, Token::DEFAULT_CHANNEL, before->getStartIndex(), before->getStartIndex() - 1);
    semi->setText("");
    semi->setLine(before->getLine());
    semi->setCharPositionInLine(before->getCharPositionInLine());
    return semi;
  }

  // The next lexer token, after reporting and dropping bad characters.
  std::unique_ptr<Token> fetch() {
    for (;;) {
      std::unique_ptr<Token> t = peeked_ ? std::move(peeked_) : lexer_.nextToken();
      switch (t->getType()) {
        case Ps::ERROR_CHAR: {
          // One error for a run of adjacent bad characters (`привет`).
          size_t begin = map_.token_begin(t.get()), end = map_.token_end(t.get());
          size_t count = 1;
          for (;;) {
            std::unique_ptr<Token> next = lexer_.nextToken();
            if (next->getType() == Ps::ERROR_CHAR && map_.token_begin(next.get()) == end) {
              end = map_.token_end(next.get());
              count++;
              continue;
            }
            peeked_ = std::move(next);
            break;
          }
          std::string shown;
          for (unsigned char c : map_.text().substr(begin, end - begin)) {
            if (c < 0x20 || c == 0x7F) {
              char buf[8];
              snprintf(buf, sizeof buf, "\\x%02x", c);
              shown += buf;
            } else {
              shown += static_cast<char>(c);
            }
          }
          errors_.add_at(begin, map_.range(begin, end),
                         std::string(count == 1 ? "unexpected character '" : "unexpected characters '") + shown + "'");
          continue;
        }
        case Ps::UNTERMINATED_COMMENT: {
          size_t b = map_.token_begin(t.get());
          errors_.add_at(b, map_.range(b, b + 2), "unterminated comment");
          continue;
        }
        case Ps::SINGLE_QUOTED_STRING: {
          errors_.add_at(map_.token_begin(t.get()), map_.token_loc(t.get()),
                         "string literals use double quotes, not single quotes");
          static_cast<antlr4::CommonToken *>(t.get())->setType(Ps::STRING);
          return t;
        }
        case Ps::UNTERMINATED_STRING: {
          ParseError &e = errors_.add_at(map_.token_begin(t.get()), map_.token_loc(t.get()), "unterminated string literal");
          e.hints.push_back("string literals cannot span lines; write a line break as \\n");
          check_escapes(t.get());
          static_cast<antlr4::CommonToken *>(t.get())->setType(Ps::STRING);
          return t;
        }
        case Ps::STRING:
          check_escapes(t.get());
          return t;
        case Ps::INT: {
          IntLiteral lit = parse_integer_literal(map_.token_text(t.get()));
          if (!lit.ok) errors_.add(map_.token_loc(t.get()), lit.error);
          return t;
        }
        case Ps::PARAM: {
          std::string text = map_.token_text(t.get());
          IntLiteral lit = parse_integer_literal(text.substr(1));
          if (!lit.ok || lit.value == 0 || lit.value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            errors_.add(map_.token_loc(t.get()), "positional parameter " + text + " is out of range (parameters start at $1)");
          return t;
        }
        default:
          return t;
      }
    }
  }

  void check_escapes(Token *t) {
    std::vector<EscapeError> errs;
    std::string text = map_.token_text(t);
    unescape_string(text, &errs);
    size_t b = map_.token_begin(t);
    for (auto &e : errs) errors_.add(map_.range(b + e.offset, b + e.offset + e.length), e.message);
  }

  Lx &lexer_;
  const SourceMap &map_;
  ErrorList &errors_;
  std::deque<std::unique_ptr<Token>> pending_;
  std::unique_ptr<Token> peeked_;  // read by fetch() past a run of bad characters
  size_t prev_type_ = Token::INVALID_TYPE;
  int depth_ = 0;
  bool after_nested_rbrace_ = false;
};

// ---------------------------------------------------------------------------
// Syntax errors in the language's own terms.

class SyntaxErrors {
 public:
  SyntaxErrors(const SourceMap &map, ErrorList &errors) : map_(map), errors_(errors) {}

  enum class Kind { NoViableAlt, Mismatch, Unwanted, Missing };

  // Reports one syntax error: `t` is the offending token, `expected` what the
  // grammar allowed there. Errors that only follow from an earlier one in the
  // same statement are dropped; an error at the end of the file or one that
  // leaves the block structure unknowable ends the parse.
  void report(antlr4::Parser *p, Token *t, const antlr4::misc::IntervalSet &expected, Kind kind) {
    if (count_ >= kMaxSyntaxErrors) throw antlr4::ParseCancellationException("too many errors");
    vocabulary_ = &p->getVocabulary();
    antlr4::TokenStream *tokens = p->getTokenStream();
    Token *shown = next_real(tokens, t);
    Token *prev = prev_real(tokens, t);
    antlr4::ParserRuleContext *ctx = p->getContext();
    bool at_eof = shown->getType() == Token::EOF;

    if (follows_earlier_error(tokens, shown)) {
      if (at_eof) throw antlr4::ParseCancellationException("end of file");
      return;
    }
    count_++;
    errors_.positions.push_back(at_eof ? map_.text().size() : map_.token_begin(shown));
    if (unclosed_block_before_probe(ctx, shown, prev)) throw antlr4::ParseCancellationException("structure");
    if (at_eof) {
      report_eof(ctx, expected, prev);
      throw antlr4::ParseCancellationException("end of file");
    }
    Site site{ctx, shown, prev, map_.token_loc(shown), prev ? map_.after(prev) : map_.token_loc(shown)};
    if (only_semicolons(expected)) return report_statement_end(site);
    if (const char *what = missing_condition(ctx); what && shown->getType() == Ps::LBRACE) {
      add(site.at, what);
      return;
    }
    if (kind == Kind::Unwanted) return report_unwanted(site, expected);
    if (kind == Kind::Missing) return report_missing(site, expected);
    report_unexpected(site, expected);
  }

  // A generic report for paths that bypass the strategy (should not happen).
  void generic(Token *t) {
    if (count_ >= kMaxSyntaxErrors) return;
    count_++;
    if (!t || t->getType() == Token::EOF) {
      errors_.add(t ? map_.token_loc(t) : Location{1, 1, 1, 2}, "unexpected end of file");
      return;
    }
    add(map_.token_loc(t), "unexpected " + describe(t));
  }

  size_t count() const { return count_; }

  std::string describe(Token *t) const {
    if (t->getType() == Token::EOF) return "end of file";
    std::string text = map_.token_text(t);
    size_t nl = text.find('\n');
    if (nl != std::string::npos) text = text.substr(0, nl) + "...";
    if (text.size() > 40) {
      size_t cut = 37;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) cut--;  // UTF-8 boundary
      text = text.substr(0, cut) + "...";
    }
    return "'" + text + "'";
  }

 private:
  // Where an error is: the rule, the token shown to the user (never an
  // IMPLICIT_SEMI), the real token before it, and the two usual locations.
  struct Site {
    antlr4::ParserRuleContext *ctx;
    Token *shown;
    Token *prev;
    Location at;          // the shown token
    Location after_prev;  // just after the previous token
  };

  ParseError &add(Location loc, std::string message) { return errors_.add(loc, std::move(message)); }

  // Only `;` could come next: the statement is complete.
  void report_statement_end(const Site &s) {
    if (is_closer(s.shown->getType()) && s.shown->getType() != Ps::RBRACE)
      add(s.at, "unexpected " + describe(s.shown));
    else
      add(s.after_prev, "expected ';' after statement");
  }

  // The token is in the way (the parser recovers by skipping it).
  void report_unwanted(const Site &s, const antlr4::misc::IntervalSet &expected) {
    size_t type = s.shown->getType();
    if (type == Ps::SHEBANG)
      add(s.at, "'#!' is only allowed on the first line");
    else if ((type == Ps::STRUCT || type == Ps::UNION || type == Ps::ENUM) && has(expected, Ps::ATTACH_POINT))
      add(s.at, "incomplete C definition: expected '" + map_.token_text(s.shown) + " name { ... };' with balanced braces");
    else if (!is_closer(type) && has(expected, Ps::ATTACH_POINT))
      add(s.at, "expected attach point");
    else if (dynamic_cast<Ps::ProbeContext *>(s.ctx) && (type == Ps::ATTACH_POINT || type == Ps::IDENT))
      add(s.at, "expected ',' between attach points");
    else if (!comma_or_closer(s, expected))
      add(s.at, "unexpected " + describe(s.shown));
  }

  // One token is missing (the parser recovers by assuming it).
  void report_missing(const Site &s, const antlr4::misc::IntervalSet &expected) {
    size_t missing = expected.isEmpty() ? Token::INVALID_TYPE : expected.getMinElement();
    if (missing == Ps::PRED_CLOSE)
      add(s.after_prev, "expected '/' to close the predicate");
    else if (missing == Ps::RPAREN || missing == Ps::RBRACKET)
      expected_closer(s.after_prev, s.ctx, missing);
    else if (has(expected, Ps::IDENT))
      add(s.at, expected_name_message(s.ctx, s.prev));
    else
      add(s.after_prev, "expected " + token_words(missing));
  }

  // No alternative fits the token: name what was expected.
  void report_unexpected(const Site &s, const antlr4::misc::IntervalSet &expected) {
    size_t type = s.shown->getType();
    size_t prev_type = s.prev ? s.prev->getType() : Token::INVALID_TYPE;
    if (prev_type == Ps::DOT || prev_type == Ps::ARROW) {
      add(s.at, prev_type == Ps::DOT ? "expected a field name after '.'" : "expected a field name after '->'");
    } else if (prev_type == Ps::ELSE && has(expected, Ps::LBRACE)) {
      add(s.at, "expected '{' or 'if' after 'else'");
    } else if (is_closer(type) && !has(expected, type)) {
      if (wants_expression(expected)) add(s.at, "expected an expression");
      else if (has(expected, Ps::RPAREN)) expected_closer(s.at, s.ctx, Ps::RPAREN);
      else if (has(expected, Ps::RBRACKET)) expected_closer(s.at, s.ctx, Ps::RBRACKET);
      else add(s.at, "unexpected " + describe(s.shown));
    } else if (wants_expression(expected)) {
      ParseError &e = add(s.at, "expected an expression");
      if (type == Ps::ASSIGN) e.hints.push_back("'=' assigns; use '==' to compare");
    } else if (has(expected, Ps::IDENT) && !has(expected, Ps::LBRACE) && !has(expected, Ps::LPAREN)) {
      add(s.at, expected_name_message(s.ctx, s.prev));
    } else if (has(expected, Ps::ATTACH_POINT)) {
      add(s.at, type == Ps::SHEBANG ? "'#!' is only allowed on the first line" : "expected attach point");
    } else if (auto *probe = dynamic_cast<Ps::ProbeContext *>(s.ctx); probe && has(expected, Ps::LBRACE)) {
      add(s.at, probe->predicate() ? "expected '{' after predicate" : "expected '{' after attach point");
    } else if (has(expected, Ps::PRED_CLOSE)) {
      ParseError &e = add(s.at, "expected '/' to close the predicate");
      if (type == Ps::ASSIGN) e.hints.push_back("'=' assigns; use '==' to compare");
    } else if (comma_or_closer(s, expected)) {
    } else if (has(expected, Ps::RPAREN) || has(expected, Ps::RBRACKET)) {
      expected_closer(s.at, s.ctx, has(expected, Ps::RPAREN) ? Ps::RPAREN : Ps::RBRACKET);
    } else if (dynamic_cast<Ps::TernaryExprContext *>(s.ctx) && has(expected, Ps::COLON)) {
      add(s.at, "expected ':' in conditional expression");
    } else if (has(expected, Ps::LBRACE)) {
      ParseError &e = add(s.at, "expected '{'");
      auto *parent = dynamic_cast<antlr4::ParserRuleContext *>(s.ctx->parent);
      bool after_condition = is_conditional(s.ctx) || (dynamic_cast<Ps::BlockContext *>(s.ctx) && is_conditional(parent));
      if (after_condition && is_binary_operator(type))
        e.hints.push_back("without parentheses a condition is a single operand; write the condition in '(' ')'");
    } else if (has(expected, Ps::VAR) && dynamic_cast<Ps::LetStmtContext *>(s.ctx)) {
      add(s.at, "expected a variable after 'let'");
    } else if (has(expected, Ps::MAP) && dynamic_cast<Ps::MapDeclItemContext *>(s.ctx)) {
      add(s.at, "expected a map after 'let' (only maps can be declared at the top level)");
    } else {
      report_expected_words(s, expected);
    }
  }

  void report_expected_words(const Site &s, const antlr4::misc::IntervalSet &expected) {
    std::vector<std::string> words = expected_words(expected);
    if (words.empty() || words.size() > 3) {
      add(s.at, "unexpected " + describe(s.shown));
      return;
    }
    std::string msg = "expected " + words[0];
    for (size_t i = 1; i < words.size(); i++) msg += (i + 1 == words.size() ? " or " : ", ") + words[i];
    add(s.at, msg);
  }

  // True when an error was already reported earlier in the statement that
  // `t` is in: no `;` or block end at the same brace depth lies between.
  bool follows_earlier_error(antlr4::TokenStream *tokens, Token *t) const {
    size_t pos = t->getType() == Token::EOF ? map_.text().size() : map_.token_begin(t);
    size_t last = 0;
    bool any = false;
    for (size_t e : errors_.positions)
      if (e <= pos) {
        last = std::max(last, e);
        any = true;
      }
    if (!any) return false;
    size_t first = t->getTokenIndex();
    while (first > 0 && map_.token_begin(tokens->get(first - 1)) >= last) first--;
    int depth = 0;
    for (size_t i = first; i < t->getTokenIndex(); i++) {
      size_t type = tokens->get(i)->getType();
      if (type == Ps::LBRACE) depth++;
      if (type == Ps::RBRACE && --depth < 0) return false;
      if ((type == Ps::SEMI || type == Ps::IMPLICIT_SEMI) && depth <= 0) return false;
    }
    return true;
  }

  // In an argument, key or tuple list: `f(a b)` lacks a ',', `f(a;` a ')'.
  bool comma_or_closer(const Site &s, const antlr4::misc::IntervalSet &expected) {
    size_t type = s.shown->getType();
    Location at = s.at;
    antlr4::ParserRuleContext *ctx = s.ctx;
    bool ends_construct = type == Ps::SEMI || type == Ps::IMPLICIT_SEMI || type == Ps::LBRACE ||
                          is_closer(type) || is_assign_operator(type);
    if (has(expected, Ps::COMMA) && has(expected, Ps::RPAREN) && type != Ps::RBRACKET) {
      if (ends_construct) expected_closer(at, ctx, Ps::RPAREN);
      else add(at, "expected ',' or ')'");
      return true;
    }
    if (has(expected, Ps::COMMA) && has(expected, Ps::RBRACKET) && type != Ps::RPAREN) {
      if (ends_construct) expected_closer(at, ctx, Ps::RBRACKET);
      else add(at, "expected ',' or ']'");
      return true;
    }
    return false;
  }

  static bool is_assign_operator(size_t type) {
    switch (type) {
      case Ps::ASSIGN: case Ps::PLUS_ASSIGN: case Ps::MINUS_ASSIGN: case Ps::STAR_ASSIGN: case Ps::DIV_ASSIGN:
      case Ps::MOD_ASSIGN: case Ps::AND_ASSIGN: case Ps::OR_ASSIGN: case Ps::XOR_ASSIGN: case Ps::SHL_ASSIGN:
      case Ps::SHR_ASSIGN:
        return true;
      default:
        return false;
    }
  }

  // Inside if/while/unroll, right after the condition.
  static bool is_conditional(antlr4::ParserRuleContext *ctx) {
    return dynamic_cast<Ps::IfExprContext *>(ctx) || dynamic_cast<Ps::WhileStmtContext *>(ctx) ||
           dynamic_cast<Ps::UnrollStmtContext *>(ctx);
  }

  static bool is_binary_operator(size_t type) {
    switch (type) {
      case Ps::LOR: case Ps::LAND: case Ps::PIPE: case Ps::CARET: case Ps::AMP: case Ps::EQ: case Ps::NE:
      case Ps::LT: case Ps::GT: case Ps::LE: case Ps::GE: case Ps::SHL: case Ps::SHR: case Ps::PLUS:
      case Ps::MINUS: case Ps::STAR: case Ps::DIV: case Ps::MOD: case Ps::QUESTION:
        return true;
      default:
        return false;
    }
  }

  // `if {`, `while {`, `unroll {`: the condition is missing.
  static const char *missing_condition(antlr4::ParserRuleContext *ctx) {
    if (!dynamic_cast<Ps::CastOperandContext *>(ctx)) return nullptr;
    auto *cond = dynamic_cast<Ps::ConditionContext *>(ctx->parent);
    if (!cond) return nullptr;
    if (dynamic_cast<Ps::IfExprContext *>(cond->parent)) return "expected a condition after 'if'";
    if (dynamic_cast<Ps::WhileStmtContext *>(cond->parent)) return "expected a condition after 'while'";
    if (dynamic_cast<Ps::UnrollStmtContext *>(cond->parent)) return "expected a count after 'unroll'";
    return nullptr;
  }

  // A name is missing: say which one.
  std::string expected_name_message(antlr4::ParserRuleContext *ctx, Token *prev) const {
    for (auto *c = ctx; c; c = dynamic_cast<antlr4::ParserRuleContext *>(c->parent)) {
      if (dynamic_cast<Ps::RecordTypeBaseContext *>(c))
        return "expected a type name after " + (prev ? describe(prev) : std::string("'struct'"));
      if (dynamic_cast<Ps::FieldOpContext *>(c)) return "expected a field name after '.'";
      if (dynamic_cast<Ps::ArrowOpContext *>(c)) return "expected a field name after '->'";
      if (dynamic_cast<Ps::FieldPathContext *>(c)) return "expected a field name";
      if (dynamic_cast<Ps::MacroItemContext *>(c)) return "expected a macro name";
      if (dynamic_cast<Ps::FnItemContext *>(c)) return "expected a function name";
      if (dynamic_cast<Ps::MapDeclItemContext *>(c)) return "expected a map type (hash, lruhash, percpuhash or percpulruhash)";
      if (dynamic_cast<Ps::TypeSpecContext *>(c)) return "expected a type";
      if (dynamic_cast<Ps::LetStmtContext *>(c)) return "expected a variable after 'let'";
    }
    return "expected an identifier";
  }

  static bool is_closer(size_t type) {
    return type == Ps::RPAREN || type == Ps::RBRACKET || type == Ps::RBRACE;
  }

  static bool only_semicolons(const antlr4::misc::IntervalSet &e) {
    if (e.isEmpty()) return false;
    for (ssize_t t : e.toList())
      if (t != Ps::SEMI && t != Ps::IMPLICIT_SEMI) return false;
    return true;
  }

  static bool wants_expression(const antlr4::misc::IntervalSet &e) {
    return has(e, Ps::INT) && has(e, Ps::VAR) && has(e, Ps::STRING);
  }

  // The token after zero-width IMPLICIT_SEMIs (fetching it if needed).
  static Token *next_real(antlr4::TokenStream *tokens, Token *t) {
    while (t && t->getType() == Ps::IMPLICIT_SEMI) {
      ssize_t k = static_cast<ssize_t>(t->getTokenIndex()) - static_cast<ssize_t>(tokens->index()) + 2;
      Token *next = k >= 1 ? tokens->LT(k) : tokens->get(t->getTokenIndex() + 1);
      if (!next || next == t) break;
      t = next;
    }
    return t;
  }

  static Token *prev_real(antlr4::TokenStream *tokens, Token *t) {
    size_t i = t->getTokenIndex();
    if (i == static_cast<size_t>(-1) || i > tokens->size()) return nullptr;
    while (i > 0) {
      Token *p = tokens->get(--i);
      if (p->getType() != Ps::IMPLICIT_SEMI) return p;
    }
    return nullptr;
  }

  // The last opener of `open_type` among ctx's (or an ancestor's) direct
  // children that has no matching closer yet.
  static Token *unclosed(antlr4::ParserRuleContext *ctx, size_t open_type, size_t close_type) {
    for (; ctx; ctx = dynamic_cast<antlr4::ParserRuleContext *>(ctx->parent)) {
      int depth = 0;
      Token *last_open = nullptr;
      for (auto *child : ctx->children) {
        auto *term = dynamic_cast<antlr4::tree::TerminalNode *>(child);
        if (!term || dynamic_cast<antlr4::tree::ErrorNode *>(child)) continue;
        size_t type = term->getSymbol()->getType();
        if (type == open_type) {
          depth++;
          last_open = term->getSymbol();
        } else if (type == close_type && term->getSymbol()->getTokenIndex() != static_cast<size_t>(-1)) {
          depth--;
        }
      }
      if (depth > 0) return last_open;
    }
    return nullptr;
  }

  void expected_closer(Location at, antlr4::ParserRuleContext *ctx, size_t closer) {
    bool paren = closer == Ps::RPAREN;
    ParseError &e = add(at, paren ? "expected ')'" : "expected ']'");
    if (Token *open = unclosed(ctx, paren ? Ps::LPAREN : Ps::LBRACKET, closer)) {
      Location l = map_.token_loc(open);
      e.hints.push_back(std::string("to match the '") + (paren ? "(" : "[") + "' at line " +
                        std::to_string(l.line) + ", column " + std::to_string(l.col));
    }
  }

  // End of file: name the construct left open.
  void report_eof(antlr4::ParserRuleContext *ctx, const antlr4::misc::IntervalSet &expected, Token *prev) {
    Location end = prev ? map_.after(prev) : Location{1, 1, 1, 2};
    // `kprobe:f /pid/` and nothing after: the last `/` was read as a division.
    if (prev && prev->getType() == Ps::DIV) {
      for (auto *c = ctx; c; c = dynamic_cast<antlr4::ParserRuleContext *>(c->parent))
        if (auto *pred = dynamic_cast<Ps::PredicateContext *>(c); pred && !pred->PRED_CLOSE()) {
          add(end, "expected '{' after predicate");
          return;
        }
    }
    if (wants_expression(expected) && !has(expected, Ps::RBRACE)) {
      add(end, "expected an expression");
      return;
    }
    for (auto *c = ctx; c; c = dynamic_cast<antlr4::ParserRuleContext *>(c->parent)) {
      if (auto *pred = dynamic_cast<Ps::PredicateContext *>(c); pred && pred->DIV() && !pred->PRED_CLOSE()) {
        add(map_.token_loc(pred->DIV()->getSymbol()), "expected '/' to close the predicate started here");
        return;
      }
      struct Pair { size_t open, close; const char *message; };
      static const Pair pairs[] = {
          {Ps::LPAREN, Ps::RPAREN, "expected ')' to close the '(' opened here"},
          {Ps::LBRACKET, Ps::RBRACKET, "expected ']' to close the '[' opened here"},
          {Ps::LBRACE, Ps::RBRACE, "expected '}' to close the block started here"},
      };
      for (const Pair &pair : pairs) {
        // Only this context's own children: the innermost construct wins.
        int depth = 0;
        Token *open = nullptr;
        for (auto *child : c->children) {
          auto *term = dynamic_cast<antlr4::tree::TerminalNode *>(child);
          if (!term || dynamic_cast<antlr4::tree::ErrorNode *>(child)) continue;
          if (term->getSymbol()->getType() == pair.open) {
            depth++;
            open = term->getSymbol();
          } else if (term->getSymbol()->getType() == pair.close) {
            depth--;
          }
        }
        if (depth > 0 && open) {
          add(map_.token_loc(open), pair.message);
          return;
        }
      }
      if (auto *probe = dynamic_cast<Ps::ProbeContext *>(c); probe && !probe->block()) {
        add(end, probe->predicate() ? "expected '{' after predicate" : "expected '{' after attach point");
        return;
      }
    }
    add(end, "unexpected end of file");
  }

  // `kprobe:f { ... <no '}'>  kprobe:g { ... }`: inside a block, an
  // identifier at the start of a line followed by `:` (or BEGIN/END followed
  // by `{`) is the next probe, so the block before it was never closed.
  bool unclosed_block_before_probe(antlr4::ParserRuleContext *ctx, Token *shown, Token *prev) {
    if (!prev || (prev->getType() != Ps::IDENT && prev->getType() != Ps::BUILTIN)) return false;
    std::string name = map_.token_text(prev);
    bool special = name == "BEGIN" || name == "END" || name == "begin" || name == "end";
    if (!(shown->getType() == Ps::COLON || (special && shown->getType() == Ps::LBRACE))) return false;
    if (map_.token_loc(prev).col != 1) return false;
    Ps::BlockContext *outermost = nullptr;
    for (auto *c = ctx; c; c = dynamic_cast<antlr4::ParserRuleContext *>(c->parent))
      if (auto *b = dynamic_cast<Ps::BlockContext *>(c)) outermost = b;
    if (!outermost || !outermost->LBRACE()) return false;
    ParseError &e = add(map_.token_loc(outermost->LBRACE()->getSymbol()), "expected '}' to close the block started here");
    Location l = map_.token_loc(prev);
    e.hints.push_back("'" + name + "' at line " + std::to_string(l.line) + " looks like the start of the next probe");
    return true;
  }

  std::string token_words(size_t type) const {
    switch (type) {
      case Ps::SEMI: case Ps::IMPLICIT_SEMI: return "';'";
      case Ps::PRED_CLOSE: return "'/'";
      case Ps::ATTACH_POINT: return "attach point";
      case Ps::IDENT: return "an identifier";
      case Ps::BUILTIN: return "a builtin";
      case Ps::VAR: return "a variable";
      case Ps::MAP: return "a map";
      case Ps::INT: return "an integer";
      case Ps::STRING: return "a string";
      case Ps::TYPE_NAME: return "a type";
      case Ps::PARAM: return "a positional parameter";
      case Token::EOF: return "end of file";
      default: break;
    }
    if (!vocabulary_) return "a token";
    std::string lit = vocabulary_->getLiteralName(type);
    if (!lit.empty()) return lit;
    return vocabulary_->getSymbolicName(type);
  }

  // The expected tokens worth naming (operators that could continue an
  // expression are left out).
  std::vector<std::string> expected_words(const antlr4::misc::IntervalSet &e) const {
    static const std::set<size_t> named = {
        Ps::SEMI, Ps::COMMA, Ps::COLON, Ps::ASSIGN, Ps::LBRACE, Ps::RBRACE, Ps::LPAREN, Ps::RPAREN,
        Ps::LBRACKET, Ps::RBRACKET, Ps::IDENT, Ps::VAR, Ps::MAP, Ps::INT, Ps::STRING, Ps::TYPE_NAME,
        Ps::ELSE, Ps::DOTDOT, Ps::PRED_CLOSE, Ps::STRUCT};
    std::vector<std::string> words;
    std::set<std::string> seen;
    for (ssize_t t : e.toList()) {
      if (!named.count(static_cast<size_t>(t))) continue;
      std::string w = token_words(static_cast<size_t>(t));
      if (seen.insert(w).second) words.push_back(w);
    }
    return words;
  }

  const SourceMap &map_;
  ErrorList &errors_;
  size_t count_ = 0;
  const antlr4::dfa::Vocabulary *vocabulary_ = nullptr;
};

bool is_top_item_start(size_t type) {
  switch (type) {
    case Ps::ATTACH_POINT: case Ps::IDENT: case Ps::CPREPROC: case Ps::C_DEFINITION: case Ps::CONFIG:
    case Ps::IMPORT: case Ps::MACRO: case Ps::FN: case Ps::LET: case Ps::SEMI: case Token::EOF:
      return true;
    default:
      return false;
  }
}

class SyntaxErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit SyntaxErrorStrategy(SyntaxErrors &errors) : errors_(errors) {}

 protected:
  void reportNoViableAlternative(antlr4::Parser *p, const antlr4::NoViableAltException &e) override {
    errors_.report(p, e.getOffendingToken(), e.getExpectedTokens(), SyntaxErrors::Kind::NoViableAlt);
  }
  void reportInputMismatch(antlr4::Parser *p, const antlr4::InputMismatchException &e) override {
    errors_.report(p, e.getOffendingToken(), e.getExpectedTokens(), SyntaxErrors::Kind::Mismatch);
  }
  void reportFailedPredicate(antlr4::Parser *p, const antlr4::FailedPredicateException &e) override {
    errors_.generic(e.getOffendingToken());
  }
  // Never recover by deleting a brace: the block structure is what the
  // rest of the recovery relies on (`if {` must keep its block).
  Token *singleTokenDeletion(antlr4::Parser *p) override {
    size_t la = p->getTokenStream()->LA(1);
    if (la == Ps::LBRACE || la == Ps::RBRACE || la == Ps::IMPLICIT_SEMI) return nullptr;
    return antlr4::DefaultErrorStrategy::singleTokenDeletion(p);
  }
  void reportUnwantedToken(antlr4::Parser *p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    errors_.report(p, p->getCurrentToken(), getExpectedTokens(p), SyntaxErrors::Kind::Unwanted);
  }
  void reportMissingToken(antlr4::Parser *p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    errors_.report(p, p->getCurrentToken(), getExpectedTokens(p), SyntaxErrors::Kind::Missing);
  }

 public:
  // At the top level, skip whatever cannot start an item (balanced braces
  // included) instead of giving up on the rest of the file.
  void sync(antlr4::Parser *p) override {
    if (!dynamic_cast<Ps::ProgramContext *>(p->getContext())) {
      antlr4::DefaultErrorStrategy::sync(p);
      return;
    }
    antlr4::TokenStream *tokens = p->getTokenStream();
    if (is_top_item_start(tokens->LA(1))) return;
    if (tokens->LA(1) == Ps::SHEBANG && tokens->index() == 0) return;
    if (!inErrorRecoveryMode(p)) {
      beginErrorCondition(p);
      errors_.report(p, p->getCurrentToken(), getExpectedTokens(p), SyntaxErrors::Kind::Unwanted);
    }
    int depth = 0;
    for (;;) {
      size_t la = tokens->LA(1);
      if (la == Token::EOF) break;
      if (depth == 0 && is_top_item_start(la) && la != Ps::SEMI) break;
      if (la == Ps::LBRACE) depth++;
      if (la == Ps::RBRACE && depth > 0) depth--;
      p->consume();
    }
  }

 private:
  SyntaxErrors &errors_;
};

// Lexer/parser listener: only reached on paths the strategy does not cover.
class FallbackListener : public antlr4::BaseErrorListener {
 public:
  explicit FallbackListener(SyntaxErrors &errors) : errors_(errors) {}
  void syntaxError(antlr4::Recognizer *, Token *offending, size_t, size_t, const std::string &,
                   std::exception_ptr) override {
    errors_.generic(offending);
  }

 private:
  SyntaxErrors &errors_;
};

// ---------------------------------------------------------------------------
// Parse tree -> AST.

class ASTBuilder {
 public:
  ASTBuilder(const SourceMap &map, ErrorList &errors) : map_(map), errors_(errors) {}

  std::unique_ptr<Program> program(Ps::ProgramContext *ctx, const std::string &filename) {
    auto prog = std::make_unique<Program>();
    prog->filename = filename;
    bool seen_main_item = false;  // a probe, macro, function or map declaration
    bool seen_config = false;
    for (auto *item : ctx->topItem()) {
      if (auto *c = dynamic_cast<Ps::CPreprocItemContext *>(item)) {
        if (seen_main_item) error(loc(c), "C definitions must appear before probes and functions");
        std::string text = tok_text(c->CPREPROC());
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
        prog->c_definitions.push_back({loc(c), text});
      } else if (auto *d = dynamic_cast<Ps::CDefinitionItemContext *>(item)) {
        if (seen_main_item) error(loc(d), "C definitions must appear before probes and functions");
        std::string text = tok_text(d->C_DEFINITION());
        if (text.back() != ';') text += ';';
        prog->c_definitions.push_back({loc(d), text});
      } else if (auto *cfg = dynamic_cast<Ps::ConfigItemContext *>(item)) {
        if (seen_main_item) error(loc(cfg->CONFIG()), "config must appear before probes and functions");
        else if (seen_config) error(loc(cfg->CONFIG()), "only one config block is allowed");
        seen_config = true;
        config(cfg, *prog);
      } else if (auto *imp = dynamic_cast<Ps::ImportItemContext *>(item)) {
        if (seen_main_item) error(loc(imp), "root imports must appear before probes and functions");
        prog->imports.push_back({loc(imp), unescape_string(tok_text(imp->STRING()), nullptr)});
      } else if (auto *m = dynamic_cast<Ps::MacroItemContext *>(item)) {
        seen_main_item = true;
        prog->macros.push_back(macro(m));
      } else if (auto *f = dynamic_cast<Ps::FnItemContext *>(item)) {
        seen_main_item = true;
        prog->functions.push_back(function(f));
      } else if (auto *md = dynamic_cast<Ps::MapDeclItemContext *>(item)) {
        seen_main_item = true;
        prog->map_decls.push_back(map_decl(md));
      } else if (auto *p = dynamic_cast<Ps::ProbeItemContext *>(item)) {
        seen_main_item = true;
        prog->probes.push_back(probe(p->probe()));
      }
    }
    return prog;
  }

 private:
  // ---- locations and text ----
  Location loc(antlr4::tree::TerminalNode *t) const { return map_.token_loc(t->getSymbol()); }
  Location loc(antlr4::ParserRuleContext *c) const {
    Token *start = c->getStart(), *stop = c->getStop();
    if (!start) return {};
    if (!stop || stop->getTokenIndex() < start->getTokenIndex() || stop->getType() == Token::EOF)
      return map_.token_loc(start);
    // A trailing IMPLICIT_SEMI is zero width: end at the token before it.
    size_t end = map_.token_end(stop);
    return map_.range(map_.token_begin(start), std::max(end, map_.token_begin(start)));
  }
  std::string tok_text(antlr4::tree::TerminalNode *t) const { return map_.token_text(t->getSymbol()); }
  void error(Location l, std::string message) { errors_.add(l, std::move(message)); }

  static NodePtr node(NodeKind k, Location l) { return make_node(k, l); }

  // ---- top-level items ----
  void config(Ps::ConfigItemContext *ctx, Program &prog) {
    for (auto *item : ctx->block()->blockItem()) {
      auto *stmt = dynamic_cast<Ps::ExprStmtContext *>(item->statement());
      if (!item->statement()) continue;
      if (!stmt || !stmt->assignOp() || !stmt->assignOp()->ASSIGN()) {
        error(loc(item->statement()), "expected a config setting 'name = value'");
        continue;
      }
      NodePtr key = expr(stmt->expr(0));
      if (key->kind != NodeKind::Builtin) {
        error(key->loc, "expected a config setting 'name = value'");
        continue;
      }
      prog.config.push_back({loc(stmt), key->name, expr(stmt->expr(1))});
    }
  }

  MacroDef macro(Ps::MacroItemContext *ctx) {
    MacroDef m;
    antlr4::tree::TerminalNode *name = ctx->IDENT() ? ctx->IDENT() : ctx->BUILTIN();
    m.name = tok_text(name);
    m.loc = map_.range(map_.token_begin(ctx->MACRO()->getSymbol()), map_.token_end(name->getSymbol()));
    for (auto *p : ctx->macroParam()) {
      if (p->BUILTIN()) error(loc(p), "builtin '" + tok_text(p->BUILTIN()) + "' can't be used as a macro argument");
      m.params.push_back(map_.token_text(p->getStart()));
    }
    m.body = block_items(ctx->block(), &m.value);
    return m;
  }

  FnDef function(Ps::FnItemContext *ctx) {
    FnDef f;
    antlr4::tree::TerminalNode *name = ctx->IDENT() ? ctx->IDENT() : ctx->BUILTIN();
    f.name = tok_text(name);
    f.loc = map_.range(map_.token_begin(ctx->FN()->getSymbol()), map_.token_end(name->getSymbol()));
    for (auto *p : ctx->fnParam()) {
      FnParam param;
      param.name = tok_text(p->VAR());
      param.type = type_spec(p->typeSpec());
      f.params.push_back(std::move(param));
    }
    if (ctx->typeSpec()) f.return_type = type_spec(ctx->typeSpec());
    else error(map_.after(ctx->RPAREN()->getSymbol()), "expected ':' and the return type after the parameters of '" + f.name + "'");
    f.body = statements(ctx->block());
    return f;
  }

  MapDecl map_decl(Ps::MapDeclItemContext *ctx) {
    MapDecl d;
    d.loc = loc(ctx);
    d.name = tok_text(ctx->MAP());
    d.bpf_type = tok_text(ctx->IDENT());
    static const std::set<std::string> types = {"hash", "lruhash", "percpuhash", "percpulruhash"};
    if (!types.count(d.bpf_type))
      error(loc(ctx->IDENT()), "unknown map type '" + d.bpf_type +
                                   "': expected hash, lruhash, percpuhash or percpulruhash");
    IntLiteral n = parse_integer_literal(tok_text(ctx->INT()));
    d.max_entries = n.value;
    if (n.ok && n.value == 0) error(loc(ctx->INT()), "a map needs at least one entry");
    return d;
  }

  Probe probe(Ps::ProbeContext *ctx) {
    Probe p;
    for (auto *ap : ctx->attachPoint()) {
      Token *t = ap->getStop();  // the attach point itself, after any label
      std::string text = map_.token_text(t);
      size_t begin = map_.token_begin(t);
      auto set_label = [&](std::string label, Location label_loc) {
        if (!p.label.empty()) error(label_loc, "a probe can have only one name");
        else p.label = std::move(label);
      };
      if (ap->ASSIGN()) set_label(tok_text(ap->IDENT(0)), loc(ap->IDENT(0)));
      size_t eq = text.find('='), colon = text.find(':');
      if (ap->ATTACH_POINT() && eq != std::string::npos && (colon == std::string::npos || eq < colon) &&
          is_identifier(std::string_view(text).substr(0, eq))) {
        set_label(text.substr(0, eq), map_.range(begin, begin + eq));
        text = text.substr(eq + 1);
        begin += eq + 1;
      }
      AttachPoint a;
      a.raw = text;
      a.loc = map_.range(begin, begin + text.size());
      p.attach_points.push_back(std::move(a));
    }
    p.loc = p.attach_points.front().loc.merge(p.attach_points.back().loc);
    if (ctx->predicate()) p.predicate = expr(ctx->predicate()->expr());
    p.body = statements(ctx->block());
    return p;
  }

  // ---- blocks and statements ----

  // The statements of a block used as a statement list (probe, loop, if
  // branch, macro, function): if-/block-expression statements become If and
  // Block statements.
  std::vector<NodePtr> statements(Ps::BlockContext *ctx) { return block_items(ctx, nullptr); }

  // Builds the items of a block. With `value` non-null, a final expression
  // statement written without `;` becomes the block's value.
  std::vector<NodePtr> block_items(Ps::BlockContext *ctx, NodePtr *value) {
    std::vector<NodePtr> out;
    auto items = ctx->blockItem();
    for (size_t i = 0; i < items.size(); i++) {
      auto *stmt_ctx = items[i]->statement();
      if (!stmt_ctx) continue;
      NodePtr s = statement(stmt_ctx);
      bool last = i + 1 == items.size();
      auto *semi = items[i]->semi();
      bool implicit = semi && semi->IMPLICIT_SEMI();
      // An IMPLICIT_SEMI that is not the last item follows a nested block's
      // `}`: only statements that end with their own block may omit the `;`
      // (`$x = { 1 } $y = 2` may not).
      if (implicit && !last && !ends_with_block(*s))
        error(map_.after(stmt_ctx->getStop()), "expected ';' after statement");
      if (value && last && implicit && s->kind == NodeKind::ExprStmt && s->ival == 0) {
        *value = std::move(s->lhs);
        continue;
      }
      out.push_back(to_statement(std::move(s)));
    }
    return out;
  }

  static bool ends_with_block(const Node &s) {
    switch (s.kind) {
      case NodeKind::While: case NodeKind::Unroll: case NodeKind::ForMap: case NodeKind::ForRange:
        return true;
      case NodeKind::ExprStmt:
        return s.ival == 0 && s.lhs && (s.lhs->kind == NodeKind::IfExpr || s.lhs->kind == NodeKind::BlockExpr);
      default:
        return false;
    }
  }

  // ExprStmt(IfExpr) -> If, ExprStmt(BlockExpr) -> Block.
  NodePtr to_statement(NodePtr s) {
    if (s->kind != NodeKind::ExprStmt || s->ival != 0 || !s->lhs) return s;
    if (s->lhs->kind == NodeKind::IfExpr) return if_statement(std::move(s->lhs));
    if (s->lhs->kind == NodeKind::BlockExpr) {
      NodePtr b = node(NodeKind::Block, s->lhs->loc);
      b->body = block_statements(std::move(s->lhs));
      return b;
    }
    return s;
  }

  std::vector<NodePtr> block_statements(NodePtr block_expr) {
    std::vector<NodePtr> body = std::move(block_expr->body);
    if (block_expr->lhs) {
      NodePtr es = node(NodeKind::ExprStmt, block_expr->lhs->loc);
      es->lhs = std::move(block_expr->lhs);
      body.push_back(to_statement(std::move(es)));
    }
    return body;
  }

  NodePtr if_statement(NodePtr if_expr) {
    NodePtr s = node(NodeKind::If, if_expr->loc);
    s->cond = std::move(if_expr->cond);
    s->body = block_statements(std::move(if_expr->lhs));
    if (if_expr->rhs) {
      if (if_expr->rhs->kind == NodeKind::IfExpr) {
        s->els = if_statement(std::move(if_expr->rhs));
      } else {
        NodePtr b = node(NodeKind::Block, if_expr->rhs->loc);
        b->body = block_statements(std::move(if_expr->rhs));
        s->els = std::move(b);
      }
    }
    return s;
  }

  NodePtr statement(Ps::StatementContext *ctx) {
    Location l = loc(ctx);
    if (auto *c = dynamic_cast<Ps::LetStmtContext *>(ctx)) {
      NodePtr n = node(NodeKind::Let, l);
      n->lhs = variable(c->VAR());
      if (c->typeSpec()) n->type_spec = std::make_unique<TypeSpec>(type_spec(c->typeSpec()));
      if (c->expr()) n->rhs = expr(c->expr());
      return n;
    }
    if (auto *c = dynamic_cast<Ps::DiscardStmtContext *>(ctx)) {
      NodePtr n = node(NodeKind::ExprStmt, l);
      n->lhs = expr(c->expr());
      n->ival = 1;
      return n;
    }
    if (auto *c = dynamic_cast<Ps::WhileStmtContext *>(ctx)) {
      NodePtr n = node(NodeKind::While, l);
      n->cond = cast_operand(c->condition()->castOperand());
      n->body = statements(c->block());
      return n;
    }
    if (auto *c = dynamic_cast<Ps::UnrollStmtContext *>(ctx)) {
      NodePtr n = node(NodeKind::Unroll, l);
      n->cond = cast_operand(c->condition()->castOperand());
      n->body = statements(c->block());
      return n;
    }
    if (auto *c = dynamic_cast<Ps::ForStmtContext *>(ctx)) return for_statement(c, l);
    if (dynamic_cast<Ps::BreakStmtContext *>(ctx)) return node(NodeKind::Break, l);
    if (dynamic_cast<Ps::ContinueStmtContext *>(ctx)) return node(NodeKind::Continue, l);
    if (auto *c = dynamic_cast<Ps::ReturnStmtContext *>(ctx)) {
      NodePtr n = node(NodeKind::Return, l);
      if (c->expr()) n->lhs = expr(c->expr());
      return n;
    }
    if (auto *c = dynamic_cast<Ps::ImportStmtContext *>(ctx)) {
      // Statement-level `import "x.bpf.c";` is a call of the `import` keyword.
      NodePtr call = node(NodeKind::Call, l);
      call->name = "import";
      NodePtr s = node(NodeKind::String, loc(c->STRING()));
      s->str = unescape_string(tok_text(c->STRING()), nullptr);
      call->args.push_back(std::move(s));
      NodePtr n = node(NodeKind::ExprStmt, l);
      n->lhs = std::move(call);
      return n;
    }
    auto *c = static_cast<Ps::ExprStmtContext *>(ctx);
    NodePtr lhs = expr(c->expr(0));
    if (!c->assignOp()) {
      NodePtr n = node(NodeKind::ExprStmt, l);
      n->lhs = std::move(lhs);
      return n;
    }
    if (lhs->kind == NodeKind::TupleIndex || (lhs->kind == NodeKind::Field && is_tuple_or_record(lhs->lhs.get()))) {
      error(l, "tuples and records are immutable once created; create a new one and assign it instead");
    } else if (lhs->kind != NodeKind::Variable && lhs->kind != NodeKind::Map) {
      error(lhs->loc, "invalid assignment target: expected a variable or a map");
    }
    NodePtr n = node(NodeKind::Assign, l);
    n->op = tok_text(static_cast<antlr4::tree::TerminalNode *>(c->assignOp()->children[0]));
    n->lhs = std::move(lhs);
    n->rhs = expr(c->expr(1));
    return n;
  }

  static bool is_tuple_or_record(const Node *n) {
    return n && (n->kind == NodeKind::Tuple || n->kind == NodeKind::Record);
  }

  NodePtr for_statement(Ps::ForStmtContext *c, Location l) {
    Ps::ForHeaderContext *h = c->forHeader();
    NodePtr var = variable(h->VAR());
    NodePtr first = expr(h->expr(0));
    NodePtr n;
    if (h->DOTDOT()) {
      n = node(NodeKind::ForRange, l);
      n->lhs = std::move(var);
      n->cond = std::move(first);
      n->rhs = expr(h->expr(1));
    } else {
      if (first->kind != NodeKind::Map || !first->args.empty())
        error(first->loc, "expected a map or a range 'a..b' in for loop");
      n = node(NodeKind::ForMap, l);
      n->lhs = std::move(var);
      n->rhs = std::move(first);
    }
    n->body = statements(c->block());
    return n;
  }

  // ---- expressions ----

  NodePtr expr(Ps::ExprContext *ctx) { return ternary(ctx->ternaryExpr()); }

  NodePtr ternary(Ps::TernaryExprContext *ctx) {
    NodePtr cond = binary(ctx->lorExpr());
    if (!ctx->QUESTION()) return cond;
    NodePtr n = node(NodeKind::Ternary, loc(ctx));
    n->cond = std::move(cond);
    if (ctx->expr()) n->lhs = expr(ctx->expr());
    n->rhs = ternary(ctx->ternaryExpr());
    return n;
  }

  // Any binary precedence level: operand (op operand)*, left-associative.
  NodePtr binary(antlr4::ParserRuleContext *ctx) {
    if (auto *u = dynamic_cast<Ps::UnaryExprContext *>(ctx)) return unary(u);
    NodePtr result;
    std::string op;
    for (auto *child : ctx->children) {
      if (auto *term = dynamic_cast<antlr4::tree::TerminalNode *>(child)) {
        op = map_.token_text(term->getSymbol());
        continue;
      }
      NodePtr operand = binary(static_cast<antlr4::ParserRuleContext *>(child));
      if (!result) {
        result = std::move(operand);
        continue;
      }
      NodePtr n = node(NodeKind::Binary, result->loc.merge(operand->loc));
      n->op = op;
      n->lhs = std::move(result);
      n->rhs = std::move(operand);
      result = std::move(n);
    }
    return result;
  }

  void check_incdec_operand(const std::string &op, const Node &operand) {
    if (operand.kind != NodeKind::Variable && operand.kind != NodeKind::Map)
      error(operand.loc, "the " + op + " operator must be applied to a variable or a map");
  }

  NodePtr prefix(Token *op, NodePtr operand, Location l) {
    std::string text = map_.token_text(op);
    if (text == "++" || text == "--") {
      check_incdec_operand(text, *operand);
      NodePtr n = node(NodeKind::IncDec, l);
      n->op = text;
      n->ival = 1;
      n->lhs = std::move(operand);
      return n;
    }
    NodePtr n = node(NodeKind::Unary, l);
    n->op = text;
    n->lhs = std::move(operand);
    return n;
  }

  NodePtr comptime(NodePtr operand, Location l) {
    NodePtr n = node(NodeKind::Unary, l);
    n->op = "comptime";
    n->lhs = std::move(operand);
    return n;
  }

  NodePtr cast(Ps::TypeSpecContext *type, NodePtr operand, Location l) {
    NodePtr n = node(NodeKind::Cast, l);
    n->type_spec = std::make_unique<TypeSpec>(type_spec(type));
    n->lhs = std::move(operand);
    return n;
  }

  NodePtr unary(Ps::UnaryExprContext *ctx) {
    Location l = loc(ctx);
    if (auto *c = dynamic_cast<Ps::PrefixExprContext *>(ctx)) return prefix(c->op, unary(c->unaryExpr()), l);
    if (auto *c = dynamic_cast<Ps::ComptimeExprContext *>(ctx)) return comptime(unary(c->unaryExpr()), l);
    if (auto *c = dynamic_cast<Ps::CastExprContext *>(ctx)) return cast(c->typeSpec(), cast_operand(c->castOperand()), l);
    auto *c = static_cast<Ps::PostfixExprContext *>(ctx);
    return postfix(primary(c->primary()), c->postfixOp(), dynamic_cast<Ps::AtomContext *>(c->primary()->atom()));
  }

  NodePtr cast_operand(Ps::CastOperandContext *ctx) {
    Location l = loc(ctx);
    if (ctx->atom()) return postfix(atom(ctx->atom()), ctx->postfixOp(), ctx->atom());
    if (ctx->typeSpec()) return cast(ctx->typeSpec(), cast_operand(ctx->castOperand()), l);
    if (ctx->COMPTIME()) return comptime(unary(ctx->unaryExpr()), l);
    return prefix(ctx->op, unary(ctx->unaryExpr()), l);
  }

  NodePtr postfix(NodePtr base, const std::vector<Ps::PostfixOpContext *> &ops, Ps::AtomContext *base_atom) {
    bool bare_map = base_atom && dynamic_cast<Ps::MapAtomContext *>(base_atom);
    for (size_t i = 0; i < ops.size(); i++) {
      Ps::PostfixOpContext *op = ops[i];
      Location l = base->loc.merge(loc(op));
      if (auto *f = dynamic_cast<Ps::FieldOpContext *>(op)) {
        NodePtr n = node(NodeKind::Field, l);
        n->name = map_.token_text(f->fieldName()->getStart());
        n->lhs = std::move(base);
        base = std::move(n);
      } else if (auto *a = dynamic_cast<Ps::ArrowOpContext *>(op)) {
        NodePtr n = node(NodeKind::Field, l);
        n->name = map_.token_text(a->fieldName()->getStart());
        n->ival = 1;
        n->lhs = std::move(base);
        base = std::move(n);
      } else if (auto *t = dynamic_cast<Ps::TupleIndexOpContext *>(op)) {
        NodePtr n = node(NodeKind::TupleIndex, l);
        n->ival = parse_integer_literal(tok_text(t->INT())).value;
        n->lhs = std::move(base);
        base = std::move(n);
      } else if (auto *ix = dynamic_cast<Ps::IndexOpContext *>(op)) {
        auto keys = ix->expr();
        if (i == 0 && bare_map) {
          // @m[k1, k2]: the map's keys.
          base->loc = l;
          for (auto *k : keys) base->args.push_back(expr(k));
          continue;
        }
        if (keys.size() > 1) error(loc(ix), "only maps take several keys; use a tuple instead");
        NodePtr n = node(NodeKind::Index, l);
        n->lhs = std::move(base);
        n->rhs = expr(keys[0]);
        base = std::move(n);
      } else if (auto *inc = dynamic_cast<Ps::PostIncDecOpContext *>(op)) {
        NodePtr n = node(NodeKind::IncDec, l);
        n->op = map_.token_text(inc->op);
        check_incdec_operand(n->op, *base);
        n->ival = 0;
        n->lhs = std::move(base);
        base = std::move(n);
      }
    }
    return base;
  }

  NodePtr primary(Ps::PrimaryContext *ctx) {
    if (ctx->atom()) return atom(ctx->atom());
    if (ctx->block()) return block_expr(ctx->block());
    return if_expr(ctx->ifExpr());
  }

  NodePtr block_expr(Ps::BlockContext *ctx) {
    NodePtr n = node(NodeKind::BlockExpr, loc(ctx));
    n->body = block_items(ctx, &n->lhs);
    return n;
  }

  NodePtr if_expr(Ps::IfExprContext *ctx) {
    NodePtr n = node(NodeKind::IfExpr, loc(ctx));
    n->cond = cast_operand(ctx->condition()->castOperand());
    n->lhs = block_expr(ctx->block(0));
    if (ctx->ifExpr()) n->rhs = if_expr(ctx->ifExpr());
    else if (ctx->block().size() > 1) n->rhs = block_expr(ctx->block(1));
    return n;
  }

  NodePtr variable(antlr4::tree::TerminalNode *t) {
    NodePtr n = node(NodeKind::Variable, loc(t));
    n->name = tok_text(t);
    return n;
  }

  NodePtr type_of(Location l, Ps::TypeSpecContext *type, Ps::ExprContext *e, NodeKind kind) {
    NodePtr n = node(kind, l);
    if (type) n->type_spec = std::make_unique<TypeSpec>(type_spec(type));
    else n->lhs = expr(e);
    return n;
  }

  NodePtr atom(Ps::AtomContext *ctx) {
    Location l = loc(ctx);
    if (auto *c = dynamic_cast<Ps::IntAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Integer, l);
      n->text = tok_text(c->INT());
      n->ival = parse_integer_literal(n->text).value;
      return n;
    }
    if (auto *c = dynamic_cast<Ps::StringAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::String, l);
      n->str = unescape_string(tok_text(c->STRING()), nullptr);
      return n;
    }
    if (auto *c = dynamic_cast<Ps::BoolAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Bool, l);
      n->ival = c->TRUE() ? 1 : 0;
      return n;
    }
    if (auto *c = dynamic_cast<Ps::ParamAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Positional, l);
      n->ival = parse_integer_literal(tok_text(c->PARAM()).substr(1)).value;
      return n;
    }
    if (dynamic_cast<Ps::ParamCountAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Positional, l);
      n->name = "#";
      return n;
    }
    if (auto *c = dynamic_cast<Ps::VarAtomContext *>(ctx)) return variable(c->VAR());
    if (auto *c = dynamic_cast<Ps::MapAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Map, l);
      n->name = tok_text(c->MAP());
      return n;
    }
    if (auto *c = dynamic_cast<Ps::CallAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Call, l);
      n->name = map_.token_text(c->getStart());
      for (auto *a : c->expr()) n->args.push_back(expr(a));
      return n;
    }
    if (dynamic_cast<Ps::IdentAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Builtin, l);
      n->name = map_.token_text(ctx->getStart());
      return n;
    }
    if (dynamic_cast<Ps::EmptyTupleAtomContext *>(ctx)) return node(NodeKind::Tuple, l);
    if (auto *c = dynamic_cast<Ps::RecordAtomContext *>(ctx)) {
      NodePtr n = node(NodeKind::Record, l);
      std::set<std::string> seen;
      auto names = c->IDENT();
      auto values = c->expr();
      for (size_t i = 0; i < names.size() && i < values.size(); i++) {
        std::string name = tok_text(names[i]);
        if (!seen.insert(name).second) error(loc(names[i]), "duplicate field '" + name + "' in record");
        n->names.push_back(name);
        n->args.push_back(expr(values[i]));
      }
      return n;
    }
    if (auto *c = dynamic_cast<Ps::ParenAtomContext *>(ctx)) {
      auto elems = c->expr();
      if (c->COMMA().empty()) return expr(elems[0]);
      NodePtr n = node(NodeKind::Tuple, l);
      for (auto *e : elems) n->args.push_back(expr(e));
      return n;
    }
    if (auto *c = dynamic_cast<Ps::SizeofAtomContext *>(ctx)) return type_of(l, c->typeSpec(), c->expr(), NodeKind::SizeOf);
    if (auto *c = dynamic_cast<Ps::TypeofAtomContext *>(ctx)) return type_of(l, c->typeSpec(), c->expr(), NodeKind::TypeOf);
    if (auto *c = dynamic_cast<Ps::OffsetofAtomContext *>(ctx)) {
      NodePtr n = type_of(l, c->typeSpec(), c->expr(), NodeKind::OffsetOf);
      for (auto *f : c->fieldPath()->fieldName()) n->names.push_back(map_.token_text(f->getStart()));
      return n;
    }
    auto *c = static_cast<Ps::TypeinfoAtomContext *>(ctx);
    NodePtr n = node(NodeKind::Call, l);
    n->name = "typeinfo";
    n->args.push_back(type_of(l, c->typeSpec(), c->expr(), NodeKind::TypeOf));
    return n;
  }

  // ---- types ----
  TypeSpec type_spec(Ps::TypeSpecContext *ctx) {
    TypeSpec t;
    Ps::TypeBaseContext *base = ctx->typeBase();
    if (auto *r = dynamic_cast<Ps::RecordTypeBaseContext *>(base)) {
      t.base = map_.token_text(r->getStart()) + " " + map_.token_text(r->fieldName()->getStart());
    } else if (auto *of = dynamic_cast<Ps::TypeofTypeBaseContext *>(base)) {
      if (of->typeSpec()) t = type_spec(of->typeSpec());
      else t.typeof_expr = expr(of->expr());
    } else {
      t.base = map_.token_text(base->getStart());
    }
    for (auto *s : ctx->typeSuffix()) {
      if (s->STAR()) {
        t.pointer_depth++;
      } else {
        if (t.array_size) error(loc(s), "arrays of arrays are not supported");
        t.array_size = s->INT() ? parse_integer_literal(tok_text(s->INT())).value : 0;
      }
    }
    t.loc = loc(ctx);
    return t;
  }

  const SourceMap &map_;
  ErrorList &errors_;
};

}  // namespace

std::string string_literal_value(std::string_view literal) { return unescape_string(literal, nullptr); }

std::unique_ptr<Program> parse_program(const SourceFile &source, Diagnostics &diags, int file) {
  SourceMap map(source.text(), file);
  ErrorList errors;
  SyntaxErrors syntax(map, errors);
  FallbackListener listener(syntax);

  antlr4::ANTLRInputStream input(map.sanitized());
  Lx lexer(&input);
  lexer.removeErrorListeners();
  lexer.addErrorListener(&listener);
  StatementTokenSource source_tokens(lexer, map, errors);
  antlr4::CommonTokenStream tokens(&source_tokens);
  Ps parser(&tokens);
  parser.removeErrorListeners();  // the first pass reports nothing

  // Fast path: SLL prediction, bail out at the first error.
  Ps::ProgramContext *tree = nullptr;
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  try {
    tree = parser.program();
  } catch (antlr4::ParseCancellationException &) {
    tree = nullptr;
  }
  // Slow path: full LL with error reporting and recovery.
  if (!tree) {
    tokens.seek(0);
    parser.reset();
    parser.addErrorListener(&listener);
    parser.setErrorHandler(std::make_shared<SyntaxErrorStrategy>(syntax));
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    try {
      tree = parser.program();
    } catch (antlr4::ParseCancellationException &) {
      tree = nullptr;
    }
    if (!tree && syntax.count() == 0 && errors.errors.empty()) syntax.generic(tokens.LT(1));
  }

  std::unique_ptr<Program> program;
  if (errors.errors.empty() && tree) {
    ASTBuilder builder(map, errors);
    program = builder.program(tree, source.name());
  }

  std::stable_sort(errors.errors.begin(), errors.errors.end(), [](const ParseError &a, const ParseError &b) {
    return a.loc.line != b.loc.line ? a.loc.line < b.loc.line : a.loc.col < b.loc.col;
  });
  for (auto &e : errors.errors) {
    e.loc.file = file;
    Diagnostic &d = diags.error(e.loc, e.message);
    d.hints = e.hints;
  }
  if (!errors.errors.empty()) return nullptr;
  return program;
}

}  // namespace bt2bin

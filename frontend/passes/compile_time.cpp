// Compile-time evaluation of checked expressions (see compile_time.h).
#include "frontend/passes/compile_time.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace bt2bin {

namespace {


// Walks literals and operators; `positionals` counts $N leaves, and any
// other leaf makes the expression non-constant.
bool only_literals_and_positionals(const Node &n, int &positionals) {
  switch (n.kind) {
    case NodeKind::Integer:
    case NodeKind::Bool:
    case NodeKind::String:
      return true;
    case NodeKind::Positional:
      positionals++;
      return true;
    case NodeKind::Unary:
      return n.op != "*" && n.op != "&" && only_literals_and_positionals(*n.lhs, positionals);
    case NodeKind::Binary:
      return only_literals_and_positionals(*n.lhs, positionals) &&
             only_literals_and_positionals(*n.rhs, positionals);
    case NodeKind::Ternary:
      return only_literals_and_positionals(*n.cond, positionals) &&
             (!n.lhs || only_literals_and_positionals(*n.lhs, positionals)) &&
             only_literals_and_positionals(*n.rhs, positionals);
    case NodeKind::Cast:
      return only_literals_and_positionals(*n.lhs, positionals);
    default:
      return false;
  }
}

}  // namespace

std::optional<int64_t> fold_integer_binary(const std::string &op, int64_t a, int64_t b) {
  if (op == "+") return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  if (op == "-") return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  if (op == "*") return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  if (op == "/") return b == 0 ? std::nullopt : std::optional<int64_t>(a / b);
  if (op == "%") return b == 0 ? std::nullopt : std::optional<int64_t>(a % b);
  if (op == "<<") return static_cast<int64_t>(static_cast<uint64_t>(a) << (b & 63));
  if (op == ">>") return static_cast<int64_t>(static_cast<uint64_t>(a) >> (b & 63));
  if (op == "&") return a & b;
  if (op == "|") return a | b;
  if (op == "^") return a ^ b;
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == ">") return a > b;
  if (op == "<=") return a <= b;
  if (op == ">=") return a >= b;
  if (op == "&&") return a && b;
  if (op == "||") return a || b;
  return std::nullopt;
}

std::optional<int64_t> fold_constant(const Node &n) {
  switch (n.kind) {
    case NodeKind::Integer:
    case NodeKind::Bool:
      return static_cast<int64_t>(n.ival);
    case NodeKind::Unary: {
      auto v = fold_constant(*n.lhs);
      if (!v) return std::nullopt;
      if (n.op == "-") return static_cast<int64_t>(0 - static_cast<uint64_t>(*v));
      if (n.op == "!") return !*v;
      if (n.op == "~") return ~*v;
      if (n.op == "comptime") return v;
      return std::nullopt;
    }
    case NodeKind::Binary: {
      auto a = fold_constant(*n.lhs);
      if (!a) return std::nullopt;
      if (n.op == "&&" && !*a) return 0;
      if (n.op == "||" && *a) return 1;
      auto b = fold_constant(*n.rhs);
      if (!b) return std::nullopt;
      return fold_integer_binary(n.op, *a, *b);
    }
    case NodeKind::Ternary: {
      auto c = fold_constant(*n.cond);
      if (!c) return std::nullopt;
      if (*c) return n.lhs ? fold_constant(*n.lhs) : c;
      return fold_constant(*n.rhs);
    }
    default:
      return std::nullopt;
  }
}

bool depends_only_on_positionals(const Node &n) {
  int positionals = 0;
  return only_literals_and_positionals(n, positionals) && positionals > 0;
}

bool is_literal_node(const Node &n) {
  if (n.kind == NodeKind::Integer || n.kind == NodeKind::String || n.kind == NodeKind::Bool) return true;
  return n.kind == NodeKind::Unary && n.op == "-" && n.lhs->kind == NodeKind::Integer;
}

std::optional<std::string> format_literal_message(const std::string &format, const std::vector<const Node *> &args,
                                                  std::string &why) {
  std::string out;
  size_t next_arg = 0;
  for (size_t i = 0; i < format.size(); i++) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '%') {
      out += '%';
      i++;
      continue;
    }
    // %[flags][width][.precision][length]conversion
    size_t start = i++;
    while (i < format.size() && std::string("-+ #0").find(format[i]) != std::string::npos) i++;
    while (i < format.size() && (isdigit(static_cast<unsigned char>(format[i])) || format[i] == '.')) i++;
    while (i < format.size() && std::string("hlzjt").find(format[i]) != std::string::npos) i++;
    if (i >= format.size()) {
      why = "incomplete conversion at the end of the format string";
      return std::nullopt;
    }
    char conv = format[i];
    std::string spec = format.substr(start, i - start);
    spec.erase(std::remove_if(spec.begin(), spec.end(), [](char c) { return std::string("hlzjt").find(c) != std::string::npos; }),
               spec.end());
    if (next_arg >= args.size()) {
      why = "the format string has more conversions than arguments";
      return std::nullopt;
    }
    const Node &a = *args[next_arg++];
    char buf[512];
    if (conv == 's') {
      std::string text = a.kind == NodeKind::String ? a.str
                         : a.kind == NodeKind::Bool ? (a.ival ? "true" : "false")
                                                    : "";
      if (a.kind == NodeKind::Integer || (a.kind == NodeKind::Unary && a.lhs->kind == NodeKind::Integer)) {
        auto v = fold_constant(a);
        text = std::to_string(*v);
      }
      snprintf(buf, sizeof buf, (spec + "s").c_str(), text.c_str());
    } else if (std::string("diuxXoc").find(conv) != std::string::npos) {
      auto v = fold_constant(a);
      if (!v) {
        why = "fail() arguments must be literals";
        return std::nullopt;
      }
      std::string f = spec + "ll" + conv;
      if (conv == 'c') snprintf(buf, sizeof buf, (spec + "c").c_str(), static_cast<int>(*v));
      else if (conv == 'd' || conv == 'i') snprintf(buf, sizeof buf, f.c_str(), static_cast<long long>(*v));
      else snprintf(buf, sizeof buf, f.c_str(), static_cast<unsigned long long>(*v));
    } else {
      why = std::string("unsupported conversion '%") + conv + "' in fail()";
      return std::nullopt;
    }
    out += buf;
  }
  if (next_arg < args.size()) {
    why = "the format string has fewer conversions than arguments";
    return std::nullopt;
  }
  return out;
}

}  // namespace bt2bin

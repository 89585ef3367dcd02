// The one parser of printf-style format strings (see format_string.h).
#include "runtime-template/format_string.h"

#include <cstring>

namespace bt2bin::rt {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads digits at fmt[i...]; returns -1 when the number is absurdly large.
int read_number(const std::string &fmt, size_t &i) {
  long v = 0;
  while (i < fmt.size() && is_digit(fmt[i])) {
    v = v * 10 + (fmt[i] - '0');
    if (v > 1000000) v = 1000001;
    i++;
  }
  return v > 1000000 ? -1 : static_cast<int>(v);
}

// Tries to parse one conversion starting at fmt[start] == '%'. Returns:
//   1 and fills spec/end   a conversion
//   0                      not a conversion: the '%' is literal text
//  -1 and sets error       a conversion bt2bin (like bpftrace) rejects
int parse_spec(const std::string &fmt, size_t start, FormatSpec &spec, size_t &end,
               bool &is_percent, std::string &error) {
  size_t i = start + 1;
  is_percent = false;
  for (; i < fmt.size(); i++) {
    char c = fmt[i];
    if (c == '-') spec.left = true;
    else if (c == '+') spec.plus = true;
    else if (c == ' ') spec.space = true;
    else if (c == '#') spec.alt = true;
    else if (c == '0') spec.zero = true;
    else break;
  }
  bool star = false;
  if (i < fmt.size() && fmt[i] == '*') {
    star = true;
    i++;
  } else if (i < fmt.size() && is_digit(fmt[i])) {
    spec.width = read_number(fmt, i);
    if (spec.width < 0) {
      error = "format width too large in '" + fmt.substr(start, i - start) + "'";
      return -1;
    }
  }
  if (i < fmt.size() && fmt[i] == '.') {
    i++;
    if (i < fmt.size() && fmt[i] == '*') {
      star = true;
      i++;
    } else {
      spec.precision = read_number(fmt, i);
      if (spec.precision < 0) {
        error = "format precision too large in '" + fmt.substr(start, i - start) + "'";
        return -1;
      }
    }
  }
  size_t len_start = i;
  while (i < fmt.size() && strchr("hlLjzt", fmt[i])) i++;
  spec.length = fmt.substr(len_start, i - len_start);
  if (i >= fmt.size()) return 0;

  char c = fmt[i];
  end = i + 1;
  switch (c) {
    case 'd': spec.conv = FormatConv::d; break;
    case 'i': spec.conv = FormatConv::i; break;
    case 'u': spec.conv = FormatConv::u; break;
    case 'o': spec.conv = FormatConv::o; break;
    case 'x': spec.conv = FormatConv::x; break;
    case 'X': spec.conv = FormatConv::X; break;
    case 'c': spec.conv = FormatConv::c; break;
    case 'p': spec.conv = FormatConv::p; break;
    case 's': spec.conv = FormatConv::s; break;
    case 'r':
      if (i + 1 < fmt.size() && fmt[i + 1] == 'x') {
        spec.conv = FormatConv::rx;
        end = i + 2;
      } else if (i + 1 < fmt.size() && fmt[i + 1] == 'h') {
        spec.conv = FormatConv::rh;
        end = i + 2;
      } else {
        spec.conv = FormatConv::r;
      }
      break;
    case '%':
      is_percent = true;
      return 1;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
    case 'a': case 'A': case 'n':
      error = std::string("unsupported format specifier: ") + c;
      return -1;
    default:
      return 0;
  }
  if (star) {
    error = "unsupported format specifier: '*' width or precision in '" +
            fmt.substr(start, end - start) + "'";
    return -1;
  }
  spec.text = fmt.substr(start, end - start);
  return 1;
}

}  // namespace

size_t ParsedFormat::num_args() const {
  size_t n = 0;
  for (const auto &s : segments) n += s.is_spec;
  return n;
}

std::vector<const FormatSpec *> ParsedFormat::specs() const {
  std::vector<const FormatSpec *> v;
  for (const auto &s : segments)
    if (s.is_spec) v.push_back(&s.spec);
  return v;
}

bool parse_format(const std::string &fmt, ParsedFormat &out, std::string &error) {
  out.segments.clear();
  std::string literal;
  size_t i = 0;
  while (i < fmt.size()) {
    if (fmt[i] != '%') {
      literal += fmt[i++];
      continue;
    }
    FormatSpec spec;
    size_t end = i + 1;
    bool is_percent = false;
    int r = parse_spec(fmt, i, spec, end, is_percent, error);
    if (r < 0) return false;
    if (r == 0) {
      literal += fmt[i++];
      continue;
    }
    if (is_percent) {
      literal += '%';
      i = end;
      continue;
    }
    if (!literal.empty()) {
      FormatSegment seg;
      seg.literal = std::move(literal);
      out.segments.push_back(std::move(seg));
      literal.clear();
    }
    FormatSegment seg;
    seg.is_spec = true;
    seg.spec = std::move(spec);
    out.segments.push_back(std::move(seg));
    i = end;
  }
  if (!literal.empty()) {
    FormatSegment seg;
    seg.literal = std::move(literal);
    out.segments.push_back(std::move(seg));
  }
  return true;
}

const char *format_conv_name(FormatConv conv) {
  switch (conv) {
    case FormatConv::d: return "d";
    case FormatConv::i: return "i";
    case FormatConv::u: return "u";
    case FormatConv::o: return "o";
    case FormatConv::x: return "x";
    case FormatConv::X: return "X";
    case FormatConv::c: return "c";
    case FormatConv::p: return "p";
    case FormatConv::s: return "s";
    case FormatConv::r: return "r";
    case FormatConv::rx: return "rx";
    case FormatConv::rh: return "rh";
  }
  return "?";
}

bool format_arg_allowed(const FormatSpec &spec, FormatArgClass arg) {
  switch (spec.conv) {
    case FormatConv::s:
      return true;
    case FormatConv::r:
    case FormatConv::rx:
    case FormatConv::rh:
      return arg == FormatArgClass::Buffer || arg == FormatArgClass::String;
    default:
      return arg == FormatArgClass::Integer;
  }
}

bool check_format_arg_count(const ParsedFormat &fmt, size_t nargs, std::string &error) {
  size_t want = fmt.num_args();
  if (nargs == want) return true;
  error = std::string(nargs < want ? "not enough" : "too many") +
          " arguments for format string (" + std::to_string(nargs) + " supplied, " +
          std::to_string(want) + " expected)";
  return false;
}

bool check_format_arg(const FormatSpec &spec, FormatArgClass arg,
                      const std::string &type_name, std::string &error) {
  if (format_arg_allowed(spec, arg)) return true;
  error = "unsupported format specifier for type '" + type_name +
          "': " + format_conv_name(spec.conv);
  return false;
}

}  // namespace bt2bin::rt

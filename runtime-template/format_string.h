// The one parser of printf-style format strings.
//
// Used by the compiler front end to check printf/errorf/warnf/system/cat
// calls (argument count, unsupported conversions, argument kind per
// conversion) and by the runtime (printf_format) to format records, so both
// sides read a format string the same way. Follows bpftrace v0.26
// (src/format_string.cpp) with C printf semantics for the supported part:
//   flags      - + space # 0 (any order)
//   width      digits            precision  .digits (".": 0)
//   length     hh h l ll j z t L (accepted; see printf_format for widths)
//   conversion d i u o x X c p s, %% (a literal '%'), and bpftrace's
//              %r (buffer, printable ASCII kept, others \xNN), %rx (all
//              \xNN), %rh (hex bytes separated by spaces)
// %e %E %f %F %g %G %a %A %n are errors ("unsupported format specifier: f"),
// as are '*' widths; a '%' followed by anything else is literal text, as
// in bpftrace ("100%k" prints as is).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bt2bin::rt {

enum class FormatConv : uint8_t { d, i, u, o, x, X, c, p, s, r, rx, rh };

struct FormatSpec {
  bool left = false;    // '-'
  bool plus = false;    // '+'
  bool space = false;   // ' '
  bool alt = false;     // '#'
  bool zero = false;    // '0'
  int width = -1;       // -1: none
  int precision = -1;   // -1: none
  std::string length;   // "", "hh", "h", "l", "ll", "j", "z", "t", "L", …
  FormatConv conv = FormatConv::s;
  std::string text;     // the conversion as written, e.g. "%-8.3s"
};

// Either literal text (is_spec false; "%%" already turned into "%") or one
// conversion that consumes the next argument.
struct FormatSegment {
  bool is_spec = false;
  std::string literal;
  FormatSpec spec;
};

struct ParsedFormat {
  std::vector<FormatSegment> segments;
  size_t num_args() const;                      // number of conversions
  // In argument order; the pointers point into this ParsedFormat.
  std::vector<const FormatSpec *> specs() const;
};

// Parses `fmt`. On failure returns false with `error` set, e.g.
// "unsupported format specifier: f".
bool parse_format(const std::string &fmt, ParsedFormat &out, std::string &error);

// What kind of value a conversion accepts.
enum class FormatArgClass : uint8_t {
  Integer,  // integers, bools, pointers, enums
  Buffer,   // buf()
  String,   // strings
  Other,    // anything else (tuples, stacks, symbols, …)
};

// d i u o x X c p: Integer; r rx rh: Buffer or String; s: anything.
bool format_arg_allowed(const FormatSpec &spec, FormatArgClass arg);

// Conversion letters as bpftrace names them in messages ("d", "rx", …).
const char *format_conv_name(FormatConv conv);

// "not enough arguments for format string (1 supplied, 2 expected)" /
// "too many arguments for format string (3 supplied, 2 expected)".
bool check_format_arg_count(const ParsedFormat &fmt, size_t nargs, std::string &error);

// "unsupported format specifier for type 'string': d" when `arg` does not
// suit `spec`; `type_name` is the argument's type as the user knows it.
bool check_format_arg(const FormatSpec &spec, FormatArgClass arg,
                      const std::string &type_name, std::string &error);

}  // namespace bt2bin::rt

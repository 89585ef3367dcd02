// Formatting one printf-like record (see printf_format.h).
#include "runtime-template/printf_format.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "runtime-template/value_format.h"

namespace bt2bin::rt {

namespace {

__attribute__((format(printf, 2, 3)))
void append_fmt(std::string &out, const char *fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof(buf)) {
    out.append(buf, static_cast<size_t>(n));
    return;
  }
  size_t old = out.size();
  out.resize(old + static_cast<size_t>(n) + 1);
  va_start(ap, fmt);
  vsnprintf(&out[old], static_cast<size_t>(n) + 1, fmt, ap);
  va_end(ap);
  out.resize(old + static_cast<size_t>(n));
}

// `text` under %s rules: precision truncates, width pads (left with '-').
void append_padded(std::string &out, const FormatSpec &spec, const char *text, size_t len) {
  if (spec.precision >= 0 && len > static_cast<size_t>(spec.precision))
    len = static_cast<size_t>(spec.precision);
  size_t pad = spec.width > 0 && len < static_cast<size_t>(spec.width)
                   ? static_cast<size_t>(spec.width) - len
                   : 0;
  if (!spec.left) out.append(pad, ' ');
  out.append(text, len);
  if (spec.left) out.append(pad, ' ');
}

void append_padded(std::string &out, const FormatSpec &spec, const std::string &text) {
  append_padded(out, spec, text.data(), text.size());
}

// The printf conversion for an integer, e.g. "%-08.3llx".
std::string int_format(const FormatSpec &spec, const char *conv) {
  std::string f = "%";
  if (spec.left) f += '-';
  if (spec.plus) f += '+';
  if (spec.space) f += ' ';
  if (spec.alt) f += '#';
  if (spec.zero) f += '0';
  if (spec.width >= 0) f += std::to_string(spec.width);
  if (spec.precision >= 0) {
    f += '.';
    f += std::to_string(spec.precision);
  }
  f += "ll";
  f += conv;
  return f;
}

enum class IntWidth { W8, W16, W32, W64 };

IntWidth int_width(const FormatSpec &spec, const FormatContext &ctx) {
  if (spec.length == "hh") return IntWidth::W8;
  if (spec.length == "h") return IntWidth::W16;
  if (spec.length.empty()) return ctx.printf_c_int_widths ? IntWidth::W32 : IntWidth::W64;
  return IntWidth::W64;
}

long long narrow_signed(int64_t v, IntWidth w) {
  switch (w) {
    case IntWidth::W8: return static_cast<signed char>(v);
    case IntWidth::W16: return static_cast<short>(v);
    case IntWidth::W32: return static_cast<int>(v);
    default: return v;
  }
}

unsigned long long narrow_unsigned(int64_t v, IntWidth w) {
  switch (w) {
    case IntWidth::W8: return static_cast<unsigned char>(v);
    case IntWidth::W16: return static_cast<unsigned short>(v);
    case IntWidth::W32: return static_cast<unsigned int>(v);
    default: return static_cast<uint64_t>(v);
  }
}

// Bytes of a buffer or string argument for %r/%rx/%rh; false for others.
bool raw_bytes(const ValueDesc &arg, const uint8_t *data, const uint8_t *&bytes, size_t &len) {
  if (arg.kind == ValueKind::Buffer) {
    uint32_t n = static_cast<uint32_t>(read_uint(data, 4));
    uint32_t cap = arg.size > 4 ? arg.size - 4 : 0;
    bytes = data + 4;
    len = n < cap ? n : cap;
    return true;
  }
  if (arg.kind == ValueKind::String) {
    bytes = data;
    len = strnlen(reinterpret_cast<const char *>(data), arg.size);
    return true;
  }
  return false;
}

}  // namespace

void append_printf_arg(std::string &out, const FormatSpec &spec, const ValueDesc &arg,
                       const uint8_t *data, const FormatContext &ctx) {
  int64_t v = 0;
  switch (spec.conv) {
    case FormatConv::s:
      append_padded(out, spec, format_value_text(arg, data, ctx));
      return;
    case FormatConv::r:
    case FormatConv::rx:
    case FormatConv::rh: {
      const uint8_t *bytes;
      size_t len;
      if (!raw_bytes(arg, data, bytes, len)) {
        append_padded(out, spec, format_value_text(arg, data, ctx));
        return;
      }
      std::string text;
      append_hex_buffer(text, bytes, len, spec.conv == FormatConv::r,
                        spec.conv != FormatConv::rh);
      append_padded(out, spec, text);
      return;
    }
    default:
      break;
  }
  if (!value_as_int64(arg, data, v)) {
    // Not an integer (the compiler rejects this): print the text form.
    append_padded(out, spec, format_value_text(arg, data, ctx));
    return;
  }
  IntWidth w = int_width(spec, ctx);
  switch (spec.conv) {
    case FormatConv::d:
    case FormatConv::i:
      append_fmt(out, int_format(spec, "d").c_str(), narrow_signed(v, w));
      return;
    case FormatConv::u:
      append_fmt(out, int_format(spec, "u").c_str(), narrow_unsigned(v, w));
      return;
    case FormatConv::o:
      append_fmt(out, int_format(spec, "o").c_str(), narrow_unsigned(v, w));
      return;
    case FormatConv::x:
      append_fmt(out, int_format(spec, "x").c_str(), narrow_unsigned(v, w));
      return;
    case FormatConv::X:
      append_fmt(out, int_format(spec, "X").c_str(), narrow_unsigned(v, w));
      return;
    case FormatConv::c: {
      char c = static_cast<char>(static_cast<unsigned char>(v));
      FormatSpec s = spec;
      s.precision = -1;
      append_padded(out, s, &c, 1);
      return;
    }
    case FormatConv::p: {
      // glibc's %p: "(nil)" for 0, else 0x<hex>.
      std::string text = v ? fmt_hex_addr(static_cast<uint64_t>(v)) : "(nil)";
      FormatSpec s = spec;
      s.precision = -1;
      append_padded(out, s, text);
      return;
    }
    default:
      return;
  }
}

void append_printf(std::string &out, const ParsedFormat &fmt, const FormatDesc &desc,
                   const uint8_t *record, const FormatContext &ctx) {
  uint32_t argi = 0;
  for (const auto &seg : fmt.segments) {
    if (!seg.is_spec) {
      out += seg.literal;
      continue;
    }
    if (argi < desc.nargs)
      append_printf_arg(out, seg.spec, desc.args[argi], record + desc.offsets[argi], ctx);
    argi++;
  }
}

std::string format_printf(const ParsedFormat &fmt, const FormatDesc &desc,
                          const uint8_t *record, const FormatContext &ctx) {
  std::string out;
  append_printf(out, fmt, desc, record, ctx);
  return out;
}

std::string format_printf(const FormatDesc &desc, const uint8_t *record,
                          const FormatContext &ctx) {
  ParsedFormat fmt;
  std::string error;
  if (!desc.format) return {};
  if (!parse_format(desc.format, fmt, error)) return desc.format;
  return format_printf(fmt, desc, record, ctx);
}

void append_json_text_event(std::string &out, const char *type, const std::string &text) {
  out += "{\"type\": \"";
  out += type;
  out += "\", \"data\": ";
  append_json_string(out, text);
  out += "}\n";
}

}  // namespace bt2bin::rt

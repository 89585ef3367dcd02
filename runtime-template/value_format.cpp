// Text and JSON forms of one value (see value_format.h).
#include "runtime-template/value_format.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace bt2bin::rt {

namespace {

void append_u64(std::string &out, uint64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
  out.append(buf, static_cast<size_t>(n));
}

void append_i64(std::string &out, int64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
  out.append(buf, static_cast<size_t>(n));
}

void append_hex(std::string &out, uint64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
  out.append(buf, static_cast<size_t>(n));
}

// Integer of `size` bytes (1/2/4/8), signed or not, as decimal text.
void append_int(std::string &out, const uint8_t *p, uint32_t size, bool is_signed) {
  if (is_signed)
    append_i64(out, read_sint(p, size));
  else
    append_u64(out, read_uint(p, size));
}

uint64_t read_u64(const uint8_t *p, uint32_t size) {
  return read_uint(p, size == 0 || size > 8 ? 8 : size);
}

const char *enum_name(const ValueDesc &desc, uint64_t raw) {
  uint64_t mask = desc.size >= 8 ? ~0ULL : ((1ULL << (desc.size * 8)) - 1);
  for (uint32_t i = 0; i < desc.nenum; i++)
    if ((static_cast<uint64_t>(desc.enums[i].value) & mask) == raw)
      return desc.enums[i].name;
  return nullptr;
}

void append_stack(std::string &out, const std::vector<std::string> &frames,
                  const ValueDesc &desc, const FormatContext &ctx) {
  const char *indent = "";
  switch (stack_mode_of(desc)) {
    case StackMode::Bpftrace: indent = ctx.stack_indent.c_str(); break;
    case StackMode::Perf: indent = "\t"; break;
    case StackMode::Raw:
    case StackMode::BuildId: indent = ""; break;
  }
  out += '\n';
  for (const auto &f : frames) {
    out += indent;
    out += f;
    out += '\n';
  }
}

std::string stack_text(const ValueDesc &desc, const uint8_t *data,
                       const FormatContext &ctx) {
  std::string s;
  int64_t id = read_sint(data, 8);
  std::vector<std::string> frames;
  if (desc.kind == ValueKind::Kstack) {
    if (ctx.kstack) frames = ctx.kstack(id, desc);
  } else {
    uint32_t pid = desc.size >= 12 ? static_cast<uint32_t>(read_uint(data + 8, 4)) : 0;
    if (ctx.ustack) frames = ctx.ustack(id, pid, desc);
  }
  append_stack(s, frames, desc, ctx);
  return s;
}

std::string inet_text(const ValueDesc &desc, const uint8_t *data) {
  uint32_t af = static_cast<uint32_t>(read_uint(data, 4));
  uint32_t addr_off = desc.size >= 20 ? desc.size - 16 : 4;
  char buf[INET6_ADDRSTRLEN] = "";
  if (af == AF_INET) {
    if (!inet_ntop(AF_INET, data + addr_off, buf, sizeof(buf))) buf[0] = 0;
  } else if (af == AF_INET6) {
    if (!inet_ntop(AF_INET6, data + addr_off, buf, sizeof(buf))) buf[0] = 0;
  }
  return buf;
}

std::string mac_text(const uint8_t *d) {
  char buf[18];
  snprintf(buf, sizeof(buf), "%02X:%02X:%02X:%02X:%02X:%02X", d[0], d[1], d[2],
           d[3], d[4], d[5]);
  return buf;
}

// Text of the kinds whose JSON form is a plain string.
std::string symbolic_text(const ValueDesc &desc, const uint8_t *data,
                          const FormatContext &ctx) {
  switch (desc.kind) {
    case ValueKind::Kstack:
    case ValueKind::Ustack: return stack_text(desc, data, ctx);
    case ValueKind::Ksym: return ctx_ksym(ctx, read_u64(data, 8));
    case ValueKind::Usym: {
      uint32_t pid = desc.size >= 12 ? static_cast<uint32_t>(read_uint(data + 8, 4)) : 0;
      return ctx_usym(ctx, read_u64(data, 8), pid);
    }
    case ValueKind::Inet: return inet_text(desc, data);
    case ValueKind::MacAddr: return mac_text(data);
    case ValueKind::Username: return ctx_username(ctx, read_u64(data, desc.size));
    case ValueKind::CgroupPath: return ctx_cgroup_path(ctx, read_u64(data, desc.size), desc.format);
    case ValueKind::StrError:
      return strerror(static_cast<int>(read_sint(data, desc.size ? desc.size : 8)));
    case ValueKind::Timestamp:
      return format_strftime(desc.format ? desc.format : "%H:%M:%S",
                             ctx_epoch_ns(ctx, read_u64(data, 8)), ctx.utc);
    case ValueKind::Probe: return ctx_probe_name(ctx, read_u64(data, desc.size));
    default: return {};
  }
}

uint32_t buffer_len(const ValueDesc &desc, const uint8_t *data) {
  uint32_t len = static_cast<uint32_t>(read_uint(data, 4));
  uint32_t cap = desc.size > 4 ? desc.size - 4 : 0;
  return len < cap ? len : cap;
}

bool exact_in_double(uint64_t mag) {
  if (mag <= (1ULL << 53)) return true;
  int bits = 64 - __builtin_clzll(mag) - __builtin_ctzll(mag);
  return bits <= 53;
}

}  // namespace

// ---- shared pieces ----

void append_json_string(std::string &out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) <= 0x1f) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json_int(std::string &out, int64_t v) {
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  if (exact_in_double(mag)) {
    append_i64(out, v);
  } else {
    out += '"';
    append_i64(out, v);
    out += '"';
  }
}

void append_json_uint(std::string &out, uint64_t v) {
  if (exact_in_double(v)) {
    append_u64(out, v);
  } else {
    out += '"';
    append_u64(out, v);
    out += '"';
  }
}

void append_hex_buffer(std::string &out, const uint8_t *buf, size_t len,
                       bool keep_ascii, bool escape_hex) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    uint8_t b = buf[i];
    if (keep_ascii && b >= 32 && b <= 126) {
      out += static_cast<char>(b);
    } else if (escape_hex) {
      out += "\\x";
      out += digits[b >> 4];
      out += digits[b & 15];
    } else {
      out += digits[b >> 4];
      out += digits[b & 15];
      if (i + 1 != len) out += ' ';
    }
  }
}

std::string format_strftime(const char *fmt, uint64_t epoch_ns, bool utc) {
  time_t secs = static_cast<time_t>(epoch_ns / 1000000000ULL);
  uint64_t rem = epoch_ns % 1000000000ULL;
  if (secs == 0) return "(?)";
  struct tm tm;
  if (utc ? !gmtime_r(&secs, &tm) : !localtime_r(&secs, &tm)) return "(?)";

  // Expand bpftrace's extensions first; like bpftrace, every occurrence is
  // replaced (%f first, then %k, then %l).
  char usec[8], nsec[12], msec[4];
  snprintf(usec, sizeof(usec), "%06" PRIu64, rem / 1000);
  snprintf(nsec, sizeof(nsec), "%09" PRIu64, rem);
  snprintf(msec, sizeof(msec), "%03" PRIu64, rem / 1000000);
  std::string f = fmt;
  auto replace_all = [&f](const char *pat, const char *with) {
    size_t pos = 0, wlen = strlen(with);
    while ((pos = f.find(pat, pos)) != std::string::npos) {
      f.replace(pos, 2, with);
      pos += wlen;
    }
  };
  replace_all("%f", usec);
  replace_all("%k", nsec);
  replace_all("%l", msec);

  std::string buf(1024, '\0');
  size_t n = strftime(buf.data(), buf.size(), f.c_str(), &tm);
  if (n == 0) return "(?)";
  buf.resize(n);
  return buf;
}

std::string string_value_text(const ValueDesc &desc, const uint8_t *data,
                              const FormatContext &ctx) {
  const char *p = reinterpret_cast<const char *>(data);
  size_t len = strnlen(p, desc.size);
  std::string s(p, len);
  if (len == desc.size && desc.size > 0) s += ctx.str_trunc_trailer;
  return s;
}

bool value_as_int64(const ValueDesc &desc, const uint8_t *data, int64_t &out) {
  switch (desc.kind) {
    case ValueKind::Int:
    case ValueKind::Enum:
      out = desc.is_signed ? read_sint(data, desc.size)
                           : static_cast<int64_t>(read_uint(data, desc.size));
      return true;
    case ValueKind::Bool:
      out = data[0] != 0;
      return true;
    case ValueKind::StrError:
      out = read_sint(data, desc.size ? desc.size : 8);
      return true;
    case ValueKind::Pointer:
    case ValueKind::Ksym:
    case ValueKind::Usym:
    case ValueKind::Username:
    case ValueKind::CgroupPath:
    case ValueKind::Probe:
    case ValueKind::Timestamp:
      out = static_cast<int64_t>(read_u64(data, desc.size));
      return true;
    default:
      return false;
  }
}

// ---- text ----

void append_value_text(std::string &out, const ValueDesc &desc,
                       const uint8_t *data, const FormatContext &ctx) {
  switch (desc.kind) {
    case ValueKind::Int:
      append_int(out, data, desc.size, desc.is_signed);
      return;
    case ValueKind::Bool:
      out += data[0] ? "true" : "false";
      return;
    case ValueKind::String:
      out += string_value_text(desc, data, ctx);
      return;
    case ValueKind::Buffer:
      append_hex_buffer(out, data + 4, buffer_len(desc, data), true, true);
      return;
    case ValueKind::Pointer:
      append_hex(out, read_u64(data, desc.size));
      return;
    case ValueKind::Array: {
      out += '[';
      for (uint32_t i = 0; i < desc.count; i++) {
        if (i) out += ',';
        append_value_text(out, *desc.elem, data + i * desc.elem->size, ctx);
      }
      out += ']';
      return;
    }
    case ValueKind::Tuple: {
      out += '(';
      for (uint32_t i = 0; i < desc.nfields; i++) {
        if (i) out += ", ";
        append_value_text(out, desc.fields[i], data + desc.offsets[i], ctx);
      }
      out += ')';
      return;
    }
    case ValueKind::Record: {
      if (desc.nfields == 0) {
        out += "{}";
        return;
      }
      out += "{ ";
      for (uint32_t i = 0; i < desc.nfields; i++) {
        if (i) out += ", ";
        out += '.';
        out += desc.names[i];
        out += " = ";
        append_value_text(out, desc.fields[i], data + desc.offsets[i], ctx);
      }
      out += " }";
      return;
    }
    case ValueKind::Enum: {
      uint64_t raw = read_uint(data, desc.size);
      if (const char *name = enum_name(desc, raw))
        out += name;
      else
        append_u64(out, raw);
      return;
    }
    case ValueKind::None:
      out += "null";
      return;
    default:
      out += symbolic_text(desc, data, ctx);
      return;
  }
}

std::string format_value_text(const ValueDesc &desc, const uint8_t *data,
                              const FormatContext &ctx) {
  std::string s;
  append_value_text(s, desc, data, ctx);
  return s;
}

// ---- JSON ----

void append_value_json(std::string &out, const ValueDesc &desc,
                       const uint8_t *data, const FormatContext &ctx) {
  switch (desc.kind) {
    case ValueKind::Int:
      if (desc.is_signed)
        append_json_int(out, read_sint(data, desc.size));
      else
        append_json_uint(out, read_uint(data, desc.size));
      return;
    case ValueKind::Bool:
      out += data[0] ? "true" : "false";
      return;
    case ValueKind::String:
      append_json_string(out, string_value_text(desc, data, ctx));
      return;
    case ValueKind::Buffer: {
      // bpftrace emits the bytes as (signed) char numbers.
      uint32_t len = buffer_len(desc, data);
      out += '[';
      for (uint32_t i = 0; i < len; i++) {
        if (i) out += ',';
        append_i64(out, static_cast<int8_t>(data[4 + i]));
      }
      out += ']';
      return;
    }
    case ValueKind::Pointer:
      append_json_uint(out, read_u64(data, desc.size));
      return;
    case ValueKind::Array: {
      out += '[';
      for (uint32_t i = 0; i < desc.count; i++) {
        if (i) out += ',';
        append_value_json(out, *desc.elem, data + i * desc.elem->size, ctx);
      }
      out += ']';
      return;
    }
    case ValueKind::Tuple: {
      out += '[';
      for (uint32_t i = 0; i < desc.nfields; i++) {
        if (i) out += ',';
        append_value_json(out, desc.fields[i], data + desc.offsets[i], ctx);
      }
      out += ']';
      return;
    }
    case ValueKind::Record: {
      out += '{';
      for (uint32_t i = 0; i < desc.nfields; i++) {
        if (i) out += ", ";
        append_json_string(out, desc.names[i]);
        out += ": ";
        append_value_json(out, desc.fields[i], data + desc.offsets[i], ctx);
      }
      out += '}';
      return;
    }
    case ValueKind::Enum:
      // Not symbolized in JSON (bpftrace keeps numbers for compatibility).
      append_json_uint(out, read_uint(data, desc.size));
      return;
    case ValueKind::None:
      out += "null";
      return;
    default:
      append_json_string(out, symbolic_text(desc, data, ctx));
      return;
  }
}

std::string format_value_json(const ValueDesc &desc, const uint8_t *data,
                              const FormatContext &ctx) {
  std::string s;
  append_value_json(s, desc, data, ctx);
  return s;
}

}  // namespace bt2bin::rt

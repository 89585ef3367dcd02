// Text and JSON forms of one value, as bpftrace v0.26 prints them.
//
// A value is raw bytes laid out as its ValueDesc says (value_desc.h). The
// text form is what print(), printf("%s"), map keys and map values show;
// the JSON form is what -f json puts under "data". Map printing
// (map_format) and printf (printf_format) are built on these functions;
// host lookups (symbols, stacks, user names…) go through FormatContext.
// Reference: bpftrace src/types_format.cpp (bytes -> value) and
// src/output/text.cpp, json.cpp (value -> text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime-template/format_context.h"
#include "runtime-template/value_desc.h"

namespace bt2bin::rt {

// ---- whole values ----

// Text form: 5, -3, true, str, str.. (truncated), 0x1000, [1,2,3],
// (1, two, 3), { .a = 1, .b = (2, hi) }, "\n        frame\n" stacks, …
std::string format_value_text(const ValueDesc &desc, const uint8_t *data,
                              const FormatContext &ctx);
void append_value_text(std::string &out, const ValueDesc &desc,
                       const uint8_t *data, const FormatContext &ctx);

// JSON form: numbers, true/false, "escaped strings", tuples and arrays as
// [a,b] (no spaces), records as {"a": 1, "b": 2}, buffers as arrays of byte
// values, enums and pointers as numbers, symbols and stacks as strings.
std::string format_value_json(const ValueDesc &desc, const uint8_t *data,
                              const FormatContext &ctx);
void append_value_json(std::string &out, const ValueDesc &desc,
                       const uint8_t *data, const FormatContext &ctx);

// ---- pieces shared with map_format and printf_format ----

// `s` as a JSON string literal, escaped as bpftrace does (\" \\ \n \r \t,
// other control characters as \u00XX; bytes >= 0x80 are copied).
void append_json_string(std::string &out, std::string_view s);
// Integers in JSON: a number, or a quoted decimal string when a double
// cannot hold it exactly (|v| > 2^53 and not a multiple of a large power
// of two), as bpftrace's JsonEmitter does.
void append_json_int(std::string &out, int64_t v);
void append_json_uint(std::string &out, uint64_t v);

// Buffer bytes as text. keep_ascii: printable ASCII (0x20..0x7e) as is;
// escape_hex: others as \xNN, else "NN" separated by spaces.
//   %r  -> (true, true)   %rx -> (false, true)   %rh -> (false, false)
void append_hex_buffer(std::string &out, const uint8_t *buf, size_t len,
                       bool keep_ascii, bool escape_hex);

// strftime() text of `epoch_ns` nanoseconds since the Unix epoch, with
// bpftrace's extensions %f (microseconds, 6 digits), %k (nanoseconds, 9) and
// %l (milliseconds, 3). "(?)" for time 0 or an empty result, as bpftrace.
std::string format_strftime(const char *fmt, uint64_t epoch_ns, bool utc);

// The bytes of a String value up to its NUL, plus ctx.str_trunc_trailer
// when the value fills its buffer (no NUL).
std::string string_value_text(const ValueDesc &desc, const uint8_t *data,
                              const FormatContext &ctx);

// ---- integer access (unaligned, little-endian host) ----

inline uint64_t read_uint(const uint8_t *p, uint32_t size) {
  switch (size) {
    case 1: return p[0];
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
  }
}

inline int64_t read_sint(const uint8_t *p, uint32_t size) {
  switch (size) {
    case 1: return static_cast<int8_t>(p[0]);
    case 2: { int16_t v; memcpy(&v, p, 2); return v; }
    case 4: { int32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
  }
}

// Value of an integer-like argument (Int, Enum, Bool, Pointer and the
// u64-based kinds) widened to 64 bits: sign-extended when the type is
// signed. Returns false for kinds that are not integers.
bool value_as_int64(const ValueDesc &desc, const uint8_t *data, int64_t &out);

}  // namespace bt2bin::rt

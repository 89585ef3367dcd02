// Formatting one printf/errorf/warnf/system/cat record, as bpftrace does.
//
// The BPF side sends a record whose arguments sit at FormatDesc::offsets;
// this unit reads each argument as its ValueDesc says and formats it with
// the conversion from format_string:
//   %s            the argument's text form (value_format): strings, tuples,
//                 records, stacks, symbols, enum names, …
//   %d %i         signed; %u %o %x %X unsigned; %c a character; %p a pointer
//                 (glibc: 0x1000, (nil)). Integers are first widened to 64
//                 bits from their type (sign-extended when signed), then
//                 narrowed by the length modifier with C semantics: none ->
//                 32 bits, hh -> 8, h -> 16, l ll j z t L -> 64. So
//                 printf("%u", -1) prints 4294967295 and "%lu" prints
//                 18446744073709551615, as bpftrace 0.17-0.22 (and the
//                 reference outputs); FormatContext::printf_c_int_widths =
//                 false keeps 64 bits when there is no length modifier.
//   %r %rx %rh    buffers (and strings) as hex text (value_format.h)
// Flags, width and precision behave as in C (snprintf does the padding).
#pragma once

#include <cstdint>
#include <string>

#include "runtime-template/format_context.h"
#include "runtime-template/format_string.h"
#include "runtime-template/value_desc.h"

namespace bt2bin::rt {

// `record` points at the argument record (FormatDesc::offsets are relative
// to it). Parses desc.format on every call; when the format cannot be
// parsed (the compiler rejects those) the raw format string is returned.
std::string format_printf(const FormatDesc &desc, const uint8_t *record,
                          const FormatContext &ctx);

// Same with a format parsed once up front (the per-event path). Arguments
// beyond desc.nargs print as nothing.
std::string format_printf(const ParsedFormat &fmt, const FormatDesc &desc,
                          const uint8_t *record, const FormatContext &ctx);
void append_printf(std::string &out, const ParsedFormat &fmt, const FormatDesc &desc,
                   const uint8_t *record, const FormatContext &ctx);

// One conversion applied to one argument.
void append_printf_arg(std::string &out, const FormatSpec &spec, const ValueDesc &arg,
                       const uint8_t *data, const FormatContext &ctx);

// NDJSON line for text events: {"type": "printf", "data": "…"}\n
// (type is "printf", "time", "cat", "join", "syscall", …).
void append_json_text_event(std::string &out, const char *type, const std::string &text);

}  // namespace bt2bin::rt

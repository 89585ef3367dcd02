// Unit tests for runtime-template/printf_format: printf records formatted
// byte-exact as bpftrace (reference §2.2 printf line, outputs of Debian's
// bpftrace 0.17 for BEGIN-only scripts, bpftrace's tests/runtime/call).
#include <doctest/doctest.h>

#include <type_traits>

#include "runtime-template/printf_format.h"
#include "runtime-template/value_format.h"
#include "tests/unit/format_test_helpers.h"

using namespace bt2bin::rt;
using namespace fmt_test;

namespace {

// Builds a printf record: arguments laid out one after another, 8-aligned.
FormatContext c_widths() {
  FormatContext ctx;
  ctx.printf_c_int_widths = true;
  return ctx;
}

struct Record {
  std::deque<ValueDesc> descs;
  std::vector<ValueDesc> args;
  std::vector<uint32_t> offsets;
  std::vector<uint8_t> bytes;

  Record &add(const ValueDesc &d, const std::vector<uint8_t> &b) {
    size_t off = (bytes.size() + 7) & ~size_t(7);
    bytes.resize(off);
    offsets.push_back(static_cast<uint32_t>(off));
    bytes.insert(bytes.end(), b.begin(), b.end());
    args.push_back(d);
    return *this;
  }
  template <typename T>
  Record &i(T v) {
    return add(int_desc(sizeof(T), std::is_signed_v<T>), le<T>(v));
  }
  Record &s(const std::string &v, uint32_t size = 16) {
    return add(str_desc(size), Bytes().str(v, size).b);
  }
  // Default: C integer widths, the mode the 0.17 reference outputs were made in.
  std::string run(const char *fmt, const FormatContext &ctx = c_widths()) {
    FormatDesc d{};
    d.format = fmt;
    d.nargs = static_cast<uint32_t>(args.size());
    d.args = args.data();
    d.offsets = offsets.data();
    return format_printf(d, bytes.data(), ctx);
  }
};

}  // namespace

TEST_CASE("printf_format: reference line of bpftrace-language.md 2.2") {
  Record r;
  r.i<int8_t>(1).i<int8_t>(2).i<int8_t>(3).i<int8_t>(4).i<int16_t>(255).i<int16_t>(255);
  r.i<int8_t>(8).s("s").s("r").s("l").i<int8_t>(65).i<int8_t>(-1).i<int8_t>(5);
  r.i<int16_t>(255).i<int16_t>(4096);
  CHECK(r.run("%d|%5d|%-5d|%05d|%x|%X|%o|%s|%10s|%-10s|%c|%u|%lu|%llx|%p\n") ==
        "1|    2|3    |00004|ff|FF|10|s|         r|l         |A|4294967295|5|ff|0x1000\n");
}

TEST_CASE("printf_format: -1 under each conversion, whatever its size") {
  // bpftrace 0.17: printf("%x %u %d %lx %lu\n", -1, -1, -1, -1, -1)
  const char *want = "ffffffff 4294967295 -1 ffffffffffffffff 18446744073709551615\n";
  Record r8, r32, r64;
  for (int k = 0; k < 5; k++) {
    r8.i<int8_t>(-1);
    r32.i<int32_t>(-1);
    r64.i<int64_t>(-1);
  }
  CHECK(r8.run("%x %u %d %lx %lu\n") == want);
  CHECK(r32.run("%x %u %d %lx %lu\n") == want);
  CHECK(r64.run("%x %u %d %lx %lu\n") == want);
}

TEST_CASE("printf_format: casts to small types are sign-extended first") {
  // bpftrace 0.17: $x=(int8)-1; $y=(int16)-1; $z=(uint8)200;
  //   printf("%x %u %d %x %d\n", $x, $x, $y, $y, $z) -> ffffffff 4294967295 -1 ffffffff 200
  Record r;
  r.i<int8_t>(-1).i<int8_t>(-1).i<int16_t>(-1).i<int16_t>(-1).i<uint8_t>(200);
  CHECK(r.run("%x %u %d %x %d\n") == "ffffffff 4294967295 -1 ffffffff 200\n");
  Record u;
  u.i<uint32_t>(4294967295u).i<uint64_t>(~0ULL);
  CHECK(u.run("%d %lld") == "-1 -1");
}

TEST_CASE("printf_format: length modifiers narrow the value") {
  // bpftrace tests/runtime/call printf_length_modifiers
  Record r;
  for (int k = 0; k < 4; k++) r.i<int64_t>(0x12345678abcdefLL);
  CHECK(r.run("%hhx %hx %x %jx\n") == "ef cdef 78abcdef 12345678abcdef\n");
  Record d;
  d.i<int64_t>(5000000000LL).i<int64_t>(5000000000LL).i<int64_t>(-129).i<int64_t>(40000);
  CHECK(d.run("%d %ld %hhd %hd") == "705032704 5000000000 127 -25536");
  Record z;
  z.i<int64_t>(5).i<int64_t>(6).i<int64_t>(7);
  CHECK(z.run("%zu %td %llu") == "5 6 7");
}

TEST_CASE("printf_format: 64-bit integers without length modifier when asked") {
  FormatContext ctx;
  ctx.printf_c_int_widths = false;
  Record r;
  r.i<int8_t>(-1).i<int8_t>(-1).i<int64_t>(5000000000LL).i<int64_t>(0x12345678abcdefLL);
  CHECK(r.run("%x %u %d %hx", ctx) == "ffffffffffffffff 18446744073709551615 5000000000 cdef");
}

TEST_CASE("printf_format: string precision truncates, width pads") {
  // bpftrace 0.17: printf("%.3s|%8.3s|%-8.3s|", "abcdef", ...)
  Record r;
  r.s("abcdef").s("abcdef").s("abcdef");
  CHECK(r.run("%.3s|%8.3s|%-8.3s|") == "abc|     abc|abc     |");
  Record z;
  z.s("ab");
  CHECK(z.run("[%05s]") == "[   ab]");
}

TEST_CASE("printf_format: integer precision, octal, chars and pointers") {
  // bpftrace 0.17: printf("%.5d|%8.5x|%-8o|%c%c|%p|%p\n", 42, 255, 8, 104, 105, 0, -1)
  Record r;
  r.i<int8_t>(42).i<int16_t>(255).i<int8_t>(8).i<int8_t>(104).i<int8_t>(105);
  r.i<int8_t>(0).i<int8_t>(-1);
  CHECK(r.run("%.5d|%8.5x|%-8o|%c%c|%p|%p\n") ==
        "00042|   000ff|10      |hi|(nil)|0xffffffffffffffff\n");
}

TEST_CASE("printf_format: flags + space # 0 -") {
  Record r;
  r.i<int8_t>(5).i<int8_t>(5).i<int16_t>(255).i<int8_t>(8).i<int8_t>(-3).i<int8_t>(3);
  r.i<int16_t>(255).i<int8_t>(65);
  CHECK(r.run("%+d|% d|%#x|%#o|%+5d|%-05d|%#X|%3c|") ==
        "+5| 5|0xff|010|   -3|3    |0XFF|  A|");
}

TEST_CASE("printf_format: %c prints characters") {
  // tests/runtime/call printf_char
  Record r;
  r.i<int8_t>(0x41).i<int8_t>(0x42).i<int8_t>(0x43).i<int8_t>(0x44);
  CHECK(r.run("%c%c%c%c\n") == "ABCD\n");
}

TEST_CASE("printf_format: %s prints any value's text form") {
  Composite c;
  ValueDesc t = c.tuple({int_desc(8, true), str_desc(4), int_desc(8, true)});
  ValueDesc rec = c.record({int_desc(4, true), int_desc(4, true)}, {"m", "n"});
  Record r;
  r.add(t, Bytes().put<int64_t>(1).str("two", 4).put<int64_t>(3).b);
  r.add(rec, Bytes().put<int32_t>(2).put<int32_t>(3).b);
  r.i<int64_t>(42);
  r.add(kind_desc(ValueKind::Bool, 1), {1});
  r.add(kind_desc(ValueKind::MacAddr, 6), {5, 4, 3, 2, 1, 2});
  CHECK(r.run("%s %s %5s %s P: %s") == "(1, two, 3) { .m = 2, .n = 3 }    42 true P: 05:04:03:02:01:02");
}

TEST_CASE("printf_format: enums print names with %s, numbers with %d") {
  // json-output enum_symbolized_printf
  static const EnumValue vals[] = {{1, "ONE"}, {2, "TWO"}, {99999, "OTHER"}};
  ValueDesc e = int_desc(4, true);
  e.kind = ValueKind::Enum;
  e.nenum = 3;
  e.enums = vals;
  Record r;
  r.add(e, le<int32_t>(1)).add(e, le<int32_t>(1)).add(e, le<int32_t>(2)).add(e, le<int32_t>(2));
  r.add(e, le<int32_t>(99999)).add(e, le<int32_t>(99999));
  CHECK(r.run("%d %s %d %s %d %s\n") == "1 ONE 2 TWO 99999 OTHER\n");
}

TEST_CASE("printf_format: stacks and symbols with %s") {
  FormatContext ctx;
  ctx.kstack = [](int64_t, const ValueDesc &) {
    return std::vector<std::string>{"pv_native_safe_halt+11", "default_idle+5"};
  };
  ctx.ksym = [](uint64_t) { return std::string("do_nanosleep"); };
  Record r;
  r.add(kind_desc(ValueKind::Kstack, 8), le<int64_t>(3));
  r.add(kind_desc(ValueKind::Ksym, 8), le<uint64_t>(0xffffffff81000000ULL));
  CHECK(r.run("%s|%s\n", ctx) ==
        "\n        pv_native_safe_halt+11\n        default_idle+5\n|do_nanosleep\n");
}

TEST_CASE("printf_format: %r, %rx and %rh on buffers") {
  ValueDesc b = kind_desc(ValueKind::Buffer, 4 + 6);
  auto hello = Bytes().put<uint32_t>(6).str(std::string("Hello\0", 6), 6).b;
  Record r;
  r.add(b, hello).add(b, hello).add(b, hello);
  // tests/runtime/call buf_no_ascii, buf_no_ascii_no_escaping
  CHECK(r.run("%rx|%rh|%r") ==
        "\\x48\\x65\\x6c\\x6c\\x6f\\x00|48 65 6c 6c 6f 00|Hello\\x00");
  ValueDesc b4 = kind_desc(ValueKind::Buffer, 4 + 4);
  Record p;
  p.add(b4, Bytes().put<uint32_t>(4).put<uint8_t>(9).put<uint8_t>(8).put<uint8_t>(7).put<uint8_t>(6).b);
  p.add(b4, Bytes().put<uint32_t>(4).put<uint8_t>(1).put<uint8_t>(2).put<uint8_t>(3).put<uint8_t>(4).b);
  CHECK(p.run("P: %r-%r\n") == "P: \\x09\\x08\\x07\\x06-\\x01\\x02\\x03\\x04\n");
}

TEST_CASE("printf_format: %r family on strings") {
  Record r;
  r.s("Hi\n").s("Hi").s("Hi");
  CHECK(r.run("%r|%rx|%rh") == "Hi\\x0a|\\x48\\x69|48 69");
}

TEST_CASE("printf_format: string arguments with the truncation trailer") {
  Record r;
  r.s("/bin/", 5);
  CHECK(r.run("P: %s\n") == "P: /bin/..\n");
  FormatContext ctx;
  ctx.str_trunc_trailer = "_xxx";
  CHECK(r.run("P: %s\n", ctx) == "P: /bin/_xxx\n");
}

TEST_CASE("printf_format: literals, %% and many arguments") {
  Record r;
  r.i<int8_t>(1).s("a").i<int8_t>(2).s("ab").i<int8_t>(3).s("abc").i<int8_t>(4).s("abcd");
  // tests/runtime/call printf_more_arguments
  CHECK(r.run("%dst: %sa; %dnd: %sb;; %drd: %sc;;; %dth: %sd;;;;") ==
        "1st: aa; 2nd: abb;; 3rd: abcc;;; 4th: abcdd;;;;");
  Record p;
  p.i<int8_t>(50);
  CHECK(p.run("%d%% 100%k") == "50% 100%k");
  Record none;
  CHECK(none.run("hi!\n") == "hi!\n");
}

TEST_CASE("printf_format: bools and pointers as integers") {
  Record r;
  r.add(kind_desc(ValueKind::Bool, 1), {1});
  r.add(kind_desc(ValueKind::Bool, 1), {0});
  r.add(kind_desc(ValueKind::Pointer, 8), le<uint64_t>(0x1000));
  r.add(kind_desc(ValueKind::Pointer, 8), le<uint64_t>(0x1000));
  CHECK(r.run("%d %d %lx %p") == "1 0 1000 0x1000");
}

TEST_CASE("printf_format: pre-parsed formats and missing arguments") {
  ParsedFormat fmt;
  std::string err;
  REQUIRE(parse_format("a=%d b=%d\n", fmt, err));
  Record r;
  r.i<int32_t>(7);
  FormatDesc d{};
  d.format = "a=%d b=%d\n";
  d.nargs = 1;
  d.args = r.args.data();
  d.offsets = r.offsets.data();
  CHECK(format_printf(fmt, d, r.bytes.data(), FormatContext()) == "a=7 b=\n");
  std::string out = "> ";
  append_printf(out, fmt, d, r.bytes.data(), FormatContext());
  CHECK(out == "> a=7 b=\n");
}

TEST_CASE("printf_format: unparsable format prints as is") {
  Record r;
  r.i<int8_t>(1);
  CHECK(r.run("%f") == "%f");
}

TEST_CASE("printf_format: json text events") {
  std::string out;
  // json-output printf and printf_escaping
  append_json_text_event(out, "printf", "test 5");
  CHECK(out == "{\"type\": \"printf\", \"data\": \"test 5\"}\n");
  out.clear();
  append_json_text_event(out, "printf", "test \r \n \t \\ \" bar");
  CHECK(out == "{\"type\": \"printf\", \"data\": \"test \\r \\n \\t \\\\ \\\" bar\"}\n");
  out.clear();
  append_json_text_event(out, "syscall", "a b c\n");
  CHECK(out == "{\"type\": \"syscall\", \"data\": \"a b c\\n\"}\n");
}

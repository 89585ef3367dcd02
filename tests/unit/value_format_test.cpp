// Unit tests for runtime-template/value_format: the text and JSON form of
// every ValueKind, byte-exact against bpftrace v0.26 (reference §2 and
// bpftrace's tests/runtime/{call,json-output}).
#include <doctest/doctest.h>

#include "runtime-template/value_format.h"
#include "tests/unit/format_test_helpers.h"

using namespace bt2bin::rt;
using namespace fmt_test;

namespace {

std::string text(const ValueDesc &d, const std::vector<uint8_t> &b,
                 const FormatContext &ctx = FormatContext()) {
  return format_value_text(d, b.data(), ctx);
}

std::string json(const ValueDesc &d, const std::vector<uint8_t> &b,
                 const FormatContext &ctx = FormatContext()) {
  return format_value_json(d, b.data(), ctx);
}

}  // namespace

TEST_CASE("value_format: integers by size and signedness") {
  CHECK(text(int_desc(1, true), le<int8_t>(-3)) == "-3");
  CHECK(text(int_desc(1, false), le<uint8_t>(200)) == "200");
  CHECK(text(int_desc(2, false), le<uint16_t>(65535)) == "65535");
  CHECK(text(int_desc(2, true), le<int16_t>(-1)) == "-1");
  CHECK(text(int_desc(4, true), le<int32_t>(-1)) == "-1");
  CHECK(text(int_desc(4, false), le<uint32_t>(4294967295u)) == "4294967295");
  CHECK(text(int_desc(8, false), le<uint64_t>(~0ULL)) == "18446744073709551615");
  CHECK(text(int_desc(8, true), le<int64_t>(INT64_MIN)) == "-9223372036854775808");
  CHECK(json(int_desc(4, true), le<int32_t>(-5)) == "-5");
  CHECK(json(int_desc(1, false), le<uint8_t>(5)) == "5");
}

TEST_CASE("value_format: json integers a double cannot hold are quoted") {
  CHECK(json(int_desc(8, false), le<uint64_t>(~0ULL)) == "\"18446744073709551615\"");
  CHECK(json(int_desc(8, true), le<int64_t>(INT64_MAX)) == "\"9223372036854775807\"");
  CHECK(json(int_desc(8, true), le<int64_t>(INT64_MIN)) == "-9223372036854775808");
  CHECK(json(int_desc(8, false), le<uint64_t>(1ULL << 53)) == "9007199254740992");
  CHECK(json(int_desc(8, false), le<uint64_t>((1ULL << 53) + 1)) == "\"9007199254740993\"");
  CHECK(json(int_desc(8, false), le<uint64_t>(1ULL << 60)) == "1152921504606846976");
}

TEST_CASE("value_format: bool") {
  ValueDesc b = kind_desc(ValueKind::Bool, 1);
  CHECK(text(b, {1}) == "true");
  CHECK(text(b, {0}) == "false");
  CHECK(json(b, {1}) == "true");
  CHECK(json(b, {0}) == "false");
}

TEST_CASE("value_format: string stops at NUL") {
  ValueDesc s = str_desc(16);
  CHECK(text(s, Bytes().str("bpftrace", 16)) == "bpftrace");
  CHECK(text(s, Bytes().str("", 16)) == "");
  // Bytes after the NUL are ignored.
  auto b = Bytes().str("ab", 16).b;
  b[3] = 'z';
  CHECK(text(s, b) == "ab");
  CHECK(json(s, Bytes().str("bpftrace", 16)) == "\"bpftrace\"");
}

TEST_CASE("value_format: string filling its buffer gets the trailer") {
  ValueDesc s = str_desc(5);
  CHECK(text(s, Bytes().str("/usr/", 5)) == "/usr/..");
  CHECK(text(s, Bytes().str("/usr", 5)) == "/usr");
  FormatContext ctx;
  ctx.str_trunc_trailer = "_xxx";
  CHECK(text(s, Bytes().str("/usr/", 5), ctx) == "/usr/_xxx");
  CHECK(json(s, Bytes().str("/usr/", 5)) == "\"/usr/..\"");
}

TEST_CASE("value_format: buffer prints like %r") {
  ValueDesc b = kind_desc(ValueKind::Buffer, 4 + 8);
  // bpftrace tests: buf("ok_key", 8) as a key prints ok_key\x00\x00.
  CHECK(text(b, Bytes().put<uint32_t>(8).str("ok_key", 8)) == "ok_key\\x00\\x00");
  CHECK(text(b, Bytes().put<uint32_t>(8).str("ok_value", 8)) == "ok_value");
  // Only `len` bytes count, and len is clamped to the capacity.
  CHECK(text(b, Bytes().put<uint32_t>(2).str("ok_value", 8)) == "ok");
  CHECK(text(b, Bytes().put<uint32_t>(99).str("\x01\xff" "abcdef", 8)) == "\\x01\\xffabcdef");
}

TEST_CASE("value_format: json buffer is an array of byte values") {
  ValueDesc b = kind_desc(ValueKind::Buffer, 4 + 4);
  CHECK(json(b, Bytes().put<uint32_t>(3).str("hi\xff", 4)) == "[104,105,-1]");
  CHECK(json(b, Bytes().put<uint32_t>(0).str("", 4)) == "[]");
}

TEST_CASE("value_format: pointer") {
  ValueDesc p = kind_desc(ValueKind::Pointer, 8);
  CHECK(text(p, le<uint64_t>(0x1000)) == "0x1000");
  CHECK(text(p, le<uint64_t>(0)) == "0x0");
  CHECK(text(p, le<uint64_t>(0xffffffff81000000ULL)) == "0xffffffff81000000");
  // json-output test print_hex_values: @=(int16*) 0x32 -> 50
  CHECK(json(p, le<uint64_t>(0x32)) == "50");
}

TEST_CASE("value_format: arrays have no spaces") {
  ValueDesc e = int_desc(4, true);
  ValueDesc a = kind_desc(ValueKind::Array, 16);
  a.elem = &e;
  a.count = 4;
  auto b = Bytes().put<int32_t>(1).put<int32_t>(2).put<int32_t>(3).put<int32_t>(4).b;
  CHECK(text(a, b) == "[1,2,3,4]");
  CHECK(json(a, b) == "[1,2,3,4]");
  // int y[2][2] -> [[5,6],[7,8]]
  ValueDesc row = kind_desc(ValueKind::Array, 8);
  row.elem = &e;
  row.count = 2;
  ValueDesc m = kind_desc(ValueKind::Array, 16);
  m.elem = &row;
  m.count = 2;
  auto mb = Bytes().put<int32_t>(5).put<int32_t>(6).put<int32_t>(7).put<int32_t>(8).b;
  CHECK(text(m, mb) == "[[5,6],[7,8]]");
  CHECK(json(m, mb) == "[[5,6],[7,8]]");
}

TEST_CASE("value_format: tuples") {
  Composite c;
  ValueDesc t = c.tuple({int_desc(8, true), str_desc(4), int_desc(8, true)});
  auto b = Bytes().put<int64_t>(1).str("two", 4).put<int64_t>(3).b;
  CHECK(text(t, b) == "(1, two, 3)");
  CHECK(json(t, b) == "[1,\"two\",3]");
  ValueDesc inner = c.tuple({int_desc(8, true), str_desc(2)});
  ValueDesc outer = c.tuple({int_desc(8, true), inner});
  auto nb = Bytes().put<int64_t>(1).put<int64_t>(2).str("x", 2).b;
  CHECK(text(outer, nb) == "(1, (2, x))");
  CHECK(json(outer, nb) == "[1,[2,\"x\"]]");
}

TEST_CASE("value_format: json tuple from bpftrace tests") {
  // begin { @ = (1, 2, "string", (4, 5)); } -> [1,2,"string",[4,5]]
  Composite c;
  ValueDesc in = c.tuple({int_desc(1, true), int_desc(1, true)});
  ValueDesc t = c.tuple({int_desc(1, true), int_desc(1, true), str_desc(7), in});
  auto b = Bytes().put<int8_t>(1).put<int8_t>(2).str("string", 7).put<int8_t>(4).put<int8_t>(5).b;
  CHECK(json(t, b) == "[1,2,\"string\",[4,5]]");
  CHECK(text(t, b) == "(1, 2, string, (4, 5))");
  // print((true, false)) -> [true,false]
  ValueDesc bt = c.tuple({kind_desc(ValueKind::Bool, 1), kind_desc(ValueKind::Bool, 1)});
  CHECK(json(bt, {1, 0}) == "[true,false]");
  CHECK(text(bt, {1, 0}) == "(true, false)");
  // Escaped strings inside tuples.
  ValueDesc st = c.tuple({int_desc(1, true), str_desc(24)});
  CHECK(json(st, Bytes().put<int8_t>(2).str("string with \"quotes\"", 24)) ==
        "[2,\"string with \\\"quotes\\\"\"]");
}

TEST_CASE("value_format: records") {
  Composite c;
  ValueDesc r = c.record({int_desc(4, true), int_desc(4, true)}, {"m", "n"});
  auto b = Bytes().put<int32_t>(2).put<int32_t>(3).b;
  CHECK(text(r, b) == "{ .m = 2, .n = 3 }");
  CHECK(json(r, b) == "{\"m\": 2, \"n\": 3}");
  ValueDesc t = c.tuple({int_desc(8, true), str_desc(3)});
  ValueDesc r2 = c.record({int_desc(8, true), t}, {"a", "b"});
  auto b2 = Bytes().put<int64_t>(1).put<int64_t>(2).str("hi", 3).b;
  CHECK(text(r2, b2) == "{ .a = 1, .b = (2, hi) }");
  CHECK(json(r2, b2) == "{\"a\": 1, \"b\": [2,\"hi\"]}");
  ValueDesc empty = c.record({}, {});
  CHECK(text(empty, {}) == "{}");
  CHECK(json(empty, {}) == "{}");
}

TEST_CASE("value_format: nested records in json") {
  // print_non_map_nested_struct: {"y": {"m": [2]}, "a": {"n": 3}}
  Composite c;
  ValueDesc e = int_desc(4, true);
  ValueDesc arr = kind_desc(ValueKind::Array, 4);
  arr.elem = &e;
  arr.count = 1;
  ValueDesc y = c.record({arr}, {"m"});
  ValueDesc a = c.record({int_desc(4, true)}, {"n"});
  ValueDesc foo = c.record({y, a}, {"y", "a"});
  auto b = Bytes().put<int32_t>(2).put<int32_t>(3).b;
  CHECK(json(foo, b) == "{\"y\": {\"m\": [2]}, \"a\": {\"n\": 3}}");
  CHECK(text(foo, b) == "{ .y = { .m = [2] }, .a = { .n = 3 } }");
}

TEST_CASE("value_format: kstack in bpftrace mode") {
  FormatContext ctx;
  int64_t seen = 0;
  ctx.kstack = [&](int64_t id, const ValueDesc &) {
    seen = id;
    return std::vector<std::string>{"pv_native_safe_halt+11", "default_idle+5"};
  };
  ValueDesc k = kind_desc(ValueKind::Kstack, 8);
  CHECK(text(k, le<int64_t>(42), ctx) ==
        "\n        pv_native_safe_halt+11\n        default_idle+5\n");
  CHECK(seen == 42);
  CHECK(json(k, le<int64_t>(42), ctx) ==
        "\"\\n        pv_native_safe_halt+11\\n        default_idle+5\\n\"");
  // No hook or no frames: just the newline.
  CHECK(text(k, le<int64_t>(1)) == "\n");
}

TEST_CASE("value_format: kstack in perf and raw modes") {
  FormatContext ctx;
  ctx.kstack = [](int64_t, const ValueDesc &d) {
    if (stack_mode_of(d) == StackMode::Raw) return std::vector<std::string>{"ffffffff821f4dab"};
    return std::vector<std::string>{"ffffffff821f4dab pv_native_safe_halt+11"};
  };
  ValueDesc perf = kind_desc(ValueKind::Kstack, 8);
  perf.format = "perf";
  CHECK(text(perf, le<int64_t>(1), ctx) == "\n\tffffffff821f4dab pv_native_safe_halt+11\n");
  ValueDesc raw = kind_desc(ValueKind::Kstack, 8);
  raw.format = "raw";
  CHECK(text(raw, le<int64_t>(1), ctx) == "\nffffffff821f4dab\n");
  ValueDesc bid = kind_desc(ValueKind::Ustack, 16);
  bid.format = "build_id";
  FormatContext bctx;
  bctx.ustack = [](int64_t, uint32_t, const ValueDesc &) {
    return std::vector<std::string>{"0123456789abcdef0123456789abcdef01234567 0x1a2b"};
  };
  CHECK(text(bid, Bytes().put<int64_t>(1).put<uint32_t>(1).pad(4), bctx) ==
        "\n0123456789abcdef0123456789abcdef01234567 0x1a2b\n");
  CHECK(stack_mode_of(bid) == StackMode::BuildId);
  ValueDesc def = kind_desc(ValueKind::Kstack, 8);
  def.format = "bpftrace";
  CHECK(stack_mode_of(def) == StackMode::Bpftrace);
}

TEST_CASE("value_format: ustack passes the pid") {
  FormatContext ctx;
  uint32_t got_pid = 0;
  ctx.ustack = [&](int64_t, uint32_t pid, const ValueDesc &) {
    got_pid = pid;
    return std::vector<std::string>{"test+0", "main+26"};
  };
  ValueDesc u = kind_desc(ValueKind::Ustack, 16);
  CHECK(text(u, Bytes().put<int64_t>(7).put<uint32_t>(1234).pad(4), ctx) ==
        "\n        test+0\n        main+26\n");
  CHECK(got_pid == 1234);
}

TEST_CASE("value_format: ksym and usym use hooks, hex without them") {
  ValueDesc ks = kind_desc(ValueKind::Ksym, 8);
  ValueDesc us = kind_desc(ValueKind::Usym, 16);
  // bpftrace tests: @=usym(1) prints 0x1 when unresolved.
  CHECK(text(us, Bytes().put<uint64_t>(1).put<uint32_t>(9).pad(4)) == "0x1");
  CHECK(text(ks, le<uint64_t>(0xffffffff81000000ULL)) == "0xffffffff81000000");
  FormatContext ctx;
  ctx.ksym = [](uint64_t a) { return a == 0x10 ? std::string("do_nanosleep") : fmt_hex_addr(a); };
  uint32_t pid = 0;
  ctx.usym = [&](uint64_t, uint32_t p) {
    pid = p;
    return std::string("main");
  };
  CHECK(text(ks, le<uint64_t>(0x10), ctx) == "do_nanosleep");
  CHECK(json(ks, le<uint64_t>(0x10), ctx) == "\"do_nanosleep\"");
  CHECK(text(us, Bytes().put<uint64_t>(5).put<uint32_t>(77).pad(4), ctx) == "main");
  CHECK(pid == 77);
}

TEST_CASE("value_format: inet addresses") {
  ValueDesc in = kind_desc(ValueKind::Inet, 20);  // { u32 af; u8 addr[16]; }
  // ntop(0x0100007f) on little-endian: 127.0.0.1
  CHECK(text(in, Bytes().put<uint32_t>(2).put<uint32_t>(0x0100007f).pad(12)) == "127.0.0.1");
  CHECK(text(in, Bytes().put<uint32_t>(2).put<uint32_t>(1).pad(12)) == "1.0.0.0");
  CHECK(text(in, Bytes().put<uint32_t>(2).put<uint32_t>(0xffff0000).pad(12)) == "0.0.255.255");
  std::vector<uint8_t> v6 = Bytes().put<uint32_t>(10).pad(16);
  v6[4 + 15] = 1;
  CHECK(text(in, v6) == "::1");
  CHECK(json(in, v6) == "\"::1\"");
  // { u64 af; u8 addr[16]; } as bpftrace lays it out also works.
  ValueDesc in24 = kind_desc(ValueKind::Inet, 24);
  CHECK(text(in24, Bytes().put<uint64_t>(2).put<uint32_t>(0x0100007f).pad(12)) == "127.0.0.1");
  // Unknown family: empty.
  CHECK(text(in, Bytes().put<uint32_t>(99).pad(16)) == "");
}

TEST_CASE("value_format: macaddr is upper-case hex") {
  ValueDesc m = kind_desc(ValueKind::MacAddr, 6);
  CHECK(text(m, {5, 4, 3, 2, 1, 2}) == "05:04:03:02:01:02");
  CHECK(text(m, {0xaa, 0xbb, 0xcc, 0x0d, 0xee, 0xff}) == "AA:BB:CC:0D:EE:FF");
  CHECK(json(m, {5, 4, 3, 2, 1, 2}) == "\"05:04:03:02:01:02\"");
}

TEST_CASE("value_format: username, cgroup path and probe use hooks") {
  ValueDesc un = kind_desc(ValueKind::Username, 8);
  ValueDesc cg = kind_desc(ValueKind::CgroupPath, 8);
  ValueDesc pr = kind_desc(ValueKind::Probe, 8);
  CHECK(text(un, le<uint64_t>(0)) == "0");
  CHECK(text(cg, le<uint64_t>(123)) == "123");
  CHECK(text(pr, le<uint64_t>(1)) == "1");
  FormatContext ctx;
  ctx.username = [](uint64_t uid) { return uid == 0 ? std::string("root") : std::string(); };
  ctx.cgroup_path = [](uint64_t, const char *) { return std::string("unified:/user.slice"); };
  ctx.probe_name = [](uint64_t i) { return i == 1 ? std::string("kprobe:do_nanosleep") : std::string(); };
  CHECK(text(un, le<uint64_t>(0), ctx) == "root");
  CHECK(json(un, le<uint64_t>(0), ctx) == "\"root\"");
  CHECK(text(cg, le<uint64_t>(123), ctx) == "unified:/user.slice");
  CHECK(text(pr, le<uint64_t>(1), ctx) == "kprobe:do_nanosleep");
  CHECK(json(pr, le<uint64_t>(1), ctx) == "\"kprobe:do_nanosleep\"");
}

TEST_CASE("value_format: enums print by name, json by number") {
  static const EnumValue vals[] = {{1, "ONE"}, {2, "TWO"}, {99999, "OTHER"}, {-1, "NEG"}};
  ValueDesc e = int_desc(4, true);
  e.kind = ValueKind::Enum;
  e.nenum = 4;
  e.enums = vals;
  CHECK(text(e, le<int32_t>(1)) == "ONE");
  CHECK(text(e, le<int32_t>(99999)) == "OTHER");
  CHECK(text(e, le<int32_t>(-1)) == "NEG");
  CHECK(text(e, le<int32_t>(7)) == "7");
  // Not symbolized in JSON (json-output enum_not_symbolized: 333).
  CHECK(json(e, le<int32_t>(333)) == "333");
  CHECK(json(e, le<int32_t>(2)) == "2");
}

TEST_CASE("value_format: strerror") {
  ValueDesc s = kind_desc(ValueKind::StrError, 8);
  CHECK(text(s, le<int64_t>(7)) == "Argument list too long");
  CHECK(text(s, le<int64_t>(1)) == "Operation not permitted");
  // json-output strerror: {"type": "value", "data": "Argument list too long"}
  CHECK(json(s, le<int64_t>(7)) == "\"Argument list too long\"");
}

TEST_CASE("value_format: timestamp with bpftrace strftime extensions") {
  FormatContext ctx;
  ctx.utc = true;
  ValueDesc t = kind_desc(ValueKind::Timestamp, 8);
  t.format = "%Y-%m-%d %H:%M:%S.%f";
  const uint64_t ns = 1700000000123456789ULL;  // 2023-11-14 22:13:20 UTC
  CHECK(text(t, le<uint64_t>(ns), ctx) == "2023-11-14 22:13:20.123456");
  t.format = "%k|%l|%f|%%";
  CHECK(text(t, le<uint64_t>(ns), ctx) == "123456789|123|123456|%");
  t.format = "%m/%d/%y";
  CHECK(json(t, le<uint64_t>(ns), ctx) == "\"11/14/23\"");
  // The hook maps the recorded clock to the Unix epoch.
  ctx.timestamp_to_epoch_ns = [](uint64_t n) { return n + 1000000000ULL; };
  t.format = "%S";
  CHECK(text(t, le<uint64_t>(ns), ctx) == "21");
  // Time zero prints "(?)" as bpftrace.
  CHECK(format_strftime("%H", 5, true) == "(?)");
  CHECK(format_strftime("1%f", 1000123000ULL, true) == "1000123");
}

TEST_CASE("value_format: json string escaping") {
  std::string out;
  append_json_string(out, "a b \n d e");
  CHECK(out == "\"a b \\n d e\"");
  out.clear();
  append_json_string(out, "test \r \n \t \\ \" bar");
  CHECK(out == "\"test \\r \\n \\t \\\\ \\\" bar\"");
  out.clear();
  append_json_string(out, std::string("\x01\x1f\x7f", 3));
  CHECK(out == "\"\\u0001\\u001f\x7f\"");
  out.clear();
  append_json_string(out, "caf\xc3\xa9");
  CHECK(out == "\"caf\xc3\xa9\"");
}

TEST_CASE("value_format: none prints null") {
  ValueDesc n = kind_desc(ValueKind::None, 0);
  CHECK(text(n, {0}) == "null");
  CHECK(json(n, {0}) == "null");
}

TEST_CASE("value_format: value_as_int64 widens by type") {
  int64_t v = 0;
  auto i8 = le<int8_t>(-1);
  CHECK(value_as_int64(int_desc(1, true), i8.data(), v));
  CHECK(v == -1);
  CHECK(value_as_int64(int_desc(1, false), i8.data(), v));
  CHECK(v == 255);
  auto u32 = le<uint32_t>(0xffffffffu);
  CHECK(value_as_int64(int_desc(4, false), u32.data(), v));
  CHECK(v == 4294967295LL);
  uint8_t t = 1;
  CHECK(value_as_int64(kind_desc(ValueKind::Bool, 1), &t, v));
  CHECK(v == 1);
  auto p = le<uint64_t>(0x1000);
  CHECK(value_as_int64(kind_desc(ValueKind::Pointer, 8), p.data(), v));
  CHECK(v == 0x1000);
  auto s = Bytes().str("x", 4).b;
  CHECK_FALSE(value_as_int64(str_desc(4), s.data(), v));
}

TEST_CASE("value_format: hex buffer modes") {
  const uint8_t hello[] = {'H', 'e', 'l', 'l', 'o', 0};
  std::string r, rx, rh;
  append_hex_buffer(r, hello, 6, true, true);
  append_hex_buffer(rx, hello, 6, false, true);
  append_hex_buffer(rh, hello, 6, false, false);
  CHECK(r == "Hello\\x00");
  CHECK(rx == "\\x48\\x65\\x6c\\x6c\\x6f\\x00");
  CHECK(rh == "48 65 6c 6c 6f 00");
}

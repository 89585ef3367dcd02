// Unit tests for runtime-template/format_string: the printf format parser
// shared by the compiler's checks and the runtime.
#include <doctest/doctest.h>

#include "runtime-template/format_string.h"

using namespace bt2bin::rt;

namespace {

ParsedFormat parse_ok(const std::string &f) {
  ParsedFormat p;
  std::string err;
  REQUIRE_MESSAGE(parse_format(f, p, err), err);
  return p;
}

std::string parse_err(const std::string &f) {
  ParsedFormat p;
  std::string err;
  CHECK_FALSE(parse_format(f, p, err));
  return err;
}

}  // namespace

TEST_CASE("format_string: plain text is one literal segment") {
  ParsedFormat p = parse_ok("hello world\n");
  REQUIRE(p.segments.size() == 1);
  CHECK_FALSE(p.segments[0].is_spec);
  CHECK(p.segments[0].literal == "hello world\n");
  CHECK(p.num_args() == 0);
  CHECK(parse_ok("").segments.empty());
}

TEST_CASE("format_string: %% is a literal percent sign") {
  ParsedFormat p = parse_ok("100%% done %d%%");
  REQUIRE(p.segments.size() == 3);
  CHECK(p.segments[0].literal == "100% done ");
  CHECK(p.segments[1].is_spec);
  CHECK(p.segments[2].literal == "%");
  CHECK(p.num_args() == 1);
}

TEST_CASE("format_string: conversions split literals in order") {
  ParsedFormat p = parse_ok("%dst: %s; %x|%X|%o|%u|%i|%c|%p");
  auto specs = p.specs();
  REQUIRE(specs.size() == 9);
  const FormatConv want[] = {FormatConv::d, FormatConv::s, FormatConv::x,
                             FormatConv::X, FormatConv::o, FormatConv::u,
                             FormatConv::i, FormatConv::c, FormatConv::p};
  for (size_t i = 0; i < 9; i++) CHECK(specs[i]->conv == want[i]);
  CHECK(p.segments[0].is_spec);
  CHECK(p.segments[1].literal == "st: ");
  CHECK(specs[0]->text == "%d");
}

TEST_CASE("format_string: flags, width and precision") {
  ParsedFormat pf = parse_ok("%-8.3s|%+d|% d|%#x|%05d|%0-+ #12.7llx|%.s|%10s");
  auto specs = pf.specs();
  REQUIRE(specs.size() == 8);
  CHECK(specs[0]->left);
  CHECK(specs[0]->width == 8);
  CHECK(specs[0]->precision == 3);
  CHECK(specs[0]->text == "%-8.3s");
  CHECK(specs[1]->plus);
  CHECK(specs[2]->space);
  CHECK(specs[3]->alt);
  CHECK(specs[4]->zero);
  CHECK(specs[4]->width == 5);
  CHECK(specs[5]->zero);
  CHECK(specs[5]->left);
  CHECK(specs[5]->plus);
  CHECK(specs[5]->space);
  CHECK(specs[5]->alt);
  CHECK(specs[5]->width == 12);
  CHECK(specs[5]->precision == 7);
  CHECK(specs[5]->length == "ll");
  CHECK(specs[6]->precision == 0);
  CHECK(specs[7]->width == 10);
  CHECK(specs[7]->precision == -1);
  CHECK_FALSE(specs[7]->left);
}

TEST_CASE("format_string: length modifiers are accepted") {
  ParsedFormat pf = parse_ok("%hhx %hx %x %lx %llu %jd %zu %td %Lx");
  auto specs = pf.specs();
  REQUIRE(specs.size() == 9);
  const char *want[] = {"hh", "h", "", "l", "ll", "j", "z", "t", "L"};
  for (size_t i = 0; i < 9; i++) CHECK(specs[i]->length == want[i]);
  CHECK(specs[4]->conv == FormatConv::u);
}

TEST_CASE("format_string: bpftrace %r, %rx, %rh") {
  ParsedFormat pf = parse_ok("%r-%rx-%rh-%r");
  auto specs = pf.specs();
  REQUIRE(specs.size() == 4);
  CHECK(specs[0]->conv == FormatConv::r);
  CHECK(specs[1]->conv == FormatConv::rx);
  CHECK(specs[2]->conv == FormatConv::rh);
  CHECK(specs[3]->conv == FormatConv::r);
  ParsedFormat p = parse_ok("%rxy");
  REQUIRE(p.segments.size() == 2);
  CHECK(p.segments[1].literal == "y");
  CHECK(std::string(format_conv_name(FormatConv::rh)) == "rh");
}

TEST_CASE("format_string: floating point and %n are rejected") {
  CHECK(parse_err("%f") == "unsupported format specifier: f");
  CHECK(parse_err("x %5.2e y") == "unsupported format specifier: e");
  CHECK(parse_err("%g") == "unsupported format specifier: g");
  CHECK(parse_err("%A") == "unsupported format specifier: A");
  CHECK(parse_err("%n") == "unsupported format specifier: n");
  CHECK(parse_err("%d %lf") == "unsupported format specifier: f");
}

TEST_CASE("format_string: dynamic width is rejected") {
  CHECK(parse_err("%*d").find("unsupported format specifier") == 0);
  CHECK(parse_err("%.*s").find("'*'") != std::string::npos);
}

TEST_CASE("format_string: unknown conversions stay literal text") {
  // bpftrace 0.17: printf("a%kb %d\n", 1) prints "a%kb 1".
  ParsedFormat p = parse_ok("a%kb %d\n");
  REQUIRE(p.num_args() == 1);
  CHECK(p.segments[0].literal == "a%kb ");
  ParsedFormat t = parse_ok("100%");
  REQUIRE(t.segments.size() == 1);
  CHECK(t.segments[0].literal == "100%");
  CHECK(parse_ok("%5k %-y").segments[0].literal == "%5k %-y");
}

TEST_CASE("format_string: argument count messages") {
  ParsedFormat p = parse_ok("%d %s");
  std::string err;
  CHECK(check_format_arg_count(p, 2, err));
  CHECK_FALSE(check_format_arg_count(p, 1, err));
  CHECK(err == "not enough arguments for format string (1 supplied, 2 expected)");
  CHECK_FALSE(check_format_arg_count(p, 3, err));
  CHECK(err == "too many arguments for format string (3 supplied, 2 expected)");
  CHECK(check_format_arg_count(parse_ok("100%%"), 0, err));
}

TEST_CASE("format_string: argument kinds per conversion") {
  ParsedFormat pf = parse_ok("%d %s %r %rx %p %c");
  auto specs = pf.specs();
  std::string err;
  CHECK(check_format_arg(*specs[0], FormatArgClass::Integer, "int64", err));
  CHECK_FALSE(check_format_arg(*specs[0], FormatArgClass::String, "string", err));
  CHECK(err == "unsupported format specifier for type 'string': d");
  for (auto c : {FormatArgClass::Integer, FormatArgClass::Buffer, FormatArgClass::String,
                 FormatArgClass::Other})
    CHECK(format_arg_allowed(*specs[1], c));
  CHECK(format_arg_allowed(*specs[2], FormatArgClass::Buffer));
  CHECK(format_arg_allowed(*specs[3], FormatArgClass::String));
  CHECK_FALSE(check_format_arg(*specs[2], FormatArgClass::Integer, "int64", err));
  CHECK(err == "unsupported format specifier for type 'int64': r");
  CHECK_FALSE(format_arg_allowed(*specs[4], FormatArgClass::Other));
  CHECK(format_arg_allowed(*specs[5], FormatArgClass::Integer));
}

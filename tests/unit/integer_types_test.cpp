// Unit tests of bpftrace v0.26 integer typing: literal types, promotion,
// and how the semantic analyser types variables, maps, tuples and
// operators with them (frontend/types.cpp, passes/analyse_stored_types.cpp,
// passes/analyse_operators.cpp).
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "frontend/parser.h"
#include "frontend/passes/semantic_analyser.h"
#include "frontend/types.h"

using namespace bt2bin;

namespace {

Type flex(uint32_t bytes) {
  Type t = make_int(bytes, true);
  t.is_literal = true;
  return t;
}

std::string promoted(const Type &a, const Type &b) {
  auto p = promoted_type(a, b);
  return p ? p->to_string() : "none";
}

struct Checked {
  std::unique_ptr<Program> program;
  std::unique_ptr<CheckedProgram> checked;
  std::string diagnostics;
};

Checked check(const std::string &text) {
  SourceFile src("t.bt", text);
  Diagnostics diags(src);
  Checked c;
  c.program = parse_program(src, diags);
  if (c.program) c.checked = analyse(*c.program, diags, SemanticOptions{});
  std::ostringstream out;
  diags.print(out);
  c.diagnostics = out.str();
  return c;
}

// The type of variable `name` in the first probe of a valid program.
std::string var_type(const std::string &text, const std::string &name) {
  Checked c = check(text);
  INFO("program: ", text, "\ndiagnostics:\n", c.diagnostics);
  REQUIRE(c.checked);
  for (const auto &v : c.checked->probes.at(0).vars)
    if (v.name == name) return v.type.to_string();
  return "no variable " + name;
}

std::string map_value(const std::string &text, const std::string &name) {
  Checked c = check(text);
  INFO("program: ", text, "\ndiagnostics:\n", c.diagnostics);
  REQUIRE(c.checked);
  for (const auto &m : c.checked->maps)
    if (m.name == name) return m.value.to_string();
  return "no map " + name;
}

}  // namespace

TEST_CASE("integer types: a literal has the smallest signed type that holds it") {
  CHECK(literal_int_type(0).to_string() == "int8");
  CHECK(literal_int_type(127).to_string() == "int8");
  CHECK(literal_int_type(128).to_string() == "int16");
  CHECK(literal_int_type(32767).to_string() == "int16");
  CHECK(literal_int_type(32768).to_string() == "int32");
  CHECK(literal_int_type(0x7fffffff).to_string() == "int32");
  CHECK(literal_int_type(0x80000000ULL).to_string() == "int64");
  CHECK(literal_int_type(0x7fffffffffffffffULL).to_string() == "int64");
  CHECK(literal_int_type(0x8000000000000000ULL).to_string() == "uint64");
  CHECK(literal_int_type(1).is_literal);
  CHECK_FALSE(literal_int_type(0x8000000000000000ULL).is_literal);
  CHECK(negative_literal_type(128).to_string() == "int8");
  CHECK(negative_literal_type(129).to_string() == "int16");
  CHECK(negative_literal_type(0x80000000ULL).to_string() == "int32");
  CHECK(negative_literal_type(0x80000001ULL).to_string() == "int64");
}

TEST_CASE("integer types: promotion") {
  CHECK(promoted(make_int(1, true), make_int(4, true)) == "int32");
  CHECK(promoted(make_int(2, false), make_int(8, false)) == "uint64");
  // A literal takes the other side's sign.
  CHECK(promoted(flex(1), make_int(4, false)) == "uint32");
  CHECK(promoted(make_int(8, false), flex(2)) == "uint64");
  CHECK(promoted(flex(1), flex(2)) == "int16");
  CHECK(promoted_type(flex(1), flex(2))->is_literal);
  CHECK_FALSE(promoted_type(flex(1), make_int(1, true))->is_literal);
  // Signs differ: a signed type that holds both, if there is one.
  CHECK(promoted(make_int(1, false), make_int(1, true)) == "int16");
  CHECK(promoted(make_int(4, false), make_int(2, true)) == "int64");
  CHECK(promoted(make_int(2, true), make_int(1, false)) == "int16");
  CHECK(promoted(make_int(8, false), make_int(1, true)) == "none");
  // Tuples field by field; strings to the longer one.
  CHECK(promoted(make_tuple({flex(1), make_string(2)}), make_tuple({flex(2), make_string(5)})) ==
        "(int16,string[5])");
  CHECK(promoted(make_tuple({flex(1), make_string(2)}), make_tuple({make_string(2), flex(1)})) == "none");
  CHECK(promoted(make_string(3), make_int(8, true)) == "none");
}

TEST_CASE("integer types: what fits into a declared type") {
  CHECK(int_fits_into(make_int(1, true), make_int(4, true)));
  CHECK_FALSE(int_fits_into(make_int(8, true), make_int(4, true)));
  CHECK(int_fits_into(make_int(2, false), make_int(4, true)));
  CHECK_FALSE(int_fits_into(make_int(4, false), make_int(4, true)));
  CHECK_FALSE(int_fits_into(make_int(1, true), make_int(8, false)));
  CHECK(int_fits_into(flex(2), make_int(1, false), 255));
  CHECK_FALSE(int_fits_into(flex(2), make_int(1, false), 256));
  CHECK_FALSE(int_fits_into(flex(2), make_int(1, true), 128));
}

TEST_CASE("semantic analyser: variables and maps take literal types and widen") {
  CHECK(var_type("BEGIN { $x = 1; }", "$x") == "int8");
  CHECK(var_type("BEGIN { $x = 1; $x = 1000; }", "$x") == "int16");
  CHECK(var_type("BEGIN { $x = 1; $x = (uint32)7; }", "$x") == "uint32");
  CHECK(var_type("BEGIN { $x = -1; $x = (uint32)7; }", "$x") == "int64");
  CHECK(var_type("BEGIN { $x = 0; $x++; }", "$x") == "int64");
  CHECK(var_type("BEGIN { $x = (uint8)0; $x++; }", "$x") == "uint64");
  // The variable keeps its sign (an unsigned counter may count down).
  CHECK(var_type("BEGIN { $x = (uint8)0; $x--; }", "$x") == "uint64");
  CHECK(var_type("BEGIN { $x = (uint64)5; --$x; }", "$x") == "uint64");
  CHECK(var_type("BEGIN { $t = (1, \"a\"); $t = (300, \"abc\"); }", "$t") == "(int16,string[4])");
  CHECK(var_type("BEGIN { $s = sizeof(1); }", "$s") == "int8");
  CHECK(var_type("BEGIN { $x = 1; $s = sizeof($x); }", "$s") == "int8");
  CHECK(map_value("BEGIN { @x = 1; }", "@x") == "int8");
  CHECK(map_value("BEGIN { @x = 1; } END { @x = 70000; }", "@x") == "int32");
  CHECK(map_value("BEGIN { @x++; }", "@x") == "int64");
  CHECK(map_value("BEGIN { @x += 1; }", "@x") == "int64");
}

TEST_CASE("semantic analyser: operator result types") {
  CHECK(var_type("BEGIN { $x = 1 + 2; }", "$x") == "int8");      // folded literal
  CHECK(var_type("BEGIN { $x = 100 + 100; }", "$x") == "int16");  // folded, wider
  CHECK(var_type("BEGIN { $x = 1 - 2; }", "$x") == "int8");
  CHECK(var_type("BEGIN { $a = (uint8)1; $x = $a + 1; }", "$x") == "uint64");
  CHECK(var_type("BEGIN { $a = (uint8)1; $x = $a - 1; }", "$x") == "int64");
  CHECK(var_type("BEGIN { $a = (uint32)1; $x = $a * (int8)2; }", "$x") == "int64");
  CHECK(var_type("BEGIN { $x = -(uint32)1; }", "$x") == "int64");
  CHECK(var_type("BEGIN { $x = ~(uint32)1; }", "$x") == "uint64");
  CHECK(var_type("BEGIN { $x = true ? 1 : 1000; }", "$x") == "int16");
  CHECK(var_type("BEGIN { for ($i : 0..200) { $x = $i; } }", "$i") == "int16");
}

TEST_CASE("semantic analyser: signed/unsigned warnings and type mismatches") {
  Checked c = check("BEGIN { $a = (uint64)1; if ($a > (int32)-1) { exit(); } $b = $a + (int8)-2; }");
  CHECK(c.diagnostics.find("warning: comparison of integers of different signs: 'uint64' and 'int32' can "
                           "lead to undefined behavior") != std::string::npos);
  CHECK(c.diagnostics.find("warning: arithmetic on integers of different signs: 'uint64' and 'int8' can "
                           "lead to undefined behavior") != std::string::npos);
  // A literal takes the other side's sign: no warning.
  CHECK(check("BEGIN { $a = (uint64)1; if ($a > 5) { exit(); } }").diagnostics.empty());
  CHECK(check("BEGIN { @x = (uint64)1; @x = -1; }").diagnostics.find(
            "Type mismatch for @x: trying to assign value of type 'int8' when map already has a type 'uint64'") !=
        std::string::npos);
  CHECK(check("BEGIN { let $x: uint8 = 256; }").diagnostics.find(
            "Type mismatch for $x: trying to assign value of type 'int16' when variable already has a type "
            "'uint8'") != std::string::npos);
  CHECK(check("BEGIN { let $x: uint8 = 255; let $y: int16 = -3; }").diagnostics.empty());
}

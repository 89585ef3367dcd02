// C macros as bpftrace's clang parser sees them (frontend/c_macros.h): the
// integer constant expressions of macro bodies, and macros read from the
// script's #include/#define lines with clang's preprocessor.
#include "frontend/c_macros.h"

#include <doctest/doctest.h>

using bt2bin::CMacros;
using bt2bin::evaluate_c_integer;

TEST_CASE("c macros: integer constant expressions") {
  CHECK(evaluate_c_integer("2") == 2);
  CHECK(evaluate_c_integer("0x10UL") == 16);
  CHECK(evaluate_c_integer("010") == 8);
  CHECK(evaluate_c_integer("(1 << 4) | 0x2") == 18);
  CHECK(evaluate_c_integer("1 << 2 + 1") == 8);  // + binds tighter than <<
  CHECK(evaluate_c_integer("-1") == -1);
  CHECK(evaluate_c_integer("~0U") == -1);
  CHECK(evaluate_c_integer("(int)5 * 3 - 1") == 14);
  CHECK(evaluate_c_integer("1 < 2 && 3 > 2") == 1);
  CHECK(evaluate_c_integer("4 <= 4 || 0") == 1);
  CHECK(evaluate_c_integer("7 % 4 ^ 1") == 2);
  CHECK(evaluate_c_integer("'A'") == 65);
  CHECK_FALSE(evaluate_c_integer("1.5"));
  CHECK_FALSE(evaluate_c_integer("1 / 0"));
  CHECK_FALSE(evaluate_c_integer("sizeof(int)"));
  CHECK_FALSE(evaluate_c_integer("(struct foo *)0"));
  CHECK_FALSE(evaluate_c_integer("X + 1"));
}

TEST_CASE("c macros: from headers and defines, through other macros") {
  CMacros m({"#include <sys/socket.h>", "#include <bt2bin/no/such/header.h>",
             "#define MASK ((1 << AF_INET) | 0x100)", "#define NAME \"a\" \"b\"", "#define CALL(x) (x)",
             "#ifdef BPFTRACE_HAVE_BTF", "#define HAVE_BTF 1", "#endif"});
  REQUIRE(m.value("AF_INET6"));
  CHECK(m.value("AF_INET6")->number == 10);
  CHECK(m.value("MASK")->number == 0x104);
  REQUIRE(m.value("NAME"));
  CHECK(m.value("NAME")->is_string);
  CHECK(m.value("NAME")->text == "ab");
  CHECK(m.value("HAVE_BTF")->number == 1);
  CHECK_FALSE(m.value("CALL"));           // function-like
  CHECK_FALSE(m.value("NO_SUCH_MACRO"));
  CHECK(m.problem() == "the macros of headers this host does not have are unknown: <bt2bin/no/such/header.h>");
}

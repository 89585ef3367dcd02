// Unit tests for the parser (frontend/parser.cpp, grammar/Bpftrace.g4) and the
// AST dump (frontend/ast_printer.cpp): every construct of the language as an
// AST dump, and the syntax errors as the exact diagnostic text (message,
// source line and underline) the user sees.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "frontend/ast_printer.h"
#include "frontend/parser.h"

using namespace bt2bin;

namespace {

struct Parsed {
  std::unique_ptr<Program> program;
  std::string ast;
  std::string errors;
};

Parsed parse(const std::string &text) {
  SourceFile src("t.bt", text);
  Diagnostics diags(src);
  Parsed p;
  p.program = parse_program(src, diags);
  std::ostringstream errors;
  diags.print(errors);
  p.errors = errors.str();
  if (p.program) {
    std::ostringstream ast;
    print_ast(*p.program, ast);
    p.ast = ast.str();
  }
  return p;
}

// Parses a valid program and returns its AST dump.
std::string ast(const std::string &text) {
  Parsed p = parse(text);
  INFO("program:\n", text, "\nerrors:\n", p.errors);
  REQUIRE(p.program);
  REQUIRE(p.errors.empty());
  return p.ast;
}

// Parses an invalid program and returns the printed diagnostics.
std::string errors(const std::string &text) {
  Parsed p = parse(text);
  INFO("program:\n", text);
  CHECK_FALSE(p.program);
  return p.errors;
}

// The AST of the statements of `BEGIN { <body> }`, without the probe line.
std::string body_ast(const std::string &body) {
  std::string dump = ast("BEGIN { " + body + " }");
  REQUIRE(dump.rfind("probe BEGIN\n", 0) == 0);
  return dump.substr(std::string("probe BEGIN\n").size());
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------------------
// Program structure

TEST_CASE("parser: probe with predicate and body") {
  CHECK(ast("tracepoint:syscalls:sys_enter_openat /pid == 123/ { @start[tid] = nsecs; }") ==
        "probe tracepoint:syscalls:sys_enter_openat\n"
        "  predicate\n"
        "    binop ==\n"
        "      builtin pid\n"
        "      int 123\n"
        "  assign =\n"
        "    map @start\n"
        "      builtin tid\n"
        "    builtin nsecs\n");
}

TEST_CASE("parser: shebang, comments and empty program parts") {
  CHECK(ast("#!/usr/bin/env bpftrace\n"
            "// line comment\n"
            "/* block\n   comment */\n"
            "BEGIN { /* inside */ exit(); // trailing\n}\n") ==
        "probe BEGIN\n"
        "  expr_stmt\n"
        "    call exit\n");
}

TEST_CASE("parser: the book's vfs_read program") {
  std::string dump = ast(
      "#!/usr/local/bin/bpftrace\n"
      "// this program times vfs_read()\n"
      "kprobe:vfs_read\n"
      "{\n"
      "@start[tid] = nsecs;\n"
      "}\n"
      "kretprobe:vfs_read\n"
      "/@start[tid]/\n"
      "{\n"
      "$duration_us = (nsecs - @start[tid]) / 1000;\n"
      "@us = hist($duration_us);\n"
      "delete(@start[tid]);\n"
      "}\n");
  CHECK(contains(dump, "probe kretprobe:vfs_read\n  predicate\n    map @start\n      builtin tid\n"));
  CHECK(contains(dump, "  assign =\n    variable $duration_us\n    binop /\n      binop -\n        builtin nsecs\n"));
  CHECK(contains(dump, "  expr_stmt\n    call delete\n      map @start\n        builtin tid\n"));
}

TEST_CASE("parser: C preprocessor lines and struct/union/enum definitions") {
  CHECK(ast("#include <linux/sched.h>\n"
            "#define MAX 10\n"
            "struct foo { int x; /* } */ char c[4]; } __attribute__((packed));\n"
            "union u { int a; long b; }\n"
            "enum e { A = 1, B };\n"
            "BEGIN { }\n") ==
        "c_definition \"#include <linux/sched.h>\"\n"
        "c_definition \"#define MAX 10\"\n"
        "c_definition \"struct foo { int x; /* } */ char c[4]; } __attribute__((packed));\"\n"
        "c_definition \"union u { int a; long b; };\"\n"
        "c_definition \"enum e { A = 1, B };\"\n"
        "probe BEGIN\n");
}

TEST_CASE("parser: config block, imports and map declarations") {
  CHECK(ast("config = { max_strlen = 64; stack_mode = perf; license = \"GPL\" }\n"
            "import \"lib.bt\";\n"
            "let @a = hash(100);\n"
            "let @b = lruhash(1_000)\n"
            "let @c = percpuhash(8);\n"
            "let @d = percpulruhash(16);\n"
            "BEGIN {}\n") ==
        "config\n"
        "  set max_strlen\n"
        "    int 64\n"
        "  set stack_mode\n"
        "    builtin perf\n"
        "  set license\n"
        "    string \"GPL\"\n"
        "import \"lib.bt\"\n"
        "map_decl @a hash 100\n"
        "map_decl @b lruhash 1000\n"
        "map_decl @c percpuhash 8\n"
        "map_decl @d percpulruhash 16\n"
        "probe BEGIN\n");
}

TEST_CASE("parser: macros with variable, map and expression parameters") {
  CHECK(ast("macro inc($x, @m, n) { $x += n; @m[1] = $x; $x }\n"
            "macro zero() { 0 }\n"
            "BEGIN { $a = 1; print(inc($a, @m, 2) + zero); }\n") ==
        "macro inc($x, @m, n)\n"
        "  assign +=\n"
        "    variable $x\n"
        "    builtin n\n"
        "  assign =\n"
        "    map @m\n"
        "      int 1\n"
        "    variable $x\n"
        "  value\n"
        "    variable $x\n"
        "macro zero()\n"
        "  value\n"
        "    int 0\n"
        "probe BEGIN\n"
        "  assign =\n"
        "    variable $a\n"
        "    int 1\n"
        "  expr_stmt\n"
        "    call print\n"
        "      binop +\n"
        "        call inc\n"
        "          variable $a\n"
        "          map @m\n"
        "          int 2\n"
        "        builtin zero\n");
}

TEST_CASE("parser: fn definitions with typed parameters") {
  CHECK(ast("fn add($a: int64, $b: struct foo *): uint64 { return $a + $b; }\n"
            "fn none(): void { return; }\n") ==
        "fn add($a: int64, $b: struct foo *): uint64\n"
        "  return\n"
        "    binop +\n"
        "      variable $a\n"
        "      variable $b\n"
        "fn none(): void\n"
        "  return\n");
}

TEST_CASE("parser: every provider spelling is one attach point token") {
  const char *aps[] = {
      "BEGIN", "END", "begin", "end", "kprobe:vfs_read", "k:vfs_read", "kprobe:vfs_*", "kprobe:f+16",
      "kprobe:mod:fn", "kretprobe:vfs_read", "kr:f", "uprobe:/bin/bash:readline",
      "uprobe:/usr/lib/libc.so.6:malloc", "u:/bin/x:0x1234", "uprobe:/bin/x:\"ns::f(int)\"",
      "uprobe:/bin/x:cpp:\"ns::f\"", "uretprobe:/bin/bash:readline", "ur:/bin/sh:main",
      "usdt:/p/libjvm.so:hotspot:method__entry", "U:/bin/x:probe", "usdt:/usr/bin/*:gc__start",
      "tracepoint:syscalls:sys_enter_openat", "t:syscalls:sys_*_execve", "rawtracepoint:sched_switch",
      "rt:mod:ev", "profile:hz:99", "p:s:1", "profile:1s", "interval:s:1", "i:s:1", "interval:1s",
      "software:faults:1", "s:page-faults:", "hardware:cache-misses:1000", "h:cycles",
      "watchpoint:0x10000000:8:rw", "w:0x1000:4:w", "fentry:vfs_read", "f:vfs_read", "kfunc:vfs_read",
      "fexit:vfs_read", "fr:vfs_read", "kretfunc:vfs_read", "fentry:bpf:123:prog", "iter:task",
      "it:task_file", "iter:task_vma:/sys/fs/bpf/pin", "self:signal:SIGUSR1", "test:my_test",
      "bench:my_bench", "*ware:*", "uprobe:$1:func", "kprobe:$2", "uprobe:/bin/bash@file.c:10",
  };
  for (const char *ap : aps) {
    INFO("attach point: ", ap);
    CHECK(ast(std::string(ap) + " { }\n") == "probe " + std::string(ap) + "\n");
  }
}

TEST_CASE("parser: multiple attach points, trailing comma and newlines") {
  CHECK(ast("kprobe:vfs_read,\n  kprobe:vfs_write , kretprobe:vfs_read,\n{ }") ==
        "probe kprobe:vfs_read, kprobe:vfs_write, kretprobe:vfs_read\n");
}

TEST_CASE("parser: attach point locations and probe name label") {
  Parsed p = parse("name=kprobe:vfs_read,\n   uprobe:/bin/bash:readline /1/ {}");
  REQUIRE(p.program);
  const Probe &probe = p.program->probes.at(0);
  CHECK(probe.label == "name");
  REQUIRE(probe.attach_points.size() == 2);
  CHECK(probe.attach_points[0].raw == "kprobe:vfs_read");
  CHECK(probe.attach_points[0].loc.line == 1);
  CHECK(probe.attach_points[0].loc.col == 6);
  CHECK(probe.attach_points[0].loc.end_col == 21);
  CHECK(probe.attach_points[1].raw == "uprobe:/bin/bash:readline");
  CHECK(probe.attach_points[1].loc.line == 2);
  CHECK(probe.attach_points[1].loc.col == 4);
  CHECK(probe.attach_points[1].provider.empty());  // split later by attach_point.cpp
  CHECK(p.ast == "probe name=kprobe:vfs_read, uprobe:/bin/bash:readline\n  predicate\n    int 1\n");
  CHECK(ast("start = BEGIN { }") == "probe start=BEGIN\n");
  CHECK(ast("\xEF\xBB\xBFtrace = kprobe:f { }") == "probe trace=kprobe:f\n");
  CHECK(contains(errors("a=kprobe:f, b=kprobe:g { }"), "t.bt:1:13: error: a probe can have only one name\n"));
}

TEST_CASE("parser: predicates may divide and contain comments") {
  CHECK(ast("kprobe:f / $1 / 2 > 0 /* x */ / { }") ==
        "probe kprobe:f\n"
        "  predicate\n"
        "    binop >\n"
        "      binop /\n"
        "        positional $1\n"
        "        int 2\n"
        "      int 0\n");
}

TEST_CASE("parser: inside a block attach-point characters are operators") {
  CHECK(body_ast("$a = $b ? 1:2; $c = $x/2/3;") ==
        "  assign =\n"
        "    variable $a\n"
        "    ternary\n"
        "      variable $b\n"
        "      int 1\n"
        "      int 2\n"
        "  assign =\n"
        "    variable $c\n"
        "    binop /\n"
        "      binop /\n"
        "        variable $x\n"
        "        int 2\n"
        "      int 3\n");
}

// ---------------------------------------------------------------------------
// Statements

TEST_CASE("parser: assignment and every compound assignment") {
  const char *ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="};
  for (const char *op : ops) {
    INFO("operator ", op);
    CHECK(body_ast(std::string("@x ") + op + " 2;") ==
          std::string("  assign ") + op + "\n    map @x\n    int 2\n");
  }
  CHECK(body_ast("$v = 1; @[comm, pid] = 2; @ = 3;") ==
        "  assign =\n    variable $v\n    int 1\n"
        "  assign =\n    map @\n      builtin comm\n      builtin pid\n    int 2\n"
        "  assign =\n    map @\n    int 3\n");
}

TEST_CASE("parser: increment and decrement") {
  CHECK(body_ast("@x++; $y--; ++@z; --$w;") ==
        "  expr_stmt\n    incdec post ++\n      map @x\n"
        "  expr_stmt\n    incdec post --\n      variable $y\n"
        "  expr_stmt\n    incdec pre ++\n      map @z\n"
        "  expr_stmt\n    incdec pre --\n      variable $w\n");
}

TEST_CASE("parser: let declarations") {
  CHECK(body_ast("let $a; let $b = 1; let $c: int32; let $d: string[16] = \"x\"; let $e: typeof($b);") ==
        "  let $a\n"
        "  let $b\n    int 1\n"
        "  let $c: int32\n"
        "  let $d: string[16]\n    string \"x\"\n"
        "  let $e: typeof(...)\n    typeof\n      variable $b\n");
}

TEST_CASE("parser: if, else if, else with and without parentheses") {
  CHECK(body_ast("if ($x > 1) { @a = 1 } else if !$y { @b = 1; } else { @c = 1 }") ==
        "  if\n"
        "    binop >\n      variable $x\n      int 1\n"
        "    then\n"
        "      assign =\n        map @a\n        int 1\n"
        "    else\n"
        "      if\n"
        "        unop !\n          variable $y\n"
        "        then\n"
        "          assign =\n            map @b\n            int 1\n"
        "        else\n"
        "          assign =\n            map @c\n            int 1\n");
}

TEST_CASE("parser: loops, break, continue and return") {
  CHECK(body_ast("unroll(3) { @u++ } while ($i < 4) { $i++; if ($i == 2) { continue; } break; } return;") ==
        "  unroll\n    int 3\n    body\n      expr_stmt\n        incdec post ++\n          map @u\n"
        "  while\n    binop <\n      variable $i\n      int 4\n    body\n"
        "      expr_stmt\n        incdec post ++\n          variable $i\n"
        "      if\n        binop ==\n          variable $i\n          int 2\n        then\n          continue\n"
        "      break\n"
        "  return\n");
  CHECK(body_ast("return 1") == "  return\n    int 1\n");
}

TEST_CASE("parser: for over a map and over a range") {
  CHECK(body_ast("for ($kv : @m) { print($kv.0); } for ($i : 0..$1) { } for $j : 1..3 { }") ==
        "  for\n    variable $kv\n    map @m\n    body\n"
        "      expr_stmt\n        call print\n          tuple_index 0\n            variable $kv\n"
        "  for_range\n    variable $i\n    int 0\n    positional $1\n    body\n"
        "  for_range\n    variable $j\n    int 1\n    int 3\n    body\n");
}

TEST_CASE("parser: semicolons: optional last, extra ones, none after blocks") {
  CHECK(body_ast(";; @a = 1;; if (1) { @b = 2 } @c = 3 ;") ==
        "  assign =\n    map @a\n    int 1\n"
        "  if\n    int 1\n    then\n      assign =\n        map @b\n        int 2\n"
        "  assign =\n    map @c\n    int 3\n");
  CHECK(ast("BEGIN { { @x = 1 } @y = 2 }") ==
        "probe BEGIN\n  block\n    assign =\n      map @x\n      int 1\n  assign =\n    map @y\n    int 2\n");
  CHECK(ast("BEGIN {}\nEND{}") == "probe BEGIN\nprobe END\n");
  CHECK(errors("BEGIN { $x = { 1 } $y = 2; }") ==
        "t.bt:1:19: error: expected ';' after statement\n"
        "BEGIN { $x = { 1 } $y = 2; }\n"
        "                  ^\n");
}

TEST_CASE("parser: discard and statement-level import") {
  CHECK(body_ast("_ = delete(@m, 1); import \"x.bpf.c\";") ==
        "  discard\n    call delete\n      map @m\n      int 1\n"
        "  expr_stmt\n    call import\n      string \"x.bpf.c\"\n");
}

// ---------------------------------------------------------------------------
// Expressions

TEST_CASE("parser: binary operator precedence, low to high") {
  CHECK(body_ast("$x = 1 || 2 && 3 | 4 ^ 5 & 6 == 7 < 8 << 9 + 10 * 11;") ==
        "  assign =\n    variable $x\n"
        "    binop ||\n      int 1\n"
        "      binop &&\n        int 2\n"
        "        binop |\n          int 3\n"
        "          binop ^\n            int 4\n"
        "            binop &\n              int 5\n"
        "              binop ==\n                int 6\n"
        "                binop <\n                  int 7\n"
        "                  binop <<\n                    int 8\n"
        "                    binop +\n                      int 9\n"
        "                      binop *\n                        int 10\n                        int 11\n");
}

TEST_CASE("parser: binary operators are left associative") {
  CHECK(body_ast("$x = 10 - 2 - 3;") ==
        "  assign =\n    variable $x\n    binop -\n      binop -\n        int 10\n        int 2\n      int 3\n");
  CHECK(body_ast("$x = $a != $b >= $c;") ==
        "  assign =\n    variable $x\n    binop !=\n      variable $a\n      binop >=\n        variable $b\n        variable $c\n");
}

TEST_CASE("parser: ternary and short ternary") {
  CHECK(body_ast("$abs = $x >= 0 ? $x : - $x; $d = $p ?: 5; $n = $a ? $b ? 1 : 2 : 3;") ==
        "  assign =\n    variable $abs\n    ternary\n      binop >=\n        variable $x\n        int 0\n"
        "      variable $x\n      unop -\n        variable $x\n"
        "  assign =\n    variable $d\n    ternary ?:\n      variable $p\n      int 5\n"
        "  assign =\n    variable $n\n    ternary\n      variable $a\n"
        "      ternary\n        variable $b\n        int 1\n        int 2\n      int 3\n");
}

TEST_CASE("parser: unary operators") {
  CHECK(body_ast("$a = -1; $b = !$x; $c = ~$x; $d = *$p; $e = &$v; $f = &@m; $g = - -$x;") ==
        "  assign =\n    variable $a\n    unop -\n      int 1\n"
        "  assign =\n    variable $b\n    unop !\n      variable $x\n"
        "  assign =\n    variable $c\n    unop ~\n      variable $x\n"
        "  assign =\n    variable $d\n    unop *\n      variable $p\n"
        "  assign =\n    variable $e\n    unop &\n      variable $v\n"
        "  assign =\n    variable $f\n    unop &\n      map @m\n"
        "  assign =\n    variable $g\n    unop -\n      unop -\n        variable $x\n");
}

TEST_CASE("parser: casts to integer, pointer, array, string and typeof types") {
  CHECK(body_ast("$t = (struct task_struct *)curtask; $a = (uint8[4])$x; $p = (int32*)$x; "
                 "$s = (string[16])$y; $u = (union u **)0; $n = (uint64_t)$x; $o = (typeof($x))1;") ==
        "  assign =\n    variable $t\n    cast (struct task_struct *)\n      builtin curtask\n"
        "  assign =\n    variable $a\n    cast (uint8[4])\n      variable $x\n"
        "  assign =\n    variable $p\n    cast (int32 *)\n      variable $x\n"
        "  assign =\n    variable $s\n    cast (string[16])\n      variable $y\n"
        "  assign =\n    variable $u\n    cast (union u **)\n      int 0\n"
        "  assign =\n    variable $n\n    cast (uint64_t)\n      variable $x\n"
        "  assign =\n    variable $o\n    cast (typeof(...))\n      typeof\n        variable $x\n      int 1\n");
}

TEST_CASE("parser: a builtin in parentheses is not a cast") {
  CHECK(body_ast("$x = (pid) - 1; $y = (int8) -1;") ==
        "  assign =\n    variable $x\n    binop -\n      builtin pid\n      int 1\n"
        "  assign =\n    variable $y\n    cast (int8)\n      unop -\n        int 1\n");
}

TEST_CASE("parser: field access, arrow, tuple index and indexing") {
  CHECK(body_ast("$a = args.filename; $b = $t->real_parent->pid; $c = $kv.0.1; $d = $arr[2]; $e = @m[1][0];") ==
        "  assign =\n    variable $a\n    field .filename\n      builtin args\n"
        "  assign =\n    variable $b\n    field ->pid\n      field ->real_parent\n        variable $t\n"
        "  assign =\n    variable $c\n    tuple_index 1\n      tuple_index 0\n        variable $kv\n"
        "  assign =\n    variable $d\n    index\n      variable $arr\n      int 2\n"
        "  assign =\n    variable $e\n    index\n      map @m\n        int 1\n      int 0\n");
}

TEST_CASE("parser: calls with and without parentheses, builtins") {
  CHECK(body_ast("printf(\"%d %s\\n\", pid, comm); $a = kstack(perf, 3); $b = nsecs(); $c = arg0 + retval; "
                 "$d = probe; exit()") ==
        "  expr_stmt\n    call printf\n      string \"%d %s\\n\"\n      builtin pid\n      builtin comm\n"
        "  assign =\n    variable $a\n    call kstack\n      builtin perf\n      int 3\n"
        "  assign =\n    variable $b\n    call nsecs\n"
        "  assign =\n    variable $c\n    binop +\n      builtin arg0\n      builtin retval\n"
        "  assign =\n    variable $d\n    builtin probe\n"
        "  expr_stmt\n    call exit\n");
}

TEST_CASE("parser: positional parameters") {
  CHECK(body_ast("$a = $1 + $12; $n = $#; $s = str($2);") ==
        "  assign =\n    variable $a\n    binop +\n      positional $1\n      positional $12\n"
        "  assign =\n    variable $n\n    positional $#\n"
        "  assign =\n    variable $s\n    call str\n      positional $2\n");
}

TEST_CASE("parser: tuples and records") {
  CHECK(body_ast("$a = (1, \"two\", 3); $b = (1,); $c = (); $d = (name = 1, x = \"a\"); $e = (1);") ==
        "  assign =\n    variable $a\n    tuple\n      int 1\n      string \"two\"\n      int 3\n"
        "  assign =\n    variable $b\n    tuple\n      int 1\n"
        "  assign =\n    variable $c\n    tuple\n"
        "  assign =\n    variable $d\n    record (name, x)\n      int 1\n      string \"a\"\n"
        "  assign =\n    variable $e\n    int 1\n");
}

TEST_CASE("parser: block expressions and if expressions") {
  CHECK(body_ast("$a = { let $q = 3; $q * 2 }; $b = if ($x) { 1 } else if $y { 2 } else { 3 };") ==
        "  assign =\n    variable $a\n    block_expr\n      let $q\n        int 3\n"
        "      value\n        binop *\n          variable $q\n          int 2\n"
        "  assign =\n    variable $b\n    if_expr\n      variable $x\n      block_expr\n        value\n          int 1\n"
        "      if_expr\n        variable $y\n        block_expr\n          value\n            int 2\n"
        "        block_expr\n          value\n            int 3\n");
}

TEST_CASE("parser: sizeof, offsetof, typeof, typeinfo, comptime") {
  CHECK(body_ast("$a = sizeof(struct task_struct); $b = sizeof($x); $c = offsetof(struct task_struct, se.vruntime); "
                 "$d = offsetof(*curtask, comm); $e = typeinfo($x); $f = comptime 1 + 2; $g = sizeof(uint64);") ==
        "  assign =\n    variable $a\n    sizeof struct task_struct\n"
        "  assign =\n    variable $b\n    sizeof\n      variable $x\n"
        "  assign =\n    variable $c\n    offsetof struct task_struct se.vruntime\n"
        "  assign =\n    variable $d\n    offsetof comm\n      unop *\n        builtin curtask\n"
        "  assign =\n    variable $e\n    call typeinfo\n      typeof\n        variable $x\n"
        "  assign =\n    variable $f\n    binop +\n      unop comptime\n        int 1\n      int 2\n"
        "  assign =\n    variable $g\n    sizeof uint64\n");
}

TEST_CASE("parser: integer literal forms") {
  Parsed p = parse("BEGIN { print((0x1F, 0777, 1_000, 2e3, 10UL, 5ull, 18446744073709551615, 007)); }");
  REQUIRE(p.program);
  CHECK(contains(p.ast, "int 31 (0x1F)\n"));
  CHECK(contains(p.ast, "int 511 (0777)\n"));
  CHECK(contains(p.ast, "int 1000 (1_000)\n"));
  CHECK(contains(p.ast, "int 2000 (2e3)\n"));
  CHECK(contains(p.ast, "int 10 (10UL)\n"));
  CHECK(contains(p.ast, "int 5 (5ull)\n"));
  CHECK(contains(p.ast, "int 18446744073709551615\n"));
  CHECK(contains(p.ast, "int 7 (007)\n"));
  const Node &tuple = *p.program->probes[0].body[0]->lhs->args[0];
  CHECK(tuple.args[0]->ival == 31);
  CHECK(tuple.args[0]->text == "0x1F");
}

TEST_CASE("parser: duration literals are nanoseconds") {
  Parsed p = parse("BEGIN { print((1ns, 2us, 3ms, 4s, 1m, 1h, 1d)); }");
  REQUIRE(p.program);
  const Node &tuple = *p.program->probes[0].body[0]->lhs->args[0];
  REQUIRE(tuple.args.size() == 7);
  CHECK(tuple.args[0]->ival == 1);
  CHECK(tuple.args[1]->ival == 2000);
  CHECK(tuple.args[2]->ival == 3000000);
  CHECK(tuple.args[3]->ival == 4000000000ULL);
  CHECK(tuple.args[4]->ival == 60000000000ULL);
  CHECK(tuple.args[5]->ival == 3600000000000ULL);
  CHECK(tuple.args[6]->ival == 86400000000000ULL);
  CHECK(tuple.args[4]->text == "1m");
}

TEST_CASE("parser: string escapes are unescaped") {
  Parsed p = parse("BEGIN { printf(\"a\\tb\\n\\r\\\"q\\\" \\\\ \\101\\x42\\X43 \\0end\"); }");
  REQUIRE(p.program);
  const Node &s = *p.program->probes[0].body[0]->lhs->args[0];
  const char expected[] = "a\tb\n\r\"q\" \\ ABC \0end";
  CHECK(s.str == std::string(expected, sizeof expected - 1));
  CHECK(contains(p.ast, "string \"a\\tb\\n\\r\\\"q\\\" \\\\ ABC \\x00end\"\n"));
}

TEST_CASE("parser: booleans, UTF-8 strings and comments") {
  CHECK(body_ast("$t = true; $f = false; printf(\"привет %s\\n\", \"мир\"); // комментарий\n") ==
        "  assign =\n    variable $t\n    bool true\n"
        "  assign =\n    variable $f\n    bool false\n"
        "  expr_stmt\n    call printf\n      string \"привет %s\\n\"\n      string \"мир\"\n");
}

TEST_CASE("parser: node locations are 1-based with exclusive ends") {
  Parsed p = parse("BEGIN {\n  @x = $a + 10;\n}\n");
  REQUIRE(p.program);
  const Node &assign = *p.program->probes[0].body[0];
  CHECK(assign.loc.line == 2);
  CHECK(assign.loc.col == 3);
  CHECK(assign.loc.end_col == 15);
  const Node &sum = *assign.rhs;
  CHECK(sum.loc.col == 8);
  CHECK(sum.loc.end_col == 15);
  CHECK(sum.rhs->loc.col == 13);
  CHECK(sum.rhs->loc.end_col == 15);
  CHECK(p.program->probes[0].loc.col == 1);
  CHECK(p.program->probes[0].loc.end_col == 6);
}

TEST_CASE("parser: the seed chapter's scripts parse") {
  const char *scripts[] = {
      "software:major-faults:1 { @[comm] = count(); }",
      "profile:hz:49 /pid == 189/ { @[ustack] = count(); }",
      "t:block:block_rq_insert { @[kstack] = count(); }",
      "uprobe:/bin/bash:readline {\nprintf(\"PS1: %s\\n\", str(*uaddr(\"ps1_prompt\"))); }",
      "tracepoint:timer:hrtimer_start { @[ksym(args->function)] = count(); }",
      "k:do_nanosleep { printf(\"%s\", ustack(perf)); }",
      "t:syscalls:sys_enter_nanosleep { system(\"ps -p %d\\n\",\npid); }",
      "t:syscalls:sys_enter_read { @reads = count(); }\ninterval:s:5 { exit(); }",
      "tracepoint:syscalls:sys_enter_clone {\nprintf(\"-> clone() by %s PID %d\\n\", comm, pid); }\n"
      "tracepoint:syscalls:sys_exit_clone {\nprintf(\"<- clone() return %d, %s PID %d\\n\", args->ret, comm, pid); }",
      "t:syscalls:sys_*_execve { printf(\"%s %s PID %d\\n\", probe, comm,\npid); }",
      "BEGIN { $x = 42; printf(\"$x is %d\", $x); }",
      "BEGIN { $x = 1;\n$y = \"hello\";\n$z = (struct task_struct *)curtask; }",
      "kprobe:f { @path[pid, $fd] = str(arg0); @x = count(); @x++; @y = sum($x); @z = hist($x); print(@x); "
      "delete(@start[tid]); }",
      "kprobe:f { if ($inet_family == $AF_INET) {\n// IPv4\n} else {\n// IPv6\n} }",
      "software:page-faults:100 { } software:faults: { } hardware:cache-misses: { }",
      "profile:hz:99 { } profile:s:1 { } profile:ms:10 { } profile:us:100 { } interval:ms:100 { }",
      "usdt:/usr/local/cpython/python:function__entry { }",
      "BEGIN { printf(\"got: %llx %s\\n\", $x, str($x)); exit(); }",
  };
  for (const char *s : scripts) {
    INFO("script: ", s);
    Parsed p = parse(s);
    CHECK(p.errors == "");
    CHECK(p.program);
  }
}

TEST_CASE("parser: a 300-line script parses quickly") {
  std::string text = "#!/usr/bin/env bpftrace\n";
  for (int i = 0; i < 20; i++)
    text +=
        "tracepoint:syscalls:sys_enter_openat /pid != 0 && comm != \"bash\"/\n{\n"
        "  @start[tid] = nsecs;\n  $fname = str(args->filename);\n"
        "  if ($fname == \"/etc/passwd\") {\n    printf(\"%s opened %s\\n\", comm, $fname);\n"
        "    @opens[comm, pid] = count();\n  } else if (strlen($fname) > 10) {\n    @long++;\n"
        "  } else {\n    @other[$fname] = sum(1);\n  }\n  $x = (struct task_struct *)curtask;\n"
        "  @ppid[$x->real_parent->tgid] = hist((nsecs - @start[tid]) / 1000);\n}\n\n";
  Parsed p = parse(text);  // warm up
  REQUIRE(p.program);
  CHECK(p.program->probes.size() == 20);
}

// ---------------------------------------------------------------------------
// Syntax errors

TEST_CASE("parser error: missing semicolon between statements") {
  CHECK(errors("kprobe:vfs_read\n{\n  @start[tid] = nsecs\n  @count = count();\n}\n") ==
        "t.bt:3:22: error: expected ';' after statement\n"
        "  @start[tid] = nsecs\n"
        "                     ^\n");
}

TEST_CASE("parser error: unclosed block at end of file") {
  CHECK(errors("BEGIN\n{\n  printf(\"x\");\n") ==
        "t.bt:2:1: error: expected '}' to close the block started here\n"
        "{\n"
        "^\n");
}

TEST_CASE("parser error: end of file inside parentheses, brackets and predicates") {
  CHECK(errors("BEGIN { printf(\"x\"") ==
        "t.bt:1:15: error: expected ')' to close the '(' opened here\n"
        "BEGIN { printf(\"x\"\n"
        "              ^\n");
  CHECK(contains(errors("BEGIN { @x[1"), "t.bt:1:11: error: expected ']' to close the '[' opened here\n"));
  CHECK(contains(errors("kprobe:f /pid == 1"), "t.bt:1:10: error: expected '/' to close the predicate started here\n"));
  CHECK(contains(errors("BEGIN { $x = 1 +"), "t.bt:1:17: error: expected an expression\n"));
}

TEST_CASE("parser error: unclosed block before the next probe") {
  CHECK(errors("BEGIN {\n  printf(\"x\");\n\nkprobe:vfs_read { @r = count(); }\n") ==
        "t.bt:1:7: error: expected '}' to close the block started here\n"
        "BEGIN {\n"
        "      ^\n"
        "note: 'kprobe' at line 4 looks like the start of the next probe\n");
}

TEST_CASE("parser error: unterminated string literal") {
  CHECK(errors("BEGIN\n{\n  printf(\"hello\\n);\n  exit();\n}\n") ==
        "t.bt:3:10: error: unterminated string literal\n"
        "  printf(\"hello\\n);\n"
        "         ^~~~~~~~~~\n"
        "note: string literals cannot span lines; write a line break as \\n\n");
  CHECK(errors("BEGIN { printf('hello'); }") ==
        "t.bt:1:16: error: string literals use double quotes, not single quotes\n"
        "BEGIN { printf('hello'); }\n"
        "               ^~~~~~~\n");
}

TEST_CASE("parser error: invalid escape sequences") {
  CHECK(errors("BEGIN { printf(\"C:\\qemu \\xZZ \\777\"); }") ==
        "t.bt:1:19: error: invalid escape sequence '\\q'\n"
        "BEGIN { printf(\"C:\\qemu \\xZZ \\777\"); }\n"
        "                  ^~\n"
        "t.bt:1:25: error: invalid escape sequence '\\x'\n"
        "BEGIN { printf(\"C:\\qemu \\xZZ \\777\"); }\n"
        "                        ^~\n"
        "t.bt:1:30: error: octal escape sequence '\\777' is out of range\n"
        "BEGIN { printf(\"C:\\qemu \\xZZ \\777\"); }\n"
        "                             ^~~~\n");
}

TEST_CASE("parser error: expected an expression") {
  CHECK(errors("kprobe:f { $x = arg2 + ; }") ==
        "t.bt:1:24: error: expected an expression\n"
        "kprobe:f { $x = arg2 + ; }\n"
        "                       ^\n");
  CHECK(errors("BEGIN { f(1, ); }") ==
        "t.bt:1:14: error: expected an expression\n"
        "BEGIN { f(1, ); }\n"
        "             ^\n");
}

TEST_CASE("parser error: unexpected closing parenthesis") {
  CHECK(errors("kprobe:f { @bytes = sum(arg2)); }") ==
        "t.bt:1:30: error: unexpected ')'\n"
        "kprobe:f { @bytes = sum(arg2)); }\n"
        "                             ^\n");
}

TEST_CASE("parser error: missing closing parenthesis or bracket") {
  CHECK(errors("BEGIN { printf(\"%s\", str(args.f); }") ==
        "t.bt:1:33: error: expected ')'\n"
        "BEGIN { printf(\"%s\", str(args.f); }\n"
        "                                ^\n"
        "note: to match the '(' at line 1, column 15\n");
  CHECK(errors("BEGIN { @start[tid = nsecs; }") ==
        "t.bt:1:20: error: expected ']'\n"
        "BEGIN { @start[tid = nsecs; }\n"
        "                   ^\n"
        "note: to match the '[' at line 1, column 15\n");
}

TEST_CASE("parser error: missing comma in an argument list") {
  CHECK(errors("BEGIN { printf(\"%d\\n\" pid); }") ==
        "t.bt:1:23: error: expected ',' or ')'\n"
        "BEGIN { printf(\"%d\\n\" pid); }\n"
        "                      ^~~\n");
}

TEST_CASE("parser error: expected attach point") {
  CHECK(errors("{\n  printf(\"hello\\n\");\n}\n") ==
        "t.bt:1:1: error: expected attach point\n"
        "{\n"
        "^\n");
}

TEST_CASE("parser error: probe without a body") {
  CHECK(errors("BEGIN { }\nkprobe:vfs_read\n") ==
        "t.bt:2:16: error: expected '{' after attach point\n"
        "kprobe:vfs_read\n"
        "               ^\n");
  CHECK(errors("kprobe:f /pid/") ==
        "t.bt:1:15: error: expected '{' after predicate\n"
        "kprobe:f /pid/\n"
        "              ^\n");
}

TEST_CASE("parser error: attach points need commas between them") {
  CHECK(errors("kprobe:vfs_read kprobe:vfs_write { }") ==
        "t.bt:1:17: error: expected ',' between attach points\n"
        "kprobe:vfs_read kprobe:vfs_write { }\n"
        "                ^~~~~~~~~~~~~~~~\n");
}

TEST_CASE("parser error: predicate not closed") {
  CHECK(errors("kprobe:vfs_read\n/pid == 123\n{ }\n") ==
        "t.bt:2:12: error: expected '/' to close the predicate\n"
        "/pid == 123\n"
        "           ^\n");
  std::string e = errors("kprobe:f /pid = 1/ { }");
  CHECK(contains(e, "error: expected '/' to close the predicate\n"));
  CHECK(contains(e, "note: '=' assigns; use '==' to compare\n"));
}

TEST_CASE("parser error: stray closing brace at the top level") {
  CHECK(errors("BEGIN { @x = 1; } }") ==
        "t.bt:1:19: error: unexpected '}'\n"
        "BEGIN { @x = 1; } }\n"
        "                  ^\n");
}

TEST_CASE("parser error: if, while and unroll without a condition") {
  CHECK(errors("BEGIN { if { @x = 1; } }") ==
        "t.bt:1:12: error: expected a condition after 'if'\n"
        "BEGIN { if { @x = 1; } }\n"
        "           ^\n");
  CHECK(contains(errors("BEGIN { unroll { @x = 1; } }"), "error: expected a count after 'unroll'\n"));
  CHECK(contains(errors("BEGIN { while { @x = 1; } }"), "error: expected a condition after 'while'\n"));
  std::string e = errors("BEGIN { if $x > 0 { } }");
  CHECK(contains(e, "t.bt:1:15: error: expected '{'\n"));
  CHECK(contains(e, "note: without parentheses a condition is a single operand"));
}

TEST_CASE("parser error: else without a block") {
  CHECK(errors("BEGIN { if ($x) { } else }") ==
        "t.bt:1:26: error: expected '{' or 'if' after 'else'\n"
        "BEGIN { if ($x) { } else }\n"
        "                         ^\n");
  CHECK(errors("BEGIN { @x = 1; else { } }") ==
        "t.bt:1:17: error: unexpected 'else'\n"
        "BEGIN { @x = 1; else { } }\n"
        "                ^~~~\n");
}

TEST_CASE("parser error: invalid integer literals and positional parameters") {
  CHECK(errors("BEGIN { $x = 123abc + 1_000_ + 99999999999999999999 + $0; }") ==
        "t.bt:1:14: error: invalid integer literal '123abc'\n"
        "BEGIN { $x = 123abc + 1_000_ + 99999999999999999999 + $0; }\n"
        "             ^~~~~~\n"
        "t.bt:1:23: error: invalid integer literal '1_000_'\n"
        "BEGIN { $x = 123abc + 1_000_ + 99999999999999999999 + $0; }\n"
        "                      ^~~~~~\n"
        "t.bt:1:32: error: integer literal '99999999999999999999' is too large\n"
        "BEGIN { $x = 123abc + 1_000_ + 99999999999999999999 + $0; }\n"
        "                               ^~~~~~~~~~~~~~~~~~~~\n"
        "t.bt:1:55: error: positional parameter $0 is out of range (parameters start at $1)\n"
        "BEGIN { $x = 123abc + 1_000_ + 99999999999999999999 + $0; }\n"
        "                                                      ^~\n");
}

TEST_CASE("parser error: unexpected characters and unterminated comments") {
  CHECK(errors("BEGIN { $ = 1; }") ==
        "t.bt:1:9: error: unexpected character '$'\n"
        "BEGIN { $ = 1; }\n"
        "        ^\n");
  CHECK(errors("BEGIN { привет; }") ==
        "t.bt:1:9: error: unexpected characters 'привет'\n"
        "BEGIN { привет; }\n"
        "        ^~~~~~\n");
  CHECK(errors("BEGIN {\n  /* TODO\n  exit();\n}\n") ==
        "t.bt:2:3: error: unterminated comment\n"
        "  /* TODO\n"
        "  ^~\n");
}

TEST_CASE("parser error: invalid assignment targets") {
  CHECK(errors("BEGIN { pid = 1; }") ==
        "t.bt:1:9: error: invalid assignment target: expected a variable or a map\n"
        "BEGIN { pid = 1; }\n"
        "        ^~~\n");
  CHECK(errors("BEGIN { $t = (1, 2); $t.0 = 5; }") ==
        "t.bt:1:22: error: tuples and records are immutable once created; create a new one and assign it instead\n"
        "BEGIN { $t = (1, 2); $t.0 = 5; }\n"
        "                     ^~~~~~~~\n");
  CHECK(contains(errors("BEGIN { ($x + 1)++; }"), "error: the ++ operator must be applied to a variable or a map\n"));
}

TEST_CASE("parser error: top-level ordering and declarations") {
  CHECK(errors("BEGIN { }\n#include <linux/sched.h>\n") ==
        "t.bt:2:1: error: C definitions must appear before probes and functions\n"
        "#include <linux/sched.h>\n"
        "^~~~~~~~~~~~~~~~~~~~~~~~\n");
  CHECK(contains(errors("BEGIN { }\nconfig = { max_strlen = 1 }\n"),
                 "t.bt:2:1: error: config must appear before probes and functions\n"));
  CHECK(contains(errors("let @m = bighash(10);\n"), "error: unknown map type 'bighash'"));
  CHECK(contains(errors("let $x = 1; BEGIN {}"), "error: expected a map after 'let'"));
  CHECK(contains(errors("fn add($a: int64) { return $a; }"),
                 "t.bt:1:18: error: expected ':' and the return type after the parameters of 'add'\n"));
  CHECK(contains(errors("config = { max_strlen + 1 }\n"), "error: expected a config setting 'name = value'\n"));
  CHECK(contains(errors("struct foo { int x;\nBEGIN { }"),
                 "t.bt:1:1: error: incomplete C definition: expected 'struct name { ... };' with balanced braces\n"));
}

TEST_CASE("parser error: missing names") {
  CHECK(errors("BEGIN { $p = (struct *)arg0; }") ==
        "t.bt:1:22: error: expected a type name after 'struct'\n"
        "BEGIN { $p = (struct *)arg0; }\n"
        "                     ^\n");
  CHECK(contains(errors("BEGIN { let x = 1; }"), "t.bt:1:13: error: expected a variable after 'let'\n"));
  CHECK(contains(errors("BEGIN { $x = $t.; }"), "error: expected a field name after '.'\n"));
}

TEST_CASE("parser error: several errors are reported in one run") {
  std::string e = errors(
      "BEGIN\n{\n  $a = 1 +;\n}\n\n"
      "kprobe:vfs_read\n{\n  if (arg2 > 0 {\n    @big = count();\n  }\n}\n\n"
      "kprobe:vfs_write\n{\n  printf(\"%d\\n\" arg2);\n}\n");
  CHECK(contains(e, "t.bt:3:11: error: expected an expression\n"));
  CHECK(contains(e, "t.bt:8:16: error: expected ')'\n"));
  CHECK(contains(e, "t.bt:15:17: error: expected ',' or ')'\n"));
}

TEST_CASE("parser error: one error per broken statement, none of ANTLR's wording") {
  std::string e = errors("BEGIN { $z = if $x > 0 { 1 } else { 2 }; @a = 1 @b = 2; printf(\"x\" 1 2 3); }");
  CHECK(contains(e, "t.bt:1:20: error: expected '{'\n"));
  CHECK(contains(e, "t.bt:1:48: error: expected ';' after statement\n"));
  CHECK(contains(e, "error: expected ',' or ')'\n"));
  size_t count = 0;
  for (size_t pos = 0; (pos = e.find("error:", pos)) != std::string::npos; pos++) count++;
  CHECK(count == 3);
  const char *antlr_words[] = {"mismatched input", "extraneous input", "no viable alternative", "missing {",
                               "token recognition error", "<EOF>"};
  for (const char *bad : {"BEGIN { @x = ; } }", "kprobe:f /a b/ { }", "{ x", ") ( }", "BEGIN { f(,) @ }",
                          "let @x = hash(); macro m( {", "BEGIN { $x = (1, 2, ; }", "kprobe:f, , {}"}) {
    std::string out = errors(bad);
    INFO("program: ", bad, "\n", out);
    CHECK(contains(out, "error: "));
    for (const char *word : antlr_words) CHECK_FALSE(contains(out, word));
  }
}

TEST_CASE("parser: AttachPoint::name() is the raw text until the attach point is split") {
  AttachPoint ap;
  ap.raw = "t:syscalls:sys_enter_openat";
  CHECK(ap.name() == "t:syscalls:sys_enter_openat");
  ap.provider = "tracepoint";
  ap.target = "syscalls";
  ap.func = "sys_enter_openat";
  CHECK(ap.name() == "tracepoint:syscalls:sys_enter_openat");
  AttachPoint iv;
  iv.provider = "interval";
  iv.unit = "s";
  iv.freq = 1;
  CHECK(iv.name() == "interval:s:1");
  AttachPoint kp;
  kp.provider = "kprobe";
  kp.func = "f";
  kp.offset = 16;
  kp.has_offset = true;
  CHECK(kp.name() == "kprobe:f+16");
  AttachPoint begin;
  begin.provider = "begin";
  CHECK(begin.name() == "begin");
  CHECK(std::string(node_kind_name(NodeKind::ForRange)) == "ForRange");
}

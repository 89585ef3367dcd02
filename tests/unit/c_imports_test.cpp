// Unit tests for frontend/c_imports: compiling an imported .bpf.c file and
// reading the signatures of its global functions from BTF (needs clang-14,
// bpftool and the host's BTF, as the compiler itself does).
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

#include "frontend/c_imports.h"

using namespace bt2bin;

namespace {

struct TempC {
  std::string dir, path;
  explicit TempC(const std::string &text) {
    char tmpl[] = "/tmp/bt2bin-cimport-test-XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/lib.bpf.c";
    std::ofstream(path) << text;
  }
  ~TempC() {
    unlink(path.c_str());
    rmdir(dir.c_str());
  }
};

std::vector<CFunction> load(const std::string &text, Diagnostics &diags, bool &ok) {
  TempC c(text);
  std::vector<CFunction> out;
  ok = load_c_imports({{Location{1, 1, 1, 10, 0}, c.path}}, "/sys/kernel/btf/vmlinux", out, diags);
  return out;
}

}  // namespace

TEST_CASE("c imports: global functions are typed from BTF, static ones are private") {
  SourceFile src("s.bt", "import \"lib.bpf.c\";\n");
  Diagnostics diags(src);
  bool ok = false;
  auto fns = load("#include <vmlinux.h>\n"
                  "static int helper(int x) { return x; }\n"
                  "int add(int a, unsigned long b) { return helper(a) + b; }\n"
                  "void nothing(void) {}\n"
                  "long first(const char *s) { return s[0]; }\n"
                  "struct task_struct *task(void) { return 0; }\n",
                  diags, ok);
  REQUIRE(ok);
  REQUIRE(fns.size() == 4);
  CHECK(fns[0].name == "add");
  CHECK(fns[0].param_names == std::vector<std::string>{"a", "b"});
  CHECK(fns[0].params[0] == make_int(4, true));
  CHECK(fns[0].params[1] == make_int(8, false));
  CHECK(fns[0].ret == make_int(4, true));
  CHECK(fns[1].name == "nothing");
  CHECK(fns[1].ret.kind == TypeKind::Void);
  CHECK(fns[1].params.empty());
  CHECK(fns[2].params[0].kind == TypeKind::Pointer);
  CHECK(fns[3].ret.kind == TypeKind::Pointer);
  CHECK(fns[3].ret.elem->name == "struct task_struct");
  CHECK(fns[0].source.find("lib.bpf.c") != std::string::npos);
}

TEST_CASE("c imports: a file that does not compile is reported at the import with clang's message") {
  SourceFile src("s.bt", "import \"lib.bpf.c\";\n");
  Diagnostics diags(src);
  bool ok = true;
  auto fns = load("int broken(int x) { return x +; }\n", diags, ok);
  CHECK_FALSE(ok);
  CHECK(fns.empty());
  REQUIRE(diags.all().size() == 1);
  CHECK(diags.all()[0].message.find("failed to build") == 0);
  REQUIRE(diags.all()[0].hints.size() == 1);
  CHECK(diags.all()[0].hints[0].find("expected expression") != std::string::npos);
  CHECK(diags.all()[0].hints[0].find("generated.") == std::string::npos);
}

TEST_CASE("c imports: a struct passed by value can not be called from a script") {
  SourceFile src("s.bt", "import \"lib.bpf.c\";\n");
  Diagnostics diags(src);
  bool ok = true;
  auto fns = load("struct pair { int a, b; };\n"
                  "int sum(struct pair p) { return p.a + p.b; }\n"
                  "int one(void) { return 1; }\n",
                  diags, ok);
  CHECK_FALSE(ok);
  REQUIRE(fns.size() == 1);
  CHECK(fns[0].name == "one");
  REQUIRE(diags.all().size() == 1);
  CHECK(diags.all()[0].message.find("function 'sum'") != std::string::npos);
}

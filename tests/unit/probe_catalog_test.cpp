// Unit tests for the run-time probe catalog (runtime-template/probe_catalog):
// the glob matcher, tracepoints from this host's tracefs, kernel functions
// (available_filter_functions or the kallsyms fallback, also with fake
// files), BTF raw tracepoints / functions / iterators, `-l` listing lines,
// binary resolution, uprobe symbol matching and USDT notes of the fixture
// binary built from tests/fixtures/ (BT2BIN_USDT_FIXTURE).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime-template/probe_catalog.h"
#include "runtime-template/usyms.h"

using namespace bt2bin::rt;

namespace {

bool contains(const std::vector<std::string> &v, const std::string &s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string> &v) {
  std::string s;
  for (const auto &x : v) s += x + "\n";
  return s;
}

// A scratch directory removed at scope exit.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/bt2bin_catalog_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    // Small trees only: remove known files, then the dirs.
    for (const char *f : {"/kallsyms", "/tracing/available_filter_functions"})
      ::unlink((path + f).c_str());
    ::rmdir((path + "/tracing/events").c_str());
    ::rmdir((path + "/tracing").c_str());
    ::rmdir(path.c_str());
  }
  void write(const std::string &rel, const std::string &text) const {
    FILE *f = std::fopen((path + rel).c_str(), "w");
    REQUIRE(f);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
};

// Restores the default catalog paths after a test that overrides them.
struct PathsGuard {
  ~PathsGuard() { set_catalog_paths(CatalogPaths{}); }
};

bool have_tracefs() { return !tracefs_dir().empty(); }

const std::string kFixture = BT2BIN_USDT_FIXTURE;

}  // namespace

// ---- glob -----------------------------------------------------------------------------

TEST_CASE("probe_catalog: glob matching") {
  CHECK(glob_match("vfs_read", "vfs_read"));
  CHECK_FALSE(glob_match("vfs_read", "vfs_readv"));
  CHECK(glob_match("vfs_*", "vfs_read"));
  CHECK(glob_match("vfs_*", "vfs_"));
  CHECK_FALSE(glob_match("vfs_*", "vf_read"));
  CHECK(glob_match("*_read", "vfs_read"));
  CHECK(glob_match("*open*", "sys_enter_openat"));
  CHECK(glob_match("sys_*_open*", "sys_enter_openat2"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*", "anything:at:all"));
  CHECK_FALSE(glob_match("", "x"));
  CHECK(glob_match("", ""));
  // Needs backtracking (bpftrace's first-match scan gets this wrong).
  CHECK(glob_match("a*b", "abab"));
  CHECK(glob_match("*a*a", "banana"));
  CHECK_FALSE(glob_match("*a*x", "banana"));
  // Only '*' is special.
  CHECK_FALSE(glob_match("f?o", "foo"));
  CHECK(glob_match("f?o", "f?o"));
  CHECK(glob_match("a[1]", "a[1]"));
}

TEST_CASE("probe_catalog: has_wildcard") {
  CHECK(has_wildcard("vfs_*"));
  CHECK(has_wildcard("*"));
  CHECK_FALSE(has_wildcard("vfs_read"));
  CHECK_FALSE(has_wildcard("f?o"));
}

// ---- tracepoints (real tracefs) ---------------------------------------------------------

TEST_CASE("probe_catalog: tracepoints from tracefs") {
  if (!have_tracefs()) {
    MESSAGE("tracefs not mounted; mount -t tracefs tracefs /sys/kernel/tracing");
    return;
  }
  auto tps = list_tracepoints();
  REQUIRE(tps.size() > 100);
  CHECK(contains(tps, "syscalls:sys_enter_openat"));
  CHECK(contains(tps, "sched:sched_switch"));
  CHECK(std::is_sorted(tps.begin(), tps.end()));
  for (const auto &t : tps) CHECK(t.rfind("ftrace:", 0) != 0);
}

TEST_CASE("probe_catalog: expanding tracepoint:syscalls:sys_enter_open*") {
  if (!have_tracefs()) return;
  auto names = expand("tracepoint", "syscalls", "sys_enter_open*");
  INFO(join(names));
  CHECK(contains(names, "syscalls:sys_enter_open"));
  CHECK(contains(names, "syscalls:sys_enter_openat"));
  CHECK(contains(names, "syscalls:sys_enter_openat2"));
  CHECK_FALSE(contains(names, "syscalls:sys_exit_openat"));
  for (const auto &n : names) CHECK(n.rfind("syscalls:sys_enter_open", 0) == 0);
  CHECK(std::is_sorted(names.begin(), names.end()));
  // sys_enter_open sorts before sys_enter_openat, as in bpftrace -l.
  auto first = std::find(names.begin(), names.end(), "syscalls:sys_enter_open");
  auto second = std::find(names.begin(), names.end(), "syscalls:sys_enter_openat");
  CHECK(first < second);
}

TEST_CASE("probe_catalog: tracepoint category wildcards and structured matches") {
  if (!have_tracefs()) return;
  auto m = match_probes("tracepoint", "sys*", "", "sys_enter_openat");
  REQUIRE(m.size() == 1);
  CHECK(m[0].target == "syscalls");
  CHECK(m[0].func == "sys_enter_openat");
  CHECK(m[0].str() == "syscalls:sys_enter_openat");
  CHECK(match_probes("tracepoint", "nosuchcategory", "", "*").empty());
  CHECK(expand("tracepoint", "syscalls", "sys_enter_openat") ==
        std::vector<std::string>{"syscalls:sys_enter_openat"});
}

TEST_CASE("probe_catalog: tracepoint format fields") {
  if (!have_tracefs()) return;
  auto fields = tracepoint_fields("syscalls", "sys_enter_openat");
  std::vector<std::string> own;
  int common = 0;
  for (const auto &f : fields) {
    if (f.common) common++;
    else own.push_back(f.decl);
  }
  CHECK(common >= 4);
  CHECK(own == std::vector<std::string>{"int __syscall_nr", "int dfd", "const char * filename", "int flags",
                                        "umode_t mode"});
  REQUIRE(fields.size() > 5);
  CHECK(fields[0].decl == "unsigned short common_type");
  CHECK(fields[0].size == 2);
  auto fname = std::find_if(fields.begin(), fields.end(), [](auto &f) { return f.decl == "const char * filename"; });
  REQUIRE(fname != fields.end());
  CHECK(fname->offset == 24);
  CHECK(fname->size == 8);
  CHECK(tracepoint_fields("nosuch", "event").empty());
}

TEST_CASE("probe_catalog: -l tracepoint lines match bpftrace") {
  if (!have_tracefs()) return;
  auto lines = list_probes("tracepoint:syscalls:sys_enter_open*");
  INFO(join(lines));
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0] == "tracepoint:syscalls:sys_enter_open");
  CHECK(contains(lines, "tracepoint:syscalls:sys_enter_openat2"));
  // bpftrace -lv 'tracepoint:syscalls:sys_enter_openat' (0.17 on this host).
  ListOptions v;
  v.verbose = true;
  CHECK(join(list_probes("tracepoint:syscalls:sys_enter_openat", v)) ==
        "tracepoint:syscalls:sys_enter_openat\n"
        "    int __syscall_nr\n"
        "    int dfd\n"
        "    const char * filename\n"
        "    int flags\n"
        "    umode_t mode\n");
}

TEST_CASE("probe_catalog: -l with aliases, two-part and wildcard probe types") {
  if (!have_tracefs()) return;
  CHECK(list_probes("t:syscalls:sys_enter_openat") ==
        std::vector<std::string>{"tracepoint:syscalls:sys_enter_openat"});
  CHECK(list_probes("tracepoint:*sys_enter_openat2") ==
        std::vector<std::string>{"tracepoint:syscalls:sys_enter_openat2"});
  auto any = list_probes("*:sys_enter_openat");
  INFO(join(any));
  CHECK(contains(any, "tracepoint:syscalls:sys_enter_openat"));
  CHECK(list_probes("nosuchprovider:foo").empty());
}

// ---- kernel functions ------------------------------------------------------------------------

TEST_CASE("probe_catalog: kernel functions on this host") {
  const auto &k = kernel_functions();
  std::string src = kernel_functions_source();
  INFO("source: ", src);
  REQUIRE_FALSE(k.empty());
  CHECK((src == "kallsyms" || src == "available_filter_functions"));
  CHECK(std::binary_search(k.begin(), k.end(), KernelFunction{"vfs_read", ""}));
  CHECK(std::is_sorted(k.begin(), k.end()));
  for (size_t i = 0; i < std::min<size_t>(k.size(), 5000); i++) {
    CHECK(k[i].name.find(".part.") == std::string::npos);
    CHECK(k[i].name.rfind("__pfx_", 0) != 0);
  }
  auto names = expand("kprobe", "", "vfs_rea*");
  CHECK(contains(names, "vfs_read"));
  CHECK(contains(names, "vfs_readv"));
  CHECK(list_probes("kprobe:vfs_read") == std::vector<std::string>{"kprobe:vfs_read"});
  CHECK(list_probes("kretprobe:vfs_read") == std::vector<std::string>{"kretprobe:vfs_read"});
  auto with_mod = match_probes("kprobe", "vmlinux", "", "vfs_read");
  REQUIRE(with_mod.size() == 1);
  CHECK(with_mod[0].str() == "vmlinux:vfs_read");
}

TEST_CASE("probe_catalog: kallsyms fallback parsing") {
  PathsGuard guard;
  TempDir dir;
  dir.write("/kallsyms",
            "ffffffff81000000 T _stext\n"
            "ffffffff81001000 t __pfx_vfs_read\n"
            "ffffffff81001010 T vfs_read\n"
            "ffffffff81002000 t helper.part.0\n"
            "ffffffff81003000 t local_fn\n"
            "ffffffff81003000 t local_fn\n"
            "ffffffff81004000 D some_data\n"
            "ffffffffc0001000 t mod_fn\t[e1000]\n");
  CatalogPaths p;
  p.tracefs = dir.path + "/tracing";  // no tracefs: available_filter_functions unreadable
  p.kallsyms = dir.path + "/kallsyms";
  set_catalog_paths(p);
  CHECK(kernel_functions_source() == "kallsyms");
  std::vector<KernelFunction> want = {
      {"_stext", ""}, {"local_fn", ""}, {"mod_fn", "e1000"}, {"vfs_read", ""}};
  CHECK(kernel_functions() == want);
  CHECK(expand("kprobe", "", "*fn") == std::vector<std::string>{"local_fn", "mod_fn"});
  CHECK(expand("kprobe", "e1000", "*") == std::vector<std::string>{"e1000:mod_fn"});
  CHECK(list_probes("kprobe:*:mod_*") == std::vector<std::string>{"kprobe:e1000:mod_fn"});
}

TEST_CASE("probe_catalog: available_filter_functions parsing") {
  PathsGuard guard;
  TempDir dir;
  ::mkdir((dir.path + "/tracing").c_str(), 0755);
  ::mkdir((dir.path + "/tracing/events").c_str(), 0755);
  dir.write("/tracing/available_filter_functions",
            "vfs_read\nvfs_write\nfoo.part.3\ne1000_probe [e1000]\nvfs_read\n");
  CatalogPaths p;
  p.tracefs = dir.path + "/tracing";
  p.kallsyms = dir.path + "/nonexistent";
  set_catalog_paths(p);
  CHECK(tracefs_dir() == dir.path + "/tracing");
  CHECK(kernel_functions_source() == "available_filter_functions");
  std::vector<KernelFunction> want = {{"e1000_probe", "e1000"}, {"vfs_read", ""}, {"vfs_write", ""}};
  CHECK(kernel_functions() == want);
  CHECK(list_tracepoints().empty());  // empty events/ tree
}

// ---- BTF ---------------------------------------------------------------------------------------

TEST_CASE("probe_catalog: raw tracepoints from BTF") {
  auto rts = list_raw_tracepoints();
  if (rts.empty()) {
    MESSAGE("no kernel BTF");
    return;
  }
  CHECK(contains(rts, "vmlinux:sched_switch"));
  CHECK(contains(rts, "vmlinux:sys_enter"));
  CHECK(expand("rawtracepoint", "", "sched_switch") == std::vector<std::string>{"vmlinux:sched_switch"});
  CHECK(list_probes("rawtracepoint:sched_switch") ==
        std::vector<std::string>{"rawtracepoint:vmlinux:sched_switch"});
  auto params = raw_tracepoint_params("vmlinux", "sched_switch");
  INFO(join(params));
  CHECK(contains(params, "struct task_struct * prev"));
  CHECK(contains(params, "struct task_struct * next"));
}

TEST_CASE("probe_catalog: fentry functions and their parameters from BTF") {
  auto fns = list_btf_functions();
  if (fns.empty()) return;
  CHECK(contains(fns, "vmlinux:vfs_read"));
  // A glob gives the same functions as filtering the whole list.
  std::vector<std::string> vfs;
  for (const auto &f : fns)
    if (f.rfind("vmlinux:vfs_", 0) == 0) vfs.push_back(f);
  CHECK(list_btf_functions("vfs_*") == vfs);
  CHECK(list_btf_functions("no_such_function_*").empty());
  auto params = btf_function_params("vmlinux", "vfs_read", true);
  INFO(join(params));
  REQUIRE(params.size() == 5);
  CHECK(params[0] == "struct file * file");
  CHECK(params[4] == "ssize_t retval");
  CHECK(btf_function_params("", "vfs_read", false).size() == 4);
  ListOptions v;
  v.verbose = true;
  auto lines = list_probes("fentry:vfs_read", v);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "fentry:vmlinux:vfs_read");
  CHECK(lines[1] == "    struct file * file");
  auto kp = list_probes("kprobe:vfs_read", v);
  REQUIRE(kp.size() == 5);
  CHECK(kp[1] == "    struct file * arg0");
  auto kr = list_probes("kretprobe:vfs_read", v);
  REQUIRE(kr.size() == 2);
  CHECK(kr[1] == "    ssize_t retval");
}

TEST_CASE("probe_catalog: iterators from BTF") {
  auto iters = list_iters();
  if (iters.empty()) return;
  CHECK(contains(iters, "task"));
  CHECK(contains(iters, "task_file"));
  CHECK(contains(iters, "task_vma"));
  for (const auto &i : iters) CHECK(i.find("__safe_trusted") == std::string::npos);
  CHECK(list_probes("iter:task") == std::vector<std::string>{"iter:task"});
  ListOptions v;
  v.verbose = true;
  auto lines = list_probes("iter:task_file", v);
  INFO(join(lines));
  CHECK(contains(lines, "    struct task_struct * task"));
  CHECK(contains(lines, "    u32 fd"));
}

// ---- perf events and timers ------------------------------------------------------------------

TEST_CASE("probe_catalog: software, hardware, profile and interval listing") {
  auto sw = list_probes("software:*");
  CHECK(sw.size() == 14);  // 11 events + 3 aliases
  CHECK(contains(sw, "software:cpu-clock:"));
  CHECK(contains(sw, "software:cs:"));
  CHECK(std::is_sorted(sw.begin(), sw.end()));
  CHECK(list_probes("software:page-faults") == std::vector<std::string>{"software:page-faults:"});
  CHECK(contains(list_probes("h:*cycles*"), "hardware:ref-cycles:"));
  CHECK(list_probes("profile:*") ==
        std::vector<std::string>{"profile:hz:", "profile:ms:", "profile:s:", "profile:us:"});
  CHECK(list_probes("interval:s*") == std::vector<std::string>{"interval:s:"});
  CHECK(expand("software", "", "cpu*") == std::vector<std::string>{"cpu", "cpu-clock", "cpu-migrations"});
  CHECK(list_software_events().size() == 14);
  CHECK(list_hardware_events().size() == 12);
}

// ---- ELF and USDT (fixture binary) --------------------------------------------------------------

TEST_CASE("probe_catalog: USDT notes of the fixture") {
  auto notes = read_usdt_notes(kFixture);
  REQUIRE(notes.size() == 2);
  const UsdtNote *tick = nullptr, *sema = nullptr;
  for (const auto &n : notes) {
    CHECK(n.provider == "bt2bin_fixture");
    if (n.name == "tick") tick = &n;
    if (n.name == "with_sema") sema = &n;
  }
  REQUIRE(tick);
  REQUIRE(sema);
  CHECK(tick->arg_count() == 2);
  CHECK(sema->arg_count() == 1);
  CHECK(tick->args.find('@') != std::string::npos);
  CHECK(tick->semaphore == 0);
  CHECK(tick->semaphore_offset == 0);
  CHECK(sema->semaphore != 0);
  CHECK(sema->semaphore_offset != 0);
  CHECK(tick->pc != 0);
  CHECK(tick->pc_offset != 0);
  CHECK(tick->base != 0);
  CHECK(read_usdt_notes("/nonexistent/binary").empty());
  CHECK(read_usdt_notes("/etc/hostname").empty());  // not ELF
}

TEST_CASE("probe_catalog: USDT expansion and listing") {
  auto all = expand("usdt", kFixture, "*");
  CHECK(all == std::vector<std::string>{kFixture + ":bt2bin_fixture:tick", kFixture + ":bt2bin_fixture:with_sema"});
  CHECK(expand("usdt", kFixture, "bt2bin_fixture:t*") == std::vector<std::string>{kFixture + ":bt2bin_fixture:tick"});
  CHECK(expand("usdt", kFixture, "other:*").empty());
  auto m = match_probes("usdt", kFixture, "", "with_sema");
  REQUIRE(m.size() == 1);
  CHECK(m[0].ns == "bt2bin_fixture");
  CHECK(list_probes("usdt:" + kFixture + ":*") ==
        std::vector<std::string>{"usdt:" + kFixture + ":bt2bin_fixture:tick",
                                 "usdt:" + kFixture + ":bt2bin_fixture:with_sema"});
  CHECK(list_probes("usdt:" + kFixture).size() == 2);
}

TEST_CASE("probe_catalog: ELF function symbols and uprobe matching") {
  auto syms = list_function_symbols(kFixture, "*", false);  // usyms.h
  INFO(join(syms));
  CHECK(contains(syms, "bt_fixture_add"));
  CHECK(contains(syms, "main"));
  CHECK(contains(syms, "_ZN17bt2bin_fixture_ns6scaledEil"));
  CHECK(expand("uprobe", kFixture, "bt_fixture_*") == std::vector<std::string>{kFixture + ":bt_fixture_add"});
  MatchOptions cpp;
  cpp.lang = "cpp";
  auto m = match_probes("uprobe", kFixture, "", "bt2bin_fixture_ns::*", cpp);
  REQUIRE(m.size() == 1);
  CHECK(m[0].func == "_ZN17bt2bin_fixture_ns6scaledEil");
  CHECK(match_probes("uprobe", kFixture, "", "bt2bin_fixture_ns::scaled(int, long)", cpp).size() == 1);
  CHECK(match_probes("uprobe", kFixture, "", "bt2bin_fixture_ns::*").empty());  // no demangling without cpp
  CHECK(contains(list_probes("uprobe:" + kFixture + ":bt_*"), "uprobe:" + kFixture + ":bt_fixture_add"));
}

// ---- binaries ------------------------------------------------------------------------------------

TEST_CASE("probe_catalog: resolving binaries and libraries") {
  auto libc = resolve_binary_paths("libc");
  REQUIRE(libc.size() == 1);
  CHECK(libc[0].find("libc.so.6") != std::string::npos);
  auto exact = resolve_binary_paths("libc.so.6");
  REQUIRE(exact.size() == 1);
  CHECK(exact[0] == libc[0]);
  auto sh = resolve_binary_paths("sh");  // via $PATH
  REQUIRE(sh.size() == 1);
  CHECK(sh[0].back() == 'h');
  CHECK(resolve_binary_paths(kFixture) == std::vector<std::string>{kFixture});
  CHECK(resolve_binary_paths("/nonexistent/bin").empty());
  CHECK(resolve_binary_paths("no-such-program-xyz").empty());
  std::string dir = kFixture.substr(0, kFixture.rfind('/'));
  CHECK(contains(resolve_binary_paths(dir + "/bt2bin_usdt_fix*"), kFixture));
  CHECK(resolve_binary_paths("").empty());  // no pid
}

TEST_CASE("probe_catalog: mapped paths of a process") {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  REQUIRE(n > 0);
  std::string self(buf, static_cast<size_t>(n));
  auto paths = mapped_paths(::getpid());
  CHECK(contains(paths, self));
  CHECK(resolve_binary_paths("", ::getpid()) == std::vector<std::string>{self});
  CHECK(contains(resolve_binary_paths("*", ::getpid()), self));
}

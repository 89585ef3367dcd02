// Unit tests for symbolization: runtime-template/ksyms, usyms, stack_format.
//
// Kernel tests read this host's /proc/kallsyms (skipped when addresses are
// hidden); user tests symbolize this test binary's own functions through
// /proc/self/maps (the binary is built with symbols, as PIE by default), and
// libc; stack formatting runs against a fake symbol source.
#include <doctest/doctest.h>

#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "runtime-template/ksyms.h"
#include "runtime-template/stack_format.h"
#include "runtime-template/usyms.h"

// Targets for user symbolization: non-static, not inlined, kept.
extern "C" __attribute__((noinline, used)) int bt2bin_symtest_target(int x) {
  asm volatile("" ::: "memory");
  return x * 3 + 1;
}

namespace bt2bin_symtest {
__attribute__((noinline, used)) double demangle_me(int a, double b) {
  asm volatile("" ::: "memory");
  return a + b;
}
}  // namespace bt2bin_symtest

using namespace bt2bin::rt;

namespace {

uint64_t addr_of_target() {
  return reinterpret_cast<uint64_t>(&bt2bin_symtest_target);
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  REQUIRE(n > 0);
  return std::string(buf, static_cast<size_t>(n));
}

std::string write_temp(const std::string &text) {
  char path[] = "/tmp/bt2bin_symtest_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  return path;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

// Fake source for the formatter: a few known addresses.
struct FakeSymbols final : SymbolSource {
  explicit FakeSymbols(bool user) : user_(user) {}
  FrameSymbol resolve(uint64_t a) override {
    FrameSymbol f;
    if (a == 0xffffffff81000010ULL) {
      f = {"vfs_read", 5, "", true};
    } else if (a == 0xffffffff81000200ULL) {
      f = {"ksys_read", 20, "", true};
    } else if (a == 0x55e79dd4264aULL) {
      f = {"lele", 0, "/home/x/main", true};
    } else if (a == 0x1234) {
      f = {std::string_view("op\"x\\y\x01", 7), 0, "", true};
    } else if (a == 0x7f92eda4bb97ULL) {
      f = {"__libc_start_main", 231, "/lib/x86_64-linux-gnu/libc.so.6", true};
    }
    return f;
  }
  bool is_user() const override { return user_; }
  bool user_;
};

}  // namespace

// ------------------------------------------------------------------ kernel

TEST_CASE("symbols: kallsyms parsing, ties, modules, lazy load") {
  std::string path = write_temp(
      "0000000000000000 A fixed_percpu_data\n"
      "0000000000012340 D runqueues\n"
      "ffffffff81000000 T _text\n"
      "ffffffff81000000 T srso_alias_untrain_ret\n"
      "ffffffff81000010 t local_fn\n"
      "ffffffff81000100 D some_data\n"
      "ffffffff81000200 W weak_fn\n"
      "ffffffff81000200 T strong_fn\n"
      "ffffffffc0001000 t mod_fn\t[mymod]\n"
      "ffffffffc0002000 t bpf_prog_abc_x\t[bpf]");  // no final newline
  Ksyms k(path);
  CHECK(k.address_of("runqueues") == 0x12340);
  CHECK(k.address_of("some_data") == 0xffffffff81000100ULL);
  CHECK(k.address_of("fixed_percpu_data") == 0);  // listed at address 0
  CHECK(k.address_of("nope") == 0);
  std::vector<uint64_t> out;
  k.addresses_of({"strong_fn", "nope", "mod_fn", "strong_fn"}, out);
  CHECK(out == std::vector<uint64_t>{0xffffffff81000200ULL, 0,
                                     0xffffffffc0001000ULL,
                                     0xffffffff81000200ULL});
  CHECK_FALSE(k.loaded());  // address_of does not build the table

  KsymInfo s = k.lookup(0xffffffff81000005ULL);
  CHECK(k.loaded());
  CHECK(s.found);
  CHECK(s.name == "srso_alias_untrain_ret");  // fewer leading underscores
  CHECK(s.offset == 5);
  s = k.lookup(0xffffffff81000150ULL);  // data symbols are skipped
  CHECK(s.name == "local_fn");
  CHECK(s.offset == 0x140);
  CHECK(k.lookup(0xffffffff81000200ULL).name == "strong_fn");  // not weak
  s = k.lookup(0xffffffffc0001004ULL);
  CHECK(s.name == "mod_fn");
  CHECK(s.module == "mymod");
  CHECK(k.lookup(0xffffffffc0002008ULL).name == "bpf_prog_abc_x");
  CHECK_FALSE(k.lookup(0x1000).found);
  CHECK(k.symbolize(0x1000, true) == "0x1000");
  CHECK(k.symbolize(0xffffffff81000012ULL, true) == "local_fn+2");
  CHECK(k.symbolize(0xffffffff81000012ULL, false) == "local_fn");
  CHECK(k.size() == 5);
  unlink(path.c_str());
}

TEST_CASE("symbols: kallsyms of this host") {
  Ksyms k;
  uint64_t a = k.address_of("vfs_read");
  if (a == 0) {
    MESSAGE("kallsyms addresses hidden (not root or kptr_restrict): skipped");
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  KsymInfo s = k.lookup(a);
  double load_ms = ms_since(t0);
  CHECK(s.found);
  CHECK(s.name == "vfs_read");
  CHECK(s.offset == 0);
  CHECK(k.symbolize(a + 7, true) == "vfs_read+7");
  CHECK(k.lookup(a + 7).module == "");

  // 10k lookups (their time is reported).
  t0 = std::chrono::steady_clock::now();
  uint64_t sum = 0;
  for (int i = 0; i < 10000; i++)
    sum += k.lookup(a + static_cast<uint64_t>(i) * 4096).offset;
  double lookup_ms = ms_since(t0);
  MESSAGE("kallsyms load " << load_ms << " ms (" << k.size()
                           << " symbols), 10k lookups " << lookup_ms << " ms");
  CHECK(sum > 0);  // times are reported, not asserted: speed is bench/'s business

  // kstack text from the real table.
  uint64_t ips[] = {a + 5, 0};
  KernelSymbols ks(k);
  CHECK(format_stack(ips, 2, ks) == "\n        vfs_read+5\n");
  std::string v;
  append_ksym(v, a + 5, k);
  CHECK(v == "vfs_read");
}

// -------------------------------------------------------------------- user

TEST_CASE("symbols: usym of this binary's own functions (PIE load bias)") {
  Usyms u;
  uint64_t a = addr_of_target();
  UsymInfo s = u.lookup(getpid(), a);
  REQUIRE(s.found);
  CHECK(s.name == "bt2bin_symtest_target");
  CHECK(s.offset == 0);
  CHECK(s.module == self_exe());
  s = u.lookup(getpid(), a + 1);
  CHECK(s.name == "bt2bin_symtest_target");
  CHECK(s.offset == 1);
  CHECK(u.symbolize(getpid(), a + 1, true, false) == "bt2bin_symtest_target+1");
  CHECK(u.symbolize(getpid(), a + 1, false, false) == "bt2bin_symtest_target");
  CHECK(u.symbolize(getpid(), a + 1, true, true) ==
        "bt2bin_symtest_target+1 (" + self_exe() + ")");
  CHECK(u.symbolize(getpid(), 0x10, true, false) == "0x10");
  CHECK(u.symbolize(getpid(), 0x10, true, true) == "0x10 ([unknown])");

  // Link-time address from the ELF file + load bias = runtime address.
  ElfSymbolInfo e = symbol_address(self_exe(), "bt2bin_symtest_target");
  REQUIRE(e.found);
  CHECK(e.type == STT_FUNC);
  CHECK(e.size > 0);
  CHECK(runtime_address(getpid(), self_exe(), e.address) == a);
}

TEST_CASE("symbols: C++ demangling on and off") {
  uint64_t a = reinterpret_cast<uint64_t>(&bt2bin_symtest::demangle_me);
  Usyms u;
  UsymInfo s = u.lookup(getpid(), a);
  REQUIRE(s.found);
  CHECK(s.name == "bt2bin_symtest::demangle_me(int, double)");
  Usyms raw(UsymsOptions{.demangle = false});
  CHECK(raw.lookup(getpid(), a).name == "_ZN14bt2bin_symtest11demangle_meEid");
  CHECK(cxx_demangle("_ZN14bt2bin_symtest11demangle_meEid") ==
        "bt2bin_symtest::demangle_me(int, double)");
  CHECK(cxx_demangle("malloc") == "");
}

TEST_CASE("symbols: wildcard and C++ function lookup for uprobes") {
  CHECK(wildcard_match("vfs_*", "vfs_read"));
  CHECK(wildcard_match("*read", "vfs_read"));
  CHECK(wildcard_match("*s_r*", "vfs_read"));
  CHECK(wildcard_match("v*_*d", "vfs_read"));
  CHECK(wildcard_match("*", ""));
  CHECK_FALSE(wildcard_match("vfs_", "vfs_read"));
  CHECK_FALSE(wildcard_match("*write*", "vfs_read"));

  std::string exe = self_exe();
  auto m = list_function_symbols(exe, "bt2bin_symtest_*");
  CHECK(m == std::vector<std::string>{"bt2bin_symtest_target"});
  m = list_function_symbols(exe, "bt2bin_symtest::demangle*");
  CHECK(m == std::vector<std::string>{"_ZN14bt2bin_symtest11demangle_meEid"});
  CHECK(list_function_symbols(exe, "bt2bin_symtest::demangle*", false).empty());
  m = list_function_symbols(exe, "bt2bin_symtest::demangle_me(int, double)");
  CHECK(m.size() == 1);
  CHECK(find_function_symbols(exe, "bt2bin_symtest::demangle_me") ==
        std::vector<std::string>{"_ZN14bt2bin_symtest11demangle_meEid"});
  CHECK(find_function_symbols(exe, "bt2bin_symtest_target") ==
        std::vector<std::string>{"bt2bin_symtest_target"});
  CHECK(find_function_symbols(exe, "no_such_function_xyz").empty());
}

TEST_CASE("symbols: libc resolution, malloc offset and address") {
  std::string libc = resolve_binary("libc");
  CHECK((libc == "/lib/x86_64-linux-gnu/libc.so.6" ||
         libc == "/usr/lib/x86_64-linux-gnu/libc.so.6"));
  CHECK(resolve_binary("c") == libc);
  CHECK(resolve_binary("libc.so.6") == libc);
  CHECK(resolve_binary(libc) == libc);
  CHECK(resolve_binary("libc", getpid()).ends_with("/libc.so.6"));
  CHECK(resolve_binary("no-such-binary-or-lib-xyz").empty());
  CHECK(resolve_binary("/no/such/file").empty());
  std::string sh = resolve_binary("sh");
  CHECK(sh.ends_with("/sh"));
  CHECK(elf_type(libc) == ET_DYN);
  CHECK(elf_type("/etc/passwd") == -1);

  ElfSymbolInfo e = symbol_address(libc, "malloc");
  REQUIRE(e.found);
  CHECK(e.type == STT_FUNC);
  CHECK(e.size > 0);
  uint64_t off = symbol_file_offset(libc, "malloc");
  CHECK(off != 0);
  CHECK(off == e.file_offset);
  CHECK(symbol_file_offset(libc, "no_such_symbol_xyz") == 0);
  CHECK_FALSE(symbol_address(libc, "no_such_symbol_xyz").found);

  // The address this (PIE) process calls is where libc's malloc is mapped,
  // and symbolizes back to malloc.
  if (elf_type(self_exe()) == ET_DYN) {
    uint64_t real = reinterpret_cast<uint64_t>(&malloc);
    CHECK(runtime_address(getpid(), libc, e.address) == real);
    Usyms u;
    UsymInfo s = u.lookup(getpid(), real + 4);
    CHECK(s.name == "malloc");
    CHECK(s.offset == 4);
    CHECK(s.module.ends_with("/libc.so.6"));
    // Versioned aliases (clock_nanosleep@GLIBC_2.2.5, @@GLIBC_2.17,
    // __clock_nanosleep) print as the bare default name, like bpftrace.
    real = reinterpret_cast<uint64_t>(&clock_nanosleep);
    CHECK(u.symbolize(getpid(), real + 35, true, false) == "clock_nanosleep+35");
  }
  // Local functions come from the separate debug file when installed.
  if (access("/usr/lib/debug/.build-id", F_OK) == 0 &&
      symbol_address(libc, "__libc_start_call_main").found)
    MESSAGE("libc debug symbols found via build-id");
}

TEST_CASE("symbols: vdso frames") {
  unsigned long base = getauxval(AT_SYSINFO_EHDR);
  if (!base)
    return;
  // Find clock_gettime in our vDSO image with libelf.
  const auto *eh = reinterpret_cast<const Elf64_Ehdr *>(base);
  size_t size = eh->e_shoff + static_cast<size_t>(eh->e_shnum) * eh->e_shentsize;
  std::string image(reinterpret_cast<const char *>(base), size);
  elf_version(EV_CURRENT);
  Elf *elf = elf_memory(image.data(), image.size());
  REQUIRE(elf);
  uint64_t value = 0;
  Elf_Scn *scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    gelf_getshdr(scn, &sh);
    if (sh.sh_type != SHT_DYNSYM)
      continue;
    Elf_Data *d = elf_getdata(scn, nullptr);
    for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
      GElf_Sym s;
      gelf_getsym(d, static_cast<int>(i), &s);
      const char *n = elf_strptr(elf, sh.sh_link, s.st_name);
      if (n && strcmp(n, "__vdso_clock_gettime") == 0)
        value = s.st_value;
    }
  }
  elf_end(elf);
  if (!value)
    return;
  Usyms u;
  UsymInfo s = u.lookup(getpid(), base + value + 3);
  REQUIRE(s.found);
  CHECK(s.name == "__vdso_clock_gettime");  // global beats the weak alias
  CHECK(s.offset == 3);
  CHECK(s.module == "[vdso]");
}

TEST_CASE("symbols: perf map for JIT code") {
  std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  {
    std::ofstream f(path);
    f << "1000 100 jit_fn_one\n0x2000 0x40 _ZN3foo3barEv\n1000 10 jit_fn_newer\n";
  }
  Usyms u;
  UsymInfo s = u.lookup(getpid(), 0x1040);
  CHECK(s.found);
  CHECK(s.name == "jit_fn_one");
  CHECK(s.offset == 0x40);
  CHECK(s.module == path);
  s = u.lookup(getpid(), 0x1004);  // the later entry wins
  CHECK(s.name == "jit_fn_newer");
  s = u.lookup(getpid(), 0x2004);
  CHECK(s.name == "foo::bar()");
  CHECK(s.offset == 4);
  CHECK(u.symbolize(getpid(), 0x2004, true, true) == "foo::bar()+4 (" + path + ")");
  CHECK_FALSE(u.lookup(getpid(), 0x3000).found);
  unlink(path.c_str());
}

TEST_CASE("symbols: exited processes print hex, preload and fallback help") {
  uint64_t a = addr_of_target();
  pid_t dead = fork();
  REQUIRE(dead >= 0);
  if (dead == 0)
    _exit(0);
  waitpid(dead, nullptr, 0);
  Usyms u;
  CHECK_FALSE(u.lookup(dead, a).found);
  char hex[32];
  snprintf(hex, sizeof(hex), "0x%lx", static_cast<unsigned long>(a));
  CHECK(u.symbolize(dead, a, true, false) == hex);
  CHECK(u.symbolize(dead, a, true, true) == std::string(hex) + " ([unknown])");
  // Fallback to the probe's binary at link-time addresses (non-PIE case).
  ElfSymbolInfo e = symbol_address(self_exe(), "bt2bin_symtest_target");
  UsymInfo s = u.lookup(dead, e.address + 1, self_exe());
  CHECK(s.name == "bt2bin_symtest_target");
  CHECK(s.offset == 1);
  // The same without an explicit fallback, once the user probes all name
  // one binary; a second binary makes the fallback ambiguous again.
  Usyms probed;
  probed.note_probe_binary(self_exe());
  CHECK(probed.symbolize(dead, e.address + 1, true, false) == "bt2bin_symtest_target+1");
  pid_t zombie = fork();  // exited but not reaped: its maps read as empty
  REQUIRE(zombie >= 0);
  if (zombie == 0)
    _exit(0);
  usleep(50000);
  CHECK(probed.symbolize(zombie, e.address + 1, true, false) == "bt2bin_symtest_target+1");
  waitpid(zombie, nullptr, 0);
  probed.note_probe_binary("/bin/true");
  CHECK_FALSE(probed.lookup(dead, e.address + 1).found);

  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    for (;;)
      pause();
  }
  CHECK(u.preload(child));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  s = u.lookup(child, a);  // same layout as ours after fork
  CHECK(s.found);
  CHECK(s.name == "bt2bin_symtest_target");
}

TEST_CASE("symbols: 10k user lookups from the per-process cache") {
  Usyms u;
  uint64_t addrs[] = {addr_of_target(),
                      reinterpret_cast<uint64_t>(&bt2bin_symtest::demangle_me),
                      reinterpret_cast<uint64_t>(&malloc),
                      reinterpret_cast<uint64_t>(&printf)};
  u.lookup(getpid(), addrs[0]);  // load maps and the first file
  auto t0 = std::chrono::steady_clock::now();
  size_t found = 0;
  std::string out;
  for (int i = 0; i < 10000; i++) {
    out.clear();
    u.append_symbol(out, getpid(), addrs[i % 4] + (i % 3), true, false);
    found += out[0] != '0';
  }
  double ms = ms_since(t0);
  MESSAGE("10k user lookups " << ms << " ms");
  CHECK(found == 10000);  // the time is reported, not asserted
}

// ------------------------------------------------------------ stack format

TEST_CASE("stack format: bpftrace, perf and raw modes, kernel") {
  FakeSymbols k(false);
  uint64_t ips[] = {0xffffffff81000010ULL, 0xffffffff81000200ULL, 0xdeadULL, 0, 0};
  CHECK(format_stack(ips, 5, k) ==
        "\n        vfs_read+5\n        ksys_read+20\n        0xdead\n");
  CHECK(format_stack(ips, 5, k, {StackPrintMode::perf, 0, 8}) ==
        "\n\tffffffff81000010 vfs_read+5\n\tffffffff81000200 ksys_read+20\n"
        "\tdead 0xdead\n");
  CHECK(format_stack(ips, 5, k, {StackPrintMode::raw, 0, 8}) ==
        "\nffffffff81000010\nffffffff81000200\ndead\n");
  // limit, count without terminator, empty stack
  CHECK(format_stack(ips, 5, k, {StackPrintMode::bpftrace, 1, 8}) ==
        "\n        vfs_read+5\n");
  CHECK(format_stack(ips, 2, k) == "\n        vfs_read+5\n        ksys_read+20\n");
  CHECK(format_stack(ips + 3, 2, k) == "\n");
  // 0.17's map-key indent, if ever wanted for differential tests
  CHECK(format_stack(ips, 1, k, {StackPrintMode::bpftrace, 0, 4}) ==
        "\n    vfs_read+5\n");
  // Map key: @[<stack>]: value, the same 8-space text (0.22+).
  CHECK("@[" + format_stack(ips, 2, k) + "]: 5" ==
        "@[\n        vfs_read+5\n        ksys_read+20\n]: 5");
}

TEST_CASE("stack format: user frames carry the module in perf mode") {
  FakeSymbols u(true);
  uint64_t ips[] = {0x55e79dd4264aULL, 0x7f92eda4bb97ULL, 0x7f0000001234ULL};
  CHECK(format_stack(ips, 3, u) ==
        "\n        lele+0\n        __libc_start_main+231\n        0x7f0000001234\n");
  CHECK(format_stack(ips, 3, u, {StackPrintMode::perf, 0, 8}) ==
        "\n\t55e79dd4264a lele+0 (/home/x/main)\n"
        "\t7f92eda4bb97 __libc_start_main+231 (/lib/x86_64-linux-gnu/libc.so.6)\n"
        "\t7f0000001234 0x7f0000001234 ([unknown])\n");
  CHECK(stack_frames(ips, 3, u) ==
        std::vector<std::string>{"lele+0", "__libc_start_main+231",
                                 "0x7f0000001234"});
  CHECK(stack_frames(ips, 3, u, {StackPrintMode::bpftrace, 2, 8}).size() == 2);
}

TEST_CASE("stack format: JSON forms") {
  FakeSymbols k(false);
  uint64_t ips[] = {0xffffffff81000010ULL, 0xffffffff81000200ULL};
  std::string s;
  append_stack_json_string(s, ips, 2, k);
  CHECK(s == "\"\\n        vfs_read+5\\n        ksys_read+20\\n\"");
  s.clear();
  append_stack_json_string(s, ips, 1, k, {StackPrintMode::perf, 0, 8});
  CHECK(s == "\"\\n\\tffffffff81000010 vfs_read+5\\n\"");
  s.clear();
  append_stack_json_array(s, ips, 2, k);
  CHECK(s == "[\"vfs_read+5\",\"ksys_read+20\"]");
  s.clear();
  append_stack_json_array(s, ips, 0, k);
  CHECK(s == "[]");
  s.clear();
  uint64_t odd[] = {0x1234};
  append_stack_json_array(s, odd, 1, k);  // a name needing escapes
  CHECK(s == "[\"op\\\"x\\\\y\\u0001+0\"]");
}

TEST_CASE("stack format: build_id mode") {
  BuildIdFrame f[2] = {};
  f[0].status = 1;
  for (int i = 0; i < 20; i++)
    f[0].build_id[i] = static_cast<unsigned char>(i);
  f[0].offset = 0x5;
  f[1].status = 2;
  f[1].ip = 0x7f00abcdULL;
  std::string s;
  append_build_id_stack(s, f, 2);
  CHECK(s == "\n000102030405060708090a0b0c0d0e0f10111213 0x05\n7f00abcd\n");
  s.clear();
  f[0].offset = 0x1234;
  append_build_id_stack(s, f, 2, 1);
  CHECK(s == "\n000102030405060708090a0b0c0d0e0f10111213 0x1234\n");
}

TEST_CASE("stack format: real user stack of this process") {
  uint64_t ips[] = {addr_of_target() + 1,
                    reinterpret_cast<uint64_t>(&bt2bin_symtest::demangle_me)};
  Usyms us;
  UserSymbols u(getpid(), us);
  CHECK(format_stack(ips, 2, u) ==
        "\n        bt2bin_symtest_target+1\n"
        "        bt2bin_symtest::demangle_me(int, double)+0\n");
  std::string v;
  append_usym(v, getpid(), addr_of_target() + 1, us);
  CHECK(v == "bt2bin_symtest_target");
}

// Unit tests for the attach-point parser (frontend/attach_point.cpp): every
// provider and alias, the fields each one sets, positional parameters, and
// the diagnostics for every kind of malformed attach point.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "frontend/attach_point.h"

using namespace bt2bin;

namespace {

struct Parsed {
  bool ok = false;
  AttachPoint ap;
  std::vector<Diagnostic> diags;
  std::string message() const { return diags.empty() ? "" : diags.front().message; }
  std::string hint() const {
    return diags.empty() || diags.front().hints.empty() ? "" : diags.front().hints.front();
  }
};

// Parses `raw` as if it started at line 1, column 1 of a script.
Parsed parse(const std::string &raw) {
  SourceFile src("t.bt", raw + " {}\n");
  Diagnostics diags(src);
  Parsed p;
  p.ap.raw = raw;
  p.ap.loc = Location{1, 1, 1, 1 + static_cast<int>(raw.size())};
  p.ok = parse_attach_point(p.ap, diags);
  p.diags = diags.all();
  return p;
}

// Parses and requires success.
AttachPoint ok(const std::string &raw) {
  Parsed p = parse(raw);
  INFO("attach point: ", raw, " -> ", p.message());
  REQUIRE(p.ok);
  REQUIRE(p.diags.empty());
  return p.ap;
}

// Parses and requires exactly one error; returns it.
Parsed bad(const std::string &raw) {
  Parsed p = parse(raw);
  INFO("attach point: ", raw);
  REQUIRE_FALSE(p.ok);
  REQUIRE(p.diags.size() == 1);
  CHECK(p.diags[0].severity == Severity::Error);
  return p;
}

}  // namespace

// ---- provider names -----------------------------------------------------------

TEST_CASE("attach_point: canonical provider names") {
  for (const char *n : {"kprobe", "kretprobe", "uprobe", "uretprobe", "usdt", "tracepoint",
                        "rawtracepoint", "profile", "interval", "software", "hardware",
                        "watchpoint", "fentry", "fexit", "iter", "self", "test", "bench",
                        "begin", "end"})
    CHECK(canonical_provider(n) == n);
  CHECK(canonical_provider("BEGIN") == "begin");
  CHECK(canonical_provider("END") == "end");
  CHECK(canonical_provider("nope") == "");
  CHECK(canonical_provider("") == "");
}

TEST_CASE("attach_point: provider aliases") {
  CHECK(canonical_provider("k") == "kprobe");
  CHECK(canonical_provider("kr") == "kretprobe");
  CHECK(canonical_provider("u") == "uprobe");
  CHECK(canonical_provider("ur") == "uretprobe");
  CHECK(canonical_provider("U") == "usdt");
  CHECK(canonical_provider("t") == "tracepoint");
  CHECK(canonical_provider("rt") == "rawtracepoint");
  CHECK(canonical_provider("p") == "profile");
  CHECK(canonical_provider("i") == "interval");
  CHECK(canonical_provider("s") == "software");
  CHECK(canonical_provider("h") == "hardware");
  CHECK(canonical_provider("w") == "watchpoint");
  CHECK(canonical_provider("f") == "fentry");
  CHECK(canonical_provider("kfunc") == "fentry");
  CHECK(canonical_provider("fr") == "fexit");
  CHECK(canonical_provider("kretfunc") == "fexit");
  CHECK(canonical_provider("it") == "iter");
}

TEST_CASE("attach_point: provider names are case-insensitive, single-letter aliases are not") {
  CHECK(canonical_provider("Kprobe") == "kprobe");
  CHECK(canonical_provider("TRACEPOINT") == "tracepoint");
  CHECK(canonical_provider("Begin") == "begin");
  CHECK(canonical_provider("KFUNC") == "fentry");
  CHECK(canonical_provider("KR") == "kretprobe");
  CHECK(canonical_provider("RT") == "rawtracepoint");
  CHECK(canonical_provider("K") == "");
  CHECK(canonical_provider("T") == "");
  CHECK(canonical_provider("u") == "uprobe");  // not usdt
  CHECK(canonical_provider("U") == "usdt");
}

TEST_CASE("attach_point: unknown probe type") {
  Parsed p = bad("kprobx:vfs_read");
  CHECK(p.message() == "unknown probe type 'kprobx'");
  CHECK(p.hint() == "did you mean 'kprobe'?");
  // Underlines just the probe type.
  CHECK(p.diags[0].loc.col == 1);
  CHECK(p.diags[0].loc.end_col == 7);
  CHECK(bad("K:vfs_read").message() == "unknown probe type 'K'");
}

TEST_CASE("attach_point: wildcard probe type is rejected") {
  Parsed p = bad("*ware:cpu-clock");
  CHECK(p.message() == "wildcards in the probe type ('*ware') are not supported");
}

TEST_CASE("attach_point: empty attach point and unterminated quote") {
  CHECK(bad("").message() == "empty attach point");
  CHECK(bad("uprobe:/bin/x:\"foo").message() == "unterminated quote in attach point");
}

// ---- begin / end ----------------------------------------------------------------

TEST_CASE("attach_point: begin and end") {
  for (const char *s : {"BEGIN", "begin", "END", "end", "Begin"}) {
    AttachPoint ap = ok(s);
    CHECK((ap.provider == "begin" || ap.provider == "end"));
    CHECK(ap.target.empty());
    CHECK(ap.func.empty());
    CHECK_FALSE(ap.need_expansion);
  }
  CHECK(ok("END").provider == "end");
}

TEST_CASE("attach_point: begin takes no arguments") {
  Parsed p = bad("BEGIN:foo");
  CHECK(p.message() == "begin probe takes no arguments");
  CHECK(p.diags[0].loc.col == 6);
}

// ---- kprobe / kretprobe ----------------------------------------------------------

TEST_CASE("attach_point: kprobe function") {
  AttachPoint ap = ok("kprobe:vfs_read");
  CHECK(ap.provider == "kprobe");
  CHECK(ap.target.empty());
  CHECK(ap.func == "vfs_read");
  CHECK_FALSE(ap.has_offset);
  CHECK_FALSE(ap.need_expansion);
  CHECK(ok("k:do_nanosleep").func == "do_nanosleep");
}

TEST_CASE("attach_point: kprobe with module") {
  AttachPoint ap = ok("kprobe:kvm:x86_emulate_insn");
  CHECK(ap.target == "kvm");
  CHECK(ap.func == "x86_emulate_insn");
}

TEST_CASE("attach_point: kprobe function+offset") {
  AttachPoint ap = ok("kprobe:vfs_read+0x10");
  CHECK(ap.func == "vfs_read");
  CHECK(ap.has_offset);
  CHECK(ap.offset == 0x10);
  CHECK(ok("kprobe:vfs_read+16").offset == 16);
  CHECK(ok("kprobe:mod:f+8").target == "mod");
}

TEST_CASE("attach_point: kprobe address") {
  AttachPoint ap = ok("kprobe:0xffffffff81000000");
  CHECK(ap.func.empty());
  CHECK(ap.has_offset);
  CHECK(ap.offset == 0xffffffff81000000ull);
}

TEST_CASE("attach_point: kprobe wildcards need expansion") {
  CHECK(ok("kprobe:vfs_*").need_expansion);
  CHECK(ok("kprobe:*:vfs_read").need_expansion);
  CHECK(ok("kretprobe:*sys_*").need_expansion);
}

TEST_CASE("attach_point: kprobe errors") {
  CHECK(bad("kprobe").message() == "kprobe probe needs a function, e.g. kprobe:vfs_read");
  CHECK(bad("kprobe:").message() == "kprobe probe needs a function, e.g. kprobe:vfs_read");
  Parsed many = bad("kprobe:a:b:c");
  CHECK(many.message() == "too many arguments for kprobe probe");
  CHECK(many.hint() == "expected kprobe[:module]:function[+offset]");
  CHECK(many.diags[0].loc.col == 11);
  CHECK(bad("kprobe:f+1+2").message() == "more than one offset in 'f+1+2'");
  CHECK(bad("kprobe:f+zz").message() == "invalid offset 'zz' in kprobe probe");
  CHECK(bad("kprobe:+8").message() == "missing function name before '+8'");
  CHECK(bad("kprobe:vfs_*+8").message() == "an offset cannot be combined with a wildcard function");
  CHECK(bad("kprobe:12abc").message() == "invalid address '12abc' in kprobe probe");
  CHECK(bad("kprobe::f").message() == "empty module name in kprobe probe");
}

TEST_CASE("attach_point: kretprobe") {
  AttachPoint ap = ok("kretprobe:vfs_read");
  CHECK(ap.provider == "kretprobe");
  CHECK(ap.func == "vfs_read");
  AttachPoint m = ok("kr:ext4:ext4_file_open");
  CHECK(m.provider == "kretprobe");
  CHECK(m.target == "ext4");
  Parsed p = bad("kretprobe:vfs_read+4");
  CHECK(p.message() == "kretprobe probe cannot take an offset");
  CHECK(p.diags[0].loc.col == 11);  // underlines "vfs_read+4"
  CHECK(p.diags[0].loc.end_col == 21);
}

// ---- uprobe / uretprobe --------------------------------------------------------------

TEST_CASE("attach_point: uprobe binary and function") {
  AttachPoint ap = ok("uprobe:/bin/bash:readline");
  CHECK(ap.provider == "uprobe");
  CHECK(ap.target == "/bin/bash");
  CHECK(ap.func == "readline");
  CHECK_FALSE(ap.need_expansion);
  CHECK(ok("u:/bin/bash:readline").provider == "uprobe");
}

TEST_CASE("attach_point: uprobe function+offset and addresses") {
  AttachPoint ap = ok("uprobe:/bin/bash:readline+0x20");
  CHECK(ap.func == "readline");
  CHECK(ap.has_offset);
  CHECK(ap.offset == 0x20);
  AttachPoint hex = ok("uprobe:/bin/bash:0x4a0b0");
  CHECK(hex.func.empty());
  CHECK(hex.has_offset);
  CHECK(hex.offset == 0x4a0b0);
  AttachPoint dec = ok("uprobe:/bin/bash:123");
  CHECK(dec.func.empty());
  CHECK(dec.offset == 123);
}

TEST_CASE("attach_point: uprobe quoted C++ names") {
  AttachPoint ap = ok("uprobe:/bin/app:\"ns::f(int, char const*)\"");
  CHECK(ap.target == "/bin/app");
  CHECK(ap.func == "ns::f(int, char const*)");
  AttachPoint esc = ok("uprobe:/bin/app:\"a\\\"b\"");
  CHECK(esc.func == "a\"b");
}

TEST_CASE("attach_point: uprobe cpp language") {
  AttachPoint ap = ok("uprobe:/bin/app:cpp:\"NS::f\"");
  CHECK(ap.lang == "cpp");
  CHECK(ap.func == "NS::f");
  CHECK(ap.need_expansion);  // overloads are found in the binary
  Parsed p = bad("uprobe:/bin/app:rust:f");
  CHECK(p.message() == "unsupported language 'rust' in uprobe probe");
}

TEST_CASE("attach_point: uprobe library name and wildcards") {
  AttachPoint ap = ok("uprobe:libc:malloc");
  CHECK(ap.target == "libc");  // resolved on the target host
  CHECK(ap.func == "malloc");
  CHECK_FALSE(ap.need_expansion);
  CHECK(ok("uprobe:/bin/bash:read*").need_expansion);
  CHECK(ok("uprobe:/usr/lib/*/libc.so.6:malloc").need_expansion);
  CHECK(bad("uprobe:/usr/lib/*/libc.so.6:0x10").message() ==
        "an absolute address cannot be used with a wildcard binary");
}

TEST_CASE("attach_point: uprobe pid form and missing parts") {
  AttachPoint ap = ok("uprobe:malloc");  // -p PID: the process's executable
  CHECK(ap.target.empty());
  CHECK(ap.func == "malloc");
  CHECK(bad("uprobe:/bin/bash").message() ==
        "uprobe probe needs a function after the binary, e.g. uprobe:/bin/bash:main");
  CHECK(bad("uprobe").message() ==
        "uprobe probe needs a binary and a function, e.g. uprobe:/bin/bash:readline");
  CHECK(bad("uprobe:/bin/bash:").message() ==
        "uprobe probe needs a function, e.g. uprobe:/bin/bash:readline");
  CHECK(bad("uprobe:a:cpp:f:g").message() == "too many arguments for uprobe probe");
}

TEST_CASE("attach_point: uretprobe") {
  AttachPoint ap = ok("uretprobe:/bin/bash:readline");
  CHECK(ap.provider == "uretprobe");
  CHECK(ap.func == "readline");
  CHECK(ok("ur:/bin/bash:readline").provider == "uretprobe");
  CHECK(ok("uretprobe:/bin/bash:0x100").offset == 0x100);
  CHECK(bad("uretprobe:/bin/bash:readline+4").message() == "uretprobe probe cannot take an offset");
}

// ---- usdt -------------------------------------------------------------------------------

TEST_CASE("attach_point: usdt binary and probe") {
  AttachPoint ap = ok("usdt:/usr/bin/python3:function__entry");
  CHECK(ap.provider == "usdt");
  CHECK(ap.target == "/usr/bin/python3");
  CHECK(ap.ns.empty());
  CHECK(ap.func == "function__entry");
  CHECK(ap.need_expansion);  // the namespace is looked up in the binary
  CHECK(ok("U:/bin/x:p").provider == "usdt");
}

TEST_CASE("attach_point: usdt with namespace") {
  AttachPoint ap = ok("usdt:/p/libjvm.so:hotspot:method__entry");
  CHECK(ap.target == "/p/libjvm.so");
  CHECK(ap.ns == "hotspot");
  CHECK(ap.func == "method__entry");
  CHECK_FALSE(ap.need_expansion);
  CHECK(ok("usdt:/p/libjvm.so:hotspot:*").need_expansion);
}

TEST_CASE("attach_point: usdt all processes and pid form") {
  AttachPoint ap = ok("usdt:*:hotspot:gc__begin");
  CHECK(ap.target == "*");
  CHECK(ap.need_expansion);
  AttachPoint pid = ok("usdt:probe_name");
  CHECK(pid.target.empty());
  CHECK(pid.func == "probe_name");
}

TEST_CASE("attach_point: usdt errors") {
  CHECK(bad("usdt").message() ==
        "usdt probe needs a binary and a probe, e.g. usdt:/usr/bin/python3:python:function__entry");
  CHECK(bad("usdt:/bin/x").message() == "usdt probe needs a probe name after the binary, e.g. usdt:/bin/x:probe");
  CHECK(bad("usdt:/bin/x::p").message() == "empty namespace in usdt probe");
  CHECK(bad("usdt:a:b:c:d").message() == "too many arguments for usdt probe");
}

// ---- tracepoint / rawtracepoint ----------------------------------------------------------

TEST_CASE("attach_point: tracepoint") {
  AttachPoint ap = ok("tracepoint:syscalls:sys_enter_openat");
  CHECK(ap.provider == "tracepoint");
  CHECK(ap.target == "syscalls");
  CHECK(ap.func == "sys_enter_openat");
  CHECK_FALSE(ap.need_expansion);
  AttachPoint t = ok("t:sched:sched_switch");
  CHECK(t.provider == "tracepoint");
  CHECK(t.target == "sched");
}

TEST_CASE("attach_point: tracepoint wildcards") {
  AttachPoint ap = ok("tracepoint:syscalls:sys_enter_open*");
  CHECK(ap.need_expansion);
  AttachPoint both = ok("tracepoint:sys*:*open*");
  CHECK(both.target == "sys*");
  CHECK(both.need_expansion);
  AttachPoint any = ok("tracepoint:*openat*");  // any category
  CHECK(any.target == "*");
  CHECK(any.func == "*openat*");
  CHECK(any.need_expansion);
}

TEST_CASE("attach_point: tracepoint errors") {
  CHECK(bad("tracepoint:syscalls").message() ==
        "tracepoint probe needs a category and an event, e.g. tracepoint:syscalls:sys_enter_openat");
  CHECK(bad("tracepoint:syscalls:").message() ==
        "tracepoint probe needs an event, e.g. tracepoint:syscalls:sys_enter_openat");
  CHECK(bad("tracepoint:a:b:c").message() == "too many arguments for tracepoint probe");
}

TEST_CASE("attach_point: rawtracepoint") {
  AttachPoint ap = ok("rawtracepoint:sched_switch");
  CHECK(ap.provider == "rawtracepoint");
  CHECK(ap.target.empty());
  CHECK(ap.func == "sched_switch");
  AttachPoint m = ok("rt:vmlinux:kfree_skb");
  CHECK(m.provider == "rawtracepoint");
  CHECK(m.target == "vmlinux");
  CHECK(m.func == "kfree_skb");
  CHECK(ok("rawtracepoint:sched_*").need_expansion);
  CHECK(bad("rawtracepoint").message() == "rawtracepoint probe needs an event, e.g. rawtracepoint:sched_switch");
  CHECK(bad("rawtracepoint:a:b:c").message() == "too many arguments for rawtracepoint probe");
}

// ---- profile / interval ---------------------------------------------------------------------

TEST_CASE("attach_point: profile with units") {
  AttachPoint hz = ok("profile:hz:99");
  CHECK(hz.provider == "profile");
  CHECK(hz.unit == "hz");
  CHECK(hz.freq == 99);
  CHECK(hz.target.empty());
  CHECK(ok("p:s:1").unit == "s");
  CHECK(ok("profile:ms:10").freq == 10);
  CHECK(ok("profile:us:100").unit == "us");
  CHECK(ok("profile:hz:1_000").freq == 1000);
}

TEST_CASE("attach_point: profile and interval periods without a unit part") {
  AttachPoint ns = ok("profile:1000000");  // nanoseconds
  CHECK(ns.unit == "us");
  CHECK(ns.freq == 1000);
  AttachPoint s = ok("interval:1s");
  CHECK(s.provider == "interval");
  CHECK(s.unit == "us");
  CHECK(s.freq == 1000000);
  CHECK(ok("interval:500ms").freq == 500000);
  CHECK(ok("profile:10us").freq == 10);
  CHECK(ok("i:1m").freq == 60000000);
}

TEST_CASE("attach_point: interval with units") {
  AttachPoint ap = ok("interval:s:1");
  CHECK(ap.provider == "interval");
  CHECK(ap.unit == "s");
  CHECK(ap.freq == 1);
  CHECK(ok("i:ms:100").freq == 100);
  CHECK(ok("interval:hz:5").unit == "hz");
}

TEST_CASE("attach_point: interval and profile need a rate") {
  CHECK(bad("interval").message() == "interval probe needs a rate, e.g. interval:s:1");
  CHECK(bad("interval:s").message() == "interval probe needs a rate, e.g. interval:s:1");
  CHECK(bad("interval:s:").message() == "interval probe needs a rate, e.g. interval:s:1");
  CHECK(bad("profile:hz").message() == "profile probe needs a rate, e.g. profile:hz:99");
}

TEST_CASE("attach_point: profile rate errors") {
  CHECK(bad("profile:hz:0").message() == "profile rate must be a positive integer, got '0'");
  CHECK(bad("profile:hz:abc").message() == "profile rate must be a positive integer, got 'abc'");
  Parsed suffixed = bad("interval:s:1s");
  CHECK(suffixed.message() == "interval rate must be a positive integer, got '1s'");
  CHECK(suffixed.hint() == "e.g. interval:s:1, or interval:1s");
  Parsed unit = bad("profile:sec:1");
  CHECK(unit.message() == "unknown time unit 'sec' in profile probe");
  CHECK(bad("profile:500").message() == "profile period must be at least 1us, got 500ns");
  CHECK(bad("interval:xyz").message() == "interval period must be a positive duration, got 'xyz'");
  CHECK(bad("profile:*").message() == "wildcards are not allowed in profile probes");
  CHECK(bad("interval:s:1:2").message() == "too many arguments for interval probe");
}

// ---- software / hardware ---------------------------------------------------------------------

TEST_CASE("attach_point: software events and counts") {
  AttachPoint ap = ok("software:faults:100");
  CHECK(ap.provider == "software");
  CHECK(ap.target == "faults");
  CHECK(ap.freq == 100);
  AttachPoint def = ok("software:cpu-clock");  // bpftrace's default count
  CHECK(def.freq == 1000000);
  CHECK(ok("s:cs").freq == 1000);
  CHECK(ok("software:page-faults:").freq == 100);
  CHECK(ok("software:task-clock").freq == 1);
  CHECK(ok("software:cpu").target == "cpu");
}

TEST_CASE("attach_point: software errors") {
  Parsed p = bad("software:foo");
  CHECK(p.message() == "invalid software event 'foo'");
  CHECK(p.hint().find("context-switches (cs)") != std::string::npos);
  CHECK(bad("software:faults:0").message() == "software probe count must be a positive integer, got '0'");
  CHECK(bad("software:faults:x").message() == "software probe count must be a positive integer, got 'x'");
  CHECK(bad("software:*").message() == "wildcards are not allowed in software probes");
  CHECK(bad("software").message() == "software probe needs an event, e.g. software:page-faults:100");
}

TEST_CASE("attach_point: hardware events") {
  AttachPoint ap = ok("hardware:cache-misses:1e6");
  CHECK(ap.provider == "hardware");
  CHECK(ap.target == "cache-misses");
  CHECK(ap.freq == 1000000);
  CHECK(ok("h:cycles").freq == 1000000);
  CHECK(ok("hardware:branches").freq == 100000);
  CHECK(bad("hardware:page-faults").message() == "invalid hardware event 'page-faults'");
}

// ---- watchpoint -------------------------------------------------------------------------------

TEST_CASE("attach_point: watchpoint") {
  AttachPoint ap = ok("watchpoint:0x10000000:8:w");
  CHECK(ap.provider == "watchpoint");
  CHECK(ap.has_offset);
  CHECK(ap.offset == 0x10000000);
  CHECK(ap.len == 8);
  CHECK(ap.mode == "w");
  CHECK(ok("w:0x1000:4:wr").mode == "rw");  // sorted
  CHECK(ok("watchpoint:4096:1:x").offset == 4096);
}

TEST_CASE("attach_point: watchpoint errors") {
  CHECK(bad("watchpoint:0x1000:3:w").message() == "watchpoint length must be 1, 2, 4 or 8, got '3'");
  CHECK(bad("watchpoint:0x1000:8:q").message() == "invalid watchpoint mode 'q'");
  CHECK(bad("watchpoint:0x1000:8:ww").message() == "watchpoint mode 'ww' repeats a letter");
  CHECK(bad("watchpoint:0:8:w").message() == "watchpoint address must be non-zero");
  CHECK(bad("watchpoint:zz:8:w").message() == "invalid watchpoint address 'zz'");
  CHECK(bad("watchpoint:0x1000:8").message() ==
        "watchpoint probe needs an address, a length and a mode, e.g. watchpoint:0x10000000:8:w");
#if defined(__x86_64__)
  CHECK(bad("watchpoint:0x1000:8:r").message() == "watchpoint mode 'r' is not supported on x86");
#endif
}

// ---- fentry / fexit ---------------------------------------------------------------------------

TEST_CASE("attach_point: fentry and fexit aliases") {
  for (const char *s : {"fentry:vfs_read", "f:vfs_read", "kfunc:vfs_read"}) {
    AttachPoint ap = ok(s);
    CHECK(ap.provider == "fentry");
    CHECK(ap.func == "vfs_read");
    CHECK(ap.target.empty());
  }
  for (const char *s : {"fexit:vfs_read", "fr:vfs_read", "kretfunc:vfs_read"}) CHECK(ok(s).provider == "fexit");
  AttachPoint m = ok("fentry:ext4:ext4_file_open");
  CHECK(m.target == "ext4");
  CHECK(m.func == "ext4_file_open");
  CHECK(ok("fexit:vfs_*").need_expansion);
}

TEST_CASE("attach_point: fentry on bpf programs") {
  AttachPoint ap = ok("fentry:bpf:my_prog");
  CHECK(ap.target == "bpf");
  CHECK(ap.func == "my_prog");
  CHECK(ap.bpf_prog_id == 0);
  AttachPoint id = ok("fexit:bpf:123:my_prog");
  CHECK(id.bpf_prog_id == 123);
  CHECK(id.func == "my_prog");
  CHECK(ok("fentry:bpf:*:my_prog").bpf_prog_id == 0);
  // Named as bpftrace names it; always completed when the tool starts.
  CHECK(id.name() == "fexit:bpf:123:my_prog");
  CHECK(ap.name() == "fentry:bpf:my_prog");
  CHECK(targets_bpf_program(ap));
  CHECK(named_at_start(ap));
  CHECK_FALSE(targets_bpf_program(ok("fentry:vfs_read")));
  CHECK_FALSE(named_at_start(ok("fentry:vfs_read")));
}

TEST_CASE("attach_point: fentry errors") {
  CHECK(bad("fentry").message() == "fentry probe needs a function, e.g. fentry:vfs_read");
  CHECK(bad("fentry:bpf:x1:prog").message() == "bpf program id must be a number or '*', got 'x1'");
  CHECK(bad("fentry:a:b:c").message() == "only the 'bpf' form of fentry takes three arguments");
  CHECK(bad("fexit:a:b:c:d").message() == "too many arguments for fexit probe");
  CHECK(bad("fentry:bpf:1:").message() == "the 'bpf' form of fentry needs a program name, e.g. fentry:bpf:prog");
}

// ---- iter, self, test, bench --------------------------------------------------------------------

TEST_CASE("attach_point: iter") {
  AttachPoint ap = ok("iter:task");
  CHECK(ap.provider == "iter");
  CHECK(ap.func == "task");
  CHECK(ap.pin.empty());
  AttachPoint pin = ok("it:task_file:/sys/fs/bpf/files");
  CHECK(pin.provider == "iter");
  CHECK(pin.func == "task_file");
  CHECK(pin.pin == "/sys/fs/bpf/files");
  CHECK(ok("iter:task_vma:list").pin == "list");
  CHECK(bad("iter:task*").message() == "iter probe does not support wildcards");
  CHECK(bad("iter").message() == "iter probe needs an iterator, e.g. iter:task");
  CHECK(bad("iter:task:a:b").message() == "too many arguments for iter probe");
}

TEST_CASE("attach_point: self signal") {
  AttachPoint ap = ok("self:signal:SIGUSR1");
  CHECK(ap.provider == "self");
  CHECK(ap.target == "signal");
  CHECK(ap.func == "SIGUSR1");
  CHECK(bad("self:signal:SIGINT").message() == "unsupported signal 'SIGINT' in self probe");
  CHECK(bad("self:timer:SIGUSR1").message() == "unknown self probe trigger 'timer'");
  CHECK(bad("self:signal").message() == "self probe needs a trigger and a signal, e.g. self:signal:SIGUSR1");
}

TEST_CASE("attach_point: test and bench") {
  AttachPoint t = ok("test:my_case");
  CHECK(t.provider == "test");
  CHECK(t.target == "my_case");
  AttachPoint b = ok("bench:loop");
  CHECK(b.provider == "bench");
  CHECK(b.target == "loop");
  CHECK(bad("test").message() == "test probe needs a name, e.g. test:my_test");
  CHECK(bad("bench:a:b").message() == "too many arguments for bench probe");
}

// ---- positional parameters --------------------------------------------------------------------------

TEST_CASE("attach_point: positional parameters stay unexpanded") {
  AttachPoint u = ok("uprobe:$1:malloc");
  CHECK(u.has_positional);
  CHECK(u.target == "$1");
  CHECK(u.func == "malloc");
  AttachPoint k = ok("kprobe:$2");
  CHECK(k.has_positional);
  CHECK(k.func == "$2");
  AttachPoint t = ok("tracepoint:syscalls:sys_enter_$1");
  CHECK(t.func == "sys_enter_$1");
  CHECK_FALSE(ok("kprobe:vfs_read").has_positional);
}

TEST_CASE("attach_point: positional parameters in numeric parts are deferred") {
  AttachPoint i = ok("interval:s:$1");
  CHECK(i.unit == "s");
  CHECK(i.freq == 0);
  REQUIRE(i.deferred.size() == 1);
  CHECK(i.deferred[0] == std::make_pair(std::string("freq"), std::string("$1")));
  AttachPoint p = ok("profile:$1");
  REQUIRE(p.deferred.size() == 1);
  CHECK(p.deferred[0].first == "period");
  AttachPoint off = ok("kprobe:vfs_read+$3");
  CHECK(off.has_offset);
  REQUIRE(off.deferred.size() == 1);
  CHECK(off.deferred[0] == std::make_pair(std::string("offset"), std::string("$3")));
  AttachPoint sw = ok("software:$1:$2");  // event checked at run time
  CHECK(sw.target == "$1");
  REQUIRE(sw.deferred.size() == 2);
  CHECK(sw.deferred[0].first == "freq");
  CHECK(sw.deferred[1] == std::make_pair(std::string("target"), std::string("$1")));
}

TEST_CASE("attach_point: text parts holding positional parameters are templates named at start") {
  AttachPoint u = ok("uprobe:/bin/x:$1");
  CHECK(u.func == "$1");
  CHECK(u.need_expansion);  // attached by name on the target, like a wildcard
  REQUIRE(u.deferred.size() == 1);
  CHECK(u.deferred[0] == std::make_pair(std::string("func"), std::string("$1")));
  AttachPoint t = ok("tracepoint:$1:sys_enter_$2");
  REQUIRE(t.deferred.size() == 2);
  CHECK(t.deferred[0].first == "target");
  CHECK(t.deferred[1] == std::make_pair(std::string("func"), std::string("sys_enter_$2")));
  AttachPoint n = ok("usdt:/bin/x:$1:$2");
  CHECK(n.ns == "$1");
  CHECK(n.func == "$2");
  // A quoted '$' in an attach point with positional parameters stays "$$" in a template
  // part, and a plain '$' in the other parts.
  AttachPoint q = ok("uprobe:\"/opt/a$1\":f$1");
  CHECK(q.target == "/opt/a$1");
  CHECK(q.func == "f$1");
  REQUIRE(q.deferred.size() == 1);
  CHECK(q.deferred[0].first == "func");
  AttachPoint e = ok("uprobe:$1:\"f$\"$2");
  CHECK(e.func == "f$$$2");
  CHECK_FALSE(ok("kprobe:vfs_read+$3").need_expansion);  // only a number deferred
  CHECK(bad("fentry:$1").message() == "a positional parameter cannot name a fentry probe");
  CHECK(bad("iter:$1").message() == "a positional parameter cannot name an iter probe");
  CHECK(bad("rawtracepoint:$1").message() == "a positional parameter cannot name a rawtracepoint probe");
}

TEST_CASE("attach_point: positional parameter errors and quoting") {
  Parsed p = bad("uprobe:$x:malloc");
  CHECK(p.message() == "invalid positional parameter '$x' in attach point");
  CHECK(p.diags[0].loc.col == 8);
  CHECK(bad("kprobe:$0").message() == "invalid positional parameter '$0' in attach point");
  CHECK(bad("$1:foo").message() == "the probe type cannot be a positional parameter");
  AttachPoint q = ok("uprobe:/bin/x:\"$1\"");  // quoted: literal
  CHECK_FALSE(q.has_positional);
  CHECK(q.func == "$1");
}

// ---- misc ----------------------------------------------------------------------------------------------

TEST_CASE("attach_point: error location falls back to the whole attach point") {
  SourceFile src("t.bt", "kprobe:a:b:c {}\n");
  Diagnostics diags(src);
  AttachPoint ap;
  ap.raw = "kprobe:a:b:c";
  ap.loc = Location{3, 5, 4, 2};  // spans lines: no sub-ranges
  CHECK_FALSE(parse_attach_point(ap, diags));
  REQUIRE(diags.all().size() == 1);
  CHECK(diags.all()[0].loc.line == 3);
  CHECK(diags.all()[0].loc.col == 5);
}

TEST_CASE("attach_point: re-parsing resets the fields") {
  SourceFile src("t.bt", "x\n");
  Diagnostics diags(src);
  AttachPoint ap;
  ap.raw = "kprobe:vfs_read+8";
  ap.loc = Location{1, 1, 1, 18};
  REQUIRE(parse_attach_point(ap, diags));
  CHECK(ap.has_offset);
  ap.raw = "tracepoint:sched:sched_switch";
  REQUIRE(parse_attach_point(ap, diags));
  CHECK(ap.provider == "tracepoint");
  CHECK_FALSE(ap.has_offset);
  CHECK(ap.offset == 0);
  CHECK(ap.raw == "tracepoint:sched:sched_switch");
}

TEST_CASE("attach_point: number formats") {
  CHECK(ok("kprobe:f+0b101").offset == 5);
  CHECK(ok("kprobe:f+010").offset == 8);
  CHECK(ok("hardware:instructions:2e3").freq == 2000);
  CHECK(ok("software:faults:10u").freq == 10);
  CHECK(bad("software:faults:99999999999999999999999").message() ==
        "software probe count must be a positive integer, got '99999999999999999999999'");
}

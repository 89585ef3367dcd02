// Provider-specific attach logic (see attach.h).
#include "runtime-template/attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime-template/perf_events.h"
#include "runtime-template/probe_catalog.h"
#include "runtime-template/usyms.h"

namespace bt2bin::rt {

namespace {

std::string errno_text(int err) { return strerror(err < 0 ? -err : err); }

bool add_link(AttachResult &r, bpf_link *link, const std::string &what) {
  if (!link) {
    int err = errno;
    r.error = what + ": " + errno_text(err);
    return false;
  }
  r.links.push_back(link);
  r.attached++;
  return true;
}

// A probe with parts given as positional parameters: the program reads its
// name (`probe`) by the attachment's BPF cookie, as for a wildcard.
bool named_at_start(const ProbeDesc &p) { return p.deferred && *p.deferred; }

int perf_event_open(perf_event_attr *attr, int pid, int cpu) {
  return static_cast<int>(syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

uint64_t unit_to_ns(const std::string &unit, uint64_t n) {
  if (unit == "s") return n * 1000000000ULL;
  if (unit == "ms") return n * 1000000ULL;
  if (unit == "us") return n * 1000ULL;
  return n;  // ns or unit-less
}

// Attaches `prog` to the perf event `fd` (kept open in r.perf_fds); false,
// with r.error set, when the kernel refuses.
bool attach_perf_fd(AttachResult &r, bpf_program *prog, const ProbeDesc &p, int fd, const bpf_perf_event_opts &opts) {
  r.perf_fds.push_back(fd);
  bpf_link *link = bpf_program__attach_perf_event_opts(prog, fd, &opts);
  if (!link) {
    r.error = std::string(p.display) + ": " + errno_text(errno);
    return false;
  }
  r.links.push_back(link);
  return true;
}

void attach_perf(AttachResult &r, bpf_program *prog, const ProbeDesc &p, int pid, ProbeNamer &namer) {
  perf_event_attr attr = {};
  attr.size = sizeof(attr);
  std::string provider = p.provider;
  bool every_cpu = provider != "interval";
  if (provider == "profile" || provider == "interval") {
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    if (std::string(p.unit) == "hz") {
      attr.freq = 1;
      attr.sample_freq = p.freq;
    } else {
      attr.sample_period = unit_to_ns(p.unit, p.freq);
    }
  } else {
    bool hw = provider == "hardware";
    // The attach-point parser keeps the event name in `target`.
    std::string event = *p.func ? p.func : p.target;
    const PerfEventInfo *info = nullptr;
    auto find = [&](const auto &table) {
      for (const auto &e : table)
        if (e.name == event || (!e.alias.empty() && e.alias == event)) info = &e;
    };
    if (hw) find(kHardwareEvents);
    else find(kSoftwareEvents);
    if (!info) {
      r.error = std::string(p.display) + ": unknown " + provider + " event";
      return;
    }
    attr.type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
    attr.config = info->config;
    attr.sample_period = p.freq ? p.freq : info->default_count;
  }
  LIBBPF_OPTS(bpf_perf_event_opts, opts);
  if (named_at_start(p)) opts.bpf_cookie = namer.name(p.display);
  int ncpus = libbpf_num_possible_cpus();
  int first = 0, last = every_cpu ? ncpus : 1;
  for (int cpu = first; cpu < last; cpu++) {
    int fd = perf_event_open(&attr, pid ? pid : -1, pid ? -1 : cpu);
    if (fd < 0) {
      int err = errno;
      if (err == ENODEV && every_cpu) continue;  // offline CPU
      if (provider == "hardware" && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV))
        r.error = std::string(p.display) + ": hardware event not supported on this machine (no hardware PMU)";
      else
        r.error = std::string(p.display) + ": perf_event_open failed: " + errno_text(err);
      return;
    }
    if (!attach_perf_fd(r, prog, p, fd, opts)) return;
    if (pid) break;
  }
  r.attached++;
}

// watchpoint:ADDR:LEN:MODE: a hardware breakpoint (debug register) perf
// event. With a process (-p, -c) it follows that process; otherwise it is
// a kernel address, watched on every CPU.
void attach_watchpoint(AttachResult &r, bpf_program *prog, const ProbeDesc &p, int pid, ProbeNamer &namer) {
  perf_event_attr attr = {};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_BREAKPOINT;
  attr.bp_type = HW_BREAKPOINT_EMPTY;
  for (const char *m = p.mode; *m; m++)
    attr.bp_type |= *m == 'r' ? HW_BREAKPOINT_R : *m == 'w' ? HW_BREAKPOINT_W : *m == 'x' ? HW_BREAKPOINT_X : 0;
  attr.bp_addr = p.offset;
  // An execute breakpoint covers one instruction: the length is a long's.
  attr.bp_len = (attr.bp_type & HW_BREAKPOINT_X) ? sizeof(long) : p.len;
  attr.sample_period = 1;
  r.watch_address = p.offset;
  // The address may come from a positional parameter: `probe` is named at run time.
  LIBBPF_OPTS(bpf_perf_event_opts, opts);
  if (named_at_start(p)) opts.bpf_cookie = namer.name(p.display);
  int ncpus = libbpf_num_possible_cpus();
  for (int cpu = 0; cpu < (pid ? 1 : ncpus); cpu++) {
    int fd = perf_event_open(&attr, pid ? pid : -1, pid ? -1 : cpu);
    if (fd < 0) {
      int err = errno;
      if (err == ENODEV && !pid) continue;  // offline CPU
      r.error = std::string(p.display) + ": " +
                (err == ENOSPC ? "no free hardware debug register for the watchpoint"
                 : err == ENOENT || err == EOPNOTSUPP ? "hardware breakpoints are not supported on this machine"
                 : err == EINVAL ? "the kernel rejected the watchpoint (address, length or mode): " + errno_text(err)
                                 : "perf_event_open failed: " + errno_text(err));
      return;
    }
    if (!attach_perf_fd(r, prog, p, fd, opts)) return;
  }
  r.attached++;
}

// What to say when a user probe names no binary and no -p PID was given.
std::string binary_not_found(const ProbeDesc &p, int pid) {
  if (!*p.target && !pid) return std::string(p.display) + ": a probe without a binary needs -p PID";
  if (!*p.target) return std::string(p.display) + ": cannot read the executable of process " + std::to_string(pid);
  return std::string(p.display) + ": binary not found: " + p.target;
}

// uprobe/uretprobe: one function, an address, or wildcards over the
// functions (and binaries) found on this host; with -p PID only that
// process is traced.
void attach_uprobe(AttachResult &r, bpf_program *prog, const ProbeDesc &p, ProcessScope scope, ProbeNamer &namer) {
  int pid = scope.pid;
  int traced = scope.traced_pid ? scope.traced_pid : -1;
  std::string provider = p.provider;
  bool ret = provider == "uretprobe";
  if (!p.wildcard) {
    auto paths = resolve_binary_paths(p.target, pid);
    if (paths.empty()) {
      r.error = binary_not_found(p, pid);
      return;
    }
    if (*p.func && !symbol_address(paths[0], p.func).found) {
      r.error = std::string(p.display) + ": no function '" + p.func + "' in " + paths[0];
      return;
    }
    if (*p.func && p.offset) {
      // As bpftrace: an offset must stay inside the function it is relative to.
      ElfSymbolInfo sym = symbol_address(paths[0], p.func);
      if (sym.found && sym.size && p.offset >= sym.size) {
        r.error = std::string(p.display) + ": offset " + std::to_string(p.offset) + " is outside the function (" +
                  p.func + " is " + std::to_string(sym.size) + " bytes)";
        return;
      }
    }
    uint64_t offset = p.offset;
    if (!*p.func && !vaddr_file_offset(paths[0], p.offset, offset)) {
      // uprobe:bin:0xADDR: a virtual address of the binary, attached at its file offset.
      r.error = std::string(p.display) + ": address is not in a loaded segment of " + paths[0];
      return;
    }
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret);
    if (*p.func) opts.func_name = p.func;
    // Named with the binary's path, as bpftrace names a uprobe once it found the binary.
    if (named_at_start(p)) {
      ProbeDesc found = p;
      found.target = paths[0].c_str();
      opts.bpf_cookie = namer.name(attach_point_name(found));
    }
    bpf_link *link = bpf_program__attach_uprobe_opts(prog, traced, paths[0].c_str(), offset, &opts);
    if (!link) r.error = std::string(p.display) + ": " + errno_text(errno) + " (symbol not found or not attachable)";
    else {
      add_link(r, link, p.display);
      Usyms::global().note_probe_binary(paths[0]);  // usym fallback once the process is gone
    }
    return;
  }
  MatchOptions mo;
  mo.pid = pid;
  mo.lang = p.lang;
  auto matches = match_probes(provider, p.target, "", p.func, mo);
  if (matches.empty()) {
    r.error = resolve_binary_paths(p.target, pid).empty() ? binary_not_found(p, pid)
                                                         : std::string("no functions match ") + p.display;
    return;
  }
  int err = 0;
  for (const auto &m : matches) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = namer.name(provider + ":" + m.target + ":" + m.func),
                .retprobe = ret, .func_name = m.func.c_str());
    bpf_link *link = bpf_program__attach_uprobe_opts(prog, traced, m.target.c_str(), 0, &opts);
    if (link) {
      add_link(r, link, m.func);
      Usyms::global().note_probe_binary(m.target);
    } else {
      err = errno;  // some symbols (ifuncs, aliases) cannot be probed: skip them
    }
  }
  if (r.attached == 0) r.error = std::string(p.display) + ": " + errno_text(err);
}

// usdt: `binary:[ns:]probe`, `*:probe` (every binary -p PID maps, or every
// process), `binary:*`, and the -p form `usdt:probe`. libbpf activates
// semaphores (through the kernel's uprobe reference counter).
void attach_usdt(AttachResult &r, bpf_program *prog, const ProbeDesc &p, ProcessScope scope, ProbeNamer &namer) {
  int pid = scope.pid;
  int traced = scope.traced_pid ? scope.traced_pid : -1;
  if (!p.wildcard) {
    auto paths = resolve_binary_paths(p.target, pid);
    if (paths.empty()) {
      r.error = binary_not_found(p, pid);
      return;
    }
    LIBBPF_OPTS(bpf_usdt_opts, opts);
    if (named_at_start(p)) opts.usdt_cookie = namer.name("usdt:" + paths[0] + ":" + p.ns + ":" + p.func);
    add_link(r, bpf_program__attach_usdt(prog, traced, paths[0].c_str(), p.ns, p.func, &opts), p.display);
    if (r.attached) Usyms::global().note_probe_binary(paths[0]);
    return;
  }
  MatchOptions mo;
  mo.pid = pid;
  auto matches = match_probes("usdt", p.target, p.ns, p.func, mo);
  if (matches.empty()) {
    r.error = *p.target == '*' || !resolve_binary_paths(p.target, pid).empty()
                  ? std::string("no USDT probes match ") + p.display
                  : binary_not_found(p, pid);
    return;
  }
  int err = 0;
  for (const auto &m : matches) {
    // libbpf keeps the BPF cookie for its argument specs: `probe` uses the USDT cookie.
    LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = namer.name("usdt:" + m.target + ":" + m.ns + ":" + m.func));
    bpf_link *link = bpf_program__attach_usdt(prog, traced, m.target.c_str(), m.ns.c_str(), m.func.c_str(), &opts);
    if (link) add_link(r, link, m.str());
    else err = errno;
  }
  if (r.attached == 0) r.error = std::string(p.display) + ": " + errno_text(err);
}

// A kprobe attach failed with `err` because this kernel has no kprobes.
bool no_kprobes(int err) {
  return (err == ENOENT || err == EOPNOTSUPP) && access("/sys/kernel/tracing/kprobe_events", F_OK) != 0 &&
         access("/sys/bus/event_source/devices/kprobe", F_OK) != 0;
}

std::string kprobes_missing(const ProbeDesc &p) {
  return std::string(p.display) + ": kprobes are not supported by this kernel (no CONFIG_KPROBES)";
}

// fentry:bpf[:id]:prog: a copy of the program for every function of a
// running BPF program it matches, each named `fentry:bpf:ID:func`.
void attach_bpf_program(AttachResult &r, bpf_program *prog, const ProbeDesc &p, ProbeNamer &namer,
                        ProgramCopies &copies) {
  auto targets = running_bpf_functions(p.bpf_prog_id, p.func);
  if (targets.empty()) {
    r.error = std::string(p.display) + ": no running BPF program" +
              (p.bpf_prog_id ? " with ID " + std::to_string(p.bpf_prog_id) : std::string()) + " has a function " +
              (strpbrk(p.func, "*?[") ? "matching " : "named ") + p.func;
    return;
  }
  std::string error;
  for (const auto &t : targets) {
    std::string name = std::string(p.provider) + ":bpf:" + std::to_string(t.prog_id) + ":" + t.func;
    bpf_program *copy = copies.load(bpf_program__name(prog), t.prog_id, t.func, error);
    if (!copy) continue;
    LIBBPF_OPTS(bpf_trace_opts, opts, .cookie = namer.name(name));
    bpf_link *link = bpf_program__attach_trace_opts(copy, &opts);
    if (link) add_link(r, link, name);
    else error = name + ": " + errno_text(errno);
  }
  if (r.attached == 0) r.error = std::string(p.display) + ": " + error;
}

void attach_tracepoint(AttachResult &r, bpf_program *prog, const ProbeDesc &p, ProbeNamer &namer) {
  std::vector<std::pair<std::string, std::string>> events;
  if (p.wildcard) {
    for (const auto &m : match_probes("tracepoint", p.target, "", p.func)) events.push_back({m.target, m.func});
    if (events.empty()) {
      r.error = std::string("no tracepoints match ") + p.display;
      return;
    }
  } else {
    events.push_back({p.target, p.func});
  }
  for (const auto &[cat, ev] : events) {
    LIBBPF_OPTS(bpf_tracepoint_opts, opts);
    opts.bpf_cookie = namer.name("tracepoint:" + cat + ":" + ev);
    bpf_link *link = bpf_program__attach_tracepoint_opts(prog, cat.c_str(), ev.c_str(), &opts);
    if (!link && errno == ENOENT) {
      r.error = "tracepoint:" + cat + ":" + ev + ": no such tracepoint on this kernel";
      return;
    }
    if (!add_link(r, link, "tracepoint:" + cat + ":" + ev)) return;
  }
}

}  // namespace

bool targets_bpf_program(const ProbeDesc &p) {
  return (!strcmp(p.provider, "fentry") || !strcmp(p.provider, "fexit")) && !strcmp(p.target, "bpf");
}

// The attach point's name as bpftrace prints it (AttachPoint::name() of
// the compiler), from its parts once the positional parameters are known.
std::string attach_point_name(const ProbeDesc &p) {
  std::string n = p.provider;
  for (const char *part : {p.target, p.lang, p.ns, p.unit})
    if (part && *part) n += std::string(":") + part;
  if (p.bpf_prog_id) n += ":" + std::to_string(p.bpf_prog_id);
  if (*p.func) n += std::string(":") + p.func + (p.offset ? "+" + std::to_string(p.offset) : "");
  else if (p.offset) n += ":" + std::to_string(p.offset);
  if (p.freq) n += ":" + std::to_string(p.freq);
  if (p.len) n += ":" + std::to_string(p.len);
  if (*p.mode) n += std::string(":") + p.mode;
  return n;
}

AttachResult attach_probe(bpf_program *prog, const ProbeDesc &p, ProcessScope scope, ProbeNamer &namer,
                          ProgramCopies &copies) {
  AttachResult r;
  std::string provider = p.provider;
  if (provider == "tracepoint") {
    attach_tracepoint(r, prog, p, namer);
  } else if (provider == "rawtracepoint") {  // tp_btf: the event is the program's attach target
    add_link(r, bpf_program__attach_trace(prog), p.display);
  } else if ((provider == "kprobe" || provider == "kretprobe") && p.wildcard) {
    auto matches = match_probes(provider, p.target, "", p.func);
    if (matches.empty()) r.error = std::string("no kernel functions match ") + p.display;
    for (const auto &m : matches) {
      LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = namer.name(provider + ":" + m.func),
                  .retprobe = provider == "kretprobe");
      bpf_link *link = bpf_program__attach_kprobe_opts(prog, m.func.c_str(), &opts);
      if (link) add_link(r, link, m.func);
    }
    if (r.attached == 0 && r.error.empty())
      r.error = no_kprobes(errno) ? kprobes_missing(p) : std::string(p.display) + ": " + errno_text(errno);
  } else if (provider == "kprobe" || provider == "kretprobe") {
    LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = p.offset, .retprobe = provider == "kretprobe");
    if (named_at_start(p)) opts.bpf_cookie = namer.name(p.display);
    bpf_link *link = bpf_program__attach_kprobe_opts(prog, p.func, &opts);
    if (!link && no_kprobes(errno))
      r.error = kprobes_missing(p);
    else if (!link && errno == EILSEQ)  // the kernel's instruction decoder disagrees with the offset
      r.error = std::string(p.display) + ": offset " + std::to_string(p.offset) +
                " is not on an instruction boundary of " + p.func;
    else if (!link)
      r.error = std::string(p.display) + ": " + errno_text(errno) +
                (errno == ENOENT ? " (no such kernel function)" : "");
    else
      add_link(r, link, p.display);
  } else if (provider == "uprobe" || provider == "uretprobe") {
    attach_uprobe(r, prog, p, scope, namer);
  } else if (provider == "usdt") {
    attach_usdt(r, prog, p, scope, namer);
  } else if (targets_bpf_program(p)) {
    attach_bpf_program(r, prog, p, namer, copies);
  } else if (provider == "fentry" || provider == "fexit") {
    add_link(r, bpf_program__attach_trace(prog), p.display);
  } else if (provider == "iter") {
    add_link(r, bpf_program__attach_iter(prog, nullptr), p.display);
  } else if (provider == "watchpoint") {
    attach_watchpoint(r, prog, p, scope.traced_pid, namer);
  } else if (provider == "profile" || provider == "interval" || provider == "software" ||
             provider == "hardware") {
    attach_perf(r, prog, p, scope.pid, namer);
  } else {
    r.error = std::string(p.display) + ": probe type '" + provider + "' is not supported yet";
  }
  return r;
}

bool run_once(bpf_program *prog, std::string &error) {
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
  if (err) {
    error = std::string("could not run ") + bpf_program__name(prog) + ": " + errno_text(errno);
    return false;
  }
  return true;
}

}  // namespace bt2bin::rt

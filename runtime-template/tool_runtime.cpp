// The life of a produced tool (see tool_runtime.h): command line, load,
// attach, BEGIN, the event loop, and the exit sequence (END, maps).
#include "runtime-template/tool_runtime.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime-template/attach.h"
#include "runtime-template/child_process.h"
#include "runtime-template/event_channel.h"
#include "runtime-template/host_restrictions.h"
#include "runtime-template/ksyms.h"
#include "runtime-template/usyms.h"
#include "runtime-template/map_format.h"
#include "runtime-template/perf_events.h"
#include "runtime-template/probe_catalog.h"
#include "runtime-template/printf_format.h"
#include "runtime-template/runtime_output.h"
#include "runtime-template/symbol_hooks.h"
#include "runtime-template/value_format.h"

namespace bt2bin::rt {

namespace {

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_usr1 = 0;
RuntimeArgs g_args;

struct Options {
  bool no_kprobe = false;   // --no-feature kprobe: use fentry twins
  bool no_fentry = false;   // --no-feature fentry
  bool no_ringbuf = false;  // --no-feature ringbuf (hidden): events through a perf buffer
  bool json = false;
  bool quiet = false;
  bool verbose = false;
  bool list = false;
  int pid = 0;
  const char *output = nullptr;
  const char *command = nullptr;
  std::vector<char *> positional;
};

// libbpf's messages, kept to explain a failed load (see helper_support).
std::string g_libbpf_log;
void keep_libbpf_message(const char *fmt, va_list ap) {
  char line[4096];
  vsnprintf(line, sizeof line, fmt, ap);
  if (g_libbpf_log.size() < (8u << 20)) g_libbpf_log += line;
}
int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap) {
  keep_libbpf_message(fmt, ap);
  return 0;
}
int libbpf_verbose(enum libbpf_print_level level, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  keep_libbpf_message(fmt, copy);
  va_end(copy);
  return vfprintf(stderr, fmt, ap);
}

void on_signal(int) { g_stop = 1; }
void on_usr1(int) { g_usr1 = 1; }

void usage(const ToolDesc &d, FILE *out) {
  fprintf(out,
          "USAGE: %s [OPTIONS] [--] [ARGS...]\n"
          "Compiled by bt2bin from %s.\n\n"
          "OPTIONS:\n"
          "  -f FORMAT   output format: text (default) or json\n"
          "  -o FILE     write output to FILE\n"
          "  -p PID      trace only process PID\n"
          "  -c CMD      run CMD, trace it (cpid), and exit when it exits\n"
          "  -q          do not print the 'Attached N probes' line\n"
          "  -v          verbose: show libbpf messages\n"
          "  --list      list the probes this tool attaches on this host\n"
          "  --no-feature kprobe|fentry  do not use kprobes (use fentry twins) or fentry\n"
          "  -h, --help  this help\n"
          "ARGS are the script's positional parameters $1, $2, ...\n",
          d.name, d.source_name);
  if (d.noptions) fprintf(out, "\nPROGRAM OPTIONS (after --):\n");
  for (uint32_t i = 0; i < d.noptions; i++) {
    const OptionDesc &opt = d.options[i];
    std::string spelling = std::string("--") + opt.name +
                           (opt.kind == OptionKind::Bool ? "[=true|false]" : opt.kind == OptionKind::Int ? "=INT" : "=STRING");
    fprintf(out, "  %-24s %s (default: %s)\n", spelling.c_str(), opt.description ? opt.description : "",
            opt.kind == OptionKind::Bool ? (strcmp(opt.default_value, "0") ? "true" : "false") : opt.default_value);
  }
}

// `--name=value` / `--name` of a getopt() option; false if no such option.
bool set_program_option(const ToolDesc &d, const std::string &text) {
  std::string name = text.substr(0, text.find('='));
  bool has_value = text.find('=') != std::string::npos;
  std::string value = has_value ? text.substr(text.find('=') + 1) : "";
  for (uint32_t i = 0; i < d.noptions; i++) {
    const OptionDesc &opt = d.options[i];
    if (name != opt.name) continue;
    switch (opt.kind) {
      case OptionKind::Bool:
        if (!has_value || value == "true" || value == "1") value = "1";
        else if (value == "false" || value == "0") value = "0";
        else {
          fprintf(stderr, "%s: option --%s takes true or false, not '%s'\n", d.name, opt.name, value.c_str());
          exit(1);
        }
        break;
      case OptionKind::Int: {
        char *end = nullptr;
        strtoll(value.c_str(), &end, 0);
        if (!has_value || value.empty() || *end) {
          fprintf(stderr, "%s: option --%s needs an integer value\n", d.name, opt.name);
          exit(1);
        }
        break;
      }
      case OptionKind::String:
        if (!has_value) {
          fprintf(stderr, "%s: option --%s needs a value (--%s=VALUE)\n", d.name, opt.name, opt.name);
          exit(1);
        }
        break;
    }
    g_args.option_values[i] = value;
    return true;
  }
  return false;
}

bool parse_options(const ToolDesc &d, int argc, char **argv, Options &o, int &exit_code) {
  g_args.option_values.clear();
  for (uint32_t i = 0; i < d.noptions; i++) g_args.option_values.push_back(d.options[i].default_value);
  bool only_positional = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&](const char *what) -> char * {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s: option %s needs %s\n", d.name, a.c_str(), what);
        return nullptr;
      }
      return argv[++i];
    };
    if (a.size() > 2 && a.compare(0, 2, "--") == 0 && d.noptions && set_program_option(d, a.substr(2))) {
      continue;
    } else if (only_positional || a.empty() || a[0] != '-' || a == "-") {
      o.positional.push_back(argv[i]);
    } else if (a == "--") {
      only_positional = true;
    } else if (a == "-h" || a == "--help") {
      usage(d, stdout);
      exit_code = 0;
      return false;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else if (a == "--no-feature") {
      char *v = value("kprobe or fentry");
      if (!v) return exit_code = 1, false;
      if (strcmp(v, "kprobe") == 0) o.no_kprobe = true;
      else if (strcmp(v, "fentry") == 0) o.no_fentry = true;
      else if (strcmp(v, "ringbuf") == 0) o.no_ringbuf = true;
      else {
        fprintf(stderr, "%s: unknown feature '%s' (kprobe or fentry)\n", d.name, v);
        return exit_code = 1, false;
      }
    } else if (a == "--list") {
      o.list = true;
    } else if (a == "-f") {
      char *v = value("text or json");
      if (!v) return exit_code = 1, false;
      if (strcmp(v, "json") == 0) o.json = true;
      else if (strcmp(v, "text") != 0) {
        fprintf(stderr, "%s: unknown output format '%s' (text or json)\n", d.name, v);
        return exit_code = 1, false;
      }
    } else if (a == "-o") {
      if (!(o.output = value("a file name"))) return exit_code = 1, false;
    } else if (a == "-p") {
      char *v = value("a process id");
      char *end = nullptr;
      if (!v) return exit_code = 1, false;
      o.pid = static_cast<int>(strtol(v, &end, 10));
      if (*end || o.pid <= 0) {
        fprintf(stderr, "%s: invalid PID '%s'\n", d.name, v);
        return exit_code = 1, false;
      }
    } else if (a == "-c") {
      if (!(o.command = value("a command"))) return exit_code = 1, false;
    } else if (a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])))) {
      o.positional.push_back(argv[i]);  // a negative number
    } else {
      fprintf(stderr, "%s: unknown option '%s' (see --help)\n", d.name, a.c_str());
      return exit_code = 1, false;
    }
  }
  return true;
}

uint64_t boot_ns() {
  timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + ts.tv_nsec;
}

// The tool's PID namespace as bpf_get_ns_current_pid_tgid() names it: the
// nsfs device in the kernel's dev_t encoding and the inode. Both stay 0 in
// the initial namespace, where the plain pid/tgid helper is used.
void read_pid_namespace(uint64_t &dev, uint64_t &ino) {
  constexpr uint64_t kInitPidNamespaceInode = 0xEFFFFFFC;  // PROC_PID_INIT_INO
  struct stat st;
  dev = ino = 0;
  if (stat("/proc/self/ns/pid", &st) != 0 || st.st_ino == kInitPidNamespaceInode) return;
  dev = (static_cast<uint64_t>(major(st.st_dev)) << 20) | minor(st.st_dev);
  ino = st.st_ino;
}

// CLOCK_TAI - CLOCK_BOOTTIME, read between two boot-time reads.
int64_t boot_to_tai_ns() {
  auto ns = [](clockid_t clock) {
    timespec ts;
    clock_gettime(clock, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  };
  int64_t before = ns(CLOCK_BOOTTIME);
  int64_t tai = ns(CLOCK_TAI);
  int64_t after = ns(CLOCK_BOOTTIME);
  return tai - (before + (after - before) / 2);
}

// Explains a load failure in one line.
std::string load_error(int err) {
  err = err < 0 ? -err : err;
  if (std::string why = lockdown_problem(); !why.empty()) return why;
  if (geteuid() != 0 && (err == EPERM || err == EACCES))
    return "permission denied: run as root (or with CAP_BPF and CAP_PERFMON)";
  if (err == EPERM) return "the kernel refused to load the BPF programs (EPERM): lockdown or missing capabilities";
  if (err == ESRCH || err == ENOENT) return "a kernel type or function the tool needs is missing on this kernel";
  if (err == EINVAL || err == EACCES) return "the BPF verifier rejected a program (run with -v for its log)";
  return std::string("could not load the BPF programs: ") + strerror(err);
}

// fentry/fexit need ftrace function hooks. When the kernel blocks them
// (lockdown, or no CONFIG_FUNCTION_TRACER) the ftrace function list cannot
// be read either, which is cheaper to test than a failed program load.
bool kprobes_available() {
  return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
         access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
         access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

bool fentry_available() {
  for (const char *path : {"/sys/kernel/tracing/available_filter_functions",
                           "/sys/kernel/debug/tracing/available_filter_functions"}) {
    FILE *f = fopen(path, "r");
    if (f) {
      fclose(f);
      return true;
    }
    if (errno == EPERM || errno == EACCES) return false;
  }
  return true;  // tracefs not mounted: let the load decide
}

// -p PID: the tool ends when the traced process does (a zombie counts as gone).
bool process_gone(int pid) {
  FILE *f = fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return true;
  char buf[512] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  const char *paren = strrchr(buf, ')');
  return n == 0 || !paren || paren[1] != ' ' || paren[2] == 'Z';
}

class Tool {
 public:
  Tool(const ToolDesc &d, const SkeletonOps &ops, Options &o) : d_(d), ops_(ops), o_(o), out_(o.json) {}
  int run();

 private:
  bool attach_all();
  bool has_usdt_probes() const;
  void run_programs(const char *provider);
  void handle_event(const uint8_t *data, size_t size);
  void print_map(uint32_t id, uint32_t top, uint64_t div);
  void clear_map(uint32_t id, bool zero);
  bool read_map(const MapDesc &m, std::vector<RawMapEntry> &entries);
  void exit_sequence();
  void report_lost_events();
  bpf_program *program(const ProbeDesc &p) { return bpf_object__find_program_by_name(obj_, p.prog_name); }
  bool drop_unavailable_probes();
  ProbeDesc with_deferred_parts(const ProbeDesc &p, std::string &error);
  void unwatch(uint64_t addr);
  bool settle_expanded_wildcards();
  bool name_fentry_targets();
  std::deque<std::string> expanded_;  // attach-point parts and names completed at start (deferred parts)
  void run_iterators();
  std::vector<std::pair<bpf_link *, const ProbeDesc *>> iters_;  // iter probes, run (or pinned) after BEGIN
  std::vector<bool> skipped_;  // probes not loaded on this host (missing_probes = warn/ignore)

  const ToolDesc &d_;
  const SkeletonOps &ops_;
  Options &o_;
  Output out_;
  FormatContext fmt_;
  std::vector<ParsedFormat> formats_;
  bpf_object *obj_ = nullptr;
  EventChannel events_;
  std::vector<AttachResult> attached_;
  bool exit_requested_ = false;
  int exit_code_ = 0;
  ChildProcess child_;
  SkbOutputs skb_outputs_;  // skboutput() pcap files
  ProgramCopies copies_;     // fentry:bpf programs, one per target
};

// iter probes run when their iterator is read: the tool reads it once,
// copying what the probe wrote to it (printf is bpf_seq_printf there) to
// its output, or pins it (`iter:task:/sys/fs/bpf/tasks`) for others to
// read. Then the tool ends, as bpftrace does (iter probes cannot be mixed
// with other probes).
void Tool::run_iterators() {
  for (const auto &[link, probe] : iters_) {
    if (*probe->pin) {
      std::string path = probe->pin[0] == '/' ? probe->pin : std::string("/sys/fs/bpf/") + probe->pin;
      if (bpf_link__pin(link, path.c_str()) != 0) {
        fprintf(stderr, "ERROR: %s: could not pin the iterator to %s: %s\n", probe->display, path.c_str(),
                strerror(errno));
        exit_code_ = 1;
        continue;
      }
      out_.raw("Program pinned to " + path + "\n");
      out_.flush();
      continue;
    }
    int fd = bpf_iter_create(bpf_link__fd(link));
    if (fd < 0) {
      fprintf(stderr, "ERROR: could not start the iterator: %s\n", strerror(errno));
      continue;
    }
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      events_.consume();
      out_.raw(std::string(buf, static_cast<size_t>(n)));
      out_.flush();
    }
    close(fd);
    events_.consume();
  }
  if (!iters_.empty()) exit_requested_ = true;
}

// Probes this host cannot run at all are decided before load: an error, or
// (missing_probes = warn/ignore) the program is not loaded.
bool Tool::drop_unavailable_probes() {
  skipped_.assign(d_.nprobes, false);
  bool fentry_ok = fentry_available() && !o_.no_fentry;
  bool kprobe_ok = kprobes_available() && !o_.no_kprobe;
  auto available = [&](const char *provider) {
    std::string p = provider;
    if (p == "kprobe" || p == "kretprobe") return kprobe_ok;
    if (p == "fentry" || p == "fexit") return fentry_ok;
    return true;
  };
  // A kprobe and its fentry twin, or an fentry probe and its kprobe twin:
  // the probe as written where its type works, else the twin.
  for (uint32_t i = 0; i < d_.nprobes; i++) {
    int primary = d_.probes[i].alternative_of;
    if (primary < 0) continue;
    bool use_twin = !available(d_.probes[primary].provider) && available(d_.probes[i].provider);
    uint32_t drop = use_twin ? static_cast<uint32_t>(primary) : i;
    bpf_program__set_autoload(program(d_.probes[drop]), false);
    skipped_[drop] = true;
  }
  std::set<std::string> reported;  // an expanded wildcard is reported once, by its pattern
  for (uint32_t i = 0; i < d_.nprobes; i++) {
    const ProbeDesc &p = d_.probes[i];
    if (skipped_[i]) continue;
    std::string provider = p.provider;
    if ((provider != "fentry" && provider != "fexit") || fentry_ok) continue;
    std::string policy = d_.missing_probes;
    const char *name = p.expanded_from && *p.expanded_from ? p.expanded_from : p.display;
    if (policy != "ignore" && reported.insert(name).second)
      fprintf(stderr, "%s: %s: fentry/fexit probes are not available on this kernel (ftrace function hooks "
                      "are unavailable)\n", policy == "warn" ? "WARNING" : "ERROR", name);
    if (policy == "error") return false;
    bpf_program__set_autoload(program(p), false);
    skipped_[i] = true;
  }
  // fentry:bpf: only copies bound to their targets load (ProgramCopies).
  for (uint32_t i = 0; i < d_.nprobes; i++)
    if (targets_bpf_program(d_.probes[i])) bpf_program__set_autoload(program(d_.probes[i]), false);
  return settle_expanded_wildcards();
}

// Wildcards expanded when compiling, one program per match (fentry/fexit,
// rawtracepoint, tracepoints reading `args`): the compiled matches this host
// lacks are not loaded (their functions or types may not exist here); a
// pattern fails (per missing_probes) only when none of them exists here;
// matches here that the build host lacked were not compiled and are not
// traced, with a warning.
bool Tool::settle_expanded_wildcards() {
  std::map<std::string, std::vector<uint32_t>> by_pattern;
  for (uint32_t i = 0; i < d_.nprobes; i++)
    if (d_.probes[i].expanded_from && *d_.probes[i].expanded_from && !skipped_[i])
      by_pattern[d_.probes[i].expanded_from].push_back(i);
  for (const auto &[pattern, probes] : by_pattern) {
    std::string provider = d_.probes[probes.front()].provider;
    // "provider:[target:]func" (a tracepoint pattern always has its category)
    std::string rest = pattern.substr(pattern.find(':') + 1);
    size_t colon = rest.rfind(':');
    std::string target = colon == std::string::npos ? "" : rest.substr(0, colon);
    std::string func = colon == std::string::npos ? rest : rest.substr(colon + 1);
    auto key = [](const std::string &t, const std::string &f) { return t.empty() ? f : t + ":" + f; };
    std::set<std::string> here, compiled;
    for (const auto &m : match_probes(provider, target, "", func)) here.insert(key(target.empty() ? "" : m.target, m.func));
    bool any_here = false;
    for (uint32_t i : probes) {
      const ProbeDesc &p = d_.probes[i];
      compiled.insert(key(p.target, p.func));
      if (here.count(key(p.target, p.func))) {
        any_here = true;
      } else {
        bpf_program__set_autoload(program(p), false);
        skipped_[i] = true;
      }
    }
    for (const auto &m : here)
      if (!compiled.count(m))
        fprintf(stderr, "WARNING: %s:%s matches %s on this host but did not exist where the tool was compiled "
                        "(%s): not traced\n", provider.c_str(), m.c_str(), pattern.c_str(),
                provider == "tracepoint" ? "its args are typed when compiling" : "it would need its own program");
    if (any_here) continue;
    std::string policy = d_.missing_probes;
    if (policy == "ignore") continue;
    const char *what = provider == "tracepoint" ? "tracepoints" : provider == "rawtracepoint" ? "raw tracepoints"
                                                                                              : "kernel functions";
    fprintf(stderr, "%s: no %s match %s\n", policy == "warn" ? "WARNING" : "ERROR", what, pattern.c_str());
    if (policy == "error") return false;
  }
  return name_fentry_targets();
}

// The fentry/fexit twins of a wildcard kprobe are compiled without a target
// in their section (SEC("fentry")), to keep the object small: each is bound
// to its function here, before load.
bool Tool::name_fentry_targets() {
  for (uint32_t i = 0; i < d_.nprobes; i++) {
    const ProbeDesc &p = d_.probes[i];
    bpf_program *prog = program(p);
    if (skipped_[i] || !bpf_program__autoload(prog) || strchr(bpf_program__section_name(prog), '/')) continue;
    if (strcmp(p.provider, "fentry") != 0 && strcmp(p.provider, "fexit") != 0) continue;
    if (bpf_program__set_attach_target(prog, 0, p.func) != 0) {
      fprintf(stderr, "ERROR: %s: no BTF for %s on this kernel: %s\n", p.display, p.func, strerror(errno));
      return false;
    }
  }
  return true;
}

namespace {

// A text part of an attach point holding positional parameters: "$N" is
// the tool's Nth argument ("" when missing, as in bpftrace), "$$" a '$'.
std::string expand_positionals(const char *tmpl) {
  std::string out;
  for (const char *c = tmpl; *c; c++) {
    if (*c != '$') {
      out += *c;
    } else if (c[1] == '$') {
      out += '$';
      c++;
    } else {
      char *end = nullptr;
      long n = strtol(c + 1, &end, 10);
      out += g_args.positional_str(static_cast<int>(n));
      c = end - 1;
    }
  }
  return out;
}

// A duration as profile:N takes it: digits (`_` separators allowed), then
// ns (the default), us, ms, s, m, h or d; 0 when it is not one.
uint64_t duration_ns(const char *text) {
  uint64_t v = 0;
  const char *c = text;
  for (; (*c >= '0' && *c <= '9') || *c == '_'; c++)
    if (*c != '_') {
      if (v > UINT64_MAX / 10) return 0;
      v = v * 10 + static_cast<uint64_t>(*c - '0');
    }
  if (c == text) return 0;
  static const struct {
    const char *suffix;
    uint64_t ns;
  } kUnits[] = {{"", 1}, {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000ULL}, {"m", 60000000000ULL},
                {"h", 3600000000000ULL}, {"d", 86400000000000ULL}};
  for (const auto &u : kUnits)
    if (strcmp(c, u.suffix) == 0) return v > UINT64_MAX / u.ns ? 0 : v * u.ns;
  return 0;
}

// What bpftrace says of an attach point whose parts given as positional
// parameters are empty or not valid (it checks them when it parses the
// script; the tool does when it starts). `deferred` names the parts.
std::string bad_deferred_part(const ProbeDesc &q, const std::set<std::string> &deferred, int pid) {
  std::string p = q.provider;
  auto given = [&](const char *field) { return deferred.count(field) > 0; };
  if ((p == "kprobe" || p == "kretprobe") && !*q.func && !q.offset) return "kprobes should be attached to a function";
  if (p == "uprobe" || p == "uretprobe") {
    if (given("target") && !*q.target) return p + " should have a target";
    if (!*q.func && !q.offset) return p + " should be attached to a function and/or address";
  }
  if (p == "usdt") {
    if (!*q.func) return "usdt probe must have a target function or wildcard";
    if (given("target") && !*q.target && !pid)
      return "usdt probe must specify at least path or pid to probe. To target all paths/pids set the path to '*'.";
  }
  if (p == "tracepoint" && (!*q.target || !*q.func)) return "tracepoint probe must have a target";
  if ((p == "profile" || p == "interval") && given("unit")) {
    if (!*q.unit) return p + " probe must have unit of time";
    bool known = false;
    for (auto u : kTimeUnits) known |= u == q.unit;
    if (!known) return std::string(q.unit) + " is not an accepted unit of time";
  }
  if ((p == "software" || p == "hardware") && given("target")) {
    if (!*q.target) return p + " probe must have a " + p + " event name";
    if (!(p == "software" ? find_software_event(q.target) : find_hardware_event(q.target)))
      return std::string(q.target) + " is not a " + p + " probe";
  }
  if (p == "watchpoint" && given("mode")) {
    std::string m = q.mode;
    if (m.empty() || m.find_first_not_of("rwx") != std::string::npos)
      return "watchpoint mode must be combination of (r,w,x)";
  }
  return "";
}

}  // namespace

// Attach-point parts given as positional parameters, read from the command
// line at start (see ProbeDesc::deferred): numeric parts ("field=$N",
// `watchpoint:$1:8:w`) and text parts, templates holding "$N"
// (`uprobe:/bin/x:$1`, `tracepoint:$1:$2`). The probe's name is rebuilt
// from the values; whether it is a wildcard is decided on them. `error` is
// bpftrace's message when a part is empty or invalid.
ProbeDesc Tool::with_deferred_parts(const ProbeDesc &p, std::string &error) {
  if (!p.deferred || !*p.deferred) return p;
  ProbeDesc q = p;
  std::set<std::string> fields;
  std::string period_error;
  std::string list = p.deferred;
  for (size_t start = 0; start <= list.size();) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    start = end + 1;
    size_t eq = item.find("=$");
    if (eq == std::string::npos) {
      const char **text = item == "target" ? &q.target
                          : item == "ns"   ? &q.ns
                          : item == "func" ? &q.func
                          : item == "unit" ? &q.unit
                          : item == "mode" ? &q.mode
                                           : nullptr;
      if (!text) continue;
      fields.insert(item);
      expanded_.push_back(expand_positionals(*text));
      *text = expanded_.back().c_str();
      continue;
    }
    std::string field = item.substr(0, eq);
    fields.insert(field);
    if (field == "period") {  // profile:$1 / interval:$1: a duration, ns unless suffixed
      const char *text = g_args.positional_str(atoi(item.c_str() + eq + 2));
      uint64_t ns = duration_ns(text);
      if (ns < 1000) period_error = std::string(q.provider) + " period must be a duration of at least 1us, got '" + text + "'";
      q.unit = "us";
      q.freq = ns / 1000;
      continue;
    }
    // Unsigned: kernel addresses do not fit an int64.
    uint64_t v = strtoull(g_args.positional_str(atoi(item.c_str() + eq + 2)), nullptr, 0);
    if (field == "address" || field == "offset") q.offset = v;
    else if (field == "freq") q.freq = v;
    else if (field == "len") q.len = v;
    else if (field == "bpf_prog_id") q.bpf_prog_id = static_cast<uint32_t>(v);
  }
  // kprobe:$1 given an address: a raw kernel address, which only a tool
  // compiled with --unsafe may attach to (as bpftrace's kprobe:0xADDR).
  std::string provider = q.provider;
  char *number_end = nullptr;
  uint64_t address = fields.count("func") && *q.func ? strtoull(q.func, &number_end, 0) : 0;
  if ((provider == "kprobe" || provider == "kretprobe") && number_end && !*number_end) {
    if (!d_.unsafe) {
      error = std::string(p.display) + ": " + q.func + " is a raw kernel address: the tool must be compiled with --unsafe";
      return q;
    }
    q.offset = address;
    q.func = "";
  }
  if (fields.count("target") || fields.count("ns") || fields.count("func"))
    q.wildcard = has_wildcard(q.target) || has_wildcard(q.ns) || has_wildcard(q.func) ||
                 (strcmp(q.provider, "usdt") == 0 && !*q.ns) || (q.lang && *q.lang);
  expanded_.push_back(attach_point_name(q));
  q.display = expanded_.back().c_str();
  error = period_error.empty() ? bad_deferred_part(q, fields, o_.pid) : period_error;
  if (!error.empty()) error = std::string(p.display) + ": " + error;
  return q;
}

bool Tool::has_usdt_probes() const {
  for (uint32_t i = 0; i < d_.nprobes; i++)
    if (strcmp(d_.probes[i].provider, "usdt") == 0) return true;
  return false;
}

bool Tool::attach_all() {
  int count = 0;
  ProbeNamer namer;
  bpf_map *names = bpf_object__find_map_by_name(obj_, "probe_names");
  if (names) {
    int fd = bpf_map__fd(names);
    namer.record = [fd](uint64_t cookie, const std::string &name) {
      char value[kRuntimeProbeNameSize] = {};
      strncpy(value, name.c_str(), sizeof value - 1);
      uint32_t key = static_cast<uint32_t>(cookie);
      bpf_map_update_elem(fd, &key, value, BPF_ANY);
    };
  }
  for (uint32_t i = 0; i < d_.nprobes; i++) {
    const ProbeDesc &p = d_.probes[i];
    std::string provider = p.provider;
    if (provider == "begin" || provider == "end" || provider == "self") {
      count++;
      continue;
    }
    if (skipped_[i]) continue;
    bpf_program *prog = program(p);
    // As bpftrace: user probes and watchpoints fire only in the -p process
    // or the -c child.
    ProcessScope scope{o_.pid, o_.pid ? o_.pid : static_cast<int>(g_args.child_pid)};
    std::string bad;
    ProbeDesc q = with_deferred_parts(p, bad);
    if (!bad.empty()) {
      fprintf(stderr, "ERROR: %s\n", bad.c_str());
      return false;
    }
    AttachResult r = attach_probe(prog, q, scope, namer, copies_);
    if (!r.error.empty() && r.attached == 0) {
      if (std::string why = lockdown_problem(); !why.empty()) r.error = std::string(p.display) + ": " + why;
      std::string policy = d_.missing_probes;
      if (policy == "ignore") continue;
      fprintf(stderr, "%s: %s\n", policy == "warn" ? "WARNING" : "ERROR", r.error.c_str());
      if (policy == "warn") continue;
      return false;
    }
    count += r.attached;
    if (provider == "iter")
      for (bpf_link *link : r.links) iters_.push_back({link, &p});
    attached_.push_back(std::move(r));
  }
  if (!o_.quiet) out_.attached(count);
  return true;
}

void Tool::run_programs(const char *provider) {
  for (uint32_t i = 0; i < d_.nprobes; i++) {
    if (strcmp(d_.probes[i].provider, provider) != 0) continue;
    std::string error;
    if (!run_once(program(d_.probes[i]), error)) fprintf(stderr, "ERROR: %s\n", error.c_str());
    events_.consume();
  }
}

void Tool::handle_event(const uint8_t *data, size_t size) {
  if (size < 8) return;
  uint64_t action;
  memcpy(&action, data, 8);
  if (action < d_.nformats) {
    const FormatDesc &f = d_.formats[action];
    std::string text = format_printf(formats_[action], f, data, fmt_);
    out_.format_event(d_.format_kinds[action], text, f.source_loc);
    return;
  }
  if (action == kActionExit) {
    int64_t code;
    memcpy(&code, data + 8, 8);
    if (!exit_requested_) exit_code_ = static_cast<int>(code);
    exit_requested_ = true;
    return;
  }
  if (action >= kActionPrintValueBase && action - kActionPrintValueBase < d_.nprint_values) {
    out_.value(d_.print_values[action - kActionPrintValueBase], data + 8, fmt_);
    return;
  }
  uint64_t arg[3] = {0, 0, 0};
  memcpy(arg, data + 8, std::min<size_t>(size - 8, sizeof arg));
  switch (action) {
    case kActionPrintMap:
      print_map(static_cast<uint32_t>(arg[0]), static_cast<uint32_t>(arg[1]), arg[2]);
      break;
    case kActionClearMap:
    case kActionZeroMap:
      clear_map(static_cast<uint32_t>(arg[0]), action == kActionZeroMap);
      break;
    case kActionTime:
      if (arg[0] < d_.ntime_formats) out_.time(d_.time_formats[arg[0]]);
      break;
    case kActionJoin: {
      constexpr size_t kArgs = 16, kArgSize = 256;
      if (arg[0] >= d_.njoin_separators || size < 16 + kArgs * kArgSize) break;
      std::string text;
      for (size_t i = 0; i < kArgs; i++) {
        const char *a = reinterpret_cast<const char *>(data + 16 + i * kArgSize);
        if (!*a) break;
        if (i) text += d_.join_separators[arg[0]];
        text.append(a, strnlen(a, kArgSize));
      }
      out_.join(text);
      break;
    }
    case kActionUnwatch:
      unwatch(arg[0]);
      break;
    case kActionRuntimeError:
      if (arg[0] < d_.nerror_sites) out_.divide_by_zero(d_.error_sites[arg[0]]);
      break;
    default:
      break;
  }
}

bool Tool::read_map(const MapDesc &m, std::vector<RawMapEntry> &entries) {
  bpf_map *map = bpf_object__find_map_by_name(obj_, m.bpf_name);
  if (!map) return false;
  int fd = bpf_map__fd(map);
  size_t ncpus = m.percpu ? static_cast<size_t>(libbpf_num_possible_cpus()) : 1;
  size_t stride = m.percpu ? (m.value_size + 7) / 8 * 8 : m.value_size;
  std::vector<uint8_t> key(m.key_size), next(m.key_size), values(stride * ncpus);
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : key.data(), next.data()) == 0) {
    first = false;
    key = next;
    if (bpf_map_lookup_elem(fd, key.data(), values.data()) != 0) continue;
    RawMapEntry e;
    e.key = key;
    for (size_t cpu = 0; cpu < ncpus; cpu++)
      e.per_cpu.emplace_back(values.begin() + cpu * stride, values.begin() + cpu * stride + m.value_size);
    entries.push_back(std::move(e));
  }
  return true;
}

void Tool::print_map(uint32_t id, uint32_t top, uint64_t div) {
  if (id >= d_.nmaps) return;
  std::vector<RawMapEntry> entries;
  if (!read_map(d_.maps[id], entries)) return;
  out_.map(d_.maps[id], entries, fmt_, top, div);
}

void Tool::clear_map(uint32_t id, bool zero) {
  if (id >= d_.nmaps) return;
  const MapDesc &m = d_.maps[id];
  std::vector<RawMapEntry> entries;
  if (!read_map(m, entries)) return;
  int fd = bpf_map__fd(bpf_object__find_map_by_name(obj_, m.bpf_name));
  size_t ncpus = m.percpu ? static_cast<size_t>(libbpf_num_possible_cpus()) : 1;
  std::vector<uint8_t> zeros(((m.value_size + 7) / 8 * 8) * ncpus);
  for (auto &e : entries) {
    if (zero) bpf_map_update_elem(fd, e.key.data(), zeros.data(), BPF_EXIST);
    else bpf_map_delete_elem(fd, e.key.data());
  }
}

// unwatch(addr): detaches every watchpoint on `addr`; other addresses are
// silently ignored, as bpftrace does.
void Tool::unwatch(uint64_t addr) {
  for (auto &a : attached_) {
    if (!a.watch_address || a.watch_address != addr) continue;
    for (auto *l : a.links) bpf_link__destroy(l);
    for (int fd : a.perf_fds) close(fd);
    a.links.clear();
    a.perf_fds.clear();
    a.watch_address = 0;
  }
}

void Tool::report_lost_events() {
  bpf_map *map = bpf_object__find_map_by_name(obj_, "lost_events");
  if (!map) return;
  int ncpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> lost(ncpus);
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, lost.data()) != 0) return;
  uint64_t total = events_.lost();
  for (auto v : lost) total += v;
  if (total) out_.lost_events(total);
}

// Detach, END, drain, then the maps in name order.
void Tool::exit_sequence() {
  for (auto &a : attached_) {
    for (auto *l : a.links) bpf_link__destroy(l);
    for (int fd : a.perf_fds) close(fd);
  }
  attached_.clear();
  copies_.close_all();
  events_.consume();
  run_programs("end");
  events_.consume();
  skb_outputs_.close();
  out_.end();
  if (d_.print_maps_on_exit)
    for (uint32_t i = 0; i < d_.nmaps; i++) print_map(i, 0, 0);
  report_lost_events();
  out_.flush();
}

int Tool::run() {
  formats_.resize(d_.nformats);
  for (uint32_t i = 0; i < d_.nformats; i++) {
    std::string err;
    parse_format(d_.formats[i].format, formats_[i], err);
  }
  fmt_.str_trunc_trailer = d_.str_trunc_trailer;
  if (o_.output && !out_.open_file(o_.output)) {
    fprintf(stderr, "ERROR: cannot open %s: %s\n", o_.output, strerror(errno));
    return 1;
  }
  libbpf_set_print(o_.verbose ? libbpf_verbose : libbpf_quiet);
  if (std::string why = privilege_problem(); !why.empty()) {
    fprintf(stderr, "ERROR: %s\n", why.c_str());
    return 1;
  }

  obj_ = ops_.open();
  if (!obj_) {
    fprintf(stderr, "ERROR: could not open the BPF object: %s\n", strerror(errno));
    return 1;
  }
  install_symbol_hooks(fmt_, obj_, d_.stack_mode);
  if (!drop_unavailable_probes() || !check_helper_support(d_, obj_)) {
    ops_.destroy();
    return 1;
  }
  fmt_.cgroup_path = cgroup_path_text;
  // Programs are attached by attach_probe(), never by skeleton auto-attach.
  bpf_program *prog;
  bpf_object__for_each_program(prog, obj_) bpf_program__set_autoattach(prog, false);
  g_args.ncpus = static_cast<uint32_t>(libbpf_num_possible_cpus());
  g_args.start_boot_ns = boot_ns();
  g_args.filter_pid = static_cast<uint32_t>(o_.pid);
  read_pid_namespace(g_args.pidns_dev, g_args.pidns_ino);
  g_args.boot_to_tai_ns = boot_to_tai_ns();
  if (o_.command) {
    if (!child_.spawn(o_.command)) {
      fprintf(stderr, "ERROR: cannot run -c command '%s': %s\n", o_.command, strerror(errno));
      ops_.destroy();
      return 1;
    }
    g_args.child_pid = static_cast<uint32_t>(child_.pid());
  }
  g_args.perfbuf = o_.no_ringbuf || !ringbuf_supported();
  ops_.set_rodata();
  std::string channel_error;
  if (!EventChannel::prepare(obj_, g_args.perfbuf, d_.max_record_size, channel_error)) {
    fprintf(stderr, "ERROR: %s\n", channel_error.c_str());
    child_.kill_if_held();
    ops_.destroy();
    return 1;
  }
  int err = ops_.load();
  if (err) {
    std::string why = explain_load_failure(d_, g_libbpf_log);
    fprintf(stderr, "ERROR: %s\n", why.empty() ? load_error(err).c_str() : why.c_str());
    child_.kill_if_held();
    ops_.destroy();
    return 1;
  }
  size_t elf_size = 0;
  const void *elf = ops_.elf_bytes(&elf_size);
  copies_.init(elf, elf_size, obj_);
  auto handler = [this](const uint8_t *data, size_t size) { handle_event(data, size); };
  if (!events_.open(obj_, g_args.perfbuf, handler, channel_error)) {
    fprintf(stderr, "ERROR: %s\n", channel_error.c_str());
    child_.kill_if_held();
    ops_.destroy();
    return 1;
  }
  if (!skb_outputs_.open(d_.skb_outputs, d_.nskb_outputs, obj_)) {
    child_.kill_if_held();
    events_.close();
    ops_.destroy();
    return 1;
  }
  if (o_.command && has_usdt_probes() && !child_.run_until_exec()) {  // the child said why it could not run
    events_.close();
    ops_.destroy();
    return 1;
  }
  if (!attach_all()) {
    child_.kill_if_held();
    events_.close();
    ops_.destroy();
    return 1;
  }

  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  bool has_self = false;
  for (uint32_t i = 0; i < d_.nprobes; i++) has_self |= strcmp(d_.probes[i].provider, "self") == 0;
  if (has_self) {
    struct sigaction usr1 = {};
    usr1.sa_handler = on_usr1;
    sigaction(SIGUSR1, &usr1, nullptr);
  }
  run_programs("begin");
  out_.flush();
  run_iterators();
  child_.release();
  bool done = exit_requested_ || (d_.only_begin_end && !o_.command);
  while (!done && !g_stop) {
    int n = events_.poll(100);
    if (n < 0 && n != -EINTR) break;
    if (g_usr1) {
      g_usr1 = 0;
      run_programs("self");
    }
    skb_outputs_.poll();
    out_.flush();
    done = exit_requested_ || child_.exited() || (o_.pid && process_gone(o_.pid));
  }
  exit_sequence();
  child_.terminate_if_running();
  events_.close();
  ops_.destroy();
  return exit_code_;
}

}  // namespace

int64_t RuntimeArgs::option_int(int id) const { return strtoll(option_values[id].c_str(), nullptr, 0); }

const char *RuntimeArgs::option_str(int id) const { return option_values[id].c_str(); }

int64_t RuntimeArgs::positional_int(int n) const {
  if (n < 1 || n > argc) return 0;
  return strtoll(argv[n - 1], nullptr, 0);
}

const char *RuntimeArgs::positional_str(int n) const {
  if (n < 1 || n > argc) return "";
  return argv[n - 1];
}

const RuntimeArgs &runtime_args() { return g_args; }

void resolve_uaddr(const char *binary, const char *symbol, const char *probe_func, unsigned long long *addr,
                   unsigned long long *bias) {
  std::string path = resolve_binary(binary, g_args.filter_pid ? static_cast<int>(g_args.filter_pid) : -1);
  ElfSymbolInfo sym = path.empty() ? ElfSymbolInfo{} : symbol_address(path, symbol);
  if (!sym.found) {
    fprintf(stderr, "ERROR: uaddr(\"%s\"): no such symbol in %s\n", symbol, path.empty() ? binary : path.c_str());
    exit(1);
  }
  *addr = sym.address;
  *bias = 0;
  if (elf_type(path) == 3 /* ET_DYN */) {
    ElfSymbolInfo func = *probe_func ? symbol_address(path, probe_func) : ElfSymbolInfo{};
    if (!func.found) {
      fprintf(stderr, "ERROR: uaddr(\"%s\") in a position-independent binary needs a uprobe on a named function\n",
              symbol);
      exit(1);
    }
    *bias = func.address;
  }
}

uint64_t resolve_kaddr(const char *name) {
  uint64_t addr = Ksyms::global().address_of(name);
  if (!addr) {
    fprintf(stderr, "ERROR: kaddr(\"%s\"): no such kernel symbol on this host\n", name);
    exit(1);
  }
  return addr;
}

// --list: the probes this tool would attach on this host, wildcards expanded.
int list_tool_probes(const ToolDesc &d, int pid) {
  MatchOptions mo;
  mo.pid = pid;
  for (uint32_t i = 0; i < d.nprobes; i++) {
    const ProbeDesc &p = d.probes[i];
    if (p.alternative_of >= 0) continue;  // an fentry twin, listed as its kprobe
    if (!p.wildcard && !targets_bpf_program(p)) {
      printf("%s\n", p.display);
      continue;
    }
    mo.lang = p.lang;
    mo.bpf_prog_id = p.bpf_prog_id;
    for (const auto &m : match_probes(p.provider, p.target, p.ns, p.func, mo))
      printf("%s:%s\n", p.provider, m.str().c_str());
  }
  return 0;
}

int run_tool(const ToolDesc &desc, const SkeletonOps &ops, int argc, char **argv) {
  Options o;
  int exit_code = 0;
  if (!parse_options(desc, argc, argv, o, exit_code)) return exit_code;
  if (o.list) return list_tool_probes(desc, o.pid);
  g_args.argc = static_cast<int>(o.positional.size());
  g_args.argv = o.positional.data();
  Tool tool(desc, ops, o);
  return tool.run();
}

}  // namespace bt2bin::rt

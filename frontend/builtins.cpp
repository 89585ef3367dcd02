// Types and provider restrictions of bpftrace's builtin variables.
#include "frontend/builtins.h"

#include <cstring>
#include <map>
#include <set>

#include "frontend/attach_point.h"

namespace bt2bin {

int builtin_arg_index(const std::string &name) {
  if (name.size() < 4 || name.compare(0, 3, "arg") != 0) return -1;
  for (size_t i = 3; i < name.size(); i++)
    if (name[i] < '0' || name[i] > '9') return -1;
  return std::stoi(name.substr(3));
}

std::optional<Type> builtin_type(const std::string &name) {
  static const std::set<std::string> u64 = {"nsecs", "elapsed", "cgroup", "jiffies"};
  static const std::set<std::string> u32 = {"pid", "tid", "uid", "gid", "cpu", "ncpus",
                                            "numaid", "ppid", "rand", "cpid"};
  if (u64.count(name)) return make_int(8, false);
  if (u32.count(name)) return make_int(4, false);
  if (builtin_arg_index(name) >= 0) return make_int(8, false);
  if (name == "comm" || name == "pcomm" || name == "leader_comm") return make_string(16);
  if (name == "leader_tid") return make_int(4, false);
  if (name == "has_cpid") return make_bool();
  if (name == "retval") return make_int(8, true);
  if (name == "usermode") return make_int(1, false);
  if (name == "curtask") {
    Type task = make_simple(TypeKind::Struct, 0);
    task.name = "struct task_struct";
    return make_pointer(task);
  }
  if (name == "func") return make_simple(TypeKind::Ksym, 8);
  if (name == "probe") return make_simple(TypeKind::String, 0);  // sized by the analyser
  if (name == "probetype") return make_simple(TypeKind::String, 0);
  if (name == "username") return make_simple(TypeKind::Username, 8);
  if (name == "kstack") return make_simple(TypeKind::Kstack, 8);
  if (name == "ustack") return make_simple(TypeKind::Ustack, 16);
  if (name == "ctx") return make_pointer(make_int(1, false));
  if (name == "args") return make_simple(TypeKind::Struct, 0);  // resolved per probe
  return std::nullopt;
}

bool builtin_reads_probe_context(const std::string &name) {
  static const std::set<std::string> names = {"args", "ctx", "retval", "func", "kstack", "ustack", "usermode"};
  return names.count(name) > 0 || builtin_arg_index(name) >= 0;
}

static bool in(const std::string &p, std::initializer_list<const char *> list) {
  for (const char *s : list)
    if (p == s) return true;
  return false;
}

std::optional<uint64_t> usermode_constant(const std::vector<std::string> &providers) {
  for (const auto &p : providers) {
    ProgramKind kind = program_kind(p);
    if (kind == ProgramKind::Kprobe || kind == ProgramKind::PerfEvent) continue;  // read from the registers
    return in(p, {"begin", "end", "self"}) ? 1 : 0;
  }
  return std::nullopt;
}

bool builtin_allowed(const std::string &name, const std::string &provider, std::string &why) {
  if (builtin_arg_index(name) >= 0) {
    if (in(provider, {"kprobe", "uprobe", "usdt", "rawtracepoint", "fentry", "fexit"})) return true;
    why = "the " + name + " builtin can not be used with '" + provider +
          "' probes (use args for tracepoints)";
    return false;
  }
  if (name == "retval") {
    if (in(provider, {"kretprobe", "uretprobe", "fexit"})) return true;
    why = "the retval builtin can only be used with 'kretprobe', 'uretprobe' and 'fexit' probes";
    return false;
  }
  if (name == "args") {
    if (in(provider, {"tracepoint", "rawtracepoint", "fentry", "fexit", "uprobe"})) return true;
    why = "the args builtin can only be used with tracepoint, rawtracepoint, fentry/fexit and uprobe probes";
    return false;
  }
  if (name == "func") {
    if (in(provider, {"kprobe", "kretprobe", "uprobe", "uretprobe", "fentry", "fexit"})) return true;
    why = "the func builtin can not be used with '" + provider + "' probes";
    return false;
  }
  return true;
}

std::optional<int> signal_number(const std::string &name) {
  static const std::map<std::string, int> signals = {
      {"SIGHUP", 1},     {"SIGINT", 2},     {"SIGQUIT", 3},    {"SIGILL", 4},   {"SIGTRAP", 5},  {"SIGABRT", 6},
      {"SIGBUS", 7},     {"SIGFPE", 8},     {"SIGKILL", 9},    {"SIGUSR1", 10}, {"SIGSEGV", 11}, {"SIGUSR2", 12},
      {"SIGPIPE", 13},   {"SIGALRM", 14},   {"SIGTERM", 15},   {"SIGCHLD", 17}, {"SIGCONT", 18}, {"SIGSTOP", 19},
      {"SIGTSTP", 20},   {"SIGTTIN", 21},   {"SIGTTOU", 22},   {"SIGURG", 23},  {"SIGXCPU", 24}, {"SIGXFSZ", 25},
      {"SIGVTALRM", 26}, {"SIGPROF", 27},   {"SIGWINCH", 28},  {"SIGIO", 29},   {"SIGPWR", 30},  {"SIGSYS", 31}};
  auto it = signals.find(name.rfind("SIG", 0) == 0 ? name : "SIG" + name);
  if (it == signals.end()) return std::nullopt;
  return it->second;
}

}  // namespace bt2bin

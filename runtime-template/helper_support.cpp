// Restricted BPF helpers, checked and explained on the target (see helper_support.h).
#include "runtime-template/helper_support.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cstdio>
#include <cstring>

#include "runtime-template/tool_runtime.h"

namespace bt2bin::rt {

namespace {

struct RestrictedHelper {
  const char *function;  // bpftrace function
  bpf_func_id helper;
  const char *helper_name;
  const char *why;       // when the kernel refuses it
};

const RestrictedHelper kHelpers[] = {
    {"override", BPF_FUNC_override_return, "bpf_override_return",
     "this kernel was built without CONFIG_BPF_KPROBE_OVERRIDE"},
    {"path", BPF_FUNC_d_path, "bpf_d_path",
     "the kernel allows bpf_d_path only in iter probes and in fentry/fexit probes of a few functions "
     "(dentry_open, filp_close, vfs_truncate, vfs_fallocate, vfs_getattr, security_file_open, ...)"},
    {"socket_cookie", BPF_FUNC_get_socket_cookie, "bpf_get_socket_cookie",
     "the kernel does not give bpf_get_socket_cookie to this kind of probe"},
    {"skboutput", BPF_FUNC_skb_output, "bpf_skb_output",
     "the kernel does not give bpf_skb_output to this kind of probe"},
    {"write_user", BPF_FUNC_probe_write_user, "bpf_probe_write_user",
     "this kernel does not allow bpf_probe_write_user (kernel lockdown or configuration)"},
};

const RestrictedHelper *by_function(const char *f) {
  for (const auto &h : kHelpers)
    if (strcmp(h.function, f) == 0) return &h;
  return nullptr;
}

const RestrictedHelper *by_helper_name(const std::string &name) {
  for (const auto &h : kHelpers)
    if (name == h.helper_name) return &h;
  return nullptr;
}

void print_refusal(const char *probe, const RestrictedHelper &h) {
  fprintf(stderr, "ERROR: %s: %s() can not be used here: %s\n", probe, h.function, h.why);
}

// The text of libbpf's load log for program `prog`, from its
// "-- BEGIN PROG LOAD LOG --" to its end.
std::string program_log(const std::string &log, const std::string &prog) {
  std::string begin = "prog '" + prog + "': -- BEGIN PROG LOAD LOG --";
  size_t start = log.find(begin);
  if (start == std::string::npos) return "";
  size_t end = log.find("-- END PROG LOAD LOG --", start);
  return log.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The helper named by the last "call bpf_xxx#N" before `pos`.
std::string called_helper(const std::string &log, size_t pos) {
  size_t call = log.rfind("call bpf_", pos);
  if (call == std::string::npos) return "";
  size_t name = call + 5, hash = log.find('#', name);
  return hash == std::string::npos ? "" : log.substr(name, hash - name);
}

}  // namespace

bool check_helper_support(const ToolDesc &d, bpf_object *obj) {
  for (uint32_t i = 0; i < d.nhelper_uses; i++) {
    const HelperUse &use = d.helper_uses[i];
    const ProbeDesc &p = d.probes[use.probe];
    bpf_program *prog = bpf_object__find_program_by_name(obj, p.prog_name);
    const RestrictedHelper *h = by_function(use.function);
    if (!prog || !h || !bpf_program__autoload(prog)) continue;
    // 1: present, 0: absent; tracing programs can not be probed (< 0): the
    // verifier decides at load, explained by explain_load_failure().
    if (libbpf_probe_bpf_helper(bpf_program__type(prog), h->helper, nullptr) == 0) {
      print_refusal(p.display, *h);
      return false;
    }
  }
  return true;
}

std::string explain_load_failure(const ToolDesc &d, const std::string &log) {
  for (uint32_t i = 0; i < d.nhelper_uses; i++) {
    const ProbeDesc &p = d.probes[d.helper_uses[i].probe];
    std::string text = program_log(log, p.prog_name);
    if (text.empty()) continue;
    // The helper is named by the refusal itself, or (not allowed in this
    // attach point) by the call instruction just before it.
    std::string helper;
    size_t at;
    if ((at = text.find("helper call is not allowed in probe")) != std::string::npos)
      helper = called_helper(text, at);
    else if ((at = text.find("cannot use helper ")) != std::string::npos)
      helper = text.substr(at + 18, text.find('#', at) - at - 18);
    else if ((at = text.find("unknown func ")) != std::string::npos)
      helper = text.substr(at + 13, text.find('#', at) - at - 13);
    const RestrictedHelper *h = by_helper_name(helper);
    if (h) {
      char line[512];
      snprintf(line, sizeof line, "%s: %s() can not be used here: %s", p.display, h->function, h->why);
      return line;
    }
  }
  return "";
}

}  // namespace bt2bin::rt

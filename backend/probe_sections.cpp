// Sections, context types and argument access per probe provider.
//
// Programs are attached by the runtime (runtime-template/attach.cpp), not by
// skeleton auto-attach, because wildcards, -p and missing probes are decided
// on the target host; sections here only select the BPF program type.
#include "backend/probe_sections.h"

#include <cctype>

namespace bt2bin {

static std::string identifier(const std::string &s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

ProbeSection probe_section(const AttachPoint &ap, int probe_id, int ap_index, const std::string &args_struct) {
  const std::string &p = ap.provider;
  std::string suffix = "_" + std::to_string(probe_id) + (ap_index ? "_" + std::to_string(ap_index) : "");
  if (p == "begin" || p == "end" || p == "self" || p == "test" || p == "bench")
    return {"raw_tp", "void", p + suffix};
  if (p == "tracepoint") {
    bool concrete = !ap.need_expansion;
    std::string sec = concrete ? "tp/" + ap.target + "/" + ap.func : "tp";
    return {sec, args_struct.empty() ? "void" : args_struct + " *",
            "tracepoint__" + identifier(ap.target) + "__" + identifier(ap.func) + suffix};
  }
  // BTF-typed raw tracepoints (tp_btf), as bpftrace loads them: a tracing
  // program, so kfuncs such as bpf_task_from_pid() are allowed.
  if (p == "rawtracepoint") return {"tp_btf/" + ap.func, "__u64", "rawtracepoint__" + identifier(ap.func) + suffix};
  if (p == "kprobe") return {"kprobe", "struct pt_regs", "kprobe__" + identifier(ap.func) + suffix};
  if (p == "kretprobe") return {"kretprobe", "struct pt_regs", "kretprobe__" + identifier(ap.func) + suffix};
  if (p == "uprobe") return {"uprobe", "struct pt_regs", "uprobe__" + identifier(ap.func) + suffix};
  if (p == "uretprobe") return {"uretprobe", "struct pt_regs", "uretprobe__" + identifier(ap.func) + suffix};
  if (p == "usdt") return {"usdt", "struct pt_regs", "usdt__" + identifier(ap.func) + suffix};
  // On a running BPF program: the tool binds it to its target at start.
  if ((p == "fentry" || p == "fexit") && ap.target == "bpf")
    return {p, "__u64", p + "__bpf__" + identifier(ap.func) + suffix};
  if (p == "fentry") return {"fentry/" + ap.func, "__u64", "fentry__" + identifier(ap.func) + suffix};
  if (p == "fexit") return {"fexit/" + ap.func, "__u64", "fexit__" + identifier(ap.func) + suffix};
  if (p == "iter") return {"iter/" + ap.func, "struct bpf_iter__" + ap.func, "iter__" + identifier(ap.func) + suffix};
  if (p == "profile" || p == "interval" || p == "software" || p == "hardware")
    return {"perf_event", "struct bpf_perf_event_data", p + "__" + identifier(ap.func.empty() ? ap.unit : ap.func) + suffix};
  if (p == "watchpoint") return {"perf_event", "struct bpf_perf_event_data", "watchpoint" + suffix};
  return {"raw_tp", "void", "probe" + suffix};
}

std::string arg_expression(const std::string &provider, int n) {
  if (provider == "rawtracepoint" || provider == "fentry" || provider == "fexit") return "ctx[" + std::to_string(n) + "]";
  if (provider == "usdt")
    return "({ long _a = 0; bpf_usdt_arg(ctx, " + std::to_string(n) + ", &_a); _a; })";
  static const char *regs[] = {"PT_REGS_PARM1_CORE(ctx)", "PT_REGS_PARM2_CORE(ctx)", "PT_REGS_PARM3_CORE(ctx)",
                               "PT_REGS_PARM4_CORE(ctx)", "PT_REGS_PARM5_CORE(ctx)"};
  if (n < 5) return regs[n];
  if (n == 5) return "BPF_CORE_READ(ctx, r9)";
  // Arguments past the sixth are on the stack, above the return address.
  return "({ __u64 _a = 0; bpf_probe_read_user(&_a, sizeof(_a), (void *)(PT_REGS_SP_CORE(ctx) + " +
         std::to_string(8 * (n - 5)) + ")); _a; })";
}

std::string retval_expression(const std::string &provider) {
  if (provider == "fexit") return "ctx[bt_fexit_nargs]";
  return "PT_REGS_RC_CORE(ctx)";
}

}  // namespace bt2bin

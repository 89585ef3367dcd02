// Probes: attach points parsed and expanded, typed `args` loaded from the
// build host's tracefs/BTF, fentry/fexit twins for kprobes, rules on
// mixing probe types, then the predicate and body. Part of the semantic
// analyser (see analyser_internal.h).
#include "frontend/attach_point.h"
#include "frontend/passes/analyser_internal.h"
#include "frontend/passes/typed_wildcard_expansion.h"
#include "runtime-template/probe_catalog.h"

namespace bt2bin::detail {

// kprobe:f / kretprobe:f get an fentry/fexit twin when f is in the build
// host's BTF, and fentry:f / fexit:f a kprobe/kretprobe twin: the tool
// uses the twin on a target that lacks the other (DESIGN invariant 4).
void Analyser::find_twins(Probe &probe, ProbeInfo &info) {
  info.twins.assign(probe.attach_points.size(), {});
  for (size_t i = 0; i < probe.attach_points.size(); i++) {
    const AttachPoint &ap = probe.attach_points[i];
    if (ap.has_positional || ap.func.empty()) continue;
    if (ap.provider == "kprobe" || ap.provider == "kretprobe") find_fentry_twins(probe, ap, info.twins[i]);
    if ((ap.provider == "fentry" || ap.provider == "fexit") && !targets_bpf_program(ap)) {
      // The matches of a wildcard share one twin body: it cannot follow
      // each function's own argument layout.
      bool shared_body = !ap.expanded_from.empty();
      const ArgsInfo *args = i < info.ap_args.size() && !shared_body ? &info.ap_args[i] : nullptr;
      if (kprobe_can_stand_in(probe, ap, args)) info.twins[i].push_back(kprobe_twin(ap));
    }
  }
}

// A kprobe's fentry/fexit twins read argN and retval with
// bpf_get_func_arg/ret, so any signature the function has on the target
// does. A wildcard gets one twin per function it matches here that fentry
// can trace, up to max_bpf_progs (beyond that, no twins: kprobes only);
// the tool settles them on the target like an fentry wildcard.
void Analyser::find_fentry_twins(Probe &probe, const AttachPoint &ap, std::vector<AttachPoint> &twins) {
  // Register access and the like only exist in a kprobe's pt_regs context.
  if (uses_call(probe, "reg") || uses_builtin(probe, "usermode") || uses_builtin(probe, "ctx")) return;
  if (uses_call(probe, "override")) return;  // bpf_override_return() exists only for kprobes
  if (ap.has_offset) return;
  if (!ap.need_expansion) {
    std::string err;
    if (ap.target.empty() && btf_.function_args(ap.func, err)) twins.push_back(fentry_twin(ap));
    return;
  }
  AttachPoint pattern = fentry_twin(ap);
  auto matches = rt::match_probes(pattern.provider, ap.target, "", ap.func);
  if (matches.size() > config_.max_bpf_progs) return;
  for (const auto &m : matches) {
    AttachPoint one = pattern;
    one.target = ap.target.empty() ? "" : m.target;
    one.func = m.func;
    one.need_expansion = false;
    one.raw = ap.raw;  // as every twin, it stands in for the attach point the script wrote
    one.expanded_from = ap.name();
    twins.push_back(std::move(one));
  }
}

// An fentry/fexit probe runs as a kprobe/kretprobe when every argument is
// a scalar in its own register (the first six, on x86-64), a kretprobe
// only when the body does not read the arguments (gone by the return),
// and when it uses nothing only tracing programs have: BTF-checked
// helpers (path, socket_cookie, skboutput) and kfuncs (comm(pid)).
bool Analyser::kprobe_can_stand_in(Probe &probe, const AttachPoint &ap, const ArgsInfo *args) {
  for (const char *call : {"path", "socket_cookie", "skboutput", "comm", "kfunc_allowed"})
    if (uses_call(probe, call)) return false;
  if (uses_builtin(probe, "ctx")) return false;
  bool reads_args = uses_builtin(probe, "args");
  if (!reads_args) return true;
  if (ap.provider == "fexit" || !args) return false;
  for (const auto &f : args->fields) {
    bool scalar = f.type.is_integer() || f.type.kind == TypeKind::Pointer || f.type.kind == TypeKind::Bool;
    if (!scalar || f.type.size > 8 || f.arg_index < 0 || f.arg_index > 5) return false;
  }
  return true;
}

// Typed `args` of one attach point, from tracefs/BTF of the build host.
std::optional<ArgsInfo> Analyser::args_of(const AttachPoint &ap) {
  std::string err;
  std::optional<ArgsInfo> args;
  if (ap.provider == "tracepoint" && ap.need_expansion) {
    // Only with a positional parameter in the pattern: unknown until the tool runs.
    error(ap.loc, "args can not be used with a tracepoint named by a positional parameter");
    return std::nullopt;
  }
  if (ap.provider == "tracepoint") args = btf_.tracepoint_args(ap.target, ap.func, err);
  else if (ap.provider == "rawtracepoint") args = btf_.raw_tracepoint_args(ap.func, err);
  else if (ap.provider == "fentry" || ap.provider == "fexit") args = btf_.function_args(ap.func, err);
  else return std::nullopt;
  if (!args) error(ap.loc, err.empty() ? "no type information for the args of " + ap.name() : err);
  return args;
}

// The body is checked once against the first attach point's args; every
// other attach point gets its own layout (each has its own program) and
// must have the fields the body uses with the same types.
void Analyser::load_args(Probe &probe, ProbeInfo &info) {
  if (info.args_loaded || probe.attach_points.empty()) return;
  const AttachPoint &first = probe.attach_points[0];
  if (!uses_builtin(probe, "args") && !(first.provider == "fexit" && uses_builtin(probe, "retval"))) return;
  for (const auto &ap : probe.attach_points)
    if (targets_bpf_program(ap)) {
      // Its functions are only known once the tool runs (as in bpftrace,
      // which refuses args there too); retval is read untyped.
      if (uses_builtin(probe, "args"))
        error(ap.loc, "args can not be used with " + ap.provider + ":bpf probes: the traced program's arguments "
                      "are only known when the tool runs");
      return;
    }
  info.ap_args.clear();
  for (const auto &ap : probe.attach_points) {
    auto args = args_of(ap);
    if (!args) return;
    info.ap_args.push_back(std::move(*args));
  }
  info.args = info.ap_args[0];
  info.args_loaded = true;
  // Fields the body uses must exist with one type in every layout: checked
  // where they are used (check_field).
}

static bool node_uses(const Node *n, NodeKind kind, const std::string &name) {
  if (!n) return false;
  if (n->kind == kind && n->name == name) return true;
  for (const Node *c : {n->lhs.get(), n->rhs.get(), n->cond.get(), n->els.get()})
    if (node_uses(c, kind, name)) return true;
  for (auto &a : n->args)
    if (node_uses(a.get(), kind, name)) return true;
  for (auto &b : n->body)
    if (node_uses(b.get(), kind, name)) return true;
  return false;
}

static bool probe_uses(const Probe &probe, NodeKind kind, const std::string &name) {
  if (node_uses(probe.predicate.get(), kind, name)) return true;
  for (auto &s : probe.body)
    if (node_uses(s.get(), kind, name)) return true;
  return false;
}

bool Analyser::uses_builtin(const Probe &probe, const std::string &name) {
  return probe_uses(probe, NodeKind::Builtin, name);
}

bool Analyser::uses_call(const Probe &probe, const std::string &name) {
  return probe_uses(probe, NodeKind::Call, name);
}

Type Analyser::args_type() {
  Type t = make_simple(TypeKind::Struct, 0);
  t.name = "args";
  return t;
}

void Analyser::check_probe(Probe &probe, ProbeInfo &info) {
  probe_ = &probe;
  probe_info_ = &info;
  info.vars.clear();
  provider_.clear();
  for (auto &ap : probe.attach_points) {
    // Parsed once, in the first walk; it reports its own diagnostics.
    if (!final_walk_ && !parse_attach_point(ap, diags_)) failed_ = true;
    if (provider_.empty()) provider_ = ap.provider;
    if (ap.provider == "begin") info.is_begin = true;
    if (ap.provider == "end") info.is_end = true;
  }
  // Wildcards needing one program per match: fentry/fexit/rawtracepoint,
  // and tracepoints reading `args` (typed per event).
  if (!final_walk_ &&
      !expand_typed_wildcards(probe, uses_builtin(probe, "args"), config_.max_bpf_progs, diags_)) {
    failed_ = true;
    untyped_args_probes_.insert(&probe);  // reported: no follow-on errors about args
  }
  load_args(probe, info);
  if (!final_walk_) find_twins(probe, info);
  if ((info.is_begin || info.is_end) && probe.attach_points.size() > 1)
    error(probe.loc, "BEGIN and END probes can not share a block with other attach points");
  for (auto &ap : probe.attach_points)
    if ((ap.provider == "kprobe" || ap.provider == "kretprobe") && ap.func.empty() && ap.has_offset && !opts_.unsafe)
      error(ap.loc, ap.provider + " at a raw kernel address is unsafe: compile with --unsafe to allow it");
  for (auto &ap : probe.attach_points)
    if (ap.provider != provider_ && !provider_.empty() && !ap.provider.empty())
      if (ap.provider == "iter" || provider_ == "iter")
        error(ap.loc, "iter probes can not be mixed with other probe types");

  scopes_.clear();
  push_scope();
  loop_depth_ = 0;
  if (probe.predicate) {
    check_expr(*probe.predicate);
    const Type &t = probe.predicate->type;
    if (!t.is_integer() && t.kind != TypeKind::Bool && t.kind != TypeKind::Pointer && !t.is_none())
      error(probe.predicate->loc, "a predicate must be an integer, a boolean or a pointer, not '" +
                                      t.to_string() + "'");
  }
  check_block(probe.body);
  pop_scope();
}

}  // namespace bt2bin::detail

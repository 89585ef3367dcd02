// Build-time expansion of wildcards that need one program per match.
//
// Wildcards are normally expanded by the produced tool on the target host
// (DESIGN invariant 4): one program is attached to every match. Two kinds
// of probe cannot work that way:
//   - fentry/fexit and rawtracepoint (tp_btf) programs name their kernel
//     function or event when they are loaded (the verifier checks them
//     against its BTF), so one program serves one function;
//   - a tracepoint probe that reads `args` sees a different struct for every
//     event (`sys_enter_openat` has `filename`, `sys_enter_read` has `buf`),
//     and the struct must be known when the BPF C is compiled.
// So, as bpftrace does, such a probe gets one program per match, typed
// from that match; the matches are those of the build host, the only host
// whose BTF and formats the compiler can read.
//
// The pattern still means "whatever matches on the target": each expanded
// attach point keeps the pattern in `expanded_from`, and the tool
//   - loads and attaches the compiled matches that exist on the target,
//     skipping the others silently (as a wildcard that matches fewer would),
//   - fails (per missing_probes) only when none of them exists there, and
//   - warns about matches on the target that the build host did not have:
//     they were not compiled, so they are not traced.
// Tracepoint probes that do not read `args` keep their wildcard for the
// target.
#include "frontend/passes/typed_wildcard_expansion.h"

#include "frontend/attach_point.h"
#include "runtime-template/probe_catalog.h"

namespace bt2bin {

namespace {

bool expanded_per_match(const AttachPoint &ap, bool reads_args) {
  if (!ap.need_expansion || ap.has_positional || targets_bpf_program(ap)) return false;
  if (ap.provider == "tracepoint") return reads_args;
  return ap.provider == "fentry" || ap.provider == "fexit" || ap.provider == "rawtracepoint";
}

const char *what_matches(const std::string &provider) {
  if (provider == "tracepoint") return "tracepoint";
  if (provider == "rawtracepoint") return "raw tracepoint";
  return "traceable kernel function";
}

const char *why_expanded(const std::string &provider) {
  if (provider == "tracepoint")
    return "args of a wildcard tracepoint are typed from the formats of the tracepoints it matches when compiling";
  return "each function or event it matches is compiled into its own program, typed from this host's BTF";
}

}  // namespace

bool expand_typed_wildcards(Probe &probe, bool reads_args, uint64_t max_programs, Diagnostics &diags) {
  std::vector<AttachPoint> expanded;
  bool ok = true;
  for (auto &ap : probe.attach_points) {
    if (!expanded_per_match(ap, reads_args)) {
      expanded.push_back(std::move(ap));
      continue;
    }
    auto matches = rt::match_probes(ap.provider, ap.target, "", ap.func);
    if (matches.empty()) {
      auto &d = diags.error(ap.loc, std::string("no ") + what_matches(ap.provider) + " on the build host matches " +
                                        ap.name() + ": " + why_expanded(ap.provider));
      d.hints.push_back("compile on a host that has them, or list them explicitly");
      ok = false;
      continue;
    }
    if (matches.size() > max_programs) {
      auto &d = diags.error(ap.loc, ap.name() + " matches " + std::to_string(matches.size()) +
                                        " attach points on the build host, more than the limit of " +
                                        std::to_string(max_programs) + " BPF programs");
      d.hints.push_back("narrow the pattern, or raise the limit with `config = { max_bpf_progs = N }`");
      ok = false;
      continue;
    }
    for (const auto &m : matches) {
      AttachPoint one = ap;
      // A pattern without a module (`fentry:vfs_*`) keeps its expansions
      // module-less too, as the script would have written them.
      one.target = ap.provider == "tracepoint" || !ap.target.empty() ? m.target : "";
      one.func = m.func;
      one.need_expansion = false;
      one.raw = ap.provider + ":" + (one.target.empty() ? "" : one.target + ":") + m.func;
      one.expanded_from = ap.name();
      expanded.push_back(std::move(one));
    }
  }
  probe.attach_points = std::move(expanded);
  return ok;
}

}  // namespace bt2bin

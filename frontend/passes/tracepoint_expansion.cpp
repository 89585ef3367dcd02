// Build-time expansion of wildcard tracepoints that use `args`.
//
// Wildcards are normally expanded by the produced tool on the target host
// (DESIGN invariant 4): one program is attached to every match. But `args`
// is a different struct for every event (`sys_enter_openat` has
// `filename`, `sys_enter_read` has `buf`), and the struct must be known
// when the BPF C is compiled. So, as bpftrace does, a probe that reads
// `args` gets one program per matched event, each typed from that event's
// format; the matches are those of the build host, the only host whose
// formats the compiler can read.
//
// The pattern still means "whatever matches on the target": each expanded
// attach point keeps the pattern in `expanded_from`, and the tool
//   - attaches the compiled events that exist on the target, skipping the
//     others silently (as a wildcard that matches fewer events would),
//   - fails (per missing_probes) only when none of them exists there, and
//   - warns about events the pattern matches on the target that the build
//     host did not have: they cannot be typed, so they are not traced.
// Probes that do not read `args` keep their wildcard for the target.
#include "frontend/passes/tracepoint_expansion.h"

#include "runtime-template/probe_catalog.h"

namespace bt2bin {

bool expand_typed_tracepoints(Probe &probe, Diagnostics &diags) {
  std::vector<AttachPoint> expanded;
  bool ok = true;
  for (auto &ap : probe.attach_points) {
    if (ap.provider != "tracepoint" || !ap.need_expansion || ap.has_positional) {
      expanded.push_back(std::move(ap));
      continue;
    }
    auto matches = rt::match_probes("tracepoint", ap.target, "", ap.func);
    if (matches.empty()) {
      auto &d = diags.error(ap.loc, "no tracepoint on the build host matches " + ap.name() +
                                        ": args of a wildcard tracepoint are typed from the formats of the "
                                        "tracepoints it matches when compiling");
      d.hints.push_back("compile on a host that has these tracepoints, or list the tracepoints explicitly");
      ok = false;
      continue;
    }
    for (const auto &m : matches) {
      AttachPoint one = ap;
      one.target = m.target;
      one.func = m.func;
      one.need_expansion = false;
      one.raw = "tracepoint:" + m.target + ":" + m.func;
      one.expanded_from = ap.name();
      expanded.push_back(std::move(one));
    }
  }
  probe.attach_points = std::move(expanded);
  return ok;
}

}  // namespace bt2bin

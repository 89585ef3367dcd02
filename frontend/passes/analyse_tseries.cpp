// `@m[k] = tseries(...)`: the time-series map value (bpftrace's unstable
// tseries feature, gated by config unstable_tseries). Part of the semantic
// analyser (see analyser_internal.h).
#include <algorithm>
#include <iterator>
#include <map>

#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

// `@m[k] = tseries(value, interval, count[, "avg|max|min|sum"])`: the last
// `count` intervals of `interval` nanoseconds (a literal, usually with a
// unit: 100ms, 1s), each holding the last value recorded in it or the
// aggregate of its values.
void Analyser::check_tseries_assign(Node &n, MapInfo &m) {
  Node &call = *n.rhs;
  call.type = make_void();
  if (n.op != "=") return error(n.loc, "tseries() can only be assigned with '='");
  size_t got = call.args.size();
  if (got < 3 || got > 4)
    return error(call.loc, "tseries() takes 3 or 4 arguments (value, interval, number of intervals[, aggregation]), not " +
                               std::to_string(got));
  if (unstable_tseries_ == "error")
    return error(call.loc, "tseries feature is not enabled by default. To enable this unstable feature, set the "
                           "config flag to enable. unstable_tseries=enable");
  if (unstable_tseries_ == "warn" && !warned_tseries_) {
    warned_tseries_ = final_walk_;
    warning(call.loc, "tseries() is an unstable feature: set config 'unstable_tseries = enable' to silence this warning");
  }
  Node &value = *call.args[0];
  check_expr(value);
  if (!value.type.is_integer() && value.type.kind != TypeKind::Bool && !value.type.is_none())
    error(value.loc, "tseries() records integers, not '" + value.type.to_string() + "'");
  Type ts = make_simple(TypeKind::Tseries, sizeof(int64_t) * 3);
  ts.is_signed = value.type.is_signed;
  for (size_t i = 1; i <= 2; i++) {
    Node &a = *call.args[i];
    if (a.kind != NodeKind::Integer || a.ival == 0) {
      error(a.loc, i == 1 ? "tseries() interval must be a positive integer literal, e.g. 100ms or 1s"
                          : "tseries() number of intervals must be a positive integer literal");
      continue;
    }
    ts.agg_args[i - 1] = static_cast<int64_t>(a.ival);
  }
  if (ts.agg_args[1] > 1000000) error(call.args[2]->loc, "tseries() can keep at most 1000000 intervals");
  if (got == 4) {
    static const std::map<std::string, TseriesAgg> aggs = {
        {"avg", TseriesAgg::Avg}, {"max", TseriesAgg::Max}, {"min", TseriesAgg::Min}, {"sum", TseriesAgg::Sum}};
    Node &a = *call.args[3];
    auto it = a.kind == NodeKind::String ? aggs.find(a.str) : aggs.end();
    if (it == aggs.end()) error(a.loc, "tseries() aggregation must be \"avg\", \"max\", \"min\" or \"sum\"");
    else ts.agg_args[2] = static_cast<int64_t>(it->second);
  }
  if (!m.value.is_none() && m.value.kind == TypeKind::Tseries &&
      !std::equal(std::begin(m.value.agg_args), std::end(m.value.agg_args), std::begin(ts.agg_args)))
    return error(n.loc, "map " + m.name + " is given a tseries() with different parameters");
  call.type = ts;
  set_map_value(m, ts, n.loc);
  n.lhs->type = m.value;
  n.lhs->id = 0;
}

}  // namespace bt2bin::detail

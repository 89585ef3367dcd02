// Maps: `let @m = hash(N)` declarations, the key and value types every use
// gives a map, and assignments to maps (plain values, compound assignments,
// aggregations such as count() and hist(), copies of another map's value).
// Part of the semantic analyser (see analyser_internal.h).
#include <algorithm>
#include <iterator>
#include <map>

#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

static TypeKind aggregation_kind(const std::string &f) {
  static const std::map<std::string, TypeKind> kinds = {
      {"count", TypeKind::Count}, {"sum", TypeKind::Sum},     {"avg", TypeKind::Avg},
      {"min", TypeKind::Min},     {"max", TypeKind::Max},     {"stats", TypeKind::Stats},
      {"hist", TypeKind::Hist},   {"lhist", TypeKind::Lhist}};
  return kinds.at(f);
}

void Analyser::declare_maps() {
  for (auto &d : program_.map_decls) {
    static const std::map<std::string, std::string> kinds = {
        {"hash", "hash"}, {"lruhash", "lru_hash"}, {"percpuhash", "percpu_hash"},
        {"percpulruhash", "lru_percpu_hash"}};
    auto it = kinds.find(d.bpf_type);
    if (it == kinds.end()) {
      error(d.loc, "unknown map type '" + d.bpf_type +
                       "' (expected hash, lruhash, percpuhash or percpulruhash)");
      continue;
    }
    if (d.max_entries == 0) error(d.loc, "map size must be greater than 0");
    MapInfo &m = maps_[d.name];
    m.name = d.name;
    m.bpf_type = it->second;
    m.max_entries = d.max_entries;
    m.declared = true;
    m.first_use = d.loc;
  }
}

MapInfo &Analyser::map_info(const std::string &name, const Location &loc) {
  auto it = maps_.find(name);
  if (it != maps_.end()) return it->second;
  MapInfo &m = maps_[name];
  m.name = name;
  m.first_use = loc;
  return m;
}

void Analyser::set_map_value(MapInfo &m, const Type &value, const Location &loc) {
  if (!m.value.is_none() && (m.value.is_aggregation() != value.is_aggregation() ||
                              (value.is_aggregation() && m.value.kind != value.kind))) {
    type_mismatch(m.value, value, loc, "map " + m.name);
    return;
  }
  if (value.kind == TypeKind::Hist || value.kind == TypeKind::Lhist) {
    if (!m.value.is_none() && !std::equal(std::begin(m.value.agg_args), std::end(m.value.agg_args),
                                          std::begin(value.agg_args)))
      error(loc, "map " + m.name + " is given a " + value.to_string() + " with different parameters");
  }
  m.value = unify(m.value, value, loc, "map " + m.name);
}

void Analyser::set_map_key(MapInfo &m, const Type &key, const Location &loc) {
  if (!m.key.is_none() && !key.is_none() &&
      (m.key.kind != key.kind || m.key.fields.size() != key.fields.size())) {
    type_mismatch(m.key, key, loc, "key of map " + m.name);
    return;
  }
  m.key = unify(m.key, key, loc, "key of map " + m.name);
}

// The key type of `@m[k...]`: one key is itself, several are a tuple;
// struct keys are struct values (`@[*p]`, `@[curtask->se.load]`).
void Analyser::check_map_key(Node &map) {
  for (auto &k : map.args) check_expr(*k);
  Type key;
  if (map.args.size() == 1) {
    key = value_type(map.args[0]->type);
  } else if (map.args.size() > 1) {
    std::vector<Type> elems;
    for (auto &k : map.args) elems.push_back(value_type(k->type));
    key = make_tuple(elems);
  }
  for (auto &k : map.args)
    if (k->type.kind == TypeKind::Void || k->type.is_aggregation())
      error(k->loc, "this expression has no value and can not be a map key");
  MapInfo &m = map_info(map.name, map.loc);
  if (map.args.empty()) {
    if (!keyless_use_.count(map.name)) keyless_use_[map.name] = map.loc;
  } else {
    if (!keyed_use_.count(map.name)) keyed_use_[map.name] = map.loc;
    set_map_key(m, key, map.loc);
  }
}

void Analyser::check_map_assign(Node &n) {
  Node &target = *n.lhs;
  check_map_key(target);
  MapInfo &m = map_info(target.name, target.loc);
  Node &rhs = *n.rhs;
  if (rhs.kind == NodeKind::Call && rhs.name == "tseries") return check_tseries_assign(n, m);
  if (rhs.kind == NodeKind::Call && kAggregations.count(rhs.name)) {
    if (n.op != "=") {
      error(n.loc, rhs.name + "() can only be assigned with '='");
      return;
    }
    for (auto &a : rhs.args) check_expr(*a);
    Type agg = make_simple(aggregation_kind(rhs.name), 8);
    size_t want = rhs.name == "count" ? 0 : rhs.name == "lhist" ? 4 : 1;
    size_t got = rhs.args.size();
    bool ok = rhs.name == "hist" ? (got == 1 || got == 2) : got == want;
    if (!ok) {
      error(rhs.loc, arg_count_error(rhs.name, want, rhs.name == "hist" ? 2 : want, got));
      return;
    }
    if (got >= 1 && !rhs.args[0]->type.is_integer() && rhs.args[0]->type.kind != TypeKind::Bool &&
        !rhs.args[0]->type.is_none())
      error(rhs.loc, only_supports(rhs.name, "int", *rhs.args[0]));
    for (size_t i = 1; i < got; i++) {
      Node &a = *rhs.args[i];
      bool constant = a.kind == NodeKind::Integer ||
                      (a.kind == NodeKind::Unary && a.op == "-" && a.lhs->kind == NodeKind::Integer);
      if (!constant) {
        error(a.loc, rhs.name + "() parameters must be integer literals");
        continue;
      }
      agg.agg_args[i - 1] = a.kind == NodeKind::Integer ? (int64_t)a.ival : -(int64_t)a.lhs->ival;
    }
    if (agg.kind == TypeKind::Hist && (agg.agg_args[0] < 0 || agg.agg_args[0] > 5))
      error(rhs.args[1]->loc, "hist() k must be between 0 and 5");
    if (agg.kind == TypeKind::Lhist) {
      int64_t min = agg.agg_args[0], max = agg.agg_args[1], step = agg.agg_args[2];
      if (step <= 0) error(rhs.args[3]->loc, "lhist() step must be greater than 0");
      else if (max <= min) error(rhs.args[2]->loc, "lhist() max must be greater than min");
      else if ((max - min) / step > 1000)
        error(rhs.args[3]->loc, "lhist() has too many buckets ((max - min) / step must be at most 1000)");
    }
    if (agg.kind == TypeKind::Min || agg.kind == TypeKind::Max || agg.kind == TypeKind::Sum ||
        agg.kind == TypeKind::Avg || agg.kind == TypeKind::Stats)
      agg.is_signed = true;
    rhs.type = agg;
    set_map_value(m, agg, n.loc);
    target.type = m.value;
    target.id = 0;
    return;
  }
  check_expr(rhs);
  if (rhs.type.kind == TypeKind::Void) {
    error(rhs.loc, "this expression has no value and can not be stored in a map");
    return;
  }
  if (rhs.kind == NodeKind::Map && !check_aggregate_copy(n, m)) return;
  if (n.op != "=") {
    if (!m.value.is_none() && !m.value.is_integer() && m.value.kind != TypeKind::Count &&
        m.value.kind != TypeKind::Sum)
      error(n.loc, "compound assignment '" + n.op + "' needs an integer map, " + target.name + " holds '" +
                       m.value.to_string() + "'");
    if (!rhs.type.is_integer() && rhs.type.kind != TypeKind::Bool)
      error(rhs.loc, "compound assignment '" + n.op + "' needs an integer value, not '" +
                         rhs.type.to_string() + "'");
    if (m.value.is_none() || m.value.is_integer())
      set_map_value(m, compound_type(n, m.value.is_none() ? make_int(1, true) : m.value, rhs.type), n.loc);
  } else {
    set_map_value(m, value_type(rhs.type), n.loc);
  }
  target.type = m.value;
}

// `@y = @x` where @x holds an aggregation. bpftrace refuses to copy
// stats/hist/lhist values, and count/sum/min/max/avg values into a map
// that has no type yet (an integer map takes the value). Returns false when
// the assignment is refused.
bool Analyser::check_aggregate_copy(Node &n, MapInfo &target) {
  static const std::map<TypeKind, std::string> examples = {
      {TypeKind::Count, "count()"},       {TypeKind::Sum, "sum(retval)"},
      {TypeKind::Min, "min(retval)"},     {TypeKind::Max, "max(retval)"},
      {TypeKind::Avg, "avg(retval)"},     {TypeKind::Hist, "hist(retval)"},
      {TypeKind::Lhist, "lhist(rand %10, 0, 10, 1)"}, {TypeKind::Stats, "stats(arg2)"}};
  const Node &source = *n.rhs;
  const Type &agg = map_info(source.name, source.loc).value;
  if (!agg.is_aggregation()) return true;
  bool castable = agg.kind != TypeKind::Stats && agg.kind != TypeKind::Hist && agg.kind != TypeKind::Lhist;
  if (!final_walk_ && target.value.is_none()) untyped_aggregate_copies_.insert(&n);
  if (castable && !untyped_aggregate_copies_.count(&n)) return true;
  std::string msg = "Map value '" + agg.to_string() +
                    "' cannot be assigned from one map to another. The function that returns this type must be "
                    "called directly e.g. `" + n.lhs->name + " = " + examples.at(agg.kind) + ";`.";
  if (final_walk_) {
    Diagnostic &d = diags_.error(n.loc, msg);
    if (castable)
      d.hints.push_back("Add a cast to integer if you want the value of the aggregate, e.g. `" + n.lhs->name +
                        " = (int64)" + source.name + ";`.");
  }
  failed_ = true;
  return false;
}

}  // namespace bt2bin::detail

// Script maps in BPF C: their declarations, the keys of `@m[...]` (bucketed
// keys for hist, lhist and tseries), assignments and aggregations updating
// a per-CPU value in place, and reads inside a probe.
#include "backend/bpf_emitter_internal.h"

namespace bt2bin::detail {

void BpfEmitter::emit_maps(CWriter &w) {
  for (const auto &m : prog_.maps) {
    std::string type = m.bpf_type == "hash"              ? "BPF_MAP_TYPE_HASH"
                       : m.bpf_type == "percpu_hash"     ? "BPF_MAP_TYPE_PERCPU_HASH"
                       : m.bpf_type == "lru_hash"        ? "BPF_MAP_TYPE_LRU_HASH"
                                                         : "BPF_MAP_TYPE_LRU_PERCPU_HASH";
    bool bucketed = m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist ||
                    m.value.kind == TypeKind::Tseries;
    std::string key;
    if (bucketed) {
      key = m.is_scalar() ? "__u64" : types_.name(make_tuple({m.key, make_int(8, false)}));
    } else if (m.is_scalar()) {
      key = "__u64";
    } else {
      std::string n = types_.name(m.key);
      key = n.empty() ? types_.decl(m.key, "") : n;
      // decl() of an array type with an empty name gives "char [16]".
      key.erase(std::remove(key.end() - 1, key.end(), ' '), key.end());
    }
    std::string value = types_.name(m.value);
    if (value.empty()) value = types_.decl(m.value, "");
    w.line("/* " + m.name + ": " + (m.is_scalar() ? "" : m.key.to_string() + " -> ") + m.value.to_string() + " */");
    w.open("struct");
    w.line("__uint(type, " + type + ");");
    w.line("__uint(max_entries, " + std::to_string(m.max_entries) + ");");
    w.line("__type(key, " + key + ");");
    w.line("__type(value, " + value + ");");
    w.close(" " + map_symbol(m.name) + " SEC(\".maps\");");
    w.line();
  }
}

// The key of a map function's (map, key) arguments, as key_of() builds
// `@m[key]`: has_key(@m, k), find(@m, k, $v).
std::string BpfEmitter::key_of_call(const Node &map, const Node &key) {
  Node access(NodeKind::Map, map.loc);
  access.name = map.name;
  access.args.push_back(NodePtr(const_cast<Node *>(&key)));
  std::string lvalue = key_of(access);
  access.args[0].release();  // borrowed, not owned
  return lvalue;
}

// Builds the key of `@m[...]` in a local (or scratch) and returns its lvalue.
std::string BpfEmitter::key_of(const Node &map) {
  const MapInfo &m = *prog_.find_map(map.name);
  if (m.is_scalar()) {
    std::string k = "_key" + std::to_string(tmp_++);
    body_.line("__u64 " + k + " = 0;");
    return k;
  }
  if (!is_memory(m.key)) {
    std::string k = "_key" + std::to_string(tmp_++);
    body_.line(types_.decl(m.key, k) + " = " + stored(m.key, expr(*map.args[0])) + ";");
    return k;
  }
  std::string k = temp(m.key, "_key");
  zero(k);
  if (map.args.size() == 1) {
    emit_into(*map.args[0], k, m.key);
  } else {
    for (size_t i = 0; i < map.args.size(); i++) {
      const Type &ft = *m.key.fields[i].type;
      std::string dst = k + ".f" + std::to_string(i);
      if (is_memory(ft)) emit_into(*map.args[i], dst, ft);
      else body_.line(dst + " = " + stored(ft, expr(*map.args[i])) + ";");
    }
  }
  return k;
}

// The key of a bucketed map (hist, lhist, tseries): the user key followed
// by `bucket`. Returns its lvalue.
std::string BpfEmitter::bucket_key(const Node &target, const MapInfo &m, const std::string &bucket) {
  if (m.is_scalar()) {
    std::string key = "_key" + std::to_string(tmp_++);
    body_.line("__u64 " + key + " = " + bucket + ";");
    return key;
  }
  std::string key = temp(make_tuple({m.key, make_int(8, false)}), "_key");
  zero(key);
  if (target.args.size() == 1 && !is_memory(m.key))
    body_.line(key + ".f0 = " + expr(*target.args[0]) + ";");
  else if (target.args.size() == 1)
    emit_into(*target.args[0], key + ".f0", m.key);
  else
    for (size_t i = 0; i < target.args.size(); i++) {
      const Type &ft = *m.key.fields[i].type;
      std::string dst = key + ".f0.f" + std::to_string(i);
      if (is_memory(ft)) emit_into(*target.args[i], dst, ft);
      else body_.line(dst + " = " + expr(*target.args[i]) + ";");
    }
  body_.line(key + ".f1 = " + bucket + ";");
  return key;
}

void BpfEmitter::map_assign(const Node &n) {
  const Node &target = *n.lhs;
  const Node &rhs = *n.rhs;
  if (rhs.kind == NodeKind::Call && rhs.type.is_aggregation()) return aggregate(target, rhs);
  const MapInfo &m = *prog_.find_map(target.name);
  body_.open("");
  std::string key = key_of(target);
  if (n.op != "=") {
    std::string op = n.op.substr(0, n.op.size() - 1);
    std::string vt = types_.name(m.value);
    body_.line(vt + " _init = 0, *_v = bt_lookup_or_init(&" + map_symbol(m.name) + ", &" + key + ", &_init);");
    body_.line("");
    std::string value = expr(rhs);
    body_.line("if (_v)");
    if (op == "/" || op == "%")
      body_.line("\t*_v = " + division(op, m.value.is_signed, "*_v", value, n.loc) + ";");
    else
      body_.line("\t*_v " + op + "= " + value + ";");
    body_.close();
    return;
  }
  std::string val;
  if (is_memory(m.value)) {
    val = temp(m.value, "_val");
    zero(val);
    emit_into(rhs, val, m.value);
  } else {
    val = "_val";
    body_.line(types_.decl(m.value, val) + " = " + stored(m.value, expr(rhs)) + ";");
  }
  body_.line("");
  body_.line("bpf_map_update_elem(&" + map_symbol(m.name) + ", &" + key + ", &" + val + ", BPF_ANY);");
  body_.close();
}

// count/sum/min/max/avg/stats/hist/lhist: update the per-CPU value in place.
void BpfEmitter::aggregate(const Node &target, const Node &call) {
  const MapInfo &m = *prog_.find_map(target.name);
  if (m.value.kind == TypeKind::Tseries) return aggregate_tseries(target, call);
  const std::string map = "&" + map_symbol(m.name);
  body_.open("");
  std::string arg = call.args.empty() ? "" : "(__s64)(" + expr(*call.args[0]) + ")";
  std::string key;
  if (m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist) {
    std::string bucket =
        m.value.kind == TypeKind::Hist
            ? "bt2bin_hist_index(" + arg + ", " + std::to_string(m.value.agg_args[0]) + ")"
            : "bt2bin_lhist_index(" + arg + ", " + std::to_string(m.value.agg_args[0]) + ", " +
                  std::to_string(m.value.agg_args[1]) + ", " + std::to_string(m.value.agg_args[2]) + ")";
    key = bucket_key(target, m, bucket);
    body_.line("__s64 _zero_count = 0, *_count = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_count);");
    body_.line("");
    body_.line("if (_count)");
    body_.line("\t(*_count)++;");
    body_.close();
    return;
  }
  key = key_of(target);
  switch (m.value.kind) {
    case TypeKind::Count:
    case TypeKind::Sum:
      body_.line("__s64 _zero_value = 0, *_value = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_value);");
      body_.line("");
      body_.line("if (_value)");
      body_.line(m.value.kind == TypeKind::Count ? "\t(*_value)++;" : "\t*_value += " + arg + ";");
      break;
    case TypeKind::Min:
    case TypeKind::Max: {
      const char *cmp = m.value.kind == TypeKind::Min ? "<" : ">";
      body_.line("__s64 _arg = " + arg + ";");
      body_.line("struct bt_minmax _zero_value = {}, *_value = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_value);");
      body_.line("");
      body_.open("if (_value && (!_value->is_set || _arg " + std::string(cmp) + " _value->value))");
      body_.line("_value->value = _arg;");
      body_.line("_value->is_set = 1;");
      body_.close();
      break;
    }
    case TypeKind::Avg:
    case TypeKind::Stats:
      body_.line("struct bt_avg _zero_value = {}, *_value = bt_lookup_or_init(" + map + ", &" + key + ", &_zero_value);");
      body_.line("");
      body_.open("if (_value)");
      body_.line("_value->total += " + arg + ";");
      body_.line("_value->count++;");
      body_.close();
      break;
    default:
      unsupported(call.loc, call.name + "()");
  }
  body_.close();
}

// `@m[k] = tseries(v, interval, n[, agg])`: the per-CPU slot of the current
// interval (epoch % n) starts over when it holds an older epoch, else
// combines the value with the one recorded so far in this interval.
void BpfEmitter::aggregate_tseries(const Node &target, const Node &call) {
  const MapInfo &m = *prog_.find_map(target.name);
  uses_tseries_ = true;
  const Type &t = m.value;
  auto agg = static_cast<TseriesAgg>(t.agg_args[2]);
  std::string ct = t.is_signed ? "__s64" : "__u64";
  body_.open("");
  body_.line("__s64 _arg = (__s64)(" + expr(*call.args[0]) + ");");
  body_.line("__u64 _now = bpf_ktime_get_boot_ns() + bt_tai_offset_ns;");
  body_.line("__u64 _epoch = _now / " + std::to_string(t.agg_args[0]) + "ULL;");
  std::string key = bucket_key(target, m, "_epoch % " + std::to_string(t.agg_args[1]));
  body_.line("struct bt_tseries _zero_value = {}, *_value = bt_lookup_or_init(&" + map_symbol(m.name) + ", &" + key +
             ", &_zero_value);");
  body_.line("");
  body_.open("if (_value && _value->epoch != _epoch)");
  body_.line("_value->epoch = _epoch;");
  body_.line("_value->value = _arg;");
  body_.line(std::string("_value->meta = ") + (agg == TseriesAgg::Last ? "_now" : agg == TseriesAgg::Avg ? "1" : "0") +
             ";");
  body_.dedent();
  body_.open("} else if (_value)");
  switch (agg) {
    case TseriesAgg::Last:
      body_.line("_value->value = _arg;");
      body_.line("_value->meta = _now;");
      break;
    case TseriesAgg::Avg:
      body_.line("_value->value += _arg;");
      body_.line("_value->meta++;");
      break;
    case TseriesAgg::Sum:
      body_.line("_value->value += _arg;");
      break;
    case TseriesAgg::Max:
    case TseriesAgg::Min:
      body_.line("if ((" + ct + ")_arg " + (agg == TseriesAgg::Max ? ">" : "<") + " (" + ct + ")_value->value)");
      body_.line("\t_value->value = _arg;");
      break;
  }
  body_.close();
  body_.close();
}

// The value of an aggregation map element as bpftrace reads it inside a
// probe: per-CPU slots summed (count, sum), reduced (min, max) or averaged.
std::string BpfEmitter::aggregate_value(const MapInfo &m, const std::string &key_ptr) {
  std::string sym = "&" + map_symbol(m.name);
  switch (m.value.kind) {
    case TypeKind::Count:
    case TypeKind::Sum:
      if (m.is_percpu()) return "bt_percpu_sum(" + sym + ", " + key_ptr + ")";
      return "({ __s64 *_p = bpf_map_lookup_elem(" + sym + ", " + key_ptr + "); _p ? *_p : 0; })";
    case TypeKind::Min:
    case TypeKind::Max:
      return "bt_percpu_minmax(" + sym + ", " + key_ptr + ", " + (m.value.kind == TypeKind::Max ? "1" : "0") + ")";
    case TypeKind::Avg:
      return "bt_percpu_avg(" + sym + ", " + key_ptr + ")";
    default:
      return "";
  }
}

std::string BpfEmitter::map_read(const Node &n) {
  const MapInfo &m = *prog_.find_map(n.name);
  std::string key = key_of(n);
  std::string sym = "&" + map_symbol(m.name);
  switch (m.value.kind) {
    case TypeKind::Count:
    case TypeKind::Sum:
    case TypeKind::Min:
    case TypeKind::Max:
    case TypeKind::Avg:
      return aggregate_value(m, "&" + key);
    case TypeKind::Stats:
    case TypeKind::Hist:
    case TypeKind::Lhist:
    case TypeKind::Tseries:
      unsupported(n.loc, "reading a " + m.value.to_string() + " map value inside a probe");
    default:
      break;
  }
  if (is_memory(m.value)) {
    std::string tmp = temp(m.value, "_val");
    body_.open("");
    body_.line("void *_p = bpf_map_lookup_elem(" + sym + ", &" + key + ");");
    body_.line("");
    body_.line("if (_p)");
    body_.line("\t__builtin_memcpy(&" + tmp + ", _p, sizeof(" + tmp + "));");
    body_.line("else");
    body_.line("\t__builtin_memset(&" + tmp + ", 0, sizeof(" + tmp + "));");
    body_.close();
    return tmp;
  }
  std::string vt = types_.name(m.value);
  return "({ " + vt + " *_p = bpf_map_lookup_elem(" + sym + ", &" + key + "); _p ? *_p : 0; })";
}

}  // namespace bt2bin::detail

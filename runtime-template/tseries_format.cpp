// tseries() map printing (see tseries_format.h).
#include "runtime-template/tseries_format.h"

#include <time.h>

#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cstring>
#include <map>

#include "runtime-template/value_format.h"

namespace bt2bin::rt {

namespace {

constexpr int kGraphWidth = 53;  // '|', 51 columns, '|'
constexpr int kScalePadding = 21;

// struct bt_tseries as the BPF side writes it (skeletons/bt2bin_types.h).
struct Slot {
  int64_t value;
  int64_t meta;
  uint64_t epoch;
};

// ---------------------------------------------------------------------------
// Reduction of one slot over CPUs: only the newest epoch of the slot counts.

template <typename T>
std::pair<uint64_t, int64_t> reduce_slot(const std::vector<std::vector<uint8_t>> &per_cpu, int agg) {
  std::map<uint64_t, Slot> by_epoch;
  uint64_t latest = 0;
  for (const auto &raw : per_cpu) {
    if (raw.size() < sizeof(Slot)) continue;
    Slot s;
    memcpy(&s, raw.data(), sizeof(s));
    if (s.epoch == 0) continue;  // never written on this CPU
    latest = std::max(latest, s.epoch);
    auto [it, fresh] = by_epoch.emplace(s.epoch, s);
    if (fresh) continue;
    Slot &cur = it->second;
    T a = static_cast<T>(cur.value), b = static_cast<T>(s.value);
    switch (static_cast<TseriesAggKind>(agg)) {
      case TseriesAggKind::Last:  // the most recent update wins
        if (s.meta > cur.meta) cur = s;
        break;
      case TseriesAggKind::Avg:
        cur.value = static_cast<int64_t>(a + b);
        cur.meta += s.meta;
        break;
      case TseriesAggKind::Max:
        cur.value = static_cast<int64_t>(std::max(a, b));
        break;
      case TseriesAggKind::Min:
        cur.value = static_cast<int64_t>(std::min(a, b));
        break;
      case TseriesAggKind::Sum:
        cur.value = static_cast<int64_t>(a + b);
        break;
    }
  }
  if (latest == 0) return {0, 0};
  Slot &s = by_epoch[latest];
  if (static_cast<TseriesAggKind>(agg) == TseriesAggKind::Avg && s.meta != 0)
    s.value = static_cast<int64_t>(static_cast<T>(s.value) / static_cast<T>(s.meta));
  return {latest, s.value};
}

// ---------------------------------------------------------------------------
// A printed value: an integer of the map's signedness, or none ("null").

struct Prim {
  bool present = false;
  bool is_signed = true;
  int64_t bits = 0;

  bool operator==(const Prim &o) const { return present == o.present && (!present || bits == o.bits); }
  bool less(const Prim &o) const {
    if (!present || !o.present) return !present && o.present;
    return is_signed ? bits < o.bits : static_cast<uint64_t>(bits) < static_cast<uint64_t>(o.bits);
  }
};

std::string prim_text(const Prim &p) {
  if (!p.present) return "null";
  char buf[24];
  if (p.is_signed) snprintf(buf, sizeof(buf), "%" PRId64, p.bits);
  else snprintf(buf, sizeof(buf), "%" PRIu64, static_cast<uint64_t>(p.bits));
  return buf;
}

// p - other, as bpftrace computes graph positions.
int64_t distance(const Prim &p, int64_t other) {
  if (!p.present) return 0;
  if (p.is_signed) return p.bits - other;
  uint64_t v = static_cast<uint64_t>(p.bits);
  if (other < 0) return static_cast<int64_t>(static_cast<uint64_t>(-other) + v);
  if (v > static_cast<uint64_t>(other)) return static_cast<int64_t>(v - static_cast<uint64_t>(other));
  return -static_cast<int64_t>(static_cast<uint64_t>(other) - v);
}

int64_t distance(const Prim &p, const Prim &other) { return other.present ? distance(p, other.bits) : 0; }

void try_dec(Prim &p) {
  if (!p.present) return;
  if (p.is_signed ? p.bits > INT64_MIN : p.bits != 0) p.bits--;
}

void try_inc(Prim &p) {
  if (!p.present) return;
  if (p.is_signed ? p.bits < INT64_MAX : static_cast<uint64_t>(p.bits) < UINT64_MAX) p.bits++;
}

std::string pad_left(const std::string &s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string pad_right(const std::string &s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

// The time unit of the rows, from the interval between them (bpftrace
// util::duration_str): its name and the digits of the second's fraction.
struct TimeUnit {
  const char *name;
  int digits;
};

TimeUnit unit_of(uint64_t interval_ns) {
  if (interval_ns >= 1000000000ULL) return {"s", 0};
  if (interval_ns >= 1000000ULL) return {"ms", 3};
  if (interval_ns >= 1000ULL) return {"\xce\xbcs", 6};  // μs
  return {"ns", 9};
}

std::string row_time(uint64_t unix_ns, const TimeUnit &unit, bool utc) {
  time_t secs = static_cast<time_t>(unix_ns / 1000000000ULL);
  uint64_t frac = unix_ns % 1000000000ULL;
  struct tm tm;
  if (utc) gmtime_r(&secs, &tm);
  else localtime_r(&secs, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
  std::string s(buf, n);
  if (unit.digits == 3) snprintf(buf, sizeof(buf), ".%03" PRIu64, frac / 1000000);
  else if (unit.digits == 6) snprintf(buf, sizeof(buf), ".%06" PRIu64, frac / 1000);
  else if (unit.digits == 9) snprintf(buf, sizeof(buf), ".%09" PRIu64, frac);
  else buf[0] = 0;
  return s + buf;
}

std::string scale_line(size_t indent, const Prim &min, const Prim &max) {
  return std::string(indent, ' ') + pad_left(prim_text(min), kScalePadding) +
         pad_right(prim_text(max), kGraphWidth - kScalePadding) + "\n";
}

std::string key_text(const MapDesc &map, const std::vector<uint8_t> &key, const FormatContext &ctx) {
  std::string s = format_value_text(*map.key, key.data(), ctx);
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') s = s.substr(1, s.size() - 2);
  return s;
}

int64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace

// ---------------------------------------------------------------------------

void append_tseries_text(std::string &out, const TimeSeries &ts, bool utc) {
  if (ts.points.empty()) {
    out += "<no data>";
    return;
  }
  auto prim = [&](const std::optional<int64_t> &v) { return Prim{v.has_value(), ts.is_signed, v.value_or(0)}; };
  Prim min = prim(ts.points.front().second), max = min;
  for (const auto &[t, v] : ts.points) {
    if (!v) continue;
    Prim p = prim(v);
    if (p.less(min)) min = p;
    if (max.less(p)) max = p;
  }
  if (min == max) {  // leave room on both sides of a flat line
    try_dec(min);
    try_inc(max);
  }
  uint64_t span = ts.points.back().first - ts.points.front().first;
  TimeUnit unit = unit_of(span / (ts.points.size() > 1 ? ts.points.size() - 1 : 1));
  std::string time_fmt = "hh:mm:ss";
  size_t time_size = time_fmt.size();
  if (unit.digits) {
    time_fmt += std::string(".") + unit.name;
    time_size += 1 + unit.digits;
  }

  out += scale_line(time_size + 1, min, max);
  out += pad_left(time_fmt, time_size + 1) + "|" + std::string(kGraphWidth - 2, '_') + "|\n";
  int zero_offset = 0;
  Prim zero{true, true, 0};
  if (distance(min, 0) < 0 && distance(zero, max) < 0)
    zero_offset = static_cast<int>(static_cast<float>(kGraphWidth) * static_cast<float>(distance(min, 0)) /
                                   static_cast<float>(distance(min, max)));
  for (const auto &[t, v] : ts.points) {
    std::string line(kGraphWidth, ' ');
    line[0] = '|';
    line[kGraphWidth - 1] = '|';
    if (zero_offset > 0) line[zero_offset] = '.';
    out += row_time(t, unit, utc) + " ";
    if (!v) {
      out += line + " -\n";
      continue;
    }
    Prim p = prim(v);
    int offset = kGraphWidth / 2;
    if (!(min == max))
      offset = static_cast<int>(static_cast<float>(kGraphWidth - 1) * static_cast<float>(distance(min, p)) /
                                static_cast<float>(distance(min, max)));
    line[std::max(0, std::min(kGraphWidth - 1, offset))] = '*';
    out += line + " " + prim_text(p) + "\n";
  }
  std::string bottom(kGraphWidth, '_');
  bottom.front() = bottom.back() = 'v';
  out += std::string(time_size, ' ') + " " + bottom + "\n";
  out += std::string(time_size, ' ') + " " + pad_left(prim_text(min), kScalePadding) +
         pad_right(prim_text(max), kGraphWidth - kScalePadding) + "\n";
}

void append_tseries_json(std::string &out, const TimeSeries &ts) {
  out += '[';
  bool first = true;
  for (const auto &[t, v] : ts.points) {
    if (!v) continue;
    if (!first) out += ',';
    first = false;
    time_t secs = static_cast<time_t>(t / 1000000000ULL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%09" PRIu64, t % 1000000000ULL);
    out += "{\"interval_start\":\"";
    out += buf;
    out += "\",\"value\":";
    out += prim_text(Prim{true, ts.is_signed, *v});
    out += '}';
  }
  out += ']';
}

std::vector<std::pair<std::vector<uint8_t>, TimeSeries>> build_tseries(const MapDesc &map,
                                                                      const std::vector<RawMapEntry> &entries,
                                                                      int64_t tai_minus_unix_ns) {
  size_t key_size = map.key_size >= 8 ? map.key_size - 8 : 0;  // the user key; the bucket follows
  std::map<std::vector<uint8_t>, std::map<uint64_t, int64_t>> values;
  for (const auto &e : entries) {
    if (e.key.size() < key_size) continue;
    auto [epoch, v] = map.value_is_signed ? reduce_slot<int64_t>(e.per_cpu, map.tseries_agg)
                                          : reduce_slot<uint64_t>(e.per_cpu, map.tseries_agg);
    if (epoch == 0) continue;
    values[std::vector<uint8_t>(e.key.begin(), e.key.begin() + key_size)].emplace(epoch, v);
  }
  std::vector<std::pair<std::vector<uint8_t>, TimeSeries>> out;
  if (values.empty()) return out;
  uint64_t last = 0;
  for (const auto &[key, series] : values) last = std::max(last, series.rbegin()->first);
  uint64_t intervals = static_cast<uint64_t>(std::max<int64_t>(map.tseries_intervals, 1));
  uint64_t first = last >= intervals - 1 ? last - intervals + 1 : 0;
  uint64_t interval_ns = static_cast<uint64_t>(map.tseries_interval_ns);
  for (const auto &[key, series] : values) {
    auto start = series.lower_bound(first);
    uint64_t from = start == series.end() ? last : start->first;
    TimeSeries ts;
    ts.is_signed = map.value_is_signed;
    for (uint64_t epoch = from; epoch <= last; epoch++) {
      auto v = series.find(epoch);
      uint64_t unix_ns = epoch * interval_ns - static_cast<uint64_t>(tai_minus_unix_ns);
      ts.points.emplace_back(unix_ns, v == series.end() ? std::nullopt : std::optional<int64_t>(v->second));
    }
    out.emplace_back(key, std::move(ts));
  }
  return out;
}

void print_tseries_text(std::string &out, const MapDesc &map, const std::vector<RawMapEntry> &entries,
                        const FormatContext &ctx) {
  for (const auto &[key, ts] : build_tseries(map, entries, tai_minus_unix_ns())) {
    out += map.name;
    if (map.key) out += "[" + key_text(map, key, ctx) + "]";
    out += ":\n";
    append_tseries_text(out, ts, ctx.utc);
    out += '\n';
    if (!map.key) break;
  }
}

void print_tseries_json(std::string &out, const MapDesc &map, const std::vector<RawMapEntry> &entries,
                        const FormatContext &ctx) {
  auto all = build_tseries(map, entries, tai_minus_unix_ns());
  if (all.empty()) return;
  out += "{\"type\": \"tseries\", \"data\": {";
  append_json_string(out, map.name);
  out += ": ";
  if (!map.key) {
    append_tseries_json(out, all.front().second);
  } else {
    out += '{';
    for (size_t i = 0; i < all.size(); i++) {
      if (i) out += ", ";
      std::string k = key_text(map, all[i].first, ctx);
      k.erase(std::remove(k.begin(), k.end(), ' '), k.end());
      append_json_string(out, k);
      out += ": ";
      append_tseries_json(out, all[i].second);
    }
    out += '}';
  }
  out += "}}\n";
}

uint64_t tai_minus_boot_ns() { return static_cast<uint64_t>(clock_ns(CLOCK_TAI) - clock_ns(CLOCK_BOOTTIME)); }

int64_t tai_minus_unix_ns() {
  // Whole seconds: the kernel's TAI offset is an integer number of seconds.
  int64_t d = clock_ns(CLOCK_TAI) - clock_ns(CLOCK_REALTIME);
  return (d + (d >= 0 ? 500000000LL : -500000000LL)) / 1000000000LL * 1000000000LL;
}

}  // namespace bt2bin::rt

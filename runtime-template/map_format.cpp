// Printing a whole map (see map_format.h).
#include "runtime-template/map_format.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>

#include "runtime-template/tseries_format.h"
#include "runtime-template/value_format.h"

namespace bt2bin::rt {

namespace {

constexpr int kBarWidth = 52;
// Bucket indices beyond this are treated as corrupt and skipped.
constexpr uint64_t kMaxBuckets = 1ULL << 24;

// ---------------------------------------------------------------------------
// Reducing per-CPU values

int64_t read_s64(const std::vector<uint8_t> &v, size_t off) {
  if (v.size() < off + 8) return 0;
  int64_t x;
  memcpy(&x, v.data() + off, 8);
  return x;
}

uint32_t read_u32(const std::vector<uint8_t> &v, size_t off) {
  if (v.size() < off + 4) return 0;
  uint32_t x;
  memcpy(&x, v.data() + off, 4);
  return x;
}

// One user-visible map element after reduction.
struct Item {
  std::vector<uint8_t> key;          // user key (hist: bucket suffix removed)
  const uint8_t *value = nullptr;    // AggKind::None: the raw value
  int64_t v = 0;                     // count/sum/min/max value; avg/stats average
  int64_t total = 0;                 // avg/stats
  uint64_t count = 0;                // avg/stats
  std::vector<uint64_t> buckets;     // hist/lhist counts by bucket index
  uint64_t hist_total = 0;           // hist/lhist sort key
};

bool less_by(int64_t a, int64_t b, bool is_signed) {
  return is_signed ? a < b : static_cast<uint64_t>(a) < static_cast<uint64_t>(b);
}

void reduce_minmax(Item &it, const RawMapEntry &e, bool is_max, bool is_signed) {
  bool set = false;
  for (const auto &cpu : e.per_cpu) {
    if (!read_u32(cpu, 8)) continue;
    int64_t x = read_s64(cpu, 0);
    if (!set || (is_max ? less_by(it.v, x, is_signed) : less_by(x, it.v, is_signed)))
      it.v = x;
    set = true;
  }
}

void reduce_avg(Item &it, const RawMapEntry &e, bool is_signed) {
  for (const auto &cpu : e.per_cpu) {
    it.total = static_cast<int64_t>(static_cast<uint64_t>(it.total) +
                                    static_cast<uint64_t>(read_s64(cpu, 0)));
    it.count += static_cast<uint64_t>(read_s64(cpu, 8));
  }
  if (it.count == 0) {
    it.v = 0;
  } else if (is_signed) {
    it.v = it.total / static_cast<int64_t>(it.count);
  } else {
    it.v = static_cast<int64_t>(static_cast<uint64_t>(it.total) / it.count);
  }
}

std::vector<Item> reduce_plain(const MapDesc &map, const std::vector<RawMapEntry> &entries) {
  std::vector<Item> items;
  if (map.agg == AggKind::None && !map.value) return items;
  items.reserve(entries.size());
  for (const auto &e : entries) {
    Item it;
    it.key = e.key;
    switch (map.agg) {
      case AggKind::None:
        it.value = e.per_cpu.empty() ? nullptr : e.per_cpu[0].data();
        break;
      case AggKind::Count:
      case AggKind::Sum:
        for (const auto &cpu : e.per_cpu)
          it.v = static_cast<int64_t>(static_cast<uint64_t>(it.v) +
                                      static_cast<uint64_t>(read_s64(cpu, 0)));
        break;
      case AggKind::Min:
      case AggKind::Max:
        reduce_minmax(it, e, map.agg == AggKind::Max, map.value_is_signed);
        break;
      case AggKind::Avg:
      case AggKind::Stats:
        reduce_avg(it, e, map.value_is_signed);
        break;
      default:
        break;
    }
    if (map.agg == AggKind::None && !it.value) continue;
    items.push_back(std::move(it));
  }
  return items;
}

// hist/lhist: the BPF key is user key + u64 bucket index; one Item per
// user key with the bucket counts summed over CPUs.
std::vector<Item> reduce_hist(const MapDesc &map, const std::vector<RawMapEntry> &entries) {
  std::map<std::vector<uint8_t>, std::vector<uint64_t>> groups;
  for (const auto &e : entries) {
    if (e.key.size() < 8) continue;
    size_t user = e.key.size() - 8;
    uint64_t bucket;
    memcpy(&bucket, e.key.data() + user, 8);
    if (bucket >= kMaxBuckets) continue;
    auto &counts = groups[std::vector<uint8_t>(e.key.begin(), e.key.begin() + user)];
    if (counts.size() <= bucket) counts.resize(bucket + 1);
    for (const auto &cpu : e.per_cpu)
      counts[bucket] += static_cast<uint64_t>(read_s64(cpu, 0));
  }
  std::vector<Item> items;
  items.reserve(groups.size());
  for (auto &[key, counts] : groups) {
    Item it;
    it.key = key;
    it.buckets = std::move(counts);
    for (uint64_t c : it.buckets) it.hist_total += c;
    items.push_back(std::move(it));
  }
  return items;
}

// ---------------------------------------------------------------------------
// Sorting

// Three-way comparison of two keys as bpftrace orders keys: integers by
// signed value, strings bytewise, tuples and records (struct keys) field by
// field, arrays element by element. Other kinds compare equal, so they keep
// the bytewise order sort_by_key starts from (bpftrace leaves them in hash
// order).
int compare_key(const ValueDesc &d, const uint8_t *a, const uint8_t *b) {
  switch (d.kind) {
    case ValueKind::Int:
    case ValueKind::Enum: {
      int64_t x = read_sint(a, d.size), y = read_sint(b, d.size);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case ValueKind::String:
      return memcmp(a, b, d.size);
    case ValueKind::Tuple:
    case ValueKind::Record:
      for (uint32_t i = 0; i < d.nfields; i++)
        if (int c = compare_key(d.fields[i], a + d.offsets[i], b + d.offsets[i])) return c;
      return 0;
    case ValueKind::Array:
      if (!d.elem) return 0;
      for (uint32_t i = 0; i < d.count; i++)
        if (int c = compare_key(*d.elem, a + i * d.elem->size, b + i * d.elem->size)) return c;
      return 0;
    default:
      return 0;
  }
}

void sort_by_key(std::vector<Item> &items, const ValueDesc *key) {
  std::stable_sort(items.begin(), items.end(),
                   [](const Item &a, const Item &b) { return a.key < b.key; });
  if (!key) return;
  std::stable_sort(items.begin(), items.end(), [key](const Item &a, const Item &b) {
    if (a.key.size() < key->size || b.key.size() < key->size) return false;
    return compare_key(*key, a.key.data(), b.key.data()) < 0;
  });
}

void sort_items(std::vector<Item> &items, const MapDesc &map) {
  sort_by_key(items, map.key);
  switch (map.agg) {
    case AggKind::None: {
      const ValueDesc *vd = map.value;
      if (!vd || (vd->kind != ValueKind::Int && vd->kind != ValueKind::Enum)) return;
      bool sgn = vd->is_signed;
      uint32_t size = vd->size;
      std::stable_sort(items.begin(), items.end(), [=](const Item &a, const Item &b) {
        if (sgn) return read_sint(a.value, size) < read_sint(b.value, size);
        return read_uint(a.value, size) < read_uint(b.value, size);
      });
      return;
    }
    case AggKind::Hist:
    case AggKind::Lhist:
      std::stable_sort(items.begin(), items.end(), [](const Item &a, const Item &b) {
        return a.hist_total < b.hist_total;
      });
      return;
    default: {
      bool sgn = map.value_is_signed;
      std::stable_sort(items.begin(), items.end(), [=](const Item &a, const Item &b) {
        return less_by(a.v, b.v, sgn);
      });
      return;
    }
  }
}

// Sorted, reduced, top-limited items.
std::vector<Item> collect(const MapDesc &map, const std::vector<RawMapEntry> &entries,
                          uint32_t top) {
  bool hist = map.agg == AggKind::Hist || map.agg == AggKind::Lhist;
  std::vector<Item> items = hist ? reduce_hist(map, entries) : reduce_plain(map, entries);
  sort_items(items, map);
  if (top && items.size() > top)
    items.erase(items.begin(), items.end() - top);
  return items;
}

// ---------------------------------------------------------------------------
// Values

void append_num(std::string &out, int64_t v, bool is_signed) {
  char buf[24];
  int n = is_signed ? snprintf(buf, sizeof(buf), "%" PRId64, v)
                    : snprintf(buf, sizeof(buf), "%" PRIu64, static_cast<uint64_t>(v));
  out.append(buf, static_cast<size_t>(n));
}

void append_num_json(std::string &out, int64_t v, bool is_signed) {
  if (is_signed)
    append_json_int(out, v);
  else
    append_json_uint(out, static_cast<uint64_t>(v));
}

int64_t divide(int64_t v, uint64_t div, bool is_signed) {
  if (div <= 1) return v;
  if (is_signed) return v / static_cast<int64_t>(div);
  return static_cast<int64_t>(static_cast<uint64_t>(v) / div);
}

// count/sum/min/max/avg/stats value as text or JSON.
void append_agg_value(std::string &out, const MapDesc &map, const Item &it,
                      uint64_t div, bool json) {
  bool sgn = map.value_is_signed;
  if (map.agg == AggKind::Stats) {
    int64_t avg = divide(it.v, div, sgn);
    if (json) {
      out += "{\"count\": ";
      append_num_json(out, static_cast<int64_t>(it.count), sgn);
      out += ", \"average\": ";
      append_num_json(out, avg, sgn);
      out += ", \"total\": ";
      append_num_json(out, it.total, sgn);
      out += '}';
    } else {
      out += "{ .count = ";
      append_num(out, static_cast<int64_t>(it.count), sgn);
      out += ", .average = ";
      append_num(out, avg, sgn);
      out += ", .total = ";
      append_num(out, it.total, sgn);
      out += " }";
    }
    return;
  }
  int64_t v = divide(it.v, div, sgn);
  if (json)
    append_num_json(out, v, sgn);
  else
    append_num(out, v, sgn);
}

// AggKind::None value: integers honour div, everything else prints as is.
void append_plain_value(std::string &out, const MapDesc &map, const Item &it,
                        const FormatContext &ctx, uint64_t div, bool json) {
  const ValueDesc &vd = *map.value;
  if (vd.kind == ValueKind::Int && div > 1) {
    int64_t v = vd.is_signed ? read_sint(it.value, vd.size)
                             : static_cast<int64_t>(read_uint(it.value, vd.size));
    v = divide(v, div, vd.is_signed);
    if (json)
      append_num_json(out, v, vd.is_signed);
    else
      append_num(out, v, vd.is_signed);
    return;
  }
  if (json)
    append_value_json(out, vd, it.value, ctx);
  else
    append_value_text(out, vd, it.value, ctx);
}

Histogram item_hist(const MapDesc &map, const Item &it, uint64_t div) {
  if (map.agg == AggKind::Hist)
    return build_hist(it.buckets, static_cast<uint64_t>(map.hist_k), div);
  // div has no effect on linear histograms (bpftrace).
  return build_lhist(it.buckets, map.lhist_min, map.lhist_max, map.lhist_step);
}

// Key text as printed between the brackets: tuples lose their parentheses.
std::string key_text(const MapDesc &map, const Item &it, const FormatContext &ctx) {
  std::string s = format_value_text(*map.key, it.key.data(), ctx);
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') s = s.substr(1, s.size() - 2);
  return s;
}

bool usable_key(const MapDesc &map, const Item &it) {
  return map.key && it.key.size() >= map.key->size;
}

// ---------------------------------------------------------------------------
// Labels

HistLabel int_label(int64_t v, bool is_signed) {
  HistLabel l;
  l.is_signed = is_signed;
  l.value = static_cast<uint64_t>(v);
  char buf[24];
  snprintf(buf, sizeof(buf), "%" PRId64, v);
  l.text = buf;
  return l;
}

HistLabel lhist_label(int64_t number, int64_t step) {
  constexpr int64_t kilo = 1024, mega = 1024 * 1024;
  if (step % kilo != 0) return int_label(number, true);
  HistLabel l;
  l.symbolic = true;
  l.is_signed = true;
  l.value = static_cast<uint64_t>(number);
  char buf[32];
  if (number == 0)
    snprintf(buf, sizeof(buf), "0");
  else if (number % mega == 0)
    snprintf(buf, sizeof(buf), "%" PRId64 "M", number / mega);
  else if (number % kilo == 0)
    snprintf(buf, sizeof(buf), "%" PRId64 "K", number / kilo);
  else
    snprintf(buf, sizeof(buf), "%" PRId64, number);
  l.text = buf;
  return l;
}

HistLabel hist_label(uint64_t index, uint64_t k) {
  if (index <= (2ULL << k)) return int_label(static_cast<int64_t>(index), false);
  HistLabel l;
  l.symbolic = true;
  l.value = bt2bin_hist_limit(index, k);
  l.text = hist_limit_label(index, k);
  return l;
}

bool adjacent(const HistLabel &a, const HistLabel &b) {
  return !a.symbolic && !b.symbolic && a.value + 1 == b.value;
}

void append_label_json(std::string &out, const HistLabel &l) {
  if (l.is_signed)
    append_json_int(out, static_cast<int64_t>(l.value));
  else
    append_json_uint(out, l.value);
}

// The closed upper bound of a bucket whose exclusive bound is `l`.
int64_t one_less(const HistLabel &l) {
  if (!l.is_signed && l.value == 0) return -1;
  return static_cast<int64_t>(l.value - 1);
}

std::pair<int64_t, int64_t> nonzero_range(const std::vector<uint64_t> &counts) {
  int64_t lo = -1, hi = -1;
  for (size_t i = 0; i < counts.size(); i++) {
    if (counts[i] > 0) {
      if (lo < 0) lo = static_cast<int64_t>(i);
      hi = static_cast<int64_t>(i);
    }
  }
  return {lo, hi};
}

void pad_to(std::string &out, size_t start, size_t width) {
  size_t len = out.size() - start;
  if (len < width) out.append(width - len, ' ');
}

}  // namespace

// ---------------------------------------------------------------------------
// Histograms

std::string hist_limit_label(uint64_t index, uint64_t k) {
  uint64_t n = 1ULL << k;
  uint64_t interval = index & (n - 1);
  uint64_t power = (index >> k) - 1;
  uint64_t decade = power / 10;
  static const char suffixes[] = "\0KMGTPE";
  char suffix = decade < 7 ? suffixes[decade] : '?';
  power -= 10 * decade;
  char buf[32];
  int len = snprintf(buf, sizeof(buf), "%" PRIu64,
                     static_cast<uint64_t>((1ULL << power) * (n + interval)));
  std::string s(buf, static_cast<size_t>(len));
  if (suffix) s += suffix;
  return s;
}

Histogram build_hist(const std::vector<uint64_t> &counts, uint64_t k, uint64_t div) {
  Histogram h;
  auto [lo, hi] = nonzero_range(counts);
  if (lo < 0) return h;
  if (div == 0) div = 1;
  if (lo != 0) {
    h.has_lower_bound = true;
    h.lower_bound = hist_label(static_cast<uint64_t>(lo - 1), k);
  }
  for (int64_t i = lo; i <= hi; i++) {
    h.labels.push_back(i == 0 ? int_label(0, false) : hist_label(static_cast<uint64_t>(i), k));
    h.counts.push_back(counts[i] / div);
  }
  return h;
}

Histogram build_lhist(const std::vector<uint64_t> &counts, int64_t min, int64_t max,
                      int64_t step) {
  Histogram h;
  auto [lo, hi] = nonzero_range(counts);
  if (lo < 0 || step <= 0) return h;
  if (lo != 0) {
    h.has_lower_bound = true;
    h.lower_bound = lhist_label(min + (lo - 1) * step, step);
  }
  for (int64_t i = lo; i <= hi; i++) {
    // The overflow bucket has no upper label.
    if (min + i * step <= max) h.labels.push_back(lhist_label(min + i * step, step));
    h.counts.push_back(counts[i]);
  }
  return h;
}

void append_hist_text(std::string &out, const Histogram &h) {
  uint64_t max_count = 0;
  for (uint64_t c : h.counts) max_count = std::max(max_count, c);
  for (size_t i = 0; i < h.counts.size(); i++) {
    size_t start = out.size();
    if (i == 0 && !h.has_lower_bound) {
      out += "(..., ";
      out += h.labels.empty() ? "" : h.labels[0].text;
      out += ')';
    } else if (i == 0 && h.labels.empty()) {
      // Only the lhist overflow bucket is populated.
      out += '[';
      out += h.lower_bound.text;
      out += ", ...)";
    } else if (i >= h.labels.size()) {
      out += '[';
      out += h.labels[i - 1].text;
      out += ", ...)";
    } else {
      const HistLabel &from = i == 0 ? h.lower_bound : h.labels[i - 1];
      const HistLabel &to = h.labels[i];
      out += '[';
      out += from.text;
      if (!adjacent(from, to)) {
        out += ", ";
        out += to.text;
        out += ')';
      } else {
        out += ']';
      }
    }
    pad_to(out, start, 16);
    char buf[32];
    snprintf(buf, sizeof(buf), "%8" PRIu64 " |", h.counts[i]);
    out += buf;
    // bpftrace computes the bar in float: (count / (float)max) * 52.
    int bar = 0;
    if (max_count > 0)
      bar = static_cast<int>((static_cast<float>(h.counts[i]) / static_cast<float>(max_count)) *
                             static_cast<float>(kBarWidth));
    out.append(static_cast<size_t>(bar), '@');
    out.append(static_cast<size_t>(kBarWidth - bar), ' ');
    out += "|\n";
  }
}

void append_hist_json(std::string &out, const Histogram &h) {
  out += '[';
  for (size_t i = 0; i < h.counts.size(); i++) {
    if (i) out += ',';
    out += '{';
    if (i == 0 && h.has_lower_bound) {
      out += "\"min\": ";
      append_label_json(out, h.lower_bound);
      out += ", ";
    } else if (i > 0) {
      out += "\"min\": ";
      append_label_json(out, h.labels[i - 1]);
      out += ", ";
    }
    if (i < h.labels.size()) {
      out += "\"max\": ";
      append_json_int(out, one_less(h.labels[i]));
      out += ", ";
    }
    char buf[40];
    snprintf(buf, sizeof(buf), "\"count\": %" PRIu64 "}", h.counts[i]);
    out += buf;
  }
  out += ']';
}

// ---------------------------------------------------------------------------
// Maps

void print_map_text(std::string &out, const MapDesc &map,
                    const std::vector<RawMapEntry> &entries,
                    const FormatContext &ctx, uint32_t top, uint64_t div) {
  if (map.agg == AggKind::Tseries) return print_tseries_text(out, map, entries, ctx);  // no top/div
  std::vector<Item> items = collect(map, entries, top);
  bool hist = map.agg == AggKind::Hist || map.agg == AggKind::Lhist;
  bool scalar = map.key == nullptr;
  for (const Item &it : items) {
    if (!scalar && !usable_key(map, it)) continue;
    out += map.name;
    if (!scalar) {
      out += '[';
      out += key_text(map, it, ctx);
      out += ']';
    }
    if (hist) {
      out += ":\n";
      append_hist_text(out, item_hist(map, it, div));
      out += '\n';
    } else {
      out += ": ";
      if (map.agg == AggKind::None)
        append_plain_value(out, map, it, ctx, div, false);
      else
        append_agg_value(out, map, it, div, false);
      out += '\n';
    }
    if (scalar) break;
  }
}

void print_map_json(std::string &out, const MapDesc &map,
                    const std::vector<RawMapEntry> &entries,
                    const FormatContext &ctx, uint32_t top, uint64_t div) {
  if (map.agg == AggKind::Tseries) return print_tseries_json(out, map, entries, ctx);
  std::vector<Item> items = collect(map, entries, top);
  if (items.empty()) return;
  bool hist = map.agg == AggKind::Hist || map.agg == AggKind::Lhist;
  bool stats = map.agg == AggKind::Avg || map.agg == AggKind::Stats;
  bool scalar = map.key == nullptr;

  out += "{\"type\": \"";
  out += hist ? "hist" : stats ? "stats" : "map";
  out += "\", \"data\": {";
  append_json_string(out, map.name);
  out += ": ";
  auto value = [&](const Item &it) {
    if (hist)
      append_hist_json(out, item_hist(map, it, div));
    else if (map.agg == AggKind::None)
      append_plain_value(out, map, it, ctx, div, true);
    else
      append_agg_value(out, map, it, div, true);
  };
  if (scalar) {
    value(items.front());
  } else {
    out += '{';
    bool first = true;
    for (const Item &it : items) {
      if (!usable_key(map, it)) continue;
      if (!first) out += ", ";
      first = false;
      // JSON keys: the text key without tuple parentheses and without spaces.
      std::string k = key_text(map, it, ctx);
      k.erase(std::remove(k.begin(), k.end(), ' '), k.end());
      append_json_string(out, k);
      out += ": ";
      value(it);
    }
    out += '}';
  }
  out += "}}\n";
}

}  // namespace bt2bin::rt

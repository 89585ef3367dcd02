// Helpers shared by the output-formatting unit tests (value_format_test,
// map_format_test, printf_format_test): ValueDesc constructors and byte
// builders that lay values out the way the BPF side does.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "runtime-template/map_format.h"
#include "runtime-template/value_desc.h"

namespace fmt_test {

using namespace bt2bin::rt;

inline ValueDesc int_desc(uint32_t size, bool is_signed) {
  ValueDesc d;
  d.kind = ValueKind::Int;
  d.size = size;
  d.is_signed = is_signed;
  return d;
}

inline ValueDesc kind_desc(ValueKind kind, uint32_t size) {
  ValueDesc d;
  d.kind = kind;
  d.size = size;
  return d;
}

inline ValueDesc str_desc(uint32_t size) { return kind_desc(ValueKind::String, size); }

// Byte buffer with little-endian appends.
struct Bytes {
  std::vector<uint8_t> b;
  template <typename T>
  Bytes &put(T v) {
    size_t o = b.size();
    b.resize(o + sizeof(T));
    memcpy(b.data() + o, &v, sizeof(T));
    return *this;
  }
  Bytes &str(const std::string &s, size_t size) {
    size_t o = b.size();
    b.resize(o + size, 0);
    memcpy(b.data() + o, s.data(), s.size() < size ? s.size() : size);
    return *this;
  }
  Bytes &pad(size_t n) {
    b.resize(b.size() + n, 0);
    return *this;
  }
  const uint8_t *data() const { return b.data(); }
  operator std::vector<uint8_t>() const { return b; }
};

template <typename T>
inline std::vector<uint8_t> le(T v) {
  return Bytes().put(v).b;
}

// Descriptors with stable addresses for tuples/records (fields/offsets
// must outlive the ValueDesc that points at them).
struct Composite {
  std::deque<std::vector<ValueDesc>> fields;
  std::deque<std::vector<uint32_t>> offsets;
  std::deque<std::vector<const char *>> names;

  ValueDesc tuple(std::vector<ValueDesc> f) {
    ValueDesc d;
    d.kind = ValueKind::Tuple;
    auto &offs = offsets.emplace_back();
    uint32_t off = 0;
    for (auto &x : f) {
      offs.push_back(off);
      off += x.size;
    }
    d.size = off;
    d.nfields = static_cast<uint32_t>(f.size());
    d.fields = fields.emplace_back(std::move(f)).data();
    d.offsets = offs.data();
    return d;
  }

  ValueDesc record(std::vector<ValueDesc> f, std::vector<const char *> n) {
    ValueDesc d = tuple(std::move(f));
    d.kind = ValueKind::Record;
    d.names = names.emplace_back(std::move(n)).data();
    return d;
  }
};

inline MapDesc map_desc(const char *name, AggKind agg, const ValueDesc *key,
                        const ValueDesc *value = nullptr, bool value_signed = true) {
  MapDesc m{};
  m.name = name;
  m.bpf_name = name;
  m.agg = agg;
  m.key = key;
  m.value = value;
  m.key_size = key ? key->size : 8;
  m.value_size = 8;
  m.percpu = agg != AggKind::None;
  m.value_is_signed = value_signed;
  m.hist_k = 0;
  m.lhist_min = m.lhist_max = m.lhist_step = 0;
  return m;
}

inline RawMapEntry entry(std::vector<uint8_t> key, std::vector<std::vector<uint8_t>> per_cpu) {
  RawMapEntry e;
  e.key = std::move(key);
  e.per_cpu = std::move(per_cpu);
  return e;
}

// Per-CPU {s64 value; u64 is_set} of min()/max().
inline std::vector<uint8_t> minmax_cpu(int64_t v, bool set = true) {
  return Bytes().put<int64_t>(v).put<uint64_t>(set).b;
}

// Per-CPU {s64 total; u64 count} of avg()/stats().
inline std::vector<uint8_t> avg_cpu(int64_t total, uint64_t count) {
  return Bytes().put<int64_t>(total).put<uint64_t>(count).b;
}

// Accumulates hist/lhist entries the way BPF does: key + u64 bucket index,
// one count per CPU (all on CPU 0 here, plus an empty second CPU).
struct HistBuilder {
  std::vector<RawMapEntry> entries;
  void add(const std::vector<uint8_t> &user_key, uint64_t bucket, int64_t n = 1) {
    std::vector<uint8_t> key = user_key;
    auto b = le<uint64_t>(bucket);
    key.insert(key.end(), b.begin(), b.end());
    for (auto &e : entries) {
      if (e.key == key) {
        int64_t c;
        memcpy(&c, e.per_cpu[0].data(), 8);
        c += n;
        e.per_cpu[0] = le<int64_t>(c);
        return;
      }
    }
    entries.push_back(entry(key, {le<int64_t>(n), le<int64_t>(0)}));
  }
  void hist(const std::vector<uint8_t> &user_key, int64_t v, uint64_t k) {
    add(user_key, bt2bin_hist_index(v, k));
  }
  void lhist(const std::vector<uint8_t> &user_key, int64_t v, int64_t min, int64_t max,
             int64_t step) {
    add(user_key, bt2bin_lhist_index(v, min, max, step));
  }
};

// A hist row as bpftrace prints it (for building long expectations).
inline std::string row(const std::string &label, uint64_t count, int bar) {
  std::string s = label;
  if (s.size() < 16) s.append(16 - s.size(), ' ');
  std::string c = std::to_string(count);
  s.append(8 - (c.size() < 8 ? c.size() : 8), ' ');
  s += c;
  s += " |";
  s.append(static_cast<size_t>(bar), '@');
  s.append(static_cast<size_t>(52 - bar), ' ');
  s += "|\n";
  return s;
}

}  // namespace fmt_test

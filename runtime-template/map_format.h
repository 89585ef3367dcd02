// Printing a whole map, as bpftrace v0.26 does at exit and on print(@m).
//
// The runtime reads every entry of a BPF map (one value per CPU for per-CPU
// maps) into RawMapEntry and hands them here with the map's MapDesc. This
// unit combines the per-CPU values by aggregation kind, groups hist/lhist
// buckets by user key, sorts as bpftrace does, applies print()'s top/div,
// and produces the exact text of src/output/text.cpp or the NDJSON line of
// src/output/json.cpp. Values and keys are printed with value_format.
//
// Sort order (bpftrace src/types_format.cpp): count/sum/integer values by
// value (signed when the type is); min/max by value; avg/stats by average;
// hist/lhist by total count; any other value by key. Ties keep key order:
// integer keys by signed value, strings bytewise, tuples field by field
// (other key kinds by their bytes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime-template/format_context.h"
#include "runtime-template/hist_buckets.h"
#include "runtime-template/value_desc.h"

namespace bt2bin::rt {

// One BPF map entry as read from the kernel. `key` is the BPF key
// (MapDesc::key_size bytes; for hist/lhist the user key followed by the
// u64 bucket index). `per_cpu` holds one MapDesc::value_size value per
// possible CPU for per-CPU maps, else exactly one value.
struct RawMapEntry {
  std::vector<uint8_t> key;
  std::vector<std::vector<uint8_t>> per_cpu;
};

// Appends the map's text. Nothing when `entries` is empty. top = 0: all
// entries, else the `top` highest after sorting; div = 0 or 1: no division.
//   @x: 5                            scalar
//   @m[key]: v                       one line per key, tuple keys unparenthesized
//   @s: { .count = 3, .average = 2, .total = 7 }
//   @h:\n<rows>\n                    hist/lhist, per key @h[key]:\n<rows>\n
void print_map_text(std::string &out, const MapDesc &map,
                    const std::vector<RawMapEntry> &entries,
                    const FormatContext &ctx, uint32_t top = 0,
                    uint64_t div = 0);

// Appends one NDJSON line:
//   {"type": "map", "data": {"@x": 5}}
//   {"type": "map", "data": {"@m": {"a": 1, "1,b": 2}}}
//   {"type": "stats", "data": {"@s": {"count": 3, "average": 2, "total": 7}}}
//   {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}
// Nothing when `entries` is empty.
void print_map_json(std::string &out, const MapDesc &map,
                    const std::vector<RawMapEntry> &entries,
                    const FormatContext &ctx, uint32_t top = 0,
                    uint64_t div = 0);

// ---- histogram pieces, exposed for tests and for tools that print one ----

// One hist/lhist bucket bound as bpftrace labels it: a plain integer, or a
// suffixed label ("1K", "2M") that stands for `value`.
struct HistLabel {
  bool symbolic = false;
  bool is_signed = false;  // lhist bounds are signed, hist bounds unsigned
  uint64_t value = 0;      // two's complement when is_signed
  std::string text;
};

// A histogram reduced to its printed rows (bpftrace output::Value::Histogram):
// row i covers [labels[i-1], labels[i]), row 0 starts at lower_bound (or is
// "(..., labels[0])" without one), and a row past the last label is the
// lhist overflow "[labels.back(), ...)".
struct Histogram {
  bool has_lower_bound = false;
  HistLabel lower_bound;
  std::vector<HistLabel> labels;
  std::vector<uint64_t> counts;
};

// counts[i] = events in bucket index i (as stored by BPF); trailing and
// leading empty buckets are dropped, inner ones kept.
Histogram build_hist(const std::vector<uint64_t> &counts, uint64_t k, uint64_t div);
Histogram build_lhist(const std::vector<uint64_t> &counts, int64_t min,
                      int64_t max, int64_t step);
// Rows: 16-column left-aligned label, 8-column count, " |", 52-wide bar, "|".
void append_hist_text(std::string &out, const Histogram &h);
// [{"min": a, "max": b, "count": n},…] with closed intervals.
void append_hist_json(std::string &out, const Histogram &h);

// Label of the hist bound bt2bin_hist_limit(index, k), e.g. 1024 -> "1K".
std::string hist_limit_label(uint64_t index, uint64_t k);

}  // namespace bt2bin::rt

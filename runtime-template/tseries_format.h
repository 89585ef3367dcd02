// Printing tseries() maps as bpftrace v0.26 does (src/types_format.cpp
// build_time_series, src/output/text.cpp and json.cpp TimeSeries emitters).
//
// A tseries map is a per-CPU hash keyed by (user key, epoch % intervals);
// each slot holds struct bt_tseries { value, meta, epoch }. Epochs count
// intervals of the TAI clock. Printing reduces each slot over CPUs (only
// values of the slot's latest epoch count), finds the newest epoch of the
// whole map, keeps the last `intervals` epochs, and prints each key's series
// from its first epoch in that window to the newest one; epochs without a
// value print as "-" (text) or are left out (JSON).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime-template/format_context.h"
#include "runtime-template/map_format.h"
#include "runtime-template/value_desc.h"

namespace bt2bin::rt {

// One key's series: the start of each interval (ns since the Unix epoch)
// and its value, if any.
struct TimeSeries {
  std::vector<std::pair<uint64_t, std::optional<int64_t>>> points;
  bool is_signed = true;
};

// The text block of one series (the lines after "@m:" / "@m[k]:"):
// scale, time axis header, one row per interval, bottom scale. Times are
// local time; `utc` prints them in UTC instead.
void append_tseries_text(std::string &out, const TimeSeries &ts, bool utc = false);

// [{"interval_start":"2025-01-02 03:04:05.100000000","value":5},...]
// (UTC, as C++20 prints a system_clock time point), skipping empty intervals.
void append_tseries_json(std::string &out, const TimeSeries &ts);

// The series of every key of a tseries map, in key byte order, with
// interval starts converted by `tai_to_unix_ns` (the BPF side counts epochs
// of CLOCK_TAI). Empty when the map holds nothing.
std::vector<std::pair<std::vector<uint8_t>, TimeSeries>> build_tseries(
    const MapDesc &map, const std::vector<RawMapEntry> &entries, int64_t tai_minus_unix_ns);

void print_tseries_text(std::string &out, const MapDesc &map, const std::vector<RawMapEntry> &entries,
                        const FormatContext &ctx);
void print_tseries_json(std::string &out, const MapDesc &map, const std::vector<RawMapEntry> &entries,
                        const FormatContext &ctx);

// CLOCK_TAI - CLOCK_BOOTTIME now: added to bpf_ktime_get_boot_ns() in BPF so
// epochs follow the TAI clock on every kernel.
uint64_t tai_minus_boot_ns();
// CLOCK_TAI - CLOCK_REALTIME now (the kernel's TAI offset, often 0 or 37 s).
int64_t tai_minus_unix_ns();

}  // namespace bt2bin::rt

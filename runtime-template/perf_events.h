// The software and hardware perf events of the `software:` and `hardware:`
// probes: names, aliases, perf_event_open config values and the default
// sample period used when the script gives no count (bpftrace's
// SW_PROBE_LIST / HW_PROBE_LIST). Also the time units of profile/interval.
//
// Header-only constant tables, so the compiler (attach-point validation)
// and the runtime (attach, `-l` listing) share one definition without a
// link dependency between them.
#pragma once

#include <cstdint>
#include <string_view>

namespace bt2bin::rt {

struct PerfEventInfo {
  std::string_view name;   // "cpu-clock"
  std::string_view alias;  // "cpu", or empty
  uint32_t config;         // PERF_COUNT_SW_* / PERF_COUNT_HW_* value
  uint64_t default_count;  // sample period when the probe gives none
};

// perf_event_attr.type for the two tables.
inline constexpr uint32_t kPerfTypeHardware = 0;  // PERF_TYPE_HARDWARE
inline constexpr uint32_t kPerfTypeSoftware = 1;  // PERF_TYPE_SOFTWARE

// Sorted by name, as bpftrace lists them.
inline constexpr PerfEventInfo kSoftwareEvents[] = {
    {"alignment-faults", "", 7, 1},
    {"bpf-output", "", 10, 1},
    {"context-switches", "cs", 3, 1000},
    {"cpu-clock", "cpu", 0, 1000000},
    {"cpu-migrations", "", 4, 1},
    {"dummy", "", 9, 1},
    {"emulation-faults", "", 8, 1},
    {"major-faults", "", 6, 1},
    {"minor-faults", "", 5, 100},
    {"page-faults", "faults", 2, 100},
    {"task-clock", "", 1, 1},
};

inline constexpr PerfEventInfo kHardwareEvents[] = {
    {"backend-stalls", "", 8, 1000000},
    {"branch-instructions", "branches", 4, 100000},
    {"branch-misses", "", 5, 100000},
    {"bus-cycles", "", 6, 100000},
    {"cache-misses", "", 3, 1000000},
    {"cache-references", "", 2, 1000000},
    {"cpu-cycles", "cycles", 0, 1000000},
    {"frontend-stalls", "", 7, 1000000},
    {"instructions", "", 1, 1000000},
    {"ref-cycles", "", 9, 1000000},
};

// Finds an event by name or alias; nullptr when unknown.
template <size_t N>
constexpr const PerfEventInfo *find_perf_event(const PerfEventInfo (&table)[N],
                                               std::string_view name) {
  for (const auto &e : table)
    if (e.name == name || (!e.alias.empty() && e.alias == name)) return &e;
  return nullptr;
}

inline const PerfEventInfo *find_software_event(std::string_view name) {
  return find_perf_event(kSoftwareEvents, name);
}
inline const PerfEventInfo *find_hardware_event(std::string_view name) {
  return find_perf_event(kHardwareEvents, name);
}

// Units accepted in `profile:UNIT:N` / `interval:UNIT:N` (bpftrace's TIME_UNITS).
inline constexpr std::string_view kTimeUnits[] = {"hz", "ms", "s", "us"};

}  // namespace bt2bin::rt

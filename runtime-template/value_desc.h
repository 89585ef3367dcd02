// Tables that describe a produced tool to the runtime.
//
// The backend emits these as constant data in tool.main.cpp (offsets and
// sizes taken with offsetof/sizeof from the shared tool.h), and the runtime
// interprets them: it never contains per-script logic (DESIGN invariant 2).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bt2bin::rt {

// How a value is laid out in BPF memory and how it is printed.
enum class ValueKind : uint8_t {
  Int,        // size 1/2/4/8, is_signed
  Bool,       // 1 byte
  String,     // char[size], NUL-terminated unless full (then ".." trailer)
  Buffer,     // { u32 len; u8 data[size - 4]; }
  Pointer,    // u64, printed 0x...
  Array,      // elem x count, printed [a,b,c]
  Tuple,      // fields at offsets, printed (a, b)
  Record,     // named fields, printed { .a = 1, .b = 2 }
  Kstack,     // s64 stack id into the tool's kernel stack map
  Ustack,     // { s64 stack id; u32 pid; }
  Ksym,       // u64 kernel address, printed as symbol
  Usym,       // { u64 addr; u32 pid; }
  Inet,       // { u32 af; u8 addr[16]; }
  MacAddr,    // u8[6]
  Username,   // u64 uid
  Enum,       // integer printed by name with %s
  CgroupPath, // u64 cgroup id; `format` is the hierarchy filter
  StrError,   // s64 errno value
  Timestamp,  // u64 nsecs + strftime format
  Probe,      // u64 probe index into ToolDesc::probe_names
  None,       // no value (e.g. an empty tuple slot)
};

struct EnumValue {
  int64_t value;
  const char *name;
};

struct ValueDesc {
  ValueKind kind = ValueKind::None;
  uint32_t size = 0;
  bool is_signed = false;
  // Tuple/Record: fields, their offsets and (Record) names.
  uint32_t nfields = 0;
  const ValueDesc *fields = nullptr;
  const uint32_t *offsets = nullptr;
  const char *const *names = nullptr;
  // Array: element type and count.
  const ValueDesc *elem = nullptr;
  uint32_t count = 0;
  // Enum: value names. Timestamp: the strftime format in `format`.
  uint32_t nenum = 0;
  const EnumValue *enums = nullptr;
  const char *format = nullptr;
};

// How a map's values combine across CPUs and print.
enum class AggKind : uint8_t {
  None,   // plain value (hash map), described by MapDesc::value
  Count,  // s64 per CPU, summed
  Sum,    // s64 per CPU, summed
  Min,    // { s64 value; u64 is_set; } per CPU
  Max,    // { s64 value; u64 is_set; } per CPU
  Avg,    // { s64 total; u64 count; } per CPU
  Stats,  // { s64 total; u64 count; } per CPU
  Hist,   // key suffixed by u64 bucket; s64 count per CPU
  Lhist,  // key suffixed by u64 bucket; s64 count per CPU
  Tseries,  // key suffixed by u64 epoch % intervals; struct bt_tseries per CPU
};

// tseries() aggregation of the values in one interval (frontend TseriesAgg).
enum class TseriesAggKind : int32_t { Last = 0, Avg = 1, Max = 2, Min = 3, Sum = 4 };

struct MapDesc {
  const char *name;          // "@x", "@" for the anonymous map
  const char *bpf_name;      // name of the map in the BPF object
  AggKind agg;
  const ValueDesc *key;      // user key; nullptr for a scalar map
  const ValueDesc *value;    // the value for AggKind::None
  uint32_t key_size;         // total BPF key size (hist: user key + 8)
  uint32_t value_size;       // BPF value size (per CPU for per-CPU maps)
  bool percpu;
  bool value_is_signed;      // for Count/Sum/Min/Max sort and print
  int64_t hist_k;            // hist(n, k)
  int64_t lhist_min, lhist_max, lhist_step;
  int64_t tseries_interval_ns = 0;  // tseries(n, interval, intervals[, agg])
  int64_t tseries_intervals = 0;
  int32_t tseries_agg = 0;          // TseriesAggKind
};

// One printf/errorf/warnf/system/cat call site: the format string and the
// layout of its argument record (which follows the 8-byte action header).
struct FormatDesc {
  const char *format;
  uint32_t nargs;
  const ValueDesc *args;
  const uint32_t *offsets;   // offsets of each argument in the record
  const char *source_loc;    // "file:line:col" for errorf/warnf
};

}  // namespace bt2bin::rt

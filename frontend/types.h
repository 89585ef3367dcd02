// The types of bpftrace values, as resolved by semantic analysis.
//
// A Type is a small value: a kind, a size in bytes as stored in BPF memory
// (map keys/values, event records), signedness, and children for compound
// kinds. The backend maps each Type to a C type; the runtime gets the same
// layout as a ValueDesc table (runtime-template/value_desc.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bt2bin {

enum class TypeKind {
  None,       // not yet resolved / no value
  Void,       // statement-like call (printf, exit, ...)
  Int,
  Bool,
  String,     // char[size], NUL-terminated
  Buffer,     // struct { u32 len; u8 data[size-4]; }
  Pointer,    // elem; user_space tells the address space
  Array,      // elem x count
  Struct,     // a BTF or script struct/union: name; fields when known
  Enum,       // integer with an enum name
  Tuple,      // fields
  Record,     // named fields
  Kstack,     // u64 stack id
  Ustack,     // u64 stack id + pid
  Ksym,       // u64 address, printed as a symbol
  Usym,       // u64 address + pid
  Inet,       // ntop() result
  MacAddr,
  Username,   // u64 uid
  Timestamp,  // strftime()
  CgroupPath,
  StrError,   // strerror()
  // Aggregation values (only in maps).
  Count, Sum, Min, Max, Avg, Stats, Hist, Lhist,
  Tseries,    // agg_args: interval ns, number of intervals, TseriesAgg
};

// How tseries() combines the values recorded in one interval.
enum class TseriesAgg { Last = 0, Avg = 1, Max = 2, Min = 3, Sum = 4 };

struct Type;

// Where a C bitfield lies: `bit_offset` bits from the start of the struct
// that declares it (anonymous members flattened), `bit_size` bits wide.
// A bit_size of 0 means "not a bitfield".
struct Bitfield {
  uint32_t bit_offset = 0;
  uint32_t bit_size = 0;
  explicit operator bool() const { return bit_size != 0; }
};

struct Field {
  std::string name;
  std::shared_ptr<Type> type;
  uint32_t offset = 0;
  Bitfield bitfield;         // struct values: read from a C bitfield
};

struct Type {
  TypeKind kind = TypeKind::None;
  uint32_t size = 0;         // bytes in BPF memory
  bool is_signed = false;
  bool user_space = false;   // Pointer/String source address space
  // A non-negative integer literal (or a value that only ever held one):
  // bpftrace's "sign flexible" integer, which takes the signedness of the
  // integer it meets instead of forcing its own.
  bool is_literal = false;
  std::string name;          // struct/union/enum name
  std::shared_ptr<Type> elem;
  uint64_t count = 0;        // Array elements
  std::vector<Field> fields; // Tuple/Record/Struct
  // Aggregation parameters: hist k; lhist min/max/step; tseries interval/count/agg.
  int64_t agg_args[3] = {0, 0, 0};

  bool is(TypeKind k) const { return kind == k; }
  bool is_integer() const { return kind == TypeKind::Int || kind == TypeKind::Enum; }
  bool is_aggregation() const { return kind >= TypeKind::Count; }
  bool is_none() const { return kind == TypeKind::None; }
  // A whole struct/union held as a value (print(*p), $s = *p, map values):
  // its fields laid out by bt2bin, each read from the kernel one by one.
  bool is_struct_value() const { return kind == TypeKind::Struct && !fields.empty(); }
  std::string to_string() const;
  // to_string() plus the fields of struct values: tells apart two layouts
  // with the same name (the `args` of two probes).
  std::string shape() const;
  bool operator==(const Type &o) const;
  bool operator!=(const Type &o) const { return !(*this == o); }
};

Type make_int(uint32_t bytes, bool is_signed);
Type make_bool();
Type make_string(uint32_t size);
Type make_void();
Type make_pointer(Type elem, bool user_space = false);
Type make_tuple(std::vector<Type> elems);
Type make_record(std::vector<std::string> names, std::vector<Type> elems);
Type make_simple(TypeKind kind, uint32_t size);

// bpftrace v0.26 integer typing.
// The type of the integer literal `v`: the smallest signed type that holds
// it (`1` is int8, `300` int16), sign flexible; uint64 above INT64_MAX.
Type literal_int_type(uint64_t v);
// The type of the negative literal `-magnitude`: the smallest signed type.
Type negative_literal_type(uint64_t magnitude);
// The type both integers convert to without losing a value: the wider of
// two of one sign; a sign flexible literal takes the other's sign; an
// unsigned and a signed integer meet in a signed type wide enough for both.
// None when no such type exists (uint64 with any signed type). Tuples and
// records promote field by field, strings to the longer one; other types
// only promote to themselves.
std::optional<Type> promoted_type(const Type &a, const Type &b);
// Whether `from` converts to `to` without loss (an assignment to a
// variable declared with a sized type). `literal` is the value when
// `from` is a non-negative integer literal.
bool int_fits_into(const Type &from, const Type &to, std::optional<uint64_t> literal = std::nullopt);

// The kind of a type as bpftrace names it in "(string provided)": int,
// string, pointer, tuple, record, c_struct, bool, ...
std::string kind_name(const Type &t);

// Lays out fields with C alignment rules and sets offsets and size.
void layout_fields(Type &t);
uint32_t type_alignment(const Type &t);

}  // namespace bt2bin

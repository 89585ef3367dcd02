// Kernel type information for the type checker: BTF of the build host
// (/sys/kernel/btf/vmlinux or --btf FILE) and tracefs format files.
//
// BtfTypes turns BTF types into bpftrace `Type`s (bpftrace's mapping: char
// arrays are strings, typedefs are transparent, structs are named and not
// expanded), answers field and enum questions, and describes the `args` of
// tracepoint, rawtracepoint and fentry/fexit probes. It is only used at
// compile time: generated code reads kernel memory with CO-RE (DESIGN.md
// invariant 3), so offsets reported here are for the type checker, printing
// layouts and the tracepoint structs that have no BTF counterpart.
//
// BTF is loaded on the first query and indexed by name once; constructing a
// BtfTypes is free.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "frontend/types.h"

namespace bt2bin {

struct FieldInfo {
  std::string name;
  Type type;
  uint32_t offset = 0;      // byte offset in the record (bitfields: byte holding the first bit)
  uint32_t bit_offset = 0;  // absolute bit offset from the start of the record
  uint32_t bit_size = 0;    // 0 = not a bitfield
  // Tracepoint `__data_loc T[] name` (type is uint32: length << 16 | offset
  // from the start of the record). rel_loc: `__rel_loc`, offset counted from
  // the end of this field instead.
  bool data_loc = false;
  bool rel_loc = false;
  bool common = false;      // tracepoint common_* header field (`bpftrace -lv` hides them)
  std::string c_name;       // member spelling in C: "dfd", "__data_loc_filename", "ent.pid"
  int32_t arg_index = -1;   // fentry/fexit/rawtracepoint: first u64 slot of the ctx array
};

struct ArgsInfo {
  std::vector<FieldInfo> fields;
  // Tracepoints: the C type of the ctx record ("struct trace_event_raw_sched_switch"
  // from vmlinux.h, or "struct tp_syscalls_sys_enter_openat" defined by
  // c_definition). Empty for fentry/fexit/rawtracepoint, whose ctx is a u64 array.
  std::string c_struct_name;
  std::string c_definition;
  bool from_format_file = false;
  // fentry/fexit: the function's return value (has_return is false for void).
  bool has_return = false;
  Type return_type;
  int32_t return_index = -1;  // u64 slot of the return value in the fexit ctx
};

class BtfTypes {
 public:
  // Anonymous structs/unions are named "struct <anon_prefix><BTF id>"; BTF
  // files read side by side (the kernel's, the script's) need different
  // prefixes, as their ids overlap.
  explicit BtfTypes(std::string btf_path = "/sys/kernel/btf/vmlinux", std::string anon_prefix = "__anon_");
  ~BtfTypes();
  BtfTypes(BtfTypes &&) noexcept;
  BtfTypes &operator=(BtfTypes &&) noexcept;

  bool available();  // BTF could be loaded
  // Load error when !available() ("" otherwise).
  std::string load_error();

  // "struct task_struct", "union bpf_attr", "enum pid_type", typedefs ("pid_t",
  // "u64", "uint64_t"), C integer types ("unsigned long"), script integer types
  // ("int32", "uint8", "bool"); trailing "*" and "[N]" are understood too.
  // Without BTF, only builtin scalar names resolve.
  std::optional<Type> resolve(const std::string &type_name);

  // A field of a struct/union Type by name. Anonymous struct/union members are
  // searched recursively and their offsets added.
  std::optional<FieldInfo> field(const Type &record, const std::string &name);
  // All fields of a struct/union in declaration order, anonymous members flattened.
  std::vector<FieldInfo> fields(const Type &record);

  // Value of an enumerator of any enum ("PIDTYPE_PID").
  std::optional<int64_t> enum_constant(const std::string &name);
  // The enum type an enumerator belongs to (nullopt for anonymous enums).
  std::optional<Type> enum_constant_type(const std::string &name);
  // All (value, name) pairs of an enum, in declaration order; "pid_type" or "enum pid_type".
  std::vector<std::pair<int64_t, std::string>> enum_values(const std::string &enum_name);

  // `args` of tracepoint:<category>:<event>. syscalls (and any event whose
  // BTF struct is missing or does not match) come from the tracefs format
  // file with a generated C struct; other events use the BTF struct
  // trace_event_raw_<event or its class>. Pointers of syscalls are user space.
  std::optional<ArgsInfo> tracepoint_args(const std::string &category, const std::string &event,
                                          std::string &error);
  // `args` (and retval) of fentry/fexit:<func> from BTF FUNC -> FUNC_PROTO.
  std::optional<ArgsInfo> function_args(const std::string &func, std::string &error);
  // Names of the functions with global linkage (BTF FUNC), in BTF order:
  // what a compiled `import "x.bpf.c"` offers the script.
  std::vector<std::string> global_functions();
  // `args` of rawtracepoint:<event> from BTF (__probestub_<event>,
  // __bpf_trace_<event> or typedef btf_trace_<event>), first (void *) param skipped.
  std::optional<ArgsInfo> raw_tracepoint_args(const std::string &event, std::string &error);

  // the type of a kernel variable (a BTF VAR; vmlinux BTF describes
  // only per-CPU variables), for percpu_kaddr().
  std::optional<Type> variable_type(const std::string &name);

  // C declaration of `name` with type `t` for emitted BPF C against vmlinux.h:
  // "__u32 x", "char comm[16]", "struct task_struct *p", "__s8 (*p)[4]".
  // With an empty name, the abstract type: "__u32", "char[16]", "struct task_struct *".
  static std::string c_declaration(const Type &t, const std::string &name);

  // Tracefs directory holding events/ (tests); default: /sys/kernel/tracing,
  // then /sys/kernel/debug/tracing.
  void set_tracefs_root(std::string root);
  // Milliseconds spent parsing BTF and building the name index (0 before).
  double load_ms() const;
  double index_ms() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace bt2bin

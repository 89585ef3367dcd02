// The BPF C emitter's class, shared by the backend/bpf_emit_*.cpp files that
// define its parts; only backend/bpf_emitter.h is its public face.
//
// Scalar expressions become C expressions (GNU statement expressions where
// a lookup is needed). Values that live in memory — strings, tuples, keys,
// buffers — are written straight into their destination (a map key, an
// event record in the ring buffer) with emit_into(), so the hot path makes
// no extra copies. Values too big for the stack live in a per-CPU scratch
// area at fixed offsets.
//
// Each group of members below names the file that defines it.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backend/bpf_emitter.h"
#include "backend/c_types.h"
#include "backend/c_writer.h"
#include "runtime-template/tool_runtime.h"

namespace bt2bin::detail {

// Whether values of type `t` live in memory (written with emit_into()).
bool is_memory(const Type &t);
// Whether `n` is a field read from kernel (or user) memory through a pointer.
bool is_kernel_field(const Node &n);
// Whether `t` is a struct value or an array whose elements hold struct values.
bool holds_struct_values(const Type &t);

class BpfEmitter {
 public:
  BpfEmitter(const CheckedProgram &p, const EmitOptions &o) : prog_(p), opts_(o) {}
  bool emit(EmittedSources &out, Diagnostics &diags);
  CTypes &types() { return types_; }
  std::vector<std::string> record_structs;  // event record struct definitions
  std::vector<std::string> error_sites;     // "file:line:col" of each runtime-error site

 private:
  struct Unsupported {
    Location loc;
    std::string what;
  };
  [[noreturn]] void unsupported(const Location &loc, const std::string &what) { throw Unsupported{loc, what}; }

  // ---- program structure (bpf_emitter.cpp) ----
  // A twin program stands in for an attach point on kernels that lack its
  // probe type. A kprobe's fentry/fexit twin reads arguments and the return
  // value with bpf_get_func_arg/ret, right for whatever signature the target
  // has; an fentry probe's kprobe twin reads registers as any kprobe does.
  enum class Twin {
    None,
    Program,     // the twin of one function: a program of its own
    SharedBody,  // the twins of a wildcard: a subprogram given `probe_name`
  };
  // argN/retval through the BPF trampoline (bpf_get_func_arg/ret).
  bool reads_through_trampoline() const;
  std::string program_body(const ProbeInfo &info, const AttachPoint &ap, Twin twin);
  static int attach_point_index(const Probe &probe, const AttachPoint &ap);
  void emit_probe(const ProbeInfo &info, const AttachPoint &ap, Twin twin = Twin::None);
  void emit_shared_body(const ProbeInfo &info, const AttachPoint &written, const std::vector<AttachPoint> &programs);

  // ---- helpers: names, casts, temporaries, #line (bpf_emit_helpers.cpp) ----
  const FieldInfo *args_field(const std::string &name) const;
  std::string args_member(const std::string &name) const;
  std::string var_name(const std::string &var) const;
  std::string pointer_c_type(const Type &t);
  std::string cast_to(const Type &t, const std::string &e);
  // The same for storing into a variable, map slot or record field: pointers
  // are kept there as __u64 addresses (CTypes::name).
  std::string stored(const Type &t, const std::string &e);
  std::string temp(const Type &t, const std::string &prefix = "_t");
  void zero(const std::string &lvalue);
  void line_directive(const Location &loc);
  const std::string &source_name(const Location &loc) const;
  // A variable's type after the whole probe was checked: a later assignment
  // may have widened it (a longer string), and storage must fit every use.
  const Type &var_type(const Node &var) const {
    return var.id >= 0 && var.id < (int)info_->vars.size() ? info_->vars[var.id].type : var.type;
  }
  // Whether memory behind a pointer of type `t` is read with the user helpers.
  bool reads_user(const Type &t) const {
    return t.user_space || ap_->provider == "uprobe" || ap_->provider == "uretprobe" || ap_->provider == "usdt";
  }
  bool in_callback() const { return std::find(loops_.begin(), loops_.end(), Loop::Callback) != loops_.end(); }

  // ---- maps: declarations, keys, writes, reads (bpf_emit_maps.cpp) ----
  void emit_maps(CWriter &w);
  std::string key_of(const Node &map);
  std::string key_of_call(const Node &map, const Node &key);  // builds the key, returns its lvalue
  std::string bucket_key(const Node &target, const MapInfo &m, const std::string &bucket);
  void map_assign(const Node &n);
  void aggregate(const Node &target, const Node &call);
  void aggregate_tseries(const Node &target, const Node &call);
  std::string aggregate_value(const MapInfo &m, const std::string &key_ptr);
  std::string map_read(const Node &n);

  // ---- statements (bpf_emit_statements.cpp) ----
  void stmt(const Node &n);
  void block(const std::vector<NodePtr> &stmts);
  void discard(const Node &e);
  void assign(const Node &n);
  std::string scalar_var(const Node &var) const;
  std::string division(const std::string &op, bool is_signed, const std::string &a, const std::string &b,
                       const Location &loc);
  void for_map(const Node &n);

  // ---- calls as statements, event records (bpf_emit_call_statements.cpp) ----
  void call_stmt(const Node &n);
  void format_call(const Node &n);
  void seq_printf(const Node &n);
  std::string iter_ctx_field(const std::string &name, const std::string &declaration);
  // One record of format `fc`; argument i comes from args[i], or is the C
  // expression raw[i] where args[i] is null.
  void format_record(const FormatCall &fc, const std::vector<const Node *> &args,
                     const std::vector<std::string> &raw = {});
  void exit_record(const std::string &code);

  // ---- expressions (bpf_emit_expressions.cpp) ----
  std::string expr(const Node &n);   // scalar C expression, or lvalue for memory values
  std::string builtin(const Node &n);
  std::string if_value(const Node &n);

  // ---- calls as expressions, kernel objects (bpf_emit_call_expressions.cpp) ----
  std::string call_expr(const Node &n);
  std::string skb_output(const Node &n);
  std::string write_user(const Node &n);

  // ---- memory values written into their destination (bpf_emit_values.cpp) ----
  void emit_into(const Node &n, const std::string &dest, const Type &dest_type);
  void emit_args_value(const Node &args, const std::string &dest, const Type &value);

  // ---- CO-RE reads of kernel fields and struct values (bpf_emit_core_reads.cpp) ----
  struct CoreChain {
    std::string base;                    // typed pointer expression
    std::vector<std::string> accessors;  // one per dereference
    bool nullable = false;               // base must be checked for NULL first
    bool script_type = false;            // the script's own struct: no CO-RE relocation
    bool user = false;                   // user-space memory
    // BPF_CORE_READ, BPF_PROBE_READ_USER_STR_INTO, ...: `suffix` is "", "_INTO" or "_STR_INTO".
    std::string macro(const std::string &suffix) const {
      return std::string(script_type ? "BPF_PROBE_READ" : "BPF_CORE_READ") + (user ? "_USER" : "") + suffix;
    }
  };
  std::string field(const Node &n);
  CoreChain core_chain(const Node &field);
  std::string core_read_args(const CoreChain &c);
  void emit_struct_fields(const CoreChain &from, const std::string &dest, const Type &value, const Location &loc);
  void emit_member(const CoreChain &c, const std::string &dst, const Type &t, const Bitfield &bf, const Location &loc);
  std::string bitfield_read(const CoreChain &c, const Bitfield &bf, const Location &loc);
  std::string last_struct(const CoreChain &c);

  // ---- script functions, fn (bpf_emit_functions.cpp) ----
  void emit_function(const FunctionInfo &fi);
  std::vector<int> functions_callees_first() const;
  std::string fn_signature(const FunctionInfo &fi);
  std::string fn_call(const Node &n, const std::string &result = "");
  void fn_call_stmt(const Node &n);
  std::string exited_check(const FunctionInfo &callee);

  // ---- builtins with arguments, stdlib (bpf_emit_stdlib.cpp) ----
  bool stdlib_call_stmt(const Node &n);
  std::optional<std::string> stdlib_call_expr(const Node &n);
  bool stdlib_emit_into(const Node &n, const std::string &dest);
  std::string task_local(const Node &task);

  // ---- state ----
  std::map<std::string, uint32_t> temp_sizes_;  // bytes of each memory temporary
  const CheckedProgram &prog_;
  const EmitOptions &opts_;
  CTypes types_;
  CWriter body_;
  std::vector<std::string> functions_;
  const ProbeInfo *info_ = nullptr;
  const ArgsInfo *args_ = nullptr;  // args layout of the attach point being emitted
  const AttachPoint *ap_ = nullptr;
  const AttachPoint *written_ap_ = nullptr;  // as the script wrote it (ap_ may be its fentry twin)
  Twin twin_ = Twin::None;
  int tmp_ = 0;
  uint32_t scratch_used_ = 0, scratch_max_ = 0;
  bool needs_scratch_ = false;
  std::set<int> declared_vars_;
  std::map<int, std::string> var_lvalue_;  // memory-valued variables: their storage
  enum class Loop { C, Callback };
  std::vector<Loop> loops_;                 // enclosing loops, innermost last
  std::map<int, std::string> var_alias_;    // scalar variables reached through a for-map callback's context
  std::vector<std::string> callbacks_;      // bpf_for_each_map_elem callbacks, emitted before probes
  int callback_count_ = 0;
  bool uses_probe_names_ = false;
  uint32_t zeros_size_ = 0;  // size of bt_zeros, the source for zeroing big values
  int emit_depth_ = 0;       // nesting of emit_into(), to catch unsupported value kinds
  // --- fn definitions ---
  const FunctionInfo *function_ = nullptr;  // the function being emitted, if any
  std::vector<std::string> subprograms_;    // their prototypes and definitions
  std::map<int, uint32_t> fn_scratch_;      // scratch bytes each function needs (callees included)
  bool uses_exited_ = false;                // the probe calls a function that may exit()
  std::map<std::string, std::string> iter_ctx_fields_;  // iter: ctx field -> its local's declaration
  // --- tseries ---
  bool uses_tseries_ = false;
};

}  // namespace bt2bin::detail

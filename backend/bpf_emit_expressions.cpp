// Expressions in BPF C: literals, variables, operators, fields, indexing,
// casts, block and if expressions, and the builtins without arguments
// (pid, comm, retval, arg0, ...). Calls are in bpf_emit_call_expressions.cpp.
#include "backend/bpf_emitter_internal.h"

#include "backend/probe_sections.h"
#include "frontend/attach_point.h"
#include "frontend/builtins.h"

namespace bt2bin::detail {

namespace {

// An integer literal, or an operation on two literals folded to one.
std::string integer_literal(const Node &n) {
  if (!n.type.is_signed) return std::to_string(n.ival) + "ULL";
  int64_t v = static_cast<int64_t>(n.ival);
  return std::to_string(v) + (v > INT32_MAX || v < INT32_MIN ? "LL" : "");
}

}  // namespace

std::string BpfEmitter::expr(const Node &n) {
  switch (n.kind) {
    case NodeKind::Integer:
      return integer_literal(n);
    case NodeKind::Bool:
      return n.ival ? "1" : "0";
    case NodeKind::String: {
      std::string t = temp(n.type, "_str");
      body_.line("__builtin_memcpy(&" + t + ", " + c_string_literal(n.str) + ", " + std::to_string(n.type.size) + ");");
      return t;
    }
    case NodeKind::Builtin:
      return builtin(n);
    case NodeKind::Positional:
      if (n.name == "#") return "bt_num_args";
      return "bt_arg_" + std::to_string(n.ival);
    case NodeKind::Variable:
      if (is_memory(n.type)) return var_lvalue_[n.id];
      if (n.type.kind == TypeKind::Pointer) return cast_to(n.type, scalar_var(n));
      return scalar_var(n);
    case NodeKind::Map:
      return map_read(n);
    case NodeKind::Call:
      return call_expr(n);
    case NodeKind::Unary: {
      if (n.op == "&" && is_kernel_field(*n.lhs) && !n.lhs->bitfield) {
        // &p->a.b: the address computed from the (relocated) member offset, nothing read.
        CoreChain c = core_chain(*n.lhs);
        std::string member = "&" + last_struct(c) + "->" + c.accessors.back();
        return "((__u64)" + (c.script_type ? member : "__builtin_preserve_access_index(" + member + ")") + ")";
      }
      std::string e = expr(*n.lhs);
      if (n.op == "*") {
        std::string tmp = "_d" + std::to_string(tmp_++);
        body_.line(types_.decl(n.type, tmp) + " = 0;");
        body_.line(std::string(reads_user(n.lhs->type) ? "bpf_probe_read_user" : "bpf_probe_read_kernel") + "(&" +
                   tmp + ", sizeof(" + tmp + "), (const void *)(" + e + "));");
        return tmp;
      }
      if (n.op == "&") {
        if (n.lhs->kind != NodeKind::Variable) unsupported(n.loc, "taking the address of a map value or a field");
        if (is_memory(var_type(*n.lhs))) return "((__u64)&" + var_lvalue_[n.lhs->id] + ")";
        return "((__u64)&" + scalar_var(*n.lhs) + ")";
      }
      // `-x` and `~x` compute in their (64-bit) result type; a negative
      // literal is written as it is.
      if ((n.op == "-" || n.op == "~") && n.type.is_integer() && n.lhs->kind != NodeKind::Integer &&
          n.lhs->type != n.type)
        e = cast_to(n.type, e);
      return "(" + n.op + e + ")";
    }
    case NodeKind::IncDec: {
      const Node &t = *n.lhs;
      bool prefix = n.ival == 1;
      if (t.kind == NodeKind::Variable) {
        std::string v = scalar_var(t);
        return prefix ? "(" + n.op + v + ")" : "(" + v + n.op + ")";
      }
      const MapInfo &m = *prog_.find_map(t.name);
      std::string key = key_of(t);
      std::string vt = types_.name(m.value);
      std::string sym = "&" + map_symbol(m.name);
      std::string tmp = "_old" + std::to_string(tmp_++);
      body_.line("__s64 " + tmp + " = 0;");
      body_.open("");
      body_.line(vt + " _init = 0, *_v = bt_lookup_or_init(" + sym + ", &" + key + ", &_init);");
      body_.line("");
      body_.open("if (_v)");
      body_.line(tmp + " = *_v;");
      body_.line("*_v " + std::string(n.op == "++" ? "+= 1" : "-= 1") + ";");
      body_.close();
      body_.close();
      return prefix ? "(" + tmp + (n.op == "++" ? " + 1)" : " - 1)") : tmp;
    }
    case NodeKind::Binary: {
      if (n.folded) return integer_literal(n);
      const std::string &op = n.op;
      const Node &a = *n.lhs, &b = *n.rhs;
      if ((op == "==" || op == "!=") && a.type.kind == TypeKind::String) {
        std::string la = expr(a), lb = expr(b);
        uint32_t size = std::min(a.type.size, b.type.size);
        return std::string(op == "!=" ? "!" : "") + "bt_streq(" + la + ", " + lb + ", " + std::to_string(size) + ")";
      }
      if ((op == "==" || op == "!=") && is_memory(a.type)) {
        std::string la = expr(a), lb = expr(b);
        return std::string(op == "!=" ? "!" : "") + "bt_memeq(&" + la + ", &" + lb + ", sizeof(" + la + "))";
      }
      std::string la = expr(a), lb = expr(b);
      if (op == "/" || op == "%")
        return division(op, n.type.is_signed, la, lb, n.loc);
      if (n.type.is_integer() && (op == "+" || op == "-" || op == "*" || op == "<<" || op == ">>" || op == "&" ||
                                  op == "|" || op == "^"))
        return "(" + cast_to(n.type, la) + " " + op + " " + cast_to(n.type, lb) + ")";
      // Integer comparisons convert both operands to their promoted type.
      if (n.operand_type.is_integer() && a.type.is_integer() && b.type.is_integer()) {
        if (a.type == n.operand_type && b.type == n.operand_type) return "(" + la + " " + op + " " + lb + ")";
        return "(" + cast_to(n.operand_type, la) + " " + op + " " + cast_to(n.operand_type, lb) + ")";
      }
      return "(" + la + " " + op + " " + lb + ")";
    }
    case NodeKind::Ternary: {
      if (is_memory(n.type)) {
        std::string t = temp(n.type);
        zero(t);
        emit_into(n, t, n.type);
        return t;
      }
      std::string c = expr(*n.cond);
      std::string a = n.lhs ? expr(*n.lhs) : c;
      std::string b = expr(*n.rhs);
      return "(" + c + " ? " + cast_to(n.type, a) + " : " + cast_to(n.type, b) + ")";
    }
    case NodeKind::Field: {
      if (n.lhs->type.kind == TypeKind::Struct && n.lhs->type.name == "args" &&
          (ap_->provider == "fentry" || ap_->provider == "fexit" || ap_->provider == "rawtracepoint")) {
        const FieldInfo *f = args_field(n.name);
        int i = f ? f->arg_index : 0;
        return cast_to(n.type, "ctx[" + std::to_string(i) + "]");
      }
      if (n.lhs->type.kind == TypeKind::Struct && n.lhs->type.name == "args" &&
          (ap_->provider == "kprobe" || ap_->provider == "kretprobe")) {
        // An fentry probe run as its kprobe twin: each argument in its register.
        const FieldInfo *f = args_field(n.name);
        return cast_to(n.type, arg_expression(ap_->provider, f ? f->arg_index : 0));
      }
      if (n.lhs->type.kind == TypeKind::Struct && n.lhs->type.name == "args") {
        if (is_memory(n.type)) {
          std::string t = temp(n.type);
          zero(t);
          emit_into(n, t, n.type);
          return t;
        }
        return cast_to(n.type, "ctx->" + args_member(n.name));
      }
      if (n.lhs->type.kind == TypeKind::Record || n.lhs->type.kind == TypeKind::Tuple ||
          n.lhs->type.is_struct_value())
        return expr(*n.lhs) + "." + n.name;
      if (n.lhs->kind == NodeKind::Builtin && n.lhs->name == "ctx" && ap_->provider == "iter" && !function_)
        return cast_to(n.type, iter_ctx_field(n.name, "__typeof__(ctx->" + n.name + ") _ctx_" + n.name + " = ctx->" +
                                                          n.name + ";"));
      if (n.lhs->kind == NodeKind::Builtin && n.lhs->name == "ctx")
        return cast_to(n.type, "ctx->" + n.name);  // context fields are direct loads
      if (is_memory(n.type)) {
        std::string t = temp(n.type);
        zero(t);
        emit_into(n, t, n.type);
        return t;
      }
      if (n.type.kind == TypeKind::Struct)
        unsupported(n.loc, "using a whole struct value");
      if (n.bitfield) return bitfield_read(core_chain(n), n.bitfield, n.loc);
      CoreChain chain = core_chain(n);
      std::string read = chain.macro("") + "(" + core_read_args(chain) + ")";
      if (chain.nullable) read = "(" + chain.base + " ? " + read + " : 0)";
      return cast_to(n.type, read);
    }
    case NodeKind::TupleIndex:
      return expr(*n.lhs) + ".f" + std::to_string(n.ival);
    case NodeKind::Index: {
      const Type &t = n.lhs->type;
      std::string base = expr(*n.lhs);
      if (t.kind == TypeKind::Pointer) {
        std::string tmp = "_d" + std::to_string(tmp_++);
        body_.line(types_.decl(n.type, tmp) + " = 0;");
        body_.line(std::string(reads_user(t) ? "bpf_probe_read_user" : "bpf_probe_read_kernel") + "(&" + tmp +
                   ", sizeof(" + tmp + "), (const void *)(" + base + " + (" +
                   expr(*n.rhs) + ")));");
        return tmp;
      }
      return base + "[" + expr(*n.rhs) + "]";
    }
    case NodeKind::Cast:
      if (n.type.is_integer() && n.lhs->type.kind == TypeKind::Array) {
        // `(uint64)bytes`: the array's bytes read as one integer of its size.
        std::string c_type = types_.name(n.type);
        return "(*(" + c_type + " *)&" + expr(*n.lhs) + ")";
      }
      if (n.type.kind == TypeKind::Array && n.lhs->type.is_integer()) {
        std::string t = temp(n.type);
        emit_into(n, t, n.type);
        return t;
      }
      return cast_to(n.type, expr(*n.lhs));
    case NodeKind::BlockExpr:
      // Statements first (their variables have expansion-unique names), then the value.
      block(n.body);
      return n.lhs ? expr(*n.lhs) : "0";
    case NodeKind::IfExpr:
      return if_value(n);
    case NodeKind::Tuple:
    case NodeKind::Record: {
      std::string t = temp(n.type, "_tuple");
      zero(t);
      emit_into(n, t, n.type);
      return t;
    }
    default:
      unsupported(n.loc, std::string("the expression '") + node_kind_name(n.kind) + "'");
  }
}

// `if c { a } else { b }` as a value: each branch runs its statements and
// stores its value in one temporary.
std::string BpfEmitter::if_value(const Node &n) {
  if (is_memory(n.type)) {
    std::string t = temp(n.type);
    zero(t);
    emit_into(n, t, n.type);
    return t;
  }
  std::string t = "_if" + std::to_string(tmp_++);
  body_.line(types_.decl(n.type, t) + ";");
  body_.open("if (" + expr(*n.cond) + ")");
  body_.line(t + " = " + stored(n.type, expr(*n.lhs)) + ";");
  body_.dedent();
  body_.open("} else");
  body_.line(t + " = " + stored(n.type, expr(*n.rhs)) + ";");
  body_.close();
  return t;
}

std::string BpfEmitter::builtin(const Node &n) {
  const std::string &b = n.name;
  if (b == "pid") return "(__u32)(bt_ns_pid_tgid() >> 32)";
  if (b == "tid") return "(__u32)bt_ns_pid_tgid()";
  if (b == "leader_tid") return "BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), group_leader, pid)";
  if (b == "has_cpid") return "(bt_child_pid != 0)";
  if (b == "uid") return "(__u32)bpf_get_current_uid_gid()";
  if (b == "gid") return "(__u32)(bpf_get_current_uid_gid() >> 32)";
  if (b == "nsecs") return "bpf_ktime_get_boot_ns()";
  if (b == "elapsed") return "(bpf_ktime_get_boot_ns() - bt_start_ns)";
  if (b == "cpu") return "bpf_get_smp_processor_id()";
  if (b == "ncpus") return "bt_ncpus";
  if (b == "numaid") return "bpf_get_numa_node_id()";
  if (b == "cgroup") return "bpf_get_current_cgroup_id()";
  if (b == "rand") return "bpf_get_prandom_u32()";
  if (b == "jiffies") return "bpf_jiffies64()";
  if (b == "cpid") return "bt_child_pid";
  if (b == "curtask") return "((struct task_struct *)bpf_get_current_task())";
  if (b == "ppid") return "BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), real_parent, tgid)";
  if (b == "username") return "(__u32)bpf_get_current_uid_gid()";
  if (b == "retval") {
    if (reads_through_trampoline()) return "(__s64)bt_func_ret(ctx)";
    if (ap_->provider == "fexit") return "(__s64)ctx[" + std::to_string(args_->return_index) + "]";
    return "(__s64)" + retval_expression(ap_->provider);
  }
  if (b == "func") return "bpf_get_func_ip(ctx)";
  if (b == "kstack") return "bpf_get_stackid(ctx, &kstack_map, 0)";
  if (b == "ctx") return n.type.kind == TypeKind::Pointer ? "ctx" : "((__u64)ctx)";
  if (int i = builtin_arg_index(b); i >= 0 && reads_through_trampoline())
    return "bt_func_arg(ctx, " + std::to_string(i) + ")";
  if (int i = builtin_arg_index(b); i >= 0) return "(__u64)" + arg_expression(ap_->provider, i);
  if (b == "usermode") {
    // The privilege level in the low bits of the interrupted cs selector;
    // other probe types were folded to a constant by the analyser.
    ProgramKind kind = program_kind(ap_->provider);
    if (kind == ProgramKind::PerfEvent)
      // cs is 16 bits wide; perf_event contexts only allow 8-byte loads.
      return "((*(__u64 *)((char *)ctx + __builtin_offsetof(struct bpf_perf_event_data, regs.cs)) & 3) == 3)";
    if (kind == ProgramKind::Kprobe) return "((BPF_CORE_READ(ctx, cs) & 3) == 3)";
    unsupported(n.loc, "usermode in a " + ap_->provider + " probe");
  }
  if (b == "pcomm" || b == "comm" || b == "probe" || b == "probetype" || b == "ustack" || b == "leader_comm") {
    std::string t = temp(n.type);
    zero(t);
    emit_into(n, t, n.type);
    return t;
  }
  unsupported(n.loc, "the builtin '" + b + "'");
}

}  // namespace bt2bin::detail

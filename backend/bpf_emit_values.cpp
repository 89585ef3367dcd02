// Memory values (strings, tuples, records, buffers, struct values, ...)
// written straight into their destination, an lvalue such as a map key or a
// field of an event record: emit_into().
#include "backend/bpf_emitter_internal.h"
#include "frontend/attach_point.h"

namespace bt2bin::detail {

// Writes memory value `n` into `dest` (an lvalue of type `dest_type`, already
// zeroed where the value may be shorter).
void BpfEmitter::emit_into(const Node &n, const std::string &dest, const Type &dt) {
  const Type &t = n.type;
  // A value kind without a writer here would bounce between expr() and
  // emit_into(); report it instead.
  struct Depth {
    int &d;
    explicit Depth(int &x) : d(++x) {}
    ~Depth() { --d; }
  } depth(emit_depth_);
  if (emit_depth_ > 64) unsupported(n.loc, "this " + t.to_string() + " value");
  switch (n.kind) {
    case NodeKind::String:
      body_.line("__builtin_memcpy(&" + dest + ", " + c_string_literal(n.str) + ", " +
                 std::to_string(std::min<size_t>(n.str.size() + 1, dt.size)) + ");");
      return;
    case NodeKind::Cast:
      if (t.kind == TypeKind::Array && n.lhs->type.is_integer()) {  // `(uint8[8])x`: the integer's bytes
        std::string bytes = "_bytes" + std::to_string(tmp_++);
        body_.line("__u64 " + bytes + " = " + expr(*n.lhs) + ";");
        body_.line("__builtin_memcpy(&" + dest + ", &" + bytes + ", " + std::to_string(std::min<uint32_t>(8, dt.size)) + ");");
        return;
      }
      break;
    case NodeKind::Builtin:
      if (n.name == "comm") {
        body_.line("bpf_get_current_comm(&" + dest + ", " + std::to_string(std::min<uint32_t>(16, dt.size)) + ");");
        return;
      }
      if (n.name == "pcomm" || n.name == "leader_comm") {
        std::string task = "_task" + std::to_string(tmp_++);
        body_.line("struct task_struct *" + task + " = (struct task_struct *)bpf_get_current_task();");
        body_.line("BPF_CORE_READ_STR_INTO(&" + dest + ", " + task + ", " +
                   (n.name == "pcomm" ? "real_parent" : "group_leader") + ", comm);");
        return;
      }
      if (n.name == "probe" && twin_ == Twin::SharedBody) {  // the function's program passes its name
        body_.line("bpf_probe_read_kernel_str(&" + dest + ", " + std::to_string(dt.size) + ", probe_name);");
        return;
      }
      if (n.name == "probe" && named_at_start(*ap_)) {
        // Wildcard, parts given as positional parameters, a running BPF
        // program: the runtime names each attach point under its cookie.
        uses_probe_names_ = true;
        body_.open("");
        // libbpf's USDT support keeps the BPF cookie for itself.
        body_.line(std::string("__u32 _index = ") + (ap_->provider == "usdt" ? "bpf_usdt_cookie" : "bpf_get_attach_cookie") +
                   "(ctx);");
        body_.line("const char *_name = bpf_map_lookup_elem(&probe_names, &_index);");
        body_.line("");
        body_.line("if (_name)");
        body_.line("\tbpf_probe_read_kernel(&" + dest + ", " + std::to_string(std::min<uint32_t>(rt::kRuntimeProbeNameSize, dt.size)) +
                   ", _name);");
        body_.close();
        return;
      }
      if (n.name == "probe" || n.name == "probetype") {
        // Constant per program; `special` is bpftrace's provider name of BEGIN/END.
        const std::string &provider = written_ap_->provider;
        Node lit(NodeKind::String, n.loc);
        if (n.name == "probe") lit.str = written_ap_->name();
        else lit.str = provider == "begin" || provider == "end" ? "special" : provider;
        emit_into(lit, dest, dt);
        return;
      }
      if (n.name == "func" && dt.kind == TypeKind::Usym) {
        body_.line(dest + ".addr = bpf_get_func_ip(ctx);");
        body_.line(dest + ".pid = bpf_get_current_pid_tgid() >> 32;");
        return;
      }
      if (n.name == "args" && dt.is_struct_value()) return emit_args_value(n, dest, dt);
      if (n.name == "ustack") {
        body_.line(dest + ".stack_id = bpf_get_stackid(ctx, &ustack_map, BPF_F_USER_STACK);");
        body_.line(dest + ".pid = bpf_get_current_pid_tgid() >> 32;");
        return;
      }
      break;
    case NodeKind::Tuple:
      for (size_t i = 0; i < n.args.size(); i++) {
        const Type &ft = *dt.fields[i].type;
        std::string dst = dest + ".f" + std::to_string(i);
        if (is_memory(ft)) emit_into(*n.args[i], dst, ft);
        else body_.line(dst + " = " + stored(ft, expr(*n.args[i])) + ";");
      }
      return;
    case NodeKind::Record:
      for (size_t i = 0; i < n.args.size(); i++) {
        const Type &ft = *dt.fields[i].type;
        std::string dst = dest + "." + dt.fields[i].name;
        if (is_memory(ft)) emit_into(*n.args[i], dst, ft);
        else body_.line(dst + " = " + stored(ft, expr(*n.args[i])) + ";");
      }
      return;
    case NodeKind::Call:
      if (n.op == "fn" && prog_.functions[n.id].ret == dt) {  // the function writes dest itself
        fn_call(n, dest);
        return;
      }
      if (n.name == "str") {
        const Node &p = *n.args[0];
        uint32_t size = std::min(t.size, dt.size);
        std::string len = std::to_string(size);
        if (n.args.size() == 2 && n.args[1]->kind != NodeKind::Integer)
          len = "(((__u32)(" + expr(*n.args[1]) + ") & " + std::to_string(size - 1 > 0 ? 0xffff : 0) + ") + 1 < " +
                std::to_string(size) + " ? ((__u32)(" + expr(*n.args[1]) + ") + 1) : " + std::to_string(size) + ")";
        if (p.kind == NodeKind::Positional) {
          body_.line("bpf_probe_read_kernel_str(&" + dest + ", " + len + ", (const void *)bt_str_arg_" +
                     std::to_string(p.ival) + ");");
          return;
        }
        if (p.type.kind == TypeKind::String) {
          emit_into(p, dest, dt);
          return;
        }
        bool user = reads_user(p.type);
        body_.line(std::string(user ? "bpf_probe_read_user_str" : "bpf_probe_read_kernel_str") + "(&" + dest +
                   ", " + len + ", (const void *)(" + expr(p) + "));");
        return;
      }
      if (n.name == "buf") {
        const Node &src = *n.args[0];
        uint32_t cap = dt.size - 4;
        uint32_t len = std::min(cap, t.size - 4);
        body_.line(dest + ".len = " + std::to_string(len) + ";");
        if (src.type.kind == TypeKind::Pointer || src.type.is_integer()) {
          std::string read = reads_user(src.type) ? "bpf_probe_read_user" : "bpf_probe_read_kernel";
          body_.line(read + "(" + dest + ".data, " + std::to_string(len) + ", (const void *)(" + expr(src) + "));");
        } else {
          std::string lv = expr(src);
          body_.line("bpf_probe_read_kernel(" + dest + ".data, " + std::to_string(len) + ", &" + lv + ");");
        }
        return;
      }
      if (n.name == "getopt") {
        body_.line("bpf_probe_read_kernel_str(&" + dest + ", " + std::to_string(std::min<uint32_t>(256, dt.size)) +
                   ", (const void *)bt_opt_" + std::to_string(n.id) + ");");
        return;
      }
      if (n.name == "ntop") {
        const Node &addr = *n.args.back();
        std::string af = n.args.size() == 2 ? expr(*n.args[0])
                         : addr.type.is_integer() || addr.type.size == 4 ? "2" : "10";
        body_.line(dest + ".af = " + af + ";");
        if (addr.type.is_integer())
          body_.line("*(__u32 *)" + dest + ".addr = (__u32)(" + expr(addr) + ");");
        else
          emit_into(addr, dest + ".addr", make_simple(TypeKind::Array, 16));
        return;
      }
      if (n.name == "macaddr") {
        const Node &p = *n.args[0];
        if (p.type.kind == TypeKind::Pointer)
          body_.line("bpf_probe_read_kernel(&" + dest + ", 6, (const void *)(" + expr(p) + "));");
        else
          emit_into(p, dest, make_simple(TypeKind::Array, 6));
        return;
      }
      if (n.name == "path") {  // bpf_d_path() (fentry/fexit of allow-listed functions, iter)
        const Node &p = *n.args[0];
        // A `struct path *`, `&file->f_path` or `file->f_path`: the verifier
        // wants the BTF pointer itself, so a field's address is taken in place.
        bool address_of_field = p.kind == NodeKind::Unary && p.op == "&" && p.lhs->kind == NodeKind::Field;
        std::string path = address_of_field              ? "&" + field(*p.lhs)
                            : p.type.kind == TypeKind::Pointer ? cast_to(p.type, expr(p))
                                                               : "&" + field(p);
        body_.line("bpf_d_path(" + path + ", (char *)&" + dest + ", " + std::to_string(std::min(t.size, dt.size)) + ");");
        return;
      }
      if (n.name == "usym") {
        body_.line(dest + ".addr = " + expr(*n.args[0]) + ";");
        body_.line(dest + ".pid = bpf_get_current_pid_tgid() >> 32;");
        return;
      }
      if (stdlib_emit_into(n, dest)) return;
      break;
    case NodeKind::Unary:
      if (n.op == "*" && dt.is_struct_value()) {
        // The pointer is evaluated once; every field is read through it.
        const Node &p = *n.lhs;
        const Type &pointee = p.type.elem ? *p.type.elem : p.type;
        std::string ptr = "_ptr" + std::to_string(tmp_++);
        body_.line(pointer_c_type(p.type) + ptr + " = " + cast_to(p.type, expr(p)) + ";");
        emit_struct_fields({ptr, {}, false, prog_.script_records.count(pointee.name) > 0, reads_user(p.type)}, dest,
                           dt, n.loc);
        return;
      }
      break;
    case NodeKind::Ternary: {
      body_.open("if (" + expr(*n.cond) + ")");
      if (n.lhs) emit_into(*n.lhs, dest, dt);
      else emit_into(*n.cond, dest, dt);
      body_.dedent();
      body_.open("} else");
      emit_into(*n.rhs, dest, dt);
      body_.close();
      return;
    }
    case NodeKind::BlockExpr:
      block(n.body);
      emit_into(*n.lhs, dest, dt);
      return;
    case NodeKind::IfExpr:
      body_.open("if (" + expr(*n.cond) + ")");
      emit_into(*n.lhs, dest, dt);
      body_.dedent();
      body_.open("} else");
      emit_into(*n.rhs, dest, dt);
      body_.close();
      return;
    case NodeKind::Index:
      // One struct of a kernel array of structs: read member by member at a
      // constant index (each read a CO-RE relocation), as whole struct values are.
      if (holds_struct_values(dt) && is_kernel_field(*n.lhs) && n.lhs->type.kind == TypeKind::Array) {
        if (n.rhs->kind != NodeKind::Integer)
          unsupported(n.rhs->loc, "indexing an array of structs with a non-constant index");
        CoreChain c = core_chain(*n.lhs);
        c.accessors.back() += "[" + std::to_string(n.rhs->ival) + "]";
        emit_member(c, dest, dt, {}, n.loc);
        return;
      }
      break;
    case NodeKind::Field:
      if (n.lhs->type.kind == TypeKind::Struct && n.lhs->type.name == "args") {
        if (n.ival == 2) {  // __data_loc string: offset in the low 16 bits
          body_.line("bpf_probe_read_kernel_str(&" + dest + ", sizeof(" + dest + "), (char *)ctx + (ctx->" + args_member(n.name) +
                     " & 0xffff));");
        } else {
          body_.line("bpf_probe_read_kernel(&" + dest + ", " + std::to_string(std::min(t.size, dt.size)) +
                     ", &ctx->" + args_member(n.name) + ");");
        }
        return;
      }
      if (holds_struct_values(dt) && is_kernel_field(n)) {
        emit_member(core_chain(n), dest, dt, {}, n.loc);
        return;
      }
      if ((t.kind == TypeKind::String || t.kind == TypeKind::Array) && is_kernel_field(n)) {
        CoreChain chain = core_chain(n);
        std::string macro = chain.macro(t.kind == TypeKind::String ? "_STR_INTO" : "_INTO");
        body_.line(std::string(chain.nullable ? "if (" + chain.base + ") " : "") + macro + "(&" + dest + ", " +
                   core_read_args(chain) + ");");
        return;
      }
      break;
    default:
      break;
  }
  // Variables, map values and other lvalues: copy the bytes.
  std::string src = expr(n);
  uint32_t size = std::min(t.size, dt.size);
  if (size <= 64)
    body_.line("__builtin_memcpy(&" + dest + ", &" + src + ", " + std::to_string(size) + ");");
  else
    body_.line("bpf_probe_read_kernel(&" + dest + ", " + std::to_string(size) + ", &" + src + ");");
}

// print(args): every argument, read as `args.name` would be.
void BpfEmitter::emit_args_value(const Node &args, const std::string &dest, const Type &value) {
  for (const auto &f : value.fields) {
    const FieldInfo *info = args_field(f.name);
    Node field(NodeKind::Field, args.loc);
    field.lhs.reset(const_cast<Node *>(&args));
    field.name = f.name;
    field.type = info ? info->type : *f.type;
    if (info && info->data_loc) {
      field.type = *f.type;
      field.ival = 2;
    }
    std::string dst = dest + "." + f.name;
    if (is_memory(*f.type)) emit_into(field, dst, *f.type);
    else body_.line(dst + " = " + stored(*f.type, expr(field)) + ";");
    field.lhs.release();
  }
}

}  // namespace bt2bin::detail

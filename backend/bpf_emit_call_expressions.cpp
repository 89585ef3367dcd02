// Calls used as values: map functions (has_key, delete), string helpers,
// addresses (kaddr, uaddr), imported C functions, and the kernel objects
// (percpu_kaddr, cgroupid, skboutput, write_user, ...). Script functions are
// in bpf_emit_functions.cpp, the standard library in bpf_emit_stdlib.cpp.
#include "backend/bpf_emitter_internal.h"

namespace bt2bin::detail {

std::string BpfEmitter::call_expr(const Node &n) {
  const std::string &f = n.name;
  if (n.op == "fn") return fn_call(n);  // a script function
  if (n.op == "c") {                     // a function of an imported .bpf.c file
    const CFunction &cf = prog_.c_functions[n.id];
    std::string args;
    for (size_t i = 0; i < n.args.size(); i++)
      args += (i ? ", " : "") + cast_to(cf.params[i], expr(*n.args[i]));
    return cf.name + "(" + args + ")";
  }
  if (f == "has_key") {
    std::string key = key_of_call(*n.args[0], *n.args[1]);
    return "(bpf_map_lookup_elem(&" + map_symbol(n.args[0]->name) + ", &" + key + ") != NULL)";
  }
  if (f == "bswap") {
    uint32_t s = n.type.size;
    return s == 2 ? "__builtin_bswap16(" + expr(*n.args[0]) + ")"
                  : s == 4 ? "__builtin_bswap32(" + expr(*n.args[0]) + ")"
                           : "__builtin_bswap64(" + expr(*n.args[0]) + ")";
  }
  if (f == "kptr" || f == "uptr") return expr(*n.args[0]);
  if (f == "delete") {
    // delete(@m, k) / delete(@m[k]): true when the element existed.
    const Node &map = *n.args[0];
    if (n.args.size() == 1 && map.args.empty() && !prog_.find_map(map.name)->is_scalar())
      unsupported(n.loc, "the result of delete() of a whole map");
    std::string key;
    if (n.args.size() == 2) {
      Node fake(NodeKind::Map, map.loc);
      fake.name = map.name;
      fake.args.push_back(NodePtr(const_cast<Node *>(n.args[1].get())));
      key = key_of(fake);
      fake.args[0].release();
    } else {
      key = key_of(map);
    }
    return "(bpf_map_delete_elem(&" + map_symbol(map.name) + ", &" + key + ") == 0)";
  }
  if (f == "kaddr") return "bt_kaddr_" + std::to_string(n.id);
  if (f == "getopt" && !is_memory(n.type)) return "bt_opt_" + std::to_string(n.id);
  if (f == "uaddr") {
    std::string id = std::to_string(n.id);
    return "(bt_uaddr_" + id + " + (bt_uaddr_bias_" + id + " ? PT_REGS_IP_CORE(ctx) - bt_uaddr_bias_" + id +
           " : 0))";
  }
  if (f == "reg") {
    std::string r = n.args[0]->str == "pc" ? "ip" : n.args[0]->str;
    return "BPF_CORE_READ(ctx, " + r + ")";
  }
  if (f == "strftime" || f == "strerror") return "(__u64)(" + expr(*n.args[1 - (f == "strerror")]) + ")";
  if (f == "strlen")
    return "bt_strlen(" + expr(*n.args[0]) + ", " + std::to_string(n.args[0]->type.size) + ")";
  if (f == "strcontains")
    return "bt_strcontains(" + expr(*n.args[0]) + ", " + std::to_string(n.args[0]->type.size) + ", " +
           expr(*n.args[1]) + ", " + std::to_string(n.args[1]->type.size) + ")";
  if (f == "len" && n.args[0]->kind == NodeKind::Map)
    return "bt_map_len(&" + map_symbol(n.args[0]->name) + ")";
  if (f == "len") {
    // The depth of a stack: bpf_get_stack() fills (up to the limit) frames
    // in scratch memory and returns their size in bytes.
    const Type &stack = n.args[0]->type;
    uint32_t limit = stack.count ? stack.count : 127;
    std::string frames = temp(make_string(limit * 8), "_frames");
    std::string bytes = "_stack_bytes" + std::to_string(tmp_++);
    body_.line("long " + bytes + " = bpf_get_stack(ctx, &" + frames + ", sizeof(" + frames + "), " +
               (stack.kind == TypeKind::Ustack ? "BPF_F_USER_STACK" : "0") + ");");
    return "(" + bytes + " > 0 ? (__u64)" + bytes + " / 8 : 0)";
  }
  if (f == "ksym") return "(__u64)(" + expr(*n.args[0]) + ")";
  if (f == "strncmp") {
    return "(!bt_streq(" + expr(*n.args[0]) + ", " + expr(*n.args[1]) + ", " + std::to_string(n.args[2]->ival) + "))";
  }
  if (auto e = stdlib_call_expr(n)) return *e;
  // --- kernel objects ---
  if (f == "percpu_kaddr") {
    std::string var = "&" + prog_.percpu_symbols[n.id].name;
    if (n.args.size() == 1) return "((__u64)bpf_this_cpu_ptr(" + var + "))";
    return "((__u64)bpf_per_cpu_ptr(" + var + ", " + expr(*n.args[1]) + "))";
  }
  if (f == "cgroupid") return "bt_cgroupid_" + std::to_string(n.id);
  if (f == "cgroup_path") return "((__u64)(" + expr(*n.args[0]) + "))";
  if (f == "kfunc_exist" || f == "kfunc_allowed") return "bt_kfunc_" + std::to_string(n.id);
  if (f == "socket_cookie") return "bpf_get_socket_cookie(" + expr(*n.args[0]) + ")";
  if (f == "override") return "bpf_override_return(ctx, " + expr(*n.args[0]) + ")";
  if (f == "skboutput") return skb_output(n);
  if (f == "write_user") return write_user(n);
  if (is_memory(n.type)) {
    std::string t = temp(n.type);
    zero(t);
    emit_into(n, t, n.type);
    return t;
  }
  unsupported(n.loc, "the function '" + f + "()'");
}

// --- kernel objects ---

// skboutput(file, skb, len, off): the first `len` bytes of the packet go to
// userspace through the perf event array after a small header; the
// runtime writes them to the pcap file of this site.
std::string BpfEmitter::skb_output(const Node &n) {
  std::string id = std::to_string(tmp_++);
  std::string hdr = "_skb_hdr" + id, ret = "_skb_ret" + id;
  std::string skb = expr(*n.args[1]);
  std::string len = expr(*n.args[2]);
  body_.line("struct bt_skb_record " + hdr + " = {");
  body_.line("\t.site = " + std::to_string(n.id) + ",");
  body_.line("\t.ns = bpf_ktime_get_boot_ns(),");
  body_.line("\t.len = (__u32)(" + len + "),");
  body_.line("};");
  body_.line("__u32 " + ret + " = bpf_skb_output(" + skb + ", &skb_events, ((__u64)" + hdr +
             ".len << 32) | BPF_F_CURRENT_CPU, &" + hdr + ", sizeof(" + hdr + "));");
  return ret;
}

// write_user(dst, src, len): bpf_probe_write_user() of at most the source's
// size; a zero length writes nothing.
std::string BpfEmitter::write_user(const Node &n) {
  const Node &dst = *n.args[0], &src = *n.args[1], &len = *n.args[2];
  std::string ret = "_wu_ret" + std::to_string(tmp_);
  std::string count = "_wu_len" + std::to_string(tmp_++);
  std::string from;
  uint32_t size;
  if (src.type.is_integer()) {
    from = "_wu_val" + std::to_string(tmp_++);
    body_.line("__u64 " + from + " = " + expr(src) + ";");
    from = "&" + from;
    size = 8;
  } else if (src.type.kind == TypeKind::Buffer) {
    from = expr(src) + ".data";
    size = src.type.size - 4;
  } else {
    from = "&" + expr(src);
    size = src.type.size;
  }
  std::string to = "(void *)(" + expr(dst) + ")";
  if (len.kind == NodeKind::Integer) {  // checked against the source size by the analyser
    body_.line("long " + ret + " = bpf_probe_write_user(" + to + ", " + from + ", " + std::to_string(len.ival) + ");");
    return ret;
  }
  body_.line("long " + ret + " = 0;");
  body_.line("__u32 " + count + " = (__u32)(" + expr(len) + ");");
  body_.line("");
  body_.line("if (" + count + " > " + std::to_string(size) + ")");
  body_.line("\t" + count + " = " + std::to_string(size) + ";");
  body_.line("if (" + count + ")");
  body_.line("\t" + ret + " = bpf_probe_write_user(" + to + ", " + from + ", " + count + ");");
  return ret;
}

}  // namespace bt2bin::detail

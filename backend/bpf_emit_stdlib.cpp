// Builtins with arguments (pid(init), nsecs(tai), comm(pid), ...), the
// string and name helpers of bpftrace's standard library, and assert().
#include "backend/bpf_emitter_internal.h"

namespace bt2bin::detail {

// `task` in a local, as CO-RE reads want a plain typed pointer.
std::string BpfEmitter::task_local(const Node &task) {
  std::string local = "_task" + std::to_string(tmp_++);
  body_.line("struct task_struct *" + local + " = " + cast_to(task.type, expr(task)) + ";");
  return local;
}

bool BpfEmitter::stdlib_call_stmt(const Node &n) {
  const std::string &f = n.name;
  if (f == "signal_thread") {
    body_.line("bpf_send_signal_thread(" + expr(*n.args[0]) + ");");
    return true;
  }
  if (f == "static_assert" || (f == "fail" && n.ival == 0)) {
    body_.line("/* " + f + "(): checked at compile time */");
    return true;
  }
  if (f == "fail") {
    // Under a condition on positional parameters: reported when it runs.
    format_call(n);
    exit_record("1");
    body_.line("return 0;");
    return true;
  }
  if (f == "assert") {
    body_.open("if (!(" + expr(*n.args[0]) + "))");
    format_record(prog_.formats[n.id], {n.args[1].get()});
    exit_record("1");
    body_.line("return 0;");
    body_.close();
    return true;
  }
  return false;
}

std::optional<std::string> BpfEmitter::stdlib_call_expr(const Node &n) {
  const std::string &f = n.name;
  if (f == "pid" || f == "tid") {
    std::string both = n.ival ? "bpf_get_current_pid_tgid()" : "bt_ns_pid_tgid()";
    return f == "pid" ? "(__u32)(" + both + " >> 32)" : "(__u32)" + both;
  }
  if (f == "nsecs") {
    static const char *const clocks[] = {"bpf_ktime_get_boot_ns()", "bpf_ktime_get_ns()", "bpf_ktime_get_tai_ns()",
                                         "(bpf_ktime_get_boot_ns() + bt_boot_to_tai_ns)"};
    return std::string(clocks[n.ival < 4 ? n.ival : 0]);
  }
  if (f == "ppid" || f == "leader_tid") {
    std::string task = task_local(*n.args[0]);
    return "BPF_CORE_READ(" + task + (f == "ppid" ? ", real_parent, tgid)" : ", group_leader, pid)");
  }
  if (f == "strstr") {
    const Node &h = *n.args[0], &needle = *n.args[1];
    std::string lh = expr(h), ln = expr(needle);
    return "bt_strstr(" + lh + ", " + std::to_string(h.type.size) + ", " + ln + ", " +
           std::to_string(needle.type.size) + ")";
  }
  if (f == "strcap")  // a pointer; strings and arrays were folded to their capacity
    return "bt_strcap_of_pointer((const char *)(" + expr(*n.args[0]) + "), " +
           std::to_string(prog_.config.max_strlen) + ")";
  if (f == "memcmp") {
    std::string side[2];
    uint32_t size = UINT32_MAX;
    for (int i = 0; i < 2; i++) {
      const Node &a = *n.args[i];
      if (is_memory(a.type)) {
        side[i] = expr(a);
      } else {
        side[i] = "_cmp" + std::to_string(tmp_++);
        body_.line(types_.decl(a.type, side[i]) + " = " + expr(a) + ";");
      }
      size = std::min(size, a.type.size);
    }
    return "bt_memcmp(&" + side[0] + ", &" + side[1] + ", " + expr(*n.args[2]) + ", " + std::to_string(size) + ")";
  }
  if (f == "is_err") return "((__u64)(" + expr(*n.args[0]) + ") >= (__u64)-4095)";
  if (f == "find") {
    // One lookup: on a hit the value is copied into the variable.
    const Node &map = *n.args[0], &var = *n.args[2];
    const MapInfo &m = *prog_.find_map(map.name);
    std::string key = key_of_call(map, *n.args[1]);
    const Type &vt = var_type(var);
    if (!declared_vars_.count(var.id)) {
      if (is_memory(vt)) {
        var_lvalue_[var.id] = temp(vt, var_name(var.name) + "_");
        zero(var_lvalue_[var.id]);
      } else {
        body_.line(types_.decl(vt, var_name(var.name)) + " = 0;");
      }
      declared_vars_.insert(var.id);
    }
    std::string lv = is_memory(vt) ? var_lvalue_[var.id] : var_name(var.name);
    std::string found = "_found" + std::to_string(tmp_++);
    body_.line("int " + found + " = 0;");
    body_.open("");
    body_.line("void *_p = bpf_map_lookup_elem(&" + map_symbol(m.name) + ", &" + key + ");");
    body_.line("");
    body_.open("if (_p)");
    if (is_memory(vt) && vt.size > m.value.size) zero(lv);
    body_.line("__builtin_memcpy(&" + lv + ", _p, " + std::to_string(std::min(vt.size, m.value.size)) + ");");
    body_.line(found + " = 1;");
    body_.close();
    body_.close();
    return found;
  }
  return std::nullopt;
}

bool BpfEmitter::stdlib_emit_into(const Node &n, const std::string &dest) {
  const std::string &f = n.name;
  if (f == "pcomm" || f == "leader_comm") {
    std::string task = task_local(*n.args[0]);
    body_.line("BPF_CORE_READ_STR_INTO(&" + dest + ", " + task + ", " +
               (f == "pcomm" ? "real_parent" : "group_leader") + ", comm);");
    return true;
  }
  if (f == "syscall_name" || f == "signal_name") {
    body_.line("bt_" + f + "((char *)&" + dest + ", " + expr(*n.args[0]) + ");");
    return true;
  }
  if (f == "pton") {
    std::string bytes;
    for (unsigned char c : n.str) bytes += (bytes.empty() ? "" : ", ") + std::to_string(c);
    body_.line("__builtin_memcpy(&" + dest + ", (const __u8[]){" + bytes + "}, " + std::to_string(n.str.size()) + ");");
    return true;
  }
  if (f == "comm") {
    // comm(pid): "[unknown]" without bpf_task_from_pid(), "N/A" for no such task.
    std::string pid = "_pid" + std::to_string(tmp_++);
    std::string ret = "_ret" + std::to_string(tmp_++);
    body_.line("__s32 " + pid + " = " + expr(*n.args[0]) + ";");
    body_.line("int " + ret + " = bt_comm_of_pid((char *)&" + dest + ", " + pid + ");");
    body_.line("");
    body_.open("if (" + ret + " == BT_COMM_NO_KFUNC)");
    format_record(prog_.formats[n.id], {});
    body_.line("__builtin_memcpy(&" + dest + ", \"[unknown]\", sizeof(\"[unknown]\"));");
    body_.dedent();
    body_.open("} else if (" + ret + " == BT_COMM_NO_TASK)");
    format_record(prog_.formats[n.id + 1], {nullptr}, {pid});
    body_.line("__builtin_memcpy(&" + dest + ", \"N/A\", sizeof(\"N/A\"));");
    body_.close();
    return true;
  }
  return false;
}

}  // namespace bt2bin::detail

// Calls used as statements: printf & co., exit, print, clear, zero, join,
// time, delete, unwatch, signal. Most send an event record to the tool
// through the ring buffer (format_record, exit_record).
#include "backend/bpf_emitter_internal.h"

namespace bt2bin::detail {

namespace {

// Whether evaluating `n` calls a script function (fn).
bool calls_script_function(const Node &n) {
  if (n.kind == NodeKind::Call && n.op == "fn") return true;
  for (const Node *c : {n.lhs.get(), n.rhs.get(), n.cond.get(), n.els.get()})
    if (c && calls_script_function(*c)) return true;
  for (const auto &a : n.args)
    if (a && calls_script_function(*a)) return true;
  return false;
}

}  // namespace

// Statement-level calls: printf & co., exit, print, clear, zero, delete.
void BpfEmitter::call_stmt(const Node &n) {
  const std::string &f = n.name;
  if (n.op == "fn") return fn_call_stmt(n);
  if (f == "printf" && ap_ && ap_->provider == "iter" && !function_) return seq_printf(n);
  if (f == "printf" || f == "errorf" || f == "warnf" || f == "system" || f == "cat") return format_call(n);
  if (f == "debugf") {
    // bpf_trace_printk() (trace_pipe), at most three arguments.
    std::string args;
    if (n.args.size() > 4) unsupported(n.loc, "debugf() with more than three arguments");
    for (size_t i = 1; i < n.args.size(); i++) args += ", " + expr(*n.args[i]);
    body_.line("bpf_printk(" + c_string_literal(n.args[0]->str) + args + ");");
    return;
  }
  if (f == "exit") {
    exit_record(n.args.empty() ? std::string("0") : expr(*n.args[0]));
    if (function_) {  // the caller sees *_exited and ends its probe
      body_.line("*_exited = true;");
      body_.line(function_->ret.kind == TypeKind::Void || is_memory(function_->ret) ? "return;" : "return 0;");
      return;
    }
    body_.line("return 0;  /* exit() ends this probe too */");
    return;
  }
  if (stdlib_call_stmt(n)) return;
  if ((f == "print" && n.ival == 1) || f == "clear" || f == "zero") {
    const MapInfo &m = *prog_.find_map(n.args[0]->name);
    const char *action = f == "print" ? "BT_ACTION_PRINT_MAP" : f == "clear" ? "BT_ACTION_CLEAR_MAP" : "BT_ACTION_ZERO_MAP";
    body_.open("");
    body_.line("struct bt_map_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line(std::string("_rec->action = ") + action + ";");
    body_.line("_rec->map = " + std::to_string(m.id) + ";");
    body_.line("_rec->top = " + (n.args.size() > 1 ? std::to_string(n.args[1]->ival) : std::string("0")) + ";");
    body_.line("_rec->div = " + (n.args.size() > 2 ? std::to_string(n.args[2]->ival) : std::string("0")) + ";");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "print") {
    const PrintValueSite &site = prog_.print_values[n.id];
    std::string rec = "struct bt_print_" + std::to_string(site.id);
    record_structs.push_back(rec + " {\n\t__u64 action;\n\t" + types_.decl(site.type, "value") + ";\n};\n");
    std::string early;  // as printf arguments: a script function runs before the reservation
    if (calls_script_function(*n.args[0])) {
      if (is_memory(site.type)) {
        early = temp(site.type, "_val");
        zero(early);
        emit_into(*n.args[0], early, site.type);
      } else {
        early = "_val" + std::to_string(tmp_++);
        body_.line(types_.decl(site.type, early) + " = " + stored(site.type, expr(*n.args[0])) + ";");
      }
    }
    body_.open("");
    body_.line(rec + " *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("_rec->action = BT_ACTION_PRINT_VALUE_BASE + " + std::to_string(site.id) + ";");
    if (!early.empty() && is_memory(site.type))
      body_.line("__builtin_memcpy(&_rec->value, &" + early + ", sizeof(_rec->value));");
    else if (!early.empty()) body_.line("_rec->value = " + early + ";");
    else if (is_memory(site.type)) emit_into(*n.args[0], "_rec->value", site.type);
    else body_.line("_rec->value = " + stored(site.type, expr(*n.args[0])) + ";");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "join") {
    // Up to BT_JOIN_ARGS strings of an argv-style array, read in BPF.
    const Node &argv = *n.args[0];
    std::string read = reads_user(argv.type) ? "bpf_probe_read_user" : "bpf_probe_read_kernel";
    body_.open("");
    body_.line("struct bt_join_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("const __u64 *_argv = (const void *)(" + expr(argv) + ");");
    body_.line("");
    body_.line("_rec->action = BT_ACTION_JOIN;");
    body_.line("_rec->site = " + std::to_string(n.id) + ";");
    body_.open("for (int _i = 0; _i < BT_JOIN_ARGS; _i++)");
    body_.line("__u64 _arg = 0;");
    body_.line("");
    body_.line(read + "(&_arg, sizeof(_arg), &_argv[_i]);");
    body_.open("if (!_arg)");
    body_.line("_rec->args[_i][0] = 0;");
    body_.line("break;");
    body_.close();
    body_.line(read + "_str(_rec->args[_i], BT_JOIN_ARG_SIZE, (const void *)_arg);");
    body_.close();
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "time") {
    body_.open("");
    body_.line("struct bt_time_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("_rec->action = BT_ACTION_TIME;");
    body_.line("_rec->time_id = " + std::to_string(n.id) + ";");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "delete") {
    const Node &map = *n.args[0];
    if (n.args.size() == 1 && map.args.empty() && !prog_.find_map(map.name)->is_scalar()) {
      // delete(@m): every element, like clear(@m).
      Node clear(NodeKind::Call, n.loc);
      clear.name = "clear";
      clear.args.push_back(NodePtr(const_cast<Node *>(&map)));
      call_stmt(clear);
      clear.args[0].release();
      return;
    }
    body_.open("");
    body_.line(call_expr(n) + ";");
    body_.close();
    return;
  }
  // --- watchpoints ---
  if (f == "unwatch") {
    body_.open("");
    body_.line("struct bt_unwatch_record *_rec = bt_reserve(sizeof(*_rec));");
    body_.line("");
    body_.open("if (_rec)");
    body_.line("_rec->action = BT_ACTION_UNWATCH;");
    body_.line("_rec->addr = (__u64)(" + expr(*n.args[0]) + ");");
    body_.line("bt_submit(_rec);");
    body_.close();
    body_.close();
    return;
  }
  if (f == "signal") {
    const Node &a = *n.args[0];
    body_.line("bpf_send_signal(" + (a.kind == NodeKind::String ? "bt_signal_" + a.str : expr(a)) + ");");
    return;
  }
  body_.line("(void)(" + call_expr(n) + ");");
}

// printf() in an iter probe, as bpftrace emits it: bpf_seq_printf() into
// the iterator's seq_file, which the tool (or whoever reads the pinned
// iterator) reads; the analyser checked the format against the kernel's.
void BpfEmitter::seq_printf(const Node &n) {
  std::string args;
  for (size_t i = 1; i < n.args.size(); i++) args += ", " + expr(*n.args[i]);
  std::string meta = iter_ctx_field("meta", "struct bpf_iter_meta *_ctx_meta = ctx->meta;");
  body_.line("BPF_SEQ_PRINTF(" + meta + "->seq, " + c_string_literal(n.args[0]->str) + args + ");");
}

// iter programs read each context field once, at entry, into a local: the
// verifier refuses a context read through a computed address (ctx + 8),
// which clang emits when it reuses an offset for a second read.
std::string BpfEmitter::iter_ctx_field(const std::string &name, const std::string &declaration) {
  iter_ctx_fields_.emplace(name, declaration);
  return "_ctx_" + name;
}

void BpfEmitter::format_call(const Node &n) {
  std::vector<const Node *> args;
  for (size_t i = 1; i < n.args.size(); i++) args.push_back(n.args[i].get());
  format_record(prog_.formats[n.id], args);
}

void BpfEmitter::format_record(const FormatCall &fc, const std::vector<const Node *> &args,
                               const std::vector<std::string> &raw) {
  std::string rec = "struct bt_format_" + std::to_string(fc.id);
  std::string def = rec + " {\n\t__u64 action;\n";
  for (size_t i = 0; i < fc.args.size(); i++) def += "\t" + types_.decl(fc.args[i], "arg" + std::to_string(i)) + ";\n";
  record_structs.push_back(def + "};\n");
  // Arguments calling a script function run before the record is reserved,
  // so records the function sends come first, as in bpftrace.
  // (A function that exits then ends the probe before the reservation.)
  std::vector<std::string> early(fc.args.size());
  for (size_t i = 0; i < fc.args.size() && i < args.size(); i++) {
    if (!args[i] || !calls_script_function(*args[i])) continue;
    if (is_memory(fc.args[i])) {
      early[i] = temp(fc.args[i], "_arg");
      zero(early[i]);
      emit_into(*args[i], early[i], fc.args[i]);
      continue;
    }
    early[i] = "_arg" + std::to_string(tmp_++);
    body_.line(types_.decl(fc.args[i], early[i]) + " = " + stored(fc.args[i], expr(*args[i])) + ";");
  }
  body_.open("");
  body_.line(rec + " *_rec = bt_reserve(sizeof(*_rec));");
  body_.line("");
  body_.open("if (_rec)");
  body_.line("_rec->action = " + std::to_string(fc.id) + ";");
  for (size_t i = 0; i < fc.args.size(); i++) {
    std::string dst = "_rec->arg" + std::to_string(i);
    const Node *a = i < args.size() ? args[i] : nullptr;
    if (!early[i].empty() && is_memory(fc.args[i]))
      body_.line("__builtin_memcpy(&" + dst + ", &" + early[i] + ", sizeof(" + dst + "));");
    else if (!early[i].empty()) body_.line(dst + " = " + early[i] + ";");
    else if (!a) body_.line(dst + " = " + stored(fc.args[i], raw.at(i)) + ";");
    else if (is_memory(fc.args[i])) emit_into(*a, dst, fc.args[i]);
    else body_.line(dst + " = " + stored(fc.args[i], expr(*a)) + ";");
  }
  body_.line("bt_submit(_rec);");
  body_.close();
  body_.close();
}

// The record that asks the tool to exit with `code` (exit()).
void BpfEmitter::exit_record(const std::string &code) {
  body_.open("");
  body_.line("struct bt_exit_record *_rec = bt_reserve(sizeof(*_rec));");
  body_.line("");
  body_.open("if (_rec)");
  body_.line("_rec->action = BT_ACTION_EXIT;");
  body_.line("_rec->code = " + code + ";");
  body_.line("bt_submit(_rec);");
  body_.close();
  body_.close();
}

}  // namespace bt2bin::detail

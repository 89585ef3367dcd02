// bpftrace's builtin functions with arguments that make or convert values
// (str, buf, ksym/usym, kstack/ustack, string compares, bswap, kptr/uptr,
// kaddr/uaddr, getopt, reg, strftime, strerror, ntop, macaddr, join) or act
// (signal, unwatch). Part of the semantic analyser (see analyser_internal.h);
// check_call() in analyse_calls.cpp dispatches.
#include <algorithm>

#include "frontend/builtins.h"
#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

// Returns false when `n` is none of these calls.
bool Analyser::check_builtin_call(Node &n) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  if (f == "str") {
    if (!want_args(n, 1, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    const Type &t = n.args[0]->type;
    if (n.args[0]->kind == NodeKind::Positional && n.args[0]->name != "#") {
      // $N as a string: a rodata string the tool fills from its arguments.
      n.type = make_string(static_cast<uint32_t>(std::min<uint64_t>(config_.max_strlen, 256)));
      n.args[0]->type = n.type;
      string_positionals_.insert(static_cast<int>(n.args[0]->ival));
      return true;
    }
    if (t.kind != TypeKind::Pointer && !t.is_integer() && t.kind != TypeKind::String && t.kind != TypeKind::Array)
      error(n.loc, "str() expects a string, integer or a pointer type as first argument (" + t.to_string() +
                       " provided)");
    uint64_t size = config_.max_strlen;
    if (nargs == 2) {
      if (n.args[1]->kind == NodeKind::Integer) size = std::min<uint64_t>(size, n.args[1]->ival + 1);
      else if (!n.args[1]->type.is_integer()) error(n.args[1]->loc, "str() length must be an integer");
    }
    if (t.kind == TypeKind::String) size = std::min<uint64_t>(size, t.size);
    n.type = make_string(static_cast<uint32_t>(size));
    n.type.user_space = t.user_space;
    return true;
  }
  if (f == "buf") {
    if (!want_args(n, 1, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    uint64_t size = config_.max_strlen;
    const Type &t = n.args[0]->type;
    if (t.kind == TypeKind::Array || t.kind == TypeKind::String) size = t.size;
    if (nargs == 2 && n.args[1]->kind == NodeKind::Integer) size = std::min<uint64_t>(size, n.args[1]->ival);
    n.type = make_simple(TypeKind::Buffer, static_cast<uint32_t>(4 + size));
    return true;
  }
  if (f == "ksym" || f == "usym") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer() && n.args[0]->type.kind != TypeKind::Pointer)
      error(n.loc, f + "() expects an integer or pointer argument");
    n.type = f == "ksym" ? make_simple(TypeKind::Ksym, 8) : make_simple(TypeKind::Usym, 16);
    return true;
  }
  if (f == "kstack" || f == "ustack") {
    if (!want_args(n, 0, 2)) return true;
    n.kind = NodeKind::Builtin;
    n.type = f == "kstack" ? make_simple(TypeKind::Kstack, 8) : make_simple(TypeKind::Ustack, 16);
    n.type.count = 127;
    for (auto &a : n.args) {
      if (a->kind == NodeKind::Integer) n.type.count = std::min<uint64_t>(a->ival, 127);
      else if (a->kind == NodeKind::Builtin && (a->name == "bpftrace" || a->name == "perf" || a->name == "raw"))
        n.type.name = a->name;
      else error(a->loc, f + "() takes a mode (bpftrace, perf, raw) and a frame limit");
    }
    n.args.clear();
    if (f == "kstack") uses_kstack_ = true;
    else uses_ustack_ = true;
    return true;
  }
  if (f == "strncmp") {
    if (!want_args(n, 3, 3)) return true;
    for (auto &a : n.args) check_expr(*a);
    if (n.args[0]->type.kind != TypeKind::String || n.args[1]->type.kind != TypeKind::String)
      error(n.loc, "strncmp() compares two strings");
    if (n.args[2]->kind != NodeKind::Integer) error(n.args[2]->loc, "strncmp() length must be an integer literal");
    n.type = make_int(8, true);
    return true;
  }
  if (f == "strcontains") {
    if (!want_args(n, 2, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    if (n.args[0]->type.kind != TypeKind::String || n.args[1]->type.kind != TypeKind::String)
      error(n.loc, "strcontains() needs two strings");
    n.type = make_bool();
    return true;
  }
  if (f == "strlen") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (n.args[0]->type.kind != TypeKind::String) error(n.args[0]->loc, "strlen() needs a string");
    n.type = make_int(8, false);
    return true;
  }
  if (f == "bswap") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.loc, only_supports("bswap", "integer", *n.args[0]));
    n.type = n.args[0]->type;
    n.type.kind = TypeKind::Int;
    return true;
  }
  if (f == "kptr" || f == "uptr") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer() && n.args[0]->type.kind != TypeKind::Pointer)
      error(n.loc, only_supports(f, "integer or pointer", *n.args[0]));
    n.type = n.args[0]->type;
    n.type.user_space = f == "uptr";
    return true;
  }
  if (f == "signal") {
    if (!opts_.unsafe) error(n.loc, "signal() is an unsafe function: compile with --unsafe to allow it");
    if (!want_args(n, 1, 1)) return true;
    Node &a = *n.args[0];
    if (a.kind == NodeKind::String) {
      auto number = signal_number(a.str);
      if (!number) {
        error(a.loc, "unknown signal '" + a.str + "'");
        return true;
      }
      a.kind = NodeKind::Integer;
      a.ival = static_cast<uint64_t>(*number);
      a.type = make_int(4, true);
      return true;
    }
    check_expr(a);
    if (!a.type.is_integer()) error(a.loc, "signal() needs a signal number or name");
    return true;
  }
  if (f == "kaddr") {
    if (!want_args(n, 1, 1)) return true;
    if (n.args[0]->kind != NodeKind::String) {
      error(n.args[0]->loc, "kaddr() needs a symbol name as a string literal");
      return true;
    }
    // Resolved on the target host when the tool starts, not here.
    auto it = std::find(kaddr_symbols_.begin(), kaddr_symbols_.end(), n.args[0]->str);
    n.id = static_cast<int>(it - kaddr_symbols_.begin());
    if (it == kaddr_symbols_.end()) kaddr_symbols_.push_back(n.args[0]->str);
    n.type = make_int(8, false);
    return true;
  }
  if (f == "uaddr") {
    if (!want_args(n, 1, 1)) return true;
    if (n.args[0]->kind != NodeKind::String) {
      error(n.args[0]->loc, "uaddr() needs a symbol name as a string literal");
      return true;
    }
    if (provider_ != "uprobe" && provider_ != "uretprobe" && provider_ != "usdt") {
      error(n.loc, "uaddr() can only be used in uprobe, uretprobe and usdt probes");
      return true;
    }
    // Resolved in the probe's binary on the target host when the tool starts.
    const AttachPoint &ap = probe_->attach_points[0];
    UaddrSymbol sym{ap.target, n.args[0]->str, provider_ == "uprobe" && !ap.need_expansion ? ap.func : ""};
    auto it = std::find(uaddr_symbols_.begin(), uaddr_symbols_.end(), sym);
    n.id = static_cast<int>(it - uaddr_symbols_.begin());
    if (it == uaddr_symbols_.end()) uaddr_symbols_.push_back(sym);
    n.type = make_pointer(make_int(8, false), true);
    return true;
  }
  if (f == "getopt") {
    if (!want_args(n, 1, 3)) return true;
    if (n.args[0]->kind != NodeKind::String || n.args[0]->str.empty()) {
      error(n.args[0]->loc, "getopt() needs the option name as a string literal");
      return true;
    }
    ProgramOption opt;
    opt.name = n.args[0]->str;
    opt.kind = ProgramOption::Bool;
    opt.default_value = "0";
    if (nargs >= 2) {
      Node &d = *n.args[1];
      bool negative = d.kind == NodeKind::Unary && d.op == "-" && d.lhs->kind == NodeKind::Integer;
      if (d.kind == NodeKind::Bool) {
        opt.default_value = d.ival ? "1" : "0";
      } else if (d.kind == NodeKind::Integer || negative) {
        opt.kind = ProgramOption::Int;
        opt.default_value = negative ? "-" + std::to_string(d.lhs->ival) : std::to_string(d.ival);
      } else if (d.kind == NodeKind::String) {
        opt.kind = ProgramOption::String;
        opt.default_value = d.str;
      } else {
        error(d.loc, "getopt() default must be a literal: true/false, an integer or a string");
      }
    }
    if (nargs == 3) {
      if (n.args[2]->kind != NodeKind::String) error(n.args[2]->loc, "getopt() description must be a string literal");
      else opt.description = n.args[2]->str;
    }
    auto it = std::find_if(program_options_.begin(), program_options_.end(),
                           [&](const ProgramOption &o) { return o.name == opt.name; });
    if (it != program_options_.end() && it->kind != opt.kind)
      error(n.loc, "option '" + opt.name + "' is used with two different types");
    n.id = static_cast<int>(it - program_options_.begin());
    if (it == program_options_.end()) program_options_.push_back(opt);
    n.type = opt.kind == ProgramOption::Bool  ? make_bool()
             : opt.kind == ProgramOption::Int ? make_int(8, true)
                                              : make_string(256);
    return true;
  }
  if (f == "reg") {
    if (!want_args(n, 1, 1)) return true;
    static const std::set<std::string> regs = {"ip", "pc", "sp", "ax", "bx", "cx", "dx", "si", "di", "bp",
                                               "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                                               "flags", "orig_ax", "cs", "ss"};
    if (n.args[0]->kind != NodeKind::String || !regs.count(n.args[0]->str)) {
      error(n.args[0]->loc, "reg() needs an x86_64 register name such as \"ip\", \"sp\" or \"di\"");
      return true;
    }
    if (provider_ != "kprobe" && provider_ != "kretprobe" && provider_ != "uprobe" && provider_ != "uretprobe" &&
        provider_ != "usdt")
      error(n.loc, "reg() can only be used in kprobe and uprobe probes");
    n.type = make_int(8, false);
    return true;
  }
  if (f == "strftime") {
    if (!want_args(n, 2, 2)) return true;
    check_expr(*n.args[1]);
    if (n.args[0]->kind != NodeKind::String) {
      check_expr(*n.args[0]);
      error(n.loc, "strftime() expects a string literal (" + kind_name(n.args[0]->type) + " provided)");
    } else if (!n.args[1]->type.is_integer()) {
      error(n.loc, only_supports("strftime", "int", *n.args[1]));
    }
    n.type = make_simple(TypeKind::Timestamp, 8);
    n.type.name = n.args[0]->kind == NodeKind::String ? n.args[0]->str : "";
    return true;
  }
  if (f == "strerror") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.args[0]->loc, "strerror() needs an error number");
    n.type = make_simple(TypeKind::StrError, 8);
    return true;
  }
  if (f == "ntop") {
    if (!want_args(n, 1, 2)) return true;
    for (auto &a : n.args) check_expr(*a);
    const Type &addr = n.args.back()->type;
    bool ok = (addr.is_integer() && addr.size <= 4 && nargs == 1) || addr.is_integer() ||
              ((addr.kind == TypeKind::Array || addr.kind == TypeKind::String) && (addr.size == 4 || addr.size == 16));
    if (!ok) error(n.args.back()->loc, "ntop() needs an IPv4 address (integer or 4 bytes) or an IPv6 address (16 bytes)");
    if (nargs == 2 && !n.args[0]->type.is_integer()) error(n.args[0]->loc, "ntop() address family must be an integer");
    n.type = make_simple(TypeKind::Inet, 20);
    return true;
  }
  if (f == "macaddr") {
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (t.kind != TypeKind::Pointer && !((t.kind == TypeKind::Array || t.kind == TypeKind::String) && t.size >= 6))
      error(n.args[0]->loc, "macaddr() needs a pointer to or an array of 6 bytes");
    n.type = make_simple(TypeKind::MacAddr, 6);
    return true;
  }
  if (f == "join") {
    if (!want_args(n, 1, 2)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (t.kind != TypeKind::Pointer && !t.is_integer())
      error(n.args[0]->loc, "join() needs an array of string pointers such as args.argv");
    std::string sep = " ";
    if (nargs == 2) {
      if (n.args[1]->kind != NodeKind::String) error(n.args[1]->loc, "join() separator must be a string literal");
      else sep = n.args[1]->str;
    }
    if (final_walk_) {
      n.id = static_cast<int>(join_separators_.size());
      join_separators_.push_back(sep);
    }
    return true;
  }
  // --- watchpoints ---
  if (f == "unwatch") {
    // Asynchronous: the tool removes every watchpoint on this address.
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (!t.is_integer() && t.kind != TypeKind::Pointer && !t.is_none())
      error(n.args[0]->loc, "unwatch() needs an address (an integer), not '" + t.to_string() + "'");
    n.type = make_void();
    return true;
  }
  return false;
}

}  // namespace bt2bin::detail

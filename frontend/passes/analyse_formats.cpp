// printf-family calls (printf, errorf, warnf, debugf, system, cat): the
// format string checked against its arguments with the runtime's own
// parser, the kernel's narrower rules for debugf() and for printf() in iter
// probes, and the numbering of format records. Part of the semantic
// analyser (see analyser_internal.h).
#include "frontend/passes/analyser_internal.h"
#include "runtime-template/format_string.h"

namespace bt2bin::detail {

// printf-style calls the kernel formats itself, and what it accepts there.
struct KernelFormat {
  const char *call;          // "debugf()", "printf() in an iter probe"
  size_t max_args;
  const char *limit;         // the helper whose limit max_args is
  bool (*accepts)(const rt::FormatSpec &);
  bool pointer_args;         // integer conversions also take pointers
  const char *hint;
};

// debugf() is bpf_trace_printk(): as bpftrace, at most three arguments and
// %d %u %x %p for integers, %s for strings (length modifiers such as %llu
// are the kernel's).
const KernelFormat kDebugf = {
    "debugf()", 3, "a bpf_trace_printk limit",
    [](const rt::FormatSpec &s) {
      using rt::FormatConv;
      return s.conv == FormatConv::s || s.conv == FormatConv::d || s.conv == FormatConv::u ||
             s.conv == FormatConv::x || s.conv == FormatConv::p;
    },
    false, "debugf() supports %d, %u, %x and %p for integers and %s for strings"};

// printf() in an iter probe is bpf_seq_printf(): at most 12 arguments of 8
// bytes and only %d %i %u %x %X (with l or ll), %c, %s and %p, with flags
// and width but no precision; anything else would make the helper fail at
// run time and print nothing.
const KernelFormat kSeqPrintf = {
    "printf() in an iter probe", 12, "a bpf_seq_printf limit",
    [](const rt::FormatSpec &s) {
      using rt::FormatConv;
      bool integer = s.conv == FormatConv::d || s.conv == FormatConv::i || s.conv == FormatConv::u ||
                     s.conv == FormatConv::x || s.conv == FormatConv::X;
      bool length_ok = s.length.empty() || (integer && (s.length == "l" || s.length == "ll"));
      bool conv_ok = integer || s.conv == FormatConv::c || s.conv == FormatConv::s || s.conv == FormatConv::p;
      return conv_ok && length_ok && !s.alt && s.precision < 0;
    },
    true,
    "in iter probes printf() is bpf_seq_printf(): %d %i %u %x %X (also with l, ll), %c, %p and %s, with flags "
    "and a width but no precision"};

// Checks a printf-style format against its arguments with the one format
// parser the runtime also uses. `arg_index` names the offending argument.
bool Analyser::check_format_args(const std::string &format, const std::vector<Type> &args, std::string &why,
                                 int &arg_index) {
  rt::ParsedFormat parsed;
  arg_index = -1;
  if (!rt::parse_format(format, parsed, why)) return false;
  if (!rt::check_format_arg_count(parsed, args.size(), why)) return false;
  auto specs = parsed.specs();
  for (size_t i = 0; i < specs.size() && i < args.size(); i++) {
    const Type &t = args[i];
    rt::FormatArgClass cls = t.is_integer() || t.kind == TypeKind::Bool || t.kind == TypeKind::Pointer
                                 ? rt::FormatArgClass::Integer
                             : t.kind == TypeKind::String ? rt::FormatArgClass::String
                             : t.kind == TypeKind::Buffer ? rt::FormatArgClass::Buffer
                                                          : rt::FormatArgClass::Other;
    if (!rt::check_format_arg(*specs[i], cls, t.to_string(), why)) {
      arg_index = static_cast<int>(i);
      return false;
    }
  }
  return true;
}

void Analyser::check_format_call(Node &n, FormatKind kind, size_t first_arg) {
  const char *fname = n.name.c_str();
  if (n.args.size() <= first_arg || n.args[first_arg]->kind != NodeKind::String) {
    error(n.args.size() > first_arg ? n.args[first_arg]->loc : n.loc,
          std::string(fname) + "() needs a format string literal as its first argument");
    return;
  }
  FormatCall call;
  call.kind = kind;
  call.format = n.args[first_arg]->str;
  call.loc = n.loc;
  for (size_t i = first_arg + 1; i < n.args.size(); i++) {
    Node &a = *n.args[i];
    check_expr(a);
    if (a.type.kind == TypeKind::Void || a.type.is_aggregation()) {
      error(a.loc, std::string(fname) + "() argument has no printable value");
      continue;
    }
    Type t = a.type.kind == TypeKind::Struct ? value_type(a.type) : a.type;
    if (t.is_integer() && t.kind == TypeKind::Int) t = make_int(8, t.is_signed);
    call.args.push_back(t);
  }
  std::string why;
  int arg_index = -1;
  if (!check_format_args(call.format, call.args, why, arg_index)) {
    const Location &loc = arg_index >= 0 && first_arg + 1 + arg_index < n.args.size()
                              ? n.args[first_arg + 1 + arg_index]->loc
                              : n.args[first_arg]->loc;
    error(loc, why);
  } else if (kind == FormatKind::Debugf) {
    check_debugf(n);
  } else if (is_seq_printf(n)) {
    check_kernel_format(n, kSeqPrintf);
  }
  // debugf() goes to the kernel's trace_pipe and printf() in an iter probe
  // to the iterator's seq_file, not through the event channel.
  if (final_walk_ && kind != FormatKind::Debugf && !is_seq_printf(n)) {
    call.id = static_cast<int>(formats_.size());
    n.id = call.id;
    formats_.push_back(std::move(call));
  }
  n.type = make_void();
}

void Analyser::check_debugf(const Node &n) {
  warning(n.loc, "the debugf() builtin is not recommended for production use: it writes to the kernel's "
                 "trace buffer (see bpf_trace_printk in bpf-helpers(7))");
  check_kernel_format(n, kDebugf);
}

// printf() directly in an iter probe writes to the iterator's seq_file
// with bpf_seq_printf(), as bpftrace does (in a fn it is a plain printf).
bool Analyser::is_seq_printf(const Node &n) const {
  return n.name == "printf" && provider_ == "iter" && !function_;
}

void Analyser::check_kernel_format(const Node &n, const KernelFormat &rules) {
  const Node &fmt = *n.args[0];
  if (n.args.size() > rules.max_args + 1) {
    error(n.loc, std::string(rules.call) + " cannot use more than " + std::to_string(rules.max_args) +
                     " conversion specifiers (" + rules.limit + ")");
    return;
  }
  rt::ParsedFormat parsed;
  std::string why;
  if (!rt::parse_format(fmt.str, parsed, why)) return;
  auto specs = parsed.specs();
  for (size_t i = 0; i < specs.size() && i + 1 < n.args.size(); i++) {
    const rt::FormatSpec &s = *specs[i];
    if (!rules.accepts(s)) {
      if (final_walk_)
        diags_.error(fmt.loc, std::string("invalid format specifier for ") + rules.call + ": " + s.text)
            .hints.push_back(rules.hint);
      failed_ = true;
      continue;
    }
    const Node &a = *n.args[i + 1];
    if (a.type.is_none()) continue;
    bool string_conv = s.conv == rt::FormatConv::s;
    bool integer_arg = a.type.is_integer() ||
                       (rules.pointer_args && (a.type.kind == TypeKind::Bool || a.type.kind == TypeKind::Pointer));
    if (string_conv ? a.type.kind != TypeKind::String : !integer_arg)
      error(a.loc, "type does not match format specifier: " + s.text + " in " + rules.call + " needs " +
                       (string_conv ? "a string" : "an integer") + ", not '" + a.type.to_string() + "'");
  }
}

// A printf-family record the analyser adds itself (assert()'s errorf,
// comm(pid)'s warnings), reported at n.loc; returns its format id.
int Analyser::register_format(const Node &n, FormatKind kind, const std::string &format, const std::vector<Type> &args) {
  if (!final_walk_) return -1;
  FormatCall call;
  call.kind = kind;
  call.format = format;
  call.args = args;
  call.loc = n.loc;
  call.id = static_cast<int>(formats_.size());
  formats_.push_back(std::move(call));
  return static_cast<int>(formats_.size()) - 1;
}

}  // namespace bt2bin::detail

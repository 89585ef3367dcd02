// The BPF C emitter's top level (see bpf_emitter.h): one program per attach
// point (and per fentry/fexit twin), then tool.bpf.c assembled around them
// (includes, rodata inputs, maps, functions) and tool.h, the types it shares
// with the driver. The parts of the emitter are the backend/bpf_emit_*.cpp
// files; bpf_emitter_internal.h maps them.
#include "backend/bpf_emitter.h"

#include <set>

#include "backend/bpf_emitter_internal.h"
#include "backend/driver_emitter.h"
#include "backend/probe_sections.h"
#include "frontend/attach_point.h"

namespace bt2bin {

namespace detail {

namespace {

// User text shown in a C comment, unable to end the comment or the line.
std::string comment_text(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') out += ' ';
    else if (c == '/' && !out.empty() && out.back() == '*') out += " /";
    else out += c;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- probes --

// The statements of one program (or of the body its fentry twins share):
// the -p filter, the predicate and the probe's block, after the
// declarations they turned out to need.
std::string BpfEmitter::program_body(const ProbeInfo &info, const AttachPoint &ap, Twin twin) {
  info_ = &info;
  ap_ = &ap;
  twin_ = twin;
  declared_vars_.clear();
  var_lvalue_.clear();
  scratch_used_ = 0;
  uses_exited_ = false;
  iter_ctx_fields_.clear();
  const Probe &probe = *info.probe;
  int ap_index = attach_point_index(probe, ap);  // a twin: that of the attach point it stands in for
  args_ = ap_index < (int)info.ap_args.size() ? &info.ap_args[ap_index] : &info.args;
  written_ap_ = ap_index < (int)probe.attach_points.size() ? &probe.attach_points[ap_index] : &ap;
  needs_scratch_ = false;

  CWriter inner;
  inner.indent();
  std::swap(body_, inner);
  if (ap.provider != "begin" && ap.provider != "end" && ap.provider != "iter") {
    // -p PID: rodata, so the verifier prunes this when no PID is given.
    body_.line("if (bt_filter_pid && (bpf_get_current_pid_tgid() >> 32) != bt_filter_pid)");
    body_.line("\treturn 0;");
  }
  if (probe.predicate) {
    line_directive(probe.predicate->loc);
    body_.line("if (!(" + expr(*probe.predicate) + "))");
    body_.line("\treturn 0;");
  }
  block(probe.body);
  std::swap(body_, inner);

  CWriter f;
  f.indent();
  if (needs_scratch_) {
    f.line("__u32 _zero = 0;");
    f.line("char *_scratch = bpf_map_lookup_elem(&scratch, &_zero);");
    f.line("");
    f.line("if (!_scratch)");
    f.line("\treturn 0;");
  }
  if (uses_exited_) f.line("bool _exited = false;  /* set by a function that calls exit() */");
  for (const auto &[name, declaration] : iter_ctx_fields_) f.line(declaration);
  f.raw(inner.str());
  f.line("return 0;");
  twin_ = Twin::None;
  return f.str();
}

bool BpfEmitter::reads_through_trampoline() const {
  return (twin_ != Twin::None && program_kind(ap_->provider) == ProgramKind::Tracing) || targets_bpf_program(*ap_);
}

int BpfEmitter::attach_point_index(const Probe &probe, const AttachPoint &ap) {
  int i = 0;
  while (i < (int)probe.attach_points.size() && probe.attach_points[i].raw != ap.raw) i++;
  return i;
}

// One program: SEC, the entry function and its body.
void BpfEmitter::emit_probe(const ProbeInfo &info, const AttachPoint &ap, Twin twin) {
  std::string body = program_body(info, ap, twin);
  std::string args_struct = info.args_loaded ? args_->c_struct_name : "";
  ProbeSection sec = probe_section(ap, info.probe->id, attach_point_index(*info.probe, ap), args_struct);
  CWriter f;
  f.line("SEC(\"" + sec.section + "\")");
  std::string param = sec.ctx_type == "void" ? "void *ctx" : sec.ctx_type + (sec.ctx_type.back() == '*' ? "ctx" : " *ctx");
  f.line("int " + sec.func_name + "(" + param + ")");
  f.line("{");
  f.raw(body);
  f.line("}");
  for (auto &cb : callbacks_) functions_.push_back(cb);
  callbacks_.clear();
  functions_.push_back(f.str());
}

// Programs of a wildcard that differ only in their attach point: the
// matches of `fentry:vfs_*` when the body reads no `args`, and the twins
// of a wildcard (fentry/fexit programs for `kprobe:vfs_*`, kprobe/kretprobe
// programs for the matches of `fentry:vfs_*`). The body is emitted once,
// as a subprogram, and per function a program calls it with the name
// `probe` gives it. The verifier checks the body again for each function,
// as it would a copy, but clang compiles it once and the object holds it
// once. `written` is the wildcard (or its first match) as the script wrote
// it; the twins of a kprobe wildcard are bound to their functions at start.
void BpfEmitter::emit_shared_body(const ProbeInfo &info, const AttachPoint &written,
                                  const std::vector<AttachPoint> &programs) {
  AttachPoint pattern = programs.front();  // the body reads its context as these programs do
  pattern.need_expansion = true;
  std::string pattern_name = written.expanded_from.empty() ? written.name() : written.expanded_from;
  pattern.func = pattern_name.substr(pattern_name.rfind(':') + 1);
  AttachPoint written_pattern = written;
  written_pattern.func = pattern.func;
  bool tracing = program_kind(pattern.provider) == ProgramKind::Tracing;
  bool twins = pattern.provider != written.provider;
  std::string body_name = probe_section(written_pattern, info.probe->id, attach_point_index(*info.probe, written), "")
                              .func_name +
                          (twins ? "_" + pattern.provider : "_body");
  CWriter f;
  if (twins)
    f.line("/* " + comment_text(pattern_name) + " on kernels without " + (tracing ? "kprobes" : "fentry") +
           ": the body of its " + pattern.provider + " programs, one per function */");
  else
    f.line("/* " + comment_text(pattern_name) + ": the body of its programs, one per function */");
  std::string ctx = tracing ? "__u64 *ctx" : "struct pt_regs *ctx";
  f.line("static __noinline int " + body_name + "(" + ctx + ", const char *probe_name)");
  f.line("{");
  f.raw(program_body(info, pattern, Twin::SharedBody));
  f.line("}");
  for (auto &cb : callbacks_) functions_.push_back(cb);
  callbacks_.clear();
  functions_.push_back(f.str());
  for (const auto &p : programs) {
    AttachPoint named = p;  // `probe` names the attach point the script wrote
    named.provider = written.provider;
    ProbeSection sec = probe_section(p, info.probe->id, attach_point_index(*info.probe, p), "");
    bool bound_at_start = twins && tracing;
    CWriter w;
    if (bound_at_start)
      w.line("SEC(\"" + p.provider + "\")  /* " + comment_text(p.func) + ", bound by the tool before load */");
    else
      w.line("SEC(\"" + sec.section + "\")" + (sec.section.find('/') == std::string::npos ? "  /* " + comment_text(p.func) + " */" : ""));
    w.line("int " + sec.func_name + "(" + ctx + ")");
    w.line("{");
    w.line("\treturn " + body_name + "(ctx, " + c_string_literal(named.name()) + ");");
    w.line("}");
    functions_.push_back(w.str());
  }
}

// ------------------------------------------------------------ top level --

bool BpfEmitter::emit(EmittedSources &out, Diagnostics &diags) {
  try {
    for (int id : functions_callees_first()) emit_function(prog_.functions[id]);
    std::set<std::string> shared;  // wildcards whose matches' body is emitted
    for (const auto &info : prog_.probes)
      for (size_t i = 0; i < info.probe->attach_points.size(); i++) {
        const AttachPoint &ap = info.probe->attach_points[i];
        const auto &twins = info.twins[i];
        if (!ap.expanded_from.empty() && (ap.provider == "fentry" || ap.provider == "fexit")) {
          // A match of `fentry:vfs_*`: with the other matches, one body for
          // their programs (unless each reads its own `args`) and one for
          // their kprobe twins, emitted with the first.
          if (!shared.insert(ap.expanded_from).second) continue;
          std::vector<AttachPoint> matches, match_twins;
          for (size_t j = i; j < info.probe->attach_points.size(); j++) {
            if (info.probe->attach_points[j].expanded_from != ap.expanded_from) continue;
            matches.push_back(info.probe->attach_points[j]);
            match_twins.insert(match_twins.end(), info.twins[j].begin(), info.twins[j].end());
          }
          if (info.args_loaded)  // each typed from its own function
            for (const auto &m : matches) emit_probe(info, m);
          else
            emit_shared_body(info, ap, matches);
          if (!match_twins.empty()) emit_shared_body(info, ap, match_twins);
          continue;
        }
        emit_probe(info, ap);
        if (twins.empty()) continue;
        if (ap.need_expansion)
          emit_shared_body(info, ap, twins);
        else if (program_kind(twins.front().provider) == ProgramKind::Tracing)
          emit_probe(info, twins.front(), Twin::Program);
        else
          emit_probe(info, twins.front());  // a kprobe reads its registers as any kprobe does
      }
  } catch (const Unsupported &u) {
    diags.error(u.loc, u.what + " is not supported by bt2bin yet");
    return false;
  }

  CWriter maps;
  emit_maps(maps);

  CWriter c;
  c.line("// SPDX-License-Identifier: GPL-2.0");
  c.line("// " + opts_.tool_name + ".bpf.c: BPF programs generated by bt2bin from " + opts_.script_name + ".");
  c.line("#include \"vmlinux.h\"");
  c.line("#include \"skeletons/bt2bin.bpf.h\"");
  bool has_usdt = false;
  for (const auto &info : prog_.probes)
    for (const auto &ap : info.probe->attach_points) has_usdt |= ap.provider == "usdt";
  if (has_usdt) c.line("#include <bpf/usdt.bpf.h>");
  for (const auto &d : prog_.program->c_definitions) {
    // Kernel types come from vmlinux.h (BTF); kernel headers would clash with it.
    bool include = d.text.find("#include") != std::string::npos && d.text.find_first_not_of(" \t") == d.text.find('#');
    c.raw(include ? "/* " + d.text + ": types come from vmlinux.h */\n" : d.text + "\n");
  }
  c.line("#include \"tool.h\"");
  c.line();
  if (!prog_.c_sources.empty()) {
    // bpftrace links imported C into the program and inlines it; here it is
    // compiled in the same unit, every function always_inline, so the
    // verifier checks it inside the probes that call it.
    for (const auto &src : prog_.c_sources) c.line("/* import \"" + comment_text(src) + "\" */");
    c.line("#pragma clang attribute push (__attribute__((always_inline)), apply_to = function)");
    for (const auto &src : prog_.c_sources) c.line("#include " + c_string_literal(src));
    c.line("#pragma clang attribute pop");
    c.line();
  }
  if (zeros_size_)
    c.line("static const char bt_zeros[" + std::to_string((zeros_size_ + 7) & ~7u) + "];");
  std::set<std::string> args_structs;
  for (const auto &info : prog_.probes)
    for (const auto &args : info.ap_args)
      if (!args.c_definition.empty() && args_structs.insert(args.c_struct_name).second)
        c.raw(args.c_definition + "\n");
  if (prog_.uses_kstack) {
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_STACK_TRACE);");
    c.line("__uint(max_entries, 4096);");
    c.line("__uint(key_size, sizeof(__u32));");
    c.line("__uint(value_size, 127 * sizeof(__u64));");
    c.close(" kstack_map SEC(\".maps\");");
    c.line();
  }
  if (prog_.uses_ustack) {
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_STACK_TRACE);");
    c.line("__uint(max_entries, 4096);");
    c.line("__uint(key_size, sizeof(__u32));");
    c.line("__uint(value_size, 127 * sizeof(__u64));");
    c.close(" ustack_map SEC(\".maps\");");
    c.line();
  }
  if (uses_probe_names_) {
    c.line("/* `probe` of wildcard attach points, by attach cookie (filled by the runtime). */");
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_ARRAY);");
    c.line("__uint(max_entries, 4096);");
    c.line("__type(key, __u32);");
    c.line("__type(value, char[" + std::to_string(rt::kRuntimeProbeNameSize) + "]);");
    c.close(" probe_names SEC(\".maps\");");
    c.line();
  }
  if (scratch_max_ > 0) {
    c.line("/* Per-CPU scratch memory for values larger than on_stack_limit. */");
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);");
    c.line("__uint(max_entries, 1);");
    c.line("__type(key, __u32);");
    c.line("__type(value, char[" + std::to_string((scratch_max_ + 7) & ~7u) + "]);");
    c.close(" scratch SEC(\".maps\");");
    c.line();
  }
  if (uses_tseries_)
    c.line("const volatile __u64 bt_tai_offset_ns = 0;  /* CLOCK_TAI - CLOCK_BOOTTIME at start, for tseries */");
  for (int i = 1; i <= prog_.max_positional; i++)
    c.line("const volatile __s64 bt_arg_" + std::to_string(i) + " = 0;");
  c.line("const volatile __u64 bt_num_args = 0;");
  for (int i : prog_.string_positionals)
    c.line("const volatile char bt_str_arg_" + std::to_string(i) + "[256] = {};");
  for (size_t i = 0; i < prog_.program_options.size(); i++) {
    const auto &o = prog_.program_options[i];
    std::string comment = "  /* getopt(\"" + o.name + "\") */";
    if (o.kind == ProgramOption::String)
      c.line("const volatile char bt_opt_" + std::to_string(i) + "[256] = {};" + comment);
    else
      c.line("const volatile __s64 bt_opt_" + std::to_string(i) + " = 0;" + comment);
  }
  for (size_t i = 0; i < prog_.uaddr_symbols.size(); i++) {
    c.line("const volatile __u64 bt_uaddr_" + std::to_string(i) + " = 0;  /* uaddr(\"" +
           prog_.uaddr_symbols[i].symbol + "\") */");
    c.line("const volatile __u64 bt_uaddr_bias_" + std::to_string(i) + " = 0;");
  }
  for (size_t i = 0; i < prog_.kaddr_symbols.size(); i++)
    c.line("const volatile __u64 bt_kaddr_" + std::to_string(i) + " = 0;  /* kaddr(\"" + prog_.kaddr_symbols[i] + "\") */");
  // --- kernel objects ---
  for (const auto &sym : prog_.percpu_symbols)
    c.line("extern const " + sym.c_declaration + " __ksym;  /* percpu_kaddr(\"" + sym.name + "\") */");
  for (size_t i = 0; i < prog_.cgroupid_sites.size(); i++) {
    const auto &site = prog_.cgroupid_sites[i];
    std::string what = site.positional ? "str($" + std::to_string(site.positional) + ")" : c_string_literal(site.path);
    c.line("const volatile __u64 bt_cgroupid_" + std::to_string(i) + " = 0;  /* cgroupid(" + comment_text(what) + ") */");
  }
  for (size_t i = 0; i < prog_.kfunc_queries.size(); i++) {
    const auto &q = prog_.kfunc_queries[i];
    c.line("const volatile bool bt_kfunc_" + std::to_string(i) + " = false;  /* " +
           (q.provider.empty() ? "kfunc_exist" : "kfunc_allowed") + "(\"" + comment_text(q.kfunc) + "\")" +
           (q.provider.empty() ? "" : " in a " + q.provider + " probe") + " */");
  }
  if (!prog_.skboutput_sites.empty()) {
    c.line();
    c.line("/* skboutput() packets, read by the runtime and written as pcap. */");
    c.open("struct");
    c.line("__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);");
    c.line("__uint(key_size, sizeof(__u32));");
    c.line("__uint(value_size, sizeof(__u32));");
    c.close(" skb_events SEC(\".maps\");");
  }
  c.line();
  c.raw(maps.str());
  if (!prog_.functions.empty()) {
    for (const auto &fi : prog_.functions) c.line(fn_signature(fi) + ";");
    c.line();
  }
  for (const auto &f : subprograms_) c.raw(f + "\n");
  for (const auto &f : functions_) c.raw(f + "\n");
  c.line("char LICENSE[] SEC(\"license\") = " + c_string_literal(prog_.config.license) + ";");
  out.bpf_c = c.str();
  out.main_cpp = emit_driver(prog_, opts_, types_, error_sites);

  CWriter h;
  h.line("/* tool.h: types shared by " + opts_.tool_name + ".bpf.c and its driver (generated by bt2bin). */");
  h.line("#ifndef BT2BIN_TOOL_H");
  h.line("#define BT2BIN_TOOL_H");
  h.line();
  h.line("#define BT_ACTION_EXIT 1000000");
  h.line("#define BT_ACTION_PRINT_MAP 1000001");
  h.line("#define BT_ACTION_CLEAR_MAP 1000002");
  h.line("#define BT_ACTION_ZERO_MAP 1000003");
  h.line("#define BT_ACTION_TIME 1000004");
  h.line("#define BT_ACTION_RUNTIME_ERROR 1000005");
  h.line("#define BT_ACTION_JOIN 1000006");
  h.line("#define BT_JOIN_ARGS 16");
  h.line("#define BT_JOIN_ARG_SIZE 256");
  h.line("#define BT_ACTION_UNWATCH 1000100");
  h.line("#define BT_ACTION_PRINT_VALUE_BASE 2000000");
  h.line();
  h.line("struct bt_exit_record {\n\t__u64 action;\n\t__s64 code;\n};\n");
  h.line("struct bt_map_record {\n\t__u64 action;\n\t__u64 map;\n\t__u64 top;\n\t__u64 div;\n};\n");
  h.line("struct bt_time_record {\n\t__u64 action;\n\t__u64 time_id;\n};\n");
  h.line("struct bt_unwatch_record {\n\t__u64 action;\n\t__u64 addr;\n};\n");
  if (!prog_.skboutput_sites.empty())
    h.line("struct bt_skb_record {\n\t__u64 site;\n\t__u64 ns;\n\t__u32 len;\n\t__u32 pad;\n};\n");
  h.line("struct bt_join_record {\n\t__u64 action;\n\t__u64 site;\n\tchar args[BT_JOIN_ARGS][BT_JOIN_ARG_SIZE];\n};\n");
  for (const auto &d : types_.definitions()) h.raw(d + "\n");
  std::set<std::string> seen;
  for (const auto &d : record_structs)
    if (seen.insert(d).second) h.raw(d + "\n");
  h.line("/* Every event record: its size is the perf-buffer fallback's record slot. */");
  h.line("union bt_any_record {");
  std::set<std::string> members;
  for (std::string name : {"bt_exit_record", "bt_map_record", "bt_time_record", "bt_join_record", "bt_unwatch_record"})
    members.insert(name);
  for (const auto &d : record_structs)
    if (d.rfind("struct ", 0) == 0) members.insert(d.substr(7, d.find(' ', 7) - 7));
  for (const auto &name : members) h.line("\tstruct " + name + " " + name.substr(3) + ";");
  h.line("};");
  h.line();
  h.line("#endif /* BT2BIN_TOOL_H */");
  out.header = h.str();
  return true;
}

}  // namespace detail

bool emit_sources(const CheckedProgram &program, const EmitOptions &options, EmittedSources &out,
                  Diagnostics &diags) {
  detail::BpfEmitter emitter(program, options);
  return emitter.emit(out, diags);
}

}  // namespace bt2bin

// The driver emitter (see driver_emitter.h).
#include "backend/driver_emitter.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "backend/c_types.h"
#include "backend/c_writer.h"
#include "backend/probe_sections.h"

namespace bt2bin {

namespace {

const char *value_kind(const Type &t) {
  switch (t.kind) {
    case TypeKind::Int: return "Int";
    case TypeKind::Bool: return "Bool";
    case TypeKind::String: return "String";
    case TypeKind::Buffer: return "Buffer";
    case TypeKind::Pointer: return "Pointer";
    case TypeKind::Array: return "Array";
    case TypeKind::Tuple: return "Tuple";
    case TypeKind::Record: return "Record";
    case TypeKind::Struct: return "Record";  // a struct value prints as { .a = 1 }
    case TypeKind::Kstack: return "Kstack";
    case TypeKind::Ustack: return "Ustack";
    case TypeKind::Ksym: return "Ksym";
    case TypeKind::Usym: return "Usym";
    case TypeKind::Inet: return "Inet";
    case TypeKind::MacAddr: return "MacAddr";
    case TypeKind::Username: return "Username";
    case TypeKind::Enum: return "Enum";
    case TypeKind::CgroupPath: return "CgroupPath";
    case TypeKind::StrError: return "StrError";
    case TypeKind::Timestamp: return "Timestamp";
    default: return "Int";
  }
}

const char *agg_kind(const Type &t) {
  switch (t.kind) {
    case TypeKind::Count: return "Count";
    case TypeKind::Sum: return "Sum";
    case TypeKind::Min: return "Min";
    case TypeKind::Max: return "Max";
    case TypeKind::Avg: return "Avg";
    case TypeKind::Stats: return "Stats";
    case TypeKind::Hist: return "Hist";
    case TypeKind::Lhist: return "Lhist";
    case TypeKind::Tseries: return "Tseries";
    default: return "None";
  }
}

// Emits `static const ValueDesc` definitions, children first, and names them.
class ValueDescWriter {
 public:
  ValueDescWriter(CWriter &w, CTypes &types, const CheckedProgram &prog) : w_(w), types_(types), prog_(prog) {}

  std::string desc(const Type &t) {
    // Layout, plus the format (strftime, stack mode, cgroup_path filter):
    // each distinct pair gets its own desc.
    std::string key = t.shape() + (t.name.empty() ? "" : "|" + t.name);
    if (auto it = names_.find(key); it != names_.end()) return it->second;
    // Children are emitted first, so the name is taken from a counter that
    // they advance too.
    for (const auto &f : t.fields) desc(*f.type);
    if (t.kind == TypeKind::Array && t.elem) desc(*t.elem);
    std::string name = "kValue" + std::to_string(next_id_++);
    std::string fields = "nullptr", offsets = "nullptr", names = "nullptr", elem = "nullptr";
    if (t.kind == TypeKind::Tuple || t.kind == TypeKind::Record || t.is_struct_value()) {
      std::string sname = types_.name(t);
      std::string list, offs, nms;
      for (size_t i = 0; i < t.fields.size(); i++) {
        std::string child = desc(*t.fields[i].type);
        std::string member = t.kind == TypeKind::Tuple ? "f" + std::to_string(i) : t.fields[i].name;
        list += (i ? ", " : "") + child;
        offs += std::string(i ? ", " : "") + "offsetof(" + sname + ", " + member + ")";
        nms += std::string(i ? ", " : "") + c_string_literal(t.fields[i].name);
      }
      w_.line("static const ValueDesc " + name + "_fields[] = {" + list + "};");
      w_.line("static const uint32_t " + name + "_offsets[] = {" + offs + "};");
      fields = name + "_fields";
      offsets = name + "_offsets";
      if (t.kind != TypeKind::Tuple) {
        w_.line("static const char *const " + name + "_names[] = {" + nms + "};");
        names = name + "_names";
      }
    }
    if (t.kind == TypeKind::Array && t.elem) elem = "&" + desc(*t.elem);
    std::string enums = enum_table(t, name);
    w_.line("static const ValueDesc " + name + " = {");
    w_.line("\t.kind = ValueKind::" + std::string(value_kind(t)) + ",");
    w_.line("\t.size = " + std::to_string(t.size) + ",");
    w_.line("\t.is_signed = " + std::string(t.is_signed ? "true" : "false") + ",");
    w_.line("\t.nfields = " + std::to_string(t.fields.size()) + ",");
    w_.line("\t.fields = " + fields + ",");
    w_.line("\t.offsets = " + offsets + ",");
    w_.line("\t.names = " + names + ",");
    w_.line("\t.elem = " + elem + ",");
    w_.line("\t.count = " + std::to_string(t.count) + ",");
    if (!enums.empty()) {
      w_.line("\t.nenum = sizeof(" + enums + ") / sizeof(" + enums + "[0]),");
      w_.line("\t.enums = " + enums + ",");
    }
    if ((t.kind == TypeKind::Kstack || t.kind == TypeKind::Ustack || t.kind == TypeKind::Timestamp ||
         t.kind == TypeKind::CgroupPath) &&
        !t.name.empty())
      w_.line("\t.format = " + c_string_literal(t.name) + ",");
    w_.line("};");
    names_[key] = name;
    return name;
  }

 private:
  // `static const EnumValue <name>_enums[]` for a named enum: the runtime
  // prints its values by name. Returns the array's name ("" if none).
  std::string enum_table(const Type &t, const std::string &name) {
    if (t.kind != TypeKind::Enum) return "";
    auto it = prog_.enum_values.find(t.name);
    if (it == prog_.enum_values.end() || it->second.empty()) return "";
    std::string rows;
    for (const auto &[value, label] : it->second)
      rows += "{" + std::to_string(value) + "LL, " + c_string_literal(label) + "}, ";
    w_.line("static const EnumValue " + name + "_enums[] = {" + rows + "};");
    return name + "_enums";
  }

  CWriter &w_;
  CTypes &types_;
  const CheckedProgram &prog_;
  std::map<std::string, std::string> names_;
  int next_id_ = 0;
};

const char *format_kind(FormatKind k) {
  switch (k) {
    case FormatKind::Printf: return "0";
    case FormatKind::Errorf: return "1";
    case FormatKind::Warnf: return "2";
    case FormatKind::System: return "3";
    case FormatKind::Cat: return "4";
    case FormatKind::Debugf: return "5";
  }
  return "0";
}

// `field=$N,...` for the numeric attach-point parts the tool reads from its
// positional parameters at start, and the bare name of each text part that
// is a template holding "$N" (see ProbeDesc::deferred).
std::string deferred_parts(const AttachPoint &ap) {
  static const std::set<std::string> text_fields = {"target", "ns", "func", "unit", "mode"};
  std::string out;
  for (const auto &[field, text] : ap.deferred)
    out += (out.empty() ? "" : ",") + (text_fields.count(field) ? field : field + "=" + text);
  return out;
}

}  // namespace

std::string emit_driver(const CheckedProgram &prog, const EmitOptions &opts, CTypes &types,
                        const std::vector<std::string> &error_sites) {
  CWriter tables;
  ValueDescWriter descs(tables, types, prog);

  // ---- maps ----
  std::vector<std::string> map_rows;
  for (const auto &m : prog.maps) {
    bool tseries = m.value.kind == TypeKind::Tseries;
    bool bucketed = m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist || tseries;
    std::string key_desc = m.is_scalar() ? "nullptr" : "&" + descs.desc(m.key);
    std::string value_desc = m.value.is_aggregation() ? "nullptr" : "&" + descs.desc(m.value);
    std::string key_size;
    if (m.is_scalar()) key_size = "8";
    else if (bucketed) key_size = "sizeof(" + types.name(make_tuple({m.key, make_int(8, false)})) + ")";
    else key_size = std::to_string(m.key.size);
    std::string value_size = m.value.kind == TypeKind::Min || m.value.kind == TypeKind::Max
                                 ? "sizeof(struct bt_minmax)"
                                 : m.value.kind == TypeKind::Avg || m.value.kind == TypeKind::Stats
                                       ? "sizeof(struct bt_avg)"
                                       : tseries                  ? "sizeof(struct bt_tseries)"
                                       : m.value.is_aggregation() ? "8"
                                                                  : std::to_string(m.value.size);
    std::string row = "\t{" + c_string_literal(m.name) + ", " + c_string_literal(map_symbol(m.name)) +
                      ", AggKind::" + agg_kind(m.value) + ", " + key_desc + ", " + value_desc + ", " + key_size +
                      ", " + value_size + ", " + (m.is_percpu() ? "true" : "false") + ", " +
                      (m.value.is_signed ? "true" : "false") + ", " + std::to_string(m.value.agg_args[0]) + ", " +
                      std::to_string(m.value.agg_args[0]) + ", " + std::to_string(m.value.agg_args[1]) + ", " +
                      std::to_string(m.value.agg_args[2]) +
                      (tseries ? ", " + std::to_string(m.value.agg_args[0]) + ", " +
                                     std::to_string(m.value.agg_args[1]) + ", " + std::to_string(m.value.agg_args[2])
                               : "") +
                      "},";
    map_rows.push_back(row);
  }

  // ---- format strings ----
  std::vector<std::string> format_rows, format_kinds;
  for (const auto &f : prog.formats) {
    std::string rec = "struct bt_format_" + std::to_string(f.id);
    std::string args = "nullptr", offsets = "nullptr";
    if (!f.args.empty()) {
      std::string list, offs;
      for (size_t i = 0; i < f.args.size(); i++) {
        list += (i ? ", " : "") + descs.desc(f.args[i]);
        offs += std::string(i ? ", " : "") + "offsetof(" + rec + ", arg" + std::to_string(i) + ")";
      }
      std::string base = "kFormat" + std::to_string(f.id);
      tables.line("static const ValueDesc " + base + "_args[] = {" + list + "};");
      tables.line("static const uint32_t " + base + "_offsets[] = {" + offs + "};");
      args = base + "_args";
      offsets = base + "_offsets";
    }
    // The tool runs far from the build tree: name the script by its file
    // name, an imported file as the import named it.
    const auto &sources = prog.program->sources;
    std::string file = f.loc.file > 0 && f.loc.file < (int)sources.size()
                           ? sources[f.loc.file]
                           : opts.script_name.substr(opts.script_name.find_last_of('/') + 1);
    std::string loc = file + ":" + std::to_string(f.loc.line) + ":" + std::to_string(f.loc.col);
    format_rows.push_back("\t{" + c_string_literal(f.format) + ", " + std::to_string(f.args.size()) + ", " + args +
                          ", " + offsets + ", " + c_string_literal(loc) + "},");
    format_kinds.push_back(format_kind(f.kind));
  }
  std::vector<std::string> print_rows;
  for (const auto &p : prog.print_values) print_rows.push_back("\t" + descs.desc(p.type) + ",");

  // ---- probes ----
  std::vector<std::string> probe_rows;
  bool only_begin_end = true, has_end = false;
  for (const auto &info : prog.probes) {
    for (const auto &ap : info.probe->attach_points) {
      if (ap.provider != "begin" && ap.provider != "end") only_begin_end = false;
      if (ap.provider == "end") has_end = true;
    }
  }
  auto probe_row = [&](const AttachPoint &ap, int probe_id, int ap_index, int alternative_of) {
    probe_rows.push_back("\t{" + c_string_literal(probe_section(ap, probe_id, ap_index, "").func_name) + ", " +
                         c_string_literal(ap.provider) + ", " + c_string_literal(ap.target) + ", " +
                         c_string_literal(ap.func) + ", " + c_string_literal(ap.ns) + ", " +
                         c_string_literal(ap.unit) + ", " + std::to_string(ap.freq) + "ULL, " +
                         std::to_string(ap.offset) + "ULL, " + c_string_literal(ap.name()) + ", " +
                         (ap.need_expansion ? "true" : "false") + ", " + std::to_string(alternative_of) + ", " +
                         std::to_string(ap.len) + "ULL, " + c_string_literal(ap.mode) + ", " +
                         c_string_literal(deferred_parts(ap)) + ", " + c_string_literal(ap.expanded_from) + ", " +
                         c_string_literal(ap.lang) + ", " + c_string_literal(ap.pin) + ", " +
                         std::to_string(ap.bpf_prog_id) + "},");
  };
  std::vector<std::string> helper_rows;  // restricted helpers per probe row
  auto helper_uses = [&](const ProbeInfo &info) {
    for (const auto &f : info.restricted_calls)
      helper_rows.push_back("\t{" + std::to_string(probe_rows.size() - 1) + ", " + c_string_literal(f) + "},");
  };
  for (const auto &info : prog.probes)
    for (size_t i = 0; i < info.probe->attach_points.size(); i++) {
      const AttachPoint &ap = info.probe->attach_points[i];
      int primary = static_cast<int>(probe_rows.size());
      probe_row(ap, info.probe->id, static_cast<int>(i), -1);
      helper_uses(info);
      for (const auto &twin : info.twins[i]) {
        probe_row(twin, info.probe->id, static_cast<int>(i), primary);
        helper_uses(info);
      }
    }

  CWriter w;
  w.line("// " + opts.tool_name + ".main.cpp: driver generated by bt2bin from " + opts.script_name + ".");
  w.line("// It only describes the tool; runtime-template/ does the work.");
  w.line("#include \"skeletons/bt2bin_driver.h\"  // first: the headers every driver needs (precompiled)");
  w.line("#include \"tool.h\"");
  // The skeleton's set-up code runs once, at start, and is straight-line:
  // with hundreds of programs, optimizing it took most of this file's
  // compile time.
  w.line("#pragma GCC push_options");
  w.line("#pragma GCC optimize(\"O0\")");
  w.line("#include \"tool.skel.h\"");
  w.line("#pragma GCC pop_options");
  bool uses_tseries = std::any_of(prog.maps.begin(), prog.maps.end(),
                                  [](const MapInfo &m) { return m.value.kind == TypeKind::Tseries; });
  if (uses_tseries) w.line("#include \"runtime-template/tseries_format.h\"");
  w.line();
  w.line("using namespace bt2bin::rt;");
  w.line();
  w.raw(tables.str());
  w.line();
  auto table = [&](const std::string &decl, const std::vector<std::string> &rows) {
    if (rows.empty()) {
      w.line("static const " + decl + "[1] = {};");
      return;
    }
    w.line("static const " + decl + "[] = {");
    for (const auto &r : rows) w.line(r);
    w.line("};");
  };
  table("ProbeDesc kProbes", probe_rows);
  table("MapDesc kMaps", map_rows);
  table("FormatDesc kFormats", format_rows);
  std::vector<std::string> kinds_rows;
  for (auto &k : format_kinds) kinds_rows.push_back("\t" + k + ",");
  table("uint32_t kFormatKinds", kinds_rows);
  table("ValueDesc kPrintValues", print_rows);
  std::vector<std::string> time_rows;
  for (auto &t : prog.time_formats) time_rows.push_back("\t" + c_string_literal(t) + ",");
  table("char *kTimeFormats", time_rows);
  std::vector<std::string> option_rows;
  for (const auto &o : prog.program_options)
    option_rows.push_back("\t{" + c_string_literal(o.name) + ", OptionKind::" +
                          (o.kind == ProgramOption::Bool ? "Bool" : o.kind == ProgramOption::Int ? "Int" : "String") +
                          ", " + c_string_literal(o.default_value) + ", " + c_string_literal(o.description) + "},");
  table("OptionDesc kOptions", option_rows);
  std::vector<std::string> join_rows;
  for (auto &sep : prog.join_separators) join_rows.push_back("\t" + c_string_literal(sep) + ",");
  table("char *kJoinSeparators", join_rows);
  std::vector<std::string> site_rows;
  for (auto &site : error_sites) site_rows.push_back("\t" + c_string_literal(site) + ",");
  table("char *kErrorSites", site_rows);
  table("HelperUse kHelperUses", helper_rows);
  std::vector<std::string> skb_rows;
  for (const auto &site : prog.skboutput_sites)
    skb_rows.push_back("\t{" + c_string_literal(site.file) + ", " + std::to_string(site.offset) + "ULL},");
  table("SkbOutputDesc kSkbOutputs", skb_rows);
  w.line();
  w.line("static const ToolDesc kTool = {");
  w.line("\t.name = " + c_string_literal(opts.tool_name) + ",");
  w.line("\t.source_name = " + c_string_literal(opts.script_name) + ",");
  w.line("\t.probes = kProbes,");
  w.line("\t.nprobes = " + std::to_string(probe_rows.size()) + ",");
  w.line("\t.maps = kMaps,");
  w.line("\t.nmaps = " + std::to_string(map_rows.size()) + ",");
  w.line("\t.formats = kFormats,");
  w.line("\t.nformats = " + std::to_string(format_rows.size()) + ",");
  w.line("\t.format_kinds = kFormatKinds,");
  w.line("\t.print_values = kPrintValues,");
  w.line("\t.nprint_values = " + std::to_string(print_rows.size()) + ",");
  w.line("\t.time_formats = kTimeFormats,");
  w.line("\t.ntime_formats = " + std::to_string(time_rows.size()) + ",");
  w.line("\t.max_positional = " + std::to_string(prog.max_positional) + ",");
  w.line("\t.unsafe = " + std::string(prog.unsafe ? "true" : "false") + ",");
  w.line("\t.print_maps_on_exit = " + std::string(prog.config.print_maps_on_exit ? "true" : "false") + ",");
  w.line("\t.str_trunc_trailer = " + c_string_literal(prog.config.str_trunc_trailer) + ",");
  w.line("\t.stack_mode = " + c_string_literal(prog.config.stack_mode) + ",");
  w.line("\t.missing_probes = " + c_string_literal(prog.config.missing_probes) + ",");
  w.line("\t.has_end_probes = " + std::string(has_end ? "true" : "false") + ",");
  w.line("\t.only_begin_end = " + std::string(only_begin_end ? "true" : "false") + ",");
  w.line("\t.options = kOptions,");
  w.line("\t.noptions = " + std::to_string(option_rows.size()) + ",");
  w.line("\t.join_separators = kJoinSeparators,");
  w.line("\t.njoin_separators = " + std::to_string(join_rows.size()) + ",");
  w.line("\t.error_sites = kErrorSites,");
  w.line("\t.nerror_sites = " + std::to_string(site_rows.size()) + ",");
  w.line("\t.max_record_size = sizeof(union bt_any_record),");
  w.line("\t.helper_uses = kHelperUses,");
  w.line("\t.nhelper_uses = " + std::to_string(helper_rows.size()) + ",");
  w.line("\t.skb_outputs = kSkbOutputs,");
  w.line("\t.nskb_outputs = " + std::to_string(skb_rows.size()) + ",");
  w.line("};");
  w.line();
  w.line("static struct tool_bpf *skel;");
  w.line();
  w.line("static bpf_object *open_skeleton()");
  w.line("{");
  w.line("\tskel = tool_bpf__open();");
  w.line("\treturn skel ? skel->obj : nullptr;");
  w.line("}");
  w.line();
  w.line("static void set_rodata()");
  w.line("{");
  w.line("\tconst RuntimeArgs &args = runtime_args();");
  w.line();
  w.line("\tskel->rodata->bt_start_ns = args.start_boot_ns;");
  w.line("\tskel->rodata->bt_ncpus = args.ncpus;");
  if (uses_tseries) w.line("\tskel->rodata->bt_tai_offset_ns = tai_minus_boot_ns();");
  w.line("\tskel->rodata->bt_child_pid = args.child_pid;");
  w.line("\tskel->rodata->bt_filter_pid = args.filter_pid;");
  w.line("\tskel->rodata->bt_pidns_dev = args.pidns_dev;");
  w.line("\tskel->rodata->bt_pidns_ino = args.pidns_ino;");
  w.line("\tskel->rodata->bt_boot_to_tai_ns = args.boot_to_tai_ns;");
  w.line("\tskel->rodata->bt_perfbuf = args.perfbuf;");
  w.line("\tskel->rodata->bt_num_args = args.argc;");
  for (int i = 1; i <= prog.max_positional; i++)
    w.line("\tskel->rodata->bt_arg_" + std::to_string(i) + " = args.positional_int(" + std::to_string(i) + ");");
  for (int i : prog.string_positionals)
    w.line("\tstrncpy((char *)skel->rodata->bt_str_arg_" + std::to_string(i) + ", args.positional_str(" +
           std::to_string(i) + "), sizeof(skel->rodata->bt_str_arg_" + std::to_string(i) + ") - 1);");
  for (size_t i = 0; i < prog.kaddr_symbols.size(); i++)
    w.line("\tskel->rodata->bt_kaddr_" + std::to_string(i) + " = resolve_kaddr(" +
           c_string_literal(prog.kaddr_symbols[i]) + ");");
  // --- kernel objects, looked up on this host ---
  for (const auto &sym : prog.percpu_symbols)
    w.line("\trequire_percpu_variable(" + c_string_literal(sym.name) + ");");
  for (size_t i = 0; i < prog.cgroupid_sites.size(); i++) {
    const auto &site = prog.cgroupid_sites[i];
    std::string path = site.positional ? "args.positional_str(" + std::to_string(site.positional) + ")"
                                       : c_string_literal(site.path);
    w.line("\tskel->rodata->bt_cgroupid_" + std::to_string(i) + " = resolve_cgroupid(" + path + ");");
  }
  for (size_t i = 0; i < prog.kfunc_queries.size(); i++) {
    const auto &q = prog.kfunc_queries[i];
    std::string call = q.provider.empty()
                           ? "kfunc_exists(" + c_string_literal(q.kfunc) + ")"
                           : "kfunc_allowed(" + c_string_literal(q.kfunc) + ", " + c_string_literal(q.provider) + ")";
    w.line("\tskel->rodata->bt_kfunc_" + std::to_string(i) + " = " + call + ";");
  }
  for (size_t i = 0; i < prog.program_options.size(); i++) {
    std::string id = std::to_string(i);
    if (prog.program_options[i].kind == ProgramOption::String)
      w.line("\tstrncpy((char *)skel->rodata->bt_opt_" + id + ", args.option_str(" + id +
             "), sizeof(skel->rodata->bt_opt_" + id + ") - 1);");
    else
      w.line("\tskel->rodata->bt_opt_" + id + " = args.option_int(" + id + ");");
  }
  for (size_t i = 0; i < prog.uaddr_symbols.size(); i++) {
    const auto &u = prog.uaddr_symbols[i];
    std::string id = std::to_string(i);
    w.line("\tresolve_uaddr(" + c_string_literal(u.binary) + ", " + c_string_literal(u.symbol) + ", " +
           c_string_literal(u.probe_func) + ", &skel->rodata->bt_uaddr_" + id + ", &skel->rodata->bt_uaddr_bias_" +
           id + ");");
  }
  w.line("}");
  w.line();
  w.line("static int load_skeleton()");
  w.line("{");
  w.line("\treturn tool_bpf__load(skel);");
  w.line("}");
  w.line();
  w.line("static void destroy_skeleton()");
  w.line("{");
  w.line("\ttool_bpf__destroy(skel);");
  w.line("}");
  w.line();
  w.line("int main(int argc, char **argv)");
  w.line("{");
  w.line("\tstatic const SkeletonOps ops = {open_skeleton, tool_bpf__elf_bytes, set_rodata, load_skeleton, destroy_skeleton};");
  w.line();
  w.line("\treturn run_tool(kTool, ops, argc, argv);");
  w.line("}");
  return w.str();
}

}  // namespace bt2bin

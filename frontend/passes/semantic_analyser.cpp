// Semantic analysis of a parsed Program (see semantic_analyser.h): the
// entry point and Analyser::run(), which loads the script's C types,
// config, imports, map and fn declarations, walks every fn and probe twice
// (see analyser_internal.h) and fills the CheckedProgram. The checks
// themselves live in analyse_*.cpp, one theme per file.
#include "frontend/passes/semantic_analyser.h"

#include <algorithm>

#include "frontend/c_imports.h"
#include "frontend/passes/analyser_internal.h"

namespace bt2bin {

namespace detail {

std::unique_ptr<CheckedProgram> Analyser::run() {
  shadow_kernel_records();
  std::string types_error;
  if (!script_types_.load(program_.c_definitions, types_error, opts_.kernel_header)) {
    diags_.error(program_.c_definitions.empty() ? Location{} : program_.c_definitions[0].loc,
                 "invalid C definition: " + types_error);
    return nullptr;
  }
  read_config();
  if (!load_c_imports(program_.c_imports, opts_.btf_file, c_functions_, diags_)) return nullptr;
  for (size_t i = 0; i < c_functions_.size(); i++) {
    const CFunction &cf = c_functions_[i];
    if (!c_function_ids_.emplace(cf.name, static_cast<int>(i)).second)
      diags_.error(cf.import_loc, "function '" + cf.name + "' is defined by two imported C files");
  }
  declare_maps();
  declare_functions();
  auto out = std::make_unique<CheckedProgram>();
  out->probes.resize(program_.probes.size());
  for (int walk = 0; walk < 2; walk++) {
    final_walk_ = walk == 1;
    formats_.clear();
    print_values_.clear();
    time_formats_.clear();
    program_options_.clear();
    join_separators_.clear();
    skboutput_sites_.clear();
    keyless_use_.clear();
    keyed_use_.clear();
    for (auto &fi : functions_) check_function(fi);
    for (size_t i = 0; i < program_.probes.size(); i++) {
      out->probes[i].probe = &program_.probes[i];
      program_.probes[i].id = static_cast<int>(i);
      check_probe(program_.probes[i], out->probes[i]);
    }
    if (walk == 0) {
      auto remember = [&](const ProbeInfo &info) {
        auto &types = first_walk_vars_[&info];
        for (auto &v : info.vars) types.push_back(v.type);
      };
      for (auto &fi : functions_) remember(fi.locals);
      for (auto &info : out->probes) remember(info);
    }
  }
  check_no_recursion();
  for (auto &[name, loc] : keyless_use_)
    if (keyed_use_.count(name))
      diags_.error(loc, "map " + name + " is used without a key here, but with a key elsewhere");
  for (auto &[name, m] : maps_)
    if (m.value.is_none() && m.declared)
      diags_.warning(m.first_use, "map " + name + " is declared but never used");
  if (diags_.has_errors()) return nullptr;

  out->program = &program_;
  out->config = config_;
  int id = 0;
  for (auto &[name, m] : maps_) {
    if (m.value.is_none()) continue;
    m.id = id++;
    if (m.bpf_type.empty()) m.bpf_type = m.value.is_aggregation() ? "percpu_hash" : "hash";
    bool bucketed = m.value.kind == TypeKind::Hist || m.value.kind == TypeKind::Lhist;
    if (m.max_entries == 0) m.max_entries = m.is_scalar() && !bucketed ? 1 : config_.max_map_keys;
    if (m.value.kind == TypeKind::Tseries)  // one entry per key and interval
      m.max_entries = (m.is_scalar() ? 1 : m.max_entries) * static_cast<uint64_t>(m.value.agg_args[1]);
    out->map_ids[name] = m.id;
    out->maps.push_back(m);
  }
  for (const auto &m : out->maps) {
    collect_enums(m.key, *out);
    collect_enums(m.value, *out);
  }
  for (const auto &f : formats_)
    for (const auto &a : f.args) collect_enums(a, *out);
  for (const auto &p : print_values_) collect_enums(p.type, *out);
  out->formats = std::move(formats_);
  out->print_values = std::move(print_values_);
  out->time_formats = std::move(time_formats_);
  out->max_positional = max_positional_;
  out->unsafe = opts_.unsafe;
  out->string_positionals = string_positionals_;
  out->kaddr_symbols = kaddr_symbols_;
  out->uaddr_symbols = uaddr_symbols_;
  out->program_options = program_options_;
  out->script_records = script_types_.records();
  out->join_separators = join_separators_;
  out->percpu_symbols = percpu_symbols_;
  out->cgroupid_sites = cgroupid_sites_;
  out->kfunc_queries = kfunc_queries_;
  out->skboutput_sites = skboutput_sites_;
  out->uses_kstack = uses_kstack_;
  out->uses_ustack = uses_ustack_;
  out->uses_elapsed = uses_elapsed_;
  out->uses_ncpus = uses_ncpus_;
  out->uses_cpid = uses_cpid_;
  out->functions = std::move(functions_);
  out->c_functions = c_functions_;
  for (const auto &cf : c_functions_)
    if (std::find(out->c_sources.begin(), out->c_sources.end(), cf.source) == out->c_sources.end())
      out->c_sources.push_back(cf.source);
  for (auto &fi : out->functions) fi.locals.probe = nullptr;
  return out;
}

}  // namespace detail

std::unique_ptr<CheckedProgram> analyse(Program &program, Diagnostics &diags, const SemanticOptions &options) {
  detail::Analyser analyser(program, diags, options);
  return analyser.run();
}

}  // namespace bt2bin

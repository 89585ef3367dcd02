// The script's `config = { ... }` block: bpftrace's config variables, read
// into the Config the backend and the produced tool use. Runs first, before
// any probe is checked (part of the semantic analyser, see analyser_internal.h).
#include <algorithm>
#include <cctype>

#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

void Analyser::read_config() {
  for (auto &item : program_.config) {
    std::string key = item.key;
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    if (key.rfind("bpftrace_", 0) == 0) key = key.substr(9);
    Node *v = item.value.get();
    bool is_int = v && v->kind == NodeKind::Integer;
    bool is_str = v && (v->kind == NodeKind::String || v->kind == NodeKind::Builtin);
    std::string s = v ? (v->kind == NodeKind::String ? v->str : v->name) : "";
    auto need_int = [&](uint64_t &dst) {
      if (!is_int) return error(item.loc, "config '" + item.key + "' needs an integer value");
      dst = v->ival;
    };
    if (key == "max_strlen" || key == "strlen") need_int(config_.max_strlen);
    else if (key == "max_map_keys") need_int(config_.max_map_keys);
    else if (key == "on_stack_limit") need_int(config_.on_stack_limit);
    else if (key == "perf_rb_pages") need_int(config_.perf_rb_pages);
    else if (key == "max_cat_bytes" || key == "cat_bytes_max") need_int(config_.max_cat_bytes);
    else if (key == "max_bpf_progs") need_int(config_.max_bpf_progs);
    else if (key == "max_probes" || key == "log_size") {
      uint64_t ignored;
      need_int(ignored);
    } else if (key == "stack_mode" && is_str) config_.stack_mode = s;
    else if (key == "str_trunc_trailer" && is_str) config_.str_trunc_trailer = s;
    else if (key == "missing_probes" && is_str) config_.missing_probes = s;
    else if (key == "license" && is_str) config_.license = s;
    else if (key == "print_maps_on_exit") {
      if (is_int) config_.print_maps_on_exit = v->ival != 0;
      else if (v && v->kind == NodeKind::Bool) config_.print_maps_on_exit = v->ival != 0;
      else error(item.loc, "config 'print_maps_on_exit' needs true or false");
    } else if (key == "unstable_tseries") {  // enable, warn or error
      if (s != "enable" && s != "warn" && s != "error" && !(is_int && v->ival <= 1))
        error(item.loc, "config 'unstable_tseries' must be enable, warn or error");
      unstable_tseries_ = is_int ? (v->ival ? "enable" : "error") : s;
    } else if (key == "cpp_demangle" || key == "lazy_symbolication" || key == "show_debug_info" ||
               key == "use_blazesym" || key == "cache_user_symbols" ||
               key.rfind("unstable_", 0) == 0) {
      // Accepted; these only tune symbolisation or gate unstable features.
    } else {
      error(item.loc, "unknown config variable '" + item.key + "'");
    }
  }
  if (config_.stack_mode != "bpftrace" && config_.stack_mode != "perf" && config_.stack_mode != "raw")
    error({}, "config 'stack_mode' must be bpftrace, perf or raw");
}

}  // namespace bt2bin::detail

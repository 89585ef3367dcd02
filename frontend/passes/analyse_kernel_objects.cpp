// Functions on kernel objects: percpu_kaddr, cgroupid, cgroup_path, path,
// socket_cookie, skboutput, override, write_user, kfunc_exist/allowed;
// several are helpers the kernel gives only to some program types. Part of
// the semantic analyser (see analyser_internal.h); check_call() in
// analyse_calls.cpp dispatches.
#include <algorithm>

#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

// Returns false when `n` is none of these calls.
bool Analyser::check_kernel_object_call(Node &n) {
  const std::string &f = n.name;
  auto nargs = n.args.size();
  // --- kernel objects (percpu_kaddr, cgroupid, cgroup_path, path,
  // socket_cookie, skboutput, override, write_user, kfunc_exist/allowed) ---
  // Helpers the kernel gives only to some program types: the tool checks
  // and explains them on the target (runtime-template/helper_support.cpp).
  auto restricted = [&] { probe_info_->restricted_calls.insert(f); };
  auto only_in = [&](const std::set<std::string> &providers, const std::string &what) {
    for (const auto &ap : probe_->attach_points)
      if (!providers.count(ap.provider)) {
        error(n.loc, f + "() can only be used in " + what + " probes, not in " + ap.provider + " probes");
        return false;
      }
    return true;
  };
  auto want_string_literal = [&](size_t i, const std::string &what) {
    if (n.args[i]->kind == NodeKind::String) return true;
    error(n.args[i]->loc, f + "() needs " + what + " as a string literal");
    return false;
  };
  auto is_struct_pointer = [](const Type &t, const std::string &name) {
    return t.kind == TypeKind::Pointer && t.elem && t.elem->kind == TypeKind::Struct && t.elem->name == name;
  };
  if (f == "percpu_kaddr") {
    n.type = make_int(8, false);
    if (!want_args(n, 1, 2) || !want_string_literal(0, "the variable name")) return true;
    if (nargs == 2) {
      check_expr(*n.args[1]);
      if (!n.args[1]->type.is_integer()) error(n.args[1]->loc, "percpu_kaddr() cpu must be an integer");
    }
    // The type comes from the build host's BTF (as bpftrace checks it at
    // compile time); the address is resolved by libbpf on the target.
    auto var = btf_.variable_type(n.args[0]->str);
    if (!var) {
      error(n.args[0]->loc, "Could not resolve variable \"" + n.args[0]->str + "\" from BTF");
      return true;
    }
    PercpuSymbol sym{n.args[0]->str, BtfTypes::c_declaration(*var, n.args[0]->str)};
    auto it = std::find(percpu_symbols_.begin(), percpu_symbols_.end(), sym);
    n.id = static_cast<int>(it - percpu_symbols_.begin());
    if (it == percpu_symbols_.end()) percpu_symbols_.push_back(sym);
    return true;
  }
  if (f == "cgroupid") {
    n.type = make_int(8, false);
    if (!want_args(n, 1, 1)) return true;
    // bpftrace resolves the path at compile time; a shipped tool resolves
    // it on the target when it starts (rodata).
    CgroupIdSite site;
    Node &a = *n.args[0];
    if (a.kind == NodeKind::String) {
      site.path = a.str;
    } else if (a.kind == NodeKind::Call && a.name == "str" && a.args.size() == 1 &&
               a.args[0]->kind == NodeKind::Positional && a.args[0]->name != "#") {
      site.positional = static_cast<int>(a.args[0]->ival);
      max_positional_ = std::max(max_positional_, site.positional);
    } else {
      error(a.loc, "cgroupid() needs a cgroup path as a string literal or str($N)");
      return true;
    }
    auto it = std::find(cgroupid_sites_.begin(), cgroupid_sites_.end(), site);
    n.id = static_cast<int>(it - cgroupid_sites_.begin());
    if (it == cgroupid_sites_.end()) cgroupid_sites_.push_back(site);
    return true;
  }
  if (f == "cgroup_path") {
    n.type = make_simple(TypeKind::CgroupPath, 8);
    n.type.name = "*";  // the hierarchy filter: printed paths are resolved in userspace
    if (!want_args(n, 1, 2)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.args[0]->loc, "cgroup_path() needs a cgroup id (an integer)");
    if (nargs == 2 && want_string_literal(1, "the hierarchy filter")) n.type.name = n.args[1]->str;
    return true;
  }
  if (f == "path") {
    if (!want_args(n, 1, 2)) return true;
    check_expr(*n.args[0]);
    uint64_t size = config_.max_strlen;
    if (nargs == 2) {
      if (n.args[1]->kind != NodeKind::Integer) error(n.args[1]->loc, "path(): invalid size value, need a non-negative literal");
      else size = std::min<uint64_t>(size, n.args[1]->ival);
    }
    n.type = make_string(static_cast<uint32_t>(std::max<uint64_t>(size, 1)));
    const Type &t = n.args[0]->type;
    bool ok = is_struct_pointer(t, "struct path") || (t.kind == TypeKind::Struct && t.name == "struct path" &&
                                                      n.args[0]->kind == NodeKind::Field);
    if (!ok) error(n.args[0]->loc, "path() needs a 'struct path *' or a 'struct path' field, not '" + t.to_string() + "'");
    if (only_in({"fentry", "fexit", "iter"}, "'fentry', 'fexit' and 'iter'")) restricted();
    return true;
  }
  if (f == "socket_cookie") {
    n.type = make_int(8, false);
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    const Type &t = n.args[0]->type;
    if (!is_struct_pointer(t, "struct sock"))
      error(n.args[0]->loc, "socket_cookie() only supports 'struct sock *' as the argument ('" + t.to_string() +
                                "' provided)");
    // bpf_get_socket_cookie() takes a BTF socket pointer only in tracing programs.
    if (only_in({"fentry", "fexit", "iter"}, "'fentry', 'fexit' and 'iter'")) restricted();
    return true;
  }
  if (f == "skboutput") {
    n.type = make_int(4, false);
    if (!want_args(n, 4, 4)) return true;
    bool file_ok = want_string_literal(0, "the pcap file name");
    for (size_t i = 1; i < 4; i++) check_expr(*n.args[i]);
    if (!is_struct_pointer(n.args[1]->type, "struct sk_buff"))
      error(n.args[1]->loc, "skboutput() needs a 'struct sk_buff *', not '" + n.args[1]->type.to_string() + "'");
    if (!n.args[2]->type.is_integer()) error(n.args[2]->loc, "skboutput() capture length must be an integer");
    if (n.args[3]->kind != NodeKind::Integer) error(n.args[3]->loc, "skboutput() offset must be an integer literal");
    if (only_in({"fentry", "fexit"}, "'fentry' and 'fexit'")) restricted();
    if (final_walk_ && file_ok && n.args[3]->kind == NodeKind::Integer) {
      n.id = static_cast<int>(skboutput_sites_.size());
      skboutput_sites_.push_back({n.args[0]->str, n.args[3]->ival});
    }
    return true;
  }
  if (f == "override") {
    if (!opts_.unsafe) error(n.loc, "override() is an unsafe function: compile with --unsafe to allow it");
    if (!want_args(n, 1, 1)) return true;
    check_expr(*n.args[0]);
    if (!n.args[0]->type.is_integer()) error(n.args[0]->loc, "override() needs an integer return value");
    if (only_in({"kprobe"}, "'kprobe'")) restricted();
    return true;
  }
  if (f == "write_user") {
    n.type = make_int(8, true);
    if (!opts_.unsafe) error(n.loc, "write_user() is an unsafe function: compile with --unsafe to allow it");
    if (!want_args(n, 3, 3)) return true;
    for (auto &a : n.args) check_expr(*a);
    const Type &dst = n.args[0]->type, &src = n.args[1]->type, &len = n.args[2]->type;
    if (!dst.is_integer() && dst.kind != TypeKind::Pointer)
      error(n.args[0]->loc, "write_user() destination must be a user address (a pointer or an integer)");
    bool memory = src.kind == TypeKind::String || src.kind == TypeKind::Array || src.kind == TypeKind::Buffer;
    if (!memory && !src.is_integer())
      error(n.args[1]->loc, "write_user() source must be a string, an array, a buffer or an integer, not '" +
                                src.to_string() + "'");
    uint32_t src_size = src.kind == TypeKind::Buffer ? src.size - 4 : src.is_integer() ? 8 : src.size;
    if (!len.is_integer()) error(n.args[2]->loc, "write_user() length must be an integer");
    else if (n.args[2]->kind == NodeKind::Integer && (n.args[2]->ival == 0 || n.args[2]->ival > src_size))
      error(n.args[2]->loc, "write_user() length must be between 1 and the source size (" + std::to_string(src_size) +
                                " bytes)");
    restricted();  // the kernel may forbid it (lockdown)
    return true;
  }
  if (f == "kfunc_exist" || f == "kfunc_allowed") {
    n.type = make_bool();
    if (!want_args(n, 1, 1) || !want_string_literal(0, "the kernel function name")) return true;
    // bpftrace folds these at compile time on the host it runs on; for a
    // shipped tool that host is the target, so the tool asks the running
    // kernel's BTF (and, for kfunc_allowed, its verifier, for this probe's
    // program type) when it starts: rodata booleans.
    KfuncQuery q{n.args[0]->str, f == "kfunc_allowed" ? provider_ : ""};
    auto it = std::find(kfunc_queries_.begin(), kfunc_queries_.end(), q);
    n.id = static_cast<int>(it - kfunc_queries_.begin());
    if (it == kfunc_queries_.end()) kfunc_queries_.push_back(q);
    return true;
  }
  return false;
}

}  // namespace bt2bin::detail

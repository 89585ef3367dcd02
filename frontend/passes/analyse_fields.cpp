// Field access `x.f` / `p->f`: record fields, the probe's `args` (which
// must agree across its attach points), struct values, and kernel or
// script structs through BTF (bitfields included). Part of the semantic
// analyser (see analyser_internal.h).
#include "frontend/passes/analyser_internal.h"

namespace bt2bin::detail {

// `args.NAME` where the attach point has no such argument. Tracepoints use
// bpftrace's wording (its struct for event CAT:EV is `_tracepoint_CAT_EV`).
static std::string missing_arg_message(const AttachPoint &ap, const std::string &field) {
  if (ap.provider == "tracepoint")
    return "Struct/union of type 'struct _tracepoint_" + ap.target + "_" + ap.func +
           "' does not contain a field named '" + field + "'";
  return "'" + field + "' is not an argument of " + ap.name();
}

void Analyser::check_field(Node &n) {
  check_expr(*n.lhs);
  Type t = n.lhs->type;
  if (t.kind == TypeKind::Record) {
    for (auto &f : t.fields)
      if (f.name == n.name) {
        n.type = *f.type;
        return;
      }
    error(n.loc, "record has no field named '" + n.name + "'");
    n.type = make_int(8, true);
    return;
  }
  if (t.kind == TypeKind::Struct && t.name == "args") {
    if (!probe_info_->args_loaded) {
      if (!untyped_args_probes_.count(probe_)) error(n.loc, "args is not available for this probe");
      n.type = make_int(8, true);
      return;
    }
    const FieldInfo *first = nullptr;
    for (auto &f : probe_info_->args.fields)
      if (f.name == n.name) first = &f;
    for (size_t i = 1; i < probe_info_->ap_args.size(); i++) {
      const FieldInfo *other = nullptr;
      for (auto &g : probe_info_->ap_args[i].fields)
        if (g.name == n.name) other = &g;
      if (!other) error(n.loc, missing_arg_message(probe_->attach_points[i], n.name));
      else if (first && (other->type.kind != first->type.kind || other->data_loc != first->data_loc))
        error(n.loc, "args." + n.name + " has different types in " + probe_->attach_points[0].name() + " and " +
                         probe_->attach_points[i].name());
    }
    for (auto &f : probe_info_->args.fields)
      if (f.name == n.name) {
        n.type = f.type;
        if (f.data_loc) n.type = make_string(static_cast<uint32_t>(config_.max_strlen));
        n.ival = f.data_loc ? 2 : n.ival;
        return;
      }
    error(n.loc, missing_arg_message(probe_->attach_points[0], n.name));
    n.type = make_int(8, true);
    return;
  }
  if (t.is_struct_value()) {
    for (auto &f : t.fields)
      if (f.name == n.name) {
        n.type = *f.type;
        return;
      }
  }
  if (t.kind == TypeKind::Pointer && t.elem) t = *t.elem;
  if (t.kind != TypeKind::Struct) {
    error(n.loc, "field access needs a struct, a record or a pointer to a struct, not '" +
                     n.lhs->type.to_string() + "'");
    n.type = make_int(8, true);
    return;
  }
  auto fi = btf_for(t).field(t, n.name);
  if (!fi) {
    error(n.loc, "'" + t.to_string() + "' has no field named '" + n.name + "'");
    n.type = make_int(8, true);
    return;
  }
  n.type = fi->type;
  if (fi->bit_size) {
    n.type = make_int(8, false);
    n.bitfield = {fi->bit_offset, fi->bit_size};
  }
}

}  // namespace bt2bin::detail

// BTF and tracefs type information for the type checker (see btf_types.h).
//
// Structure: loading and the name index (Impl), BTF type -> Type, C type
// strings -> Type (resolve and format files), record fields, enums,
// tracepoint args (format file / BTF trace_event_raw_*), fentry and raw
// tracepoint args, and the C spelling of a Type.
#include "frontend/btf_types.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string_view>
#include <unordered_map>

namespace bt2bin {

namespace {

using NameMap = std::unordered_map<std::string_view, uint32_t>;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool is_number(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

Type make_array(Type elem, uint64_t count) {
  Type t = make_simple(TypeKind::Array, static_cast<uint32_t>(elem.size * count));
  t.count = count;
  t.elem = std::make_shared<Type>(std::move(elem));
  return t;
}

// bpftrace converts arrays of 1-byte integers to strings.
Type array_or_string(Type elem, uint64_t count) {
  if (elem.kind == TypeKind::Int && elem.size == 1) return make_string(static_cast<uint32_t>(count));
  return make_array(std::move(elem), count);
}

// Pointers to void and to functions have an elem of kind None.
Type pointer_to(Type elem, bool user_space) {
  if (elem.kind == TypeKind::Void) elem = Type{};
  return make_pointer(std::move(elem), user_space);
}

void mark_user_space(Type &t) {
  if (t.kind != TypeKind::Pointer) return;
  t.user_space = true;
  if (t.elem && t.elem->kind == TypeKind::Pointer) {
    auto elem = std::make_shared<Type>(*t.elem);
    mark_user_space(*elem);
    t.elem = elem;
  }
}

// Builtin scalar names, used when BTF lacks them (or is not available).
std::optional<Type> builtin_scalar(const std::string &n) {
  static const std::unordered_map<std::string, Type> table = {
      {"int8", make_int(1, true)},      {"int16", make_int(2, true)},     {"int32", make_int(4, true)},
      {"int64", make_int(8, true)},     {"uint8", make_int(1, false)},    {"uint16", make_int(2, false)},
      {"uint32", make_int(4, false)},   {"uint64", make_int(8, false)},   {"bool", make_bool()},
      {"_Bool", make_bool()},           {"u8", make_int(1, false)},       {"u16", make_int(2, false)},
      {"u32", make_int(4, false)},      {"u64", make_int(8, false)},      {"s8", make_int(1, true)},
      {"s16", make_int(2, true)},       {"s32", make_int(4, true)},       {"s64", make_int(8, true)},
      {"__u8", make_int(1, false)},     {"__u16", make_int(2, false)},    {"__u32", make_int(4, false)},
      {"__u64", make_int(8, false)},    {"__s8", make_int(1, true)},      {"__s16", make_int(2, true)},
      {"__s32", make_int(4, true)},     {"__s64", make_int(8, true)},     {"uint8_t", make_int(1, false)},
      {"uint16_t", make_int(2, false)}, {"uint32_t", make_int(4, false)}, {"uint64_t", make_int(8, false)},
      {"int8_t", make_int(1, true)},    {"int16_t", make_int(2, true)},   {"int32_t", make_int(4, true)},
      {"int64_t", make_int(8, true)},   {"size_t", make_int(8, false)},   {"ssize_t", make_int(8, true)},
      {"pid_t", make_int(4, true)},     {"uid_t", make_int(4, false)},    {"gid_t", make_int(4, false)},
      {"umode_t", make_int(2, false)},  {"loff_t", make_int(8, true)},    {"dev_t", make_int(4, false)},
      {"void", make_void()},
  };
  auto it = table.find(n);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

// A C type string split into its parts: "const struct file *" ->
// words {struct, file}, pointers 1; "char[16]" -> words {char}, dims {16}.
struct CTypeSpec {
  std::vector<std::string> words;
  int pointers = 0;
  std::vector<std::string> dims;
  bool user = false;
};

bool is_qualifier(const std::string &w) {
  static const char *const quals[] = {"const",  "volatile", "restrict", "__restrict", "__restrict__",
                                      "__iomem", "__rcu",   "__percpu", "__force",    "__kernel"};
  for (auto q : quals)
    if (w == q) return true;
  return false;
}

std::optional<CTypeSpec> split_c_type(const std::string &s) {
  CTypeSpec spec;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      i++;
    } else if (c == '*') {
      if (!spec.dims.empty()) return std::nullopt;
      spec.pointers++;
      i++;
    } else if (c == '[') {
      size_t e = s.find(']', i);
      if (e == std::string::npos) return std::nullopt;
      spec.dims.push_back(trim(std::string_view(s).substr(i + 1, e - i - 1)));
      i = e + 1;
    } else if (is_ident_char(c)) {
      size_t b = i;
      while (i < s.size() && is_ident_char(s[i])) i++;
      std::string w = s.substr(b, i - b);
      if (w == "__user") {
        spec.user = true;
      } else if (!is_qualifier(w)) {
        if (spec.pointers || !spec.dims.empty()) return std::nullopt;  // a declarator name
        spec.words.push_back(std::move(w));
      }
    } else {
      return std::nullopt;
    }
  }
  if (spec.words.empty()) return std::nullopt;
  return spec;
}

// "unsigned long", "short int", "char": size, signedness; nullopt if not
// made of C integer keywords only.
struct CIntWords {
  uint32_t size;
  bool is_signed;
  bool is_bool;
  bool plain_char;
};

std::optional<CIntWords> c_int_words(const std::vector<std::string> &words) {
  int longs = 0;
  bool is_unsigned = false, is_signed = false, is_short = false, is_char = false, is_int = false,
       is_bool = false;
  for (auto &w : words) {
    if (w == "long") longs++;
    else if (w == "unsigned") is_unsigned = true;
    else if (w == "signed") is_signed = true;
    else if (w == "short") is_short = true;
    else if (w == "char") is_char = true;
    else if (w == "int") is_int = true;
    else if (w == "_Bool") is_bool = true;
    else return std::nullopt;
  }
  (void)is_int;
  if (is_bool) return CIntWords{1, false, true, false};
  uint32_t size = is_char ? 1 : is_short ? 2 : longs ? 8 : 4;
  return CIntWords{size, !is_unsigned, false, is_char && !is_unsigned && !is_signed};
}

// Anonymous BTF records ("struct __anon_42") have no C spelling: a
// generated struct holds them as bytes, and pointers to them as void *.
bool is_anon_record(const Type &t) {
  return t.kind == TypeKind::Struct && t.name.find(" __anon_") != std::string::npos;
}

Type spellable(const Type &t) {
  if (is_anon_record(t)) return make_array(make_int(1, false), t.size);
  if (t.kind == TypeKind::Pointer && t.elem) {
    Type elem = spellable(*t.elem);
    if (is_anon_record(*t.elem)) elem = Type{};
    return pointer_to(std::move(elem), t.user_space);
  }
  if (t.kind == TypeKind::Array && t.elem) return make_array(spellable(*t.elem), t.count);
  return t;
}

std::string sanitize_ident(const std::string &s) {
  std::string out = s;
  for (auto &c : out)
    if (!is_ident_char(c)) c = '_';
  return out;
}

// One `field:` line of a tracefs format file.
struct FormatField {
  std::string type;  // "const char *", "__data_loc char[]", "char"
  std::string name;  // "filename"
  std::string dims;  // "[16]" or ""
  uint32_t offset = 0;
  uint32_t size = 0;
  bool is_signed = false;
};

std::optional<uint32_t> format_number(const std::string &line, const char *key) {
  size_t p = line.find(key);
  if (p == std::string::npos) return std::nullopt;
  p += std::strlen(key);
  size_t e = line.find(';', p);
  std::string v = trim(std::string_view(line).substr(p, e == std::string::npos ? e : e - p));
  if (!is_number(v)) return std::nullopt;
  return static_cast<uint32_t>(std::stoul(v));
}

// Splits "const char * filename" / "char prev_comm[16]" / "__data_loc char[] name".
bool split_declaration(const std::string &decl, FormatField &f) {
  std::string d = trim(decl);
  while (!d.empty() && d.back() == ']') {
    size_t open = d.rfind('[');
    if (open == std::string::npos) return false;
    f.dims = d.substr(open) + f.dims;
    d = trim(std::string_view(d).substr(0, open));
  }
  size_t e = d.size();
  size_t b = e;
  while (b > 0 && is_ident_char(d[b - 1])) b--;
  if (b == e) return false;
  f.name = d.substr(b);
  f.type = trim(std::string_view(d).substr(0, b));
  return !f.type.empty();
}

std::optional<FormatField> parse_format_line(const std::string &line) {
  size_t p = line.find("field:");
  if (p == std::string::npos) return std::nullopt;
  p += 6;
  size_t semi = line.find(';', p);
  if (semi == std::string::npos) return std::nullopt;
  FormatField f;
  if (!split_declaration(line.substr(p, semi - p), f)) return std::nullopt;
  std::string rest = line.substr(semi);
  auto off = format_number(rest, "offset:");
  auto size = format_number(rest, "size:");
  if (!off || !size) return std::nullopt;
  f.offset = *off;
  f.size = *size;
  auto sgn = format_number(rest, "signed:");
  f.is_signed = sgn && *sgn;
  return f;
}

// bpftrace's adjustment of integer fields stored in 8 bytes (syscall args).
std::string adjust_integer_type(const std::string &type, uint32_t size) {
  if (size != 8) return type;
  if (type == "int") return "s64";
  if (type == "unsigned int" || type == "unsigned" || type == "u32" || type == "pid_t" ||
      type == "uid_t" || type == "gid_t")
    return "u64";
  return type;
}

const char *const kCommonBtfNames[][2] = {
    {"type", "common_type"}, {"flags", "common_flags"}, {"preempt_count", "common_preempt_count"},
    {"pid", "common_pid"}};

std::string common_name_for(const std::string &btf_member) {
  for (auto &p : kCommonBtfNames)
    if (btf_member == p[0]) return p[1];
  return "common_" + btf_member;
}

}  // namespace

// ------------------------------------------------------------ loading ----

struct BtfTypes::Impl {
  std::string path;
  std::string anon_prefix = "__anon_";
  std::string tracefs_root;
  bool tried = false;
  std::string error;
  struct btf *btf = nullptr;
  double load_ms = 0, index_ms = 0;

  // Name indexes; keys point into the BTF string section.
  NameMap structs, unions, fwd_structs, fwd_unions, enums, typedefs, ints;
  NameMap funcs;
  bool funcs_indexed = false;
  int func_lookups = 0;
  std::unordered_map<std::string_view, int64_t> enumerators;
  std::unordered_map<std::string_view, std::string_view> enumerator_types;  // constant -> enum name
  bool enumerators_indexed = false;
  std::unordered_map<std::string, std::vector<std::string_view>> classes_by_proto;
  bool classes_indexed = false;

  ~Impl() { btf__free(btf); }

  bool load();
  void build_index();
  const NameMap &function_index();
  void index_enumerators();
  void index_classes();
  std::string proto_signature(uint32_t proto) const;
  std::optional<uint32_t> find_func(const std::string &n);
  std::optional<uint32_t> find(const NameMap &m, std::string_view n) const {
    auto it = m.find(n);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
  const btf_type *type(uint32_t id) const { return btf__type_by_id(btf, id); }
  std::string_view name(const btf_type *t) const { return btf__name_by_offset(btf, t->name_off); }

  // Types and fields.
  uint32_t skip_modifiers(uint32_t id, bool *user_tag) const;
  Type type_of(uint32_t id) const;
  Type record_type(uint32_t id, const btf_type *t) const;
  std::optional<uint32_t> record_id(const Type &record) const;
  std::optional<Type> resolve_words(const CTypeSpec &spec) const;
  std::optional<Type> resolve(const std::string &name) const;
  bool find_member(uint32_t rec, const std::string &name, uint32_t base_bits, FieldInfo &out) const;
  void collect_members(uint32_t rec, uint32_t base_bits, std::vector<FieldInfo> &out) const;
  FieldInfo member_info(const std::string &name, uint32_t type_id, uint32_t bits, uint32_t bitfield) const;

  // Tracepoints.
  bool read_format(const std::string &cat, const std::string &event, std::vector<FormatField> &fields,
                   std::string &error) const;
  std::optional<ArgsInfo> args_from_format(const std::string &cat, const std::string &event,
                                           const std::vector<FormatField> &fields, std::string &error) const;
  Type format_field_type(const FormatField &f) const;
  std::optional<ArgsInfo> args_from_btf_struct(uint32_t id, const std::string &struct_name) const;
  bool btf_struct_matches(uint32_t id, const std::vector<FormatField> &fields) const;
  std::optional<uint32_t> tracepoint_struct(const std::string &event, const std::vector<FormatField> *fields);

  // fentry/fexit and raw tracepoints.
  std::optional<ArgsInfo> args_from_proto(uint32_t proto, bool skip_first, std::string &error) const;
};

bool BtfTypes::Impl::load() {
  if (tried) return btf != nullptr;
  tried = true;
  auto start = std::chrono::steady_clock::now();
  if (access(path.c_str(), R_OK) != 0) {
    error = "cannot read BTF file " + path + ": " + std::strerror(errno);
    return false;
  }
  // libbpf reports parse failures on stderr; our caller reports them instead.
  libbpf_print_fn_t old_print = libbpf_set_print(nullptr);
  struct btf *b = btf__parse(path.c_str(), nullptr);
  long err = b ? 0 : -errno;
  libbpf_set_print(old_print);
  if (!b) {
    char msg[128] = "";
    libbpf_strerror(static_cast<int>(err), msg, sizeof(msg));
    error = "cannot load BTF from " + path + " (a raw BTF file or an ELF file with .BTF): " + msg;
    return false;
  }
  btf = b;
  load_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  build_index();
  index_ms = ms_since(start);
  return true;
}

// Name indexes, each built by one pass over all types on first use (the
// first complete definition of a name wins): types (structs, unions,
// enums, typedefs, ints) and functions separately, as vmlinux has far more
// functions than named types and most scripts need no function.
void BtfTypes::Impl::build_index() {
  uint32_t n = btf__type_cnt(btf);
  structs.reserve(n / 8);
  typedefs.reserve(n / 16);
  for (uint32_t id = 1; id < n; id++) {
    const btf_type *t = type(id);
    if (!t->name_off) continue;
    switch (btf_kind(t)) {
      case BTF_KIND_STRUCT: structs.emplace(name(t), id); break;
      case BTF_KIND_UNION: unions.emplace(name(t), id); break;
      case BTF_KIND_FWD: (btf_kflag(t) ? fwd_unions : fwd_structs).emplace(name(t), id); break;
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: enums.emplace(name(t), id); break;
      case BTF_KIND_TYPEDEF: typedefs.emplace(name(t), id); break;
      case BTF_KIND_INT: ints.emplace(name(t), id); break;
      default: break;
    }
  }
}

const NameMap &BtfTypes::Impl::function_index() {
  if (funcs_indexed) return funcs;
  funcs_indexed = true;
  uint32_t n = btf__type_cnt(btf);
  funcs.reserve(n / 2);
  for (uint32_t id = 1; id < n; id++) {
    const btf_type *t = type(id);
    if (btf_is_func(t) && t->name_off) funcs.emplace(name(t), id);
  }
  return funcs;
}

// A few function lookups scan BTF (about 1 ms each); more build the index.
std::optional<uint32_t> BtfTypes::Impl::find_func(const std::string &n) {
  if (funcs_indexed || ++func_lookups > 8) return find(function_index(), n);
  int id = btf__find_by_name_kind(btf, n.c_str(), BTF_KIND_FUNC);
  if (id <= 0) return std::nullopt;
  return static_cast<uint32_t>(id);
}

void BtfTypes::Impl::index_enumerators() {
  if (enumerators_indexed) return;
  enumerators_indexed = true;
  uint32_t n = btf__type_cnt(btf);
  for (uint32_t id = 1; id < n; id++) {
    const btf_type *t = type(id);
    if (btf_is_enum(t)) {
      const struct btf_enum *e = btf_enum(t);
      for (uint16_t i = 0; i < btf_vlen(t); i++) {
        int64_t v = btf_kflag(t) ? int64_t(e[i].val) : int64_t(uint32_t(e[i].val));
        enumerators.emplace(btf__name_by_offset(btf, e[i].name_off), v);
        enumerator_types.emplace(btf__name_by_offset(btf, e[i].name_off), name(t));
      }
    } else if (btf_is_enum64(t)) {
      const struct btf_enum64 *e = btf_enum64(t);
      for (uint16_t i = 0; i < btf_vlen(t); i++) {
        enumerators.emplace(btf__name_by_offset(btf, e[i].name_off), int64_t(btf_enum64_value(&e[i])));
        enumerator_types.emplace(btf__name_by_offset(btf, e[i].name_off), name(t));
      }
    }
  }
}

// Parameter and return type ids of a FUNC_PROTO, without parameter names:
// a DEFINE_EVENT may name its parameters differently from its class.
std::string BtfTypes::Impl::proto_signature(uint32_t proto) const {
  const btf_type *t = type(proto);
  if (!t || !btf_is_func_proto(t)) return "";
  std::string sig = std::to_string(t->type);
  const btf_param *p = btf_params(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++) sig += "," + std::to_string(p[i].type);
  return sig;
}

// Tracepoint classes by the signature of their probe function
// (__bpf_trace_<class>); __probestub_<event> has the same signature.
void BtfTypes::Impl::index_classes() {
  if (classes_indexed) return;
  classes_indexed = true;
  constexpr std::string_view prefix = "__bpf_trace_";
  uint32_t n = btf__type_cnt(btf);
  for (uint32_t id = 1; id < n; id++) {
    const btf_type *t = type(id);
    if (!btf_is_func(t)) continue;
    std::string_view nm = name(t);
    if (starts_with(nm, prefix)) classes_by_proto[proto_signature(t->type)].push_back(nm.substr(prefix.size()));
  }
}

// ------------------------------------------------------ BTF -> Type ----

// Skips typedefs and qualifiers; a `user` type tag sets *user_tag.
uint32_t BtfTypes::Impl::skip_modifiers(uint32_t id, bool *user_tag) const {
  for (int depth = 0; depth < 64 && id; depth++) {
    const btf_type *t = type(id);
    if (!t) return 0;
    if (btf_is_type_tag(t)) {
      if (user_tag && name(t) == "user") *user_tag = true;
    } else if (!btf_is_mod(t) && !btf_is_typedef(t)) {
      return id;
    }
    id = t->type;
  }
  return id;
}

Type BtfTypes::Impl::record_type(uint32_t id, const btf_type *t) const {
  std::string_view nm = name(t);
  bool is_union = btf_is_union(t) || (btf_is_fwd(t) && btf_kflag(t));
  Type r = make_simple(TypeKind::Struct, btf_is_fwd(t) ? 0 : t->size);
  r.name = std::string(is_union ? "union " : "struct ") +
           (nm.empty() ? anon_prefix + std::to_string(id) : std::string(nm));
  return r;
}

Type BtfTypes::Impl::type_of(uint32_t id) const {
  id = skip_modifiers(id, nullptr);
  const btf_type *t = id ? type(id) : nullptr;
  if (!t) return make_void();
  switch (btf_kind(t)) {
    case BTF_KIND_INT:
      if (btf_int_encoding(t) & BTF_INT_BOOL) return make_bool();
      return make_int(t->size, btf_int_encoding(t) & BTF_INT_SIGNED);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: {
      if (!t->name_off) return make_int(t->size, btf_kflag(t));
      Type e = make_simple(TypeKind::Enum, t->size);
      e.name = std::string(name(t));
      e.is_signed = btf_kflag(t);
      return e;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_FWD:
      return record_type(id, t);
    case BTF_KIND_PTR: {
      bool user = false;
      uint32_t target = skip_modifiers(t->type, &user);
      const btf_type *pt = target ? type(target) : nullptr;
      if (!pt || btf_is_func_proto(pt)) return pointer_to(Type{}, user);
      return pointer_to(type_of(target), user);
    }
    case BTF_KIND_ARRAY: {
      const struct btf_array *a = btf_array(t);
      return array_or_string(type_of(a->type), a->nelems);
    }
    default:
      return make_simple(TypeKind::None, t->size);  // float, func proto
  }
}

std::optional<uint32_t> BtfTypes::Impl::record_id(const Type &record) const {
  if (record.kind != TypeKind::Struct) return std::nullopt;
  std::string_view nm = record.name;
  bool is_union = starts_with(nm, "union ");
  if (!is_union && !starts_with(nm, "struct ")) return std::nullopt;
  nm.remove_prefix(is_union ? 6 : 7);
  if (auto id = find(is_union ? unions : structs, nm)) return id;
  if (starts_with(nm, anon_prefix) && is_number(nm.substr(anon_prefix.size()))) {
    uint32_t id = static_cast<uint32_t>(std::stoul(std::string(nm.substr(anon_prefix.size()))));
    const btf_type *t = id < btf__type_cnt(btf) ? type(id) : nullptr;
    if (t && btf_is_composite(t) && btf_is_union(t) == is_union) return id;
  }
  return std::nullopt;
}

// ------------------------------------------------ C type string -> Type ----

std::optional<Type> BtfTypes::Impl::resolve_words(const CTypeSpec &spec) const {
  const auto &w = spec.words;
  if (w[0] == "struct" || w[0] == "union" || w[0] == "enum") {
    if (w.size() != 2) return std::nullopt;
    if (!btf) return std::nullopt;
    std::optional<uint32_t> id;
    if (w[0] == "struct") id = find(structs, w[1]) ? find(structs, w[1]) : find(fwd_structs, w[1]);
    else if (w[0] == "union") id = find(unions, w[1]) ? find(unions, w[1]) : find(fwd_unions, w[1]);
    else id = find(enums, w[1]);
    if (!id) return std::nullopt;
    return type_of(*id);
  }
  if (auto ci = c_int_words(w)) {
    if (ci->is_bool) return make_bool();
    if (ci->plain_char && btf)
      if (auto id = find(ints, "char")) return type_of(*id);
    return make_int(ci->size, ci->is_signed);
  }
  if (w.size() != 1) return std::nullopt;
  static const char *const script_ints[] = {"int8",  "int16",  "int32",  "int64", "uint8",
                                            "uint16", "uint32", "uint64", "bool"};
  for (auto s : script_ints)
    if (w[0] == s) return builtin_scalar(w[0]);
  if (btf) {
    if (auto id = find(typedefs, w[0])) return type_of(*id);
    if (auto id = find(ints, w[0])) return type_of(*id);
  }
  return builtin_scalar(w[0]);
}

std::optional<Type> BtfTypes::Impl::resolve(const std::string &type_name) const {
  auto spec = split_c_type(type_name);
  if (!spec) return std::nullopt;
  auto base = resolve_words(*spec);
  if (!base) return std::nullopt;
  Type t = *base;
  for (int i = 0; i < spec->pointers; i++) t = pointer_to(std::move(t), spec->user);
  for (size_t i = spec->dims.size(); i-- > 0;) {
    if (!is_number(spec->dims[i])) return std::nullopt;
    t = array_or_string(std::move(t), std::stoull(spec->dims[i]));
  }
  return t;
}

// ------------------------------------------------------------- fields ----

FieldInfo BtfTypes::Impl::member_info(const std::string &nm, uint32_t type_id, uint32_t bits,
                                      uint32_t bitfield) const {
  FieldInfo f;
  f.name = nm;
  f.c_name = nm;
  f.type = type_of(type_id);
  f.bit_offset = bits;
  f.offset = bits / 8;
  f.bit_size = bitfield;
  return f;
}

bool BtfTypes::Impl::find_member(uint32_t rec, const std::string &nm, uint32_t base_bits,
                                 FieldInfo &out) const {
  const btf_type *t = type(rec);
  if (!t || !btf_is_composite(t)) return false;
  const btf_member *m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++) {
    uint32_t bits = base_bits + btf_member_bit_offset(t, i);
    if (m[i].name_off) {
      if (btf__name_by_offset(btf, m[i].name_off) == nm) {
        out = member_info(nm, m[i].type, bits, btf_member_bitfield_size(t, i));
        return true;
      }
      continue;
    }
    uint32_t inner = skip_modifiers(m[i].type, nullptr);
    if (find_member(inner, nm, bits, out)) return true;
  }
  return false;
}

void BtfTypes::Impl::collect_members(uint32_t rec, uint32_t base_bits, std::vector<FieldInfo> &out) const {
  const btf_type *t = type(rec);
  if (!t || !btf_is_composite(t)) return;
  const btf_member *m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++) {
    uint32_t bits = base_bits + btf_member_bit_offset(t, i);
    if (m[i].name_off)
      out.push_back(member_info(btf__name_by_offset(btf, m[i].name_off), m[i].type, bits,
                                btf_member_bitfield_size(t, i)));
    else
      collect_members(skip_modifiers(m[i].type, nullptr), bits, out);
  }
}

// ------------------------------------------------------- tracepoints ----

bool BtfTypes::Impl::read_format(const std::string &cat, const std::string &event,
                                 std::vector<FormatField> &fields, std::string &error) const {
  std::vector<std::string> roots;
  if (!tracefs_root.empty()) roots = {tracefs_root};
  else roots = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
  for (auto &root : roots) {
    std::ifstream in(root + "/events/" + cat + "/" + event + "/format");
    if (!in) continue;
    for (std::string line; std::getline(in, line);)
      if (auto f = parse_format_line(line)) fields.push_back(std::move(*f));
    if (fields.empty()) {
      error = "cannot parse the format file of tracepoint " + cat + ":" + event;
      return false;
    }
    return true;
  }
  error = "tracepoint not found: " + cat + ":" + event;
  return false;
}

Type BtfTypes::Impl::format_field_type(const FormatField &f) const {
  if (!f.dims.empty()) {
    auto elem = resolve(f.type);
    if (!elem || elem->size == 0 || f.size % elem->size) return make_array(make_int(1, false), f.size);
    return array_or_string(*elem, f.size / elem->size);
  }
  auto t = resolve(adjust_integer_type(f.type, f.size));
  if (t && t->is_integer() && t->size > f.size) return make_int(f.size, t->is_signed);
  if (t && t->size != 0 && t->size <= f.size && t->kind != TypeKind::Void && t->kind != TypeKind::None)
    return *t;
  if (f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8) return make_int(f.size, f.is_signed);
  return make_array(make_int(1, false), f.size);
}

std::optional<ArgsInfo> BtfTypes::Impl::args_from_format(const std::string &cat, const std::string &event,
                                                         const std::vector<FormatField> &fields,
                                                         std::string &error) const {
  ArgsInfo args;
  args.from_format_file = true;
  std::string sname = "tp_" + sanitize_ident(cat) + "_" + sanitize_ident(event);
  args.c_struct_name = "struct " + sname;
  std::string body, asserts;
  uint32_t end = 0;
  for (auto &ff : fields) {
    FieldInfo f;
    f.name = ff.name;
    f.offset = ff.offset;
    f.bit_offset = ff.offset * 8;
    f.common = starts_with(ff.name, "common_");
    bool rel = starts_with(ff.type, "__rel_loc");
    if (rel || starts_with(ff.type, "__data_loc")) {
      f.type = make_int(4, false);
      f.data_loc = true;
      f.rel_loc = rel;
      f.c_name = (rel ? "__rel_loc_" : "__data_loc_") + ff.name;
    } else {
      f.type = spellable(format_field_type(ff));
      f.c_name = ff.name;
    }
    if (cat == "syscalls") mark_user_space(f.type);
    if (ff.offset < end) {
      error = "overlapping fields in the format file of tracepoint " + cat + ":" + event;
      return std::nullopt;
    }
    if (ff.offset > end)
      body += "\tchar __pad_" + std::to_string(end) + "[" + std::to_string(ff.offset - end) + "];\n";
    std::string decl = BtfTypes::c_declaration(f.type, f.c_name);
    if (ff.offset % type_alignment(f.type)) decl += " __attribute__((packed))";
    body += "\t" + decl + ";\n";
    asserts += "_Static_assert(__builtin_offsetof(" + args.c_struct_name + ", " + f.c_name + ") == " +
               std::to_string(ff.offset) + ", \"" + sname + "." + f.c_name + "\");\n";
    end = ff.offset + f.type.size;
    args.fields.push_back(std::move(f));
  }
  args.c_definition = args.c_struct_name + " {\n" + body + "};\n" + asserts;
  return args;
}

// A BTF trace_event_raw_* struct matches the format file when every
// non-common field is a member at the same offset.
bool BtfTypes::Impl::btf_struct_matches(uint32_t id, const std::vector<FormatField> &fields) const {
  std::vector<FieldInfo> members;
  collect_members(id, 0, members);
  size_t want = 0;
  for (auto &ff : fields) {
    if (starts_with(ff.name, "common_")) continue;
    want++;
    std::string mname = ff.name;
    if (starts_with(ff.type, "__data_loc")) mname = "__data_loc_" + ff.name;
    else if (starts_with(ff.type, "__rel_loc")) mname = "__rel_loc_" + ff.name;
    bool found = false;
    for (auto &m : members)
      if (m.name == mname && m.offset == ff.offset && !m.bit_size) found = true;
    if (!found) return false;
  }
  // trace_entry members are nested in `ent`, so this counts only event fields.
  size_t have = 0;
  for (auto &m : members)
    if (m.name != "ent" && m.name != "__data") have++;
  return have == want;
}

std::optional<ArgsInfo> BtfTypes::Impl::args_from_btf_struct(uint32_t id, const std::string &struct_name) const {
  ArgsInfo args;
  args.c_struct_name = "struct " + struct_name;
  const btf_type *t = type(id);
  const btf_member *m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++) {
    std::string nm = m[i].name_off ? btf__name_by_offset(btf, m[i].name_off) : "";
    uint32_t bits = btf_member_bit_offset(t, i);
    if (nm == "ent") {
      std::vector<FieldInfo> common;
      collect_members(skip_modifiers(m[i].type, nullptr), bits, common);
      for (auto &c : common) {
        c.c_name = "ent." + c.name;
        c.name = common_name_for(c.name);
        c.common = true;
        args.fields.push_back(std::move(c));
      }
      continue;
    }
    if (nm == "__data" || nm.empty()) continue;
    FieldInfo f = member_info(nm, m[i].type, bits, btf_member_bitfield_size(t, i));
    for (const char *p : {"__data_loc_", "__rel_loc_"})
      if (starts_with(nm, p)) {
        f.name = nm.substr(std::strlen(p));
        f.data_loc = true;
        f.rel_loc = p[2] == 'r';
      }
    args.fields.push_back(std::move(f));
  }
  return args;
}

// trace_event_raw_<event>, or trace_event_raw_<class> for an event defined
// with DEFINE_EVENT(class, event). With a format file, the struct must match it.
std::optional<uint32_t> BtfTypes::Impl::tracepoint_struct(const std::string &event,
                                                          const std::vector<FormatField> *fields) {
  auto accept = [&](std::string_view cls) -> std::optional<uint32_t> {
    auto id = find(structs, "trace_event_raw_" + std::string(cls));
    if (id && (!fields || btf_struct_matches(*id, *fields))) return id;
    return std::nullopt;
  };
  if (auto id = accept(event)) return id;
  auto stub = find_func("__probestub_" + event);
  if (!stub) return std::nullopt;
  index_classes();
  auto it = classes_by_proto.find(proto_signature(type(*stub)->type));
  if (it == classes_by_proto.end()) return std::nullopt;
  std::vector<uint32_t> found;
  for (auto cls : it->second)
    if (auto id = accept(cls)) found.push_back(*id);
  // Without a format file to check against, only an unambiguous class will do.
  if (found.empty() || (!fields && found.size() > 1)) return std::nullopt;
  return found[0];
}

// ------------------------------------------------ functions / raw_tp ----

std::optional<ArgsInfo> BtfTypes::Impl::args_from_proto(uint32_t proto, bool skip_first,
                                                        std::string &error) const {
  const btf_type *t = type(proto);
  if (!t || !btf_is_func_proto(t)) {
    error = "not a function";
    return std::nullopt;
  }
  ArgsInfo args;
  const btf_param *p = btf_params(t);
  int32_t slot = 0;
  for (uint16_t i = skip_first ? 1 : 0; i < btf_vlen(t); i++) {
    if (!p[i].type) {
      error = "functions with variable arguments are not supported";
      return std::nullopt;
    }
    FieldInfo f;
    f.name = p[i].name_off ? btf__name_by_offset(btf, p[i].name_off) : "";
    if (f.name.empty()) f.name = "arg" + std::to_string(args.fields.size());
    f.c_name = f.name;
    f.type = type_of(p[i].type);
    f.arg_index = slot;
    f.offset = static_cast<uint32_t>(slot) * 8;
    f.bit_offset = f.offset * 8;
    long size = btf__resolve_size(btf, p[i].type);
    slot += size > 8 ? static_cast<int32_t>((size + 7) / 8) : 1;
    args.fields.push_back(std::move(f));
  }
  if (t->type) {
    args.has_return = true;
    args.return_type = type_of(t->type);
    args.return_index = slot;
  }
  return args;
}

// ------------------------------------------------------------ BtfTypes ----

BtfTypes::BtfTypes(std::string btf_path, std::string anon_prefix) : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(btf_path);
  impl_->anon_prefix = std::move(anon_prefix);
}
BtfTypes::~BtfTypes() = default;
BtfTypes::BtfTypes(BtfTypes &&) noexcept = default;
BtfTypes &BtfTypes::operator=(BtfTypes &&) noexcept = default;

bool BtfTypes::available() { return impl_->load(); }

std::string BtfTypes::load_error() {
  impl_->load();
  return impl_->error;
}

void BtfTypes::set_tracefs_root(std::string root) { impl_->tracefs_root = std::move(root); }
double BtfTypes::load_ms() const { return impl_->load_ms; }
double BtfTypes::index_ms() const { return impl_->index_ms; }

std::optional<Type> BtfTypes::resolve(const std::string &type_name) {
  impl_->load();
  return impl_->resolve(type_name);
}

std::optional<Type> BtfTypes::variable_type(const std::string &name) {
  if (!impl_->load()) return std::nullopt;
  int id = btf__find_by_name_kind(impl_->btf, name.c_str(), BTF_KIND_VAR);
  if (id <= 0) return std::nullopt;
  return impl_->type_of(impl_->type(static_cast<uint32_t>(id))->type);
}

std::optional<FieldInfo> BtfTypes::field(const Type &record, const std::string &name) {
  if (!impl_->load()) return std::nullopt;
  auto id = impl_->record_id(record);
  FieldInfo f;
  if (!id || !impl_->find_member(*id, name, 0, f)) return std::nullopt;
  return f;
}

std::vector<FieldInfo> BtfTypes::fields(const Type &record) {
  std::vector<FieldInfo> out;
  if (!impl_->load()) return out;
  if (auto id = impl_->record_id(record)) impl_->collect_members(*id, 0, out);
  return out;
}

std::optional<int64_t> BtfTypes::enum_constant(const std::string &name) {
  if (!impl_->load()) return std::nullopt;
  impl_->index_enumerators();
  auto it = impl_->enumerators.find(name);
  if (it == impl_->enumerators.end()) return std::nullopt;
  return it->second;
}

std::optional<Type> BtfTypes::enum_constant_type(const std::string &name) {
  if (!impl_->load()) return std::nullopt;
  impl_->index_enumerators();
  auto it = impl_->enumerator_types.find(name);
  if (it == impl_->enumerator_types.end() || it->second.empty()) return std::nullopt;
  auto id = impl_->find(impl_->enums, it->second);
  if (!id) return std::nullopt;
  return impl_->type_of(*id);
}

std::vector<std::pair<int64_t, std::string>> BtfTypes::enum_values(const std::string &enum_name) {
  std::vector<std::pair<int64_t, std::string>> out;
  if (!impl_->load()) return out;
  std::string_view nm = enum_name;
  if (starts_with(nm, "enum ")) nm.remove_prefix(5);
  auto id = impl_->find(impl_->enums, nm);
  if (!id) return out;
  const btf_type *t = impl_->type(*id);
  struct btf *b = impl_->btf;
  if (btf_is_enum(t)) {
    const struct btf_enum *e = btf_enum(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++)
      out.emplace_back(btf_kflag(t) ? int64_t(e[i].val) : int64_t(uint32_t(e[i].val)),
                       btf__name_by_offset(b, e[i].name_off));
  } else {
    const struct btf_enum64 *e = btf_enum64(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++)
      out.emplace_back(int64_t(btf_enum64_value(&e[i])), btf__name_by_offset(b, e[i].name_off));
  }
  return out;
}

std::optional<ArgsInfo> BtfTypes::tracepoint_args(const std::string &category, const std::string &event,
                                                  std::string &error) {
  for (const std::string *s : {&category, &event})
    if (s->empty() || s->find('/') != std::string::npos || *s == "." || *s == "..") {
      error = "invalid tracepoint name: " + category + ":" + event;
      return std::nullopt;
    }
  std::vector<FormatField> format;
  std::string format_error;
  bool have_format = impl_->read_format(category, event, format, format_error);
  if (category != "syscalls" && impl_->load()) {
    if (auto id = impl_->tracepoint_struct(event, have_format ? &format : nullptr))
      return impl_->args_from_btf_struct(*id, std::string(impl_->name(impl_->type(*id))));
  }
  if (!have_format) {
    error = format_error;
    return std::nullopt;
  }
  impl_->load();  // types of format fields resolve through BTF when present
  return impl_->args_from_format(category, event, format, error);
}

std::optional<ArgsInfo> BtfTypes::function_args(const std::string &func, std::string &error) {
  if (!impl_->load()) {
    error = impl_->error;
    return std::nullopt;
  }
  auto id = impl_->find_func(func);
  if (!id) {
    error = "no BTF for function " + func;
    return std::nullopt;
  }
  uint32_t proto = impl_->type(*id)->type;
  if (btf_vlen(impl_->type(proto)) > 6) {
    error = "function " + func + " has more than 6 parameters, which fentry/fexit does not support";
    return std::nullopt;
  }
  return impl_->args_from_proto(proto, false, error);
}

std::vector<std::string> BtfTypes::global_functions() {
  std::vector<std::string> names;
  if (!impl_->load()) return names;
  uint32_t n = btf__type_cnt(impl_->btf);
  for (uint32_t id = 1; id < n; id++) {
    const btf_type *t = impl_->type(id);
    if (btf_is_func(t) && btf_vlen(t) == BTF_FUNC_GLOBAL) names.emplace_back(impl_->name(t));
  }
  return names;
}

std::optional<ArgsInfo> BtfTypes::raw_tracepoint_args(const std::string &event, std::string &error) {
  if (!impl_->load()) {
    error = impl_->error;
    return std::nullopt;
  }
  std::optional<ArgsInfo> args;
  for (const char *prefix : {"__probestub_", "__bpf_trace_"})
    if (auto id = impl_->find_func(prefix + event)) {
      args = impl_->args_from_proto(impl_->type(*id)->type, true, error);
      break;
    }
  if (!args) {
    auto td = impl_->find(impl_->typedefs, "btf_trace_" + event);
    const btf_type *ptr = td ? impl_->type(impl_->type(*td)->type) : nullptr;
    if (ptr && btf_is_ptr(ptr)) args = impl_->args_from_proto(ptr->type, true, error);
  }
  if (!args && error.empty()) error = "no BTF for raw tracepoint " + event;
  if (args) args->has_return = false;
  return args;
}

// ------------------------------------------------------------ C spelling ----

static std::string c_int_name(uint32_t size, bool is_signed) {
  switch (size) {
    case 1: return is_signed ? "__s8" : "__u8";
    case 2: return is_signed ? "__s16" : "__u16";
    case 4: return is_signed ? "__s32" : "__u32";
    case 8: return is_signed ? "__s64" : "__u64";
    case 16: return is_signed ? "__int128" : "unsigned __int128";
    default: return "__u8";
  }
}

// Builds a declarator around `inner` ("x", "*x", "x[4]") the C way.
static std::string c_decl(const Type &t, const std::string &inner) {
  auto join = [](const std::string &base, const std::string &d) {
    if (d.empty()) return base;
    return base + (d[0] == '[' ? "" : " ") + d;
  };
  switch (t.kind) {
    case TypeKind::Int: return join(c_int_name(t.size, t.is_signed), inner);
    case TypeKind::Bool: return join("_Bool", inner);
    case TypeKind::Enum:
      return join(t.name.empty() ? c_int_name(t.size, t.is_signed) : "enum " + t.name, inner);
    case TypeKind::Struct: return join(t.name, inner);
    case TypeKind::String: return join("char", inner + "[" + std::to_string(t.size) + "]");
    case TypeKind::Pointer: {
      bool wrap = t.elem && (t.elem->kind == TypeKind::Array || t.elem->kind == TypeKind::String);
      std::string d = wrap ? "(*" + inner + ")" : "*" + inner;
      if (!t.elem || t.elem->kind == TypeKind::None || t.elem->kind == TypeKind::Void)
        return join("void", d);
      return c_decl(*t.elem, d);
    }
    case TypeKind::Array:
      if (!t.elem) return join("__u8", inner + "[" + std::to_string(t.size) + "]");
      return c_decl(*t.elem, inner + "[" + std::to_string(t.count) + "]");
    case TypeKind::None:
    case TypeKind::Void: return join("void", inner);
    case TypeKind::Kstack:
    case TypeKind::Ustack:
    case TypeKind::Ksym:
    case TypeKind::Username:
    case TypeKind::Count:
    case TypeKind::Sum:
    case TypeKind::Min:
    case TypeKind::Max:
      if (t.size == 8) return join("__u64", inner);
      [[fallthrough]];
    default:
      return join("__u8", inner + "[" + std::to_string(t.size) + "]");
  }
}

std::string BtfTypes::c_declaration(const Type &t, const std::string &name) { return c_decl(t, name); }

}  // namespace bt2bin

// The attach-point parser: splits the text of one attach point into the
// fields of AttachPoint, one small grammar per provider (as bpftrace's
// attachpoint_parser does), and reports errors as diagnostics at the exact
// part of the attach point that is wrong.
//
// Nothing here looks at the host: wildcards, library names, module names
// and positional parameters are kept as written and resolved by the produced
// tool on the target (DESIGN invariant 4). What is checked is only what
// can never become valid: unknown probe types, malformed numbers, unknown
// software/hardware events, impossible watchpoint modes.
//
// Fields set per provider (empty/0 when not listed):
//
//   provider       target              ns      func            numbers / other
//   begin, end     -                   -       -               -
//   kprobe         module (opt.)       -       function        offset+has_offset for fn+OFF;
//                                                              address: func empty, offset=ADDR, has_offset
//   kretprobe      module (opt.)       -       function        address as for kprobe (no fn+OFF)
//   uprobe         binary/lib name     -       function        offset+has_offset for fn+OFF; address as kprobe;
//                  ("" with -p form)                           lang="cpp" for bin:cpp:"NS::f"
//   uretprobe      as uprobe           -       function        no fn+OFF
//   usdt           binary, "*" or ""   ns      probe
//   tracepoint     category            -       event
//   rawtracepoint  module (opt.)       -       event
//   profile        -                   -       -               unit ("hz","s","ms","us"), freq
//   interval       -                   -       -               unit, freq   (`interval:1s` -> unit "us", freq 1000000)
//   software       event as written    -       -               freq (count; default from the event table)
//   hardware       event as written    -       -               freq (count; default from the event table)
//   watchpoint     -                   -       -               offset=address, has_offset, len, mode (sorted "rw")
//   fentry, fexit  module (opt.)/"bpf" -       function/prog   bpf_prog_id for fentry:bpf:ID:prog
//   iter           -                   -       iterator        pin
//   self           "signal"            -       "SIGUSR1"
//   test, bench    name                -       -
//
// need_expansion is set when a part holds `*` (and for usdt without a
// namespace, and uprobes with lang "cpp", which must look at the binary).
// With positional parameters, has_positional is set and parts keep "$N";
// numeric parts holding one go to `deferred` as {field, text} with field one
// of "offset", "address", "freq", "period" (a duration, ns unless suffixed),
// "len", "bpf_prog_id"; need_expansion is decided again after expansion.
#include "frontend/attach_point.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include "runtime-template/perf_events.h"

namespace bt2bin {

namespace {

struct ProviderInfo {
  std::string_view name;
  std::string_view aliases[2];
  std::string_view usage;  // shown in "expected ..." hints
};

constexpr ProviderInfo kProviders[] = {
    {"begin", {}, "begin"},
    {"end", {}, "end"},
    {"kprobe", {"k"}, "kprobe[:module]:function[+offset]"},
    {"kretprobe", {"kr"}, "kretprobe[:module]:function"},
    {"uprobe", {"u"}, "uprobe:binary:function[+offset]"},
    {"uretprobe", {"ur"}, "uretprobe:binary:function"},
    {"usdt", {"U"}, "usdt:binary[:namespace]:probe"},
    {"tracepoint", {"t"}, "tracepoint:category:event"},
    {"rawtracepoint", {"rt"}, "rawtracepoint[:module]:event"},
    {"profile", {"p"}, "profile:hz:99, profile:ms:10 or profile:10ms"},
    {"interval", {"i"}, "interval:s:1, interval:ms:100 or interval:1s"},
    {"software", {"s"}, "software:event[:count]"},
    {"hardware", {"h"}, "hardware:event[:count]"},
    {"watchpoint", {"w"}, "watchpoint:address:length:mode"},
    {"fentry", {"f", "kfunc"}, "fentry[:module]:function or fentry:bpf[:id]:program"},
    {"fexit", {"fr", "kretfunc"}, "fexit[:module]:function or fexit:bpf[:id]:program"},
    {"iter", {"it"}, "iter:iterator[:pin]"},
    {"self", {}, "self:signal:SIGUSR1"},
    {"test", {}, "test:name"},
    {"bench", {}, "bench:name"},
};

const ProviderInfo *find_provider(std::string_view canonical) {
  for (const auto &p : kProviders)
    if (p.name == canonical) return &p;
  return nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool has_wildcard(std::string_view s) { return s.find('*') != std::string_view::npos; }

// Levenshtein distance, for "did you mean" hints on probe types.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); j++) row[j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); j++) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// ---- numbers -------------------------------------------------------------

// Parses an unsigned integer as bpftrace's attach points accept it:
// `_` separators, 0x/0b/0 prefixes, 1e6 (coefficient 1-9), C suffixes
// u/l/ul/ll/ull. With `time_suffix`, ns/us/ms/s/m/h/d scale to nanoseconds.
std::optional<uint64_t> parse_uint(std::string_view text, bool time_suffix = false) {
  std::string n;
  for (char c : text)
    if (c != '_') n += c;
  if (n.empty()) return std::nullopt;

  int base = 10;
  size_t i = 0;
  if (n.size() >= 2 && n[0] == '0' && (n[1] == 'x' || n[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (n.size() >= 2 && n[0] == '0' && (n[1] == 'b' || n[1] == 'B')) {
    base = 2;
    i = 2;
  } else if (n.size() >= 2 && n[0] == '0' && n[1] >= '0' && n[1] <= '7') {
    base = 8;
    i = 1;
  }
  auto digit = [&](char c) -> int {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    return d < base ? d : -1;
  };
  size_t start = i;
  uint64_t v = 0;
  for (; i < n.size() && digit(n[i]) >= 0; i++) {
    uint64_t d = static_cast<uint64_t>(digit(n[i]));
    if (v > (UINT64_MAX - d) / static_cast<uint64_t>(base)) return std::nullopt;
    v = v * static_cast<uint64_t>(base) + d;
  }
  if (i == start) return std::nullopt;

  // Scientific notation: 1e6, only in base 10, coefficient 1-9.
  if (base == 10 && i < n.size() && (n[i] == 'e' || n[i] == 'E') && i + 1 < n.size() &&
      n[i + 1] >= '1' && n[i + 1] <= '9') {
    if (v == 0 || v >= 10) return std::nullopt;
    size_t j = i + 1;
    uint64_t exp = 0;
    for (; j < n.size() && std::isdigit(static_cast<unsigned char>(n[j])); j++) {
      exp = exp * 10 + static_cast<uint64_t>(n[j] - '0');
      if (exp > 20) return std::nullopt;
    }
    for (uint64_t k = 0; k < exp; k++) {
      if (v > UINT64_MAX / 10) return std::nullopt;
      v *= 10;
    }
    i = j;
  }

  std::string suffix = n.substr(i);
  if (suffix.empty()) return v;
  std::string ls = lower(suffix);
  if (ls == "u" || ls == "l" || ls == "ul" || ls == "lu" || ls == "ll" || ls == "ull" ||
      ls == "llu")
    return v;
  if (!time_suffix) return std::nullopt;
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"ns", 1},
      {"us", 1000},
      {"ms", 1000000},
      {"s", 1000000000},
      {"m", 60000000000},
      {"h", 3600000000000},
      {"d", 86400000000000},
  };
  for (const auto &[unit, mult] : kUnits) {
    if (suffix == unit) {  // time units are case-sensitive
      if (v > UINT64_MAX / mult) return std::nullopt;
      return v * mult;
    }
  }
  return std::nullopt;
}

// ---- lexing --------------------------------------------------------------

// One `:`-separated part of the attach point, quotes removed.
struct Part {
  std::string text;
  size_t begin = 0, end = 0;  // byte range in the raw text (end exclusive)
  bool positional = false;    // holds an unquoted $N
};

class Parser {
 public:
  Parser(AttachPoint &ap, Diagnostics &diags) : ap_(ap), diags_(diags) {}

  bool run() {
    if (!lex()) return false;
    if (parts_.size() == 1 && parts_[0].text.empty()) return fail_all("empty attach point");
    const Part &head = parts_[0];
    if (head.positional)
      return fail(0, "the probe type cannot be a positional parameter");
    if (has_wildcard(head.text)) {
      auto &d = diags_.error(part_loc(0), "wildcards in the probe type ('" + head.text +
                                              "') are not supported");
      d.hints.push_back("write each probe type explicitly, e.g. software:... and hardware:...");
      return false;
    }
    std::string canonical = canonical_provider(head.text);
    if (canonical.empty()) return unknown_provider(head.text);
    ap_.provider = canonical;
    info_ = find_provider(canonical);

    return parse_provider(canonical) && defer_text_parts();
  }

 private:
  bool parse_provider(const std::string &canonical) {
    if (canonical == "begin" || canonical == "end") return parse_special();
    if (canonical == "kprobe") return parse_kprobe(true);
    if (canonical == "kretprobe") return parse_kprobe(false);
    if (canonical == "uprobe") return parse_uprobe(true);
    if (canonical == "uretprobe") return parse_uprobe(false);
    if (canonical == "usdt") return parse_usdt();
    if (canonical == "tracepoint") return parse_tracepoint();
    if (canonical == "rawtracepoint") return parse_rawtracepoint();
    if (canonical == "profile" || canonical == "interval") return parse_timer();
    if (canonical == "software" || canonical == "hardware") return parse_perf_event();
    if (canonical == "watchpoint") return parse_watchpoint();
    if (canonical == "fentry" || canonical == "fexit") return parse_fentry();
    if (canonical == "iter") return parse_iter();
    if (canonical == "self") return parse_self();
    return parse_named();  // test, bench
  }

  // Whether a text part of an attach point with positional parameters
  // holds one: "$N" (a literal '$' of such an attach point is kept as "$$").
  static bool holds_positional(const std::string &t) {
    for (size_t i = 0; i + 1 < t.size(); i++) {
      if (t[i] != '$') continue;
      if (t[i + 1] == '$') {
        i++;
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(t[i + 1]))) return true;
    }
    return false;
  }
  static void unescape_dollars(std::string &t) {
    for (size_t i = 0; (i = t.find("$$", i)) != std::string::npos; i++) t.erase(i, 1);
  }

  // Text parts given as positional parameters (`uprobe:/bin/x:$1`,
  // `tracepoint:$1:$2`, `software:$1`) are templates the tool completes at
  // start, as bpftrace substitutes them when it parses the script: each is
  // recorded in `deferred` by its field name, and the probe is attached
  // like a wildcard (by name at run time, `probe` named per attachment).
  // Probes the compiler must resolve (BTF-typed fentry/fexit, iter, ...)
  // cannot take them.
  bool defer_text_parts() {
    if (!ap_.has_positional) return true;
    struct Field {
      const char *name;
      std::string *text;
    } fields[] = {{"target", &ap_.target}, {"ns", &ap_.ns},     {"func", &ap_.func},
                  {"unit", &ap_.unit},     {"mode", &ap_.mode}, {"pin", &ap_.pin}};
    const std::string &p = ap_.provider;
    bool runtime_named = p == "kprobe" || p == "kretprobe" || p == "uprobe" || p == "uretprobe" || p == "usdt" ||
                         p == "tracepoint" || p == "profile" || p == "interval" || p == "software" ||
                         p == "hardware" || p == "watchpoint";
    for (auto &f : fields) {
      if (!holds_positional(*f.text)) {
        unescape_dollars(*f.text);
        continue;
      }
      if (!runtime_named || f.text == &ap_.pin)
        return fail_hint(ap_.loc, "a positional parameter cannot name " + std::string(p == "iter" ? "an " : "a ") + p +
                                      " probe",
                         "only kprobe, uprobe, usdt, tracepoint and perf-event probes are named when the tool "
                         "starts; " + p + " probes are resolved when compiling");
      ap_.deferred.emplace_back(f.name, *f.text);
      if (f.text == &ap_.target || f.text == &ap_.ns || f.text == &ap_.func) ap_.need_expansion = true;
    }
    return true;
  }

 public:

 private:
  AttachPoint &ap_;
  Diagnostics &diags_;
  std::vector<Part> parts_;
  const ProviderInfo *info_ = nullptr;

  // Number of arguments after the provider.
  size_t nargs() const { return parts_.size() - 1; }
  const Part &arg(size_t i) const { return parts_[i + 1]; }

  // The location of raw bytes [b, e): exact when the attach point sits on
  // one line and its location spans exactly the raw text, else the whole
  // attach point.
  Location range_loc(size_t b, size_t e) const {
    const Location &l = ap_.loc;
    if (!l.valid() || l.line != l.end_line ||
        static_cast<size_t>(l.end_col - l.col) != ap_.raw.size())
      return l;
    if (e <= b) e = b + 1;
    Location r = l;
    r.col = l.col + static_cast<int>(b);
    r.end_col = l.col + static_cast<int>(e);
    r.end_col = std::min(r.end_col, l.end_col);
    r.col = std::min(r.col, r.end_col - 1);
    return r;
  }
  Location part_loc(size_t i) const { return range_loc(parts_[i].begin, parts_[i].end); }
  Location arg_loc(size_t i) const { return part_loc(i + 1); }

  bool fail_all(std::string msg) {
    diags_.error(ap_.loc, std::move(msg));
    return false;
  }
  bool fail(size_t part, std::string msg) {
    diags_.error(part_loc(part), std::move(msg));
    return false;
  }
  bool fail_arg(size_t i, std::string msg) { return fail(i + 1, std::move(msg)); }
  bool fail_hint(const Location &loc, std::string msg, std::string hint) {
    auto &d = diags_.error(loc, std::move(msg));
    d.hints.push_back(std::move(hint));
    return false;
  }
  // Too many parts: underline the first extra one.
  bool too_many(size_t allowed_args) {
    Location loc = range_loc(parts_[allowed_args + 1].begin - 1, ap_.raw.size());
    return fail_hint(loc, "too many arguments for " + ap_.provider + " probe",
                     "expected " + std::string(info_->usage));
  }
  bool missing(std::string what_and_example) {
    return fail_all(ap_.provider + " probe needs " + what_and_example);
  }

  // Splits on unquoted `:`. Quotes group text (and are removed); inside
  // quotes a backslash escapes the next character. An unquoted `$N` is a
  // positional parameter and stays in the text.
  bool lex() {
    const std::string &raw = ap_.raw;
    Part cur;
    cur.begin = 0;
    bool in_quotes = false;
    size_t quote_at = 0;
    for (size_t i = 0; i < raw.size(); i++) {
      char c = raw[i];
      if (c == '"') {
        in_quotes = !in_quotes;
        quote_at = i;
        continue;
      }
      if (in_quotes) {
        if (c == '\\' && i + 1 < raw.size()) c = raw[++i];
        cur.text += c == '$' ? "$$" : std::string(1, c);  // see unescape_dollars()
        continue;
      }
      if (c == ':') {
        cur.end = i;
        parts_.push_back(std::move(cur));
        cur = Part{};
        cur.begin = i + 1;
        continue;
      }
      if (c == '$') {
        size_t j = i + 1;
        while (j < raw.size() && std::isdigit(static_cast<unsigned char>(raw[j]))) j++;
        if (j == i + 1 || raw[i + 1] == '0') {
          std::string shown = raw.substr(i, std::max<size_t>(j, i + 2) - i);
          auto &d = diags_.error(range_loc(i, std::max(j, i + 2)),
                                 "invalid positional parameter '" + shown + "' in attach point");
          d.hints.push_back("positional parameters are $1, $2, ...; quote the text if '$' is "
                            "literal, e.g. \"" + shown + "\"");
          return false;
        }
        cur.text += raw.substr(i, j - i);
        cur.positional = true;
        ap_.has_positional = true;
        i = j - 1;
        continue;
      }
      cur.text += c;
    }
    if (in_quotes) {
      diags_.error(range_loc(quote_at, raw.size()), "unterminated quote in attach point");
      return false;
    }
    cur.end = raw.size();
    parts_.push_back(std::move(cur));
    // A literal '$' stays "$$" only in the text parts of an attach point
    // with positional parameters (see defer_text_parts()).
    if (!ap_.has_positional)
      for (auto &part : parts_) unescape_dollars(part.text);
    return true;
  }

  bool unknown_provider(const std::string &spelling) {
    auto &d = diags_.error(part_loc(0), "unknown probe type '" + spelling + "'");
    std::string best;
    size_t best_dist = 3;
    std::string l = lower(spelling);
    for (const auto &p : kProviders) {
      size_t dist = edit_distance(l, p.name);
      if (dist < best_dist) {
        best_dist = dist;
        best = std::string(p.name);
      }
    }
    if (!best.empty() && l.size() > 2) d.hints.push_back("did you mean '" + best + "'?");
    return false;
  }

  // A numeric argument; when it holds a positional parameter, the text is
  // deferred to run time and 0 is returned.
  std::optional<uint64_t> number(const Part &p, const std::string &field, bool time_suffix = false) {
    if (p.positional) {
      ap_.deferred.emplace_back(field, p.text);
      return 0;
    }
    return parse_uint(p.text, time_suffix);
  }

  // ---- providers ----

  bool parse_special() {
    if (nargs() == 1 && arg(0).text == "*") return true;  // `begin:*`, as bpftrace accepts
    if (nargs() != 0)
      return fail_hint(range_loc(parts_[1].begin - 1, ap_.raw.size()),
                       ap_.provider + " probe takes no arguments", "write just '" + ap_.provider + "'");
    return true;
  }

  // `fn`, `fn+OFF` or an address, in the function position of kprobes and uprobes.
  bool parse_function_part(const Part &p, size_t part_index, bool allow_offset, bool allow_address) {
    size_t plus = p.text.find('+');
    if (plus != std::string::npos) {
      if (!allow_offset)
        return fail(part_index, ap_.provider + " probe cannot take an offset");
      if (p.text.find('+', plus + 1) != std::string::npos)
        return fail(part_index, "more than one offset in '" + p.text + "'");
      ap_.func = p.text.substr(0, plus);
      std::string off = p.text.substr(plus + 1);
      if (ap_.func.empty()) return fail(part_index, "missing function name before '+" + off + "'");
      if (has_wildcard(ap_.func))
        return fail(part_index, "an offset cannot be combined with a wildcard function");
      Part offp = p;
      offp.text = off;
      offp.positional = off.find('$') != std::string::npos && p.positional;
      auto v = number(offp, "offset");
      if (!v)
        return fail_hint(part_loc(part_index), "invalid offset '" + off + "' in " + ap_.provider + " probe",
                         "the offset is an integer, e.g. " + ap_.func + "+0x10");
      ap_.offset = *v;
      ap_.has_offset = true;
      return true;
    }
    if (p.text.empty()) return false;  // caller reports
    bool starts_numeric = std::isdigit(static_cast<unsigned char>(p.text[0]));
    if (allow_address && starts_numeric && !p.positional) {
      auto v = parse_uint(p.text);
      if (!v)
        return fail_hint(part_loc(part_index), "invalid address '" + p.text + "' in " + ap_.provider + " probe",
                         "an address is an integer such as 0xffffffff81000000; function names "
                         "cannot start with a digit");
      ap_.func.clear();
      ap_.offset = *v;
      ap_.has_offset = true;
      return true;
    }
    ap_.func = p.text;
    return true;
  }

  bool parse_kprobe(bool entry) {
    if (nargs() == 0 || (nargs() == 1 && arg(0).text.empty()))
      return missing("a function, e.g. " + ap_.provider + ":vfs_read");
    if (nargs() > 2) return too_many(2);
    size_t fi = 0;
    if (nargs() == 2) {
      ap_.target = arg(0).text;
      if (ap_.target.empty()) return fail_arg(0, "empty module name in " + ap_.provider + " probe");
      fi = 1;
    }
    if (arg(fi).text.empty())
      return fail_arg(fi, ap_.provider + " probe needs a function, e.g. " + ap_.provider + ":vfs_read");
    if (!parse_function_part(arg(fi), fi + 1, entry, true)) return false;
    ap_.need_expansion = has_wildcard(ap_.target) || has_wildcard(ap_.func);
    return true;
  }

  bool parse_uprobe(bool entry) {
    // uprobe:bin:func, uprobe:bin:cpp:func, and uprobe:func (the -p form:
    // the binary is the traced process's executable, known at run time).
    if (nargs() == 0 || (nargs() == 1 && arg(0).text.empty()))
      return missing("a binary and a function, e.g. " + ap_.provider + ":/bin/bash:readline");
    if (nargs() > 3) return too_many(3);
    size_t fi;
    if (nargs() == 1) {
      if (arg(0).text.find('/') != std::string::npos)
        return missing("a function after the binary, e.g. " + ap_.provider + ":" + arg(0).text +
                       ":main");
      fi = 0;  // -p form
    } else {
      ap_.target = arg(0).text;
      if (ap_.target.empty())
        return fail_arg(0, ap_.provider + " probe needs a binary, e.g. " + ap_.provider + ":/bin/bash:readline");
      fi = nargs() - 1;
      if (nargs() == 3) {
        ap_.lang = arg(1).text;
        if (ap_.lang != "cpp")
          return fail_hint(arg_loc(1), "unsupported language '" + ap_.lang + "' in " + ap_.provider + " probe",
                           "only 'cpp' is supported, e.g. uprobe:/bin/app:cpp:\"ns::f\"");
      }
    }
    const Part &fp = arg(fi);
    if (fp.text.empty())
      return fail_arg(fi, ap_.provider + " probe needs a function, e.g. " + ap_.provider +
                              ":/bin/bash:readline");
    if (!parse_function_part(fp, fi + 1, entry, true)) return false;
    if (ap_.func.empty() && has_wildcard(ap_.target))
      return fail_arg(fi, "an absolute address cannot be used with a wildcard binary");
    ap_.need_expansion = has_wildcard(ap_.target) || has_wildcard(ap_.func) || ap_.lang == "cpp";
    return true;
  }

  bool parse_usdt() {
    // usdt:bin:probe, usdt:bin:ns:probe, usdt:*:probe, and usdt:probe (-p form).
    if (nargs() == 0 || (nargs() == 1 && arg(0).text.empty()))
      return missing("a binary and a probe, e.g. usdt:/usr/bin/python3:python:function__entry");
    if (nargs() > 3) return too_many(3);
    if (nargs() == 1) {
      if (arg(0).text.find('/') != std::string::npos)
        return missing("a probe name after the binary, e.g. usdt:" + arg(0).text + ":probe");
      ap_.func = arg(0).text;
    } else {
      ap_.target = arg(0).text;
      if (ap_.target.empty())
        return fail_arg(0, "usdt probe needs a binary (or '*' for every process), e.g. usdt:/bin/app:probe");
      if (nargs() == 3) {
        ap_.ns = arg(1).text;
        if (ap_.ns.empty()) return fail_arg(1, "empty namespace in usdt probe");
      }
      ap_.func = arg(nargs() - 1).text;
      if (ap_.func.empty())
        return fail_arg(nargs() - 1, "usdt probe needs a probe name, e.g. usdt:/bin/app:probe");
    }
    ap_.need_expansion = has_wildcard(ap_.target) || has_wildcard(ap_.ns) ||
                         has_wildcard(ap_.func) || ap_.ns.empty();
    return true;
  }

  bool parse_tracepoint() {
    // `tracepoint:*open*` means any category, as in bpftrace.
    if (nargs() == 1 && has_wildcard(arg(0).text)) {
      ap_.target = "*";
      ap_.func = arg(0).text;
      ap_.need_expansion = true;
      return true;
    }
    if (nargs() < 2)
      return missing("a category and an event, e.g. tracepoint:syscalls:sys_enter_openat");
    if (nargs() > 2) return too_many(2);
    ap_.target = arg(0).text;
    ap_.func = arg(1).text;
    if (ap_.target.empty())
      return fail_arg(0, "tracepoint probe needs a category, e.g. tracepoint:syscalls:sys_enter_openat");
    if (ap_.func.empty())
      return fail_arg(1, "tracepoint probe needs an event, e.g. tracepoint:syscalls:sys_enter_openat");
    ap_.need_expansion = has_wildcard(ap_.target) || has_wildcard(ap_.func);
    return true;
  }

  bool parse_rawtracepoint() {
    if (nargs() == 0 || (nargs() == 1 && arg(0).text.empty()))
      return missing("an event, e.g. rawtracepoint:sched_switch");
    if (nargs() > 2) return too_many(2);
    if (nargs() == 2) {
      ap_.target = arg(0).text;
      if (ap_.target.empty()) return fail_arg(0, "empty module name in rawtracepoint probe");
    }
    ap_.func = arg(nargs() - 1).text;
    if (ap_.func.empty())
      return fail_arg(nargs() - 1, "rawtracepoint probe needs an event, e.g. rawtracepoint:sched_switch");
    ap_.need_expansion = has_wildcard(ap_.target) || has_wildcard(ap_.func);
    return true;
  }

  static bool is_time_unit(std::string_view u) {
    for (auto t : rt::kTimeUnits)
      if (t == u) return true;
    return false;
  }

  bool parse_timer() {
    const std::string &p = ap_.provider;
    std::string example = p == "profile" ? "profile:hz:99" : "interval:s:1";
    if (nargs() == 0 || (nargs() == 1 && (arg(0).text.empty() || is_time_unit(arg(0).text))) ||
        (nargs() == 2 && arg(1).text.empty()))
      return missing("a rate, e.g. " + example);
    if (nargs() > 2) return too_many(2);
    if (nargs() == 1) {
      // profile:N (ns) or a unit-suffixed period: profile:10ms, interval:1s.
      const Part &a = arg(0);
      if (has_wildcard(a.text)) return fail_arg(0, "wildcards are not allowed in " + p + " probes");
      if (a.positional) {
        ap_.deferred.emplace_back("period", a.text);
        return true;
      }
      auto ns = parse_uint(a.text, true);
      if (!ns || *ns == 0)
        return fail_hint(arg_loc(0), p + " period must be a positive duration, got '" + a.text + "'",
                         "write a count with a unit, e.g. " + p + ":10ms, or " + example);
      if (*ns < 1000)
        return fail_hint(arg_loc(0), p + " period must be at least 1us, got " + std::to_string(*ns) + "ns",
                         "a bare number is in nanoseconds; e.g. " + p + ":1ms");
      ap_.unit = "us";
      ap_.freq = *ns / 1000;
      return true;
    }
    const Part &u = arg(0);
    const Part &r = arg(1);
    if (!u.positional && !is_time_unit(u.text))
      return fail_hint(arg_loc(0), "unknown time unit '" + u.text + "' in " + p + " probe",
                       "the units are hz, s, ms and us, e.g. " + example);
    ap_.unit = u.text;
    if (has_wildcard(r.text)) return fail_arg(1, "wildcards are not allowed in " + p + " probes");
    auto v = number(r, "freq");
    if (!v || (*v == 0 && !r.positional))
      return fail_hint(arg_loc(1), p + " rate must be a positive integer, got '" + r.text + "'",
                       "e.g. " + example + (parse_uint(r.text, true) ? ", or " + p + ":" + r.text : ""));
    ap_.freq = *v;
    return true;
  }

  bool parse_perf_event() {
    const std::string &p = ap_.provider;
    bool sw = p == "software";
    std::string example = sw ? "software:page-faults:100" : "hardware:cache-misses:1000000";
    if (nargs() == 0 || arg(0).text.empty()) return missing("an event, e.g. " + example);
    if (nargs() > 2) return too_many(2);
    const Part &ev = arg(0);
    ap_.target = ev.text;
    const rt::PerfEventInfo *info = nullptr;
    if (!ev.positional) {
      if (has_wildcard(ev.text)) return fail_arg(0, "wildcards are not allowed in " + p + " probes");
      info = sw ? rt::find_software_event(ev.text) : rt::find_hardware_event(ev.text);
      if (!info) {
        std::string list;
        auto add = [&](const rt::PerfEventInfo &e) {
          if (!list.empty()) list += ", ";
          list += std::string(e.name);
          if (!e.alias.empty()) list += " (" + std::string(e.alias) + ")";
        };
        if (sw)
          for (const auto &e : rt::kSoftwareEvents) add(e);
        else
          for (const auto &e : rt::kHardwareEvents) add(e);
        return fail_hint(arg_loc(0), "invalid " + p + " event '" + ev.text + "'",
                         p + " events: " + list);
      }
    }
    if (nargs() == 2 && !arg(1).text.empty()) {
      const Part &c = arg(1);
      auto v = number(c, "freq");
      if (!v || (*v == 0 && !c.positional))
        return fail_hint(arg_loc(1), p + " probe count must be a positive integer, got '" + c.text + "'",
                         "the count is how many events happen per sample, e.g. " + example);
      ap_.freq = *v;
    } else if (info) {
      ap_.freq = info->default_count;
    }
    return true;
  }

  bool parse_watchpoint() {
    if (nargs() < 3)
      return missing("an address, a length and a mode, e.g. watchpoint:0x10000000:8:w");
    if (nargs() > 3) return too_many(3);
    auto addr = number(arg(0), "address");
    if (!addr)
      return fail_hint(arg_loc(0), "invalid watchpoint address '" + arg(0).text + "'",
                       "the address is an integer, e.g. watchpoint:0x10000000:8:w");
    if (*addr == 0 && !arg(0).positional) return fail_arg(0, "watchpoint address must be non-zero");
    ap_.offset = *addr;
    ap_.has_offset = true;
    auto len = number(arg(1), "len");
    if (!arg(1).positional && (!len || (*len != 1 && *len != 2 && *len != 4 && *len != 8)))
      return fail_arg(1, "watchpoint length must be 1, 2, 4 or 8, got '" + arg(1).text + "'");
    ap_.len = len ? *len : 0;
    std::string mode = arg(2).text;
    if (arg(2).positional) {
      ap_.mode = mode;
      return true;
    }
    if (mode.empty() || mode.find_first_not_of("rwx") != std::string::npos)
      return fail_hint(arg_loc(2), "invalid watchpoint mode '" + mode + "'",
                       "the mode is a combination of r, w and x, e.g. w or rw");
    std::sort(mode.begin(), mode.end());
    if (std::adjacent_find(mode.begin(), mode.end()) != mode.end())
      return fail_arg(2, "watchpoint mode '" + arg(2).text + "' repeats a letter");
#if defined(__x86_64__) || defined(__i386__)
    if (mode != "w" && mode != "rw" && mode != "x")
      return fail_hint(arg_loc(2), "watchpoint mode '" + arg(2).text + "' is not supported on x86",
                       "supported modes: rw, w, x");
#endif
    ap_.mode = mode;
    return true;
  }

  bool parse_fentry() {
    const std::string &p = ap_.provider;
    if (nargs() == 0 || (nargs() == 1 && arg(0).text.empty()))
      return missing("a function, e.g. " + p + ":vfs_read");
    if (nargs() > 3) return too_many(3);
    if (arg(0).text == "bpf" && nargs() >= 2) {
      ap_.target = "bpf";
      if (nargs() == 3) {
        const Part &id = arg(1);
        if (id.text != "*") {
          auto v = number(id, "bpf_prog_id");
          if (!v) return fail_arg(1, "bpf program id must be a number or '*', got '" + id.text + "'");
          ap_.bpf_prog_id = *v;
        }
      }
      ap_.func = arg(nargs() - 1).text;
      if (ap_.func.empty())
        return fail_arg(nargs() - 1, "the 'bpf' form of " + p + " needs a program name, e.g. " + p + ":bpf:prog");
    } else {
      if (nargs() == 3)
        return fail_hint(arg_loc(0), "only the 'bpf' form of " + p + " takes three arguments",
                         "expected " + std::string(info_->usage));
      if (nargs() == 2) {
        ap_.target = arg(0).text;
        if (ap_.target.empty()) return fail_arg(0, "empty module name in " + p + " probe");
      }
      ap_.func = arg(nargs() - 1).text;
      if (ap_.func.empty())
        return fail_arg(nargs() - 1, p + " probe needs a function, e.g. " + p + ":vfs_read");
    }
    ap_.need_expansion = has_wildcard(ap_.target) || has_wildcard(ap_.func);
    return true;
  }

  bool parse_iter() {
    if (nargs() == 0 || arg(0).text.empty()) return missing("an iterator, e.g. iter:task");
    if (nargs() > 2) return too_many(2);
    if (has_wildcard(arg(0).text) || (nargs() == 2 && has_wildcard(arg(1).text)))
      return fail_all("iter probe does not support wildcards");
    ap_.func = arg(0).text;
    if (nargs() == 2) {
      ap_.pin = arg(1).text;
      if (ap_.pin.empty()) return fail_arg(1, "empty pin path in iter probe");
    }
    return true;
  }

  bool parse_self() {
    if (nargs() < 2) return missing("a trigger and a signal, e.g. self:signal:SIGUSR1");
    if (nargs() > 2) return too_many(2);
    ap_.target = arg(0).text;
    ap_.func = arg(1).text;
    if (ap_.target != "signal")
      return fail_hint(arg_loc(0), "unknown self probe trigger '" + ap_.target + "'",
                       "the only trigger is signal: self:signal:SIGUSR1");
    if (ap_.func != "SIGUSR1")
      return fail_hint(arg_loc(1), "unsupported signal '" + ap_.func + "' in self probe",
                       "only SIGUSR1 is supported: self:signal:SIGUSR1");
    return true;
  }

  bool parse_named() {
    if (nargs() == 0 || arg(0).text.empty())
      return missing("a name, e.g. " + ap_.provider + ":my_" + ap_.provider);
    if (nargs() > 1) return too_many(1);
    ap_.target = arg(0).text;
    return true;
  }
};

}  // namespace

ProgramKind program_kind(const std::string &p) {
  if (p == "kprobe" || p == "kretprobe" || p == "uprobe" || p == "uretprobe" || p == "usdt") return ProgramKind::Kprobe;
  if (p == "profile" || p == "interval" || p == "software" || p == "hardware" || p == "watchpoint")
    return ProgramKind::PerfEvent;
  if (p == "tracepoint") return ProgramKind::Tracepoint;
  if (p == "fentry" || p == "fexit" || p == "iter" || p == "rawtracepoint") return ProgramKind::Tracing;
  return ProgramKind::RunOnce;
}

AttachPoint fentry_twin(const AttachPoint &ap) {
  AttachPoint twin = ap;
  twin.provider = ap.provider == "kprobe" ? "fentry" : "fexit";
  return twin;
}

AttachPoint kprobe_twin(const AttachPoint &ap) {
  AttachPoint twin = ap;
  twin.provider = ap.provider == "fentry" ? "kprobe" : "kretprobe";
  return twin;
}

bool targets_bpf_program(const AttachPoint &ap) {
  return (ap.provider == "fentry" || ap.provider == "fexit") && ap.target == "bpf";
}

bool named_at_start(const AttachPoint &ap) {
  return ap.need_expansion || !ap.deferred.empty() || targets_bpf_program(ap);
}

std::string canonical_provider(const std::string &spelling) {
  // Exact spellings first (this is where `U` = usdt and `u` = uprobe differ).
  for (const auto &p : kProviders) {
    if (p.name == spelling) return std::string(p.name);
    for (auto a : p.aliases)
      if (!a.empty() && a == spelling) return std::string(p.name);
  }
  // Provider names are case-insensitive since bpftrace 0.24 (BEGIN, Kprobe,
  // KFUNC); single-letter aliases are not.
  std::string l = lower(spelling);
  for (const auto &p : kProviders) {
    if (p.name == l) return std::string(p.name);
    for (auto a : p.aliases)
      if (a.size() > 1 && a == l) return std::string(p.name);
  }
  return {};
}

bool parse_attach_point(AttachPoint &ap, Diagnostics &diags) {
  // Reset the parsed fields so a re-parse starts clean.
  AttachPoint fresh;
  fresh.loc = ap.loc;
  fresh.raw = ap.raw;
  ap = std::move(fresh);
  return Parser(ap, diags).run();
}

}  // namespace bt2bin

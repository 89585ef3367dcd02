// Kernel symbols: /proc/kallsyms parsing, sorted table, lookup and
// name-to-address resolution. See ksyms.h.
#include "runtime-template/ksyms.h"
#include "runtime-template/number_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace bt2bin::rt {

namespace {

// bcc ignores kallsyms entries below the kernel address space (per-CPU
// offsets, absolute symbols) when symbolizing.
#if defined(__x86_64__)
constexpr uint64_t kKernelAddrSpace = 0x00ffffffffffffffULL;
#else
constexpr uint64_t kKernelAddrSpace = 0;
#endif

struct KallsymsLine {
  uint64_t addr;
  char type;
  std::string_view name;
  std::string_view module;  // without brackets
};

bool parse_line(std::string_view line, KallsymsLine &out) {
  // "ffffffff816b8230 T vfs_read" or "... t name\t[module]"
  const char *p = line.data();
  const char *end = p + line.size();
  auto [q, ec] = std::from_chars(p, end, out.addr, 16);
  if (ec != std::errc() || q + 3 > end || q[0] != ' ' || q[2] != ' ')
    return false;
  out.type = q[1];
  const char *name = q + 3;
  const char *name_end = name;
  while (name_end < end && *name_end != '\t' && *name_end != ' ')
    name_end++;
  out.name = std::string_view(name, name_end - name);
  out.module = {};
  const char *m = name_end;
  while (m < end && (*m == '\t' || *m == ' '))
    m++;
  if (m < end && *m == '[') {
    const char *m_end = static_cast<const char *>(memchr(m, ']', end - m));
    if (m_end)
      out.module = std::string_view(m + 1, m_end - m - 1);
  }
  return !out.name.empty();
}

// Calls f(const KallsymsLine&) for every parsable line; f returns false to
// stop. Reads in large chunks: kallsyms is ~100k lines.
template <class F>
bool for_each_line(const std::string &path, F &&f) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  constexpr size_t kChunk = 1 << 17;
  std::string buf;
  buf.resize(kChunk * 2);
  size_t have = 0;
  bool stop = false;
  for (;;) {
    if (buf.size() - have < kChunk)
      buf.resize(have + kChunk);
    ssize_t n = read(fd, buf.data() + have, buf.size() - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    have += static_cast<size_t>(n);
    size_t start = 0;
    for (;;) {
      const char *nl = static_cast<const char *>(
          memchr(buf.data() + start, '\n', have - start));
      if (!nl)
        break;
      size_t len = nl - (buf.data() + start);
      KallsymsLine line;
      if (parse_line(std::string_view(buf.data() + start, len), line) &&
          !f(line)) {
        stop = true;
        break;
      }
      start += len + 1;
    }
    if (stop)
      break;
    memmove(buf.data(), buf.data() + start, have - start);
    have -= start;
  }
  if (!stop && have > 0) {
    KallsymsLine line;
    if (parse_line(std::string_view(buf.data(), have), line))
      f(line);
  }
  close(fd);
  return true;
}

bool is_data_type(char t) {
  return t == 'b' || t == 'B' || t == 'd' || t == 'D' || t == 'r' || t == 'R';
}

// Among symbols sharing one address, print the same one perf would:
// non-weak, then global, then fewer leading underscores, then the longer
// name; the first in file order on a full tie.
int bind_rank(char t) {
  if (t == 'W' || t == 'w' || t == 'V' || t == 'v')
    return 1;
  return (t >= 'A' && t <= 'Z') ? 2 : 0;
}

int leading_underscores(std::string_view s) {
  int n = 0;
  while (n < static_cast<int>(s.size()) && s[n] == '_')
    n++;
  return n;
}

bool better_name(int ra, std::string_view a, int rb, std::string_view b) {
  if (ra != rb)
    return ra > rb;
  int ua = leading_underscores(a), ub = leading_underscores(b);
  if (ua != ub)
    return ua < ub;
  return a.size() > b.size();
}

}  // namespace

Ksyms::Ksyms(std::string path) : path_(std::move(path)) {}

Ksyms &Ksyms::global() {
  static Ksyms instance;
  return instance;
}

bool Ksyms::load() {
  if (state_ != State::unloaded)
    return state_ == State::ok;
  state_ = State::failed;
  modules_.assign(1, std::string());

  // While loading, the top two bits of Entry::module hold the symbol's
  // binding rank for the alias choice below.
  constexpr uint16_t kModuleMask = 0x3fff;
  entries_.reserve(1 << 17);
  names_.reserve(3 << 20);
  uint16_t last_module = 0;
  bool ok = for_each_line(path_, [&](const KallsymsLine &l) {
    if (l.addr == 0 || l.addr == UINT64_MAX || l.addr < kKernelAddrSpace ||
        is_data_type(l.type) || l.name.size() > UINT16_MAX)
      return true;
    uint16_t mod = 0;
    if (!l.module.empty()) {
      if (modules_[last_module] != l.module) {
        auto it = std::find(modules_.begin(), modules_.end(), l.module);
        if (it == modules_.end()) {
          if (modules_.size() > kModuleMask)
            return true;
          modules_.emplace_back(l.module);
          it = modules_.end() - 1;
        }
        last_module = static_cast<uint16_t>(it - modules_.begin());
      }
      mod = last_module;
    }
    mod |= static_cast<uint16_t>(bind_rank(l.type) << 14);
    entries_.push_back({l.addr, static_cast<uint32_t>(names_.size()),
                        static_cast<uint16_t>(l.name.size()), mod});
    names_.append(l.name);
    return true;
  });
  if (!ok)
    return false;

  // Sorted by address, file order kept among aliases; keep one per address.
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry &a, const Entry &b) { return a.addr < b.addr; });
  auto name_of = [&](const Entry &e) {
    return std::string_view(names_.data() + e.name_off, e.name_len);
  };
  size_t out = 0;
  for (size_t i = 0; i < entries_.size(); i++) {
    const Entry &e = entries_[i];
    if (out > 0 && entries_[out - 1].addr == e.addr) {
      Entry &cur = entries_[out - 1];
      if (better_name(e.module >> 14, name_of(e), cur.module >> 14, name_of(cur)))
        cur = e;
      continue;
    }
    entries_[out++] = e;
  }
  entries_.resize(out);
  entries_.shrink_to_fit();
  for (Entry &e : entries_)
    e.module &= kModuleMask;
  state_ = entries_.empty() ? State::failed : State::ok;
  return state_ == State::ok;
}

KsymInfo Ksyms::lookup(uint64_t addr) {
  KsymInfo info;
  if (!load())
    return info;
  auto it = std::upper_bound(
      entries_.begin(), entries_.end(), addr,
      [](uint64_t a, const Entry &e) { return a < e.addr; });
  if (it == entries_.begin())
    return info;
  --it;
  info.name = std::string_view(names_.data() + it->name_off, it->name_len);
  info.offset = addr - it->addr;
  info.module = modules_[it->module];
  info.found = true;
  return info;
}

void Ksyms::append_symbol(std::string &out, uint64_t addr, bool show_offset) {
  KsymInfo s = lookup(addr);
  if (!s.found) {
    out += "0x";
    append_hex(out, addr);
    return;
  }
  out.append(s.name);
  if (show_offset) {
    out += '+';
    append_dec(out, s.offset);
  }
}

std::string Ksyms::symbolize(uint64_t addr, bool show_offset) {
  std::string s;
  append_symbol(s, addr, show_offset);
  return s;
}

uint64_t Ksyms::address_of(std::string_view name) const {
  uint64_t addr = 0;
  for_each_line(path_, [&](const KallsymsLine &l) {
    if (l.name != name)
      return true;
    addr = l.addr;
    return false;
  });
  return addr;
}

void Ksyms::addresses_of(const std::vector<std::string_view> &names,
                         std::vector<uint64_t> &out) const {
  out.assign(names.size(), 0);
  if (names.empty())
    return;
  std::unordered_map<std::string_view, std::vector<size_t>> wanted;
  for (size_t i = 0; i < names.size(); i++)
    wanted[names[i]].push_back(i);
  size_t left = wanted.size();
  for_each_line(path_, [&](const KallsymsLine &l) {
    auto it = wanted.find(l.name);
    if (it == wanted.end() || it->second.empty())
      return true;
    for (size_t i : it->second)
      out[i] = l.addr;
    it->second.clear();  // first match wins
    return --left > 0;
  });
}

}  // namespace bt2bin::rt

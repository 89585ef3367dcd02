// kstack/ustack/ksym/usym formatting in bpftrace's modes. See stack_format.h.
#include "runtime-template/stack_format.h"
#include "runtime-template/number_text.h"
#include "runtime-template/value_format.h"

#include <charconv>

namespace bt2bin::rt {

namespace {

size_t frame_count(const uint64_t *ips, size_t n, uint32_t limit) {
  if (limit && n > limit)
    n = limit;
  size_t i = 0;
  while (i < n && ips[i] != 0)
    i++;
  return i;
}

// "sym+off" [+ " (module)"] or "0x<hex>" [+ " ([unknown])"].
void append_symbol(std::string &out, uint64_t addr, SymbolSource &syms,
                   bool perf) {
  FrameSymbol s = syms.resolve(addr);
  if (!s.found) {
    out += "0x";
    append_hex(out, addr);
    if (perf && syms.is_user())
      out += " ([unknown])";
    return;
  }
  out.append(s.name);
  out += '+';
  append_dec(out, s.offset);
  if (perf && syms.is_user()) {
    out += " (";
    out.append(s.module);
    out += ')';
  }
}


}  // namespace

FrameSymbol KernelSymbols::resolve(uint64_t addr) {
  KsymInfo k = ksyms_.lookup(addr);
  FrameSymbol f;
  f.name = k.name;
  f.offset = k.offset;
  f.module = k.module;
  f.found = k.found;
  return f;
}

FrameSymbol UserSymbols::resolve(uint64_t addr) {
  UsymInfo u = usyms_.lookup(pid_, addr, fallback_);
  FrameSymbol f;
  f.name = u.name;
  f.offset = u.offset;
  f.module = u.module;
  f.found = u.found;
  return f;
}

void append_frame(std::string &out, uint64_t addr, SymbolSource &syms,
                  StackPrintMode mode) {
  switch (mode) {
    case StackPrintMode::raw:
    case StackPrintMode::build_id:
      append_hex(out, addr);
      return;
    case StackPrintMode::perf:
      append_hex(out, addr);
      out += ' ';
      append_symbol(out, addr, syms, true);
      return;
    case StackPrintMode::bpftrace:
      append_symbol(out, addr, syms, false);
      return;
  }
}

void append_stack_text(std::string &out, const uint64_t *ips, size_t n,
                  SymbolSource &syms, const StackFormat &fmt) {
  n = frame_count(ips, n, fmt.limit);
  out += '\n';
  for (size_t i = 0; i < n; i++) {
    if (fmt.mode == StackPrintMode::bpftrace)
      out.append(static_cast<size_t>(fmt.indent > 0 ? fmt.indent : 0), ' ');
    else if (fmt.mode == StackPrintMode::perf)
      out += '\t';
    append_frame(out, ips[i], syms, fmt.mode);
    out += '\n';
  }
}

std::string format_stack(const uint64_t *ips, size_t n, SymbolSource &syms,
                         const StackFormat &fmt) {
  std::string s;
  append_stack_text(s, ips, n, syms, fmt);
  return s;
}

std::vector<std::string> stack_frames(const uint64_t *ips, size_t n,
                                      SymbolSource &syms,
                                      const StackFormat &fmt) {
  n = frame_count(ips, n, fmt.limit);
  std::vector<std::string> frames(n);
  for (size_t i = 0; i < n; i++)
    append_frame(frames[i], ips[i], syms, fmt.mode);
  return frames;
}

void append_stack_json_string(std::string &out, const uint64_t *ips, size_t n,
                              SymbolSource &syms, const StackFormat &fmt) {
  std::string text;
  append_stack_text(text, ips, n, syms, fmt);
  append_json_string(out, text);
}

void append_stack_json_array(std::string &out, const uint64_t *ips, size_t n,
                             SymbolSource &syms, const StackFormat &fmt) {
  n = frame_count(ips, n, fmt.limit);
  std::string frame;
  out += '[';
  for (size_t i = 0; i < n; i++) {
    if (i)
      out += ',';
    frame.clear();
    append_frame(frame, ips[i], syms, fmt.mode);
    append_json_string(out, frame);
  }
  out += ']';
}

void append_build_id_stack(std::string &out, const BuildIdFrame *frames,
                           size_t n, uint32_t limit) {
  static const char hex[] = "0123456789abcdef";
  if (limit && n > limit)
    n = limit;
  out += '\n';
  for (size_t i = 0; i < n; i++) {
    const BuildIdFrame &f = frames[i];
    if (f.status == 1) {
      for (unsigned char b : f.build_id) {
        out += hex[b >> 4];
        out += hex[b & 15];
      }
      out += " 0x";
      if (f.offset < 16)
        out += '0';
      append_hex(out, f.offset);
    } else {
      append_hex(out, f.ip);
    }
    out += '\n';
  }
}

void append_ksym(std::string &out, uint64_t addr, Ksyms &ksyms) {
  ksyms.append_symbol(out, addr, false);
}

void append_usym(std::string &out, int pid, uint64_t addr, Usyms &usyms,
                 std::string_view fallback_exe) {
  usyms.append_symbol(out, pid, addr, false, false, fallback_exe);
}

}  // namespace bt2bin::rt

// Text and JSON forms of kstack/ustack values and of ksym()/usym(), exactly
// as bpftrace v0.26 prints them (src/bpftrace.cpp get_stack, src/ksyms.cpp,
// src/usyms.cpp, src/types_format.cpp):
//
//   bpftrace mode   "\n" then per frame: 8 spaces + "sym+off" + "\n"
//   perf mode       "\n" then per frame: "\t" + hex addr + " " + "sym+off"
//                   [user: + " (module)"] + "\n"
//   raw mode        "\n" then per frame: hex addr + "\n"
//   build_id mode   "\n" then per frame: 40-hex build id + " 0x" + offset
//                   (at least 2 hex digits), or the hex ip when the kernel
//                   could not read the build id; + "\n"
//
// An unresolved frame prints "0x<hex>" (user perf mode: "0x<hex>
// ([unknown])"). Hex addresses are lower case without "0x" in the perf and
// raw prefixes. The same string is used for a printed value, printf("%s"),
// and a map key (@[<stack>]: n), all with 8 spaces since 0.22.
//
// The formatter asks a SymbolSource for each address, so it can be tested
// with a fake; KernelSymbols and UserSymbols adapt Ksyms and Usyms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime-template/ksyms.h"
#include "runtime-template/usyms.h"

namespace bt2bin::rt {

// (format_context.h's StackMode {Bpftrace, Perf, Raw} maps one to one.)
enum class StackPrintMode : uint8_t { bpftrace, perf, raw, build_id };

struct FrameSymbol {
  std::string_view name;    // valid until the next resolve() call
  uint64_t offset = 0;
  std::string_view module;  // user frames: printed in perf mode
  bool found = false;
};

class SymbolSource {
 public:
  virtual ~SymbolSource() = default;
  virtual FrameSymbol resolve(uint64_t addr) = 0;
  // User frames print " (module)" / " ([unknown])" in perf mode.
  virtual bool is_user() const = 0;
};

class KernelSymbols final : public SymbolSource {
 public:
  explicit KernelSymbols(Ksyms &ksyms = Ksyms::global()) : ksyms_(ksyms) {}
  FrameSymbol resolve(uint64_t addr) override;
  bool is_user() const override { return false; }

 private:
  Ksyms &ksyms_;
};

class UserSymbols final : public SymbolSource {
 public:
  // fallback_exe: the probe's binary, used when the process is gone.
  UserSymbols(int pid, Usyms &usyms = Usyms::global(),
              std::string_view fallback_exe = {})
      : pid_(pid), usyms_(usyms), fallback_(fallback_exe) {}
  FrameSymbol resolve(uint64_t addr) override;
  bool is_user() const override { return true; }

 private:
  int pid_;
  Usyms &usyms_;
  std::string_view fallback_;
};

struct StackFormat {
  StackPrintMode mode = StackPrintMode::bpftrace;
  uint32_t limit = 0;  // print at most this many frames; 0 = all
  int indent = 8;      // bpftrace mode indent (8 for values and map keys)
};

// ips: `n` addresses, leaf first; printing stops at the first 0 address.
void append_stack_text(std::string &out, const uint64_t *ips, size_t n,
                  SymbolSource &syms, const StackFormat &fmt = {});
std::string format_stack(const uint64_t *ips, size_t n, SymbolSource &syms,
                         const StackFormat &fmt = {});

// One frame as it appears on its line, without the indent/tab and newline:
// "vfs_read+5" (bpftrace), "ffffffff816b8235 vfs_read+5" (perf), "ffff..."
// (raw). This is the per-frame string FormatContext::kstack/ustack expect.
void append_frame(std::string &out, uint64_t addr, SymbolSource &syms,
                  StackPrintMode mode);
// The frames one by one (what append_frame gives), honouring limit.
std::vector<std::string> stack_frames(const uint64_t *ips, size_t n,
                                      SymbolSource &syms,
                                      const StackFormat &fmt = {});

// JSON. bpftrace -f json emits a stack as one JSON string holding the text
// form above (what a map key or value needs for bpftrace parity):
void append_stack_json_string(std::string &out, const uint64_t *ips, size_t n,
                              SymbolSource &syms, const StackFormat &fmt = {});
// A structured alternative: an array of frame strings, ["a+1","b+2"]
// (bpftrace's array style: no spaces).
void append_stack_json_array(std::string &out, const uint64_t *ips, size_t n,
                             SymbolSource &syms, const StackFormat &fmt = {});

// build_id mode: the layout of the kernel's struct bpf_stack_build_id.
struct BuildIdFrame {
  int32_t status;  // 1 = BPF_STACK_BUILD_ID_VALID, 2 = IP only
  unsigned char build_id[20];
  union {
    uint64_t offset;
    uint64_t ip;
  };
};
static_assert(sizeof(BuildIdFrame) == 32);
void append_build_id_stack(std::string &out, const BuildIdFrame *frames,
                           size_t n, uint32_t limit = 0);

// ksym(addr): "name" or "0x<hex>". usym(addr): the same for user space.
void append_ksym(std::string &out, uint64_t addr,
                 Ksyms &ksyms = Ksyms::global());
void append_usym(std::string &out, int pid, uint64_t addr,
                 Usyms &usyms = Usyms::global(),
                 std::string_view fallback_exe = {});

}  // namespace bt2bin::rt

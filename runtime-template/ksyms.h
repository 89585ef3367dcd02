// Kernel symbols for the runtime: /proc/kallsyms loaded lazily, once.
//
// Used to print ksym()/kstack values (lookup) and to resolve kaddr() and
// percpu_kaddr() names at tool start (address_of). Lookup follows bcc's
// KSyms, which bpftrace uses: data symbols (b/B/d/D/r/R) are ignored and an
// address resolves to the nearest preceding symbol with its offset.
// Not thread-safe: the runtime symbolizes from its single output thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bt2bin::rt {

struct KsymInfo {
  std::string_view name;    // empty when not found
  uint64_t offset = 0;      // addr - symbol address
  std::string_view module;  // "" for vmlinux, else "[module]" name without brackets
  bool found = false;
};

class Ksyms {
 public:
  explicit Ksyms(std::string path = "/proc/kallsyms");

  // The process-wide table used by the output code.
  static Ksyms &global();

  // Reads and sorts the file; later calls return the first result. Called
  // by lookup(), so nothing is read until a kernel symbol is printed.
  bool load();
  bool loaded() const { return state_ != State::unloaded; }
  size_t size() const { return entries_.size(); }

  // Nearest preceding text symbol. String views stay valid for the life of
  // this object.
  KsymInfo lookup(uint64_t addr);

  // Appends "name" / "name+off" or, when unknown, "0x<hex>" (bpftrace).
  void append_symbol(std::string &out, uint64_t addr, bool show_offset);
  std::string symbolize(uint64_t addr, bool show_offset);

  // Address of a symbol of any type by exact name, first match in file
  // order (what bpftrace's kaddr() does); 0 when missing or when kallsyms
  // hides addresses (kptr_restrict). Streams the file without building the
  // lookup table. Per-CPU variables give their offset in the per-CPU area,
  // which is what percpu_kaddr() needs as the ksym base (the BPF side adds
  // the CPU's offset with bpf_per_cpu_ptr / bpf_this_cpu_ptr).
  uint64_t address_of(std::string_view name) const;
  // One pass for many names; out[i] is 0 for a missing name.
  void addresses_of(const std::vector<std::string_view> &names,
                    std::vector<uint64_t> &out) const;

 private:
  struct Entry {
    uint64_t addr;
    uint32_t name_off;
    uint16_t name_len;
    uint16_t module;
  };
  enum class State : uint8_t { unloaded, ok, failed };

  std::string path_;
  State state_ = State::unloaded;
  std::vector<Entry> entries_;        // sorted by addr, one per address
  std::string names_;                 // name bytes referenced by entries_
  std::vector<std::string> modules_;  // [0] = "" (vmlinux)
};

}  // namespace bt2bin::rt

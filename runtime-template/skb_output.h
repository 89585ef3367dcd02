// skboutput(file, skb, len, off): packets the BPF side sends through the
// `skb_events` perf event array are written to pcap files, as bpftrace
// does (libpcap format, LINKTYPE_RAW, microsecond timestamps, snaplen
// 65535), `off` bytes skipped at the start of each packet.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

struct bpf_object;
struct perf_buffer;

namespace bt2bin::rt {

// One skboutput() call site.
struct SkbOutputDesc {
  const char *file;
  uint64_t offset;
};

class SkbOutputs {
 public:
  ~SkbOutputs();
  // Creates (truncates) every pcap file and opens the perf buffer; false
  // after printing an error. A tool without skboutput() does nothing.
  bool open(const SkbOutputDesc *sites, uint32_t nsites, bpf_object *obj);
  // Writes the packets waiting in the perf buffer (non-blocking).
  void poll();
  // Writes what is left and closes the files.
  void close();

 private:
  static void on_sample(void *ctx, int cpu, void *data, uint32_t size);
  static void on_lost(void *ctx, int cpu, unsigned long long count);
  void write_packet(const uint8_t *data, uint32_t size);

  const SkbOutputDesc *sites_ = nullptr;
  uint32_t nsites_ = 0;
  perf_buffer *pb_ = nullptr;
  std::map<std::string, FILE *> files_;
  int64_t boot_to_epoch_ns_ = 0;
  uint64_t lost_ = 0;
};

}  // namespace bt2bin::rt

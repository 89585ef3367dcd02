// skboutput() pcap files (see skb_output.h).
#include "runtime-template/skb_output.h"

#include <bpf/libbpf.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bt2bin::rt {

namespace {

// What the BPF side puts before the packet bytes (struct bt_skb_record).
struct SkbRecordHeader {
  uint64_t site;
  uint64_t ns;   // CLOCK_BOOTTIME
  uint32_t len;  // packet bytes copied after the header
  uint32_t pad;
};

constexpr uint32_t kPcapMagic = 0xa1b2c3d4;  // microsecond timestamps
constexpr uint32_t kSnapLen = 65535;
constexpr uint32_t kLinkTypeRaw = 101;       // LINKTYPE_RAW: packets start with an IP header

void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }

void write_file_header(FILE *f) {
  put32(f, kPcapMagic);
  put16(f, 2);  // version 2.4
  put16(f, 4);
  put32(f, 0);  // thiszone
  put32(f, 0);  // sigfigs
  put32(f, kSnapLen);
  put32(f, kLinkTypeRaw);
}

int64_t boot_to_epoch_ns() {
  timespec boot, real;
  clock_gettime(CLOCK_BOOTTIME, &boot);
  clock_gettime(CLOCK_REALTIME, &real);
  return (static_cast<int64_t>(real.tv_sec) - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
}

}  // namespace

SkbOutputs::~SkbOutputs() { close(); }

bool SkbOutputs::open(const SkbOutputDesc *sites, uint32_t nsites, bpf_object *obj) {
  sites_ = sites;
  nsites_ = nsites;
  if (!nsites) return true;
  for (uint32_t i = 0; i < nsites; i++) {
    if (files_.count(sites[i].file)) continue;
    FILE *f = fopen(sites[i].file, "wb");
    if (!f) {
      fprintf(stderr, "ERROR: skboutput: cannot create %s: %s\n", sites[i].file, strerror(errno));
      return false;
    }
    write_file_header(f);
    fflush(f);
    files_[sites[i].file] = f;
  }
  boot_to_epoch_ns_ = boot_to_epoch_ns();
  bpf_map *map = bpf_object__find_map_by_name(obj, "skb_events");
  pb_ = map ? perf_buffer__new(bpf_map__fd(map), 64, on_sample, on_lost, this, nullptr) : nullptr;
  if (!pb_) {
    fprintf(stderr, "ERROR: skboutput: could not open the packet perf buffer: %s\n", strerror(errno));
    return false;
  }
  return true;
}

void SkbOutputs::on_sample(void *ctx, int, void *data, uint32_t size) {
  static_cast<SkbOutputs *>(ctx)->write_packet(static_cast<const uint8_t *>(data), size);
}

void SkbOutputs::on_lost(void *ctx, int, unsigned long long count) { static_cast<SkbOutputs *>(ctx)->lost_ += count; }

void SkbOutputs::write_packet(const uint8_t *data, uint32_t size) {
  SkbRecordHeader hdr;
  if (size < sizeof hdr) return;
  memcpy(&hdr, data, sizeof hdr);
  if (hdr.site >= nsites_) return;
  // Perf samples are padded to 8 bytes: the header says how many are packet.
  uint32_t len = std::min<uint32_t>(hdr.len, size - sizeof hdr);
  uint64_t skip = std::min<uint64_t>(sites_[hdr.site].offset, len);
  const uint8_t *pkt = data + sizeof hdr + skip;
  uint32_t n = len - static_cast<uint32_t>(skip);
  uint64_t ns = hdr.ns + boot_to_epoch_ns_;
  FILE *f = files_[sites_[hdr.site].file];
  put32(f, static_cast<uint32_t>(ns / 1000000000ULL));
  put32(f, static_cast<uint32_t>(ns % 1000000000ULL / 1000));
  put32(f, n);  // captured length
  put32(f, n);  // original length
  fwrite(pkt, 1, n, f);
}

void SkbOutputs::poll() {
  if (!pb_) return;
  perf_buffer__poll(pb_, 0);
  // Readers (tcpdump -r, a pipeline) see each batch as it comes.
  for (auto &[name, f] : files_) fflush(f);
}

void SkbOutputs::close() {
  if (pb_) {
    perf_buffer__consume(pb_);
    perf_buffer__free(pb_);
    pb_ = nullptr;
  }
  for (auto &[name, f] : files_) fclose(f);
  files_.clear();
  if (lost_) fprintf(stderr, "WARNING: skboutput: %llu packets were lost\n", static_cast<unsigned long long>(lost_));
  lost_ = 0;
}

}  // namespace bt2bin::rt

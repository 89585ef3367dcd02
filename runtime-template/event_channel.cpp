// Ring buffer or perf buffer (see event_channel.h).
#include "runtime-template/event_channel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bt2bin::rt {

namespace {

constexpr size_t kPerfBufferPages = 64;     // per CPU
constexpr size_t kMaxPerCpuValue = 32768;   // the kernel's limit for per-CPU map values

}  // namespace

// Every kernel since 5.8 has the ring buffer (it cannot be configured
// out), so those are not asked: creating one costs a few hundred
// microseconds of start-up. Older kernels, some of which have it
// backported, are asked by creating one.
bool ringbuf_supported() {
  struct utsname u;
  int major = 0, minor = 0;
  if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 && (major > 5 || (major == 5 && minor >= 8)))
    return true;
  return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) > 0;
}

EventChannel::~EventChannel() { close(); }

void EventChannel::close() {
  ring_buffer__free(ring_);
  perf_buffer__free(perf_);
  ring_ = nullptr;
  perf_ = nullptr;
}

bool EventChannel::prepare(bpf_object *obj, bool perfbuf, size_t max_record, std::string &error) {
  if (!perfbuf) return true;
  bpf_map *events = bpf_object__find_map_by_name(obj, "events");
  bpf_map *heap = bpf_object__find_map_by_name(obj, "bt_event_heap");
  if (!events || !heap) {
    error = "the BPF object has no event channel";
    return false;
  }
  if (max_record > kMaxPerCpuValue) {
    error = "an event record of " + std::to_string(max_record) + " bytes is too large for the perf buffer "
            "(this kernel has no BPF ring buffer)";
    return false;
  }
  // max_entries 0: libbpf makes one slot per possible CPU.
  if (bpf_map__set_type(events, BPF_MAP_TYPE_PERF_EVENT_ARRAY) || bpf_map__set_key_size(events, 4) ||
      bpf_map__set_value_size(events, 4) || bpf_map__set_max_entries(events, 0) ||
      bpf_map__set_value_size(heap, static_cast<uint32_t>((max_record + 7) / 8 * 8))) {
    error = std::string("cannot set up the perf buffer: ") + strerror(errno);
    return false;
  }
  return true;
}

bool EventChannel::open(bpf_object *obj, bool perfbuf, Handler handler, std::string &error) {
  handler_ = std::move(handler);
  int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "events"));
  if (perfbuf)
    perf_ = perf_buffer__new(fd, kPerfBufferPages, on_perf_record, on_perf_lost, this, nullptr);
  else
    ring_ = ring_buffer__new(fd, on_ring_record, this, nullptr);
  if (!ring_ && !perf_) {
    error = std::string("could not open the event ") + (perfbuf ? "perf buffer: " : "ring buffer: ") + strerror(errno);
    return false;
  }
  return true;
}

int EventChannel::poll(int timeout_ms) {
  return ring_ ? ring_buffer__poll(ring_, timeout_ms) : perf_buffer__poll(perf_, timeout_ms);
}

void EventChannel::consume() {
  if (ring_) ring_buffer__consume(ring_);
  if (perf_) perf_buffer__consume(perf_);
}

int EventChannel::on_ring_record(void *ctx, void *data, size_t size) {
  static_cast<EventChannel *>(ctx)->handler_(static_cast<const uint8_t *>(data), size);
  return 0;
}

void EventChannel::on_perf_record(void *ctx, int, void *data, uint32_t size) {
  static_cast<EventChannel *>(ctx)->handler_(static_cast<const uint8_t *>(data), size);
}

void EventChannel::on_perf_lost(void *ctx, int, unsigned long long count) { static_cast<EventChannel *>(ctx)->lost_ += count; }

}  // namespace bt2bin::rt

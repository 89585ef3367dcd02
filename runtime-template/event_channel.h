// The tool's event channel (DESIGN invariant 7): the BPF ring buffer
// `events`, or, on kernels without one (or with --no-feature ringbuf), the
// same map turned into a perf event array before load. Records arrive in
// the handler either way, so the rest of the runtime does not care which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

struct bpf_object;
struct ring_buffer;
struct perf_buffer;

namespace bt2bin::rt {

// Whether this kernel has BPF ring buffers (5.8+).
bool ringbuf_supported();

class EventChannel {
 public:
  using Handler = std::function<void(const uint8_t *data, size_t size)>;
  ~EventChannel();

  // Before load: with `perfbuf`, turns the `events` map into a per-CPU perf
  // event array and sizes the record heap to `max_record` bytes.
  static bool prepare(bpf_object *obj, bool perfbuf, size_t max_record, std::string &error);
  // After load: starts reading `events`.
  bool open(bpf_object *obj, bool perfbuf, Handler handler, std::string &error);
  void close();              // before the BPF object is destroyed
  int poll(int timeout_ms);  // < 0 on error (-EINTR when interrupted)
  void consume();            // reads whatever is there, without waiting
  uint64_t lost() const { return lost_; }  // perf buffer: records the kernel dropped

 private:
  static int on_ring_record(void *ctx, void *data, size_t size);
  static void on_perf_record(void *ctx, int cpu, void *data, uint32_t size);
  static void on_perf_lost(void *ctx, int cpu, unsigned long long count);

  Handler handler_;
  ring_buffer *ring_ = nullptr;
  perf_buffer *perf_ = nullptr;
  uint64_t lost_ = 0;
};

}  // namespace bt2bin::rt

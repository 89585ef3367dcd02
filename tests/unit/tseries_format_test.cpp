// Unit tests for runtime-template/tseries_format: the tseries() graph, byte
// for byte against the examples of bpftrace's docs/stdlib.md (tseries) and
// tests/runtime/outputs/tseries_multiple.txt, and the reduction of per-CPU
// slots into series.
#include <doctest/doctest.h>

#include <cstring>

#include "runtime-template/tseries_format.h"

using namespace bt2bin::rt;

namespace {

// 1970-01-01 10:39:49.300 UTC.
constexpr uint64_t kBase = (10 * 3600 + 39 * 60 + 49) * 1000000000ULL + 300000000ULL;
constexpr uint64_t kMs = 1000000ULL;

TimeSeries series(std::vector<std::optional<int64_t>> values, uint64_t step_ns, uint64_t base = kBase) {
  TimeSeries ts;
  for (size_t i = 0; i < values.size(); i++) ts.points.emplace_back(base + i * step_ns, values[i]);
  return ts;
}

std::vector<uint8_t> slot(int64_t value, int64_t meta, uint64_t epoch) {
  std::vector<uint8_t> b(24);
  memcpy(b.data(), &value, 8);
  memcpy(b.data() + 8, &meta, 8);
  memcpy(b.data() + 16, &epoch, 8);
  return b;
}

std::vector<uint8_t> bucket_key(uint64_t bucket) {
  std::vector<uint8_t> k(8);
  memcpy(k.data(), &bucket, 8);
  return k;
}

}  // namespace

TEST_CASE("tseries text: the zigzag example of docs/stdlib.md") {
  std::vector<std::optional<int64_t>> v;
  for (int64_t x : {-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4}) v.push_back(x);
  std::string out;
  append_tseries_text(out, series(v, 100 * kMs), true);
  CHECK(out ==
        "             -5                                                  5\n"
        "hh:mm:ss.ms  |___________________________________________________|\n"
        "10:39:49.300 *                         .                         | -5\n"
        "10:39:49.400 |    *                    .                         | -4\n"
        "10:39:49.500 |         *               .                         | -3\n"
        "10:39:49.600 |              *          .                         | -2\n"
        "10:39:49.700 |                   *     .                         | -1\n"
        "10:39:49.800 |                         *                         | 0\n"
        "10:39:49.900 |                         .    *                    | 1\n"
        "10:39:50.000 |                         .         *               | 2\n"
        "10:39:50.100 |                         .              *          | 3\n"
        "10:39:50.200 |                         .                   *     | 4\n"
        "10:39:50.300 |                         .                         * 5\n"
        "10:39:50.400 |                         .                   *     | 4\n"
        "10:39:50.500 |                         .              *          | 3\n"
        "10:39:50.600 |                         .         *               | 2\n"
        "10:39:50.700 |                         .    *                    | 1\n"
        "10:39:50.800 |                         *                         | 0\n"
        "10:39:50.900 |                   *     .                         | -1\n"
        "10:39:51.000 |              *          .                         | -2\n"
        "10:39:51.100 |         *               .                         | -3\n"
        "10:39:51.200 |    *                    .                         | -4\n"
        "             v___________________________________________________v\n"
        "             -5                                                  5\n");
}

TEST_CASE("tseries text: empty intervals print '-' (tests/runtime/outputs/tseries_multiple.txt)") {
  std::string out;
  append_tseries_text(out, series({0, 5, 5, 5, 5, {}, {}, {}, {}, {}}, 100 * kMs, 0), true);
  CHECK(out ==
        "             0                                                   5\n"
        "hh:mm:ss.ms  |___________________________________________________|\n"
        "00:00:00.000 *                                                   | 0\n"
        "00:00:00.100 |                                                   * 5\n"
        "00:00:00.200 |                                                   * 5\n"
        "00:00:00.300 |                                                   * 5\n"
        "00:00:00.400 |                                                   * 5\n"
        "00:00:00.500 |                                                   | -\n"
        "00:00:00.600 |                                                   | -\n"
        "00:00:00.700 |                                                   | -\n"
        "00:00:00.800 |                                                   | -\n"
        "00:00:00.900 |                                                   | -\n"
        "             v___________________________________________________v\n"
        "             0                                                   5\n");
}

TEST_CASE("tseries text: a flat line widens the scale by one each way; whole seconds have no fraction") {
  std::string out;
  append_tseries_text(out, series({9, 9}, 1000 * kMs), true);
  CHECK(out ==
        "         8" + std::string(50, ' ') + "10\n"
        "hh:mm:ss |___________________________________________________|\n"
        "10:39:49 |                         *                         | 9\n"
        "10:39:50 |                         *                         | 9\n"
        "         v___________________________________________________v\n"
        "         8" + std::string(50, ' ') + "10\n");
}

TEST_CASE("tseries json: interval starts in UTC with nanoseconds, empty intervals left out") {
  std::string out;
  append_tseries_json(out, series({3, {}, 4}, 100 * kMs));
  CHECK(out == "[{\"interval_start\":\"1970-01-01 10:39:49.300000000\",\"value\":3},"
               "{\"interval_start\":\"1970-01-01 10:39:49.500000000\",\"value\":4}]");
}

TEST_CASE("tseries reduction: newest epoch per slot, aggregated over CPUs; window of the last N epochs") {
  MapDesc map{"@t", "AT_t", AggKind::Tseries, nullptr, nullptr, 8, 24, true, true, 0, 0, 0, 0};
  map.tseries_interval_ns = 100 * kMs;
  map.tseries_intervals = 3;
  map.tseries_agg = static_cast<int32_t>(TseriesAggKind::Avg);
  // Epochs 10..14 exist; only 12..14 are in the window; epoch 13 has no value.
  std::vector<RawMapEntry> entries = {
      {bucket_key(10 % 3), {slot(100, 1, 10), slot(0, 0, 0)}},
      {bucket_key(11 % 3), {slot(10, 2, 11), slot(0, 0, 0)}},
      {bucket_key(12 % 3), {slot(10, 2, 12), slot(20, 2, 12)}},       // avg (10 + 20) / 4
      {bucket_key(14 % 3), {slot(7, 1, 14), slot(100, 1, 11)}},       // CPU 1 holds an older epoch
  };
  auto all = build_tseries(map, entries, 0);
  REQUIRE(all.size() == 1);
  const TimeSeries &ts = all[0].second;
  REQUIRE(ts.points.size() == 3);
  CHECK(ts.points[0].first == 12 * 100 * kMs);
  CHECK(ts.points[0].second == std::optional<int64_t>(7));
  CHECK(!ts.points[1].second);
  CHECK(ts.points[2].second == std::optional<int64_t>(7));
}

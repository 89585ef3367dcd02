// Unit tests for runtime-template/map_format and hist_buckets: map printing
// in text and JSON, byte-exact against the reference outputs of
// bpftrace-language.md §2.2 (0.17 output converted to v0.26 where the
// reference says they differ) and bpftrace's tests/runtime/json-output.
#include <doctest/doctest.h>

#include <algorithm>

#include "runtime-template/map_format.h"
#include "tests/unit/format_test_helpers.h"

using namespace bt2bin::rt;
using namespace fmt_test;

namespace {

std::string text(const MapDesc &m, const std::vector<RawMapEntry> &e, uint32_t top = 0,
                 uint64_t div = 0, const FormatContext &ctx = FormatContext()) {
  std::string out;
  print_map_text(out, m, e, ctx, top, div);
  return out;
}

std::string json(const MapDesc &m, const std::vector<RawMapEntry> &e, uint32_t top = 0,
                 uint64_t div = 0, const FormatContext &ctx = FormatContext()) {
  std::string out;
  print_map_json(out, m, e, ctx, top, div);
  return out;
}

MapDesc hist_map(const char *name, const ValueDesc *key, int64_t k = 0) {
  MapDesc m = map_desc(name, AggKind::Hist, key);
  m.key_size = (key ? key->size : 0) + 8;
  m.hist_k = k;
  return m;
}

MapDesc lhist_map(const char *name, const ValueDesc *key, int64_t min, int64_t max,
                  int64_t step) {
  MapDesc m = map_desc(name, AggKind::Lhist, key);
  m.key_size = (key ? key->size : 0) + 8;
  m.lhist_min = min;
  m.lhist_max = max;
  m.lhist_step = step;
  return m;
}

// A keyed map of plain int64 values.
std::vector<RawMapEntry> int_values(std::vector<std::pair<std::vector<uint8_t>, int64_t>> kv) {
  std::vector<RawMapEntry> e;
  for (auto &[k, v] : kv) e.push_back(entry(k, {le<int64_t>(v)}));
  return e;
}

std::vector<uint8_t> skey(const std::string &s, size_t size = 8) { return Bytes().str(s, size).b; }

// Removes the space after ',' between JSON objects in the stored bpftrace
// expectations ("}, {" -> "},{"), which bpftrace compares as JSON.
std::string tighten(std::string s) {
  size_t p;
  while ((p = s.find("}, {")) != std::string::npos) s.replace(p, 4, "},{");
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------
// hist_buckets.h

TEST_CASE("map_format: hist bucket index follows bpftrace's log2(n, k)") {
  // k = 0: negatives, 0, 1, then powers of two.
  CHECK(bt2bin_hist_index(-1, 0) == 0);
  CHECK(bt2bin_hist_index(INT64_MIN, 0) == 0);
  CHECK(bt2bin_hist_index(0, 0) == 1);
  CHECK(bt2bin_hist_index(1, 0) == 2);
  CHECK(bt2bin_hist_index(2, 0) == 3);
  CHECK(bt2bin_hist_index(3, 0) == 3);
  CHECK(bt2bin_hist_index(5, 0) == 4);
  CHECK(bt2bin_hist_index(1000, 0) == 11);
  CHECK(bt2bin_hist_index(1024, 0) == 12);
  CHECK(bt2bin_hist_index(10LL << 30, 0) == 35);
  // k = 1: two buckets per power of two.
  const unsigned long long k1[] = {1, 2, 3, 4, 5, 5, 6, 6, 7, 7};
  for (int v = 0; v < 10; v++) CHECK(bt2bin_hist_index(v, 1) == k1[v]);
  CHECK(bt2bin_hist_index(1 << 20, 1) == 41);
  // k = 2 (bpftrace's comment example: 225 -> 28).
  CHECK(bt2bin_hist_index(225, 2) == 28);
  CHECK(bt2bin_hist_index(5, 2) == 6);
  CHECK(bt2bin_hist_index(9, 2) == 9);
  CHECK(bt2bin_hist_index(100, 2) == 23);
  CHECK(bt2bin_hist_index(3000, 2) == 42);
  CHECK(bt2bin_hist_index(1023, 3) == 64);
  for (unsigned k = 0; k <= 5; k++)
    CHECK(bt2bin_hist_index(INT64_MAX, k) == bt2bin_hist_max_index(k));
}

TEST_CASE("map_format: hist bucket bounds invert the index") {
  for (unsigned k = 0; k <= 5; k++) {
    for (long long v : {0LL, 1LL, 2LL, 3LL, 7LL, 8LL, 31LL, 100LL, 225LL, 1000LL, 4096LL,
                        123456789LL, 1LL << 40, (1LL << 62) + 12345}) {
      unsigned long long i = bt2bin_hist_index(v, k);
      CHECK(bt2bin_hist_min(i, k) <= static_cast<unsigned long long>(v));
      CHECK(static_cast<unsigned long long>(v) < bt2bin_hist_limit(i, k));
    }
  }
  CHECK(bt2bin_hist_min(11, 0) == 512);
  CHECK(bt2bin_hist_limit(11, 0) == 1024);
}

TEST_CASE("map_format: lhist bucket index follows bpftrace's linear()") {
  CHECK(bt2bin_lhist_index(-1, 0, 10, 2) == 0);
  CHECK(bt2bin_lhist_index(0, 0, 10, 2) == 1);
  CHECK(bt2bin_lhist_index(3, 0, 10, 2) == 2);
  CHECK(bt2bin_lhist_index(9, 0, 10, 2) == 5);
  CHECK(bt2bin_lhist_index(10, 0, 10, 2) == 6);
  CHECK(bt2bin_lhist_index(12, 0, 10, 2) == 6);
  CHECK(bt2bin_lhist_index(10, 0, 10, 3) == 4);
  CHECK(bt2bin_lhist_nbuckets(0, 10, 2) == 7);
  CHECK(bt2bin_lhist_index(-5, -10, 10, 5) == 2);
}

TEST_CASE("map_format: hist labels use 1024-power suffixes") {
  CHECK(hist_limit_label(11, 0) == "1K");
  CHECK(hist_limit_label(10, 0) == "512");
  CHECK(hist_limit_label(21, 0) == "1M");
  CHECK(hist_limit_label(31, 0) == "1G");
  CHECK(hist_limit_label(41, 0) == "1T");
  CHECK(hist_limit_label(51, 0) == "1P");
  CHECK(hist_limit_label(61, 0) == "1E");
  CHECK(hist_limit_label(64, 0) == "8E");
  // With k, the suffix follows the power of two, as in bpftrace.
  CHECK(hist_limit_label(41, 2) == "2560");
  CHECK(hist_limit_label(44, 2) == "4K");
  CHECK(hist_limit_label(40, 1) == "1024K");
}

// ---------------------------------------------------------------------------
// hist / lhist text

TEST_CASE("map_format: hist reference output (5, 1000)") {
  MapDesc m = hist_map("@h", nullptr);
  HistBuilder h;
  h.hist({}, 5, 0);
  h.hist({}, 1000, 0);
  std::string want = "@h:\n" + row("[4, 8)", 1, 52) + row("[8, 16)", 0, 0) +
                     row("[16, 32)", 0, 0) + row("[32, 64)", 0, 0) + row("[64, 128)", 0, 0) +
                     row("[128, 256)", 0, 0) + row("[256, 512)", 0, 0) +
                     row("[512, 1K)", 1, 52) + "\n";
  CHECK(text(m, h.entries) == want);
  // Spot-check the row layout byte for byte.
  CHECK(want.find("[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n") !=
        std::string::npos);
}

TEST_CASE("map_format: hist reference output (negative, 0, 1, 2, 3, 1024)") {
  MapDesc m = hist_map("@h", nullptr);
  HistBuilder h;
  for (int64_t v : {0, 1, 2, 3, -1, 1024}) h.hist({}, v, 0);
  std::string want = "@h:\n" + row("(..., 0)", 1, 26) + row("[0]", 1, 26) + row("[1]", 1, 26) +
                     row("[2, 4)", 2, 52);
  for (const char *l : {"[4, 8)", "[8, 16)", "[16, 32)", "[32, 64)", "[64, 128)", "[128, 256)",
                        "[256, 512)", "[512, 1K)"})
    want += row(l, 0, 0);
  want += row("[1K, 2K)", 1, 26) + "\n";
  CHECK(text(m, h.entries) == want);
  CHECK(want.find("(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |") !=
        std::string::npos);
}

TEST_CASE("map_format: hist bars scale to 52 in float as bpftrace") {
  MapDesc m = hist_map("@h", nullptr);
  HistBuilder h;
  h.add({}, 3, 3);
  h.add({}, 4, 2);
  h.add({}, 5, 1);
  CHECK(text(m, h.entries) ==
        "@h:\n" + row("[2, 4)", 3, 52) + row("[4, 8)", 2, 34) + row("[8, 16)", 1, 17) + "\n");
}

TEST_CASE("map_format: hist with k=1 splits each power of two") {
  MapDesc m = hist_map("@h", nullptr, 1);
  HistBuilder h;
  for (int64_t v = 0; v < 10; v++) h.hist({}, v, 1);
  CHECK(text(m, h.entries) == "@h:\n" + row("[0]", 1, 26) + row("[1]", 1, 26) +
                                  row("[2]", 1, 26) + row("[3]", 1, 26) + row("[4, 6)", 2, 52) +
                                  row("[6, 8)", 2, 52) + row("[8, 12)", 2, 52) + "\n");
}

TEST_CASE("map_format: hist with k=2 labels") {
  MapDesc m = hist_map("@h", nullptr, 2);
  HistBuilder h;
  h.hist({}, 5, 2);
  h.hist({}, 9, 2);
  CHECK(text(m, h.entries) == "@h:\n" + row("[5]", 1, 52) + row("[6]", 0, 0) +
                                  row("[7]", 0, 0) + row("[8, 10)", 1, 52) + "\n");
  HistBuilder big;
  big.hist({}, 3000, 2);
  big.hist({}, 3584, 2);
  CHECK(text(m, big.entries) == "@h:\n" + row("[2560, 3072)", 1, 52) +
                                    row("[3072, 3584)", 0, 0) + row("[3584, 4K)", 1, 52) + "\n");
}

TEST_CASE("map_format: hist M and G labels, no 0.17 clamp at 2^31") {
  MapDesc m = hist_map("@h", nullptr);
  HistBuilder h;
  h.hist({}, 1048576, 0);
  h.hist({}, 3 * 1048576, 0);
  CHECK(text(m, h.entries) == "@h:\n" + row("[1M, 2M)", 1, 52) + row("[2M, 4M)", 1, 52) + "\n");
  HistBuilder g;
  g.hist({}, 10LL << 30, 0);
  CHECK(text(m, g.entries) == "@h:\n" + row("[8G, 16G)", 1, 52) + "\n");
  // call:hist_10g (json)
  MapDesc anon = hist_map("@", nullptr);
  CHECK(json(anon, g.entries) ==
        "{\"type\": \"hist\", \"data\": {\"@\": [{\"min\": 8589934592, \"max\": 17179869183, "
        "\"count\": 1}]}}\n");
}

TEST_CASE("map_format: lhist reference output") {
  MapDesc m = lhist_map("@l", nullptr, 0, 10, 2);
  HistBuilder h;
  for (int64_t v : {3, 12, -1, 7}) h.lhist({}, v, 0, 10, 2);
  CHECK(text(m, h.entries) == "@l:\n" + row("(..., 0)", 1, 52) + row("[0, 2)", 0, 0) +
                                  row("[2, 4)", 1, 52) + row("[4, 6)", 0, 0) +
                                  row("[6, 8)", 1, 52) + row("[8, 10)", 0, 0) +
                                  row("[10, ...)", 1, 52) + "\n");
}

TEST_CASE("map_format: lhist with a step multiple of 1024 uses K labels") {
  MapDesc m = lhist_map("@l", nullptr, 0, 8192, 1024);
  HistBuilder h;
  h.lhist({}, 2048, 0, 8192, 1024);
  h.lhist({}, 5000, 0, 8192, 1024);
  CHECK(text(m, h.entries) ==
        "@l:\n" + row("[2K, 3K)", 1, 52) + row("[3K, 4K)", 0, 0) + row("[4K, 5K)", 1, 52) + "\n");
  MapDesc mm = lhist_map("@l", nullptr, 0, 4 << 20, 1 << 20);
  HistBuilder hm;
  hm.lhist({}, 1 << 20, 0, 4 << 20, 1 << 20);
  CHECK(text(mm, hm.entries) == "@l:\n" + row("[1M, 2M)", 1, 52) + "\n");
}

TEST_CASE("map_format: lhist step 1 prints single values (v0.26)") {
  // 0.17 printed [5, 6); v0.26 prints adjacent integer bounds as [5].
  MapDesc m = lhist_map("@l", nullptr, 0, 10, 1);
  HistBuilder h;
  h.lhist({}, 5, 0, 10, 1);
  h.lhist({}, 7, 0, 10, 1);
  CHECK(text(m, h.entries) ==
        "@l:\n" + row("[5]", 1, 52) + row("[6]", 0, 0) + row("[7]", 1, 52) + "\n");
}

TEST_CASE("map_format: lhist with only the overflow or underflow bucket") {
  MapDesc m = lhist_map("@l", nullptr, 0, 10, 1);
  HistBuilder over;
  over.lhist({}, 100, 0, 10, 1);
  CHECK(text(m, over.entries) == "@l:\n" + row("[10, ...)", 1, 52) + "\n");
  CHECK(json(m, over.entries) ==
        "{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 10, \"count\": 1}]}}\n");
  HistBuilder under;
  under.lhist({}, -100, 0, 10, 1);
  CHECK(text(m, under.entries) == "@l:\n" + row("(..., 0)", 1, 52) + "\n");
  CHECK(json(m, under.entries) ==
        "{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}]}}\n");
}

TEST_CASE("map_format: hist counts are summed over CPUs and divided by div") {
  MapDesc m = hist_map("@h", nullptr);
  std::vector<RawMapEntry> e;
  e.push_back(entry(le<uint64_t>(3), {le<int64_t>(4), le<int64_t>(6)}));
  e.push_back(entry(le<uint64_t>(4), {le<int64_t>(0), le<int64_t>(5)}));
  CHECK(text(m, e) == "@h:\n" + row("[2, 4)", 10, 52) + row("[4, 8)", 5, 26) + "\n");
  CHECK(text(m, e, 0, 5) == "@h:\n" + row("[2, 4)", 2, 52) + row("[4, 8)", 1, 26) + "\n");
}

TEST_CASE("map_format: keyed hists print per key, ordered by total count") {
  ValueDesc k = str_desc(8);
  MapDesc m = hist_map("@hh", &k);
  HistBuilder h;
  h.hist(skey("big"), 1, 0);
  h.hist(skey("big"), 2, 0);
  h.hist(skey("small"), 100, 0);
  CHECK(text(m, h.entries) == "@hh[small]:\n" + row("[64, 128)", 1, 52) + "\n" +
                                  "@hh[big]:\n" + row("[1]", 1, 52) + row("[2, 4)", 1, 52) + "\n");
}

TEST_CASE("map_format: zeroed hist prints its header, empty map nothing") {
  MapDesc m = hist_map("@hist", nullptr);
  HistBuilder h;
  h.add({}, 3, 0);
  CHECK(text(m, h.entries) == "@hist:\n\n");
  // json-output hist_zero
  CHECK(json(m, h.entries) == "{\"type\": \"hist\", \"data\": {\"@hist\": []}}\n");
  CHECK(text(m, {}) == "");
  CHECK(json(m, {}) == "");
  MapDesc c = map_desc("@c", AggKind::Count, nullptr);
  CHECK(text(c, {}) == "");
}

// ---------------------------------------------------------------------------
// scalar aggregations

TEST_CASE("map_format: count, sum, min, max scalars") {
  MapDesc c = map_desc("@c", AggKind::Count, nullptr, nullptr, false);
  CHECK(text(c, {entry(le<uint64_t>(0), {le<int64_t>(1), le<int64_t>(1)})}) == "@c: 2\n");
  MapDesc s = map_desc("@sum", AggKind::Sum, nullptr);
  CHECK(text(s, {entry(le<uint64_t>(0), {le<int64_t>(5), le<int64_t>(7)})}) == "@sum: 12\n");
  CHECK(text(s, {entry(le<uint64_t>(0), {le<int64_t>(-5), le<int64_t>(2)})}) == "@sum: -3\n");
  MapDesc mn = map_desc("@min", AggKind::Min, nullptr);
  CHECK(text(mn, {entry(le<uint64_t>(0), {minmax_cpu(9), minmax_cpu(2)})}) == "@min: 2\n");
  MapDesc mx = map_desc("@max", AggKind::Max, nullptr);
  CHECK(text(mx, {entry(le<uint64_t>(0), {minmax_cpu(2), minmax_cpu(9)})}) == "@max: 9\n");
}

TEST_CASE("map_format: min and max ignore CPUs that never set a value") {
  MapDesc mn = map_desc("@mn", AggKind::Min, nullptr);
  CHECK(text(mn, {entry(le<uint64_t>(0), {minmax_cpu(-5), minmax_cpu(3), minmax_cpu(-100, false)})}) ==
        "@mn: -5\n");
  // max(-5), max(-9): -5 (0.17 lost negative maxima; v0.26 does not).
  MapDesc mx = map_desc("@mx", AggKind::Max, nullptr);
  CHECK(text(mx, {entry(le<uint64_t>(0), {minmax_cpu(-9), minmax_cpu(-5), minmax_cpu(0, false)})}) ==
        "@mx: -5\n");
  // Unsigned max compares unsigned.
  MapDesc ux = map_desc("@ux", AggKind::Max, nullptr, nullptr, false);
  CHECK(text(ux, {entry(le<uint64_t>(0), {minmax_cpu(1), minmax_cpu(-1)})}) ==
        "@ux: 18446744073709551615\n");
}

TEST_CASE("map_format: avg is the truncated integer average, no blank line") {
  MapDesc a = map_desc("@avg", AggKind::Avg, nullptr);
  CHECK(text(a, {entry(le<uint64_t>(0), {avg_cpu(3, 1), avg_cpu(4, 1)})}) == "@avg: 3\n");
  CHECK(text(a, {entry(le<uint64_t>(0), {avg_cpu(-7, 1), avg_cpu(2, 1)})}) == "@avg: -2\n");
  MapDesc ua = map_desc("@ua", AggKind::Avg, nullptr, nullptr, false);
  CHECK(text(ua, {entry(le<uint64_t>(0), {avg_cpu(7, 2)})}) == "@ua: 3\n");
}

TEST_CASE("map_format: stats in v0.26 record form") {
  MapDesc st = map_desc("@st", AggKind::Stats, nullptr);
  CHECK(text(st, {entry(le<uint64_t>(0), {avg_cpu(3, 2), avg_cpu(4, 1)})}) ==
        "@st: { .count = 3, .average = 2, .total = 7 }\n");
  CHECK(text(st, {entry(le<uint64_t>(0), {avg_cpu(-7, 1), avg_cpu(2, 1)})}) ==
        "@st: { .count = 2, .average = -2, .total = -5 }\n");
  ValueDesc k = str_desc(8);
  MapDesc sk = map_desc("@sk", AggKind::Stats, &k);
  std::vector<RawMapEntry> e = {entry(skey("b"), {avg_cpu(10, 1)}), entry(skey("a"), {avg_cpu(3, 1)})};
  CHECK(text(sk, e) == "@sk[a]: { .count = 1, .average = 3, .total = 3 }\n"
                       "@sk[b]: { .count = 1, .average = 10, .total = 10 }\n");
}

// ---------------------------------------------------------------------------
// keyed maps and sort order

TEST_CASE("map_format: integer values sort ascending by value") {
  ValueDesc k = int_desc(8, true), v = int_desc(8, true);
  MapDesc m = map_desc("@m", AggKind::None, &k, &v);
  auto e = int_values({{le<int64_t>(3), 30}, {le<int64_t>(1), 10}, {le<int64_t>(2), 20},
                       {le<int64_t>(4), 5}});
  CHECK(text(m, e) == "@m[4]: 5\n@m[1]: 10\n@m[2]: 20\n@m[3]: 30\n");
}

TEST_CASE("map_format: string keys with integer values sort by value") {
  ValueDesc k = str_desc(8), v = int_desc(8, true);
  MapDesc m = map_desc("@k", AggKind::None, &k, &v);
  auto e = int_values({{skey("zeta"), 1}, {skey("alpha"), 3}, {skey("mid"), 2}});
  CHECK(text(m, e) == "@k[zeta]: 1\n@k[mid]: 2\n@k[alpha]: 3\n");
}

TEST_CASE("map_format: signed values sort signed, unsigned ones unsigned") {
  ValueDesc k = int_desc(8, true), v = int_desc(8, true);
  MapDesc m = map_desc("@n", AggKind::None, &k, &v);
  auto e = int_values({{le<int64_t>(1), -5}, {le<int64_t>(2), 3}, {le<int64_t>(3), -10}});
  CHECK(text(m, e) == "@n[3]: -10\n@n[1]: -5\n@n[2]: 3\n");
  ValueDesc uv = int_desc(8, false);
  MapDesc um = map_desc("@u", AggKind::None, &k, &uv);
  CHECK(text(um, e) == "@u[2]: 3\n@u[3]: 18446744073709551606\n@u[1]: 18446744073709551611\n");
}

TEST_CASE("map_format: count and sum maps sort by value, ties by key") {
  ValueDesc k = int_desc(8, true);
  MapDesc m = map_desc("@c", AggKind::Count, &k, nullptr, false);
  std::vector<RawMapEntry> e = {entry(le<int64_t>(5), {le<int64_t>(1)}),
                                entry(le<int64_t>(-7), {le<int64_t>(1)}),
                                entry(le<int64_t>(2), {le<int64_t>(2), le<int64_t>(1)}),
                                entry(le<int64_t>(3), {le<int64_t>(1)})};
  CHECK(text(m, e) == "@c[-7]: 1\n@c[3]: 1\n@c[5]: 1\n@c[2]: 3\n");
}

TEST_CASE("map_format: non-integer values sort by key") {
  ValueDesc k = int_desc(8, true), v = str_desc(4);
  MapDesc m = map_desc("@s", AggKind::None, &k, &v);
  std::vector<RawMapEntry> e = {entry(le<int64_t>(3), {skey("c", 4)}),
                                entry(le<int64_t>(1), {skey("z", 4)}),
                                entry(le<int64_t>(2), {skey("a", 4)})};
  CHECK(text(m, e) == "@s[1]: z\n@s[2]: a\n@s[3]: c\n");
  ValueDesc sk = str_desc(4);
  MapDesc ms = map_desc("@x", AggKind::None, &sk, &v);
  std::vector<RawMapEntry> e2 = {entry(skey("b", 4), {skey("q", 4)}),
                                 entry(skey("a", 4), {skey("r", 4)}),
                                 entry(skey("ab", 4), {skey("s", 4)})};
  CHECK(text(ms, e2) == "@x[a]: r\n@x[ab]: s\n@x[b]: q\n");
}

TEST_CASE("map_format: small signed integer keys sort by signed value") {
  Composite c;
  ValueDesc k = int_desc(1, true);
  ValueDesc v = c.tuple({int_desc(8, true), str_desc(2)});
  MapDesc m = map_desc("@u", AggKind::None, &k, &v);
  std::vector<RawMapEntry> e = {entry(le<int8_t>(1), {Bytes().put<int64_t>(1).str("a", 2).b}),
                                entry(le<int8_t>(-2), {Bytes().put<int64_t>(2).str("b", 2).b})};
  CHECK(text(m, e) == "@u[-2]: (2, b)\n@u[1]: (1, a)\n");
}

TEST_CASE("map_format: tuple keys print without parentheses") {
  Composite c;
  ValueDesc k = c.tuple({int_desc(8, true), str_desc(2)});
  ValueDesc v = int_desc(8, true);
  MapDesc m = map_desc("@t", AggKind::None, &k, &v);
  auto e = int_values({{Bytes().put<int64_t>(2).str("b", 2).b, 2},
                       {Bytes().put<int64_t>(1).str("a", 2).b, 1}});
  CHECK(text(m, e) == "@t[1, a]: 1\n@t[2, b]: 2\n");
  ValueDesc k2 = c.tuple({str_desc(16), int_desc(4, false)});
  MapDesc m2 = map_desc("@s", AggKind::None, &k2, &v);
  CHECK(text(m2, int_values({{Bytes().str("bpftrace", 16).put<uint32_t>(7266).b, 1}})) ==
        "@s[bpftrace, 7266]: 1\n");
}

TEST_CASE("map_format: tuple keys sort field by field") {
  Composite c;
  ValueDesc k = c.tuple({int_desc(8, true), str_desc(2)});
  ValueDesc v = str_desc(2);
  MapDesc m = map_desc("@t", AggKind::None, &k, &v);
  std::vector<RawMapEntry> e = {entry(Bytes().put<int64_t>(2).str("a", 2).b, {skey("x", 2)}),
                                entry(Bytes().put<int64_t>(1).str("b", 2).b, {skey("y", 2)}),
                                entry(Bytes().put<int64_t>(1).str("a", 2).b, {skey("z", 2)}),
                                entry(Bytes().put<int64_t>(-1).str("c", 2).b, {skey("w", 2)})};
  CHECK(text(m, e) == "@t[-1, c]: w\n@t[1, a]: z\n@t[1, b]: y\n@t[2, a]: x\n");
}

TEST_CASE("map_format: struct keys print as records and sort field by field") {
  // @m[*p] = "..." with struct { u32 a; char s[4]; } keys: not bytewise
  // (256 is 00 01 00 00, 1 is 01 00 00 00) but by value, then by string.
  Composite c;
  ValueDesc k = c.record({int_desc(4, false), str_desc(4)}, {"a", "s"});
  ValueDesc v = str_desc(2);
  MapDesc m = map_desc("@m", AggKind::None, &k, &v);
  std::vector<RawMapEntry> e = {entry(Bytes().put<uint32_t>(256).str("x", 4).b, {skey("p", 2)}),
                                entry(Bytes().put<uint32_t>(1).str("y", 4).b, {skey("q", 2)}),
                                entry(Bytes().put<uint32_t>(1).str("b", 4).b, {skey("r", 2)})};
  CHECK(text(m, e) ==
        "@m[{ .a = 1, .s = b }]: r\n@m[{ .a = 1, .s = y }]: q\n@m[{ .a = 256, .s = x }]: p\n");
  CHECK(json(m, e) == "{\"type\": \"map\", \"data\": {\"@m\": {\"{.a=1,.s=b}\": \"r\", "
                      "\"{.a=1,.s=y}\": \"q\", \"{.a=256,.s=x}\": \"p\"}}}\n");
}

TEST_CASE("map_format: struct keys holding arrays of structs sort element by element") {
  Composite c;
  ValueDesc pt = c.record({int_desc(2, true)}, {"x"});
  ValueDesc arr = kind_desc(ValueKind::Array, 4);
  arr.elem = &pt;
  arr.count = 2;
  ValueDesc k = c.record({arr}, {"pts"});
  ValueDesc v = int_desc(8, true);
  MapDesc m = map_desc("@p", AggKind::Count, &k, &v);
  std::vector<RawMapEntry> e = {entry(Bytes().put<int16_t>(2).put<int16_t>(-1).b, {le<int64_t>(1)}),
                                entry(Bytes().put<int16_t>(-4).put<int16_t>(7).b, {le<int64_t>(1)}),
                                entry(Bytes().put<int16_t>(2).put<int16_t>(-9).b, {le<int64_t>(3)})};
  // Counts sort by value first; equal counts by key.
  CHECK(text(m, e) == "@p[{ .pts = [{ .x = -4 },{ .x = 7 }] }]: 1\n"
                      "@p[{ .pts = [{ .x = 2 },{ .x = -1 }] }]: 1\n"
                      "@p[{ .pts = [{ .x = 2 },{ .x = -9 }] }]: 3\n");
}

TEST_CASE("map_format: kstack keys are indented 8 spaces (v0.26)") {
  FormatContext ctx;
  ctx.kstack = [](int64_t id, const ValueDesc &d) {
    if (stack_mode_of(d) == StackMode::Perf)
      return std::vector<std::string>{"ffffffff821f4dab pv_native_safe_halt+11",
                                      "ffffffff821f68b5 default_idle+5"};
    (void)id;
    return std::vector<std::string>{"pv_native_safe_halt+11", "default_idle+5",
                                    "default_enter_idle+27"};
  };
  ValueDesc k = kind_desc(ValueKind::Kstack, 8);
  MapDesc m = map_desc("@k2", AggKind::Count, &k, nullptr, false);
  std::vector<RawMapEntry> e = {entry(le<int64_t>(1), {le<int64_t>(5)})};
  CHECK(text(m, e, 0, 0, ctx) ==
        "@k2[\n        pv_native_safe_halt+11\n        default_idle+5\n"
        "        default_enter_idle+27\n]: 5\n");
  ValueDesc kp = kind_desc(ValueKind::Kstack, 8);
  kp.format = "perf";
  MapDesc mp = map_desc("@kp", AggKind::Count, &kp, nullptr, false);
  CHECK(text(mp, e, 0, 0, ctx) ==
        "@kp[\n\tffffffff821f4dab pv_native_safe_halt+11\n\tffffffff821f68b5 default_idle+5\n]: 5\n");
}

TEST_CASE("map_format: print with top and div") {
  ValueDesc k = int_desc(8, true), v = int_desc(8, true);
  MapDesc m = map_desc("@a", AggKind::None, &k, &v);
  auto e = int_values({{le<int64_t>(1), 1}, {le<int64_t>(2), 2}, {le<int64_t>(3), 3}});
  CHECK(text(m, e, 2) == "@a[2]: 2\n@a[3]: 3\n");
  CHECK(text(m, e, 2, 2) == "@a[2]: 1\n@a[3]: 1\n");
  CHECK(text(m, e, 10) == "@a[1]: 1\n@a[2]: 2\n@a[3]: 3\n");
  MapDesc x = map_desc("@x", AggKind::None, nullptr, &v);
  CHECK(text(x, int_values({{le<uint64_t>(0), 1}})) == "@x: 1\n");
  CHECK(text(x, int_values({{le<uint64_t>(0), 0}})) == "@x: 0\n");
}

TEST_CASE("map_format: avg map with top and div (call:print_avg_map_args)") {
  ValueDesc k = str_desc(2);
  MapDesc m = map_desc("@", AggKind::Avg, &k);
  std::vector<RawMapEntry> e = {entry(skey("a", 2), {avg_cpu(10, 1)}),
                                entry(skey("b", 2), {avg_cpu(20, 1)}),
                                entry(skey("c", 2), {avg_cpu(30, 1)}),
                                entry(skey("d", 2), {avg_cpu(40, 1)})};
  CHECK(text(m, e, 2, 10) == "@[c]: 3\n@[d]: 4\n");
  CHECK(text(m, e, 10, 10) == "@[a]: 1\n@[b]: 2\n@[c]: 3\n@[d]: 4\n");
  CHECK(json(m, e, 2, 10) == "{\"type\": \"stats\", \"data\": {\"@\": {\"c\": 3, \"d\": 4}}}\n");
  CHECK(json(m, e, 10, 10) ==
        "{\"type\": \"stats\", \"data\": {\"@\": {\"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4}}}\n");
}

TEST_CASE("map_format: plain values of any kind print with value_format") {
  Composite c;
  ValueDesc v = c.record({int_desc(4, true), int_desc(4, true)}, {"m", "n"});
  MapDesc m = map_desc("@", AggKind::None, nullptr, &v);
  std::vector<RawMapEntry> e = {entry(le<uint64_t>(0), {Bytes().put<int32_t>(2).put<int32_t>(3).b})};
  CHECK(text(m, e) == "@: { .m = 2, .n = 3 }\n");
  CHECK(json(m, e) == "{\"type\": \"map\", \"data\": {\"@\": {\"m\": 2, \"n\": 3}}}\n");
  ValueDesc b = kind_desc(ValueKind::Buffer, 12);
  MapDesc mb = map_desc("@", AggKind::None, nullptr, &b);
  CHECK(text(mb, {entry(le<uint64_t>(0), {Bytes().put<uint32_t>(8).str("ok_value", 8).b})}) ==
        "@: ok_value\n");
}

// ---------------------------------------------------------------------------
// JSON

TEST_CASE("map_format: json scalar and keyed maps (json-output tests)") {
  ValueDesc v = int_desc(1, true);
  MapDesc sc = map_desc("@scalar", AggKind::None, nullptr, &v);
  CHECK(json(sc, {entry(le<uint64_t>(0), {le<int8_t>(5)})}) ==
        "{\"type\": \"map\", \"data\": {\"@scalar\": 5}}\n");
  ValueDesc s = str_desc(10);
  MapDesc ss = map_desc("@scalar_str", AggKind::None, nullptr, &s);
  CHECK(json(ss, {entry(le<uint64_t>(0), {skey("a b \n d e", 10)})}) ==
        "{\"type\": \"map\", \"data\": {\"@scalar_str\": \"a b \\n d e\"}}\n");
  ValueDesc k = str_desc(5);
  MapDesc mm = map_desc("@map", AggKind::None, &k, &v);
  std::vector<RawMapEntry> e = {entry(skey("key2", 5), {le<int8_t>(3)}),
                                entry(skey("key1", 5), {le<int8_t>(2)})};
  CHECK(json(mm, e) == "{\"type\": \"map\", \"data\": {\"@map\": {\"key1\": 2, \"key2\": 3}}}\n");
  MapDesc c = map_desc("@c", AggKind::Count, nullptr, nullptr, false);
  CHECK(json(c, {entry(le<uint64_t>(0), {le<int64_t>(1)})}) ==
        "{\"type\": \"map\", \"data\": {\"@c\": 1}}\n");
}

TEST_CASE("map_format: json tuple keys lose parentheses and spaces") {
  Composite c;
  ValueDesc k = c.tuple({str_desc(16), int_desc(8, true)});
  ValueDesc v = int_desc(8, true);
  MapDesc m = map_desc("@complex", AggKind::None, &k, &v);
  CHECK(json(m, int_values({{Bytes().str("bpftrace", 16).put<int64_t>(2).b, 5}})) ==
        "{\"type\": \"map\", \"data\": {\"@complex\": {\"bpftrace,2\": 5}}}\n");
  ValueDesc sk = str_desc(4);
  MapDesc ms = map_desc("@m", AggKind::None, &sk, &v);
  CHECK(json(ms, int_values({{skey("a b", 4), 1}})) ==
        "{\"type\": \"map\", \"data\": {\"@m\": {\"ab\": 1}}}\n");
}

TEST_CASE("map_format: json stats and avg maps") {
  MapDesc st = map_desc("@stats", AggKind::Stats, nullptr);
  CHECK(json(st, {entry(le<uint64_t>(0), {avg_cpu(2, 1), avg_cpu(10, 1)})}) ==
        "{\"type\": \"stats\", \"data\": {\"@stats\": {\"count\": 2, \"average\": 6, \"total\": 12}}}\n");
  ValueDesc k = str_desc(5);
  MapDesc sm = map_desc("@stats", AggKind::Stats, &k);
  std::vector<RawMapEntry> e = {entry(skey("zsh", 5), {avg_cpu(10, 1)}),
                                entry(skey("curl", 5), {avg_cpu(2, 1)})};
  CHECK(json(sm, e) ==
        "{\"type\": \"stats\", \"data\": {\"@stats\": {\"curl\": {\"count\": 1, \"average\": 2, "
        "\"total\": 2}, \"zsh\": {\"count\": 1, \"average\": 10, \"total\": 10}}}}\n");
  MapDesc a = map_desc("@a", AggKind::Avg, nullptr);
  CHECK(json(a, {entry(le<uint64_t>(0), {avg_cpu(5, 1)})}) ==
        "{\"type\": \"stats\", \"data\": {\"@a\": 5}}\n");
}

TEST_CASE("map_format: json hist (json-output histogram)") {
  MapDesc m = hist_map("@hist", nullptr);
  HistBuilder h;
  h.hist({}, 2, 0);
  h.hist({}, 1025, 0);
  CHECK(json(m, h.entries) ==
        "{\"type\": \"hist\", \"data\": {\"@hist\": [{\"min\": 2, \"max\": 3, \"count\": 1},"
        "{\"min\": 4, \"max\": 7, \"count\": 0},{\"min\": 8, \"max\": 15, \"count\": 0},"
        "{\"min\": 16, \"max\": 31, \"count\": 0},{\"min\": 32, \"max\": 63, \"count\": 0},"
        "{\"min\": 64, \"max\": 127, \"count\": 0},{\"min\": 128, \"max\": 255, \"count\": 0},"
        "{\"min\": 256, \"max\": 511, \"count\": 0},{\"min\": 512, \"max\": 1023, \"count\": 0},"
        "{\"min\": 1024, \"max\": 2047, \"count\": 1}]}}\n");
}

TEST_CASE("map_format: json keyed hists (json-output multiple histograms)") {
  ValueDesc k = str_desc(16);
  MapDesc m = hist_map("@", &k);
  HistBuilder h;
  h.hist(skey("bpftrace", 16), 2, 0);
  for (int64_t v : {-1, 0, 511, 1024, 1025}) h.hist(skey("curl", 16), v, 0);
  CHECK(json(m, h.entries) ==
        "{\"type\": \"hist\", \"data\": {\"@\": {\"bpftrace\": [{\"min\": 2, \"max\": 3, \"count\": 1}], "
        "\"curl\": [{\"max\": -1, \"count\": 1},{\"min\": 0, \"max\": 0, \"count\": 1},"
        "{\"min\": 1, \"max\": 1, \"count\": 0},{\"min\": 2, \"max\": 3, \"count\": 0},"
        "{\"min\": 4, \"max\": 7, \"count\": 0},{\"min\": 8, \"max\": 15, \"count\": 0},"
        "{\"min\": 16, \"max\": 31, \"count\": 0},{\"min\": 32, \"max\": 63, \"count\": 0},"
        "{\"min\": 64, \"max\": 127, \"count\": 0},{\"min\": 128, \"max\": 255, \"count\": 0},"
        "{\"min\": 256, \"max\": 511, \"count\": 1},{\"min\": 512, \"max\": 1023, \"count\": 0},"
        "{\"min\": 1024, \"max\": 2047, \"count\": 2}]}}}\n");
  // Tuple keys (json-output multiple histograms multiple keys).
  Composite c;
  ValueDesc tk = c.tuple({str_desc(16), int_desc(8, true)});
  MapDesc mt = hist_map("@", &tk);
  HistBuilder ht;
  ht.hist(Bytes().str("bpftrace", 16).put<int64_t>(2).b, 2, 0);
  CHECK(json(mt, ht.entries) ==
        "{\"type\": \"hist\", \"data\": {\"@\": {\"bpftrace,2\": [{\"min\": 2, \"max\": 3, \"count\": 1}]}}}\n");
}

TEST_CASE("map_format: json hist with k=3 (json-output histogram-finegrain)") {
  MapDesc m = hist_map("@", nullptr, 3);
  HistBuilder h;
  for (int64_t v = 0; v < 1024; v++) h.hist({}, v, 3);
  std::string want = tighten(
      R"({"type": "hist", "data": {"@": [{"min": 0, "max": 0, "count": 1}, {"min": 1, "max": 1, "count": 1}, {"min": 2, "max": 2, "count": 1}, {"min": 3, "max": 3, "count": 1}, {"min": 4, "max": 4, "count": 1}, {"min": 5, "max": 5, "count": 1}, {"min": 6, "max": 6, "count": 1}, {"min": 7, "max": 7, "count": 1}, {"min": 8, "max": 8, "count": 1}, {"min": 9, "max": 9, "count": 1}, {"min": 10, "max": 10, "count": 1}, {"min": 11, "max": 11, "count": 1}, {"min": 12, "max": 12, "count": 1}, {"min": 13, "max": 13, "count": 1}, {"min": 14, "max": 14, "count": 1}, {"min": 15, "max": 15, "count": 1}, {"min": 16, "max": 17, "count": 2}, {"min": 18, "max": 19, "count": 2}, {"min": 20, "max": 21, "count": 2}, {"min": 22, "max": 23, "count": 2}, {"min": 24, "max": 25, "count": 2}, {"min": 26, "max": 27, "count": 2}, {"min": 28, "max": 29, "count": 2}, {"min": 30, "max": 31, "count": 2}, {"min": 32, "max": 35, "count": 4}, {"min": 36, "max": 39, "count": 4}, {"min": 40, "max": 43, "count": 4}, {"min": 44, "max": 47, "count": 4}, {"min": 48, "max": 51, "count": 4}, {"min": 52, "max": 55, "count": 4}, {"min": 56, "max": 59, "count": 4}, {"min": 60, "max": 63, "count": 4}, {"min": 64, "max": 71, "count": 8}, {"min": 72, "max": 79, "count": 8}, {"min": 80, "max": 87, "count": 8}, {"min": 88, "max": 95, "count": 8}, {"min": 96, "max": 103, "count": 8}, {"min": 104, "max": 111, "count": 8}, {"min": 112, "max": 119, "count": 8}, {"min": 120, "max": 127, "count": 8}, {"min": 128, "max": 143, "count": 16}, {"min": 144, "max": 159, "count": 16}, {"min": 160, "max": 175, "count": 16}, {"min": 176, "max": 191, "count": 16}, {"min": 192, "max": 207, "count": 16}, {"min": 208, "max": 223, "count": 16}, {"min": 224, "max": 239, "count": 16}, {"min": 240, "max": 255, "count": 16}, {"min": 256, "max": 287, "count": 32}, {"min": 288, "max": 319, "count": 32}, {"min": 320, "max": 351, "count": 32}, {"min": 352, "max": 383, "count": 32}, {"min": 384, "max": 415, "count": 32}, {"min": 416, "max": 447, "count": 32}, {"min": 448, "max": 479, "count": 32}, {"min": 480, "max": 511, "count": 32}, {"min": 512, "max": 575, "count": 64}, {"min": 576, "max": 639, "count": 64}, {"min": 640, "max": 703, "count": 64}, {"min": 704, "max": 767, "count": 64}, {"min": 768, "max": 831, "count": 64}, {"min": 832, "max": 895, "count": 64}, {"min": 896, "max": 959, "count": 64}, {"min": 960, "max": 1023, "count": 64}]}})") +
      "\n";
  CHECK(json(m, h.entries) == want);
}

TEST_CASE("map_format: json lhist (json-output linear histogram)") {
  MapDesc m = lhist_map("@h", nullptr, 0, 100, 10);
  HistBuilder h;
  for (int64_t v : {2, 50, 1000}) h.lhist({}, v, 0, 100, 10);
  std::string want = tighten(
      R"({"type": "hist", "data": {"@h": [{"min": 0, "max": 9, "count": 1}, {"min": 10, "max": 19, "count": 0}, {"min": 20, "max": 29, "count": 0}, {"min": 30, "max": 39, "count": 0}, {"min": 40, "max": 49, "count": 0}, {"min": 50, "max": 59, "count": 1}, {"min": 60, "max": 69, "count": 0}, {"min": 70, "max": 79, "count": 0}, {"min": 80, "max": 89, "count": 0}, {"min": 90, "max": 99, "count": 0}, {"min": 100, "count": 1}]}})") +
      "\n";
  CHECK(json(m, h.entries) == want);
  // Keyed (json-output multiple linear histograms): ordered by total count.
  ValueDesc k = str_desc(16);
  MapDesc mk = lhist_map("@stats", &k, 0, 100, 10);
  HistBuilder hk;
  hk.lhist(skey("bpftrace", 16), 2, 0, 100, 10);
  hk.lhist(skey("curl", 16), 50, 0, 100, 10);
  hk.lhist(skey("bpftrace", 16), 1000, 0, 100, 10);
  std::string got = json(mk, hk.entries);
  CHECK(got.rfind("{\"type\": \"hist\", \"data\": {\"@stats\": {\"curl\": [{\"min\": 50, \"max\": 59, "
                  "\"count\": 1}], \"bpftrace\": [{\"min\": 0, \"max\": 9, \"count\": 1},",
                  0) == 0);
  CHECK(got.find("{\"min\": 100, \"count\": 1}]}}}\n") != std::string::npos);
}

TEST_CASE("map_format: json hist with top (json-output print_hist_with_top_arg)") {
  ValueDesc k = int_desc(8, true);
  MapDesc m = hist_map("@", &k);
  HistBuilder h;
  h.hist(le<int64_t>(1), 10, 0);
  h.hist(le<int64_t>(2), 20, 0);
  h.hist(le<int64_t>(3), 30, 0);
  CHECK(json(m, h.entries, 2) ==
        "{\"type\": \"hist\", \"data\": {\"@\": {\"2\": [{\"min\": 16, \"max\": 31, \"count\": 1}], "
        "\"3\": [{\"min\": 16, \"max\": 31, \"count\": 1}]}}}\n");
  CHECK(json(m, h.entries, 10) ==
        "{\"type\": \"hist\", \"data\": {\"@\": {\"1\": [{\"min\": 8, \"max\": 15, \"count\": 1}], "
        "\"2\": [{\"min\": 16, \"max\": 31, \"count\": 1}], \"3\": [{\"min\": 16, \"max\": 31, "
        "\"count\": 1}]}}}\n");
}

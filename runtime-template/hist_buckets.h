/* Bucket numbering of hist() and lhist(), shared by BPF and userspace.
 *
 * The BPF program computes a bucket index per value and stores it as a u64
 * suffix of the map key; the runtime (map_format.cpp) turns indices back
 * into bucket bounds and labels. Both sides must agree, so the formula lives
 * here once, written in the C subset that clang -target bpf accepts: no
 * loops, no signed division (no cpu v4), only 64-bit integer arithmetic.
 * The backend copies these functions verbatim into the BPF prelude; the
 * unit tests (map_format_test.cpp) pin them to bpftrace's numbering.
 *
 * hist(v, k) — bpftrace codegen_llvm.cpp createLog2Function, k in 0..5:
 *   index 0                    v < 0 (and u64 values >= 2^63, which BPF
 *                              sees as negative, as in bpftrace)
 *   index 1 + v                0 <= v < 2^k (one value per bucket)
 *   index 1 + concat(A, B)     v >= 2^k, where A = floor(log2 v) - k + 1 and
 *                              B = the k bits after the leading 1 of v.
 *   So each power of two [2^p, 2^(p+1)) is split into 2^k equal buckets.
 *   k = 0: 0 -> 1 "[0]", 1 -> 2 "[1]", 2..3 -> 3 "[2, 4)", 4..7 -> 4 ...
 *   The largest index (v = INT64_MAX) is (64 - k) << k.
 *
 * lhist(v, min, max, step) — createLinearFunction:
 *   index 0                    v < min          "(..., min)"
 *   index 1 + (v - min)/step   min <= v <= max  "[a, a + step)"
 *   index 1 + (max - min)/step v > max          "[.., ...)"
 *   (v == max lands in the overflow bucket when step divides max - min.)
 */
#ifndef BT2BIN_HIST_BUCKETS_H
#define BT2BIN_HIST_BUCKETS_H

#ifdef __cplusplus
namespace bt2bin::rt {
#endif

/* Bucket index of `value` in hist(value, k). */
static inline unsigned long long bt2bin_hist_index(long long value,
                                                   unsigned long long k)
{
  unsigned long long n, mask, l, s, x;

  if (value < 0)
    return 0;
  n = (unsigned long long)value;
  mask = (1ULL << k) - 1;
  if (n <= mask)
    return n + 1;
  /* l = floor(log2(n)), branch-free */
  l = 0;
  s = (unsigned long long)(n >= (1ULL << 32)) << 5; n >>= s; l += s;
  s = (unsigned long long)(n >= (1ULL << 16)) << 4; n >>= s; l += s;
  s = (unsigned long long)(n >= (1ULL << 8)) << 3;  n >>= s; l += s;
  s = (unsigned long long)(n >= (1ULL << 4)) << 2;  n >>= s; l += s;
  s = (unsigned long long)(n >= (1ULL << 2)) << 1;  n >>= s; l += s;
  s = (unsigned long long)(n >= (1ULL << 1));       n >>= s; l += s;
  l -= k; /* >= 0 because value > mask */
  x = ((unsigned long long)value >> l) & mask;
  return ((l + 1) << k) + x + 1;
}

/* Bucket index of `value` in lhist(value, min, max, step); step > 0. */
static inline unsigned long long bt2bin_lhist_index(long long value,
                                                    long long min,
                                                    long long max,
                                                    long long step)
{
  if (value < min)
    return 0;
  if (value > max)
    return 1 + (unsigned long long)(max - min) / (unsigned long long)step;
  return 1 + (unsigned long long)(value - min) / (unsigned long long)step;
}

/* ---- userspace side: bounds of a bucket index ---- */

/* Largest index hist(v, k) can produce (v = INT64_MAX). */
static inline unsigned long long bt2bin_hist_max_index(unsigned long long k)
{
  return (64 - k) << k;
}

/* Lower bound (inclusive) of hist bucket `index + 1`, i.e. the exclusive
 * upper bound of bucket `index`; bpftrace's hist_index_label value.
 * Valid for index >= 1 (bucket 0 is the negatives). For index <= 2^(k+1)
 * this is `index` itself. */
static inline unsigned long long bt2bin_hist_limit(unsigned long long index,
                                                   unsigned long long k)
{
  unsigned long long n = 1ULL << k;
  if (index < n)
    return index;
  return (1ULL << ((index >> k) - 1)) * (n + (index & (n - 1)));
}

/* Lower bound (inclusive) of hist bucket `index` >= 1. */
static inline unsigned long long bt2bin_hist_min(unsigned long long index,
                                                 unsigned long long k)
{
  return bt2bin_hist_limit(index - 1, k);
}

/* Number of lhist buckets, underflow and overflow included. */
static inline unsigned long long bt2bin_lhist_nbuckets(long long min,
                                                       long long max,
                                                       long long step)
{
  return 2 + (unsigned long long)(max - min) / (unsigned long long)step;
}

#ifdef __cplusplus
}  // namespace bt2bin::rt
#endif

#endif /* BT2BIN_HIST_BUCKETS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF-side prelude every generated tool.bpf.c includes: the event
 * channel (one ring buffer, or a perf buffer on kernels without one:
 * DESIGN invariant 7), the lost-event counter,
 * per-CPU scratch memory for values too big for the 512-byte stack, and
 * the small helpers generated code calls (histogram buckets, division as
 * bpftrace defines it, string compare).
 */
#ifndef BT2BIN_BPF_H
#define BT2BIN_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#ifndef BT2BIN_RINGBUF_BYTES
#define BT2BIN_RINGBUF_BYTES (256 * 1024)
#endif

/*
 * The event channel. Where the kernel has no BPF ring buffer (or with
 * `--no-feature ringbuf`) the tool turns `events` into a perf event array
 * before load and sets bt_perfbuf: records are then built in a per-CPU
 * heap slot (sized by the tool to the largest record) and copied out with
 * bpf_perf_event_output(), as libbpf-tools' compat.bpf.h does. bt_perfbuf
 * is rodata, so the verifier only sees the branch in use.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BT2BIN_RINGBUF_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);	/* resized by the tool when bt_perfbuf is set */
} bt_event_heap SEC(".maps");

const volatile __u32 bt_perfbuf = 0;

/* Records that found the ring buffer full, per CPU; reported at exit. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/* Set by the driver before load. */
const volatile __u64 bt_start_ns = 0;   /* CLOCK_BOOTTIME at tool start, for `elapsed` */
const volatile __u32 bt_ncpus = 1;
const volatile __u32 bt_child_pid = 0;  /* cpid */
const volatile __u32 bt_filter_pid = 0; /* -p PID */
/* The tool's own PID namespace (nsfs dev and inode); 0: the initial one. */
const volatile __u64 bt_pidns_dev = 0;
const volatile __u64 bt_pidns_ino = 0;
const volatile __s64 bt_boot_to_tai_ns = 0; /* CLOCK_TAI - CLOCK_BOOTTIME at start, for nsecs(sw_tai) */

/*
 * pid/tid as the tool's PID namespace sees them (bpftrace's `pid`), as
 * bpf_get_current_pid_tgid() packs them: tgid << 32 | pid. 0 for a task
 * outside that namespace.
 */
static __always_inline __u64 bt_ns_pid_tgid(void)
{
	struct bpf_pidns_info ns = {};

	if (!bt_pidns_ino)
		return bpf_get_current_pid_tgid();
	if (bpf_get_ns_current_pid_tgid(bt_pidns_dev, bt_pidns_ino, &ns, sizeof(ns)))
		return 0;
	return (__u64)ns.tgid << 32 | ns.pid;
}

/*
 * argN and retval of a kprobe run as its fentry/fexit twin: read through
 * the trampoline, so a function with fewer arguments on the target reads 0
 * instead of failing to load (kernel 5.17+).
 */
static __always_inline __u64 bt_func_arg(void *ctx, __u32 n)
{
	__u64 value = 0;

	bpf_get_func_arg(ctx, n, &value);
	return value;
}

static __always_inline __u64 bt_func_ret(void *ctx)
{
	__u64 value = 0;

	bpf_get_func_ret(ctx, &value);
	return value;
}

static __always_inline void bt_count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	if (lost)
		(*lost)++;
}

static __always_inline void *bt_reserve(__u64 size)
{
	__u32 zero = 0;
	void *rec;

	if (bt_perfbuf)
		return bpf_map_lookup_elem(&bt_event_heap, &zero);
	rec = bpf_ringbuf_reserve(&events, size, 0);
	if (!rec)
		bt_count_lost();
	return rec;
}

static __always_inline void bt_output(void *ctx, void *rec, __u64 size)
{
	if (!bt_perfbuf) {
		bpf_ringbuf_submit(rec, 0);
		return;
	}
	if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, rec, size))
		bt_count_lost();
}

/* Sends a record from bt_reserve(); `ctx` is the program's context. */
#define bt_submit(rec) bt_output(ctx, rec, sizeof(*(rec)))

/*
 * bpftrace's division: a zero divisor gives 1 (and a runtime warning).
 * BPF (cpu v1-v3) has only unsigned division, so signed division divides
 * the magnitudes and restores the sign, as bpftrace does.
 */
struct bt_runtime_error_record {
	__u64 action;	/* BT_ACTION_RUNTIME_ERROR */
	__u64 site;	/* index into the tool's error sites */
};

static __noinline void bt_divide_by_zero(void *ctx, __u64 site)
{
	struct bt_runtime_error_record *rec = bt_reserve(sizeof(*rec));

	if (rec) {
		rec->action = 1000005;
		rec->site = site;
		bt_submit(rec);
	}
}

static __always_inline __u64 bt_udiv(void *ctx, __u64 a, __u64 b, __u64 site)
{
	if (!b) {
		bt_divide_by_zero(ctx, site);
		return 1;
	}
	return a / b;
}

static __always_inline __u64 bt_umod(void *ctx, __u64 a, __u64 b, __u64 site)
{
	if (!b) {
		bt_divide_by_zero(ctx, site);
		return 1;
	}
	return a % b;
}

static __always_inline __s64 bt_sdiv(void *ctx, __s64 a, __s64 b, __u64 site)
{
	__u64 ua = a < 0 ? -(__u64)a : (__u64)a;
	__u64 ub = b < 0 ? -(__u64)b : (__u64)b;
	__u64 q;

	if (!b) {
		bt_divide_by_zero(ctx, site);
		return 1;
	}
	q = ua / ub;
	return (a < 0) != (b < 0) ? -(__s64)q : (__s64)q;
}

static __always_inline __s64 bt_smod(void *ctx, __s64 a, __s64 b, __u64 site)
{
	__u64 ua = a < 0 ? -(__u64)a : (__u64)a;
	__u64 ub = b < 0 ? -(__u64)b : (__u64)b;
	__u64 r;

	if (!b) {
		bt_divide_by_zero(ctx, site);
		return 1;
	}
	r = ua % ub;
	return a < 0 ? -(__s64)r : (__s64)r;
}

/*
 * A C bitfield, read as bpftrace reads one: zero-extended, never
 * sign-extended. The `size` bytes at `base + off` that hold the field go
 * into a u64 (little-endian); shifting left by `lshift` drops the bits
 * above the field, shifting right by `rshift` those below it. `read` is
 * bpf_probe_read_kernel or bpf_probe_read_user. The script's own structs
 * pass their layout as constants; kernel structs take it from the target's
 * BTF with BT_CORE_READ_BITFIELD, as libbpf's BPF_CORE_READ_BITFIELD_PROBED
 * does (which sign-extends signed fields, and reads kernel memory only).
 */
#define bt_read_bitfield(read, base, off, size, lshift, rshift) ({		\
	unsigned long long __bf = 0;						\
										\
	read(&__bf, (size), (const char *)(base) + (off));			\
	(__bf << (lshift)) >> (rshift);						\
})

#define BT_CORE_READ_BITFIELD(read, s, field)					\
	bt_read_bitfield(read, (s),						\
		__builtin_preserve_field_info((s)->field, BPF_FIELD_BYTE_OFFSET),	\
		__builtin_preserve_field_info((s)->field, BPF_FIELD_BYTE_SIZE),	\
		__builtin_preserve_field_info((s)->field, BPF_FIELD_LSHIFT_U64),	\
		__builtin_preserve_field_info((s)->field, BPF_FIELD_RSHIFT_U64))

/* hist()/lhist() bucket numbering, shared with the runtime's printer. */
#include "runtime-template/hist_buckets.h"

#include "skeletons/bt2bin_types.h"

/* Finds the value of `key`, inserting `init` first when it is missing. */
static __always_inline void *bt_lookup_or_init(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#define BT_MAX_CPUS 512

/* The value of a per-CPU counter summed over CPUs, for reads of count()/sum(). */
static __always_inline __s64 bt_percpu_sum(void *map, const void *key)
{
	__s64 total = 0;

	for (__u32 cpu = 0; cpu < BT_MAX_CPUS && cpu < bt_ncpus; cpu++) {
		__s64 *v = bpf_map_lookup_percpu_elem(map, key, cpu);

		if (v)
			total += *v;
	}
	return total;
}

static long bt_count_elem(void *map, const void *key, void *value, void *count)
{
	(*(__u64 *)count)++;
	return 0;
}

/* len(@m): the number of elements, counted with bpf_for_each_map_elem(). */
static __always_inline __s64 bt_map_len(void *map)
{
	__u64 count = 0;

	bpf_for_each_map_elem(map, bt_count_elem, &count, 0);
	return count;
}

/* Reads of min()/max()/avg() maps inside a probe combine every CPU's value. */
static __always_inline __s64 bt_percpu_minmax(void *map, const void *key, int is_max)
{
	__s64 result = 0;
	int have = 0;

	for (__u32 cpu = 0; cpu < BT_MAX_CPUS && cpu < bt_ncpus; cpu++) {
		struct bt_minmax *v = bpf_map_lookup_percpu_elem(map, key, cpu);

		if (!v || !v->is_set)
			continue;
		if (!have || (is_max ? v->value > result : v->value < result))
			result = v->value;
		have = 1;
	}
	return result;
}

static __always_inline __s64 bt_percpu_avg(void *map, const void *key)
{
	__s64 total = 0;
	__u64 count = 0;

	for (__u32 cpu = 0; cpu < BT_MAX_CPUS && cpu < bt_ncpus; cpu++) {
		struct bt_avg *v = bpf_map_lookup_percpu_elem(map, key, cpu);

		if (v) {
			total += v->total;
			count += v->count;
		}
	}
	if (!count)
		return 0;
	return total < 0 ? -(__s64)((-(__u64)total) / count) : (__s64)((__u64)total / count);
}

/* strlen() of a string buffer of `size` bytes. */
static __always_inline __u64 bt_strlen(const char *s, __u32 size)
{
	__u64 n = 0;

	for (__u32 i = 0; i < size; i++) {
		if (!s[i])
			break;
		n++;
	}
	return n;
}

/* == on tuples, buffers and arrays: byte-wise (clang would emit a memcmp libcall). */
static __always_inline int bt_memeq(const void *a, const void *b, __u32 n)
{
	const char *x = a, *y = b;

	for (__u32 i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

/* bpftrace's string ==: compare up to the first NUL within n bytes. */
static __always_inline int bt_streq(const char *a, const char *b, __u32 n)
{
	for (__u32 i = 0; i < n; i++) {
		if (a[i] != b[i])
			return 0;
		if (a[i] == 0)
			return 1;
	}
	return 1;
}

/* String, memory and name-table helpers of the standard library. */
#include "skeletons/bt2bin_stdlib.bpf.h"

#endif /* BT2BIN_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF-side helpers of bpftrace's standard library functions that need a
 * loop or a table: strstr(), strcontains(), memcmp(), strcap() of a pointer,
 * syscall_name(), signal_name() and comm(pid). Included by bt2bin.bpf.h;
 * functions a tool does not call are not compiled into it.
 */
#ifndef BT2BIN_STDLIB_BPF_H
#define BT2BIN_STDLIB_BPF_H

#include "skeletons/bt2bin_names.bpf.h"

/* The string kfunc of Linux 6.17+: the first `len` bytes of s1 are searched
 * for the NUL-terminated s2; the index, or -ENOENT when it is not there.
 * Weak: on older kernels it resolves to NULL and its call is dead code. */
extern int bpf_strnstr(const char *s1__ign, const char *s2__ign, size_t len) __ksym __weak;

/* strstr(): index of `needle` in `hay` (both NUL-terminated, of capacity
 * hay_size and needle_size), as bpftrace's standard library computes it:
 * 0 for an empty needle; else the kernel's bpf_strnstr() where the kernel
 * has it (not found: -ENOENT, i.e. -2), else a loop (not found: -1, also
 * when the needle's capacity exceeds the haystack's). */
static __always_inline __s64 bt_strstr(const char *hay, __u32 hay_size, const char *needle, __u32 needle_size)
{
	if (!needle_size || !needle[0])
		return 0;
	if (bpf_strnstr)
		return bpf_strnstr(hay, needle, hay_size);
	if (needle_size > hay_size)
		return -1;
	for (__u32 i = 0; i < hay_size; i++) {
		int match = 1;

		if (!hay[i])
			return -1;
		for (__u32 j = 0; j < needle_size; j++) {
			char c = needle[j];

			if (!c)
				break;
			if (i + j >= hay_size || hay[(i + j) & 0xffff] != c) {
				match = 0;
				break;
			}
		}
		if (match)
			return i;
	}
	return -1;
}

/* strcontains(): whether `needle` occurs in `hay` (both NUL-terminated). */
static __always_inline int bt_strcontains(const char *hay, __u32 hay_size, const char *needle, __u32 needle_size)
{
	return bt_strstr(hay, hay_size, needle, needle_size) >= 0;
}

/* memcmp(): the difference of the first differing (signed) bytes among
 * the first `count` of at most `size` bytes, else 0. */
static __always_inline __s32 bt_memcmp(const void *left, const void *right, __u64 count, __u32 size)
{
	const signed char *l = left, *r = right;

	for (__u32 i = 0; i < size && i < count; i++)
		if (l[i] != r[i])
			return (__s32)l[i] - (__s32)r[i];
	return 0;
}

/* strcap() of a kernel char pointer: the length of its string. */
static __always_inline __u64 bt_strcap_of_pointer(const char *p, __u32 max_size)
{
	char buf[64];
	long n = bpf_probe_read_kernel_str(buf, sizeof(buf) < max_size ? sizeof(buf) : max_size, p);

	return n > 0 ? n - 1 : 0;
}

/*
 * The name tables are copied with bpf_probe_read_kernel(): clang 14 drops
 * the first of two inlined constant-table memcpy()s into one record.
 */
static __always_inline void bt_copy_name(char *out, const char *name, __u32 size)
{
	bpf_probe_read_kernel(out, size, name);
}

/* syscall_name(nr) into `out` (at least BT_SYSCALL_NAME_SIZE bytes). */
static __always_inline void bt_syscall_name(char *out, __s64 nr)
{
	if (nr >= 0 && nr < BT_SYSCALL_NAMES && bt_syscall_names[nr][0])
		bt_copy_name(out, bt_syscall_names[nr], BT_SYSCALL_NAME_SIZE);
	else
		bt_copy_name(out, "Unknown syscall", sizeof("Unknown syscall"));
}

/* signal_name(sig) into `out` (at least BT_SIGNAL_NAME_SIZE bytes). */
static __always_inline void bt_signal_name(char *out, __s64 sig)
{
	if (sig >= 0 && sig < BT_SIGNAL_NAMES)
		bt_copy_name(out, bt_signal_names[sig], BT_SIGNAL_NAME_SIZE);
	else
		bt_copy_name(out, "N/A", sizeof("N/A"));
}

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

#define BT_COMM_NO_KFUNC (-95) /* EOPNOTSUPP */
#define BT_COMM_NO_TASK (-3)   /* ESRCH */

/* comm(pid): the comm of task `pid` (as the initial PID namespace sees it). */
static __always_inline int bt_comm_of_pid(char *out, __s32 pid)
{
	struct task_struct *task;

	if (!bpf_task_from_pid || !bpf_task_release)
		return BT_COMM_NO_KFUNC;
	task = bpf_task_from_pid(pid);
	if (!task)
		return BT_COMM_NO_TASK;
	bpf_probe_read_kernel_str(out, 16, task->comm);
	bpf_task_release(task);
	return 0;
}

#endif /* BT2BIN_STDLIB_BPF_H */

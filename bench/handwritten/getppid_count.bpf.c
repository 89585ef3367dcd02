// SPDX-License-Identifier: GPL-2.0
// The hand-written libbpf baseline of bench (a): what an expert writes for
// `tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }`.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, char[16]);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	char comm[16] = {};
	__u64 zero = 0, *value;

	bpf_get_current_comm(comm, sizeof(comm));
	value = bpf_map_lookup_elem(&counts, comm);
	if (!value) {
		bpf_map_update_elem(&counts, comm, &zero, BPF_NOEXIST);
		value = bpf_map_lookup_elem(&counts, comm);
		if (!value)
			return 0;
	}
	(*value)++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

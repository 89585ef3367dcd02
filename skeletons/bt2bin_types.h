/* Value layouts shared by the BPF prelude, generated tool.h and the driver:
 * aggregation values and the small fixed records of stacks and symbols.
 * Plain C with __u64-style types, so both clang -target bpf and g++ read it. */
#ifndef BT2BIN_TYPES_H
#define BT2BIN_TYPES_H

/* min()/max() per CPU: the value, and whether any was recorded. */
struct bt_minmax {
	__s64 value;
	__u64 is_set;
};

/* avg()/stats() per CPU. */
struct bt_avg {
	__s64 total;
	__u64 count;
};

/* tseries() per CPU and interval: the interval (epoch) the value belongs to,
 * the value, and `meta`: the time of the last update (no aggregation) or the
 * number of values (avg). Epoch 0 marks a slot never written. */
struct bt_tseries {
	__s64 value;
	__s64 meta;
	__u64 epoch;
};

struct bt_ustack {
	__s64 stack_id;
	__u32 pid;
	__u32 pad;
};

struct bt_usym {
	__u64 addr;
	__u32 pid;
	__u32 pad;
};

struct bt_inet {
	__u32 af;
	__u8 addr[16];
};

#endif /* BT2BIN_TYPES_H */

// Imported by import_bpf_c.bt: BPF C compiled with the script; its
// functions with global linkage are callable from the script by name.
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

static int twice(int x) { return 2 * x; }

int add_one(int x) { return twice(x) / 2 + 1; }

long count_char(const char *s, long max, char c)
{
	long n = 0;

	for (long i = 0; i < max && i < 64; i++) {
		if (s[i] == 0)
			break;
		if (s[i] == c)
			n++;
	}
	return n;
}

struct task_struct *current_task(void) { return bpf_get_current_task_btf(); }

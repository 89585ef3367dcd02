// Loader of the hand-written baseline: attach, print "Attached 1 probe" on
// stderr, wait for SIGINT/SIGTERM, print the per-comm counts like bpftrace.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "getppid_count.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig) { stop = 1; }

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap) { return 0; }

int main(void)
{
	struct getppid_count_bpf *skel;
	int ncpus = libbpf_num_possible_cpus();
	char key[16], next[16];
	__u64 values[ncpus];
	int fd, first = 1;

	libbpf_set_print(quiet);
	skel = getppid_count_bpf__open_and_load();
	if (!skel || getppid_count_bpf__attach(skel)) {
		fprintf(stderr, "ERROR: cannot load or attach\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "Attached 1 probe\n");
	while (!stop)
		pause();
	printf("\n\n");
	fd = bpf_map__fd(skel->maps.counts);
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		__u64 total = 0;

		first = 0;
		memcpy(key, next, sizeof(key));
		if (bpf_map_lookup_elem(fd, key, values))
			continue;
		for (int i = 0; i < ncpus; i++)
			total += values[i];
		printf("@[%s]: %llu\n", key, (unsigned long long)total);
	}
	getppid_count_bpf__destroy(skel);
	return 0;
}

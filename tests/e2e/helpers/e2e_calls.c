// e2e helper for uprobe wildcards and -p: after DELAY_MS (default 0, so a tool started on this
// process with -p can attach first), calls e2e_alpha(i) and e2e_beta(i * 10) for i = 1..COUNT.
#include <stdlib.h>
#include <time.h>

static volatile long sink;

__attribute__((noipa)) long e2e_alpha(long a)
{
	sink += a;
	return a;
}

__attribute__((noipa)) long e2e_beta(long b)
{
	sink += b;
	return b;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 3;
	int delay_ms = argc > 2 ? atoi(argv[2]) : 0;
	struct timespec delay = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};

	if (delay_ms > 0)
		nanosleep(&delay, NULL);
	for (int i = 1; i <= count; i++) {
		e2e_alpha(i);
		e2e_beta(i * 10);
	}
	return 0;
}

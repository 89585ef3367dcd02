// e2e helper: fires the USDT probe e2e:tick(i, i * 100) for i = 1..COUNT, after DELAY_MS
// (default 0, so a tool started on this process with -p can attach first).
#include <stdlib.h>
#include <sys/sdt.h>
#include <time.h>

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 3;
	int delay_ms = argc > 2 ? atoi(argv[2]) : 0;
	struct timespec delay = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};

	if (delay_ms > 0)
		nanosleep(&delay, NULL);

	for (int i = 1; i <= count; i++)
		DTRACE_PROBE2(e2e, tick, i, i * 100);
	return 0;
}

// e2e helper for USDT semaphores: the probe e2e_sem:tick(i) has a semaphore and fires only while
// a tracer has activated it (the semaphore is non-zero), as `dtrace -h` generated code does.
#include <stdlib.h>

#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* sys/sdt.h names the semaphore <provider>_<probe>_semaphore and records its address in the note */
__extension__ unsigned short e2e_sem_tick_semaphore __attribute__((unused, section(".probes")));

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 3;
	int fired = 0;

	for (int i = 1; i <= count; i++) {
		if (__builtin_expect(e2e_sem_tick_semaphore, 0)) {
			DTRACE_PROBE1(e2e_sem, tick, i);
			fired++;
		}
	}
	return fired == count ? 0 : 3; /* 3: the semaphore was not activated */
}

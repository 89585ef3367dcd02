// e2e helper for watchpoint probes: maps a data page at the fixed address 0x10000000 and a code
// page holding a `ret` at 0x10001000 (fixed, so a test can name them in `watchpoint:ADDR:LEN:MODE`
// before the process exists, with -c), then COUNT times (default 3) writes i to the long at
// 0x10000000, reads it back and calls the code page, pausing DELAY_MS (default 100) between
// rounds so asynchronous actions such as unwatch() take effect before the next round.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define DATA_ADDR ((void *)0x10000000UL)
#define CODE_ADDR ((void *)0x10001000UL)

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 3;
	int delay_ms = argc > 2 ? atoi(argv[2]) : 100;
	struct timespec pause = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
	volatile long *data = mmap(DATA_ADDR, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	unsigned char *code = mmap(CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	long sum = 0;

	if (data == MAP_FAILED || code == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	code[0] = 0xc3; /* ret */
	__builtin___clear_cache((char *)code, (char *)code + 1);
	for (int i = 1; i <= count; i++) {
		*data = i;
		sum += *data;
		((void (*)(void))code)();
		nanosleep(&pause, NULL);
	}
	return sum == (long)count * (count + 1) / 2 ? 0 : 1;
}

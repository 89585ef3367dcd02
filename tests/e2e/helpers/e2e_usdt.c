// e2e helper: fires the USDT probe e2e:tick(i, i * 100) for i = 1..COUNT.
#include <stdlib.h>
#include <sys/sdt.h>

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 3;

	for (int i = 1; i <= count; i++)
		DTRACE_PROBE2(e2e, tick, i, i * 100);
	return 0;
}

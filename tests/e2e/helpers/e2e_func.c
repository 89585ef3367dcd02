// e2e helper: calls e2e_traced(i, i * 10) for i = 1..COUNT, so uprobe/uretprobe cases see known
// arguments and return values; `e2e_greeting` is a global string for uaddr().
#include <stdlib.h>

const char *e2e_greeting = "hello from e2e_func";

__attribute__((noipa)) long e2e_traced(long a, long b)
{
	static volatile long sink;

	sink += a;
	return a + b;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 3;

	/* touch the string so its page is resident when BPF reads it */
	volatile char first = e2e_greeting[0];

	(void)first;
	for (int i = 1; i <= count; i++)
		e2e_traced(i, i * 10);
	return 0;
}

// e2e helper for C++ uprobes (`uprobe:bin:cpp:"app::greet"`): two functions carrying the
// Itanium-mangled names a C++ compiler gives `long app::greet(long)` and
// `long app::Greeter::greet(long)`, so the harness needs no C++ toolchain.
// Usage: e2e_cpp [COUNT [DELAY_MS]]: after DELAY_MS (default 0) calls each COUNT times.
#include <stdlib.h>
#include <time.h>

static volatile long sink;

__attribute__((noipa)) long app_greet(long v) __asm__("_ZN3app5greetEl");
__attribute__((noipa)) long app_greet(long v)
{
	sink += v;
	return v;
}

__attribute__((noipa)) long app_greeter_greet(long v) __asm__("_ZN3app7Greeter5greetEl");
__attribute__((noipa)) long app_greeter_greet(long v)
{
	sink += v;
	return v;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 2;
	long delay_ms = argc > 2 ? atol(argv[2]) : 0;
	struct timespec delay = { delay_ms / 1000, delay_ms % 1000 * 1000000 };

	nanosleep(&delay, NULL);

	for (int i = 1; i <= count; i++) {
		app_greet(i);
		app_greeter_greet(i * 100);
	}
	return 0;
}

// e2e helper for C++ uprobes (`uprobe:bin:cpp:"app::greet"`): two functions carrying the
// Itanium-mangled names a C++ compiler gives `long app::greet(long)` and
// `long app::Greeter::greet(long)`, so the harness needs no C++ toolchain. Calls each COUNT times.
#include <stdlib.h>

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

	for (int i = 1; i <= count; i++) {
		app_greet(i);
		app_greeter_greet(i * 100);
	}
	return 0;
}

// e2e helper: hands a buffer holding "original" and a number 7 to e2e_poke_me() and prints them
// afterwards, so a uprobe that writes user memory (write_user) changes what it prints. With
// `--expect TEXT` it exits 1 (saying what it printed) unless it printed TEXT.
#include <stdio.h>
#include <string.h>

volatile char e2e_poke_sink;

__attribute__((noipa)) void e2e_poke_me(char *buf, long *number)
{
	e2e_poke_sink = buf[0] + (char)*number;
}

int main(int argc, char **argv)
{
	char buf[16] = "original", text[64];
	long number = 7;

	e2e_poke_me(buf, &number);
	snprintf(text, sizeof(text), "%s %ld", buf, number);
	printf("%s\n", text);
	if (argc == 3 && strcmp(argv[1], "--expect") == 0 && strcmp(text, argv[2]) != 0) {
		printf("e2e_poke: expected '%s'\n", argv[2]);
		return 1;
	}
	return 0;
}

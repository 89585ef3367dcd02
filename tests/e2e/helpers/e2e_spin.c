/* e2e_spin MS: burns CPU in user mode for MS milliseconds of wall time, then exits.
 * Workload for profile/software-event cases (an idle CPU gets almost no cpu-clock samples);
 * built static; its comm is "e2e_spin". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s MS\n", argv[0]);
    return 2;
  }
  long long end = now_ms() + strtol(argv[1], NULL, 10);
  volatile unsigned long x = 0;
  while (now_ms() < end) {
    for (int i = 0; i < 100000; i++)
      x += (unsigned long)i;
  }
  return 0;
}

/* getppid_loop [N]: load generator for bench/run.sh. Calls the getppid syscall N times
 * (default 2,000,000) and prints the mean cost per call as `ns_per_call <float>`. Each call
 * fires tracepoint:syscalls:sys_enter_getppid once, so the difference between a traced and
 * an untraced run is the per-event overhead of the tracer. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++)
    syscall(SYS_getppid);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
  printf("ns_per_call %.1f\n", ns / (double)n);
  return 0;
}

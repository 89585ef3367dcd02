/* Kernel-matrix self-test stand-in: the guests (unlike the host) must offer kprobes and the
 * ftrace function hooks fentry needs. Not a bt2bin product. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
  printf("kprobe_pmu: %s\n", access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ? "yes" : "no");
  printf("filter_functions: %s\n",
         access("/sys/kernel/tracing/available_filter_functions", R_OK) == 0 ? "yes" : "no");
  return 0;
}

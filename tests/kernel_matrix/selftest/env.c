/* Kernel-matrix harness self-test stand-in (run.sh --selftest): a plain static C program that
 * reports what a BPF tool needs from the (guest) environment. Not a bt2bin product. */
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *yes(const char *path) { return access(path, F_OK) == 0 ? "yes" : "no"; }

int main(void)
{
  struct utsname u;
  uname(&u);
  printf("release: %s\n", u.release);
  printf("btf: %s\n", yes("/sys/kernel/btf/vmlinux"));
  printf("tracefs: %s\n", yes("/sys/kernel/tracing/events/syscalls"));
  printf("debugfs: %s\n", yes("/sys/kernel/debug/tracing"));
  printf("root: %s\n", geteuid() == 0 ? "yes" : "no");
  return 0;
}

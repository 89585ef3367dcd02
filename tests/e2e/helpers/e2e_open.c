/* e2e_open COUNT FILE...: opens each FILE exactly COUNT times with the openat syscall, then exits.
 * A deterministic workload for tests/e2e and tests/kernel_matrix: built static, so the dynamic
 * loader adds no openat calls of its own, and its comm is "e2e_open". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s COUNT FILE...\n", argv[0]);
    return 2;
  }
  long count = strtol(argv[1], NULL, 10);
  for (int f = 2; f < argc; f++) {
    for (long i = 0; i < count; i++) {
      long fd = syscall(SYS_openat, AT_FDCWD, argv[f], O_RDONLY);
      if (fd < 0) {
        perror(argv[f]);
        return 1;
      }
      close((int)fd);
    }
  }
  return 0;
}

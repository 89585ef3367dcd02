/* e2e_read COUNT FILE: opens FILE once and issues exactly COUNT read(2) syscalls of one byte
 * (rewinding in between), then exits. Deterministic workload for read tracepoint cases; built
 * static so start-up adds no reads; its comm is "e2e_read". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s COUNT FILE\n", argv[0]);
    return 2;
  }
  long count = strtol(argv[1], NULL, 10);
  int fd = open(argv[2], O_RDONLY);
  if (fd < 0) {
    perror(argv[2]);
    return 1;
  }
  char c;
  for (long i = 0; i < count; i++) {
    if (syscall(SYS_read, fd, &c, 1) < 0) {
      perror("read");
      return 1;
    }
    lseek(fd, 0, SEEK_SET);
  }
  close(fd);
  return 0;
}

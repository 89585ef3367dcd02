/* Kernel-matrix self-test stand-in for a traced case with a workload: says "Attached 1 probe"
 * like a bt2bin tool, then watches /proc until the workload (e2e_spin) shows up. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int find(const char *comm)
{
  DIR *d = opendir("/proc");
  struct dirent *e;
  int found = 0;
  while (d && (e = readdir(d)) && !found) {
    char path[300], buf[32] = "";
    snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f)
      continue;
    if (fgets(buf, sizeof(buf), f) && strncmp(buf, comm, strlen(comm)) == 0)
      found = 1;
    fclose(f);
  }
  if (d)
    closedir(d);
  return found;
}

int main(void)
{
  fprintf(stderr, "Attached 1 probe\n");
  for (int i = 0; i < 1000; i++) {
    if (find("e2e_spin")) {
      printf("saw e2e_spin\n");
      return 0;
    }
    usleep(10000);
  }
  printf("no workload seen\n");
  return 1;
}

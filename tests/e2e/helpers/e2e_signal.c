/* e2e_signal: a second thread calls getppid() once while the main thread
 * blocks SIGUSR1 and waits for it; a SIGUSR1 sent to that thread (e.g. by
 * signal_thread()) is caught there. Exits 0 either way. Built static; its
 * comm is "e2e_signal". */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_usr1(int sig) { caught = sig; }

static void *worker(void *arg)
{
  sigset_t usr1;

  (void)arg;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
  syscall(SYS_getppid);
  return NULL;
}

int main(void)
{
  struct sigaction sa = {0};
  sigset_t usr1;
  pthread_t t;

  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, NULL);  /* the worker unblocks it below */
  if (pthread_create(&t, NULL, worker, NULL) != 0)
    return 1;
  pthread_join(t, NULL);
  printf("worker caught %d\n", (int)caught);
  return 0;
}

// Running an external program without a shell: posix_spawn with an argv array
// (DESIGN invariant 8), stdout and stderr captured. Shared by the front end
// (clang for script C definitions) and the back end (the toolchain stages).
#include "util/run_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char **environ;

namespace bt2bin {

CommandResult run_command(const std::vector<std::string> &argv, const std::string &stdout_file) {
  CommandResult result;
  char capture_template[] = "/tmp/bt2bin-cmd-XXXXXX";
  int capture_fd = mkstemp(capture_template);
  if (capture_fd < 0) {
    result.output = "cannot create a temporary file";
    return result;
  }
  unlink(capture_template);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, capture_fd, STDERR_FILENO);
  if (stdout_file.empty())
    posix_spawn_file_actions_adddup2(&actions, capture_fd, STDOUT_FILENO);
  else
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);

  std::vector<char *> args;
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.output = "cannot run " + argv[0] + ": " + std::strerror(rc);
    close(capture_fd);
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

  lseek(capture_fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(capture_fd, buf, sizeof buf)) > 0) result.output.append(buf, n);
  close(capture_fd);
  return result;
}

}  // namespace bt2bin

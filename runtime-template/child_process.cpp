// -c CMD: fork; the child blocks on a pipe, then (for 's') PTRACE_TRACEME
// so the kernel stops it with SIGTRAP once its new image is mapped, and
// execvp. PTRACE_DETACH lets a stopped child go.
#include "runtime-template/child_process.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bt2bin::rt {

namespace {

std::vector<std::string> split_on_blanks(const char *s) {
  std::vector<std::string> out;
  std::string w;
  for (; *s; s++) {
    if (*s == ' ' || *s == '\t') {
      if (!w.empty()) out.push_back(w), w.clear();
    } else {
      w += *s;
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

[[noreturn]] void exec_when_told(int go_fd, std::vector<std::string> &words) {
  char how;
  if (read(go_fd, &how, 1) != 1) _exit(127);
  close(go_fd);
  if (how == 's' && ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(127);
  std::vector<char *> argv;
  for (auto &w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  fprintf(stderr, "ERROR: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

// As execvp would find it: a path, or a name on $PATH.
bool runnable(const std::string &name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0;
  const char *env = getenv("PATH");
  std::string dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string path = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(path.c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

}  // namespace

bool ChildProcess::spawn(const char *command) {
  words_ = split_on_blanks(command);
  if (words_.empty()) {
    errno = EINVAL;
    return false;
  }
  if (!runnable(words_[0])) {
    errno = ENOENT;
    return false;
  }
  int fds[2];
  if (pipe(fds) != 0) return false;
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    close(fds[1]);
    exec_when_told(fds[0], words_);
  }
  close(fds[0]);
  go_fd_ = fds[1];
  held_ = true;
  return true;
}

bool ChildProcess::go(char how) {
  if (go_fd_ < 0) return false;
  bool ok = write(go_fd_, &how, 1) == 1;
  close(go_fd_);
  go_fd_ = -1;
  return ok;
}

bool ChildProcess::run_until_exec() {
  if (!held_ || !go('s')) return false;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0)
    if (errno != EINTR) return false;
  if (WIFSTOPPED(status)) return stopped_ = true;
  held_ = false;
  reaped_ = true;
  return false;
}

void ChildProcess::release() {
  if (!held_) return;
  if (stopped_) ptrace(PTRACE_DETACH, pid_, nullptr, nullptr);
  else go('g');
  held_ = stopped_ = false;
}

bool ChildProcess::exited() {
  if (pid_ <= 0) return false;
  if (!reaped_) {
    int status;
    reaped_ = waitpid(pid_, &status, WNOHANG) == pid_;
  }
  return reaped_;
}

void ChildProcess::kill_if_held() {
  if (pid_ <= 0 || !held_) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  if (go_fd_ >= 0) close(go_fd_);
  go_fd_ = -1;
  held_ = stopped_ = false;
  reaped_ = true;
}

void ChildProcess::terminate_if_running() {
  if (pid_ > 0 && !held_ && !exited()) kill(pid_, SIGTERM);
}

}  // namespace bt2bin::rt

// Privilege and lockdown checks (see host_restrictions.h).
#include "runtime-template/host_restrictions.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace bt2bin::rt {

namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapBpf = 39;

// The effective capability set of this process, from /proc/self/status.
bool effective_caps(uint64_t &caps) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return false;
  char line[256];
  bool found = false;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "CapEff: %lx", &caps) == 1) {
      found = true;
      break;
    }
  fclose(f);
  return found;
}

}  // namespace

std::string privilege_problem() {
  uint64_t caps = 0;
  if (!effective_caps(caps)) return geteuid() == 0 ? "" : "permission denied: this tool must run as root";
  if (caps & ((1ULL << kCapSysAdmin) | (1ULL << kCapBpf))) return "";
  std::string who = geteuid() == 0 ? "root without capabilities" : "uid " + std::to_string(geteuid());
  return "permission denied: loading BPF programs needs root, or CAP_BPF and CAP_PERFMON (running as " + who + ")";
}

std::string lockdown_mode() {
  FILE *f = fopen("/sys/kernel/security/lockdown", "r");
  if (!f) return "";
  char buf[128] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  // "none integrity [confidentiality]": the active mode is bracketed.
  const char *open = strchr(buf, '[');
  const char *close = open ? strchr(open, ']') : nullptr;
  return open && close ? std::string(open + 1, close) : "";
}

std::string lockdown_problem() {
  if (lockdown_mode() != "confidentiality") return "";
  return "kernel lockdown is enabled in confidentiality mode: it blocks the BPF and tracing features "
         "this tool needs (see /sys/kernel/security/lockdown)";
}

}  // namespace bt2bin::rt

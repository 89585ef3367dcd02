// Why this host may refuse to run BPF tracing, decided on the target at
// start: missing privileges (not root, no CAP_BPF) and kernel lockdown.
// Each check gives the one-line explanation the tool prints.
#pragma once

#include <string>

namespace bt2bin::rt {

// Empty when the process may load BPF programs (root, CAP_SYS_ADMIN, or
// CAP_BPF), else why not, in one line.
std::string privilege_problem();

// The kernel's lockdown mode from securityfs: "none", "integrity",
// "confidentiality", or "" when unknown (securityfs not mounted).
std::string lockdown_mode();

// One line explaining that lockdown blocks this tool, or empty when
// lockdown is not in confidentiality mode (the mode that blocks tracing).
std::string lockdown_problem();

}  // namespace bt2bin::rt

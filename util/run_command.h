// Running an external program with posix_spawn and an argv array, never a
// shell (DESIGN invariant 8); output is captured so callers can show it.
#pragma once

#include <string>
#include <vector>

namespace bt2bin {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (looked up in PATH) with argv; writes stdout to `stdout_file`
// when it is non-empty, else captures it with stderr.
CommandResult run_command(const std::vector<std::string> &argv,
                          const std::string &stdout_file = {});

}  // namespace bt2bin

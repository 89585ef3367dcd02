// Functions whose BPF helper the kernel restricts — override(), path(),
// socket_cookie(), skboutput(), write_user() — are checked on the target
// before load, and a verifier refusal of one of them is explained in one
// line naming the probe instead of a generic load error.
#pragma once

#include <cstdint>
#include <string>

struct bpf_object;

namespace bt2bin::rt {

struct ToolDesc;

// One use of a restricted function in the program of kProbes[probe].
struct HelperUse {
  uint32_t probe;        // index into ToolDesc::probes
  const char *function;  // "override", "path", ...
};

// Before load: every restricted helper used by a program that will be
// loaded exists for its program type on this kernel; otherwise prints why
// (one line) and returns false.
bool check_helper_support(const ToolDesc &d, bpf_object *obj);

// After a failed load: a one-line explanation when libbpf's log (`log`)
// shows the verifier refusing a restricted helper, else "".
std::string explain_load_failure(const ToolDesc &d, const std::string &log);

}  // namespace bt2bin::rt

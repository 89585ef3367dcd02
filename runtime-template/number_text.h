// Appending integers as text without printf: the symbolizers and stack
// formatter build many short lines, and std::to_chars keeps that cheap.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace bt2bin::rt {

inline void append_hex(std::string &out, uint64_t v) {
  char buf[16];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, 16);
  out.append(buf, end - buf);
}

inline void append_dec(std::string &out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end - buf);
}

}  // namespace bt2bin::rt

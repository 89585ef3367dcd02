// Where a produced tool's output goes and in which format: the one place
// that knows text vs NDJSON (-f json), stdout vs -o FILE, and buffering.
// Script output is buffered and flushed after every batch of events, so a
// pipe sees events as they happen without a write per record.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "runtime-template/format_context.h"
#include "runtime-template/map_format.h"
#include "runtime-template/value_desc.h"

namespace bt2bin::rt {

class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  ~Output();
  bool open_file(const char *path);

  void attached(int probes);
  // A printf/errorf/warnf/system/cat record; kind as in FormatKind.
  void format_event(uint32_t kind, const std::string &text, const char *source_loc);
  void value(const ValueDesc &desc, const uint8_t *data, const FormatContext &ctx);
  void time(const char *format);
  void join(const std::string &text);
  void map(const MapDesc &m, const std::vector<RawMapEntry> &entries, const FormatContext &ctx, uint32_t top,
           uint64_t div);
  void lost_events(uint64_t n);
  void divide_by_zero(const char *site);
  // Text the probes formatted themselves (an iterator's seq_file), or the
  // "Program pinned to" line: as is, in the text and JSON formats alike.
  void raw(const std::string &text) { write(text); }
  void end();   // before the maps printed at exit
  void flush();

 private:
  void write(const std::string &s) { buf_ += s; }
  bool json_;
  FILE *out_ = stdout;
  std::string buf_;
};

}  // namespace bt2bin::rt

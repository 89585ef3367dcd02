// Text and NDJSON output of a produced tool (see runtime_output.h).
#include "runtime-template/runtime_output.h"

#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include <cstring>

#include "runtime-template/printf_format.h"
#include "runtime-template/value_format.h"

extern char **environ;

namespace bt2bin::rt {

Output::~Output() {
  flush();
  if (out_ != stdout) fclose(out_);
}

bool Output::open_file(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return false;
  out_ = f;
  return true;
}

void Output::flush() {
  if (!buf_.empty()) {
    fwrite(buf_.data(), 1, buf_.size(), out_);
    buf_.clear();
  }
  fflush(out_);
}

void Output::attached(int probes) {
  if (json_) {
    write("{\"type\": \"attached_probes\", \"data\": {\"probes\": " + std::to_string(probes) + "}}\n");
    return;
  }
  fprintf(stderr, "Attached %d probe%s\n", probes, probes == 1 ? "" : "s");
}

// Runs a system() command without a shell: the formatted text is split on
// blanks, as bpftrace does before exec.
static std::string run_system(const std::string &cmd) {
  std::vector<std::string> words;
  std::string w;
  for (char c : cmd) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!w.empty()) words.push_back(w), w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) words.push_back(w);
  if (words.empty()) return {};
  std::vector<char *> argv;
  for (auto &s : words) argv.push_back(s.data());
  argv.push_back(nullptr);
  fflush(stdout);
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0) waitpid(pid, nullptr, 0);
  return {};
}

void Output::format_event(uint32_t kind, const std::string &text, const char *source_loc) {
  switch (kind) {
    case 1:  // errorf
    case 2:  // warnf
      if (json_) {
        std::string s = "{\"type\": \"";
        s += kind == 1 ? "errorf" : "warnf";
        s += "\", \"data\": {\"msg\": ";
        append_json_string(s, text);
        s += "}}\n";
        write(s);
      } else {
        flush();
        fprintf(stderr, "%s: %s: %s\n", source_loc, kind == 1 ? "ERROR" : "WARNING", text.c_str());
      }
      return;
    case 3:  // system
      flush();
      run_system(text);
      return;
    case 4: {  // cat
      FILE *f = fopen(text.c_str(), "r");
      if (!f) {
        fprintf(stderr, "ERROR: failed to open file '%s': %s\n", text.c_str(), strerror(errno));
        return;
      }
      char buf[4096];
      size_t n;
      std::string content;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0 && content.size() < 10240) content.append(buf, n);
      fclose(f);
      if (json_) {
        std::string s = "{\"type\": \"cat\", \"data\": ";
        append_json_string(s, content);
        write(s + "}\n");
      } else {
        write(content);
      }
      return;
    }
    default:
      if (json_) append_json_text_event(buf_, "printf", text);
      else write(text);
  }
}

void Output::value(const ValueDesc &desc, const uint8_t *data, const FormatContext &ctx) {
  if (json_) {
    std::string s = "{\"type\": \"value\", \"data\": ";
    append_value_json(s, desc, data, ctx);
    write(s + "}\n");
  } else {
    append_value_text(buf_, desc, data, ctx);
    write("\n");
  }
}

void Output::time(const char *format) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  std::string text = format_strftime(format, static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + ts.tv_nsec, false);
  if (json_) append_json_text_event(buf_, "time", text);
  else write(text);
}

void Output::join(const std::string &text) {
  if (json_) append_json_text_event(buf_, "join", text);
  else write(text + "\n");
}

void Output::map(const MapDesc &m, const std::vector<RawMapEntry> &entries, const FormatContext &ctx, uint32_t top,
                 uint64_t div) {
  if (json_) print_map_json(buf_, m, entries, ctx, top, div);
  else print_map_text(buf_, m, entries, ctx, top, div);
}

void Output::lost_events(uint64_t n) {
  flush();
  if (json_) {
    write("{\"type\": \"lost_events\", \"data\": {\"events\": " + std::to_string(n) + "}}\n");
    return;
  }
  fprintf(stderr, "Lost %llu events\n", static_cast<unsigned long long>(n));
}

void Output::divide_by_zero(const char *site) {
  static const char kMessage[] =
      "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.";
  if (json_) {
    std::string s = "{\"type\": \"runtime_error\", \"data\": {\"msg\": ";
    append_json_string(s, kMessage);
    write(s + "}}\n");
    return;
  }
  flush();
  fprintf(stderr, "%s: WARNING: %s\n", site, kMessage);
}

void Output::end() {
  if (!json_) write("\n\n");
}

}  // namespace bt2bin::rt

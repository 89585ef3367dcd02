// Script-defined C types and constants (see script_types.h).
#include "frontend/script_types.h"

#include <unistd.h>

#include <fstream>
#include <regex>

#include "util/run_command.h"

namespace bt2bin {

namespace {

// The integer typedefs scripts use without including kernel headers.
const char kPrelude[] =
    "typedef signed char __s8; typedef unsigned char __u8;\n"
    "typedef short __s16; typedef unsigned short __u16;\n"
    "typedef int __s32; typedef unsigned int __u32;\n"
    "typedef long long __s64; typedef unsigned long long __u64;\n"
    "typedef __s8 s8; typedef __u8 u8; typedef __s16 s16; typedef __u16 u16;\n"
    "typedef __s32 s32; typedef __u32 u32; typedef __s64 s64; typedef __u64 u64;\n"
    "typedef __s8 int8_t; typedef __u8 uint8_t; typedef __s16 int16_t; typedef __u16 uint16_t;\n"
    "typedef __s32 int32_t; typedef __u32 uint32_t; typedef __s64 int64_t; typedef __u64 uint64_t;\n"
    "typedef unsigned long size_t; typedef long ssize_t; typedef int pid_t; typedef _Bool bool;\n";

}  // namespace

bool ScriptTypes::load(const std::vector<CDefinition> &defs, std::string &error,
                       const KernelHeaderSource &kernel_header) {
  static const std::regex define_re(R"(^\s*#\s*define\s+([A-Za-z_]\w*)\s+(-?(0[xX][0-9a-fA-F]+|\d+))[uUlL]*\s*$)");
  static const std::regex record_re(R"(\b(struct|union)\s+([A-Za-z_]\w*)\s*\{)");
  static const std::regex enum_re(R"(\benum\s+([A-Za-z_]\w*)\s*\{)");
  std::string body;
  std::vector<std::string> preprocessor_lines;
  for (const auto &d : defs) {
    size_t first = d.text.find_first_not_of(" \t");
    if (first != std::string::npos && d.text[first] == '#') preprocessor_lines.push_back(d.text);
  }
  macros_ = CMacros(std::move(preprocessor_lines));
  for (const auto &d : defs) {
    std::smatch m;
    if (std::regex_match(d.text, m, define_re)) {
      constants_[m[1]] = std::stoll(m[2], nullptr, 0);
      continue;
    }
    if (d.text.find('#') == 0 || d.text.find_first_not_of(" \t") == std::string::npos ||
        d.text[d.text.find_first_not_of(" \t")] == '#')
      continue;  // #include and other preprocessor lines are for clang at build time
    body += d.text + "\n";
    for (auto it = std::sregex_iterator(d.text.begin(), d.text.end(), record_re); it != std::sregex_iterator(); ++it)
      records_.insert((*it)[1].str() + " " + (*it)[2].str());
    for (auto it = std::sregex_iterator(d.text.begin(), d.text.end(), enum_re); it != std::sregex_iterator(); ++it)
      enums_.insert((*it)[1].str());
    // Anonymous enums only define constants.
    if (d.text.find("enum") != std::string::npos) has_enum_constants_ = true;
  }
  if (records_.empty() && !has_enum_constants_) return true;

  std::string object;
  if (!compile(kPrelude, body, object, error)) {
    // Definitions that use kernel types (`struct path path;` in dcsnoop's
    // nameidata) are compiled again over vmlinux.h, as bpftrace gives them
    // the kernel's types from BTF.
    bool uses_kernel_types = error.find("incomplete type") != std::string::npos ||
                             error.find("unknown type name") != std::string::npos;
    std::string header, header_error;
    if (!uses_kernel_types || !kernel_header || !kernel_header(header, header_error)) return false;
    error.clear();
    if (!compile("#include \"" + header + "\"\n", body, object, error)) return false;
  }
  btf_ = std::make_unique<BtfTypes>(object, anon_prefix);
  btf_->available();  // parse now, then the files can go
  unlink(object.c_str());
  rmdir(object.substr(0, object.rfind('/')).c_str());
  return true;
}

// Compiles `prelude` + `body` (and a use of every record and enum, so that
// all of them are in the debug info) into a BPF object holding their BTF.
bool ScriptTypes::compile(const std::string &prelude, const std::string &body, std::string &object,
                          std::string &error) {
  char dir[] = "/tmp/bt2bin-types-XXXXXX";
  if (!mkdtemp(dir)) {
    error = "cannot create a temporary directory";
    return false;
  }
  std::string src = std::string(dir) + "/types.c";
  object = std::string(dir) + "/types.o";
  {
    std::ofstream f(src);
    f << prelude << body;
    int i = 0;
    for (const auto &r : records_) f << r << " *__bt2bin_use" << i++ << ";\n";
    // Keep every enum in the debug info, used or not.
    for (const auto &e : enums_) f << "enum " << e << " __bt2bin_use" << i++ << ";\n";
  }
  auto r = run_command({"clang-14", "-g", "-O0", "-target", "bpf", "-c", src, "-o", object});
  unlink(src.c_str());
  if (r.exit_code != 0) {
    size_t start = r.output.find("error: ");
    error = start == std::string::npos ? r.output : r.output.substr(start + 7, r.output.find('\n', start) - start - 7);
    rmdir(dir);
    return false;
  }
  return true;
}

std::optional<Type> ScriptTypes::enum_constant_type(const std::string &name) {
  return btf_ ? btf_->enum_constant_type(name) : std::nullopt;
}

std::optional<int64_t> ScriptTypes::enum_constant(const std::string &name) {
  return btf_ ? btf_->enum_constant(name) : std::nullopt;
}

std::optional<int64_t> ScriptTypes::constant(const std::string &name) const {
  auto it = constants_.find(name);
  if (it == constants_.end()) return std::nullopt;
  return it->second;
}

}  // namespace bt2bin

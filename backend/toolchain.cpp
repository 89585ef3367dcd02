// The toolchain runner: clang -target bpf (with a cached precompiled vmlinux.h),
// bpftool gen object/skeleton, and the static C++ compile and link of the
// driver (with the precompiled driver header) with libbt2bin_rt.a and libbpf.
#include "backend/toolchain.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

namespace bt2bin {

static bool file_exists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

static std::string cache_dir() {
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  std::string dir = xdg && *xdg ? std::string(xdg) : std::string(home && *home ? home : "/tmp") + "/.cache";
  dir += "/bt2bin";
  mkdir(dir.substr(0, dir.rfind('/')).c_str(), 0755);
  mkdir(dir.c_str(), 0755);
  return dir;
}

// The cache key is the BTF's size and modification time: /sys/kernel/btf/vmlinux
// changes only with the kernel, a --btf file when it is rewritten.
bool vmlinux_header(const std::string &btf_file, std::string &path, std::string &error) {
  struct stat st;
  if (stat(btf_file.c_str(), &st) != 0) {
    error = "no BTF at " + btf_file + " (is this kernel built with CONFIG_DEBUG_INFO_BTF? use --btf FILE)";
    return false;
  }
  path = cache_dir() + "/vmlinux-" + std::to_string(st.st_size) + "-" +
         std::to_string(st.st_mtime) + ".h";
  if (file_exists(path)) return true;
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  auto r = run_command({"bpftool", "btf", "dump", "file", btf_file, "format", "c"}, tmp);
  if (r.exit_code != 0) {
    unlink(tmp.c_str());
    error = "bpftool btf dump failed:\n" + r.output;
    return false;
  }
  rename(tmp.c_str(), path.c_str());
  return true;
}

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

struct Stage {
  const char *name;
  std::vector<std::string> argv;
  std::string stdout_file = {};
};

// CPU time (user + system) of the finished child processes, in ms: on a busy
// machine it says more about a stage's cost than wall time.
double children_cpu_ms() {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  auto ms = [](const timeval &tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

CommandResult run_stage(const Stage &stage, bool verbose) {
  auto start = std::chrono::steady_clock::now();
  double cpu_start = children_cpu_ms();
  auto r = run_command(stage.argv, stage.stdout_file);
  if (verbose) {
    fprintf(stderr, "bt2bin: %-18s %7.1f ms (cpu %.1f ms)\n", stage.name, ms_since(start),
            children_cpu_ms() - cpu_start);
    if (r.exit_code == 0 && !r.output.empty()) fputs(r.output.c_str(), stderr);
  }
  return r;
}

bool run_stage(const Stage &stage, bool verbose, std::string &error) {
  auto r = run_stage(stage, verbose);
  if (r.exit_code != 0) {
    error = std::string(stage.name) + " failed:\n" + r.output;
    return false;
  }
  return true;
}

bool on_path(const char *program) {
  const char *path = getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (access(((dir.empty() ? "." : dir) + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::string hex_hash(const std::string &text) {  // FNV-1a, for cache file names
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
  return buf;
}

// clang's flags for the BPF side, without include paths and files.
const std::vector<std::string> kBpfFlags = {
    "clang-14", "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86", "-Wno-unused-value",
    "-Wno-pointer-sign", "-Wno-compare-distinct-pointer-types", "-Wno-unknown-attributes"};

// vmlinux.h is 130k lines and most of a BPF compile's time: it is precompiled
// once per BTF and clang flags, next to the cached vmlinux.h. Empty on failure
// (the compile then parses vmlinux.h itself).
std::string vmlinux_pch(const std::string &vmlinux, bool verbose) {
  std::string flags;
  for (const auto &f : kBpfFlags) flags += f + " ";
  std::string path = vmlinux.substr(0, vmlinux.rfind('.')) + "-" + hex_hash(flags) + ".pch";
  if (file_exists(path)) return path;
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  Stage stage{"vmlinux.h PCH", kBpfFlags};
  for (const auto &a : {std::string("-x"), std::string("c-header"), vmlinux, std::string("-o"), tmp})
    stage.argv.push_back(a);
  if (run_stage(stage, verbose).exit_code != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return "";
  }
  return path;
}

// clang (BPF) with the vmlinux.h PCH; should the PCH be unusable (clang
// upgraded, a header it recorded changed), once more without it.
bool compile_bpf(const ToolchainOptions &o, const std::string &vmlinux, std::string &error) {
  const std::string &w = o.work_dir;
  Stage stage{"clang (BPF)", kBpfFlags};
  for (const auto &a : {"-I" + w, "-I" + o.include_dir, std::string("-I/usr/include/x86_64-linux-gnu"),
                        std::string("-c"), w + "/tool.bpf.c", std::string("-o"), w + "/tool.tmp.o"})
    stage.argv.push_back(a);
  std::string pch = vmlinux_pch(vmlinux, o.verbose);
  if (!pch.empty()) {
    Stage with_pch = stage;
    with_pch.argv.insert(with_pch.argv.begin() + 1, {"-include-pch", pch});
    if (run_stage(with_pch, o.verbose).exit_code == 0) return true;
  }
  if (!run_stage(stage, o.verbose, error)) return false;
  if (!pch.empty()) unlink(pch.c_str());  // the PCH was the problem: rebuild it next time
  return true;
}

bool newer(const struct timespec &a, const struct timespec &b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

// The directory holding the precompiled skeletons/bt2bin_driver.h, built
// beside the runtime library (CMakeLists.txt); "" when it is missing or older
// than a header it was made from (its .d file lists them): g++ does not check
// that, and a stale PCH would compile the driver against old declarations.
std::string driver_pch_dir(const ToolchainOptions &o, bool verbose) {
  std::string dir = o.runtime_lib.substr(0, o.runtime_lib.rfind('/') + 1) + "driver-pch";
  std::string gch = dir + "/skeletons/bt2bin_driver.h.gch";
  struct stat pch;
  std::ifstream deps(gch + ".d");
  if (stat(gch.c_str(), &pch) != 0 || !deps) {
    if (verbose) fprintf(stderr, "bt2bin: no precompiled driver header at %s\n", gch.c_str());
    return "";
  }
  std::string word;
  bool in_deps = false;  // past "target:"
  while (deps >> word) {
    if (!in_deps) {
      in_deps = word.back() == ':';
      continue;
    }
    struct stat dep;
    if (word != "\\" && (stat(word.c_str(), &dep) != 0 || newer(dep.st_mtim, pch.st_mtim))) {
      if (verbose) fprintf(stderr, "bt2bin: %s is older than %s: not used\n", gch.c_str(), word.c_str());
      return "";
    }
  }
  return dir;
}

}  // namespace

bool build_tool(const ToolchainOptions &o, std::string &error) {
  std::string btf = o.btf_file.empty() ? "/sys/kernel/btf/vmlinux" : o.btf_file;
  std::string vmlinux;
  auto start = std::chrono::steady_clock::now();
  if (!vmlinux_header(btf, vmlinux, error)) return false;
  if (o.verbose) fprintf(stderr, "bt2bin: %-18s %7.1f ms\n", "vmlinux.h", ms_since(start));
  // vmlinux.h is found through a symlink in the work dir so the generated
  // sources include it by its usual name.
  std::string link = o.work_dir + "/vmlinux.h";
  unlink(link.c_str());
  if (symlink(vmlinux.c_str(), link.c_str()) != 0) {
    error = "cannot link vmlinux.h into " + o.work_dir;
    return false;
  }
  if (!compile_bpf(o, vmlinux, error)) return false;

  const std::string &w = o.work_dir;
  // With the precompiled driver header's directory first on the include path,
  // g++ reads it for skeletons/bt2bin_driver.h; it falls back to the header
  // when the PCH was made with other flags (-Winvalid-pch says so, shown with -v).
  std::vector<std::string> driver = {"g++", "-std=gnu++20", "-O2", "-pipe", "-Winvalid-pch"};
  if (std::string pch = driver_pch_dir(o, o.verbose); !pch.empty()) driver.push_back("-I" + pch);
  for (const auto &a : {"-I" + w, "-I" + o.include_dir, w + "/tool.main.cpp", o.runtime_lib, std::string("-o"),
                        o.output, std::string("-static"), std::string("-Wl,--gc-sections")})
    driver.push_back(a);
  // gold links the static tool in a third of the time of ld.bfd.
  if (on_path("ld.gold")) driver.push_back("-fuse-ld=gold");
  if (o.strip) driver.push_back("-s");
  for (const char *lib : {"-lbpf", "-lelf", "-lz"}) driver.push_back(lib);
  std::vector<Stage> stages = {
      {"bpftool gen object", {"bpftool", "gen", "object", w + "/tool.bpf.o", w + "/tool.tmp.o"}},
      {"bpftool gen skel",
       {"bpftool", "gen", "skeleton", w + "/tool.bpf.o", "name", "tool_bpf"},
       w + "/tool.skel.h"},
      {"c++ (driver+link)", driver},
  };
  for (const auto &s : stages)
    if (!run_stage(s, o.verbose, error)) return false;
  return true;
}

}  // namespace bt2bin

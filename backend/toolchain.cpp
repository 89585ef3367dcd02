// The toolchain runner: clang -target bpf, bpftool gen object/skeleton, and
// the static C++ link of the driver with libbt2bin_rt.a and libbpf.
#include "backend/toolchain.h"

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

struct Stage {
  const char *name;
  std::vector<std::string> argv;
  std::string stdout_file;
};

bool run_stage(const Stage &stage, bool verbose, std::string &error) {
  auto start = std::chrono::steady_clock::now();
  auto r = run_command(stage.argv, stage.stdout_file);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (verbose) fprintf(stderr, "bt2bin: %-18s %7.1f ms\n", stage.name, ms);
  if (r.exit_code != 0) {
    error = std::string(stage.name) + " failed:\n" + r.output;
    return false;
  }
  return true;
}

}  // namespace

bool build_tool(const ToolchainOptions &o, std::string &error) {
  std::string btf = o.btf_file.empty() ? "/sys/kernel/btf/vmlinux" : o.btf_file;
  std::string vmlinux;
  auto start = std::chrono::steady_clock::now();
  if (!vmlinux_header(btf, vmlinux, error)) return false;
  if (o.verbose)
    fprintf(stderr, "bt2bin: %-18s %7.1f ms\n", "vmlinux.h",
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  // vmlinux.h is found through a symlink in the work dir so the generated
  // sources include it by its usual name.
  std::string link = o.work_dir + "/vmlinux.h";
  unlink(link.c_str());
  if (symlink(vmlinux.c_str(), link.c_str()) != 0) {
    error = "cannot link vmlinux.h into " + o.work_dir;
    return false;
  }

  const std::string &w = o.work_dir;
  std::vector<Stage> stages = {
      {"clang (BPF)",
       {"clang-14", "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86", "-Wno-unused-value",
        "-Wno-pointer-sign", "-Wno-compare-distinct-pointer-types", "-Wno-unknown-attributes",
        "-I" + w, "-I" + o.include_dir, "-I/usr/include/x86_64-linux-gnu",
        "-c", w + "/tool.bpf.c", "-o", w + "/tool.tmp.o"}},
      {"bpftool gen object", {"bpftool", "gen", "object", w + "/tool.bpf.o", w + "/tool.tmp.o"}},
      {"bpftool gen skel",
       {"bpftool", "gen", "skeleton", w + "/tool.bpf.o", "name", "tool_bpf"},
       w + "/tool.skel.h"},
      {"c++ (driver+link)",
       {"g++", "-std=gnu++20", "-O2", "-I" + w, "-I" + o.include_dir, w + "/tool.main.cpp",
        o.runtime_lib, "-o", o.output, "-static", "-Wl,--gc-sections", "-lbpf", "-lelf", "-lz"}},
  };
  if (o.strip) stages.push_back({"strip", {"strip", o.output}});
  for (const auto &s : stages)
    if (!run_stage(s, o.verbose, error)) return false;
  return true;
}

}  // namespace bt2bin

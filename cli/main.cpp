// The `bt2bin` command: reads a script, runs the front end (parse,
// semantic analysis), the back end (BPF C + driver), then the toolchain,
// and writes one static executable. Exit 0 on success, 1 on a script or
// toolchain error.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "backend/bpf_emitter.h"
#include "backend/toolchain.h"
#include "frontend/ast_printer.h"
#include "frontend/diagnostics.h"
#include "frontend/parser.h"
#include "frontend/passes/import_resolver.h"
#include "frontend/passes/macro_expander.h"
#include "frontend/passes/semantic_analyser.h"
#include "runtime-template/probe_catalog.h"

namespace {

struct CliOptions {
  std::string script_file;
  std::string program_text;
  bool have_program = false;
  std::string output;
  std::string emit_c_dir;
  std::string debug;
  std::string btf;
  std::string list_pattern;
  bool list = false;
  bool check = false;
  bool verbose = false;
  bool unsafe = false;
};

void usage(FILE *out) {
  fputs(
      "USAGE:\n"
      "  bt2bin [OPTIONS] script.bt          compile script.bt into ./script\n"
      "  bt2bin [OPTIONS] -e 'program'       compile a program given inline\n"
      "  bt2bin -l [PATTERN]                 list this host's probes\n"
      "\n"
      "OPTIONS:\n"
      "  -o FILE        output binary (default: the script's base name; 'a.out' with -e)\n"
      "  -e PROGRAM     program text instead of a file\n"
      "  --emit-c DIR   keep the generated tool.bpf.c, tool.h, tool.main.cpp, tool.skel.h in DIR\n"
      "  -d ast         print the syntax tree and stop\n"
      "  --check        parse and type-check only\n"
      "  --btf FILE     BTF used for types and vmlinux.h (default /sys/kernel/btf/vmlinux)\n"
      "  --unsafe       allow unsafe functions (system, signal, override)\n"
      "  -l [PATTERN]   list probes (with -v: with arguments)\n"
      "  -v             show each stage and its time\n"
      "  -h, --help     this help\n"
      "  --version      print the version\n",
      out);
}

bool parse_cli(int argc, char **argv, CliOptions &o, int &exit_code) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc) {
        fprintf(stderr, "bt2bin: option %s needs a value\n", a.c_str());
        return nullptr;
      }
      return argv[++i];
    };
    const char *v = nullptr;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      exit_code = 0;
      return false;
    } else if (a == "--version") {
      printf("bt2bin %s (bpftrace v0.26 language)\n", BT2BIN_VERSION);
      exit_code = 0;
      return false;
    } else if (a == "-e") {
      if (!(v = value())) return false;
      o.program_text = v;
      o.have_program = true;
    } else if (a == "-o") {
      if (!(v = value())) return false;
      o.output = v;
    } else if (a == "--emit-c") {
      if (!(v = value())) return false;
      o.emit_c_dir = v;
    } else if (a == "-d" || a == "--debug") {
      if (!(v = value())) return false;
      o.debug = v;
      if (o.debug != "ast") {
        fprintf(stderr, "bt2bin: unknown debug stage '%s' (supported: ast)\n", v);
        return false;
      }
    } else if (a == "--btf") {
      if (!(v = value())) return false;
      o.btf = v;
    } else if (a == "--check") {
      o.check = true;
    } else if (a == "--unsafe") {
      o.unsafe = true;
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else if (a == "-l" || a == "--list" || a == "-lv" || a == "-vl") {
      if (a != "-l" && a != "--list") o.verbose = true;
      o.list = true;
      if (i + 1 < argc && argv[i + 1][0] != '-') o.list_pattern = argv[++i];
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      fprintf(stderr, "bt2bin: unknown option '%s' (see --help)\n", a.c_str());
      return false;
    } else if (o.script_file.empty() && !o.have_program) {
      o.script_file = a;
    } else {
      fprintf(stderr, "bt2bin: unexpected argument '%s'\n", a.c_str());
      return false;
    }
  }
  if (!o.list && o.script_file.empty() && !o.have_program) {
    usage(stderr);
    return false;
  }
  return true;
}

std::string base_name(const std::string &path) {
  std::string b = path.substr(path.find_last_of('/') + 1);
  auto dot = b.rfind('.');
  return dot == std::string::npos || dot == 0 ? b : b.substr(0, dot);
}

bool write_file(const std::string &path, const std::string &text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

class StageTimer {
 public:
  explicit StageTimer(bool on) : on_(on) {}
  void done(const char *stage) {
    auto now = std::chrono::steady_clock::now();
    if (on_)
      fprintf(stderr, "bt2bin: %-18s %7.1f ms\n", stage,
              std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// The runtime library and headers: from the build tree, or installed beside
// the compiler (BT2BIN_RUNTIME_DIR overrides both).
void runtime_paths(std::string &lib, std::string &include) {
  lib = BT2BIN_RUNTIME_LIB;
  include = BT2BIN_RUNTIME_INCLUDE;
  if (const char *dir = getenv("BT2BIN_RUNTIME_DIR")) {
    lib = std::string(dir) + "/libbt2bin_rt.a";
    include = dir;
  }
}

int list_probes(const CliOptions &o) {
  bt2bin::rt::ListOptions lo;
  lo.verbose = o.verbose;
  for (const auto &line : bt2bin::rt::list_probes(o.list_pattern.empty() ? "*" : o.list_pattern, lo))
    puts(line.c_str());
  return 0;
}

int compile(const CliOptions &o) {
  StageTimer timer(o.verbose);
  std::string name = o.have_program ? "stdin" : o.script_file;
  std::string text = o.program_text;
  if (!o.have_program) {
    std::ifstream f(o.script_file);
    if (!f) {
      fprintf(stderr, "bt2bin: cannot read %s: %s\n", o.script_file.c_str(), strerror(errno));
      return 1;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  bt2bin::SourceFile source(name, text);
  bt2bin::Diagnostics diags(source);
  auto program = bt2bin::parse_program(source, diags);
  timer.done("parse");
  if (!program) {
    diags.print(std::cerr);
    return 1;
  }
  program->filename = name;
  if (o.debug == "ast") {
    diags.print(std::cerr);
    bt2bin::print_ast(*program, std::cout);
    return 0;
  }
  bt2bin::ImportedSources imported;
  std::string script_dir;  // imports are relative to the script's directory
  if (auto slash = o.script_file.find_last_of('/'); !o.have_program && slash != std::string::npos)
    script_dir = slash == 0 ? "/" : o.script_file.substr(0, slash);
  if (!bt2bin::resolve_imports(*program, diags, script_dir, imported)) {
    diags.print(std::cerr);
    return 1;
  }
  if (!bt2bin::expand_macros(*program, diags)) {
    diags.print(std::cerr);
    return 1;
  }
  bt2bin::SemanticOptions sopts;
  if (!o.btf.empty()) sopts.btf_file = o.btf;
  sopts.unsafe = o.unsafe;
  sopts.kernel_header = [&sopts](std::string &path, std::string &error) {
    return bt2bin::vmlinux_header(sopts.btf_file, path, error);
  };
  auto checked = bt2bin::analyse(*program, diags, sopts);
  timer.done("semantic analysis");
  diags.print(std::cerr);
  if (!checked) return 1;
  if (o.check) return 0;

  std::string tool_name = o.output.empty() ? (o.have_program ? "a.out" : base_name(o.script_file)) : o.output;
  bt2bin::EmitOptions eopts;
  eopts.tool_name = base_name(tool_name);
  eopts.script_name = name;
  bt2bin::EmittedSources sources;
  if (!bt2bin::emit_sources(*checked, eopts, sources, diags)) {
    diags.print(std::cerr);
    return 1;
  }
  std::string error;
  timer.done("code generation");

  std::string work = o.emit_c_dir;
  bool temporary = work.empty();
  if (temporary) {
    char tmpl[] = "/tmp/bt2bin-XXXXXX";
    if (!mkdtemp(tmpl)) {
      fprintf(stderr, "bt2bin: cannot create a work directory: %s\n", strerror(errno));
      return 1;
    }
    work = tmpl;
  } else {
    mkdir(work.c_str(), 0755);
  }
  if (!write_file(work + "/tool.bpf.c", sources.bpf_c) || !write_file(work + "/tool.h", sources.header) ||
      !write_file(work + "/tool.main.cpp", sources.main_cpp)) {
    fprintf(stderr, "bt2bin: cannot write generated sources to %s\n", work.c_str());
    return 1;
  }
  bt2bin::ToolchainOptions topts;
  topts.work_dir = work;
  topts.output = tool_name;
  topts.btf_file = o.btf;
  runtime_paths(topts.runtime_lib, topts.include_dir);
  topts.verbose = o.verbose;
  bool ok = bt2bin::build_tool(topts, error);
  if (temporary) {
    for (const char *f : {"tool.bpf.c", "tool.h", "tool.main.cpp", "tool.skel.h", "tool.tmp.o", "tool.bpf.o",
                          "vmlinux.h"})
      unlink((work + "/" + f).c_str());
    rmdir(work.c_str());
  }
  if (!ok) {
    fprintf(stderr, "bt2bin: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  CliOptions o;
  int exit_code = 1;
  if (!parse_cli(argc, argv, o, exit_code)) return exit_code;
  if (o.list) return list_probes(o);
  return compile(o);
}

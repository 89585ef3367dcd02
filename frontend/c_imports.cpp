// Functions of imported BPF C files (see c_imports.h).
#include "frontend/c_imports.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/toolchain.h"
#include "frontend/btf_types.h"
#include "util/run_command.h"

namespace bt2bin {

namespace {

// clang's diagnostics, without the noise after the first few lines.
std::string first_lines(const std::string &text, int count) {
  std::string out;
  size_t pos = 0;
  for (int i = 0; i < count && pos < text.size(); i++) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (line.find(" generated.") == std::string::npos) out += line + "\n";  // "1 error generated."
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool callable_type(const Type &t) {
  return t.is_integer() || t.kind == TypeKind::Bool || t.kind == TypeKind::Pointer;
}

// Reads the global functions of one compiled file.
void read_functions(const CImport &imp, const std::string &source, const std::string &object,
                    std::vector<CFunction> &out, Diagnostics &diags) {
  BtfTypes btf(object);
  if (!btf.available()) {
    diags.error(imp.loc, "failed to read the BTF of '" + imp.path + "': " + btf.load_error());
    return;
  }
  for (const auto &name : btf.global_functions()) {
    std::string error;
    auto args = btf.function_args(name, error);
    if (!args) {
      diags.error(imp.loc, "function '" + name + "' of '" + imp.path + "' can not be called from the script: " + error);
      continue;
    }
    CFunction f;
    f.name = name;
    f.source = source;
    f.import_loc = imp.loc;
    f.ret = args->has_return ? args->return_type : make_void();
    bool ok = !args->has_return || callable_type(f.ret);
    for (const auto &p : args->fields) {
      f.param_names.push_back(p.name);
      f.params.push_back(p.type);
      ok = ok && callable_type(p.type);
    }
    if (!ok) {
      diags.error(imp.loc, "function '" + name + "' of '" + imp.path +
                               "' can not be called from the script: its parameters and result must be integers, "
                               "booleans or pointers");
      continue;
    }
    out.push_back(std::move(f));
  }
}

}  // namespace

bool load_c_imports(const std::vector<CImport> &imports, const std::string &btf_file,
                    std::vector<CFunction> &out, Diagnostics &diags) {
  if (imports.empty()) return true;
  std::string vmlinux, error;
  if (!vmlinux_header(btf_file, vmlinux, error)) {
    diags.error(imports[0].loc, "can not build imported C code: " + error);
    return false;
  }
  char dir[] = "/tmp/bt2bin-import-XXXXXX";
  if (!mkdtemp(dir)) {
    diags.error(imports[0].loc, "can not build imported C code: no temporary directory");
    return false;
  }
  std::string link = std::string(dir) + "/vmlinux.h", object = std::string(dir) + "/import.o";
  bool ok = symlink(vmlinux.c_str(), link.c_str()) == 0;
  for (const auto &imp : imports) {
    if (!ok) break;
    char real[PATH_MAX];
    std::string source = realpath(imp.path.c_str(), real) ? real : imp.path;
    // The flags tool.bpf.c is built with, so what compiles here compiles
    // there; the path as written, so clang's messages name it that way.
    auto r = run_command({"clang-14", "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86", "-I" + std::string(dir),
                          "-I/usr/include/x86_64-linux-gnu", "-c", imp.path, "-o", object});
    if (r.exit_code != 0) {
      diags.error(imp.loc, "failed to build '" + imp.path + "'").hints.push_back(first_lines(r.output, 12));
      continue;
    }
    read_functions(imp, source, object, out, diags);
    unlink(object.c_str());
  }
  unlink(link.c_str());
  rmdir(dir);
  return !diags.has_errors();
}

}  // namespace bt2bin

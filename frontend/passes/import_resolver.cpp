// Resolution of root imports (see import_resolver.h).
#include "frontend/passes/import_resolver.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "frontend/parser.h"

namespace bt2bin {

namespace {

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string parent_dir(const std::string &path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool world_writable(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && (st.st_mode & S_IWOTH);
}

// The regular files of a directory, by name (subdirectories are skipped).
std::vector<std::string> directory_files(const std::string &dir) {
  std::vector<std::string> files;
  if (DIR *d = opendir(dir.c_str())) {
    while (struct dirent *e = readdir(d)) {
      std::string path = dir + "/" + e->d_name;
      struct stat st;
      if (e->d_name[0] != '.' && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) files.push_back(path);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// `import "x.bpf.c";` inside a block (bpftrace 0.26's unstable statement
// import, which its stdlib macros use): the file is compiled with the
// program as a root import would be, so the statement is taken out of its
// block and added to `program.imports`. Gated by the config flag
// `unstable_import_statement` (enable, warn (default) or error).
class StatementImports {
 public:
  StatementImports(Program &program, Diagnostics &diags) : program_(program), diags_(diags) {
    for (const auto &c : program.config) {
      if (c.key != "unstable_import_statement" || !c.value) continue;
      const Node &v = *c.value;
      gate_ = v.kind == NodeKind::Integer ? (v.ival ? "enable" : "error") : v.kind == NodeKind::String ? v.str : v.name;
    }
  }

  void hoist() {
    for (auto &p : program_.probes) hoist_from(p.body);
    for (auto &m : program_.macros) hoist_from(m.body);
    for (auto &f : program_.functions) hoist_from(f.body);
  }

 private:
  static bool is_import(const Node &s) {
    return s.kind == NodeKind::ExprStmt && s.lhs && s.lhs->kind == NodeKind::Call && s.lhs->name == "import" &&
           s.lhs->args.size() == 1 && s.lhs->args[0]->kind == NodeKind::String;
  }

  // Blocks of if/else (an else-if chain hangs off `els`), loops, unroll.
  void hoist_within(Node &n) {
    hoist_from(n.body);
    if (n.els) hoist_within(*n.els);
  }

  void hoist_from(std::vector<NodePtr> &stmts) {
    std::vector<NodePtr> kept;
    for (auto &s : stmts) {
      if (!s) continue;
      if (!is_import(*s)) {
        hoist_within(*s);
        kept.push_back(std::move(s));
        continue;
      }
      const std::string &path = s->lhs->args[0]->str;
      if (gate_ == "error") {
        diags_.error(s->loc, "import statements are not enabled by default: set config "
                             "'unstable_import_statement = enable' to use this unstable feature");
      } else if (gate_ != "enable" && !warned_) {
        warned_ = true;
        diags_.warning(s->loc, "import inside a block is an unstable feature: set config "
                               "'unstable_import_statement = enable' to silence this warning");
      }
      if (!ends_with(path, ".bpf.c"))
        diags_.error(s->loc, "only a .bpf.c file can be imported inside a block ('" + path + "')")
            .hints.push_back("import scripts, headers and directories at the top level");
      else
        program_.imports.push_back({s->loc, path});
    }
    stmts = std::move(kept);
  }

  Program &program_;
  Diagnostics &diags_;
  std::string gate_ = "warn";
  bool warned_ = false;
};

class ImportResolver {
 public:
  ImportResolver(Diagnostics &diags, std::string dir, ImportedSources &sources, Program &root)
      : diags_(diags), dir_(std::move(dir)), sources_(sources), root_(root) {}

  // Imports everything `imports` names into `merged`.
  void resolve(const std::vector<Import> &imports, Program &merged) {
    for (const auto &imp : imports) resolve_one(imp, merged);
  }

 private:
  void resolve_one(const Import &imp, Program &merged) {
    if (!names_.insert(imp.path).second) return;  // imported already
    std::string path = imp.path.empty() || imp.path[0] == '/' || dir_.empty() ? imp.path : dir_ + "/" + imp.path;
    struct stat st;
    if (imp.path.empty() || stat(path.c_str(), &st) != 0) {
      diags_.error(imp.loc, "unable to find import '" + imp.path + "'").hints.push_back("checked: " + path);
      return;
    }
    if (world_writable(path) || world_writable(parent_dir(path))) {
      diags_.error(imp.loc, "cowardly refusing to import from a directory with global write permissions: " + path);
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      for (const auto &file : directory_files(path)) import_file(imp.loc, file, true, merged);
      return;
    }
    import_file(imp.loc, path, false, merged);
  }

  void import_file(const Location &loc, const std::string &path, bool from_directory, Program &merged) {
    if (!paths_.insert(path).second) return;
    if (ends_with(path, ".bpf.c")) {  // compiled with the program (see c_imports.h)
      merged.c_imports.push_back({loc, path});
      return;
    }
    if (ends_with(path, ".bpf.o")) {
      // A prebuilt object would be linked as is: its functions become BPF
      // global functions, which the verifier checks apart from the probes
      // (no pointer results, pointer arguments sized by their C type), so
      // most helpers written for inlining would be refused at load.
      diags_.error(loc, "importing a compiled BPF object ('" + path + "') is not supported by bt2bin")
          .hints.push_back("import its C source (a .bpf.c file) instead: bt2bin compiles it with the program");
      return;
    }
    if (!ends_with(path, ".bt") && !ends_with(path, ".h")) {
      if (!from_directory)
        diags_.error(loc, "unknown import type: '" + path +
                              "' (expected a .bt script, a .h header, a .bpf.c file or a directory)");
      return;
    }
    std::ifstream f(path);
    if (!f) {
      diags_.error(loc, "error reading import '" + path + "': " + strerror(errno));
      return;
    }
    std::stringstream text;
    text << f.rdbuf();
    sources_.files.push_back(std::make_unique<SourceFile>(path, text.str()));
    const SourceFile &source = *sources_.files.back();
    int file = diags_.add_source(source);
    if (root_.sources.size() <= static_cast<size_t>(file)) root_.sources.resize(file + 1);
    root_.sources[file] = path;
    if (ends_with(path, ".h")) return import_header(source, file, merged);
    import_script(source, file, merged);
  }

  // A header's preprocessor lines and the C text between them become C
  // definitions, as if written at the top of the script.
  void import_header(const SourceFile &source, int file, Program &merged) {
    std::string chunk;
    Location chunk_loc;
    auto flush = [&] {
      if (chunk.find_first_not_of(" \t\n") != std::string::npos) merged.c_definitions.push_back({chunk_loc, chunk});
      chunk.clear();
    };
    for (int n = 1; n <= source.line_count(); n++) {
      std::string line = source.line(n);
      Location loc{n, 1, n, static_cast<int>(line.size()) + 1, file};
      size_t first = line.find_first_not_of(" \t");
      if (first != std::string::npos && line[first] == '#') {
        flush();
        merged.c_definitions.push_back({loc, line});
        continue;
      }
      if (chunk.empty()) chunk_loc = loc;
      chunk += line + "\n";
    }
    flush();
  }

  void import_script(const SourceFile &source, int file, Program &merged) {
    auto program = parse_program(source, diags_, file);
    if (!program) return;
    StatementImports(*program, diags_).hoist();
    for (const auto &c : program->config) diags_.error(c.loc, "invalid `config` within import");
    resolve(program->imports, merged);  // nested imports come first
    auto append = [](auto &to, auto &from) {
      for (auto &x : from) to.push_back(std::move(x));
    };
    append(merged.c_definitions, program->c_definitions);
    append(merged.macros, program->macros);
    append(merged.functions, program->functions);
    append(merged.map_decls, program->map_decls);
    append(merged.probes, program->probes);
  }

  Diagnostics &diags_;
  std::string dir_;
  ImportedSources &sources_;
  Program &root_;
  std::set<std::string> names_;  // import strings seen
  std::set<std::string> paths_;  // files imported
};

// `into` = `front` followed by the old `into`.
template <typename T>
void prepend(std::vector<T> &into, std::vector<T> &front) {
  for (auto &x : into) front.push_back(std::move(x));
  into = std::move(front);
}

}  // namespace

bool resolve_imports(Program &program, Diagnostics &diags, const std::string &script_dir,
                     ImportedSources &sources) {
  if (program.sources.empty()) program.sources.push_back(program.filename);
  StatementImports(program, diags).hoist();
  if (program.imports.empty()) return !diags.has_errors();
  Program merged;
  ImportResolver resolver(diags, script_dir, sources, program);
  resolver.resolve(program.imports, merged);
  prepend(program.c_definitions, merged.c_definitions);
  prepend(program.c_imports, merged.c_imports);
  prepend(program.macros, merged.macros);
  prepend(program.functions, merged.functions);
  prepend(program.map_decls, merged.map_decls);
  prepend(program.probes, merged.probes);
  return !diags.has_errors();
}

}  // namespace bt2bin

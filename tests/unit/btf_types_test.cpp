// Unit tests for frontend/btf_types: BTF -> Type mapping, fields, enums and
// probe args, against this host's /sys/kernel/btf/vmlinux and tracefs, plus
// a handcrafted format file; one test compiles the generated C with clang.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "frontend/btf_types.h"

extern char **environ;

using namespace bt2bin;

namespace {

const char *const kVmlinux = "/sys/kernel/btf/vmlinux";

// One BtfTypes for the whole file: loading BTF is the expensive part.
BtfTypes &host() {
  static BtfTypes btf(kVmlinux);
  return btf;
}

bool have_btf() { return access(kVmlinux, R_OK) == 0; }

bool have_tracefs() {
  return access("/sys/kernel/tracing/events/syscalls/sys_enter_openat/format", R_OK) == 0 ||
         access("/sys/kernel/debug/tracing/events/syscalls/sys_enter_openat/format", R_OK) == 0;
}

const FieldInfo *find(const ArgsInfo &a, const std::string &name) {
  for (auto &f : a.fields)
    if (f.name == name) return &f;
  return nullptr;
}

// Runs argv (no shell); stdout/stderr go to out_path. Returns the exit code or -1.
int run(const std::vector<std::string> &argv, const std::string &out_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char *> args;
  for (auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string make_tmpdir() {
  char tmpl[] = "/tmp/bt2bin_btf_test.XXXXXX";
  char *d = mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}

void write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path);
  out << text;
}

// A handcrafted event: data_loc/rel_loc, a sizeof() array, a gap, a
// misaligned u64, an unknown typedef, a kernel pointer, a long array, a bool,
// a typedef of an anonymous struct (no C name) and a pointer to one.
const char *const kFakeFormat =
    "name: bt2bin_fake\n"
    "ID: 9999\n"
    "format:\n"
    "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
    "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
    "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
    "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
    "\n"
    "\tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;\n"
    "\tfield:__rel_loc char[] rel;\toffset:12;\tsize:4;\tsigned:0;\n"
    "\tfield:u8 addr[sizeof(struct in6_addr)];\toffset:16;\tsize:16;\tsigned:0;\n"
    "\tfield:u64 packed_val;\toffset:36;\tsize:8;\tsigned:0;\n"
    "\tfield:bt2bin_unknown_t mystery;\toffset:44;\tsize:4;\tsigned:1;\n"
    "\tfield:struct task_struct * task;\toffset:48;\tsize:8;\tsigned:0;\n"
    "\tfield:unsigned long args[6];\toffset:56;\tsize:48;\tsigned:0;\n"
    "\tfield:bool flag;\toffset:104;\tsize:1;\tsigned:0;\n"
    "\tfield:atomic_t refs;\toffset:108;\tsize:4;\tsigned:0;\n"
    "\tfield:const atomic_t * prefs;\toffset:112;\tsize:8;\tsigned:0;\n"
    "\n"
    "print fmt: \"name=%s\", __get_str(name)\n";

// A fake tracefs root holding events/bt2bin_fake_cat/bt2bin_fake/format,
// removed at the end of the test that made it.
struct FakeTracefs {
  std::string root;
  FakeTracefs() {
    root = make_tmpdir();
    mkdir((root + "/events").c_str(), 0755);
    mkdir((root + "/events/bt2bin_fake_cat").c_str(), 0755);
    mkdir((root + "/events/bt2bin_fake_cat/bt2bin_fake").c_str(), 0755);
    write_file(root + "/events/bt2bin_fake_cat/bt2bin_fake/format", kFakeFormat);
  }
  ~FakeTracefs() {
    unlink((root + "/events/bt2bin_fake_cat/bt2bin_fake/format").c_str());
    for (auto d : {"/events/bt2bin_fake_cat/bt2bin_fake", "/events/bt2bin_fake_cat", "/events", ""})
      rmdir((root + d).c_str());
  }
};

}  // namespace

// ---------------------------------------------------------------- loading --

TEST_CASE("btf: vmlinux BTF loads and reports its load time") {
  if (!have_btf()) return;
  BtfTypes btf(kVmlinux);
  CHECK(btf.load_ms() == 0);  // lazy: nothing read at construction
  CHECK(btf.available());
  CHECK(btf.load_error().empty());
  CHECK(btf.load_ms() > 0);
  MESSAGE("vmlinux BTF parse " << btf.load_ms() << " ms, index " << btf.index_ms() << " ms");
}

TEST_CASE("btf: missing BTF file degrades to builtin scalars and errors") {
  BtfTypes btf("/nonexistent/bt2bin/vmlinux");
  CHECK_FALSE(btf.available());
  CHECK(btf.load_error().find("/nonexistent/bt2bin/vmlinux") != std::string::npos);

  // A file that is neither raw BTF nor ELF with .BTF.
  char tmpl[] = "/tmp/bt2bin_btf_test.XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  CHECK(write(fd, "garbage", 7) == 7);
  close(fd);
  BtfTypes garbage(tmpl);
  CHECK_FALSE(garbage.available());
  CHECK(garbage.load_error().find("cannot load BTF from") == 0);
  unlink(tmpl);
  REQUIRE(btf.resolve("int32"));
  CHECK(*btf.resolve("int32") == make_int(4, true));
  REQUIRE(btf.resolve("u64"));
  CHECK(*btf.resolve("u64") == make_int(8, false));
  CHECK_FALSE(btf.resolve("struct task_struct"));
  CHECK_FALSE(btf.enum_constant("PIDTYPE_PID"));
  CHECK(btf.enum_values("pid_type").empty());
  std::string err;
  CHECK_FALSE(btf.function_args("vfs_read", err));
  CHECK(err == "cannot read BTF file /nonexistent/bt2bin/vmlinux: No such file or directory");
  err.clear();
  CHECK_FALSE(btf.raw_tracepoint_args("sched_switch", err));
  CHECK_FALSE(err.empty());
}

TEST_CASE("btf: BtfTypes is movable") {
  if (!have_btf()) return;
  BtfTypes a(kVmlinux);
  REQUIRE(a.available());
  BtfTypes b(std::move(a));
  auto t = b.resolve("struct task_struct");
  REQUIRE(t);
  CHECK(t->kind == TypeKind::Struct);
}

// ------------------------------------------------------------ resolution --

TEST_CASE("btf: resolve struct, union and enum names") {
  if (!have_btf()) return;
  auto task = host().resolve("struct task_struct");
  REQUIRE(task);
  CHECK(task->kind == TypeKind::Struct);
  CHECK(task->name == "struct task_struct");
  CHECK(task->size > 1000);
  CHECK(task->fields.empty());  // not expanded eagerly

  auto attr = host().resolve("union bpf_attr");
  REQUIRE(attr);
  CHECK(attr->kind == TypeKind::Struct);
  CHECK(attr->name == "union bpf_attr");
  CHECK(attr->size > 0);

  auto pt = host().resolve("enum pid_type");
  REQUIRE(pt);
  CHECK(pt->kind == TypeKind::Enum);
  CHECK(pt->name == "pid_type");
  CHECK(pt->size == 4);
  CHECK(pt->to_string() == "enum pid_type");
}

TEST_CASE("btf: typedefs resolve transparently") {
  if (!have_btf()) return;
  CHECK(*host().resolve("pid_t") == make_int(4, true));
  CHECK(*host().resolve("u64") == make_int(8, false));
  CHECK(*host().resolve("uint64_t") == make_int(8, false));
  CHECK(*host().resolve("u32") == make_int(4, false));
  CHECK(*host().resolve("s64") == make_int(8, true));
  CHECK(*host().resolve("size_t") == make_int(8, false));
  CHECK(*host().resolve("loff_t") == make_int(8, true));
  CHECK(*host().resolve("bool") == make_bool());
  auto atomic = host().resolve("atomic_t");  // typedef of an anonymous struct
  REQUIRE(atomic);
  CHECK(atomic->kind == TypeKind::Struct);
  CHECK(atomic->size == 4);
}

TEST_CASE("btf: script-level and C integer type names") {
  if (!have_btf()) return;
  CHECK(*host().resolve("int8") == make_int(1, true));
  CHECK(*host().resolve("int16") == make_int(2, true));
  CHECK(*host().resolve("int32") == make_int(4, true));
  CHECK(*host().resolve("int64") == make_int(8, true));
  CHECK(*host().resolve("uint8") == make_int(1, false));
  CHECK(*host().resolve("uint16") == make_int(2, false));
  CHECK(*host().resolve("uint32") == make_int(4, false));
  CHECK(*host().resolve("uint64") == make_int(8, false));
  CHECK(*host().resolve("int") == make_int(4, true));
  CHECK(*host().resolve("unsigned int") == make_int(4, false));
  CHECK(*host().resolve("unsigned long") == make_int(8, false));
  CHECK(*host().resolve("long unsigned int") == make_int(8, false));
  CHECK(*host().resolve("long long") == make_int(8, true));
  CHECK(*host().resolve("short") == make_int(2, true));
  CHECK(*host().resolve("unsigned char") == make_int(1, false));
  CHECK(*host().resolve("signed char") == make_int(1, true));
  CHECK(*host().resolve("_Bool") == make_bool());
  auto c = host().resolve("char");  // signedness as the kernel was built (-funsigned-char since 6.2)
  REQUIRE(c);
  CHECK(c->kind == TypeKind::Int);
  CHECK(c->size == 1);
}

TEST_CASE("btf: pointers and arrays in type names") {
  if (!have_btf()) return;
  auto p = host().resolve("struct task_struct *");
  REQUIRE(p);
  CHECK(p->kind == TypeKind::Pointer);
  CHECK(p->size == 8);
  CHECK(p->elem->name == "struct task_struct");
  CHECK_FALSE(p->user_space);

  auto pp = host().resolve("struct task_struct **");
  REQUIRE(pp);
  CHECK(pp->elem->kind == TypeKind::Pointer);

  auto s = host().resolve("const char *");
  REQUIRE(s);
  CHECK(s->kind == TypeKind::Pointer);
  CHECK(s->elem->kind == TypeKind::Int);
  CHECK(s->elem->size == 1);

  auto u = host().resolve("const char __user *");
  REQUIRE(u);
  CHECK(u->user_space);

  auto v = host().resolve("void *");
  REQUIRE(v);
  CHECK(v->kind == TypeKind::Pointer);
  REQUIRE(v->elem);
  CHECK(v->elem->kind == TypeKind::None);

  CHECK(*host().resolve("char[16]") == make_string(16));
  auto a = host().resolve("u32[4]");
  REQUIRE(a);
  CHECK(a->kind == TypeKind::Array);
  CHECK(a->count == 4);
  CHECK(a->size == 16);
  CHECK(*a->elem == make_int(4, false));
}

TEST_CASE("btf: unknown or malformed type names do not resolve") {
  if (!have_btf()) return;
  CHECK_FALSE(host().resolve("struct bt2bin_no_such_struct"));
  CHECK_FALSE(host().resolve("union bt2bin_no_such_union"));
  CHECK_FALSE(host().resolve("enum bt2bin_no_such_enum"));
  CHECK_FALSE(host().resolve("bt2bin_no_such_t"));
  CHECK_FALSE(host().resolve(""));
  CHECK_FALSE(host().resolve("struct"));
  CHECK_FALSE(host().resolve("int x"));  // a declaration, not a type
  CHECK_FALSE(host().resolve("char[N]"));
  CHECK_FALSE(host().resolve("int;"));
}

// ---------------------------------------------------------------- fields --

TEST_CASE("btf: task_struct fields pid, comm, real_parent") {
  if (!have_btf()) return;
  auto task = *host().resolve("struct task_struct");
  auto pid = host().field(task, "pid");
  REQUIRE(pid);
  CHECK(pid->type == make_int(4, true));
  CHECK(pid->bit_size == 0);
  CHECK(pid->bit_offset == pid->offset * 8);
  CHECK(pid->offset > 0);
  CHECK(pid->offset < task.size);

  auto comm = host().field(task, "comm");
  REQUIRE(comm);
  CHECK(comm->type == make_string(16));
  CHECK(comm->type.to_string() == "string[16]");

  auto parent = host().field(task, "real_parent");
  REQUIRE(parent);
  CHECK(parent->type.kind == TypeKind::Pointer);
  CHECK(parent->type.elem->kind == TypeKind::Struct);
  CHECK(parent->type.elem->name == "struct task_struct");
  CHECK(parent->type.to_string() == "struct task_struct *");

  // Following the pointer gives the same struct again.
  auto ppid = host().field(*parent->type.elem, "tgid");
  REQUIRE(ppid);
  CHECK(ppid->type == make_int(4, true));
}

TEST_CASE("btf: bitfields report bit offset and size") {
  if (!have_btf()) return;
  auto task = *host().resolve("struct task_struct");
  auto bf = host().field(task, "sched_reset_on_fork");
  REQUIRE(bf);
  CHECK(bf->bit_size == 1);
  CHECK(bf->offset == bf->bit_offset / 8);
  CHECK(bf->type.kind == TypeKind::Int);

  auto skb = *host().resolve("struct sk_buff");
  auto cloned = host().field(skb, "cloned");
  REQUIRE(cloned);
  CHECK(cloned->bit_size == 1);
  CHECK(cloned->type == make_int(1, false));
}

TEST_CASE("btf: fields inside anonymous unions and structs are found with summed offsets") {
  if (!have_btf()) return;
  auto skb = *host().resolve("struct sk_buff");
  // sk_buff { union { struct { next; prev; union { dev; dev_scratch; }; }; ... }; ... }
  auto next = host().field(skb, "next");
  auto dev = host().field(skb, "dev");
  auto scratch = host().field(skb, "dev_scratch");
  REQUIRE(next);
  REQUIRE(dev);
  REQUIRE(scratch);
  CHECK(next->offset == 0);
  CHECK(dev->offset == 16);
  CHECK(scratch->offset == dev->offset);
  CHECK(dev->type.to_string() == "struct net_device *");
  auto tstamp = host().field(skb, "tstamp");
  REQUIRE(tstamp);
  CHECK(tstamp->type == make_int(8, true));  // ktime_t
}

TEST_CASE("btf: named members of anonymous struct type") {
  if (!have_btf()) return;
  auto skb = *host().resolve("struct sk_buff");
  auto headers = host().field(skb, "headers");  // struct_group(headers, ...)
  if (!headers) return;                          // older kernels
  CHECK(headers->type.kind == TypeKind::Struct);
  CHECK(headers->type.name.rfind("struct __anon_", 0) == 0);
  auto proto = host().field(headers->type, "protocol");
  REQUIRE(proto);
  CHECK(proto->type == make_int(2, false));
  // The same field reached directly through sk_buff's anonymous members.
  auto direct = host().field(skb, "protocol");
  REQUIRE(direct);
  CHECK(direct->offset >= headers->offset);
}

TEST_CASE("btf: fields() lists members in order with anonymous members flattened") {
  if (!have_btf()) return;
  auto skb = *host().resolve("struct sk_buff");
  auto all = host().fields(skb);
  REQUIRE(all.size() > 20);
  CHECK(all[0].name == "next");
  bool has_dev = false, has_len = false;
  for (auto &f : all) {
    CHECK_FALSE(f.name.empty());
    has_dev |= f.name == "dev";
    has_len |= f.name == "len";
  }
  CHECK(has_dev);
  CHECK(has_len);
}

TEST_CASE("btf: field lookups that fail") {
  if (!have_btf()) return;
  auto task = *host().resolve("struct task_struct");
  CHECK_FALSE(host().field(task, "bt2bin_no_such_field"));
  CHECK_FALSE(host().field(make_int(4, true), "pid"));
  CHECK_FALSE(host().field(make_pointer(task), "pid"));  // callers dereference first
  Type bogus = make_simple(TypeKind::Struct, 8);
  bogus.name = "struct bt2bin_no_such_struct";
  CHECK_FALSE(host().field(bogus, "x"));
  CHECK(host().fields(bogus).empty());
}

// ----------------------------------------------------------------- enums --

TEST_CASE("btf: enum constants and values") {
  if (!have_btf()) return;
  CHECK(host().enum_constant("PIDTYPE_PID") == 0);
  CHECK(host().enum_constant("PIDTYPE_TGID") == 1);
  CHECK(host().enum_constant("BPF_MAP_TYPE_HASH") == 1);
  CHECK_FALSE(host().enum_constant("TASK_RUNNING"));  // a #define, not in BTF
  CHECK_FALSE(host().enum_constant("BT2BIN_NO_SUCH_CONSTANT"));

  auto vals = host().enum_values("pid_type");
  REQUIRE(vals.size() >= 4);
  CHECK(vals[0] == std::make_pair(int64_t(0), std::string("PIDTYPE_PID")));
  CHECK(vals[1] == std::make_pair(int64_t(1), std::string("PIDTYPE_TGID")));
  CHECK(host().enum_values("enum pid_type") == vals);
  CHECK(host().enum_values("bt2bin_no_such_enum").empty());
}

// ----------------------------------------------------------- tracepoints --

TEST_CASE("tracepoint: syscalls sys_enter_openat from the format file") {
  if (!have_btf() || !have_tracefs()) return;
  std::string err;
  auto a = host().tracepoint_args("syscalls", "sys_enter_openat", err);
  REQUIRE_MESSAGE(a, err);
  CHECK(a->from_format_file);
  CHECK(a->c_struct_name == "struct tp_syscalls_sys_enter_openat");
  const FieldInfo *nr = find(*a, "__syscall_nr");
  const FieldInfo *dfd = find(*a, "dfd");
  const FieldInfo *filename = find(*a, "filename");
  const FieldInfo *flags = find(*a, "flags");
  const FieldInfo *mode = find(*a, "mode");
  REQUIRE(nr);
  REQUIRE(dfd);
  REQUIRE(filename);
  REQUIRE(flags);
  REQUIRE(mode);
  CHECK(nr->offset == 8);
  CHECK(dfd->offset == 16);
  CHECK(filename->offset == 24);
  CHECK(flags->offset == 32);
  CHECK(mode->offset == 40);
  // bpftrace widens 8-byte `int` syscall args to int64.
  CHECK(dfd->type == make_int(8, true));
  CHECK(flags->type == make_int(8, true));
  CHECK(filename->type.kind == TypeKind::Pointer);
  CHECK(filename->type.user_space);
  CHECK(filename->type.elem->size == 1);
  CHECK(mode->type.is_integer());
  CHECK_FALSE(mode->type.user_space);
  const FieldInfo *pid = find(*a, "common_pid");
  REQUIRE(pid);
  CHECK(pid->common);
  CHECK(pid->offset == 4);
  CHECK_FALSE(dfd->common);
  CHECK(a->fields.size() == 9);
}

TEST_CASE("tracepoint: syscalls struct definition has padding and offset checks") {
  if (!have_btf() || !have_tracefs()) return;
  std::string err;
  auto a = host().tracepoint_args("syscalls", "sys_enter_openat", err);
  REQUIRE(a);
  const std::string &c = a->c_definition;
  CHECK(c.find("struct tp_syscalls_sys_enter_openat {") == 0);
  CHECK(c.find("char __pad_12[4];") != std::string::npos);
  CHECK(c.find("__s64 dfd;") != std::string::npos);
  CHECK(c.find("*filename;") != std::string::npos);
  CHECK(c.find("_Static_assert(__builtin_offsetof(struct tp_syscalls_sys_enter_openat, mode) == 40") !=
        std::string::npos);

  auto e = host().tracepoint_args("syscalls", "sys_enter_execve", err);
  REQUIRE(e);
  const FieldInfo *argv = find(*e, "argv");
  REQUIRE(argv);
  CHECK(argv->type.kind == TypeKind::Pointer);
  CHECK(argv->type.user_space);
  CHECK(argv->type.elem->kind == TypeKind::Pointer);
  CHECK(argv->type.elem->user_space);
}

TEST_CASE("tracepoint: sched_switch from BTF trace_event_raw_sched_switch") {
  if (!have_btf() || !have_tracefs()) return;
  std::string err;
  auto a = host().tracepoint_args("sched", "sched_switch", err);
  REQUIRE_MESSAGE(a, err);
  CHECK_FALSE(a->from_format_file);
  CHECK(a->c_struct_name == "struct trace_event_raw_sched_switch");
  CHECK(a->c_definition.empty());
  const FieldInfo *comm = find(*a, "prev_comm");
  const FieldInfo *pid = find(*a, "prev_pid");
  const FieldInfo *next = find(*a, "next_pid");
  REQUIRE(comm);
  REQUIRE(pid);
  REQUIRE(next);
  CHECK(comm->type == make_string(16));
  CHECK(comm->offset == 8);
  CHECK(pid->type == make_int(4, true));
  CHECK(pid->offset == 24);
  CHECK(pid->c_name == "prev_pid");
  CHECK(next->offset > pid->offset);
  const FieldInfo *cpid = find(*a, "common_pid");
  REQUIRE(cpid);
  CHECK(cpid->common);
  CHECK(cpid->c_name == "ent.pid");
  CHECK(cpid->offset == 4);
  CHECK(find(*a, "ent") == nullptr);
  CHECK(find(*a, "__data") == nullptr);
}

TEST_CASE("tracepoint: an event of a DEFINE_EVENT class uses the class struct") {
  if (!have_btf() || !have_tracefs()) return;
  std::string err;
  auto a = host().tracepoint_args("sched", "sched_wakeup", err);
  REQUIRE_MESSAGE(a, err);
  if (a->from_format_file) return;  // kernel without __probestub_* functions
  CHECK(a->c_struct_name == "struct trace_event_raw_sched_wakeup_template");
  const FieldInfo *comm = find(*a, "comm");
  const FieldInfo *pid = find(*a, "pid");
  REQUIRE(comm);
  REQUIRE(pid);
  CHECK(comm->type == make_string(16));
  CHECK(pid->type == make_int(4, true));
  CHECK_FALSE(pid->type.user_space);

  // DEFINE_EVENT(cpu, cpu_frequency, ...) names its parameters differently
  // from the class; the class is still found.
  auto f = host().tracepoint_args("power", "cpu_frequency", err);
  if (f && !f->from_format_file) CHECK(f->c_struct_name == "struct trace_event_raw_cpu");
}

TEST_CASE("tracepoint: __data_loc fields are u32 with a flag") {
  if (!have_btf() || !have_tracefs()) return;
  std::string err;
  auto a = host().tracepoint_args("sched", "sched_process_exec", err);
  REQUIRE_MESSAGE(a, err);
  const FieldInfo *fn = find(*a, "filename");
  REQUIRE(fn);
  CHECK(fn->data_loc);
  CHECK_FALSE(fn->rel_loc);
  CHECK(fn->type == make_int(4, false));
  CHECK(fn->c_name == "__data_loc_filename");
  CHECK(fn->offset == 8);
  const FieldInfo *pid = find(*a, "pid");
  REQUIRE(pid);
  CHECK_FALSE(pid->data_loc);
}

TEST_CASE("tracepoint: unknown and invalid tracepoints are errors") {
  if (!have_btf()) return;
  std::string err;
  CHECK_FALSE(host().tracepoint_args("bt2bin_nope", "bt2bin_nope", err));
  CHECK(err == "tracepoint not found: bt2bin_nope:bt2bin_nope");
  err.clear();
  CHECK_FALSE(host().tracepoint_args("syscalls", "../../../../etc/passwd", err));
  CHECK(err.find("invalid tracepoint name") != std::string::npos);
  err.clear();
  CHECK_FALSE(host().tracepoint_args("..", "sched_switch", err));
  CHECK_FALSE(err.empty());
}

TEST_CASE("tracepoint: handcrafted format file (data_loc, rel_loc, sizeof arrays, misaligned fields)") {
  FakeTracefs fake;
  BtfTypes btf(have_btf() ? kVmlinux : "/nonexistent");
  btf.set_tracefs_root(fake.root);
  std::string err;
  auto a = btf.tracepoint_args("bt2bin_fake_cat", "bt2bin_fake", err);
  REQUIRE_MESSAGE(a, err);
  CHECK(a->from_format_file);
  CHECK(a->c_struct_name == "struct tp_bt2bin_fake_cat_bt2bin_fake");
  REQUIRE(a->fields.size() == 14);

  auto *name = find(*a, "name");
  auto *rel = find(*a, "rel");
  auto *addr = find(*a, "addr");
  auto *packed = find(*a, "packed_val");
  auto *mystery = find(*a, "mystery");
  auto *task = find(*a, "task");
  auto *args = find(*a, "args");
  auto *flag = find(*a, "flag");
  REQUIRE((name && rel && addr && packed && mystery && task && args && flag));
  CHECK(name->data_loc);
  CHECK(name->c_name == "__data_loc_name");
  CHECK(rel->data_loc);
  CHECK(rel->rel_loc);
  CHECK(rel->c_name == "__rel_loc_rel");
  CHECK(addr->type == make_string(16));
  CHECK(packed->type == make_int(8, false));
  CHECK(packed->offset == 36);
  CHECK(mystery->type == make_int(4, true));  // unknown typedef: size/signed from the file
  CHECK(args->type.kind == TypeKind::Array);
  CHECK(args->type.count == 6);
  CHECK(flag->type == make_bool());
  auto *refs = find(*a, "refs");
  auto *prefs = find(*a, "prefs");
  REQUIRE((refs && prefs));
  CHECK(refs->type.size == 4);
  CHECK(prefs->type.kind == TypeKind::Pointer);
  CHECK(a->c_definition.find("__anon_") == std::string::npos);
  if (have_btf()) {
    CHECK(task->type.to_string() == "struct task_struct *");
    CHECK_FALSE(task->type.user_space);  // only syscalls are user space
  }
  const std::string &c = a->c_definition;
  CHECK(c.find("char __pad_32[4];") != std::string::npos);
  CHECK(c.find("__u64 packed_val __attribute__((packed));") != std::string::npos);
  CHECK(c.find("__u32 __data_loc_name;") != std::string::npos);
  CHECK(c.find("__u64 args[6];") != std::string::npos);
}

TEST_CASE("tracepoint: without tracefs, BTF structs still work and syscalls fail") {
  if (!have_btf()) return;
  struct EmptyDir {
    std::string path = make_tmpdir();
    ~EmptyDir() { rmdir(path.c_str()); }
  } empty;
  BtfTypes btf(kVmlinux);
  btf.set_tracefs_root(empty.path);
  std::string err;
  auto sw = btf.tracepoint_args("sched", "sched_switch", err);
  REQUIRE_MESSAGE(sw, err);
  CHECK(sw->c_struct_name == "struct trace_event_raw_sched_switch");
  CHECK_FALSE(btf.tracepoint_args("syscalls", "sys_enter_openat", err));
  CHECK(err == "tracepoint not found: syscalls:sys_enter_openat");
}

// ------------------------------------------------- fentry / rawtracepoint --

TEST_CASE("btf: function_args of vfs_read for fentry/fexit") {
  if (!have_btf()) return;
  std::string err;
  auto a = host().function_args("vfs_read", err);
  REQUIRE_MESSAGE(a, err);
  REQUIRE(a->fields.size() == 4);
  CHECK(a->fields[0].name == "file");
  CHECK(a->fields[1].name == "buf");
  CHECK(a->fields[2].name == "count");
  CHECK(a->fields[3].name == "pos");
  CHECK(a->fields[0].type.to_string() == "struct file *");
  CHECK(a->fields[1].type.kind == TypeKind::Pointer);
  CHECK(a->fields[2].type == make_int(8, false));  // size_t
  CHECK(a->fields[3].type.kind == TypeKind::Pointer);
  CHECK(*a->fields[3].type.elem == make_int(8, true));  // loff_t *
  for (int i = 0; i < 4; i++) {
    CHECK(a->fields[i].arg_index == i);
    CHECK(a->fields[i].offset == uint32_t(i * 8));
  }
  CHECK(a->has_return);
  CHECK(a->return_type == make_int(8, true));  // ssize_t
  CHECK(a->return_index == 4);
  CHECK(a->c_struct_name.empty());
}

TEST_CASE("btf: function_args errors") {
  if (!have_btf()) return;
  std::string err;
  CHECK_FALSE(host().function_args("bt2bin_no_such_function", err));
  CHECK(err == "no BTF for function bt2bin_no_such_function");
}

TEST_CASE("btf: raw_tracepoint_args of sched_switch and sched_wakeup") {
  if (!have_btf()) return;
  std::string err;
  auto a = host().raw_tracepoint_args("sched_switch", err);
  REQUIRE_MESSAGE(a, err);
  REQUIRE(a->fields.size() >= 3);
  CHECK(a->fields[0].name == "preempt");
  CHECK(a->fields[0].type == make_bool());
  CHECK(a->fields[0].arg_index == 0);
  CHECK(a->fields[1].name == "prev");
  CHECK(a->fields[1].type.to_string() == "struct task_struct *");
  CHECK(a->fields[1].arg_index == 1);
  CHECK(a->fields[2].name == "next");
  CHECK_FALSE(a->has_return);

  auto w = host().raw_tracepoint_args("sched_wakeup", err);
  REQUIRE_MESSAGE(w, err);
  REQUIRE(w->fields.size() == 1);
  CHECK(w->fields[0].name == "p");
  CHECK(w->fields[0].type.to_string() == "struct task_struct *");

  err.clear();
  CHECK_FALSE(host().raw_tracepoint_args("bt2bin_no_such_tp", err));
  CHECK(err == "no BTF for raw tracepoint bt2bin_no_such_tp");
}

// ------------------------------------------------------------ C spelling --

TEST_CASE("btf: c_declaration spells Types for BPF C") {
  CHECK(BtfTypes::c_declaration(make_int(4, false), "x") == "__u32 x");
  CHECK(BtfTypes::c_declaration(make_int(8, true), "") == "__s64");
  CHECK(BtfTypes::c_declaration(make_bool(), "b") == "_Bool b");
  CHECK(BtfTypes::c_declaration(make_string(16), "comm") == "char comm[16]");
  CHECK(BtfTypes::c_declaration(make_string(16), "") == "char[16]");
  Type task = make_simple(TypeKind::Struct, 100);
  task.name = "struct task_struct";
  CHECK(BtfTypes::c_declaration(task, "t") == "struct task_struct t");
  CHECK(BtfTypes::c_declaration(make_pointer(task), "p") == "struct task_struct *p");
  CHECK(BtfTypes::c_declaration(make_pointer(task), "") == "struct task_struct *");
  CHECK(BtfTypes::c_declaration(make_pointer(make_pointer(make_int(1, true))), "argv") == "__s8 **argv");
  CHECK(BtfTypes::c_declaration(make_pointer(Type{}), "v") == "void *v");
  Type arr = make_simple(TypeKind::Array, 16);
  arr.count = 4;
  arr.elem = std::make_shared<Type>(make_int(4, true));
  CHECK(BtfTypes::c_declaration(arr, "a") == "__s32 a[4]");
  CHECK(BtfTypes::c_declaration(make_pointer(arr), "pa") == "__s32 (*pa)[4]");
  Type parr = make_simple(TypeKind::Array, 32);
  parr.count = 4;
  parr.elem = std::make_shared<Type>(make_pointer(task));
  CHECK(BtfTypes::c_declaration(parr, "ps") == "struct task_struct *ps[4]");
  Type e = make_simple(TypeKind::Enum, 4);
  e.name = "pid_type";
  CHECK(BtfTypes::c_declaration(e, "t") == "enum pid_type t");
}

// A BPF object built from vmlinux.h, the generated tracepoint structs
// (whose _Static_asserts check every offset), and _Static_asserts of
// field() offsets against clang's own layout of the kernel structs.
TEST_CASE("btf: generated C compiles with clang -target bpf against vmlinux.h") {
  if (!have_btf() || !have_tracefs()) return;
  std::string dir = make_tmpdir();
  std::string log = dir + "/log.txt";
  if (run({"bpftool", "btf", "dump", "file", kVmlinux, "format", "c"}, dir + "/vmlinux.h") != 0) {
    MESSAGE("bpftool unavailable; skipping the clang check");
    return;
  }
  std::string err;
  std::ostringstream c;
  c << "#include \"vmlinux.h\"\n";
  std::string openat_struct;
  for (auto ev : {"sys_enter_openat", "sys_enter_execve", "sys_exit_read"}) {
    auto a = host().tracepoint_args("syscalls", ev, err);
    REQUIRE_MESSAGE(a, err);
    c << a->c_definition;
    if (std::string(ev) == "sys_enter_openat") openat_struct = a->c_struct_name;
  }
  {
    FakeTracefs fake;
    BtfTypes btf(kVmlinux);
    btf.set_tracefs_root(fake.root);
    auto a = btf.tracepoint_args("bt2bin_fake_cat", "bt2bin_fake", err);
    REQUIRE_MESSAGE(a, err);
    c << a->c_definition;
  }
  auto sw = host().tracepoint_args("sched", "sched_switch", err);
  REQUIRE(sw);
  for (auto &f : sw->fields)
    c << "_Static_assert(__builtin_offsetof(" << sw->c_struct_name << ", " << f.c_name
      << ") == " << f.offset << ", \"" << f.name << "\");\n";
  auto check_field = [&](const char *rec, const char *field) {
    auto t = host().resolve(rec);
    REQUIRE(t);
    auto f = host().field(*t, field);
    REQUIRE(f);
    c << "_Static_assert(__builtin_offsetof(" << rec << ", " << field << ") == " << f->offset << ", \""
      << field << "\");\n";
    c << "_Static_assert(sizeof(" << rec << ") == " << t->size << ", \"" << rec << "\");\n";
  };
  check_field("struct task_struct", "pid");
  check_field("struct task_struct", "comm");
  check_field("struct task_struct", "real_parent");
  check_field("struct sk_buff", "dev");
  check_field("struct sk_buff", "tstamp");
  check_field("struct sk_buff", "len");
  // Declarations spelled by c_declaration for BTF-derived types.
  auto task = *host().resolve("struct task_struct");
  c << BtfTypes::c_declaration(make_pointer(task), "g_task") << ";\n";
  c << BtfTypes::c_declaration(host().field(task, "comm")->type, "g_comm") << ";\n";
  c << BtfTypes::c_declaration(make_pointer(*host().resolve("char[16]")), "g_pcomm") << ";\n";
  c << BtfTypes::c_declaration(*host().resolve("enum pid_type"), "g_pidtype") << ";\n";
  c << "__attribute__((section(\"tracepoint/syscalls/sys_enter_openat\"), used))\n"
    << "int prog(" << openat_struct << " *ctx) { return ctx->dfd + ctx->mode + (long)ctx->filename; }\n"
    << "char LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n";
  write_file(dir + "/prog.bpf.c", c.str());
  int rc = run({"clang-14", "-target", "bpf", "-O2", "-g", "-I/usr/include/x86_64-linux-gnu", "-c",
                dir + "/prog.bpf.c", "-o", dir + "/prog.bpf.o"},
               log);
  if (rc == -1) {
    MESSAGE("clang-14 unavailable; skipping the clang check");
    return;
  }
  CHECK_MESSAGE(rc == 0, "files kept in " << dir << "\n" << slurp(log));
  if (rc == 0) {
    for (auto f : {"/vmlinux.h", "/prog.bpf.c", "/prog.bpf.o", "/log.txt"}) unlink((dir + f).c_str());
    rmdir(dir.c_str());
  }
}

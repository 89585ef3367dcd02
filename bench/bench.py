#!/usr/bin/env python3
"""Side-by-side measurements of bpftrace 0.17 and bt2bin-built tools (driven by bench/run.sh).

Measures (medians of several runs; the machines are shared, so expect noise):
  (a) per-event overhead: getppid_loop ns/call untraced, under `bpftrace getppid_count.bt`, under
      the bt2bin-built tool of the same script; overhead = traced - untraced;
  (b) exec -> attached (bpftrace: `Attaching` on stdout, printed before it attaches; bt2bin:
      `Attached` on stderr, printed after attaching; also the hand-written libbpf tool's, which
      prints the same banner) and exec -> exit of hello.bt;
  (c) peak RSS (/usr/bin/time -v) of hello and of a 1-second getppid count;
  (d) binary size (bpftrace: binary + its shared libraries);
  (e) bt2bin compile time of opensnoop.bt (a typical tool) and of hello.bt.
Reports a table; never asserts anything.
Usage: bench.py --bt2bin PATH --loop PATH --work DIR [--quick]
"""
import argparse
import os
import re
import selectors
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def median(xs):
    return statistics.median(xs) if xs else None


def compile_tool(bt2bin, src, out):
    t0 = time.monotonic()
    p = subprocess.run([bt2bin, src, "-o", out], capture_output=True, text=True)
    dt = time.monotonic() - t0
    if p.returncode != 0 or not os.access(out, os.X_OK):
        sys.stderr.write("bench: bt2bin failed on %s:\n%s%s" % (src, p.stdout, p.stderr[-2000:]))
        return None
    return dt


class Tracer:
    """A running tracer whose banner we wait for. kind: 'bpftrace' or 'bt2bin'."""

    def __init__(self, kind, argv):
        self.kind = kind
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""
        self.err = b""

    def wait_banner(self, timeout=30.0):
        """Seconds from exec to the banner line, or None."""
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ, "out")
        sel.register(self.p.stderr, selectors.EVENT_READ, "err")
        want = b"Attaching " if self.kind == "bpftrace" else b"Attached "
        deadline = self.t0 + timeout
        while time.monotonic() < deadline:
            for key, _ in sel.select(timeout=0.05):
                chunk = os.read(key.fileobj.fileno(), 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                if key.data == "out":
                    self.out += chunk
                else:
                    self.err += chunk
                buf = self.out if self.kind == "bpftrace" else self.err
                if any(line.startswith(want) for line in buf.split(b"\n")):
                    t = time.monotonic() - self.t0
                    sel.close()
                    return t
            if self.p.poll() is not None and not sel.get_map():
                break
        sel.close()
        return None

    def stop(self):
        """SIGINT (again after 3 s: 0.17 misses one sent while it is still attaching)."""
        out = err = b""
        for attempt in range(3):
            if self.p.poll() is None:
                if attempt < 2:
                    self.p.send_signal(signal.SIGINT)
                else:
                    self.p.kill()
            try:
                out, err = self.p.communicate(timeout=3)
                break
            except subprocess.TimeoutExpired:
                continue
        self.out += out
        self.err += err
        return self.out.decode("utf-8", "replace")


def loop_ns(loop, n):
    p = subprocess.run([loop, str(n)], capture_output=True, text=True, check=True)
    return float(p.stdout.split()[1])


def per_event(loop, n, runs, tracer_argv, kind):
    """Median ns/call of `runs` loops while the tracer runs, and the tracer's output."""
    t = Tracer(kind, tracer_argv)
    if t.wait_banner() is None:
        out = t.stop()
        sys.stderr.write("bench: %s did not attach:\n%s%s\n" % (kind, out, t.err.decode()[-2000:]))
        return None, out
    time.sleep(0.5 if kind == "bpftrace" else 0.1)  # 0.17 attaches after its banner
    xs = [loop_ns(loop, n) for _ in range(runs)]
    return median(xs), t.stop()


def attach_latency(argv, kind, runs):
    xs = []
    for _ in range(runs):
        t = Tracer(kind, argv)
        dt = t.wait_banner()
        time.sleep(0.3)  # let it finish attaching before it is stopped
        t.stop()
        if dt is not None:
            xs.append(dt)
    return median(xs)


def exec_to_exit(argv, runs):
    xs = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        xs.append(time.monotonic() - t0)
    return median(xs)


def peak_rss_kib(argv, loop=None):
    """Max RSS of argv under /usr/bin/time -v (running `loop 200000` meanwhile if given)."""
    p = subprocess.Popen(["/usr/bin/time", "-v"] + argv, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    if loop:
        time.sleep(0.6)
        subprocess.run([loop, "200000"], stdout=subprocess.DEVNULL)
    _, err = p.communicate(timeout=60)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    return int(m.group(1)) if m else None


def bpftrace_footprint():
    exe = subprocess.run(["which", "bpftrace"], capture_output=True, text=True).stdout.strip()
    exe = os.path.realpath(exe)
    total = os.path.getsize(exe)
    libs = 0
    for line in subprocess.run(["ldd", exe], capture_output=True, text=True).stdout.splitlines():
        m = re.search(r"=> (/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m and os.path.exists(m.group(1)):
            total += os.path.getsize(os.path.realpath(m.group(1)))
            libs += 1
    return os.path.getsize(exe), total, libs


def fmt(x, unit="", digits=1):
    if x is None:
        return "n/a"
    return ("%." + str(digits) + "f%s") % (x, unit)


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return "n/a"
    return "%.1fx" % (a / b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bt2bin", required=True)
    ap.add_argument("--loop", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--handwritten", help="hand-written libbpf tool for getppid_count (baseline)")
    a = ap.parse_args()
    runs = 3 if a.quick else 5
    n = 500000 if a.quick else 2000000
    w = a.work
    src = {k: os.path.join(HERE, k + ".bt") for k in ("getppid_count", "hello", "opensnoop")}
    one_sec = os.path.join(w, "getppid_count_1s.bt")
    with open(src["getppid_count"]) as f, open(one_sec, "w") as g:
        g.write(f.read() + "interval:s:1 { exit(); }\n")

    print("bench: compiling with %s" % a.bt2bin, flush=True)
    tool = {}
    for k, path in list(src.items()) + [("getppid_count_1s", one_sec)]:
        out = os.path.join(w, k)
        tool[k] = out if compile_tool(a.bt2bin, path, out) is not None else None
    compile_times = {}
    for k in ("opensnoop", "hello"):
        xs = [compile_tool(a.bt2bin, src[k], os.path.join(w, k + ".again")) for _ in range(3)]
        compile_times[k] = median([x for x in xs if x is not None])

    print("bench: (a) per-event overhead, %d getppid calls x %d runs" % (n, runs), flush=True)
    base = median([loop_ns(a.loop, n) for _ in range(runs)])
    bt_ns, bt_out = per_event(a.loop, n, runs, ["bpftrace", src["getppid_count"]], "bpftrace")
    b2_ns = b2_out = None
    if tool["getppid_count"]:
        b2_ns, b2_out = per_event(a.loop, n, runs, [tool["getppid_count"]], "bt2bin")
    hw_ns = hw_out = None
    if a.handwritten:
        hw_ns, hw_out = per_event(a.loop, n, runs, [a.handwritten], "bt2bin")
    loop_comm = os.path.basename(a.loop)[:15]
    expected_events = n * runs
    def counted(out):
        m = re.search(r"^@\[%s\]: (\d+)$" % re.escape(loop_comm), out or "", re.M)
        return int(m.group(1)) if m else None

    print("bench: (b) start-up latency, (c) RSS, (d) size", flush=True)
    lat_bt = attach_latency(["bpftrace", src["getppid_count"]], "bpftrace", runs)
    lat_b2 = attach_latency([tool["getppid_count"]], "bt2bin", runs) if tool["getppid_count"] else None
    lat_hw = attach_latency([a.handwritten], "bt2bin", runs) if a.handwritten else None
    hello_bt = exec_to_exit(["bpftrace", src["hello"]], runs)
    hello_b2 = exec_to_exit([tool["hello"]], runs) if tool["hello"] else None
    rss = {
        "hello_bt": peak_rss_kib(["bpftrace", src["hello"]]),
        "hello_b2": peak_rss_kib([tool["hello"]]) if tool["hello"] else None,
        "cnt_bt": peak_rss_kib(["bpftrace", one_sec], a.loop),
        "cnt_b2": peak_rss_kib([tool["getppid_count_1s"]], a.loop) if tool["getppid_count_1s"] else None,
    }
    bt_exe, bt_total, bt_libs = bpftrace_footprint()
    size_b2 = os.path.getsize(tool["getppid_count"]) if tool["getppid_count"] else None
    size_b2_hello = os.path.getsize(tool["hello"]) if tool["hello"] else None

    ov_bt = bt_ns - base if bt_ns is not None else None
    ov_b2 = b2_ns - base if b2_ns is not None else None
    ov_hw = hw_ns - base if hw_ns is not None else None
    mib = lambda kib: kib / 1024.0 if kib is not None else None
    rows = [
        ("getppid ns/call (untraced %.1f)" % base, fmt(bt_ns), fmt(b2_ns), ""),
        ("  per-event overhead, ns", fmt(ov_bt), fmt(ov_b2), ratio(ov_bt, ov_b2)),
        ("  events counted (expected %d)" % expected_events,
         str(counted(bt_out)), str(counted(b2_out)), ""),
        ("exec -> attach banner, ms", fmt(lat_bt and lat_bt * 1e3), fmt(lat_b2 and lat_b2 * 1e3),
         ratio(lat_bt, lat_b2)),
        ("hello exec -> exit, ms", fmt(hello_bt and hello_bt * 1e3), fmt(hello_b2 and hello_b2 * 1e3),
         ratio(hello_bt, hello_b2)),
        ("peak RSS hello, MiB", fmt(mib(rss["hello_bt"])), fmt(mib(rss["hello_b2"])),
         ratio(rss["hello_bt"], rss["hello_b2"])),
        ("peak RSS getppid count 1 s, MiB", fmt(mib(rss["cnt_bt"])), fmt(mib(rss["cnt_b2"])),
         ratio(rss["cnt_bt"], rss["cnt_b2"])),
        ("size, MiB (bpftrace: +%d libs)" % bt_libs, fmt(bt_total / 1048576.0, digits=2),
         fmt(size_b2 and size_b2 / 1048576.0, digits=2), ratio(bt_total, size_b2)),
        ("  size of hello tool, MiB", "-", fmt(size_b2_hello and size_b2_hello / 1048576.0, digits=2), ""),
        ("bt2bin compile opensnoop.bt, s", "-", fmt(compile_times["opensnoop"], digits=2), ""),
        ("bt2bin compile hello.bt, s", "-", fmt(compile_times["hello"], digits=2), ""),
    ]
    print()
    print("%-38s %14s %14s %10s" % ("metric", "bpftrace 0.17", "bt2bin", "ratio"))
    print("-" * 79)
    for r in rows:
        print("%-38s %14s %14s %10s" % r)
    print()
    if ov_hw is not None and ov_b2 is not None:
        print("per-event overhead of the hand-written libbpf tool: %.1f ns; bt2bin / hand-written = %.2f "
              "(target <= 1.10); events counted %s" % (ov_hw, ov_b2 / ov_hw, counted(hw_out)))
        if lat_hw is not None and lat_b2 is not None:
            print("exec -> attach banner of the hand-written libbpf tool: %.1f ms; bt2bin / hand-written = %.2f"
                  % (lat_hw * 1e3, lat_b2 / lat_hw))
        print()
    print("ratio = bpftrace / bt2bin (higher is better for bt2bin); medians of %d runs;" % runs)
    print("bpftrace's banner comes before it attaches, bt2bin's after. Kernel %s." % os.uname().release)
    return 0


if __name__ == "__main__":
    sys.exit(main())

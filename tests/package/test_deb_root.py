"""The beamscope .deb installed into a clean Debian 12 root, used, and purged.

The root is a cached debootstrap minbase bookworm (scripts/debian-root.sh,
under $BEAMSCOPE_ROOT_CACHE, default /var/cache/beamscope/roots); each run
works on an overlay over it, so the cache stays clean and the run starts
from exactly what debootstrap made. apt fetches the runtime dependencies
named by the package (downloaded .debs and package lists are kept in the
cache beside the root). Then, inside the root:

  - a plain `erl` (no ERL_LIBS, env -i) starts the agent with
    application:ensure_all_started(beamscope): the app is found in OTP's
    code path, its NIF in its priv dir;
  - /metrics, scraped from here, shows the node's process count, equal to
    erlang:system_info(process_count) read in the node;
  - the installed beamscope-ctl answers `overview --json` from the stream
    with the node's process count: its shared libraries resolve from the
    declared dependencies alone;
  - postinst made the system user beamscope; run as that user with the
    installed /etc/beamscope/collector.conf and the node added to the
    agents file, the collector serves the node to ctl, and exits 0 on
    SIGTERM;
  - `apt-get purge beamscope` and `apt-get autoremove --purge` leave the
    file tree and the account files (passwd, group, shadow, gshadow)
    exactly as before the install.

Runs as root (mount, chroot); the root part runs in a private mount and
PID namespace (unshare), so mounts and processes end with it.
Usage: test_deb_root.py --build-dir BUILD --source-dir SRC
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from nodes import free_port, wait_for  # noqa: E402

SUITE = "bookworm"
ENV = ["/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8", "HOME=/root",
       "DEBIAN_FRONTEND=noninteractive"]
# Paths whose contents change with any apt run or are kernel/runtime state:
# not compared before/after.
VOLATILE = ("proc", "sys", "dev", "run", "tmp", "var/tmp", "var/cache/apt", "var/lib/apt", "var/log",
            "var/cache/debconf", "var/lib/dpkg", "var/cache/ldconfig", "etc/ld.so.cache")
# Compared line for line before the install and after the purge (the
# collector's user and group come and go).
ACCOUNTS = ("etc/passwd", "etc/group", "etc/shadow", "etc/gshadow")
# Written by apt/dpkg themselves on any install (not by a package).
DPKG_OWN = ("etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-")


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


class Timer:
    def __init__(self):
        self.t = time.monotonic()
        self.times = []

    def lap(self, what):
        now = time.monotonic()
        self.times.append((what, now - self.t))
        print(f"deb_root: {what} {now - self.t:.1f}s", flush=True)
        self.t = now


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def in_root(merged, *cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    return subprocess.run(["chroot", merged, *ENV, *cmd], check=False, **kw)


def must(res, what):
    if res.returncode != 0:
        fail(f"{what} exited {res.returncode}\nstdout:\n{res.stdout[-4000:]}\nstderr:\n{res.stderr[-4000:]}")
    return res


def file_set(merged):
    """Every path in the root (files, dirs, links), less the volatile ones."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(merged):
        rel = os.path.relpath(dirpath, merged)
        rel = "" if rel == "." else rel
        keep = []
        for d in dirnames:
            p = os.path.join(rel, d)
            if p in VOLATILE:
                continue
            keep.append(d)
            out.add(p + "/")
        dirnames[:] = keep
        for f in filenames:
            p = os.path.join(rel, f)
            if p not in VOLATILE and p not in DPKG_OWN:
                out.add(p)
    return out


def read(merged, rel):
    with open(os.path.join(merged, rel), encoding="utf-8") as f:
        return f.read()


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def metric(text, name):
    m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class Node:
    """A plain erl in the root that starts the agent and answers `count`."""

    EVAL = r"""
    {ok, Apps} = application:ensure_all_started(beamscope),
    io:format("started ~p ~s ~s~n", [Apps, code:priv_dir(beamscope), code:which(beamscope_nif)]),
    io:format("name ~s~n", [beamscope_gauges:node_name(beamscope_gauges:naming(auto))]),
    Loop = fun L() ->
        case io:get_line("") of
            eof -> halt(0);
            _ -> io:format("count ~p~n", [erlang:system_info(process_count)]), L()
        end
    end,
    Loop().
    """

    def __init__(self, merged, metrics_port, stream_port):
        # No -sname: an epmd started in here would serve the host's nodes too
        # and die with this namespace.
        cmd = ["chroot", merged, *ENV, "erl", "-noshell",
               "-beamscope", "metrics_listen", f'"127.0.0.1:{metrics_port}"',
               "-beamscope", "stream_endpoint", f'"tcp://127.0.0.1:{stream_port}"',
               "-eval", self.EVAL]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)

    def line(self, prefix, timeout=30):
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith(prefix):
                return line.split()[1:]
        fail(f"node never printed '{prefix}'; it printed:\n{''.join(seen)[-3000:]}")

    def count(self):
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return int(self.line("count ")[0])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def check_service_setup(merged):
    """postinst made the system user; the config files are conffiles."""
    user = in_root(merged, "getent", "passwd", "beamscope").stdout.strip().split(":")
    if len(user) != 7 or int(user[2]) >= 1000 or not user[6].endswith("nologin"):
        fail(f"no system user beamscope with a nologin shell: {user}")
    conffiles = must(in_root(merged, "dpkg-query", "-W", "-f=${Conffiles}", "beamscope"), "dpkg-query").stdout
    for f in ("/etc/beamscope/collector.conf", "/etc/beamscope/agents"):
        if f not in conffiles:
            fail(f"{f} is not a conffile: {conffiles}")
    unit = os.path.join(merged, "usr/lib/systemd/system/beamscope-collector.service")
    if "ExecStart=/usr/bin/beamscope-collector --config /etc/beamscope/collector.conf\n" not in open(unit).read():
        fail("the unit's ExecStart is not /usr/bin/beamscope-collector --config /etc/beamscope/collector.conf")


def collector_as_service_user(merged, agent, node):
    """The installed collector, run as the unit runs it (user beamscope, the
    installed config; ports moved to free ones): the agents file lists the
    node, and ctl through the collector sees the node's process count."""
    with open(os.path.join(merged, "etc/beamscope/agents"), "a") as f:
        f.write(agent + "\n")
    listen = f"tcp://127.0.0.1:{free_port()}"
    # setpriv execs (runuser would fork and stand between the signal and it).
    proc = subprocess.Popen(["chroot", merged, *ENV, "setpriv", "--reuid=beamscope", "--regid=beamscope",
                             "--init-groups", "beamscope-collector",
                             "--config", "/etc/beamscope/collector.conf", "--listen", listen,
                             "--metrics", f"127.0.0.1:{free_port()}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def ctl_count():
            if proc.poll() is not None:
                fail(f"collector exited {proc.returncode}: {proc.stdout.read()}")
            res = in_root(merged, "beamscope-ctl", "--connect", listen, "overview", "--json")
            return res.returncode == 0 and json.loads(res.stdout)["process_count"] == node.count()
        wait_for(ctl_count, 20, interval=0.3, what="ctl through the collector (user beamscope) == the node's count")
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=10) != 0:
            fail(f"collector exited {proc.returncode} on SIGTERM: {proc.stdout.read()}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print("deb_root: collector as user beamscope with /etc/beamscope/collector.conf: node seen, clean exit")


def inner(args):
    timer = Timer()
    debs = sorted(glob.glob(os.path.join(args.build_dir, "package", "beamscope_*.deb")))
    if len(debs) != 1:
        fail(f"expected one beamscope_*.deb in {args.build_dir}/package (ctest package_cpack makes it), found {debs}")
    deb = debs[0]
    cache = os.environ.get("BEAMSCOPE_ROOT_CACHE", "/var/cache/beamscope/roots")
    lower = os.path.join(cache, SUITE)
    apt_cache = os.path.join(cache, f"{SUITE}-apt")
    work = tempfile.mkdtemp(prefix="beamscope-deb-", dir="/var/tmp")
    merged = os.path.join(work, "merged")
    mounts = os.path.join(args.source_dir, "scripts", "otp-mounts.sh")
    try:
        for d in ("upper", "work", "merged"):
            os.makedirs(os.path.join(work, d))
        run(["mount", "-t", "overlay", "overlay", "-o",
             f"lowerdir={lower},upperdir={work}/upper,workdir={work}/work", merged])
        # apt's downloads and lists outlive the overlay: the next run fetches
        # only what changed.
        for sub, target in (("archives", "var/cache/apt/archives"), ("lists", "var/lib/apt/lists")):
            src = os.path.join(apt_cache, sub)
            os.makedirs(os.path.join(src, "partial"), exist_ok=True)
            run(["mount", "--bind", src, os.path.join(merged, target)])
        run(["bash", "-c", f'source "{mounts}" && otp_mount "{merged}"'])
        shutil.copy("/etc/resolv.conf", os.path.join(merged, "etc", "resolv.conf"))
        apt = ["apt-get", "-o", "APT::Sandbox::User=root", "-q", "-y"]
        must(in_root(merged, *apt, "update"), "apt-get update")
        timer.lap("root ready (overlay, apt-get update)")

        before = file_set(merged)
        accounts = {f: read(merged, f) for f in ACCOUNTS}
        shutil.copy(deb, os.path.join(merged, "tmp"))
        res = must(in_root(merged, *apt, "install", "--no-install-recommends",
                           "/tmp/" + os.path.basename(deb)), "apt-get install ./beamscope.deb")
        timer.lap("apt-get install (beamscope and its dependencies)")
        installed = must(in_root(merged, "dpkg", "-L", "beamscope"), "dpkg -L").stdout.split()
        agent_dirs = [p for p in installed if re.fullmatch(r"/usr/lib/erlang/lib/beamscope-[0-9.]+", p)]
        if len(agent_dirs) != 1:
            fail(f"no agent application directory in /usr/lib/erlang/lib among {installed}")
        agent_dir = agent_dirs[0]

        check_service_setup(merged)
        metrics_port, stream_port = free_port(), free_port()
        node = Node(merged, metrics_port, stream_port)
        try:
            started = node.line("started ")
            if started[-2] != agent_dir + "/priv" or started[-1] != agent_dir + "/ebin/beamscope_nif.beam":
                fail(f"agent loaded from {started[-2:]}, expected {agent_dir}")
            # No distribution: the agent names the node nonode-OSPID@HOST (node_name auto).
            name = node.line("name ")[0]
            if not re.fullmatch(r"nonode-\d+@\S+", name):
                fail(f"the agent names this node {name!r}, not nonode-OSPID@HOST")
            url = f"http://127.0.0.1:{metrics_port}/metrics"

            # The gauge is sampled every tick; the node is idle, so it settles
            # on the node's own count.
            def same_count():
                exported = metric(scrape(url), "erlang_vm_process_count")
                truth = node.count()
                return exported is not None and int(exported) == truth and (exported, truth)

            exported, truth = wait_for(same_count, 15, interval=0.3, what="/metrics process count == the node's")
            print(f"deb_root: /metrics erlang_vm_process_count {int(exported)}, node says {truth}")
            if not re.search(r'^beamscope_node_info\{[^}]*node="' + re.escape(name) + '"', scrape(url), re.M):
                fail(f"beamscope_node_info names no {name}")

            # The installed ctl, from the stream, against the same ground truth.
            def ctl_count():
                res = must(in_root(merged, "beamscope-ctl", "--connect", f"tcp://127.0.0.1:{stream_port}",
                                   "overview", "--json"), "beamscope-ctl overview")
                doc = json.loads(res.stdout)
                return doc["node"] == name and doc["process_count"] == node.count() and doc

            doc = wait_for(ctl_count, 15, interval=0.3, what="ctl overview's process count == the node's")
            print(f"deb_root: ctl overview: {doc['process_count']} processes, OTP {doc['otp_release']}")
            collector_as_service_user(merged, f"tcp://127.0.0.1:{stream_port}", node)
        finally:
            node.stop()
        if node.proc.returncode != 0:
            fail(f"node exited {node.proc.returncode}")
        timer.lap("agent started in plain erl, /metrics and ctl checked")

        must(in_root(merged, *apt, "purge", "beamscope"), "apt-get purge beamscope")
        must(in_root(merged, *apt, "autoremove", "--purge"), "apt-get autoremove --purge")
        timer.lap("purge and autoremove")
        after = file_set(merged)
        left = sorted(after - before)
        gone = sorted(before - after)
        if left or gone:
            fail(f"after purge, {len(left)} paths left: {left[:40]}; {len(gone)} gone: {gone[:40]}")
        for f, text in accounts.items():
            if read(merged, f) != text:
                fail(f"after purge, /{f} differs from before the install")
        still = [p for p in installed if p.startswith(("/usr/lib/erlang/lib/beamscope", "/usr/share/beamscope",
                                                         "/etc/beamscope")) and os.path.lexists(merged + p)]
        if still:
            fail(f"left after purge: {still}")
        print(f"deb_root: purge left nothing ({len(before)} paths compared, {len(installed)} were the package's)")
    finally:
        run(["bash", "-c", f'source "{mounts}" && otp_umount "{merged}"'], check=False)
        for target in ("var/lib/apt/lists", "var/cache/apt/archives", ""):
            subprocess.run(["umount", os.path.join(merged, target)], check=False, capture_output=True)
        if not subprocess.run(["mountpoint", "-q", merged]).returncode == 0:
            shutil.rmtree(work, ignore_errors=True)
    print("deb_root: passed; " + ", ".join(f"{w} {t:.1f}s" for w, t in timer.times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--inner", action="store_true")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    args.source_dir = os.path.abspath(args.source_dir)
    if os.geteuid() != 0:
        fail("needs root (debootstrap, mount, chroot)")
    if args.inner:
        return inner(args)
    cache = os.environ.get("BEAMSCOPE_ROOT_CACHE", "/var/cache/beamscope/roots")
    t0 = time.monotonic()
    res = subprocess.run(["bash", os.path.join(args.source_dir, "scripts", "debian-root.sh"), SUITE,
                          os.path.join(cache, SUITE)], check=False)
    if res.returncode != 0:
        fail("could not make the clean bookworm root")
    print(f"deb_root: clean root {time.monotonic() - t0:.1f}s", flush=True)
    # Mounts and every process of the root part end with this namespace.
    res = subprocess.run(["unshare", "--mount", "--pid", "--fork", "--kill-child", "--propagation", "private",
                          sys.executable, os.path.abspath(__file__), "--inner",
                          "--build-dir", args.build_dir, "--source-dir", args.source_dir], check=False)
    sys.exit(res.returncode)


if __name__ == "__main__":
    main()

"""The collector's service files as `cmake --install` writes them, to a
temporary prefix:

  - `systemd-analyze verify` passes on beamscope-collector.service (it
    checks keys and that ExecStart's program exists), and fails on a copy
    with an unknown key and a missing program (so it can fail here);
  - `systemd-analyze security --offline=true` rates its exposure at most
    2.0 (systemd's "OK" band);
  - the installed collector starts from the installed collector.conf and
    agents file (ports moved to free ones on the command line, which wins),
    serves /metrics, and exits 0 on SIGTERM.

Usage: test_unit.py --build-dir BUILD
"""

import argparse
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

UNIT = "beamscope-collector.service"
MAX_EXPOSURE = 2.0


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def analyze(*args):
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    if not shutil.which("systemd-analyze"):
        fail("systemd-analyze not found: install the Debian package systemd (scripts/install-deps.sh)")
    prefix = tempfile.mkdtemp(prefix="beamscope-unit-")
    try:
        res = subprocess.run(["cmake", "--install", args.build_dir, "--prefix", prefix, "--component", "server"],
                             capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            fail(f"cmake --install: {res.stdout}{res.stderr}")
        unit = os.path.join(prefix, "lib", "systemd", "system", UNIT)
        conf = os.path.join(prefix, "etc", "beamscope", "collector.conf")
        for path in (unit, conf, os.path.join(prefix, "etc", "beamscope", "agents"),
                     os.path.join(prefix, "lib", "sysusers.d", "beamscope.conf")):
            if not os.path.isfile(path):
                fail(f"not installed: {path}")
        text = open(unit).read()
        if f"ExecStart={prefix}/bin/beamscope-collector --config {conf}\n" not in text:
            fail(f"ExecStart does not name the installed program and config:\n{text}")

        res = analyze("verify", unit)
        if res.returncode != 0 or res.stdout.strip() or res.stderr.strip():
            fail(f"systemd-analyze verify {unit}: exit {res.returncode}\n{res.stdout}{res.stderr}")
        print(f"systemd-analyze verify: clean")

        broken_dir = tempfile.mkdtemp(prefix="beamscope-unit-broken-")
        broken = os.path.join(broken_dir, UNIT)
        with open(broken, "w") as f:
            f.write(text.replace(f"{prefix}/bin/beamscope-collector", f"{prefix}/bin/no-such-program")
                    .replace("Restart=on-failure", "Restart=on-failure\nProtectEverything=yes"))
        res = analyze("verify", broken)
        shutil.rmtree(broken_dir)
        if res.returncode == 0 and "no-such-program" not in res.stderr:
            fail(f"systemd-analyze verify accepted a broken unit:\n{res.stdout}{res.stderr}")

        res = analyze("security", "--offline=true", unit)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", res.stdout)
        if not m:
            fail(f"systemd-analyze security: no exposure level\n{res.stdout[-2000:]}{res.stderr}")
        exposure = float(m.group(1))
        print(f"systemd-analyze security: exposure {exposure} (at most {MAX_EXPOSURE})")
        if exposure > MAX_EXPOSURE:
            fail(f"exposure {exposure} > {MAX_EXPOSURE}:\n{res.stdout}")

        port = free_port()
        log = os.path.join(prefix, "collector.log")
        with open(log, "wb") as out:
            proc = subprocess.Popen([os.path.join(prefix, "bin", "beamscope-collector"), "--config", conf,
                                     "--listen", "tcp://127.0.0.1:*", "--metrics", f"127.0.0.1:{port}"],
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            def metrics():
                if proc.poll() is not None:
                    fail(f"collector exited {proc.returncode}:\n{open(log).read()}")
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    return r.read().decode()
            text = wait_for(metrics, 15, interval=0.2, what="the installed collector's /metrics")
            if not re.search(r"^beamscope_collector_agents_connected 0$", text, re.M):
                fail("the installed collector's /metrics lacks beamscope_collector_agents_connected 0")
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=10)
            print(f"installed collector: SIGTERM to exit {time.monotonic() - t0:.2f}s, exit {rc}")
            if rc != 0:
                fail(f"exit {rc} on SIGTERM:\n{open(log).read()}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    main()

"""What the integration tests look through: beamscope-ctl, HTTP /metrics
and promtool. Python 3 stdlib only; every call has a timeout.
"""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

__all__ = ["CtlResult", "run_ctl", "ctl_json", "scrape", "promtool_problems", "samples",
           "COMPAT_NAMES", "within"]

# prometheus.erl names kept on purpose so existing dashboards keep working
# (DESIGN.md, "Prometheus"). promtool lints their suffixes; these complaints,
# by exact metric name, are the only ones a scrape may produce.
COMPAT_NAMES = {
    # counters without `_total`
    "erlang_vm_statistics_context_switches",
    "erlang_vm_statistics_garbage_collection_number_of_gcs",
    "erlang_vm_statistics_garbage_collection_bytes_reclaimed",
    "erlang_vm_statistics_garbage_collection_words_reclaimed",
    "erlang_vm_statistics_reductions_total",
    "erlang_vm_statistics_bytes_received_total",
    "erlang_vm_statistics_bytes_output_total",
    "erlang_vm_statistics_runtime_milliseconds",
    "erlang_vm_statistics_wallclock_time_milliseconds",
}
_SUFFIX_COMPLAINTS = (
    'counter metrics should have "_total" suffix',
)


class CtlResult:
    def __init__(self, rc, stdout, stderr, seconds):
        self.rc, self.stdout, self.stderr, self.seconds = rc, stdout, stderr, seconds

    def __repr__(self):
        return f"CtlResult(rc={self.rc}, {self.seconds:.2f}s, stderr={self.stderr.strip()!r})"


def ctl_path(build_dir):
    return os.path.join(build_dir, "bin", "beamscope-ctl")


def run_ctl(build_dir, args, timeout=30):
    """Runs beamscope-ctl with `args`; a hang fails the test at `timeout`."""
    t0 = time.monotonic()
    out = subprocess.run([ctl_path(build_dir)] + list(args), capture_output=True, text=True,
                         timeout=timeout)
    return CtlResult(out.returncode, out.stdout, out.stderr, time.monotonic() - t0)


def ctl_json(build_dir, endpoint, command, *extra, node=None, timeout_ms=3000):
    """One successful `--json` query, parsed. Raises with ctl's stderr otherwise."""
    args = ["--connect", endpoint, "--timeout-ms", str(timeout_ms)]
    if node:
        args += ["--node", node]
    res = run_ctl(build_dir, args + [command, *extra, "--json"], timeout=timeout_ms / 1000 + 20)
    if res.rc != 0:
        raise RuntimeError(f"beamscope-ctl {command} failed: {res!r}")
    return json.loads(res.stdout)


def scrape(url, timeout=5):
    """GET /metrics; returns the body text."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        if resp.status != 200:
            raise RuntimeError(f"GET {url}: HTTP {resp.status}")
        return resp.read().decode("utf-8")


def promtool_problems(text, timeout=30):
    """Runs `promtool check metrics` on `text`.

    Returns (accepted, unexpected): lists of complaint lines, split by
    COMPAT_NAMES. A parse failure is returned as an unexpected line.
    """
    promtool = shutil.which("promtool")
    if not promtool:
        raise RuntimeError("promtool not found (Debian package prometheus)")
    out = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                         timeout=timeout)
    lines = [l for l in (out.stdout + out.stderr).splitlines() if l.strip()]
    if out.returncode not in (0, 3):
        return [], [f"promtool exit {out.returncode}"] + lines
    accepted, unexpected = [], []
    for line in lines:
        name, _, complaint = line.partition(" ")
        ok = name in COMPAT_NAMES and complaint.strip() in _SUFFIX_COMPLAINTS
        (accepted if ok else unexpected).append(line)
    return accepted, unexpected


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text, name):
    """Every sample of metric `name` as (labels dict, float value)."""
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m and m.group(1) == name:
            labels = {k: v.encode().decode("unicode_escape") for k, v in _LABEL.findall(m.group(2) or "")}
            found.append((labels, float(m.group(3))))
    return found


def within(a, b, fraction):
    """True when a and b differ by at most `fraction` of b."""
    return abs(a - b) <= fraction * max(abs(b), 1)

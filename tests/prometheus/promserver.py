"""A real Prometheus server (Debian's /usr/bin/prometheus) for tests.

Own config and data dir in a temp folder, loopback only, a short scrape
interval; always stopped (with-block, or at interpreter exit). Every wait
has a deadline. Python 3 stdlib only.

    with PrometheusServer({"agent": ["127.0.0.1:9754"]}) as prom:
        prom.start()
        prom.wait_for_targets_up()
        value = prom.query_value('erlang_vm_process_count')
"""

import atexit
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from nodes import free_port, wait_for  # noqa: E402

__all__ = ["PrometheusServer", "prometheus_path"]

_LIVE = set()


def prometheus_path():
    found = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not os.access(found, os.X_OK):
        raise RuntimeError("prometheus not found (Debian package prometheus)")
    return found


class PrometheusServer:
    """jobs: {job name: [host:port, ...]}; auth: {job name: (user, password)}."""

    def __init__(self, jobs, scrape_interval="1s", auth=None):
        self.jobs = jobs
        self.auth = auth or {}
        self.scrape_interval = scrape_interval
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bs_prometheus_")
        self.proc = None
        self.log_path = os.path.join(self.dir, "prometheus.log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _config(self):
        lines = ["global:", f"  scrape_interval: {self.scrape_interval}",
                 f"  scrape_timeout: {self.scrape_interval}", "scrape_configs:"]
        for job, targets in self.jobs.items():
            lines += [f"  - job_name: {job}", "    static_configs:",
                      "      - targets: [" + ", ".join(f"'{t}'" for t in targets) + "]"]
            if job in self.auth:
                user, password = self.auth[job]
                lines += ["    basic_auth:", f"      username: '{user}'", f"      password: '{password}'"]
        return "\n".join(lines) + "\n"

    def start(self, timeout=30):
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(self._config())
        cmd = [prometheus_path(), f"--config.file={cfg}", f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
               f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h",
               "--log.level=warn"]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.dir, start_new_session=True)
        _LIVE.add(self)
        wait_for(self._ready, timeout, interval=0.2, what="prometheus to be ready")
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"prometheus exited {self.proc.returncode}: {self.log_tail()}")
        with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as r:
            return r.status == 200

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
        _LIVE.discard(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- HTTP API ---------------------------------------------------------

    def api(self, path, **params):
        url = f"{self.url}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.loads(r.read().decode("utf-8"))
        if doc.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {doc}")
        return doc["data"]

    def query(self, expr):
        """Instant query; returns the result list (vector/matrix/scalar)."""
        data = self.api("query", query=expr)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]

    def query_range(self, expr, seconds=60, step=1):
        end = time.time()
        return self.api("query_range", query=expr, start=end - seconds, end=end, step=step)["result"]

    def query_value(self, expr):
        result = self.query(expr)
        if len(result) != 1:
            raise RuntimeError(f"{expr}: expected one series, got {len(result)}")
        return float(result[0]["value"][1])

    def targets(self):
        return self.api("targets")["activeTargets"]

    def wait_for_targets_up(self, timeout=60):
        def all_up():
            ts = self.targets()
            want = sum(len(t) for t in self.jobs.values())
            return len(ts) == want and all(t["health"] == "up" for t in ts)
        try:
            wait_for(all_up, timeout, interval=0.5, what="every target up")
        except TimeoutError as e:
            raise TimeoutError(f"{e}: {[(t['scrapeUrl'], t['health'], t['lastError']) for t in self.targets()]}")


def basic_auth_header(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _stop_all():
    for p in list(_LIVE):
        try:
            p.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


atexit.register(_stop_all)

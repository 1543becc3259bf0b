"""beamscope-collector for the Prometheus tests, with its /metrics options.
Always stopped (SIGTERM, then SIGKILL); Python 3 stdlib only."""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from nodes import free_port  # noqa: E402

__all__ = ["Collector", "build_dir_from_argv"]


def build_dir_from_argv():
    """--build-dir DIR from the command line (ctest passes it), else ../../build."""
    if "--build-dir" in sys.argv:
        i = sys.argv.index("--build-dir")
        path = sys.argv[i + 1]
        del sys.argv[i:i + 2]
        return os.path.abspath(path)
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "build"))


class Collector:
    def __init__(self, build_dir, agents, extra_args=()):
        self.listen = f"tcp://127.0.0.1:{free_port()}"
        self.metrics_port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="bs_collector_", suffix=".log", delete=False)
        cmd = [os.path.join(build_dir, "bin", "beamscope-collector")]
        for a in agents:
            cmd += ["--agent", a]
        cmd += ["--listen", self.listen, "--metrics", f"127.0.0.1:{self.metrics_port}", *extra_args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def metrics_address(self):
        return f"127.0.0.1:{self.metrics_port}"

    @property
    def metrics_url(self):
        return f"http://{self.metrics_address}/metrics"

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        os.unlink(self.log.name)

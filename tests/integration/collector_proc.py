"""beamscope-collector on free ports, for tests: optional extra flags, its
log kept for failure messages; always stopped (SIGTERM, then SIGKILL).
Python 3 stdlib only."""

import os
import subprocess
import tempfile

from nodes import free_port

__all__ = ["Collector"]


class Collector:
    def __init__(self, build_dir, agents, extra_args=(), listen=None, metrics_port=None):
        # listen / metrics_port: those of a collector started before (a restart).
        self.listen = listen or f"tcp://127.0.0.1:{free_port()}"
        self.metrics_port = metrics_port or free_port()
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

    def kill9(self):
        """SIGKILL, as a crash or the OOM killer would: no clean shutdown."""
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        if os.path.exists(self.log.name):  # stop() may be called again by a cleanup
            os.unlink(self.log.name)

"""stream_peer (tests/integration/stream_peer.cpp) from Python: a viewer
that prints every frame it applies, read live by a thread; a viewer that
talks and never reads; what the OS sees of a node's beam process.
Python 3 stdlib only; every process is stopped at the end of a `with`.

    with Watcher(build_dir, endpoint, seconds=60) as w:
        w.wait_nodes({"a@h", "b@h"}, timeout=20)
        print(w.max_gap("a@h", since))
"""

import os
import signal
import subprocess
import threading
import time

from nodes import wait_for

__all__ = ["peer_path", "Watcher", "NoReader", "beam_os_counts"]


def peer_path(build_dir):
    path = os.path.join(build_dir, "tests", "bin", "stream_peer")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is not built (target stream_peer)")
    return path


class _Peer:
    def __init__(self, args):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)  # a stopped peer cannot act on SIGTERM
                self.proc.terminate()
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class Watcher(_Peer):
    """`stream_peer watch`: frames as (time.monotonic(), node, seq, kind)."""

    def __init__(self, build_dir, endpoint, seconds):
        super().__init__([peer_path(build_dir), "watch", endpoint, str(seconds)])
        self.frames = []
        self.gone = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            now = time.monotonic()
            with self._lock:
                if parts and parts[0] == "frame" and len(parts) == 5:
                    self.frames.append((now, parts[2], int(parts[3]), parts[4]))
                elif parts and parts[0] == "gone" and len(parts) >= 3:
                    self.gone.append((now, parts[2]))

    def nodes_since(self, since):
        with self._lock:
            return {node for t, node, _, _ in self.frames if t >= since}

    def frames_since(self, node, since):
        with self._lock:
            return [f for f in self.frames if f[1] == node and f[0] >= since]

    def wait_nodes(self, nodes, timeout, since=0.0):
        """Waits until a frame of every node in `nodes` arrived after `since`."""
        return wait_for(lambda: set(nodes) <= self.nodes_since(since), timeout,
                        what=f"frames from {sorted(nodes)} at the viewer")

    def max_gap(self, node, since, until):
        """Longest time without a frame of `node` within [since, until]."""
        times = [since] + [t for t, *_ in self.frames_since(node, since) if t <= until] + [until]
        return max(b - a for a, b in zip(times, times[1:]))


class NoReader(_Peer):
    """`stream_peer noread`: asks for the stream and pages, never reads."""

    def __init__(self, build_dir, endpoint, seconds, rate, node):
        super().__init__([peer_path(build_dir), "noread", endpoint, str(seconds), str(rate), node])


def beam_os_counts(os_pid):
    """Threads, open fds and RSS (KiB) of a process, from /proc."""
    base = f"/proc/{os_pid}"
    with open(f"{base}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    return {"threads": len(os.listdir(f"{base}/task")), "fds": len(os.listdir(f"{base}/fd")), "rss_kb": rss}

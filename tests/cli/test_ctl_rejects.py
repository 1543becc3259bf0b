"""beamscope-ctl against servers whose frames it must drop (a real ZeroMQ
ROUTER, tests/peers/bad_server.cpp): another major version, or garbage.
ctl names what it dropped and why, exits 1, and does not wait out its
whole timeout nor blame an absent agent. Python 3 stdlib only."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from e2e_checks import MEASURED, build_dir_from_argv, main  # noqa: E402
from probes import run_ctl  # noqa: E402

BUILD_DIR = build_dir_from_argv()
TIMEOUT_MS = 5000


class BadServer:
    def __init__(self, mode, frames=3):
        path = os.path.join(BUILD_DIR, "tests", "bin", "bad_server")
        self.proc = subprocess.Popen([path, "--mode", mode, "--frames", str(frames)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("endpoint "):
            raise RuntimeError(f"bad_server said {line!r}")
        self.endpoint = line.split(" ", 1)[1].strip()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        return False


class CtlNamesDroppedFrames(unittest.TestCase):
    def check(self, mode, reason):
        command = ("overview", "--json")
        with BadServer(mode) as server:
            res = run_ctl(BUILD_DIR, ["--connect", server.endpoint, "--timeout-ms", str(TIMEOUT_MS), *command])
        MEASURED[f"ctl_{mode}_{command[0]}_s"] = round(res.seconds, 2)
        self.assertEqual(res.rc, 1, res)
        self.assertEqual(res.stdout, "")
        # Three frames answered the one Hello (or request).
        self.assertRegex(res.stderr, rf"^beamscope-ctl: 3 frames dropped from {server.endpoint}: ")
        self.assertIn(reason, res.stderr)
        self.assertNotIn("is the agent", res.stderr)
        self.assertNotIn("no answer", res.stderr)
        # Fails once the server has shown it only sends what we drop, not at the timeout.
        self.assertLess(res.seconds, TIMEOUT_MS / 1000 - 1.5, res)

    def test_wrong_major_version(self):
        self.check("wrong-major", "wrong major version 2 (this build reads 1)")

    def test_garbage(self):
        self.check("garbage", "malformed (not a beamscope frame)")


if __name__ == "__main__":
    main()

"""Secure remote viewing: a real node whose agent streams with CURVE keys,
real beamscope-ctl viewers (authorized, plaintext, unlisted key, wrong
server key), refusals counted on /metrics, live revocation, start failures
for unsafe settings, and a collector with keys on both hops.

  test_secure_stream.py --build-dir BUILD
"""

import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from collector_proc import Collector  # noqa: E402
from e2e_checks import build_dir_from_argv  # noqa: E402
from nodes import DemoNode, free_port, wait_for  # noqa: E402
from probes import run_ctl, samples, scrape  # noqa: E402

BUILD = None
TIMEOUT_MS = 4000


def keygen(build_dir, path):
    res = run_ctl(build_dir, ["keygen", path])
    if res.rc != 0:
        raise RuntimeError(f"keygen {path}: {res!r}")
    with open(path + ".pub") as f:
        return f.read().strip()


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def ctl(endpoint, *args, server_key=None, key=None, timeout_ms=TIMEOUT_MS):
    cmd = ["--connect", endpoint, "--timeout-ms", str(timeout_ms)]
    if server_key:
        cmd += ["--server-public-key", server_key]
    if key:
        cmd += ["--key", key]
    return run_ctl(BUILD, cmd + list(args), timeout=timeout_ms / 1000 + 20)


def auth_failures(metrics_text, reason):
    found = [v for labels, v in samples(metrics_text, "beamscope_stream_auth_failures_total")
             if labels.get("reason") == reason]
    return found[0] if found else None


class SecureAgent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="bs_curve_")
        d = lambda name: os.path.join(cls.dir, name)  # noqa: E731
        cls.paths = {"agent": d("agent"), "me": d("me"), "stranger": d("stranger"), "other": d("other")}
        cls.keys = {name: keygen(BUILD, path) for name, path in cls.paths.items()}
        cls.authorized = d("authorized_keys")
        write(cls.authorized, f"# team\n{cls.keys['me']} me@desk\n")
        cls.node = DemoNode(BUILD, agent_env={
            "stream_secret_key_file": cls.paths["agent"] + ".secret",
            "stream_authorized_keys_file": cls.authorized})
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def as_me(self, *args):
        return ctl(self.node.stream_endpoint, *args, server_key=self.paths["agent"] + ".pub",
                   key=self.paths["me"] + ".secret")

    def test_1_authorized_viewer_reads_the_node(self):
        def overview():
            res = self.as_me("overview", "--json")
            return res if res.rc == 0 else None
        res = wait_for(overview, 30, interval=0.5, what="an authorized overview")
        import json
        doc = json.loads(res.stdout)
        truth = self.node.process_count()
        self.assertLessEqual(abs(doc["process_count"] - truth), max(50, truth // 20), doc)
        text = scrape(self.node.metrics_url)
        self.assertEqual([v for _, v in samples(text, "beamscope_stream_encrypted")], [1.0])

    def test_2_refused_viewers_exit_1_with_a_plain_message_and_are_counted(self):
        endpoint = self.node.stream_endpoint
        before = scrape(self.node.metrics_url)
        cases = {
            "plaintext": ctl(endpoint, "overview", "--json"),
            "unlisted": ctl(endpoint, "overview", "--json", server_key=self.paths["agent"] + ".pub",
                            key=self.paths["stranger"] + ".secret"),
            "wrong server key": ctl(endpoint, "overview", "--json", server_key=self.paths["other"] + ".pub",
                                    key=self.paths["me"] + ".secret"),
        }
        for what, res in cases.items():
            with self.subTest(what):
                self.assertEqual(res.rc, 1, res)
                self.assertIn(f"not authorized by {endpoint}", res.stderr)
                self.assertNotIn("is the agent", res.stderr)
                self.assertLess(res.seconds, TIMEOUT_MS / 1000 + 2, res)
        self.assertIn("is your public key in its authorized keys file?", cases["unlisted"].stderr)
        self.assertIn("requires CURVE keys", cases["plaintext"].stderr)
        b_key = auth_failures(before, "unauthorized_key") or 0
        b_hs = auth_failures(before, "handshake") or 0

        def counted():
            text = scrape(self.node.metrics_url)
            return (auth_failures(text, "unauthorized_key") or 0) >= b_key + 1 and \
                (auth_failures(text, "handshake") or 0) >= b_hs + 2
        wait_for(counted, 10, what="refusals counted on /metrics")
        # Logged in the node's log with the key's first 8 characters.
        wait_for(lambda: self.keys["stranger"][:8] in self.node.log_tail(400), 10,
                 what="the refused key in the node's log")

    def test_3_revoking_a_key_stops_new_connections_without_a_restart(self):
        pid_before = self.node.eval("whereis(beamscope_sampler)")
        write(self.authorized, "# me revoked\n")

        def refused():
            res = self.as_me("overview", "--json")
            return res.rc == 1 and "not authorized" in res.stderr
        t0 = time.monotonic()
        wait_for(refused, 10, interval=0.2, what="the revoked key to be refused")
        print(f"revocation took effect within {time.monotonic() - t0:.1f} s")
        write(self.authorized, f"{self.keys['me']}\n")
        wait_for(lambda: self.as_me("overview", "--json").rc == 0, 10, interval=0.2, what="the key back in")
        self.assertEqual(self.node.eval("whereis(beamscope_sampler)"), pid_before, "nothing was restarted")

    def test_4_collector_refused_at_first_recovers_when_its_key_is_added(self):
        """The collector starts before the agent lists its key: the link shows
        refused, and a few seconds after the key is added it streams (libzmq
        does not reconnect a refused handshake: the collector makes a new
        socket, 1 s after the refusal, then 2 s, 4 s ...)."""
        coll_key = os.path.join(self.dir, "collector")
        keygen(BUILD, coll_key)
        with open(coll_key + ".pub") as f:
            coll_pub = f.read().strip()
        viewers = os.path.join(self.dir, "collector_viewers")
        write(viewers, f"{self.keys['me']}\n")
        agent_link = f"{self.node.stream_endpoint},server-key={self.paths['agent']}.pub"
        coll = Collector(BUILD, [agent_link],
                         extra_args=["--key", coll_key + ".secret", "--secret-key", coll_key + ".secret",
                                     "--authorized-keys", viewers])

        def link_refused():
            found = samples(scrape(coll.metrics_url), "beamscope_collector_agent_refused")
            return found[0][1] if found else None

        def through():
            res = ctl(coll.listen, "overview", "--json", server_key=coll_key + ".pub",
                      key=self.paths["me"] + ".secret")
            return res if res.rc == 0 else None
        try:
            wait_for(lambda: link_refused() == 1, 15, what="the collector's link to show refused")
            # Logged by the collector's once-a-second link check.
            wait_for(lambda: "not authorized by" in coll.log_text(), 5, what="the refusal in the collector's log")
            write(self.authorized, f"{self.keys['me']}\n{coll_pub} collector\n")
            t0 = time.monotonic()
            try:
                res = wait_for(through, 10, interval=0.2, what="an overview through the collector")
            except TimeoutError as e:
                raise AssertionError(f"{e}\n--- collector log ---\n{coll.log_text()}") from None
            print(f"collector recovered {time.monotonic() - t0:.1f} s after its key was added")
            import json
            doc = json.loads(res.stdout)
            self.assertEqual(doc["node"], self.node.node_name, doc)
            truth = self.node.process_count()
            self.assertLessEqual(abs(doc["process_count"] - truth), max(50, truth // 20), doc)
            self.assertEqual(link_refused(), 0)
            plain = ctl(coll.listen, "overview", "--json")
            self.assertEqual(plain.rc, 1, plain)
            self.assertIn("not authorized by", plain.stderr)
            # The collector's own refusals are on its /metrics.
            wait_for(lambda: any(v >= 1 for labels, v in samples(
                scrape(coll.metrics_url), "beamscope_collector_viewer_auth_failures_total")
                if labels.get("reason") == "handshake"), 10, what="collector refusal counted")
        finally:
            coll.stop()


class UnsafeStarts(unittest.TestCase):
    """The agent's start fails clearly for unsafe or broken key settings."""

    def start_with(self, env):
        node = DemoNode(BUILD, start_demo=False, agent_env=env)
        node.start()
        try:
            return node.start_agent(), node.log_tail(200)
        finally:
            node.stop()

    def test_plaintext_off_loopback_is_refused_unless_insecure(self):
        port = free_port()
        result, _ = self.start_with({"stream_endpoint": f"tcp://0.0.0.0:{port}"})
        self.assertIn("error", result)
        self.assertIn("reachable from other machines", result)
        self.assertIn("stream_insecure_remote", result)
        result, log = self.start_with({"stream_endpoint": f"tcp://0.0.0.0:{free_port()}",
                                       "stream_insecure_remote": True})
        self.assertTrue(result.startswith("{ok,"), result)
        self.assertIn("PLAINTEXT", log)

    def test_bad_key_files_are_refused_with_file_and_line(self):
        d = tempfile.mkdtemp(prefix="bs_badkeys_")
        keygen(BUILD, os.path.join(d, "agent"))
        secret = os.path.join(d, "agent.secret")
        os.chmod(secret, 0o644)
        result, _ = self.start_with({"stream_secret_key_file": secret})
        self.assertIn("0644 are too open", result)
        short = os.path.join(d, "short.secret")
        write(short, "# mine\nabc\n", 0o600)
        result, _ = self.start_with({"stream_secret_key_file": short})
        self.assertIn("short.secret:2:", result)
        result, _ = self.start_with({"stream_secret_key_file": os.path.join(d, "missing.secret")})
        self.assertIn("missing.secret", result)
        os.chmod(secret, 0o600)
        bad_auth = os.path.join(d, "authorized")
        write(bad_auth, "not-a-key\n")
        result, _ = self.start_with({"stream_secret_key_file": secret, "stream_authorized_keys_file": bad_auth})
        self.assertIn("authorized:1:", result)


if __name__ == "__main__":
    BUILD = build_dir_from_argv()
    unittest.main(argv=[sys.argv[0]], verbosity=2)

"""beamscope-ctl attach/detach against a plain `erl` node that has no
beamscope in its code path: endpoints answer, the process count matches
the node, detach restores everything the node had, and every error case
exits non-zero quickly with a message that says which it was."""

import os
import shutil
import tempfile
import time
import unittest

from attach_support import (PlainNode, build_dir_from_argv, ctl_attach, ctl_detach, ctl_json, free_port,
                            main, parse_json, port_free, samples, scrape, wait_for, within)

BUILD_DIR = build_dir_from_argv()
AGENT_DIR = os.path.join(BUILD_DIR, "erlang", "beamscope")


class AttachDetach(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = PlainNode(BUILD_DIR).start()
        cls.holder = cls.node.spawn_idle(5000)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def setUp(self):
        self.stream_port, self.metrics_port = free_port(), free_port()
        while self.metrics_port == self.stream_port:
            self.metrics_port = free_port()

    def attach(self, *extra, **kw):
        return ctl_attach(BUILD_DIR, self.node, "--stream", f"tcp://127.0.0.1:{self.stream_port}",
                          "--metrics", f"127.0.0.1:{self.metrics_port}", *extra, **kw)

    def assert_untouched(self, before):
        """The node is as `before` (footprint()), waiting briefly for sockets to close."""
        wait_for(lambda: self.node.footprint() == before, 10, what="the node's footprint to return to its baseline")

    def test_attach_serves_then_detach_leaves_nothing(self):
        before = self.node.footprint()
        self.assertNotIn("beamscope_app", before["text"])
        for round_ in range(2):  # a second attach after detach works the same
            res = self.attach("--json")
            info = parse_json(res)
            self.assertEqual(info["stream"], f"tcp://127.0.0.1:{self.stream_port}")
            self.assertEqual(info["metrics"], f"http://127.0.0.1:{self.metrics_port}/metrics")
            self.assertEqual(info["node"], self.node.node_name)
            overview = wait_for(lambda: ctl_json(BUILD_DIR, info["stream"], "overview"), 20,
                                what="the attached agent's stream")
            truth = self.node.process_count()
            self.assertTrue(within(overview["process_count"], truth, 0.01),
                            f"round {round_}: ctl says {overview['process_count']}, node says {truth}")
            text = wait_for(lambda: scrape(info["metrics"]), 10, what="/metrics")
            (_, scraped), = samples(text, "erlang_vm_process_count")
            self.assertTrue(within(scraped, self.node.process_count(), 0.01))
            # The beams run from the bytes ctl sent, not from the node's release.
            which = self.node.eval("code:which(beamscope_sampler)")
            self.assertIn(os.path.join(AGENT_DIR, "ebin"), which)

            out = parse_json(ctl_detach(BUILD_DIR, self.node, "--json"))
            self.assertEqual(out["left"], [], out)
            self.assertTrue(out["detached"])
            self.assertGreaterEqual(out["modules_unloaded"], 8)
            self.assert_untouched(before)
            self.assertTrue(port_free(self.stream_port) and port_free(self.metrics_port))
            self.assertTrue(self.node.alive())

    def test_second_attach_reports_and_changes_nothing(self):
        parse_json(self.attach("--json"))
        try:
            sup = self.node.eval("whereis(beamscope_sup)")
            t0 = time.monotonic()
            res = ctl_attach(BUILD_DIR, self.node)
            self.assertEqual(res.rc, 3, res)
            self.assertLess(time.monotonic() - t0, 10)
            self.assertIn("already running", res.stderr)
            self.assertEqual(self.node.eval("whereis(beamscope_sup)"), sup)
            self.assertTrue(port_free(self.stream_port) is False)
        finally:
            parse_json(ctl_detach(BUILD_DIR, self.node, "--json"))

    def test_detach_without_agent_says_so(self):
        res = ctl_detach(BUILD_DIR, self.node)
        self.assertEqual(res.rc, 3, res)
        self.assertIn("not loaded", res.stderr)

    def test_start_failure_rolls_back(self):
        before = self.node.footprint()
        import socket
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            res = ctl_attach(BUILD_DIR, self.node, "--stream", f"tcp://127.0.0.1:{busy.getsockname()[1]}",
                             "--metrics", f"127.0.0.1:{self.metrics_port}")
        self.assertEqual(res.rc, 1, res)
        self.assertIn("did not start", res.stderr)
        self.assertIn("Address already in use", res.stderr)
        self.assert_untouched(before)

    def test_wrong_cookie(self):
        before = self.node.footprint()
        res = self.attach(cookie="not-the-cookie")
        self.assertNotEqual(res.rc, 0)
        self.assertLess(res.seconds, 10)
        self.assertIn("wrong cookie", res.stderr)
        self.assert_untouched(before)

    def test_cookie_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".cookie") as f:
            f.write(self.node.cookie + "\n")
            f.flush()
            from probes import run_ctl
            res = run_ctl(BUILD_DIR, ["attach", "--node", self.node.node_name, "--cookie-file", f.name,
                                      "--stream", f"tcp://127.0.0.1:{self.stream_port}",
                                      "--metrics", f"127.0.0.1:{self.metrics_port}"])
        self.assertEqual(res.rc, 0, res)
        parse_json(ctl_detach(BUILD_DIR, self.node, "--json"))

    def test_node_not_running(self):
        from probes import run_ctl
        res = run_ctl(BUILD_DIR, ["attach", "--node", "bsattach_nobody_here", "--cookie", "x"])
        self.assertEqual(res.rc, 1, res)
        self.assertLess(res.seconds, 10)
        self.assertIn("is not running", res.stderr)

    def test_epmd_not_running(self):
        # A port where no epmd listens stands for a host with no epmd at all
        # (the shared epmd of this machine is not ours to stop).
        res = self.attach(env={"ERL_EPMD_PORT": str(free_port())})
        self.assertEqual(res.rc, 1, res)
        self.assertLess(res.seconds, 10)
        self.assertIn("epmd is not running", res.stderr)

    def copied_agent(self):
        tmp = tempfile.mkdtemp(prefix="bsagent_")
        self.addCleanup(shutil.rmtree, tmp, True)
        dst = os.path.join(tmp, "beamscope")
        shutil.copytree(AGENT_DIR, dst)
        return dst

    def test_otp_release_mismatch(self):
        agent = self.copied_agent()
        with open(os.path.join(agent, "priv", "beamscope_build.eterm"), "w") as f:
            f.write('{otp_release, "24"}.\n')
        before = self.node.footprint()
        res = self.attach("--agent-dir", agent)
        self.assertEqual(res.rc, 1, res)
        self.assertIn("built for OTP 24", res.stderr)
        self.assert_untouched(before)

    def test_nif_cannot_load(self):
        agent = self.copied_agent()
        with open(os.path.join(agent, "priv", "beamscope_nif.so"), "wb") as f:
            f.write(b"this is not an ELF file")
        before = self.node.footprint()
        res = self.attach("--agent-dir", agent)
        self.assertEqual(res.rc, 1, res)
        self.assertIn("NIF", res.stderr)
        self.assertIn("cannot be loaded", res.stderr)
        self.assert_untouched(before)

    def test_nif_missing(self):
        agent = self.copied_agent()
        os.remove(os.path.join(agent, "priv", "beamscope_nif.so"))
        before = self.node.footprint()
        res = self.attach("--agent-dir", agent)
        self.assertEqual(res.rc, 1, res)
        self.assertIn("cannot read", res.stderr)
        self.assertIn("enoent", res.stderr)
        self.assert_untouched(before)


if __name__ == "__main__":
    main()

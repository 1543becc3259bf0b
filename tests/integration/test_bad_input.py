"""Bad input: ctl against nothing, ctl with malformed endpoints, and the
agent started on ports already in use (its start fails with a clear error,
the host node keeps running, and the agent starts once the port is free)."""

import socket
import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, free_port, wait_for
from probes import ctl_json, run_ctl

BUILD_DIR = build_dir_from_argv()


class CtlBadInput(unittest.TestCase):
    def test_unreachable_endpoint_fails_fast_with_a_message(self):
        endpoint = f"tcp://127.0.0.1:{free_port()}"
        for timeout_ms in ("1000", None):  # explicit, and the 3000 ms default
            args = ["--connect", endpoint] + (["--timeout-ms", timeout_ms] if timeout_ms else [])
            res = run_ctl(BUILD_DIR, args + ["overview", "--json"], timeout=15)
            self.assertNotEqual(res.rc, 0, res)
            self.assertLess(res.seconds, 5.0, res)
            self.assertIn(f"no answer from {endpoint}", res.stderr)
            self.assertIn("is the agent", res.stderr)
            self.assertEqual(res.stdout, "")
            MEASURED[f"ctl_unreachable_{timeout_ms or 'default'}_ms_exit_s"] = round(res.seconds, 2)

    def test_malformed_endpoints_exit_2(self):
        for bad in ("127.0.0.1:9755", "tcp://127.0.0.1", "tcp://127.0.0.1:70000", "tcp://127.0.0.1:*",
                    "udp://127.0.0.1:9755", ""):
            with self.subTest(endpoint=bad):
                res = run_ctl(BUILD_DIR, ["--connect", bad, "top", "--by", "mailbox", "--json"], timeout=10)
                self.assertEqual(res.rc, 2, res)
                self.assertIn("endpoint", res.stderr)
                self.assertLess(res.seconds, 2.0, res)

    def test_bad_arguments_exit_2(self):
        for args in (["overview"], ["--connect", "tcp://127.0.0.1:1", "top", "--by", "colour"],
                     ["--connect", "tcp://127.0.0.1:1", "top", "--limit", "0"],
                     ["--connect", "tcp://127.0.0.1:1"]):
            with self.subTest(args=args):
                self.assertEqual(run_ctl(BUILD_DIR, args, timeout=10).rc, 2)


class AgentPortInUse(unittest.TestCase):
    def _occupied_port(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.addCleanup(s.close)
        return s, s.getsockname()[1]

    def _check_refused_then_recovers(self, node, blocker, needle):
        with node:
            node.start()
            result = node.start_agent()
            self.assertTrue(result.startswith("{error,"), f"agent started on a used port: {result}")
            MEASURED[f"start_error_{needle}"] = result[:300]
            log = node.log_tail(200)
            self.assertTrue(needle in result or needle in log,
                            f"no clear error naming {needle!r}:\n{result}\n--- log ---\n{log}")
            # The host node is untouched: it still evaluates and runs its apps.
            self.assertEqual(node.eval("1 + 1"), "2")
            self.assertTrue(node.alive())
            # Once the port is free the same node starts the agent and serves.
            blocker.close()
            self.assertTrue(node.start_agent().startswith("{ok,"), node.log_tail())
            doc = wait_for(lambda: ctl_json(BUILD_DIR, node.stream_endpoint, "overview", timeout_ms=2000),
                           30, interval=0.5, what="ctl overview after the port was freed")
            self.assertEqual(doc["node"], node.node_name)

    def test_stream_port_in_use(self):
        blocker, port = self._occupied_port()
        node = DemoNode(BUILD_DIR, start_demo=False, stream_port=port)
        self._check_refused_then_recovers(node, blocker, f"127.0.0.1:{port}")

    def test_metrics_port_in_use(self):
        blocker, port = self._occupied_port()
        node = DemoNode(BUILD_DIR, start_demo=False, metrics_port=port)
        self._check_refused_then_recovers(node, blocker, f"127.0.0.1:{port}")


if __name__ == "__main__":
    main()

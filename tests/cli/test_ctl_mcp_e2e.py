"""`beamscope-ctl mcp` driven over a pipe as an MCP client drives it,
against a real demo node with the agent:

  - initialize (the protocol version echoed, the tools capability),
    notifications/initialized (no answer), ping;
  - tools/list: overview, top, tree, events, children, alerts, ps, proc,
    history, each with an object schema, all read-only; with
    --allow-actions also gc, kill, suspend, resume (destructive), which the
    agent still refuses unless its allow_actions names them;
  - tools/call of each: the result's structuredContent is the document
    `beamscope-ctl <query> --json` prints (same keys; overview's
    process_count the node's own, within 3), its text the same JSON;
    children pages the demo pool's supervisor; ps pages every process in
    the order asked (the same rows as ctl ps); proc answers the detail of a
    registered process (its pid and name the node's own); history a series
    of the agent's ring;
  - malformed JSON-RPC, each answered with the spec's code and the server
    still answering after: not JSON (-32700), a line over 1 MiB (-32700),
    a batch and a wrong jsonrpc (-32600), an unknown method (-32601), an
    unknown tool and params not an object (-32602); a bad argument value is
    a tool error (isError) naming the argument;
  - an endpoint with no agent: a tool error saying there is no answer;
  - end of input: exit 0.

  test_ctl_mcp_e2e.py --build-dir BUILD
"""

import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from e2e_checks import MEASURED, build_dir_from_argv, main  # noqa: E402
from nodes import DemoNode, free_port, wait_for  # noqa: E402
from probes import ctl_json, ctl_path, run_ctl  # noqa: E402

BUILD_DIR = build_dir_from_argv()
TOOLS = {"overview", "top", "tree", "events", "children", "alerts", "ps", "proc", "history", "history_log"}
ACTIONS = {"gc", "kill", "suspend", "resume"}
POOL = "beamscope_demo/beamscope_demo_sup/beamscope_demo_pool_top_sup/beamscope_demo_pool_sup"


class McpClient:
    """The server on a pipe: one JSON line out, one line back (or none)."""

    def __init__(self, endpoint, timeout_ms=3000, mcp_args=()):
        self.proc = subprocess.Popen([ctl_path(BUILD_DIR), "--connect", endpoint, "--timeout-ms", str(timeout_ms),
                                      "mcp", *mcp_args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.next_id = 1

    def send_line(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"server closed stdout (exit {self.proc.poll()}): {self.proc.stderr.read()}")
        return json.loads(line)

    def raw(self, line):
        self.send_line(line)
        return self.read()

    def request(self, method, params=None):
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.next_id += 1
        answer = self.raw(json.dumps(msg))
        assert answer.get("id") == msg["id"], answer
        return answer

    def call(self, name, **arguments):
        answer = self.request("tools/call", {"name": name, "arguments": arguments})
        assert "result" in answer, answer
        return answer["result"]

    def close(self):
        self.proc.stdin.close()
        rc = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc


class CtlMcp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR, demo_env={"crash_interval_ms": 0, "pool_size": 50}, name_prefix="ctlmcp")
        cls.node.start()
        # The pager knows supervisor ids from the agent's first published walk.
        wait_for(lambda: run_ctl(BUILD_DIR, ["--connect", cls.node.stream_endpoint, "children", POOL, "--limit",
                                             "1"]).rc == 0, 20, interval=0.3, what="the agent's first walk")
        # The demo's pool fills after the walk: the overview (a tick behind)
        # and ps (over the agent's last sweep) are compared with the node's
        # count once the node has stopped growing and a sweep has seen it.
        def settled():
            count = cls.node.process_count()
            ep = cls.node.stream_endpoint
            return abs(ctl_json(BUILD_DIR, ep, "overview")["process_count"] - count) <= 3 and \
                abs(ctl_json(BUILD_DIR, ep, "ps", "--limit", "1")["total"] - count) <= 5
        wait_for(settled, 20, interval=0.5, what="the node's processes settled and swept")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def setUp(self):
        self.client = McpClient(self.node.stream_endpoint)
        init = self.client.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                                  "clientInfo": {"name": "test", "version": "1"}})
        self.assertEqual(init["result"]["protocolVersion"], "2025-06-18")
        self.assertIn("tools", init["result"]["capabilities"])
        self.assertEqual(init["result"]["serverInfo"]["name"], "beamscope-ctl")
        self.client.send_line(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))

    def tearDown(self):
        if self.client.proc.poll() is None:
            self.assertEqual(self.client.close(), 0)

    def test_tools_list_and_calls_match_ctl_json(self):
        c = self.client
        self.assertEqual(c.request("ping")["result"], {})  # also: the notification got no answer
        tools = c.request("tools/list")["result"]["tools"]
        self.assertEqual({t["name"] for t in tools}, TOOLS)
        for t in tools:
            self.assertEqual(t["inputSchema"]["type"], "object", t)
            self.assertTrue(t["annotations"]["readOnlyHint"], t)
            self.assertTrue(t["description"], t)

        t0 = time.monotonic()
        overview = c.call("overview")
        MEASURED["mcp_overview_call_s"] = round(time.monotonic() - t0, 3)
        self.assertFalse(overview["isError"], overview)
        doc = overview["structuredContent"]
        self.assertEqual(json.loads(overview["content"][0]["text"]), doc)
        self.assertEqual(doc["node"], self.node.node_name)
        self.assertLessEqual(abs(doc["process_count"] - self.node.process_count()), 3)
        self.assertEqual(set(doc), set(ctl_json(BUILD_DIR, self.node.stream_endpoint, "overview")))

        top = c.call("top", by="memory", limit=3)["structuredContent"]
        self.assertEqual((top["by"], top["limit"]), ("memory", 3))
        self.assertLessEqual(len(top["processes"]), 3)
        self.assertEqual(set(top), set(ctl_json(BUILD_DIR, self.node.stream_endpoint, "top", "--by", "memory",
                                                 "--limit", "3")))

        tree = c.call("tree")["structuredContent"]
        self.assertEqual(set(tree), set(ctl_json(BUILD_DIR, self.node.stream_endpoint, "tree")))
        self.assertGreater(tree["entries"], 0)

        events = c.call("events", limit=5)["structuredContent"]
        self.assertLessEqual(len(events["events"]), 5)

        page = c.call("children", supervisor_id=POOL, by="supervisor", limit=20)
        self.assertFalse(page["isError"], page)
        kids = page["structuredContent"]
        self.assertEqual((kids["supervisor_id"], kids["total"], len(kids["children"])), (POOL, 50, 20))
        refused = c.call("children", supervisor_id="no/such/supervisor")
        self.assertTrue(refused["isError"], refused)

        alerts = c.call("alerts")
        self.assertFalse(alerts["isError"], alerts)
        self.assertEqual(set(alerts["structuredContent"]),
                         set(ctl_json(BUILD_DIR, self.node.stream_endpoint, "alerts")))

        # ps: every process, in the order asked; the rows ctl ps gives.
        ps = c.call("ps", by="memory", limit=50)
        self.assertFalse(ps["isError"], ps)
        doc = ps["structuredContent"]
        self.assertEqual((doc["sort"], doc["limit"], len(doc["processes"])), ("memory", 50, 50))
        self.assertLessEqual(abs(doc["total"] - self.node.process_count()), 5)
        mem = [r["memory_bytes"] for r in doc["processes"]]
        self.assertEqual(mem, sorted(mem, reverse=True))
        named = c.call("ps", filter="beamscope_demo", limit=1000)["structuredContent"]
        self.assertGreater(named["total"], 0, named)
        self.assertTrue(all("beamscope_demo" in (r["name"] + r["initial_call"]) for r in named["processes"]), named)
        self.assertEqual(set(doc), set(ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", "memory")))
        asc = c.call("ps", by="memory", limit=5, ascending=True)["structuredContent"]
        self.assertTrue(asc["ascending"], asc)
        self.assertTrue(c.call("ps", ascending="yes")["isError"])

        # proc: the detail of a registered process, its pid the node's own.
        pid = self.node.eval("whereis(beamscope_demo_sup)").strip()
        detail = c.call("proc", pid=pid)
        self.assertFalse(detail["isError"], detail)
        self.assertEqual(detail["structuredContent"]["pid"], pid)
        self.assertEqual(detail["structuredContent"]["registered_name"], "beamscope_demo_sup")
        gone = c.call("proc", pid="<0.99999.0>")
        self.assertTrue(gone["isError"], gone)
        self.assertTrue(c.call("proc", pid="not a pid")["isError"])

        # history: the agent's ring of a series, newest last.
        hist = c.call("history", series="process_count", since="60s")
        self.assertFalse(hist["isError"], hist)
        hdoc = hist["structuredContent"]
        self.assertEqual(set(hdoc), set(ctl_json(BUILD_DIR, self.node.stream_endpoint, "history", "--series",
                                                 "process_count", "--since", "60s")))
        self.assertIn("soon: expected a duration", c.call("history", series="process_count", since="soon")["content"][0]["text"])
        self.assertTrue(c.call("history", series="colour")["isError"])
        # history_log: an agent keeps no log, and says where to ask.
        log = c.call("history_log", log="alerts", since="1h")
        self.assertTrue(log["isError"], log)
        self.assertIn("ask a collector", log["content"][0]["text"])
        bad = c.call("history_log", log="colours")
        self.assertTrue(bad["isError"], bad)
        self.assertIn('must be one of ["alerts","tree_changes"]', bad["content"][0]["text"])

    def test_malformed_json_rpc_gets_spec_errors(self):
        c = self.client
        cases = [
            ("{not json", -32700, None),
            ("[]", -32600, None),
            ('[{"jsonrpc":"2.0","id":1,"method":"ping"}]', -32600, None),
            ('"ping"', -32600, None),
            ('{"jsonrpc":"1.0","id":5,"method":"ping"}', -32600, 5),
            ('{"jsonrpc":"2.0","id":6}', -32600, 6),
            ('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', -32600, None),
            ('{"jsonrpc":"2.0","id":7,"method":"resources/read"}', -32601, 7),
            ('{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"kill"}}', -32602, 8),
            ('{"jsonrpc":"2.0","id":9,"method":"tools/call","params":[1]}', -32602, 9),
            ('{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"top","arguments":"x"}}', -32602, 10),
            ('{"jsonrpc":"2.0","id":11,"method":"initialize","params":{}}', -32602, 11),
            ("x" * ((1 << 20) + 10), -32700, None),
        ]
        for line, code, rid in cases:
            answer = c.raw(line)
            self.assertEqual(answer.get("jsonrpc"), "2.0", line[:80])
            self.assertEqual(answer["error"]["code"], code, (line[:80], answer))
            self.assertEqual(answer["id"], rid, line[:80])
            self.assertEqual(c.request("ping")["result"], {}, f"no answer after {line[:80]}")
        # A response or a notification of any method is not answered: the
        # next answer is the ping's.
        c.send_line('{"jsonrpc":"2.0","id":99,"result":{}}')
        c.send_line('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}')
        self.assertEqual(c.request("ping")["result"], {})

        bad = c.call("top", limit="ten")
        self.assertTrue(bad["isError"])
        self.assertIn("limit", bad["content"][0]["text"])
        self.assertTrue(c.call("top", by="age")["isError"])
        self.assertTrue(c.call("overview", pid="<0.1.0>")["isError"])
        self.assertIn("supervisor_id", c.call("children")["content"][0]["text"])


class CtlMcpNoAgent(unittest.TestCase):
    def test_no_agent_is_a_tool_error_and_actions_stay_hidden(self):
        client = McpClient(f"tcp://127.0.0.1:{free_port()}", timeout_ms=300, mcp_args=["--allow-actions"])
        try:
            client.request("initialize", {"protocolVersion": "2024-11-05", "capabilities": {},
                                          "clientInfo": {"name": "t", "version": "1"}})
            tools = client.request("tools/list")["result"]["tools"]
            self.assertEqual({t["name"] for t in tools}, TOOLS | ACTIONS)
            for t in tools:
                self.assertEqual(t["annotations"]["destructiveHint"], t["name"] in ACTIONS, t)
            result = client.call("overview")
            self.assertTrue(result["isError"])
            self.assertIn("no answer", result["content"][0]["text"])
        finally:
            self.assertEqual(client.close(), 0)


if __name__ == "__main__":
    main()

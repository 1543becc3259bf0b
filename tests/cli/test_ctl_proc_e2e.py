"""beamscope-ctl `proc` (one process in detail) and the actions (gc, kill,
suspend, resume, state, messages; protocol 1.3) against a real demo node
running the agent: the detail equals process_info read in the node; a
process holding 1,000,000 messages is never asked for `memory` or
`messages` by anyone in the node while its detail comes back (every
process_info/2 call on it traced node-wide) and the guard counter shows
it; every action is refused by default naming the setting, directly and
through a collector; once allowed they work, and each use is in the
node's log with the viewer.

  test_ctl_proc_e2e.py --build-dir BUILD
"""

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from collector_proc import Collector  # noqa: E402
from e2e_checks import MEASURED, build_dir_from_argv, main  # noqa: E402
from nodes import DemoNode, to_erl, wait_for  # noqa: E402
from probes import ctl_json, run_ctl  # noqa: E402

BUILD_DIR = build_dir_from_argv()
BURST = 1_000_000
ALL_ACTIONS = ["gc", "kill", "suspend", "state", "messages"]


def load_probe(node):
    src = os.path.join(HERE, "beamscope_ps_probe.erl")
    node.eval(f"{{ok, M, B}} = compile:file({to_erl(src)}, [binary, report]), "
              f"{{module, M}} = code:load_binary(M, {to_erl(src)}, B), ok", timeout=60)


class CtlProc(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR, demo_env={"crash_interval_ms": 0}, name_prefix="ctlproc")
        cls.node.start()
        load_probe(cls.node)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def ctl(self, *args, endpoint=None, timeout_ms=10000):
        return run_ctl(BUILD_DIR, ["--connect", endpoint or self.node.stream_endpoint, "--timeout-ms",
                                   str(timeout_ms), *args])

    def spawn_holder(self, messages=0):
        pid = self.node.eval("begin P = spawn(beamscope_ps_probe, hold, [5, self()]), "
                             "receive {ready, P} -> ok end, "
                             f"[P ! {{fill, K}} || K <- lists:seq(1, {messages})], P end").strip()
        return pid

    def test_1_detail_equals_process_info(self):
        pid = self.node.eval("beamscope_ps_probe:subject()").strip()
        doc = json.loads(self.ctl("proc", pid, "--json").stdout)
        truth = dict(line.split("=", 1) for line in
                     json.loads(self.node.eval(f"beamscope_ps_probe:subject_truth(list_to_pid({to_erl(pid)}))"))
                     .splitlines())
        self.assertEqual(doc["pid"], pid)
        self.assertEqual(doc["registered_name"], "beamscope_ps_subject")
        for key in ("status", "priority", "message_queue_data", "group_leader"):
            self.assertEqual(doc[key], truth[key], key)
        self.assertEqual(str(doc["trap_exit"]).lower(), truth["trap_exit"])
        self.assertEqual(" ".join(sorted(doc["links"])), truth["links"])
        self.assertEqual(" ".join(sorted(doc["monitors"])), truth["monitors"])
        self.assertEqual(" ".join(sorted(doc["monitored_by"])), truth["monitored_by"])
        self.assertEqual((doc["links_total"], doc["monitors_total"], doc["monitored_by_total"]), (1, 1, 1))
        self.assertEqual(" ".join(f["function"] for f in doc["stacktrace"]), truth["stack"])
        self.assertEqual(" ".join(sorted(doc["dictionary_keys"])), truth["dictionary_keys"])
        self.assertNotIn("secret value", json.dumps(doc), "dictionary values are never sent")
        for key in ("heap_size", "stack_size", "total_heap_size"):
            self.assertEqual(doc[f"{key}_words"], int(truth[key]), key)
        self.assertEqual(doc["message_queue_len"], int(truth["message_queue_len"]))
        self.assertFalse(doc["memory_guarded"])
        self.assertGreater(doc["memory_bytes"], 0)
        self.assertIn("minor_gcs", doc["garbage_collection"])
        self.assertIn("heap_size", doc["garbage_collection_info"])
        self.assertEqual(doc["actions_allowed"], [])
        # A supervised worker: its place in the tree.
        crasher = self.node.eval("pid_to_list(whereis(beamscope_demo_crasher))").strip('"')
        # Once the agent's walk has seen it.
        w = wait_for(lambda: (lambda d: d if d["tree_id"] else None)(json.loads(self.ctl("proc", crasher, "--json").stdout)),
                     20, interval=0.5, what="the crasher in the agent's tree")
        self.assertTrue(w["tree_id"].endswith("/beamscope_demo_crasher"), w["tree_id"])
        self.assertEqual(w["application"], "beamscope_demo")
        self.assertEqual(w["initial_call"], "beamscope_demo_crasher:init/1")
        # Gone and malformed pids.
        res = self.ctl("proc", "<0.32000.3>")
        self.assertEqual(res.rc, 1, res)
        self.assertIn("no such process", res.stderr)
        res = self.ctl("proc", "list_to_atom")
        self.assertEqual(res.rc, 2, res)
        self.assertIn("not a pid", res.stderr)

    def test_2_million_messages_never_read(self):
        burster = self.node.eval("spawn(fun() -> receive stop -> ok end end)").strip()
        p = f"list_to_pid({to_erl(burster)})"
        t0 = time.monotonic()
        self.node.eval(f"beamscope_ps_probe:fill({p}, {BURST})", timeout=60)
        MEASURED["fill_1m_s"] = round(time.monotonic() - t0, 1)
        tracer = self.node.eval(f"beamscope_ps_probe:traced_calls(start, {p})").strip()
        try:
            guarded0 = self.node.eval_int("maps:get(detail_guarded, beamscope_inspect:stats(), 0)")
            t0 = time.monotonic()
            res = self.ctl("proc", burster, "--json")
            MEASURED["proc_1m_messages_s"] = round(time.monotonic() - t0, 2)
            self.assertEqual(res.rc, 0, res)
            doc = json.loads(res.stdout)
            self.assertGreaterEqual(doc["message_queue_len"], BURST)
            self.assertTrue(doc["memory_guarded"])
            self.assertIsNone(doc["memory_bytes"])
            self.assertLess(res.seconds, 3.0)
            # Two ticks: the hot sampler reads it too (top mailbox).
            time.sleep(2.5)
            calls = self.node.eval(f"beamscope_ps_probe:traced_calls(list_to_pid({to_erl(tracer)}), x)")
            self.assertIn("message_queue_len", calls, "the trace saw the detail's own read")
            self.assertNotIn("memory", calls)
            self.assertNotIn("messages", calls)
            self.assertEqual(self.node.eval_int("maps:get(detail_guarded, beamscope_inspect:stats(), 0)"),
                             guarded0 + 1)
        finally:
            self.node.eval(f"beamscope_ps_probe:trace_stop(list_to_pid({to_erl(tracer)}))")
            self.node.eval(f"exit({p}, kill)")

    def test_3_actions_refused_by_default_naming_the_setting(self):
        victim = self.spawn_holder(messages=10)
        collector = Collector(BUILD_DIR, [self.node.stream_endpoint])
        try:
            wait_for(lambda: self.ctl("overview", endpoint=collector.listen).rc == 0, 20,
                     what="the collector to serve the node")
            cases = [(["gc", victim], "gc"), (["kill", victim], "kill"), (["suspend", victim], "suspend"),
                     (["resume", victim], "suspend"), (["proc", victim, "--state"], "state"),
                     (["proc", victim, "--messages", "3"], "messages")]
            for args, setting in cases:
                for endpoint in (self.node.stream_endpoint, collector.listen):
                    res = self.ctl(*args, endpoint=endpoint)
                    self.assertEqual(res.rc, 1, (args, endpoint, res))
                    self.assertIn(f"add {setting} to the beamscope application env allow_actions", res.stderr)
            doc = json.loads(self.ctl("kill", victim, "--json", endpoint=collector.listen).stdout)
            self.assertEqual((doc["ok"], doc["refused"], doc["action"]), (False, True, "kill"))
            self.assertEqual(self.node.eval(f"is_process_alive(list_to_pid({to_erl(victim)}))"), "true")
            wait_for(lambda: f"action kill on {victim} asked by plaintext viewer" in self.node.log_tail(400), 5,
                     what="the refusal in the node's log")
            self.assertIn("refused (not in allow_actions)", self.node.log_tail(400))
        finally:
            collector.stop()
            self.node.eval(f"exit(list_to_pid({to_erl(victim)}), kill)")

    def test_4_allowed_actions_work_and_are_logged(self):
        self.node.eval("ok = application:stop(beamscope), "
                       f"application:set_env(beamscope, allow_actions, {to_erl([_a(a) for a in ALL_ACTIONS])}), "
                       "{ok, _} = application:ensure_all_started(beamscope), ok", timeout=30)
        wait_for(lambda: self.ctl("overview").rc == 0, 20, what="the restarted agent")
        victim = self.spawn_holder(messages=50)
        v = f"list_to_pid({to_erl(victim)})"
        wait_for(lambda: self.ctl("gc", victim).rc == 0, 10, what="gc served")
        self.assertEqual(self.node.eval(f"proplists:get_value(minor_gcs, element(2, process_info({v}, "
                                        "garbage_collection)))"), "0", "a full sweep resets minor_gcs")
        doc = json.loads(self.ctl("proc", victim, "--messages", "3", "--json").stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["messages"], ["{fill,1}", "{fill,2}", "{fill,3}"])
        self.assertEqual(doc["message_queue_len"], 50)
        self.assertEqual(self.ctl("suspend", victim).rc, 0)
        self.assertEqual(self.node.eval(f"element(2, process_info({v}, status))"), "suspended")
        self.assertEqual(self.ctl("resume", victim).rc, 0)
        self.assertEqual(self.node.eval(f"element(2, process_info({v}, status))"), "waiting")
        crasher = self.node.eval("pid_to_list(whereis(beamscope_demo_crasher))").strip('"')
        started = self.node.eval("maps:get(started_at, sys:get_state(beamscope_demo_crasher))")
        doc = json.loads(self.ctl("proc", crasher, "--state", "--json").stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["state"], f"#{{started_at => {started}}}")
        self.assertEqual(json.loads(self.ctl("proc", victim, "--json").stdout)["actions_allowed"],
                         ["gc", "kill", "messages", "resume", "state", "suspend"])
        # The messages guard holds even when messages are allowed.
        big = self.spawn_holder(messages=0)
        self.node.eval(f"beamscope_ps_probe:fill(list_to_pid({to_erl(big)}), 150000)", timeout=30)
        res = self.ctl("proc", big, "--messages", "1")
        self.assertEqual(res.rc, 1, res)
        self.assertIn("above mailbox_guard", res.stderr)
        # Kill through a collector: allowed here, so done.
        collector = Collector(BUILD_DIR, [self.node.stream_endpoint])
        try:
            wait_for(lambda: self.ctl("overview", endpoint=collector.listen).rc == 0, 20, what="the collector")
            self.assertEqual(self.ctl("kill", victim, endpoint=collector.listen).rc, 0)
        finally:
            collector.stop()
        wait_for(lambda: self.node.eval(f"is_process_alive({v})") == "false", 5, what="the victim killed")
        self.node.eval(f"exit(list_to_pid({to_erl(big)}), kill)")
        log = self.node.log_tail(400)
        for action in ("gc", "messages", "suspend", "resume", "state", "kill"):
            self.assertRegex(log, rf"action {action} on <[0-9.]+> asked by plaintext viewer [0-9A-F]+: done")


def _a(name):
    from nodes import Atom
    return Atom(name)


if __name__ == "__main__":
    main()

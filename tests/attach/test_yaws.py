"""Attach beamscope to a real server no one here wrote: Debian's yaws,
started as a node on loopback. Under bounded HTTP load the agent's tree
must hold yaws's application and supervisors exactly as a which_children
walk inside the node reports them, the process count must match within
1%, and detach must leave yaws serving and the node as it was."""

import os
import re
import tempfile
import threading
import time
import unittest
import urllib.request

from attach_support import (PlainNode, build_dir_from_argv, ctl_attach, ctl_detach, ctl_json, free_port,
                            main, parse_json, wait_for, within)

BUILD_DIR = build_dir_from_argv()
YAWS_EBIN = "/usr/lib/yaws/ebin"
REQUESTS = 2000      # bounded in count ...
LOAD_SECONDS = 30    # ... and in time
BODY = b"<html><body>beamscope yaws test</body></html>\n"

# Inside the node: the application's top supervisor and a which_children
# walk under it, one "PID KIND ID" string per supervised process.
WALK = (
    "{Bs_Top, _} = application_master:get_child(application_controller:get_master(yaws)), "
    "Bs_Walk = fun Walk(S) -> lists:flatmap(fun({Id, P, T, _}) when is_pid(P) -> "
    "  [lists:flatten(io_lib:format(\"~s ~s ~0tp\", [pid_to_list(P), T, Id])) "
    "   | case T of supervisor -> Walk(P); _ -> [] end]; (_) -> [] end, "
    "  supervisor:which_children(S)) end, "
    "[lists:flatten(io_lib:format(\"~s supervisor top\", [pid_to_list(Bs_Top)])) | Bs_Walk(Bs_Top)]"
)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def node_walk(node):
    """{pid: (kind, id text)} of every supervised process of yaws."""
    found = {}
    for item in _STRING.findall(node.eval(WALK)):
        pid, kind, ident = item.encode().decode("unicode_escape").split(" ", 2)
        found[pid] = (kind, ident)
    return found


def tree_entries(entry):
    yield entry
    for child in entry["children"]:
        yield from tree_entries(child)


def agent_walk(endpoint):
    """{pid: (kind, name)} of yaws's supervisors and workers in ctl tree --json."""
    doc = ctl_json(BUILD_DIR, endpoint, "tree")
    app = next((a for a in doc["applications"] if a["name"] == "yaws"), None)
    if app is None:
        return None
    return {e["pid"]: (e["kind"], e["name"]) for e in tree_entries(app)
            if e["kind"] in ("supervisor", "worker") and e["pid"]}


class YawsUnderLoad(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bsyaws_")
        docroot = os.path.join(cls.tmp, "www")
        logdir = os.path.join(cls.tmp, "logs")
        os.makedirs(docroot)
        os.makedirs(logdir)
        with open(os.path.join(docroot, "index.html"), "wb") as f:
            f.write(BODY)
        cls.http_port = free_port()
        boot = (f"case yaws:start_embedded(\"{docroot}\", "
                f"[{{port, {cls.http_port}}}, {{listen, {{127,0,0,1}}}}, {{servername, \"localhost\"}}], "
                f"[{{logdir, \"{logdir}\"}}, {{id, \"bsyaws_{os.getpid()}\"}}], \"bsyaws_{os.getpid()}\") of "
                f"ok -> {{ok, yaws}}; Bs_E -> Bs_E end")
        cls.node = PlainNode(BUILD_DIR, extra_args=["-pa", YAWS_EBIN], boot=boot, name_prefix="bsyaws").start()
        cls.url = f"http://127.0.0.1:{cls.http_port}/index.html"
        wait_for(lambda: cls.get() == BODY, 20, what="yaws to serve")
        # A bare yaws node has ~80 processes, where 1% is below the one
        # process our own probe adds; 5,000 idle ones stand for sessions.
        cls.holder = cls.node.spawn_idle(5000)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    @classmethod
    def get(cls):
        with urllib.request.urlopen(cls.url, timeout=5) as r:
            return r.read() if r.status == 200 else None

    def load(self, count, seconds, threads=4):
        """GETs `count` times from `threads` threads, stopping at `seconds`; returns (ok, failed)."""
        deadline = time.monotonic() + seconds
        results = {"ok": 0, "failed": 0}
        lock = threading.Lock()

        def worker(n):
            for _ in range(n):
                if time.monotonic() > deadline:
                    return
                try:
                    good = self.get() == BODY
                except OSError:
                    good = False
                with lock:
                    results["ok" if good else "failed"] += 1

        pool = [threading.Thread(target=worker, args=(count // threads,)) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(seconds + 10)
        return results["ok"], results["failed"]

    def test_attach_to_yaws_tree_counts_and_detach(self):
        before = self.node.footprint()
        stream_port, metrics_port = free_port(), free_port()
        info = parse_json(ctl_attach(BUILD_DIR, self.node, "--stream", f"tcp://127.0.0.1:{stream_port}",
                                     "--metrics", f"127.0.0.1:{metrics_port}", "--json"))
        try:
            t0 = time.monotonic()
            ok, failed = self.load(REQUESTS, LOAD_SECONDS)
            elapsed = time.monotonic() - t0
            print(f"yaws load: {ok} ok, {failed} failed in {elapsed:.1f}s ({ok / elapsed:.0f} req/s) with the agent")
            self.assertEqual(failed, 0)
            self.assertGreater(ok, REQUESTS // 4)

            truth = node_walk(self.node)
            self.assertGreaterEqual(sum(1 for k, _ in truth.values() if k == "supervisor"), 2)
            # The agent re-walks on a timer; wait for one that saw the same tree.
            def same_tree():
                seen = agent_walk(info["stream"])
                if seen is None:
                    return None
                if {p: k for p, (k, _) in seen.items()} == {p: k for p, (k, _) in truth.items()}:
                    return seen
                self.last_diff = (sorted(set(seen) - set(truth)), sorted(set(truth) - set(seen)))
                return None
            self.last_diff = None
            try:
                seen = wait_for(same_tree, 30, what="the agent's yaws tree to match which_children")
            except TimeoutError as e:
                self.fail(f"{e}: (only in agent, only in node) = {self.last_diff}")
            for pid, (kind, ident) in truth.items():
                if ident != "top":
                    self.assertEqual(seen[pid][1], ident, f"name of {kind} {pid}")
            print(f"yaws tree: {len(truth)} supervised processes, "
                  f"{sum(1 for k, _ in truth.values() if k == 'supervisor')} supervisors, identical")

            def counts_match():
                shown = ctl_json(BUILD_DIR, info["stream"], "overview")["process_count"]
                real = self.node.process_count()
                self.last_counts = (shown, real)
                return (shown, real) if within(shown, real, 0.01) else None
            self.last_counts = None
            try:
                shown, real = wait_for(counts_match, 20, what="process_count within 1%")
            except TimeoutError as e:
                self.fail(f"{e}: (agent, node) = {self.last_counts}")
            print(f"process_count: agent {shown}, node {real}")
        finally:
            out = parse_json(ctl_detach(BUILD_DIR, self.node, "--json"))
        self.assertEqual(out["left"], [])
        wait_for(lambda: self.node.footprint() == before, 10, what="the node's footprint to return to its baseline")
        self.assertEqual(self.get(), BODY)
        ok, failed = self.load(200, 10)
        self.assertEqual((ok, failed), (200, 0))
        self.assertIn("yaws", self.node.eval("[A || {A, _, _} <- application:which_applications()]"))


if __name__ == "__main__":
    main()

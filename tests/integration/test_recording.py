"""Recording and replay (issue 15): a real collector records two real demo
nodes (--record); beamscope-ctl --replay answers overview, top, tree and
events equal to what the live collector answered for the same frame; a
kill -9 of the collector loses at most the last second; truncated,
corrupted, foreign and future-version files get clear messages, never a
crash. Python 3 stdlib only."""

import json
import os
import shutil
import signal
import tempfile
import time
import unittest

from collector_proc import Collector
from e2e_checks import build_dir_from_argv, main
from nodes import DemoNode, wait_for
from probes import ctl_json, run_ctl

BUILD_DIR = build_dir_from_argv()
QUERIES = [["overview"], ["top", "--by", "mailbox", "--limit", "20"], ["tree"], ["events"]]


def replay(path, node, query, at=None):
    args = ["--replay", path, "--node", node]
    if at is not None:
        args += ["--at", at]
    return run_ctl(BUILD_DIR, args + query + ["--json"])


def info(path):
    res = run_ctl(BUILD_DIR, ["recording", "info", path, "--json"])
    if res.rc != 0:
        raise AssertionError(f"recording info {path}: {res!r}")
    return json.loads(res.stdout), res.stderr


class RecordingReplay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bs_recording_")
        cls.nodes = [DemoNode(BUILD_DIR), DemoNode(BUILD_DIR)]
        try:
            for n in cls.nodes:
                n.start()
        except BaseException:
            for n in cls.nodes:
                n.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start_recording(self, name):
        path = os.path.join(self.tmp, name)
        collector = Collector(BUILD_DIR, [n.stream_endpoint for n in self.nodes], ["--record", path])
        self.addCleanup(collector.stop)
        for n in self.nodes:
            wait_for(lambda n=n: run_ctl(BUILD_DIR, ["--connect", collector.listen, "--node", n.node_name,
                                                     "overview", "--json"]).rc == 0,
                     45, interval=0.5, what=f"{n.node_name} at the collector")
        return path, collector

    def live(self, collector, node, query):
        return ctl_json(BUILD_DIR, collector.listen, query[0], *query[1:], node=node)

    def test_replay_answers_what_the_collector_served(self):
        path, collector = self.start_recording("live.bsrec")
        captured = []  # (node, query, live document)
        # Four rounds a second apart, more (up to ten) while the agents'
        # ticks come late on a loaded host: several states to find again.
        for round_no in range(10):
            for n in self.nodes:
                for q in QUERIES:
                    captured.append((n.node_name, q, self.live(collector, n.node_name, q)))
            if round_no >= 3 and len({(node, live["timestamp_us"]) for node, _, live in captured}) >= 6:
                break
            time.sleep(1.0)
        collector.proc.send_signal(signal.SIGTERM)
        collector.proc.wait(timeout=15)
        self.assertEqual(collector.proc.returncode, 0, collector.log_text())
        self.assertIn("recording " + path + " closed", collector.log_text())

        doc, stderr = info(path)
        self.assertIsNone(doc["damage"], stderr)
        self.assertEqual(sorted(x["node"] for x in doc["nodes"]), sorted(n.node_name for n in self.nodes))
        for x in doc["nodes"]:
            self.assertGreaterEqual(x["keyframes"], 1)
            self.assertGreaterEqual(x["deltas"], 3)
        self.assertGreater(doc["compression_ratio"], 1.5, doc)

        states = set()
        for node, query, live in captured:
            ts = live["timestamp_us"]
            states.add((node, ts))
            # The frame of `ts` reached the collector shortly after the agent
            # stamped it (a first keyframe: when the collector said Hello,
            # up to a tick later), the next one about a second later: replay
            # just after ts, or later on a slow host.
            found = None
            for delay in (0.3, 0.1, 0.6, 0.9, 1.3, 2.0, 3.0):
                res = replay(path, node, query, at=f"{ts / 1e6 + delay:.6f}")
                if res.rc == 1 and "before the recording starts" in res.stderr:
                    continue
                self.assertEqual(res.rc, 0, res)
                got = json.loads(res.stdout)
                if got["timestamp_us"] == ts:
                    found = got
                    break
            self.assertIsNotNone(found, f"no replayed state of {node} at {ts} ({query})")
            self.assertEqual(found, live, f"{node} {query} at {ts}")
        self.assertGreaterEqual(len(states), 6, "the captures should span several agent ticks")

        # The end (no --at) and an offset from it answer too.
        end = json.loads(replay(path, self.nodes[0].node_name, ["overview"]).stdout)
        self.assertGreaterEqual(end["timestamp_us"], max(ts for n, ts in states if n == self.nodes[0].node_name))
        earlier = replay(path, self.nodes[0].node_name, ["overview"], at="-2s")
        self.assertEqual(earlier.rc, 0, earlier)
        self.assertLess(json.loads(earlier.stdout)["timestamp_us"], end["timestamp_us"])

        # A node the recording never names is a typo (2), listing those it holds.
        res = replay(path, "no_such@host", ["overview"])
        self.assertEqual(res.rc, 2, res)
        self.assertIn("no node 'no_such@host' in " + path, res.stderr)
        for n in self.nodes:
            self.assertIn(n.node_name, res.stderr)

        # children: a page out of the recorded tree equals the tree's entries.
        tree = json.loads(replay(path, self.nodes[0].node_name, ["tree"]).stdout)
        sup = next(e for e in tree["unplaced"] + flatten(tree["applications"]) if e["kind"] == "supervisor"
                   and any(c["parent_id"] == e["id"] for c in flatten(tree["applications"])))
        res = replay(path, self.nodes[0].node_name, ["children", sup["id"], "--by", "supervisor"])
        self.assertEqual(res.rc, 0, res)
        page = json.loads(res.stdout)
        expected = sorted(c["id"] for c in flatten(tree["applications"]) if c["parent_id"] == sup["id"])
        self.assertEqual(sorted(c["id"] for c in page["children"]), expected)

    def test_kill9_loses_at_most_the_last_second(self):
        path, collector = self.start_recording("killed.bsrec")
        node = self.nodes[0].node_name
        before = self.live(collector, node, ["overview"])
        captured_at = time.time()
        # The property under test: what the collector served more than a
        # second before the kill is in the file.
        wait_for(lambda: time.time() >= captured_at + 1.05, 5, interval=0.05, what="a second to pass")
        killed_at = time.time()
        collector.kill9()

        doc, stderr = info(path)
        end = replay(path, node, ["overview"])
        self.assertEqual(end.rc, 0, end)
        self.assertGreaterEqual(json.loads(end.stdout)["timestamp_us"], before["timestamp_us"],
                                f"lost a frame served {killed_at - captured_at:.2f} s before the kill")
        self.assertGreaterEqual(doc["last_us"] / 1e6, killed_at - 2.0, doc)
        # A chunk is written in one write(): the file ends on a chunk (a
        # torn one would be named here, never fatal).
        if doc["damage"] is not None:
            self.assertIn("damaged at offset", doc["damage"]["message"])
            self.assertGreaterEqual(doc["damage"]["offset"], doc["intact_bytes"])

    def test_damaged_and_foreign_files_are_read_up_to_the_damage(self):
        path, collector = self.start_recording("damage.bsrec")
        wait_for(lambda: os.path.getsize(path) > 64 * 1024 or info(path)[0]["frames"] >= 20, 30, interval=0.5,
                 what="some seconds recorded")
        collector.proc.terminate()
        collector.proc.wait(timeout=15)
        whole, _ = info(path)
        with open(path, "rb") as f:
            data = f.read()

        cut_path = os.path.join(self.tmp, "cut.bsrec")
        cut = len(data) * 2 // 3
        write_bytes(cut_path, data[:cut])
        doc, stderr = info(cut_path)
        self.assertIsNotNone(doc["damage"], doc)
        self.assertIn(f"damaged at offset {doc['damage']['offset']}: truncated chunk", doc["damage"]["message"])
        self.assertLessEqual(doc["intact_bytes"], cut)
        self.assertLess(doc["frames"], whole["frames"])
        self.assertIn("warning", stderr)
        res = replay(cut_path, self.nodes[0].node_name, ["overview"])
        self.assertEqual(res.rc, 0, res)
        self.assertIn(f"damaged at offset {doc['damage']['offset']}", res.stderr)
        self.assertLessEqual(json.loads(res.stdout)["timestamp_us"] / 1e6, doc["last_us"] / 1e6 + 1)

        flip_path = os.path.join(self.tmp, "flipped.bsrec")
        flipped = bytearray(data)
        at = len(data) // 2
        for i in range(at, at + 16):
            flipped[i] ^= 0x5A
        write_bytes(flip_path, bytes(flipped))
        doc, stderr = info(flip_path)
        self.assertIsNotNone(doc["damage"], doc)
        self.assertLessEqual(doc["damage"]["offset"], at + 15)
        self.assertLess(doc["frames"], whole["frames"])
        for q in QUERIES:  # every query still answers, at any time
            for when in (None, "start", "+1s"):
                res = replay(flip_path, self.nodes[1].node_name, q, at=when)
                self.assertIn(res.rc, (0, 1), res)  # 1: nothing of that node before the damage
                self.assertNotIn("Traceback", res.stderr)
                if res.rc == 1:
                    self.assertRegex(res.stderr, "no state of node|may be past it", res)

        junk = os.path.join(self.tmp, "junk.bsrec")
        write_bytes(junk, b"\x89PNG\r\n\x1a\n" + os.urandom(500))
        res = replay(junk, self.nodes[0].node_name, ["overview"])
        self.assertEqual(res.rc, 1, res)
        self.assertIn("not a beamscope recording", res.stderr)
        res = run_ctl(BUILD_DIR, ["recording", "info", junk, "--json"])
        self.assertEqual(res.rc, 1, res)
        self.assertIn("not a beamscope recording", res.stderr)

        future = os.path.join(self.tmp, "future.bsrec")
        newer = bytearray(data)
        newer[8] = 9
        write_bytes(future, bytes(newer))
        res = replay(future, self.nodes[0].node_name, ["overview"])
        self.assertEqual(res.rc, 1, res)
        self.assertIn("recording format version 9 is not supported (this build reads version 1)", res.stderr)

        res = replay(path, self.nodes[0].node_name, ["overview"], at="yesterday")
        self.assertEqual(res.rc, 2, res)
        self.assertIn("bad time 'yesterday'", res.stderr)
        res = replay(path, self.nodes[0].node_name, ["overview"], at="2001-01-01T00:00:00Z")
        self.assertEqual(res.rc, 1, res)
        self.assertIn("before the recording starts", res.stderr)


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def flatten(entries):
    out = []
    for e in entries:
        out.append(e)
        out.extend(flatten(e.get("children", [])))
    return out


if __name__ == "__main__":
    main()

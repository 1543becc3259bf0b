"""The collector's caps, with the real beamscope-collector fed by a
synthetic agent (tests/peers/synthetic_agent.cpp: the real
StreamServer on a real ZeroMQ socket) whose nodes grow their hot set, tree
and events by deltas, round after round, and with more nodes than the
collector takes. What the collector keeps stops at its caps, what it cut
is on its /metrics exactly (ground truth: what the agent sent), its memory
stops growing, and viewers (beamscope-ctl) see the capped state at once."""

import json
import os
import subprocess
import time
import unittest

from collector_proc import Collector
from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import wait_for
from probes import ctl_json, run_ctl, samples, scrape

BUILD_DIR = build_dir_from_argv()

NODES, MAX_NODES = 5, 3
MAX_PROCESSES, MAX_TREE, MAX_EVENTS = 200, 300, 64
ROUNDS = 4
SHAPE = {"--deltas-per-round": 10, "--processes-per-delta": 100, "--tree-per-delta": 150, "--events-per-delta": 20}


class SyntheticAgent:
    def __init__(self):
        path = os.path.join(BUILD_DIR, "tests", "bin", "synthetic_agent")
        args = [path, "--nodes", str(NODES), "--live-nodes", str(MAX_NODES)]
        for k, v in SHAPE.items():
            args += [k, str(v)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.endpoint = self._expect("endpoint")

    def _expect(self, word, timeout=60):
        # readline blocks: the agent's own deadlines (20-30 s) bound it.
        t0 = time.monotonic()
        line = self.proc.stdout.readline()
        if not line.startswith(word + " "):
            raise RuntimeError(f"synthetic agent said {line!r} (rc {self.proc.poll()}) waiting for {word}")
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"synthetic agent took over {timeout} s for {word}")
        return line.split(" ", 1)[1].strip()

    def ready(self):
        return json.loads(self._expect("ready"))

    def round(self):
        self.proc.stdin.write("round\n")
        self.proc.stdin.flush()
        return json.loads(self._expect("sent"))

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc.stdout.close()


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def expected_cuts(sent, caps):
    """What the collector must have cut, from what the agent sent: the first
    MAX_NODES nodes are kept (their keyframes come first), each past its caps;
    every frame of the others is refused."""
    live = range(MAX_NODES)
    return {
        "processes": sum(max(0, sent["processes"][i] - caps["processes"]) for i in live),
        "tree_entries": sum(max(0, sent["tree"][i] - caps["tree_entries"]) for i in live),
        "events": sum(max(0, sent["events"][i] - caps["events"]) for i in live),
        "nodes": sum(sent["frames"][i] for i in range(MAX_NODES, NODES)),
    }


CAPPED = {"processes": MAX_PROCESSES, "tree_entries": MAX_TREE, "events": MAX_EVENTS}
# The collector's defaults: the largest a keyframe carries; the synthetic
# nodes stay below them (4,001 processes, 6,001 tree entries after 4 rounds).
DEFAULTS = {"processes": 4096, "tree_entries": 20000, "events": 256}


class CollectorCaps(unittest.TestCase):
    def start(self, caps):
        self.agent = SyntheticAgent()
        self.addCleanup(self.agent.stop)
        flags = ["--max-nodes", str(MAX_NODES)]
        if caps is CAPPED:
            flags += ["--max-processes", str(MAX_PROCESSES), "--max-tree-entries", str(MAX_TREE),
                      "--max-events", str(MAX_EVENTS)]
        self.collector = Collector(BUILD_DIR, [self.agent.endpoint], extra_args=flags)
        self.addCleanup(self.collector.stop)
        self.caps = caps
        self.sent = self.agent.ready()

    def rounds(self):
        """Runs every round, each checked on /metrics; the collector's RSS after each."""
        rss, text, sent = [], "", self.sent
        for _ in range(ROUNDS):
            sent = self.agent.round()
            text = self.wait_for_cuts(sent)
            rss.append(rss_bytes(self.collector.proc.pid))
        # Nothing lost on the way: the counts are exact only without resyncs.
        self.assertEqual([v for _, v in samples(text, "beamscope_collector_resyncs_total")], [0])
        self.assertEqual(sum(v for _, v in samples(text, "beamscope_collector_frames_rejected_total")), 0)
        self.assertEqual(samples(text, "beamscope_collector_nodes")[0][1], MAX_NODES)
        return rss, text, sent

    def cuts(self, text):
        return {labels["reason"]: value for labels, value in samples(text, "beamscope_collector_state_cut_total")}

    def wait_for_cuts(self, sent):
        want = expected_cuts(sent, self.caps)
        last = {}

        def match():
            text = scrape(self.collector.metrics_url)
            last["cuts"] = self.cuts(text)
            last["text"] = text
            # The node count too: a scrape may get the list of the one
            # before when the server's thread is busy over a second (a
            # loaded machine), by design (StreamServer::snapshots).
            nodes = samples(text, "beamscope_collector_nodes")
            return last["cuts"] == want and bool(nodes) and nodes[0][1] == MAX_NODES

        try:
            wait_for(match, 20, interval=0.2, what="the collector's cut counts")
        except TimeoutError:
            self.fail(f"cut counts {last.get('cuts')} != expected {want}\n{self.collector.log_text()}")
        return last["text"]

    def test_state_stops_at_the_caps_and_every_cut_is_counted(self):
        self.start(CAPPED)
        text = self.wait_for_cuts(self.sent)
        self.assertEqual(samples(text, "beamscope_collector_nodes")[0][1], MAX_NODES)
        limits = {l["limit"]: v for l, v in samples(text, "beamscope_collector_state_limit")}
        self.assertEqual(limits, {"nodes": MAX_NODES, "processes": MAX_PROCESSES,
                                  "tree_entries": MAX_TREE, "events": MAX_EVENTS})
        rss, text, sent = self.rounds()

        # Memory: the first round already passed every cap; the next ones
        # (each as big) are cut whole, so the collector does not grow.
        growth = rss[-1] - rss[0]
        # What an uncapped collector would keep more each round: the padded
        # strings alone (400 bytes an entry), in two models (link and viewers').
        per_round = (MAX_NODES * SHAPE["--deltas-per-round"]
                     * (SHAPE["--processes-per-delta"] + SHAPE["--tree-per-delta"]) * 400 * 2)
        MEASURED["capped_collector_rss_mib_by_round"] = [round(b / 2**20, 1) for b in rss]
        MEASURED["uncapped_kept_mib_per_round_at_least"] = round(per_round / 2**20, 1)
        self.assertLess(growth, 4 * 2**20, f"collector grew {growth} bytes over {ROUNDS - 1} capped rounds")

        # Viewers see the capped state, and the collector answers them promptly.
        nodes = sent["nodes"]
        t0 = time.monotonic()
        top = ctl_json(BUILD_DIR, self.collector.listen, "top", "--limit", "1000", node=nodes[0])
        MEASURED["ctl_top_s"] = round(time.monotonic() - t0, 2)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(top["hot_processes"], MAX_PROCESSES)
        self.assertEqual(len(top["processes"]), MAX_PROCESSES)
        tree = ctl_json(BUILD_DIR, self.collector.listen, "tree", node=nodes[1])
        self.assertEqual(tree["entries"], MAX_TREE)
        events = ctl_json(BUILD_DIR, self.collector.listen, "events", "--limit", "1000", node=nodes[2])
        self.assertEqual(events["events_kept"], MAX_EVENTS)
        ids = sorted(e["id"] for e in events["events"])
        # The newest are kept: the last MAX_EVENTS ids the agent sent.
        self.assertEqual(ids, list(range(sent["events"][2] - MAX_EVENTS + 1, sent["events"][2] + 1)))
        # The nodes past the cap are not served; the first ones are.
        res = run_ctl(BUILD_DIR, ["--connect", self.collector.listen, "overview", "--json"])
        self.assertEqual(res.rc, 2, res)
        for name in nodes[:MAX_NODES]:
            self.assertIn(name, res.stderr)
        for name in nodes[MAX_NODES:]:
            self.assertNotIn(name, res.stderr)
        self.assertIsNone(self.collector.proc.poll(), self.collector.log_text())

    def test_control_without_caps_the_same_rounds_grow_the_collector(self):
        """The memory check above can fail: with the default limits (above
        what the synthetic nodes reach) the same rounds are kept, and grow it."""
        self.start(DEFAULTS)
        rss, text, sent = self.rounds()
        MEASURED["uncapped_collector_rss_mib_by_round"] = [round(b / 2**20, 1) for b in rss]
        self.assertGreater(rss[-1] - rss[0], 8 * 2**20)
        cuts = self.cuts(text)
        self.assertEqual(cuts["processes"] + cuts["tree_entries"], 0)
        self.assertGreater(cuts["nodes"], 0)


if __name__ == "__main__":
    main()

"""GUI and ctl test: the past of a live node from a recording collector
(issue 15 item 4, protocol 1.6 and 1.7). Two real demo nodes, a real
collector that records them (--record) and stays live, the real
inspector under Xvfb and real ctl:

- `beamscope-ctl --connect COLLECTOR --at T overview` answers the node as
  it was at T: equal to `ctl --replay` of the collector's own file at T
  (read while it is written), before a step of 500 processes the node
  itself counted, and far from the node now;
- the inspector, live, offers the past (--dump-state's past_offered spans
  the recording); `--at T` shows the node at T with the same count and
  the hour of charts up to it, and the collector's other node as its file
  holds it then (protocol 1.7); J, live, goes back 10 s;
- a collector that records nothing, and an agent, say what would answer.

    test_collector_past.py --build-dir BUILD --beamscope BUILD/bin/beamscope --out-dir DIR
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

from collector_proc import Collector  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from probes import run_ctl, samples, scrape  # noqa: E402
from test_inspect import Xvfb  # noqa: E402
from test_replay import shown as shown_replay  # noqa: E402

STEP = 500  # processes spawned between "before" and "after"
OTHER = 200  # processes the other node holds from the start


def shown(a, name, extra, frames=8):
    """The inspector's --dump-state after `frames` frames (pictures: replay_collector_past_NAME.png)."""
    return shown_replay(a, f"collector_past_{name}", extra, frames)


def overview(a, args):
    r = run_ctl(a.build_dir, args + ["overview", "--json"])
    assert r.rc == 0, r
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--beamscope", required=True)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    if not shutil.which("Xvfb"):
        print("Xvfb is missing: install xvfb (scripts/install-deps.sh)")
        return 1
    os.makedirs(a.out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bs_gui_past_")
    path = os.path.join(tmp, "fleet.bsrec")
    with Xvfb() as a.xvfb, DemoNode(a.build_dir, name_prefix="guipast") as node, \
            DemoNode(a.build_dir, name_prefix="guipast2") as other:
        node.start()
        other.start()
        collector = Collector(a.build_dir, [node.stream_endpoint, other.stream_endpoint], ["--record", path])
        plain = Collector(a.build_dir, [node.stream_endpoint])
        try:
            name = node.node_name
            live = ["--connect", collector.listen, "--node", name]
            for n in (node, other):
                wait_for(lambda: run_ctl(a.build_dir, ["--connect", collector.listen, "--node", n.node_name,
                                                       "overview", "--json"]).rc == 0, 45, interval=0.5,
                         what=f"{n.node_name} at the collector")
            # The other node told apart from the first by its process count.
            other.eval(f"persistent_term:put(bs_more, [spawn(fun() -> receive stop -> ok end end) "
                       f"|| _ <- lists:seq(1, {OTHER})]), ok")
            time.sleep(4)  # a few ticks recorded before the step
            node_before = node.eval_int("erlang:system_info(process_count)")
            t_before = time.time()
            time.sleep(1.5)  # the tick at t_before reaches the file
            node.eval(f"persistent_term:put(bs_more, [spawn(fun() -> receive stop -> ok end end) "
                      f"|| _ <- lists:seq(1, {STEP})]), ok")
            node_after = node.eval_int("erlang:system_info(process_count)")
            wait_for(lambda: overview(a, live)["process_count"] >= node_after - 5, 15, interval=0.5,
                     what="the step at the collector")
            time.sleep(10)  # more than J's 10 s after the step

            # ctl: the past from the live collector, equal to its file at that time.
            at = f"{t_before:.6f}"
            past = overview(a, live + ["--at", at])
            from_file = overview(a, ["--replay", path, "--node", name, "--at", at])
            print(f"  at t_before: collector {past['process_count']} processes (uptime {past['uptime_ms']} ms); "
                  f"its file {from_file['process_count']} ({from_file['uptime_ms']} ms); the node said "
                  f"{node_before}, then {node_after}")
            assert past["process_count"] == from_file["process_count"], (past, from_file)
            assert past["uptime_ms"] == from_file["uptime_ms"], (past["uptime_ms"], from_file["uptime_ms"])
            assert abs(past["process_count"] - node_before) <= 5, (past["process_count"], node_before)
            now = overview(a, live)
            assert now["process_count"] >= past["process_count"] + STEP - 10, (now, past)
            # Relative times count from the recording's end: -1s is after the step.
            recent = overview(a, live + ["--at", "-1s"])
            assert recent["process_count"] >= past["process_count"] + STEP - 10, recent
            r = run_ctl(a.build_dir, live + ["--at", "yesterday", "overview", "--json"])
            assert r.rc == 2 and "--at" in r.stderr, r
            # The other documents too are the file's, whole.
            for query in (["tree"], ["top", "--by", "mailbox", "--limit", "20"], ["events"], ["alerts"]):
                got = run_ctl(a.build_dir, live + ["--at", at, *query, "--json"])
                want = run_ctl(a.build_dir, ["--replay", path, "--node", name, "--at", at, *query, "--json"])
                assert got.rc == 0 and want.rc == 0, (got, want)
                assert json.loads(got.stdout) == json.loads(want.stdout), query
            # What asks the agent has no past to ask: refused, not answered live.
            r = run_ctl(a.build_dir, live + ["--at", at, "ps", "--json"])
            assert r.rc == 2 and "drop --at" in r.stderr, r

            # The inspector: live, it offers the recording's span.
            live_doc = shown(a, "live", ["--connect", collector.listen, "--node", name])
            offer = live_doc.get("past_offered")
            print(f"  live: offered {offer}")
            assert offer and offer["last_us"] - offer["first_us"] >= 14_000_000, live_doc.get("past_offered")
            assert "replay" not in live_doc, live_doc["replay"]

            # --at: the node at t_before, as ctl said, with its charts up to then.
            doc = shown(a, "at", ["--connect", collector.listen, "--node", name, "--at", at])
            rep = doc["replay"]
            print(f"  --at: {doc['process_count']} processes at {rep['at_us']}; charts "
                  f"{doc['history_samples']} ticks, newest uptime {doc['history_newest']['uptime_ms']} ms")
            assert rep["from_collector"] and rep["note"] == "", rep
            assert abs(rep["at_us"] - t_before * 1e6) <= 1, rep
            assert doc["node"] == name and doc["process_count"] == past["process_count"], doc
            assert doc["tree_entries"] > 10, doc["tree_entries"]
            assert doc["history_newest"]["uptime_ms"] == past["uptime_ms"], doc["history_newest"]
            assert doc["history_newest"]["process_count"] == past["process_count"], doc["history_newest"]
            assert doc["history_samples"] >= 4, doc["history_samples"]
            # Back in time the whole fleet is there, each node as the file holds it then.
            shown_nodes = {n["name"]: n["process_count"] for n in doc["nodes"]}
            other_then = overview(a, ["--replay", path, "--node", other.node_name, "--at", at])
            print(f"  --at, the fleet: {shown_nodes}; {other.node_name} in the file: {other_then['process_count']}")
            assert set(shown_nodes) == {name, other.node_name}, shown_nodes
            assert shown_nodes[name] == past["process_count"], shown_nodes
            assert shown_nodes[other.node_name] == other_then["process_count"], (shown_nodes, other_then)
            assert other_then["process_count"] >= past["process_count"] + OTHER - 10, (other_then, past)
            # The other node shown: its charts come with it.
            doc2 = shown(a, "at_other", ["--connect", collector.listen, "--node", other.node_name, "--at", at])
            print(f"  --at, {other.node_name} shown: {doc2['process_count']} processes, charts "
                  f"{doc2['history_samples']} ticks")
            assert doc2["node"] == other.node_name, doc2["node"]
            assert doc2["process_count"] == other_then["process_count"], doc2
            assert doc2["history_newest"]["uptime_ms"] == other_then["uptime_ms"], doc2["history_newest"]
            assert doc2["history_samples"] >= 4, doc2["history_samples"]

            # J, live: 10 s back from the recording's end, after the step.
            back = shown(a, "key_j", ["--connect", collector.listen, "--node", name, "--keys", "type:j"], frames=20)
            rep = back["replay"]
            at_s = f"{rep['at_us'] / 1e6:.6f}"
            truth = overview(a, ["--replay", path, "--node", name, "--at", at_s])
            print(f"  J: at {rep['at_us']} (span end {rep['last_us']}), {back['process_count']} processes; "
                  f"file there {truth['process_count']}")
            assert rep["from_collector"], rep
            # The recording's end when J was pressed; it has grown since (each answer says it).
            assert 0 <= rep["last_us"] - 10_000_000 - rep["at_us"] <= 5_000_000, rep
            assert back["process_count"] == truth["process_count"], (back["process_count"], truth)

            # What records nothing says so: a plain collector, and an agent.
            r = run_ctl(a.build_dir, ["--connect", plain.listen, "--node", name, "--at", "-5s", "overview"])
            print(f"  plain collector: rc {r.rc}: {r.stderr.strip()}")
            assert r.rc == 1 and "--record" in r.stderr, r
            r = run_ctl(a.build_dir, ["--connect", node.stream_endpoint, "--at", "-5s", "overview"])
            print(f"  agent: rc {r.rc}: {r.stderr.strip()}")
            assert r.rc == 1 and "keeps no past states" in r.stderr, r
            plain_doc = shown(a, "plain", ["--connect", plain.listen, "--node", name])
            assert "past_offered" not in plain_doc and "replay" not in plain_doc, plain_doc.keys()
            counted = {labels["outcome"]: v for labels, v in
                       samples(scrape(collector.metrics_url), "beamscope_collector_past_states_total")}
            print(f"  collector's past_states_total: {counted}")
            assert counted["answered"] >= 4 and counted["busy"] == 0, counted
        finally:
            plain.stop()
            collector.stop()
        for n in (node, other):
            n.eval("[P ! stop || P <- persistent_term:get(bs_more)], ok")
    shutil.rmtree(tmp, ignore_errors=True)
    print("gui collector past test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GUI test: `beamscope --replay FILE` (issue 15), the real inspector under
Xvfb showing a recording a real collector made of a real demo node. What
it shows at a time (--at) is read from --dump-state and compared with
`beamscope-ctl --replay` at the same time and with the node itself (the
bar's seeking and playing: replay_feed_test.cpp; its keys J, K, L here);
a missing or foreign file, a bad --at, and --replay with --connect are
refused with a message before any window opens. The charts at a time (and
after J) hold the hour before it, as a generated recording has it.

    test_replay.py --build-dir BUILD --beamscope BUILD/bin/beamscope --out-dir DIR --fleet-record FLEET_RECORD
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

from collector_proc import Collector  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from probes import run_ctl  # noqa: E402
from test_inspect import Xvfb  # noqa: E402

RECORD_S = 6


def shown(a, name, extra, frames=8):
    png, dump = os.path.join(a.out_dir, f"replay_{name}.png"), os.path.join(a.out_dir, f"replay_{name}.json")
    cmd = [a.beamscope, "--screenshot", png, "--frames", str(frames), "--dump-state", dump, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=a.xvfb.env)
    print(f"$ beamscope {' '.join(cmd[1:])}\n  rc={r.returncode}")
    assert r.returncode == 0, r.stdout + r.stderr
    with open(dump) as f:
        return json.load(f)


def ctl_overview(a, path, node, at):
    r = run_ctl(a.build_dir, ["--replay", path, "--at", str(at), "--node", node, "overview", "--json"])
    assert r.rc == 0, r
    return json.loads(r.stdout)


# The charts' window (gui/model/replay_history.hpp kWindowUs): an hour.
CHART_WINDOW_US = 3600 * 1_000_000


def check_past(a, doc, path, node, what):
    """The charts hold every tick of the hour up to the time shown, as the
    file has them (ctl --replay there): the newest at the time, the oldest
    the first tick inside the hour (the generator ticks every second)."""
    at_us = doc["replay"]["at_us"]
    newest = ctl_overview(a, path, node, f"{at_us / 1e6:.6f}")
    oldest = ctl_overview(a, path, node, f"{(at_us - CHART_WINDOW_US + 1_000_000) / 1e6:.6f}")
    before = ctl_overview(a, path, node, f"{(at_us - CHART_WINDOW_US) / 1e6:.6f}")
    print(f"  {what}: charts hold {doc['history_samples']} ticks over {doc['history_span_s']} s; "
          f"oldest {doc['history_oldest']}, file there: uptime {oldest['uptime_ms']} ms, "
          f"{oldest['process_count']} processes")
    for got, truth in ((doc["history_newest"], newest), (doc["history_oldest"], oldest)):
        assert got["uptime_ms"] == truth["uptime_ms"], (what, got, truth["uptime_ms"])
        assert got["process_count"] == truth["process_count"], (what, got, truth["process_count"])
        assert abs(got["memory_total"] - truth["memory_bytes"]["total"]) <= 1e-6 * truth["memory_bytes"]["total"], got
    assert before["uptime_ms"] < oldest["uptime_ms"], (before["uptime_ms"], oldest["uptime_ms"])
    assert doc["history_samples"] == (newest["uptime_ms"] - oldest["uptime_ms"]) // 1000 + 1, doc["history_samples"]
    assert doc["history_span_s"] >= CHART_WINDOW_US / 1e6 - 1, doc["history_span_s"]


def charts_past(a, tmp):
    """Opened (--at) or moved (J) well inside a recording longer than the
    charts' hour, the charts hold the hour before the time shown."""
    path = os.path.join(tmp, "long.bsrec")
    r = subprocess.run([a.fleet_record, path, "3900"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    node = "gen0@host0"
    opened = shown(a, "past_at", ["--replay", path, "--at", "+3800s", "--node", node])
    check_past(a, opened, path, node, "--at +3800s")
    stepped = shown(a, "past_j", ["--replay", path, "--at", "+3800s", "--node", node, "--keys", "type:j"], frames=14)
    assert stepped["replay"]["at_us"] == opened["replay"]["at_us"] - 10_000_000, stepped["replay"]
    check_past(a, stepped, path, node, "then J")


def refused(a, args, text):
    r = subprocess.run([a.beamscope, *args], capture_output=True, text=True, timeout=30, env=a.xvfb.env)
    print(f"  beamscope {' '.join(args)}: rc {r.returncode}: {r.stderr.strip()[:160]}")
    assert r.returncode != 0 and text in r.stderr, (r.returncode, r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--beamscope", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--fleet-record", required=True, help="tests/recording's fleet_record")
    a = ap.parse_args()
    if not shutil.which("Xvfb"):
        print("Xvfb is missing: install xvfb (scripts/install-deps.sh)")
        return 1
    os.makedirs(a.out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bs_gui_replay_")
    path = os.path.join(tmp, "fleet.bsrec")
    with Xvfb() as a.xvfb, DemoNode(a.build_dir, name_prefix="guireplay") as node:
        node.start()
        collector = Collector(a.build_dir, [node.stream_endpoint], ["--record", path])
        try:
            wait_for(lambda: run_ctl(a.build_dir, ["--connect", collector.listen, "overview", "--json"]).rc == 0,
                     45, interval=0.5, what="the node at the collector")
            # A process count that changes while it records: 500 more half way.
            time.sleep(RECORD_S / 2)
            node.eval("persistent_term:put(bs_more, [spawn(fun() -> receive stop -> ok end end) "
                      "|| _ <- lists:seq(1, 500)]), ok")
            time.sleep(RECORD_S / 2)
            live_count = node.eval_int("erlang:system_info(process_count)")
        finally:
            collector.proc.send_signal(signal.SIGTERM)
            collector.proc.wait(timeout=15)
        info = json.loads(run_ctl(a.build_dir, ["recording", "info", path, "--json"]).stdout)
        first, last = info["first_us"], info["last_us"]
        print(f"  recorded {info['duration_s']} s, {info['frames']} frames; node now {live_count} processes")

        # The end: the node as it was last recorded, as ctl --replay and the node say.
        end = shown(a, "end", ["--replay", path])
        truth = ctl_overview(a, path, node.node_name, "end")
        print(f"  end: shows {end['node']} with {end['process_count']} processes at {end['replay']['at_us']}; "
              f"ctl --replay: {truth['process_count']}")
        assert end["replay"]["at_us"] == last and end["replay"]["first_us"] == first, end["replay"]
        assert end["node"] == node.node_name and end["process_count"] == truth["process_count"], end
        assert abs(end["process_count"] - live_count) <= 5, (end["process_count"], live_count)
        assert end["tree_entries"] > 10, end["tree_entries"]
        # Its charts: every tick recorded (the file is shorter than their hour).
        assert end["history_samples"] >= RECORD_S - 2, end["history_samples"]
        assert end["history_oldest"]["uptime_ms"] <= ctl_overview(a, path, node.node_name, "start")["uptime_ms"], end

        # The start: before the 500, as ctl --replay says at that time.
        start = shown(a, "start", ["--replay", path, "--at", "start"])
        truth = ctl_overview(a, path, node.node_name, "start")
        print(f"  start: {start['process_count']} processes; ctl --replay: {truth['process_count']}")
        assert start["replay"]["at_us"] == first, start["replay"]
        assert start["process_count"] == truth["process_count"] <= end["process_count"] - 450, (start, end)

        # The keyboard, as in video players: L steps 10 s on (held at the
        # file's end), J 10 s back, K plays.
        stepped = shown(a, "key_l", ["--replay", path, "--at", "start", "--keys", "type:l"], frames=14)
        print(f"  L from the start: at {stepped['replay']['at_us']}, {stepped['process_count']} processes")
        assert stepped["replay"]["at_us"] == min(first + 10_000_000, last), (stepped["replay"], first, last)
        back = shown(a, "key_j", ["--replay", path, "--keys", "type:j"], frames=14)
        assert back["replay"]["at_us"] == max(last - 10_000_000, first), (back["replay"], first, last)
        at_s = f"{back['replay']['at_us'] / 1e6:.6f}"  # ctl's --at takes unix seconds
        assert back["process_count"] == ctl_overview(a, path, node.node_name, at_s)["process_count"], back
        played = shown(a, "key_k", ["--replay", path, "--at", "start", "--keys", "type:k"], frames=14)
        assert played["replay"]["playing"], played["replay"]

        # Unknown --at, a missing or foreign file, --connect beside --replay.
        refused(a, ["--replay", path, "--at", "yesterday"], "--at yesterday")
        refused(a, ["--replay", os.path.join(tmp, "missing.bsrec")], "missing.bsrec")
        junk = os.path.join(tmp, "junk.bsrec")
        with open(junk, "wb") as f:
            f.write(b"not a recording at all" * 10)
        refused(a, ["--replay", junk], "not a beamscope recording")
        refused(a, ["--replay", path, "--connect", node.stream_endpoint], "excludes")
        node.eval("[P ! stop || P <- persistent_term:get(bs_more)], ok")
        charts_past(a, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    print("gui replay test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GUI test: `beamscope --replay FILE` (issue 15), the real inspector under
Xvfb showing a recording a real collector made of a real demo node. What
it shows at a time (--at) is read from --dump-state and compared with
`beamscope-ctl --replay` at the same time and with the node itself (the
bar's seeking and playing: replay_feed_test.cpp; its keys J, K, L here);
a missing or foreign file, a bad --at, and --replay with --connect are
refused with a message before any window opens.

    test_replay.py --build-dir BUILD --beamscope BUILD/bin/beamscope --out-dir DIR
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


def refused(a, args, text):
    r = subprocess.run([a.beamscope, *args], capture_output=True, text=True, timeout=30, env=a.xvfb.env)
    print(f"  beamscope {' '.join(args)}: rc {r.returncode}: {r.stderr.strip()[:160]}")
    assert r.returncode != 0 and text in r.stderr, (r.returncode, r.stderr)


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
    shutil.rmtree(tmp, ignore_errors=True)
    print("gui replay test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

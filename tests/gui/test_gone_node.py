"""A node that dies behind a collector (issue 15 item 2): the real
inspector, connected to a real collector following two real demo nodes,
shows the node it was told to show (--node) and, once that node's VM is
killed, marks it gone with the collector's reason while the collector's own
link stays connected; the other node stays connected. Checked in
--dump-state against the kill's time, and in the picture (a red dot in the
node bar). Today's alternative, a green dot on a dead node, is what this
guards against.

  test_gone_node.py --build-dir BUILD --beamscope BUILD/bin/beamscope --out-dir DIR
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from collector_proc import Collector  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from png_check import read_png  # noqa: E402
from probes import ctl_json  # noqa: E402

WIDTH, HEIGHT = 1280, 800
NODE_BAR = (0, 0, WIDTH, 24)
BAD_DOT = (235, 85, 75)  # theme::kBad
FRAMES = 400             # at least 20 s at the screenshot pace (50 ms a frame)
KILL_AFTER_S = 8         # the inspector shows both nodes by then
QUIET = {"crash_interval_ms": 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--beamscope", required=True)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    png = os.path.join(args.out_dir, "gone.png")
    dump = os.path.join(args.out_dir, "gone.json")
    with DemoNode(args.build_dir, name_prefix="gone_a", demo_env=QUIET) as a, \
            DemoNode(args.build_dir, name_prefix="gone_b", demo_env=QUIET) as b:
        a.start()
        b.start()
        collector = Collector(args.build_dir, [a.stream_endpoint, b.stream_endpoint])
        try:
            for n in (a, b):
                wait_for(lambda n=n: ctl_json(args.build_dir, collector.listen, "overview", node=n.node_name), 45,
                         interval=0.5, what=f"{n.node_name} at the collector")
            cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {WIDTH}x{HEIGHT}x24", args.beamscope,
                   "--connect", collector.listen, "--node", b.node_name, "--screenshot", png,
                   "--frames", str(FRAMES), "--width", str(WIDTH), "--height", str(HEIGHT), "--dump-state", dump]
            inspector = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(KILL_AFTER_S)
            assert inspector.poll() is None, f"the inspector ended early: {inspector.communicate()}"
            os.killpg(b.proc.pid, signal.SIGKILL)  # the VM dies: no goodbye to anyone
            killed_us = time.time() * 1e6
            out, err = inspector.communicate(timeout=180)
            print(f"$ {' '.join(cmd)}\n  rc={inspector.returncode}\n  {err.strip()}")
            assert inspector.returncode == 0, f"beamscope failed: {out}{err}"
        finally:
            collector.stop()

    with open(dump) as f:
        state = json.load(f)
    print(f"  links: {state['links']}\n  nodes: {state['nodes']}")
    assert state["node"] == b.node_name, f"--node {b.node_name} not shown: {state['node']}"
    assert [l["state"] for l in state["links"]] == ["connected"], state["links"]
    nodes = {n["name"]: n for n in state["nodes"]}
    assert set(nodes) == {a.node_name, b.node_name}, nodes
    assert nodes[a.node_name]["state"] == "connected", nodes
    gone = nodes[b.node_name]
    assert gone["state"] == "gone", gone
    assert gone["text"].startswith("gone "), gone
    assert f"no data from {b.stream_endpoint}" in gone["text"], gone
    after_s = (gone["gone_at_us"] - killed_us) / 1e6
    print(f"measured gone_marked_after_kill_s: {after_s:.2f}")
    # The collector's silence timeout (3 s, three heartbeats) plus its poll
    # and the inspector's next frame.
    assert 0 < after_s <= 5.0, f"marked gone {after_s:.2f} s after the kill"
    img = read_png(png)
    red = img.count_near(BAD_DOT, NODE_BAR)
    print(f"  node bar: {red} pixels of the bad dot")
    assert red >= 10, "no red status dot in the node bar for the gone node"
    print("gone node: ok")


if __name__ == "__main__":
    main()

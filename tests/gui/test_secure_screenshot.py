"""GUI test: the real `beamscope` under Xvfb through a real collector, with
CURVE keys on both hops (agent -> collector, collector -> inspector).

A demo node whose agent lists only the collector's key; a collector that
lists only the viewer's key; the inspector with the viewer's key takes a
screenshot and dumps its state: the node is there, connected, with the
node's own process count. The same inspector with a key the collector does
not list shows the link as refused and no node.

  test_secure_screenshot.py --build-dir BUILD --beamscope BUILD/bin/beamscope --out-dir DIR
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

from collector_proc import Collector  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from probes import run_ctl  # noqa: E402
from test_screenshot import check_overview, run_beamscope  # noqa: E402
from test_secure_stream import keygen, write  # noqa: E402


def read_dump(path):
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--beamscope", required=True)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    if not shutil.which("xvfb-run"):
        print("xvfb-run is missing: install xvfb (scripts/install-deps.sh)")
        return 1
    os.makedirs(a.out_dir, exist_ok=True)
    keys = tempfile.mkdtemp(prefix="bs_gui_curve_")
    path = {name: os.path.join(keys, name) for name in ("agent", "collector", "me", "stranger")}
    pub = {name: keygen(a.build_dir, p) for name, p in path.items()}
    agent_auth = os.path.join(keys, "agent_authorized")
    write(agent_auth, f"{pub['collector']} collector\n")
    viewer_auth = os.path.join(keys, "collector_authorized")
    write(viewer_auth, f"{pub['me']} me\n")

    with DemoNode(a.build_dir, name_prefix="guicurve", agent_env={
            "stream_secret_key_file": path["agent"] + ".secret",
            "stream_authorized_keys_file": agent_auth}) as node:
        node.start()
        coll = Collector(a.build_dir, [f"{node.stream_endpoint},server-key={path['agent']}.pub"],
                         extra_args=["--key", path["collector"] + ".secret",
                                     "--secret-key", path["collector"] + ".secret", "--authorized-keys", viewer_auth])
        try:
            as_me = ["--server-public-key", path["collector"] + ".pub", "--key", path["me"] + ".secret"]
            # The collector serves the node once its encrypted link is up.
            wait_for(lambda: run_ctl(a.build_dir, ["--connect", coll.listen, *as_me, "overview", "--json"]).rc == 0,
                     30, interval=0.5, what="the node through the collector")
            dump_path = os.path.join(a.out_dir, "secure.json")
            img, log = run_beamscope(a, a.beamscope, os.path.join(a.out_dir, "secure.png"),
                                     ["--connect", coll.listen, *as_me, "--dump-state", dump_path])
            assert "no data arrived" not in log, "the inspector got no data through the collector"
            truth = node.process_count()
            dump = read_dump(dump_path)
            print(f"  dump: node {dump.get('node')}, process_count {dump.get('process_count')} "
                  f"(node: {truth}), links {dump['links']}")
            assert dump.get("node") == node.node_name, dump
            assert dump["links"][0]["state"] == "connected", dump["links"]
            # The demo restarts a crasher every 5 s: a few processes come and go.
            assert abs(dump["process_count"] - truth) <= max(10, truth // 50), (dump["process_count"], truth)
            check_overview(img)

            # A viewer the collector does not list: refused, plainly, and no node.
            refused_path = os.path.join(a.out_dir, "secure_refused.json")
            run_beamscope(a, a.beamscope, os.path.join(a.out_dir, "secure_refused.png"),
                          ["--connect", coll.listen, "--server-public-key", path["collector"] + ".pub",
                           "--key", path["stranger"] + ".secret", "--dump-state", refused_path])
            refused = read_dump(refused_path)
            print(f"  refused dump: links {refused['links']}")
            assert refused["links"][0]["state"] == "refused", refused["links"]
            assert refused["links"][0]["text"].startswith(f"not authorized by {coll.listen}"), refused["links"]
            assert "node" not in refused, refused
        finally:
            coll.stop()
    print("gui secure screenshot test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

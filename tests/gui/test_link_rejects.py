"""The inspector against a server whose frames it must drop (a real
ZeroMQ ROUTER speaking major version 2, tests/peers/bad_server.cpp): the
real `beamscope` under Xvfb shows the link as "dropping" with the reason,
in its node bar and in the --dump-state links field.

  test_link_rejects.py --build-dir BUILD --beamscope BUILD/bin/beamscope --out-dir DIR
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from png_check import read_png  # noqa: E402

WIDTH, HEIGHT = 1280, 800
NODE_BAR = (0, 0, WIDTH, 24)
BAD_DOT = (235, 85, 75)  # theme::kBad: refused or dropping links


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--beamscope", required=True)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    server = subprocess.Popen([os.path.join(args.build_dir, "tests", "bin", "bad_server"), "--mode", "wrong-major"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("endpoint "), f"bad_server said {line!r}"
        endpoint = line.split(" ", 1)[1].strip()
        png = os.path.join(args.out_dir, "dropping.png")
        dump = os.path.join(args.out_dir, "dropping.json")
        cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {WIDTH}x{HEIGHT}x24", args.beamscope, "--connect", endpoint,
               "--screenshot", png, "--frames", "40", "--width", str(WIDTH), "--height", str(HEIGHT),
               "--dump-state", dump]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        print(f"$ {' '.join(cmd)}\n  rc={r.returncode}\n  {r.stderr.strip()}")
        assert r.returncode == 0, f"beamscope failed: {r.stdout}{r.stderr}"
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    with open(dump) as f:
        state = json.load(f)
    links = state["links"]
    print(f"  links: {links}")
    assert len(links) == 1, links
    assert links[0]["endpoint"] == endpoint, links
    assert links[0]["state"] == "dropping", links
    text = links[0]["text"]
    assert f"frames dropped from {endpoint}: wrong major version 2 (this build reads 1)" in text, text
    # At least the answer to the Hello (3 frames), then 3 per heartbeat.
    dropped = int(text.split(" ", 1)[0])
    assert dropped >= 3 and dropped % 3 == 0, text
    img = read_png(png)
    red = img.count_near(BAD_DOT, NODE_BAR)
    print(f"  node bar: {red} pixels of the bad-link dot")
    assert red >= 10, "no red status dot in the node bar"
    print("link rejects: ok")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""/metrics scrape time and body size at SMALL vs LARGE processes, one run.

A real demo node with the agent (ERL_FLAGS +P so it can hold LARGE
processes); SMALL processes first, then idle processes up to LARGE. At each
size it waits until a full sweep has seen them, then times N scrapes over
HTTP (median, p90) and records the body size. Prints both and the ratios
(goal: <= 1.1: the exposition is built from a bounded snapshot). Exits 1
when a ratio is past its generous bound (time 10x, body 1.5x): the
exposition has stopped being bounded.

    bench_metrics_scrape.py --build-dir build [--small 1000] [--large 1000000] [--scrapes 50]
"""

import argparse
import os
import statistics
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from nodes import DemoNode, wait_for  # noqa: E402
from probes import samples  # noqa: E402

sys.path.insert(0, os.path.join(HERE, ".."))
from bounds import Bounds  # noqa: E402

# Generous bounds on large / small (the goal is 1.1 for both): scrape times
# of about a millisecond swing with the host; the body is nearly exact once
# both sizes are measured after a whole tree walk (1.18x at 100k, the hot
# set's rate series making the difference).
MAX_TIME_RATIO = 10.0
MAX_BODY_RATIO = 1.5


def scrape_once(url):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:
        body = r.read()
    return time.perf_counter() - t0, body


def swept(node, want):
    _, body = scrape_once(node.metrics_url)
    s = samples(body.decode(), "beamscope_sweep_processes")
    return s and s[0][1] >= 0.98 * want


def metric(node, name):
    _, body = scrape_once(node.metrics_url)
    s = samples(body.decode(), name)
    return s[0][1] if s else None


def measure(node, want, scrapes, sweep_wait):
    # The exposition is built from a bounded snapshot whatever the sweep
    # covered, so a sweep that has not finished a 1M pass yet is reported,
    # not waited on forever.
    try:
        wait_for(lambda: swept(node, want), sweep_wait, interval=1, what=f"a sweep over {want} processes")
    except TimeoutError:
        pass
    # Steady state: two more sweeps, so the spawn burst's reductions and GCs
    # have left the rate rankings, as they would in production.
    base = metric(node, "beamscope_sweeps_total")
    wait_for(lambda: metric(node, "beamscope_sweeps_total") >= base + 2, 2 * sweep_wait, interval=1,
             what="two more sweeps")
    times, sizes = [], []
    for _ in range(scrapes):
        t, body = scrape_once(node.metrics_url)
        times.append(t)
        sizes.append(len(body))
        time.sleep(0.05)
    times.sort()
    by_family = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            by_family[name] = by_family.get(name, 0) + len(line) + 1
    return {"families": by_family, "swept": metric(node, "beamscope_sweep_processes"), "processes": node.process_count(), "median_ms": 1e3 * statistics.median(times),
            "p90_ms": 1e3 * times[int(0.9 * (len(times) - 1))], "bytes": statistics.median(sizes)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--large", type=int, default=1_000_000)
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--sweep-wait", type=float, default=300, help="seconds to wait for a full sweep")
    args = ap.parse_args()
    os.environ["ERL_FLAGS"] = (os.environ.get("ERL_FLAGS", "") + f" +P {max(2 * args.large, 262144)}").strip()
    with DemoNode(os.path.abspath(args.build_dir)) as node:
        node.start()
        # The tree walk and the monitor counters arrive a few seconds after
        # start: measure once every family is there.
        wait_for(lambda: metric(node, "beamscope_monitor_enabled") is not None
                 and metric(node, "beamscope_supervisor_children") is not None, 60, interval=1,
                 what="tree and monitor families")
        # And a whole walk published before the first size is measured: an
        # early one may not have reached every supervisor yet.
        node.eval("beamscope_tree:walk_now()", timeout=60)
        node.spawn_idle(max(0, args.small - node.process_count()))
        small = measure(node, args.small, args.scrapes, args.sweep_wait)
        t0 = time.monotonic()
        node.spawn_idle(max(0, args.large - node.process_count()), timeout=600)
        print(f"spawned up to {args.large} processes in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        large = measure(node, args.large, args.scrapes, args.sweep_wait)
    for r in (small, large):
        print(f"{r['processes']:>9} processes: scrape median {r['median_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms, "
              f"body {r['bytes']:.0f} bytes (last sweep visited {r['swept']:.0f})")
    grew = {k: (small["families"].get(k, 0), v) for k, v in large["families"].items()
            if v != small["families"].get(k, 0)}
    print("bytes by family that changed (small, large): " +
          ", ".join(f"{k} {a}->{b}" for k, (a, b) in sorted(grew.items(), key=lambda kv: kv[1][0] - kv[1][1])))
    t_ratio = large["median_ms"] / small["median_ms"]
    b_ratio = large["bytes"] / small["bytes"]
    met = "met" if t_ratio <= 1.1 and b_ratio <= 1.1 else "MISSED"
    print(f"ratio large/small: time {t_ratio:.2f}, body {b_ratio:.3f} (goal <= 1.1: {met})")
    # The goal is judged from the full run's numbers (bench/README.md); the
    # exit code only catches an absurd ratio.
    bounds = Bounds()
    bounds.at_most(f"scrape time {large['processes']} / {small['processes']} processes", t_ratio, MAX_TIME_RATIO)
    bounds.at_most(f"body {large['processes']} / {small['processes']} processes", b_ratio, MAX_BODY_RATIO)
    return bounds.exit_code()


if __name__ == "__main__":
    sys.exit(main())

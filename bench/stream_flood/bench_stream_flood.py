#!/usr/bin/env python3
"""The stream flood (issue 12): a message-passing workload in a node with N
processes and the agent, with and without a flood on the agent's stream
port, in paired rounds (the order alternates: quiet first, then flood
first). The flood: beamscope-flood with SOCKETS DEALER sockets (one
process, niced, so its own CPU does not count against the host) sending
garbage, truncated frames, oversize frames and Hellos at RATE a socket a
second. Meanwhile an authorized viewer (beamscope-flood watch, not niced)
streams from the agent. Prints, side by side: host throughput and p99 round
trip (quiet vs flood, the median of the rounds' ratios), the viewer's
longest gap between frames, the agent's memory (RSS of the node) growth,
the sweeps done, and every refusal counted by the agent.

    bench_stream_flood.py --build-dir build [--processes 200000] [--sockets 1000] [--phase-s 8] [--rounds 3]
    bench_stream_flood.py --build-dir build --smoke   (ctest: small, with generous bounds)
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from nodes import DemoNode, wait_for  # noqa: E402

sys.path.insert(0, os.path.join(HERE, ".."))
from bounds import Bounds  # noqa: E402

PAIRS = 64

# One phase of the host's own work: PAIRS pairs bouncing a message for
# PhaseMs; every 16th round trip timed. Returns {RoundTrips, P99Us}.
WORKLOAD = (
    "Bs_Self = self(), Bs_Ms = {ms}, "
    "Bs_Ping = fun Bs_Loop(E, D, C, S) -> "
    "  T0 = erlang:monotonic_time(microsecond), E ! {{self(), pong}}, receive pong -> ok end, "
    "  T1 = erlang:monotonic_time(microsecond), "
    "  S1 = case C band 15 of 0 -> [T1 - T0 | S]; _ -> S end, "
    "  case T1 < D of true -> Bs_Loop(E, D, C + 1, S1); false -> {{C + 1, S1}} end end, "
    "Bs_Pairs = [spawn(fun() -> "
    "   E = spawn(fun Echo() -> receive {{F, M}} -> F ! M, Echo(); stop -> ok end end), "
    "   D = erlang:monotonic_time(microsecond) + Bs_Ms * 1000, "
    "   R = Bs_Ping(E, D, 0, []), E ! stop, Bs_Self ! {{bs_done, self(), R}} end) "
    " || _ <- lists:seq(1, {pairs})], "
    "Bs_Res = [receive {{bs_done, P, R}} -> R end || P <- Bs_Pairs], "
    "Bs_All = lists:sort(lists:append([S || {{_, S}} <- Bs_Res])), "
    "{{lists:sum([C || {{C, _}} <- Bs_Res]), lists:nth(max(1, round(0.99 * length(Bs_All))), Bs_All)}}"
)


def flood_bin(build_dir):
    return os.path.join(build_dir, "bench", "stream_flood", "beamscope-flood")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def beam_pid(node):
    # The erl wrapper execs beam.smp, so the Popen pid is the VM.
    return node.proc.pid


def agent_stats(node):
    text = node.eval("maps:with([stream_rejected, sweeps_total, memory_bytes, stream_connections, "
                     "stream_cpu_us, stream_zmq_cpu_us, stream_pinned_bytes, thread_cpu_us], "
                     "beamscope_sampler:stats())")
    return text


def parse_int(text, key):
    m = re.search(rf"\b{key} => (\d+)", text)
    return int(m.group(1)) if m else 0


def rejected(text):
    m = re.search(r"stream_rejected => #\{([^}]*)\}", text)
    return {k: int(v) for k, v in re.findall(r"(\w+) => (\d+)", m.group(1))} if m else {}


def sweep_progress(node):
    text = node.eval("maps:with([sweeps_total, swept_total], beamscope_sampler:sweep_stats())")
    return parse_int(text, "sweeps_total"), parse_int(text, "swept_total")


def phase(node, args, flooded):
    """One measured phase. The authorized viewer connects first (it holds
    its place under the cap, as a viewer that was there before a flood
    does); with `flooded`, the flood starts once the viewer streams."""
    watcher = subprocess.Popen([flood_bin(args.build_dir), "watch", "--connect", node.stream_endpoint,
                                "--seconds", str(args.phase_s + 3)], stdout=subprocess.PIPE, text=True)
    wait_for(lambda: "stream_connections => 1" in agent_stats(node) or
             parse_int(agent_stats(node), "stream_connections") >= 1, 10, interval=0.1,
             what="the viewer connected")
    time.sleep(1.5)  # its keyframe and a first delta: the stream is flowing
    procs = []
    if flooded:
        procs.append(subprocess.Popen(
            ["nice", "-n", "19", flood_bin(args.build_dir), "flood", "--connect", node.stream_endpoint,
             "--sockets", str(args.sockets), "--seconds", str(args.phase_s + 1), "--rate", str(args.rate),
             "--big-bytes", str(args.big_bytes)], stdout=subprocess.PIPE, text=True))
        time.sleep(0.5)
    before, progress0, rss0 = agent_stats(node), sweep_progress(node), rss_kib(beam_pid(node))
    out = node.eval(WORKLOAD.format(ms=int(args.phase_s * 1000), pairs=PAIRS), timeout=args.phase_s + 60)
    after, progress1, rss1 = agent_stats(node), sweep_progress(node), rss_kib(beam_pid(node))
    count, p99 = (int(x) for x in re.match(r"\{(\d+),(\d+)\}", out).groups())
    flood = json.loads(procs[0].communicate(timeout=60)[0]) if procs else None
    watched = json.loads(watcher.communicate(timeout=60)[0])
    if watched["frames"] == 0:
        watched["max_gap_ms"] = float("inf")
    return {"tput": count / args.phase_s, "p99": p99, "watch": watched, "flood": flood,
            "sweeps": progress1[0] - progress0[0], "swept": progress1[1] - progress0[1],
            "rss_kib": rss1 - rss0, "rejected_before": rejected(before), "rejected_after": rejected(after),
            "after": after}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--processes", type=int, default=200_000)
    ap.add_argument("--sockets", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=100, help="messages a socket a second")
    ap.add_argument("--big-bytes", type=int, default=10 << 20)
    ap.add_argument("--phase-s", type=float, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="small and short, generous bounds (ctest)")
    args = ap.parse_args()
    if args.smoke:
        args.processes, args.sockets, args.phase_s, args.rounds = 20_000, 200, 8, 1
    args.build_dir = os.path.abspath(args.build_dir)
    with open("/proc/loadavg") as f:
        load0 = " ".join(f.read().split()[:3])
    if not os.access(flood_bin(args.build_dir), os.X_OK):
        print(f"missing {flood_bin(args.build_dir)}: build the bench_stream_flood target", file=sys.stderr)
        return 1
    os.environ["ERL_FLAGS"] = (os.environ.get("ERL_FLAGS", "") + f" +P {max(2 * args.processes, 262144)}").strip()
    with DemoNode(args.build_dir) as node:
        node.start()
        node.spawn_idle(max(0, args.processes - node.process_count()), timeout=300)
        base = sweep_progress(node)[0]
        wait_for(lambda: sweep_progress(node)[0] >= base + 1, 300, interval=1,
                 what="a full sweep of the loaded node")
        rss0 = rss_kib(beam_pid(node))
        rounds = []
        for r in range(args.rounds):
            order = (False, True) if r % 2 == 0 else (True, False)
            res = {flooded: phase(node, args, flooded) for flooded in order}
            rounds.append((res[False], res[True]))
        rss1 = rss_kib(beam_pid(node))
        final = agent_stats(node)
        alive = node.alive()
    tput = [f["tput"] / q["tput"] for q, f in rounds]
    p99 = [f["p99"] / max(q["p99"], 1) for q, f in rounds]
    gap = max(f["watch"]["max_gap_ms"] for _, f in rounds)
    gap_quiet = max(q["watch"]["max_gap_ms"] for q, _ in rounds)
    sweeps_q = sum(q["sweeps"] for q, _ in rounds)
    sweeps_f = sum(f["sweeps"] for _, f in rounds)
    swept_q = sum(q["swept"] for q, _ in rounds)
    swept_f = sum(f["swept"] for _, f in rounds)
    rss_q = sum(q["rss_kib"] for q, _ in rounds) / 1024
    rss_f = sum(f["rss_kib"] for _, f in rounds) / 1024
    rej = rejected(final)
    sent = {}
    for _, f in rounds:
        for k, v in f["flood"]["sent"].items():
            sent[k] = sent.get(k, 0) + v
    head = subprocess.run(["git", "-C", HERE, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout
    print(f"run: commit {head.strip()[:70]}, {time.strftime('%Y-%m-%d %H:%M')}, load average at start {load0}")
    row = "{:<38} {:>14} {:>14} {:>8}"
    print(f"stream flood: {args.processes} processes, {PAIRS} pairs, {args.sockets} flood sockets at "
          f"{args.rate}/s each, {args.rounds} paired rounds of {args.phase_s:.0f} s (order alternating)")
    print(row.format("measure", "quiet", "flood", "ratio"))
    print(row.format("host round trips/s", f"{statistics.mean(q['tput'] for q, _ in rounds):.0f}",
                     f"{statistics.mean(f['tput'] for _, f in rounds):.0f}", f"{statistics.median(tput):.3f}"))
    print(row.format("host p99 round trip us", f"{statistics.median(q['p99'] for q, _ in rounds):.0f}",
                     f"{statistics.median(f['p99'] for _, f in rounds):.0f}", f"{statistics.median(p99):.3f}"))
    print(row.format("viewer max gap between frames ms", f"{gap_quiet:.0f}", f"{gap:.0f}", "-"))
    print(row.format("viewer frames", sum(q["watch"]["frames"] for q, _ in rounds),
                     sum(f["watch"]["frames"] for _, f in rounds), "-"))
    print(row.format("sweeps", sweeps_q, sweeps_f, "-"))
    print(row.format("processes swept (the sweep's pace)", swept_q, swept_f, f"{swept_f / max(swept_q, 1):.2f}"))
    print(row.format("node RSS growth during the phases MiB", f"{rss_q:.1f}", f"{rss_f:.1f}", "-"))
    print(f"node RSS growth over the run: {(rss1 - rss0) / 1024:.1f} MiB; agent memory_bytes "
          f"{parse_int(final, 'memory_bytes')}, frames pinned for viewers {parse_int(final, 'stream_pinned_bytes')} B")
    print(f"flood sent: {sent}; per round ratios: throughput {' '.join(f'{x:.3f}' for x in tput)}, "
          f"p99 {' '.join(f'{x:.3f}' for x in p99)}")
    print(f"agent refusals: {rej}; stream threads CPU {parse_int(final, 'stream_cpu_us') / 1e6:.2f} s "
          f"(libzmq's {parse_int(final, 'stream_zmq_cpu_us') / 1e6:.2f} s)")
    b = Bounds()
    b.at_least("node alive after the flood (1 = yes)", 1.0 if alive else 0.0, 1.0)
    b.at_most("viewer's longest gap between frames under the flood, ms", gap, 2000)
    b.at_most("node RSS growth over the run, MiB", (rss1 - rss0) / 1024, 64)
    b.at_most("node RSS growth during flood phases beyond quiet ones, MiB", rss_f - rss_q, 32)
    b.at_least("garbage counted (bad_frame + misbehaving)", rej.get("bad_frame", 0) + rej.get("misbehaving", 0), 1)
    b.at_least("connections over the cap counted (too_many_viewers)", rej.get("too_many_viewers", 0), 1)
    if swept_q >= args.processes:
        b.at_least("sweep's pace under the flood / quiet (processes swept)", swept_f / max(swept_q, 1), 0.25)
    else:
        # Seen here: 64 busy pairs on 2 schedulers leave the sampler's ticks
        # so long in wall time (charged as such) that it barely sweeps even
        # in the quiet phases; the pace ratio then says nothing.
        print(f"sweep's pace not judged: {swept_q} processes swept in the quiet phases, under one full sweep")
    # Generous: a shared 2-core machine drifts ~10% phase to phase (goals 0.98, 1.05).
    b.at_least("host throughput flood / quiet", statistics.median(tput), 0.5)
    b.at_most("host p99 flood / quiet", statistics.median(p99), 5.0)
    return b.exit_code()


if __name__ == "__main__":
    sys.exit(main())

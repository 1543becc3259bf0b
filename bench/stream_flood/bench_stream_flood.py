#!/usr/bin/env python3
"""The stream flood (issue 12): a message-passing workload in a node with N
processes and the agent, in rounds of three phases whose order rotates
round to round: quiet (no flood), sink (the flood aimed at a bare sink, not
the agent) and flood (the flood on the agent's stream port). The flood:
beamscope-flood with SOCKETS DEALER sockets (one process, niced, so its own
CPU does not count against the host) sending garbage, truncated frames,
oversize frames and Hellos at RATE a socket a second. The sink
(beamscope-flood sink, at the nice level of the agent's stream threads) is
a ROUTER with the agent's transport options that discards every message:
the flood costs the machine as much there (its process, the kernel's
loopback work), so flood / sink is the agent's own share of the harm and
flood / quiet the whole of it. In every phase an authorized viewer
(beamscope-flood watch, not niced) streams from the agent. Prints, side by
side: host throughput and p99 round trip (the median of the rounds'
ratios), the viewer's longest gap between frames, the agent's memory (RSS
of the node) growth, the sweeps done, and every refusal counted by the
agent.

    bench_stream_flood.py --build-dir build [--processes 200000] [--sockets 1000] [--phase-s 8] [--rounds 3]
    (rounds: quiet, sink and flood phases, in an order rotating round to round)
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


def run_workload(node, args):
    """One phase of WORKLOAD, started in the node and its result fetched
    afterwards: one erl_call held open for the whole phase failed now and
    then at 200k processes under the flood ("evaluating input failed"), and
    a failed short call can be asked again. Returns (round trips, p99 us)."""
    node.eval("application:unset_env(beamscope_bench, flood_workload), "
              "spawn(fun() -> Bs_Result = begin " + WORKLOAD.format(ms=int(args.phase_s * 1000), pairs=PAIRS) +
              " end, application:set_env(beamscope_bench, flood_workload, Bs_Result) end), ok")
    time.sleep(args.phase_s)
    out = wait_for(lambda: re.match(r"\{ok,\{(\d+),(\d+)\}\}",
                                    node.eval("application:get_env(beamscope_bench, flood_workload)")),
                   60, interval=0.2, what="the workload's result")
    return int(out.group(1)), int(out.group(2))


def flood_bin(build_dir):
    return os.path.join(build_dir, "bench", "stream_flood", "beamscope-flood")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def machine_ticks():
    """The machine's CPU time by kind (/proc/stat, clock ticks): what the
    host's schedulers (user), the niced flooder, sink and agent threads
    (nice), the kernel and its loopback work (system, softirq) took."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq = (int(x) for x in f.readline().split()[1:8])
    return {"user": user, "nice": nice, "system": system, "softirq": irq + softirq, "idle": idle + iowait}


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


KINDS = ("quiet", "sink", "flood")
# The agent lowers its stream threads (its own and libzmq's) by 10 levels
# (kStreamThreadNice): the sink runs at the same priority.
SINK_NICE = 10


def start_sink(args):
    """A bare ROUTER on an ephemeral loopback port; returns (process, endpoint)."""
    proc = subprocess.Popen(["nice", "-n", str(SINK_NICE), flood_bin(args.build_dir), "sink", "--bind",
                             "tcp://127.0.0.1:*", "--seconds", str(args.phase_s + 4)],
                            stdout=subprocess.PIPE, text=True)
    return proc, json.loads(proc.stdout.readline())["endpoint"]


def phase(node, args, kind):
    """One measured phase of `kind` (KINDS). The authorized viewer connects
    first (it holds its place under the cap, as a viewer that was there
    before a flood does); the flood, at the agent or at the sink, starts
    once the viewer streams."""
    watcher = subprocess.Popen([flood_bin(args.build_dir), "watch", "--connect", node.stream_endpoint,
                                "--seconds", str(args.phase_s + 3)], stdout=subprocess.PIPE, text=True)
    wait_for(lambda: "stream_connections => 1" in agent_stats(node) or
             parse_int(agent_stats(node), "stream_connections") >= 1, 10, interval=0.1,
             what="the viewer connected")
    time.sleep(1.5)  # its keyframe and a first delta: the stream is flowing
    procs, sink = [], None
    if kind != "quiet":
        target = node.stream_endpoint
        if kind == "sink":
            sink, target = start_sink(args)
        procs.append(subprocess.Popen(
            ["nice", "-n", "19", flood_bin(args.build_dir), "flood", "--connect", target,
             "--sockets", str(args.sockets), "--seconds", str(args.phase_s + 1), "--rate", str(args.rate),
             "--big-bytes", str(args.big_bytes)], stdout=subprocess.PIPE, text=True))
        time.sleep(0.5)
    before, progress0, rss0 = agent_stats(node), sweep_progress(node), rss_kib(beam_pid(node))
    ticks0 = machine_ticks()
    count, p99 = run_workload(node, args)
    ticks1 = machine_ticks()
    after, progress1, rss1 = agent_stats(node), sweep_progress(node), rss_kib(beam_pid(node))
    flood = json.loads(procs[0].communicate(timeout=60)[0]) if procs else None
    sunk = json.loads(sink.communicate(timeout=60)[0]) if sink else None
    watched = json.loads(watcher.communicate(timeout=60)[0])
    if watched["frames"] == 0:
        watched["max_gap_ms"] = float("inf")
    return {"tput": count / args.phase_s, "p99": p99, "watch": watched, "flood": flood, "sink": sunk,
            "stream_cpu_s": (parse_int(after, "stream_cpu_us") - parse_int(before, "stream_cpu_us")) / 1e6,
            "sweeps": progress1[0] - progress0[0], "swept": progress1[1] - progress0[1],
            "rss_kib": rss1 - rss0, "ticks": {k: ticks1[k] - ticks0[k] for k in ticks0}, "rejected_before": rejected(before), "rejected_after": rejected(after),
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
            # Rotating: over three rounds each kind takes each place once.
            order = KINDS[r % 3:] + KINDS[:r % 3]
            rounds.append({})
            for kind in order:
                rounds[-1][kind] = res = phase(node, args, kind)
                print(f"round {r + 1} {kind}: {res['tput']:.0f} round trips/s, p99 {res['p99']} us",
                      file=sys.stderr, flush=True)
        rss1 = rss_kib(beam_pid(node))
        final = agent_stats(node)
        alive = node.alive()

    def ratios(key, num, den):
        return [r[num][key] / max(r[den][key], 1) for r in rounds]

    def total(kind, key):
        return sum(r[kind][key] for r in rounds)

    pairs = (("flood", "quiet"), ("sink", "quiet"), ("flood", "sink"))
    tput = {p: ratios("tput", *p) for p in pairs}
    p99 = {p: ratios("p99", *p) for p in pairs}
    gap = {k: max(r[k]["watch"]["max_gap_ms"] for r in rounds) for k in KINDS}
    stamp_gap = {k: max(r[k]["watch"].get("max_stamp_gap_ms", 0) for r in rounds) for k in KINDS}
    swept_q, swept_f = total("quiet", "swept"), total("flood", "swept")
    rss_q, rss_f = total("quiet", "rss_kib") / 1024, total("flood", "rss_kib") / 1024
    rej = rejected(final)
    sent = {k: {} for k in ("sink", "flood")}
    for r in rounds:
        for k in sent:
            for kk, v in r[k]["flood"]["sent"].items():
                sent[k][kk] = sent[k].get(kk, 0) + v
    head = subprocess.run(["git", "-C", HERE, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout
    print(f"run: commit {head.strip()[:70]}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
          f"load average at start {load0}")
    print(f"stream flood: {args.processes} processes, {PAIRS} pairs, {args.sockets} flood sockets at "
          f"{args.rate}/s each, {args.rounds} rounds of {args.phase_s:.0f} s phases "
          f"(orders {', '.join('/'.join(r) for r in rounds)})")
    row = "{:<38} {:>10} {:>10} {:>10} {:>12} {:>11} {:>11}"
    print(row.format("measure", "quiet", "sink", "flood", "flood/quiet", "sink/quiet", "flood/sink"))
    med = statistics.median
    print(row.format("host round trips/s", *(f"{statistics.mean(r[k]['tput'] for r in rounds):.0f}" for k in KINDS),
                     *(f"{med(tput[p]):.3f}" for p in pairs)))
    print(row.format("host p99 round trip us", *(f"{med(r[k]['p99'] for r in rounds):.0f}" for k in KINDS),
                     *(f"{med(p99[p]):.3f}" for p in pairs)))
    print(row.format("viewer max gap between frames ms", *(f"{gap[k]:.0f}" for k in KINDS), "-", "-", "-"))
    # The same in the agent's stamps: a tick that came late, not a late delivery.
    print(row.format("  the same between their tick stamps ms", *(f"{stamp_gap[k]:.0f}" for k in KINDS), "-", "-", "-"))
    print(row.format("viewer frames", *(sum(r[k]["watch"]["frames"] for r in rounds) for k in KINDS), "-", "-", "-"))
    print(row.format("sweeps", *(total(k, "sweeps") for k in KINDS), "-", "-", "-"))
    print(row.format("processes swept (the sweep's pace)", *(total(k, "swept") for k in KINDS),
                     f"{swept_f / max(swept_q, 1):.2f}", "-", "-"))
    print(row.format("node RSS growth during the phases MiB", *(f"{total(k, 'rss_kib') / 1024:.1f}" for k in KINDS),
                     "-", "-", "-"))
    print(row.format("agent stream threads CPU s", *(f"{total(k, 'stream_cpu_s'):.2f}" for k in KINDS),
                     "-", "-", "-"))
    print(row.format("flooder's CPU s (nice 19)", "-", *(f"{sum(r[k]['flood']['cpu_s'] for r in rounds):.2f}"
                                                         for k in ("sink", "flood")), "-", "-", "-"))
    for part in ("user", "nice", "system", "softirq", "idle"):
        # Share of the machine's CPU time during the workloads, by kind.
        shares = [100 * sum(r[k]["ticks"][part] for r in rounds) / max(1, sum(sum(r[k]["ticks"].values())
                                                                              for r in rounds)) for k in KINDS]
        print(row.format(f"machine CPU % {part}", *(f"{x:.1f}" for x in shares), "-", "-", "-"))
    print(f"the sink (nice {SINK_NICE}) read {sum(r['sink']['sink']['parts'] for r in rounds)} message parts, "
          f"{sum(r['sink']['sink']['bytes'] for r in rounds) / 1e6:.1f} MB, with "
          f"{sum(r['sink']['sink']['cpu_s'] for r in rounds):.2f} s of CPU")
    print(f"node RSS growth over the run: {(rss1 - rss0) / 1024:.1f} MiB; agent memory_bytes "
          f"{parse_int(final, 'memory_bytes')}, frames pinned for viewers {parse_int(final, 'stream_pinned_bytes')} B")
    print(f"flood sent at the sink: {sent['sink']}; at the agent: {sent['flood']}")
    for p in pairs:
        print(f"per round {p[0]}/{p[1]}: throughput {' '.join(f'{x:.3f}' for x in tput[p])}, "
              f"p99 {' '.join(f'{x:.3f}' for x in p99[p])}")
    for k in KINDS:
        print(f"per round viewer's longest gap in {k}, ms (arrivals / the agent's stamps): " + " ".join(
            f"{r[k]['watch']['max_gap_ms']:.0f}/{r[k]['watch'].get('max_stamp_gap_ms', 0):.0f}" for r in rounds))
    print(f"agent refusals: {rej}; stream threads CPU over the run {parse_int(final, 'stream_cpu_us') / 1e6:.2f} s "
          f"(libzmq's {parse_int(final, 'stream_zmq_cpu_us') / 1e6:.2f} s)")
    b = Bounds()

    def versus_quiet(what, flood_q, sink_q, limit, at_least):
        """A flood / quiet bound. That ratio holds the flood's own cost on
        this machine (its process, the kernel's loopback work) as well as
        the agent's: when the same flood at the bare sink is already past
        the bound, it says nothing about the agent, and flood / sink judges."""
        if (sink_q < limit) if at_least else (sink_q > limit):
            print(f"{what} not judged: {flood_q:.3f}; the same flood at the bare sink: {sink_q:.3f}, "
                  f"already past {limit}")
        else:
            (b.at_least if at_least else b.at_most)(what, flood_q, limit)

    b.at_least("node alive after the flood (1 = yes)", 1.0 if alive else 0.0, 1.0)
    b.at_most("viewer's longest gap between frames under the flood, ms", gap["flood"], 2000)
    b.at_most("node RSS growth over the run, MiB", (rss1 - rss0) / 1024, 64)
    b.at_most("node RSS growth during flood phases beyond quiet ones, MiB", rss_f - rss_q, 32)
    b.at_least("garbage counted (bad_frame + misbehaving)", rej.get("bad_frame", 0) + rej.get("misbehaving", 0), 1)
    b.at_least("connections over the cap counted (too_many_viewers)", rej.get("too_many_viewers", 0), 1)
    if swept_q >= args.processes:
        versus_quiet("sweep's pace under the flood / quiet (processes swept)", swept_f / max(swept_q, 1),
                     total("sink", "swept") / max(swept_q, 1), 0.25, True)
    else:
        # Seen here: 64 busy pairs on 2 schedulers leave the sampler's ticks
        # so long in wall time (charged as such) that it barely sweeps even
        # in the quiet phases; the pace ratio then says nothing.
        print(f"sweep's pace not judged: {swept_q} processes swept in the quiet phases, under one full sweep")
    # Generous: a shared 2-core machine drifts ~10% phase to phase (goals 0.98, 1.05).
    versus_quiet("host throughput flood / quiet", med(tput[("flood", "quiet")]), med(tput[("sink", "quiet")]), 0.5, True)
    versus_quiet("host p99 flood / quiet", med(p99[("flood", "quiet")]), med(p99[("sink", "quiet")]), 5.0, False)
    # The agent's own share (the flood's cost to the machine taken out).
    b.at_least("host throughput flood / sink", med(tput[("flood", "sink")]), 0.5)
    b.at_most("host p99 flood / sink", med(p99[("flood", "sink")]), 5.0)
    return b.exit_code()


if __name__ == "__main__":
    sys.exit(main())

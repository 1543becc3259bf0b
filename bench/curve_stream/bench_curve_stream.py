#!/usr/bin/env python3
"""The agent's stream with CURVE vs plaintext, side by side in one run.

One real demo node with N idle processes (ERL_FLAGS +P). Each phase starts
the agent's application in one mode (plaintext, or CURVE with a secret key
and an authorized-keys file), waits until a sweep has seen the N processes,
then V viewers (tests/integration/stream_load, real ZeroMQ DEALERs) stream
for S seconds; the application is stopped after the phase. Rounds
alternate the order (plain, curve), then (curve, plain), ...

Per phase:
- agent CPU: the agent's own threads (`thread_cpu_us` of
  beamscope_nif:stats/1: the stream I/O thread, the /metrics thread,
  the dirty publish calls) plus libzmq's threads in the node (ZMQbg/*,
  where CURVE encrypts; per-thread CPU from /proc/PID/task/*/schedstat);
  and, for context, the whole node's CPU (/proc/PID/stat);
- bytes: what the viewers' TCP connections received (TCP_INFO
  tcpi_bytes_received), and the frames' own bytes, so the wire overhead of
  each mode is wire bytes per frame byte.

Prints each phase, then ratios CURVE / plaintext over the phases' totals
(goals: agent CPU <= 1.2x, bytes on the wire <= 1.05x). Exits 1 when a
ratio is past its generous bound (CPU 4x, bytes 1.5x): something absurd,
such as every frame encrypted many times over.

    bench_curve_stream.py --build-dir build [--processes 200000] [--viewers 10] [--seconds 30] [--rounds 2]
"""

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from nodes import DemoNode, wait_for  # noqa: E402
from probes import samples, scrape  # noqa: E402
from test_secure_stream import keygen  # noqa: E402

sys.path.insert(0, os.path.join(HERE, ".."))
from bounds import Bounds  # noqa: E402

# Generous bounds on CURVE / plaintext (goals 1.2 and 1.05): the agent's
# stream CPU is tens of milliseconds a second and swings with the host.
MAX_CPU_RATIO = 4.0
MAX_BYTES_RATIO = 1.5

CLK_TCK = os.sysconf("SC_CLK_TCK")


def zmq_threads_ns(pid):
    """CPU time (ns) of each libzmq thread of the node, by tid."""
    out = {}
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(f"{task}/comm") as f:
                comm = f.read().strip()
            if "ZMQbg" not in comm:  # "ZMQbg/IO/0", or "N/ZMQbg/IO/0" with a name prefix
                continue
            with open(f"{task}/schedstat") as f:
                out[os.path.basename(task)] = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that just ended
    return out


def node_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def metric(url, name):
    s = samples(scrape(url), name)
    return s[0][1] if s else None


class Phase:
    def __init__(self, mode):
        self.mode = mode

    def snapshot(self, node, pid):
        # thread_cpu_us: the agent's own threads; an agent that also counts
        # libzmq's threads there reports them apart (stream_zmq_cpu_us),
        # taken out here: they are read from /proc like any agent's.
        own = node.eval_int("(fun() -> {ok, R, _} = beamscope_sampler:nif_ref(), S = beamscope_nif:stats(R), "
                            "maps:get(thread_cpu_us, S) - maps:get(stream_zmq_cpu_us, S, 0) end)()")
        return {"t": time.monotonic(), "zmq": zmq_threads_ns(pid), "node_s": node_cpu_s(pid), "own_us": own}

    def finish(self, a, b, load):
        zmq_ns = sum(ns - a["zmq"].get(tid, 0) for tid, ns in b["zmq"].items())
        self.seconds = b["t"] - a["t"]
        self.zmq_ms = zmq_ns / 1e6
        self.own_ms = (b["own_us"] - a["own_us"]) / 1e3
        self.agent_ms = self.zmq_ms + self.own_ms
        self.node_ms = (b["node_s"] - a["node_s"]) * 1e3
        v = load["viewers"]
        self.wire = sum(x["wire_bytes"] for x in v)
        self.app = sum(x["app_bytes"] for x in v)
        self.frames = sum(x["keyframes"] + x["deltas"] + x["other_frames"] for x in v)
        self.keyframes = sum(x["keyframes"] for x in v)
        self.max_gap_ms = max(x["max_delta_gap_ms"] for x in v)

    def line(self):
        return (f"{self.mode:>9}: {self.seconds:5.1f} s, agent CPU {self.agent_ms:8.1f} ms "
                f"(own threads {self.own_ms:.1f}, libzmq {self.zmq_ms:.1f}; node {self.node_ms:.0f}), "
                f"wire {self.wire / 1e6:8.3f} MB for {self.app / 1e6:.3f} MB of frames "
                f"({self.frames} frames, {self.keyframes} keyframes; x{self.wire / max(self.app, 1):.4f}), "
                f"max delta gap {self.max_gap_ms:.0f} ms")


def run_phase(a, node, pid, mode, keys):
    env = {"stream_secret_key_file": keys["agent"] + ".secret",
           "stream_authorized_keys_file": keys["authorized"]}
    if mode == "curve":
        sets = ", ".join(f"application:set_env(beamscope, {k}, \"{v}\")" for k, v in env.items())
    else:
        sets = ", ".join(f"application:unset_env(beamscope, {k})" for k in env)
    started = node.eval(f"{sets}, application:ensure_all_started(beamscope)", timeout=60)
    if not started.startswith("{ok,"):
        raise RuntimeError(f"agent did not start ({mode}): {started}\n{node.log_tail()}")
    try:
        # Steady state: a sweep has seen every process and one more has run.
        wait_for(lambda: (metric(node.metrics_url, "beamscope_sweep_processes") or 0) >= 0.98 * a.processes,
                 a.sweep_wait, interval=0.5, what=f"a sweep over {a.processes} processes")
        base = metric(node.metrics_url, "beamscope_sweeps_total")
        wait_for(lambda: metric(node.metrics_url, "beamscope_sweeps_total") > base, a.sweep_wait, interval=0.5,
                 what="one more sweep")
        cmd = [a.stream_load, "--endpoint", node.stream_endpoint, "--viewers", str(a.viewers),
               "--seconds", str(a.seconds)]
        if mode == "curve":
            cmd += ["--server-key", keys["agent"] + ".pub", "--key", keys["viewer"] + ".secret"]
        phase = Phase(mode)
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as p:
            first = p.stdout.readline().strip()
            if first != "ready":
                raise RuntimeError(f"stream_load ({mode}) did not get ready: {first!r}")
            before = phase.snapshot(node, pid)
            report = p.stdout.readline()
            after = phase.snapshot(node, pid)
            p.wait(timeout=30)
        if p.returncode != 0:
            raise RuntimeError(f"stream_load ({mode}) failed: {p.returncode}")
        phase.finish(before, after, json.loads(report))
        print(phase.line(), flush=True)
        return phase
    finally:
        node.eval("application:stop(beamscope)", timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--processes", type=int, default=200_000)
    ap.add_argument("--viewers", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sweep-wait", type=float, default=120)
    a = ap.parse_args()
    a.build_dir = os.path.abspath(a.build_dir)
    a.stream_load = os.path.join(a.build_dir, "tests", "integration", "stream_load")
    if not os.access(a.stream_load, os.X_OK):
        print(f"missing {a.stream_load}: build the stream_load target", file=sys.stderr)
        return 2
    d = tempfile.mkdtemp(prefix="bs_bench_curve_")
    keys = {"agent": os.path.join(d, "agent"), "viewer": os.path.join(d, "viewer"),
            "authorized": os.path.join(d, "authorized_keys")}
    keygen(a.build_dir, keys["agent"])
    with open(keys["authorized"], "w") as f:
        f.write(keygen(a.build_dir, keys["viewer"]) + "\n")
    os.environ["ERL_FLAGS"] = (os.environ.get("ERL_FLAGS", "") + f" +P {max(2 * a.processes, 262144)}").strip()
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"curve_stream: {a.processes} processes, {a.viewers} viewers, {a.seconds:g} s a phase, "
          f"{a.rounds} rounds; commit {commit}, {datetime.datetime.now():%Y-%m-%d %H:%M}, "
          f"load {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}", flush=True)
    phases = []
    # Plaintext first at boot; the phases set the mode themselves.
    with DemoNode(a.build_dir, name_prefix="benchcurve") as node:
        node.start()
        pid = node.eval_int("list_to_integer(os:getpid())")
        node.eval("application:stop(beamscope)", timeout=60)
        node.spawn_idle(max(0, a.processes - node.process_count()), timeout=600)
        for r in range(a.rounds):
            order = ("plain", "curve") if r % 2 == 0 else ("curve", "plain")
            for mode in order:
                phases.append(run_phase(a, node, pid, mode, keys))
    load = os.getloadavg()
    total = {m: [p for p in phases if p.mode == m] for m in ("plain", "curve")}

    def rate(mode, f):
        return sum(f(p) for p in total[mode]) / sum(p.seconds for p in total[mode])
    cpu = rate("curve", lambda p: p.agent_ms) / max(rate("plain", lambda p: p.agent_ms), 1e-9)
    node_cpu = rate("curve", lambda p: p.node_ms) / max(rate("plain", lambda p: p.node_ms), 1e-9)
    # Wire bytes per frame byte: the keyframes a window happens to hold
    # change the payload, not the overhead of each mode.
    overhead = {m: sum(p.wire for p in total[m]) / max(sum(p.app for p in total[m]), 1) for m in total}
    wire = overhead["curve"] / overhead["plain"]
    raw = rate("curve", lambda p: p.wire) / max(rate("plain", lambda p: p.wire), 1e-9)
    cpu_ok, bytes_ok = cpu <= 1.2, wire <= 1.05
    print(f"agent CPU/s curve / plain: {cpu:.2f}x (goal <= 1.2: {'met' if cpu_ok else 'MISSED'}); "
          f"whole node {node_cpu:.2f}x")
    print(f"wire bytes per frame byte curve / plain: {wire:.4f}x (goal <= 1.05: {'met' if bytes_ok else 'MISSED'}); "
          f"wire bytes/s {raw:.3f}x; load at the end {load[0]:.1f}")
    # The goals are judged from the full run's numbers (bench/README.md);
    # the exit code only catches an absurd ratio.
    bounds = Bounds()
    bounds.at_most("agent CPU curve / plain", cpu, MAX_CPU_RATIO)
    bounds.at_most("wire bytes per frame byte curve / plain", wire, MAX_BYTES_RATIO)
    return bounds.exit_code()


if __name__ == "__main__":
    sys.exit(main())

"""Faults: the agent stopped and started 300 times in one node under load
(a message-passing workload in the node; two viewers streaming and
reconnecting; a stream of raw TCP connections sending garbage to the
stream port; children requests from a third peer), after 200 cycles of
warm-up. What it leaves behind is measured with the agent stopped, every
100 cycles: the beam process has no more fds or threads than before,
erlang:memory(total) no more, and its RSS does not grow with the cycles.

beamscope_leak_tests (tests/agent) cycles the agent in an idle node; this
is the same count with viewers and garbage at the ports while it happens.

What it found: a VM abort in libzmq 4.3.4 ("Resource temporarily
unavailable (src/zmtp_engine.cpp:446)") when a peer speaking ZMTP 1.0 (any
bytes not starting 0xFF: the garbage connections) finished its greeting
while the agent closed its stream socket; the plaintext stream now sets a
ZAP domain, so libzmq refuses such peers. The "-2.5 to +10 MB" that kept it
off ctest was the measurement's: erlang:memory read in the same call as a
list comprehension over every process counted that evaluator's own garbage
(7 MB apart in two readings of one state), and the running agent's state
varies with what it last sampled. Read alone, with the agent stopped, it
stays within 0.7 MB over 500 cycles; RSS wanders +-10 MB without a trend.
"""

import os
import socket
import subprocess
import threading
import time
import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from peer import Watcher, beam_os_counts, peer_path

BUILD_DIR = build_dir_from_argv()
ROUNDS = 100
WARM_UP_BLOCKS = 2  # RSS climbs over the first 100-200 cycles, then wanders
BLOCKS = 3          # measured: 300 cycles in all
RSS_SLACK_KB = 16 * 1024
ERTS_SLACK = 4 * 1024 * 1024
NOISE = 2  # threads or fds of the VM itself (a port program, the file server) mid-flight
SOCKET_SLACK = 12

# A ring of 1,000 processes passing 20 tokens around, each hop a 1 ms
# timer (~20,000 messages a second, a share of a core on a shared host).
WORKLOAD = """
Bs_Ring = fun Bs_Loop(Next) -> receive {set, N} -> Bs_Loop(N); stop -> ok;
                                        T -> erlang:send_after(1, Next, T), Bs_Loop(Next) end end,
Bs_Ps = [spawn(fun() -> Bs_Ring(none) end) || _ <- lists:seq(1, 1000)],
[P ! {set, N} || {P, N} <- lists:zip(Bs_Ps, tl(Bs_Ps) ++ [hd(Bs_Ps)])],
[hd(Bs_Ps) ! {token, I} || I <- lists:seq(1, 20)],
persistent_term:put(bs_ring, Bs_Ps), length(Bs_Ps)
"""
STOP_WORKLOAD = "[exit(P, kill) || P <- persistent_term:get(bs_ring)], persistent_term:erase(bs_ring)"
# Every process garbage collected, then what the node's allocators hold,
# read by a call of its own: the evaluator of a list comprehension over
# every process leaves megabytes of its own garbage (measured: 7 MB between
# two runs that read alike in a separate call). The ring's heaps, collected
# too, stay near their minimum while its tokens move.
COLLECT = "[garbage_collect(P) || P <- processes()], ok"
MEMORY = "erlang:memory(total)"
# ROUNDS cycles (stop, start, one tick) in a process of the node, which
# leaves {ok, Milliseconds} or what went wrong in a persistent_term (one
# long erl_call through 100 agent restarts sometimes lost its answer).
CYCLES = """
persistent_term:erase(bs_cycles),
spawn(fun() ->
  Bs_T0 = erlang:monotonic_time(millisecond),
  Bs_R = try [begin ok = application:stop(beamscope), ok = application:start(beamscope),
                    ok = beamscope_sampler:tick_now() end || _ <- lists:seq(1, {rounds})],
             {{ok, erlang:monotonic_time(millisecond) - Bs_T0}}
         catch Bs_C:Bs_E -> {{Bs_C, Bs_E}} end,
  persistent_term:put(bs_cycles, Bs_R) end), ok
"""


def garbage_connections(port, stop, counts):
    """Connects, sends bytes that are no ZMTP greeting, closes; ~50 a second."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(os.urandom(64) + b"\xff" * 9 + b"\x7f" + os.urandom(200))
                counts["garbage"] += 1
        except OSError:
            counts["refused"] += 1  # the agent was between stop and start
        stop.wait(0.02)


def requests_loop(endpoint, node_name, stop, counts):
    while not stop.is_set():
        subprocess.run([peer_path(BUILD_DIR), "requests", endpoint, node_name, "200"], capture_output=True,
                       timeout=60)
        counts["request_runs"] += 1


def sockets_on_ports(os_pid, ports):
    """The process's TCP sockets whose local port is one of `ports` (the
    agent's stream and /metrics): with the agent stopped there are none."""
    inodes = set()
    for fd in os.listdir(f"/proc/{os_pid}/fd"):
        try:
            target = os.readlink(f"/proc/{os_pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if int(cols[1].split(":")[1], 16) in ports and cols[9] in inodes:
                        found += 1
        except OSError:
            continue
    return found


def fd_kinds(os_pid):
    """What the process's fds are, by kind ("socket", "pipe", a file's path)."""
    kinds = {}
    for fd in os.listdir(f"/proc/{os_pid}/fd"):
        try:
            target = os.readlink(f"/proc/{os_pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        kind = target.split(":")[0] if ":[" in target else target
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


class AgentRestarts(unittest.TestCase):
    def under_load(self, node, rounds, counts):
        """`rounds` cycles while viewers, garbage and requests hit the stream;
        returns the milliseconds the cycles took, once the load has stopped."""
        stop = threading.Event()
        load = [threading.Thread(target=garbage_connections, args=(node.stream_port, stop, counts)),
                threading.Thread(target=requests_loop, args=(node.stream_endpoint, node.node_name, stop, counts))]
        with Watcher(BUILD_DIR, node.stream_endpoint, 300) as v1, \
                Watcher(BUILD_DIR, node.stream_endpoint, 300) as v2:
            v1.wait_nodes({node.node_name}, timeout=30)
            for t in load:
                t.start()
            try:
                node.eval(CYCLES.format(rounds=rounds))
                finished = lambda: (lambda v: v if v != "pending" else None)(
                    node.eval("persistent_term:get(bs_cycles, pending)"))
                try:
                    done = wait_for(finished, 240, interval=0.5, what=f"{rounds} agent restarts")
                except TimeoutError as e:
                    alive = node.proc.poll() is None
                    raise AssertionError(f"{e}\nnode process alive: {alive} (exit {node.proc.returncode})\n"
                                         f"--- node log ---\n{node.log_tail(60)}") from None
                self.assertTrue(done.startswith("{ok,"), done)
                ms = int(done[4:-1])
                # The agent came back every time: the viewers see it now.
                resumed = time.monotonic()
                v1.wait_nodes({node.node_name}, timeout=30, since=resumed)
                v2.wait_nodes({node.node_name}, timeout=30, since=resumed)
            finally:
                stop.set()
                for t in load:
                    t.join(timeout=60)
            counts["viewer_gone_reports"] += len(v1.gone)
        return ms

    def settled(self, node, os_pid, base=None):
        """fds, threads, RSS and erlang:memory with the agent stopped (what
        it leaves behind, not the state it holds while running, which varies
        with what it last sampled), once the peers' sockets have closed in
        the node and the VM's own threads settled; the agent then starts
        again."""
        self.assertEqual(node.eval("application:stop(beamscope)"), "ok")
        def ready():
            now = beam_os_counts(os_pid)
            return now if base is None or (now["fds"] <= base["fds"] + NOISE
                                           and now["threads"] <= base["threads"] + NOISE) else None
        try:
            now = wait_for(ready, 20, what="fds and threads back to the baseline")
        except TimeoutError:
            now = beam_os_counts(os_pid)
        self.assertEqual(node.eval(COLLECT), "ok")
        now["erts"] = node.eval_int(MEMORY)
        now["by_kind"] = node.eval("maps:from_list(erlang:memory())")
        now["fd_kinds"] = fd_kinds(os_pid)
        now["agent_port_sockets"] = sockets_on_ports(os_pid, {node.stream_port, node.metrics_port})
        self.assertEqual(node.eval("application:start(beamscope)"), "ok")
        return now

    def test_start_stop_300_times_under_load_leaks_nothing(self):
        with DemoNode(BUILD_DIR) as node:
            node.start()
            os_pid = node.eval("os:getpid()").strip('"')
            self.assertEqual(node.eval_int(WORKLOAD), 1000)
            counts = {"garbage": 0, "refused": 0, "request_runs": 0, "viewer_gone_reports": 0}
            # Warm-up under the same load: what stays loaded (NIF, libraries)
            # and what the allocators keep (glibc arenas of the agent's
            # threads) is in the baseline.
            for _ in range(WARM_UP_BLOCKS):
                self.under_load(node, ROUNDS, counts)
            base = self.settled(node, os_pid)
            blocks, ms = [], 0
            for _ in range(BLOCKS):
                ms += self.under_load(node, ROUNDS, counts)
                blocks.append(self.settled(node, os_pid, base))
            node.eval(STOP_WORKLOAD)
            cycles = ROUNDS * BLOCKS
            rss = [b["rss_kb"] for b in blocks]
            MEASURED.update(cycles=cycles, cycles_ms=ms, per_cycle_ms=round(ms / cycles, 1), before=base,
                            after=blocks[-1], rss_kb_by_block=rss, erts_by_block=[b["erts"] for b in blocks],
                            load=counts)
            self.assertGreater(counts["garbage"], 50, counts)
            self.assertGreater(counts["request_runs"], 0, counts)
            last = blocks[-1]
            # The agent's own descriptors: none left on its ports, and no
            # more pipes, eventfds or files than before. Other sockets are
            # the node's distribution (every erl_call of the test is a
            # connection, closed at its own pace on a loaded host).
            self.assertEqual(last["agent_port_sockets"], 0, last)
            for kind, n in last["fd_kinds"].items():
                if kind != "socket":
                    self.assertLessEqual(n - base["fd_kinds"].get(kind, 0), NOISE, (kind, base, last))
            # Sockets: 5-7 more after the 300 cycles in runs here, in no
            # TCP, UDP or unix table (connections reset, not yet closed by
            # their owner; not explained yet). One a cycle would be 300.
            sockets = last["fd_kinds"].get("socket", 0) - base["fd_kinds"].get("socket", 0)
            self.assertLessEqual(sockets, SOCKET_SLACK, (base, last))
            self.assertLessEqual(last["threads"] - base["threads"], NOISE, (base, last))
            # erlang:memory reads alike run to run (within ~0.7 MB here): no
            # block may hold more.
            for b in blocks:
                self.assertLess(b["erts"] - base["erts"], ERTS_SLACK, (base, b))
            # RSS wanders by +-10 MB block to block (glibc arenas and the
            # VM's carriers keep freed pages): a leak is growth with the
            # cycles, so the blocks' lowest stays near the baseline and the
            # last 200 cycles add nothing beyond the noise (a leak of
            # 80 KB a cycle would).
            self.assertLess(min(rss) - base["rss_kb"], RSS_SLACK_KB, (base["rss_kb"], rss))
            self.assertLess(rss[-1] - rss[0], RSS_SLACK_KB, (base["rss_kb"], rss))
            self.assertEqual(node.eval("is_pid(whereis(beamscope_sampler))"), "true")


if __name__ == "__main__":
    main()

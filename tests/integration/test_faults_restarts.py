"""Faults: the agent stopped and started 100 times in one node under load
(a message-passing workload in the node; two viewers streaming and
reconnecting; a stream of raw TCP connections sending garbage to the
stream port; children requests from a third peer). Afterwards, with the
load gone, the beam process has no more fds or threads than before, and
its RSS and erlang:memory(total) are back within a small bound.

beamscope_leak_tests (tests/agent) cycles the agent in an idle node; this
is the same count with viewers and garbage at the ports while it happens.

Not in ctest yet (DISABLED). It found a VM abort: libzmq 4.3.4's
"Resource temporarily unavailable (src/zmtp_engine.cpp:446)" when a peer
speaking ZMTP 1.0 (any bytes not starting 0xFF: the garbage connections)
finishes its greeting while the agent closes its stream socket (3 of 4
runs with garbage only, none with viewers only). The plaintext stream now
sets a ZAP domain, so libzmq refuses such peers (0 aborts in 3 runs). What
keeps it off: erlang:memory(total) after the 100 cycles varies by -2.5 to
+10 MB from run to run against the warm-up, not yet explained (by kind,
printed as `by_kind`, in the last run at load 16: +0.7 MB, the processes'
share down 0.6 MB); fds and threads stay within 1, but in that run the fds
stayed 3 above the baseline for the 20 s settle. Before the stream's Hello
floor (a flood can no longer lock viewers out) the viewers sometimes got
no frame within 30 s of the last restart.
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
RSS_SLACK_KB = 16 * 1024
ERTS_SLACK = 4 * 1024 * 1024
NOISE = 2  # threads or fds of the VM itself (a port program, the file server) mid-flight

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
# Every process garbage collected, then what the node's allocators hold
# less the workload's processes (their heaps come and go with the tokens).
MEMORY = ("[garbage_collect(P) || P <- processes()], erlang:memory(total) - "
          "lists:sum([M || P <- persistent_term:get(bs_ring), {memory, M} <- [process_info(P, memory)]])")
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
        """fds, threads, RSS and erlang:memory once the peers' sockets have
        closed in the node and the VM's own threads settled."""
        def ready():
            now = beam_os_counts(os_pid)
            return now if base is None or (now["fds"] <= base["fds"] + NOISE
                                           and now["threads"] <= base["threads"] + NOISE) else None
        try:
            now = wait_for(ready, 20, what="fds and threads back to the baseline")
        except TimeoutError:
            now = beam_os_counts(os_pid)
        now["erts"] = node.eval_int(MEMORY)
        now["by_kind"] = node.eval("maps:from_list(erlang:memory())")
        return now

    def test_start_stop_100_times_under_load_leaks_nothing(self):
        with DemoNode(BUILD_DIR) as node:
            node.start()
            os_pid = node.eval("os:getpid()").strip('"')
            self.assertEqual(node.eval_int(WORKLOAD), 1000)
            counts = {"garbage": 0, "refused": 0, "request_runs": 0, "viewer_gone_reports": 0}
            # Warm-up under the same load: what stays loaded (NIF, libraries)
            # and what the allocators keep (glibc arenas of the agent's
            # threads: RSS grows ~17 MB over the first 100 cycles, then stays
            # within a few MB over the next 300) is in the baseline.
            self.under_load(node, ROUNDS, counts)
            base = self.settled(node, os_pid)
            ms = self.under_load(node, ROUNDS, counts)
            after = self.settled(node, os_pid, base)
            node.eval(STOP_WORKLOAD)
            MEASURED.update(cycles_ms=ms, per_cycle_ms=round(ms / ROUNDS, 1), before=base, after=after,
                            load=counts)
            self.assertGreater(counts["garbage"], 50, counts)
            self.assertGreater(counts["request_runs"], 0, counts)
            self.assertLessEqual(after["fds"] - base["fds"], NOISE, (base, after))
            self.assertLessEqual(after["threads"] - base["threads"], NOISE, (base, after))
            self.assertLess(after["rss_kb"] - base["rss_kb"], RSS_SLACK_KB, (base, after))
            self.assertLess(after["erts"] - base["erts"], ERTS_SLACK, (base, after))
            self.assertEqual(node.eval("is_pid(whereis(beamscope_sampler))"), "true")


if __name__ == "__main__":
    main()

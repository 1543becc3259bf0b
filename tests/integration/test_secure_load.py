"""The agent's ZAP handler under 200 concurrent unauthorized clients.

A real node whose agent streams with CURVE keys; stream_load runs one
authorized viewer and 200 unauthorized clients (100 with CURVE keys nobody
listed, 100 plaintext), each trying again on a new socket as soon as it is
refused, for a bounded time. Checked against the node itself:
- the authorized viewer keeps receiving deltas (every tick, the longest
  gap bounded);
- no unauthorized client gets a handshake or a frame;
- every refusal is counted on /metrics (at least what the clients were
  told, at most what they tried);
- the node's sweep within its budget (beamscope_sweeps_total advances
  during the flood once the agent caps its threads' charge, and after it
  in any case; beamscope_sweep_cost_ratio bounded).

  test_secure_load.py --build-dir BUILD
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2e_checks import build_dir_from_argv  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from probes import samples, scrape  # noqa: E402
from test_secure_stream import keygen, write  # noqa: E402

BUILD = None
SECONDS = 12
CLIENTS = 100  # of each kind
TICK_MS = 1000
PROCESSES = 20_000


def metric(text, name, **labels):
    found = [v for lab, v in samples(text, name) if all(lab.get(k) == w for k, w in labels.items())]
    return found[0] if found else None


class ZapUnderLoad(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="bs_curve_load_")
        cls.agent = os.path.join(cls.dir, "agent")
        cls.me = os.path.join(cls.dir, "me")
        keygen(BUILD, cls.agent)
        authorized = os.path.join(cls.dir, "authorized_keys")
        write(authorized, keygen(BUILD, cls.me) + "\n")
        cls.node = DemoNode(BUILD, name_prefix="bsload", agent_env={
            "tick_ms": TICK_MS,
            "stream_secret_key_file": cls.agent + ".secret",
            "stream_authorized_keys_file": authorized})
        cls.node.start()
        # Enough processes for the sweep to take real time under the budget.
        cls.node.spawn_idle(PROCESSES)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_authorized_viewer_and_sweep_keep_going_while_200_clients_are_refused(self):
        url = self.node.metrics_url
        wait_for(lambda: (metric(scrape(url), "beamscope_sweep_processes") or 0) >= PROCESSES, 60,
                 what=f"a sweep over {PROCESSES} processes")
        before = scrape(url)
        tool = os.path.join(BUILD, "tests", "integration", "stream_load")
        cmd = [tool, "--endpoint", self.node.stream_endpoint, "--server-key", self.agent + ".pub",
               "--key", self.me + ".secret", "--viewers", "1", "--unlisted", str(CLIENTS),
               "--plaintext", str(CLIENTS), "--seconds", str(SECONDS)]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS + 90)
        self.assertEqual(res.returncode, 0, res.stderr)
        report = json.loads(res.stdout.splitlines()[-1])
        print(json.dumps(report, indent=1))

        viewer = report["viewers"][0]
        # Deltas every tick: at most one tick in four missed, no long silence.
        self.assertGreaterEqual(viewer["deltas"], 0.75 * SECONDS * 1000 / TICK_MS, viewer)
        self.assertLessEqual(viewer["max_delta_gap_ms"], 3 * TICK_MS, viewer)
        self.assertEqual(viewer["rejected_frames"], 0, viewer)
        self.assertEqual(viewer["connects"], 1, "the authorized viewer kept its one connection")

        unlisted, plain = report["intruders"]["unlisted"], report["intruders"]["plaintext"]
        for kind in (unlisted, plain):
            self.assertEqual(kind["handshakes_succeeded"], 0, kind)
            self.assertEqual(kind["frames_received"], 0, kind)
            # Every client was refused at least once, and tried again.
            self.assertGreater(kind["attempts"], CLIENTS, kind)
        self.assertGreaterEqual(unlisted["refused_auth"], CLIENTS, unlisted)
        self.assertGreaterEqual(plain["refused_protocol"], CLIENTS, plain)

        # Every refusal on /metrics: at least what the clients were told
        # (by reason), and about one per attempt (each attempt is one
        # socket that libzmq does not reconnect: one TCP connection), never
        # two: a count per handshake step would double it. The bound is on
        # the sum (an unlisted client that hangs up mid-handshake is
        # counted as reason "handshake") and allows one more per client:
        # with Debian unstable's libzmq (OTP 29 root) the server once
        # counted 12,659 refusals for 12,658 attempts.
        told = {"unauthorized_key": unlisted["refused_auth"], "handshake": plain["refused_protocol"]}
        at_most = unlisted["attempts"] + plain["attempts"] + 2 * CLIENTS
        base = {r: metric(before, "beamscope_stream_auth_failures_total", reason=r) or 0 for r in told}

        def counted():
            text = scrape(url)
            return {r: (metric(text, "beamscope_stream_auth_failures_total", reason=r) or 0) - base[r]
                    for r in told}
        got = wait_for(lambda: (lambda c: c if all(c[r] >= told[r] for r in told) else None)(counted()), 10,
                       what=f"refusals counted on /metrics: {told}")
        print(f"refusals on /metrics {got}, told to clients {told}, at most {at_most} in all")
        self.assertLessEqual(sum(got.values()), at_most)

        # The sweep within its budget. The agent charges its own threads to
        # the budget, the refusals' work on its I/O thread included (about
        # 15 us a plaintext and 90 us a CURVE refusal: 2-4 % of a core under
        # this flood, more than the budget of 1 % x 2 schedulers). Uncapped,
        # that charge stops the sweep during the flood and for as long again
        # after it (the debt is repaid). Once the sampler caps the threads'
        # charge (it reports what it left uncharged as
        # threads_over_share_us: the bounded-stream work of issue 12), a
        # sweep must complete during the flood at a cost near the budget.
        after = scrape(url)
        sweeps = metric(after, "beamscope_sweeps_total") - metric(before, "beamscope_sweeps_total")
        budget = metric(after, "beamscope_sweep_budget_ratio")
        cost = metric(after, "beamscope_sweep_cost_ratio")
        period = metric(after, "beamscope_sweep_period_seconds")
        capped = "threads_over_share_us" in self.node.eval("beamscope_sampler:stats()")
        print(f"sweeps in the window {sweeps:.0f}, period {period:.2f} s, cost {cost:.4f} of budget {budget:.4f} "
              f"(before: period {metric(before, 'beamscope_sweep_period_seconds'):.2f} s, "
              f"cost {metric(before, 'beamscope_sweep_cost_ratio'):.4f}); threads' charge capped: {capped}")
        if capped:
            self.assertGreaterEqual(sweeps, 1)
            self.assertLessEqual(cost, 2 * budget)
        else:
            print("NOT CHECKED: the sweep during the flood (this agent does not cap its threads' charge yet)")
        self.assertTrue(self.node.alive())


if __name__ == "__main__":
    BUILD = build_dir_from_argv()
    unittest.main(argv=[sys.argv[0]], verbosity=2)

"""Bounded /metrics: clients that connect and stall (silent, half a
request, one byte at a time, never reading) against the real agent's and
the real collector's /metrics. A scrape still answers within the bound
(at once while fewer clients stall than there are workers, after at most
ceil(stalled / workers) request deadlines when more do), stalled clients
are dropped at the deadline, and the agent stops promptly with every
worker held by a stalled client.

The worker count and the deadline are the defaults of
exporters/prometheus/include/beamscope/exporters/metrics_http.hpp."""

import math
import socket
import threading
import time
import unittest
import urllib.parse

from collector_proc import Collector
from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from probes import scrape

BUILD_DIR = build_dir_from_argv()
WORKERS = 4          # kMetricsHttpThreads
DEADLINE_S = 2.0     # kMetricsHttpRequestTimeoutMs
KINDS = ("silent", "half", "drip", "noread")


class Stalled:
    """`n` connections to host:port that never complete a request (or never
    read the answer), kinds taken in turn from KINDS. A watcher thread per
    connection (but "noread" ones, which never read) notes when the server
    drops it. Closed by close()."""

    def __init__(self, host, port, n, kinds=KINDS):
        self.socks = []
        self.closed_at = {}
        self._stop = threading.Event()
        self._threads = []
        self.opened = time.monotonic()
        for i in range(n):
            kind = kinds[i % len(kinds)]
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if kind == "noread":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            s.connect((host, port))
            if kind == "half":
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            elif kind == "noread":
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            elif kind == "drip":
                self._start(self._drip, s)
            if kind != "noread":
                self._start(self._watch, i, s)
            self.socks.append((kind, s))

    def _start(self, fn, *args):
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _drip(self, s):
        # One byte every 200 ms, never the blank line that ends the headers.
        line = b"GET /metrics HTTP/1.1\r\n" + b"X-Slow: " + b"a" * 200
        for byte in line:
            if self._stop.wait(0.2):
                return
            try:
                s.send(bytes([byte]))
            except OSError:
                return

    def _watch(self, i, s):
        # Blocks until the server closes (EOF or reset); an error page before
        # the close is read and ignored.
        while True:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.closed_at[i] = time.monotonic() - self.opened
                return

    def dropped_after(self, timeout):
        """[(kind, seconds from opening until the server dropped it, or None
        if still open at `timeout`)] for every watched connection."""
        deadline = self.opened + timeout
        while time.monotonic() < deadline:
            watched = [i for i, (kind, _) in enumerate(self.socks) if kind != "noread"]
            if all(i in self.closed_at for i in watched):
                break
            time.sleep(0.05)
        return [(kind, self.closed_at.get(i)) for i, (kind, _) in enumerate(self.socks) if kind != "noread"]

    def close(self):
        self._stop.set()
        for _, s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for t in self._threads:
            t.join(timeout=2)


def timed_scrape(url, timeout=30):
    t0 = time.monotonic()
    text = scrape(url, timeout=timeout)
    return time.monotonic() - t0, text


def host_port(url):
    u = urllib.parse.urlparse(url)
    return u.hostname, u.port


class BoundedMetricsHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR, name_prefix="bshttp").start()
        try:
            cls.collector = Collector(BUILD_DIR, [cls.node.stream_endpoint])
            wait_for(lambda: cls.node.node_name in scrape(cls.collector.metrics_url), 45, interval=0.3,
                     what="the node on the collector's /metrics")
        except BaseException:
            cls.node.stop()
            raise
        cls.targets = {"agent": cls.node.metrics_url, "collector": cls.collector.metrics_url}

    @classmethod
    def tearDownClass(cls):
        cls.collector.stop()
        cls.node.stop()

    def check_scrape(self, text):
        self.assertIn(f'beamscope_node_info{{node="{self.node.node_name}"', text)

    def test_scrape_answers_at_once_while_fewer_clients_stall_than_workers(self):
        for name, url in self.targets.items():
            with self.subTest(target=name):
                stalled = Stalled(*host_port(url), WORKERS - 1)
                try:
                    # Let every stalled connection reach a worker first.
                    time.sleep(0.2)
                    took, text = timed_scrape(url)
                finally:
                    stalled.close()
                MEASURED[f"{name}_scrape_with_{WORKERS - 1}_stalled_s"] = round(took, 3)
                self.check_scrape(text)
                self.assertLess(took, DEADLINE_S * 0.75, "the scrape waited for a stalled client")

    def test_scrape_bounded_and_stalled_dropped_when_more_stall_than_workers(self):
        n = 3 * WORKERS
        rounds = math.ceil(n / WORKERS)
        for name, url in self.targets.items():
            with self.subTest(target=name):
                stalled = Stalled(*host_port(url), n)
                try:
                    time.sleep(0.2)
                    took, text = timed_scrape(url, timeout=rounds * DEADLINE_S + 10)
                    dropped = stalled.dropped_after(rounds * DEADLINE_S + 5)
                finally:
                    stalled.close()
                MEASURED[f"{name}_scrape_with_{n}_stalled_s"] = round(took, 2)
                self.check_scrape(text)
                # Queued behind `rounds` waves of stalled clients, each held
                # for one deadline; a margin for a loaded 2-core machine.
                self.assertLess(took, rounds * DEADLINE_S + 1.5)
                still_open = [kind for kind, t in dropped if t is None]
                self.assertEqual(still_open, [], f"stalled clients never dropped: {dropped}")
                # Dropped by the deadline, not at once (the first wave waits
                # one whole deadline), and each wave one deadline after the last.
                times = sorted(t for _, t in dropped)
                self.assertGreater(times[0], DEADLINE_S * 0.8, dropped)
                self.assertLess(times[0], DEADLINE_S + 1.0, dropped)
                MEASURED[f"{name}_stalled_dropped_s"] = [round(t, 1) for _, t in dropped]

    def test_silent_client_dropped_at_the_deadline(self):
        for name, url in self.targets.items():
            with self.subTest(target=name):
                stalled = Stalled(*host_port(url), 2, kinds=("silent", "half"))
                try:
                    dropped = stalled.dropped_after(DEADLINE_S + 5)
                finally:
                    stalled.close()
                for kind, t in dropped:
                    self.assertIsNotNone(t, f"{kind} client still open after {DEADLINE_S + 5} s")
                    self.assertGreater(t, DEADLINE_S * 0.8, f"{kind} dropped before the deadline")
                    self.assertLess(t, DEADLINE_S + 1.5, f"{kind} dropped late")


class AgentStopsWithStalledClients(unittest.TestCase):
    """http_waker: application:stop(beamscope) stays prompt while every
    HTTP worker is held by a stalled client."""

    def test_stop_is_prompt(self):
        with DemoNode(BUILD_DIR, name_prefix="bshttpstop") as node:
            node.start()
            self.assertIn("beamscope_node_info", scrape(node.metrics_url))
            stalled = Stalled(*host_port(node.metrics_url), WORKERS + 2, kinds=("silent", "half", "drip"))
            try:
                time.sleep(0.2)
                us = node.eval_int("element(1, timer:tc(application, stop, [beamscope]))", timeout=30)
                MEASURED["agent_stop_with_stalled_ms"] = round(us / 1000, 1)
                self.assertLess(us, 1_000_000, "stopping the agent waited for stalled HTTP clients")
                # The port is closed: nothing listens any more.
                with self.assertRaises(OSError):
                    socket.create_connection(host_port(node.metrics_url), timeout=2).close()
            finally:
                stalled.close()
            # And it starts again on the same port.
            self.assertTrue(node.start_agent().startswith("{ok,"))
            wait_for(lambda: "beamscope_node_info" in scrape(node.metrics_url), 20, what="/metrics again")


if __name__ == "__main__":
    main()

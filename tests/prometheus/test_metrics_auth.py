"""/metrics with basic auth on (agent and collector): an unauthenticated or
wrongly authenticated request gets 401 and no metric; a real Prometheus
with the credentials scrapes fine. TLS: served when the linked civetweb
can, else refused at start with the reason (never a crash); which of the
two must happen is found apart, from the system's libssl."""

import ctypes
import os
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from fleet import Collector, build_dir_from_argv  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from promserver import PrometheusServer, basic_auth_header  # noqa: E402

BUILD_DIR = build_dir_from_argv()
USER, PASSWORD = "scraper", 'p@ss:w"rd'


def tls_expected():
    """None when this system's civetweb can serve TLS, else the words the
    refusal must carry: civetweb dlopens libssl.so and needs
    SSL_get_peer_certificate, which OpenSSL 3 no longer exports."""
    try:
        ssl_lib = ctypes.CDLL("libssl.so")
    except OSError:
        return "libssl.so"
    return None if hasattr(ssl_lib, "SSL_get_peer_certificate") else "SSL_get_peer_certificate"


def get(url, auth=None, context=None):
    """(status, headers, body) of a GET; HTTP errors are results, not raises."""
    req = urllib.request.Request(url, headers={"Authorization": basic_auth_header(*auth)} if auth else {})
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


class MetricsAuth(unittest.TestCase):
    def check_auth(self, url):
        wait_for(lambda: get(url), 30, what=f"{url} to listen")
        for auth in (None, (USER, "wrong"), ("other", PASSWORD)):
            status, headers, body = get(url, auth)
            self.assertEqual(status, 401, (auth, body[:200]))
            self.assertIn("WWW-Authenticate", headers)
            self.assertNotIn("erlang_vm", body)
            self.assertNotIn("beamscope_", body)
        status, _, body = wait_for(lambda: (lambda r: r if "erlang_vm_process_count" in r[2] else None)(
            get(url, (USER, PASSWORD))), 30, what="an authenticated scrape with data")
        self.assertEqual(status, 200)

    def test_agent_and_collector_with_auth(self):
        with DemoNode(BUILD_DIR, agent_env={"metrics_auth": (USER, PASSWORD)}) as node, \
                tempfile.NamedTemporaryFile("w", suffix=".auth") as auth_file:
            node.start()
            auth_file.write(f"{USER}:{PASSWORD}\n")
            auth_file.flush()
            collector = Collector(BUILD_DIR, [node.stream_endpoint], ["--metrics-auth-file", auth_file.name])
            try:
                self.check_auth(node.metrics_url)
                self.check_auth(collector.metrics_url)
                with PrometheusServer({"agent": [f"127.0.0.1:{node.metrics_port}"],
                                       "collector": [collector.metrics_address]},
                                      auth={"agent": (USER, PASSWORD), "collector": (USER, PASSWORD)}) as prom:
                    prom.start()
                    prom.wait_for_targets_up()
                # And a Prometheus without the credentials is refused.
                with PrometheusServer({"agent": [f"127.0.0.1:{node.metrics_port}"],
                                       "collector": [collector.metrics_address]}) as prom:
                    prom.start()

                    def refused():
                        ts = prom.targets()
                        return len(ts) == 2 and all(t["health"] == "down" and "401" in t["lastError"]
                                                    for t in ts) and ts
                    try:
                        wait_for(refused, 60, interval=0.5, what="both targets down with 401")
                    except TimeoutError as e:
                        seen = [(t["scrapeUrl"], t["health"], t["lastError"]) for t in prom.targets()]
                        raise AssertionError(f"{e}: {seen}")
            finally:
                collector.stop()

    def test_tls(self):
        with tempfile.TemporaryDirectory() as d:
            pem = os.path.join(d, "metrics.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-keyout", pem + ".key", "-out", pem + ".crt"],
                           check=True, capture_output=True, timeout=60)
            with open(pem, "w") as out:
                for part in (".key", ".crt"):
                    with open(pem + part) as f:
                        out.write(f.read())
            with DemoNode(BUILD_DIR, start_demo=False, agent_env={"metrics_tls": pem}) as node:
                node.start()
                result = node.start_agent()
                refusal = tls_expected()
                if refusal is None:
                    self.assertTrue(result.startswith("{ok,"),
                                    f"this libssl exports SSL_get_peer_certificate: TLS must start: {result[:300]}")
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                    url = node.metrics_url.replace("http://", "https://")
                    status, _, body = wait_for(lambda: get(url, context=ctx), 30, what="a TLS scrape")
                    self.assertEqual(status, 200)
                    self.assertIn("erlang_vm_process_count", body)
                else:
                    # Debian 12: civetweb 1.15 + OpenSSL 3 cannot (see metrics_http.hpp).
                    self.assertFalse(result.startswith("{ok,"),
                                     f"TLS started although libssl lacks {refusal}: {result[:300]}")
                    self.assertIn("TLS unavailable", result)
                    self.assertIn(refusal, result)
                    self.assertTrue(node.alive(), "the node must survive a refused TLS start")
                    print(f"TLS refused as expected on this system: {result[:200]}", file=sys.stderr)

if __name__ == "__main__":
    unittest.main(verbosity=2)

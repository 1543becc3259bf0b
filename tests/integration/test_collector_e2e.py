"""The same end-to-end checks through beamscope-collector: ctl against the
collector's viewer endpoint, /metrics from its fleet exporter (node label).
Also: a collector with two nodes makes ctl without --node list them."""

import unittest

from e2e_checks import LoadedNodeChecks, build_dir_from_argv, main, start_loaded_node
from collector_proc import Collector
from nodes import DemoNode, wait_for
from probes import ctl_json, run_ctl, scrape

BUILD_DIR = build_dir_from_argv()


class CollectorEndToEnd(LoadedNodeChecks, unittest.TestCase):
    kind = "collector"

    @classmethod
    def setUpClass(cls):
        cls.build_dir = BUILD_DIR
        cls.node, cls.sink = start_loaded_node(BUILD_DIR)
        try:
            cls.collector = Collector(BUILD_DIR, [cls.node.stream_endpoint])
        except BaseException:
            cls.node.stop()
            raise
        cls.endpoint = cls.collector.listen
        cls.metrics_url = cls.collector.metrics_url
        cls.metrics_labels = {"node": cls.node.node_name}

    @classmethod
    def tearDownClass(cls):
        cls.collector.stop()
        cls.node.stop()

    def test_collector_is_alive(self):
        self.assertIsNone(self.collector.proc.poll(), self.collector.log_text())


class CollectorWithTwoNodes(unittest.TestCase):
    """ctl against a fleet: --node is required and the names are listed."""

    def test_ctl_lists_nodes_and_honours_node(self):
        with DemoNode(BUILD_DIR) as a, DemoNode(BUILD_DIR) as b:
            a.start()
            b.start()
            collector = Collector(BUILD_DIR, [a.stream_endpoint, b.stream_endpoint])
            try:
                def both_known():
                    text = scrape(collector.metrics_url)
                    return a.node_name in text and b.node_name in text
                wait_for(both_known, 45, interval=0.5, what="both nodes in the collector's /metrics")
                res = run_ctl(BUILD_DIR, ["--connect", collector.listen, "overview", "--json"])
                self.assertEqual(res.rc, 2, res)
                self.assertIn(a.node_name, res.stderr)
                self.assertIn(b.node_name, res.stderr)
                self.assertEqual(res.stdout, "")
                doc = ctl_json(BUILD_DIR, collector.listen, "overview", node=b.node_name)
                self.assertEqual(doc["node"], b.node_name)
            finally:
                collector.stop()


if __name__ == "__main__":
    main()

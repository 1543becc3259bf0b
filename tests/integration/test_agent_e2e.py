"""End to end through the agent alone: demo node + 50k processes + a
10,000-message mailbox, checked with beamscope-ctl and /metrics."""

import unittest

from e2e_checks import LoadedNodeChecks, build_dir_from_argv, main, start_loaded_node

BUILD_DIR = build_dir_from_argv()


class AgentEndToEnd(LoadedNodeChecks, unittest.TestCase):
    kind = "agent"

    @classmethod
    def setUpClass(cls):
        cls.build_dir = BUILD_DIR
        cls.node, cls.sink = start_loaded_node(BUILD_DIR)
        cls.endpoint = cls.node.stream_endpoint
        cls.metrics_url = cls.node.metrics_url

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()


if __name__ == "__main__":
    main()

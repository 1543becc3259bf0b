"""The demo server is what the README promises: nested supervisors with
one_for_one, rest_for_one and simple_one_for_one strategies, a full worker
pool, a crasher that is restarted, and a mailbox that fills and drains."""

import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for

BUILD_DIR = build_dir_from_argv()


class DemoTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR, demo_env={"crash_interval_ms": 300, "burst_interval_ms": 500,
                                                 "burst_size": 3000, "pool_size": 20})
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def strategy(self, sup):
        # sys:get_state of a supervisor is its #state record; element 3 is the strategy.
        return self.node.eval(f"element(3, sys:get_state({sup}, 5000))")

    def test_strategies(self):
        self.assertEqual(self.strategy("beamscope_demo_sup"), "one_for_one")
        self.assertEqual(self.strategy("beamscope_demo_services_sup"), "one_for_one")
        self.assertEqual(self.strategy("beamscope_demo_chain_sup"), "rest_for_one")
        self.assertEqual(self.strategy("beamscope_demo_pool_top_sup"), "rest_for_one")
        self.assertEqual(self.strategy("beamscope_demo_pool_sup"), "simple_one_for_one")

    def test_pool_is_full(self):
        self.assertEqual(self.node.eval_int("length(supervisor:which_children(beamscope_demo_pool_sup))"), 20)

    def test_registered_chain(self):
        for name in ("demo_store", "demo_cache", "demo_frontend"):
            self.assertTrue(self.node.eval(f"whereis({name})").startswith("<"), name)

    def test_crasher_is_restarted(self):
        first = self.node.eval("whereis(beamscope_demo_crasher)")
        # Between the crash and the restart the name is briefly unregistered.
        wait_for(lambda: self.node.eval("whereis(beamscope_demo_crasher)") not in (first, "undefined"),
                 10, interval=0.1, what="a new crasher pid")
        self.assertTrue(self.node.alive())

    def test_burster_mailbox_fills_and_drains(self):
        qlen = "element(2, process_info(whereis(beamscope_demo_burster), message_queue_len))"
        peak = wait_for(lambda: (lambda n: n if n >= 1000 else 0)(self.node.eval_int(qlen)), 20, interval=0.05,
                        what="burster mailbox >= 1000")
        wait_for(lambda: self.node.eval_int(qlen) < peak // 2, 20, interval=0.1, what="burster mailbox draining")
        MEASURED["burster_peak_seen"] = peak


if __name__ == "__main__":
    main()

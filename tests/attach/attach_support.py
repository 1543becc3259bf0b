"""Helpers for the attach tests: a plain node with no beamscope in its code
path, ground-truth probes of what the agent could leave behind, and
`beamscope-ctl attach/detach` runners. Python 3 stdlib only; every call has
a timeout.
"""

import argparse
import json
import os
import socket
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from nodes import DemoNode, NodeError, free_port, wait_for  # noqa: E402,F401
from probes import ctl_json, run_ctl, scrape, samples, within  # noqa: E402,F401


class PlainNode(DemoNode):
    """An `erl -sname` node started without beamscope in its code path.

    extra_args: more `erl` arguments (e.g. -pa for yaws); boot: an Erlang
    expression evaluated at boot whose result must be {ok, _}.
    """

    def __init__(self, build_dir, *, extra_args=(), boot="{ok, plain}", lib_dirs=(), name_prefix="bsattach"):
        super().__init__(build_dir, start_demo=False, name_prefix=name_prefix)
        self.extra_args = list(extra_args)
        self.boot = boot
        self.lib_dirs = list(lib_dirs)

    def erl_libs(self):
        return ":".join(self.lib_dirs)

    def _boot_expr(self):
        return f"persistent_term:put(beamscope_test_start, begin {self.boot} end)."

    def start(self, timeout=60):
        import subprocess
        from nodes import _LIVE_LOCK, _LIVE_NODES
        env = dict(os.environ)
        env.pop("ERL_LIBS", None)
        if self.lib_dirs:
            env["ERL_LIBS"] = self.erl_libs()
        self._log = open(self.log_path, "wb")
        cmd = ["erl", "-noshell", "-sname", self.name, "-setcookie", self.cookie,
               "-kernel", "logger_level", "notice", *self.extra_args, "-eval", self._boot_expr()]
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=self.workdir, start_new_session=True)
        with _LIVE_LOCK:
            _LIVE_NODES.add(self)
        try:
            result = wait_for(self._start_result, timeout, interval=0.2, what=f"node {self.name} to boot")
        except TimeoutError as e:
            raise NodeError(f"{e}\n--- node log ---\n{self.log_tail()}") from None
        if not result.startswith("{ok,"):
            raise NodeError(f"boot of {self.name} failed: {result}\n{self.log_tail()}")
        return self

    # -- ground truth of what an agent could leave behind -----------------

    def os_pid(self):
        return int(self.eval("list_to_integer(os:getpid())"))

    def threads(self):
        return len(os.listdir(f"/proc/{self.os_pid()}/task"))

    def footprint(self):
        """Everything detach must restore, read inside the node (and /proc)."""
        text = self.eval(
            "{lists:sort([M || {M, _} <- code:all_loaded(), lists:prefix(\"beamscope\", atom_to_list(M))]),"
            " lists:keymember(beamscope, 1, application:loaded_applications()),"
            " lists:sort([N || N <- registered(), lists:prefix(\"beamscope\", atom_to_list(N))]),"
            " lists:sort(logger:get_handler_ids()),"
            " erlang:system_monitor(),"
            " erlang:statistics(scheduler_wall_time) =/= undefined,"
            " code:get_path()}")
        return {"text": text, "threads": self.threads(), "sockets": self.socket_fds()}

    def socket_fds(self):
        """Open sockets of the node's OS process (the NIF's live outside Erlang ports)."""
        fd_dir = f"/proc/{self.os_pid()}/fd"
        count = 0
        for fd in os.listdir(fd_dir):
            try:
                count += os.readlink(os.path.join(fd_dir, fd)).startswith("socket:")
            except OSError:
                pass
        return count


def ctl_attach(build_dir, node, *extra, cookie=None, timeout=30, env=None):
    args = ["attach", "--node", node.node_name, "--cookie", cookie or node.cookie, *extra]
    return _run(build_dir, args, timeout, env)


def ctl_detach(build_dir, node, *extra, timeout=30):
    return _run(build_dir, ["detach", "--node", node.node_name, "--cookie", node.cookie, *extra], timeout, None)


def _run(build_dir, args, timeout, env):
    if env is None:
        return run_ctl(build_dir, args, timeout=timeout)
    old = dict(os.environ)
    os.environ.update(env)
    try:
        return run_ctl(build_dir, args, timeout=timeout)
    finally:
        os.environ.clear()
        os.environ.update(old)


def port_free(port):
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def parse_json(res):
    if res.rc != 0:
        raise AssertionError(f"beamscope-ctl failed: {res!r}\n{res.stdout}")
    return json.loads(res.stdout)


def build_dir_from_argv():
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", required=True)
    args, rest = p.parse_known_args()
    sys.argv[1:] = rest
    return os.path.abspath(args.build_dir)


def main():
    unittest.main(verbosity=2)

"""Real BEAM nodes for integration tests (Python 3 stdlib only).

Starts a demo node (`erl -noshell -sname <unique>`) with the agent and the
demo server from a build directory, on free ports, evaluates Erlang
expressions in it through `erl_call` (to read ground truth and to load it),
and always stops it: on `stop()`, at the end of a `with` block, and at
interpreter exit for anything left over. Every wait has a deadline.

    from nodes import DemoNode, wait_for
    with DemoNode(build_dir) as node:
        node.start()
        sink = node.spawn_sink(messages=10_000)
        count = node.process_count()
        print(node.stream_endpoint, node.metrics_url)
"""

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

__all__ = ["Atom", "DemoNode", "NodeError", "erl_call_path", "free_port", "wait_for"]

_ERL_CALL = None
_LIVE_NODES = set()
_LIVE_LOCK = threading.Lock()


class NodeError(RuntimeError):
    """A node did not start, did not answer, or an expression raised."""


class Atom(str):
    """Marks a Python string to be written as an Erlang atom, not a string."""


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Polls `predicate()` until it returns a truthy value and returns it.

    Raises TimeoutError naming `what` after `timeout` seconds. Exceptions
    from the predicate count as "not yet" (a node that is still starting).
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last_error = e
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}{detail}")
        time.sleep(interval)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def erl_call_path():
    """Path of erl_interface's erl_call (it is not on PATH in Debian)."""
    global _ERL_CALL
    if _ERL_CALL is None:
        found = shutil.which("erl_call")
        if not found:
            out = subprocess.run(
                ["erl", "-noshell", "-eval", 'io:format("~s", [code:lib_dir(erl_interface)]), halt().'],
                capture_output=True, text=True, timeout=30, check=True)
            found = os.path.join(out.stdout.strip(), "bin", "erl_call")
        if not os.access(found, os.X_OK):
            raise NodeError(f"erl_call not found (looked at {found})")
        _ERL_CALL = found
    return _ERL_CALL


def to_erl(value):
    """Writes a Python value as an Erlang term literal."""
    if isinstance(value, Atom):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        inner = ", ".join(to_erl(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"{{{inner}}}"
    raise TypeError(f"no Erlang form for {value!r}")


# Wraps an expression so erl_call prints a plain hex string: erl_call's own
# term printer is lossy (binaries print as #Bin<...>), hex never is.
_WRAP = (
    "Bs_Text = try begin {expr} end of Bs_R -> [\"ok:\", io_lib:format(\"~0tp\", [Bs_R])] "
    "catch Bs_C:Bs_E:Bs_S -> [\"raised:\", io_lib:format(\"~0tp\", [{{Bs_C, Bs_E, Bs_S}}])] end, "
    "binary_to_list(binary:encode_hex(unicode:characters_to_binary(Bs_Text))).\n"
)
_HEX_RESULT = re.compile(r'\{ok,\s*"([0-9A-Fa-f]*)"\}')


class DemoNode:
    """One `erl` node running the demo server and the beamscope agent.

    build_dir: the CMake build directory (holds erlang/ and examples/erlang/).
    start_demo: start `beamscope_demo` (and so the agent) at boot; when
        False the node only loads the agent's app env (for start-failure
        tests, see start_agent()).
    agent_env / demo_env: extra application env, e.g. {"tick_ms": 500}.
    """

    def __init__(self, build_dir, *, start_demo=True, stream_port=None, metrics_port=None,
                 agent_env=None, demo_env=None, name_prefix="bstest"):
        self.build_dir = os.path.abspath(build_dir)
        self.start_demo = start_demo
        self.name = f"{name_prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.cookie = uuid.uuid4().hex
        self.stream_port = stream_port or free_port()
        self.metrics_port = metrics_port or free_port()
        while self.metrics_port == self.stream_port:  # two draws may collide
            self.metrics_port = free_port()
        self.agent_env = {"stream_endpoint": self.stream_endpoint,
                          "metrics_listen": f"127.0.0.1:{self.metrics_port}"}
        self.agent_env.update(agent_env or {})
        # A quiet demo by default: tests want stable numbers, not crash noise.
        self.demo_env = {"crash_interval_ms": 5000}
        self.demo_env.update(demo_env or {})
        self.workdir = tempfile.mkdtemp(prefix=f"{self.name}_")
        self.log_path = os.path.join(self.workdir, "node.log")
        self.proc = None
        self._log = None
        self._next_holder = 0

    # -- endpoints -------------------------------------------------------

    @property
    def stream_endpoint(self):
        return f"tcp://127.0.0.1:{self.stream_port}"

    @property
    def metrics_url(self):
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    @property
    def node_name(self):
        """Full node name as the node itself reports it (name@host)."""
        return f"{self.name}@{socket.gethostname().split('.')[0]}"

    # -- lifecycle -------------------------------------------------------

    def erl_libs(self):
        libs = [os.path.join(self.build_dir, "erlang"),
                os.path.join(self.build_dir, "examples", "erlang")]
        if os.environ.get("ERL_LIBS"):
            libs.append(os.environ["ERL_LIBS"])
        return ":".join(libs)

    def _boot_expr(self):
        sets = [f"application:set_env(beamscope, {k}, {to_erl(v)})" for k, v in self.agent_env.items()]
        sets += [f"application:set_env(beamscope_demo, {k}, {to_erl(v)})" for k, v in self.demo_env.items()]
        start = "application:ensure_all_started(beamscope_demo)" if self.start_demo else "skipped"
        # The start result lands in a persistent_term the test polls, so a
        # failed start is reported at once instead of after a timeout.
        return ("_ = application:load(beamscope), _ = application:load(beamscope_demo), "
                + "".join(s + ", " for s in sets)
                + f"persistent_term:put(beamscope_test_start, {start}).")

    def start(self, timeout=60):
        """Boots the node and waits until it answers and the demo started."""
        env = dict(os.environ, ERL_LIBS=self.erl_libs())
        self._log = open(self.log_path, "wb")
        cmd = ["erl", "-noshell", "-sname", self.name, "-setcookie", self.cookie,
               "-kernel", "logger_level", "notice", "-eval", self._boot_expr()]
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=self.workdir, start_new_session=True)
        with _LIVE_LOCK:
            _LIVE_NODES.add(self)
        try:
            result = wait_for(self._start_result, timeout, interval=0.2, what=f"node {self.name} to boot")
        except TimeoutError as e:
            raise NodeError(f"{e}\n--- node log ---\n{self.log_tail()}") from None
        if self.start_demo and not result.startswith("{ok,"):
            raise NodeError(f"beamscope_demo did not start: {result}\n--- node log ---\n{self.log_tail()}")
        return self

    def _start_result(self):
        if self.proc.poll() is not None:
            raise NodeError(f"node {self.name} exited with {self.proc.returncode}\n{self.log_tail()}")
        value = self.eval("persistent_term:get(beamscope_test_start, pending)", timeout=5)
        return None if value == "pending" else value

    def start_agent(self):
        """Starts the agent in a node booted with start_demo=False.

        Returns the ~p text of application:ensure_all_started(beamscope).
        """
        return self.eval("application:ensure_all_started(beamscope)", timeout=30)

    def alive(self):
        """True when the OS process runs and the node answers."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            return self.eval("node()", timeout=5) != ""
        except NodeError:
            return False

    def stop(self, timeout=15):
        """Stops the node: init:stop(), then SIGTERM, then SIGKILL. Idempotent."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.eval("init:stop()", timeout=5)
            except NodeError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._signal(signal.SIGKILL)
                    self.proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        with _LIVE_LOCK:
            _LIVE_NODES.discard(self)

    def _signal(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def log_tail(self, lines=60):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- evaluation ------------------------------------------------------

    def eval(self, expr, timeout=15):
        """Evaluates Erlang `expr` (no trailing dot) in the node.

        Returns the result printed with ~0tp, e.g. "42", "<0.91.0>",
        "{ok,[beamscope]}". Raises NodeError when it raises or times out.
        """
        cmd = [erl_call_path(), "-r", "-sname", self.name, "-c", self.cookie,
               "-timeout", str(max(1, int(timeout))), "-e"]
        # On OTP 27 under load, erl_call now and then fails to connect to a
        # live node that answers the next call (seen in the release matrix
        # while other erl_calls had just disconnected). A failed connection
        # is retried; a node that is really gone fails all three tries.
        for attempt in range(3):
            try:
                out = subprocess.run(cmd, input=_WRAP.format(expr=expr), capture_output=True, text=True,
                                     timeout=timeout + 5)
            except subprocess.TimeoutExpired:
                raise NodeError(f"erl_call timed out after {timeout}s on: {expr}") from None
            if "failed to connect to node" not in out.stderr:
                break
            time.sleep(0.3 * (attempt + 1))
        m = _HEX_RESULT.search(out.stdout)
        if not m:
            raise NodeError(f"erl_call failed (rc {out.returncode}) on: {expr}\n{out.stdout}{out.stderr}")
        text = bytes.fromhex(m.group(1)).decode("utf-8")
        kind, _, value = text.partition(":")
        if kind != "ok":
            raise NodeError(f"{expr} raised {value}")
        return value

    def eval_int(self, expr, timeout=15):
        return int(self.eval(expr, timeout))

    # -- ground truth and load --------------------------------------------

    def process_count(self):
        return self.eval_int("erlang:system_info(process_count)")

    def message_queue_len(self, pid):
        """Mailbox length of the process with pid string `pid` ("<0.1.0>")."""
        return self.eval_int(f"element(2, erlang:process_info(list_to_pid({to_erl(pid)}), message_queue_len))")

    def spawn_idle(self, count, timeout=60):
        """Spawns `count` processes that wait for `stop`; returns their holder's name.

        The holder (a registered process) owns them so kill_holder() ends them all.
        """
        self._next_holder += 1
        holder = f"beamscope_test_holder_{self._next_holder}"
        self.eval(
            f"Bs_Me = self(), Bs_H = spawn(fun() -> "
            f"  Bs_Ps = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, {count})], "
            f"  Bs_Me ! {{spawned, self()}}, "
            f"  receive stop -> [P ! stop || P <- Bs_Ps], ok end end), "
            f"true = register({holder}, Bs_H), "
            f"receive {{spawned, Bs_H}} -> ok after {int(timeout * 1000)} -> exit(spawn_timeout) end",
            timeout=timeout)
        return holder

    def kill_holder(self, holder):
        """Stops every process started by spawn_idle() under `holder`."""
        self.eval(f"case whereis({holder}) of undefined -> ok; P -> P ! stop, ok end")

    def spawn_sink(self, messages, name="beamscope_test_sink"):
        """Spawns a registered process that never receives and sends it `messages`.

        Returns its pid string. The messages are sent from the node itself.
        """
        pid = self.eval(
            f"Bs_P = spawn(fun() -> timer:sleep(infinity) end), "
            f"true = register({name}, Bs_P), "
            f"lists:foreach(fun(I) -> Bs_P ! {{load, I}} end, lists:seq(1, {messages})), "
            f"Bs_P")
        return pid

    def kill(self, pid):
        self.eval(f"exit(list_to_pid({to_erl(pid)}), kill)")


def _stop_all():
    with _LIVE_LOCK:
        nodes = list(_LIVE_NODES)
    for node in nodes:
        try:
            node.stop(timeout=5)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


atexit.register(_stop_all)
# ctest and Ctrl-C send signals: turn them into a normal exit so atexit runs.
for _sig in (signal.SIGTERM, signal.SIGHUP):
    try:
        signal.signal(_sig, lambda signum, frame: (_ for _ in ()).throw(SystemExit(128 + signum)))
    except (ValueError, OSError):  # not the main thread
        pass

"""GUI test: the real `beamscope` under Xvfb against a real erl node running
the demo and the agent; checks the screenshots a person would look at.

  test_screenshot.py --build-dir BUILD --beamscope BUILD/bin/beamscope \
      --paging-feed BUILD/tests/gui/beamscope_gui_paging_feed --out-dir DIR

Writes DIR/overview.png, DIR/processes.png, DIR/tree.png, DIR/waiting.png
and DIR/paging.png (with DIR/paging.json, the inspector's state dump) and
keeps them for people to look at. Python 3 stdlib only.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

from nodes import DemoNode, free_port, wait_for  # noqa: E402
from png_check import read_png  # noqa: E402

WIDTH, HEIGHT = 1280, 800
NODE_BAR = (0, 0, WIDTH, 24)        # the menu bar with node name and status
TREE = (0, 30, 325, HEIGHT)         # supervision tree on the left
MAIN = (370, 60, 935, HEIGHT)       # tabs' content, between the tree and the detail panel
DETAIL = (955, 30, WIDTH, HEIGHT)   # process detail panel on the right
SINK_MESSAGES = 5000

# Colours from gui/views/theme.hpp and ImGui's defaults we count on.
GOOD_DOT = (80, 200, 120)           # "connected"
GAUGE_BAR = (89, 158, 242)          # limit gauges (ImGuiCol_PlotHistogram)
RESTART = (205, 100, 40)            # theme::kRestart: restart badges and reasons
WARN = (235, 180, 60)               # theme::kWarn: child_terminated in the Events tab
BUTTON = (40, 75, 118)              # ImGui's dark Button colour over the window background
PAGING_CHILDREN = 100_000


def near(colour, tol=12):
    return lambda p: all(abs(p[i] - colour[i]) <= tol for i in range(3))


def bright(p):
    """Text pixels: the theme's text is near white on a dark background."""
    return min(p) >= 200


def text_scanlines(img, box, step=2):
    """Scanlines of `box` holding any text, bright or muted (grey labels)."""
    x0, y0, x1, y1 = box
    return sum(1 for y in range(y0, y1, step)
               if any(min(p) >= 110 for p in img.pixels((x0, y, x1, y + 1))))


def run_beamscope(args, binary, out, extra=()):
    cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {WIDTH}x{HEIGHT}x24", binary,
           "--screenshot", out, "--frames", "60", "--width", str(WIDTH), "--height", str(HEIGHT), *extra]
    started = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - started
    print(f"$ {' '.join(cmd)}\n  rc={r.returncode} in {took:.1f}s\n  {r.stderr.strip()}")
    if r.returncode != 0:
        raise AssertionError(f"beamscope failed (rc {r.returncode}): {r.stdout}{r.stderr}")
    img = read_png(out)
    assert (img.width, img.height) == (WIDTH, HEIGHT), f"{out}: {img.width}x{img.height}"
    return img, r.stderr


def check_not_blank(img, name):
    colours = img.distinct_colours()
    print(f"  {name}: {colours} distinct colours")
    assert colours >= 20, f"{name}: only {colours} colours: blank or broken rendering"


def check_overview(img):
    check_not_blank(img, "overview")
    text = img.count(bright, NODE_BAR)
    dot = img.count(near(GOOD_DOT), NODE_BAR)
    bars = img.count(near(GAUGE_BAR, 20), MAIN)
    main_text = img.count(bright, MAIN)
    print(f"  overview: node bar text px {text}, connected dot px {dot}, gauge bar px {bars}, main text px {main_text}")
    assert text > 400, "node bar shows no text (node name, OTP, uptime)"
    assert dot > 10, "connection dot is not green: the inspector did not see the node as connected"
    assert bars > 100, "no limit gauges drawn: no data reached the overview"
    assert main_text > 1500, "overview has too little text: gauges and chart titles missing"


def check_processes(img, waiting, overview):
    check_not_blank(img, "processes")
    # --select top: the detail panel is filled for the process with the
    # largest mailbox (the sink); without a selection it holds one hint.
    detail, hint = text_scanlines(img, DETAIL), text_scanlines(overview, DETAIL)
    print(f"  processes: detail panel scanlines with text {detail} (no selection: {hint})")
    assert detail > 3 * max(hint, 1), "the detail panel shows no selected process"
    rows_text = img.count(bright, MAIN)
    waiting_text = waiting.count(bright, MAIN)
    print(f"  processes: table text px {rows_text} (waiting screen: {waiting_text})")
    # A full table of hot processes is far more text than the waiting line.
    assert rows_text > 5 * max(waiting_text, 1), "process table looks empty"
    # Row text is data: pids, counts and functions fill the table's height.
    filled_rows = sum(1 for y in range(MAIN[1], MAIN[3], 4)
                      if any(bright(p) for p in img.pixels((MAIN[0], y, MAIN[2], y + 1))))
    print(f"  processes: {filled_rows} scanlines (every 4 px) with text")
    assert filled_rows > 60, "too few table rows with text"


def crasher_restarts(build_dir, endpoint):
    """restarts_total of the demo's crasher as beamscope-ctl reports it (0 if absent)."""
    ctl = os.path.join(build_dir, "bin", "beamscope-ctl")
    r = subprocess.run([ctl, "--connect", endpoint, "tree", "--json"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        return 0
    def walk(e):
        yield e
        for c in e["children"]:
            yield from walk(c)
    for app in json.loads(r.stdout)["applications"]:
        for e in walk(app):
            if e["registered_name"] == "beamscope_demo_crasher":
                return e["restarts_total"]
    return 0


def check_tree(img, overview):
    """Tree on the left with restart badges, the Events tab with the
    crasher's restarts, and the crasher's restart history in the detail."""
    check_not_blank(img, "tree")
    tree_text = text_scanlines(img, TREE)
    badges = img.count(near(RESTART, 16), TREE)
    events_warn = img.count(near(WARN, 16), MAIN)
    history = img.count(near(RESTART, 16), DETAIL)
    no_history = overview.count(near(RESTART, 16), DETAIL)
    print(f"  tree: scanlines with text {tree_text}, restart badge px {badges}, "
          f"child_terminated px in events {events_warn}, restart-reason px in detail {history} "
          f"(overview, nothing selected: {no_history})")
    # Each row is ~20 px: dozens of entries (kernel, beamscope, the demo) fill the column.
    assert tree_text > 60, "the tree region is (nearly) empty"
    # One filled badge is ~35x16 px; the crasher's plus its supervisors' outlines.
    assert badges > 250, "no restart badge in the tree"
    # One "child_terminated" in the warn colour is ~30 px of glyphs.
    assert events_warn > 25, "no child_terminated rows in the Events tab"
    assert history > 5 * max(no_history, 20), "the detail panel shows no restart history for the crasher"


def check_waiting(img):
    check_not_blank(img, "waiting")
    text = img.count(bright, MAIN)
    bars = img.count(near(GAUGE_BAR, 20), MAIN)
    print(f"  waiting: text px {text}, gauge bar px {bars}")
    assert text > 200, "the waiting message is missing"
    assert bars < 20, "gauges drawn without any data"


def feed_child_memory(i):
    """Memory of child i in tests/gui/paging_feed.cpp (same formula)."""
    return 2000 + (i * 104729) % 50000


def start_feed(a, *extra):
    feed = subprocess.Popen([a.paging_feed, "--children", str(PAGING_CHILDREN), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = feed.stdout.readline().strip()
    if not line.startswith("serving on "):
        feed.kill()
        raise AssertionError(f"paging feed did not start: {line!r}")
    return feed, line.split()[-1]


def check_paging(a, out_dir):
    """A node whose dynamic supervisor has 100,000 children and serves pages:
    the inspector opens it at children 101-200 by memory (as clicking "next"
    after choosing "memory" would), shows the pager and the received page,
    and a child of that page opens in the detail panel."""
    feed, endpoint = start_feed(a)
    try:
        by_memory = sorted(range(PAGING_CHILDREN), key=lambda i: -feed_child_memory(i))  # stable, as the feed
        first = by_memory[100]
        sup = "shop/shop_sup/conn_sup"
        dump_path = os.path.join(out_dir, "paging.json")
        img, log = run_beamscope(a, a.beamscope, os.path.join(out_dir, "paging.png"),
                                 ["--connect", endpoint, "--page", "conn_sup:100:memory",
                                  "--select", f"conn_{first}", "--dump-state", dump_path])
    finally:
        feed.terminate()
        _, feed_log = feed.communicate(timeout=10)
    assert "no data arrived" not in log
    with open(dump_path) as f:
        dump = json.load(f)
    pagers = dump.get("pagers", [])
    print(f"  paging: pagers {json.dumps(pagers)[:400]}")
    print(f"  paging: selected {dump.get('selected')}, frame CPU {dump['frame_cpu_ms']}")
    assert len(pagers) == 1 and pagers[0]["supervisor"] == sup, "no pager under conn_sup"
    p = pagers[0]
    page = p.get("page") or {}
    assert p["error"] == "" and page, f"no page received: {p}"
    assert (page["offset"], page["order"], page["total"], page["children"]) == (100, "memory", PAGING_CHILDREN, 100), page
    assert page["first_child"] == f"{sup}/conn_{first}", f"page starts with {page['first_child']}, want conn_{first}"
    assert p["range"] == "children 101\u2013200 of 100,000", p["range"]
    assert p["rows_shown"] == 100, "the received children do not replace the streamed ones"
    assert dump["selected"] == f"{sup}/conn_{first}", "the page's child is not selected"
    served = [l for l in feed_log.splitlines() if "offset 100 order BY_MEMORY" in l]
    print(f"  paging: feed served {len(served)} page(s) at 101-200 by memory")
    assert served, "the feed never served the page"
    # The picture: the pager's buttons in the tree column, and the selected
    # child's facts in the detail panel.
    check_not_blank(img, "paging")
    buttons = img.count(near(BUTTON, 10), TREE)
    detail = text_scanlines(img, DETAIL)
    print(f"  paging: button px in tree {buttons}, detail scanlines with text {detail}")
    assert buttons > 300, "no pager buttons in the tree"
    assert detail > 20, "the detail panel shows nothing for the selected child"


def check_paging_refused(a, out_dir):
    """A server that answers every page with an error: the pager says so
    on a line of its own, the streamed children stay, nothing hangs."""
    why = "this server does not serve children pages"
    feed, endpoint = start_feed(a, "--refuse", why)
    try:
        dump_path = os.path.join(out_dir, "paging_refused.json")
        img, log = run_beamscope(a, a.beamscope, os.path.join(out_dir, "paging_refused.png"),
                                 ["--connect", endpoint, "--page", "conn_sup:100:memory", "--dump-state", dump_path])
    finally:
        feed.terminate()
        feed.communicate(timeout=10)
    with open(dump_path) as f:
        p = json.load(f)["pagers"][0]
    warn = img.count(near(WARN, 40), TREE)  # anti-aliased glyphs: a wide tolerance (the paging picture has 0)
    print(f"  paging refused: status {p['status']!r}, rows shown {p['rows_shown']}, warn px in tree {warn}")
    assert p["error"] == why and p["status"] == f"page unavailable: {why}", p
    assert p["rows_shown"] == 100 and p["range"] == "children 1\u2013100 of 100,000", "the streamed children are gone"
    assert warn > 120, "the pager's problem line is not drawn"


def check_no_display(binary):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run([binary, "--screenshot", "/dev/null", "--frames", "1"], env=env,
                       capture_output=True, text=True, timeout=60)
    print(f"  no display: rc={r.returncode}, {r.stderr.strip()}")
    assert r.returncode != 0 and "xvfb-run" in r.stderr, "no display must fail with a hint"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--beamscope", required=True)
    ap.add_argument("--paging-feed", required=True)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    if not shutil.which("xvfb-run"):
        print("xvfb-run is missing: install xvfb (scripts/install-deps.sh)")
        return 1
    os.makedirs(a.out_dir, exist_ok=True)
    check_no_display(a.beamscope)

    # No agent at all: the waiting screen, and no invented data.
    waiting, _ = run_beamscope(a, a.beamscope, os.path.join(a.out_dir, "waiting.png"),
                               ["--connect", f"tcp://127.0.0.1:{free_port()}"])
    check_waiting(waiting)
    check_paging(a, a.out_dir)
    check_paging_refused(a, a.out_dir)

    with DemoNode(a.build_dir, name_prefix="guitest") as node:
        node.start()
        # A loaded process so the table and the mailbox chart have something to show.
        node.spawn_sink(messages=SINK_MESSAGES)
        # Let the agent publish three more ticks, so the charts have history.
        seq = lambda: node.eval_int("maps:get(seq, beamscope_sampler:stats())")  # noqa: E731
        seq0 = seq()
        wait_for(lambda: seq() >= seq0 + 3, 30, interval=0.2, what="three ticks published")
        ep = ["--connect", node.stream_endpoint]
        overview, log = run_beamscope(a, a.beamscope, os.path.join(a.out_dir, "overview.png"), ep)
        assert "no data arrived" not in log, "the inspector got no data from the agent"
        check_overview(overview)
        processes, log = run_beamscope(a, a.beamscope, os.path.join(a.out_dir, "processes.png"),
                                       [*ep, "--tab", "processes", "--select", "top"])
        assert "no data arrived" not in log
        check_processes(processes, waiting, overview)
        # The demo's crasher dies every 5 s: wait for a restart the agent has counted.
        n = wait_for(lambda: crasher_restarts(a.build_dir, node.stream_endpoint), 30, interval=0.5,
                     what="a crasher restart counted by the agent")
        print(f"  crasher restarts before the tree screenshot: {n}")
        tree, log = run_beamscope(a, a.beamscope, os.path.join(a.out_dir, "tree.png"),
                                  [*ep, "--tab", "events", "--select", "beamscope_demo_crasher"])
        assert "no data arrived" not in log
        check_tree(tree, overview)
    print("gui screenshot test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

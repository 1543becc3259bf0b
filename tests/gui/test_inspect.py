"""GUI test: the inspector as a desktop tool (issue 14, item 5), the real
`beamscope` under Xvfb against a real erl node with the demo and the agent.
What each picture shows is read from --dump-state (what the last frame
drew) and compared with the node itself:

- Processes tab: Name and Current function open wide enough to read; the
  growing mailbox's growth in the detail matches the rate measured in the
  node; one mailbox figure, read between two reads of the node.
- Every process (--processes every): the agent's pages, as many processes
  as the node has, in mailbox order with the node's biggest mailbox first;
  the name filter typed into the box is the agent's; arrows walk the rows.
- Tree: no name is cut under badges except before a signal (restarts,
  mailbox) the node really has.
- Keyboard (--keys): arrows walk the tree and the table, Esc clears the
  selection, `/` types into the search, Esc there clears it.
- Selection shared: the crasher's events are marked when it is selected.
- Alerts strip: the agent's alerts for the sink and the growing mailbox;
  the keyboard selects the first alert's process.
- Light theme and a content scale change (2x: fonts rebuilt).

    test_inspect.py --build-dir BUILD --beamscope BUILD/bin/beamscope --out-dir DIR

Pictures and dumps stay in DIR (inspect_*.png/json). Python 3 stdlib only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

from nodes import Atom, DemoNode, wait_for  # noqa: E402
from png_check import read_png  # noqa: E402

WIDTH, HEIGHT = 1280, 800
TREE = (0, 30, 325, HEIGHT)
SINK, SINK_MESSAGES = "beamscope_test_sink", 20_000
GROWER, GROWER_START, GROWER_PERIOD_MS = "beamscope_test_grower", 10_000, 10


class Xvfb:
    """One X server for every run (xvfb-run would start one per run, seconds each)."""

    def __enter__(self):
        r, w = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", f"{WIDTH}x{HEIGHT}x24",
                                      "-nolisten", "tcp"], pass_fds=(w,), stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            number = f.readline().strip()  # written once the server accepts clients
        if not number:
            self.proc.kill()
            raise AssertionError("Xvfb did not start")
        self.env = dict(os.environ, DISPLAY=f":{number}")
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def run(a, name, extra, frames=8, picture=False):
    png, dump = os.path.join(a.out_dir, f"inspect_{name}.png"), os.path.join(a.out_dir, f"inspect_{name}.json")
    cmd = [a.beamscope, "--screenshot", png, "--frames", str(frames), "--width", str(WIDTH), "--height", str(HEIGHT),
           "--dump-state", dump, *extra]
    started = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=a.xvfb.env)
    print(f"$ beamscope {' '.join(cmd[1:])}\n  rc={r.returncode} in {time.monotonic() - started:.1f}s")
    if r.returncode != 0:
        raise AssertionError(f"beamscope failed (rc {r.returncode}): {r.stdout}{r.stderr}")
    assert "no data arrived" not in r.stderr, "the inspector got no data"
    with open(dump) as f:
        # Decoding a PNG in pure Python takes seconds: only when the pixels are checked.
        return json.load(f), read_png(png) if picture else None


def ctl_tree(a, endpoint):
    ctl = os.path.join(a.build_dir, "bin", "beamscope-ctl")
    r = subprocess.run([ctl, "--connect", endpoint, "tree", "--json"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr

    def walk(e):
        yield e
        for c in e["children"]:
            yield from walk(c)
    return {e["id"]: e for app in json.loads(r.stdout)["applications"] for e in walk(app)}


def ps_total(a, endpoint):
    ctl = os.path.join(a.build_dir, "bin", "beamscope-ctl")
    r = subprocess.run([ctl, "--connect", endpoint, "ps", "--limit", "1", "--json"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["total"]


def detail(dump, label):
    """Value of 'label: value' in the detail's mailbox lines (None when absent)."""
    vals = [line.split(": ", 1)[1] for line in dump["drawn"]["detail_lines"] if line.startswith(label + ": ")]
    assert len(vals) <= 1, f"{label} shown {len(vals)} times: {dump['drawn']['detail_lines']}"
    return vals[0] if vals else None


def number(text):
    """'11,133 messages' -> 11133; '+79.2/s' -> 79.2; '+1.20k/s' -> 1200."""
    t = text.split()[0].replace(",", "").rstrip("/s").lstrip("+")
    mult = 1000 if t.endswith("k") else 1
    return float(t.rstrip("k")) * mult


def check_processes(a, node, ep):
    mbox = lambda: node.eval_int(f"element(2, process_info(whereis({GROWER}), message_queue_len))")  # noqa: E731
    t0, m0 = time.monotonic(), mbox()
    time.sleep(2.0)  # a measuring window, not a synchronization
    rate = (mbox() - m0) / (time.monotonic() - t0)
    before = mbox()
    dump, _ = run(a, "processes", [*ep, "--tab", "processes", "--select", GROWER])
    after = mbox()
    font = dump["font_size"]
    cols = {c["title"]: c["width_px"] for c in dump["drawn"]["process_columns"]}
    print(f"  columns {cols}, font {font} px")
    print(f"  detail {dump['drawn']['detail_lines']}; node: mailbox {before}..{after}, growth {rate:.1f}/s")
    # Wide enough to read "beamscope_demo_burster" / "gen_server:loop/7" at 15 px: 12 font heights.
    assert cols["Name"] >= 12 * font and cols["Current function"] >= 12 * font, cols
    assert "\u0394mailbox/s" in cols and "To alarm" in cols, "growth columns missing"
    assert dump["selected_pid"] and dump["drawn"]["processes_pids"], "nothing selected or drawn"
    shown = number(detail(dump, "mailbox"))
    # The hot set's sample may predate `before` by up to a tick (1 s) of growth.
    low = before - 1.5 * rate - 5
    assert low <= shown <= after, f"the detail's mailbox {shown} is not between {low:.0f} (a tick before the " \
                                  f"node's first read) and the node's last read {after}"
    assert detail(dump, "read") == "hot set sample"
    growth = number(detail(dump, "growth"))
    assert 0.5 * rate <= growth <= 2.0 * rate, f"growth shown {growth}/s, the node's {rate:.1f}/s"
    # Past mailbox_alarm (10,000) and growing: the agent's 0 means "reached".
    assert detail(dump, "to alarm") == "reached", detail(dump, "to alarm")


def check_tree_names(a, node, ep):
    dump, _ = run(a, "tree_names", ep)
    a.plain_dump = dump
    entries = ctl_tree(a, node.stream_endpoint)
    rows = dump["drawn"]["tree_rows"]
    elided = [r for r in rows if r["elided"]]
    print(f"  {len(rows)} rows drawn, elided: {[(r['name'], r['name_room_px'], r['name_px']) for r in elided]}")
    assert len(rows) > 20, "too few tree rows drawn"
    for r in elided:
        e = entries.get(r["id"])
        # Only a signal the node really has may keep a name from its full width.
        assert e and (e["restarts_total"] > 0 or e["message_queue_len"] > 0), f"{r['name']} cut without a signal: {r}"
        assert r["name_room_px"] >= 0.4 * r["name_px"], f"{r['name']} left with too little room: {r}"
    pool = [r for r in rows if r["name"] == "beamscope_demo_pool_sup"]
    assert pool and not pool[0]["elided"] and pool[0]["badges_short"] >= 1, f"pool_sup: {pool}"


def check_every_process(a, node, ep):
    extra = 3000
    node.eval(f"persistent_term:put(bs_every, [spawn(fun() -> receive stop -> ok end end) "
              f"|| _ <- lists:seq(1, {extra})]), ok")
    count = node.eval_int("erlang:system_info(process_count)")
    # The agent pages over its sweep: wait for one that saw them.
    wait_for(lambda: ps_total(a, node.stream_endpoint) >= count - 50, 30, interval=0.5,
             what=f"a sweep of the node's {count} processes")
    dump, _ = run(a, "every", [*ep, "--tab", "processes", "--processes", "every", "--select", "top",
                               "--keys", "down"])
    pages = dump["process_pages"]
    rows = pages["rows"]
    top = node.eval("Bs_Q = lists:reverse(lists:sort([{element(2, process_info(P, message_queue_len)), P} || "
                    "P <- processes(), process_info(P, message_queue_len) =/= undefined])), "
                    "{element(2, hd(Bs_Q)), element(1, hd(Bs_Q)) - element(1, hd(tl(Bs_Q)))}")
    m = re.match(r"\{(<[\d.]+>),(\d+)\}", top.replace(" ", ""))
    assert m, top
    top_pid, gap = m.group(1), int(m.group(2))
    print(f"  every process: {dump['drawn']['processes_status']!r}; total {pages['total']} (node {count}); "
          f"first rows {[(r['pid'], r['message_queue_len']) for r in rows[:3]]}; node's biggest {top_pid}")
    assert dump["drawn"]["processes_list"] == "every" and pages["answered"] and not pages["error"], pages["error"]
    # The sweep may be a second old: processes come and go (the demo's crasher, the agent's helpers).
    assert abs(pages["total"] - count) <= 0.02 * count, (pages["total"], count)
    assert len(rows) >= 20 and dump["drawn"]["process_rows_drawn"] >= 10, (len(rows), dump["drawn"])
    mboxes = [r["message_queue_len"] for r in rows]
    assert mboxes == sorted(mboxes, reverse=True), mboxes[:20]
    if gap > 1000:  # the biggest mailbox cannot have changed places since
        assert rows[0]["pid"] == top_pid, (rows[0], top_pid)
    # --select top, then down: the second row of the agent's order.
    assert dump["selected_pid"] == rows[1]["pid"], (dump["selected_pid"], rows[:2])

    dump, _ = run(a, "every_filter", [*ep, "--tab", "processes", "--processes", "every",
                                      "--keys", "slash,type:beamscope_test"])
    pages = dump["process_pages"]
    named = node.eval_int("length([N || N <- registered(), string:find(atom_to_list(N), \"beamscope_test\") =/= nomatch])")
    print(f"  filter 'beamscope_test': {pages['total']} of them ({[r['name'] for r in pages['rows']]}); node: {named}")
    assert pages["name_filter"] == "beamscope_test" and pages["total"] == named == 2, pages
    node.eval("[P ! stop || P <- persistent_term:get(bs_every)], persistent_term:erase(bs_every), ok")


def check_keyboard(a, ep):
    dump, _ = run(a, "keys_tree", [*ep, "--select", "beamscope_demo_sup", "--keys", "down*2"])
    ids = [r["id"] for r in dump["drawn"]["tree_rows"]]
    start = next(i for i, r in enumerate(dump["drawn"]["tree_rows"]) if r["name"] == "beamscope_demo_sup")
    print(f"  tree: down*2 from beamscope_demo_sup -> {dump['selected']} (key region {dump['drawn']['key_region']})")
    assert dump["keys_pressed"] == 2 and dump["selected"] == ids[start + 2], dump["selected"]

    dump, _ = run(a, "keys_table", [*ep, "--tab", "processes", "--select", "top", "--keys", "down"])
    pids = dump["drawn"]["processes_pids"]
    print(f"  table: top, down -> {dump['selected_pid']}; rows {pids[:3]}")
    assert dump["drawn"]["key_region"] == "main" and dump["selected_pid"] == pids[1], (dump["selected_pid"], pids)

    dump, _ = run(a, "keys_search", [*ep, "--keys", "slash,type:crasher"])
    names = [r["name"] for r in dump["drawn"]["tree_rows"]]
    print(f"  search 'crasher': {names}")
    assert dump["drawn"]["tree_search"] == "crasher" and "beamscope_demo_crasher" in names and len(names) <= 6, names
    # Esc in the box clears the search; Esc again (out of the box) the selection.
    dump, _ = run(a, "keys_esc", [*ep, "--select", "beamscope_demo_sup", "--keys", "slash,type:crasher,esc,esc"])
    assert dump["drawn"]["tree_search"] == "" and len(dump["drawn"]["tree_rows"]) > 20, "Esc did not clear the search"
    assert dump["selected"] == "" and dump["selected_pid"] == "", "Esc did not clear the selection"


def check_shared_selection(a, node, ep):
    crasher = next(e for e in ctl_tree(a, node.stream_endpoint).values() if e["registered_name"] == "beamscope_demo_crasher")
    wait_for(lambda: next(e for e in ctl_tree(a, node.stream_endpoint).values()
                          if e["id"] == crasher["id"])["restarts_total"] >= 1, 30, interval=0.5,
             what="a crasher restart counted by the agent")
    dump, _ = run(a, "events_shared", [*ep, "--tab", "events", "--select", "beamscope_demo_crasher"])
    print(f"  events marked for the crasher: {dump['drawn']['events_highlighted']}")
    assert dump["selected"] == crasher["id"] and dump["drawn"]["events_highlighted"] >= 1


def check_alerts(a, node, ep):
    """The strip shows the agent's alerts (the sink and the grower are past
    mailbox_alarm, the grower keeps growing); F6 then an arrow selects the
    first one's process, as a click would."""
    dump, _ = run(a, "alerts", [*ep, "--keys", "f6,down"])
    chips = dump["drawn"]["alerts"]
    print(f"  alerts strip: {chips}; key region {dump['drawn']['key_region']}, selected {dump['selected_pid']}")
    assert any(c.endswith(f"mailbox_growing \u00b7 {GROWER}") for c in chips), chips
    assert any(c == f"critical \u00b7 mailbox_long \u00b7 {SINK}" for c in chips), chips
    assert dump["drawn"]["key_region"] == "alerts"
    first = chips[0].split(" \u00b7 ")[-1]
    want = node.eval(f"whereis({first})")
    assert dump["selected_pid"] == want, f"first alert is about {first} ({want}), selected {dump['selected_pid']}"


def check_theme_and_scale(a, ep):
    dump, img = run(a, "light", [*ep, "--theme", "light", "--tab", "processes", "--select", SINK], picture=True)
    px = list(img.pixels(TREE))
    light = sum(1 for p in px if min(p) >= 200) / len(px)
    print(f"  light theme: {light:.0%} of the tree region is light")
    assert dump["theme"] == "light" and light > 0.7, "the light theme is not light"
    plain = a.plain_dump
    dump, _ = run(a, "scale2", [*ep, "--simulate-content-scale", "2"])
    w1 = {r["name"]: r["name_px"] for r in plain["drawn"]["tree_rows"]}
    w2 = {r["name"]: r["name_px"] for r in dump["drawn"]["tree_rows"]}
    print(f"  content scale 2: font {dump['font_size']} px (was {plain['font_size']}), "
          f"'beamscope_sup' {w2.get('beamscope_sup')} px (was {w1.get('beamscope_sup')}), "
          f"{len(w2)} rows drawn (were {len(w1)})")
    assert dump["content_scale"] == 2.0 and dump["font_size"] == 2 * plain["font_size"], dump["font_size"]
    assert 1.8 * w1["beamscope_sup"] <= w2["beamscope_sup"] <= 2.2 * w1["beamscope_sup"], "names not drawn with the new font"
    assert len(w2) < 0.7 * len(w1), "twice the row height should fit about half the rows"


def check_asked_detail(a, node, ep):
    """The detail panel asks the agent about the selected process: its
    status, links and stack match what the node itself says."""
    sup = "beamscope_demo_sup"  # a supervisor of supervisors: stable links
    dump, _ = run(a, "asked", [*ep, "--select", sup], frames=40)
    print(f"  detail {dump['drawn']['detail_lines']}")
    assert detail(dump, "asked") == "answered", dump["drawn"]["detail_lines"]
    truth = node.eval(f"{{element(2, process_info(whereis({sup}), status)), "
                      f"length(element(2, process_info(whereis({sup}), links))), "
                      f"[{{M, F, A}} || {{M, F, A, _}} <- [hd(element(2, process_info(whereis({sup}), "
                      f"current_stacktrace)))]]}}")
    m = re.match(r"\{(\w+),(\d+),\[\{(\w+),(\w+),(\d+)\}\]\}", truth.replace(" ", ""))
    assert m, truth
    status, links, mod, fun, arity = m.groups()
    assert detail(dump, "status") == status, (detail(dump, "status"), truth)
    assert detail(dump, "links") == links, (detail(dump, "links"), truth)
    assert detail(dump, "stack").endswith(f"top {mod}:{fun}/{arity}"), (detail(dump, "stack"), truth)
    # A button for each action the agent allows, and only those (this node: gc).
    assert detail(dump, "actions") == "gc", detail(dump, "actions")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--beamscope", required=True)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    if not shutil.which("Xvfb"):
        print("Xvfb is missing: install xvfb (scripts/install-deps.sh)")
        return 1
    os.makedirs(a.out_dir, exist_ok=True)
    with Xvfb() as a.xvfb, DemoNode(a.build_dir, name_prefix="guiinspect",
                                          agent_env={"allow_actions": [Atom("gc")]}) as node:
        node.start()
        node.spawn_sink(messages=SINK_MESSAGES)
        # A mailbox growing by about 100 messages a second, above mailbox_alarm from the start.
        node.spawn_sink(messages=GROWER_START, name=GROWER)
        node.eval(f"spawn(fun Bs_Loop() -> {GROWER} ! tick, timer:sleep({GROWER_PERIOD_MS}), Bs_Loop() end), ok")
        seq = lambda: node.eval_int("maps:get(seq, beamscope_sampler:stats())")  # noqa: E731
        seq0 = seq()
        wait_for(lambda: seq() >= seq0 + 3, 30, interval=0.2, what="three ticks published (growth needs two)")
        ep = ["--connect", node.stream_endpoint]
        started = time.monotonic()
        for check in (lambda: check_processes(a, node, ep), lambda: check_every_process(a, node, ep),
                      lambda: check_tree_names(a, node, ep),
                      lambda: check_keyboard(a, ep), lambda: check_shared_selection(a, node, ep),
                      lambda: check_alerts(a, node, ep), lambda: check_asked_detail(a, node, ep),
                      lambda: check_theme_and_scale(a, ep)):
            check()
            print(f"  [{time.monotonic() - started:.1f} s]")
    print("gui inspect test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes beamscope.json, the Grafana dashboard, from the panel list below.

The list is the source; the JSON is generated so every panel has the same
datasource, the same `node` filter and a sane grid. Run it after editing:
    python3 exporters/grafana/make_dashboard.py
tests/prometheus/test_real_prometheus.py runs every `expr` against a real
Prometheus, so a query that returns nothing fails the build.
"""

import json
import os

DS = {"type": "prometheus", "uid": "${datasource}"}
N = 'node="$node"'

# (row title, [(panel type, title, unit, [(expr, legend)], width)])
ROWS = [
    ("Overview", [
        ("stat", "Processes", "short", [(f"erlang_vm_process_count{{{N}}}", "processes")], 4),
        ("gauge", "Process table used", "percentunit",
         [(f"erlang_vm_process_count{{{N}}} / erlang_vm_process_limit{{{N}}}", "used")], 4),
        ("stat", "Memory", "bytes", [(f"sum(erlang_vm_memory_bytes_total{{{N}}})", "total")], 4),
        ("stat", "Run queue", "short", [(f"erlang_vm_statistics_run_queues_length{{{N}}}", "normal")], 4),
        ("stat", "Reductions / s", "short",
         [(f"rate(erlang_vm_statistics_reductions_total{{{N}}}[$__rate_interval])", "reductions")], 4),
        ("stat", "Data age", "s", [(f"time() - beamscope_last_update_timestamp_seconds{{{N}}}", "age")], 4),
        ("timeseries", "Ports and atoms (share of limit)", "percentunit",
         [(f"erlang_vm_port_count{{{N}}} / erlang_vm_port_limit{{{N}}}", "ports"),
          (f"erlang_vm_atom_count{{{N}}} / erlang_vm_atom_limit{{{N}}}", "atoms")], 12),
        ("table", "Node", "none", [(f"beamscope_node_info{{{N}}}", "")], 12),
    ]),
    # What the agent's alert rules raise (protocol/alerts.hpp), and the
    # growth figures behind the mailbox alerts; exporters/prometheus/alerts.yml
    # pages on the same series.
    ("Alerts", [
        ("stat", "Active alerts", "short", [(f"sum(beamscope_alerts{{{N}}}) or vector(0)", "active")], 4),
        ("stat", "Critical alerts", "short",
         [(f'sum(beamscope_alerts{{{N},severity="critical"}}) or vector(0)', "critical")], 4),
        ("stat", "Alerts not shown (over the bound)", "short", [(f"beamscope_alerts_omitted{{{N}}}", "omitted")], 4),
        ("timeseries", "Alerts by kind", "short",
         [(f"sum by (kind) (beamscope_alerts{{{N}}})", "{{kind}}")], 12),
        ("table", "Active alerts", "none", [(f"beamscope_alert_active{{{N}}}", "")], 12),
        ("bargauge", "Fastest-growing mailboxes (messages / s)", "short",
         [(f"topk(10, beamscope_process_mailbox_growth_per_second{{{N}}})", "{{name}} {{pid}}")], 6),
        ("bargauge", "Time to mailbox_alarm", "s",
         [(f"bottomk(10, beamscope_process_mailbox_seconds_to_alarm{{{N}}})", "{{name}} {{pid}}")], 6),
    ]),
    ("Schedulers", [
        ("timeseries", "Normal scheduler utilization", "percentunit",
         [(f'beamscope_scheduler_utilization{{{N},type="normal"}}', "scheduler {{id}}")], 12),
        ("timeseries", "Dirty scheduler utilization", "percentunit",
         [(f'beamscope_scheduler_utilization{{{N},type=~"dirty_.*"}}', "{{type}} {{id}}")], 12),
        ("timeseries", "Mean utilization by type", "percentunit",
         [(f"avg by (type) (beamscope_scheduler_utilization{{{N}}})", "{{type}}")], 12),
        ("timeseries", "Run queues", "short",
         [(f"erlang_vm_statistics_run_queues_length{{{N}}}", "normal"),
          (f"erlang_vm_statistics_dirty_cpu_run_queue_length{{{N}}}", "dirty cpu"),
          (f"erlang_vm_statistics_dirty_io_run_queue_length{{{N}}}", "dirty io")], 12),
    ]),
    ("Memory", [
        ("timeseries", "Memory by kind", "bytes",
         [(f"erlang_vm_memory_bytes_total{{{N}}}", "{{kind}}")], 8),
        ("timeseries", "System memory by usage", "bytes",
         [(f"erlang_vm_memory_system_bytes_total{{{N}}}", "{{usage}}")], 8),
        ("timeseries", "Process memory used / free", "bytes",
         [(f"erlang_vm_memory_processes_bytes_total{{{N}}}", "{{usage}}")], 8),
        ("bargauge", "Top processes by memory", "bytes",
         [(f"topk(10, beamscope_process_memory_bytes{{{N}}})", "{{name}} {{pid}}")], 12),
        ("timeseries", "ETS tables", "short", [(f"erlang_vm_memory_ets_tables{{{N}}}", "tables")], 12),
    ]),
    ("Mailboxes", [
        ("bargauge", "Longest mailboxes (top-K)", "short",
         [(f"topk(10, beamscope_process_mailbox_length{{{N}}})", "{{name}} {{pid}}")], 12),
        ("timeseries", "Messages queued (all processes)", "short",
         [(f"beamscope_mailbox_messages{{{N}}}", "messages")], 12),
        ("heatmap", "Mailbox length distribution", "short",
         [(f"sum by (le) (beamscope_mailbox_length_bucket{{{N}}})", "{{le}}")], 12),
        ("timeseries", "Mailbox length quantiles", "short",
         [(f"histogram_quantile(0.99, sum by (le) (beamscope_mailbox_length_bucket{{{N}}}))", "p99"),
          (f"histogram_quantile(0.999, sum by (le) (beamscope_mailbox_length_bucket{{{N}}}))", "p99.9")], 12),
    ]),
    ("Garbage collection and reductions", [
        ("timeseries", "GCs / s", "short",
         [(f"rate(erlang_vm_statistics_garbage_collection_number_of_gcs{{{N}}}[$__rate_interval])", "gcs")], 8),
        ("timeseries", "Bytes reclaimed / s", "Bps",
         [(f"rate(erlang_vm_statistics_garbage_collection_bytes_reclaimed{{{N}}}[$__rate_interval])", "reclaimed")], 8),
        ("bargauge", "Top processes by minor GCs / s", "short",
         [(f"topk(10, beamscope_process_minor_gcs_per_second{{{N}}})", "{{name}} {{pid}}")], 8),
        ("bargauge", "Busiest processes (reductions / s)", "short",
         [(f"topk(10, beamscope_process_reductions_per_second{{{N}}})", "{{name}} {{pid}}")], 12),
        ("timeseries", "system_monitor events / s", "short",
         [(f"rate(beamscope_monitor_events_total{{{N}}}[$__rate_interval])", "{{kind}}")], 12),
    ]),
    ("Restarts", [
        ("timeseries", "Supervisor restarts / s", "short",
         [(f"sum(rate(beamscope_supervisor_restarts_total{{{N}}}[$__rate_interval]))", "restarts")], 12),
        ("table", "Restarts in the last hour", "short",
         [(f"topk(10, increase(beamscope_supervisor_restarts_total{{{N}}}[1h]))", "")], 12),
    ]),
    ("Applications", [
        ("bargauge", "Memory by application", "bytes",
         [(f"topk(10, beamscope_application_memory_bytes{{{N}}})", "{{application}}")], 12),
        ("bargauge", "Processes by application", "short",
         [(f"topk(10, beamscope_application_processes{{{N}}})", "{{application}}")], 12),
        ("timeseries", "Mailbox messages by application", "short",
         [(f"beamscope_application_mailbox_messages{{{N}}}", "{{application}}")], 12),
        ("timeseries", "Reductions / s by application", "short",
         [(f"rate(beamscope_application_reductions_total{{{N}}}[$__rate_interval])", "{{application}}")], 12),
    ]),
    ("Agent health", [
        ("timeseries", "Sweep period and duration", "s",
         [(f"beamscope_sweep_period_seconds{{{N}}}", "period"),
          (f"beamscope_sweep_duration_seconds{{{N}}}", "duration")], 8),
        ("timeseries", "Sweep cost vs budget", "percentunit",
         [(f"beamscope_sweep_cost_ratio{{{N}}}", "cost"),
          (f"beamscope_sweep_budget_ratio{{{N}}}", "budget")], 8),
        ("timeseries", "Frames dropped / s", "short",
         [(f"rate(beamscope_agent_frames_dropped_total{{{N}}}[$__rate_interval])", "dropped")], 8),
        ("timeseries", "Agent memory", "bytes",
         [(f"beamscope_agent_memory_bytes{{{N}}}", "agent")], 8),
        ("timeseries", "Agent bytes per process", "bytes",
         [(f"beamscope_agent_bytes_per_process{{{N}}}", "bytes/process")], 8),
        ("timeseries", "Processes swept", "short",
         [(f"beamscope_sweep_processes{{{N}}}", "swept")], 8),
    ]),
]


def panel(pid, kind, title, unit, targets, x, y, w):
    p = {
        "id": pid, "type": kind, "title": title, "datasource": DS,
        "gridPos": {"h": 8, "w": w, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": [{"datasource": DS, "refId": chr(ord("A") + i), "expr": e, "legendFormat": l or "__auto",
                     "instant": kind in ("table", "bargauge"), "range": kind not in ("table", "bargauge")}
                    for i, (e, l) in enumerate(targets)],
    }
    if kind == "heatmap":
        for t in p["targets"]:
            t["format"] = "heatmap"
        p["options"] = {"calculate": False, "yAxis": {"unit": unit}}
    if kind == "table":
        for t in p["targets"]:
            t["format"] = "table"
    if kind == "bargauge":
        p["options"] = {"orientation": "horizontal", "displayMode": "gradient",
                        "reduceOptions": {"calcs": ["lastNotNull"], "values": False}}
    return p


def dashboard():
    panels, y, pid = [], 0, 1
    for title, row in ROWS:
        panels.append({"id": pid, "type": "row", "title": title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid += 1
        y += 1
        x = 0
        for kind, ptitle, unit, targets, w in row:
            if x + w > 24:
                x, y = 0, y + 8
            panels.append(panel(pid, kind, ptitle, unit, targets, x, y, w))
            pid += 1
            x += w
        y += 8
    return {
        "title": "beamscope: BEAM node",
        "uid": "beamscope-node",
        "description": "beamscope agent or collector /metrics (series labelled node=...).",
        "tags": ["beamscope", "erlang", "elixir", "beam"],
        "schemaVersion": 36,
        "version": 1,
        "editable": True,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "timezone": "",
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []},
            {"name": "node", "label": "Node", "type": "query", "datasource": DS,
             "definition": "label_values(beamscope_node_info, node)",
             "query": {"query": "label_values(beamscope_node_info, node)", "refId": "node"},
             "current": {}, "hide": 0, "refresh": 2, "regex": "", "sort": 1, "multi": False,
             "includeAll": False, "options": []},
        ]},
        "panels": panels,
    }


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "beamscope.json")
    with open(out, "w") as f:
        json.dump(dashboard(), f, indent=2)
        f.write("\n")
    print(f"wrote {out}")

// Every metric family the node collectable exports: one place for names,
// help and types, so tests, dashboards and docs refer to the same spelling.
// erlang_vm_* keep prometheus.erl's names and meaning (existing dashboards
// keep working). Gauges whose kept name ends in _count or _total are typed
// `untyped` (queried exactly like gauges) so that promtool's suffix lint
// only reports the missing _total of the kept counter names
// (tests/exporters/promtool_allowed.txt lists each, and nothing else);
// beamscope_* follow Prometheus naming: base units, _total on counters.
#pragma once

#include "beamscope/exporters/family_set.hpp"

namespace beamscope::exporters::specs {

using prometheus::MetricType;

// --- prometheus.erl compatible: erlang:system_info/1 -----------------------
inline constexpr MetricSpec kProcessCount{"erlang_vm_process_count",
    "The number of processes currently existing at the local node.", MetricType::Untyped};
inline constexpr MetricSpec kProcessLimit{"erlang_vm_process_limit",
    "The maximum number of simultaneously existing processes at the local node.", MetricType::Gauge};
inline constexpr MetricSpec kPortCount{"erlang_vm_port_count",
    "The number of ports currently existing at the local node.", MetricType::Untyped};
inline constexpr MetricSpec kPortLimit{"erlang_vm_port_limit",
    "The maximum number of simultaneously existing ports at the local node.", MetricType::Gauge};
inline constexpr MetricSpec kAtomCount{"erlang_vm_atom_count",
    "The number of atoms currently existing at the local node.", MetricType::Untyped};
inline constexpr MetricSpec kAtomLimit{"erlang_vm_atom_limit",
    "The maximum number of simultaneously existing atoms at the local node.", MetricType::Gauge};
inline constexpr MetricSpec kEtsLimit{"erlang_vm_ets_limit",
    "The maximum number of ETS tables allowed.", MetricType::Gauge};
inline constexpr MetricSpec kSchedulersOnline{"erlang_vm_schedulers_online",
    "The number of schedulers online.", MetricType::Gauge};
inline constexpr MetricSpec kDirtyCpuSchedulersOnline{"erlang_vm_dirty_cpu_schedulers_online",
    "The number of dirty CPU scheduler threads online.", MetricType::Gauge};
inline constexpr MetricSpec kWordsize{"erlang_vm_wordsize_bytes",
    "The size of Erlang term words in bytes.", MetricType::Gauge};

// --- prometheus.erl compatible: erlang:statistics/1 -------------------------
inline constexpr MetricSpec kRunQueues{"erlang_vm_statistics_run_queues_length",
    "The total length of all normal run-queues.", MetricType::Gauge};
inline constexpr MetricSpec kDirtyCpuRunQueue{"erlang_vm_statistics_dirty_cpu_run_queue_length",
    "Length of the dirty CPU run-queue.", MetricType::Gauge};
inline constexpr MetricSpec kDirtyIoRunQueue{"erlang_vm_statistics_dirty_io_run_queue_length",
    "Length of the dirty IO run-queue.", MetricType::Gauge};
inline constexpr MetricSpec kReductions{"erlang_vm_statistics_reductions_total",
    "Total reductions count.", MetricType::Counter};
inline constexpr MetricSpec kGcCount{"erlang_vm_statistics_garbage_collection_number_of_gcs",
    "The total number of garbage collections since the system started.", MetricType::Counter};
inline constexpr MetricSpec kGcWords{"erlang_vm_statistics_garbage_collection_words_reclaimed",
    "The total number of words reclaimed by GC since the system started.", MetricType::Counter};
inline constexpr MetricSpec kGcBytes{"erlang_vm_statistics_garbage_collection_bytes_reclaimed",
    "The total number of bytes reclaimed by GC since the system started.", MetricType::Counter};
inline constexpr MetricSpec kBytesReceived{"erlang_vm_statistics_bytes_received_total",
    "The total number of bytes received through ports.", MetricType::Counter};
inline constexpr MetricSpec kBytesOutput{"erlang_vm_statistics_bytes_output_total",
    "The total number of bytes output to ports.", MetricType::Counter};
inline constexpr MetricSpec kContextSwitches{"erlang_vm_statistics_context_switches",
    "The total number of context switches since the system started.", MetricType::Counter};

// --- prometheus.erl compatible: erlang:memory/0 ------------------------------
inline constexpr MetricSpec kMemoryBytes{"erlang_vm_memory_bytes_total",
    "The total amount of memory currently allocated, by kind (processes or system).", MetricType::Untyped};
inline constexpr MetricSpec kMemorySystem{"erlang_vm_memory_system_bytes_total",
    "The amount of memory allocated for the emulator that is not directly related to any Erlang process.",
    MetricType::Untyped};
inline constexpr MetricSpec kMemoryProcesses{"erlang_vm_memory_processes_bytes_total",
    "The amount of memory currently allocated for Erlang processes, used or free.", MetricType::Untyped};
inline constexpr MetricSpec kMemoryAtom{"erlang_vm_memory_atom_bytes_total",
    "The amount of memory currently allocated for atoms, used or free.", MetricType::Untyped};
inline constexpr MetricSpec kEtsTables{"erlang_vm_memory_ets_tables",
    "Erlang VM ETS Tables count.", MetricType::Gauge};

// --- beamscope: schedulers, node identity --------------------------------------
inline constexpr MetricSpec kSchedulerUtil{"beamscope_scheduler_utilization",
    "Scheduler utilization over the last sampling tick (0..1), per scheduler.", MetricType::Gauge};
inline constexpr MetricSpec kNodeInfo{"beamscope_node_info",
    "Identity of the sampled node; the value is always 1.", MetricType::Gauge};
inline constexpr MetricSpec kLastUpdate{"beamscope_last_update_timestamp_seconds",
    "Unix time at which the node took the sample being exported.", MetricType::Gauge};

// --- beamscope: mailboxes --------------------------------------------------------
inline constexpr MetricSpec kMailboxHistogram{"beamscope_mailbox_length",
    "Mailbox lengths of every process seen by the last full sweep.", MetricType::Histogram};
inline constexpr MetricSpec kMailboxMessages{"beamscope_mailbox_messages",
    "Messages queued in all mailboxes at the last full sweep.", MetricType::Gauge};

// --- beamscope: top-K processes (bounded series, labelled pid and name) ---------
inline constexpr MetricSpec kProcessMailbox{"beamscope_process_mailbox_length",
    "Mailbox length of the processes with the longest mailboxes (top-K).", MetricType::Gauge};
inline constexpr MetricSpec kProcessMemory{"beamscope_process_memory_bytes",
    "Memory of the processes using the most memory (top-K).", MetricType::Gauge};
inline constexpr MetricSpec kProcessReductionRate{"beamscope_process_reductions_per_second",
    "Reductions per second of the busiest processes (top-K).", MetricType::Gauge};
inline constexpr MetricSpec kProcessGcRate{"beamscope_process_minor_gcs_per_second",
    "Minor garbage collections per second of the processes collecting most often (top-K).", MetricType::Gauge};
inline constexpr MetricSpec kProcessMailboxGrowth{"beamscope_process_mailbox_growth_per_second",
    "Mailbox growth in messages per second of the processes whose mailboxes grow fastest (top-K; the agent's figure).",
    MetricType::Gauge};
inline constexpr MetricSpec kProcessSecondsToAlarm{"beamscope_process_mailbox_seconds_to_alarm",
    "At its current growth, seconds until the mailbox reaches mailbox_alarm (the growing processes above only).",
    MetricType::Gauge};

// --- beamscope: alerts the agent's rules raised (protocol/alerts.hpp; since 1.3) ---
inline constexpr MetricSpec kAlertActive{"beamscope_alert_active",
    "1 for each active alert, labelled kind, severity, subject (pid, port or supervisor id; empty node-wide), "
    "name and pid; at most 64 a node.", MetricType::Gauge};
inline constexpr MetricSpec kAlerts{"beamscope_alerts",
    "Active alerts by kind and severity (those in beamscope_alert_active).", MetricType::Gauge};
inline constexpr MetricSpec kAlertsOmitted{"beamscope_alerts_omitted",
    "Active alerts left out of the stream and of beamscope_alert_active (over the bound of 64, or 16 a kind).",
    MetricType::Gauge};

// --- beamscope: per-application aggregates (one series per application) --------
inline constexpr MetricSpec kApplicationProcesses{"beamscope_application_processes",
    "Processes whose group leader belongs to the application.", MetricType::Gauge};
inline constexpr MetricSpec kApplicationMemory{"beamscope_application_memory_bytes",
    "Memory of the application's processes.", MetricType::Gauge};
inline constexpr MetricSpec kApplicationMailbox{"beamscope_application_mailbox_messages",
    "Messages queued in the mailboxes of the application's processes.", MetricType::Gauge};
inline constexpr MetricSpec kApplicationReductions{"beamscope_application_reductions_total",
    "Reductions executed by the application's live processes.", MetricType::Counter};
inline constexpr MetricSpec kApplicationsOmitted{"beamscope_applications_omitted",
    "Applications left out of the per-application series (over the series cap).", MetricType::Gauge};

// --- beamscope: erlang:system_monitor events (when the agent holds the slot) ------
inline constexpr MetricSpec kMonitorEnabled{"beamscope_monitor_enabled",
    "1 when the agent receives system_monitor events, else 0.", MetricType::Gauge};
inline constexpr MetricSpec kMonitorEvents{"beamscope_monitor_events_total",
    "system_monitor events received, by kind.", MetricType::Counter};

// --- beamscope: the sampler and the agent's own health ---------------------------
inline constexpr MetricSpec kSweepDuration{"beamscope_sweep_duration_seconds",
    "Time the last full sweep of the process table took.", MetricType::Gauge};
inline constexpr MetricSpec kSweepPeriod{"beamscope_sweep_period_seconds",
    "Time between the starts of the last two full sweeps.", MetricType::Gauge};
inline constexpr MetricSpec kSweepProcesses{"beamscope_sweep_processes",
    "Processes visited by the last full sweep.", MetricType::Gauge};
inline constexpr MetricSpec kSweeps{"beamscope_sweeps_total",
    "Full sweeps of the process table completed.", MetricType::Counter};
inline constexpr MetricSpec kSweepBudget{"beamscope_sweep_budget_ratio",
    "Configured share of scheduler capacity the sweep may use (0.01 = 1%).", MetricType::Gauge};
inline constexpr MetricSpec kSweepCost{"beamscope_sweep_cost_ratio",
    "Measured share of scheduler capacity the sweep used over the last period.", MetricType::Gauge};
inline constexpr MetricSpec kSweepChunkMax{"beamscope_sweep_chunk_max_seconds",
    "Longest single chunk of the last sweep (time the sampler held a scheduler).", MetricType::Gauge};
inline constexpr MetricSpec kSweepGuarded{"beamscope_sweep_guarded_total",
    "Rich process reads skipped by the mailbox guard.", MetricType::Counter};
inline constexpr MetricSpec kTickDuration{"beamscope_sampler_tick_duration_seconds",
    "Sampler time spent in the last tick.", MetricType::Gauge};
// --- history: what the agent's ring (or a collector) keeps of the past ------
inline constexpr MetricSpec kHistoryWindow{"beamscope_history_window_seconds",
    "Seconds of VM gauges and events kept for viewers that connect later (agent history_s; 0: disabled).",
    MetricType::Gauge};
inline constexpr MetricSpec kHistorySamples{"beamscope_history_samples",
    "Ticks of VM gauges the history holds.", MetricType::Gauge};
inline constexpr MetricSpec kHistoryEvents{"beamscope_history_events",
    "Events the history holds.", MetricType::Gauge};
inline constexpr MetricSpec kHistoryBytes{"beamscope_history_bytes",
    "Memory held by the history (the sample ring is allocated whole at start).", MetricType::Gauge};
inline constexpr MetricSpec kHistoryEventsDropped{"beamscope_history_events_dropped_total",
    "Events pushed out of the history by its bound (512 events, 256 KiB) before they left its window.",
    MetricType::Counter};
inline constexpr MetricSpec kFramesSent{"beamscope_agent_frames_sent_total",
    "Stream frames the agent handed to viewers.", MetricType::Counter};
inline constexpr MetricSpec kFramesDropped{"beamscope_agent_frames_dropped_total",
    "Stream frames the agent dropped (queue full or viewer too slow).", MetricType::Counter};
inline constexpr MetricSpec kEventsDropped{"beamscope_agent_events_dropped_total",
    "Restart, crash and system_monitor events the agent's rate limit (200 a second) refused.", MetricType::Counter};
inline constexpr MetricSpec kFramesRejected{"beamscope_agent_frames_rejected_total",
    "Frames the agent received and refused (malformed or out of bounds).", MetricType::Counter};
inline constexpr MetricSpec kAgentMemory{"beamscope_agent_memory_bytes",
    "Memory held by the agent itself.", MetricType::Gauge};
inline constexpr MetricSpec kAgentTracked{"beamscope_agent_tracked_processes",
    "Processes the agent keeps state for.", MetricType::Gauge};
inline constexpr MetricSpec kAgentBytesPerProcess{"beamscope_agent_bytes_per_process",
    "Agent memory per tracked process.", MetricType::Gauge};
inline constexpr MetricSpec kAgentViewers{"beamscope_agent_viewers",
    "Viewers currently streaming from the agent.", MetricType::Gauge};
inline constexpr MetricSpec kStreamAuthFailures{"beamscope_stream_auth_failures_total",
    "Viewers refused by the CURVE stream: reason unauthorized_key (not in the authorized keys file) or "
    "handshake (plaintext viewer, wrong server key).", MetricType::Counter};
inline constexpr MetricSpec kStreamRejected{"beamscope_stream_rejected_total",
    "Messages and peers the stream refused, by reason: bad_frame, too_large, hello_rate, too_many_viewers, "
    "unknown_request, silent, slow_viewer, misbehaving.", MetricType::Counter};
inline constexpr MetricSpec kStreamEncrypted{"beamscope_stream_encrypted",
    "1 when the stream is CURVE-encrypted, 0 when plaintext.", MetricType::Gauge};
inline constexpr MetricSpec kCollectorConnected{"beamscope_agent_collector_connected",
    "1 while a collector the agent dials (collector_endpoints) is connected and talking, 0 otherwise.",
    MetricType::Gauge};
inline constexpr MetricSpec kCollectorConnections{"beamscope_agent_collector_connections_total",
    "Connections to a dialled collector whose handshake completed (one more at each collector restart).",
    MetricType::Counter};

}  // namespace beamscope::exporters::specs

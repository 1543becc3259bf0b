// erlang_vm_* families, named and shaped like prometheus.erl's collectors
// (system_info, statistics, memory) so dashboards built on it keep working.
#include "beamscope/exporters/metric_specs.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

namespace {

double d(std::uint64_t v) { return static_cast<double>(v); }

std::uint64_t minus(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

// prometheus.erl's run_queues_length counts the normal run queues only;
// run_queue_total also holds the dirty CPU queue (statistics(total_run_queue_lengths)).
std::uint64_t normal_run_queues(const v1::VmGauges& g) {
  if (g.run_queue_lengths_size() > 0) {
    std::uint64_t sum = 0;
    for (auto len : g.run_queue_lengths()) sum += len;
    return sum;
  }
  return minus(g.run_queue_total(), g.dirty_cpu_run_queue_length());
}

void add_system_info(NodeScope& s, const v1::Keyframe& kf) {
  namespace k = specs;
  const auto& g = kf.gauges();
  s.gauge(k::kProcessCount, d(g.process_count()));
  s.gauge(k::kProcessLimit, d(g.process_limit()));
  s.gauge(k::kPortCount, d(g.port_count()));
  s.gauge(k::kPortLimit, d(g.port_limit()));
  s.gauge(k::kAtomCount, d(g.atom_count()));
  s.gauge(k::kAtomLimit, d(g.atom_limit()));
  s.gauge(k::kEtsLimit, d(g.ets_limit()));
  if (kf.has_info()) {
    const auto& info = kf.info();
    if (info.schedulers_online()) s.gauge(k::kSchedulersOnline, info.schedulers_online());
    if (info.dirty_cpu_schedulers_online()) s.gauge(k::kDirtyCpuSchedulersOnline, info.dirty_cpu_schedulers_online());
    if (info.word_size()) s.gauge(k::kWordsize, info.word_size());
  }
}

void add_statistics(NodeScope& s, const v1::Keyframe& kf) {
  namespace k = specs;
  const auto& g = kf.gauges();
  s.gauge(k::kRunQueues, d(normal_run_queues(g)));
  s.gauge(k::kDirtyCpuRunQueue, g.dirty_cpu_run_queue_length());
  s.gauge(k::kDirtyIoRunQueue, g.dirty_io_run_queue_length());
  s.counter(k::kReductions, d(g.reductions_total()));
  s.counter(k::kGcCount, d(g.gc_count_total()));
  s.counter(k::kGcWords, d(g.gc_words_reclaimed_total()));
  // Bytes need the word size; without it we would publish a wrong number,
  // so the family is left out rather than guessed.
  if (kf.info().word_size()) {
    s.counter(k::kGcBytes, d(g.gc_words_reclaimed_total()) * kf.info().word_size());
  }
  s.counter(k::kBytesReceived, d(g.io_input_bytes_total()));
  s.counter(k::kBytesOutput, d(g.io_output_bytes_total()));
  s.counter(k::kContextSwitches, d(g.context_switches_total()));
}

void add_memory(NodeScope& s, const v1::Keyframe& kf) {
  namespace k = specs;
  const auto& g = kf.gauges();
  s.gauge(k::kEtsTables, d(g.ets_count()));
  if (!g.has_memory()) return;
  const auto& m = g.memory();
  s.gauge(k::kMemoryBytes, d(m.processes()), {{"kind", "processes"}});
  s.gauge(k::kMemoryBytes, d(m.system()), {{"kind", "system"}});
  // "other" is what erlang:memory() does not itemize inside system.
  const std::uint64_t itemized = m.atom() + m.binary() + m.code() + m.ets();
  s.gauge(k::kMemorySystem, d(m.atom()), {{"usage", "atom"}});
  s.gauge(k::kMemorySystem, d(m.binary()), {{"usage", "binary"}});
  s.gauge(k::kMemorySystem, d(m.code()), {{"usage", "code"}});
  s.gauge(k::kMemorySystem, d(m.ets()), {{"usage", "ets"}});
  s.gauge(k::kMemorySystem, d(minus(m.system(), itemized)), {{"usage", "other"}});
  s.gauge(k::kMemoryProcesses, d(m.processes_used()), {{"usage", "used"}});
  s.gauge(k::kMemoryProcesses, d(minus(m.processes(), m.processes_used())), {{"usage", "free"}});
  s.gauge(k::kMemoryAtom, d(m.atom_used()), {{"usage", "used"}});
  s.gauge(k::kMemoryAtom, d(minus(m.atom(), m.atom_used())), {{"usage", "free"}});
}

}  // namespace

void add_vm_families(NodeScope& scope, const v1::Keyframe& kf) {
  if (!kf.has_gauges()) return;  // no tick sampled yet: export nothing rather than zeros
  add_system_info(scope, kf);
  add_statistics(scope, kf);
  add_memory(scope, kf);
}

}  // namespace beamscope::exporters::detail

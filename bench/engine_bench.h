// `sequex-bench engine`: the engine alone on a workload, timed. Everything is generated or read and translated to
// Commands before any clock starts; the warm-up part is replayed untimed on a fresh engine before each pass.
//
// Per run, two passes on two fresh engines:
//   throughput: the measured commands back to back, no per-command timer -> ops_per_sec;
//   latency:    each Apply between two CycleClock reads -> log-linear histogram -> p50 / p99 / p99.9 / max.
// Both are printed as one JSON line per run (README.md's fields, then the clock, its overhead and the run number);
// with --runs > 1 a last line holds the median of each field over the runs (and of each kind's, with --by-command).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "workload/generator.h"
#include "workload/workload.h"

namespace sequex::bench {

struct PreparedWorkload {
  std::string name;  // README workload name, or the file name
  workload::CommandStream stream;
  std::vector<std::string> symbols;                   // instrument id - 1 -> symbol
  std::optional<workload::GeneratorStats> generator;  // the shadow model's view, when generated here
};

struct EngineBenchOptions {
  int runs = 1;
  bool summary = false;  // after the JSON lines, a human-readable account of what the workload did
  // Only the throughput pass, and no cycle clock at all: for running under valgrind, whose CPU model lacks the
  // rdtscp the clock reads (so the percentiles are printed as null).
  bool throughput_only = false;
  // After each run's line, one line per kind of command (limit GTC / IOC / FOK, market, stop, cancel, amend,
  // cancel-all) with that kind's latency percentiles ("bench":"engine-command"), so a tail can be traced to the
  // commands that make it.
  bool by_command = false;
  // After the runs, the state at the end of the workload hashed this many times (Engine::StateHash, what sequexd
  // computes on the engine thread at every journal checkpoint): one "bench":"engine-state-hash" line. 0 = none.
  int state_hashes = 0;
  // Then Engine::SaveSnapshot this many times into one reused buffer (what sequexd's sequencer does after the
  // batch that crosses each snapshot_interval): one "bench":"engine-snapshot" line. 0 = none.
  int snapshots = 0;
  // The same commands on StraightforwardEngine (straightforward_engine.h), the std::map-and-std::list engine a
  // first version would be: first a check that it and the engine agree (every trade, every reject, the open orders
  // and every balance; exit code 1 and no figures if not), then after each run's lines a "bench":"engine-baseline"
  // line with its own passes and "ratio", the engine's ops_per_sec over its own in that run.
  bool baseline = false;
  // Instead of the passes above: the measured commands in one pass, in blocks of kInterleaveBlock alternated A B B
  // A between the engine as it runs (ApplyInOrder) and the same engine without one thing, "hints" (each command
  // applied alone, no prefetch stages) or "events" (ReplayInOrder: none built). One "bench":"engine-interleaved"
  // line per run with each side's throughput and their ratio. Both sides meet the same state and, a few
  // milliseconds apart, the same machine, so the ratio holds where this shared machine's noise moves whole runs by
  // up to 2x. Empty: not asked for.
  std::string interleave;
};

inline constexpr size_t kInterleaveBlock = 4096;

// Prints to stdout; returns the process exit code (1 if --summary finds the audit failing or the engine
// disagreeing with the generator's shadow books).
int RunEngineBench(const PreparedWorkload& workload, const EngineBenchOptions& options);

}  // namespace sequex::bench

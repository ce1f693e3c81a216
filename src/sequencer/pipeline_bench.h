// The pipeline benchmark as a library: one producer thread -> ring -> sequencer (+ journal + group commit) ->
// engine -> acknowledgement, measuring throughput and each command's latency from enqueue to acknowledgement.
// `sequex-bench pipeline` (bench/) and the tests call it.
//
//   PipelineOptions o{.durability = Durability::kJournal, .data_dir = "/tmp/x"};
//   PipelineResult r = RunPipeline(stream.commands, stream.warmup_commands, o);
//   if (!r.error.empty()) ...;   r.ops_per_sec, r.latency.Percentile(99)
//
// Two modes. rate_per_sec == 0: closed loop: the producer offers as fast as the ring accepts, so the latency is the
// queueing + batching + fsync + apply time under full load (throughput mode). rate_per_sec > 0: open loop: each
// measured command has an intended send time (start + i / rate) and its latency counts from that intended time, so
// a stall delays every command behind it in the figures too (no coordinated omission). The warm-up is always fast,
// and the first measured command is offered only once the whole warm-up is acknowledged, so that no figure
// includes draining the warm-up's backlog from the ring.
// The journal (journal policy) is left in data_dir; existing journal segments and snapshots in it are removed
// first when wipe_data_dir is set, else a non-empty journal there is an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/latency_histogram.h"
#include "engine/command.h"
#include "engine/engine.h"
#include "sequencer/sequencer.h"

namespace sequex::sequencer {

struct PipelineOptions {
  Durability durability = Durability::kJournal;
  std::string data_dir;  // required for kJournal
  bool wipe_data_dir = true;
  bool prewritten_segments = true;  // JournalWriterOptions::prewritten_segments
  double rate_per_sec = 0;          // 0 = closed loop
  size_t ring_capacity = 1u << 16;
  size_t max_batch = 4096;
  uint64_t checkpoint_interval = 1'000'000;
  EngineConfig engine_config;
  Clock* clock = nullptr;  // nullptr = Clock::System(); the state hash depends on the stamped times
};

struct PipelineResult {
  std::string error;      // empty on success
  uint64_t commands = 0;  // measured (after the warm-up)
  double seconds = 0;     // first measured enqueue to last acknowledgement
  double ops_per_sec = 0;
  uint64_t batches = 0;      // group commits (all commands)
  uint64_t syncs = 0;        // fdatasyncs (journal policy)
  uint64_t state_hash = 0;   // engine state at the end
  LatencyHistogram latency;  // ns, measured commands only
};

[[nodiscard]] PipelineResult RunPipeline(const std::vector<Command>& commands, size_t warmup_commands,
                                         const PipelineOptions& options);

}  // namespace sequex::sequencer

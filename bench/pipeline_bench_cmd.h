// `sequex-bench pipeline`: sequencer + journal + engine on a workload (src/sequencer/pipeline_bench.h), one JSON
// result line per run and, with --runs above 1, a last line of medians.
#pragma once

#include <string>

#include "engine_bench.h"

namespace sequex::bench {

// One command per nanosecond: past it the open loop's schedule is finer than its clock.
inline constexpr double kMaxPipelineRate = 1e9;

struct PipelineBenchOptions {
  std::string durability = "journal";  // memory | journal
  std::string data_dir = "data/pipeline-bench";
  double rate = 0;  // offered commands/s, 0 to kMaxPipelineRate; 0 = closed loop (throughput)
  int runs = 1;
  std::string segments = "prewritten";  // prewritten | plain (journal segments: docs/journal.md)
};

// Why `options` cannot be run (empty if they can): checked before the workload is generated, so a bad option is
// refused at once, not after the generator's seconds.
std::string PipelineOptionsError(const PipelineBenchOptions& options);

int RunPipelineBench(const PreparedWorkload& workload, const PipelineBenchOptions& options);

}  // namespace sequex::bench

#include "pipeline_bench_cmd.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench_util.h"
#include "sequencer/pipeline_bench.h"

namespace sequex::bench {

std::string PipelineOptionsError(const PipelineBenchOptions& options) {
  if (options.durability != "memory" && options.durability != "journal") {
    return "--durability must be memory or journal";
  }
  if (options.segments != "prewritten" && options.segments != "plain") return "--segments must be prewritten or plain";
  // Written so that NaN fails too; a negative rate or inf used to run closed loop, inf printed as "rate":inf.
  if (!(options.rate >= 0 && options.rate <= kMaxPipelineRate)) {
    return fmt::format("--rate must be 0 (closed loop) to {:.0f} commands/s", kMaxPipelineRate);
  }
  if (options.durability == "journal" && options.data_dir.empty()) {
    return "--data-dir is required with --durability journal";
  }
  return "";
}

int RunPipelineBench(const PreparedWorkload& workload, const PipelineBenchOptions& options) {
  if (const std::string error = PipelineOptionsError(options); !error.empty()) {
    std::fprintf(stderr, "pipeline: %s\n", error.c_str());
    return 2;
  }
  if (workload.stream.commands.size() == workload.stream.warmup_commands) {
    std::fprintf(stderr, "pipeline: nothing to measure: --commands is 0\n");
    return 2;
  }
  sequencer::PipelineOptions po;
  po.durability = options.durability == "memory" ? sequencer::Durability::kMemory : sequencer::Durability::kJournal;
  po.data_dir = options.data_dir;
  po.prewritten_segments = options.segments == "prewritten";
  po.rate_per_sec = options.rate;
  const std::string name = "pipeline-" + options.durability;
  const std::string rate = options.rate > 0 ? fmt::format("{}", options.rate) : "null";
  std::vector<double> ops;
  std::vector<uint64_t> p50, p99, p999, max, batches, syncs;
  for (int run = 1; run <= options.runs; ++run) {
    const sequencer::PipelineResult r =
        sequencer::RunPipeline(workload.stream.commands, workload.stream.warmup_commands, po);
    if (!r.error.empty()) {
      std::fprintf(stderr, "pipeline: %s\n", r.error.c_str());
      return 1;
    }
    ops.push_back(r.ops_per_sec);
    p50.push_back(r.latency.Percentile(50));
    p99.push_back(r.latency.Percentile(99));
    p999.push_back(r.latency.Percentile(99.9));
    max.push_back(r.latency.Max());
    batches.push_back(r.batches);
    syncs.push_back(r.syncs);
    std::printf(
        "{\"bench\":%s,\"workload\":%s,\"commands\":%llu,\"ops_per_sec\":%.0f,\"p50_ns\":%llu,\"p99_ns\":%llu,"
        "\"p999_ns\":%llu,\"max_ns\":%llu,\"rate\":%s,\"git\":%s,\"cpu\":%s,\"batches\":%llu,\"syncs\":%llu,"
        "\"segments\":%s,\"run\":%d}\n",
        JsonString(name).c_str(), JsonString(workload.name).c_str(), static_cast<unsigned long long>(r.commands),
        r.ops_per_sec, static_cast<unsigned long long>(p50.back()), static_cast<unsigned long long>(p99.back()),
        static_cast<unsigned long long>(p999.back()), static_cast<unsigned long long>(max.back()), rate.c_str(),
        JsonString(GitCommit()).c_str(), JsonString(CpuModel()).c_str(), static_cast<unsigned long long>(r.batches),
        static_cast<unsigned long long>(r.syncs), JsonString(options.segments).c_str(), run);
    std::fflush(stdout);
  }
  if (options.runs > 1) {
    std::printf(
        "{\"bench\":%s,\"workload\":%s,\"commands\":%zu,\"ops_per_sec\":%.0f,\"p50_ns\":%llu,\"p99_ns\":%llu,"
        "\"p999_ns\":%llu,\"max_ns\":%llu,\"rate\":%s,\"git\":%s,\"cpu\":%s,\"batches\":%llu,\"syncs\":%llu,"
        "\"segments\":%s,\"run\":\"median\"}\n",
        JsonString(name).c_str(), JsonString(workload.name).c_str(),
        workload.stream.commands.size() - workload.stream.warmup_commands, Median(ops),
        static_cast<unsigned long long>(Median(p50)), static_cast<unsigned long long>(Median(p99)),
        static_cast<unsigned long long>(Median(p999)), static_cast<unsigned long long>(Median(max)), rate.c_str(),
        JsonString(GitCommit()).c_str(), JsonString(CpuModel()).c_str(),
        static_cast<unsigned long long>(Median(batches)), static_cast<unsigned long long>(Median(syncs)),
        JsonString(options.segments).c_str());
  }
  return 0;
}

}  // namespace sequex::bench

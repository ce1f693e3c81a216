// sequex-bench: the whole-engine benchmark tool (shared/workloads/README.md).
//
//   sequex-bench gen --workload standard --seed 42 --commands 5000000 --out standard.txt
//   sequex-bench engine --workload standard --runs 3 [--summary]
//   sequex-bench engine --input standard.txt
//   sequex-bench scale --books 1000 --assets 1000 --accounts 1000000 --orders 10000000
//   sequex-bench memory [--mib 8,128] [--chains 1,16] [--pages huge|small|both] [--runs 3]
//   sequex-bench pipeline --workload standard --durability journal --data-dir DIR [--rate 50000] [--runs 5]
//   sequex-bench api --url 127.0.0.1:8080 --data-dir DIR [--mode ws|rest|fanout] [--rate 10000] [--connections 50]
//   sequex-bench loopback [--rate 50000] [--connections 50] [--request-bytes 200] [--reply-bytes 120] [--runs 3]
//
// Results go to stdout, one JSON object per line; progress and generator statistics go to stderr.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <variant>

#include "api_bench.h"
#include "common/guarded_main.h"
#include "common/physical_memory.h"
#include "common/plain_decimal_option.h"
#include "engine_bench.h"
#include "loopback_bench.h"
#include "memory_bench.h"
#include "pipeline_bench_cmd.h"
#include "scale_bench.h"
#include "workload/generator.h"
#include "workload/workload.h"

namespace {

using sequex::workload::GeneratorOptions;
using sequex::workload::GeneratorStats;

struct GenFlags {
  std::string workload = "standard";
  uint64_t seed = 42;
  uint64_t commands = 5'000'000;
  uint64_t warmup = 1'000'000;
  uint32_t accounts = 0;
};

void AddGenFlags(CLI::App* app, GenFlags* f) {
  app->add_option("--seed", f->seed, "generator seed")->capture_default_str();
  app->add_option("--commands", f->commands, "measured commands, after the warm-up")->capture_default_str();
  app->add_option("--warmup", f->warmup, "warm-up commands, replayed untimed")->capture_default_str();
  app->add_option("--accounts", f->accounts, "accounts (0 = the workload's own)")->capture_default_str();
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The generated workloads, as every --workload option's help and the unknown-name error list them.
constexpr const char* kWorkloadNames = "standard | single-book | burst | wide-book | trending";

bool Generate(const GenFlags& f, sequex::workload::Workload* out, GeneratorStats* stats) {
  const auto kind = sequex::workload::ParseWorkloadKind(f.workload);
  if (!kind) {
    std::fprintf(stderr, "unknown workload '%s' (%s)\n", f.workload.c_str(), kWorkloadNames);
    return false;
  }
  GeneratorOptions o;
  o.kind = *kind;
  o.seed = f.seed;
  o.commands = f.commands;
  o.warmup_commands = f.warmup;
  o.accounts = f.accounts;
  const auto t0 = std::chrono::steady_clock::now();
  *out = sequex::workload::Generate(o, stats);
  const auto pct = [](uint64_t a, uint64_t b) {
    return b == 0 ? 0.0 : 100.0 * static_cast<double>(a) / static_cast<double>(b);
  };
  uint64_t open = 0;
  uint32_t most = 0;
  for (uint32_t n : stats->open_orders) {
    open += n;
    most = std::max(most, n);
  }
  std::fprintf(stderr,
               "generated %s seed %llu in %.1f s: %zu lines; %.1f%% of new orders traded on arrival, %.1f%% of "
               "commands traded, %.2f%% stale cancels/amends, %.2f%% post-only/FOK rejects; %llu open orders "
               "(busiest book %u); widest sweep %llu levels, %llu sweeps of 20+\n",
               f.workload.c_str(), static_cast<unsigned long long>(f.seed), Since(t0), out->records.size(),
               pct(stats->traded_on_arrival, stats->new_orders),
               pct(stats->commands_that_traded, stats->order_commands), pct(stats->stale, stats->order_commands),
               pct(stats->model_rejects, stats->order_commands), static_cast<unsigned long long>(open), most,
               static_cast<unsigned long long>(stats->max_levels_swept),
               static_cast<unsigned long long>(stats->sweeps_of_20_levels));
  return true;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

static int Main(int argc, char** argv) {
  CLI::App app{"sequex-bench: the standard workloads, and the engine timed on them"};
  app.require_subcommand(1);

  GenFlags gen;
  std::string out_path;
  CLI::App* gen_cmd = app.add_subcommand("gen", "write a workload in the text format of workloads/README.md");
  gen_cmd->add_option("--workload", gen.workload, kWorkloadNames)->required();
  AddGenFlags(gen_cmd, &gen);
  gen_cmd->add_option("--out", out_path, "file to write")->required();

  GenFlags eng;
  std::string input;
  sequex::bench::EngineBenchOptions engine_options;
  CLI::App* engine_cmd = app.add_subcommand("engine", "the engine alone on a workload: throughput and latency");
  auto* workload_opt = engine_cmd->add_option("--workload", eng.workload, kWorkloadNames);
  auto* input_opt = engine_cmd->add_option("--input", input, "a workload file instead of a generated one");
  workload_opt->excludes(input_opt);
  AddGenFlags(engine_cmd, &eng);
  engine_cmd->add_option("--runs", engine_options.runs, "runs; with more than one, a last line of medians")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  engine_cmd->add_flag("--summary", engine_options.summary, "then a human-readable summary of the workload's effect");
  auto* by_command_opt =
      engine_cmd->add_flag("--by-command", engine_options.by_command,
                           "also the latency percentiles of each kind of command (\"bench\":\"engine-command\" lines)");
  // A count of timed repeats on the final state: 0 (none) to 10,000.
  const auto repeats_option = [&](const char* name, int& repeats, const char* what) {
    return engine_cmd->add_option(name, repeats, what)->check(CLI::Range(0, 10000));
  };
  auto* state_hash_opt = repeats_option(
      "--state-hash", engine_options.state_hashes,
      "then time Engine::StateHash this many times on the final state (\"bench\":\"engine-state-hash\")");
  auto* snapshot_opt = repeats_option(
      "--snapshot", engine_options.snapshots,
      "then time Engine::SaveSnapshot this many times on the final state (\"bench\":\"engine-snapshot\")");
  auto* throughput_only_opt =
      engine_cmd->add_flag("--throughput-only", engine_options.throughput_only,
                           "only the throughput pass, with no cycle clock (runs under valgrind)");
  auto* baseline_opt = engine_cmd->add_flag(
      "--baseline", engine_options.baseline,
      "also a straightforward std::map engine on the same commands, checked to agree, and the ratio "
      "(\"bench\":\"engine-baseline\" lines)");
  engine_cmd
      ->add_option("--interleave", engine_options.interleave,
                   "instead: one pass alternating blocks of commands between the engine and the engine without its "
                   "prefetch hints or without its events, and the ratio (\"bench\":\"engine-interleaved\" lines)")
      ->check(CLI::IsMember({"hints", "events"}))
      // It replaces the passes these add to or change.
      ->excludes(by_command_opt)
      ->excludes(state_hash_opt)
      ->excludes(snapshot_opt)
      ->excludes(throughput_only_opt)
      ->excludes(baseline_opt);

  GenFlags pipe;
  sequex::bench::PipelineBenchOptions pipeline_options;
  CLI::App* pipeline_cmd =
      app.add_subcommand("pipeline", "sequencer + journal + engine: throughput, or latency at an offered rate");
  pipeline_cmd->add_option("--workload", pipe.workload, kWorkloadNames)->capture_default_str();
  AddGenFlags(pipeline_cmd, &pipe);
  pipeline_cmd->add_option("--durability", pipeline_options.durability, "memory | journal")->capture_default_str();
  pipeline_cmd->add_option("--data-dir", pipeline_options.data_dir, "where the journal goes (wiped first)")
      ->capture_default_str();
  pipeline_cmd->add_option("--rate", pipeline_options.rate, "offered commands/s, open loop; 0 = closed loop")
      ->capture_default_str();
  pipeline_cmd
      ->add_option("--segments", pipeline_options.segments,
                   "prewritten (zeros synced ahead, then overwritten) | plain (appended) journal segments")
      ->capture_default_str();
  pipeline_cmd->add_option("--runs", pipeline_options.runs)->check(CLI::Range(1, 1000))->capture_default_str();

  sequex::bench::ScaleOptions scale;
  CLI::App* scale_cmd = app.add_subcommand("scale", "fill one engine and report its memory");
  scale_cmd->add_option("--books", scale.books)->capture_default_str();
  scale_cmd->add_option("--assets", scale.assets)->capture_default_str();
  scale_cmd->add_option("--accounts", scale.accounts)->capture_default_str();
  scale_cmd->add_option("--orders", scale.orders, "resting orders")->capture_default_str();

  sequex::bench::MemoryBenchOptions memory;
  CLI::App* memory_cmd =
      app.add_subcommand("memory", "this machine's random-read latency from memory, on huge and small pages");
  memory_cmd->add_option("--mib", memory.mib, "buffer sizes in MiB")->delimiter(',')->capture_default_str();
  memory_cmd->add_option("--chains", memory.chains, "independent chains walked together")
      ->delimiter(',')
      ->capture_default_str();
  memory_cmd->add_option("--pages", memory.pages, "huge | small | both")->capture_default_str();
  memory_cmd->add_option("--accesses", memory.accesses, "timed reads per configuration")->capture_default_str();
  memory_cmd->add_option("--runs", memory.runs)->check(CLI::Range(1, 1000))->capture_default_str();

  sequex::bench::ApiBenchOptions api;
  CLI::App* api_cmd = app.add_subcommand("api", "a running sequexd over its public API (WebSocket, REST, fan-out)");
  api_cmd->add_option("--mode", api.mode, "ws (open-loop orders) | rest (closed loop) | fanout (book pushes)")
      ->capture_default_str();
  api_cmd->add_option("--url", api.url, "the server's listener, host:port")->capture_default_str();
  api_cmd->add_option("--data-dir", api.data_dir, "the server's data folder (admin.endpoint, admin.token)")->required();
  api_cmd->add_option("--rate", api.rate, "offered requests/s, open loop (0: ws 10000, fanout 100)")
      ->capture_default_str();
  api_cmd->add_option("--connections", api.connections, "user sockets (ws) or HTTP connections (rest)")
      ->capture_default_str();
  api_cmd->add_option("--accounts", api.accounts, "funded accounts to create (0 = one per connection)")
      ->capture_default_str();
  api_cmd->add_option("--duration", api.duration_s, "measured seconds")->capture_default_str();
  api_cmd->add_option("--warmup", api.warmup_s, "seconds sent before measuring")->capture_default_str();
  api_cmd->add_option("--timeout", api.timeout_s, "seconds to wait for answers after the last send")
      ->capture_default_str();
  api_cmd
      ->add_option("--pacing-us", api.pacing_us,
                   "ws: the sender wakes at most once per this many microseconds and sends all that is due (0: a "
                   "wake per request)")
      ->check(CLI::Range(0.0, 1'000'000.0))
      ->capture_default_str();
  api_cmd->add_option("--instrument", api.instrument)->capture_default_str();
  api_cmd->add_option("--price", api.price, "ws/rest: the price orders trade around")->capture_default_str();
  api_cmd->add_option("--subscribers", api.subscribers, "fanout: market sockets")->capture_default_str();

  sequex::bench::LoopbackBenchOptions loopback;
  CLI::App* loopback_cmd = app.add_subcommand(
      "loopback", "the floor under `api`: requests and one-send replies over loopback TCP, with an echo thread");
  loopback_cmd->add_option("--rate", loopback.rate, "offered requests/s, open loop")->capture_default_str();
  loopback_cmd->add_option("--connections", loopback.connections)->capture_default_str();
  loopback_cmd->add_option("--duration", loopback.duration_s, "measured seconds")->capture_default_str();
  loopback_cmd->add_option("--warmup", loopback.warmup_s, "seconds sent before measuring")->capture_default_str();
  loopback_cmd->add_option("--pacing-us", loopback.pacing_us, "the sender wakes at most once per this many us")
      ->capture_default_str();
  loopback_cmd->add_option("--request-bytes", loopback.request_bytes)->capture_default_str();
  loopback_cmd->add_option("--reply-bytes", loopback.reply_bytes)->capture_default_str();
  loopback_cmd->add_option("--runs", loopback.runs)->check(CLI::Range(1, 1000))->capture_default_str();

  sequex::RequirePlainDecimalIntegers(app);
  CLI11_PARSE(app, argc, argv);

  if (api_cmd->parsed()) return sequex::bench::RunApiBench(api);
  if (loopback_cmd->parsed()) return sequex::bench::RunLoopbackBench(loopback);

  if (gen_cmd->parsed()) {
    sequex::workload::Workload w;
    GeneratorStats stats;
    if (!Generate(gen, &w, &stats)) return 2;
    if (auto err = sequex::workload::WriteWorkloadFile(w, out_path)) {
      std::fprintf(stderr, "%s\n", err->c_str());
      return 1;
    }
    return 0;
  }

  if (engine_cmd->parsed()) {
    sequex::bench::PreparedWorkload prepared;
    sequex::workload::Workload w;
    const auto t0 = std::chrono::steady_clock::now();
    if (!input.empty()) {
      auto parsed = sequex::workload::ReadWorkloadFile(input);
      if (auto* err = std::get_if<sequex::workload::ParseError>(&parsed)) {
        std::fprintf(stderr, "%s: %s\n", input.c_str(), err->ToString().c_str());
        return 1;
      }
      w = std::get<sequex::workload::Workload>(std::move(parsed));
      prepared.name = BaseName(input);
      std::fprintf(stderr, "read %s in %.1f s: %zu lines\n", input.c_str(), Since(t0), w.records.size());
    } else {
      GeneratorStats stats;
      if (!Generate(eng, &w, &stats)) return 2;
      prepared.name = eng.workload;
      prepared.generator = std::move(stats);
    }
    for (const auto& i : w.instruments) prepared.symbols.push_back(i.symbol);
    prepared.stream = sequex::workload::Translate(w);
    for (const std::string& a : prepared.stream.adjustments) std::fprintf(stderr, "note: %s\n", a.c_str());
    if (prepared.stream.commands.size() == prepared.stream.warmup_commands) {
      std::fprintf(stderr, "%s: nothing to measure: no command after the W line (or no order command at all)\n",
                   prepared.name.c_str());
      return 1;
    }
    // Each book's price ladder is mapped when it is defined (1 MiB, docs/engine.md), and --baseline builds a second
    // venue beside the engine: a flow with tens of thousands of books is refused here, not killed for memory later.
    const uint64_t ladders = uint64_t{w.instruments.size()} << 20;
    const uint64_t ram = sequex::PhysicalMemoryBytes();
    if (ram > 0 && ladders > ram / 2) {
      std::fprintf(stderr,
                   "%s: %zu books need %.1f GiB for their price ladders (1 MiB a book), over half of this machine's "
                   "%.1f GiB\n",
                   prepared.name.c_str(), w.instruments.size(), double(ladders) / (1 << 30), double(ram) / (1 << 30));
      return 1;
    }
    w = {};  // the engine only needs the commands; free the records before timing
    return sequex::bench::RunEngineBench(prepared, engine_options);
  }

  if (pipeline_cmd->parsed()) {
    if (const std::string error = sequex::bench::PipelineOptionsError(pipeline_options); !error.empty()) {
      std::fprintf(stderr, "pipeline: %s\n", error.c_str());
      return 2;
    }
    if (pipe.commands == 0) {
      std::fprintf(stderr, "pipeline: nothing to measure: --commands is 0\n");
      return 2;
    }
    sequex::workload::Workload w;
    GeneratorStats stats;
    if (!Generate(pipe, &w, &stats)) return 2;
    sequex::bench::PreparedWorkload prepared;
    prepared.name = pipe.workload;
    prepared.stream = sequex::workload::Translate(w);
    w = {};
    return sequex::bench::RunPipelineBench(prepared, pipeline_options);
  }

  if (scale_cmd->parsed()) return sequex::bench::RunScaleBench(scale);
  if (memory_cmd->parsed()) return sequex::bench::RunMemoryBench(memory);
  return 0;
}

int main(int argc, char** argv) { return sequex::GuardedMain("sequex-bench", 1, Main, argc, argv); }

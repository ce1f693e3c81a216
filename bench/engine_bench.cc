#include "engine_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <span>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "bench_util.h"
#include "common/latency_histogram.h"
#include "engine/engine.h"
#include "straightforward_engine.h"

namespace sequex::bench {
namespace {

struct RunResult {
  double ops_per_sec = 0;
  uint64_t p50_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
};

// What --by-command splits the latency pass by: the commands whose work differs (a cancel-all visits every order of
// the account in the book; a market or IOC order may visit several makers; a GTC limit order mostly rests).
enum class CommandKind : uint8_t {
  kLimitGtc,
  kLimitIoc,
  kLimitFok,
  kMarket,
  kStop,
  kCancel,
  kAmend,
  kCancelAll,
  kOther
};
constexpr size_t kCommandKinds = static_cast<size_t>(CommandKind::kOther) + 1;
constexpr std::array<std::string_view, kCommandKinds> kCommandKindNames = {
    "limit-gtc", "limit-ioc", "limit-fok", "market", "stop", "cancel", "amend", "cancel-all", "other"};

CommandKind KindOf(const Command& c) {
  if (const auto* p = std::get_if<PlaceOrder>(&c.body)) {
    if (p->type == OrderType::kMarket) return CommandKind::kMarket;
    if (p->type != OrderType::kLimit) return CommandKind::kStop;
    if (p->tif == TimeInForce::kImmediateOrCancel) return CommandKind::kLimitIoc;
    if (p->tif == TimeInForce::kFillOrKill) return CommandKind::kLimitFok;
    return CommandKind::kLimitGtc;
  }
  if (std::holds_alternative<CancelOrder>(c.body)) return CommandKind::kCancel;
  if (std::holds_alternative<AmendOrder>(c.body)) return CommandKind::kAmend;
  if (std::holds_alternative<CancelAll>(c.body)) return CommandKind::kCancelAll;
  return CommandKind::kOther;
}

struct LatencyPassResult {
  LatencyHistogram all;                   // raw clock ticks
  std::vector<LatencyHistogram> by_kind;  // indexed by CommandKind; empty unless asked for
};

// A histogram of raw clock ticks as a result's percentiles in ns (ops_per_sec left 0).
RunResult PercentilesOf(const LatencyHistogram& h, const CycleClock& clock) {
  return RunResult{0, clock.ToNs(h.Percentile(50)), clock.ToNs(h.Percentile(99)), clock.ToNs(h.Percentile(99.9)),
                   clock.ToNs(h.Max())};
}

// What the flow needs under `config`'s limits, from one replay with events off: an upper bound of the orders it has
// open at once (the count at the start of each block of commands plus the block's length: a command opens at most
// one order), and the memory its small allocations take (Engine::SmallMemoryBytes).
struct FlowNeeds {
  uint32_t peak_open_orders = 0;
  size_t small_memory = 0;
};
FlowNeeds MeasureNeeds(const workload::CommandStream& stream, const EngineConfig& config) {
  constexpr size_t kBlock = 1024;
  Engine engine(config);
  const std::span<const Command> all(stream.commands);
  size_t peak = 0;
  for (size_t i = 0; i < all.size(); i += kBlock) {
    peak = std::max(peak, engine.OpenOrderCount() + kBlock);
    engine.ReplayInOrder(all.subspan(i, std::min(kBlock, all.size() - i)));
  }
  return FlowNeeds{static_cast<uint32_t>(std::min<size_t>(peak, config.max_orders)), engine.SmallMemoryBytes()};
}

EngineConfig ConfigFor(const workload::CommandStream& stream) {
  uint32_t max_account = 0;
  uint32_t books = 0;
  std::vector<uint64_t> account_books;  // (account, instrument) of every placement; distinct ones counted below
  for (const Command& c : stream.commands) {
    if (std::holds_alternative<DefineInstrument>(c.body)) ++books;
    if (const auto* d = std::get_if<Deposit>(&c.body)) max_account = std::max(max_account, d->account.value());
    if (const auto* p = std::get_if<PlaceOrder>(&c.body)) {
      account_books.push_back(uint64_t{p->account.value()} << 16 | p->instrument.value());
    }
  }
  std::sort(account_books.begin(), account_books.end());
  account_books.erase(std::unique(account_books.begin(), account_books.end()), account_books.end());
  // Everything is presized, as an operator who knows the venue sizes it (sequexd's [engine] table). Accounts and
  // account lists are kept once opened, so their count at the end is their count in use. The order tables are
  // sized for the flow's peak of open orders (never below the default), not for every order it places: that
  // would make the id indexes tens of MiB and turn each lookup into a cache miss a real deployment would not
  // see. A venue that has run for a while has grown its tables to its peak; a warm-up of 1,000,000 commands had
  // not (standard's open orders passed 65,536 at measured command 526,605, which then doubled the order pool and
  // both id indexes in one command of 3-11 ms).
  EngineConfig config;
  config.expected_accounts = std::max<uint32_t>(config.expected_accounts, max_account + 1);
  config.expected_account_books =
      std::max<uint32_t>(config.expected_account_books, static_cast<uint32_t>(account_books.size()));
  config.expected_books = books;  // a flow that lists books while it trades builds none inside a command
  // The workload format sets no limit on one account's open orders. sequexd's venue does (10,000, after the
  // reference API), but a flow's market maker may rest more, and the flow is run as written, not trimmed to it.
  config.max_open_orders_per_account = std::numeric_limits<uint32_t>::max();
  // The memory for small allocations too: an account's first balance past its fourth asset, and the first order
  // of many accounts in the lists' table, otherwise took a fresh region inside a measured command (4-6 ms each on
  // this VM, docs/performance.md). The measuring engine has the same accounts and lists reserved as the measured ones,
  // so its small allocations are theirs.
  const FlowNeeds needs = MeasureNeeds(stream, config);
  config.expected_orders = std::max(config.expected_orders, needs.peak_open_orders);
  config.reserved_small_memory = needs.small_memory;
  return config;
}

void Replay(Engine& engine, std::span<const Command> commands) {
  for (const Command& c : commands) engine.Apply(c);
}

double ThroughputPass(const workload::CommandStream& s, const EngineConfig& config) {
  Engine engine(config);
  const std::span<const Command> all(s.commands);
  Replay(engine, all.first(s.warmup_commands));
  const std::span<const Command> measured = all.subspan(s.warmup_commands);
  size_t events = 0;  // consumed so the loop's work is observable
  const auto t0 = std::chrono::steady_clock::now();
  // As the sequencer does: while applying command i, the next ones' lookups are already on their way.
  engine.ApplyInOrder(measured, [&](const Command&, std::span<const Event> e) { events += e.size(); });
  const auto t1 = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  if (events == 0 || seconds <= 0) return 0;
  return static_cast<double>(measured.size()) / seconds;
}

// The two sides of --interleave, as commands per second each.
struct InterleavedResult {
  double with_ops_per_sec = 0;     // the engine as it runs: ApplyInOrder, prefetch stages and events
  double without_ops_per_sec = 0;  // without the hints or without the events
  uint64_t state_hash = 0;         // the engine's at the end, which must be a plain replay's
};

// One engine after the warm-up; the measured commands in blocks of kInterleaveBlock, block b on side (b ^ b >> 1)
// & 1 (A B B A A B B A ...: each side runs as often after itself as after the other, so the cache each block leaves
// to the next does not favour one). The state is the same whichever side applies a block: neither the hints nor the
// events change it.
InterleavedResult InterleavedPass(const workload::CommandStream& s, const EngineConfig& config, bool without_hints) {
  Engine engine(config);
  const std::span<const Command> all(s.commands);
  Replay(engine, all.first(s.warmup_commands));
  const std::span<const Command> measured = all.subspan(s.warmup_commands);
  std::array<double, 2> seconds{};
  std::array<size_t, 2> commands{};
  size_t events = 0;
  for (size_t b = 0, i = 0; i < measured.size(); ++b, i += kInterleaveBlock) {
    const std::span<const Command> block = measured.subspan(i, std::min(kInterleaveBlock, measured.size() - i));
    const size_t side = (b ^ (b >> 1)) & 1;
    const auto t0 = std::chrono::steady_clock::now();
    if (side == 0) {
      engine.ApplyInOrder(block, [&](const Command&, std::span<const Event> e) { events += e.size(); });
    } else if (without_hints) {
      for (const Command& c : block) events += engine.Apply(c).size();
    } else {
      engine.ReplayInOrder(block);
    }
    seconds[side] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    commands[side] += block.size();
  }
  const auto rate = [&](size_t side) {
    return seconds[side] > 0 ? static_cast<double>(commands[side]) / seconds[side] : 0.0;
  };
  // Rates only when the engine made events (a pass with no measured commands has none): the loop's work observed.
  if (events == 0) return {0, 0, engine.StateHash()};
  return {rate(0), rate(1), engine.StateHash()};
}

// Raw clock ticks: converting once at the end keeps the loop to two reads and a store (one more with by_command).
LatencyPassResult LatencyPass(const workload::CommandStream& s, const EngineConfig& config, const CycleClock& clock,
                              bool by_command) {
  Engine engine(config);
  const std::span<const Command> all(s.commands);
  Replay(engine, all.first(s.warmup_commands));
  LatencyPassResult result;
  const std::span<const Command> measured = all.subspan(s.warmup_commands);
  std::vector<uint8_t> kinds;  // classified before the clock starts
  if (by_command) {
    result.by_kind.resize(kCommandKinds);
    kinds.reserve(measured.size());
    for (const Command& c : measured) kinds.push_back(static_cast<uint8_t>(KindOf(c)));
  }
  bool prefetch = engine.PrefetchPays();
  for (size_t i = 0; i < measured.size(); ++i) {
    const uint64_t t0 = clock.Start();
    // Timed: the prefetch hints, and deciding whether to give them, are part of the engine's work (as in
    // Engine::ApplyInOrder).
    if (i % Engine::kPrefetchRecheck == Engine::kPrefetchRecheck - 1) prefetch = engine.PrefetchPays();
    if (prefetch) engine.PrefetchAhead(measured, i);
    engine.Apply(measured[i]);
    const uint64_t t1 = clock.Stop();
    result.all.Record(t1 - t0);
    if (by_command) result.by_kind[kinds[i]].Record(t1 - t0);
  }
  return result;
}

// The baseline's two passes, made as the engine's are: the setup and warm-up untimed, then the measured commands,
// back to back (throughput) and one by one between two clock reads (latency, skipped when `clock` is null).
RunResult BaselinePasses(const workload::CommandStream& s, const CycleClock* clock) {
  const std::span<const Command> all(s.commands);
  const std::span<const Command> measured = all.subspan(s.warmup_commands);
  RunResult r;
  {
    StraightforwardEngine engine;
    for (const Command& c : all.first(s.warmup_commands)) engine.Apply(c);
    size_t events = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const Command& c : measured) events += engine.Apply(c).size();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (events > 0 && seconds > 0) r.ops_per_sec = static_cast<double>(measured.size()) / seconds;
  }
  if (clock != nullptr) {
    StraightforwardEngine engine;
    for (const Command& c : all.first(s.warmup_commands)) engine.Apply(c);
    LatencyHistogram h;
    for (const Command& c : measured) {
      const uint64_t t0 = clock->Start();
      engine.Apply(c);
      h.Record(clock->Stop() - t0);
    }
    const RunResult p = PercentilesOf(h, *clock);
    r.p50_ns = p.p50_ns, r.p99_ns = p.p99_ns, r.p999_ns = p.p999_ns, r.max_ns = p.max_ns;
  }
  return r;
}

// Runs the whole flow through both engines and compares, command by command, the trades (maker and taker order
// ids, price, quantity) and the reject reasons; then the open orders and every balance of every account that
// deposited, in every asset. Says on stderr whether they agree, and where they first differ if not.
bool BaselineAgrees(const PreparedWorkload& w, const EngineConfig& config) {
  Engine engine(config);
  StraightforwardEngine baseline;
  using Fact = std::array<int64_t, 4>;  // a trade (maker, taker, price, qty) or a reject {-1, reason, 0, 0}
  const auto facts = [](std::span<const Event> events) {
    std::vector<Fact> out;
    for (const Event& e : events) {
      if (const auto* t = std::get_if<TradeEvent>(&e)) {
        out.push_back({static_cast<int64_t>(t->maker_order.value()), static_cast<int64_t>(t->taker_order.value()),
                       t->price.value(), t->qty.value()});
      } else if (const auto* r = std::get_if<RejectedEvent>(&e)) {
        out.push_back({-1, static_cast<int64_t>(r->reason), 0, 0});
      }
    }
    return out;
  };
  std::vector<AccountId> accounts{AccountId{0}};
  std::vector<AssetId> assets;
  uint64_t trades = 0, rejects = 0;
  for (size_t i = 0; i < w.stream.commands.size(); ++i) {
    const Command& c = w.stream.commands[i];
    if (const auto* d = std::get_if<Deposit>(&c.body)) accounts.push_back(d->account);
    if (const auto* a = std::get_if<DefineAsset>(&c.body)) assets.push_back(a->asset);
    const std::vector<Fact> expected = facts(engine.Apply(c));
    const std::vector<Fact> got = facts(baseline.Apply(c));
    if (expected != got) {
      const auto first_difference = std::mismatch(expected.begin(), expected.end(), got.begin(), got.end());
      const auto describe = [](std::vector<Fact>::const_iterator f, std::vector<Fact>::const_iterator end) {
        if (f == end) return std::string("nothing more");
        if ((*f)[0] < 0) return fmt::format("reject {}", (*f)[1]);
        return fmt::format("trade maker {} taker {} {} lots at {}", (*f)[0], (*f)[1], (*f)[3], (*f)[2]);
      };
      std::fprintf(stderr,
                   "baseline: disagrees with the engine at command %zu (%s): the engine: %s; the baseline: %s\n", i + 1,
                   std::string(kCommandKindNames[static_cast<size_t>(KindOf(c))]).c_str(),
                   describe(first_difference.first, expected.end()).c_str(),
                   describe(first_difference.second, got.end()).c_str());
      return false;
    }
    for (const Fact& f : expected) ++(f[0] < 0 ? rejects : trades);
  }
  if (engine.OpenOrderCount() != baseline.OpenOrderCount()) {
    std::fprintf(stderr, "baseline: disagrees with the engine on the open orders at the end: %zu, baseline %zu\n",
                 engine.OpenOrderCount(), baseline.OpenOrderCount());
    return false;
  }
  std::sort(accounts.begin(), accounts.end());
  accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
  for (const AccountId account : accounts) {
    for (const AssetId asset : assets) {
      const BalanceView b = engine.Balance(account, asset);
      const auto other = baseline.Balance(account, asset).value_or(std::pair<int64_t, int64_t>{0, 0});
      if (b.available.value() != other.first || b.held.value() != other.second) {
        std::fprintf(stderr, "baseline: disagrees with the engine on account %u's balance of asset %u at the end\n",
                     account.value(), unsigned{asset.value()});
        return false;
      }
    }
  }
  std::fprintf(stderr,
               "baseline: agrees with the engine on all %zu commands (%s trades, %s rejects), the %s open orders "
               "and %s balances\n",
               w.stream.commands.size(), Grouped(trades).c_str(), Grouped(rejects).c_str(),
               Grouped(engine.OpenOrderCount()).c_str(), Grouped(accounts.size() * assets.size()).c_str());
  return true;
}

// The median of each field over several runs.
RunResult MedianResult(const std::vector<RunResult>& runs) {
  RunResult m;
  m.ops_per_sec = MedianOf(runs, &RunResult::ops_per_sec);
  m.p50_ns = MedianOf(runs, &RunResult::p50_ns);
  m.p99_ns = MedianOf(runs, &RunResult::p99_ns);
  m.p999_ns = MedianOf(runs, &RunResult::p999_ns);
  m.max_ns = MedianOf(runs, &RunResult::max_ns);
  return m;
}

// The engine's throughput over the baseline's, in one run.
double RatioOf(double engine_ops_per_sec, const RunResult& baseline) {
  return baseline.ops_per_sec > 0 ? engine_ops_per_sec / baseline.ops_per_sec : 0.0;
}

// The baseline's result line: the README's fields, then which engine, the engine's throughput in the same run and
// the ratio of the two.
std::string BaselineLine(const PreparedWorkload& w, const RunResult& r, double engine_ops_per_sec, double ratio,
                         bool timed, const std::string& run) {
  const size_t measured = w.stream.commands.size() - w.stream.warmup_commands;
  const auto field = [&](uint64_t ns) { return timed ? std::to_string(ns) : std::string("null"); };
  return fmt::format(
      "{{\"bench\":\"engine-baseline\",\"workload\":{},\"commands\":{},\"ops_per_sec\":{:.0f},\"p50_ns\":{},"
      "\"p99_ns\":{},\"p999_ns\":{},\"max_ns\":{},\"rate\":null,\"git\":{},\"cpu\":{},"
      "\"engine\":\"straightforward\",\"sequex_ops_per_sec\":{:.0f},\"ratio\":{:.2f},\"run\":{}}}",
      JsonString(w.name), measured, r.ops_per_sec, field(r.p50_ns), field(r.p99_ns), field(r.p999_ns), field(r.max_ns),
      JsonString(GitCommit()), JsonString(CpuModel()), engine_ops_per_sec, ratio, run);
}

std::string ResultLine(const PreparedWorkload& w, const RunResult& r, const CycleClock& clock, double overhead_ns,
                       const std::string& run) {
  const size_t measured = w.stream.commands.size() - w.stream.warmup_commands;
  return fmt::format(
      "{{\"bench\":\"engine\",\"workload\":{},\"commands\":{},\"ops_per_sec\":{:.0f},\"p50_ns\":{},\"p99_ns\":{},"
      "\"p999_ns\":{},\"max_ns\":{},\"rate\":null,\"git\":{},\"cpu\":{},\"clock\":\"{}\",\"timer_overhead_ns\":{:.1f},"
      "\"run\":{}}}",
      JsonString(w.name), measured, r.ops_per_sec, r.p50_ns, r.p99_ns, r.p999_ns, r.max_ns, JsonString(GitCommit()),
      JsonString(CpuModel()), clock.Name(), overhead_ns, run);
}

// One command kind's percentiles from the latency pass (--by-command): no throughput of its own.
std::string KindLine(const PreparedWorkload& w, size_t kind, uint64_t count, const RunResult& r,
                     const std::string& run) {
  return fmt::format(
      "{{\"bench\":\"engine-command\",\"workload\":{},\"command\":\"{}\",\"commands\":{},\"ops_per_sec\":null,"
      "\"p50_ns\":{},\"p99_ns\":{},\"p999_ns\":{},\"max_ns\":{},\"rate\":null,\"git\":{},\"cpu\":{},\"run\":{}}}",
      JsonString(w.name), kCommandKindNames[kind], count, r.p50_ns, r.p99_ns, r.p999_ns, r.max_ns,
      JsonString(GitCommit()), JsonString(CpuModel()), run);
}

// ResultLine's fields for a throughput-only run: no clock, so no percentiles.
std::string ThroughputLine(const PreparedWorkload& w, double ops_per_sec, const std::string& run) {
  const size_t measured = w.stream.commands.size() - w.stream.warmup_commands;
  return fmt::format(
      "{{\"bench\":\"engine\",\"workload\":{},\"commands\":{},\"ops_per_sec\":{:.0f},\"p50_ns\":null,\"p99_ns\":null,"
      "\"p999_ns\":null,\"max_ns\":null,\"rate\":null,\"git\":{},\"cpu\":{},\"clock\":null,\"run\":{}}}",
      JsonString(w.name), measured, ops_per_sec, JsonString(GitCommit()), JsonString(CpuModel()), run);
}

// A few timings (the pauses FinalStatePass measures), in the project's histogram plus their sum for ops_per_sec.
struct Timings {
  LatencyHistogram ns;
  double total_ns = 0;
  void Add(uint64_t x) {
    ns.Record(x);
    total_ns += static_cast<double>(x);
  }
};

// Timings as a line of the README's fields plus `extra` (",\"key\":value...").
std::string TimingsLine(const PreparedWorkload& w, std::string_view bench, const Timings& t, const std::string& extra) {
  const uint64_t n = t.ns.Count();
  return fmt::format(
      "{{\"bench\":\"{}\",\"workload\":{},\"commands\":{},\"ops_per_sec\":{:.1f},\"p50_ns\":{},\"p99_ns\":{},"
      "\"p999_ns\":{},\"max_ns\":{},\"rate\":null,\"git\":{},\"cpu\":{}{}}}",
      bench, JsonString(w.name), n, static_cast<double>(n) * 1e9 / t.total_ns, t.ns.Percentile(50), t.ns.Percentile(99),
      t.ns.Percentile(99.9), t.ns.Max(), JsonString(GitCommit()), JsonString(CpuModel()), extra);
}

template <typename F>
uint64_t NanosecondsOf(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  const auto t1 = std::chrono::steady_clock::now();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

// The state at the end of the whole workload, timed as sequexd's engine thread meets it between two batches: the
// state hash after the batch that crosses each journal checkpoint ("engine-state-hash"), and the snapshot after
// the batch that crosses each snapshot_interval ("engine-snapshot": into one reused buffer, as the sequencer does
// with the writer's, so the first of them fills an empty buffer).
void FinalStatePass(const PreparedWorkload& w, const EngineConfig& config, int state_hashes, int snapshots) {
  Engine engine(config);
  Replay(engine, w.stream.commands);
  const std::string sizes =
      fmt::format(",\"open_orders\":{},\"accounts\":{}", engine.OpenOrderCount(), engine.AccountIds().size());
  if (state_hashes > 0) {
    Timings t;
    uint64_t hash = 0;
    for (int i = 0; i < state_hashes; ++i) t.Add(NanosecondsOf([&] { hash = engine.StateHash(); }));
    fmt::print("{}\n",
               TimingsLine(w, "engine-state-hash", t, sizes + fmt::format(",\"state_hash\":\"{:016x}\"", hash)));
  }
  if (snapshots > 0) {
    // Alternated with the reused buffer, the baseline: a fresh string each time (what the sequencer did before it
    // reused the writer's buffer); "fresh_p50_ns" is its median.
    std::string buffer;
    Timings reused, fresh;
    for (int i = 0; i < snapshots; ++i) {
      reused.Add(NanosecondsOf([&] { engine.SaveSnapshot(&buffer); }));
      fresh.Add(NanosecondsOf([&] { (void)engine.SaveSnapshot(); }));
    }
    fmt::print("{}\n", TimingsLine(w, "engine-snapshot", reused,
                                   sizes + fmt::format(",\"bytes\":{},\"fresh_p50_ns\":{}", buffer.size(),
                                                       fresh.ns.Percentile(50))));
  }
}

// The ratio is with over without: in one run its two rates' ratio; on the median line the median of the runs' ratios.
std::string InterleavedLine(const PreparedWorkload& w, const InterleavedResult& r, double ratio,
                            std::string_view without, const std::string& run) {
  const size_t measured = w.stream.commands.size() - w.stream.warmup_commands;
  return fmt::format(
      "{{\"bench\":\"engine-interleaved\",\"workload\":{},\"commands\":{},\"ops_per_sec\":{:.0f},\"p50_ns\":null,"
      "\"p99_ns\":null,\"p999_ns\":null,\"max_ns\":null,\"rate\":null,\"git\":{},\"cpu\":{},\"block\":{},"
      "\"without\":\"{}\",\"without_ops_per_sec\":{:.0f},\"ratio\":{:.3f},\"run\":{}}}",
      JsonString(w.name), measured, r.with_ops_per_sec, JsonString(GitCommit()), JsonString(CpuModel()),
      kInterleaveBlock, without, r.without_ops_per_sec, ratio, run);
}

// --- the human-readable summary -----------------------------------------------------------------------------------

struct Tally {
  uint64_t order_commands = 0;  // everything but definitions and deposits
  uint64_t places = 0, traded_on_arrival = 0, commands_that_traded = 0, trades = 0, cancels = 0, amends = 0;
  std::map<uint32_t, uint64_t> rejects;  // by API code
};

// Returns false if the engine's audit fails or it disagrees with the generator's shadow books.
bool Summarize(const PreparedWorkload& w, const EngineConfig& config) {
  Engine engine(config);
  Tally t;
  for (const Command& c : w.stream.commands) {
    const std::span<const Event> events = engine.Apply(c);
    bool traded = false;
    for (const Event& e : events) {
      if (std::holds_alternative<TradeEvent>(e)) {
        ++t.trades;
        traded = true;
      } else if (const auto* r = std::get_if<RejectedEvent>(&e)) {
        ++t.rejects[ApiErrorCode(r->reason)];
      } else if (std::holds_alternative<CancelledEvent>(e)) {
        ++t.cancels;
      } else if (std::holds_alternative<AmendedEvent>(e)) {
        ++t.amends;
      }
    }
    if (std::holds_alternative<PlaceOrder>(c.body)) {
      ++t.places;
      if (traded) ++t.traded_on_arrival;
    }
    if (std::holds_alternative<PlaceOrder>(c.body) || std::holds_alternative<CancelOrder>(c.body) ||
        std::holds_alternative<AmendOrder>(c.body) || std::holds_alternative<CancelAll>(c.body)) {
      ++t.order_commands;
    }
    if (traded) ++t.commands_that_traded;
  }

  const size_t total = w.stream.commands.size();
  fmt::print("\nworkload {}: {} commands ({} setup and warm-up, {} measured)\n", w.name, Grouped(total),
             Grouped(w.stream.warmup_commands), Grouped(total - w.stream.warmup_commands));
  const auto pct = [](uint64_t part, uint64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  };
  fmt::print(
      "order commands {}: new orders {}, {:.1f}% traded on arrival; {} trades; {:.1f}% of order commands traded\n",
      Grouped(t.order_commands), Grouped(t.places), pct(t.traded_on_arrival, t.places), Grouped(t.trades),
      pct(t.commands_that_traded, t.order_commands));
  fmt::print("cancellations {} (incl. IOC/market remainders), amends {}\n", Grouped(t.cancels), Grouped(t.amends));
  if (t.rejects.empty()) fmt::print("rejects: none\n");
  for (const auto& [code, n] : t.rejects) {
    fmt::print("rejects {:>6} {:<30} {:>10} ({:.2f}% of order commands)\n", code,
               RejectReasonName(static_cast<RejectReason>(code)), Grouped(n), pct(n, t.order_commands));
  }

  struct BookLine {
    size_t index, orders, levels;
  };
  std::vector<BookLine> books;
  size_t resting = 0;
  for (size_t i = 0; i < w.symbols.size(); ++i) {
    const InstrumentId id(static_cast<uint16_t>(i + 1));
    const BookDepth depth = engine.Depth(id, SIZE_MAX);
    size_t orders = 0;
    for (const DepthLevel& l : depth.bids) orders += l.orders;
    for (const DepthLevel& l : depth.asks) orders += l.orders;
    books.push_back(BookLine{i, orders, depth.bids.size() + depth.asks.size()});
    resting += orders;
  }
  fmt::print("open orders {} ({} resting in {} books)\n", Grouped(engine.OpenOrderCount()), Grouped(resting),
             books.size());
  std::vector<BookLine> busiest = books;
  std::sort(busiest.begin(), busiest.end(), [](const BookLine& a, const BookLine& b) {
    return a.orders != b.orders ? a.orders > b.orders : a.index < b.index;
  });
  for (size_t i = 0; i < std::min<size_t>(5, busiest.size()); ++i) {
    const BookLine& b = busiest[i];
    const InstrumentId id(static_cast<uint16_t>(b.index + 1));
    const auto bid = engine.BestBid(id), ask = engine.BestAsk(id);
    fmt::print("  {:<12} {:>6} orders over {:>4} levels, best {} / {}\n", w.symbols[b.index], b.orders, b.levels,
               bid ? fmt::format("{}", bid->value()) : "-", ask ? fmt::format("{}", ask->value()) : "-");
  }
  size_t disagree = 0;
  if (w.generator) {
    for (const BookLine& b : books) {
      if (b.index < w.generator->open_orders.size() && w.generator->open_orders[b.index] != b.orders) ++disagree;
    }
    fmt::print("generator's shadow books: {}\n", disagree == 0
                                                     ? std::string("agree with the engine on every book's open orders")
                                                     : fmt::format("DISAGREE on {} books", disagree));
  }
  fmt::print("engine memory {:.1f} MiB (Engine::MemoryBytes), process RSS {:.1f} MiB, peak {:.1f} MiB\n",
             static_cast<double>(engine.MemoryBytes()) / (1 << 20), static_cast<double>(RssBytes()) / (1 << 20),
             static_cast<double>(PeakRssBytes()) / (1 << 20));
  fmt::print("state hash {:016x}\n", engine.StateHash());
  const std::string audit = engine.Audit();
  fmt::print("audit: {}\n", audit.empty() ? "every invariant holds" : audit);
  return audit.empty() && disagree == 0;
}

// A flow whose venue the engine cannot set up (an instrument it rejects, a deposit too large) still runs, every order
// on it rejected, and its figures would measure rejection, not trading. Said on stderr before any figure. The
// definitions and deposits are applied alone to an engine of their own (about 0.2 s for the standard workload's
// million deposits): they never depend on orders.
void WarnAboutRejectedSetup(const PreparedWorkload& w, const EngineConfig& config) {
  Engine engine(config);
  size_t setup = 0, rejected = 0, first = 0;
  std::map<RejectReason, size_t> reasons;
  for (size_t i = 0; i < w.stream.commands.size(); ++i) {
    const Command& c = w.stream.commands[i];
    if (!std::holds_alternative<DefineAsset>(c.body) && !std::holds_alternative<DefineInstrument>(c.body) &&
        !std::holds_alternative<Deposit>(c.body)) {
      continue;
    }
    ++setup;
    for (const Event& e : engine.Apply(c)) {
      const auto* r = std::get_if<RejectedEvent>(&e);
      if (r == nullptr) continue;
      if (rejected++ == 0) first = i + 1;
      ++reasons[r->reason];
    }
  }
  if (rejected == 0) return;
  std::string why;
  for (const auto& [reason, n] : reasons) {
    why += fmt::format("{}{} {}", why.empty() ? "" : ", ", n, RejectReasonName(reason));
  }
  std::fprintf(stderr,
               "warning: the engine rejected %zu of the flow's %zu asset, instrument and deposit commands (%s; the "
               "first is command %zu): the orders that need them are rejected too, and the figures below measure "
               "that\n",
               rejected, setup, why.c_str(), first);
}

}  // namespace

int RunEngineBench(const PreparedWorkload& w, const EngineBenchOptions& options) {
  const EngineConfig config = ConfigFor(w.stream);
  WarnAboutRejectedSetup(w, config);
  if (options.baseline && !BaselineAgrees(w, config)) return 1;
  std::vector<RunResult> baselines;
  std::vector<double> ratios;
  // One baseline run after each of the engine's, so both meet the machine in the same state.
  const auto run_baseline = [&](double engine_ops_per_sec, const CycleClock* clock, const std::string& run) {
    if (!options.baseline) return;
    baselines.push_back(BaselinePasses(w.stream, clock));
    ratios.push_back(RatioOf(engine_ops_per_sec, baselines.back()));
    fmt::print("{}\n", BaselineLine(w, baselines.back(), engine_ops_per_sec, ratios.back(), clock != nullptr, run));
  };
  const auto median_baseline = [&](double engine_ops_per_sec, bool timed) {
    if (baselines.empty()) return;
    fmt::print("{}\n",
               BaselineLine(w, MedianResult(baselines), engine_ops_per_sec, Median(ratios), timed, "\"median\""));
  };
  if (!options.interleave.empty()) {
    Engine plain(config);
    plain.ReplayInOrder(w.stream.commands);
    const uint64_t expected_hash = plain.StateHash();
    std::vector<double> with, without, gains;
    for (int run = 1; run <= options.runs; ++run) {
      const InterleavedResult r = InterleavedPass(w.stream, config, options.interleave == "hints");
      if (r.state_hash != expected_hash) {
        std::fprintf(stderr, "interleave: the engine ended in another state than a plain replay's (%016llx, %016llx)\n",
                     static_cast<unsigned long long>(r.state_hash), static_cast<unsigned long long>(expected_hash));
        return 1;
      }
      with.push_back(r.with_ops_per_sec);
      without.push_back(r.without_ops_per_sec);
      gains.push_back(r.without_ops_per_sec > 0 ? r.with_ops_per_sec / r.without_ops_per_sec : 0.0);
      fmt::print("{}\n", InterleavedLine(w, r, gains.back(), options.interleave, std::to_string(run)));
      std::fflush(stdout);
    }
    if (options.runs > 1) {
      fmt::print("{}\n",
                 InterleavedLine(w, {Median(with), Median(without)}, Median(gains), options.interleave, "\"median\""));
    }
    return options.summary && !Summarize(w, config) ? 1 : 0;
  }
  if (options.throughput_only) {
    std::vector<double> rates;
    for (int run = 1; run <= options.runs; ++run) {
      rates.push_back(ThroughputPass(w.stream, config));
      fmt::print("{}\n", ThroughputLine(w, rates.back(), std::to_string(run)));
      run_baseline(rates.back(), nullptr, std::to_string(run));
      std::fflush(stdout);
    }
    if (rates.size() > 1) {
      fmt::print("{}\n", ThroughputLine(w, Median(rates), "\"median\""));
      median_baseline(Median(rates), false);
    }
    if (options.state_hashes > 0 || options.snapshots > 0) {
      FinalStatePass(w, config, options.state_hashes, options.snapshots);
    }
    return options.summary && !Summarize(w, config) ? 1 : 0;
  }
  const CycleClock clock;
  const double overhead_ns = clock.OverheadNs();
  std::vector<RunResult> results;
  std::vector<std::vector<RunResult>> kind_results(kCommandKinds);  // per kind, one per run
  std::vector<uint64_t> kind_counts(kCommandKinds, 0);
  for (int run = 1; run <= options.runs; ++run) {
    const double ops_per_sec = ThroughputPass(w.stream, config);
    const LatencyPassResult pass = LatencyPass(w.stream, config, clock, options.by_command);
    RunResult r = PercentilesOf(pass.all, clock);
    r.ops_per_sec = ops_per_sec;
    results.push_back(r);
    fmt::print("{}\n", ResultLine(w, r, clock, overhead_ns, std::to_string(run)));
    for (size_t k = 0; k < pass.by_kind.size(); ++k) {
      kind_counts[k] = pass.by_kind[k].Count();
      if (kind_counts[k] == 0) continue;
      kind_results[k].push_back(PercentilesOf(pass.by_kind[k], clock));
      fmt::print("{}\n", KindLine(w, k, kind_counts[k], kind_results[k].back(), std::to_string(run)));
    }
    run_baseline(ops_per_sec, &clock, std::to_string(run));
    std::fflush(stdout);
  }
  if (results.size() > 1) {
    const RunResult median = MedianResult(results);
    fmt::print("{}\n", ResultLine(w, median, clock, overhead_ns, "\"median\""));
    for (size_t k = 0; k < kCommandKinds; ++k) {
      if (!kind_results[k].empty()) {
        fmt::print("{}\n", KindLine(w, k, kind_counts[k], MedianResult(kind_results[k]), "\"median\""));
      }
    }
    median_baseline(median.ops_per_sec, true);
  }
  if (options.state_hashes > 0 || options.snapshots > 0) {
    FinalStatePass(w, config, options.state_hashes, options.snapshots);
  }
  if (options.summary && !Summarize(w, config)) return 1;
  return 0;
}

}  // namespace sequex::bench

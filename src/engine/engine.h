// Engine: the deterministic business logic of one shard: assets, instruments, wallets, order books, matching,
// pre-trade risk and settlement. state = f(sequence of commands).
//
//   Engine engine(EngineConfig{});
//   for (const Command& c : stream) {
//     std::span<const Event> events = engine.Apply(c);   // valid until the next Apply
//     ...
//   }
//   uint64_t h = engine.StateHash();
//
// Threading: single-threaded; one owner thread calls everything. Determinism: no clocks, randomness, thread ids
// or unordered iteration; time enters only as Command::time. Hot path (Apply of order commands): no locks, no
// syscalls, no exceptions; it allocates only when a pool or table passes a new high-water mark (EngineConfig
// sizes them up front to avoid even that).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "engine/event.h"

namespace sequex {

struct EngineConfig {
  // Pre-sized capacities (growth past them is allowed but allocates on the business thread).
  // expected_orders is the expected number of OPEN orders at once: it sizes the order pool and the id indexes so
  // that none of them grows until more are open, and oversizing the indexes costs cache misses (a sparse table
  // spreads lookups over more lines).
  uint32_t expected_orders = 1u << 16;
  uint32_t expected_accounts = 1u << 12;  // ids below it have their memory from the start (none exists until opened)
  // (account, instrument) order lists ever opened: an account's first order in a book opens one, and it is kept.
  // Sizes their index up front, because growing it on the business thread allocates and fills a new table in one
  // command: docs/performance.md measured 58-100 ms for the 32 MB table of the standard workload's 662,846 lists.
  uint32_t expected_account_books = 1u << 12;
  // Instruments defined over the engine's life. Their books (two price ladders, 1 MiB, mapped and faulted in) are
  // built with the engine, and defining an instrument takes one. Past them, defining one builds its book inside the
  // command (docs/performance.md measured 0.5-0.7 ms on this VM), and every other command waits behind it.
  uint32_t expected_books = 0;
  // Bytes of memory for the engine's small allocations (the account chunks, the balances an account holds past its
  // first four assets, small tables), taken and backed when the engine is built. Past it the engine takes 2 MiB
  // regions from the system as it needs them, and the command that needs one waits while the system backs it
  // (docs/performance.md measured 4-6 ms on this VM). Engine::SmallMemoryBytes() tells how much a running engine uses.
  size_t reserved_small_memory = 0;
  // Hard limits: commands past them are rejected, so hostile flows cannot exhaust memory.
  uint32_t max_orders = 64u << 20;    // open orders, engine-wide (kRejectedByEngine past it)
  uint32_t max_accounts = 16u << 20;  // account ids must be below this
  // Resting orders and waiting stops of one account (kTooManyOpenOrders past it). A venue rule, like the large
  // venues' caps, that also bounds what listing one account's open orders costs the server: about 7 MB of JSON.
  uint32_t max_open_orders_per_account = 10'000;
  AccountId fee_account{0};  // receives fees, pays rebates; cannot trade
  // Keys the hash that files client_oids in their index. 0: XXH3's built-in secret, which anyone can compute, so a
  // client could pick client_oids that all land in one place of the index and make every lookup there walk them
  // (hash flooding). sequexd draws a random seed at every start. The seed changes only where keys are filed, never
  // the state, the events, the state hash or a snapshot: engines with different seeds stay in lock-step.
  uint64_t index_seed = 0;
};

struct DepthLevel {
  PriceTicks price{};
  QtyLots qty{};
  uint32_t orders = 0;
};

struct BookDepth {
  std::vector<DepthLevel> bids;  // best first
  std::vector<DepthLevel> asks;  // best first
};

struct OrderView {
  OrderId order_id{};
  AccountId account{};
  InstrumentId instrument{};
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGoodTillCancel;
  OrderStatus status = OrderStatus::kActive;
  uint8_t flags = 0;
  PriceTicks price{};
  PriceTicks trigger_price{};
  QtyLots qty{};  // total
  QtyLots filled{};
  Amount notional{};  // market-by-notional budget
  Amount held{};      // funds this order holds right now
  Amount cum_notional{};
  Amount cum_fee{};
  // The rates it pays for life, in ppm of notional: its account's tier's when it was placed (docs/engine.md, "Fees").
  int32_t maker_ppm = 0;
  int32_t taker_ppm = 0;
  ClientOid client_oid{};
  SeqNo created_seq = 0;
  TimeNs created_time = 0;
};

struct BalanceView {
  Amount available{};
  Amount held{};
};

struct InstrumentView {
  DefineInstrument definition;
  PriceTicks last_price{};
  Amount tick_value{};  // quote units of one tick x one lot
};

struct ApiKeyView {
  AccountId account{};
  ApiCredential credential;
};

class Engine {
 public:
  explicit Engine(const EngineConfig& config = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies one sequenced command. The returned span is valid until the next call.
  std::span<const Event> Apply(const Command& command);

  // Hints that `command` will be applied soon, so its cache misses overlap the current command's work. No effect
  // on state or results. Three stages, because each needs what the one before loaded: a caller holding a batch
  // (replay, benchmarks) calls Prefetch(i + 3, kIndexes), Prefetch(i + 2, kOrders) and Prefetch(i + 1,
  // kDependents) before Apply(i). kIndexes loads the id/client_oid index slots and the account; kOrders reads the
  // slots and loads the orders, their links and the account-list and wallet-table entries; kDependents reads the
  // orders and loads what they point to: the balance they hold, their neighbours' links, their level, their id's
  // index slot. A caller with a shorter lookahead may skip the later stages. Call it from the thread that calls
  // Apply: the stages remember per-command hints inside the engine.
  enum class PrefetchStage { kIndexes, kOrders, kDependents };
  void Prefetch(const Command& command, PrefetchStage stage = PrefetchStage::kIndexes) const;

  // Whether the hints are worth their work now: only when the state the commands touch (open orders, accounts) is
  // larger than a core's own cache. On a small venue it is already there, and the stages are only extra work
  // (single-book, about 1,000 orders and accounts, ran 6-27% faster without them: docs/performance.md). An estimate
  // from two counters, so cheap enough to ask every few thousand commands. Like the hints, it never changes a result.
  [[nodiscard]] bool PrefetchPays() const;

  // The three stages for the commands after commands[i], each at its distance: what a caller holding a batch runs
  // before Apply(commands[i]) (ApplyInOrder, and the benchmark that times each command).
  void PrefetchAhead(std::span<const Command> commands, size_t i) const {
    if (i + 3 < commands.size()) Prefetch(commands[i + 3], PrefetchStage::kIndexes);
    if (i + 2 < commands.size()) Prefetch(commands[i + 2], PrefetchStage::kOrders);
    if (i + 1 < commands.size()) Prefetch(commands[i + 1], PrefetchStage::kDependents);
  }

  // Applies `commands` in order, calling after_applied(command, events) after each, with the three prefetch stages
  // run ahead of each command while PrefetchPays() (asked before every kPrefetchRecheck commands; when the answer
  // turns to yes, the next commands' earlier stages are run first). For every caller that holds a batch: the
  // sequencer, recovery, the benchmarks.
  static constexpr size_t kPrefetchRecheck = 4096;
  template <typename AfterApplied>
  void ApplyInOrder(std::span<const Command> commands, AfterApplied&& after_applied) {
    const size_t n = commands.size();
    const auto prefetch_command = [&](size_t k) {
      if (k < n) {
        const char* next = reinterpret_cast<const char*>(&commands[k]);
        __builtin_prefetch(next);
        __builtin_prefetch(next + sizeof(Command) - 1);
      }
    };
    bool staged = false;  // the stages of the commands after i have been run
    for (size_t i = 0; i < n;) {
      const size_t end = std::min(n, i + kPrefetchRecheck);
      if (!PrefetchPays()) {
        staged = false;
        for (; i < end; ++i) {
          prefetch_command(i + 8);
          after_applied(commands[i], Apply(commands[i]));
        }
        continue;
      }
      if (!staged) {
        for (size_t k = i; k < i + 3 && k < n; ++k) Prefetch(commands[k], PrefetchStage::kIndexes);
        for (size_t k = i; k < i + 2 && k < n; ++k) Prefetch(commands[k], PrefetchStage::kOrders);
        Prefetch(commands[i], PrefetchStage::kDependents);
        staged = true;
      }
      for (; i < end; ++i) {
        prefetch_command(i + 8);
        PrefetchAhead(commands, i);
        after_applied(commands[i], Apply(commands[i]));
      }
    }
  }

  // ApplyInOrder for a caller that reads no events (recovery): the engine builds none, about a tenth of the
  // instructions of an order command (callgrind, standard workload). The state, and so StateHash(), is the same as
  // ApplyInOrder's; events are built again once it returns.
  void ReplayInOrder(std::span<const Command> commands);

  // Canonical hash of the whole state (docs/engine.md, "State hash"): equal states, equal hashes.
  [[nodiscard]] uint64_t StateHash() const;

  // Checks every invariant (no crossed book, holds = sum of open-order holds, conservation per asset, index
  // consistency). Returns an empty string when all hold, else a description of the first violation. O(state).
  [[nodiscard]] std::string Audit() const;

  // Queries (control plane; may allocate).
  [[nodiscard]] BookDepth Depth(InstrumentId instrument, size_t levels) const;
  [[nodiscard]] std::vector<OrderView> BookOrders(InstrumentId instrument, Side side) const;  // L3, best first
  [[nodiscard]] std::optional<PriceTicks> BestBid(InstrumentId instrument) const;
  [[nodiscard]] std::optional<PriceTicks> BestAsk(InstrumentId instrument) const;
  [[nodiscard]] std::vector<OrderView> OpenOrders(AccountId account) const;  // placement order
  [[nodiscard]] std::optional<OrderView> FindOrder(AccountId account, OrderId order_id) const;
  [[nodiscard]] BalanceView Balance(AccountId account, AssetId asset) const;
  [[nodiscard]] bool AccountExists(AccountId account) const;
  [[nodiscard]] std::optional<InstrumentView> Instrument(InstrumentId instrument) const;
  [[nodiscard]] std::vector<InstrumentId> InstrumentIds() const;  // every defined instrument, ascending
  [[nodiscard]] std::optional<DefineAsset> Asset(AssetId asset) const;
  [[nodiscard]] std::vector<AssetId> AssetIds() const;  // every defined asset, ascending
  [[nodiscard]] std::optional<ApiKeyView> FindApiKey(std::string_view key) const;
  [[nodiscard]] std::vector<ApiKeyView> ApiKeys() const;      // every registered key, sorted by key
  [[nodiscard]] std::vector<AccountId> AccountIds() const;    // every account (fee account included), ascending
  [[nodiscard]] AccountId FeeAccount() const;                 // where fees go (EngineConfig::fee_account)
  [[nodiscard]] Amount NetDeposits(AssetId asset) const;      // deposits - withdrawals
  [[nodiscard]] SetFeeTier FeeTierRates(uint8_t tier) const;  // the tier's rates (0/0 for a tier past 15)
  [[nodiscard]] std::optional<uint8_t> AccountFeeTier(AccountId account) const;  // nullopt: no such account
  [[nodiscard]] size_t OpenOrderCount() const;
  [[nodiscard]] size_t MemoryBytes() const;  // approximate heap held by engine state
  // Bytes of memory the engine's small allocations have taken so far (EngineConfig::reserved_small_memory): what a
  // venue whose engine has run this far should reserve so that none is taken on the order path.
  [[nodiscard]] size_t SmallMemoryBytes() const;

  // Snapshots (src/engine/snapshot.cc; format in docs/journal.md, "Engine snapshot"). SaveSnapshot serializes ALL
  // state (versioned, checksummed, explicit little-endian); O(state), on the owner thread. LoadSnapshot checks the
  // checksum, every count, id and enum, rebuilds the indexes and runs Audit(); it returns nullptr and sets *error
  // on any problem, never undefined behaviour. The loaded engine has the same StateHash() and behaves identically.
  [[nodiscard]] std::string SaveSnapshot() const;
  // The same bytes into `*out`, replacing what it held but keeping its memory: a caller that snapshots again and
  // again (the sequencer, the publisher) reuses one buffer, whose pages are then already resident. A fresh 32 MiB
  // string took about 76 ms to fill on this project's VMs, nearly all of it first-touch page faults.
  void SaveSnapshot(std::string* out) const;
  [[nodiscard]] static std::unique_ptr<Engine> LoadSnapshot(std::string_view bytes, const EngineConfig& config,
                                                            std::string* error);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sequex

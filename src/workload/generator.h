// The standard workloads of shared/workloads/README.md, generated deterministically from a seed: the same options
// give a byte-identical workload on every platform (all randomness is workload/rng.h; no floating point).
//
//   GeneratorOptions options{.kind = WorkloadKind::kStandard, .seed = 42};
//   GeneratorStats stats;
//   Workload w = Generate(options, &stats);     // then Translate(w) for the engine, or WriteWorkloadFile
//
// Layout of every generated workload: A and I lines, then deposits funding every account in every asset with far
// more than it can ever hold in orders (insufficient-funds rejects do not happen), then `warmup_commands` order
// commands, W, then `commands` order commands.
//
// standard: 100 instruments SYM000_USD ... (base decimals 8, USD decimals 2, tick 1 USD, lot 0.01 base: tick
// value 1 cent). Book popularity ~ rank^(-2/3), the sorted sample of a Pareto of shape 1.5 (SYM000 is the busiest);
// account activity ~ rank^(-4/5) over 10,000 accounts (a few market makers, a long tail). Each book has a fair
// price doing a random walk. Makers price 1..50 ticks behind it, denser near it (density ~ 1/sqrt(distance)), but
// never through the opposite best (they re-anchor on the book; 20% of post-only orders do not, and get the
// engine's post-only reject when they would cross). Takers (a share of GTC, IOC, FOK and price amends, and every
// market order) price 0..2 ticks through the opposite best. Mix by count: 45% GTC (10% of them post-only), 5% IOC,
// 1% FOK, 4% market, 30% cancel, 13% amend (half new price, half smaller quantity), 2% cancel-all of one account in
// one book. Sizes 1..100 lots, P(q) ~ 1/q. Depth is held near 1,000 resting orders per book by two feedbacks a real
// book has too: the taker share grows with depth, and past 1,000 the cancel-all comes from the book's busiest
// account (a market maker pulling its quotes). About 1% of cancels and amends name an order that already ended,
// as races do in real flow. Measured (seed 42, 6,000,000 commands): ~11% of new orders trade on arrival, the
// popular books hold ~1,000 orders over 150..250 levels, ~0.8% of commands are post-only / FOK rejects.
//
// single-book: one instrument, 1,000 accounts, makers 1..600 ticks from the fair price (uniform), takers 1..10
// lots; 9% GTC, 3% IOC, 6% cancel (10% of them stale), 82% move (price amend, 3% of moves through the book).
// Measured: ~1,050 orders over ~700 levels, ~5.5% of commands trade.
//
// burst: standard, and every 100,000 commands (100 ms at the 1 us per command of Translate's clock) one book,
// picked by popularity, takes a burst: 5,000 aggressive orders on one side (market and IOC alternately), each
// sized to sweep 20..40 of the levels resting, each followed by one maker re-quoting on the other side while the
// fair price gives way 100 ticks, then a cancel storm of up to 2,000 cancels (1 in 10 a cancel-all) from the
// book's makers. The first sweeps of a burst take 20..40 levels; once the side is thin, each takes what the makers
// re-quoted.
//
// wide-book (this project's own, not in shared/workloads/README.md): one instrument at a fair price of 10,000,000
// ticks, 1,000 accounts; half of the makers' quotes 1..200 ticks behind the fair price (uniform), the other half deep
// in the book, 1,000..9,000,000 ticks behind it (log-uniform by decade), as the far bids and asks of a real crypto
// book: far outside the engine's ladder window (2^14 ticks, engine/book_side.h), on tens of thousands of distinct
// prices. 43% GTC, 12% IOC (takers 1..10 lots), 40% cancel, 5% move. Measured (seed 42, 6,000,000 commands): ~120,000
// open orders over ~58,000 levels, ~13% of new orders trade on arrival.
//
// trending (this project's own): standard's mix, sizes and depth feedbacks on one instrument with 1,000 accounts,
// whose fair price starts at 1,000,000 ticks and steps up three times in four (on 60% of commands, as standard's):
// about 0.3 ticks a command, some 1,800,000 ticks over the default 6,000,000 commands, as a market that trends for
// days does. Makers quote around the moving price; the orders it leaves behind rest until cancelled.
//
// GeneratorStats reports what the generator's shadow books saw; `sequex-bench engine --summary` checks that the
// engine ends with the same open orders in every book.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "workload/workload.h"

namespace sequex::workload {

enum class WorkloadKind : uint8_t { kStandard, kSingleBook, kBurst, kWideBook, kTrending };

[[nodiscard]] std::optional<WorkloadKind> ParseWorkloadKind(std::string_view name);  // "standard", ...
[[nodiscard]] std::string_view WorkloadName(WorkloadKind kind);

struct GeneratorOptions {
  WorkloadKind kind = WorkloadKind::kStandard;
  uint64_t seed = 42;
  uint64_t warmup_commands = 1'000'000;
  uint64_t commands = 5'000'000;  // measured commands, after W
  uint32_t accounts = 0;          // 0 = the workload's own (10,000; single-book 1,000)
  uint32_t instruments = 0;       // 0 = the workload's own (100; single-book 1)
};

// What the generator's shadow books (workload/book_model.h) saw. The engine must agree on open orders; the other
// figures let a reader check a workload against README.md without running the engine.
struct GeneratorStats {
  enum Kind : uint8_t { kGtc, kPostOnly, kIoc, kFok, kMarket, kCancel, kAmendPrice, kAmendQty, kCancelAll, kKinds };
  std::array<uint64_t, kKinds> by_kind{};  // order commands (warm-up and measured) by what they are
  uint64_t order_commands = 0;             // everything after the deposits, W excluded
  uint64_t new_orders = 0;
  uint64_t traded_on_arrival = 0;  // new orders that traded at least one lot when placed
  uint64_t commands_that_traded = 0;
  uint64_t fills = 0;          // maker orders touched by a trade
  uint64_t stale = 0;          // cancels / amends naming an order that is not open
  uint64_t model_rejects = 0;  // post-only that would cross, FOK short of liquidity
  uint64_t max_levels_swept = 0;
  uint64_t sweeps_of_20_levels = 0;   // takers that traded at 20 or more price levels
  std::vector<uint32_t> open_orders;  // per instrument, at the end
  std::vector<uint32_t> levels;       // per instrument, at the end
};

[[nodiscard]] Workload Generate(const GeneratorOptions& options, GeneratorStats* stats = nullptr);

}  // namespace sequex::workload

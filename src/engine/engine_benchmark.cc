// Micro-benchmarks of the book's hot operations, each measured through Engine::Apply (validation, holds, events
// included) on one BTC_USD book that already holds 2,000 resting orders over 400 levels.
//
// The background book rests far from the action (more than 1,000 ticks from the mid), so each benchmark controls
// exactly what its command meets. Work that would make the book drift (cancelling what a benchmark placed,
// refilling what it consumed) is done in batches with the timer paused, so it is excluded from the figures.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <span>
#include <variant>
#include <vector>

#include "engine/book_side.h"
#include "engine/engine.h"

namespace sequex {
namespace {

constexpr AssetId kBtc{1};
constexpr AssetId kUsd{2};
constexpr InstrumentId kBook{1};
constexpr int64_t kMid = 10'000;  // ticks; tick 1 USD, lot 0.01 BTC: tick value 1 cent
constexpr uint32_t kMaker = 1, kTaker = 2, kBackground = 3, kStops = 4;
constexpr size_t kBatch = 1'000;

class Venue {
 public:
  Venue() : engine_(Config()) {
    DefineAsset btc{kBtc, 8, "BTC"};
    DefineAsset usd{kUsd, 2, "USD"};
    Do(btc);
    Do(usd);
    DefineInstrument i;
    i.instrument = kBook;
    i.base = kBtc;
    i.quote = kUsd;
    i.tick_size = Amount(100);
    i.lot_size = Amount(1'000'000);
    std::strcpy(i.symbol, "BTC_USD");
    Do(i);
    for (uint32_t a : {kMaker, kTaker, kBackground, kStops}) {
      Do(Deposit{AccountId(a), kUsd, Amount(int64_t{1} << 58)});
      Do(Deposit{AccountId(a), kBtc, Amount(int64_t{1} << 58)});
    }
    for (int64_t level = 0; level < 200; ++level) {
      for (int k = 0; k < 5; ++k) {
        Place(kBackground, Side::kBuy, kMid - 1'001 - level, 10);
        Place(kBackground, Side::kSell, kMid + 1'001 + level, 10);
      }
    }
  }

  std::span<const Event> Do(const CommandBody& body) {
    command_.seq = ++seq_;
    command_.time = static_cast<TimeNs>(seq_) * 1000;
    command_.body = body;
    return engine_.Apply(command_);
  }
  // Applies a prepared command, stamping only its sequence: the cheapest way in, as a sequencer would call it.
  std::span<const Event> Apply(Command& command) {
    command.seq = ++seq_;
    return engine_.Apply(command);
  }

  OrderId Place(uint32_t account, Side side, int64_t price, int64_t qty,
                TimeInForce tif = TimeInForce::kGoodTillCancel) {
    for (const Event& e : Do(Limit(account, side, price, qty, tif))) {
      if (const auto* a = std::get_if<AcceptedEvent>(&e)) return a->order_id;
    }
    return OrderId(0);
  }
  void CancelAllOf(uint32_t account) { Do(CancelAll{AccountId(account), kBook}); }
  // One lot traded at `price` between the maker and the taker: the book's last price becomes `price`.
  void TradeAt(int64_t price) {
    Place(kMaker, Side::kBuy, price, 1);
    Place(kTaker, Side::kSell, price, 1, TimeInForce::kImmediateOrCancel);
  }
  // A sell STOP_LIMIT of kStops that waits for the last price to fall to `trigger`, then rests at `price`.
  OrderId PlaceSellStop(int64_t trigger, int64_t price) {
    PlaceOrder p = Limit(kStops, Side::kSell, price, 1, TimeInForce::kGoodTillCancel);
    p.type = OrderType::kStopLimit;
    p.trigger_price = PriceTicks(trigger);
    for (const Event& e : Do(p)) {
      if (const auto* a = std::get_if<AcceptedEvent>(&e)) return a->order_id;
    }
    return OrderId(0);
  }

  static PlaceOrder Limit(uint32_t account, Side side, int64_t price, int64_t qty, TimeInForce tif) {
    PlaceOrder p;
    p.account = AccountId(account);
    p.instrument = kBook;
    p.side = side;
    p.tif = tif;
    p.price = PriceTicks(price);
    p.qty = QtyLots(qty);
    return p;
  }
  static Command Wrap(const CommandBody& body) { return Command{0, 0, body}; }

 private:
  static EngineConfig Config() {
    EngineConfig c;
    c.expected_orders = 1u << 16;
    return c;
  }

  Engine engine_;
  Command command_;
  SeqNo seq_ = 0;
};

void BM_PlaceRestingLimit(benchmark::State& state) {
  Venue v;
  std::vector<Command> places;
  for (size_t i = 0; i < kBatch; ++i) {
    places.push_back(Venue::Wrap(Venue::Limit(kMaker, Side::kBuy, kMid - 1 - static_cast<int64_t>(i % 50),
                                              1 + static_cast<int64_t>(i % 7), TimeInForce::kGoodTillCancel)));
  }
  size_t i = 0;
  for ([[maybe_unused]] const auto& _ : state) {
    benchmark::DoNotOptimize(v.Apply(places[i]).size());
    if (++i == kBatch) {
      state.PauseTiming();
      v.CancelAllOf(kMaker);
      i = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlaceRestingLimit);

void BM_Cancel(benchmark::State& state) {
  Venue v;
  std::vector<Command> cancels(kBatch);
  size_t i = kBatch;
  for ([[maybe_unused]] const auto& _ : state) {
    if (i == kBatch) {
      state.PauseTiming();
      for (size_t k = 0; k < kBatch; ++k) {
        CancelOrder c;
        c.account = AccountId(kMaker);
        c.order_id = v.Place(kMaker, Side::kBuy, kMid - 1 - static_cast<int64_t>(k % 50), 5);
        cancels[k] = Venue::Wrap(c);
      }
      i = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(v.Apply(cancels[i++]).size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Cancel);

// An IOC buy of one lot against a queue of one-lot asks at one price: one fill, one maker done.
void BM_PlaceMatchOneLevel(benchmark::State& state) {
  Venue v;
  Command taker = Venue::Wrap(Venue::Limit(kTaker, Side::kBuy, kMid + 1, 1, TimeInForce::kImmediateOrCancel));
  size_t i = kBatch;
  for ([[maybe_unused]] const auto& _ : state) {
    if (i == kBatch) {
      state.PauseTiming();
      for (size_t k = 0; k < kBatch; ++k) v.Place(kMaker, Side::kSell, kMid + 1, 1);
      i = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(v.Apply(taker).size());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlaceMatchOneLevel);

// An IOC buy of ten lots against one-lot asks on consecutive ticks: ten fills over ten levels.
void BM_PlaceSweep10Levels(benchmark::State& state) {
  Venue v;
  constexpr size_t kSweeps = 100;
  std::vector<Command> takers;
  for (size_t k = 0; k < kSweeps; ++k) {
    takers.push_back(Venue::Wrap(Venue::Limit(kTaker, Side::kBuy, kMid + 10 * static_cast<int64_t>(k + 1), 10,
                                              TimeInForce::kImmediateOrCancel)));
  }
  size_t i = kSweeps;
  for ([[maybe_unused]] const auto& _ : state) {
    if (i == kSweeps) {
      state.PauseTiming();
      for (int64_t level = 1; level <= static_cast<int64_t>(10 * kSweeps); ++level) {
        v.Place(kMaker, Side::kSell, kMid + level, 1);
      }
      i = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(v.Apply(takers[i++]).size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlaceSweep10Levels);

// Same price, one lot less: the order keeps its place in the queue.
void BM_AmendKeepPriority(benchmark::State& state) {
  Venue v;
  constexpr int64_t kStartQty = 1'000'000;
  std::vector<OrderId> ids;
  for (size_t k = 0; k < kBatch; ++k) {
    ids.push_back(v.Place(kMaker, Side::kBuy, kMid - 1 - static_cast<int64_t>(k % 50), kStartQty));
  }
  std::vector<int64_t> qty(kBatch, kStartQty);
  AmendOrder amend;
  amend.account = AccountId(kMaker);
  Command command = Venue::Wrap(amend);
  auto& body = std::get<AmendOrder>(command.body);
  size_t i = 0;
  for ([[maybe_unused]] const auto& _ : state) {
    if (qty[i] <= 2) {
      state.SkipWithError("ran out of quantity to amend away");
      break;
    }
    body.order_id = ids[i];
    body.new_qty = QtyLots(--qty[i]);
    benchmark::DoNotOptimize(v.Apply(command).size());
    if (++i == kBatch) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AmendKeepPriority);

// A new price one tick away and back: the order leaves its level and joins the back of another (no cross).
void BM_AmendRequeue(benchmark::State& state) {
  Venue v;
  std::vector<OrderId> ids;
  std::vector<int64_t> price;
  for (size_t k = 0; k < kBatch; ++k) {
    price.push_back(kMid - 100 - static_cast<int64_t>(k % 50));
    ids.push_back(v.Place(kMaker, Side::kBuy, price.back(), 5));
  }
  std::vector<bool> moved(kBatch, false);
  AmendOrder amend;
  amend.account = AccountId(kMaker);
  Command command = Venue::Wrap(amend);
  auto& body = std::get<AmendOrder>(command.body);
  size_t i = 0;
  for ([[maybe_unused]] const auto& _ : state) {
    body.order_id = ids[i];
    body.new_price = PriceTicks(moved[i] ? price[i] : price[i] - 1);
    moved[i] = !moved[i];
    benchmark::DoNotOptimize(v.Apply(command).size());
    if (++i == kBatch) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AmendRequeue);

// One trade meets range(0) waiting sell stop-limits at once; each triggers and rests far above the bids. Triggers at
// one price (range(1) = 1) or spread over range(1) prices. The figure is the whole cascade: one command.
void BM_StopCascade(benchmark::State& state) {
  Venue v;
  const auto stops = static_cast<int64_t>(state.range(0));
  const int64_t spread = state.range(1);
  Command taker = Venue::Wrap(Venue::Limit(kTaker, Side::kSell, kMid - 900, 1, TimeInForce::kImmediateOrCancel));
  for ([[maybe_unused]] const auto& _ : state) {
    state.PauseTiming();
    v.CancelAllOf(kStops);
    v.TradeAt(kMid);
    for (int64_t k = 0; k < stops; ++k) v.PlaceSellStop(kMid - 10 - k % spread, kMid + 500);
    v.Place(kMaker, Side::kBuy, kMid - 900, 1);
    state.ResumeTiming();
    benchmark::DoNotOptimize(v.Apply(taker).size());
  }
  state.SetItemsProcessed(state.iterations() * stops);
}
BENCHMARK(BM_StopCascade)->Args({1'000, 1})->Args({10'000, 1})->Args({10'000, 800})->Unit(benchmark::kMicrosecond);

// Cancels one of range(0) waiting stops (triggers over 800 prices), chosen all over the list; the batch is placed
// again with the timer paused, so the count stays about range(0).
void BM_CancelWaitingStop(benchmark::State& state) {
  Venue v;
  v.TradeAt(kMid);
  const auto stops = static_cast<size_t>(state.range(0));
  std::vector<OrderId> ids;
  for (size_t k = 0; k < stops; ++k) ids.push_back(v.PlaceSellStop(kMid - 10 - static_cast<int64_t>(k % 800), kMid));
  CancelOrder cancel;
  cancel.account = AccountId(kStops);
  Command command = Venue::Wrap(cancel);
  auto& body = std::get<CancelOrder>(command.body);
  size_t i = 0;
  size_t done = 0;
  for ([[maybe_unused]] const auto& _ : state) {
    const size_t at = (i * 7'919) % stops;  // a prime stride: positions all over the list
    body.order_id = ids[at];
    benchmark::DoNotOptimize(v.Apply(command).size());
    ++i;
    if (++done == kBatch) {
      state.PauseTiming();
      for (size_t k = i - kBatch; k < i; ++k) {
        const size_t replaced = (k * 7'919) % stops;
        ids[replaced] = v.PlaceSellStop(kMid - 10 - static_cast<int64_t>(replaced % 800), kMid);
      }
      done = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CancelWaitingStop)->Arg(1'000)->Arg(10'000)->Arg(100'000);

// The pause a move of the ladder's window costs the order that causes it (book_side.h): a bid side with a level on
// each of range(0) consecutive ticks below the best, then a bid better than the best by more than half a window,
// so the window centres on it and every one of those levels is spilled. Between moves, untimed, every level is
// erased and the dense ones placed again; the side is reused, so the spill's blocks are the ones the first move
// allocated (its high-water mark), as on a venue that has run for a while.
void BM_WindowMoveSpillingDenseLevels(benchmark::State& state) {
  const auto levels = static_cast<int64_t>(state.range(0));
  constexpr int64_t kBest = 1'000'000;
  constexpr int64_t kFar = kBest + BookSide::kWindow / 2 + 1;
  BookSide side(true);
  const auto set = [&](int64_t price, uint32_t count) {
    Level& l = side.FindOrInsert(PriceTicks{price});
    l.count = count;
    l.total = QtyLots{count};
  };
  const auto clear = [&](int64_t price) {
    if (Level* l = side.Find(PriceTicks{price})) {
      l->count = 0;
      side.Erase(PriceTicks{price});
    }
  };
  const auto place_dense = [&] {
    for (int64_t p = kBest - levels + 1; p <= kBest; ++p) set(p, 1);
  };
  place_dense();
  set(kFar, 1);  // the first move allocates the spill's blocks
  for ([[maybe_unused]] const auto& _ : state) {
    state.PauseTiming();
    clear(kFar);
    for (int64_t p = kBest - levels + 1; p <= kBest; ++p) clear(p);
    place_dense();
    state.ResumeTiming();
    set(kFar, 1);
    state.PauseTiming();
    if (side.SpilledLevelCount() != static_cast<size_t>(levels)) state.SkipWithError("the window did not move");
    state.ResumeTiming();
  }
}
BENCHMARK(BM_WindowMoveSpillingDenseLevels)
    ->Arg(100)
    ->Arg(1'000)
    ->Arg(8'000)
    ->Iterations(200)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sequex

BENCHMARK_MAIN();

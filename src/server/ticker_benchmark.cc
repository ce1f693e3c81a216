// What one 24-hour ticker costs the publisher (a ticker push after a book change, each instrument of a
// get-tickers): an instrument that traded every minute of the last day has 1,440 minute buckets in its window.
// Each iteration is one more trade in the current minute and then the ticker, as a busy book's push is: the trade's
// own cost is what the 1-minute window (Arg 1) shows.
#include <benchmark/benchmark.h>

#include <span>

#include "server/projection.h"

namespace sequex::server {
namespace {

constexpr int64_t kMinuteNs = 60'000'000'000;

void BM_TickerOfBusyDay(benchmark::State& state) {
  const Engine mirror;
  Projection projection;
  CommandEffects effects;
  TimeNs time = 1'765'000'000'000'000'000;
  uint64_t match = 0;
  const auto trade = [&](TimeNs at) {
    TradeEvent t;
    t.match_id = ++match;
    t.instrument = InstrumentId{1};
    t.maker_account = AccountId{1};
    t.taker_account = AccountId{2};
    t.price = PriceTicks{static_cast<int64_t>(1000 + match % 97)};
    t.qty = QtyLots{1};
    t.notional = Amount{t.price.value()};
    const Event event = t;
    projection.Apply(Command{match, at, Deposit{}}, std::span<const Event>(&event, 1), mirror, &effects);
  };
  for (int64_t minute = 0; minute < state.range(0); ++minute) trade(time + minute * kMinuteNs);
  time += (state.range(0) - 1) * kMinuteNs;
  for (auto _ : state) {
    trade(time);
    benchmark::DoNotOptimize(projection.TickerOf(InstrumentId{1}, time));
  }
}
BENCHMARK(BM_TickerOfBusyDay)->Arg(1)->Arg(60)->Arg(1'440);

}  // namespace
}  // namespace sequex::server

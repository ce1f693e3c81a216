// DemoMarketMaker: keeps the demo venue alive for a new user — quotes a few levels on each side of every
// instrument that has a demo_mid, moves its mid on a seeded random walk, and now and then crosses the spread from
// a second account so that trades, tickers and candles move. It is an ordinary client of the sequencer (its
// commands are journaled like anyone's); deterministic in what it sends, not in when. It leaves alone a book an
// operator halted or set cancel-only, quotes post-only on a post-only book, and takes again once it trades.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include "server/gateway.h"

namespace sequex::server {

// Units of an asset with `decimals` for a demo deposit of `whole` whole units (> 0), or kMaxDemoDeposit if that is
// more: an asset of 10 or more decimals cannot hold a billion whole units in 64 bits, so it gets what fits, never a
// wrapped (or negative) amount. A sixteenth of the engine's largest amount leaves room for what trading adds.
inline constexpr int64_t kMaxDemoDeposit = kMaxAmount / 16;
[[nodiscard]] int64_t DemoDepositUnits(int64_t whole, int decimals);

struct DemoQuote {
  InstrumentId instrument{};
  PriceTicks mid{};
  QtyLots unit{};  // the order size unit, in lots
};

class DemoMarketMaker {
 public:
  DemoMarketMaker(Gateway* gateway, AccountId maker, AccountId taker, std::vector<DemoQuote> quotes, uint64_t seed);
  ~DemoMarketMaker();
  void Start();
  void Stop();

 private:
  void Run();

  Gateway* gateway_;
  AccountId maker_, taker_;
  std::vector<DemoQuote> quotes_;
  uint64_t seed_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace sequex::server

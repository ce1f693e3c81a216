// Test-only: a small, seeded, deterministic flow of engine commands (two assets, two instruments, funded
// accounts, then limit/market orders, cancels, amends and cancel-alls) for journal, sequencer, snapshot and crash
// tests. Not for benchmarks (the standard workload is in workload/).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include "engine/command.h"

namespace sequex::testing {

inline std::vector<CommandBody> SetupCommands(uint32_t accounts = 20) {
  std::vector<CommandBody> out;
  out.emplace_back(DefineAsset{AssetId{1}, 8, "BTC"});
  out.emplace_back(DefineAsset{AssetId{2}, 2, "USD"});
  out.emplace_back(DefineAsset{AssetId{3}, 8, "ETH"});
  for (uint16_t i = 1; i <= 2; ++i) {
    DefineInstrument d;
    d.instrument = InstrumentId{i};
    d.base = AssetId{static_cast<uint16_t>(i == 1 ? 1 : 3)};
    d.quote = AssetId{2};
    d.tick_size = Amount{100};
    d.lot_size = Amount{1000000};
    const std::string_view symbol = i == 1 ? "BTC_USD" : "ETH_USD";
    std::copy(symbol.begin(), symbol.end(), d.symbol);  // the rest of the field stays NUL
    out.emplace_back(d);
  }
  out.emplace_back(SetFeeTier{0, -100, 500});
  for (uint32_t a = 1; a <= accounts; ++a) {
    for (uint16_t asset = 1; asset <= 3; ++asset) {
      out.emplace_back(Deposit{AccountId{a}, AssetId{asset}, Amount{1'000'000'000'000}});
    }
  }
  return out;
}

// `n` trading commands after SetupCommands(accounts). Client oids are "o<k>" with k counting from `first_oid`.
inline std::vector<CommandBody> TradingCommands(uint64_t seed, size_t n, uint32_t accounts = 20,
                                                uint64_t first_oid = 1) {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t lo, uint64_t hi) { return lo + rng() % (hi - lo + 1); };
  std::vector<CommandBody> out;
  out.reserve(n);
  uint64_t next_oid = first_oid;
  auto oid = [](uint64_t k) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "o%llu", static_cast<unsigned long long>(k));
    ClientOid o;
    o.Assign(buf);
    return o;
  };
  for (size_t i = 0; i < n; ++i) {
    const AccountId acct{static_cast<uint32_t>(pick(1, accounts))};
    const InstrumentId inst{static_cast<uint16_t>(pick(1, 2))};
    const uint64_t roll = pick(0, 99);
    if (roll < 60) {
      PlaceOrder p;
      p.account = acct;
      p.instrument = inst;
      p.side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
      p.type = roll < 55 ? OrderType::kLimit : OrderType::kMarket;
      p.tif = roll < 50 ? TimeInForce::kGoodTillCancel : TimeInForce::kImmediateOrCancel;
      const int64_t mid = 1000;
      const int64_t off = static_cast<int64_t>(pick(0, 20)) - 3;
      p.price = PriceTicks{p.type == OrderType::kMarket ? 0 : (p.side == Side::kBuy ? mid - off : mid + off)};
      p.qty = QtyLots{static_cast<int64_t>(pick(1, 50))};
      if (roll == 54) {
        p.type = OrderType::kStopLimit;
        p.trigger_price = PriceTicks{p.side == Side::kBuy ? 1030 : 970};
      }
      p.client_oid = oid(next_oid++);
      out.emplace_back(p);
    } else if (roll < 85) {
      CancelOrder c;
      c.account = acct;
      c.client_oid = oid(next_oid - 1 - std::min<uint64_t>(next_oid - 1, pick(0, 40)));
      out.emplace_back(c);
    } else if (roll < 97) {
      AmendOrder a;
      a.account = acct;
      a.orig_client_oid = oid(next_oid - 1 - std::min<uint64_t>(next_oid - 1, pick(0, 40)));
      a.new_qty = QtyLots{static_cast<int64_t>(pick(1, 60))};
      out.emplace_back(a);
    } else {
      out.emplace_back(CancelAll{acct, roll == 99 ? kAllInstruments : inst});
    }
  }
  return out;
}

}  // namespace sequex::testing

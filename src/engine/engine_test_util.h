// Test helpers for engine tests: a small venue (BTC/USD) and terse command builders.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace sequex::testing {

inline constexpr AssetId kBtc{1};
inline constexpr AssetId kUsd{2};
inline constexpr InstrumentId kBtcUsd{1};

// Wraps an Engine, stamping sequence numbers and checking the audit after every command.
class Venue {
 public:
  explicit Venue(EngineConfig config = {}) : engine_(config) {}

  std::vector<Event> Do(CommandBody body) {
    Command c{++seq_, static_cast<TimeNs>(seq_) * 1000, std::move(body)};
    const uint64_t before = engine_.StateHash();
    std::span<const Event> events = engine_.Apply(c);
    std::vector<Event> out(events.begin(), events.end());
    EXPECT_EQ(engine_.Audit(), "") << "after command " << seq_;
    if (out.size() == 1 && std::holds_alternative<RejectedEvent>(out[0])) {
      EXPECT_EQ(engine_.StateHash(), before) << "a rejected command changed state";
    }
    return out;
  }

  // BTC (8 decimals) and USD (2 decimals, units are cents). BTC_USD: tick_size 100 cents (1.00 USD per BTC),
  // lot_size 10^6 sats (0.01 BTC), so one tick x one lot is worth exactly 1 cent: notional in cents = price * qty.
  void Setup(uint32_t band_bps = 0, int64_t reference = 0) {
    DefineAsset btc{kBtc, 8, {}};
    std::strcpy(btc.code, "BTC");
    DefineAsset usd{kUsd, 2, {}};
    std::strcpy(usd.code, "USD");
    Do(btc);
    Do(usd);
    DefineInstrument i;
    i.instrument = kBtcUsd;
    i.base = kBtc;
    i.quote = kUsd;
    i.tick_size = Amount{100};
    i.lot_size = Amount{1000000};
    i.price_band_bps = band_bps;
    i.reference_price = PriceTicks{reference};
    std::strcpy(i.symbol, "BTC_USD");
    Do(i);
  }

  void Fund(uint32_t account, int64_t usd_cents, int64_t sats) {
    if (usd_cents > 0) Do(Deposit{AccountId{account}, kUsd, Amount{usd_cents}});
    if (sats > 0) Do(Deposit{AccountId{account}, kBtc, Amount{sats}});
  }

  static PlaceOrder Limit(uint32_t account, Side side, int64_t price, int64_t qty,
                          TimeInForce tif = TimeInForce::kGoodTillCancel, const char* oid = "") {
    PlaceOrder p;
    p.account = AccountId{account};
    p.instrument = kBtcUsd;
    p.side = side;
    p.type = OrderType::kLimit;
    p.tif = tif;
    p.price = PriceTicks{price};
    p.qty = QtyLots{qty};
    p.client_oid.Assign(oid);
    return p;
  }
  static PlaceOrder Market(uint32_t account, Side side, int64_t qty) {
    PlaceOrder p = Limit(account, side, 0, qty);
    p.type = OrderType::kMarket;
    return p;
  }
  // A stop (`type` one of the stop and take-profit types) triggered at `trigger`; `price` for the limit ones.
  static PlaceOrder Stop(uint32_t account, Side side, OrderType type, int64_t trigger, int64_t qty, int64_t price = 0) {
    PlaceOrder p = Limit(account, side, price, qty);
    p.type = type;
    p.trigger_price = PriceTicks{trigger};
    return p;
  }

  Engine& engine() { return engine_; }
  BalanceView Bal(uint32_t account, AssetId asset) { return engine_.Balance(AccountId{account}, asset); }

 private:
  Engine engine_;
  SeqNo seq_ = 0;
};

// The rules tests' venue: a band of 10% around 50,000, and accounts 1 to 4 funded with 1,000,000.00 USD and 100 BTC.
class FundedVenueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v.Setup(/*band_bps=*/1000, /*reference=*/50'000);
    for (uint32_t a = 1; a <= 4; ++a) v.Fund(a, 100'000'000, int64_t{100} * 100'000'000);
  }
  // One lot traded at `price` between accounts 3 and 4: sets the last price (stops, the band) and nothing else.
  void TradeAt(int64_t price) {
    v.Do(Venue::Limit(3, Side::kSell, price, 1));
    v.Do(Venue::Limit(4, Side::kBuy, price, 1));
  }
  Venue v;
};

template <typename T>
std::vector<T> OfType(const std::vector<Event>& events) {
  std::vector<T> out;
  for (const Event& e : events) {
    if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
  }
  return out;
}

inline RejectReason RejectOf(const std::vector<Event>& events) {
  if (events.size() == 1) {
    if (const auto* r = std::get_if<RejectedEvent>(&events[0])) return r->reason;
  }
  return RejectReason::kNone;
}

inline OrderId AcceptedId(const std::vector<Event>& events) {
  auto a = OfType<AcceptedEvent>(events);
  return a.empty() ? OrderId{0} : a[0].order_id;
}

}  // namespace sequex::testing

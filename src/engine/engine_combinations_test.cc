// Rules of docs/engine.md met in combination, one test per rule that engine_test.cc and engine_rules_test.cc do not
// cover on their own: fill-or-kill and IOC under self-trade prevention with only the taker's own liquidity, a stop
// that only another triggered stop's trade meets, a triggered market stop inside the band, amends of a partly filled
// order, client_oids across books, cancel-all of waiting stops, an alter under resting orders, and the fees of a
// market buy by notional. The differential test reaches most of them at random; these name them.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_test_util.h"

namespace sequex {
namespace {

using testing::AcceptedId;
using testing::kBtc;
using testing::kBtcUsd;
using testing::kUsd;
using testing::OfType;
using testing::RejectOf;
using testing::Venue;

constexpr int64_t kLot = 1'000'000;  // sats per lot

class CombinationsTest : public testing::FundedVenueTest {};

// PlaceOrder step 14: under CancelTaker and CancelBoth the walk ends at the first order of the taker's self-trade
// set (its own, or its STP group's), so a fill-or-kill that would meet one before enough other liquidity is killed
// and touches nothing, though the liquidity behind would fill it.
TEST_F(CombinationsTest, ShouldKillAFillOrKillThatMeetsItsSelfTradeSetFirstUnderCancelTakerOrBoth) {
  PlaceOrder group_maker = Venue::Limit(2, Side::kSell, 50'000, 2);
  group_maker.stp_group = 9;
  const OrderId grouped = AcceptedId(v.Do(group_maker));
  v.Do(Venue::Limit(3, Side::kSell, 50'010, 5));
  const auto fill_or_kill = [&](PlaceOrder p, StpMode mode, uint32_t group) {
    p.tif = TimeInForce::kFillOrKill;
    p.stp_mode = mode;
    p.stp_group = group;
    return RejectOf(v.Do(p));
  };
  for (StpMode mode : {StpMode::kCancelTaker, StpMode::kCancelBoth}) {
    EXPECT_EQ(fill_or_kill(Venue::Limit(1, Side::kBuy, 50'010, 1), mode, 9), RejectReason::kFillOrKill);
    EXPECT_EQ(fill_or_kill(Venue::Market(1, Side::kBuy, 1), mode, 9), RejectReason::kFillOrKill);
  }
  const OrderId own = AcceptedId(v.Do(Venue::Limit(1, Side::kSell, 49'990, 1)));
  for (StpMode mode : {StpMode::kCancelTaker, StpMode::kCancelBoth}) {
    EXPECT_EQ(fill_or_kill(Venue::Limit(1, Side::kBuy, 50'010, 1), mode, 0), RejectReason::kFillOrKill);
  }
  EXPECT_TRUE(v.engine().FindOrder(AccountId{1}, own).has_value());
  EXPECT_TRUE(v.engine().FindOrder(AccountId{2}, grouped).has_value());
  // Without STP the same order fills (trading with its own ask, as STP none allows).
  EXPECT_EQ(fill_or_kill(Venue::Limit(1, Side::kBuy, 50'010, 1), StpMode::kNone, 0), RejectReason::kNone);
}

// Matching, self-trade prevention: an IOC (or a market order) that meets only its STP group's order under
// CancelBoth cancels that maker first, then ends CANCELED (not EXPIRED), trading nothing and holding nothing.
TEST_F(CombinationsTest, ShouldCancelTheMakerThenTheTakerWhenOnlyItsStpGroupRestsUnderCancelBoth) {
  PlaceOrder maker = Venue::Limit(2, Side::kBuy, 50'000, 3);
  maker.stp_group = 4;
  const OrderId m = AcceptedId(v.Do(maker));
  PlaceOrder taker = Venue::Market(1, Side::kSell, 2);
  taker.stp_mode = StpMode::kCancelBoth;
  taker.stp_group = 4;
  auto ev = v.Do(taker);
  EXPECT_TRUE(OfType<TradeEvent>(ev).empty());
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[0].order_id, m);
  EXPECT_EQ(cancelled[1].reason, CancelReason::kSelfTrade);
  EXPECT_EQ(cancelled[1].remaining, QtyLots{2});
  EXPECT_EQ(OfType<OrderUpdateEvent>(ev).back().status, OrderStatus::kCanceled);
  EXPECT_EQ(v.Bal(1, kBtc).held.value(), 0);
  EXPECT_EQ(v.Bal(2, kUsd).held.value(), 0);
  EXPECT_EQ(v.engine().OpenOrderCount(), 0u);
}

// Stops: a triggered stop executes as a new taker and its trades count too, so a stop that the command's first
// trade did not meet fires when an earlier stop's trade meets it.
TEST_F(CombinationsTest, ShouldFireAStopThatOnlyAnEarlierTriggeredStopsTradeMeets) {
  TradeAt(50'000);
  v.Do(Venue::Limit(2, Side::kBuy, 49'990, 1));
  v.Do(Venue::Limit(2, Side::kBuy, 49'980, 1));
  v.Do(Venue::Limit(2, Side::kBuy, 49'970, 1));
  const OrderId first = AcceptedId(v.Do(Venue::Stop(1, Side::kSell, OrderType::kStopLoss, 49'990, 1)));
  const OrderId second = AcceptedId(v.Do(Venue::Stop(3, Side::kSell, OrderType::kStopLoss, 49'980, 1)));
  auto ev = v.Do(Venue::Market(4, Side::kSell, 1));  // 49,990: meets only the first, which sells at 49,980
  auto triggered = OfType<TriggeredEvent>(ev);
  ASSERT_EQ(triggered.size(), 2u);
  EXPECT_EQ(triggered[0].order_id, first);
  EXPECT_EQ(triggered[0].last_price, PriceTicks{49'990});
  EXPECT_EQ(triggered[1].order_id, second);
  EXPECT_EQ(triggered[1].last_price, PriceTicks{49'980});
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades[1].taker_order, first);
  EXPECT_EQ(trades[2].taker_order, second);
  EXPECT_EQ(trades[2].price, PriceTicks{49'970});
}

// Price band, stops: a triggered market stop trades only within the band around the last price when it fires (the
// trade that met it), and its remainder expires.
TEST_F(CombinationsTest, ShouldTradeATriggeredMarketStopOnlyWithinTheBandAroundThePriceThatTriggeredIt) {
  TradeAt(50'000);
  DefineInstrument def = v.engine().Instrument(kBtcUsd)->definition;
  def.price_band_bps = 2000;  // wide enough to place the bids below; 10% again before the stop fires
  v.Do(def);
  v.Do(Venue::Limit(2, Side::kBuy, 49'000, 1));
  v.Do(Venue::Limit(2, Side::kBuy, 45'000, 1));
  v.Do(Venue::Limit(2, Side::kBuy, 44'999, 1));  // below 50,000's band (45,000 ..), inside 49,000's (44,100 ..)
  v.Do(Venue::Limit(2, Side::kBuy, 44'100, 1));
  v.Do(Venue::Limit(2, Side::kBuy, 44'099, 1));  // below both
  def.price_band_bps = 1000;
  v.Do(def);
  const OrderId stop = AcceptedId(v.Do(Venue::Stop(1, Side::kSell, OrderType::kStopLoss, 49'500, 5)));
  auto ev = v.Do(Venue::Limit(4, Side::kSell, 49'000, 1));
  ASSERT_EQ(OfType<TriggeredEvent>(ev).size(), 1u);
  std::vector<int64_t> stop_prices;
  for (const TradeEvent& t : OfType<TradeEvent>(ev)) {
    if (t.taker_order == stop) stop_prices.push_back(t.price.value());
  }
  EXPECT_EQ(stop_prices, (std::vector<int64_t>{45'000, 44'999, 44'100}));
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, CancelReason::kMarketRemainder);
  EXPECT_EQ(cancelled[0].remaining, QtyLots{2});
  EXPECT_EQ(v.engine().BestBid(kBtcUsd), PriceTicks{44'099});
  EXPECT_EQ(v.Bal(1, kBtc).held.value(), 0);
}

// AmendOrder step 5: the new quantity (filled included) must stay above what has filled; an accepted one holds only
// what its new remainder needs, and an increase re-queues the order behind its level.
TEST_F(CombinationsTest, ShouldAmendAPartlyFilledOrderOnlyAboveItsFilledQuantityAndHoldItsNewRemainder) {
  v.Do(SetFeeTier{0, -100, 400});
  const OrderId bid = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 50'000, 10)));
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 4));
  ASSERT_EQ(v.engine().FindOrder(AccountId{1}, bid)->filled, QtyLots{4});
  const OrderId other = AcceptedId(v.Do(Venue::Limit(3, Side::kBuy, 50'000, 1)));
  for (int64_t qty : {3, 4}) {
    EXPECT_EQ(RejectOf(v.Do(AmendOrder{AccountId{1}, bid, {}, PriceTicks{0}, QtyLots{qty}, {}})),
              RejectReason::kInvalidOrderQty);
  }
  const auto held_for = [](int64_t lots) {
    const int64_t n = lots * 50'000;
    return n + n * 400 / 1'000'000;
  };
  auto ev = v.Do(AmendOrder{AccountId{1}, bid, {}, PriceTicks{0}, QtyLots{5}, {}});  // one lot left, priority kept
  ASSERT_EQ(OfType<AmendedEvent>(ev).size(), 1u);
  EXPECT_TRUE(OfType<AmendedEvent>(ev)[0].kept_priority);
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, bid)->held.value(), held_for(1));
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), held_for(1));
  ev = v.Do(AmendOrder{AccountId{1}, bid, {}, PriceTicks{0}, QtyLots{12}, {}});  // eight left, behind the other
  EXPECT_FALSE(OfType<AmendedEvent>(ev)[0].kept_priority);
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, bid)->held.value(), held_for(8));
  EXPECT_EQ(v.engine().BookOrders(kBtcUsd, Side::kBuy)[0].order_id, other);
}

// client_oid is unique among all of an account's open orders, in every book: placement (204) and an amend's new
// client_oid (204) alike; once the order holding it closes, it is free again.
TEST_F(CombinationsTest, ShouldRejectAClientOidThatAnOpenOrderInAnotherBookHolds) {
  DefineInstrument eth = v.engine().Instrument(kBtcUsd)->definition;
  eth.instrument = InstrumentId{2};
  std::strcpy(eth.symbol, "BTC_USD2");
  v.Do(eth);
  const OrderId held = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1, TimeInForce::kGoodTillCancel, "x")));
  PlaceOrder elsewhere = Venue::Limit(1, Side::kBuy, 49'000, 1, TimeInForce::kGoodTillCancel, "x");
  elsewhere.instrument = eth.instrument;
  EXPECT_EQ(RejectOf(v.Do(elsewhere)), RejectReason::kDuplicateClientOid);
  elsewhere.client_oid.Assign("y");
  const OrderId y = AcceptedId(v.Do(elsewhere));
  AmendOrder rename{AccountId{1}, y, {}, PriceTicks{0}, QtyLots{0}, {}};
  rename.new_client_oid.Assign("x");
  EXPECT_EQ(RejectOf(v.Do(rename)), RejectReason::kDuplicateClientOid);
  v.Do(Venue::Limit(2, Side::kSell, 49'000, 1));  // fills the order holding "x"
  EXPECT_FALSE(v.engine().FindOrder(AccountId{1}, held).has_value());
  EXPECT_EQ(OfType<AmendedEvent>(v.Do(rename)).size(), 1u);
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, y)->client_oid.view(), "x");
}

// CancelAll: waiting stops are open orders like resting ones; both are cancelled in ascending order id and every
// hold goes back.
TEST_F(CombinationsTest, ShouldCancelWaitingStopsWithTheRestingOrdersOnCancelAll) {
  TradeAt(50'000);
  const OrderId a = AcceptedId(v.Do(Venue::Stop(1, Side::kBuy, OrderType::kStopLoss, 50'100, 2)));
  const OrderId b = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1)));
  const OrderId c = AcceptedId(v.Do(Venue::Stop(1, Side::kSell, OrderType::kTakeProfitLimit, 50'200, 1, 50'150)));
  ASSERT_GT(v.Bal(1, kUsd).held.value(), 0);
  auto ev = v.Do(CancelAll{AccountId{1}, kAllInstruments});
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 3u);
  EXPECT_EQ(cancelled[0].order_id, a);
  EXPECT_EQ(cancelled[1].order_id, b);
  EXPECT_EQ(cancelled[2].order_id, c);
  EXPECT_EQ(cancelled[2].reason, CancelReason::kCancelAll);
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
  EXPECT_EQ(v.Bal(1, kBtc).held.value(), 0);
  TradeAt(50'200);  // nothing is left to trigger
  EXPECT_EQ(v.engine().OpenOrderCount(), 0u);
}

// DefineInstrument (alter) under resting orders: they stay as they are; an amend that changes the quantity is
// checked against the new min_qty (315), one that leaves it unchanged is not.
TEST_F(CombinationsTest, ShouldCheckOnlyAChangedQuantityOfARestingOrderAgainstARaisedMinimum) {
  const OrderId bid = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 5)));
  DefineInstrument def = v.engine().Instrument(kBtcUsd)->definition;
  def.min_qty = QtyLots{10};
  v.Do(def);
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, bid)->qty, QtyLots{5});
  EXPECT_EQ(RejectOf(v.Do(AmendOrder{AccountId{1}, bid, {}, PriceTicks{0}, QtyLots{4}, {}})),
            RejectReason::kBelowMinQuantity);
  EXPECT_EQ(OfType<AmendedEvent>(v.Do(AmendOrder{AccountId{1}, bid, {}, PriceTicks{49'100}, QtyLots{0}, {}})).size(),
            1u);
  EXPECT_EQ(OfType<TradeEvent>(v.Do(Venue::Market(2, Side::kSell, 10))).size(), 1u);
}

// Holds and fees, by notional: the order holds its budget plus the worst-case fee on it; each trade costs its
// notional plus the taker fee (rounded down), whatever a rebate gives the maker; what is left goes back.
TEST_F(CombinationsTest, ShouldHoldABudgetAndItsFeeForAMarketBuyByNotionalAndChargeOnlyWhatItTraded) {
  v.Do(SetFeeTier{0, -300, 777});
  v.Do(Venue::Limit(2, Side::kSell, 50'001, 1));
  v.Do(Venue::Limit(2, Side::kSell, 50'003, 2));
  PlaceOrder p = Venue::Market(1, Side::kBuy, 0);
  p.notional = Amount{150'006};  // two lots at 50,003 would cost 100,006: the budget stops after the first
  auto ev = v.Do(p);
  EXPECT_EQ(OfType<BalanceEvent>(ev)[0].held.value(), 150'006 + 150'006 * 777 / 1'000'000);
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].qty, QtyLots{1});
  EXPECT_EQ(trades[1].qty, QtyLots{1});  // 100,005 left buys one lot at 50,003, not two
  int64_t paid = 0;
  for (const TradeEvent& t : trades) {
    EXPECT_EQ(t.taker_fee.value(), t.notional.value() * 777 / 1'000'000);
    EXPECT_EQ(t.maker_fee.value(), -(t.notional.value() * 300 / 1'000'000));
    paid += t.notional.value() + t.taker_fee.value();
  }
  EXPECT_EQ(OfType<OrderUpdateEvent>(ev).back().status, OrderStatus::kFilled);
  EXPECT_EQ(v.Bal(1, kUsd).available.value(), 100'000'000 - paid);
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
  EXPECT_EQ(v.Bal(1, kBtc).available.value(), int64_t{100} * 100'000'000 + 2 * kLot);
}

}  // namespace
}  // namespace sequex

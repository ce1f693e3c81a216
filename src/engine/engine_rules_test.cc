// One test per rule of docs/engine.md that engine_test.cc does not cover: stops, self-trade prevention, amend,
// market orders, fees and rebates, price band, instrument statuses, cancel-all, wallet commands.
#include <gtest/gtest.h>

#include <memory>
#include <string>
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

class RulesTest : public testing::FundedVenueTest {
 protected:
  // The engine loaded from v's snapshot, checked to have v's StateHash and to save the same bytes; null if it did
  // not load.
  std::unique_ptr<Engine> Restored() {
    const std::string bytes = v.engine().SaveSnapshot();
    std::string error;
    std::unique_ptr<Engine> restored = Engine::LoadSnapshot(bytes, EngineConfig{}, &error);
    EXPECT_NE(restored, nullptr) << error;
    if (restored != nullptr) {
      EXPECT_EQ(restored->StateHash(), v.engine().StateHash());
      EXPECT_EQ(restored->SaveSnapshot(), bytes);
    }
    return restored;
  }
};

TEST_F(RulesTest, ShouldTriggerABuyStopWhenTheLastPriceRisesToIt) {
  v.Do(Venue::Limit(2, Side::kSell, 50'100, 5));
  const OrderId stop = AcceptedId(v.Do(Venue::Stop(1, Side::kBuy, OrderType::kStopLimit, 50'050, 2, 50'100)));
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, stop)->status, OrderStatus::kNew);
  TradeAt(50'040);
  EXPECT_TRUE(v.engine().FindOrder(AccountId{1}, stop).has_value());
  v.Do(Venue::Limit(3, Side::kSell, 50'060, 1));
  auto ev = v.Do(Venue::Limit(4, Side::kBuy, 50'060, 1));
  auto triggered = OfType<TriggeredEvent>(ev);
  ASSERT_EQ(triggered.size(), 1u);
  EXPECT_EQ(triggered[0].order_id, stop);
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 2u);  // the trade that triggered, then the stop's own fill
  EXPECT_EQ(trades[1].taker_order, stop);
  EXPECT_EQ(trades[1].price, PriceTicks{50'100});
}

TEST_F(RulesTest, ShouldRejectAStopThatWouldTriggerAtOnce) {
  TradeAt(50'000);
  EXPECT_EQ(RejectOf(v.Do(Venue::Stop(1, Side::kBuy, OrderType::kStopLimit, 49'900, 1, 50'000))),
            RejectReason::kInvalidRefPrice);
  EXPECT_EQ(RejectOf(v.Do(Venue::Stop(1, Side::kSell, OrderType::kTakeProfit, 49'900, 1))),
            RejectReason::kInvalidRefPrice);
}

TEST_F(RulesTest, ShouldTriggerCascadingStopsLowestOrderIdFirst) {
  TradeAt(50'000);
  const OrderId a = AcceptedId(v.Do(Venue::Stop(1, Side::kSell, OrderType::kStopLoss, 49'990, 1)));
  const OrderId b = AcceptedId(v.Do(Venue::Stop(2, Side::kSell, OrderType::kStopLoss, 49'995, 1)));
  v.Do(Venue::Limit(4, Side::kBuy, 49'980, 5));
  auto ev = v.Do(Venue::Limit(3, Side::kSell, 49'980, 1));  // last 49,980 meets both triggers
  auto triggered = OfType<TriggeredEvent>(ev);
  ASSERT_EQ(triggered.size(), 2u);
  EXPECT_EQ(triggered[0].order_id, a);
  EXPECT_EQ(triggered[1].order_id, b);
}

// Every trade of a command can trigger a stop, not only its last: a sell that sweeps the bids prints the stop's
// trigger on its way down, and a market that printed there has met the stop.
TEST_F(RulesTest, ShouldTriggerAStopThatATradeMetThoughTheCommandEndsAtAPriceThatDoesNot) {
  TradeAt(50'000);
  const OrderId stop = AcceptedId(v.Do(Venue::Stop(1, Side::kBuy, OrderType::kStopLimit, 50'020, 1, 50'030)));
  v.Do(Venue::Limit(4, Side::kBuy, 50'020, 1));
  v.Do(Venue::Limit(4, Side::kBuy, 49'990, 1));
  auto ev = v.Do(Venue::Limit(3, Side::kSell, 49'990, 2));  // trades at 50,020, then at 49,990
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[1].price, PriceTicks{49'990});
  auto triggered = OfType<TriggeredEvent>(ev);
  ASSERT_EQ(triggered.size(), 1u);
  EXPECT_EQ(triggered[0].order_id, stop);
  EXPECT_EQ(triggered[0].last_price, PriceTicks{50'020});                             // the trade that met it
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, stop)->status, OrderStatus::kActive);  // rests at 50,030, no ask
}

// A triggered STOP_LIMIT that does not fill rests as ACTIVE with its stop type, and a snapshot keeps it.
TEST_F(RulesTest, ShouldSnapshotATriggeredStopLimitThatRestsOnTheBook) {
  TradeAt(50'000);
  const OrderId stop = AcceptedId(v.Do(Venue::Stop(1, Side::kBuy, OrderType::kStopLimit, 50'010, 5, 50'020)));
  TradeAt(50'010);
  ASSERT_EQ(v.engine().FindOrder(AccountId{1}, stop)->status, OrderStatus::kActive);
  const std::unique_ptr<Engine> restored = Restored();
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(restored->BookOrders(kBtcUsd, Side::kBuy)[0].order_id, stop);
}

// Only trades after a stop was placed can meet it: earlier commands' prices, above its trigger, do not count.
TEST_F(RulesTest, ShouldNotTriggerAStopByTradesBeforeItWasPlaced) {
  TradeAt(50'100);
  TradeAt(50'000);
  const OrderId stop = AcceptedId(v.Do(Venue::Stop(1, Side::kBuy, OrderType::kStopLimit, 50'050, 1, 50'060)));
  auto ev = v.Do(Venue::Limit(3, Side::kSell, 50'000, 1));
  ev = v.Do(Venue::Limit(4, Side::kBuy, 50'000, 1));  // a trade at 50,000, below its trigger
  EXPECT_TRUE(OfType<TriggeredEvent>(ev).empty());
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, stop)->status, OrderStatus::kNew);
  TradeAt(50'050);
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, stop)->status, OrderStatus::kActive);
}

// So a stop met when a cascade begins fires even if an older stop's trade moves the price back before its turn.
TEST_F(RulesTest, ShouldFireEveryStopTheCommandsTradesMetEvenAfterTheCascadeMovesThePriceBack) {
  TradeAt(50'000);
  v.Do(Venue::Limit(3, Side::kSell, 50'020, 1));
  const OrderId x = AcceptedId(v.Do(Venue::Stop(1, Side::kBuy, OrderType::kTakeProfitLimit, 49'990, 1, 50'020)));
  const OrderId y = AcceptedId(v.Do(Venue::Stop(2, Side::kSell, OrderType::kStopLoss, 49'985, 1)));
  v.Do(Venue::Limit(4, Side::kBuy, 49'980, 1));
  v.Do(Venue::Limit(4, Side::kBuy, 49'970, 1));
  auto ev = v.Do(Venue::Limit(3, Side::kSell, 49'980, 1));  // meets both; x (older) buys at 50,020 first
  auto triggered = OfType<TriggeredEvent>(ev);
  ASSERT_EQ(triggered.size(), 2u);
  EXPECT_EQ(triggered[0].order_id, x);
  EXPECT_EQ(triggered[1].order_id, y);
  EXPECT_EQ(triggered[1].last_price, PriceTicks{49'980});
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades[2].price, PriceTicks{49'970});  // y sold at market into the bid that was left
  EXPECT_FALSE(v.engine().FindOrder(AccountId{2}, y).has_value());
}

// Thousands of stops at one trigger (and as many cancelled among them) fire in one command, oldest first.
// The default venue rule: 10,000 open orders per account, resting and waiting stops alike. It bounds what one
// account can ask the server to list at once (private/get-open-orders, the user.order snapshot).
TEST_F(RulesTest, ShouldRejectAnOrderPastTenThousandOpenOrdersOfOneAccountAndChangeNothing) {
  ASSERT_EQ(EngineConfig{}.max_open_orders_per_account, 10'000u);
  TradeAt(50'000);
  v.Fund(5, int64_t{1} << 40, int64_t{1} << 40);
  std::vector<OrderId> open;
  for (uint32_t k = 0; k < 10'000; ++k) {
    const PlaceOrder p = k % 10 == 0 ? Venue::Stop(5, Side::kSell, OrderType::kStopLimit, 49'990, 1, 49'990)
                                     : Venue::Limit(5, Side::kBuy, 49'000 + static_cast<int64_t>(k % 900), 1);
    open.push_back(AcceptedId(v.Do(p)));
    ASSERT_NE(open.back(), OrderId{0}) << "order " << k;
  }
  const uint64_t before = v.engine().StateHash();
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(5, Side::kBuy, 49'000, 1))), RejectReason::kTooManyOpenOrders);
  EXPECT_EQ(RejectOf(v.Do(Venue::Stop(5, Side::kSell, OrderType::kStopLoss, 49'990, 1))),
            RejectReason::kTooManyOpenOrders);
  EXPECT_EQ(v.engine().StateHash(), before);
  AcceptedId(v.Do(Venue::Limit(2, Side::kBuy, 49'000, 1)));  // another account is not limited by it
  CancelOrder cancel;
  cancel.account = AccountId{5};
  cancel.order_id = open.back();
  v.Do(cancel);
  AcceptedId(v.Do(Venue::Limit(5, Side::kBuy, 49'000, 1)));  // a cancel frees a place
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(5, Side::kBuy, 49'000, 1))), RejectReason::kTooManyOpenOrders);
}

TEST_F(RulesTest, ShouldTriggerThousandsOfStopsAtOnePriceOldestFirst) {
  TradeAt(50'000);
  std::vector<OrderId> waiting;
  for (uint32_t k = 0; k < 4'000; ++k) {
    const OrderId id = AcceptedId(v.Do(Venue::Stop(1 + k % 2, Side::kSell, OrderType::kStopLimit, 49'990, 1, 51'000)));
    if (k % 2 == 0) {
      waiting.push_back(id);
    } else {
      CancelOrder cancel;
      cancel.account = AccountId{2};
      cancel.order_id = id;
      v.Do(cancel);
    }
  }
  // A snapshot keeps them: same hash, same bytes once loaded and saved again.
  ASSERT_NE(Restored(), nullptr);
  v.Do(Venue::Limit(4, Side::kBuy, 49'980, 1));
  auto triggered = OfType<TriggeredEvent>(v.Do(Venue::Limit(3, Side::kSell, 49'980, 1)));
  ASSERT_EQ(triggered.size(), waiting.size());
  for (size_t k = 0; k < waiting.size(); ++k) ASSERT_EQ(triggered[k].order_id, waiting[k]) << k;
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, waiting.back())->status, OrderStatus::kActive);
}

TEST_F(RulesTest, ShouldCancelTheMakerUnderStpCancelMakerAndKeepMatching) {
  const OrderId own = AcceptedId(v.Do(Venue::Limit(1, Side::kSell, 50'000, 1)));
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  auto p = Venue::Limit(1, Side::kBuy, 50'000, 1);
  p.stp_mode = StpMode::kCancelMaker;
  auto ev = v.Do(p);
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].order_id, own);
  EXPECT_EQ(cancelled[0].reason, CancelReason::kSelfTrade);
  ASSERT_EQ(OfType<TradeEvent>(ev).size(), 1u);
  EXPECT_EQ(OfType<TradeEvent>(ev)[0].maker_account, AccountId{2});
}

TEST_F(RulesTest, ShouldCancelTheTakerUnderStpCancelTakerAndLeaveTheMaker) {
  const OrderId own = AcceptedId(v.Do(Venue::Limit(1, Side::kSell, 50'000, 1)));
  auto p = Venue::Limit(1, Side::kBuy, 50'000, 1);
  p.stp_mode = StpMode::kCancelTaker;
  auto ev = v.Do(p);
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_NE(cancelled[0].order_id, own);
  EXPECT_TRUE(v.engine().FindOrder(AccountId{1}, own).has_value());
  EXPECT_TRUE(OfType<TradeEvent>(ev).empty());
}

TEST_F(RulesTest, ShouldPreventSelfTradesAcrossAccountsOfOneStpGroup) {
  auto maker = Venue::Limit(2, Side::kSell, 50'000, 1);
  maker.stp_group = 7;
  const OrderId m = AcceptedId(v.Do(maker));
  auto taker = Venue::Limit(1, Side::kBuy, 50'000, 1);
  taker.stp_group = 7;
  taker.stp_mode = StpMode::kCancelBoth;
  auto ev = v.Do(taker);
  EXPECT_EQ(OfType<CancelledEvent>(ev).size(), 2u);
  EXPECT_FALSE(v.engine().FindOrder(AccountId{2}, m).has_value());
}

// A market buy by quantity is capped at the last ask level its walk needed. Under CancelMaker its own asks are
// cancelled, not traded, so the walk must not count them: counted, they set the cap at their level and the order
// never reached the liquidity behind them (and a fill-or-kill that passed its check then filled only in part).
TEST_F(RulesTest, ShouldReachTheAsksBehindItsOwnUnderStpCancelMakerWithAMarketBuy) {
  const OrderId own = AcceptedId(v.Do(Venue::Limit(1, Side::kSell, 50'000, 5)));
  v.Do(Venue::Limit(2, Side::kSell, 50'100, 5));
  PlaceOrder p = Venue::Market(1, Side::kBuy, 5);
  p.stp_mode = StpMode::kCancelMaker;
  auto ev = v.Do(p);
  EXPECT_EQ(OfType<BalanceEvent>(ev)[0].held.value(), 5 * 50'100);  // held for the lots behind its own
  ASSERT_EQ(OfType<CancelledEvent>(ev).size(), 1u);
  EXPECT_EQ(OfType<CancelledEvent>(ev)[0].order_id, own);
  ASSERT_EQ(OfType<TradeEvent>(ev).size(), 1u);
  EXPECT_EQ(OfType<TradeEvent>(ev)[0].qty, QtyLots{5});
  EXPECT_EQ(OfType<OrderUpdateEvent>(ev).back().status, OrderStatus::kFilled);
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
}

TEST_F(RulesTest, ShouldFillAFillOrKillMarketBuyWholeUnderStpCancelMaker) {
  v.Do(Venue::Limit(1, Side::kSell, 50'000, 1));  // its own, at the best price
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  v.Do(Venue::Limit(2, Side::kSell, 50'100, 1));
  PlaceOrder p = Venue::Market(1, Side::kBuy, 2);
  p.tif = TimeInForce::kFillOrKill;
  p.stp_mode = StpMode::kCancelMaker;
  auto ev = v.Do(p);
  EXPECT_EQ(OfType<TradeEvent>(ev).size(), 2u);
  EXPECT_EQ(OfType<OrderUpdateEvent>(ev).back().status, OrderStatus::kFilled);
  EXPECT_EQ(OfType<OrderUpdateEvent>(ev).back().filled, QtyLots{2});
}

// Under CancelTaker and CancelBoth the taker stops at its own order, so its cap must still reach that order.
TEST_F(RulesTest, ShouldStopAMarketBuyAtItsOwnAskUnderStpCancelBoth) {
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  const OrderId own = AcceptedId(v.Do(Venue::Limit(1, Side::kSell, 50'100, 1)));
  v.Do(Venue::Limit(2, Side::kSell, 50'200, 1));
  PlaceOrder p = Venue::Market(1, Side::kBuy, 3);
  p.stp_mode = StpMode::kCancelBoth;
  auto ev = v.Do(p);
  ASSERT_EQ(OfType<TradeEvent>(ev).size(), 1u);
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[0].order_id, own);
  EXPECT_EQ(cancelled[1].reason, CancelReason::kSelfTrade);
  EXPECT_EQ(OfType<OrderUpdateEvent>(ev).back().status, OrderStatus::kCanceled);
  EXPECT_EQ(v.engine().BookOrders(kBtcUsd, Side::kSell).size(), 1u);  // the ask behind its own is untouched
}

TEST_F(RulesTest, ShouldKeepPriorityOnlyWhenQuantityGoesDownAtTheSamePrice) {
  const OrderId first = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 5)));
  const OrderId second = AcceptedId(v.Do(Venue::Limit(2, Side::kBuy, 49'000, 5)));
  auto ev = v.Do(AmendOrder{AccountId{1}, first, {}, PriceTicks{0}, QtyLots{3}, {}});
  ASSERT_EQ(OfType<AmendedEvent>(ev).size(), 1u);
  EXPECT_TRUE(OfType<AmendedEvent>(ev)[0].kept_priority);
  EXPECT_EQ(v.engine().BookOrders(kBtcUsd, Side::kBuy)[0].order_id, first);
  v.Do(AmendOrder{AccountId{1}, first, {}, PriceTicks{0}, QtyLots{4}, {}});  // up: back of the queue
  EXPECT_EQ(v.engine().BookOrders(kBtcUsd, Side::kBuy)[0].order_id, second);
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 4 * 49'000);
}

TEST_F(RulesTest, ShouldMatchAnAmendThatCrossesAndRejectOneThatWouldCrossPostOnly) {
  v.Do(Venue::Limit(2, Side::kSell, 50'010, 1));
  auto po = Venue::Limit(1, Side::kBuy, 50'000, 1);
  po.flags = kOrderFlagPostOnly;
  const OrderId p = AcceptedId(v.Do(po));
  EXPECT_EQ(RejectOf(v.Do(AmendOrder{AccountId{1}, p, {}, PriceTicks{50'010}, QtyLots{0}, {}})),
            RejectReason::kPostOnlyWouldCross);
  const OrderId plain = AcceptedId(v.Do(Venue::Limit(3, Side::kBuy, 50'000, 2)));
  auto ev = v.Do(AmendOrder{AccountId{3}, plain, {}, PriceTicks{50'010}, QtyLots{0}, {}});
  ASSERT_EQ(OfType<TradeEvent>(ev).size(), 1u);
  EXPECT_EQ(v.engine().FindOrder(AccountId{3}, plain)->filled, QtyLots{1});
}

TEST_F(RulesTest, ShouldHoldAMarketBuyByQuantityAtTheWorstWalkedPrice) {
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  v.Do(Venue::Limit(2, Side::kSell, 50'100, 1));
  auto ev = v.Do(Venue::Market(1, Side::kBuy, 2));
  // The Balance right after Accepted shows the hold: 2 lots at the worst walked price.
  auto balances = OfType<BalanceEvent>(ev);
  ASSERT_FALSE(balances.empty());
  EXPECT_EQ(balances[0].held.value(), 2 * 50'100);
  EXPECT_EQ(OfType<TradeEvent>(ev).size(), 2u);
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
}

TEST_F(RulesTest, ShouldNeverTradeAMarketOrderOutsideTheBand) {
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  v.Do(Venue::Limit(2, Side::kSell, 55'000, 1));  // the band is 45,000..55,000 around 50,000
  TradeAt(50'000);                                // now the reference is 50,000 again
  v.Do(Venue::Limit(2, Side::kSell, 55'001 - 1, 1));
  auto ev = v.Do(Venue::Market(1, Side::kBuy, 5));
  for (const TradeEvent& t : OfType<TradeEvent>(ev)) EXPECT_LE(t.price.value(), 55'000);
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, CancelReason::kMarketRemainder);
}

TEST_F(RulesTest, ShouldRejectLimitPricesOutsideTheBand) {
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 55'001, 1))), RejectReason::kPriceAboveBand);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kSell, 44'999, 1))), RejectReason::kPriceBelowBand);
}

TEST_F(RulesTest, ShouldSpendAMarketBuyByNotionalInWholeLots) {
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 10));
  PlaceOrder p = Venue::Market(1, Side::kBuy, 0);
  p.notional = Amount{125'000};  // 2.5 lots' worth
  auto ev = v.Do(p);
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].qty, QtyLots{2});
  auto updates = OfType<OrderUpdateEvent>(ev);
  EXPECT_EQ(updates.back().status, OrderStatus::kFilled);
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
}

// FILLED says the budget went as far as whole lots allow. An order that bought nothing expires, and one that spent
// its whole budget is filled whether or not more asks rest behind.
TEST_F(RulesTest, ShouldFillAMarketBuyByNotionalOnlyWhenItsBudgetWentAsFarAsLotsAllow) {
  const auto buy = [&](int64_t budget) {
    PlaceOrder p = Venue::Market(1, Side::kBuy, 0);
    p.notional = Amount{budget};
    return OfType<OrderUpdateEvent>(v.Do(p)).back();
  };
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  OrderUpdateEvent u = buy(49'999);  // cannot buy the one lot there is
  EXPECT_EQ(u.status, OrderStatus::kExpired);
  EXPECT_EQ(u.filled, QtyLots{0});
  u = buy(50'000);  // buys it with the whole budget, and nothing rests behind it
  EXPECT_EQ(u.status, OrderStatus::kFilled);
  EXPECT_EQ(u.cum_notional, Amount{50'000});
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  u = buy(80'000);  // buys one lot; nothing is left to buy with the other 30,000
  EXPECT_EQ(u.status, OrderStatus::kExpired);
  EXPECT_EQ(u.filled, QtyLots{1});
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  v.Do(Venue::Limit(2, Side::kSell, 50'100, 1));
  u = buy(80'000);  // buys one lot; 30,000 cannot buy the next at 50,100
  EXPECT_EQ(u.status, OrderStatus::kFilled);
  EXPECT_EQ(u.filled, QtyLots{1});
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
}

TEST_F(RulesTest, ShouldChargeFeesPayRebatesAndConserveEveryAsset) {
  v.Do(SetFeeTier{0, -100, 500});  // maker rebate 1 bp, taker 5 bp
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 100));
  auto ev = v.Do(Venue::Limit(1, Side::kBuy, 50'000, 100));
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 1u);
  const int64_t notional = int64_t{100} * 50'000;
  EXPECT_EQ(trades[0].taker_fee.value(), notional * 500 / 1'000'000);
  EXPECT_EQ(trades[0].maker_fee.value(), -(notional * 100 / 1'000'000));
  EXPECT_EQ(v.Bal(0, kUsd).available.value(), trades[0].taker_fee.value() + trades[0].maker_fee.value());
  EXPECT_EQ(v.Bal(1, kUsd).available.value(), 100'000'000 - notional - trades[0].taker_fee.value());
  EXPECT_EQ(v.Bal(2, kUsd).available.value(), 100'000'000 + notional - trades[0].maker_fee.value());
  // Audit (run by Venue after every command) checks conservation; check it here explicitly too.
  int64_t total = 0;
  for (uint32_t a = 0; a <= 4; ++a) total += v.Bal(a, kUsd).available.value() + v.Bal(a, kUsd).held.value();
  EXPECT_EQ(total, v.engine().NetDeposits(kUsd).value());
}

// An account's list for a book remembers where its base and quote balances are; an account that did not hold one
// of them when the list opened gets it from a trade, then trades it away through the remembered position. Both
// accounts hold many other assets, so BTC and USD live in the spilled, table-indexed part of their wallets.
TEST(ListedBalanceTest, ShouldSettleIntoABalanceAnAccountFirstGainsByTradingAndSpendItLater) {
  Venue v;
  v.Setup();
  for (uint16_t a = 10; a < 30; ++a) {
    DefineAsset d{AssetId{a}, 2, {}};
    d.code[0] = 'X';
    d.code[1] = static_cast<char>('A' + (a - 10));
    v.Do(d);
    v.Do(Deposit{AccountId{7}, AssetId{a}, Amount{1}});
    v.Do(Deposit{AccountId{8}, AssetId{a}, Amount{1}});
  }
  v.Fund(7, 1'000'000, 0);  // USD only
  v.Fund(8, 0, 10 * kLot);  // BTC only
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(8, Side::kBuy, 100, 1))), RejectReason::kInsufficientBalance);
  AcceptedId(v.Do(Venue::Limit(7, Side::kBuy, 100, 5)));  // 7's list opens without a BTC balance
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(7, Side::kSell, 100, 1))), RejectReason::kInsufficientBalance);
  ASSERT_EQ(OfType<TradeEvent>(v.Do(Venue::Limit(8, Side::kSell, 100, 5))).size(), 1u);
  EXPECT_EQ(v.Bal(7, kBtc).available.value(), 5 * kLot);
  EXPECT_EQ(v.Bal(8, kUsd).available.value(), 500);
  // Back again, each through the position its list learnt from the trade.
  AcceptedId(v.Do(Venue::Limit(7, Side::kSell, 100, 5)));
  ASSERT_EQ(OfType<TradeEvent>(v.Do(Venue::Limit(8, Side::kBuy, 100, 5))).size(), 1u);
  EXPECT_EQ(v.Bal(7, kUsd).available.value(), 1'000'000);
  EXPECT_EQ(v.Bal(7, kBtc).available.value(), 0);
  EXPECT_EQ(v.Bal(8, kBtc).available.value(), 10 * kLot);
  EXPECT_EQ(v.Bal(8, kUsd).available.value(), 0);
  for (uint32_t a : {7u, 8u}) {
    EXPECT_EQ(v.Bal(a, kUsd).held.value(), 0);
    EXPECT_EQ(v.Bal(a, kBtc).held.value(), 0);
    EXPECT_EQ(v.Bal(a, AssetId{29}).available.value(), 1);
  }
  // A restored engine rebuilds the lists (and what they remember) and behaves the same.
  std::string error;
  const auto restored = Engine::LoadSnapshot(v.engine().SaveSnapshot(), EngineConfig{}, &error);
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_EQ(restored->StateHash(), v.engine().StateHash());
}

TEST_F(RulesTest, ShouldCapARebateAtTheTakerFeeOfTheSameTrade) {
  EXPECT_EQ(RejectOf(v.Do(SetFeeTier{16, 0, 0})), RejectReason::kInvalidArgument);
  EXPECT_EQ(RejectOf(v.Do(SetFeeTier{0, 0, -1})), RejectReason::kInvalidArgument);
  v.Do(SetFeeTier{0, -600, 500});  // maker 2 (tier 0) is promised 6 bp, taker 1 pays 1 bp (tier 1)
  v.Do(SetFeeTier{1, 0, 100});
  v.Do(SetAccountFeeTier{AccountId{1}, 1});
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 100));
  auto trades = OfType<TradeEvent>(v.Do(Venue::Limit(1, Side::kBuy, 50'000, 100)));
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].taker_fee.value(), 500);
  EXPECT_EQ(trades[0].maker_fee.value(), -500);
  EXPECT_EQ(v.Bal(0, kUsd).available.value(), 0);
}

// The server reports each order's rates (and an account's tier) from these queries: an order keeps the rates of
// its account's tier when it was placed, whatever the tier or the account's place on it becomes.
TEST_F(RulesTest, ShouldReportTheRatesAnOrderWasPlacedWithAndTheAccountsTier) {
  v.Do(SetFeeTier{0, 250, 500});
  v.Do(SetFeeTier{1, -100, 200});
  EXPECT_EQ(v.engine().AccountFeeTier(AccountId{1}), std::optional<uint8_t>(0));
  EXPECT_EQ(v.engine().AccountFeeTier(AccountId{999}), std::nullopt);
  const OrderId on_tier0 = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1)));
  const OrderId stop = AcceptedId(v.Do(Venue::Stop(1, Side::kSell, OrderType::kStopLoss, 48'000, 1)));
  v.Do(SetAccountFeeTier{AccountId{1}, 1});
  EXPECT_EQ(v.engine().AccountFeeTier(AccountId{1}), std::optional<uint8_t>(1));
  const OrderId on_tier1 = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1)));
  v.Do(SetFeeTier{1, 0, 300});
  v.Do(SetFeeTier{0, 0, 0});
  const auto rates = [&](OrderId id) {
    const std::optional<OrderView> o = v.engine().FindOrder(AccountId{1}, id);
    return o ? std::pair(o->maker_ppm, o->taker_ppm) : std::pair(-1, -1);
  };
  EXPECT_EQ(rates(on_tier0), std::pair(250, 500));
  EXPECT_EQ(rates(stop), std::pair(250, 500));
  EXPECT_EQ(rates(on_tier1), std::pair(-100, 200));
  ASSERT_EQ(v.engine().OpenOrders(AccountId{1}).size(), 3u);
  EXPECT_EQ(v.engine().OpenOrders(AccountId{1})[2].maker_ppm, -100);
}

TEST_F(RulesTest, ShouldCancelEverythingOnHaltAndRefuseNewOrders) {
  v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1));
  v.Do(Venue::Stop(2, Side::kSell, OrderType::kStopLoss, 48'000, 1));
  auto ev = v.Do(SetInstrumentStatus{kBtcUsd, InstrumentStatus::kHalted});
  EXPECT_EQ(OfType<CancelledEvent>(ev).size(), 2u);
  EXPECT_EQ(v.engine().OpenOrderCount(), 0u);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1))), RejectReason::kInstrumentNotTradable);
  v.Do(SetInstrumentStatus{kBtcUsd, InstrumentStatus::kTrading});
  EXPECT_NE(AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1))), OrderId{0});
}

TEST_F(RulesTest, ShouldAllowOnlyCancelsAndReductionsWhenCancelOnly) {
  const OrderId o = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 5)));
  v.Do(SetInstrumentStatus{kBtcUsd, InstrumentStatus::kCancelOnly});
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1))), RejectReason::kInstrumentNotTradable);
  EXPECT_EQ(RejectOf(v.Do(AmendOrder{AccountId{1}, o, {}, PriceTicks{49'001}, QtyLots{0}, {}})),
            RejectReason::kInstrumentNotTradable);
  EXPECT_EQ(OfType<AmendedEvent>(v.Do(AmendOrder{AccountId{1}, o, {}, PriceTicks{0}, QtyLots{4}, {}})).size(), 1u);
  EXPECT_EQ(OfType<CancelledEvent>(v.Do(CancelOrder{AccountId{1}, o, {}})).size(), 1u);
}

TEST_F(RulesTest, ShouldAcceptOnlyPostOnlyLimitsInPostOnlyStatus) {
  v.Do(SetInstrumentStatus{kBtcUsd, InstrumentStatus::kPostOnly});
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1))), RejectReason::kInstrumentNotTradable);
  auto p = Venue::Limit(1, Side::kBuy, 49'000, 1);
  p.flags = kOrderFlagPostOnly;
  EXPECT_NE(AcceptedId(v.Do(p)), OrderId{0});
}

TEST_F(RulesTest, ShouldCancelAllOfAnAccountInOneBookInOrderIdOrder) {
  const OrderId a = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1)));
  const OrderId b = AcceptedId(v.Do(Venue::Limit(1, Side::kSell, 51'000, 1)));
  v.Do(Venue::Limit(2, Side::kBuy, 49'000, 1));
  auto ev = v.Do(CancelAll{AccountId{1}, kBtcUsd});
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[0].order_id, a);
  EXPECT_EQ(cancelled[1].order_id, b);
  EXPECT_EQ(v.engine().OpenOrderCount(), 1u);
}

TEST_F(RulesTest, ShouldNeverWithdrawMoreThanAvailable) {
  v.Do(Venue::Limit(1, Side::kBuy, 50'000, 10));  // holds 500,000 cents
  const int64_t available = v.Bal(1, kUsd).available.value();
  EXPECT_EQ(RejectOf(v.Do(Withdraw{AccountId{1}, kUsd, Amount{available + 1}})), RejectReason::kInsufficientBalance);
  EXPECT_EQ(RejectOf(v.Do(Withdraw{AccountId{1}, kUsd, Amount{-5}})), RejectReason::kInvalidArgument);
  v.Do(Withdraw{AccountId{1}, kUsd, Amount{available}});
  EXPECT_EQ(v.Bal(1, kUsd).available.value(), 0);
  EXPECT_EQ(RejectOf(v.Do(Deposit{AccountId{1}, kUsd, Amount{int64_t{1} << 62}})), RejectReason::kExceedsMaxBalance);
}

TEST_F(RulesTest, ShouldAllowAlteringOnlyTheMutableFieldsOfAnInstrument) {
  auto def = v.engine().Instrument(kBtcUsd)->definition;
  def.tick_size = Amount{200};
  EXPECT_EQ(RejectOf(v.Do(def)), RejectReason::kInvalidArgument);
  def = v.engine().Instrument(kBtcUsd)->definition;
  def.min_qty = QtyLots{3};
  v.Do(def);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 49'000, 2))), RejectReason::kBelowMinQuantity);
}

TEST_F(RulesTest, ShouldProduceTheSameStateHashForTheSameCommands) {
  Venue other;
  other.Setup(1000, 50'000);
  for (uint32_t a = 1; a <= 4; ++a) other.Fund(a, 100'000'000, int64_t{100} * 100'000'000);
  for (Venue* x : {&v, &other}) {
    x->Do(Venue::Limit(1, Side::kBuy, 49'000, 3));
    x->Do(Venue::Limit(2, Side::kSell, 49'000, 1));
  }
  EXPECT_EQ(v.engine().StateHash(), other.engine().StateHash());
  v.Do(Venue::Limit(1, Side::kBuy, 49'000, 1));
  EXPECT_NE(v.engine().StateHash(), other.engine().StateHash());
}

// A protected stop buy's cap is trigger + band: with a trigger near the price limit it would pass the limit, and no
// engine, its snapshot loader included, keeps such a price.
TEST(LimitsTest, ShouldRejectAStopBuyWhoseProtectionPriceWouldPassThePriceLimit) {
  Venue v;
  v.Setup(/*band_bps=*/10'000);
  v.Fund(1, int64_t{1} << 61, 0);
  PlaceOrder p = Venue::Market(1, Side::kBuy, 1);
  p.type = OrderType::kStopLoss;
  p.trigger_price = PriceTicks{kMaxPriceTicks / 2};  // protection = 2 x trigger = the limit
  EXPECT_EQ(RejectOf(v.Do(p)), RejectReason::kInvalidRefPrice);
  p.trigger_price = PriceTicks{kMaxPriceTicks / 2 - 1};
  AcceptedId(v.Do(p));
  std::string error;
  EXPECT_NE(Engine::LoadSnapshot(v.engine().SaveSnapshot(), EngineConfig{}, &error), nullptr) << error;
}

// An amend can let an order trade again, so without a bound its cum_notional could grow past any limit: 314 when
// what it has traded plus what its new remainder can trade at its new price reaches 2^62.
TEST(LimitsTest, ShouldRejectAnAmendThatWouldLetAnOrdersTradedNotionalReachTheAmountLimit) {
  Venue v;
  v.Setup();  // one tick x one lot = 1 cent
  constexpr int64_t kFilled = int64_t{1} << 21;
  constexpr int64_t kBid = int64_t{1} << 40;
  v.Fund(1, kBid * kFilled, 0);  // 2^61 cents
  v.Fund(2, 0, (kFilled * 5) * kLot);
  v.Do(Venue::Limit(1, Side::kBuy, kBid, kFilled));
  const OrderId sell = AcceptedId(v.Do(Venue::Limit(2, Side::kSell, 1, kFilled + 1)));
  ASSERT_EQ(v.engine().FindOrder(AccountId{2}, sell)->cum_notional, Amount{kBid * kFilled});
  // 3e11 x (5 x 2^21) lots is below 2^62, but 2^61 traded + 3e11 x 2^23 still to trade is not.
  const auto amend = [&](int64_t price) {
    return v.Do(AmendOrder{AccountId{2}, sell, {}, PriceTicks{price}, QtyLots{kFilled * 5}, {}});
  };
  EXPECT_EQ(RejectOf(amend(300'000'000'000)), RejectReason::kExceedsMaxOrderSize);
  EXPECT_EQ(OfType<AmendedEvent>(amend(200'000'000'000)).size(), 1u);
}

// Without amends an order's traded notional is bounded below 2^63, not 2^62: a sell takes what the bids' funds pay
// (below 2^62, an asset's net deposits) and then rests and fills at its own price. A snapshot keeps such an order.
TEST(LimitsTest, ShouldSnapshotAnOrderThatHasTradedMoreThanTheAmountLimit) {
  Venue v;
  v.Setup();
  constexpr int64_t kSwept = int64_t{1} << 21;
  constexpr int64_t kBid = (int64_t{1} << 41) - 1;
  constexpr int64_t kRests = int64_t{1} << 20;
  constexpr int64_t kAsk = int64_t{1} << 40;
  v.Fund(1, kBid * kSwept, 0);
  v.Fund(2, 0, (kSwept + kRests) * kLot);
  v.Do(Venue::Limit(1, Side::kBuy, kBid, kSwept));
  const OrderId sell = AcceptedId(v.Do(Venue::Limit(2, Side::kSell, kAsk, kSwept + kRests)));
  v.Do(Withdraw{AccountId{2}, kUsd, v.Bal(2, kUsd).available});  // so that the asset's net deposits have room
  v.Fund(3, kAsk * (kRests / 2), 0);
  v.Do(Venue::Limit(3, Side::kBuy, kAsk, kRests / 2));
  const Amount traded = v.engine().FindOrder(AccountId{2}, sell)->cum_notional;
  EXPECT_GT(traded.value(), kMaxAmount);
  std::string error;
  const std::unique_ptr<Engine> restored = Engine::LoadSnapshot(v.engine().SaveSnapshot(), EngineConfig{}, &error);
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_EQ(restored->StateHash(), v.engine().StateHash());
  // Past the limit already, it can be cancelled but not amended into trading more.
  EXPECT_EQ(RejectOf(v.Do(AmendOrder{AccountId{2}, sell, {}, PriceTicks{kAsk - 1}, QtyLots{0}, {}})),
            RejectReason::kExceedsMaxOrderSize);
}

// An amend checks the new size in placement's order: what a sell would hold (314) before the minimum notional (415).
// A base of 18 decimals traded in whole units makes a lot 10^18 units, so 5 lots are past 2^62 at a notional of 5.
TEST(LimitsTest, ShouldCheckAnAmendedSellsHoldBeforeItsMinimumNotionalAsPlacementDoes) {
  Venue v;
  DefineAsset base{AssetId{1}, 18, {}};
  std::strcpy(base.code, "WEI");
  DefineAsset quote{AssetId{2}, 0, {}};
  std::strcpy(quote.code, "PTS");
  v.Do(base);
  v.Do(quote);
  DefineInstrument i;
  i.instrument = InstrumentId{1};
  i.base = AssetId{1};
  i.quote = AssetId{2};
  i.tick_size = Amount{1};
  i.lot_size = Amount{1'000'000'000'000'000'000};  // one tick x one lot = 1 unit of PTS
  i.min_notional = Amount{10};
  std::strcpy(i.symbol, "WEI_PTS");
  v.Do(i);
  v.Do(Deposit{AccountId{1}, AssetId{1}, Amount{4'000'000'000'000'000'000}});
  PlaceOrder sell = Venue::Limit(1, Side::kSell, 3, 5);
  sell.instrument = InstrumentId{1};
  EXPECT_EQ(RejectOf(v.Do(sell)), RejectReason::kExceedsMaxOrderSize);  // 5 x 10^18 units: 314 before 415
  sell.qty = QtyLots{4};
  const OrderId id = AcceptedId(v.Do(sell));
  EXPECT_EQ(RejectOf(v.Do(AmendOrder{AccountId{1}, id, {}, PriceTicks{1}, QtyLots{5}, {}})),
            RejectReason::kExceedsMaxOrderSize);
}

}  // namespace
}  // namespace sequex

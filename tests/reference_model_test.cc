// Hand-computed event sequences from docs/engine.md, checked against the reference model alone, so that the
// model is itself tested against the contract before it is used to judge the engine.
#include "tests/reference_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tests/event_format.h"

namespace sequex::test {
namespace {

constexpr AccountId kFee{0};
constexpr AssetId kUsd{1};
constexpr AssetId kBtc{2};
constexpr InstrumentId kBtcUsd{1};

class ReferenceModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DefineAsset usd{kUsd, 2, {}};
    std::strcpy(usd.code, "USD");
    DefineAsset btc{kBtc, 8, {}};
    std::strcpy(btc.code, "BTC");
    Ok(usd);
    Ok(btc);
    DefineInstrument d;
    d.instrument = kBtcUsd;
    d.base = kBtc;
    d.quote = kUsd;
    d.tick_size = Amount{100};       // 1 USD per BTC per tick
    d.lot_size = Amount{1'000'000};  // 0.01 BTC: tick value 1 cent
    std::strcpy(d.symbol, "BTC_USD");
    Ok(d);
  }

  std::vector<Event> Run(CommandBody body) { return model_.Apply(Command{++seq_, 0, body}); }
  void Ok(CommandBody body) {
    const std::vector<Event> e = Run(body);
    ASSERT_FALSE(e.empty());
    ASSERT_TRUE(std::holds_alternative<DoneEvent>(e.back())) << ToString(e);
  }
  static PlaceOrder Limit(uint32_t account, Side side, int64_t price, int64_t qty) {
    PlaceOrder p;
    p.account = AccountId{account};
    p.instrument = kBtcUsd;
    p.side = side;
    p.price = PriceTicks{price};
    p.qty = QtyLots{qty};
    return p;
  }
  static void ExpectEvents(const std::vector<Event>& actual, const std::vector<Event>& expected) {
    EXPECT_EQ(ToString(actual), ToString(expected));
  }

  ReferenceModel model_;
  SeqNo seq_ = 0;
};

TEST_F(ReferenceModelTest, CrossingLimitTradesAtMakerPriceWithFloorFeesAndResetsTakerHold) {
  Ok(SetFeeTier{0, 200, 1000});
  Ok(Deposit{AccountId{1}, kBtc, Amount{100'000'000}});
  Ok(Deposit{AccountId{2}, kUsd, Amount{1'000'000}});
  Ok(Limit(1, Side::kSell, 30000, 2));
  const auto events = Run(Limit(2, Side::kBuy, 30010, 3));
  ExpectEvents(events,
               {
                   AcceptedEvent{OrderId{2}, AccountId{2}, kBtcUsd, Side::kBuy, OrderType::kLimit, PriceTicks{30010},
                                 QtyLots{3}},
                   BalanceEvent{AccountId{2}, kUsd, Amount{909'880}, Amount{90'120}},  // 90030 + floor(90.03)
                   TradeEvent{1, kBtcUsd, Side::kBuy, OrderId{1}, OrderId{2}, AccountId{1}, AccountId{2},
                              PriceTicks{30000}, QtyLots{2}, Amount{60'000}, Amount{12}, Amount{60}},
                   BalanceEvent{AccountId{1}, kBtc, Amount{98'000'000}, Amount{0}},
                   BalanceEvent{AccountId{1}, kUsd, Amount{59'988}, Amount{0}},
                   BalanceEvent{AccountId{2}, kBtc, Amount{2'000'000}, Amount{0}},
                   BalanceEvent{AccountId{2}, kUsd, Amount{909'900}, Amount{30'040}},  // reset to 30010 + floor(30.01)
                   BalanceEvent{kFee, kUsd, Amount{72}, Amount{0}},
                   OrderUpdateEvent{OrderId{1}, AccountId{1}, kBtcUsd, OrderStatus::kFilled, PriceTicks{30000},
                                    QtyLots{2}, QtyLots{0}, Amount{60'000}, Amount{12}},
                   OrderUpdateEvent{OrderId{2}, AccountId{2}, kBtcUsd, OrderStatus::kActive, PriceTicks{30010},
                                    QtyLots{2}, QtyLots{1}, Amount{60'000}, Amount{60}},
                   BalanceEvent{AccountId{2}, kUsd, Amount{909'900}, Amount{30'040}},
                   DoneEvent{},
               });
}

TEST_F(ReferenceModelTest, RebateIsCappedByTheTradesTakerFee) {
  for (uint8_t t = 0; t < 16; ++t) Ok(SetFeeTier{t, 0, 100});
  Ok(SetFeeTier{1, -100, 100});
  Ok(Deposit{AccountId{1}, kBtc, Amount{100'000'000}});
  Ok(Deposit{AccountId{2}, kUsd, Amount{10'000'000}});
  Ok(SetAccountFeeTier{AccountId{1}, 1});
  Ok(Limit(1, Side::kSell, 30000, 20));  // records maker -100 ppm
  Ok(SetFeeTier{1, 0, 100});
  Ok(SetFeeTier{0, 0, 10});  // the taker now pays 10 ppm
  const auto events = Run(Limit(2, Side::kBuy, 30000, 20));
  ASSERT_GE(events.size(), 3u);
  const auto& trade = std::get<TradeEvent>(events[2]);
  EXPECT_EQ(trade.notional.value(), 600'000);
  EXPECT_EQ(trade.taker_fee.value(), 6);
  EXPECT_EQ(trade.maker_fee.value(), -6);  // min(floor(60), 6)
  // Net fee 0: no fee-account Balance between the four balances and the maker's OrderUpdate.
  EXPECT_TRUE(std::holds_alternative<OrderUpdateEvent>(events[7])) << ToString(events);
  EXPECT_EQ(model_.Balance(AccountId{1}, kUsd).available.value(), 600'006);
}

TEST_F(ReferenceModelTest, MarketBuyByQuantityHoldsAtTheLastWalkedLevelAndReleasesTheRest) {
  Ok(Deposit{AccountId{1}, kBtc, Amount{100'000'000}});
  Ok(Deposit{AccountId{2}, kUsd, Amount{1'000'000}});
  Ok(Limit(1, Side::kSell, 100, 1));
  Ok(Limit(1, Side::kSell, 105, 1));
  Ok(Limit(1, Side::kSell, 110, 5));
  PlaceOrder m;
  m.account = AccountId{2};
  m.instrument = kBtcUsd;
  m.side = Side::kBuy;
  m.type = OrderType::kMarket;
  m.tif = TimeInForce::kImmediateOrCancel;
  m.qty = QtyLots{3};
  const auto events = Run(m);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(std::get<BalanceEvent>(events[1]).held.value(), 330);  // N(P_w = 110, W = 3)
  const size_t n = events.size();
  EXPECT_EQ(ToString(events[n - 3]),
            ToString(OrderUpdateEvent{OrderId{4}, AccountId{2}, kBtcUsd, OrderStatus::kFilled, PriceTicks{0},
                                      QtyLots{3}, QtyLots{0}, Amount{315}, Amount{0}}));
  EXPECT_EQ(ToString(events[n - 2]), ToString(BalanceEvent{AccountId{2}, kUsd, Amount{1'000'000 - 315}, Amount{0}}));
}

TEST_F(ReferenceModelTest, StopsTriggerOneAtATimeLowestOrderIdFirst) {
  Ok(Deposit{AccountId{1}, kBtc, Amount{100'000'000}});
  Ok(Deposit{AccountId{2}, kUsd, Amount{10'000'000}});
  Ok(Deposit{AccountId{3}, kUsd, Amount{10'000'000}});
  Ok(Limit(1, Side::kSell, 100, 1));
  Ok(Limit(2, Side::kBuy, 100, 1));  // last = 100
  PlaceOrder stop = Limit(3, Side::kBuy, 120, 1);
  stop.type = OrderType::kStopLimit;
  stop.trigger_price = PriceTicks{105};
  Ok(stop);  // id 3
  stop.trigger_price = PriceTicks{103};
  Ok(stop);  // id 4
  stop.trigger_price = PriceTicks{100};
  EXPECT_EQ(std::get<RejectedEvent>(Run(stop)[0]).reason, RejectReason::kInvalidRefPrice);  // already met
  Ok(Limit(1, Side::kSell, 105, 3));                                                        // id 5
  const auto events = Run(Limit(2, Side::kBuy, 105, 1));  // trades at 105: both stops trigger
  std::vector<uint64_t> triggered;
  for (const Event& e : events) {
    if (const auto* t = std::get_if<TriggeredEvent>(&e)) triggered.push_back(t->order_id.value());
  }
  EXPECT_EQ(triggered, (std::vector<uint64_t>{3, 4})) << ToString(events);
  EXPECT_EQ(model_.OpenOrders(AccountId{3}).size(), 0u);  // both filled against order 5
}

TEST_F(ReferenceModelTest, RejectionsFollowTheValidationOrder) {
  Ok(Deposit{AccountId{1}, kUsd, Amount{1000}});
  PlaceOrder p = Limit(1, Side::kBuy, 0, 0);
  p.side = static_cast<Side>(7);
  p.type = static_cast<OrderType>(9);
  EXPECT_EQ(std::get<RejectedEvent>(Run(p)[0]).reason, RejectReason::kInvalidSide);
  p.side = Side::kBuy;
  EXPECT_EQ(std::get<RejectedEvent>(Run(p)[0]).reason, RejectReason::kInvalidOrderType);
  p.type = OrderType::kLimit;
  EXPECT_EQ(std::get<RejectedEvent>(Run(p)[0]).reason, RejectReason::kInvalidOrderQty);
  p.qty = QtyLots{1};
  EXPECT_EQ(std::get<RejectedEvent>(Run(p)[0]).reason, RejectReason::kInvalidPrice);
  p.price = PriceTicks{int64_t{1} << 47};
  p.qty = QtyLots{int64_t{1} << 20};
  EXPECT_EQ(std::get<RejectedEvent>(Run(p)[0]).reason, RejectReason::kExceedsMaxOrderSize);
  p.qty = QtyLots{1};
  EXPECT_EQ(std::get<RejectedEvent>(Run(p)[0]).reason, RejectReason::kInsufficientBalance);
  p.account = kFee;
  EXPECT_EQ(std::get<RejectedEvent>(Run(p)[0]).reason, RejectReason::kInvalidAccount);
}

TEST_F(ReferenceModelTest, HaltCancelsRestingAndWaitingOrdersInAscendingId) {
  Ok(Deposit{AccountId{1}, kBtc, Amount{100'000'000}});
  Ok(Deposit{AccountId{2}, kUsd, Amount{1'000'000}});
  Ok(Limit(2, Side::kBuy, 90, 1));  // id 1
  PlaceOrder stop = Limit(1, Side::kSell, 80, 2);
  stop.type = OrderType::kStopLimit;
  stop.trigger_price = PriceTicks{85};
  Ok(stop);                          // id 2, waiting (no last price yet)
  Ok(Limit(1, Side::kSell, 95, 3));  // id 3
  const auto events = Run(SetInstrumentStatus{kBtcUsd, InstrumentStatus::kHalted});
  ExpectEvents(events, {
                           CancelledEvent{OrderId{1}, AccountId{2}, kBtcUsd, CancelReason::kHalt, QtyLots{1}},
                           OrderUpdateEvent{OrderId{1}, AccountId{2}, kBtcUsd, OrderStatus::kCanceled, PriceTicks{90},
                                            QtyLots{0}, QtyLots{0}, Amount{0}, Amount{0}},
                           BalanceEvent{AccountId{2}, kUsd, Amount{1'000'000}, Amount{0}},
                           CancelledEvent{OrderId{2}, AccountId{1}, kBtcUsd, CancelReason::kHalt, QtyLots{2}},
                           OrderUpdateEvent{OrderId{2}, AccountId{1}, kBtcUsd, OrderStatus::kCanceled, PriceTicks{80},
                                            QtyLots{0}, QtyLots{0}, Amount{0}, Amount{0}},
                           BalanceEvent{AccountId{1}, kBtc, Amount{97'000'000}, Amount{3'000'000}},
                           CancelledEvent{OrderId{3}, AccountId{1}, kBtcUsd, CancelReason::kHalt, QtyLots{3}},
                           OrderUpdateEvent{OrderId{3}, AccountId{1}, kBtcUsd, OrderStatus::kCanceled, PriceTicks{95},
                                            QtyLots{0}, QtyLots{0}, Amount{0}, Amount{0}},
                           BalanceEvent{AccountId{1}, kBtc, Amount{100'000'000}, Amount{0}},
                           DoneEvent{},
                       });
  PlaceOrder again = Limit(2, Side::kBuy, 90, 1);
  EXPECT_EQ(std::get<RejectedEvent>(Run(again)[0]).reason, RejectReason::kInstrumentNotTradable);
}

TEST_F(ReferenceModelTest, CancelBothCancelsTheMakerFirstThenTheTaker) {
  Ok(Deposit{AccountId{1}, kBtc, Amount{100'000'000}});
  Ok(Deposit{AccountId{1}, kUsd, Amount{1'000'000}});
  Ok(Limit(1, Side::kSell, 100, 2));  // id 1
  PlaceOrder taker = Limit(1, Side::kBuy, 100, 1);
  taker.stp_mode = StpMode::kCancelBoth;
  ExpectEvents(Run(taker), {
                               AcceptedEvent{OrderId{2}, AccountId{1}, kBtcUsd, Side::kBuy, OrderType::kLimit,
                                             PriceTicks{100}, QtyLots{1}},
                               BalanceEvent{AccountId{1}, kUsd, Amount{999'900}, Amount{100}},
                               CancelledEvent{OrderId{1}, AccountId{1}, kBtcUsd, CancelReason::kSelfTrade, QtyLots{2}},
                               OrderUpdateEvent{OrderId{1}, AccountId{1}, kBtcUsd, OrderStatus::kCanceled,
                                                PriceTicks{100}, QtyLots{0}, QtyLots{0}, Amount{0}, Amount{0}},
                               BalanceEvent{AccountId{1}, kBtc, Amount{100'000'000}, Amount{0}},
                               CancelledEvent{OrderId{2}, AccountId{1}, kBtcUsd, CancelReason::kSelfTrade, QtyLots{1}},
                               OrderUpdateEvent{OrderId{2}, AccountId{1}, kBtcUsd, OrderStatus::kCanceled,
                                                PriceTicks{100}, QtyLots{0}, QtyLots{0}, Amount{0}, Amount{0}},
                               BalanceEvent{AccountId{1}, kUsd, Amount{1'000'000}, Amount{0}},
                               DoneEvent{},
                           });
}

TEST_F(ReferenceModelTest, AmendKeepsPriorityOnlyForASamePriceReduction) {
  Ok(Deposit{AccountId{1}, kUsd, Amount{1'000'000}});
  Ok(Limit(1, Side::kBuy, 100, 5));  // id 1
  Ok(Limit(1, Side::kBuy, 100, 5));  // id 2
  auto queue = [&] {
    std::vector<uint64_t> ids;
    for (const OrderView& o : model_.BookOrders(kBtcUsd, Side::kBuy)) ids.push_back(o.order_id.value());
    return ids;
  };
  AmendOrder a{AccountId{1}, OrderId{1}, {}, PriceTicks{0}, QtyLots{4}, {}};
  EXPECT_TRUE(std::get<AmendedEvent>(Run(a)[0]).kept_priority);
  EXPECT_EQ(queue(), (std::vector<uint64_t>{1, 2}));
  a.new_qty = QtyLots{6};
  EXPECT_FALSE(std::get<AmendedEvent>(Run(a)[0]).kept_priority);
  EXPECT_EQ(queue(), (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(model_.Balance(AccountId{1}, kUsd).held.value(), 1100);  // N(100, 6) + N(100, 5)
}

}  // namespace
}  // namespace sequex::test

#include "engine/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/engine_impl.h"
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

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v.Setup();
    v.Fund(1, 10'000'000, 0);         // buyer: 100,000.00 USD
    v.Fund(2, 0, 10 * 100'000'000);   // seller: 10 BTC
    v.Fund(3, 10'000'000, 10 * 100'000'000);
  }
  Venue v;
};

TEST_F(EngineTest, ShouldRestANonCrossingLimitOrderAndHoldItsNotional) {
  auto ev = v.Do(Venue::Limit(1, Side::kBuy, 50'000, 3));  // 3 lots at 50,000 USD: notional 3 * 50,000 cents
  EXPECT_NE(AcceptedId(ev), OrderId{0});
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 150'000);
  EXPECT_EQ(v.engine().BestBid(kBtcUsd), PriceTicks{50'000});
  EXPECT_TRUE(std::holds_alternative<DoneEvent>(ev.back()));
}

TEST_F(EngineTest, ShouldTradeAtTheMakersPriceInPriceTimePriority) {
  const OrderId first = AcceptedId(v.Do(Venue::Limit(2, Side::kSell, 50'010, 2)));
  const OrderId second = AcceptedId(v.Do(Venue::Limit(3, Side::kSell, 50'010, 2)));
  const OrderId better = AcceptedId(v.Do(Venue::Limit(3, Side::kSell, 50'005, 1)));
  auto ev = v.Do(Venue::Limit(1, Side::kBuy, 50'020, 4));
  auto trades = OfType<TradeEvent>(ev);
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades[0].maker_order, better);
  EXPECT_EQ(trades[0].price, PriceTicks{50'005});
  EXPECT_EQ(trades[1].maker_order, first);
  EXPECT_EQ(trades[2].maker_order, second);
  EXPECT_EQ(trades[2].qty, QtyLots{1});
  // Buyer paid the makers' prices, not its limit: 50,005 + 2 * 50,010 + 50,010 cents, and nothing stays held.
  EXPECT_EQ(v.Bal(1, kUsd).available.value(), 10'000'000 - (50'005 + 3 * 50'010));
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
  EXPECT_EQ(v.Bal(1, kBtc).available.value(), 4 * 1'000'000);
}

TEST_F(EngineTest, ShouldRejectPostOnlyThatWouldCrossAndChangeNothing) {
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  auto p = Venue::Limit(1, Side::kBuy, 50'000, 1);
  p.flags = kOrderFlagPostOnly;
  EXPECT_EQ(RejectOf(v.Do(p)), RejectReason::kPostOnlyWouldCross);
}

TEST_F(EngineTest, ShouldKillAFillOrKillThatCannotFillCompletely) {
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 50'000, 2, TimeInForce::kFillOrKill))),
            RejectReason::kFillOrKill);
  auto ev = v.Do(Venue::Limit(1, Side::kBuy, 50'000, 1, TimeInForce::kFillOrKill));
  EXPECT_EQ(OfType<TradeEvent>(ev).size(), 1u);
}

TEST_F(EngineTest, ShouldExpireTheUnfilledRemainderOfIoc) {
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 1));
  auto ev = v.Do(Venue::Limit(1, Side::kBuy, 50'000, 3, TimeInForce::kImmediateOrCancel));
  auto cancelled = OfType<CancelledEvent>(ev);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, CancelReason::kIocRemainder);
  EXPECT_EQ(cancelled[0].remaining, QtyLots{2});
  EXPECT_EQ(v.Bal(1, kUsd).held.value(), 0);
  EXPECT_FALSE(v.engine().BestBid(kBtcUsd).has_value());
}

TEST_F(EngineTest, ShouldRejectOrdersWithBadValuesAndChangeNothing) {
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 0, 1))), RejectReason::kInvalidPrice);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, -5, 1))), RejectReason::kInvalidPrice);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 100, 0))), RejectReason::kInvalidOrderQty);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 100, -1))), RejectReason::kInvalidOrderQty);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, int64_t{1} << 60, 1))), RejectReason::kInvalidPrice);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, (int64_t{1} << 48) - 1, (int64_t{1} << 48) - 1))),
            RejectReason::kExceedsMaxOrderSize);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(99, Side::kBuy, 100, 1))), RejectReason::kInvalidAccount);
  auto p = Venue::Limit(1, Side::kBuy, 100, 1);
  p.instrument = InstrumentId{77};
  EXPECT_EQ(RejectOf(v.Do(p)), RejectReason::kInvalidInstrument);
  p = Venue::Limit(1, Side::kBuy, 100, 1);
  p.side = static_cast<Side>(9);
  EXPECT_EQ(RejectOf(v.Do(p)), RejectReason::kInvalidSide);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 1'000'000, 101))), RejectReason::kInsufficientBalance);
  EXPECT_EQ(RejectOf(v.Do(CancelOrder{AccountId{1}, OrderId{12345}, {}})), RejectReason::kOrderNotFound);
}

TEST_F(EngineTest, ShouldRejectADuplicateClientOidAmongOpenOrdersOnly) {
  v.Do(Venue::Limit(1, Side::kBuy, 100, 1, TimeInForce::kGoodTillCancel, "abc"));
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 101, 1, TimeInForce::kGoodTillCancel, "abc"))),
            RejectReason::kDuplicateClientOid);
  // Another account may use the same client_oid.
  EXPECT_NE(AcceptedId(v.Do(Venue::Limit(3, Side::kBuy, 101, 1, TimeInForce::kGoodTillCancel, "abc"))), OrderId{0});
  CancelOrder c{AccountId{1}, OrderId{0}, {}};
  c.client_oid.Assign("abc");
  v.Do(c);
  EXPECT_NE(AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 101, 1, TimeInForce::kGoodTillCancel, "abc"))), OrderId{0});
}

// Client order ids are short (often a counter) and account ids small: the (account, client_oid) index must still
// tell them apart, or every lookup pays a load of some other account's order (XXH3 with the account as its seed
// folded the two together and collided for most such pairs).
TEST(OidKeyTest, ShouldGiveShortClientOidsOfDifferentAccountsDistinctIndexKeys) {
  std::vector<uint64_t> keys;
  for (uint32_t account = 1; account <= 1000; ++account) {
    for (uint32_t ref = 1; ref <= 1000; ++ref) {
      ClientOid oid;
      ASSERT_TRUE(oid.Assign(std::to_string(ref)));
      keys.push_back(Engine::Impl::OidKey(AccountId{account}, oid));
    }
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());
}

}  // namespace
}  // namespace sequex

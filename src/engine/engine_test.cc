#include "engine/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/fingerprint_index.h"
#include "engine/engine_impl.h"
#include "engine/engine_test_util.h"
#include "journal/test_commands.h"

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
    v.Fund(1, 10'000'000, 0);                 // buyer: 100,000.00 USD
    v.Fund(2, 0, int64_t{10} * 100'000'000);  // seller: 10 BTC
    v.Fund(3, 10'000'000, int64_t{10} * 100'000'000);
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

TEST_F(EngineTest, ShouldKillAFillOrKillForMoreThanTheWholeOppositeSideAndFillOneForAllOfIt) {
  // 2 and 3 lots on two levels; a fill and a quantity cut leave 1 + 2: the side's resting total follows each change
  // (Venue::Do audits it after every command), and it alone decides a fill-or-kill for more than the side holds.
  v.Do(Venue::Limit(2, Side::kSell, 50'000, 2));
  const OrderId far = AcceptedId(v.Do(Venue::Limit(3, Side::kSell, 60'000, 3)));
  EXPECT_EQ(OfType<TradeEvent>(v.Do(Venue::Limit(1, Side::kBuy, 50'000, 1))).size(), 1u);
  v.Do(AmendOrder{AccountId{3}, far, {}, PriceTicks{0}, QtyLots{2}, {}});
  PlaceOrder market = Venue::Market(1, Side::kBuy, 4);
  market.tif = TimeInForce::kFillOrKill;
  EXPECT_EQ(RejectOf(v.Do(market)), RejectReason::kFillOrKill);
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 1'000'000, 4, TimeInForce::kFillOrKill))),
            RejectReason::kFillOrKill);
  // Within the side's total but not within the limit: the walk still decides.
  EXPECT_EQ(RejectOf(v.Do(Venue::Limit(1, Side::kBuy, 59'999, 3, TimeInForce::kFillOrKill))),
            RejectReason::kFillOrKill);
  auto ev = v.Do(Venue::Limit(1, Side::kBuy, 60'000, 3, TimeInForce::kFillOrKill));
  EXPECT_EQ(OfType<TradeEvent>(ev).size(), 2u);
  EXPECT_FALSE(v.engine().BestAsk(kBtcUsd).has_value());
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

// A client_oid is at most 36 bytes (ClientOid::kMaxLen). The gateway and the journal's codec refuse a longer one,
// but the engine takes commands from any caller and must not trust the length field: an order filed with one was
// read past its bytes, and the engine's next snapshot aborted (the order's record is staged in a bounded buffer).
TEST_F(EngineTest, ShouldRejectAClientOidLongerThanItsBytesAndChangeNothing) {
  PlaceOrder p = Venue::Limit(1, Side::kBuy, 100, 1, TimeInForce::kGoodTillCancel, "abc");
  p.client_oid.len = ClientOid::kMaxLen + 1;
  ASSERT_EQ(RejectOf(v.Do(p)), RejectReason::kInvalidArgument);
  p.client_oid.len = 255;
  ASSERT_EQ(RejectOf(v.Do(p)), RejectReason::kInvalidArgument);
  const OrderId o = AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 100, 1, TimeInForce::kGoodTillCancel, "abc")));
  AmendOrder a{AccountId{1}, o, {}, PriceTicks{0}, QtyLots{0}, {}};
  a.new_client_oid.Assign("def");
  a.new_client_oid.len = ClientOid::kMaxLen + 1;
  ASSERT_EQ(RejectOf(v.Do(a)), RejectReason::kInvalidArgument);
  EXPECT_EQ(v.engine().FindOrder(AccountId{1}, o)->client_oid.view(), "abc");
  std::string error;
  EXPECT_NE(Engine::LoadSnapshot(v.engine().SaveSnapshot(), EngineConfig{}, &error), nullptr) << error;
}

// Client order ids are short (often a counter) and account ids small: the (account, client_oid) index must still
// tell them apart, or every lookup pays a load of some other account's order (XXH3 with the account as its seed
// folded the two together and collided for most such pairs).
// Equal client_oids are the same length and the same first `len` bytes, at every length, whatever follows them.
TEST(ClientOidTest, ShouldCompareTheLengthAndTheBytesWithinItOnly) {
  for (size_t len = 0; len <= ClientOid::kMaxLen; ++len) {
    ClientOid a;
    ASSERT_TRUE(a.Assign(std::string(len, 'x')));
    ClientOid b = a;
    EXPECT_TRUE(a == b);
    for (size_t at = len; at < ClientOid::kMaxLen; ++at) b.bytes[at] = static_cast<char>('a' + at % 26);
    EXPECT_TRUE(a == b) << len;  // what follows the length is not part of the oid
    EXPECT_TRUE(b == a) << len;
    for (size_t at = 0; at < len; ++at) {
      ClientOid c = b;
      c.bytes[at] = 'y';
      EXPECT_FALSE(a == c) << len << " " << at;
      EXPECT_FALSE(c == a) << len << " " << at;
    }
    if (len < ClientOid::kMaxLen) {
      ClientOid longer;
      ASSERT_TRUE(longer.Assign(std::string(len + 1, 'x')));
      EXPECT_FALSE(a == longer) << len;
    }
  }
}

TEST(OidKeyTest, ShouldGiveShortClientOidsOfDifferentAccountsDistinctIndexKeys) {
  std::vector<uint64_t> keys;
  for (uint32_t account = 1; account <= 1000; ++account) {
    for (uint32_t ref = 1; ref <= 1000; ++ref) {
      ClientOid oid;
      ASSERT_TRUE(oid.Assign(std::to_string(ref)));
      keys.push_back(Engine::Impl::ClientOidKey(AccountId{account}, oid, nullptr));
    }
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());
}

// Hash flooding: client_oids chosen so that their unkeyed index keys share the top 12 bits of their fingerprint
// (found by trying about 4,096 candidates each, as an attacker would offline) would all share one probe run of the
// client_oid index. Keyed by a seed the client does not know, they spread like any other keys.
TEST(OidKeyTest, ShouldSpreadClientOidsAimedAtOnePlaceOnceTheIndexIsKeyed) {
  constexpr uint32_t kTarget = 0x5A5;  // top 12 bits aimed at
  const AccountId attacker{7};
  std::vector<ClientOid> aimed;
  for (uint64_t n = 0; aimed.size() < 200; ++n) {
    ClientOid oid;
    ASSERT_TRUE(oid.Assign(std::to_string(n)));  // no prefix: GCC 12 warns (-Wrestrict) on "x" + std::string
    if (FingerprintIndex::Fingerprint(Engine::Impl::ClientOidKey(attacker, oid, nullptr)) >> 20 == kTarget) {
      aimed.push_back(oid);
    }
  }
  EngineConfig keyed_config;
  keyed_config.index_seed = 0x243F6A8885A308D3ull;
  const Engine::Impl keyed(keyed_config);
  std::map<uint32_t, int> homes;
  for (const ClientOid& oid : aimed) ++homes[FingerprintIndex::Fingerprint(keyed.OidKey(attacker, oid)) >> 20];
  int most = 0;
  for (const auto& [home, count] : homes) most = std::max(most, count);
  EXPECT_LE(most, 4);  // 200 keys over 4,096 homes: a home with 5 would be a one-in-a-million draw
  const Engine::Impl unkeyed{EngineConfig{}};
  EXPECT_EQ(unkeyed.OidKey(attacker, aimed[0]), Engine::Impl::ClientOidKey(attacker, aimed[0], nullptr));
}

// The seed moves keys within the index and nothing else: engines with different seeds give the same events and the
// same state hash command by command, and each loads the other's snapshot.
TEST(OidKeyTest, ShouldKeepEnginesWithDifferentIndexSeedsInLockStep) {
  std::vector<CommandBody> bodies = sequex::testing::SetupCommands(10);
  const std::vector<CommandBody> trading = sequex::testing::TradingCommands(3, 20'000, 10);
  bodies.insert(bodies.end(), trading.begin(), trading.end());
  EngineConfig a_config;
  a_config.index_seed = 1;
  EngineConfig b_config;
  b_config.index_seed = 0x9E3779B97F4A7C15ull;
  Engine plain;
  Engine a(a_config);
  Engine b(b_config);
  size_t with_oid = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    const Command c{i + 1, static_cast<TimeNs>(i), bodies[i]};
    if (const auto* p = std::get_if<PlaceOrder>(&c.body); p != nullptr && !p->client_oid.empty()) ++with_oid;
    const std::span<const Event> expected_span = plain.Apply(c);
    const std::vector<Event> expected(expected_span.begin(), expected_span.end());
    for (Engine* e : {&a, &b}) {
      const std::span<const Event> got = e->Apply(c);
      ASSERT_EQ(got.size(), expected.size()) << "command " << i;
      for (size_t k = 0; k < got.size(); ++k) ASSERT_EQ(got[k].index(), expected[k].index()) << "command " << i;
    }
    if (i % 1'000 == 0) {
      ASSERT_EQ(a.StateHash(), plain.StateHash()) << "command " << i;
      ASSERT_EQ(b.StateHash(), plain.StateHash()) << "command " << i;
    }
  }
  EXPECT_GT(with_oid, 1'000u);  // the flow does use client_oids
  EXPECT_EQ(a.StateHash(), plain.StateHash());
  EXPECT_EQ(b.StateHash(), plain.StateHash());
  EXPECT_EQ(a.SaveSnapshot(), plain.SaveSnapshot());
  std::string error;
  const std::unique_ptr<Engine> restored = Engine::LoadSnapshot(a.SaveSnapshot(), b_config, &error);
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_EQ(restored->StateHash(), plain.StateHash());
  EXPECT_EQ(restored->Audit(), "");
}

TEST(ScaleDownTest, ShouldEqualTheWideQuotientOnBothSidesOfTheSixtyFourBitFastPath) {
  const auto wide = [](int64_t n, int64_t factor, int64_t divisor) {
    return static_cast<int64_t>(Wide{n} * factor / divisor);
  };
  const int64_t fee_edge = static_cast<int64_t>(UINT64_MAX / 100000);  // the last n whose product with 10% fits
  const int64_t band_edge = static_cast<int64_t>(UINT64_MAX / 10000);  // ... with a 100% band
  for (const int64_t n :
       {int64_t{0}, int64_t{1}, int64_t{9999}, int64_t{999999}, int64_t{1000000}, int64_t{123456789012}, fee_edge - 1,
        fee_edge, fee_edge + 1, band_edge - 1, band_edge, band_edge + 1, kMaxAmount - 1, INT64_MAX}) {
    for (const int32_t ppm : {0, 1, 250, 999, 1000, -250, 100000, -100000}) {
      EXPECT_EQ(FeeOf(n, ppm), wide(n, ppm < 0 ? -int64_t{ppm} : ppm, 1000000)) << n << " at " << ppm << " ppm";
    }
    if (n >= kMaxPriceTicks) continue;  // prices and triggers are below it (checked before any band is taken)
    for (const uint32_t bps : {1u, 50u, 9999u, 10000u}) {
      EXPECT_EQ(BandWidth(n, bps), wide(n, bps, 10000)) << n << " at " << bps << " bps";
    }
  }
}

TEST(NotionalTest, ShouldEqualTheWideProductOrRefuseOnceItReachesTheMaximumAmount) {
  const auto wide = [](int64_t p, int64_t q, int64_t tick_value) {  // the 128-bit arithmetic it replaced
    const Wide pq = Wide{p} * q;
    if (pq >= kMaxAmount) return int64_t{-1};
    const Wide n = pq * tick_value;  // below 2^124
    return n >= kMaxAmount ? int64_t{-1} : static_cast<int64_t>(n);
  };
  const int64_t root = int64_t{1} << 31;  // root * root * 1 is kMaxAmount
  for (const int64_t p : {int64_t{0}, int64_t{1}, int64_t{12345}, root - 1, root, root + 1, kMaxPriceTicks - 1}) {
    for (const int64_t q : {int64_t{0}, int64_t{1}, int64_t{100}, root - 1, root, root + 1, kMaxQtyLots - 1}) {
      for (const int64_t tick_value : {int64_t{1}, int64_t{100}, int64_t{1} << 40, kMaxAmount - 1}) {
        EXPECT_EQ(NotionalOf(PriceTicks{p}, QtyLots{q}, Amount{tick_value}), wide(p, q, tick_value))
            << p << " x " << q << " x " << tick_value;
      }
    }
  }
}

// Recovery replays without building events; it must reach the same state, match ids included, and leave the
// engine building events again.
TEST(ReplayTest, ShouldReachTheSameStateAsApplyingWithEventsAndBuildEventsAfterwards) {
  std::vector<CommandBody> bodies = sequex::testing::SetupCommands(10);
  const std::vector<CommandBody> trading = sequex::testing::TradingCommands(7, 20'000, 10);
  bodies.insert(bodies.end(), trading.begin(), trading.end());
  std::vector<Command> commands;
  for (size_t i = 0; i < bodies.size(); ++i) commands.push_back(Command{i + 1, static_cast<TimeNs>(i), bodies[i]});
  const std::span<const Command> all(commands);
  const size_t tail = 200;  // applied to both with events, after the replay
  Engine applied;
  size_t trades = 0;
  applied.ApplyInOrder(all.first(all.size() - tail), [&](const Command&, std::span<const Event> events) {
    trades += static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                                [](const Event& e) { return std::holds_alternative<TradeEvent>(e); }));
  });
  Engine replayed;
  replayed.ReplayInOrder(all.first(all.size() - tail));
  EXPECT_GT(trades, 1'000u);  // the flow trades, so match ids were taken
  EXPECT_EQ(replayed.StateHash(), applied.StateHash());
  EXPECT_EQ(replayed.SaveSnapshot(), applied.SaveSnapshot());
  EXPECT_EQ(replayed.Audit(), "");
  size_t tail_events = 0;
  for (const Command& c : all.last(tail)) {
    const std::span<const Event> want_span = applied.Apply(c);
    const std::vector<Event> want(want_span.begin(), want_span.end());
    const std::span<const Event> got = replayed.Apply(c);
    ASSERT_EQ(got.size(), want.size()) << "seq " << c.seq;
    for (size_t k = 0; k < got.size(); ++k) {
      ASSERT_EQ(got[k].index(), want[k].index()) << "seq " << c.seq;
      if (const auto* t = std::get_if<TradeEvent>(&want[k])) {
        EXPECT_EQ(std::get<TradeEvent>(got[k]).match_id, t->match_id) << "seq " << c.seq;
      }
    }
    tail_events += got.size();
  }
  EXPECT_GE(tail_events, tail);  // every command ends with at least its Done or Rejected event
  EXPECT_EQ(replayed.StateHash(), applied.StateHash());
}

// Growing a table allocates and fills fresh memory inside one command (docs/performance.md measured 3-11 ms for the
// pool's second chunk and the two id indexes), so an engine sized for N open orders must file N without growing.
TEST(SizingTest, ShouldFileTheExpectedOpenOrdersWithoutGrowingAndGrowOnlyPastThem) {
  EngineConfig config;
  config.expected_orders = 1u << 16;
  Venue v(config);
  v.Setup();
  constexpr uint32_t kAccounts = 7;  // each below the 10,000 open orders an account may have
  for (uint32_t a = 1; a <= kAccounts; ++a) v.Fund(a, 20'000'000, 0);
  uint64_t seq = 1'000;
  const auto place = [&](uint32_t n) {
    PlaceOrder p = Venue::Limit(1 + n % kAccounts, Side::kBuy, 100, 1);  // one level: the book's memory stays put
    p.client_oid.Assign(std::to_string(n).c_str());
    const std::span<const Event> events = v.engine().Apply(Command{++seq, 0, p});
    return !events.empty() && std::holds_alternative<AcceptedEvent>(events.front());
  };
  for (uint32_t n = 0; n < kAccounts; ++n) ASSERT_TRUE(place(n));  // opens each account's list in the book
  const size_t sized = v.engine().MemoryBytes();
  for (uint32_t n = kAccounts; n < config.expected_orders; ++n) ASSERT_TRUE(place(n)) << "order " << n;
  EXPECT_EQ(v.engine().OpenOrderCount(), config.expected_orders);
  EXPECT_EQ(v.engine().MemoryBytes(), sized);
  ASSERT_TRUE(place(config.expected_orders));
  EXPECT_GT(v.engine().MemoryBytes(), sized);  // one past them: the pool and both indexes grow
  EXPECT_EQ(v.engine().Audit(), "");
}

// Books 2 .. last on BTC/USD with Venue::Setup's tick and lot, so that one account can open many lists.
void DefineMoreBooks(Venue& v, uint16_t last) {
  for (uint16_t b = 2; b <= last; ++b) {
    DefineInstrument i;
    i.instrument = InstrumentId{b};
    i.base = kBtc;
    i.quote = kUsd;
    i.tick_size = Amount{100};
    i.lot_size = Amount{1000000};
    std::snprintf(i.symbol, sizeof i.symbol, "BOOK%u", b);
    ASSERT_EQ(RejectOf(v.Do(i)), RejectReason::kNone);
  }
}

// An account's first order in a book opens its list for that book, on the order path: within expected_account_books
// that allocates nothing (the lists are indexed by blocks from a reserved table, not by a vector per account). A
// flow of many accounts each trading a book for the first time had paid a 4.5-5.8 ms command whenever those vectors
// took a fresh region of memory.
TEST(SizingTest, ShouldOpenTheExpectedAccountListsWithoutGrowingAndCancelAcrossThemInIdOrder) {
  constexpr uint32_t kAccounts = 40;
  constexpr uint16_t kBooks = 25;
  EngineConfig config;
  config.expected_account_books = kAccounts * kBooks;
  Venue v(config);
  v.Setup();
  ASSERT_NO_FATAL_FAILURE(DefineMoreBooks(v, kBooks));
  for (uint32_t a = 1; a <= kAccounts; ++a) v.Fund(a, 1'000'000'000, 0);
  const size_t sized = v.engine().MemoryBytes();
  // Every account opens a list in every book, the books in a different order for each account.
  std::vector<OrderId> placed_by_account_one;
  for (uint16_t round = 0; round < kBooks; ++round) {
    for (uint32_t a = 1; a <= kAccounts; ++a) {
      PlaceOrder p = Venue::Limit(a, Side::kBuy, 100, 1);
      p.instrument = InstrumentId{static_cast<uint16_t>(1 + (round + a) % kBooks)};
      const OrderId id = AcceptedId(v.Do(p));
      ASSERT_NE(id, OrderId{0}) << "account " << a << " round " << round;
      if (a == 1) placed_by_account_one.push_back(id);
    }
  }
  EXPECT_EQ(v.engine().MemoryBytes(), sized);

  // Cancel-all across books walks every list of the account and cancels in id order, whatever order the lists
  // were opened in.
  const std::vector<CancelledEvent> cancelled = OfType<CancelledEvent>(v.Do(CancelAll{AccountId{1}}));
  ASSERT_EQ(cancelled.size(), placed_by_account_one.size());
  for (size_t k = 0; k < cancelled.size(); ++k) EXPECT_EQ(cancelled[k].order_id, placed_by_account_one[k]);
  EXPECT_TRUE(v.engine().OpenOrders(AccountId{1}).empty());
  EXPECT_EQ(v.engine().OpenOrders(AccountId{2}).size(), kBooks);

  // One list past them: the table of lists grows.
  v.Fund(kAccounts + 1, 1'000'000'000, 0);
  ASSERT_NE(AcceptedId(v.Do(Venue::Limit(kAccounts + 1, Side::kBuy, 100, 1))), OrderId{0});
  EXPECT_GT(v.engine().MemoryBytes(), sized);
}

// An account's list indexes are kept AccountBookBlock::kLists to a block: walks over all of them must find every
// list whether the newest block is full, partly filled or the only one.
TEST(SizingTest, ShouldFindEveryListOfAnAccountWhateverTheBlocksHold) {
  constexpr uint32_t k = AccountBookBlock::kLists;
  for (const uint32_t lists : {1u, k - 1, k, k + 1, 2 * k, 2 * k + 1}) {
    Venue v;
    v.Setup();
    ASSERT_NO_FATAL_FAILURE(DefineMoreBooks(v, static_cast<uint16_t>(lists)));
    v.Fund(1, 1'000'000'000, 0);
    for (uint16_t b = 1; b <= lists; ++b) {
      PlaceOrder p = Venue::Limit(1, Side::kBuy, 100, 1);
      p.instrument = InstrumentId{b};
      ASSERT_NE(AcceptedId(v.Do(p)), OrderId{0});
    }
    EXPECT_EQ(v.engine().OpenOrders(AccountId{1}).size(), lists) << lists << " lists";
    EXPECT_EQ(OfType<CancelledEvent>(v.Do(CancelAll{AccountId{1}})).size(), lists) << lists << " lists";
    EXPECT_TRUE(v.engine().OpenOrders(AccountId{1}).empty());
  }
}

// Cancel-all across books walks the account's lists newest first and stops once it has found every open order: the
// orders in the oldest list (the last block's) are still found, and an account with none walks nothing.
TEST(SizingTest, ShouldCancelAllAcrossBooksOnceEveryOpenOrderIsFound) {
  constexpr uint16_t kLists = 2 * AccountBookBlock::kLists + 1;
  Venue v;
  v.Setup();
  ASSERT_NO_FATAL_FAILURE(DefineMoreBooks(v, kLists));
  v.Fund(1, 1'000'000'000, 0);
  const auto place = [&](uint16_t book) {
    PlaceOrder p = Venue::Limit(1, Side::kBuy, 100 + book, 1);
    p.instrument = InstrumentId{book};
    return AcceptedId(v.Do(p));
  };
  for (uint16_t b = 1; b <= kLists; ++b) ASSERT_NE(place(b), OrderId{0});  // every list opened
  EXPECT_EQ(OfType<CancelledEvent>(v.Do(CancelAll{AccountId{1}})).size(), kLists);
  const OrderId newest = place(kLists);
  const OrderId oldest = place(1);
  const auto cancelled = OfType<CancelledEvent>(v.Do(CancelAll{AccountId{1}}));
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[0].order_id, newest);  // in order id order, whichever list each was in
  EXPECT_EQ(cancelled[1].order_id, oldest);
  const auto none = v.Do(CancelAll{AccountId{1}});
  EXPECT_TRUE(OfType<CancelledEvent>(none).empty());
  EXPECT_TRUE(std::holds_alternative<DoneEvent>(none.back()));
}

// Defining an instrument builds its book, whose price ladders are mapped and faulted in: 0.5-0.7 ms inside the
// command on this VM, with every other command waiting. EngineConfig::expected_books builds them with the engine, and
// defining an instrument takes one: its memory stays what it was until they are used up.
TEST(SizingTest, ShouldDefineTheExpectedBooksFromThoseBuiltWithTheEngine) {
  EngineConfig config;
  config.expected_books = 4;
  Venue v(config);
  Venue plain;
  const size_t built = v.engine().MemoryBytes();
  EXPECT_GT(built, plain.engine().MemoryBytes() + (size_t{4} << 20));  // four books of two 512 KiB ladders
  for (Venue* venue : {&v, &plain}) {
    venue->Setup();  // BTC_USD, the first book
    ASSERT_NO_FATAL_FAILURE(DefineMoreBooks(*venue, 4));
  }
  constexpr size_t kBook = size_t{1} << 20;            // less than one book's ladders
  EXPECT_LT(v.engine().MemoryBytes(), built + kBook);  // the four came from those built (the assets took a little)
  ASSERT_NO_FATAL_FAILURE(DefineMoreBooks(v, 5));      // past them: built in the command
  ASSERT_NO_FATAL_FAILURE(DefineMoreBooks(plain, 5));
  EXPECT_GT(v.engine().MemoryBytes(), built + kBook);
  EXPECT_EQ(v.engine().MemoryBytes(), plain.engine().MemoryBytes());
  for (Venue* venue : {&v, &plain}) {
    venue->Fund(1, 1'000'000'000, 1'000'000'000);
    for (uint16_t b = 1; b <= 5; ++b) {
      PlaceOrder p = Venue::Limit(1, b % 2 == 0 ? Side::kBuy : Side::kSell, 100 + b, 1);
      p.instrument = InstrumentId{b};
      ASSERT_NE(AcceptedId(venue->Do(p)), OrderId{0});
    }
  }
  EXPECT_EQ(v.engine().StateHash(), plain.engine().StateHash());
  EXPECT_EQ(v.engine().SaveSnapshot(), plain.engine().SaveSnapshot());
  // A snapshot loads into an engine with books to spare as into one without.
  std::string error;
  const auto loaded = Engine::LoadSnapshot(plain.engine().SaveSnapshot(), config, &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->StateHash(), plain.engine().StateHash());
  // It defined its five books from the four it built and one more, as `v` did: not five more besides.
  EXPECT_LT(loaded->MemoryBytes(), v.engine().MemoryBytes() + kBook);
}

// The engine's event buffer starts with room for 4,096 events and grows, outside the path that adds one, only for a
// command whose events outnumber it: a cancel-all of 3,000 orders makes 9,001 (a cancel, an order update and a
// balance each, then done), all returned in order.
TEST(SizingTest, ShouldReturnEveryEventOfACommandWithMoreThanTheBufferHeld) {
  constexpr uint32_t kOrders = 3'000;
  Venue v;
  v.Setup();
  v.Fund(1, 1'000'000'000, 0);
  std::vector<OrderId> placed;
  for (uint32_t k = 0; k < kOrders; ++k) {
    placed.push_back(AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 100 + static_cast<int64_t>(k % 50), 1))));
  }
  const std::vector<Event> events = v.Do(CancelAll{AccountId{1}});
  ASSERT_EQ(events.size(), 3 * kOrders + 1);
  EXPECT_TRUE(std::holds_alternative<DoneEvent>(events.back()));
  const std::vector<CancelledEvent> cancelled = OfType<CancelledEvent>(events);
  ASSERT_EQ(cancelled.size(), kOrders);
  for (uint32_t k = 0; k < kOrders; ++k) ASSERT_EQ(cancelled[k].order_id, placed[k]) << k;
  EXPECT_EQ(OfType<OrderUpdateEvent>(events).size(), kOrders);
  EXPECT_EQ(OfType<BalanceEvent>(events).size(), kOrders);
  EXPECT_EQ(OfType<BalanceEvent>(events).back().held.value(), 0);
  // And the next command's events start from an empty buffer.
  const std::vector<Event> next = v.Do(Venue::Limit(1, Side::kBuy, 100, 1));
  ASSERT_FALSE(next.empty());
  EXPECT_TRUE(std::holds_alternative<AcceptedEvent>(next.front()));
  EXPECT_LT(next.size(), 10u);
}

}  // namespace
}  // namespace sequex

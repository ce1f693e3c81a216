#include "workload/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>

namespace sequex::workload {
namespace {

// FNV-1a of the text of the default standard workload cut to 1,000 + 1,000 commands and 50 accounts.
constexpr uint64_t kPinnedDigest = 13744117791921422758ull;  // since M lines carry both numbers (2026-12-07)

GeneratorOptions Small(WorkloadKind kind, uint64_t seed) {
  GeneratorOptions o;
  o.kind = kind;
  o.seed = seed;
  o.warmup_commands = 50'000;
  o.commands = 150'000;
  o.accounts = 300;
  return o;
}

TEST(GeneratorTest, ShouldBeByteIdenticalForTheSameSeed) {
  for (WorkloadKind kind : {WorkloadKind::kStandard, WorkloadKind::kSingleBook, WorkloadKind::kBurst,
                            WorkloadKind::kWideBook, WorkloadKind::kTrending}) {
    GeneratorOptions o = Small(kind, 42);
    o.commands = 30'000;
    o.warmup_commands = 5'000;
    const std::string a = FormatWorkload(Generate(o));
    const std::string b = FormatWorkload(Generate(o));
    EXPECT_EQ(a, b) << WorkloadName(kind);
    o.seed = 43;
    EXPECT_NE(a, FormatWorkload(Generate(o))) << WorkloadName(kind);
  }
}

// A digest of the default standard workload's first commands, pinned so that a change of platform, compiler or
// library that alters the output is caught (the promise is identical workloads everywhere).
TEST(GeneratorTest, ShouldProduceThePinnedStandardWorkload) {
  GeneratorOptions o;
  o.warmup_commands = 1'000;
  o.commands = 1'000;
  o.accounts = 50;
  const std::string text = FormatWorkload(Generate(o));
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  EXPECT_EQ(h, kPinnedDigest) << "update kPinnedDigest only for an intended change of the generator";
}

TEST(GeneratorTest, ShouldLayOutSetupWarmupAndMeasuredCommands) {
  const GeneratorOptions o = Small(WorkloadKind::kStandard, 1);
  const Workload w = Generate(o);
  ASSERT_EQ(w.instruments.size(), 100u);
  ASSERT_EQ(w.assets.size(), 101u);
  EXPECT_EQ(w.instruments[0].symbol, "SYM000_USD");
  EXPECT_EQ(w.instruments[99].symbol, "SYM099_USD");
  for (const InstrumentDef& i : w.instruments) {
    // docs/engine.md: tick value = tick * lot / 10^base.decimals must be a positive integer.
    uint64_t scale = 1;
    for (int d = 0; d < w.assets[i.base].decimals; ++d) scale *= 10;
    EXPECT_EQ(static_cast<uint64_t>(i.tick * i.lot) % scale, 0u);
    EXPECT_GT(static_cast<uint64_t>(i.tick * i.lot) / scale, 0u);
  }
  size_t deposits = 0, orders_before_w = 0, orders_after_w = 0;
  bool seen_w = false, order_seen = false;
  for (const Record& r : w.records) {
    switch (r.kind) {
      case RecordKind::kAsset:
      case RecordKind::kInstrument:
        EXPECT_FALSE(order_seen);
        break;
      case RecordKind::kDeposit:
        EXPECT_FALSE(order_seen);
        ++deposits;
        break;
      case RecordKind::kWarmupEnd:
        EXPECT_FALSE(seen_w);
        seen_w = true;
        break;
      default:
        order_seen = true;
        ++(seen_w ? orders_after_w : orders_before_w);
    }
  }
  EXPECT_EQ(deposits, 300u * 101u);
  EXPECT_EQ(orders_before_w, o.warmup_commands);
  EXPECT_EQ(orders_after_w, o.commands);
  EXPECT_EQ(Translate(w).warmup_commands, 101u + 100u + deposits + o.warmup_commands);
}

// The generated venues are ones the engine runs as written: Translate adjusts nothing (workload.h).
TEST(GeneratorTest, ShouldNeedNoAdjustmentToRun) {
  for (const WorkloadKind kind : {WorkloadKind::kStandard, WorkloadKind::kSingleBook, WorkloadKind::kBurst,
                                  WorkloadKind::kWideBook, WorkloadKind::kTrending}) {
    const CommandStream s = Translate(Generate(Small(kind, 3)));
    EXPECT_TRUE(s.adjustments.empty()) << WorkloadName(kind) << ": " << s.adjustments.front();
  }
}

TEST(GeneratorTest, ShouldNeverReuseARefWithinAnAccount) {
  const Workload w = Generate(Small(WorkloadKind::kBurst, 5));
  std::set<std::pair<uint32_t, uint64_t>> placed;
  for (const Record& r : w.records) {
    if (r.kind == RecordKind::kNew) {
      EXPECT_TRUE(placed.insert({r.account, r.ref}).second);
    }
  }
}

struct Mix {
  std::map<std::string, double> share;
  uint64_t total = 0;
};

Mix CountMix(const Workload& w) {
  std::map<std::string, uint64_t> n;
  std::map<std::pair<uint64_t, uint64_t>, int64_t> price_of;  // (account, ref) -> the order's price now
  Mix mix;
  for (const Record& r : w.records) {
    std::string k;
    switch (r.kind) {
      case RecordKind::kNew:
        price_of[{r.account, r.ref}] = r.price;
        k = r.market                                   ? "market"
            : r.tif == TimeInForce::kImmediateOrCancel ? "ioc"
            : r.tif == TimeInForce::kFillOrKill        ? "fok"
            : r.post_only                              ? "gtc_po"
                                                       : "gtc";
        break;
      case RecordKind::kCancel:
        k = "cancel";
        break;
      case RecordKind::kAmend: {
        // Both numbers are written (the README's M line): a quantity amend keeps the order's price.
        int64_t& price = price_of[{r.account, r.ref}];
        k = r.price == price ? "amend_qty" : "amend_price";
        price = r.price;
      } break;
      case RecordKind::kCancelAll:
        k = "cancel_all";
        break;
      default:
        continue;
    }
    ++n[k];
    ++mix.total;
  }
  for (const auto& [k, v] : n) mix.share[k] = static_cast<double>(v) / static_cast<double>(mix.total);
  return mix;
}

TEST(GeneratorTest, ShouldFollowTheStandardMix) {
  GeneratorStats stats;
  const Workload w = Generate(Small(WorkloadKind::kStandard, 42), &stats);
  Mix m = CountMix(w);
  EXPECT_EQ(m.total, 200'000u);
  EXPECT_NEAR(m.share["gtc"] + m.share["gtc_po"], 0.45, 0.01);
  EXPECT_NEAR(m.share["gtc_po"] / (m.share["gtc"] + m.share["gtc_po"]), 0.10, 0.01);
  EXPECT_NEAR(m.share["ioc"], 0.05, 0.005);
  EXPECT_NEAR(m.share["fok"], 0.01, 0.002);
  EXPECT_NEAR(m.share["market"], 0.04, 0.004);
  EXPECT_NEAR(m.share["cancel"], 0.30, 0.01);
  // One-lot orders cannot shrink and move instead, so the split leans slightly to price moves.
  EXPECT_NEAR(m.share["amend_price"] + m.share["amend_qty"], 0.13, 0.01);
  EXPECT_NEAR(m.share["amend_qty"], 0.065, 0.015);
  EXPECT_NEAR(m.share["cancel_all"], 0.02, 0.003);
  const double traded = static_cast<double>(stats.traded_on_arrival) / static_cast<double>(stats.new_orders);
  EXPECT_GT(traded, 0.06);
  EXPECT_LT(traded, 0.14);
  EXPECT_LT(static_cast<double>(stats.stale) / static_cast<double>(stats.order_commands), 0.02);
}

TEST(GeneratorTest, ShouldFollowTheSingleBookMix) {
  GeneratorStats stats;
  const Workload w = Generate(Small(WorkloadKind::kSingleBook, 42), &stats);
  ASSERT_EQ(w.instruments.size(), 1u);
  Mix m = CountMix(w);
  EXPECT_NEAR(m.share["gtc"], 0.09, 0.005);
  EXPECT_NEAR(m.share["ioc"], 0.03, 0.003);
  EXPECT_NEAR(m.share["cancel"], 0.06, 0.004);
  EXPECT_NEAR(m.share["amend_price"], 0.82, 0.01);
  EXPECT_EQ(m.share.count("market"), 0u);
  const double traded = static_cast<double>(stats.commands_that_traded) / static_cast<double>(stats.order_commands);
  EXPECT_NEAR(traded, 0.06, 0.02);
  ASSERT_EQ(stats.open_orders.size(), 1u);
  EXPECT_GT(stats.open_orders[0], 500u);
  EXPECT_LT(stats.open_orders[0], 1500u);
}

TEST(GeneratorTest, ShouldPutHalfTheWideBookQuotesDeepOnManyPrices) {
  GeneratorStats stats;
  const Workload w = Generate(Small(WorkloadKind::kWideBook, 42), &stats);
  ASSERT_EQ(w.instruments.size(), 1u);
  Mix m = CountMix(w);
  EXPECT_NEAR(m.share["gtc"], 0.43, 0.01);
  EXPECT_NEAR(m.share["ioc"], 0.12, 0.01);
  EXPECT_NEAR(m.share["cancel"], 0.40, 0.01);
  uint64_t gtc = 0, deep = 0;
  std::set<int64_t> deep_prices;
  for (const Record& r : w.records) {
    if (r.kind != RecordKind::kNew || r.tif != TimeInForce::kGoodTillCancel) continue;
    ++gtc;
    // More than 10,000 ticks from the start of the fair price (10,000,000; it walks far less than that): the
    // three deepest of the four decades of deep offsets, so 3/8 of GTC orders.
    if (r.price < 9'990'000 || r.price > 10'010'000) {
      ++deep;
      deep_prices.insert(r.price);
    }
  }
  EXPECT_NEAR(static_cast<double>(deep) / static_cast<double>(gtc), 0.375, 0.04);
  EXPECT_GT(deep_prices.size(), 30'000u);
  // Beyond the engine's ladder window on both sides (2^18 ticks, what it was when this workload was made; it is
  // 2^14 now).
  EXPECT_LT(*deep_prices.begin(), 10'000'000 - (int64_t{1} << 18));
  EXPECT_GT(*deep_prices.rbegin(), 10'000'000 + (int64_t{1} << 18));
}

TEST(GeneratorTest, ShouldMoveTheTrendingBookFarUpAsItsOrdersFollow) {
  GeneratorStats stats;
  const Workload w = Generate(Small(WorkloadKind::kTrending, 42), &stats);
  ASSERT_EQ(w.instruments.size(), 1u);
  // The same mix as standard's, on one book.
  Mix m = CountMix(w);
  EXPECT_NEAR(m.share["gtc"] + m.share["gtc_po"], 0.45, 0.01);
  EXPECT_NEAR(m.share["cancel"], 0.30, 0.01);
  // 200,000 order commands at about 0.3 ticks each: the last limit prices sit some 60,000 ticks above the first,
  // several times the engine's ladder window (2^14 ticks).
  int64_t first = 0, last = 0;
  for (const Record& r : w.records) {
    if (r.kind != RecordKind::kNew || r.price == 0) continue;
    if (first == 0) first = r.price;
    last = r.price;
  }
  EXPECT_GT(last - first, 45'000);
  EXPECT_LT(last - first, 75'000);
  EXPECT_GT(stats.open_orders[0], 100u);
  EXPECT_LT(stats.open_orders[0], 3'000u);
}

TEST(GeneratorTest, ShouldSweepManyLevelsInBursts) {
  GeneratorStats stats;
  const Workload w = Generate(Small(WorkloadKind::kBurst, 42), &stats);
  EXPECT_GE(stats.max_levels_swept, 20u);
  EXPECT_EQ(CountMix(w).total, 200'000u);
}

}  // namespace
}  // namespace sequex::workload

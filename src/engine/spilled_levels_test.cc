// SpilledLevels against a std::map model: random inserts and erases that grow the container to thousands of levels
// and drain it again (splitting and merging blocks), checking find, best, both walks with and without a skip, the
// extraction the window's moves use, and that memory follows the levels in use.
#include "engine/spilled_levels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace sequex {
namespace {

using Model = std::map<int64_t, int64_t>;  // price -> the level's total, which tags each level

std::vector<int64_t> WorstFirst(const Model& model, bool is_bid) {
  std::vector<int64_t> out;
  for (const auto& [price, total] : model) out.push_back(price);
  if (!is_bid) std::reverse(out.begin(), out.end());  // asks: the highest price is the worst
  return out;
}

void ExpectSame(const SpilledLevels& levels, const Model& model, bool is_bid) {
  ASSERT_EQ(levels.size(), model.size());
  ASSERT_EQ(levels.empty(), model.empty());
  const std::vector<int64_t> worst_first = WorstFirst(model, is_bid);
  std::vector<int64_t> seen;
  EXPECT_TRUE(levels.ForEachFromWorst(0, [&](const Level& l) {
    seen.push_back(l.price.value());
    EXPECT_EQ(l.total.value(), model.at(l.price.value()));
    return true;
  }));
  ASSERT_EQ(seen, worst_first);
  seen.clear();
  EXPECT_TRUE(levels.ForEachFromBest(0, [&](const Level& l) {
    seen.push_back(l.price.value());
    return true;
  }));
  ASSERT_EQ(seen, std::vector<int64_t>(worst_first.rbegin(), worst_first.rend()));
  if (!model.empty()) {
    EXPECT_EQ(levels.best().price.value(), worst_first.back());
  }
  // Blocks are on average more than a quarter full (every adjacent pair holds more than half a block).
  EXPECT_LE(levels.BlockCount(), 4 * levels.size() / SpilledLevels::kBlockLevels + 1);
}

void RunGrowAndDrain(bool is_bid, uint64_t seed) {
  SpilledLevels levels(is_bid);
  Model model;
  std::mt19937_64 rng(seed);
  constexpr int64_t kPrices = 200'000;
  for (int step = 0; step < 120'000; ++step) {
    // Grow for the first half, then drain: inserts win 3:1, then lose 1:3.
    const bool grow = step < 60'000 ? rng() % 4 != 0 : rng() % 4 == 0;
    const int64_t price = 1 + static_cast<int64_t>(rng() % kPrices);
    Level* found = levels.Find(PriceTicks{price});
    ASSERT_EQ(found != nullptr, model.count(price) == 1) << "step " << step;
    if (grow && found == nullptr) {
      Level& l = levels.Insert(PriceTicks{price});
      ASSERT_EQ(l.price.value(), price);
      ASSERT_EQ(l.count, 0u);
      l.total = QtyLots{step};
      model[price] = step;
    } else if (!grow && !model.empty()) {
      auto it = model.lower_bound(price);  // erase the nearest level at or above a random price
      if (it == model.end()) it = std::prev(model.end());
      levels.Erase(PriceTicks{it->first});
      model.erase(it);
    }
    if (step % 4'999 == 0) {
      ExpectSame(levels, model, is_bid);
      if (testing::Test::HasFatalFailure()) return;
    }
    if (!model.empty()) {
      ASSERT_EQ(levels.best().price.value(), is_bid ? model.rbegin()->first : model.begin()->first) << "step " << step;
    }
  }
  while (!model.empty()) {
    levels.Erase(PriceTicks{model.begin()->first});
    model.erase(model.begin());
  }
  ExpectSame(levels, model, is_bid);
}

TEST(SpilledLevelsTest, ShouldMatchAnOrderedMapForBidsAsTheyGrowAndDrain) { RunGrowAndDrain(true, 11); }
TEST(SpilledLevelsTest, ShouldMatchAnOrderedMapForAsksAsTheyGrowAndDrain) { RunGrowAndDrain(false, 12); }

TEST(SpilledLevelsTest, ShouldWalkFromEitherEndAfterSkippingAndStopWhenAsked) {
  SpilledLevels bids(true);
  for (int64_t p = 1; p <= 500; ++p) bids.Insert(PriceTicks{p * 3});
  for (size_t skip :
       {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{499}, size_t{500}, size_t{900}}) {
    std::vector<int64_t> best_first;
    EXPECT_TRUE(bids.ForEachFromBest(skip, [&](const Level& l) {
      best_first.push_back(l.price.value());
      return true;
    }));
    ASSERT_EQ(best_first.size(), skip >= 500 ? 0 : 500 - skip);
    if (!best_first.empty()) {
      EXPECT_EQ(best_first.front(), static_cast<int64_t>(500 - skip) * 3);
    }
    std::vector<int64_t> worst_first;
    EXPECT_TRUE(bids.ForEachFromWorst(skip, [&](const Level& l) {
      worst_first.push_back(l.price.value());
      return true;
    }));
    ASSERT_EQ(worst_first.size(), best_first.size());
    if (!worst_first.empty()) {
      EXPECT_EQ(worst_first.front(), static_cast<int64_t>(skip + 1) * 3);
    }
  }
  int visited = 0;
  EXPECT_FALSE(bids.ForEachFromBest(10, [&](const Level&) { return ++visited < 100; }));
  EXPECT_EQ(visited, 100);
}

TEST(SpilledLevelsTest, ShouldExtractARangeWorstFirstAndKeepTheRestInOrder) {
  SpilledLevels asks(false);
  Model model;
  for (int64_t p = 1; p <= 1'000; ++p) {
    asks.Insert(PriceTicks{p}).total = QtyLots{p};
    model[p] = p;
  }
  std::vector<int64_t> taken;
  asks.ExtractRange(301, 701, [&](const Level& l) { taken.push_back(l.price.value()); });
  ASSERT_EQ(taken.size(), 400u);
  EXPECT_EQ(taken.front(), 700);  // asks: worst (highest) first
  EXPECT_EQ(taken.back(), 301);
  for (int64_t p = 301; p <= 700; ++p) model.erase(p);
  ExpectSame(asks, model, false);
  // Still a working container afterwards.
  asks.Insert(PriceTicks{500}).total = QtyLots{500};
  model[500] = 500;
  asks.Erase(PriceTicks{1});
  model.erase(1);
  ExpectSame(asks, model, false);
}

// For each side, `rounds` fresh containers, each holding up to `max_count` levels at prices 1 + spacing * k (k random
// below `choices`, each level tagged with its price as its total), handed to check(levels, model, rng, is_bid).
template <typename Check>
void ForRandomContainers(uint64_t seed, int rounds, uint64_t max_count, uint64_t choices, int64_t spacing,
                         Check&& check) {
  for (bool is_bid : {true, false}) {
    std::mt19937_64 rng(seed + (is_bid ? 0 : 1));
    for (int round = 0; round < rounds; ++round) {
      SpilledLevels levels(is_bid);
      Model model;
      const uint64_t count = rng() % (max_count + 1);
      for (uint64_t i = 0; i < count; ++i) {
        const int64_t price = 1 + spacing * static_cast<int64_t>(rng() % choices);
        if (model.count(price) != 0) continue;
        levels.Insert(PriceTicks{price}).total = QtyLots{price};
        model[price] = price;
      }
      check(levels, model, rng, is_bid);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(SpilledLevelsTest, ShouldExtractAnyRangeFromScatteredLevels) {
  // Ranges that start and end inside blocks, span many blocks, miss every level, or lie past either end.
  ForRandomContainers(31, 200, 3'000, 20'000, 1,
                      [](SpilledLevels& levels, Model& model, std::mt19937_64& rng, bool is_bid) {
                        const int64_t lo = static_cast<int64_t>(rng() % 22'000) - 1'000;
                        const int64_t hi = lo + static_cast<int64_t>(rng() % 8'000);
                        std::vector<int64_t> taken;
                        levels.ExtractRange(lo, hi, [&](const Level& l) {
                          EXPECT_EQ(l.total.value(), l.price.value());
                          taken.push_back(l.price.value());
                        });
                        std::vector<int64_t> want;
                        for (auto it = model.lower_bound(lo); it != model.end() && it->first < hi;) {
                          want.push_back(it->first);
                          it = model.erase(it);
                        }
                        if (!is_bid) std::reverse(want.begin(), want.end());  // worst first: asks from the highest
                        ASSERT_EQ(taken, want);
                        ExpectSame(levels, model, is_bid);
                      });
}

TEST(SpilledLevelsTest, ShouldSpliceARunIntoAnyGapAndRefuseOneThatInterleaves) {
  // Runs of 1 to 300 levels into an empty container, before the first level, after the last, and into gaps inside
  // a block or between blocks (levels sit 1,000 prices apart); then a run that would straddle a level already
  // present, which changes nothing.
  ForRandomContainers(
      51, 300, 2'000, 5'000, 1'000, [](SpilledLevels& levels, Model& model, std::mt19937_64& rng, bool is_bid) {
        // Consecutive prices starting just after a multiple of 1,000: inside one gap.
        const int64_t start = 2 + 1'000 * static_cast<int64_t>(rng() % 5'100);
        const int64_t length = 1 + static_cast<int64_t>(rng() % 300);
        std::vector<Level> run;
        for (int64_t p = start; p < start + length; ++p) run.push_back(Level{PriceTicks{p}, QtyLots{p}, kNil, kNil, 1});
        if (!is_bid) std::reverse(run.begin(), run.end());  // worst first
        ASSERT_TRUE(levels.SpliceRun(run));
        for (int64_t p = start; p < start + length; ++p) model[p] = p;
        ExpectSame(levels, model, is_bid);
        if (model.size() <= static_cast<size_t>(length)) return;
        // Straddles the first level outside the run: refused, and nothing changes.
        const int64_t present = model.begin()->first == start ? model.rbegin()->first : model.begin()->first;
        if (model.count(present - 1) != 0 || model.count(present + 1) != 0) return;
        std::vector<Level> straddling{Level{PriceTicks{present - 1}, QtyLots{1}, kNil, kNil, 1},
                                      Level{PriceTicks{present + 1}, QtyLots{1}, kNil, kNil, 1}};
        if (!is_bid) std::reverse(straddling.begin(), straddling.end());
        EXPECT_FALSE(levels.SpliceRun(straddling));
        ExpectSame(levels, model, is_bid);
      });
}

TEST(SpilledLevelsTest, ShouldAllocateOnlyPastItsHighWaterMark) {
  SpilledLevels bids(true);
  std::mt19937_64 rng(5);
  std::vector<int64_t> prices;
  prices.reserve(20'000);
  for (int i = 0; i < 20'000; ++i) prices.push_back(static_cast<int64_t>(i) * 7 + 1);
  std::shuffle(prices.begin(), prices.end(), rng);
  for (int64_t p : prices) bids.Insert(PriceTicks{p});
  const size_t high_water = bids.MemoryBytes();
  for (int round = 0; round < 3; ++round) {
    std::vector<int64_t> erase_order = prices;
    std::shuffle(erase_order.begin(), erase_order.end(), rng);
    for (int64_t p : erase_order) bids.Erase(PriceTicks{p});
    EXPECT_TRUE(bids.empty());
    EXPECT_EQ(bids.BlockCount(), 0u);
    // Refilled, the same levels reuse the blocks the drain released.
    for (int64_t p : prices) bids.Insert(PriceTicks{p});
    EXPECT_EQ(bids.MemoryBytes(), high_water) << "round " << round;
  }
}

}  // namespace
}  // namespace sequex

// StopQueue against a brute-force model (a map from id to trigger, scanned in full): random pushes, erases and
// price moves for both directions, through rebuilds that pack holes and grow the tree, checking FirstMet at prices
// on both sides of the triggers, the walk in id order, and that memory follows the stops waiting.
#include "engine/stop_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace sequex {
namespace {

struct Waiting {
  int64_t trigger;
  uint32_t slot;
};
using Model = std::map<uint64_t, Waiting>;  // by id

uint32_t ModelFirstMet(const Model& model, bool rise, int64_t last) {
  for (const auto& [id, w] : model) {  // ascending id: the first met is the answer
    if (rise ? last >= w.trigger : last <= w.trigger) return w.slot;
  }
  return kNil;
}

void ExpectSame(const StopQueue& queue, const Model& model) {
  ASSERT_EQ(queue.size(), model.size());
  ASSERT_EQ(queue.empty(), model.empty());
  std::vector<uint32_t> seen;
  queue.ForEach([&](uint32_t slot) { seen.push_back(slot); });
  std::vector<uint32_t> expected;
  for (const auto& [id, w] : model) expected.push_back(w.slot);
  ASSERT_EQ(seen, expected);
}

TEST(StopQueueTest, ShouldAnswerNothingWhenEmpty) {
  StopQueue queue(true);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.FirstMet(PriceTicks{1}), kNil);
  EXPECT_FALSE(queue.Erase(OrderId{7}));
}

TEST(StopQueueTest, ShouldTriggerRiseStopsAtOrAboveAndFallStopsAtOrBelow) {
  StopQueue rise(true);
  StopQueue fall(false);
  rise.Push(OrderId{1}, PriceTicks{100}, 10);
  fall.Push(OrderId{2}, PriceTicks{100}, 20);
  EXPECT_EQ(rise.FirstMet(PriceTicks{99}), kNil);
  EXPECT_EQ(rise.FirstMet(PriceTicks{100}), 10u);
  EXPECT_EQ(rise.FirstMet(PriceTicks{101}), 10u);
  EXPECT_EQ(fall.FirstMet(PriceTicks{101}), kNil);
  EXPECT_EQ(fall.FirstMet(PriceTicks{100}), 20u);
  EXPECT_EQ(fall.FirstMet(PriceTicks{99}), 20u);
}

TEST(StopQueueTest, ShouldPickTheLowestIdAmongTheMetNotTheNearestTrigger) {
  StopQueue rise(true);
  rise.Push(OrderId{5}, PriceTicks{120}, 1);  // met last, but oldest
  rise.Push(OrderId{6}, PriceTicks{101}, 2);
  rise.Push(OrderId{9}, PriceTicks{100}, 3);
  EXPECT_EQ(rise.FirstMet(PriceTicks{100}), 3u);
  EXPECT_EQ(rise.FirstMet(PriceTicks{110}), 2u);
  EXPECT_EQ(rise.FirstMet(PriceTicks{120}), 1u);
  ASSERT_TRUE(rise.Erase(OrderId{5}));
  EXPECT_FALSE(rise.Erase(OrderId{5}));  // not twice
  EXPECT_EQ(rise.FirstMet(PriceTicks{120}), 2u);
}

TEST(StopQueueTest, ShouldKeepThousandsOfStopsAtOnePriceInIdOrder) {
  StopQueue fall(false);
  for (uint32_t k = 0; k < 30'000; ++k) fall.Push(OrderId{k + 1}, PriceTicks{500}, k);
  for (uint32_t k = 0; k < 30'000; ++k) {
    ASSERT_EQ(fall.FirstMet(PriceTicks{450}), k);
    ASSERT_TRUE(fall.Erase(OrderId{k + 1}));
  }
  EXPECT_TRUE(fall.empty());
  EXPECT_EQ(fall.FirstMet(PriceTicks{1}), kNil);
}

void RunRandom(bool rise, uint64_t seed) {
  StopQueue queue(rise);
  Model model;
  std::mt19937_64 rng(seed);
  uint64_t next_id = 1;
  uint32_t next_slot = 0;
  size_t most = 0;
  for (int step = 0; step < 200'000; ++step) {
    // Grow for the first half, then drain.
    const bool grow = step < 100'000 ? rng() % 3 != 0 : rng() % 3 == 0;
    const uint64_t roll = rng() % 8;
    if (roll == 0) {  // a price move: the first met, at a price likely to meet some and not others
      const int64_t last = 1 + static_cast<int64_t>(rng() % 1'100);
      ASSERT_EQ(queue.FirstMet(PriceTicks{last}), ModelFirstMet(model, rise, last)) << "step " << step;
    } else if (grow) {
      const int64_t trigger = 1 + static_cast<int64_t>(rng() % 1'000);
      next_id += 1 + rng() % 3;  // ids ascend with gaps, as the engine's do across books
      queue.Push(OrderId{next_id}, PriceTicks{trigger}, next_slot);
      model[next_id] = Waiting{trigger, next_slot++};
    } else if (!model.empty()) {
      auto it = model.lower_bound(1 + rng() % next_id);
      if (it == model.end()) it = model.begin();
      ASSERT_TRUE(queue.Erase(OrderId{it->first})) << "step " << step;
      model.erase(it);
    } else {
      ASSERT_FALSE(queue.Erase(OrderId{next_id}));
    }
    if (step % 5'000 == 0) {
      ASSERT_NO_FATAL_FAILURE(ExpectSame(queue, model));
    }
    most = std::max(most, model.size());
  }
  ASSERT_NO_FATAL_FAILURE(ExpectSame(queue, model));
  EXPECT_GT(most, 10'000u);  // the run did grow the tree through several doublings
  // The memory is at most about four times what the most stops at once need (a tree half full, of two nodes a leaf).
  EXPECT_LE(queue.MemoryBytes(), 4 * (most + 16) * (sizeof(uint64_t) + sizeof(uint32_t) + 2 * sizeof(int64_t)));
}

TEST(StopQueueTest, ShouldMatchABruteForceModelForRisingStops) { RunRandom(true, 1); }
TEST(StopQueueTest, ShouldMatchABruteForceModelForFallingStops) { RunRandom(false, 2); }

TEST(StopQueueTest, ShouldKeepItsStopsThroughReserve) {
  StopQueue queue(false);
  Model model;
  for (uint32_t k = 1; k <= 100; ++k) {
    queue.Push(OrderId{k}, PriceTicks{1'000 - k}, k);
    model[k] = Waiting{1'000 - int64_t{k}, k};
  }
  for (uint64_t k = 1; k <= 100; k += 2) {
    ASSERT_TRUE(queue.Erase(OrderId{k}));
    model.erase(k);
  }
  queue.Reserve(5'000);
  ASSERT_NO_FATAL_FAILURE(ExpectSame(queue, model));
  const size_t reserved = queue.MemoryBytes();
  for (uint32_t k = 101; k <= 5'050; ++k) queue.Push(OrderId{k}, PriceTicks{2'000}, k);
  EXPECT_EQ(queue.MemoryBytes(), reserved);  // no growth within what was reserved
  EXPECT_EQ(queue.FirstMet(PriceTicks{2'001}), kNil);
  EXPECT_EQ(queue.FirstMet(PriceTicks{999}), 101u);  // id 1 (trigger 999) was erased; the new ones wait at 2,000
  EXPECT_EQ(queue.FirstMet(PriceTicks{950}), 2u);    // the lowest live id with trigger >= 950
}

TEST(StopQueueTest, ShouldPackHolesInsteadOfGrowingWhenFewStopsWait) {
  StopQueue queue(true);
  uint64_t id = 0;
  for (int round = 0; round < 1'000; ++round) {  // 100,000 stops in all, never more than 100 at once
    for (int k = 0; k < 100; ++k) queue.Push(OrderId{++id}, PriceTicks{50 + k}, static_cast<uint32_t>(k));
    for (uint64_t k = id - 99; k <= id; ++k) ASSERT_TRUE(queue.Erase(OrderId{k}));
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_LE(queue.MemoryBytes(), 512 * (sizeof(uint64_t) + sizeof(uint32_t) + 2 * sizeof(int64_t)));
}

}  // namespace
}  // namespace sequex

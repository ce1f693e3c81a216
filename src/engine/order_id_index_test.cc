#include "engine/order_id_index.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>

namespace sequex {
namespace {

TEST(OrderIdIndexTest, ShouldFindAscendingIdsAndForgetErasedOnes) {
  OrderIdIndex index(16);
  for (uint32_t i = 1; i <= 1000; ++i) index.Insert(i, i + 100);
  for (uint32_t i = 1; i <= 1000; ++i) EXPECT_EQ(index.Find(i), i + 100);
  for (uint32_t i = 1; i <= 1000; i += 2) EXPECT_TRUE(index.Erase(i, i + 100));
  for (uint32_t i = 1; i <= 1000; ++i) EXPECT_EQ(index.Find(i), i % 2 ? OrderIdIndex::kNone : i + 100);
  EXPECT_FALSE(index.Erase(1, 101));
  EXPECT_FALSE(index.Erase(2, 999));  // filed, but under another slot
  EXPECT_EQ(index.size(), 500u);
}

TEST(OrderIdIndexTest, ShouldKeepAnOldOrderWhoseHomeANewerIdWrapsOnto) {
  OrderIdIndex index(16);                  // capacity 16 while at most 2 ids are filed
  index.Insert(1, 7);                      // a long-lived order
  for (uint64_t id = 2; id < 200; ++id) {  // short-lived ones: ids 17, 33, ... land on its home
    index.Insert(id, 8);
    EXPECT_EQ(index.Find(id), 8u);
    EXPECT_EQ(index.Find(1), 7u);
    EXPECT_TRUE(index.Erase(id, 8));
  }
  EXPECT_EQ(index.capacity(), 16u);
  EXPECT_EQ(index.Find(17), OrderIdIndex::kNone);
  EXPECT_EQ(index.Find(1, [](uint32_t s) { return s == 8; }), OrderIdIndex::kNone);
  EXPECT_TRUE(index.Erase(1, 7));
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.overflow_size(), 0u);
}

TEST(OrderIdIndexTest, ShouldFileIdsTooLargeForAnEntryInTheOverflow) {
  OrderIdIndex index(16);
  const uint64_t huge = UINT64_MAX - 5;  // a hostile snapshot's next order id, say
  index.Insert(huge, 1);
  index.Insert(huge + 1, 2);
  index.Insert(3, 3);
  EXPECT_EQ(index.overflow_size(), 2u);
  EXPECT_EQ(index.Find(huge), 1u);
  EXPECT_EQ(index.Find(huge + 1), 2u);
  EXPECT_EQ(index.Find(huge & 15), OrderIdIndex::kNone);  // same home, different id
  EXPECT_EQ(index.Find(3), 3u);
  EXPECT_TRUE(index.Erase(huge, 1));
  EXPECT_EQ(index.Find(huge), OrderIdIndex::kNone);
  EXPECT_EQ(index.size(), 2u);
}

// The engine sizes the index for its expected open orders (four entries each) and must not grow it on the matching
// path before that many are open, even when some of them have been pushed into the overflow.
TEST(OrderIdIndexTest, ShouldNotGrowWhileAQuarterOfItsCapacityIsFiled) {
  OrderIdIndex index(4096);  // sized for 1,024 open orders
  const size_t memory = index.MemoryBytes();
  const auto slot = [](uint64_t id) { return static_cast<uint32_t>(id); };
  // 64 old orders stay open while 4,096 newer ids pass, so the last 64 find their homes taken (1/16 of the open
  // orders go to the overflow, where about 4% do on the standard workload); the rest turn over at 1,024 open.
  for (uint64_t id = 1; id <= 64; ++id) index.Insert(id, slot(id));
  std::deque<uint64_t> turning_over;
  for (uint64_t id = 65; id <= 4096 + 64; ++id) {
    if (turning_over.size() == 1024 - 64) {
      ASSERT_TRUE(index.Erase(turning_over.front(), slot(turning_over.front())));
      turning_over.pop_front();
    }
    index.Insert(id, slot(id));
    turning_over.push_back(id);
  }
  EXPECT_EQ(index.size(), 1024u);
  EXPECT_EQ(index.overflow_size(), 64u);
  EXPECT_EQ(index.capacity(), 4096u);
  EXPECT_EQ(index.MemoryBytes(), memory);
  for (uint64_t id = 1; id <= 64; ++id) EXPECT_EQ(index.Find(id), slot(id));
  for (const uint64_t id : turning_over) EXPECT_EQ(index.Find(id), slot(id));
}

// The engine's pattern: ids ascend, orders close in any order, some live for a long time.
TEST(OrderIdIndexTest, ShouldMatchAnOrderedMapUnderRandomLifetimes) {
  std::mt19937_64 rng(11);
  OrderIdIndex index(16);
  std::map<uint64_t, uint32_t> open;
  uint64_t next_id = 1;
  for (uint32_t step = 0; step < 300000; ++step) {
    if (open.empty() || rng() % 100 < 52) {
      index.Insert(next_id, step);
      open[next_id++] = step;
    } else {
      // Close a recent order mostly, an old one sometimes.
      auto it = rng() % 10 == 0
                    ? open.begin()
                    : std::prev(open.end(), static_cast<long>(1 + rng() % std::min<size_t>(open.size(), 50)));
      ASSERT_TRUE(index.Erase(it->first, it->second));
      open.erase(it);
    }
    if (step % 97 == 0) {
      const uint64_t probe = 1 + rng() % next_id;
      const auto it = open.find(probe);
      ASSERT_EQ(index.Find(probe), it == open.end() ? OrderIdIndex::kNone : it->second);
    }
  }
  ASSERT_EQ(index.size(), open.size());
  for (const auto& [id, slot] : open) ASSERT_EQ(index.Find(id), slot);
  EXPECT_GT(index.overflow_size(), 0u);  // the old orders were wrapped over, and are still found
}

}  // namespace
}  // namespace sequex

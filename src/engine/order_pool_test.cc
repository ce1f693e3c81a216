#include "engine/order_pool.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/huge_page_resource.h"

namespace sequex {
namespace {

TEST(OrderPoolTest, ShouldHandOutAscendingSlotsAsItGrowsWithinAndAcrossChunks) {
  HugePageResource memory;
  OrderPool pool(10, &memory);
  EXPECT_EQ(pool.capacity(), 64u);  // a small pool links only what it was sized for, rounded up
  const uint32_t slots = OrderPool::kChunkSize + 5000;
  std::vector<uint32_t> capacities;
  for (uint32_t i = 0; i < slots; ++i) {
    const uint32_t slot = pool.Allocate();
    ASSERT_EQ(slot, i);  // a snapshot's loader files order k at slot k of a fresh pool
    new (&pool[slot]) Order{.remaining = QtyLots(i)};
    if (capacities.empty() || capacities.back() != pool.capacity()) capacities.push_back(pool.capacity());
  }
  // Doubles within the first chunk, then adds a whole chunk.
  EXPECT_EQ(capacities,
            (std::vector<uint32_t>{64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072}));
  for (uint32_t i = 0; i < slots; i += 997) EXPECT_EQ(pool[i].remaining, QtyLots(i));  // growth moved no order
  EXPECT_EQ(pool.live(), slots);
}

TEST(OrderPoolTest, ShouldLinkWholeChunksForAPoolSizedForOneOrMore) {
  HugePageResource memory;
  OrderPool pool(OrderPool::kChunkSize + 1, &memory);
  EXPECT_EQ(pool.capacity(), 2 * OrderPool::kChunkSize);
}

TEST(OrderPoolTest, ShouldReuseTheLastFreedSlotFirst) {
  HugePageResource memory;
  OrderPool pool(4, &memory);
  const uint32_t a = pool.Allocate();
  const uint32_t b = pool.Allocate();
  pool.Free(a);
  pool.Free(b);
  EXPECT_EQ(pool.Allocate(), b);  // the most recently freed is the most likely still in cache
  EXPECT_EQ(pool.Allocate(), a);
  EXPECT_EQ(pool.live(), 2u);
}

}  // namespace
}  // namespace sequex

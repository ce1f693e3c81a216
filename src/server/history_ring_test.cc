#include "server/history_ring.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <vector>

namespace sequex::server {
namespace {

template <typename Ring>
std::vector<int> Contents(const Ring& ring) {
  return {ring.begin(), ring.end()};
}

TEST(HistoryRing, ShouldKeepTheNewestItemsNewestFirstAsADequeWould) {
  HistoryRing<int, 100> ring;
  std::deque<int> model;
  std::mt19937_64 random(7);
  for (int i = 0; i < 5'000; ++i) {
    if (random() % 4 == 0 && !model.empty()) {
      ring.front() += 1000;  // the newest item is updated in place (a candle still open)
      model.front() += 1000;
    } else {
      ring.push_front(i);
      model.push_front(i);
      if (model.size() > 100) model.pop_back();
    }
    ASSERT_EQ(ring.size(), model.size());
    ASSERT_EQ(Contents(ring), std::vector<int>(model.begin(), model.end())) << "after step " << i;
    for (size_t k = 0; k < model.size(); k += 17) ASSERT_EQ(ring[k], model[k]);
  }
}

TEST(HistoryRing, ShouldGrowOnlyUpToItsCapacityAndCopyWhole) {
  HistoryRing<int, 10> ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.begin(), ring.end());
  for (int i = 1; i <= 3; ++i) ring.push_front(i);
  EXPECT_EQ(Contents(ring), (std::vector<int>{3, 2, 1}));
  for (int i = 4; i <= 25; ++i) ring.push_front(i);
  EXPECT_EQ(ring.size(), 10u);
  EXPECT_EQ(ring.front(), 25);
  EXPECT_EQ(ring[9], 16);
  HistoryRing<int, 10> copy = ring;
  ring.push_front(26);
  EXPECT_EQ(copy.front(), 25);
  EXPECT_EQ(Contents(copy), (std::vector<int>{25, 24, 23, 22, 21, 20, 19, 18, 17, 16}));
  copy = ring;
  EXPECT_EQ(Contents(copy), Contents(ring));
  ring.clear();
  EXPECT_TRUE(ring.empty());
  ring.push_front(1);
  EXPECT_EQ(Contents(ring), std::vector<int>{1});
}

}  // namespace
}  // namespace sequex::server

#include "common/flat_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace sequex {
namespace {

TEST(FlatIndexTest, ShouldFindWhatWasInsertedAndNotWhatWasErased) {
  FlatIndex index(16);
  for (uint32_t i = 0; i < 1000; ++i) index.Insert(i * 7919ull, i);
  for (uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(index.Find(i * 7919ull), i);
  for (uint32_t i = 0; i < 1000; i += 2) EXPECT_TRUE(index.Erase(i * 7919ull, i));
  for (uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(index.Find(i * 7919ull), i % 2 ? i : FlatIndex::kNone);
  EXPECT_EQ(index.size(), 500u);
}

TEST(FlatIndexTest, ShouldKeepCollidingKeysApartWithTheConfirmPredicate) {
  FlatIndex index;
  index.Insert(42, 1);
  index.Insert(42, 2);
  EXPECT_EQ(index.Find(42, [](uint32_t s) { return s == 2; }), 2u);
  EXPECT_TRUE(index.Erase(42, 1));
  EXPECT_EQ(index.Find(42), 2u);
  EXPECT_FALSE(index.Erase(42, 1));
}

TEST(FlatIndexTest, ShouldMatchAnOrderedMapUnderRandomChurn) {
  std::mt19937_64 rng(7);
  FlatIndex index(16);
  std::map<uint64_t, uint32_t> model;
  for (uint32_t step = 0; step < 200000; ++step) {
    const uint64_t key = rng() % 5000;
    auto it = model.find(key);
    if (it == model.end()) {
      index.Insert(key, step);
      model[key] = step;
    } else {
      ASSERT_EQ(index.Find(key), it->second);
      ASSERT_TRUE(index.Erase(key, it->second));
      model.erase(it);
    }
  }
  for (const auto& [k, v] : model) EXPECT_EQ(index.Find(k), v);
  EXPECT_EQ(index.size(), model.size());
}

}  // namespace
}  // namespace sequex

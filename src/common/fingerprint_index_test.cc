#include "common/fingerprint_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace sequex {
namespace {

// The multiplicative inverse of the Fibonacci constant mod 2^64: k and k + kInverse have products one apart, so
// (almost always) the same fingerprint.
uint64_t Inverse(uint64_t c) {
  uint64_t x = c;  // Newton's iteration doubles the correct low bits each step
  for (int i = 0; i < 6; ++i) x *= 2 - c * x;
  return x;
}
const uint64_t kInverse = Inverse(0x9E3779B97F4A7C15ull);

TEST(FingerprintIndexTest, ShouldTellKeysWithOneFingerprintApartByTheConfirmPredicate) {
  ASSERT_EQ(0x9E3779B97F4A7C15ull * kInverse, 1u);
  FingerprintIndex index(16);
  const uint64_t a = 12345;
  const uint64_t b = a + kInverse;  // a different key with a's fingerprint
  index.Insert(a, 1);
  index.Insert(b, 2);
  EXPECT_EQ(index.Find(a, [](uint32_t s) { return s == 1; }), 1u);
  EXPECT_EQ(index.Find(b, [](uint32_t s) { return s == 2; }), 2u);
  EXPECT_EQ(index.Find(a, [](uint32_t s) { return s == 3; }), FingerprintIndex::kNone);
  EXPECT_TRUE(index.Erase(b, 2));
  EXPECT_FALSE(index.Erase(b, 2));
  EXPECT_EQ(index.Candidate(b), 1u);  // only a candidate: the caller confirms it
  EXPECT_EQ(index.size(), 1u);
}

TEST(FingerprintIndexTest, ShouldMatchAnOrderedMapUnderRandomChurnWhileItGrows) {
  std::mt19937_64 rng(7);
  FingerprintIndex index(16, 4);
  std::map<uint64_t, uint32_t> model;  // key -> slot; slots are unique, as pool slots are
  std::map<uint32_t, uint64_t> key_of;
  const auto confirm_for = [&](uint64_t key) { return [&, key](uint32_t s) { return key_of.at(s) == key; }; };
  for (uint32_t step = 0; step < 200000; ++step) {
    const uint64_t key = rng() % 20000 * 0x9E3779B1ull;
    auto it = model.find(key);
    if (it == model.end()) {
      index.Insert(key, step);
      model[key] = step;
      key_of[step] = key;
      ASSERT_GE(index.capacity(), index.size() * 4);
    } else {
      ASSERT_EQ(index.Find(key, confirm_for(key)), it->second);
      ASSERT_TRUE(index.Erase(key, it->second));
      key_of.erase(it->second);
      model.erase(it);
    }
  }
  for (const auto& [k, v] : model) EXPECT_EQ(index.Find(k, confirm_for(k)), v);
  EXPECT_EQ(index.size(), model.size());
}

}  // namespace
}  // namespace sequex

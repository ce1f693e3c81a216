#include "api/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace sequex::api {
namespace {

constexpr uint64_t kWindow = 100'000'000;  // 100 ms

TEST(RateLimiterTest, AllowsExactlyLimitInABurst) {
  RateLimiter r;
  for (int i = 0; i < 15; ++i) EXPECT_TRUE(r.Allow("key", 1, 15, kWindow, 1'000)) << i;
  EXPECT_FALSE(r.Allow("key", 1, 15, kWindow, 1'000));
  EXPECT_FALSE(r.Allow("key", 1, 15, kWindow, 1'000));
}

TEST(RateLimiterTest, RefillsContinuously) {
  RateLimiter r;
  uint64_t t = 5'000'000'000;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(r.Allow("k", 0, 10, kWindow, t));
  EXPECT_FALSE(r.Allow("k", 0, 10, kWindow, t));
  // One token per 10 ms.
  EXPECT_FALSE(r.Allow("k", 0, 10, kWindow, t + 9'999'999));
  EXPECT_TRUE(r.Allow("k", 0, 10, kWindow, t + 10'000'000));
  EXPECT_FALSE(r.Allow("k", 0, 10, kWindow, t + 10'000'000));
  // A whole window refills all, never more than the capacity.
  t += 10 * kWindow;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(r.Allow("k", 0, 10, kWindow, t));
  EXPECT_FALSE(r.Allow("k", 0, 10, kWindow, t));
}

TEST(RateLimiterTest, SteadyRateAtTheLimitNeverFails) {
  RateLimiter r;
  uint64_t t = 1;
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(r.Allow("k", 0, 3, kWindow, t)) << i;
    t += kWindow / 3 + 1;
  }
}

TEST(RateLimiterTest, KeysAndRulesAreIndependent) {
  RateLimiter r;
  EXPECT_TRUE(r.Allow("a", 1, 1, kWindow, 0));
  EXPECT_FALSE(r.Allow("a", 1, 1, kWindow, 0));
  EXPECT_TRUE(r.Allow("a", 2, 1, kWindow, 0));
  EXPECT_TRUE(r.Allow("b", 1, 1, kWindow, 0));
  EXPECT_TRUE(r.Allow("", 1, 1, kWindow, 0));
  EXPECT_FALSE(r.Allow("b", 1, 1, kWindow, 0));
}

TEST(RateLimiterTest, ClockGoingBackwardsDoesNotRefill) {
  RateLimiter r;
  EXPECT_TRUE(r.Allow("k", 0, 1, kWindow, 10 * kWindow));
  EXPECT_FALSE(r.Allow("k", 0, 1, kWindow, 0));
  EXPECT_FALSE(r.Allow("k", 0, 1, kWindow, 10 * kWindow + kWindow - 1));
  EXPECT_TRUE(r.Allow("k", 0, 1, kWindow, 11 * kWindow));
}

TEST(RateLimiterTest, ZeroLimitOrWindowRefuses) {
  RateLimiter r;
  EXPECT_FALSE(r.Allow("k", 0, 0, kWindow, 0));
  EXPECT_FALSE(r.Allow("k", 0, 5, 0, 0));
}

TEST(RateLimiterTest, LargeLimitsDoNotOverflow) {
  RateLimiter r;
  const uint64_t hour = 3'600'000'000'000;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(r.Allow("k", 0, UINT32_MAX, hour, 0));
}

TEST(RateLimiterTest, IdleBucketsAreEvictedSoDistinctKeysStayBounded) {
  RateLimiter r;
  uint64_t t = 0;
  // 200k distinct keys, one request each, 1 us apart: at most 100k are within any 100 ms window.
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(r.Allow("ip-" + std::to_string(i), 7, 100, kWindow, t));
    t += 1'000;
  }
  EXPECT_LE(r.BucketCount(), size_t{2} * 100'000 + RateLimiter::kShards * RateLimiter::kMinSweepSize);
  // Keys spread over a long time: only recent ones survive.
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(r.Allow("late-" + std::to_string(i), 7, 100, 1'000, t));
    t += 10'000;
  }
  EXPECT_LE(r.BucketCount(), 2 * RateLimiter::kShards * RateLimiter::kMinSweepSize);
}

TEST(RateLimiterTest, EvictionDoesNotForgetBusyBuckets) {
  RateLimiter r;
  uint64_t t = 0;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.Allow("busy", 0, 5, kWindow, t));
  for (int i = 0; i < 100'000; ++i) ASSERT_TRUE(r.Allow("other-" + std::to_string(i), 0, 5, 1, t + 10));
  EXPECT_FALSE(r.Allow("busy", 0, 5, kWindow, t + 100));
}

TEST(RateLimiterTest, ConcurrentCallersShareOneBucket) {
  RateLimiter r;
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> allowed{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 10'000; ++j) {
        if (r.Allow("shared", 3, 1'000, kWindow, 42)) allowed.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 1'000);
}

}  // namespace
}  // namespace sequex::api

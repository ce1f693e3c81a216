#include "common/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace sequex {
namespace {

double RelativeError(uint64_t reported, uint64_t truth) {
  if (truth == 0) return reported == 0 ? 0.0 : 1.0;
  const double diff = static_cast<double>(reported) - static_cast<double>(truth);
  return (diff < 0 ? -diff : diff) / static_cast<double>(truth);
}

TEST(LatencyHistogramTest, ShouldCountSmallValuesExactly) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 256; ++v) h.Record(v);
  EXPECT_EQ(h.Count(), 256u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 255u);
  EXPECT_EQ(h.Percentile(50), 127u);
  EXPECT_EQ(h.Percentile(100), 255u);
}

TEST(LatencyHistogramTest, ShouldKeepEveryBucketWithinOnePercent) {
  // Every bucket's width relative to its lowest value bounds the error of any value reported from it.
  for (size_t i = 0; i < LatencyHistogram::kBucketCount; ++i) {
    const uint64_t lo = LatencyHistogram::BucketLowest(i);
    const uint64_t hi = LatencyHistogram::BucketHighest(i);
    ASSERT_LE(lo, hi);
    ASSERT_EQ(LatencyHistogram::BucketIndex(lo), i);
    ASSERT_EQ(LatencyHistogram::BucketIndex(hi), i);
    if (i + 1 < LatencyHistogram::kBucketCount) {
      ASSERT_EQ(LatencyHistogram::BucketLowest(i + 1), hi + 1);
    }
    if (lo > 0) {
      ASSERT_LE(RelativeError(hi, lo), 0.01) << "bucket " << i;
    }
  }
  EXPECT_EQ(LatencyHistogram::BucketHighest(LatencyHistogram::kBucketCount - 1), UINT64_MAX);
}

TEST(LatencyHistogramTest, ShouldReportPercentilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200000; ++i) {
    // Log-spread values from 1 ns to ~1 s, like real latencies with a long tail.
    const uint64_t v = (rng() % 1000 + 1) << (rng() % 20);
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  // The percentiles in hundredths of a percent, so that the exact rank (ceil(p% of n), at least 1) is integer math.
  for (const uint64_t p_hundredths : {0u, 100u, 2500u, 5000u, 9000u, 9900u, 9990u, 9999u, 10000u}) {
    const double p = static_cast<double>(p_hundredths) / 100.0;
    const size_t rank = std::clamp<size_t>((p_hundredths * values.size() + 9999) / 10000, 1, values.size());
    const uint64_t exact = values[rank - 1];
    const uint64_t reported = h.Percentile(p);
    EXPECT_GE(reported, exact) << "p" << p;
    EXPECT_LE(RelativeError(reported, exact), 0.01) << "p" << p;
  }
  EXPECT_EQ(h.Percentile(100), values.back());
  EXPECT_EQ(h.Max(), values.back());
  EXPECT_EQ(h.Min(), values.front());
}

TEST(LatencyHistogramTest, ShouldRoundAPercentilesRankUp) {
  // p40 of {1, 1000, 1000000}: one value in three (33%) is <= 1, so the answer is the second value's bucket.
  LatencyHistogram h;
  for (const uint64_t v : {1u, 1000u, 1000000u}) h.Record(v);
  EXPECT_EQ(h.Percentile(40), LatencyHistogram::BucketHighest(LatencyHistogram::BucketIndex(1000)));
  EXPECT_EQ(h.Percentile(33), 1u);
  EXPECT_EQ(h.Percentile(67), h.Percentile(100));
  // A rank that is whole in decimal is not pushed to the next value by binary rounding: p99.5 of 1..200 (exact
  // buckets) is 199.
  LatencyHistogram two_hundred;
  for (uint64_t v = 1; v <= 200; ++v) two_hundred.Record(v);
  EXPECT_EQ(two_hundred.Percentile(99.5), 199u);
  EXPECT_EQ(two_hundred.Percentile(0.5), 1u);
}

TEST(LatencyHistogramTest, ShouldMergeAsIfRecordedTogether) {
  LatencyHistogram a, b, both;
  for (uint64_t v = 1; v < 100000; v += 7) {
    a.Record(v);
    both.Record(v);
  }
  for (uint64_t v = 3; v < 5000000; v += 1001) {
    b.Record(v);
    both.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.Count(), both.Count());
  EXPECT_EQ(a.Max(), both.Max());
  EXPECT_EQ(a.Min(), both.Min());
  for (double p : {10.0, 50.0, 99.0, 99.9}) EXPECT_EQ(a.Percentile(p), both.Percentile(p));
}

TEST(LatencyHistogramTest, ShouldReturnZeroWhenEmptyAndAfterReset) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(50), 0u);
  EXPECT_EQ(h.Min(), 0u);
  h.Record(UINT64_MAX);
  EXPECT_EQ(h.Percentile(50), UINT64_MAX);
  h.Reset();
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Max(), 0u);
}

}  // namespace
}  // namespace sequex

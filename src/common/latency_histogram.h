// LatencyHistogram: a log-linear histogram of non-negative 64-bit values (nanoseconds, by convention), after
// HdrHistogram's layout, written from scratch.
//
//   LatencyHistogram h;
//   h.Record(elapsed_ns);            // O(1), no allocation, no branches beyond one compare
//   h.Percentile(99.9);              // value at the 99.9th percentile, within 1% of the true one
//
// Layout: values below 2 * kSubBuckets are counted exactly. Above, each power of two [2^e, 2^(e+1)) is split into
// kSubBuckets equal sub-buckets of width 2^(e-7), so a bucket's width is at most 1/128 of the smallest value it
// holds: any reported value is within 0.79% of every value recorded in its bucket. 7,424 buckets cover all of
// uint64; the counts are one array (58 KiB) allocated by the constructor and never again.
//
// Percentiles report the highest value of the bucket that holds the rank (HdrHistogram's "highest equivalent
// value"), clamped to the true maximum, so they never under-report and Percentile(100) == Max().
//
// Not thread-safe: one histogram per recording thread, Merge() them afterwards.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sequex {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;  // 128 per power of two
  static constexpr uint64_t kExactLimit = 2 * kSubBuckets;                // values below are exact
  // Exact values 0..255, then one group of 128 sub-buckets for each power of two from 2^8 to 2^63.
  static constexpr size_t kBucketCount = kExactLimit + (64 - kSubBucketBits - 1) * kSubBuckets;

  LatencyHistogram() : counts_(kBucketCount, 0) {}

  void Record(uint64_t value) {
    ++counts_[BucketIndex(value)];
    ++count_;
    sum_ += value;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  void Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  void Reset() {
    std::fill(counts_.begin(), counts_.end(), uint64_t{0});
    count_ = 0;
    sum_ = 0;
    min_ = UINT64_MAX;
    max_ = 0;
  }

  // `percentile` in [0, 100]. The smallest recorded value v such that at least percentile% of the recorded
  // values are <= v, up to the bucket resolution (never below the true value). 0 when nothing is recorded.
  [[nodiscard]] uint64_t Percentile(double percentile) const {
    if (count_ == 0) return 0;
    const double clamped = std::clamp(percentile, 0.0, 100.0);
    // Rank of the wanted value, 1-based: percentile% of the count rounded up (rounding to nearest, as before, could
    // name a value that fewer than percentile% of the values are <= to: p40 of three values is the second, not the
    // first), and at least 1 so Percentile(0) is the minimum's bucket. The relative tolerance, some 30 times the
    // product's rounding error, keeps a rank that is a whole number in decimal (99.9% of 1,000) from being rounded
    // up through that error, and could only hide a true fraction of a rank smaller than rank x 10^-14.
    const double exact_rank = clamped / 100.0 * static_cast<double>(count_);
    auto rank = static_cast<uint64_t>(std::ceil(exact_rank * (1 - 1e-14)));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBucketCount; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(BucketHighest(i), min_, max_);
    }
    return max_;
  }

  [[nodiscard]] uint64_t Count() const { return count_; }
  [[nodiscard]] uint64_t Max() const { return max_; }
  [[nodiscard]] uint64_t Min() const { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] double Mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }

  [[nodiscard]] static size_t BucketIndex(uint64_t value) {
    if (value < kExactLimit) return static_cast<size_t>(value);
    const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= 8
    const unsigned shift = exponent - kSubBucketBits;                                // >= 1
    const uint64_t sub = (value >> shift) - kSubBuckets;                             // 0..127
    return static_cast<size_t>(kExactLimit + (shift - 1) * kSubBuckets + sub);
  }
  [[nodiscard]] static uint64_t BucketLowest(size_t index) {
    if (index < kExactLimit) return index;
    const uint64_t rel = index - kExactLimit;
    const unsigned shift = static_cast<unsigned>(rel / kSubBuckets) + 1;
    return (kSubBuckets + rel % kSubBuckets) << shift;
  }
  [[nodiscard]] static uint64_t BucketHighest(size_t index) {
    if (index < kExactLimit) return index;
    const unsigned shift = static_cast<unsigned>((index - kExactLimit) / kSubBuckets) + 1;
    return BucketLowest(index) + ((uint64_t{1} << shift) - 1);
  }

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;  // wraps only past 584 years of total recorded nanoseconds
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace sequex

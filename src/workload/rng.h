// Rng and WeightedPicker: the workload generator's only sources of randomness, defined bit for bit so that a seed
// gives the same workload on every platform, compiler and standard library. That is why this does not use
// std::*_distribution (their algorithms are implementation-defined) or floating point (libm differs).
//
//   Rng rng(42);
//   uint64_t die = rng.Below(6);                      // uniform in [0, 6)
//   WeightedPicker p({5, 3, 1});  size_t i = p.Pick(rng);   // 0 with probability 5/9, ...
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sequex::workload {

// xoshiro256** (Blackman & Vigna), seeded through splitmix64 so nearby seeds give unrelated streams.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_{} {
    for (uint64_t& word : s_) word = SplitMix(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) by multiply-shift (Lemire); the bias, at most n / 2^64, is far below anything measurable.
  // n == 0 returns 0.
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }
  // Uniform in [lo, hi], lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // True with probability per_million / 1,000,000.
  bool Chance(uint32_t per_million) { return Below(1'000'000) < per_million; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  uint64_t s_[4];
};

// Picks index i with probability weight[i] / sum(weights), O(log n) per pick. Integer weights keep it exact.
class WeightedPicker {
 public:
  WeightedPicker() = default;
  explicit WeightedPicker(const std::vector<uint64_t>& weights) {
    cumulative_.reserve(weights.size());
    uint64_t total = 0;
    for (uint64_t w : weights) cumulative_.push_back(total += w);
  }
  [[nodiscard]] size_t Pick(Rng& rng) const {
    const uint64_t x = rng.Below(cumulative_.back());
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), x) - cumulative_.begin());
  }
  [[nodiscard]] size_t size() const { return cumulative_.size(); }
  [[nodiscard]] uint64_t Weight(size_t i) const { return cumulative_[i] - (i == 0 ? 0 : cumulative_[i - 1]); }
  [[nodiscard]] uint64_t Total() const { return cumulative_.empty() ? 0 : cumulative_.back(); }

 private:
  std::vector<uint64_t> cumulative_;
};

// Weights proportional to rank^(-num/den) for ranks 1..n (0 < num < den, n < 2^24), scaled to ~2^40 at rank 1,
// computed with an integer den-th root so the table is identical everywhere:
//   k^(-num/den) = k^((den-num)/den) / k,  and  root_den(k^(den-num) * 2^(20*den)) = k^((den-num)/den) * 2^20.
// rank^(-2/3) is the expected sorted sample of a Pareto distribution of shape 1.5 (the k-th largest of n draws
// scales as k^(-1/shape)): instrument popularity. Flatter or steeper exponents shape account activity.
[[nodiscard]] inline std::vector<uint64_t> RankPowerWeights(size_t n, unsigned num, unsigned den) {
  std::vector<uint64_t> weights(n);
  for (size_t k = 1; k <= n; ++k) {
    unsigned __int128 x = static_cast<unsigned __int128>(uint64_t{1}) << (20 * den);
    for (unsigned i = 0; i < den - num; ++i) x *= k;
    unsigned bits = 0;
    for (unsigned __int128 y = x; y != 0; y >>= 1) ++bits;
    // The root is below 2^ceil(bits/den), and any r below that has r^den < 2^128: no overflow in the search.
    uint64_t lo = 0, hi = (uint64_t{1} << ((bits + den - 1) / den)) - 1;
    while (lo < hi) {  // largest r with r^den <= x
      const uint64_t mid = lo + (hi - lo + 1) / 2;
      unsigned __int128 power = 1;
      for (unsigned i = 0; i < den; ++i) power *= mid;
      if (power <= x) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    weights[k - 1] = std::max<uint64_t>(1, (lo << 20) / k);
  }
  return weights;
}

// Weights proportional to 1/q for q = 1..max: the discrete log-uniform ("reciprocal") distribution of sizes.
[[nodiscard]] inline std::vector<uint64_t> LogUniformWeights(int64_t max) {
  std::vector<uint64_t> weights;
  for (int64_t q = 1; q <= max; ++q) weights.push_back((uint64_t{1} << 32) / static_cast<uint64_t>(q));
  return weights;
}

}  // namespace sequex::workload

// RateLimiter: token buckets for the API's request limits (shared/reference/cryptocom-exchange-api-v1.md,
// "Rate limits"), keyed by (key, rule): key is an API key or a client IP, rule a small number the caller
// assigns to each limit class (create-order, get-trades, public, ...).
//
//   RateLimiter limiter;
//   if (!limiter.Allow(api_key, kRuleCreateOrder, /*limit=*/15, /*window_ns=*/100'000'000, NowNs())) reply 42901;
//
// A bucket holds at most `limit` tokens, starts full and refills continuously at `limit` per `window_ns` (exact
// integer arithmetic): a burst of `limit` requests always passes, and a steady `limit` per window never fails.
// The caller should pass the same limit and window for a given rule; a bucket adopts the latest ones.
//
// Thread-safe: the buckets are spread over kShards shards, each behind its own mutex, so I/O threads rarely
// contend. Never called from the engine thread. Memory: a bucket idle for at least its window is full again and
// so indistinguishable from a new one; such buckets are dropped in sweeps whose cost is amortised over insertions
// (a shard sweeps when it has doubled since its last sweep). Memory is therefore bounded by the number of
// distinct keys seen within one window, however many distinct keys arrive over time.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sequex::api {

class RateLimiter {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kMinSweepSize = 1024;  // a shard never sweeps below this many buckets

  RateLimiter() = default;
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from the (key, rule) bucket if it has one. now_ns: a monotonic clock; a value earlier than
  // the bucket's last one counts as no time passing. limit == 0 or window_ns == 0 refuses everything.
  [[nodiscard]] bool Allow(std::string_view key, uint8_t rule, uint32_t limit, uint64_t window_ns, uint64_t now_ns);

  // Buckets currently held (all shards); for tests and metrics.
  [[nodiscard]] size_t BucketCount() const;

 private:
  struct Bucket {
    unsigned __int128 tokens_scaled;  // tokens x window_ns; one token = window_ns units
    uint64_t last_ns;
    uint64_t window_ns;
  };
  struct alignas(64) Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;  // guarded by mu; key = rule byte + key
    size_t sweep_at = kMinSweepSize;                  // guarded by mu
  };
  static void Sweep(Shard* shard, uint64_t now_ns);

  Shard shards_[kShards];
};

}  // namespace sequex::api

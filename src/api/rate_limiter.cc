#include "api/rate_limiter.h"

#include <algorithm>
#include <functional>

namespace sequex::api {

bool RateLimiter::Allow(std::string_view key, uint8_t rule, uint32_t limit, uint64_t window_ns, uint64_t now_ns) {
  if (limit == 0 || window_ns == 0) return false;
  // One composite key per thread, reused, so a lookup of a known bucket does not allocate.
  thread_local std::string composite;
  composite.assign(1, static_cast<char>(rule));
  composite.append(key);
  const size_t hash = std::hash<std::string>{}(composite);
  Shard& shard = shards_[(hash ^ (hash >> 17)) % kShards];

  using U128 = unsigned __int128;
  const U128 capacity = U128{limit} * window_ns;
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(composite);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= shard.sweep_at) {
      Sweep(&shard, now_ns);
      shard.sweep_at = std::max(kMinSweepSize, 2 * shard.buckets.size());
    }
    it = shard.buckets.emplace(composite, Bucket{capacity, now_ns, window_ns}).first;
  } else {
    Bucket& b = it->second;
    const uint64_t elapsed = now_ns > b.last_ns ? now_ns - b.last_ns : 0;
    // Refill elapsed x limit units (capped: a full window refills everything).
    const U128 refill = U128{std::min(elapsed, window_ns)} * limit;
    b.tokens_scaled = std::min(capacity, b.tokens_scaled + refill);
    b.last_ns = std::max(b.last_ns, now_ns);
    b.window_ns = window_ns;
  }
  Bucket& b = it->second;
  if (b.tokens_scaled < window_ns) return false;
  b.tokens_scaled -= window_ns;
  return true;
}

void RateLimiter::Sweep(Shard* shard, uint64_t now_ns) {
  std::erase_if(shard->buckets, [now_ns](const auto& entry) {
    const Bucket& b = entry.second;
    return now_ns >= b.last_ns && now_ns - b.last_ns >= b.window_ns;
  });
}

size_t RateLimiter::BucketCount() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.buckets.size();
  }
  return n;
}

}  // namespace sequex::api

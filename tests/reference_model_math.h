// The arithmetic of docs/engine.md ("Units and arithmetic", "Stops"), in 128-bit integers, for the reference
// model. Inputs are never large enough to overflow __int128 (each factor is < 2^64).
#pragma once

#include <algorithm>
#include <cstdint>

#include "engine/order_types.h"

namespace sequex::test {

inline constexpr int64_t kPpm = 1'000'000;

[[nodiscard]] inline __int128 Pow10(unsigned n) {
  __int128 r = 1;
  for (unsigned i = 0; i < n; ++i) r *= 10;
  return r;
}

// N(p, q) = p * q * tv, quote units.
[[nodiscard]] inline __int128 Notional(__int128 price, __int128 lots, __int128 tick_value) {
  return price * lots * tick_value;
}

// fee(N, r) = floor(N * r / 10^6), for N >= 0 and r >= 0.
[[nodiscard]] inline __int128 Fee(__int128 notional, int64_t rate_ppm) { return notional * rate_ppm / kPpm; }

// The rate a buy order's hold covers: c = max(maker, taker, 0).
[[nodiscard]] inline int64_t HoldRate(int32_t maker_ppm, int32_t taker_ppm) {
  return std::max<int64_t>({int64_t{maker_ppm}, int64_t{taker_ppm}, 0});
}

// Whether a stop waits for the price to rise to its trigger: buy STOP_* and sell TAKE_PROFIT*.
[[nodiscard]] inline bool WantsRise(Side side, OrderType type) {
  const bool take_profit = type == OrderType::kTakeProfit || type == OrderType::kTakeProfitLimit;
  return (side == Side::kBuy) != take_profit;
}

// Buy STOP_*: last >= trigger; sell STOP_*: last <= trigger; TAKE_PROFIT* the other way round.
[[nodiscard]] inline bool TriggerHolds(Side side, OrderType type, __int128 trigger, __int128 last) {
  return WantsRise(side, type) ? last >= trigger : last <= trigger;
}

[[nodiscard]] inline int64_t I64(__int128 v) { return static_cast<int64_t>(v); }

}  // namespace sequex::test

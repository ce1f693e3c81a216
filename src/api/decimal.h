// Decimal text <-> scaled integers: the API sends prices and quantities as decimal strings ("20000", "0.0002");
// the engine counts in integer units (ticks, lots, an asset's smallest unit). Exact, no floating point.
//
//   int64_t units;
//   if (!ParseScaled("0.0002", 8, kMaxAmount, &units)) return 40004;   // units == 20000
//   FormatScaled(150000000, 8) == "1.5"
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sequex::api {

// `text` is digits, optionally one '.', optionally more digits, with at least one digit in all ("12", "12.",
// ".5", "0012.50"). No sign, no exponent, no spaces. *out = text x 10^decimals, exactly.
// Returns false (leaving *out unchanged) when the text is malformed, when it has a non-zero digit beyond
// `decimals` fractional places (trailing zeros are fine: "1.500" with decimals 1 is 15), or when the scaled value
// exceeds `max`. `decimals` in [0, 18]; `max` >= 0. Arbitrarily long inputs are handled without overflow.
[[nodiscard]] bool ParseScaled(std::string_view text, int decimals, int64_t max, int64_t* out);

// The shortest exact decimal text of value / 10^decimals: no exponent, no trailing fractional zeros, no
// trailing '.', a leading '-' when negative: (15, 1) -> "1.5", (20000, 0) -> "20000", (1000, 8) -> "0.00001",
// (-325, 2) -> "-3.25", (0, 8) -> "0". `decimals` in [0, 18]. Appending form for hot paths:
[[nodiscard]] std::string FormatScaled(int64_t value, int decimals);
void AppendScaled(int64_t value, int decimals, std::string* out);

}  // namespace sequex::api

#include "api/decimal.h"

namespace sequex::api {

bool ParseScaled(std::string_view text, int decimals, int64_t max, int64_t* out) {
  if (decimals < 0 || decimals > 18 || max < 0) return false;
  const auto limit = static_cast<uint64_t>(max);
  uint64_t value = 0;
  bool any_digit = false;
  bool seen_point = false;
  int fraction_digits = 0;  // significant fractional digits consumed into `value`
  const auto push = [&](unsigned d) {
    if (d > limit || value > (limit - d) / 10) return false;  // value * 10 + d > limit, without wrapping
    value = value * 10 + d;
    return true;
  };
  for (const char c : text) {
    if (c == '.') {
      if (seen_point) return false;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    any_digit = true;
    const auto d = static_cast<unsigned>(c - '0');
    if (!seen_point) {
      if (!push(d)) return false;
    } else if (fraction_digits < decimals) {
      if (!push(d)) return false;
      ++fraction_digits;
    } else if (d != 0) {
      return false;  // finer than the scale allows
    }
  }
  if (!any_digit) return false;
  for (; fraction_digits < decimals; ++fraction_digits) {
    if (!push(0)) return false;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

void AppendScaled(int64_t value, int decimals, std::string* out) {
  if (decimals < 0) decimals = 0;
  if (decimals > 18) decimals = 18;
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  // Digits, least significant first, at least decimals + 1 of them (the leading zero of "0.5").
  char digits[24];
  int n = 0;
  while (magnitude != 0 || n <= decimals) {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  }
  int first_kept = 0;  // drop trailing fractional zeros
  while (first_kept < decimals && digits[first_kept] == '0') ++first_kept;
  if (value < 0) out->push_back('-');
  for (int i = n - 1; i >= decimals; --i) out->push_back(digits[i]);
  if (first_kept < decimals) {
    out->push_back('.');
    for (int i = decimals - 1; i >= first_kept; --i) out->push_back(digits[i]);
  }
}

std::string FormatScaled(int64_t value, int decimals) {
  std::string s;
  AppendScaled(value, decimals, &s);
  return s;
}

}  // namespace sequex::api

// The vocabulary of orders: sides, types, time in force, statuses, self-trade prevention and why orders end.
// docs/engine.md gives the rule for every order type.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sequex {

enum class Side : uint8_t { kBuy = 0, kSell = 1 };

enum class OrderType : uint8_t {
  kLimit = 0,
  kMarket = 1,
  kStopLoss = 2,         // market once triggered
  kStopLimit = 3,        // limit once triggered
  kTakeProfit = 4,       // market once triggered
  kTakeProfitLimit = 5,  // limit once triggered
};

enum class TimeInForce : uint8_t { kGoodTillCancel = 0, kImmediateOrCancel = 1, kFillOrKill = 2 };

enum class InstrumentStatus : uint8_t { kTrading = 0, kHalted = 1, kCancelOnly = 2, kPostOnly = 3 };

// What the taker does when it would trade with an order of its own account (or of its STP group).
enum class StpMode : uint8_t { kNone = 0, kCancelMaker = 1, kCancelTaker = 2, kCancelBoth = 3 };

// API statuses: NEW = accepted stop order waiting for its trigger; ACTIVE = resting on the book.
enum class OrderStatus : uint8_t { kNew = 0, kActive = 1, kFilled = 2, kCanceled = 3, kRejected = 4, kExpired = 5 };

enum class CancelReason : uint8_t {
  kUserRequest = 0,      // cancel-order
  kCancelAll = 1,        // cancel-all-orders
  kIocRemainder = 2,     // IOC / FOK limit remainder that did not fill: status EXPIRED
  kMarketRemainder = 3,  // market order ran out of liquidity, budget or price band: status EXPIRED
  kHalt = 4,             // instrument halted
  kSelfTrade = 5,        // removed by self-trade prevention
  kTriggerFailed = 6,    // a triggered stop could not be placed (status, funds): status REJECTED
};

inline constexpr uint8_t kOrderFlagPostOnly = 1;

// A character of an asset code ([A-Z0-9]) or of a symbol (also '_' and '-'), as DefineAsset and DefineInstrument
// take them.
[[nodiscard]] constexpr bool IsNameChar(char c, bool symbol) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (symbol && (c == '_' || c == '-'));
}

[[nodiscard]] constexpr bool IsStop(OrderType t) { return t >= OrderType::kStopLoss; }
[[nodiscard]] constexpr bool IsMarketLike(OrderType t) {
  return t == OrderType::kMarket || t == OrderType::kStopLoss || t == OrderType::kTakeProfit;
}
// Which way a waiting stop triggers: buy stop-loss types and sell take-profit types when the last price rises to
// the trigger (last >= trigger), the others when it falls to it (last <= trigger).
[[nodiscard]] constexpr bool TriggersOnRise(Side side, OrderType type) {
  return (side == Side::kBuy) == (type == OrderType::kStopLoss || type == OrderType::kStopLimit);
}
[[nodiscard]] constexpr Side Opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }

// Up to 36 bytes chosen by the client (the API's client_oid). Empty = none. Fixed size so commands stay POD.
// Aligned to 8, so 40 bytes: copied as two 16-byte moves and one of 8, where 37 unaligned bytes compiled to a
// `rep movsb` in the placement path. Every struct holding one has the same size either way (it ended in padding).
struct alignas(8) ClientOid {
  static constexpr size_t kMaxLen = 36;
  char bytes[kMaxLen] = {};
  uint8_t len = 0;

  [[nodiscard]] bool empty() const { return len == 0; }
  [[nodiscard]] std::string_view view() const { return {bytes, len}; }
  // Returns false (and leaves *this empty) if `s` is longer than kMaxLen.
  bool Assign(std::string_view s) {
    if (s.size() > kMaxLen) {
      len = 0;
      return false;
    }
    std::memset(bytes, 0, sizeof bytes);
    std::memcpy(bytes, s.data(), s.size());
    len = static_cast<uint8_t>(s.size());
    return true;
  }
  // The same length and the same first `len` bytes; the bytes after them are not compared (a decoder may leave them as
  // they were). Word by word over the fixed 36 bytes, without a branch or a call: every cancel or amend by client_oid
  // compares the order it found, where a string_view compare called memcmp.
  friend bool operator==(const ClientOid& a, const ClientOid& b) {
    static_assert(std::endian::native == std::endian::little, "a mask keeps a word's low-address bytes");
    static_assert(kMaxLen == 4 * sizeof(uint64_t) + sizeof(uint32_t));
    if (a.len != b.len) return false;
    const auto word = [](const char* p, size_t at) {
      uint64_t w = 0;
      std::memcpy(&w, p + at, at < 32 ? 8 : 4);
      return w;
    };
    const auto kept = [len = size_t{a.len}](size_t at) {  // the mask of the word's bytes below len
      const size_t n = len > at ? std::min<size_t>(len - at, 8) : 0;
      return n == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
    };
    uint64_t differ = 0;
    differ |= (word(a.bytes, 0) ^ word(b.bytes, 0)) & kept(0);
    differ |= (word(a.bytes, 8) ^ word(b.bytes, 8)) & kept(8);
    differ |= (word(a.bytes, 16) ^ word(b.bytes, 16)) & kept(16);
    differ |= (word(a.bytes, 24) ^ word(b.bytes, 24)) & kept(24);
    differ |= (word(a.bytes, 32) ^ word(b.bytes, 32)) & kept(32);
    return differ == 0;
  }
};

[[nodiscard]] std::string_view ToString(Side s);
[[nodiscard]] std::string_view ToString(OrderType t);
[[nodiscard]] std::string_view ToString(TimeInForce t);
[[nodiscard]] std::string_view ToString(OrderStatus s);
[[nodiscard]] std::string_view ToString(InstrumentStatus s);
[[nodiscard]] std::string_view ToString(CancelReason r);

}  // namespace sequex

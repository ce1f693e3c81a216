// Account and its wallet: one balance (available + held) per asset, across every instrument.
//
// Most accounts hold a handful of assets, so balances live inline (no allocation, one cache line or two) and
// spill to a heap vector only past kInline assets. Lookup is a linear scan of a few entries — faster than any
// hash for this size.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/types.h"
#include "engine/order_pool.h"

namespace sequex {

struct AssetBalance {
  AssetId asset{};
  Amount available{};
  Amount held{};
};

struct Account {
  static constexpr size_t kInline = 4;

  bool exists = false;
  uint8_t fee_tier = 0;
  uint8_t inline_count = 0;
  uint32_t open_orders = 0;
  uint32_t orders_head = kNil;  // open orders, placement order (Order::account_next)
  uint32_t orders_tail = kNil;
  std::array<AssetBalance, kInline> inline_balances{};
  std::vector<AssetBalance> more_balances;

  // The balance of `asset`, or nullptr if the account never held it.
  AssetBalance* Find(AssetId asset) {
    for (uint8_t i = 0; i < inline_count; ++i) {
      if (inline_balances[i].asset == asset) return &inline_balances[i];
    }
    for (AssetBalance& b : more_balances) {
      if (b.asset == asset) return &b;
    }
    return nullptr;
  }
  [[nodiscard]] const AssetBalance* Find(AssetId asset) const { return const_cast<Account*>(this)->Find(asset); }

  AssetBalance& Get(AssetId asset) {
    if (AssetBalance* b = Find(asset)) return *b;
    if (inline_count < kInline) {
      inline_balances[inline_count] = AssetBalance{asset, Amount{0}, Amount{0}};
      return inline_balances[inline_count++];
    }
    more_balances.push_back(AssetBalance{asset, Amount{0}, Amount{0}});
    return more_balances.back();
  }

  template <typename F>
  void ForEachBalance(F&& f) const {
    for (uint8_t i = 0; i < inline_count; ++i) f(inline_balances[i]);
    for (const AssetBalance& b : more_balances) f(b);
  }
};

}  // namespace sequex

// BookModel: the workload generator's shadow of one order book, so that it knows which orders are open and where
// the book is while it writes commands: cancels and amends then name orders that really are open, and the share
// of orders that trade on arrival can be tuned without running the engine.
//
// It implements the subset of docs/engine.md the generators use, exactly: price-time matching of LIMIT (GTC, IOC,
// FOK) and MARKET orders by quantity, post-only rejection when crossing, FOK rejection when the acceptable
// liquidity is short, cancels, cancel-all of one account, amends that keep priority (same price, lower quantity)
// and amends that re-queue (new price, matching first if it crosses). It assumes what the generated workloads
// guarantee: unlimited funds, no fees, no price band, no self-trade prevention, no stops. Under those
// assumptions the engine's open orders after a generated workload equal this model's.
//
// Not the engine and not fast: std::map levels, O(level length) removal. Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "engine/order_types.h"

namespace sequex::workload {

class BookModel {
 public:
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  struct Order {
    uint32_t account = 0;
    uint64_t ref = 0;
    Side side = Side::kBuy;
    bool post_only = false;
    int64_t price = 0;   // ticks
    int64_t qty = 0;     // total lots
    int64_t filled = 0;  // lots
    uint32_t live_pos = 0;
    [[nodiscard]] int64_t remaining() const { return qty - filled; }
  };

  struct Result {
    bool rejected = false;    // post-only would cross, or FOK short of liquidity: nothing changed
    int64_t filled = 0;       // lots the taker (or the amended order) traded
    uint32_t fills = 0;       // trades, i.e. maker orders touched
    uint32_t levels = 0;      // price levels the taker traded at
    uint32_t slot = kNoSlot;  // the resting order, if it rests
  };

  // A new order. `price` is ignored for market orders. Post-only orders must be GTC limits.
  Result Place(uint32_t account, uint64_t ref, Side side, bool market, TimeInForce tif, bool post_only, int64_t price,
               int64_t qty);
  // Removes an open order.
  void Cancel(uint32_t slot);
  // Cancels every open order of `account`; returns how many.
  size_t CancelAccount(uint32_t account);
  // Same price, new total quantity with filled < new_qty < qty: keeps queue position.
  void AmendQty(uint32_t slot, int64_t new_qty);
  // New price: leaves the level, trades if it crosses, rests the remainder at the back of the new level.
  // Rejected (no change) if the order is post-only and the price would cross. result.slot is kNoSlot if it
  // filled completely.
  Result AmendPrice(uint32_t slot, int64_t new_price);

  [[nodiscard]] const Order& order(uint32_t slot) const { return orders_[slot]; }
  [[nodiscard]] size_t LiveCount() const { return live_.size(); }
  [[nodiscard]] uint32_t LiveAt(size_t i) const { return live_[i]; }
  [[nodiscard]] size_t LevelCount() const { return bids_.size() + asks_.size(); }
  [[nodiscard]] std::optional<int64_t> BestBid() const;
  [[nodiscard]] std::optional<int64_t> BestAsk() const;
  // Lots resting in the best `levels` levels of `side`.
  [[nodiscard]] int64_t DepthLots(Side side, size_t levels) const;
  // The account with the most open orders here (lowest id on ties), or nullopt if the book is empty.
  [[nodiscard]] std::optional<uint32_t> BusiestAccount() const;

  // The (account, ref) of an order that ended recently (filled or cancelled), if any: realistic stale targets.
  [[nodiscard]] bool RecentlyEnded(uint64_t pick, uint32_t* account, uint64_t* ref) const;

 private:
  using Level = std::vector<uint32_t>;  // slots, in time priority
  using Bids = std::map<int64_t, Level, std::greater<>>;
  using Asks = std::map<int64_t, Level>;
  static constexpr size_t kEndedRing = 64;

  // Trades `qty` lots of a taker on `side` against the opposite levels at acceptable prices.
  Result Take(Side side, bool market, int64_t limit, int64_t qty);
  template <typename Map>
  void TakeFrom(Map& levels, Side side, bool market, int64_t limit, int64_t* qty, Result* result);
  [[nodiscard]] int64_t AvailableTo(Side side, bool market, int64_t limit, int64_t wanted) const;
  [[nodiscard]] bool Crosses(Side side, int64_t price) const;
  uint32_t Rest(uint32_t account, uint64_t ref, Side side, bool post_only, int64_t price, int64_t qty, int64_t filled);
  void Enqueue(uint32_t slot);
  void Unlink(uint32_t slot);  // off its level only
  void End(uint32_t slot);     // off the live list, ring, slot freed (must already be off its level)

  std::vector<Order> orders_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> live_;
  std::vector<uint32_t> account_orders_;  // open orders per account id
  Bids bids_;
  Asks asks_;
  struct Ended {
    uint32_t account;
    uint64_t ref;
  };
  std::vector<Ended> ended_;  // ring of kEndedRing
  size_t ended_next_ = 0;
};

}  // namespace sequex::workload

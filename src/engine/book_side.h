// BookSide: the price levels of one side of a book, as a sorted array with the BEST level at the BACK.
//
// Why an array and not a tree: almost all activity (new orders, cancels, fills) is within a few levels of the top,
// and at the back of the array that is O(1) with no pointer chasing: pop_back when the best level empties,
// push_back for a new best level. Deeper inserts shift only the levels better than the new one (a memmove of
// 32-byte PODs). Lookup by price is a binary search over contiguous memory. A level is a FIFO of orders linked by
// pool slot (time priority).
//
// Single writer; not thread-safe. Capacity grows only past a new high-water mark of levels.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/types.h"
#include "engine/order_pool.h"

namespace sequex {

struct Level {
  PriceTicks price{};
  QtyLots total{};   // sum of remaining over the queue
  uint32_t head = kNil;
  uint32_t tail = kNil;
  uint32_t count = 0;
};

class BookSide {
 public:
  // `is_bid`: better = higher price (bids) or lower price (asks).
  explicit BookSide(bool is_bid) : is_bid_(is_bid) { levels_.reserve(256); }

  [[nodiscard]] bool empty() const { return levels_.empty(); }
  [[nodiscard]] size_t size() const { return levels_.size(); }
  Level& best() { return levels_.back(); }
  [[nodiscard]] const Level& best() const { return levels_.back(); }
  // i-th best level (0 = best).
  [[nodiscard]] const Level& nth_best(size_t i) const { return levels_[levels_.size() - 1 - i]; }
  Level& nth_best(size_t i) { return levels_[levels_.size() - 1 - i]; }
  void pop_best() { levels_.pop_back(); }

  // True when price a is strictly better than b for this side.
  [[nodiscard]] bool Better(PriceTicks a, PriceTicks b) const { return is_bid_ ? a > b : a < b; }

  // The level at `price`, or nullptr.
  Level* Find(PriceTicks price) {
    const size_t i = LowerBound(price);
    return (i < levels_.size() && levels_[i].price == price) ? &levels_[i] : nullptr;
  }

  // The level at `price`, created empty if missing. Invalidates other Level pointers.
  Level& FindOrInsert(PriceTicks price) {
    // Fast path: the new order joins or improves the top of the book.
    if (levels_.empty() || Better(price, levels_.back().price)) {
      levels_.push_back(Level{price, QtyLots{0}, kNil, kNil, 0});
      return levels_.back();
    }
    if (levels_.back().price == price) return levels_.back();
    const size_t i = LowerBound(price);
    if (i < levels_.size() && levels_[i].price == price) return levels_[i];
    return *levels_.insert(levels_.begin() + static_cast<std::ptrdiff_t>(i), Level{price, QtyLots{0}, kNil, kNil, 0});
  }

  // Removes the (empty) level at `price`.
  void Erase(PriceTicks price) {
    if (!levels_.empty() && levels_.back().price == price) {
      levels_.pop_back();
      return;
    }
    const size_t i = LowerBound(price);
    levels_.erase(levels_.begin() + static_cast<std::ptrdiff_t>(i));
  }

  [[nodiscard]] size_t MemoryBytes() const { return levels_.capacity() * sizeof(Level); }

 private:
  // Index of the first level whose price is not worse-sorted before `price` (array is worst .. best).
  [[nodiscard]] size_t LowerBound(PriceTicks price) const {
    auto it = is_bid_ ? std::lower_bound(levels_.begin(), levels_.end(), price,
                                         [](const Level& l, PriceTicks p) { return l.price < p; })
                      : std::lower_bound(levels_.begin(), levels_.end(), price,
                                         [](const Level& l, PriceTicks p) { return l.price > p; });
    return static_cast<size_t>(it - levels_.begin());
  }

  std::vector<Level> levels_;
  bool is_bid_;
};

}  // namespace sequex

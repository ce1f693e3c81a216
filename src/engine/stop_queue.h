// StopQueue: the waiting stop orders of one book that trigger in one direction, answering "of the stops the last
// price meets, which has the lowest order id" in O(log n) — the question the trigger rule asks once per stop it
// fires (docs/engine.md, "Stops").
//
// Why a tree: a list sorted by trigger answers it only by scanning the whole met prefix for the lowest id, once per
// stop fired, so one trade meeting n stops cost O(n^2) (30,000 stops at one price: 2.4 s in one command), and a
// cancel or a placement moved half the list. Here the stops sit in order id order — ids only grow, so a new stop
// is appended — as the leaves of an implicit min-tree over their trigger keys: the leftmost leaf whose key meets the
// price is the lowest id met, found by one descent; a removed stop's leaf becomes a hole (kEmpty), found again
// by a binary search over the ids. Appending past the end packs the live leaves and, if more than half are live,
// doubles the capacity: amortised O(1) per stop, like a vector.
//
// Direction: a `rise` queue holds stops that trigger when last >= trigger, a fall queue those that trigger when
// last <= trigger; a fall queue stores -trigger, so both ask "key <= bound".
// Allocation: only when appending past the capacity (or on Reserve). Single writer; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/types.h"
#include "engine/order_pool.h"

namespace sequex {

class StopQueue {
 public:
  explicit StopQueue(bool rise) : rise_(rise) {}

  [[nodiscard]] bool rise() const { return rise_; }
  [[nodiscard]] bool empty() const { return live_ == 0; }
  [[nodiscard]] size_t size() const { return live_; }

  // Adds the stop in `slot`. `id` must be greater than the id of every stop added before (open or not).
  void Push(OrderId id, PriceTicks trigger, uint32_t slot);
  // Removes the stop with this id; false if it is not waiting here.
  bool Erase(OrderId id);
  // The slot of the lowest-id stop that a last price of `last` meets, or kNil. O(1) when none is met.
  [[nodiscard]] uint32_t FirstMet(PriceTicks last) const {
    const int64_t bound = rise_ ? last.value() : -last.value();
    if (tree_.empty() || tree_[1] > bound) return kNil;
    size_t node = 1;
    while (node < capacity_) node = tree_[2 * node] <= bound ? 2 * node : 2 * node + 1;
    return slots_[node - capacity_];
  }
  // The slots of the waiting stops in ascending order id.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < used_; ++i) {
      if (tree_[capacity_ + i] != kEmpty) f(slots_[i]);
    }
  }
  void Reserve(size_t stops);  // room for `stops` without growing (snapshot load)
  [[nodiscard]] size_t MemoryBytes() const {
    return ids_.capacity() * sizeof(uint64_t) + slots_.capacity() * sizeof(uint32_t) +
           tree_.capacity() * sizeof(int64_t);
  }

 private:
  static constexpr int64_t kEmpty = INT64_MAX;  // a hole: meets no price (triggers are below kMaxPriceTicks)

  void SetLeaf(size_t leaf, int64_t key);
  void Rebuild(size_t capacity);  // packs the live leaves into a tree of `capacity` (>= capacity_) leaves

  bool rise_;
  size_t capacity_ = 0;  // leaves, a power of two (0 before the first Push)
  size_t used_ = 0;      // leaves [0, used_) have been filled since the last rebuild, holes included
  size_t live_ = 0;
  std::vector<uint64_t> ids_;    // per leaf, ascending (holes keep theirs, so the binary search still works)
  std::vector<uint32_t> slots_;  // per leaf
  std::vector<int64_t> tree_;    // 2 * capacity_: node i's key is the min of 2i and 2i+1; leaves at capacity_ + i
};

}  // namespace sequex

// OrderIdIndex: open orders by order id -> pool slot, for ids the engine hands out in ascending order.
//
// Why not a FlatIndex: a hash spreads the ids, so filing each new order and erasing each closed one is a random
// cache line (and an erase shifts its probe run back). Here an id's home is `id mod capacity`: new orders are filed
// one entry after another, on lines that are already in cache, and an erase is one entry with no probe run. An id
// whose home is held by an older order still open (the ids have wrapped around the table since it was placed) goes
// to a small FlatIndex instead; Find looks there only when the home does not hold the id, so a lookup is one line.
// The table keeps its capacity at least twice the open orders, so wrap-arounds need an order to outlive a whole
// capacity's worth of newer ids.
//
// Determinism: like FlatIndex, it never iterates in a way that reaches engine output. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/flat_index.h"
#include "common/huge_array.h"

namespace sequex {

class OrderIdIndex {
 public:
  static constexpr uint32_t kNone = FlatIndex::kNone;

  explicit OrderIdIndex(size_t initial_capacity = 1024) : overflow_(64) { Rehash(FlatIndex::RoundUpPow2(initial_capacity));
  }

  // The slot filed under `id` for which `confirm(slot)` is true, or kNone.
  template <typename Confirm>
  [[nodiscard]] uint32_t Find(uint64_t id, Confirm&& confirm) const {
    const Entry& e = direct_[id & mask_];
    if (e.slot != kNone && e.id == id && confirm(e.slot)) return e.slot;
    return overflow_.size() == 0 ? kNone : overflow_.Find(id, confirm);
  }
  [[nodiscard]] uint32_t Find(uint64_t id) const {
    return Find(id, [](uint32_t) { return true; });
  }

  // Starts loading the line where `id` is filed. No effect on contents.
  void Prefetch(uint64_t id) const { __builtin_prefetch(&direct_[id & mask_]); }

  void Insert(uint64_t id, uint32_t slot) {
    if ((size_ + 1) * 4 > direct_.size()) Rehash(direct_.size() * 2);
    Place(id, slot);
    ++size_;
  }

  // Removes (id -> slot); false if it is not filed.
  bool Erase(uint64_t id, uint32_t slot) {
    Entry& e = direct_[id & mask_];
    if (e.slot == slot && e.id == id) {
      e = Entry{};
    } else if (!overflow_.Erase(id, slot)) {
      return false;
    }
    --size_;
    return true;
  }

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t overflow_size() const { return overflow_.size(); }
  [[nodiscard]] size_t capacity() const { return direct_.size(); }
  [[nodiscard]] size_t MemoryBytes() const { return direct_.size() * sizeof(Entry) + overflow_.MemoryBytes(); }

 private:
  struct Entry {
    uint64_t id = 0;
    uint32_t slot = kNone;
  };

  void Place(uint64_t id, uint32_t slot) {
    Entry& e = direct_[id & mask_];
    if (e.slot == kNone) {
      e = Entry{id, slot};
    } else {
      overflow_.Insert(id, slot);
    }
  }

  // Doubling re-files the table's own entries at their new homes; entries already in the overflow stay there.
  void Rehash(size_t capacity) {
    HugeArray<Entry> old = std::move(direct_);
    direct_ = HugeArray<Entry>(capacity);
    mask_ = capacity - 1;
    for (const Entry& e : old) {
      if (e.slot != kNone) Place(e.id, e.slot);
    }
  }

  HugeArray<Entry> direct_;
  size_t mask_ = 0;
  size_t size_ = 0;  // entries in direct_ and overflow_ together
  FlatIndex overflow_;
};

}  // namespace sequex

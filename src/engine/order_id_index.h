// OrderIdIndex: open orders by order id -> pool slot, for ids the engine hands out in ascending order.
//
// Why not a FlatIndex: a hash spreads the ids, so filing each new order and erasing each closed one is a random
// cache line (and an erase shifts its probe run back). Here an id's home is `id mod capacity`: new orders are filed
// one entry after another, on lines that are already in cache, and an erase is one entry with no probe run. An id
// whose home is held by an older order still open (the ids have wrapped around the table since it was placed) goes
// to a small FlatIndex instead; Find looks there only when the home does not hold the id, so a lookup is one line.
// The table keeps its capacity at least four times the open orders, so a wrap-around needs an order to outlive a
// whole capacity's worth of newer ids (on the standard workload about 4% of the open orders end up in the overflow).
//
// Determinism: like FlatIndex, it never iterates in a way that reaches engine output. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "common/flat_index.h"
#include "common/huge_array.h"

namespace sequex {

class OrderIdIndex {
 public:
  static constexpr uint32_t kNone = FlatIndex::kNone;

  // The overflow starts with room for 1/64 of the capacity (1/16 of the open orders it is sized for, where about
  // 4% spill on the standard workload), so that filing up to capacity / 4 orders allocates nothing.
  explicit OrderIdIndex(size_t initial_capacity = 1024) : overflow_(std::max<size_t>(64, initial_capacity / 32)) {
    Rehash(FlatIndex::RoundUpPow2(initial_capacity));
  }

  // The slot filed under `id` for which `confirm(slot)` is true, or kNone.
  template <typename Confirm>
  [[nodiscard]] uint32_t Find(uint64_t id, Confirm&& confirm) const {
    const Entry& e = direct_[id & mask_];
    if (e.slot != kNone && e.high == (id >> bits_) && confirm(e.slot)) return e.slot;
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
    if (e.slot == slot && e.high == (id >> bits_)) {
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
  // An entry at position p holds the id (high << bits_) | p: its position is its low bits, so 8 bytes hold it, and
  // a line holds eight. An id too large for that (2^32 times the capacity) goes to the overflow.
  struct Entry {
    uint32_t high = 0;
    uint32_t slot = kNone;
  };
  static_assert(sizeof(Entry) == 8);

  void Place(uint64_t id, uint32_t slot) {
    Entry& e = direct_[id & mask_];
    const uint64_t high = id >> bits_;
    if (e.slot == kNone && high <= UINT32_MAX) {
      e = Entry{static_cast<uint32_t>(high), slot};
    } else {
      overflow_.Insert(id, slot);
    }
  }

  // Doubling re-files the table's own entries at their new homes; entries already in the overflow stay there.
  void Rehash(size_t capacity) {
    HugeArray<Entry> old = std::move(direct_);
    const unsigned old_bits = bits_;
    direct_ = HugeArray<Entry>(capacity);
    mask_ = capacity - 1;
    bits_ = static_cast<unsigned>(__builtin_ctzll(capacity));
    for (size_t p = 0; p < old.size(); ++p) {
      if (old[p].slot != kNone) Place(uint64_t{old[p].high} << old_bits | p, old[p].slot);
    }
  }

  HugeArray<Entry> direct_;
  size_t mask_ = 0;
  unsigned bits_ = 0;  // log2 of the capacity
  size_t size_ = 0;    // entries in direct_ and overflow_ together
  FlatIndex overflow_;
};

}  // namespace sequex

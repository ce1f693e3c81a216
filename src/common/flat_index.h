// FlatIndex: an open-addressing hash index from a 64-bit key to a 32-bit slot, for the engine's id lookups.
//
// Why not std::unordered_map: one allocation per node and pointer chasing on every lookup. This table is one
// flat array of 16-byte entries, linear probing, backward-shift deletion (no tombstones, so long-lived tables
// never degrade). It never iterates, so its layout can never leak into engine output: determinism is kept.
//
// Keys may collide on purpose (callers index by a 64-bit hash of a longer key): Find takes a predicate that
// confirms a candidate slot, and probing continues past candidates that it rejects.
//
// Not thread-safe; single writer. Grows (rehash, one allocation) only when a new high-water mark of live
// entries passes 1/2 of capacity, so steady-state operation does not allocate. Reserve() up front avoids it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/huge_array.h"

namespace sequex {

// Removes the entry at `hole` from a linear-probing table (entries with a `slot` field, kNone = empty, a default
// Entry is empty) by backward shift: later members of the probe run move into the hole, so lookups never need
// tombstones and long-lived tables never degrade. `home_of(entry)` is where an entry's probe run starts.
template <typename Table, typename HomeOf>
void CloseProbeGap(Table& slots, size_t mask, size_t hole, HomeOf&& home_of) {
  for (size_t j = (hole + 1) & mask; slots[j].slot != UINT32_MAX; j = (j + 1) & mask) {
    const size_t home = home_of(slots[j]);
    const bool between = (hole <= j) ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!between) {
      slots[hole] = slots[j];
      hole = j;
    }
  }
  slots[hole] = {};
}

class FlatIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  explicit FlatIndex(size_t initial_capacity = 1024) { Rehash(RoundUpPow2(initial_capacity)); }

  void Reserve(size_t entries) {
    if (entries * 2 > slots_.size()) Rehash(RoundUpPow2(entries * 2));
  }

  // Returns the first slot stored under `key` for which `confirm(slot)` is true, or kNone.
  template <typename Confirm>
  [[nodiscard]] uint32_t Find(uint64_t key, Confirm&& confirm) const {
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (e.slot == kNone) return kNone;
      if (e.key == key && confirm(e.slot)) return e.slot;
    }
  }
  [[nodiscard]] uint32_t Find(uint64_t key) const {
    return Find(key, [](uint32_t) { return true; });
  }

  // Starts loading the cache line where a Find or Insert of `key` begins. No effect on contents.
  void Prefetch(uint64_t key) const { __builtin_prefetch(&slots_[Home(key)]); }

  // Adds (key -> slot). Duplicate keys are allowed (see Find).
  void Insert(uint64_t key, uint32_t slot) {
    if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
    size_t i = Home(key);
    while (slots_[i].slot != kNone) i = (i + 1) & mask_;
    slots_[i] = Entry{key, slot};
    ++size_;
  }

  // Removes the entry (key -> slot); returns false if it is not present.
  bool Erase(uint64_t key, uint32_t slot) {
    size_t i = Home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].slot == kNone) return false;
      if (slots_[i].key == key && slots_[i].slot == slot) break;
    }
    CloseProbeGap(slots_, mask_, i, [this](const Entry& e) { return Home(e.key); });
    --size_;
    return true;
  }

  // The capacity a table of at least n entries gets: a power of two, 16 or more.
  [[nodiscard]] static size_t RoundUpPow2(size_t n) {
    size_t c = 16;
    while (c < n) c <<= 1;
    return c;
  }

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t capacity() const { return slots_.size(); }
  [[nodiscard]] size_t MemoryBytes() const { return slots_.size() * sizeof(Entry); }

 private:
  struct Entry {
    uint64_t key = 0;
    uint32_t slot = kNone;
  };

  // Fibonacci hashing spreads sequential keys (order ids are sequential). Placing them by their low bits instead
  // would pack live ids into one long probe run, and backward-shift deletion scans a run to its end: every erase
  // would cost O(live orders).
  [[nodiscard]] size_t Home(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }

  void Rehash(size_t capacity) {
    HugeArray<Entry> old = std::move(slots_);
    slots_ = HugeArray<Entry>(capacity);
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(capacity));
    size_ = 0;
    for (const Entry& e : old) {
      if (e.slot != kNone) Insert(e.key, e.slot);
    }
  }

  HugeArray<Entry> slots_;
  size_t mask_ = 0;
  unsigned shift_ = 0;
  size_t size_ = 0;
};

}  // namespace sequex

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

class FlatIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // `sparseness`: capacity is kept at least this many times the entries (2 or more, a power of two). A sparser
  // table has shorter probe runs, so fewer lookups and erases cross into a second line, for more memory.
  explicit FlatIndex(size_t initial_capacity = 1024, size_t sparseness = 2) : sparseness_(sparseness) {
    Rehash(RoundUpPow2(initial_capacity));
  }

  void Reserve(size_t entries) {
    if (entries * sparseness_ > slots_.size()) Rehash(RoundUpPow2(entries * sparseness_));
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
    if ((size_ + 1) * sparseness_ > slots_.size()) Rehash(slots_.size() * 2);
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
    // Backward-shift: pull later members of the probe chain into the hole so lookups never need tombstones.
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; slots_[j].slot != kNone; j = (j + 1) & mask_) {
      const size_t home = Home(slots_[j].key);
      const bool between = (hole <= j) ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!between) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Entry{0, kNone};
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
  [[nodiscard]] size_t Home(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

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

  size_t sparseness_ = 2;
  HugeArray<Entry> slots_;
  size_t mask_ = 0;
  unsigned shift_ = 0;
  size_t size_ = 0;
};

}  // namespace sequex

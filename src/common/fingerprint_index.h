// FingerprintIndex: an open-addressing index from a 64-bit hash key to a 32-bit slot that keeps only 32 bits of
// each key, for callers that confirm every candidate against the record itself (the engine's client_oid index).
//
// Why: with 8-byte entries a line holds eight, so the table is half the memory of a FlatIndex and a probe run
// crosses half as many lines. The kept bits are the top 32 of key * 2^64/phi: the bits Fibonacci hashing takes the
// home from, so the table can still find every entry's home when it grows. Two keys that share those 32 bits are
// told apart by the caller's predicate, as FlatIndex already allows; an erase names its slot, so it is exact.
//
// Layout and behaviour otherwise as FlatIndex: linear probing, backward-shift deletion (no tombstones), huge-page
// memory, grows only at a new high-water mark, never iterates into anything observable. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/flat_index.h"
#include "common/huge_array.h"

namespace sequex {

class FingerprintIndex {
 public:
  static constexpr uint32_t kNone = FlatIndex::kNone;

  // `sparseness`: capacity is kept at least this many times the entries (2 or more, a power of two).
  explicit FingerprintIndex(size_t initial_capacity = 1024, size_t sparseness = 2) : sparseness_(sparseness) {
    Rehash(FlatIndex::RoundUpPow2(initial_capacity));
  }

  // The first slot filed under `key`'s fingerprint for which `confirm(slot)` is true, or kNone.
  template <typename Confirm>
  [[nodiscard]] uint32_t Find(uint64_t key, Confirm&& confirm) const {
    const uint32_t fp = Fingerprint(key);
    for (size_t i = Home(fp);; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (e.slot == kNone) return kNone;
      if (e.fingerprint == fp && confirm(e.slot)) return e.slot;
    }
  }
  // The first slot filed under `key`'s fingerprint, unconfirmed: a candidate for a cache hint, never an answer.
  [[nodiscard]] uint32_t Candidate(uint64_t key) const {
    return Find(key, [](uint32_t) { return true; });
  }

  // Starts loading the line where a Find or Insert of `key` begins. No effect on contents.
  void Prefetch(uint64_t key) const { __builtin_prefetch(&slots_[Home(Fingerprint(key))]); }

  void Insert(uint64_t key, uint32_t slot) {
    if ((size_ + 1) * sparseness_ > slots_.size()) Rehash(slots_.size() * 2);
    Place(Entry{Fingerprint(key), slot});
    ++size_;
  }

  // Removes the entry (key -> slot); false if it is not present.
  bool Erase(uint64_t key, uint32_t slot) {
    const uint32_t fp = Fingerprint(key);
    size_t i = Home(fp);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].slot == kNone) return false;
      if (slots_[i].fingerprint == fp && slots_[i].slot == slot) break;
    }
    CloseProbeGap(slots_, mask_, i, [this](const Entry& e) { return Home(e.fingerprint); });
    --size_;
    return true;
  }

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t capacity() const { return slots_.size(); }
  [[nodiscard]] size_t MemoryBytes() const { return slots_.size() * sizeof(Entry); }

  // The 32 bits kept of `key`; the home of a key in a table of 2^k entries is their top k bits, so keys whose
  // fingerprints share their top bits pile up in one probe run.
  static uint32_t Fingerprint(uint64_t key) { return static_cast<uint32_t>((key * 0x9E3779B97F4A7C15ull) >> 32); }

 private:
  struct Entry {
    uint32_t fingerprint = 0;
    uint32_t slot = kNone;
  };
  static_assert(sizeof(Entry) == 8);

  // The capacity is at most 2^32 entries, so the home's bits are all in the fingerprint.
  [[nodiscard]] size_t Home(uint32_t fingerprint) const { return fingerprint >> shift_; }

  void Place(Entry e) {
    size_t i = Home(e.fingerprint);
    while (slots_[i].slot != kNone) i = (i + 1) & mask_;
    slots_[i] = e;
  }

  void Rehash(size_t capacity) {
    HugeArray<Entry> old = std::move(slots_);
    slots_ = HugeArray<Entry>(capacity);
    mask_ = capacity - 1;
    shift_ = 32 - static_cast<unsigned>(__builtin_ctzll(capacity));
    for (const Entry& e : old) {
      if (e.slot != kNone) Place(e);
    }
  }

  size_t sparseness_ = 2;
  HugeArray<Entry> slots_;
  size_t mask_ = 0;
  unsigned shift_ = 0;
  size_t size_ = 0;
};

}  // namespace sequex

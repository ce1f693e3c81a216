// MpscRing: a bounded, lock-free, multi-producer / single-consumer queue of values (after Vyukov's bounded queue:
// one sequence counter per cell, so producers never wait on each other's progress beyond one CAS).
//
//   MpscRing<Submission> ring(1 << 16);
//   if (ring.TryPush(std::move(s)) == RingOffer::kBackPressured) { /* full: retry later, drop, or shed load */ }
//   Submission out;  while (ring.TryPop(&out)) { ... }      // the one consumer thread
//
// Guarantees: TryPush and TryPop never block, never allocate and never take a lock. The producer and consumer
// cursors sit on separate cache lines, and every cell is cache-line aligned, so producers and the consumer do
// not false-share. Capacity is a power of two fixed at construction.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace sequex::sequencer {

inline constexpr size_t kCacheLine = 64;

enum class RingOffer : uint8_t { kOk = 0, kBackPressured = 1 };

template <typename T>
class MpscRing {
 public:
  // `capacity` is rounded up to a power of two (at least 2).
  explicit MpscRing(size_t capacity) {
    size_t c = 2;
    while (c < capacity) c <<= 1;
    mask_ = c - 1;
    cells_ = std::make_unique<Cell[]>(c);
    for (size_t i = 0; i < c; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  // Any thread. Moves from `value` only on kOk.
  RingOffer TryPush(T&& value) {
    uint64_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      const uint64_t seq = cell.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<int64_t>(seq - pos);
      if (diff == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          cell.value = std::move(value);
          cell.sequence.store(pos + 1, std::memory_order_release);
          return RingOffer::kOk;
        }
      } else if (diff < 0) {
        return RingOffer::kBackPressured;
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
  }

  // The consumer thread only.
  bool TryPop(T* out) {
    Cell& cell = cells_[dequeue_pos_ & mask_];
    const uint64_t seq = cell.sequence.load(std::memory_order_acquire);
    if (static_cast<int64_t>(seq - (dequeue_pos_ + 1)) < 0) return false;
    *out = std::move(cell.value);
    cell.sequence.store(dequeue_pos_ + mask_ + 1, std::memory_order_release);
    ++dequeue_pos_;
    return true;
  }

  // The consumer thread only: whether TryPop would return a value now.
  [[nodiscard]] bool CanPop() const {
    const uint64_t seq = cells_[dequeue_pos_ & mask_].sequence.load(std::memory_order_acquire);
    return static_cast<int64_t>(seq - (dequeue_pos_ + 1)) >= 0;
  }

  [[nodiscard]] size_t capacity() const { return mask_ + 1; }

 private:
  struct alignas(kCacheLine) Cell {
    std::atomic<uint64_t> sequence{0};
    T value{};
  };
  alignas(kCacheLine) std::atomic<uint64_t> enqueue_pos_{0};
  alignas(kCacheLine) uint64_t dequeue_pos_ = 0;
  alignas(kCacheLine) size_t mask_ = 0;
  std::unique_ptr<Cell[]> cells_;
};

}  // namespace sequex::sequencer

// OrderPool: fixed-address storage for open orders, addressed by 32-bit slot.
//
// Why: the book, the account lists and the id indexes link orders by slot, not pointer, so an Order is 4 bytes to
// reference and the pool can grow in chunks without moving anything (a chunk, once allocated, stays put). Freed
// slots are reused LIFO, which keeps the working set hot. Allocation happens only when the live count passes a
// new high-water mark and the pool links more slots (adding a whole chunk once the last one is in use).
//
// The slot an order gets depends only on the command history (deterministic), but nothing observable depends on
// it: the state hash walks books and accounts, never the pool.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory_resource>
#include <vector>

#include "common/huge_array.h"
#include "common/types.h"
#include "engine/order_types.h"

namespace sequex {

inline constexpr uint32_t kNil = UINT32_MAX;

// One open order. The first cache line holds what matching touches for each maker it visits.
struct Order {
  int32_t maker_ppm = 0;
  int32_t taker_ppm = 0;
  QtyLots remaining{};
  OrderId id{};
  Amount held{};  // funds held right now (quote for buys, base for sells)
  QtyLots filled{};
  Amount cum_notional{};
  Amount cum_fee{};
  AccountId account{};
  uint32_t stp_group = 0;
  // --- second line: placement facts
  PriceTicks price{};  // limit price; 0 for market types
  PriceTicks trigger{};
  PriceTicks cap{};           // market BUY by quantity: never trade above this (P_w, or P_prot for stops); 0 = none
  QtyLots qty{};              // total, including filled
  Amount notional{};          // market buy by notional: budget
  uint32_t account_book = 0;  // index of its (account, instrument) list in Engine::Impl::account_books_
  InstrumentId instrument{};
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGoodTillCancel;
  uint8_t flags = 0;
  StpMode stp_mode = StpMode::kNone;
  OrderStatus status = OrderStatus::kNew;
  uint16_t held_position = 0;  // Account::PositionOf the balance it holds (quote for buys, base for sells)
  SeqNo created_seq = 0;
  TimeNs created_time = 0;
  ClientOid client_oid{};
  uint64_t oid_key = 0;  // Engine::Impl::OidKey(account, client_oid) when client_oid is set: its by_oid_ key, kept
                         // so that closing the order neither hashes again nor waits for the hash to find the line
};

// Links of an order in the two lists it is on: the FIFO queue of its price level (also the free list while the
// slot is unused) and its account's per-instrument list. Kept beside the pool, not in the Order: unlinking an order
// touches its neighbours' links, and in this dense array (16 bytes per slot) those are likely in cache, where the
// neighbours' Orders would each be a miss; the match loop walks a level through it too.
struct OrderLinks {
  uint32_t queue_next = kNil;
  uint32_t queue_prev = kNil;
  uint32_t account_next = kNil;
  uint32_t account_prev = kNil;
};
static_assert(sizeof(OrderLinks) == 16);

class OrderPool {
 public:
  static constexpr uint32_t kChunkBits = 16;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;

  // `memory` backs the links array (the engine's huge-page resource); the orders are in HugeArray chunks.
  // The slots on the free list from the start: `expected` rounded up to whole chunks, or, below one chunk, to a
  // multiple of kMinSlots (the rest of the chunk is linked as it is needed).
  explicit OrderPool(uint32_t expected, std::pmr::memory_resource* memory = std::pmr::get_default_resource())
      : links_(memory) {
    const uint32_t unit = expected >= kChunkSize ? kChunkSize : kMinSlots;
    const uint32_t slots = std::max<uint32_t>(1, (expected + unit - 1) / unit) * unit;
    while (chunks_.size() * size_t{kChunkSize} < slots) chunks_.emplace_back(kChunkSize, kUnconstructed);
    Extend(slots);
  }

  Order& operator[](uint32_t slot) { return chunks_[slot >> kChunkBits][slot & (kChunkSize - 1)]; }
  OrderLinks& links(uint32_t slot) { return links_[slot]; }
  [[nodiscard]] const OrderLinks& links(uint32_t slot) const { return links_[slot]; }
  const Order& operator[](uint32_t slot) const { return chunks_[slot >> kChunkBits][slot & (kChunkSize - 1)]; }

  // Returns a slot whose Order the caller constructs in place: `new (&pool[slot]) Order{...}`. A placement then
  // writes each field once, where clearing the slot first wrote its 184 bytes twice (and a copy from a temporary
  // compiled to a string move).
  uint32_t Allocate() {
    if (free_head_ == kNil) [[unlikely]] {
      Grow();
    }
    const uint32_t slot = free_head_;
    free_head_ = links_[slot].queue_next;
    links_[slot] = OrderLinks{};
    ++live_;
    return slot;
  }
  void Free(uint32_t slot) {
    links_[slot].queue_next = free_head_;
    free_head_ = slot;
    --live_;
  }

  [[nodiscard]] uint32_t live() const { return live_; }
  [[nodiscard]] uint32_t capacity() const { return capacity_; }
  [[nodiscard]] size_t MemoryBytes() const {
    return chunks_.size() * size_t{kChunkSize} * sizeof(Order) + size_t{capacity_} * sizeof(OrderLinks);
  }

 private:
  // A pool sized for few orders (a test's, a fuzzer's) links only those: threading a whole chunk's 65,536 slots
  // for each engine built was much of what building one cost in the instrumented fuzz build.
  static constexpr uint32_t kMinSlots = 64;

  // Out of line, so that Allocate stays small enough to be inlined and its Order built in place. Fills the last
  // chunk by doubling the slots in use, then adds a whole chunk at a time.
  [[gnu::noinline]] void Grow() {
    const size_t stored = chunks_.size() * size_t{kChunkSize};
    if (capacity_ == stored) {
      chunks_.emplace_back(kChunkSize, kUnconstructed);  // Allocate's caller builds each Order in its slot
      Extend(capacity_ + kChunkSize);
    } else {
      Extend(static_cast<uint32_t>(std::min<size_t>(stored, size_t{capacity_} * 2)));
    }
  }
  // Links slots [capacity, new_capacity) and puts them on the free list so that a fresh pool hands out 0, 1, 2, ...
  // across all its chunks: a snapshot's loader relies on that (it files order k at slot k). Threading each chunk as
  // it was added put the last chunk first, so an engine sized for more than one chunk could not load its own
  // snapshots. Only called with the free list empty.
  void Extend(uint32_t new_capacity) {
    links_.resize(new_capacity);
    for (uint32_t i = new_capacity; i-- > capacity_;) {
      links_[i].queue_next = free_head_;
      free_head_ = i;
    }
    capacity_ = new_capacity;
  }

  std::vector<HugeArray<Order>> chunks_;
  std::pmr::vector<OrderLinks> links_;  // by slot; moves when the pool grows (links are plain indexes)
  uint32_t capacity_ = 0;
  uint32_t free_head_ = kNil;
  uint32_t live_ = 0;
};

}  // namespace sequex

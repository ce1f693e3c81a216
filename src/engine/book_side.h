// BookSide: the price levels of one side of a book — a price ladder indexed by tick, with a bitmap of the levels
// in use, plus a sorted spill array for the prices far from the market.
//
// Why a ladder: nearly all activity (new orders, cancels, amends, fills) lands within a few hundred ticks of the
// top, and many flows (market makers re-pricing, "move" orders) create and empty a level on most commands. A sorted
// array pays a binary search and a memmove for each of those; the ladder finds the level of a price with one
// subtraction and creates or empties it by flipping a bit. The next best level after the best one empties is found
// by a bit scan over a three-level bitmap (64 levels per word, 64 words per summary bit), so even a sparse book
// costs a few word reads, never a walk over levels.
//
// The ladder covers kWindow consecutive ticks starting at `lo_`. Its memory (512 KiB a side) is mapped and faulted
// in when the book is defined, so no order ever waits for the kernel: a ladder reserved untouched, as this one was
// before, took a page fault at the first order in each new 4 KiB of prices, and a trending market keeps reaching
// new prices (docs/performance.md, "A market that trends"). The window follows the top of the book: a price outside it
// that is better than the best or within half a window of it moves the window to centre on the better of the two,
// and the levels the new window leaves go to `outside_` (spilled_levels.h: sorted blocks, best last), which holds
// only prices outside the window. A price further behind the best than half a window is spilled where it stands.
// So the levels from best to worst are: outside_ entries better than the window, the window's levels, outside_
// entries worse than the window — a concatenation, never an interleave. A move copies every ladder level, so it is
// allowed only once the level changes since the last move reach an eighth of the levels in the ladder: a flow that
// alternates prices on both sides of the window to make every command move it gets the spill instead, and moves
// cost a bounded number of level copies per level change, amortized: kLevelsMovedPerChange for what a move takes
// out, and as many again for what the next one can bring in without waiting (a move into an empty ladder copies
// nothing out). A market that trends through a dense book (a level on every tick) moves the window every half
// window of ticks and so never waits for it.
//
// Level references stay valid until the next FindOrInsert that moves the window or inserts outside it, or an
// Erase outside the window; callers that need stability re-find by price. Single writer; not thread-safe.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/types.h"
#include "engine/order_pool.h"
#include "engine/spilled_levels.h"

namespace sequex {

class BookSide {
 public:
  static constexpr unsigned kWindowBits = 14;
  static constexpr int64_t kWindow = int64_t{1} << kWindowBits;  // ticks covered by the ladder
  static constexpr uint64_t kLevelsMovedPerChange = 8;           // see the header comment

  // `is_bid`: better = higher price (bids) or lower price (asks). Maps the ladder and faults it in (std::bad_alloc
  // if the mapping fails: a book is defined on the control path, never by an order).
  explicit BookSide(bool is_bid);
  ~BookSide();
  BookSide(const BookSide&) = delete;
  BookSide& operator=(const BookSide&) = delete;

  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t size() const { return size_; }  // levels in use
  // The best level; the side must not be empty.
  Level& best() { return *best_; }
  [[nodiscard]] const Level& best() const { return *best_; }

  // True when price a is strictly better than b for this side.
  [[nodiscard]] bool Better(PriceTicks a, PriceTicks b) const { return is_bid_ ? a > b : a < b; }

  // The lots resting on this side, every level's together: never more than the base or quote those orders hold, so
  // it fits. A fill-or-kill for more than this cannot fill, whatever its limit: OnPlaceOrder rejects it without
  // walking the levels.
  [[nodiscard]] int64_t resting() const { return resting_; }
  // Every change of a level's total goes through here, which keeps resting() with it.
  void AddToLevel(Level& level, QtyLots lots) {
    level.total += lots;
    resting_ += lots.value();
  }
  void TakeFromLevel(Level& level, QtyLots lots) {
    level.total -= lots;
    resting_ -= lots.value();
  }

  // The level at `price`, or nullptr.
  Level* Find(PriceTicks price) {
    if (InWindow(price)) {
      Level& l = ladder_[Index(price)];
      return l.count != 0 ? &l : nullptr;
    }
    return outside_.Find(price);
  }
  const Level* Find(PriceTicks price) const { return const_cast<BookSide*>(this)->Find(price); }

  // The level at `price`, created empty if missing. A newly created level must receive an order before the next
  // mutation of this side (an empty level counts as unused).
  Level& FindOrInsert(PriceTicks price) {
    ++changes_;
    if (InWindow(price)) {
      const size_t i = Index(price);
      Level& l = ladder_[i];
      if (l.count == 0) ClaimLadder(i, price);
      return l;
    }
    return InsertOutsideWindow(price);
  }

  // Marks the level at `price` unused; its queue must already be empty (count 0).
  void Erase(PriceTicks price) {
    ++changes_;
    if (InWindow(price)) {
      ReleaseLadder(Index(price));
    } else {
      EraseOutside(price);
    }
  }

  // Cache hint: the ladder entry of `price`, if the window covers it. Reads nothing but the window's position.
  void PrefetchLevel(PriceTicks price) const {
    if (InWindow(price)) __builtin_prefetch(&ladder_[Index(price)]);
  }

  // f(const Level&) -> bool (false stops), best level first / worst level first.
  template <typename F>
  void ForEachFromBest(F&& f) const;
  template <typename F>
  void ForEachFromWorst(F&& f) const;

  // The levels outside the window (diagnostics and tests: the top of a book belongs in the window).
  [[nodiscard]] size_t SpilledLevelCount() const { return outside_.size(); }
  [[nodiscard]] uint64_t WindowMoves() const { return moves_; }  // since construction

  // The ladder and its bitmap (resident from construction), the spill blocks and the move buffer.
  [[nodiscard]] size_t MemoryBytes() const;

 private:
  static constexpr size_t kWords0 = size_t{1} << (kWindowBits - 6);  // one bit per tick
  static constexpr size_t kWords1 = kWords0 >> 6;                    // one bit per word of level 0
  static_assert(kWords1 <= 64, "the bitmap's top level is one word");
  // One reservation per side: the ladder, then bitmap levels 0 and 1.
  static constexpr size_t kLadderBytes = static_cast<size_t>(kWindow) * sizeof(Level);
  static constexpr size_t kReservedBytes = kLadderBytes + (kWords0 + kWords1) * sizeof(uint64_t);

  // In unsigned arithmetic: the window may start below zero (re-centred around low prices), and the cache hints ask
  // about prices not yet validated (up to INT64_MAX), so p - lo_ may not fit in an int64.
  [[nodiscard]] bool InWindow(PriceTicks p) const {
    return static_cast<uint64_t>(p.value()) - static_cast<uint64_t>(lo_) < static_cast<uint64_t>(kWindow);
  }
  [[nodiscard]] size_t Index(PriceTicks p) const { return static_cast<size_t>(p.value() - lo_); }
  // A price outside the window that ranks before every level of the window.
  [[nodiscard]] bool BeyondWindowBetter(PriceTicks p) const {
    return is_bid_ ? p.value() >= lo_ + kWindow : p.value() < lo_;
  }

  void ClaimLadder(size_t i, PriceTicks price) {
    ladder_[i] = Level{price, QtyLots{0}, kNil, kNil, 0};
    SetBit(i);
    ++ladder_count_;
    ++size_;
    if (best_index_ < 0 || (is_bid_ ? i > static_cast<size_t>(best_index_) : i < static_cast<size_t>(best_index_))) {
      best_index_ = static_cast<int64_t>(i);
    }
    RefreshBest();
  }
  void ReleaseLadder(size_t i) {
    ClearBit(i);
    --ladder_count_;
    --size_;
    if (static_cast<int64_t>(i) == best_index_) {
      best_index_ = is_bid_ ? PrevSet(best_index_) : NextSet(best_index_);
    }
    RefreshBest();
  }
  // best_ = the better of outside_'s best and the ladder's best.
  void RefreshBest() {
    if (!outside_.empty() && (best_index_ < 0 || BeyondWindowBetter(outside_.best().price))) {
      best_ = &outside_.best();
    } else {
      best_ = best_index_ >= 0 ? &ladder_[best_index_] : nullptr;
    }
  }

  void SetBit(size_t i) {
    bits0_[i >> 6] |= uint64_t{1} << (i & 63);
    bits1_[i >> 12] |= uint64_t{1} << ((i >> 6) & 63);
    bits2_ |= uint64_t{1} << (i >> 12);
  }
  void ClearBit(size_t i) {
    if ((bits0_[i >> 6] &= ~(uint64_t{1} << (i & 63))) != 0) return;
    if ((bits1_[i >> 12] &= ~(uint64_t{1} << ((i >> 6) & 63))) != 0) return;
    bits2_ &= ~(uint64_t{1} << (i >> 12));
  }
  // The highest ladder index in use below i (0 <= i <= kWindow) / the lowest above i (-1 <= i < kWindow); -1 if none.
  [[nodiscard]] int64_t PrevSet(int64_t i) const;
  [[nodiscard]] int64_t NextSet(int64_t i) const;
  [[nodiscard]] int64_t HighestSet() const { return PrevSet(kWindow); }
  [[nodiscard]] int64_t LowestSet() const { return NextSet(-1); }

  Level& InsertOutsideWindow(PriceTicks price);
  void EraseOutside(PriceTicks price);
  // Where the window should start for a new level at `price` outside it: centred on `price` or on the best level,
  // whichever is better, when `price` is near the top (see the header comment) and a move is due; else nullopt.
  [[nodiscard]] std::optional<int64_t> WindowFor(PriceTicks price) const;
  // Moves the window to start at `lo`: ladder levels it leaves are spilled, spilled levels it covers come in.
  void MoveWindow(int64_t lo);

  Level* ladder_ = nullptr;    // kWindow entries, price lo_ + i at index i
  uint64_t* bits0_ = nullptr;  // in the same reservation as the ladder
  uint64_t* bits1_ = nullptr;
  uint64_t bits2_ = 0;
  int64_t lo_ = 0;
  int64_t best_index_ = -1;  // the ladder's best index, -1 when the ladder is empty
  Level* best_ = nullptr;    // the side's best level, nullptr when empty
  int64_t resting_ = 0;      // resting()
  size_t ladder_count_ = 0;
  size_t size_ = 0;
  uint64_t changes_ = 0;  // levels looked up for insertion or erased since the window last moved
  uint64_t moves_ = 0;
  SpilledLevels outside_;       // prices outside the window, worst .. best
  std::vector<Level> scratch_;  // MoveWindow's buffer, kept to avoid allocating each time
  bool is_bid_;
};

template <typename F>
void BookSide::ForEachFromBest(F&& f) const {
  size_t better = 0;  // spilled levels better than the window: the first ones
  bool stopped = false;
  outside_.ForEachFromBest(0, [&](const Level& l) {
    if (!BeyondWindowBetter(l.price)) return false;
    ++better;
    stopped = !f(l);
    return !stopped;
  });
  if (stopped) return;
  for (int64_t i = best_index_; i >= 0; i = is_bid_ ? PrevSet(i) : NextSet(i)) {
    if (!f(static_cast<const Level&>(ladder_[i]))) return;
  }
  outside_.ForEachFromBest(better, f);
}

template <typename F>
void BookSide::ForEachFromWorst(F&& f) const {
  size_t worse = 0;  // spilled levels worse than the window: the first ones
  bool stopped = false;
  outside_.ForEachFromWorst(0, [&](const Level& l) {
    if (BeyondWindowBetter(l.price)) return false;
    ++worse;
    stopped = !f(l);
    return !stopped;
  });
  if (stopped) return;
  const int64_t worst = is_bid_ ? LowestSet() : HighestSet();
  for (int64_t i = worst; i >= 0; i = is_bid_ ? NextSet(i) : PrevSet(i)) {
    if (!f(static_cast<const Level&>(ladder_[i]))) return;
  }
  outside_.ForEachFromWorst(worse, f);
}

}  // namespace sequex

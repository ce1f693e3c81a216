// SpilledLevels: the price levels of one book side that lie outside its ladder's window (book_side.h), in order.
//
// Why blocks: real books hold orders far from the market (a bid at a tenth of the price, an ask at ten times it),
// and such a book can spill tens of thousands of distinct prices. One sorted array paid a memmove of half of them
// for every level created or emptied there: on the wide-book workload (about 120,000 orders over 58,000 levels,
// most of them spilled) that ran at 0.92M commands/s with a p99.9 of 12.6 us; in blocks, 2.09M/s and 2.1 us
// (docs/engine.md). The levels sit in blocks of kBlockLevels, sorted within and across blocks, found by a binary
// search over each block's first price; a new or emptied level moves at most one block's entries, a full block
// splits in two, and two neighbours that fit in half a block merge, so blocks are more than a quarter full on
// average and memory follows the levels in use.
//
// Order: worst to best (ascending prices for bids, descending for asks), so the best level is the last one.
// Allocation: a block is allocated only when every block ever allocated is in use (a high-water mark); emptied
// blocks are kept for reuse. References to levels stay valid until the next Insert, Erase or ExtractRange.
// Single writer; not thread-safe.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/types.h"
#include "engine/order_pool.h"

namespace sequex {

struct Level {
  PriceTicks price{};
  QtyLots total{};  // sum of remaining over the queue
  uint32_t head = kNil;
  uint32_t tail = kNil;
  uint32_t count = 0;  // 0: the level is not in use (a ladder entry still zero from the mapping reads as unused)
};

class SpilledLevels {
 public:
  static constexpr size_t kBlockLevels = 64;  // 2 KiB of levels: one insert moves at most that

  explicit SpilledLevels(bool is_bid) : is_bid_(is_bid) {}

  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t BlockCount() const { return blocks_.size(); }  // blocks in use

  // The best level (the last); the container must not be empty.
  Level& best() { return blocks_.back()->levels[blocks_.back()->count - 1]; }
  [[nodiscard]] const Level& best() const { return blocks_.back()->levels[blocks_.back()->count - 1]; }

  // The level at `price`, or nullptr.
  Level* Find(PriceTicks price) {
    if (blocks_.empty()) return nullptr;
    Block& b = *blocks_[BlockFor(Key(price))];
    const size_t at = PositionIn(b, Key(price));
    return at < b.count && b.levels[at].price == price ? &b.levels[at] : nullptr;
  }

  // Adds an empty level at `price`, which must not be present, and returns it.
  Level& Insert(PriceTicks price);
  // Removes the level at `price`, which must be present.
  void Erase(PriceTicks price);

  // f(const Level&) -> bool (false stops): the levels best first / worst first, after passing over the first
  // `skip` of them. Returns false if f stopped the walk.
  template <typename F>
  bool ForEachFromBest(size_t skip, F&& f) const {
    for (size_t b = blocks_.size(); b-- > 0;) {
      const Block& block = *blocks_[b];
      if (skip >= block.count) {
        skip -= block.count;
        continue;
      }
      for (size_t i = block.count - skip; i-- > 0;) {
        if (!f(block.levels[i])) return false;
      }
      skip = 0;
    }
    return true;
  }
  template <typename F>
  bool ForEachFromWorst(size_t skip, F&& f) const {
    for (const Block* block : blocks_) {
      if (skip >= block->count) {
        skip -= block->count;
        continue;
      }
      for (size_t i = skip; i < block->count; ++i) {
        if (!f(block->levels[i])) return false;
      }
      skip = 0;
    }
    return true;
  }

  // Adds `run`'s levels, which ascend from worst to best (Key order) and are not present, as whole blocks spliced in
  // where they go: O(log blocks + run), where inserting them one by one paid a search and a block shift for each.
  // Returns false, changing nothing, if a level already present lies between the run's first and last (the
  // window's moves never ask that: what a move spills was inside the window, and nothing spilled is).
  bool SpliceRun(std::span<const Level> run);

  // Removes every level priced in [lo, hi), handing each to sink(level) (worst first); keeps the rest in order.
  // O(log blocks + the levels of the blocks it touches), plus a shift of the block list: for the window's moves,
  // which bring a range in, where walking every spilled level would cost a deep book tens of thousands of copies.
  template <typename Sink>
  void ExtractRange(int64_t lo, int64_t hi, Sink&& sink) {
    if (blocks_.empty() || lo >= hi) return;
    const int64_t first_key = is_bid_ ? lo : -(hi - 1);  // the range in Key order
    const int64_t last_key = is_bid_ ? hi - 1 : -lo;
    const size_t begin = BlockFor(first_key);
    size_t end = begin;
    for (; end < blocks_.size() && firsts_[end] <= last_key; ++end) {
      Block& block = *blocks_[end];
      size_t kept = 0;
      for (size_t i = 0; i < block.count; ++i) {
        const int64_t key = Key(block.levels[i].price);
        if (key >= first_key && key <= last_key) {
          sink(block.levels[i]);
          --size_;
        } else {
          block.levels[kept++] = block.levels[i];
        }
      }
      block.count = kept;
      if (kept != 0) firsts_[end] = Key(block.levels[0].price);
    }
    // Blocks wholly inside the range are now empty; at most the first and the last keep levels, and become
    // neighbours, which may merge.
    size_t out = begin;
    for (size_t b = begin; b < end; ++b) {
      if (blocks_[b]->count == 0) {
        Release(blocks_[b]);
        continue;
      }
      blocks_[out] = blocks_[b];
      firsts_[out] = firsts_[b];
      ++out;
    }
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(out),
                  blocks_.begin() + static_cast<std::ptrdiff_t>(end));
    firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(out),
                  firsts_.begin() + static_cast<std::ptrdiff_t>(end));
    if (begin + 1 < blocks_.size()) MergeIfSparse(begin + 1);
    if (begin < blocks_.size()) MergeIfSparse(begin);
  }

  // Blocks (in use and kept for reuse) and the vectors over them.
  [[nodiscard]] size_t MemoryBytes() const {
    // NOLINTNEXTLINE(bugprone-sizeof-expression): blocks_ and free_ do hold pointers
    const size_t pointer_bytes = (blocks_.capacity() + free_.capacity()) * sizeof(Block*);
    return owned_.size() * sizeof(Block) + pointer_bytes + firsts_.capacity() * sizeof(int64_t);
  }

 private:
  struct Block {
    size_t count = 0;
    std::array<Level, kBlockLevels> levels{};
  };

  // Ascending in the worst-to-best order.
  [[nodiscard]] int64_t Key(PriceTicks price) const { return is_bid_ ? price.value() : -price.value(); }
  // The block whose range holds `key`: the last one whose first level is not after it, or the first block.
  [[nodiscard]] size_t BlockFor(int64_t key) const {
    const auto it = std::upper_bound(firsts_.begin(), firsts_.end(), key);
    return it == firsts_.begin() ? 0 : static_cast<size_t>(it - firsts_.begin()) - 1;
  }
  // The position of the first level in `b` not before `key`.
  [[nodiscard]] size_t PositionIn(const Block& b, int64_t key) const {
    const auto it = std::lower_bound(b.levels.begin(), b.levels.begin() + static_cast<std::ptrdiff_t>(b.count), key,
                                     [this](const Level& l, int64_t k) { return Key(l.price) < k; });
    return static_cast<size_t>(it - b.levels.begin());
  }

  Block* Acquire();
  void Release(Block* b);
  void MergeIfSparse(size_t b);  // after an erase left block b with few levels

  std::vector<Block*> blocks_;   // worst .. best; none empty
  std::vector<int64_t> firsts_;  // Key of each block's first level, ascending
  std::vector<std::unique_ptr<Block>> owned_;
  std::vector<Block*> free_;  // owned, not in use
  size_t size_ = 0;
  bool is_bid_;
};

}  // namespace sequex

#include "engine/spilled_levels.h"

namespace sequex {

SpilledLevels::Block* SpilledLevels::Acquire() {
  if (free_.empty()) {
    // A new high-water mark: the only allocation. Reserving the vectors for every block now means that splitting,
    // merging and releasing blocks later never allocates.
    owned_.push_back(std::make_unique<Block>());
    blocks_.reserve(owned_.size());
    firsts_.reserve(owned_.size());
    free_.reserve(owned_.size());
    return owned_.back().get();
  }
  Block* b = free_.back();
  free_.pop_back();
  return b;
}

void SpilledLevels::Release(Block* b) {
  b->count = 0;
  free_.push_back(b);
}

Level& SpilledLevels::Insert(PriceTicks price) {
  const int64_t key = Key(price);
  const Level fresh{price, QtyLots{0}, kNil, kNil, 0};
  ++size_;
  if (blocks_.empty()) {
    Block* b = Acquire();
    b->levels[0] = fresh;
    b->count = 1;
    blocks_.push_back(b);
    firsts_.push_back(key);
    return b->levels[0];
  }
  size_t index = BlockFor(key);
  Block* b = blocks_[index];
  size_t at = PositionIn(*b, key);
  if (b->count == kBlockLevels) {
    // Full: its upper half moves to a new block right after it, and the level goes to whichever half it falls in.
    constexpr size_t kHalf = kBlockLevels / 2;
    Block* upper = Acquire();
    std::copy(b->levels.begin() + kHalf, b->levels.end(), upper->levels.begin());
    upper->count = kBlockLevels - kHalf;
    b->count = kHalf;
    const auto after = static_cast<std::ptrdiff_t>(index + 1);
    blocks_.insert(blocks_.begin() + after, upper);
    firsts_.insert(firsts_.begin() + after, Key(upper->levels[0].price));
    if (at > kHalf) {
      b = upper;
      at -= kHalf;
      ++index;
    }
  }
  const auto begin = b->levels.begin();
  std::copy_backward(begin + static_cast<std::ptrdiff_t>(at), begin + static_cast<std::ptrdiff_t>(b->count),
                     begin + static_cast<std::ptrdiff_t>(b->count + 1));
  b->levels[at] = fresh;
  ++b->count;
  if (at == 0) firsts_[index] = key;
  return b->levels[at];
}

bool SpilledLevels::SpliceRun(std::span<const Level> run) {
  if (run.empty()) return true;
  const int64_t last = Key(run.back().price);
  // Where the run goes: before block `index`'s level `at` (or after its last level).
  size_t index = 0;
  size_t at = 0;
  if (!blocks_.empty()) {
    const int64_t first = Key(run.front().price);
    index = BlockFor(first);
    const Block& b = *blocks_[index];
    at = PositionIn(b, first);
    const bool next_in_block = at < b.count;
    if (next_in_block ? Key(b.levels[at].price) <= last : index + 1 < blocks_.size() && firsts_[index + 1] <= last) {
      return false;
    }
  }
  const size_t run_blocks = (run.size() + kBlockLevels - 1) / kBlockLevels;
  // The run's blocks go in at `pos`; a block split by the run puts its upper part (`tail`) right after them.
  size_t pos = blocks_.size();
  Block* tail = nullptr;
  if (!blocks_.empty()) {
    Block* b = blocks_[index];
    if (at == 0) {
      pos = index;  // before every level of the first block (BlockFor said block 0)
    } else {
      pos = index + 1;
      if (at < b->count) {
        tail = Acquire();
        std::copy(b->levels.begin() + static_cast<std::ptrdiff_t>(at),
                  b->levels.begin() + static_cast<std::ptrdiff_t>(b->count), tail->levels.begin());
        tail->count = b->count - at;
        b->count = at;
      }
    }
  }
  const size_t added = run_blocks + (tail != nullptr ? 1 : 0);
  // The vectors hold room for every block owned (Acquire), so these grow them only past the high-water mark.
  blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(pos), added, nullptr);
  firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(pos), added, 0);
  for (size_t k = 0; k < run_blocks; ++k) {
    Block* nb = Acquire();
    const size_t from = k * kBlockLevels;
    const size_t n = std::min(kBlockLevels, run.size() - from);
    std::copy(run.begin() + static_cast<std::ptrdiff_t>(from), run.begin() + static_cast<std::ptrdiff_t>(from + n),
              nb->levels.begin());
    nb->count = n;
    blocks_[pos + k] = nb;
    firsts_[pos + k] = Key(nb->levels[0].price);
  }
  if (tail != nullptr) {
    blocks_[pos + run_blocks] = tail;
    firsts_[pos + run_blocks] = Key(tail->levels[0].price);
  }
  size_ += run.size();
  // The blocks at the splice's edges may be sparse: the split block, the run's last block and the tail.
  const size_t after = pos + added;  // the first block after the splice
  if (after < blocks_.size()) MergeIfSparse(after);
  if (after - 1 < blocks_.size()) MergeIfSparse(after - 1);
  if (pos > 0) MergeIfSparse(pos - 1);
  return true;
}

void SpilledLevels::Erase(PriceTicks price) {
  const int64_t key = Key(price);
  const size_t index = BlockFor(key);
  Block* b = blocks_[index];
  const size_t at = PositionIn(*b, key);
  const auto begin = b->levels.begin();
  std::copy(begin + static_cast<std::ptrdiff_t>(at + 1), begin + static_cast<std::ptrdiff_t>(b->count),
            begin + static_cast<std::ptrdiff_t>(at));
  --b->count;
  --size_;
  if (b->count == 0) {
    Release(b);
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(index));
    firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(index));
    return;
  }
  if (at == 0) firsts_[index] = Key(b->levels[0].price);
  MergeIfSparse(index);
}

void SpilledLevels::MergeIfSparse(size_t index) {
  // Two neighbours that fit in half a block become one: every adjacent pair then holds more than half a block, so
  // blocks are on average more than a quarter full however the levels come and go.
  constexpr size_t kMergeAt = kBlockLevels / 2;
  const auto merge_into_previous = [this](size_t i) {
    Block* into = blocks_[i - 1];
    Block* from = blocks_[i];
    std::copy(from->levels.begin(), from->levels.begin() + static_cast<std::ptrdiff_t>(from->count),
              into->levels.begin() + static_cast<std::ptrdiff_t>(into->count));
    into->count += from->count;
    Release(from);
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
    firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(i));
  };
  if (index > 0 && blocks_[index - 1]->count + blocks_[index]->count <= kMergeAt) {
    merge_into_previous(index);
  } else if (index + 1 < blocks_.size() && blocks_[index]->count + blocks_[index + 1]->count <= kMergeAt) {
    merge_into_previous(index + 1);
  }
}

}  // namespace sequex

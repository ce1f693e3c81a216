// BookSide's rare paths: the ladder's mapping, bit scans across words, the spilled levels and moving the window.
#include "engine/book_side.h"

#include <sys/mman.h>

#include <algorithm>
#include <new>
#include <span>
#include <utility>

namespace sequex {
namespace {

static_assert(sizeof(Level) % alignof(uint64_t) == 0, "the bitmap follows the ladder, aligned");

int HighBit(uint64_t m) { return 63 - std::countl_zero(m); }
int LowBit(uint64_t m) { return std::countr_zero(m); }

}  // namespace

BookSide::BookSide(bool is_bid) : outside_(is_bid), is_bid_(is_bid) {
  // MAP_POPULATE: every page of the ladder and its bitmap is backed (zeroed: every entry unused, every bit clear)
  // before the book takes an order, so none of them costs an order a page fault later.
  void* p = mmap(nullptr, kReservedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ladder_ = static_cast<Level*>(p);
  bits0_ = reinterpret_cast<uint64_t*>(static_cast<char*>(p) + kLadderBytes);
  bits1_ = bits0_ + kWords0;
}

BookSide::~BookSide() { munmap(ladder_, kReservedBytes); }

int64_t BookSide::PrevSet(int64_t i) const {
  if (i <= 0) return -1;
  const auto j = static_cast<size_t>(i - 1);  // the highest candidate
  size_t w = j >> 6;
  const uint64_t m = bits0_[w] & (~uint64_t{0} >> (63 - (j & 63)));
  if (m != 0) return static_cast<int64_t>((w << 6) | static_cast<size_t>(HighBit(m)));
  size_t w1 = w >> 6;
  uint64_t m1 = bits1_[w1] & ((uint64_t{1} << (w & 63)) - 1);
  if (m1 == 0) {
    const uint64_t m2 = bits2_ & ((uint64_t{1} << w1) - 1);
    if (m2 == 0) return -1;
    w1 = static_cast<size_t>(HighBit(m2));
    m1 = bits1_[w1];
  }
  w = (w1 << 6) | static_cast<size_t>(HighBit(m1));
  return static_cast<int64_t>((w << 6) | static_cast<size_t>(HighBit(bits0_[w])));
}

int64_t BookSide::NextSet(int64_t i) const {
  if (i + 1 >= kWindow) return -1;
  const auto j = static_cast<size_t>(i + 1);  // the lowest candidate
  size_t w = j >> 6;
  const uint64_t m = bits0_[w] & (~uint64_t{0} << (j & 63));
  if (m != 0) return static_cast<int64_t>((w << 6) | static_cast<size_t>(LowBit(m)));
  size_t w1 = w >> 6;
  uint64_t m1 = bits1_[w1] & ~((uint64_t{2} << (w & 63)) - 1);  // words above w (none when w & 63 == 63)
  if (m1 == 0) {
    const uint64_t m2 = bits2_ & ~((uint64_t{2} << w1) - 1);
    if (m2 == 0) return -1;
    w1 = static_cast<size_t>(LowBit(m2));
    m1 = bits1_[w1];
  }
  w = (w1 << 6) | static_cast<size_t>(LowBit(m1));
  return static_cast<int64_t>((w << 6) | static_cast<size_t>(LowBit(bits0_[w])));
}

Level& BookSide::InsertOutsideWindow(PriceTicks price) {
  if (Level* l = outside_.Find(price)) return *l;
  if (const std::optional<int64_t> lo = WindowFor(price)) {
    MoveWindow(*lo);
    const size_t at = Index(price);
    ClaimLadder(at, price);
    return ladder_[at];
  }
  Level& l = outside_.Insert(price);
  ++size_;
  RefreshBest();
  return l;
}

void BookSide::EraseOutside(PriceTicks price) {
  outside_.Erase(price);
  --size_;
  RefreshBest();
}

std::optional<int64_t> BookSide::WindowFor(PriceTicks price) const {
  int64_t centre = price.value();
  if (size_ > 0) {
    if (!Better(price, best_->price)) {
      // Behind the best (prices are positive, so the difference cannot overflow): near the top only within half a
      // window, and then the window centres on the best, which keeps the top of the book in the ladder.
      const int64_t behind = is_bid_ ? best_->price.value() - price.value() : price.value() - best_->price.value();
      if (behind >= kWindow / 2) return std::nullopt;
      centre = best_->price.value();
    }
    // A move copies every ladder level: due only once enough level changes have paid for it.
    if (changes_ * kLevelsMovedPerChange < ladder_count_) return std::nullopt;
  }
  return centre - kWindow / 2;
}

void BookSide::MoveWindow(int64_t lo) {
  scratch_.clear();
  for (int64_t i = LowestSet(); i >= 0; i = NextSet(i)) scratch_.push_back(ladder_[i]);
  for (const Level& l : scratch_) {
    ClearBit(Index(l.price));
    ladder_[Index(l.price)].count = 0;
  }
  ladder_count_ = 0;
  best_index_ = -1;
  lo_ = lo;
  const auto place = [&](const Level& l) {
    const size_t i = Index(l.price);
    ladder_[i] = l;
    SetBit(i);
    ++ladder_count_;
    if (best_index_ < 0 || (is_bid_ ? i > static_cast<size_t>(best_index_) : i < static_cast<size_t>(best_index_))) {
      best_index_ = static_cast<int64_t>(i);
    }
  };
  // Spilled levels the new window covers come in; then the old ladder's levels go in or out, so that outside_
  // keeps only prices outside the window. scratch_ ascends by price: those below the new window, those in it, those
  // above it. Each run that leaves was inside the old window, where nothing was spilled, so it splices in whole.
  outside_.ExtractRange(lo, lo + kWindow, place);
  const auto below_end =
      std::find_if(scratch_.begin(), scratch_.end(), [&](const Level& l) { return l.price.value() >= lo; });
  const auto above_begin = std::find_if(below_end, scratch_.end(), [&](const Level& l) { return !InWindow(l.price); });
  std::for_each(below_end, above_begin, place);
  for (const auto& [begin, end] : {std::pair{scratch_.begin(), below_end}, std::pair{above_begin, scratch_.end()}}) {
    if (!is_bid_) std::reverse(begin, end);  // worst first: asks descend
    if (!outside_.SpliceRun(std::span<const Level>(begin, end))) {
      for (auto it = begin; it != end; ++it) outside_.Insert(it->price) = *it;
    }
  }
  changes_ = 0;
  ++moves_;
  RefreshBest();
}

size_t BookSide::MemoryBytes() const {
  return kReservedBytes + outside_.MemoryBytes() + scratch_.capacity() * sizeof(Level);
}

}  // namespace sequex

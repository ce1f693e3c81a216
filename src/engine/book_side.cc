// BookSide's rare paths: the reservation, bit scans across words, the spilled levels and re-centring the window.
#include "engine/book_side.h"

#include <sys/mman.h>

#include <algorithm>
#include <new>

namespace sequex {
namespace {

static_assert(sizeof(Level) % alignof(uint64_t) == 0, "the bitmap follows the ladder, aligned");

int HighBit(uint64_t m) { return 63 - std::countl_zero(m); }
int LowBit(uint64_t m) { return std::countr_zero(m); }

}  // namespace

BookSide::BookSide(bool is_bid) : outside_(is_bid), is_bid_(is_bid) {
  // Untouched anonymous memory reads as zero (every ladder entry unused, every bit clear) and costs no RAM until
  // written, so a whole window per side is cheap however many books there are.
  void* p = mmap(nullptr, kReservedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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
  if (Recentre(price)) {
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

bool BookSide::Recentre(PriceTicks price) {
  int64_t lo = price.value();
  int64_t hi = price.value();
  if (ladder_count_ > 0) {
    lo = std::min(lo, lo_ + LowestSet());
    hi = std::max(hi, lo_ + HighestSet());
  }
  if (hi - lo >= kWindow) return false;
  // Centre the span so that the market can drift either way before the next move.
  const int64_t new_lo = lo - (kWindow - 1 - (hi - lo)) / 2;
  scratch_.clear();
  for (int64_t i = LowestSet(); i >= 0; i = NextSet(i)) scratch_.push_back(ladder_[i]);
  for (const Level& l : scratch_) {
    ClearBit(Index(l.price));
    ladder_[Index(l.price)].count = 0;
  }
  lo_ = new_lo;
  best_index_ = -1;
  const auto place = [&](const Level& l) {
    const size_t i = Index(l.price);
    ladder_[i] = l;
    SetBit(i);
    if (best_index_ < 0 || (is_bid_ ? i > static_cast<size_t>(best_index_) : i < static_cast<size_t>(best_index_))) {
      best_index_ = static_cast<int64_t>(i);
    }
  };
  for (const Level& l : scratch_) place(l);
  // Spilled levels that the new window covers move in, so outside_ keeps only prices outside it.
  outside_.ExtractIf([&](const Level& l) { return InWindow(l.price); },
                     [&](const Level& l) {
                       place(l);
                       ++ladder_count_;
                     });
  RefreshBest();
  return true;
}

size_t BookSide::MemoryBytes() const {
  return (kWords0 + kWords1) * sizeof(uint64_t) + outside_.MemoryBytes() + scratch_.capacity() * sizeof(Level) +
         ladder_count_ * sizeof(Level);
}

}  // namespace sequex

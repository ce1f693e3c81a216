// BookSide against a std::map model: random inserts and erases near a drifting mid, with far outliers that spill
// outside the ladder's window and jumps that force it to re-centre, checking best, find and both iteration orders.
#include "engine/book_side.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace sequex {
namespace {

// The model: price -> count, and the levels in best-first order.
std::vector<int64_t> BestFirst(const std::map<int64_t, uint32_t>& model, bool is_bid) {
  std::vector<int64_t> out;
  if (is_bid) {
    for (auto it = model.rbegin(); it != model.rend(); ++it) out.push_back(it->first);
  } else {
    for (const auto& [price, count] : model) out.push_back(price);
  }
  return out;
}

void ExpectSame(const BookSide& side, const std::map<int64_t, uint32_t>& model, bool is_bid) {
  ASSERT_EQ(side.size(), model.size());
  ASSERT_EQ(side.empty(), model.empty());
  const std::vector<int64_t> want = BestFirst(model, is_bid);
  std::vector<int64_t> best_first;
  side.ForEachFromBest([&](const Level& l) {
    best_first.push_back(l.price.value());
    EXPECT_EQ(l.count, model.at(l.price.value()));
    return true;
  });
  ASSERT_EQ(best_first, want);
  std::vector<int64_t> worst_first;
  side.ForEachFromWorst([&](const Level& l) {
    worst_first.push_back(l.price.value());
    return true;
  });
  ASSERT_EQ(worst_first, std::vector<int64_t>(want.rbegin(), want.rend()));
  if (!model.empty()) {
    ASSERT_EQ(side.best().price.value(), want.front());
  }
}

// Adds one order's worth to the level (as RestOnBook does) or takes one away (erasing the level when it empties).
void Add(BookSide& side, std::map<int64_t, uint32_t>& model, int64_t price) {
  Level& l = side.FindOrInsert(PriceTicks{price});
  ++l.count;
  l.total += QtyLots{1};
  ++model[price];
}
void Remove(BookSide& side, std::map<int64_t, uint32_t>& model, int64_t price) {
  Level* l = side.Find(PriceTicks{price});
  ASSERT_NE(l, nullptr);
  l->total -= QtyLots{1};
  if (--l->count == 0) side.Erase(PriceTicks{price});
  if (--model[price] == 0) model.erase(price);
}

void RunRandom(bool is_bid, uint64_t seed) {
  BookSide side(is_bid);
  std::map<int64_t, uint32_t> model;
  std::mt19937_64 rng(seed);
  int64_t mid = 10'000'000;
  for (int step = 0; step < 60'000; ++step) {
    const uint64_t r = rng() % 1000;
    if (r < 2) {
      mid += static_cast<int64_t>(rng() % 400'000) - 200'000;  // a jump larger than the window's half
    } else if (r < 400) {
      mid += static_cast<int64_t>(rng() % 21) - 10;
    }
    if (mid < 1000) mid = 1000;
    int64_t price = mid + static_cast<int64_t>(rng() % 201) - 100;
    if (rng() % 50 == 0) price = 1 + static_cast<int64_t>(rng() % (int64_t{1} << 40));  // a far outlier
    if (rng() % 2 == 0 || model.empty()) {
      Add(side, model, price);
    } else {
      // Remove from a random existing level.
      auto it = model.lower_bound(price);
      if (it == model.end()) it = std::prev(model.end());
      Remove(side, model, it->first);
    }
    if (step % 97 == 0) ExpectSame(side, model, is_bid);
    if (testing::Test::HasFatalFailure()) return;
    if (!model.empty()) {
      ASSERT_EQ(side.best().price.value(), BestFirst(model, is_bid).front()) << "step " << step;
    }
  }
  while (!model.empty()) Remove(side, model, model.begin()->first);
  ExpectSame(side, model, is_bid);
}

TEST(BookSideTest, ShouldMatchAnOrderedMapForBidsUnderRandomTraffic) { RunRandom(true, 1); }
TEST(BookSideTest, ShouldMatchAnOrderedMapForAsksUnderRandomTraffic) { RunRandom(false, 2); }

TEST(BookSideTest, ShouldKeepPricesTooFarApartOutsideTheWindowInOrder) {
  BookSide bids(true);
  std::map<int64_t, uint32_t> model;
  const int64_t far = BookSide::kWindow * 4;
  for (int64_t p : {far, int64_t{1}, far * 3, far + 5, int64_t{2}, far * 3 - 1}) Add(bids, model, p);
  ExpectSame(bids, model, true);
  EXPECT_EQ(bids.best().price.value(), far * 3);
  Remove(bids, model, far * 3);
  Remove(bids, model, far * 3 - 1);
  ExpectSame(bids, model, true);
  EXPECT_EQ(bids.best().price.value(), far + 5);
}

TEST(BookSideTest, ShouldKeepThousandsOfDeepPricesOnBothSidesOfTheWindowInOrder) {
  // A wide book (the wide-book workload): levels near a mid, and thousands of distinct prices far above and below
  // it, which no window can hold together, so they spill on both sides of the window.
  for (bool is_bid : {true, false}) {
    BookSide side(is_bid);
    std::map<int64_t, uint32_t> model;
    std::mt19937_64 rng(is_bid ? 21 : 22);
    const int64_t mid = 10'000'000;
    for (int step = 0; step < 40'000; ++step) {
      int64_t price = mid + static_cast<int64_t>(rng() % 401) - 200;
      if (rng() % 2 == 0) {
        const int64_t deep = BookSide::kWindow + static_cast<int64_t>(rng() % 9'000'000);
        price = rng() % 2 == 0 ? mid - std::min<int64_t>(deep, mid - 1) : mid + deep;
      }
      if (rng() % 3 != 0 || model.empty()) {
        Add(side, model, price);
      } else {
        auto it = model.lower_bound(price);
        if (it == model.end()) it = std::prev(model.end());
        Remove(side, model, it->first);
      }
      if (step % 3'001 == 0) ExpectSame(side, model, is_bid);
      if (testing::Test::HasFatalFailure()) return;
    }
    ExpectSame(side, model, is_bid);
    EXPECT_GT(model.size(), 5'000u);  // levels, most of them deep
    while (!model.empty()) Remove(side, model, model.begin()->first);
    ExpectSame(side, model, is_bid);
  }
}

TEST(BookSideTest, ShouldAnswerForAnyPriceOnceTheWindowStartsBelowZero) {
  BookSide asks(false);
  std::map<int64_t, uint32_t> model;
  Add(asks, model, BookSide::kWindow / 4);
  Add(asks, model, 5);  // a better ask near the top: the window centres on it and starts below zero
  EXPECT_EQ(asks.SpilledLevelCount(), 0u);
  ExpectSame(asks, model, false);
  // The cache hints ask about prices before they are validated; the largest must not overflow the window test.
  for (int64_t p : {INT64_MAX, INT64_MAX - 1, int64_t{0}, int64_t{-1}, INT64_MIN}) {
    EXPECT_EQ(asks.Find(PriceTicks{p}), nullptr);
    asks.PrefetchLevel(PriceTicks{p});
  }
  EXPECT_EQ(asks.best().price.value(), 5);
}

TEST(BookSideTest, ShouldMoveTheWindowWhenTheMarketDriftsPastIt) {
  BookSide asks(false);
  std::map<int64_t, uint32_t> model;
  // Levels that keep moving up, each old one emptied: the window follows without anything spilling.
  for (int64_t p = 1'000; p < 1'000 + 3 * BookSide::kWindow; p += 997) {
    Add(asks, model, p);
    if (model.size() > 3) Remove(asks, model, model.begin()->first);
  }
  ExpectSame(asks, model, false);
  EXPECT_EQ(asks.SpilledLevelCount(), 0u);
}

TEST(BookSideTest, ShouldKeepTheTopOfATrendingBookInTheWindowAndSpillWhatItLeavesBehind) {
  // A market that rises by many windows while every level it passes keeps an order (bids left behind): the levels
  // near the best stay in the ladder, the old ones go to the spill, and the order of all of them is kept.
  for (bool is_bid : {true, false}) {
    BookSide side(is_bid);
    std::map<int64_t, uint32_t> model;
    std::mt19937_64 rng(is_bid ? 41 : 42);
    int64_t mid = 1'000'000;
    for (int step = 0; step < 40'000; ++step) {
      mid += is_bid ? 2 : -2;  // bids rise, asks fall: the best keeps improving
      Add(side, model, mid - (is_bid ? 1 : -1) * static_cast<int64_t>(rng() % 100));
      if (step % 1'999 == 0) ExpectSame(side, model, is_bid);
      if (testing::Test::HasFatalFailure()) return;
    }
    ExpectSame(side, model, is_bid);
    // Everything within half a window of the best is in the ladder: what spilled is further behind.
    const int64_t best = BestFirst(model, is_bid).front();  // ExpectSame checked side.best() against it
    size_t near = 0;
    for (const auto& [price, count] : model) {
      near += (price > best - BookSide::kWindow / 2 && price < best + BookSide::kWindow / 2) ? 1 : 0;
    }
    EXPECT_GE(side.size() - side.SpilledLevelCount(), near);
    EXPECT_GT(side.SpilledLevelCount(), 0u);
    EXPECT_GE(side.WindowMoves(), 80'000u / (BookSide::kWindow / 2));  // the best moved 80,000 ticks
  }
}

TEST(BookSideTest, ShouldSpillInsteadOfMovingTheWindowOnEveryCommand) {
  // A flow that alternates a price just past the window's better edge (placed, then cancelled) with one near the
  // old best would move the window, and copy every level, on every command. Moves wait until as many level changes
  // have paid for them, so most of those prices spill, and the results are the same either way.
  BookSide bids(true);
  std::map<int64_t, uint32_t> model;
  const int64_t base = 10'000'000;
  for (int64_t p = base - 2'000; p <= base; ++p) Add(bids, model, p);  // 2,001 levels
  for (int round = 0; round < 2'000; ++round) {
    const int64_t far = bids.best().price.value() + BookSide::kWindow;
    Add(bids, model, far);
    Remove(bids, model, far);
    Add(bids, model, base - 2'001 - round);
    if (round % 101 == 0) ExpectSame(bids, model, true);
    if (testing::Test::HasFatalFailure()) return;
  }
  ExpectSame(bids, model, true);
  // 8,001 level changes. Each move away from the 2,001 or more levels waited for an eighth of them in changes; the
  // move back, once the far price was cancelled and the ladder held nothing, copied nothing out and was free.
  EXPECT_LE(bids.WindowMoves(), 2 * (1 + 8'001 * BookSide::kLevelsMovedPerChange / 2'001));
}

TEST(BookSideTest, ShouldFindTheNextBestAcrossSparseWordsOfTheBitmap) {
  BookSide asks(false);
  std::map<int64_t, uint32_t> model;
  // The first price centres the window on itself; then three prices inside it whose ladder indices lie in summary
  // words 0, 1 and 3 (64 * 64 ticks each), so the next best is found across words and across an empty summary word.
  constexpr int64_t kAnchor = 100'000;
  constexpr int64_t kLo = kAnchor - BookSide::kWindow / 2;
  constexpr int64_t kSummaryWord = int64_t{64} * 64;
  static_assert(kSummaryWord * 3 + 1 < BookSide::kWindow);
  Add(asks, model, kAnchor);
  const int64_t first = kLo + 100;
  const int64_t second = kLo + kSummaryWord + 3;
  const int64_t third = kLo + kSummaryWord * 3 + 1;
  for (int64_t p : {first, second, third}) Add(asks, model, p);
  Remove(asks, model, kAnchor);
  EXPECT_EQ(asks.SpilledLevelCount(), 0u);
  Remove(asks, model, first);
  EXPECT_EQ(asks.best().price.value(), second);
  Remove(asks, model, second);
  EXPECT_EQ(asks.best().price.value(), third);
  ExpectSame(asks, model, false);
}

}  // namespace
}  // namespace sequex

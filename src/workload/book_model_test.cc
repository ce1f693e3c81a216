#include "workload/book_model.h"

#include <gtest/gtest.h>

namespace sequex::workload {
namespace {

constexpr auto kGtc = TimeInForce::kGoodTillCancel;
constexpr auto kIoc = TimeInForce::kImmediateOrCancel;
constexpr auto kFok = TimeInForce::kFillOrKill;

TEST(BookModelTest, ShouldMatchByPriceThenTime) {
  BookModel book;
  const uint32_t a = book.Place(1, 1, Side::kSell, false, kGtc, false, 101, 5).slot;
  const uint32_t b = book.Place(2, 1, Side::kSell, false, kGtc, false, 100, 5).slot;
  const uint32_t c = book.Place(3, 1, Side::kSell, false, kGtc, false, 100, 5).slot;
  EXPECT_EQ(book.BestAsk(), 100);
  const BookModel::Result r = book.Place(4, 1, Side::kBuy, false, kGtc, false, 101, 12);
  EXPECT_EQ(r.filled, 12);
  EXPECT_EQ(r.fills, 3u);
  EXPECT_EQ(r.levels, 2u);
  EXPECT_EQ(r.slot, BookModel::kNoSlot);
  EXPECT_EQ(book.LiveCount(), 1u);
  EXPECT_EQ(book.order(a).filled, 2);  // b and c (earlier, better) went first
  (void)b;
  (void)c;
}

TEST(BookModelTest, ShouldRestTheGtcRemainderAndExpireIocAndMarket) {
  BookModel book;
  book.Place(1, 1, Side::kSell, false, kGtc, false, 100, 3);
  EXPECT_NE(book.Place(2, 1, Side::kBuy, false, kGtc, false, 100, 5).slot, BookModel::kNoSlot);
  EXPECT_EQ(book.BestBid(), 100);
  EXPECT_EQ(book.Place(3, 1, Side::kSell, false, kIoc, false, 90, 10).filled, 2);
  EXPECT_EQ(book.LiveCount(), 0u);
  EXPECT_EQ(book.Place(3, 2, Side::kSell, true, kIoc, false, 0, 10).filled, 0);
  EXPECT_EQ(book.LiveCount(), 0u);
}

TEST(BookModelTest, ShouldRejectCrossingPostOnlyAndShortFok) {
  BookModel book;
  book.Place(1, 1, Side::kSell, false, kGtc, false, 100, 3);
  EXPECT_TRUE(book.Place(2, 1, Side::kBuy, false, kGtc, true, 100, 1).rejected);
  EXPECT_FALSE(book.Place(2, 2, Side::kBuy, false, kGtc, true, 99, 1).rejected);
  EXPECT_TRUE(book.Place(2, 3, Side::kBuy, false, kFok, false, 100, 4).rejected);
  EXPECT_EQ(book.Place(2, 4, Side::kBuy, false, kFok, false, 100, 3).filled, 3);
}

TEST(BookModelTest, ShouldAmendInPlaceOrRequeue) {
  BookModel book;
  const uint32_t first = book.Place(1, 1, Side::kBuy, false, kGtc, false, 100, 10).slot;
  const uint32_t second = book.Place(2, 1, Side::kBuy, false, kGtc, false, 100, 10).slot;
  book.AmendQty(first, 4);  // keeps priority
  EXPECT_EQ(book.Place(3, 1, Side::kSell, false, kIoc, false, 100, 4).filled, 4);
  EXPECT_EQ(book.LiveCount(), 1u);
  EXPECT_EQ(book.order(second).filled, 0);
  // A move through the book trades first, then rests.
  book.Place(4, 1, Side::kSell, false, kGtc, false, 105, 3);
  const BookModel::Result r = book.AmendPrice(second, 106);
  EXPECT_EQ(r.filled, 3);
  EXPECT_EQ(r.slot, second);
  EXPECT_EQ(book.BestBid(), 106);
  EXPECT_EQ(book.order(second).remaining(), 7);
}

TEST(BookModelTest, ShouldCancelOneAccountAndRememberEndedOrders) {
  BookModel book;
  book.Place(1, 1, Side::kBuy, false, kGtc, false, 100, 1);
  book.Place(1, 2, Side::kSell, false, kGtc, false, 110, 1);
  book.Place(2, 1, Side::kBuy, false, kGtc, false, 99, 1);
  book.Place(1, 3, Side::kBuy, false, kGtc, false, 98, 1);
  EXPECT_EQ(book.BusiestAccount(), 1u);
  EXPECT_EQ(book.CancelAccount(1), 3u);
  EXPECT_EQ(book.LiveCount(), 1u);
  EXPECT_EQ(book.LevelCount(), 1u);
  uint32_t account = 0;
  uint64_t ref = 0;
  ASSERT_TRUE(book.RecentlyEnded(0, &account, &ref));
  EXPECT_EQ(account, 1u);
}

}  // namespace
}  // namespace sequex::workload

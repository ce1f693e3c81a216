#include "api/decimal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sequex::api {
namespace {

constexpr int64_t kMax = INT64_MAX;

int64_t Parse(std::string_view text, int decimals, int64_t max = kMax) {
  int64_t v = -1;
  EXPECT_TRUE(ParseScaled(text, decimals, max, &v)) << text;
  return v;
}

bool Fails(std::string_view text, int decimals, int64_t max = kMax) {
  int64_t v = 77;
  const bool ok = ParseScaled(text, decimals, max, &v);
  EXPECT_EQ(v, 77) << "output changed on failure: " << text;
  return !ok;
}

TEST(DecimalTest, ParsesPlainForms) {
  EXPECT_EQ(Parse("20000", 2), 2000000);
  EXPECT_EQ(Parse("0.0002", 8), 20000);
  EXPECT_EQ(Parse("1.5", 1), 15);
  EXPECT_EQ(Parse("0", 8), 0);
  EXPECT_EQ(Parse("0.", 2), 0);
  EXPECT_EQ(Parse(".5", 2), 50);
  EXPECT_EQ(Parse("00012", 0), 12);
  EXPECT_EQ(Parse("12.", 3), 12000);
  EXPECT_EQ(Parse("1.500000", 1), 15);  // trailing zeros beyond the scale are fine
  EXPECT_EQ(Parse("0.00001", 5), 1);
}

TEST(DecimalTest, RejectsMalformed) {
  for (const char* bad :
       {"", ".", "-1", "+1", "1e5", "1E-5", " 1", "1 ", "1..2", "1.2.3", "0x10", "1,5", "abc", "--", "1-"}) {
    EXPECT_TRUE(Fails(bad, 8)) << bad;
  }
}

TEST(DecimalTest, RejectsTooManySignificantDecimals) {
  EXPECT_TRUE(Fails("0.000000001", 8));
  EXPECT_TRUE(Fails("1.05", 1));
  EXPECT_TRUE(Fails("0.5", 0));
  EXPECT_EQ(Parse("5.0", 0), 5);
}

TEST(DecimalTest, EnforcesMaxAndOverflow) {
  EXPECT_EQ(Parse("100", 0, 100), 100);
  EXPECT_TRUE(Fails("101", 0, 100));
  EXPECT_TRUE(Fails("1.01", 2, 100));
  EXPECT_EQ(Parse("9223372036854775807", 0), INT64_MAX);
  EXPECT_TRUE(Fails("9223372036854775808", 0));
  EXPECT_TRUE(Fails("92233720368547758070", 0));
  EXPECT_TRUE(Fails("92233720368.54775808", 8));
  EXPECT_EQ(Parse("92233720368.54775807", 8), INT64_MAX);
  EXPECT_TRUE(Fails("1", 18, 100));
  EXPECT_TRUE(Fails("10", 18));  // 10^19 > INT64_MAX
  EXPECT_EQ(Parse("9", 18), 9'000'000'000'000'000'000);
}

// A maximum below 10 compares against one digit, where max - digit must not wrap (found by the request fuzzer).
TEST(DecimalTest, EnforcesAMaximumSmallerThanADigit) {
  EXPECT_TRUE(Fails("2", 0, 0));
  EXPECT_TRUE(Fails("7", 0, 5));
  EXPECT_TRUE(Fails("0.7", 1, 5));
  EXPECT_EQ(Parse("5", 0, 5), 5);
  EXPECT_EQ(Parse("0", 0, 0), 0);
  EXPECT_EQ(Parse("0.00", 2, 0), 0);
}

TEST(DecimalTest, HandlesHugeDigitStrings) {
  EXPECT_EQ(Parse(std::string(10000, '0') + "1.5" + std::string(10000, '0'), 2), 150);
  EXPECT_TRUE(Fails(std::string(10000, '9'), 0));
  EXPECT_TRUE(Fails("0." + std::string(10000, '0') + "1", 8));
}

TEST(DecimalTest, RejectsBadArguments) {
  EXPECT_TRUE(Fails("1", -1));
  EXPECT_TRUE(Fails("1", 19));
  EXPECT_TRUE(Fails("1", 0, -1));
}

TEST(DecimalTest, FormatsShortestExactText) {
  EXPECT_EQ(FormatScaled(15, 1), "1.5");
  EXPECT_EQ(FormatScaled(2000000, 2), "20000");
  EXPECT_EQ(FormatScaled(20000, 0), "20000");
  EXPECT_EQ(FormatScaled(1000, 8), "0.00001");
  EXPECT_EQ(FormatScaled(-325, 2), "-3.25");
  EXPECT_EQ(FormatScaled(0, 8), "0");
  EXPECT_EQ(FormatScaled(0, 0), "0");
  EXPECT_EQ(FormatScaled(-5, 3), "-0.005");
  EXPECT_EQ(FormatScaled(100, 2), "1");
  EXPECT_EQ(FormatScaled(INT64_MAX, 8), "92233720368.54775807");
  EXPECT_EQ(FormatScaled(INT64_MIN, 8), "-92233720368.54775808");
  EXPECT_EQ(FormatScaled(INT64_MAX, 18), "9.223372036854775807");
  EXPECT_EQ(FormatScaled(1, 18), "0.000000000000000001");
}

TEST(DecimalTest, RoundTrips) {
  for (int decimals : {0, 1, 2, 5, 8, 18}) {
    for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{10}, int64_t{123456789}, int64_t{1000000000000}, INT64_MAX}) {
      int64_t back = -1;
      ASSERT_TRUE(ParseScaled(FormatScaled(v, decimals), decimals, INT64_MAX, &back)) << v << " " << decimals;
      EXPECT_EQ(back, v);
    }
  }
}

}  // namespace
}  // namespace sequex::api

// Account's wallet (wallet.h): where balances live, how they are found, and that no balance straddles two cache lines.
#include "engine/wallet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "common/huge_page_resource.h"

namespace sequex {
namespace {

bool WithinOneLine(const void* p, size_t bytes) {
  const auto at = reinterpret_cast<uintptr_t>(p);
  return at / 64 == (at + bytes - 1) / 64;
}

// Nearly every order command reads or writes a balance at a random place in the wallets: one that straddled two lines
// would cost two misses, and the prefetch stages ask for one line per balance.
TEST(WalletTest, ShouldKeepEveryAccountOnWholeLinesAndEveryBalanceWithinOneLine) {
  HugePageResource memory;
  AccountTable table(&memory, &memory);
  for (uint32_t id = 1; id <= 9; ++id) {
    Account& a = table[id];
    EXPECT_EQ(reinterpret_cast<uintptr_t>(&a) % 64, 0u) << id;
    for (uint16_t asset = 1; asset <= 101; ++asset) a.Get(AssetId{asset}).available = Amount{asset};
    for (uint16_t asset = 1; asset <= 101; ++asset) {
      const AssetBalance* b = a.Find(AssetId{asset});
      ASSERT_NE(b, nullptr);
      EXPECT_TRUE(WithinOneLine(b, sizeof *b)) << "account " << id << " asset " << asset;
      EXPECT_EQ(b->available.value(), asset);
    }
  }
}

TEST(WalletTest, ShouldFindEachBalanceByAssetAndPositionInTheOrderTheAssetsWereFirstHeld) {
  AccountTable table;
  Account& a = table[1];
  // Inline, then scanned past the inline four, then through the spill table past kScanLimit spilled.
  const std::vector<uint16_t> assets{7, 3, 900, 1, 65'535, 12, 40, 41, 42, 43, 44, 45, 46, 47, 300, 2};
  for (const uint16_t asset : assets) {
    AssetBalance& b = a.Get(AssetId{asset});
    b.available = Amount{int64_t{asset} * 10};
    b.held = Amount{asset};
    EXPECT_EQ(&a.BalanceAt(a.PositionOf(b)), &b);
  }
  EXPECT_EQ(a.Find(AssetId{5}), nullptr);
  EXPECT_EQ(a.Find(AssetId{0}), nullptr);
  std::vector<std::pair<uint16_t, int64_t>> seen;
  a.ForEachBalance([&](AssetId asset, const AssetBalance& b) {
    EXPECT_EQ(b.held.value(), asset.value());
    seen.emplace_back(asset.value(), b.available.value());
  });
  ASSERT_EQ(seen.size(), assets.size());
  for (size_t i = 0; i < assets.size(); ++i) {
    EXPECT_EQ(seen[i].first, assets[i]);
    EXPECT_EQ(seen[i].second, int64_t{assets[i]} * 10);
    const AssetBalance* b = a.Find(AssetId{assets[i]});
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a.PositionOf(*b), i) << "positions follow the order the assets were first held";
    EXPECT_EQ(&a.Get(AssetId{assets[i]}), b) << "Get finds, and adds nothing, for an asset already held";
  }
}

}  // namespace
}  // namespace sequex

#include "server/connection_slots.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sequex::server {
namespace {

using boost::asio::ip::make_address;

TEST(ConnectionsPerAddress, RefusesThePlaceAfterTheLimitAndGivesItBackWhenASlotGoes) {
  ConnectionsPerAddress table;
  const auto client = make_address("203.0.113.7");
  std::vector<ConnectionsPerAddress::Slot> slots;
  for (int i = 0; i < 3; ++i) {
    slots.push_back(table.TryAcquire(client, 3));
    EXPECT_TRUE(slots.back().held());
  }
  ConnectionsPerAddress::Slot refused = table.TryAcquire(client, 3);
  EXPECT_FALSE(refused.held());
  EXPECT_EQ(table.open(client), 3);
  slots.pop_back();
  EXPECT_EQ(table.open(client), 2);
  EXPECT_TRUE(table.TryAcquire(client, 3).held());  // and gone again at the end of the statement
  EXPECT_EQ(table.open(client), 2);
  slots.clear();
  EXPECT_EQ(table.open(client), 0);
  EXPECT_EQ(table.addresses(), 0u) << "an address with nothing open keeps no entry";
}

TEST(ConnectionsPerAddress, CountsEachAddressApartAndAMappedIpv4AsItsIpv4) {
  ConnectionsPerAddress table;
  ConnectionsPerAddress::Slot v4 = table.TryAcquire(make_address("127.0.0.1"), 2);
  ConnectionsPerAddress::Slot mapped = table.TryAcquire(make_address("::ffff:127.0.0.1"), 2);
  EXPECT_TRUE(v4.held());
  EXPECT_TRUE(mapped.held());
  EXPECT_EQ(table.open(make_address("127.0.0.1")), 2);
  EXPECT_FALSE(table.TryAcquire(make_address("127.0.0.1"), 2).held());
  EXPECT_FALSE(table.TryAcquire(make_address("::ffff:127.0.0.1"), 2).held());
  EXPECT_TRUE(table.TryAcquire(make_address("127.0.0.2"), 2).held());
  ConnectionsPerAddress::Slot v6 = table.TryAcquire(make_address("::1"), 1);
  EXPECT_TRUE(v6.held());
  EXPECT_FALSE(table.TryAcquire(make_address("::1"), 1).held());
  EXPECT_TRUE(table.TryAcquire(make_address("2001:db8::1"), 1).held());
  EXPECT_EQ(table.addresses(), 2u);
}

TEST(ConnectionsPerAddress, AMovedSlotCountsOnceAndAReleasedOneIsNotGivenBackTwice) {
  ConnectionsPerAddress table;
  const auto client = make_address("2001:db8::5");
  ConnectionsPerAddress::Slot first = table.TryAcquire(client, 5);
  ConnectionsPerAddress::Slot second = table.TryAcquire(client, 5);
  ConnectionsPerAddress::Slot moved = std::move(first);  // an HTTP session upgraded to a WebSocket
  EXPECT_FALSE(first.held());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move): what is tested
  EXPECT_EQ(table.open(client), 2);
  moved.Release();
  moved.Release();
  EXPECT_EQ(table.open(client), 1);
  second = table.TryAcquire(client, 5);  // the place it held is given back as it takes the new one
  EXPECT_EQ(table.open(client), 1);
}

TEST(ConnectionsPerAddress, ThreadsTakingAndGivingBackLeaveNothingCounted) {
  ConnectionsPerAddress table;
  constexpr int kThreads = 4;
  constexpr int kRounds = 20'000;
  constexpr int64_t kLimit = 3;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int64_t> over_limit{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&table, &over_limit, t] {
      const auto shared = make_address("198.51.100.1");
      const auto own = make_address("198.51.100." + std::to_string(10 + t));
      for (int i = 0; i < kRounds; ++i) {
        ConnectionsPerAddress::Slot a = table.TryAcquire(shared, kLimit);
        ConnectionsPerAddress::Slot b = table.TryAcquire(own, kLimit);
        if (table.open(shared) > kLimit) over_limit.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(over_limit.load(), 0);
  EXPECT_EQ(table.addresses(), 0u);
}

}  // namespace
}  // namespace sequex::server

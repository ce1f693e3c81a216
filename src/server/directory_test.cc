#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "server/catalog.h"

namespace sequex::server {
namespace {

// The publisher swaps in a new key table or catalog while every I/O thread reads the current one (each request
// does). Under TSan (CI's TSan stage) this fails on a reader or writer that is not ordered with the other: with
// libstdc++ 12's std::atomic<std::shared_ptr>, whose load ends with a relaxed unlock, TSan reported the
// publisher's store racing with an I/O thread's earlier load in every busy sequexd.
TEST(Directory, ShouldHandTablesFromThePublisherToReadersWithoutARace) {
  Directory directory;
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    for (int i = 0; i < 20'000; ++i) {
      directory.Publish(std::make_shared<const KeyTable>());
      directory.Publish(std::make_shared<const VenueCatalog>());
    }
    stop.store(true);
  });
  size_t seen = 0;
  std::thread reader([&] {
    while (!stop.load()) {
      seen += directory.keys()->size() + directory.catalog()->instruments().size();
    }
  });
  publisher.join();
  reader.join();
  EXPECT_EQ(seen, 0U);
  EXPECT_NE(directory.keys(), nullptr);
  EXPECT_NE(directory.catalog(), nullptr);
}

}  // namespace
}  // namespace sequex::server

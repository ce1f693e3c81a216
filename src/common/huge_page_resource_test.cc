#include "common/huge_page_resource.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory_resource>
#include <new>
#include <utility>
#include <vector>

namespace sequex {
namespace {

TEST(HugePageResourceTest, ShouldCarveSmallRequestsFromHugePageAlignedRegions) {
  HugePageResource resource;
  void* a = resource.allocate(100, 8);
  void* b = resource.allocate(100, 64);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
  EXPECT_GE(static_cast<char*>(b), static_cast<char*>(a) + 100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % HugePageResource::kHugePage, 0u);  // the first region's start
  EXPECT_EQ(resource.reserved_bytes(), HugePageResource::kHugePage);
  resource.deallocate(a, 100, 8);  // kept until the resource dies
  EXPECT_EQ(resource.reserved_bytes(), HugePageResource::kHugePage);
}

TEST(HugePageResourceTest, ShouldOpenANewRegionWhenTheCurrentOneIsFull) {
  HugePageResource resource;
  const size_t big = HugePageResource::kHugePage / 2 - 1;  // carved as a half region: two fill one
  char* a = static_cast<char*>(resource.allocate(big, 8));
  char* b = static_cast<char*>(resource.allocate(big, 8));
  char* c = static_cast<char*>(resource.allocate(big, 8));
  EXPECT_EQ(resource.reserved_bytes(), 2 * HugePageResource::kHugePage);
  a[0] = b[big - 1] = c[0] = 1;  // every byte handed out is writable
  EXPECT_TRUE(b + big <= a || b >= a + big);
}

TEST(HugePageResourceTest, ShouldReturnLargeAllocationsToTheSystem) {
  HugePageResource resource;
  const size_t bytes = 3 * HugePageResource::kHugePage + 1;
  void* p = resource.allocate(bytes, 64);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % HugePageResource::kHugePage, 0u);
  EXPECT_EQ(resource.reserved_bytes(), 4 * HugePageResource::kHugePage);
  resource.deallocate(p, bytes, 64);
  EXPECT_EQ(resource.reserved_bytes(), 0u);
  // A mapping of its own (common/huge_array.h), unmapped when given back, not left in the heap.
  unsigned char resident = 0;
  EXPECT_EQ(mincore(p, 4096, &resident), -1);
  EXPECT_EQ(errno, ENOMEM);
}

// What the resource hands out is backed before it is used: the engine reserves tables ahead of use, and a page that
// faulted in the first time an order reached it cost that order milliseconds (common/huge_array.h).
TEST(HugePageResourceTest, ShouldBackEveryPageBeforeItIsUsed) {
  HugePageResource resource;
  const auto resident_pages = [](const void* p, size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> pages((bytes + page - 1) / page);
    EXPECT_EQ(mincore(const_cast<void*>(p), bytes, pages.data()), 0);
    return static_cast<size_t>(std::count_if(pages.begin(), pages.end(), [](unsigned char v) { return v & 1; })) * page;
  };
  const size_t direct = 3 * HugePageResource::kHugePage;
  const void* big = resource.allocate(direct, 64);
  EXPECT_EQ(resident_pages(big, direct), direct);
  const void* small = resource.allocate(100, 8);  // the start of a region of its own
  EXPECT_EQ(resident_pages(small, HugePageResource::kHugePage), HugePageResource::kHugePage);
}

// A reserve is taken, and backed, when the resource is built: small requests are carved from it, in order, before
// any region is taken from the system.
TEST(HugePageResourceTest, ShouldCarveFromItsReserveBeforeTakingRegionsFromTheSystem) {
  constexpr size_t kRegion = HugePageResource::kHugePage;
  HugePageResource resource(2 * kRegion + 1);  // rounds up to three regions
  EXPECT_EQ(resource.reserved_bytes(), 3 * kRegion);
  EXPECT_EQ(resource.carved_region_bytes(), 0u);
  const size_t big = HugePageResource::kHugePage / 4;  // four fit in a region
  for (int i = 0; i < 12; ++i) {
    auto* p = static_cast<char*>(resource.allocate(big, 8));
    p[0] = p[big - 1] = 1;
  }
  EXPECT_EQ(resource.reserved_bytes(), 3 * kRegion);  // nothing more from the system
  EXPECT_EQ(resource.carved_region_bytes(), 3 * kRegion);
  EXPECT_NE(resource.allocate(big, 8), nullptr);  // the reserve is used up: a region from the system
  EXPECT_EQ(resource.reserved_bytes(), 4 * kRegion);
  EXPECT_EQ(resource.carved_region_bytes(), 4 * kRegion);
}

TEST(HugePageResourceTest, ShouldRoundRequestsUpToClassesThatAVectorsCapacitiesFillExactly) {
  EXPECT_EQ(HugePageResource::ClassBytes(HugePageResource::ClassOf(1)), 16u);
  EXPECT_EQ(HugePageResource::ClassBytes(HugePageResource::ClassOf(16)), 16u);
  EXPECT_EQ(HugePageResource::ClassBytes(HugePageResource::ClassOf(17)), 20u);
  EXPECT_EQ(HugePageResource::ClassBytes(HugePageResource::ClassOf(100)), 112u);
  EXPECT_EQ(HugePageResource::ClassBytes(HugePageResource::ClassOf(720'896)), 786'432u);  // a chunk of accounts
  EXPECT_EQ(HugePageResource::ClassOf(HugePageResource::kDirectBytes - 1), HugePageResource::kClasses - 1);
  EXPECT_EQ(HugePageResource::ClassBytes(HugePageResource::kClasses - 1), HugePageResource::kDirectBytes);
  // Asset ids and spill tables (2 bytes), balances and account lists (16), and records of 24 bytes.
  for (const size_t element : {size_t{2}, size_t{16}, size_t{24}}) {
    for (size_t capacity = 1; capacity * element < HugePageResource::kDirectBytes; capacity *= 2) {
      const size_t bytes = capacity * element;
      EXPECT_EQ(HugePageResource::ClassBytes(HugePageResource::ClassOf(bytes)), std::max<size_t>(bytes, 16)) << bytes;
    }
  }
  size_t previous = 16;
  for (size_t c = 1; c < HugePageResource::kClasses; ++c) {
    const size_t bytes = HugePageResource::ClassBytes(c);
    EXPECT_GT(bytes, previous);
    EXPECT_EQ(HugePageResource::ClassOf(bytes), c);
    EXPECT_EQ(HugePageResource::ClassOf(previous + 1), c);    // every size between two classes takes the larger
    EXPECT_LE(bytes - previous - 1, bytes / 5 + 1) << bytes;  // wastes at most a fifth
    previous = bytes;
  }
}

// A freed block is handed out again for a request of its class, and the resource asks the system for nothing while
// blocks come and go; a block whose address does not meet a request's alignment is left for another request.
TEST(HugePageResourceTest, ShouldHandAFreedBlockToTheNextRequestOfItsClass) {
  HugePageResource resource;
  void* a = resource.allocate(24, 8);
  void* b = resource.allocate(3000, 8);
  resource.deallocate(a, 24, 8);
  resource.deallocate(b, 3000, 8);
  EXPECT_EQ(resource.allocate(3072, 8), b);  // the same class
  EXPECT_EQ(resource.allocate(22, 4), a);    // 22 bytes are carved as 24
  void* c = resource.allocate(22, 4);        // a's class is empty again: carved
  EXPECT_NE(c, a);
  void* d = resource.allocate(48, 8);
  resource.deallocate(d, 48, 8);
  if (reinterpret_cast<uintptr_t>(d) % 64 != 0) {
    void* aligned = resource.allocate(48, 64);
    EXPECT_NE(aligned, d);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % 64, 0u);
  }
  EXPECT_EQ(resource.allocate(48, 8), d);
  EXPECT_EQ(resource.carved_region_bytes(), HugePageResource::kHugePage);
}

// What the pool it replaced did on late-accounts' deposits (docs/performance.md): blocks of a few hundred bytes, one
// per new account, cost a mapping of megabytes whenever the pool's chunk of them ran out. Here 100,000 of them take
// only regions, from the reserve while it lasts, and the reserve a first run measured covers a second run.
TEST(HugePageResourceTest, ShouldTakeNothingButRegionsForManySmallBlocks) {
  const auto run = [](HugePageResource& resource) {
    std::vector<void*> blocks;
    for (size_t i = 0; i < 100'000; ++i) blocks.push_back(resource.allocate(192, 8));
    for (size_t i = 0; i < 100'000; i += 2) resource.deallocate(blocks[i], 192, 8);
    for (size_t i = 0; i < 100'000; i += 2) blocks[i] = resource.allocate(96, 8);
  };
  HugePageResource first;
  run(first);
  EXPECT_EQ(first.reserved_bytes(), first.carved_region_bytes());  // no mapping but regions
  HugePageResource second(first.carved_region_bytes());
  const size_t reserved = second.reserved_bytes();
  run(second);
  EXPECT_EQ(second.reserved_bytes(), reserved);
}

TEST(HugePageResourceTest, ShouldServeAPoolWhoseContainersGrowAndShrink) {
  HugePageResource resource;
  std::pmr::unsynchronized_pool_resource pool(&resource);
  std::vector<std::pmr::vector<uint64_t>> vectors;
  for (int round = 0; round < 3; ++round) {
    vectors.clear();
    for (uint64_t i = 0; i < 2000; ++i) {
      vectors.emplace_back(&pool);
      for (uint64_t j = 0; j <= i % 100; ++j) vectors.back().push_back(i * j);
    }
    for (uint64_t i = 0; i < 2000; ++i) {
      ASSERT_EQ(vectors[i].size(), i % 100 + 1);
      EXPECT_EQ(vectors[i].back(), i * (i % 100));
    }
  }
  // Freed blocks were reused: three rounds took no more regions than one needs (about 1 MB of live data).
  EXPECT_LE(resource.reserved_bytes(), 4 * HugePageResource::kHugePage);
}

struct Seven {
  int value = 7;
};

TEST(HugeArrayTest, ShouldValueInitializeItsElementsUnlessMadeAsStorageOnly) {
  HugeArray<Seven> built(1000);
  EXPECT_EQ(built[0].value, 7);
  EXPECT_EQ(built[999].value, 7);
  // Storage only: nothing is constructed, so the bytes are the zeroes the kernel maps; the pool that asks for it
  // builds each element in place before reading it.
  HugeArray<Seven> storage(1000, kUnconstructed);
  EXPECT_EQ(storage.size(), 1000u);
  EXPECT_EQ(storage[0].value, 0);
  new (&storage[999]) Seven{};
  EXPECT_EQ(storage[999].value, 7);
  HugeArray<Seven> moved = std::move(storage);
  EXPECT_EQ(moved[999].value, 7);
}

}  // namespace
}  // namespace sequex

// HugePageResource: a std::pmr memory resource whose memory the kernel is asked to back with 2 MiB pages, for the
// engine's containers that are read at random (accounts, their balances, order links, account order lists).
//
// Why: HugeArray covers the engine's fixed-size tables, but accounts and their wallets live in many small heap
// blocks and a few growing vectors. With 4 KiB pages the standard workload's 10,000 accounts (about 2.4 KB of
// balances each) span some 6,000 pages, far more than the TLB holds, so nearly every random balance read also
// walked the page tables (on a virtual machine, a second walk). docs/engine.md has the alternating-binary
// measurement that kept this in: a modest gain, on a noisy machine.
//
// Small requests (below kDirectBytes) are carved one after the other out of 2 MiB regions and never given back
// before the resource dies: put a pool (std::pmr::unsynchronized_pool_resource) on top of it to reuse freed
// blocks. Larger requests get an allocation of their own, returned to the system when deallocated. Not
// thread-safe: one owner thread at a time, like the engine that holds it.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <vector>

#include "common/huge_array.h"

namespace sequex {

class HugePageResource final : public std::pmr::memory_resource {
 public:
  static constexpr size_t kHugePage = kHugePageBytes;
  static constexpr size_t kDirectBytes = size_t{1} << 20;

  // `reserve_bytes`: regions for that many bytes of small requests are taken and backed now, and used before any
  // other. A region taken later is taken inside whatever call needed it; on the engine's order path that call waits
  // for the system to back 2 MiB (docs/engine.md, "Accounts that trade a book, or hold an asset, for the first
  // time").
  explicit HugePageResource(size_t reserve_bytes = 0);
  ~HugePageResource() override;
  HugePageResource(const HugePageResource&) = delete;
  HugePageResource& operator=(const HugePageResource&) = delete;

  // Bytes taken from the system and not yet returned (regions and direct allocations).
  [[nodiscard]] size_t reserved_bytes() const { return reserved_bytes_; }
  // Bytes of the regions small requests have been carved from so far (reserved ones count once carving reaches them).
  [[nodiscard]] size_t carved_region_bytes() const { return carved_regions_ * kHugePage; }

 private:
  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void* p, size_t bytes, size_t alignment) override;
  [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  // The 2 MiB regions small requests are carved from, in the order they are carved: the reserve first, then those
  // taken as needed. The first carved_regions_ have been reached; the rest of the reserve waits.
  std::vector<void*> regions_;
  size_t carved_regions_ = 0;
  char* cursor_ = nullptr;  // the next free byte of the newest region carved
  char* end_ = nullptr;
  size_t reserved_bytes_ = 0;
};

}  // namespace sequex

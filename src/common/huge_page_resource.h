// HugePageResource: a std::pmr memory resource whose memory the kernel is asked to back with 2 MiB pages, for the
// engine's containers that are read at random (accounts, their balances, order links, account order lists).
//
// Why: HugeArray covers the engine's fixed-size tables, but accounts and their wallets live in many small heap
// blocks and a few growing vectors. With 4 KiB pages the standard workload's 10,000 accounts (about 2.4 KB of
// balances each) span some 6,000 pages, far more than the TLB holds, so nearly every random balance read also
// walked the page tables (on a virtual machine, a second walk). docs/performance.md has the alternating-binary
// measurement that kept this in: a modest gain, on a noisy machine.
//
// Requests below kDirectBytes are carved one after the other out of 2 MiB regions, rounded up to a size class; a
// freed block goes on its class's free list and the next request of that class takes it back. Nothing carved is
// returned to the system before the resource dies. Requests of kDirectBytes or more get a mapping of their own,
// returned to the system when deallocated. Not thread-safe: one owner thread at a time, like the engine that holds it.
//
// Why its own free lists, not std::pmr::unsynchronized_pool_resource on top: that pool asks its upstream for chunks
// that double in size (16,384 blocks at most), so an account's balances, a few hundred bytes, came in chunks of
// 1.5 MB, 3 MB, ... that no region holds: each was mapped and backed inside the command that needed one more block,
// 0.3-1.3 ms on this VM, and no reserve could cover it (docs/performance.md, "Accounts that trade a book, or hold an
// asset, for the first time").
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <memory_resource>
#include <vector>

#include "common/huge_array.h"

namespace sequex {

class HugePageResource final : public std::pmr::memory_resource {
 public:
  static constexpr size_t kHugePage = kHugePageBytes;
  static constexpr size_t kDirectBytes = kHugePage;
  // Carved sizes: 16 bytes, then four classes per doubling (1.25, 1.5, 1.75 and 2 times a power of two), so that the
  // doubling capacities of a vector of 16- or 24-byte elements are classes exactly and no request wastes more than a
  // fifth of its block.
  static constexpr size_t kClasses = 1 + 4 * (std::bit_width(kDirectBytes) - 1 - 4);  // 16 bytes to kDirectBytes
  [[nodiscard]] static size_t ClassOf(size_t bytes);
  [[nodiscard]] static size_t ClassBytes(size_t size_class);

  // `reserve_bytes`: regions for that many bytes of small requests are taken and backed now, and used before any
  // other. A region taken later is taken inside whatever call needed it; on the engine's order path that call waits
  // for the system to back 2 MiB (docs/performance.md, "Accounts that trade a book, or hold an asset, for the first
  // time").
  explicit HugePageResource(size_t reserve_bytes = 0);
  ~HugePageResource() override;
  HugePageResource(const HugePageResource&) = delete;
  HugePageResource& operator=(const HugePageResource&) = delete;

  // Bytes taken from the system and not yet returned (regions and direct allocations).
  [[nodiscard]] size_t reserved_bytes() const { return reserved_bytes_; }
  // Bytes of the regions requests have been carved from so far (reserved ones count once carving reaches them).
  [[nodiscard]] size_t carved_region_bytes() const { return carved_regions_ * kHugePage; }

 private:
  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void* p, size_t bytes, size_t alignment) override;
  [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  // The 2 MiB regions requests below kDirectBytes are carved from, in the order they are carved: the reserve first,
  // then those taken as needed. The first carved_regions_ have been reached; the rest of the reserve waits.
  std::vector<void*> regions_;
  size_t carved_regions_ = 0;
  char* cursor_ = nullptr;  // the next free byte of the newest region carved
  char* end_ = nullptr;
  size_t reserved_bytes_ = 0;
  std::array<void*, kClasses> free_{};  // per class, the latest freed block, which holds the address of the one before
};

}  // namespace sequex

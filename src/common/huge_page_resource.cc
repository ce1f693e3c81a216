#include "common/huge_page_resource.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <new>

namespace sequex {
namespace {

char* AlignUp(char* p, size_t alignment) {
  const uintptr_t address = reinterpret_cast<uintptr_t>(p);
  return p + ((alignment - address % alignment) % alignment);
}

}  // namespace

HugePageResource::HugePageResource(size_t reserve_bytes) {
  const size_t regions = (reserve_bytes + kHugePage - 1) / kHugePage;
  regions_.reserve(regions);
  try {
    for (size_t i = 0; i < regions; ++i) {
      regions_.push_back(AllocateHugePages(kHugePage));
      reserved_bytes_ += kHugePage;
    }
  } catch (...) {  // the destructor does not run for a constructor that throws
    for (void* region : regions_) FreeHugePages(region, kHugePage);
    throw;
  }
}

HugePageResource::~HugePageResource() {
  for (void* region : regions_) FreeHugePages(region, kHugePage);
}

size_t HugePageResource::ClassOf(size_t bytes) {
  if (bytes <= 16) return 0;
  const auto power = static_cast<size_t>(std::bit_width(bytes - 1) - 1);  // 2^power < bytes <= 2^(power + 1)
  const size_t quarter = (size_t{1} << power) / 4;
  const size_t quarters = (bytes - (size_t{1} << power) + quarter - 1) / quarter;  // 1 to 4
  return 1 + (power - 4) * 4 + (quarters - 1);
}

size_t HugePageResource::ClassBytes(size_t size_class) {
  if (size_class == 0) return 16;
  const size_t power = 4 + (size_class - 1) / 4;
  return (size_t{1} << power) + ((size_class - 1) % 4 + 1) * ((size_t{1} << power) / 4);
}

void* HugePageResource::do_allocate(size_t bytes, size_t alignment) {
  if (alignment > kHugePage) throw std::bad_alloc();
  if (bytes >= kDirectBytes) {
    const size_t size = HugePagesFor(bytes);
    void* p = AllocateHugePages(size);
    reserved_bytes_ += size;
    return p;
  }
  const size_t size_class = ClassOf(bytes);
  if (void* p = free_[size_class]; p != nullptr && reinterpret_cast<uintptr_t>(p) % alignment == 0) {
    std::memcpy(&free_[size_class], p, sizeof(void*));
    return p;
  }
  bytes = ClassBytes(size_class);
  alignment = std::max(alignment, alignof(void*));  // a freed block holds a pointer
  if (cursor_ == nullptr || AlignUp(cursor_, alignment) + bytes > end_) {
    if (carved_regions_ == regions_.size()) {  // the reserve, if any, is used up
      regions_.reserve(regions_.size() + 1);   // so that a failure below leaves nothing half-recorded
      regions_.push_back(AllocateHugePages(kHugePage));
      reserved_bytes_ += kHugePage;
    }
    cursor_ = static_cast<char*>(regions_[carved_regions_++]);
    end_ = cursor_ + kHugePage;
  }
  char* p = AlignUp(cursor_, alignment);
  cursor_ = p + bytes;
  return p;
}

void HugePageResource::do_deallocate(void* p, size_t bytes, size_t /*alignment*/) {
  if (bytes < kDirectBytes) {  // carved: kept for the next request of its class
    void*& head = free_[ClassOf(bytes)];
    std::memcpy(p, &head, sizeof(void*));
    head = p;
    return;
  }
  FreeHugePages(p, HugePagesFor(bytes));
  reserved_bytes_ -= HugePagesFor(bytes);
}

}  // namespace sequex

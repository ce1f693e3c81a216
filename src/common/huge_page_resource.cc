#include "common/huge_page_resource.h"

#include <cstdint>
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

void* HugePageResource::do_allocate(size_t bytes, size_t alignment) {
  if (alignment > kHugePage) throw std::bad_alloc();
  if (bytes >= kDirectBytes) {
    const size_t size = HugePagesFor(bytes);
    void* p = AllocateHugePages(size);
    reserved_bytes_ += size;
    return p;
  }
  bytes = bytes == 0 ? 1 : bytes;
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
  if (bytes < kDirectBytes) return;  // carved from a region: reused by the pool above, freed with the resource
  FreeHugePages(p, HugePagesFor(bytes));
  reserved_bytes_ -= HugePagesFor(bytes);
}

}  // namespace sequex

#include "common/huge_page_resource.h"

#include <cstdint>
#include <cstdlib>
#include <new>

namespace sequex {
namespace {

char* AlignUp(char* p, size_t alignment) {
  const uintptr_t address = reinterpret_cast<uintptr_t>(p);
  return p + ((alignment - address % alignment) % alignment);
}

}  // namespace

HugePageResource::~HugePageResource() {
  for (void* region : regions_) std::free(region);
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
    regions_.reserve(regions_.size() + 1);  // so that a failure below leaves nothing half-recorded
    cursor_ = static_cast<char*>(AllocateHugePages(kHugePage));
    end_ = cursor_ + kHugePage;
    regions_.push_back(cursor_);
    reserved_bytes_ += kHugePage;
  }
  char* p = AlignUp(cursor_, alignment);
  cursor_ = p + bytes;
  return p;
}

void HugePageResource::do_deallocate(void* p, size_t bytes, size_t /*alignment*/) {
  if (bytes < kDirectBytes) return;  // carved from a region: reused by the pool above, freed with the resource
  std::free(p);
  reserved_bytes_ -= HugePagesFor(bytes);
}

}  // namespace sequex

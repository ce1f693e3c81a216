#include "common/huge_page_resource.h"

#include <cstdint>
#include <cstdlib>
#include <new>

namespace sequex {
namespace {

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

HugePageResource::~HugePageResource() {
  for (void* region : regions_) std::free(region);
}

void* HugePageResource::do_allocate(size_t bytes, size_t alignment) {
  if (alignment > kHugePage) throw std::bad_alloc();
  if (bytes >= kDirectBytes) {
    const size_t size = RoundUp(bytes, kHugePage);
    void* p = AllocateHugePages(size);
    reserved_bytes_ += size;
    return p;
  }
  bytes = bytes == 0 ? 1 : bytes;
  const auto aligned = [&] {
    return reinterpret_cast<char*>(RoundUp(reinterpret_cast<uintptr_t>(cursor_), alignment));
  };
  if (cursor_ == nullptr || aligned() + bytes > end_) {
    regions_.reserve(regions_.size() + 1);  // so that a failure below leaves nothing half-recorded
    cursor_ = static_cast<char*>(AllocateHugePages(kHugePage));
    end_ = cursor_ + kHugePage;
    regions_.push_back(cursor_);
    reserved_bytes_ += kHugePage;
  }
  char* p = aligned();
  cursor_ = p + bytes;
  return p;
}

void HugePageResource::do_deallocate(void* p, size_t bytes, size_t /*alignment*/) {
  if (bytes < kDirectBytes) return;  // carved from a region: reused by the pool above, freed with the resource
  std::free(p);
  reserved_bytes_ -= RoundUp(bytes, kHugePage);
}

}  // namespace sequex

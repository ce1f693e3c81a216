// The machine's physical memory, for the tools that refuse what could not fit in it (sequexd's [engine] sizes,
// sequex-bench's buffers and book ladders) rather than be killed for memory part way.
#pragma once

#include <unistd.h>

#include <cstdint>

namespace sequex {

// In bytes; 0 if the system does not say.
[[nodiscard]] inline uint64_t PhysicalMemoryBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

}  // namespace sequex

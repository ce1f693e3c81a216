// HugeArray<T>: a fixed-size array of T in memory the kernel is asked to back with 2 MiB pages.
//
// Why: the engine's big tables (order pool chunks, id indexes) are read at random; with 4 KiB pages nearly every
// such access also misses the TLB, and on a virtual machine a TLB miss is a second walk through memory. One
// madvise(MADV_HUGEPAGE) per allocation (allocation happens only at high-water marks, never per command) lets the
// kernel use 2 MiB pages where transparent huge pages are enabled in `madvise` or `always` mode; elsewhere it is a
// harmless no-op. Elements are value-initialized (T must be nothrow default constructible), unless the array is made as
// storage only (kUnconstructed).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace sequex {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// The whole huge pages `bytes` needs.
inline constexpr size_t HugePagesFor(size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

// `bytes` (a multiple of kHugePageBytes) of zeroed memory in a mapping of its own, aligned to a huge page, advised
// to be backed by huge pages, and backed now; give it back with FreeHugePages(p, bytes). Throws std::bad_alloc when
// the system has no memory to give.
//
// Backed now: every page is written once here, so that no later access to it faults. What is allocated ahead of
// use (the engine's reserved tables, its pool's regions) would otherwise fault on the order path the first time
// each page is reached, and a huge-page fault there zeroes 2 MiB and, where the kernel compacts memory to find one
// (transparent_hugepage/defrag in `madvise` mode, Debian's default), waits for that too: docs/performance.md measured
// single commands of 4-6 ms from it.
// A mapping of its own, not the heap's: heap memory that small pages already backed, once advised, is left for
// the kernel's background thread (khugepaged) to collapse into huge pages later, while the engine runs, and a
// command that touches a page being collapsed waits for the copy.
inline void* AllocateHugePages(size_t bytes) {
  const size_t span = bytes + kHugePageBytes;  // room to align the start
  void* mapped = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  char* const start = static_cast<char*>(mapped);
  const size_t lead = (kHugePageBytes - reinterpret_cast<uintptr_t>(start) % kHugePageBytes) % kHugePageBytes;
  char* const p = start + lead;
  if (lead > 0) munmap(start, lead);
  munmap(p + bytes, span - lead - bytes);  // span - lead >= bytes + 1: never empty
  madvise(p, bytes, MADV_HUGEPAGE);        // advisory: failure only means small pages
  constexpr size_t kSmallPage = 4096;
  for (size_t offset = 0; offset < bytes; offset += kSmallPage) static_cast<volatile char*>(p)[offset] = 0;
  return p;
}

// Gives back what AllocateHugePages(bytes) returned.
inline void FreeHugePages(void* p, size_t bytes) { munmap(p, bytes); }

// Asks HugeArray for storage whose elements the caller constructs in place before it reads them.
struct UnconstructedTag {};
inline constexpr UnconstructedTag kUnconstructed{};

template <typename T>
class HugeArray {
 public:
  static constexpr size_t kHugePage = kHugePageBytes;

  HugeArray() = default;
  explicit HugeArray(size_t n) : size_(n) {
    if (n == 0) return;
    data_ = static_cast<T*>(AllocateHugePages(HugePagesFor(n * sizeof(T))));
    std::uninitialized_value_construct_n(data_, n);
  }
  // Storage only: no element is constructed (T must be trivially destructible, so destroying them is nothing). For a
  // pool that builds each element in place when it hands the slot out: value-initializing them all would write every
  // byte of memory the kernel has just zeroed, 12 MB for a chunk of the order pool, on the command that grows it.
  HugeArray(size_t n, UnconstructedTag /*unused*/) : size_(n) {
    static_assert(std::is_trivially_destructible_v<T>);
    if (n == 0) return;
    data_ = static_cast<T*>(AllocateHugePages(HugePagesFor(n * sizeof(T))));
  }
  ~HugeArray() { Reset(); }
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;
  HugeArray(HugeArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  HugeArray& operator=(HugeArray&& o) noexcept {
    if (this != &o) {
      Reset();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  [[nodiscard]] size_t size() const { return size_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  void Reset() {
    if (data_ == nullptr) return;
    std::destroy_n(data_, size_);
    FreeHugePages(data_, HugePagesFor(size_ * sizeof(T)));
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace sequex

#include "memory_bench.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "common/latency_histogram.h"
#include "common/physical_memory.h"

namespace sequex::bench {
namespace {

constexpr size_t kLine = 64;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr uint32_t kMaxChains = 64;
constexpr uint64_t kBatchSteps = 256;  // steps of every chain between two clock reads
constexpr uint64_t kScale = 16;        // the histogram holds 1/16 ticks per read: whole ticks are ~0.3 ns apart

// An anonymous mapping of `bytes` starting on a 2 MiB boundary, so that every 2 MiB of it can be one huge page.
class Buffer {
 public:
  Buffer(size_t bytes, bool huge) : bytes_(bytes), mapped_(bytes + kHugePage) {
    void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<char*>(p);
    const auto at = reinterpret_cast<uintptr_t>(base_);
    data_ = base_ + ((kHugePage - at % kHugePage) % kHugePage);
    (void)madvise(data_, bytes_, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);  // a hint: huge_pages_mib says what came
  }
  ~Buffer() {
    if (base_ != nullptr) munmap(base_, mapped_);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  [[nodiscard]] char* data() const { return data_; }
  [[nodiscard]] bool ok() const { return data_ != nullptr; }

  // AnonHugePages of the mapping that holds the buffer (/proc/self/smaps), in bytes.
  [[nodiscard]] uint64_t HugeBytes() const {
    std::ifstream in("/proc/self/smaps");
    std::string line;
    bool inside = false;
    const auto at = reinterpret_cast<uintptr_t>(data_);
    while (std::getline(in, line)) {
      uintptr_t lo = 0, hi = 0;
      char dash = 0;
      std::istringstream head(line);
      if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
        inside = lo <= at && at < hi;
        continue;
      }
      if (inside && line.rfind("AnonHugePages:", 0) == 0) return std::stoull(line.substr(14)) * 1024;
    }
    return 0;
  }

 private:
  size_t bytes_;
  size_t mapped_;
  char* base_ = nullptr;
  char* data_ = nullptr;
};

struct Result {
  uint64_t reads = 0;  // timed
  double ops_per_sec = 0;
  uint64_t p50_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
  uint64_t huge_bytes = 0;
};

// Links every line of `buffer` into one cycle in a random order (each line holds the offset of the next), and
// returns the chains' starting offsets, evenly spaced along the cycle so that no chain walks where another just was.
std::vector<uint64_t> LinkCycle(char* buffer, size_t lines, uint32_t chains) {
  std::vector<uint32_t> order(lines);
  for (size_t i = 0; i < lines; ++i) order[i] = static_cast<uint32_t>(i);
  std::mt19937_64 rng(42);  // the same cycle every run, so runs compare
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t i = 0; i < lines; ++i) {
    const uint64_t next = uint64_t{order[(i + 1) % lines]} * kLine;
    std::copy_n(reinterpret_cast<const char*>(&next), sizeof next, buffer + uint64_t{order[i]} * kLine);
  }
  std::vector<uint64_t> starts(chains);
  for (uint32_t c = 0; c < chains; ++c) starts[c] = uint64_t{order[lines / chains * c]} * kLine;
  return starts;
}

// `steps` steps of every chain; the offsets are left where the walk ended.
inline void Walk(const char* buffer, uint64_t* at, uint32_t chains, uint64_t steps) {
  for (uint64_t s = 0; s < steps; ++s) {
    for (uint32_t c = 0; c < chains; ++c) {
      uint64_t next = 0;
      std::copy_n(buffer + at[c], sizeof next, reinterpret_cast<char*>(&next));
      at[c] = next;
    }
  }
}

Result Measure(uint32_t mib, uint32_t chains, bool huge, uint64_t accesses, const CycleClock& clock) {
  Result r;
  const size_t bytes = size_t{mib} << 20;
  Buffer buffer(bytes, huge);
  if (!buffer.ok()) return r;
  std::vector<uint64_t> at = LinkCycle(buffer.data(), bytes / kLine, chains);
  r.huge_bytes = buffer.HugeBytes();
  Walk(buffer.data(), at.data(), chains, std::max<uint64_t>(accesses / chains / 10, kBatchSteps));  // warm-up
  LatencyHistogram ticks_per_read;
  const uint64_t batches = std::max<uint64_t>(accesses / chains / kBatchSteps, 1);
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t b = 0; b < batches; ++b) {
    const uint64_t start = clock.Start();
    Walk(buffer.data(), at.data(), chains, kBatchSteps);
    ticks_per_read.Record((clock.Stop() - start) * kScale / (kBatchSteps * chains));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t sink = 0;
  for (uint64_t a : at) sink ^= a;
  asm volatile("" : : "r"(sink));  // the walk's result is used, so the compiler cannot drop the walk
  r.reads = batches * kBatchSteps * chains;
  r.ops_per_sec = static_cast<double>(r.reads) / seconds;
  const auto ns = [&](uint64_t scaled_ticks) { return clock.ToNs(scaled_ticks) / kScale; };
  r.p50_ns = ns(ticks_per_read.Percentile(50));
  r.p99_ns = ns(ticks_per_read.Percentile(99));
  r.p999_ns = ns(ticks_per_read.Percentile(99.9));
  r.max_ns = ns(ticks_per_read.Max());
  return r;
}

// One result line; `run` is the run's number, or "\"median\"".
void PrintLine(uint32_t mib, bool huge, uint32_t chains, const Result& r, const CycleClock& clock,
               const std::string& run) {
  fmt::print(
      "{{\"bench\":\"memory\",\"workload\":\"random-read\",\"mib\":{},\"pages\":\"{}\",\"chains\":{},\"commands\":{},"
      "\"ops_per_sec\":{:.0f},\"mean_ns\":{:.1f},\"p50_ns\":{},\"p99_ns\":{},\"p999_ns\":{},\"max_ns\":{},"
      "\"huge_pages_mib\":{},\"git\":{},\"cpu\":{},\"clock\":\"{}\",\"run\":{}}}\n",
      mib, huge ? "huge" : "small", chains, r.reads, r.ops_per_sec, 1e9 / r.ops_per_sec, r.p50_ns, r.p99_ns, r.p999_ns,
      r.max_ns, r.huge_bytes >> 20, JsonString(GitCommit()), JsonString(CpuModel()), clock.Name(), run);
  std::fflush(stdout);
}

// The median of each field over the runs of one configuration.
Result MedianRun(const std::vector<Result>& runs) {
  Result m;
  m.reads = MedianOf(runs, &Result::reads);
  m.ops_per_sec = MedianOf(runs, &Result::ops_per_sec);
  m.p50_ns = MedianOf(runs, &Result::p50_ns);
  m.p99_ns = MedianOf(runs, &Result::p99_ns);
  m.p999_ns = MedianOf(runs, &Result::p999_ns);
  m.max_ns = MedianOf(runs, &Result::max_ns);
  m.huge_bytes = MedianOf(runs, &Result::huge_bytes);
  return m;
}

}  // namespace

int RunMemoryBench(const MemoryBenchOptions& o) {
  // Half of this machine's memory at most: the buffer is touched in full, and the cycle's order takes 1/16 more.
  const uint64_t physical = PhysicalMemoryBytes();
  const uint64_t max_mib = std::min<uint64_t>(physical / 2 >> 20, 64u << 10);  // and 32-bit line numbers
  const bool pages_ok = o.pages == "huge" || o.pages == "small" || o.pages == "both";
  const bool mib_ok =
      !o.mib.empty() && std::all_of(o.mib.begin(), o.mib.end(), [&](uint32_t m) { return m >= 1 && m <= max_mib; });
  const bool chains_ok = !o.chains.empty() && std::all_of(o.chains.begin(), o.chains.end(),
                                                          [](uint32_t c) { return c >= 1 && c <= kMaxChains; });
  if (!pages_ok || !mib_ok || !chains_ok || o.accesses == 0) {
    std::fprintf(stderr,
                 "memory: need --pages huge|small|both, 1 <= --mib <= %llu (half this machine's memory), "
                 "1 <= --chains <= %u, --accesses > 0\n",
                 static_cast<unsigned long long>(max_mib), kMaxChains);
    return 2;
  }
  std::vector<bool> kinds;
  if (o.pages != "small") kinds.push_back(true);
  if (o.pages != "huge") kinds.push_back(false);
  const CycleClock clock;
  struct Configuration {
    uint32_t mib;
    bool huge;
    uint32_t chains;
    std::vector<Result> runs;
  };
  std::vector<Configuration> configurations;
  for (uint32_t mib : o.mib) {
    for (const bool huge : kinds) {
      for (uint32_t chains : o.chains) configurations.push_back(Configuration{mib, huge, chains, {}});
    }
  }
  for (int run = 1; run <= o.runs; ++run) {
    for (Configuration& c : configurations) {
      const Result r = Measure(c.mib, c.chains, c.huge, o.accesses, clock);
      if (r.ops_per_sec <= 0) {
        std::fprintf(stderr, "memory: could not map %u MiB\n", c.mib);
        return 1;
      }
      PrintLine(c.mib, c.huge, c.chains, r, clock, std::to_string(run));
      c.runs.push_back(r);
    }
  }
  if (o.runs > 1) {
    for (const Configuration& c : configurations) {
      PrintLine(c.mib, c.huge, c.chains, MedianRun(c.runs), clock, "\"median\"");
    }
  }
  return 0;
}

}  // namespace sequex::bench

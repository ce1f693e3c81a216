// Shared pieces of sequex-bench: the cycle clock, what a result line says about the machine and build, and the
// one-JSON-object-per-line output of shared/workloads/README.md ("What each benchmark reports").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sequex::bench {

// A per-command timer cheap enough to wrap every Apply: the TSC (lfence; rdtsc ... rdtscp; lfence) where the
// CPU says it is invariant (constant_tsc and nonstop_tsc), else clock_gettime(CLOCK_MONOTONIC). Readings are
// ticks; Calibrate() measures ticks per ns against steady_clock once, so the hot loop never converts.
class CycleClock {
 public:
  CycleClock();
  [[nodiscard]] uint64_t Start() const;
  [[nodiscard]] uint64_t Stop() const;
  [[nodiscard]] double NsPerTick() const { return ns_per_tick_; }
  [[nodiscard]] uint64_t ToNs(uint64_t ticks) const {
    return static_cast<uint64_t>(std::llround(static_cast<double>(ticks) * ns_per_tick_));
  }
  [[nodiscard]] std::string_view Name() const { return tsc_ ? "tsc" : "clock_gettime"; }
  // Median cost of one Start()/Stop() pair around nothing, in ns: the floor under every latency reported.
  [[nodiscard]] double OverheadNs() const;

 private:
  bool tsc_ = false;
  double ns_per_tick_ = 1.0;
};

// The commit this binary was built from (generated at build time; "unknown" outside a git checkout).
[[nodiscard]] std::string_view GitCommit();
// The CPU model from /proc/cpuinfo, or "unknown".
[[nodiscard]] std::string CpuModel();
// VmRSS / VmHWM of this process from /proc/self/status, in bytes (0 if unavailable).
[[nodiscard]] uint64_t RssBytes();
[[nodiscard]] uint64_t PeakRssBytes();

// A JSON string literal, quoted and escaped.
[[nodiscard]] std::string JsonString(std::string_view s);

// Number with thousands separators, for the human-readable summary.
[[nodiscard]] std::string Grouped(uint64_t n);

// The median of `values` (of an even count, the mean of the middle two): what each subcommand's "run":"median"
// line reports for --runs R > 1. `values` must not be empty.
template <typename T>
[[nodiscard]] T Median(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  return static_cast<T>(values[n / 2 - 1] + (values[n / 2] - values[n / 2 - 1]) / 2);  // an even count: the middle two
}

// The median of one field over several runs' results: MedianOf(runs, &RunResult::p50_ns).
template <typename Run, typename Field>
[[nodiscard]] Field MedianOf(const std::vector<Run>& runs, Field Run::*field) {
  std::vector<Field> values;
  values.reserve(runs.size());
  for (const Run& r : runs) values.push_back(r.*field);
  return Median(std::move(values));
}

}  // namespace sequex::bench

// `sequex-bench memory`: what a random read from memory costs on this machine, the figure that bounds the engine on
// the standard workload (docs/performance.md, "What this machine's memory allows"). Each configuration walks `chains`
// independent chains through one random cycle over every cache line of a `mib` MiB buffer: each step reads the address
// of the next line from the line it is on, so one chain's reads never overlap, and chains show how many misses a core
// overlaps (what the engine's prefetch stages rely on). The buffer is on 2 MiB pages (MADV_HUGEPAGE) or 4 KiB pages
// (MADV_NOHUGEPAGE), which tells how much of a miss is the page walk.
//
// One JSON line per configuration and run: ops_per_sec is reads per second over all chains, mean_ns its inverse
// (with one chain, the latency of a miss); p50/p99/p99.9/max are of the mean read time of each batch of 256 steps.
// huge_pages_mib is what the kernel actually backed with 2 MiB pages (AnonHugePages), since MADV_HUGEPAGE is a hint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sequex::bench {

struct MemoryBenchOptions {
  std::vector<uint32_t> mib{8, 128};    // buffer sizes
  std::vector<uint32_t> chains{1, 16};  // independent chains walked together
  std::string pages = "both";           // huge | small | both
  uint64_t accesses = 20'000'000;       // timed reads per configuration, over all chains
  int runs = 1;
};

// Prints to stdout; returns the process exit code (2 for options out of range).
int RunMemoryBench(const MemoryBenchOptions& options);

}  // namespace sequex::bench

// `sequex-bench scale`: how much memory a large venue takes. Fills one engine with `books` books over `assets`
// assets, `accounts` funded accounts and `orders` resting limit orders (never crossing), then reports the
// process's RSS and peak RSS (/proc/self/status) and Engine::MemoryBytes() as one JSON line.
#pragma once

#include <cstdint>

namespace sequex::bench {

struct ScaleOptions {
  uint32_t books = 1'000;
  uint32_t assets = 1'000;  // one quote asset (USD) and assets - 1 base assets shared round-robin by the books
  uint32_t accounts = 1'000'000;
  uint64_t orders = 10'000'000;
};

// Prints to stdout; returns the process exit code.
int RunScaleBench(const ScaleOptions& options);

}  // namespace sequex::bench

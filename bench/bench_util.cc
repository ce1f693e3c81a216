#include "bench_util.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "bench/git_version.h"

namespace sequex::bench {
namespace {

uint64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool CpuHasInvariantTsc() {
#if defined(__x86_64__)
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      auto has = [&](const char* flag) { return line.find(std::string(" ") + flag) != std::string::npos; };
      return has("constant_tsc") && has("nonstop_tsc");
    }
  }
#endif
  return false;
}

uint64_t StatusField(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;  // "  1234 kB"
  }
  return 0;
}

}  // namespace

CycleClock::CycleClock() : tsc_(CpuHasInvariantTsc()) {
  if (!tsc_) return;
  // Ticks per ns over ~100 ms against steady_clock; TSC rates are fixed, so once is enough.
  const auto wall0 = std::chrono::steady_clock::now();
  const uint64_t tick0 = Start();
  while (std::chrono::steady_clock::now() - wall0 < std::chrono::milliseconds(100)) {
  }
  const uint64_t tick1 = Stop();
  const auto wall1 = std::chrono::steady_clock::now();
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(wall1 - wall0).count());
  ns_per_tick_ = ns / static_cast<double>(tick1 - tick0);
}

uint64_t CycleClock::Start() const {
#if defined(__x86_64__)
  if (tsc_) {
    // lfence first: earlier instructions finish before the read, so the interval does not start early.
    _mm_lfence();
    return __rdtsc();
  }
#endif
  return MonotonicNs();
}

uint64_t CycleClock::Stop() const {
#if defined(__x86_64__)
  if (tsc_) {
    // rdtscp waits for the measured work; the lfence keeps later work from starting before the read.
    unsigned aux = 0;
    const uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
  }
#endif
  return MonotonicNs();
}

double CycleClock::OverheadNs() const {
  std::vector<uint64_t> samples(10'001);
  for (uint64_t& s : samples) {
    const uint64_t t0 = Start();
    s = Stop() - t0;
  }
  std::nth_element(samples.begin(), samples.begin() + 5'000, samples.end());
  return static_cast<double>(samples[5'000]) * ns_per_tick_;
}

std::string_view GitCommit() { return kSequexGitCommit; }

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) break;
      const size_t start = line.find_first_not_of(' ', colon + 1);
      return start == std::string::npos ? std::string("unknown") : line.substr(start);
    }
  }
  return "unknown";
}

uint64_t RssBytes() { return StatusField("VmRSS"); }
uint64_t PeakRssBytes() { return StatusField("VmHWM"); }

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace sequex::bench

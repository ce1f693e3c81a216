// NameThisThread: gives the calling thread a name that top -H, perf and /proc/PID/task/TID/comm show.
//
// Why: sequexd runs one thread per pipeline stage (I/O, sequencer, publisher, snapshot writer); telling which one
// is busy or blocked is the first question when a latency figure moves, and unnamed threads all read "sequexd".
// Linux keeps at most 15 characters; longer names are cut there. Best effort: a failure leaves the old name.
#pragma once

#include <pthread.h>

#include <cstring>
#include <string_view>

namespace sequex {

inline void NameThisThread(const char* name) {
  char cut[16] = {};
  const std::string_view whole(name);
  std::memcpy(cut, whole.data(), whole.size() < sizeof cut ? whole.size() : sizeof cut - 1);
  (void)pthread_setname_np(pthread_self(), cut);
}

}  // namespace sequex

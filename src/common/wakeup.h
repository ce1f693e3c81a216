// Wakeup: lets a consumer thread sleep when its rings are empty, and its producers wake it, without a lock and
// without a syscall on the busy path. A spinning consumer on a 2-core machine takes the core that the I/O thread
// and the clients need; one that sleeps on a timer adds its period to every idle-to-busy transition. This sleeps on
// a futex (std::atomic::wait) and producers pay for a wake only when the consumer actually sleeps.
//
//   producer:  ring.TryPush(x); wakeup.Notify();
//   consumer:  if (DoWork() == 0) wakeup.Wait([&] { return !ring.Empty(); });
//
// The Dekker pattern: the consumer announces it will sleep, then re-checks for work; the producer publishes work,
// then checks for a sleeper. Both steps that touch `sleeping_` are read-modify-writes (acq_rel): an RMW always reads
// the latest value, so if the producer's check misses the announcement, the consumer's announcement reads the
// producer's RMW and synchronizes with it, and the consumer's re-check then sees the work. No fences (which TSan
// cannot model), and a wake is never lost.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace sequex {

class Wakeup {
 public:
  // Any thread, after publishing work.
  void Notify() {
    if (sleeping_.fetch_or(0, std::memory_order_acq_rel) != 0) {
      epoch_.fetch_add(1, std::memory_order_release);
      epoch_.notify_one();
    }
  }

  // The consumer: yields a few times (work usually arrives within microseconds under load), then sleeps until
  // Notify() or until `has_work()` is true. Spurious returns are allowed; the caller just looks again.
  template <typename HasWork>
  void Wait(HasWork&& has_work, int spins = 64) {
    for (int i = 0; i < spins; ++i) {
      if (has_work()) return;
      std::this_thread::yield();
    }
    const uint32_t epoch = epoch_.load(std::memory_order_acquire);
    sleeping_.exchange(1, std::memory_order_acq_rel);
    if (!has_work()) epoch_.wait(epoch, std::memory_order_acquire);
    sleeping_.store(0, std::memory_order_release);
  }

  // Wakes the consumer unconditionally (shutdown).
  void WakeAll() {
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_all();
  }

 private:
  alignas(64) std::atomic<uint32_t> epoch_{0};
  alignas(64) std::atomic<uint32_t> sleeping_{0};
};

}  // namespace sequex

// Sequencer: the single writer of a shard's command stream. It drains the producers' ring, stamps each command
// with the next gap-free sequence number and the clock's time, journals the batch with one group-commit fsync,
// and only then applies the commands to the engine and completes each one (acknowledgement with its events).
//
//   Sequencer seq(&engine, writer.get(), &sink, options, recovered.last_seq + 1, recovered.last_time);
//   seq.Start();                                    // its own thread; or call DoWork() from yours
//   if (seq.Offer({body, client_ref, now_ns}) != Offer::kOk) ...   // any thread; never blocks
//   ...
//   seq.Stop();
//
// Durability (docs/journal.md): kMemory applies without a journal (benchmarks only); kJournal completes a
// command only after the fdatasync covering it returned OK. kReplicated is reserved (refused for now).
// Fail-closed: on a journal error the sequencer stops accepting (Offer returns kClosed), completes every command
// not acknowledged yet with AckStatus::kJournalFailed (never kApplied), and error() says why.
// Threading: Offer from any thread; DoWork / Start / Stop / the sink's callbacks on the sequencer thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/wakeup.h"
#include "engine/engine.h"
#include "journal/journal_writer.h"
#include "sequencer/mpsc_ring.h"
#include "snapshot/snapshot_store.h"

namespace sequex::sequencer {

enum class Durability : uint8_t { kMemory = 0, kJournal = 1, kReplicated = 2 /* reserved */ };

enum class Offer : uint8_t { kOk = 0, kBackPressured = 1, kClosed = 2 };

enum class AckStatus : uint8_t {
  kApplied = 0,  // durable (per policy) and applied; events hold what it did
  kRefused = 1,  // not sequenced: a field cannot be journaled (enum out of range)
  // Not acknowledged and not applied by this process: the journal failed and the sequencer is closed. Whether the
  // command is journaled is unknown (its record may have reached the disk before the error), so the next start may
  // apply it: the client's outcome is unknown, as after a timeout.
  kJournalFailed = 2,
};

// A producer's command. enqueue_ns is the producer's clock reading, echoed back for latency measurement.
struct Submission {
  CommandBody body;
  uint64_t client_ref = 0;
  uint64_t enqueue_ns = 0;
};

struct Completion {
  uint64_t client_ref = 0;
  uint64_t enqueue_ns = 0;
  AckStatus status = AckStatus::kApplied;
  SeqNo seq = 0;  // 0 unless kApplied
  TimeNs time = 0;
  const Command* command = nullptr;  // the sequenced command (null unless kApplied); valid during the callback only
  std::span<const Event> events;     // valid during the callback only
};

// Receives completions on the sequencer thread, in sequence order. Must not block for long: it is on the path.
class AckSink {
 public:
  virtual ~AckSink() = default;
  virtual void OnComplete(const Completion& completion) = 0;
  virtual void OnBatchEnd() {}
};

// The only clock the engine sees, injectable for tests. Nanoseconds since the Unix epoch.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeNs NowNs() = 0;
  static Clock* System();
};

struct SequencerOptions {
  Durability durability = Durability::kJournal;
  size_t ring_capacity = 1u << 16;
  size_t max_batch = 4096;                 // commands per group commit, at most
  uint64_t checkpoint_interval = 100'000;  // a checkpoint record after the batch crossing each multiple; 0 = none
  uint64_t snapshot_interval = 0;          // a snapshot after the batch crossing each multiple; 0 = none
  Clock* clock = nullptr;                  // nullptr = Clock::System()
};

class Sequencer {
 public:
  // `writer` may be null only with kMemory; `snapshots` may be null (no snapshots). All must outlive this.
  Sequencer(Engine* engine, journal::JournalWriter* writer, snapshot::BackgroundSnapshotWriter* snapshots,
            AckSink* sink, const SequencerOptions& options, SeqNo next_seq, TimeNs last_time);
  ~Sequencer();
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Any thread; never blocks. Moves from `s` only when it returns kOk: a refused submission stays with the caller,
  // who may offer it again.
  Offer Submit(Submission&& s);

  // One batch: drain, stamp, journal, fsync, apply, complete. Returns the commands completed (0 = idle).
  size_t DoWork();
  void Start();  // runs DoWork on a new thread until Stop()
  void Stop();   // drains what was offered before, syncs, joins

  [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_acquire); }
  [[nodiscard]] journal::Status error() const;
  [[nodiscard]] SeqNo next_seq() const { return next_seq_; }
  [[nodiscard]] uint64_t batches() const { return batches_; }

 private:
  void FailClosed(const journal::Status& s);
  void CompleteFailed(size_t from);

  Engine* engine_;
  journal::JournalWriter* writer_;
  snapshot::BackgroundSnapshotWriter* snapshots_;
  AckSink* sink_;
  SequencerOptions options_;
  MpscRing<Submission> ring_;
  Wakeup wakeup_;  // the sequencer thread sleeps on it when the ring is empty; Submit wakes it
  std::vector<Submission> batch_;
  std::vector<Command> commands_;
  std::vector<bool> refused_;
  SeqNo next_seq_;
  TimeNs last_time_;
  uint64_t batches_ = 0;
  std::atomic<bool> failed_{false};
  std::atomic<bool> running_{false};
  mutable std::mutex error_mu_;  // control plane only: error() may be read from another thread
  journal::Status error_;
  std::thread thread_;
};

}  // namespace sequex::sequencer

#include "snapshot/recovery.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "journal/byte_io.h"
#include "journal/command_codec.h"
#include "journal/journal_reader.h"
#include "snapshot/snapshot_store.h"

namespace sequex::snapshot {

using journal::JournalRecord;
using journal::RecordType;
using journal::Status;

namespace {
double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Decoded commands on their way from the reader thread to the applying one; a batch that ends at a checkpoint
// carries it, so the hash is compared after exactly the commands before it.
struct ReplayBatch {
  static constexpr size_t kCommands = 2048;  // ~300 KB: the other thread finds it still in the shared cache
  struct Checkpoint {
    uint64_t want = 0;
    SeqNo seq = 0;
    std::string segment;
    uint64_t offset = 0;
  };
  std::vector<Command> commands = std::vector<Command>(kCommands);
  size_t count = 0;
  std::optional<Checkpoint> checkpoint;
};

// A fixed set of batches passed back and forth between the two threads. A batch changes hands a few thousand
// times a second, so a mutex costs nothing measurable; a side is woken only when it waits (a futex wake per batch
// showed up in the profile), and the bound keeps the reader at most kBatches ahead.
class ReplayPipeline {
 public:
  static constexpr size_t kBatches = 6;

  ReplayPipeline() {
    for (ReplayBatch& b : batches_) empty_.push_back(&b);
  }

  // Reader: an empty batch, or nullptr once the applier has stopped.
  ReplayBatch* TakeEmpty() {
    std::unique_lock lock(mu_);
    Await(lock, reader_waits_, reader_cv_, [&] { return stopped_ || !empty_.empty(); });
    if (stopped_) return nullptr;
    ReplayBatch* b = empty_.back();
    empty_.pop_back();
    return b;
  }
  void Hand(ReplayBatch* b) {
    std::lock_guard lock(mu_);
    full_.push_back(b);
    if (applier_waits_) applier_cv_.notify_one();
  }
  void Close() {  // the reader is done: no more batches
    std::lock_guard lock(mu_);
    closed_ = true;
    applier_cv_.notify_one();
  }
  [[nodiscard]] static Status Stopped() { return Status::IoError("replay stopped"); }

  // Applier: the next full batch in order, or nullptr when the reader is done and everything was taken.
  ReplayBatch* TakeFull() {
    std::unique_lock lock(mu_);
    Await(lock, applier_waits_, applier_cv_, [&] { return closed_ || !full_.empty(); });
    if (full_.empty()) return nullptr;
    ReplayBatch* b = full_.front();
    full_.pop_front();
    return b;
  }
  void GiveBack(ReplayBatch* b) {
    b->count = 0;
    b->checkpoint.reset();
    std::lock_guard lock(mu_);
    empty_.push_back(b);
    if (reader_waits_) reader_cv_.notify_one();
  }
  void Stop() {  // the applier found an error: the reader stops at its next record
    std::lock_guard lock(mu_);
    stopped_ = true;
    reader_cv_.notify_one();
  }

 private:
  template <typename Ready>
  static void Await(std::unique_lock<std::mutex>& lock, bool& waits, std::condition_variable& cv, Ready ready) {
    waits = true;
    cv.wait(lock, ready);
    waits = false;
  }

  std::array<ReplayBatch, kBatches> batches_;
  std::mutex mu_;
  std::condition_variable reader_cv_;
  std::condition_variable applier_cv_;
  bool reader_waits_ = false;
  bool applier_waits_ = false;
  std::vector<ReplayBatch*> empty_;
  std::deque<ReplayBatch*> full_;
  bool closed_ = false;
  bool stopped_ = false;
};

// The reader thread of one recovery attempt: reads, checks and decodes the journal into `pipeline`'s batches, handing
// on the commands after `from` (the state the attempt starts from) and the checkpoints at or after it. What it
// reports (corruption, an undecodable command, a gap before the journal's start) ends the stream at a record
// boundary: everything before it is handed on, as in a single-threaded scan.
std::thread StartReader(journal::Env* env, const std::string& dir, SeqNo from, ReplayPipeline& pipeline,
                        journal::JournalScan& scan) {
  return std::thread([env, &dir, from, &pipeline, &scan] {
    bool started = false;
    SeqNo decoded_seq = from;  // the last command the reader has handed on (or the starting state's)
    ReplayBatch* batch = nullptr;
    try {
      scan = journal::ScanJournal(env, dir, [&](const JournalRecord& rec) -> Status {
        if (!started) {
          started = true;
          // The journal must continue the state: its first command may not be past the one after the snapshot.
          if (rec.type == RecordType::kCommand && rec.seq > from + 1) {
            return Status::Corruption("journal starts at seq " + std::to_string(rec.seq) + " but the state is at seq " +
                                      std::to_string(from) + ": commands in between are missing");
          }
        }
        if (rec.type == RecordType::kCheckpoint) {
          if (rec.seq != decoded_seq) return Status::Ok();  // before the snapshot
          if (batch == nullptr && (batch = pipeline.TakeEmpty()) == nullptr) return pipeline.Stopped();
          batch->checkpoint = ReplayBatch::Checkpoint{journal::LoadLe(rec.payload.data(), 8), rec.seq,
                                                      std::string(rec.segment), rec.offset};
          pipeline.Hand(batch);
          batch = nullptr;
          return Status::Ok();
        }
        if (rec.seq <= from) return Status::Ok();
        if (batch == nullptr && (batch = pipeline.TakeEmpty()) == nullptr) return pipeline.Stopped();
        Command& cmd = batch->commands[batch->count];
        const journal::CodecError e = journal::DecodeCommandBody(rec.payload, &cmd.body);
        if (e != journal::CodecError::kOk) {
          return Status::Corruption(std::string(rec.segment) + " offset " + std::to_string(rec.offset) + " (seq " +
                                    std::to_string(rec.seq) + "): undecodable command: " + std::string(ToString(e)));
        }
        cmd.seq = rec.seq;
        cmd.time = rec.time;
        decoded_seq = rec.seq;
        if (++batch->count == batch->commands.size()) {
          pipeline.Hand(batch);
          batch = nullptr;
        }
        return Status::Ok();
      });
    } catch (const std::exception& e) {  // out of memory for a segment: an error like any other, not a crash
      scan.status = Status::IoError(std::string("journal reader: ") + e.what());
    }
    if (batch != nullptr) pipeline.Hand(batch);  // what was decoded before an error or the end is valid
    pipeline.Close();
  });
}

// One attempt's pipeline and reader thread. Stop() stops the reader at its next record and joins it; the destructor
// does the same, so whatever way Recover is left (an exception from the engine included), the reader is joined
// before the scan it writes goes away.
struct ReaderThread {
  std::unique_ptr<ReplayPipeline> pipeline;
  std::thread thread;
  ReaderThread() = default;
  ReaderThread(const ReaderThread&) = delete;
  ReaderThread& operator=(const ReaderThread&) = delete;
  ~ReaderThread() { Stop(); }
  void Start(journal::Env* env, const std::string& dir, SeqNo from, journal::JournalScan& scan) {
    Stop();
    pipeline = std::make_unique<ReplayPipeline>();
    scan = journal::JournalScan{};
    thread = StartReader(env, dir, from, *pipeline, scan);
  }
  void Stop() {
    if (!thread.joinable()) return;
    pipeline->Stop();
    thread.join();
  }
};

}  // namespace

Status Recover(journal::Env* env, const std::string& dir, const EngineConfig& config, const RecoveryOptions& options,
               RecoveryResult* result) {
  RecoveryResult& r = *result;
  r = RecoveryResult{};
  Status s = env->CreateDir(dir);
  if (!s.ok()) return s;

  // Two threads, as a restart has two cores. A reader thread reads, checks and decodes the journal into batches
  // (StartReader) while this thread applies the batches before them (ReplayPipeline); a checkpoint mismatch found
  // here stops the reader. The reader starts before the snapshot is loaded: it has to read (and check) every record
  // the snapshot already covers before it reaches the first one to apply, and loading the snapshot takes about as
  // long, so the two overlap. The newest snapshot is tried first; if it turns out invalid, that attempt's reader is
  // stopped and the next older one (at last, none) is tried with a reader of its own.
  std::vector<SnapshotInfo> snaps;
  if (options.use_snapshots) {
    s = ListSnapshots(env, dir, &snaps);
    if (!s.ok()) return s;
  }
  const auto t_start = std::chrono::steady_clock::now();
  journal::JournalScan scan;  // written by the reader thread until it is joined
  ReaderThread reader;
  for (size_t tried = 0;; ++tried) {
    const SnapshotInfo* candidate = tried < snaps.size() ? &snaps[snaps.size() - 1 - tried] : nullptr;
    reader.Start(env, dir, candidate != nullptr ? candidate->meta.seq : 0, scan);
    if (candidate == nullptr) {
      r.engine = std::make_unique<Engine>(config);
      break;
    }
    SnapshotInfo info;
    std::unique_ptr<Engine> e;
    s = ReadSnapshot(env, dir, candidate->name, config, &info, &e);
    if (s.ok() && info.meta.seq == candidate->meta.seq) {
      r.engine = std::move(e);
      r.snapshot_seq = info.meta.seq;
      r.last_seq = info.meta.seq;
      r.last_time = info.meta.time;
      r.log.push_back("loaded " + info.name + " (seq " + std::to_string(info.meta.seq) + ")");
      break;
    }
    r.log.push_back("skipped invalid snapshot: " +
                    (s.ok() ? candidate->name + " holds seq " + std::to_string(info.meta.seq) : s.ToString()));
  }
  r.snapshot_load_seconds = Since(t_start);
  const auto t0 = std::chrono::steady_clock::now();

  Engine& engine = *r.engine;
  ReplayPipeline& pipeline = *reader.pipeline;
  Status applied;  // a checkpoint mismatch, if one is found
  while (ReplayBatch* batch = pipeline.TakeFull()) {
    const std::span<const Command> commands(batch->commands.data(), batch->count);
    engine.ReplayInOrder(commands);
    r.replayed += commands.size();
    if (!commands.empty()) {
      r.last_seq = commands.back().seq;
      r.last_time = commands.back().time;
    }
    if (batch->checkpoint) {
      const ReplayBatch::Checkpoint& cp = *batch->checkpoint;
      const uint64_t got = engine.StateHash();
      if (cp.want != got) {
        applied = Status::Corruption(cp.segment + " offset " + std::to_string(cp.offset) + " (seq " +
                                     std::to_string(cp.seq) + "): checkpoint hash mismatch: journal says " +
                                     std::to_string(cp.want) + ", replayed state has " + std::to_string(got));
        break;
      }
      ++r.checkpoints_verified;
    }
    pipeline.GiveBack(batch);
  }
  reader.Stop();  // the scan is complete (or stopped by a mismatch) only once the reader is joined
  if (!applied.ok()) return applied;
  r.replay_seconds = Since(t0);
  if (!scan.status.ok()) return scan.status;
  // No command after the snapshot is fine where the journal holds no segment at all, or only segments that start
  // right after the snapshot and hold nothing yet (a writer opened after the journal before it was pruned, then
  // stopped or killed before its first command; or one whose first record was torn).
  const bool continues_after_snapshot =
      scan.commands == 0 && r.snapshot_seq > 0 &&
      std::all_of(scan.segments.begin(), scan.segments.end(),
                  [&](const journal::SegmentInfo& seg) { return seg.first_seq == r.snapshot_seq + 1; });
  if (scan.last_seq < r.snapshot_seq && !continues_after_snapshot) {
    // A snapshot past the journal's end means acknowledged commands are missing from the journal.
    return Status::Corruption("the journal ends at seq " + std::to_string(scan.last_seq) + " but snapshot seq " +
                              std::to_string(r.snapshot_seq) + " is newer");
  }
  if (scan.torn.present) {
    r.torn_tail = true;
    r.log.push_back("torn tail: " + scan.torn.segment + " offset " + std::to_string(scan.torn.offset) + ", " +
                    std::to_string(scan.torn.bytes) + " byte(s) of an incomplete record" +
                    (options.truncate_torn_tail ? " — truncated" : " — left in place"));
    if (options.truncate_torn_tail) {
      s = journal::TruncateTornTail(env, dir, &scan);
      if (!s.ok()) return s;
    }
  }
  r.position = scan.position;
  if (scan.segments.empty() || scan.commands == 0) {
    // Empty journal (or only snapshots): continue after the state.
    r.position.next_seq = r.last_seq + 1;
    if (scan.commands == 0 && !scan.segments.empty() && r.last_seq > 0) r.position.last_segment.clear();
  }
  r.log.push_back("replayed " + std::to_string(r.replayed) + " command(s) to seq " + std::to_string(r.last_seq) + ", " +
                  std::to_string(r.checkpoints_verified) + " checkpoint(s) verified");
  return Status::Ok();
}

}  // namespace sequex::snapshot

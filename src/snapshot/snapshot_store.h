// Snapshot files: the engine's state at a sequence number, stored beside the journal in the data directory.
//
//   std::string bytes = engine.SaveSnapshot();                       // business thread, O(state)
//   BackgroundSnapshotWriter bg(env, dir);
//   bg.Submit({seq, time, engine.StateHash()}, std::move(bytes));    // file I/O happens on bg's thread
//   ...
//   std::unique_ptr<Engine> e; SnapshotInfo info;
//   Status s = ReadSnapshot(env, dir, name, config, &info, &e);      // full validation
//
// File `snapshot-<seq, 20 digits>.snap`, written atomically (temp + fsync + rename + directory fsync):
//   magic[8] "SQXSNAP1", u32 version, u32 reserved (0), u64 seq, i64 time_ns, u64 state_hash, u64 engine_bytes,
//   u64 header checksum (XXH3-64 of the preceding 48 bytes), then the engine's own snapshot bytes
//   (Engine::SaveSnapshot: versioned and checksummed itself). docs/journal.md has the tables.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "journal/env.h"

namespace sequex::snapshot {

using journal::Env;
using journal::Status;

inline constexpr char kSnapshotMagic[8] = {'S', 'Q', 'X', 'S', 'N', 'A', 'P', '1'};
inline constexpr uint32_t kSnapshotFormatVersion = 1;
inline constexpr size_t kSnapshotHeaderSize = 56;
static_assert(8 + 4 + 4 + 8 + 8 + 8 + 8 + 8 == kSnapshotHeaderSize);

struct SnapshotMeta {
  SeqNo seq = 0;    // every command up to and including seq is in the state
  TimeNs time = 0;  // that command's time
  uint64_t state_hash = 0;
};

struct SnapshotInfo {
  std::string name;
  SnapshotMeta meta;
  uint64_t bytes = 0;
};

[[nodiscard]] std::string SnapshotName(SeqNo seq);
[[nodiscard]] bool ParseSnapshotName(std::string_view name, SeqNo* seq);

Status WriteSnapshot(Env* env, const std::string& dir, const SnapshotMeta& meta, std::string_view engine_bytes);
// Snapshot files by name, oldest first; nothing is read or validated.
Status ListSnapshots(Env* env, const std::string& dir, std::vector<SnapshotInfo>* out);
// Reads and fully validates one snapshot: header checksum, engine checksum and load, and the loaded engine's
// StateHash() against the header's.
Status ReadSnapshot(Env* env, const std::string& dir, const std::string& name, const EngineConfig& config,
                    SnapshotInfo* info, std::unique_ptr<Engine>* engine);

// History snapshots: the publisher's mirror engine and its projection (order and trade history, tickers, candles)
// at a sequence number, so that sequexd restarts from one and the journal after it instead of the whole journal.
// File `history-<seq, 20 digits>.snap`, written atomically:
//   magic[8] "SQXHIST1", u32 version, u32 reserved (0), u64 seq, i64 time_ns, u64 state_hash, u64 engine_bytes,
//   u64 history_bytes, u64 header checksum (XXH3-64 of the preceding 56 bytes), then the engine's snapshot bytes,
//   then the history bytes (their owner's format, checksummed by it).
inline constexpr char kHistoryMagic[8] = {'S', 'Q', 'X', 'H', 'I', 'S', 'T', '1'};
inline constexpr uint32_t kHistoryFormatVersion = 1;
inline constexpr size_t kHistoryHeaderSize = 64;
static_assert(8 + 4 + 4 + 8 + 8 + 8 + 8 + 8 + 8 == kHistoryHeaderSize);
inline constexpr size_t kHistorySnapshotsKept = 2;

[[nodiscard]] std::string HistorySnapshotName(SeqNo seq);
[[nodiscard]] bool ParseHistorySnapshotName(std::string_view name, SeqNo* seq);
// Writes one, then deletes all but the newest kHistorySnapshotsKept history snapshots.
Status WriteHistorySnapshot(Env* env, const std::string& dir, const SnapshotMeta& meta, std::string_view engine_bytes,
                            std::string_view history_bytes);
// History snapshot files by name, oldest first; nothing is read or validated.
Status ListHistorySnapshots(Env* env, const std::string& dir, std::vector<SnapshotInfo>* out);
// Removes the history snapshots past `after_seq` and all but the newest `keep_newest` of the rest, then syncs the
// folder if it removed any; `removed` lists them, oldest first. A write keeps the newest kHistorySnapshotsKept.
// A start removes those past the journal's end: their commands are no longer in the journal (its tail was lost or
// cut after they were written), and new commands will take those seqs, so one left there would later pass for the
// history of commands it never saw.
Status RemoveHistorySnapshots(Env* env, const std::string& dir, SeqNo after_seq, size_t keep_newest,
                              std::vector<std::string>* removed);
// A history snapshot's projection bytes, inside the file they were read from (mapped: Env::MapFile).
struct HistoryBytes {
  std::unique_ptr<journal::FileContents> file;
  std::string_view bytes;
};
// Reads one and validates its header and engine (as ReadSnapshot does); the history bytes are the caller's to check.
Status ReadHistorySnapshot(Env* env, const std::string& dir, const std::string& name, const EngineConfig& config,
                           SnapshotInfo* info, std::unique_ptr<Engine>* engine, HistoryBytes* history);

// Removes the temporary files of snapshots (engine and history) whose writer was killed before renaming them into
// place ("*.snap.tmp"): no reader takes them, and each is as large as a snapshot. For a start, before any writer.
Status RemoveUnfinishedSnapshots(Env* env, const std::string& dir, std::vector<std::string>* removed);

// Retention: keeps the newest `keep_snapshots` snapshots and deletes older ones, then deletes journal segments
// whose every command is covered by the oldest snapshot kept and by every history snapshot, if there is one
// (sequexd folds the commands after the newest valid one into its order and trade history). Never deletes anything
// when no snapshot exists. The snapshots named in `not_counted` are not counted among those kept: sequexd's own
// retention passes those it found at its start and did not load (one newer than the loaded one was damaged, and
// older ones were never read), so that N kept are N that load. They go, as any other, once older than the oldest
// snapshot kept, and stay while newer.
Status Prune(Env* env, const std::string& dir, size_t keep_snapshots, std::string* report,
             const std::vector<std::string>& not_counted = {});

// Writes snapshots on its own thread so the business thread pays only for serializing to memory.
// Submit is called from one thread (the business thread, or the publisher's for history snapshots); at most one
// snapshot is in flight: Submit returns false (and drops the bytes) while the previous one is still being written.
class BackgroundSnapshotWriter {
 public:
  enum class Kind : uint8_t { kEngine, kHistory };
  // `after_write`, if set, runs on the writer's thread after each snapshot written, before the writer takes the next
  // one (and before Wait returns): sequexd's retention, which prunes what the new snapshot covers.
  BackgroundSnapshotWriter(Env* env, std::string dir, Kind kind = Kind::kEngine,
                           std::function<void()> after_write = {});
  ~BackgroundSnapshotWriter();  // waits for the snapshot in flight
  BackgroundSnapshotWriter(const BackgroundSnapshotWriter&) = delete;
  BackgroundSnapshotWriter& operator=(const BackgroundSnapshotWriter&) = delete;

  // history: for Kind::kHistory only; called on the writer's thread for the history bytes, so the caller can hand
  // over a copy of its state and serialize it off its own thread.
  bool Submit(const SnapshotMeta& meta, std::string engine_bytes, std::function<std::string()> history = {});
  // True while a snapshot is being written (its history callback may still be running).
  [[nodiscard]] bool busy() const;
  // The buffer of the last snapshot written, emptied but with its memory: the caller serializes the next snapshot
  // into it (Engine::SaveSnapshot(std::string*)), so that its pages are resident already. An empty string if
  // none is free (nothing written yet, or taken).
  [[nodiscard]] std::string TakeBuffer();
  // Waits until nothing is in flight; returns the status of the last write.
  Status Wait();
  [[nodiscard]] uint64_t written() const;

 private:
  void Run();
  Env* env_;
  std::string dir_;
  Kind kind_;
  std::function<void()> after_write_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false;
  bool stop_ = false;
  SnapshotMeta meta_;
  std::string bytes_;
  std::string spare_;  // the last written snapshot's buffer, cleared, for TakeBuffer
  std::function<std::string()> history_;
  Status last_;
  uint64_t written_ = 0;
  std::thread thread_;
};

}  // namespace sequex::snapshot

#include "snapshot/recovery.h"

#include <array>

#include <chrono>

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
}  // namespace

Status Recover(journal::Env* env, const std::string& dir, const EngineConfig& config, const RecoveryOptions& options,
               RecoveryResult* result) {
  RecoveryResult& r = *result;
  r = RecoveryResult{};
  Status s = env->CreateDir(dir);
  if (!s.ok()) return s;

  auto t0 = std::chrono::steady_clock::now();
  if (options.use_snapshots) {
    std::vector<SnapshotInfo> snaps;
    s = ListSnapshots(env, dir, &snaps);
    if (!s.ok()) return s;
    for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
      SnapshotInfo info;
      std::unique_ptr<Engine> e;
      s = ReadSnapshot(env, dir, it->name, config, &info, &e);
      if (s.ok()) {
        r.engine = std::move(e);
        r.snapshot_seq = info.meta.seq;
        r.last_seq = info.meta.seq;
        r.last_time = info.meta.time;
        r.log.push_back("loaded " + info.name + " (seq " + std::to_string(info.meta.seq) + ")");
        break;
      }
      r.log.push_back("skipped invalid snapshot: " + s.ToString());
    }
  }
  r.snapshot_load_seconds = Since(t0);
  if (!r.engine) r.engine = std::make_unique<Engine>(config);

  t0 = std::chrono::steady_clock::now();
  Engine& engine = *r.engine;
  // Replay applies with a lag of three commands so each command's cache misses are prefetched, one stage per
  // command, while the ones before it are applied (Engine::Prefetch); the lag is flushed before every checkpoint
  // comparison.
  // A ring, so a command keeps its address from decode to apply (the engine's hints are per command).
  std::array<Command, 4> window;
  size_t oldest = 0;   // window index of the next command to apply
  size_t pending = 0;  // decoded, not yet applied
  const auto at = [&](size_t k) -> Command& { return window[(oldest + k) % window.size()]; };
  const auto apply_front = [&] {
    if (pending > 2) engine.Prefetch(at(2), Engine::PrefetchStage::kOrders);
    if (pending > 1) engine.Prefetch(at(1), Engine::PrefetchStage::kDependents);
    (void)engine.Apply(at(0));
    oldest = (oldest + 1) % window.size();
    --pending;
  };
  const auto flush = [&] {
    while (pending > 0) apply_front();
  };
  bool started = false;
  journal::JournalScan scan = journal::ScanJournal(env, dir, [&](const JournalRecord& rec) -> Status {
    if (!started) {
      started = true;
      // The journal must continue the state: its first command may not be past the one after the snapshot.
      if (rec.type == RecordType::kCommand && rec.seq > r.snapshot_seq + 1) {
        return Status::Corruption("journal starts at seq " + std::to_string(rec.seq) + " but the state is at seq " +
                                  std::to_string(r.snapshot_seq) + ": commands in between are missing");
      }
    }
    if (rec.type == RecordType::kCheckpoint) {
      if (rec.seq != r.last_seq) return Status::Ok();  // before the snapshot
      flush();
      const uint64_t want = journal::LoadLe(rec.payload.data(), 8);
      const uint64_t got = engine.StateHash();
      if (want != got) {
        return Status::Corruption(std::string(rec.segment) + " offset " + std::to_string(rec.offset) + " (seq " +
                                  std::to_string(rec.seq) + "): checkpoint hash mismatch: journal says " +
                                  std::to_string(want) + ", replayed state has " + std::to_string(got));
      }
      ++r.checkpoints_verified;
      return Status::Ok();
    }
    if (rec.seq <= r.snapshot_seq) return Status::Ok();
    Command& cmd = at(pending);
    const journal::CodecError e = journal::DecodeCommandBody(rec.payload, &cmd.body);
    if (e != journal::CodecError::kOk) {
      return Status::Corruption(std::string(rec.segment) + " offset " + std::to_string(rec.offset) + " (seq " +
                                std::to_string(rec.seq) + "): undecodable command: " + std::string(ToString(e)));
    }
    cmd.seq = rec.seq;
    cmd.time = rec.time;
    engine.Prefetch(cmd, Engine::PrefetchStage::kIndexes);
    if (++pending == window.size()) apply_front();
    r.last_seq = rec.seq;
    r.last_time = rec.time;
    ++r.replayed;
    return Status::Ok();
  });
  flush();  // an error stopped the scan at a record boundary: what was decoded before it is valid
  r.replay_seconds = Since(t0);
  if (!scan.status.ok()) return scan.status;
  if (scan.last_seq < r.snapshot_seq && !(scan.commands == 0 && scan.segments.empty() && r.snapshot_seq > 0)) {
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
  r.log.push_back("replayed " + std::to_string(r.replayed) + " command(s) to seq " + std::to_string(r.last_seq) +
                  ", " + std::to_string(r.checkpoints_verified) + " checkpoint(s) verified");
  return Status::Ok();
}

}  // namespace sequex::snapshot

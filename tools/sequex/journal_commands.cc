#include "journal_commands.h"

#include <fmt/core.h>

#include <array>
#include <chrono>

#include "journal/byte_io.h"
#include "journal/command_codec.h"
#include "journal/data_dir_lock.h"
#include "journal/journal_reader.h"
#include "snapshot/recovery.h"
#include "snapshot/snapshot_store.h"

namespace sequex::tools {
namespace {

using journal::Env;
using journal::JournalRecord;
using journal::RecordType;
using journal::Status;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(ch) < 0x20) {
      out += ' ';
      continue;
    }
    out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

std::string Hex(uint64_t v) { return fmt::format("\"{:016x}\"", v); }

Env* DefaultEnv() { return Env::Default(); }

// The subcommands that write or remove files in the data dir hold its lock while they run, as sequexd holds it while
// it runs: a cut or a prune under a live server makes the records it then writes corruption, or removes what it
// reads. Refused at once, with the JSON error line the subcommand prints for any failure and the message on stderr.
bool LockDataDir(const std::string& dir, std::unique_ptr<journal::DataDirLock>* lock) {
  const Status s = journal::DataDirLock::Acquire(dir, lock);
  if (s.ok()) return true;
  fmt::print("{{\"ok\":false,\"error\":{}}}\n", Quote(s.ToString()));
  fmt::print(stderr, "sequex: {}\n", s.message());
  return false;
}

}  // namespace

int JournalDump(const std::string& dir) {
  CommandBody body;
  journal::JournalScan scan = journal::ScanJournal(DefaultEnv(), dir, [&](const JournalRecord& r) {
    if (r.type == RecordType::kCheckpoint) {
      fmt::print(
          "{{\"type\":\"checkpoint\",\"seq\":{},\"time\":{},\"state_hash\":{},\"segment\":\"{}\",\"offset\":{},"
          "\"checksum\":{}}}\n",
          r.seq, r.time, Hex(journal::LoadLe(r.payload.data(), 8)), r.segment, r.offset, Hex(r.checksum));
      return Status::Ok();
    }
    const journal::CodecError e = journal::DecodeCommandBody(r.payload, &body);
    if (e != journal::CodecError::kOk) {
      return Status::Corruption(fmt::format("{} offset {} (seq {}): undecodable command: {}", r.segment, r.offset,
                                            r.seq, journal::ToString(e)));
    }
    fmt::print(
        "{{\"type\":\"command\",\"seq\":{},\"time\":{},\"kind\":\"{}\",\"fields\":{},\"segment\":\"{}\","
        "\"offset\":{},\"checksum\":{}}}\n",
        r.seq, r.time, journal::CommandKindName(body.index()), journal::CommandFieldsJson(body), r.segment, r.offset,
        Hex(r.checksum));
    return Status::Ok();
  });
  if (scan.torn.present) {
    fmt::print("{{\"type\":\"torn_tail\",\"segment\":\"{}\",\"offset\":{},\"bytes\":{}}}\n", scan.torn.segment,
               scan.torn.offset, scan.torn.bytes);
  }
  if (!scan.status.ok()) {
    fmt::print("{{\"type\":\"error\",\"error\":{}}}\n", Quote(scan.status.ToString()));
    return 1;
  }
  return 0;
}

int JournalVerify(const std::string& dir, const EngineConfig& engine) {
  // Structure first (does not touch the engine), then a full replay checking every checkpoint.
  journal::JournalScan scan = journal::ScanJournal(DefaultEnv(), dir, nullptr);
  snapshot::RecoveryResult r;
  Status s = scan.status;
  if (s.ok()) {
    snapshot::RecoveryOptions options;
    options.truncate_torn_tail = false;
    options.use_snapshots = scan.first_seq > 1;  // a pruned journal needs its snapshot
    s = snapshot::Recover(DefaultEnv(), dir, engine, options, &r);
  }
  std::string audit = "not run";
  if (s.ok()) audit = r.engine->Audit();
  const bool ok = s.ok() && !scan.torn.present && audit.empty();
  fmt::print(
      "{{\"ok\":{},\"segments\":{},\"bytes\":{},\"commands\":{},\"first_seq\":{},\"last_seq\":{},"
      "\"checkpoints\":{},\"checkpoints_verified\":{},\"snapshot_seq\":{},\"torn_tail\":{},"
      "\"state_hash\":{},\"audit\":{},\"error\":{}}}\n",
      ok, scan.segments.size(), scan.bytes, scan.commands, scan.first_seq, scan.last_seq, scan.checkpoints,
      r.checkpoints_verified, r.snapshot_seq, scan.torn.present, s.ok() ? Hex(r.engine->StateHash()) : "null",
      Quote(audit.empty() ? "ok" : audit),
      s.ok() ? (scan.torn.present
                    ? Quote("torn tail at " + scan.torn.segment + " offset " + std::to_string(scan.torn.offset))
                    : "null")
             : Quote(s.ToString()));
  return ok ? 0 : 1;
}

int JournalReplay(const std::string& dir, bool from_snapshot, const EngineConfig& engine) {
  snapshot::RecoveryOptions options;
  options.truncate_torn_tail = false;
  options.use_snapshots = from_snapshot;
  snapshot::RecoveryResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const Status s = snapshot::Recover(DefaultEnv(), dir, engine, options, &r);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) {
    fmt::print(stderr, "replay failed: {}\n", s.ToString());
    return 1;
  }
  const double ops = r.replay_seconds > 0 ? static_cast<double>(r.replayed) / r.replay_seconds : 0;
  fmt::print(
      "{{\"bench\":\"replay\",\"workload\":\"journal\",\"commands\":{},\"seconds\":{:.6f},\"ops_per_sec\":{:.0f},"
      "\"p50_ns\":null,\"p99_ns\":null,\"p999_ns\":null,\"max_ns\":null,\"checkpoints_verified\":{},"
      "\"snapshot_seq\":{},\"snapshot_load_seconds\":{:.6f},\"recovery_seconds\":{:.6f},\"state_hash\":{}}}\n",
      r.replayed, r.replay_seconds, ops, r.checkpoints_verified, r.snapshot_seq, r.snapshot_load_seconds, total,
      Hex(r.engine->StateHash()));
  return 0;
}

int JournalStats(const std::string& dir) {
  std::array<uint64_t, std::variant_size_v<CommandBody>> kinds{};
  uint64_t payload_bytes = 0;
  journal::JournalScan scan = journal::ScanJournal(DefaultEnv(), dir, [&](const JournalRecord& r) {
    payload_bytes += r.payload.size();
    if (r.type == RecordType::kCommand && r.payload.size() >= 2) {
      const auto k = static_cast<uint8_t>(r.payload[1]);
      if (k < kinds.size()) ++kinds[k];
    }
    return Status::Ok();
  });
  std::string mix;
  for (size_t k = 0; k < kinds.size(); ++k) {
    if (kinds[k] == 0) continue;
    if (!mix.empty()) mix += ",";
    mix += fmt::format("\"{}\":{}", journal::CommandKindName(k), kinds[k]);
  }
  std::string segs;
  for (const auto& seg : scan.segments) {
    if (!segs.empty()) segs += ",";
    segs += fmt::format("{{\"name\":\"{}\",\"first_seq\":{},\"bytes\":{},\"records\":{}}}", seg.name, seg.first_seq,
                        seg.bytes, seg.records);
  }
  fmt::print(
      "{{\"ok\":{},\"segments\":[{}],\"bytes\":{},\"payload_bytes\":{},\"commands\":{},\"checkpoints\":{},"
      "\"first_seq\":{},\"last_seq\":{},\"last_time\":{},\"torn_tail\":{},\"mix\":{{{}}},\"error\":{}}}\n",
      scan.status.ok(), segs, scan.bytes, payload_bytes, scan.commands, scan.checkpoints, scan.first_seq, scan.last_seq,
      scan.last_time, scan.torn.present, mix, scan.status.ok() ? "null" : Quote(scan.status.ToString()));
  return scan.status.ok() ? 0 : 1;
}

int JournalTruncate(const std::string& dir, uint64_t at_seq, bool drop_newer_snapshots) {
  std::unique_ptr<journal::DataDirLock> lock;
  if (!LockDataDir(dir, &lock)) return 1;
  std::string report;
  // A snapshot at or past the cut holds commands the cut removes, and a restart refuses a snapshot newer than the
  // journal's end. Removing it loses those commands for good, so that takes the operator's word for it.
  std::vector<snapshot::SnapshotInfo> snapshots;
  Status s = snapshot::ListSnapshots(DefaultEnv(), dir, &snapshots);
  std::vector<std::string> newer;
  for (const snapshot::SnapshotInfo& snap : snapshots) {
    if (snap.meta.seq >= at_seq) newer.push_back(snap.name);
  }
  if (s.ok() && !newer.empty() && !drop_newer_snapshots) {
    s = Status::InvalidArgument(fmt::format(
        "{} snapshot(s) from seq {} on ({} ...) hold commands the cut removes, and a restart would refuse them: "
        "pass --drop-newer-snapshots to remove them too, or cut at a later seq",
        newer.size(), at_seq, newer.front()));
  }
  if (s.ok()) s = journal::TruncateJournalAt(DefaultEnv(), dir, at_seq, &report);
  for (size_t i = 0; s.ok() && i < newer.size(); ++i) {
    s = DefaultEnv()->RemoveFile(dir + "/" + newer[i]);
    if (s.ok()) report += "; removed " + newer[i];
  }
  fmt::print("{{\"ok\":{},\"report\":{},\"error\":{}}}\n", s.ok(), Quote(report),
             s.ok() ? "null" : Quote(s.ToString()));
  return s.ok() ? 0 : 1;
}

int SnapshotTake(const std::string& dir, const EngineConfig& engine) {
  std::unique_ptr<journal::DataDirLock> lock;
  if (!LockDataDir(dir, &lock)) return 1;
  snapshot::RecoveryResult r;
  // Only reads the journal: a torn tail is the server's next recovery's to cut (and log); the snapshot is of the
  // state at the last complete record.
  snapshot::RecoveryOptions read_only;
  read_only.truncate_torn_tail = false;
  Status s = snapshot::Recover(DefaultEnv(), dir, engine, read_only, &r);
  if (!s.ok()) {
    fmt::print("{{\"ok\":false,\"error\":{}}}\n", Quote(s.ToString()));
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::string bytes = r.engine->SaveSnapshot();
  const double serialize_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  s = snapshot::WriteSnapshot(DefaultEnv(), dir, {r.last_seq, r.last_time, r.engine->StateHash()}, bytes);
  fmt::print(
      "{{\"ok\":{},\"name\":\"{}\",\"seq\":{},\"bytes\":{},\"serialize_ms\":{:.3f},\"state_hash\":{},"
      "\"error\":{}}}\n",
      s.ok(), snapshot::SnapshotName(r.last_seq), r.last_seq, bytes.size(), serialize_ms, Hex(r.engine->StateHash()),
      s.ok() ? "null" : Quote(s.ToString()));
  return s.ok() ? 0 : 1;
}

namespace {
// A snapshot as listed, and whether it loads in full, as a restart would load it (with the engine sized as given).
struct CheckedSnapshot {
  snapshot::SnapshotInfo listed;
  Status loads;
  uint64_t state_hash = 0;  // as read, when it loads
};

// Every snapshot in `dir`, oldest first, each read in full; one engine in memory at a time.
Status CheckSnapshots(const std::string& dir, const EngineConfig& engine, std::vector<CheckedSnapshot>* out) {
  std::vector<snapshot::SnapshotInfo> snaps;
  const Status s = snapshot::ListSnapshots(DefaultEnv(), dir, &snaps);
  if (!s.ok()) return s;
  for (const snapshot::SnapshotInfo& info : snaps) {
    snapshot::SnapshotInfo read;
    std::unique_ptr<Engine> e;
    const Status loads = snapshot::ReadSnapshot(DefaultEnv(), dir, info.name, engine, &read, &e);
    out->push_back({info, loads, loads.ok() ? read.meta.state_hash : 0});
  }
  return Status::Ok();
}

int ListOrVerify(const std::string& dir, bool strict, const EngineConfig& engine) {
  std::vector<CheckedSnapshot> snaps;
  const Status s = CheckSnapshots(dir, engine, &snaps);
  if (!s.ok()) {
    fmt::print("{{\"ok\":false,\"error\":{}}}\n", Quote(s.ToString()));
    return 1;
  }
  size_t bad = 0;
  for (const CheckedSnapshot& c : snaps) {
    const bool ok = c.loads.ok();
    if (!ok) ++bad;
    fmt::print("{{\"name\":\"{}\",\"seq\":{},\"bytes\":{},\"valid\":{},\"state_hash\":{},\"error\":{}}}\n",
               c.listed.name, c.listed.meta.seq, c.listed.bytes, ok, ok ? Hex(c.state_hash) : "null",
               ok ? "null" : Quote(c.loads.ToString()));
  }
  if (strict) fmt::print("{{\"ok\":{},\"snapshots\":{},\"invalid\":{}}}\n", bad == 0, snaps.size(), bad);
  return strict && bad != 0 ? 1 : 0;
}
}  // namespace

int SnapshotList(const std::string& dir, const EngineConfig& engine) { return ListOrVerify(dir, false, engine); }
int SnapshotVerify(const std::string& dir, const EngineConfig& engine) { return ListOrVerify(dir, true, engine); }

int SnapshotPrune(const std::string& dir, size_t keep, const EngineConfig& engine) {
  std::unique_ptr<journal::DataDirLock> lock;
  if (!LockDataDir(dir, &lock)) return 1;
  // Only snapshots that load are counted among those kept, as sequexd's own retention counts them: a damaged newest
  // snapshot counted would leave one that loads and no journal before it, or none. Those that fail stay while newer
  // than the oldest kept, and are named in the output.
  std::vector<CheckedSnapshot> snaps;
  Status s = CheckSnapshots(dir, engine, &snaps);
  std::vector<std::string> not_counted;
  std::string names;
  for (const CheckedSnapshot& c : snaps) {
    if (c.loads.ok()) continue;
    not_counted.push_back(c.listed.name);
    fmt::print(stderr, "sequex: {} is not counted among those kept: {}\n", c.listed.name, c.loads.ToString());
    if (!names.empty()) names.push_back(',');
    names += Quote(c.listed.name);
  }
  std::string report;
  if (s.ok()) s = snapshot::Prune(DefaultEnv(), dir, keep, &report, not_counted);
  fmt::print("{{\"ok\":{},\"report\":{},\"not_counted\":[{}],\"error\":{}}}\n", s.ok(), Quote(report), names,
             s.ok() ? "null" : Quote(s.ToString()));
  return s.ok() ? 0 : 1;
}

}  // namespace sequex::tools

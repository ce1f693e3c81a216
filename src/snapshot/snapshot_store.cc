#include "snapshot/snapshot_store.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <span>

#include "common/thread_name.h"
#include "journal/byte_io.h"
#include "journal/journal_reader.h"

namespace sequex::snapshot {

using journal::ByteReader;
using journal::ByteWriter;

namespace {

constexpr std::string_view kSnapshotPrefix = "snapshot-", kHistoryPrefix = "history-", kSuffix = ".snap";

std::string NameOf(std::string_view prefix, SeqNo seq) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*s%020llu.snap", static_cast<int>(prefix.size()), prefix.data(),
                static_cast<unsigned long long>(seq));
  return buf;
}

bool ParseName(std::string_view prefix, std::string_view name, SeqNo* seq) {
  if (name.size() != prefix.size() + 20 + kSuffix.size() || !name.starts_with(prefix) || !name.ends_with(kSuffix)) {
    return false;
  }
  uint64_t v = 0;
  for (char ch : name.substr(prefix.size(), 20)) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  *seq = v;
  return true;
}

Status ListNamed(Env* env, const std::string& dir, bool (*parse)(std::string_view, SeqNo*),
                 std::vector<SnapshotInfo>* out) {
  out->clear();
  std::vector<std::string> names;
  Status s = env->ListDir(dir, &names);
  if (!s.ok()) return s;
  const std::string prefix = dir + "/";
  for (const std::string& n : names) {
    SnapshotInfo info;
    if (!parse(n, &info.meta.seq)) continue;
    info.name = n;
    (void)env->FileSize(prefix + n, &info.bytes);
    out->push_back(info);
  }
  return Status::Ok();
}

// The loaded engine of a snapshot's engine bytes, checked against the header's state hash.
Status LoadEngine(std::string_view bytes, const EngineConfig& config, uint64_t state_hash,
                  const std::function<Status(const std::string&)>& bad, std::unique_ptr<Engine>* engine) {
  std::string error;
  std::unique_ptr<Engine> e = Engine::LoadSnapshot(bytes, config, &error);
  if (!e) return bad(error);
  if (e->StateHash() != state_hash) return bad("loaded state hash differs from the recorded one");
  *engine = std::move(e);
  return Status::Ok();
}

}  // namespace

std::string SnapshotName(SeqNo seq) { return NameOf(kSnapshotPrefix, seq); }
bool ParseSnapshotName(std::string_view name, SeqNo* seq) { return ParseName(kSnapshotPrefix, name, seq); }
std::string HistorySnapshotName(SeqNo seq) { return NameOf(kHistoryPrefix, seq); }
bool ParseHistorySnapshotName(std::string_view name, SeqNo* seq) { return ParseName(kHistoryPrefix, name, seq); }

namespace {

// The header shared by both kinds of snapshot file (ReadHeader below), then the sections themselves.
std::string FileBytes(const char (&magic)[8], uint32_t version, const SnapshotMeta& meta,
                      std::initializer_list<std::string_view> sections) {
  size_t total = 0;
  for (std::string_view section : sections) total += section.size();
  std::string file;
  file.reserve(8 + 4 + 4 + 8 + 8 + 8 + 8 * sections.size() + 8 + total);
  ByteWriter w(&file);
  w.Raw(magic, sizeof magic);
  w.U32(version);
  w.U32(0);
  w.U64(meta.seq);
  w.I64(meta.time);
  w.U64(meta.state_hash);
  for (std::string_view section : sections) w.U64(section.size());
  w.U64(XXH3_64bits(file.data(), file.size()));
  for (std::string_view section : sections) w.Raw(section);
  return file;
}

}  // namespace

Status WriteSnapshot(Env* env, const std::string& dir, const SnapshotMeta& meta, std::string_view engine_bytes) {
  const std::string file = FileBytes(kSnapshotMagic, kSnapshotFormatVersion, meta, {engine_bytes});
  Status s = env->CreateDir(dir);
  if (!s.ok()) return s;
  return journal::WriteFileAtomically(env, dir, SnapshotName(meta.seq), file);
}

Status ListSnapshots(Env* env, const std::string& dir, std::vector<SnapshotInfo>* out) {
  return ListNamed(env, dir, ParseSnapshotName, out);
}

Status ListHistorySnapshots(Env* env, const std::string& dir, std::vector<SnapshotInfo>* out) {
  return ListNamed(env, dir, ParseHistorySnapshotName, out);
}

Status WriteHistorySnapshot(Env* env, const std::string& dir, const SnapshotMeta& meta, std::string_view engine_bytes,
                            std::string_view history_bytes) {
  const std::string file = FileBytes(kHistoryMagic, kHistoryFormatVersion, meta, {engine_bytes, history_bytes});
  Status s = env->CreateDir(dir);
  if (!s.ok()) return s;
  s = journal::WriteFileAtomically(env, dir, HistorySnapshotName(meta.seq), file);
  if (!s.ok()) return s;
  std::vector<std::string> removed;
  return RemoveHistorySnapshots(env, dir, UINT64_MAX, kHistorySnapshotsKept, &removed);
}

Status RemoveUnfinishedSnapshots(Env* env, const std::string& dir, std::vector<std::string>* removed) {
  std::vector<std::string> names;
  Status s = env->ListDir(dir, &names);
  for (const std::string& name : names) {
    if (!s.ok()) break;
    // What WriteFileAtomically writes before its rename: a snapshot's or a history snapshot's name, then ".tmp".
    if (!name.ends_with(std::string(kSuffix) + ".tmp")) continue;
    std::string path = dir;
    path += '/';
    path += name;
    s = env->RemoveFile(path);
    if (s.ok()) removed->push_back(name);
  }
  return s;
}

Status RemoveHistorySnapshots(Env* env, const std::string& dir, SeqNo after_seq, size_t keep_newest,
                              std::vector<std::string>* removed) {
  std::vector<SnapshotInfo> all;
  Status s = ListHistorySnapshots(env, dir, &all);
  // Those at or before after_seq, oldest first: all but the last keep_newest of them go.
  const auto at_or_before = static_cast<size_t>(
      std::partition_point(all.begin(), all.end(), [&](const SnapshotInfo& i) { return i.meta.seq <= after_seq; }) -
      all.begin());
  for (size_t i = 0; s.ok() && i < all.size(); ++i) {
    if (i < at_or_before && at_or_before - i <= keep_newest) continue;
    s = env->RemoveFile(dir + "/" + all[i].name);
    if (s.ok()) removed->push_back(all[i].name);
  }
  if (s.ok() && !removed->empty()) s = env->SyncDir(dir);
  return s;
}

namespace {

// The header shared by both kinds of snapshot file: magic, version, reserved, seq, time, state hash, then
// `lengths.size()` section lengths that must add up to the rest of the file, then the header checksum.
Status ReadHeader(std::string_view data, const std::string& name, const char (&magic)[8], uint32_t version,
                  bool (*parse_name)(std::string_view, SeqNo*), const std::function<Status(const std::string&)>& bad,
                  SnapshotInfo* info, std::span<uint64_t> lengths) {
  const size_t header_size = 8 + 4 + 4 + 8 + 8 + 8 + 8 * lengths.size() + 8;
  if (data.size() < header_size) return bad("shorter than its header");
  ByteReader r(data);
  const std::string_view found_magic = r.View(sizeof magic);
  const uint32_t found_version = r.U32();
  const uint32_t reserved = r.U32();
  info->name = name;
  info->meta.seq = r.U64();
  info->meta.time = r.I64();
  info->meta.state_hash = r.U64();
  uint64_t total = 0;
  for (uint64_t& length : lengths) {
    length = r.U64();
    total += std::min<uint64_t>(length, data.size());  // a hostile length cannot wrap the sum
  }
  const uint64_t header_sum = r.U64();
  info->bytes = data.size();
  if (header_sum != XXH3_64bits(data.data(), header_size - 8)) return bad("header checksum mismatch");
  if (found_magic != std::string_view(magic, sizeof magic) || reserved != 0) return bad("bad magic");
  if (found_version != version) return bad("unsupported version " + std::to_string(found_version));
  SeqNo named = 0;
  if (!parse_name(name, &named) || named != info->meta.seq) return bad("seq does not match the file name");
  if (total != data.size() - header_size) return bad("length does not match the file size");
  return Status::Ok();
}

}  // namespace

Status ReadHistorySnapshot(Env* env, const std::string& dir, const std::string& name, const EngineConfig& config,
                           SnapshotInfo* info, std::unique_ptr<Engine>* engine, HistoryBytes* history) {
  std::unique_ptr<journal::FileContents> file;
  Status s = env->MapFile(dir + "/" + name, &file);
  if (!s.ok()) return s;
  const std::string_view data = file->bytes();
  const auto bad = [&](const std::string& why) { return Status::Corruption("history snapshot " + name + ": " + why); };
  uint64_t lengths[2] = {0, 0};  // engine, history
  s = ReadHeader(data, name, kHistoryMagic, kHistoryFormatVersion, ParseHistorySnapshotName, bad, info, lengths);
  if (!s.ok()) return s;
  s = LoadEngine(data.substr(kHistoryHeaderSize, lengths[0]), config, info->meta.state_hash, bad, engine);
  if (!s.ok()) return s;
  history->bytes = data.substr(kHistoryHeaderSize + lengths[0]);
  history->file = std::move(file);
  return Status::Ok();
}

Status ReadSnapshot(Env* env, const std::string& dir, const std::string& name, const EngineConfig& config,
                    SnapshotInfo* info, std::unique_ptr<Engine>* engine) {
  std::unique_ptr<journal::FileContents> file;
  Status s = env->MapFile(dir + "/" + name, &file);
  if (!s.ok()) return s;
  const std::string_view data = file->bytes();
  const auto bad = [&](const std::string& why) { return Status::Corruption("snapshot " + name + ": " + why); };
  uint64_t length = 0;
  s = ReadHeader(data, name, kSnapshotMagic, kSnapshotFormatVersion, ParseSnapshotName, bad, info, {&length, 1});
  if (!s.ok()) return s;
  return LoadEngine(data.substr(kSnapshotHeaderSize), config, info->meta.state_hash, bad, engine);
}

Status Prune(Env* env, const std::string& dir, size_t keep_snapshots, std::string* report,
             const std::vector<std::string>& not_counted) {
  std::vector<SnapshotInfo> snaps;
  Status s = ListSnapshots(env, dir, &snaps);
  if (!s.ok()) return s;
  std::vector<size_t> counted;  // indexes into snaps, oldest first
  for (size_t i = 0; i < snaps.size(); ++i) {
    if (std::find(not_counted.begin(), not_counted.end(), snaps[i].name) == not_counted.end()) counted.push_back(i);
  }
  if (counted.empty() || keep_snapshots == 0) {
    *report = "nothing pruned (no snapshot to rely on)";
    return Status::Ok();
  }
  size_t removed_snaps = 0, removed_segments = 0;
  const size_t first_kept = counted[counted.size() > keep_snapshots ? counted.size() - keep_snapshots : 0];
  for (size_t i = 0; i < first_kept; ++i) {
    s = env->RemoveFile(dir + "/" + snaps[i].name);
    if (!s.ok()) return s;
    ++removed_snaps;
  }
  SeqNo covered = snaps[first_kept].meta.seq;
  // sequexd's order and trade history restarts from its newest valid history snapshot and the commands after it,
  // so those stay too, from the oldest history snapshot there is (the server falls back on it if the newest is
  // damaged); without one the history of a server on this folder will start at `covered`.
  std::vector<SnapshotInfo> histories;
  s = ListHistorySnapshots(env, dir, &histories);
  if (!s.ok()) return s;
  const bool history_bound = !histories.empty() && histories.front().meta.seq < covered;
  if (history_bound) covered = histories.front().meta.seq;
  std::vector<std::string> names;
  s = env->ListDir(dir, &names);
  if (!s.ok()) return s;
  std::vector<SeqNo> firsts;
  std::vector<std::string> segs;
  for (const std::string& n : names) {
    SeqNo first = 0;
    if (journal::ParseSegmentName(n, &first)) {
      firsts.push_back(first);
      segs.push_back(n);
    }
  }
  // Segment i holds commands [firsts[i], firsts[i+1]); it may go when firsts[i+1] - 1 <= covered.
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    if (firsts[i + 1] - 1 > covered) break;
    s = env->RemoveFile(dir + "/" + segs[i]);
    if (!s.ok()) return s;
    ++removed_segments;
  }
  s = env->SyncDir(dir);
  *report = "removed " + std::to_string(removed_snaps) + " snapshot(s) and " + std::to_string(removed_segments) +
            " segment(s); " +
            (history_bound ? "the commands after history snapshot seq " + std::to_string(covered) + " are kept"
                           : "oldest snapshot kept covers seq " + std::to_string(covered)) +
            (histories.empty() ? "; no history snapshot: a server's order and trade history now starts there" : "");
  return s;
}

BackgroundSnapshotWriter::BackgroundSnapshotWriter(Env* env, std::string dir, Kind kind,
                                                   std::function<void()> after_write)
    : env_(env), dir_(std::move(dir)), kind_(kind), after_write_(std::move(after_write)), thread_([this] {
        NameThisThread(kind_ == Kind::kEngine ? "sx-snapshot" : "sx-history");
        Run();
      }) {}

BackgroundSnapshotWriter::~BackgroundSnapshotWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool BackgroundSnapshotWriter::Submit(const SnapshotMeta& meta, std::string engine_bytes,
                                      std::function<std::string()> history) {
  {
    std::lock_guard lock(mu_);
    if (busy_) return false;
    busy_ = true;
    meta_ = meta;
    bytes_ = std::move(engine_bytes);
    history_ = std::move(history);
  }
  cv_.notify_all();
  return true;
}

Status BackgroundSnapshotWriter::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !busy_; });
  return last_;
}

std::string BackgroundSnapshotWriter::TakeBuffer() {
  std::lock_guard lock(mu_);
  std::string buffer = std::move(spare_);
  spare_ = std::string();
  return buffer;
}

bool BackgroundSnapshotWriter::busy() const {
  std::lock_guard lock(mu_);
  return busy_;
}

uint64_t BackgroundSnapshotWriter::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

void BackgroundSnapshotWriter::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || busy_; });
    if (busy_) {
      const SnapshotMeta meta = meta_;
      std::string bytes = std::move(bytes_);
      std::function<std::string()> history = std::move(history_);
      lock.unlock();
      Status s = kind_ == Kind::kEngine ? WriteSnapshot(env_, dir_, meta, bytes)
                                        : WriteHistorySnapshot(env_, dir_, meta, bytes, history ? history() : "");
      bytes.clear();
      if (s.ok() && after_write_) after_write_();
      lock.lock();
      spare_ = std::move(bytes);
      last_ = s;
      if (s.ok()) ++written_;
      busy_ = false;
      cv_.notify_all();
      continue;
    }
    if (stop_) return;
  }
}

}  // namespace sequex::snapshot

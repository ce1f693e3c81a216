#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "journal/journal_reader.h"
#include "journal/journal_writer.h"
#include "journal/test_commands.h"
#include "journal/test_util.h"
#include "snapshot/recovery.h"
#include "snapshot/snapshot_store.h"
#include "workload/generator.h"

namespace sequex::snapshot {
namespace {

using journal::Env;
using sequex::testing::TempDir;

std::vector<Command> StandardCommands(uint64_t warmup, uint64_t commands) {
  workload::GeneratorOptions o;
  o.kind = workload::WorkloadKind::kStandard;
  o.seed = 42;
  o.warmup_commands = warmup;
  o.commands = commands;
  return workload::Translate(workload::Generate(o)).commands;
}

std::vector<Command> SmallFlow(size_t n) {
  auto bodies = sequex::testing::SetupCommands(10);
  auto t = sequex::testing::TradingCommands(11, n, 10);
  bodies.insert(bodies.end(), t.begin(), t.end());
  std::vector<Command> out;
  for (size_t i = 0; i < bodies.size(); ++i) out.push_back({i + 1, static_cast<TimeNs>(i), bodies[i]});
  return out;
}

void ExpectSameEvents(std::span<const Event> a, std::span<const Event> b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].index(), b[i].index());
    // Events are PODs without padding-sensitive meaning for this comparison: compare via their order fields.
    if (const auto* x = std::get_if<TradeEvent>(&a[i])) {
      const auto& y = std::get<TradeEvent>(b[i]);
      EXPECT_EQ(x->match_id, y.match_id);
      EXPECT_EQ(x->maker_order, y.maker_order);
      EXPECT_EQ(x->qty, y.qty);
      EXPECT_EQ(x->price, y.price);
    }
    if (const auto* x = std::get_if<BalanceEvent>(&a[i])) {
      const auto& y = std::get<BalanceEvent>(b[i]);
      EXPECT_EQ(x->available, y.available);
      EXPECT_EQ(x->held, y.held);
    }
  }
}

TEST(SnapshotTest, ShouldRestoreIdenticalStateAndBehaviour) {
  const auto cmds = SmallFlow(20000);
  for (size_t split : {size_t{0}, size_t{40}, size_t{5000}, size_t{15000}}) {
    Engine reference;
    for (size_t i = 0; i < split; ++i) (void)reference.Apply(cmds[i]);
    const std::string bytes = reference.SaveSnapshot();
    std::string error;
    std::unique_ptr<Engine> restored = Engine::LoadSnapshot(bytes, EngineConfig{}, &error);
    ASSERT_NE(restored, nullptr) << error;
    ASSERT_EQ(restored->StateHash(), reference.StateHash()) << split;
    EXPECT_EQ(restored->SaveSnapshot(), bytes);  // canonical
    EXPECT_EQ(restored->Audit(), "");
    for (size_t i = split; i < cmds.size(); ++i) {
      (void)reference.Apply(cmds[i]);
      (void)restored->Apply(cmds[i]);
    }
    EXPECT_EQ(restored->StateHash(), reference.StateHash()) << split;
  }
}

// The [engine] sizes are the operator's (sequexd's config, `sequex journal replay --config`) and may differ
// between the engine that saved a snapshot and the one that loads it; none of them changes the state. An engine
// sized for more than one order-pool chunk once could not load any snapshot: its fresh pool handed out the
// last chunk's slots first.
TEST(SnapshotTest, ShouldLoadASnapshotWhateverTheSizesOfEitherEngine) {
  const auto cmds = SmallFlow(20000);
  EngineConfig tiny;
  tiny.expected_orders = 1;
  tiny.expected_accounts = 1;
  tiny.expected_account_books = 1;
  EngineConfig large;
  large.expected_orders = 3 * 65536 + 1;  // more than three of the order pool's 65,536-order chunks
  large.expected_accounts = 50'000;
  large.expected_account_books = 100'000;
  for (const EngineConfig& saver_config : {EngineConfig{}, tiny, large}) {
    Engine saver(saver_config);
    for (size_t i = 0; i < 8000; ++i) (void)saver.Apply(cmds[i]);
    const std::string bytes = saver.SaveSnapshot();
    for (const EngineConfig& loader_config : {EngineConfig{}, tiny, large}) {
      std::string error;
      std::unique_ptr<Engine> restored = Engine::LoadSnapshot(bytes, loader_config, &error);
      ASSERT_NE(restored, nullptr) << error << " (saved with " << saver_config.expected_orders
                                   << " orders, loaded with " << loader_config.expected_orders << ")";
      EXPECT_EQ(restored->StateHash(), saver.StateHash());
      EXPECT_EQ(restored->SaveSnapshot(), bytes);
      EXPECT_EQ(restored->Audit(), "");
    }
  }
}

TEST(SnapshotTest, ShouldBehaveIdenticallyAfterRestoreEventByEvent) {
  const auto cmds = SmallFlow(20000);
  const size_t split = 8000;
  Engine reference;
  for (size_t i = 0; i < split; ++i) (void)reference.Apply(cmds[i]);
  std::string error;
  std::unique_ptr<Engine> restored = Engine::LoadSnapshot(reference.SaveSnapshot(), EngineConfig{}, &error);
  ASSERT_NE(restored, nullptr) << error;
  for (size_t i = split; i < cmds.size(); ++i) {
    const std::span<const Event> a = reference.Apply(cmds[i]);
    const std::vector<Event> want(a.begin(), a.end());
    const std::span<const Event> b = restored->Apply(cmds[i]);
    ExpectSameEvents(want, b);
  }
  EXPECT_EQ(restored->StateHash(), reference.StateHash());
  EXPECT_EQ(restored->Audit(), "");
}

TEST(SnapshotTest, ShouldRoundTripTheStandardWorkloadState) {
  const auto cmds = StandardCommands(50'000, 100'000);
  Engine reference;
  for (const Command& c : cmds) (void)reference.Apply(c);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string bytes = reference.SaveSnapshot();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::string error;
  const auto t1 = std::chrono::steady_clock::now();
  std::unique_ptr<Engine> restored = Engine::LoadSnapshot(bytes, EngineConfig{}, &error);
  const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_EQ(restored->StateHash(), reference.StateHash());
  std::printf("standard workload state: %zu open orders, snapshot %zu bytes, serialize %.2f ms, load %.2f ms\n",
              reference.OpenOrderCount(), bytes.size(), ms, load_ms);
}

TEST(SnapshotTest, ShouldRejectCorruptOrHostileSnapshots) {
  const auto cmds = SmallFlow(3000);
  Engine reference;
  for (const Command& c : cmds) (void)reference.Apply(c);
  const std::string bytes = reference.SaveSnapshot();
  std::string error;
  for (size_t i = 0; i < bytes.size(); i += 13) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x04);
    EXPECT_EQ(Engine::LoadSnapshot(bad, EngineConfig{}, &error), nullptr) << i;
  }
  for (size_t n = 0; n < bytes.size(); n += 97) {
    EXPECT_EQ(Engine::LoadSnapshot(std::string_view(bytes).substr(0, n), EngineConfig{}, &error), nullptr);
  }
}

TEST(SnapshotTest, ShouldRecoverFromSnapshotPlusJournalTailWithTheSameHash) {
  TempDir dir;
  const auto cmds = SmallFlow(6000);
  Env* env = Env::Default();
  journal::Status s;
  auto w = journal::JournalWriter::Open(env, dir.path(), {.segment_bytes = 32 << 10}, {}, &s);
  ASSERT_TRUE(s.ok());
  Engine engine;
  for (size_t i = 0; i < cmds.size(); ++i) {
    ASSERT_TRUE(w->AppendCommand(cmds[i]).ok());
    (void)engine.Apply(cmds[i]);
    if ((i + 1) % 500 == 0) {
      ASSERT_TRUE(w->AppendCheckpoint(cmds[i].seq, cmds[i].time, engine.StateHash()).ok());
    }
    if ((i + 1) % 1000 == 0) {
      ASSERT_TRUE(w->Sync().ok());
      ASSERT_TRUE(
          WriteSnapshot(env, dir.path(), {cmds[i].seq, cmds[i].time, engine.StateHash()}, engine.SaveSnapshot()).ok());
    }
  }
  ASSERT_TRUE(w->Close().ok());
  RecoveryResult from_snapshot, full;
  ASSERT_TRUE(Recover(env, dir.path(), {}, {}, &from_snapshot).ok());
  EXPECT_GT(from_snapshot.snapshot_seq, 0u);
  EXPECT_LT(from_snapshot.replayed, 1100u);
  RecoveryOptions no_snap;
  no_snap.use_snapshots = false;
  ASSERT_TRUE(Recover(env, dir.path(), {}, no_snap, &full).ok());
  EXPECT_EQ(full.replayed, cmds.size());
  EXPECT_EQ(from_snapshot.engine->StateHash(), engine.StateHash());
  EXPECT_EQ(full.engine->StateHash(), engine.StateHash());
  EXPECT_GE(full.checkpoints_verified, cmds.size() / 500);

  // A corrupt newest snapshot is skipped in favour of the one before it.
  std::vector<SnapshotInfo> snaps;
  ASSERT_TRUE(ListSnapshots(env, dir.path(), &snaps).ok());
  const std::string newest = dir.path() + "/" + snaps.back().name;
  std::string data = sequex::testing::ReadAll(newest);
  data[data.size() / 2] ^= 1;
  sequex::testing::WriteAll(newest, data);
  RecoveryResult fallback;
  ASSERT_TRUE(Recover(env, dir.path(), {}, {}, &fallback).ok());
  EXPECT_LT(fallback.snapshot_seq, from_snapshot.snapshot_seq);
  EXPECT_EQ(fallback.engine->StateHash(), engine.StateHash());
  // The journal reader starts before a snapshot loads; each rejected snapshot's reader is stopped and a new one
  // reads from the next candidate. Every snapshot corrupt: the whole journal, from an empty engine.
  std::vector<std::string> kept;  // as they are now (the newest already corrupt), to put back for the check below
  for (const SnapshotInfo& snap : snaps) {
    const std::string path = dir.path() + "/" + snap.name;
    kept.push_back(sequex::testing::ReadAll(path));
    std::string bytes = kept.back();
    bytes[bytes.size() / 3] ^= 4;
    sequex::testing::WriteAll(path, bytes);
  }
  RecoveryResult none_valid;
  ASSERT_TRUE(Recover(env, dir.path(), {}, {}, &none_valid).ok());
  EXPECT_EQ(none_valid.snapshot_seq, 0u);
  EXPECT_EQ(none_valid.replayed, cmds.size());
  EXPECT_EQ(none_valid.engine->StateHash(), engine.StateHash());
  size_t skipped = 0;
  for (const std::string& line : none_valid.log) {
    if (line.rfind("skipped invalid snapshot", 0) == 0) ++skipped;
  }
  EXPECT_EQ(skipped, snaps.size());
  for (size_t i = 0; i < snaps.size(); ++i) sequex::testing::WriteAll(dir.path() + "/" + snaps[i].name, kept[i]);

  // Retention: keep 2 snapshots, drop the segments they cover; recovery still gives the same state.
  std::string report;
  ASSERT_TRUE(Prune(env, dir.path(), 2, &report).ok());
  journal::JournalScan scan = journal::ScanJournal(env, dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_GT(scan.first_seq, 1u) << report;
  RecoveryResult pruned;
  ASSERT_TRUE(Recover(env, dir.path(), {}, {}, &pruned).ok());
  EXPECT_EQ(pruned.engine->StateHash(), engine.StateHash());
}

// sequexd folds the commands after its newest history snapshot into its order and trade history: retention keeps
// them, however new the engine snapshots are (before, a prune left the history to start at the engine snapshot).
// It keeps those after the older history snapshot too: a server whose newest one is damaged falls back on it (two are
// kept), and found its journal pruned, so its history started at the recovered state.
TEST(SnapshotTest, ShouldPruneNoSegmentAHistorySnapshotStillNeeds) {
  TempDir dir;
  const auto cmds = SmallFlow(4000);
  Env* env = Env::Default();
  journal::Status s;
  auto w = journal::JournalWriter::Open(env, dir.path(), {.segment_bytes = 32 << 10}, {}, &s);
  ASSERT_TRUE(s.ok());
  Engine engine;
  SeqNo history_seq = 0;
  for (size_t i = 0; i < cmds.size(); ++i) {
    ASSERT_TRUE(w->AppendCommand(cmds[i]).ok());
    (void)engine.Apply(cmds[i]);
    if (i + 1 == 1000 || i + 1 == 2000) {
      if (history_seq == 0) history_seq = cmds[i].seq;  // the older one
      ASSERT_TRUE(WriteHistorySnapshot(env, dir.path(), {cmds[i].seq, cmds[i].time, engine.StateHash()},
                                       engine.SaveSnapshot(), "history")
                      .ok());
    }
    if ((i + 1) % 1000 == 0) {
      ASSERT_TRUE(w->Sync().ok());
      ASSERT_TRUE(
          WriteSnapshot(env, dir.path(), {cmds[i].seq, cmds[i].time, engine.StateHash()}, engine.SaveSnapshot()).ok());
    }
  }
  ASSERT_TRUE(w->Close().ok());
  std::string report;
  ASSERT_TRUE(Prune(env, dir.path(), 1, &report).ok());
  journal::JournalScan scan = journal::ScanJournal(env, dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_GT(scan.first_seq, 1u) << report;               // segments before the history snapshot went
  EXPECT_LE(scan.first_seq, history_seq + 1) << report;  // the ones after the older one stayed
  EXPECT_NE(report.find("history snapshot"), std::string::npos) << report;
}

// sequexd's retention counts only snapshots that load among the N it keeps. After a start that skipped a damaged
// newest snapshot (3000) and loaded the one before it (2000), the next snapshot's prune with N = 2 kept the damaged
// one and the new one, and deleted the valid 2000 and the journal before 3000: one snapshot that loads and nothing
// to fall back on, the state N = 1 is refused for. The snapshots the start did not load are not counted.
TEST(SnapshotTest, ShouldNotCountASnapshotTheStartDidNotLoadAmongThoseKept) {
  TempDir dir;
  Env* env = Env::Default();
  const auto cmds = SmallFlow(4000);
  journal::Status s;
  auto w = journal::JournalWriter::Open(env, dir.path(), {.segment_bytes = 8 << 10}, {}, &s);
  ASSERT_TRUE(s.ok());
  Engine engine;
  for (size_t i = 0; i < cmds.size(); ++i) {
    ASSERT_TRUE(w->AppendCommand(cmds[i]).ok());
    (void)engine.Apply(cmds[i]);
    if ((i + 1) % 1000 != 0) continue;
    ASSERT_TRUE(w->Sync().ok());
    const SnapshotMeta m{cmds[i].seq, cmds[i].time, engine.StateHash()};
    if (i + 1 == 3000) {
      sequex::testing::WriteAll(dir.path() + "/" + SnapshotName(m.seq), "damaged");
      ASSERT_TRUE(WriteHistorySnapshot(env, dir.path(), m, engine.SaveSnapshot(), "history").ok());
    } else if (i + 1 < 4000) {
      ASSERT_TRUE(WriteSnapshot(env, dir.path(), m, engine.SaveSnapshot()).ok());
    }
  }
  ASSERT_TRUE(w->Close().ok());
  const SeqNo loaded = cmds[1999].seq, damaged = cmds[2999].seq, last = cmds.back().seq;
  {
    RecoveryResult r;
    ASSERT_TRUE(Recover(env, dir.path(), {}, {}, &r).ok());
    ASSERT_EQ(r.snapshot_seq, loaded);
  }
  // The server's next snapshot, then its retention with what the start did not load.
  ASSERT_TRUE(WriteSnapshot(env, dir.path(), {last, cmds.back().time, engine.StateHash()}, engine.SaveSnapshot()).ok());
  const std::vector<std::string> unchecked = {SnapshotName(cmds[999].seq), SnapshotName(damaged)};
  std::string report;
  ASSERT_TRUE(Prune(env, dir.path(), 2, &report, unchecked).ok());
  std::vector<SnapshotInfo> snaps;
  ASSERT_TRUE(ListSnapshots(env, dir.path(), &snaps).ok());
  std::vector<SeqNo> left;
  for (const SnapshotInfo& info : snaps) left.push_back(info.meta.seq);
  EXPECT_EQ(left, (std::vector<SeqNo>{loaded, damaged, last})) << report;  // the damaged one stays while newer
  // Both kept snapshots load: the newest, and with it gone, the one before (the damaged one skipped).
  for (const SeqNo want : {last, loaded}) {
    RecoveryResult r;
    ASSERT_TRUE(Recover(env, dir.path(), {}, {}, &r).ok()) << want;
    EXPECT_EQ(r.snapshot_seq, want);
    EXPECT_EQ(r.engine->StateHash(), engine.StateHash());
    ASSERT_TRUE(env->RemoveFile(dir.path() + "/" + SnapshotName(last)).ok() || want == loaded);
  }
}

// A data folder holding a snapshot and no command after it (a journal pruned, or restored from a backup) restarts;
// the writer then creates the segment that continues after the snapshot, with its header and nothing else, and a
// stop before the first command must not keep the next start from recovering ("the journal ends at seq 0").
TEST(SnapshotTest, ShouldRestartFromASnapshotWhoseJournalHasOnlyAnEmptySegmentAfterIt) {
  TempDir dir;
  const auto cmds = SmallFlow(300);
  Env* env = Env::Default();
  journal::Status s;
  Engine engine;
  {
    auto w = journal::JournalWriter::Open(env, dir.path(), {}, {}, &s);
    ASSERT_TRUE(s.ok());
    for (const Command& c : cmds) {
      ASSERT_TRUE(w->AppendCommand(c).ok());
      (void)engine.Apply(c);
    }
    ASSERT_TRUE(w->Close().ok());
  }
  const SeqNo last = cmds.back().seq;
  ASSERT_TRUE(WriteSnapshot(env, dir.path(), {last, cmds.back().time, engine.StateHash()}, engine.SaveSnapshot()).ok());
  for (const journal::SegmentInfo& seg : journal::ScanJournal(env, dir.path(), nullptr).segments) {
    std::remove((dir.path() + "/" + seg.name).c_str());
  }
  for (const bool prewritten : {false, true}) {
    SCOPED_TRACE(prewritten ? "pre-written segments" : "plain segments");
    for (int start = 0; start < 3; ++start) {  // each start stops before its first command
      RecoveryResult r;
      s = Recover(env, dir.path(), {}, {}, &r);
      ASSERT_TRUE(s.ok()) << "start " << start << ": " << s.ToString();
      EXPECT_EQ(r.last_seq, last);
      EXPECT_EQ(r.position.next_seq, last + 1);
      EXPECT_EQ(r.engine->StateHash(), engine.StateHash());
      auto w = journal::JournalWriter::Open(env, dir.path(), {.prewritten_segments = prewritten}, r.position, &s);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_TRUE(w->Close().ok());
    }
  }
  // And the command after the snapshot, journaled into that segment, is recovered.
  RecoveryResult r;
  ASSERT_TRUE(Recover(env, dir.path(), {}, {}, &r).ok());
  auto w = journal::JournalWriter::Open(env, dir.path(), {}, r.position, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const Command next{last + 1, cmds.back().time + 1, Deposit{AccountId{1}, AssetId{1}, Amount{5}}};
  ASSERT_TRUE(w->AppendCommand(next).ok());
  ASSERT_TRUE(w->Close().ok());
  (void)engine.Apply(next);
  RecoveryResult after;
  s = Recover(env, dir.path(), {}, {}, &after);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(after.last_seq, last + 1);
  EXPECT_EQ(after.engine->StateHash(), engine.StateHash());
}

// A header-only segment that does not continue right after the snapshot still means commands are missing.
TEST(SnapshotTest, ShouldRefuseASnapshotPastAJournalThatStartsBeforeItAndHoldsNothing) {
  TempDir dir;
  const auto cmds = SmallFlow(300);
  Env* env = Env::Default();
  journal::Status s;
  Engine engine;
  for (const Command& c : cmds) (void)engine.Apply(c);
  const SeqNo last = cmds.back().seq;
  ASSERT_TRUE(WriteSnapshot(env, dir.path(), {last, cmds.back().time, engine.StateHash()}, engine.SaveSnapshot()).ok());
  journal::JournalPosition from;
  from.next_seq = last - 5;  // a segment that would hold the snapshot's last five commands, and holds none
  auto w = journal::JournalWriter::Open(env, dir.path(), {}, from, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(w->Close().ok());
  RecoveryResult r;
  s = Recover(env, dir.path(), {}, {}, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("is newer"), std::string::npos) << s.ToString();
}

// A writer killed between writing a snapshot's temporary file and renaming it leaves the file behind; sequexd removes
// such files at start. Only those: finished snapshots, segments and other files stay.
TEST(SnapshotTest, ShouldRemoveOnlyTheTemporaryFilesOfUnfinishedSnapshots) {
  TempDir dir;
  Env* env = Env::Default();
  const std::vector<std::string> unfinished = {SnapshotName(16000) + ".tmp", "history-00000000000000016000.snap.tmp"};
  const std::vector<std::string> kept = {SnapshotName(8000), "journal-00000000000000000001.seg", "journal-prepared.tmp",
                                         "notes.snap.tmp.txt", "demo-accounts.json"};
  for (const std::string& name : unfinished) sequex::testing::WriteAll(dir.path() + "/" + name, "partial");
  for (const std::string& name : kept) sequex::testing::WriteAll(dir.path() + "/" + name, "kept");
  std::vector<std::string> removed;
  ASSERT_TRUE(RemoveUnfinishedSnapshots(env, dir.path(), &removed).ok());
  std::sort(removed.begin(), removed.end());
  std::vector<std::string> want = unfinished;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(removed, want);
  for (const std::string& name : unfinished) EXPECT_FALSE(env->FileExists(dir.path() + "/" + name)) << name;
  for (const std::string& name : kept) EXPECT_TRUE(env->FileExists(dir.path() + "/" + name)) << name;
}

TEST(SnapshotTest, ShouldWriteSnapshotsInTheBackground) {
  TempDir dir;
  Engine engine;
  for (const Command& c : SmallFlow(2000)) (void)engine.Apply(c);
  BackgroundSnapshotWriter bg(Env::Default(), dir.path());
  ASSERT_TRUE(bg.Submit({2000, 0, engine.StateHash()}, engine.SaveSnapshot()));
  ASSERT_TRUE(bg.Wait().ok());
  EXPECT_EQ(bg.written(), 1u);
  SnapshotInfo info;
  std::unique_ptr<Engine> e;
  ASSERT_TRUE(ReadSnapshot(Env::Default(), dir.path(), SnapshotName(2000), {}, &info, &e).ok());
  EXPECT_EQ(e->StateHash(), engine.StateHash());
}

// sequexd's retention runs after each snapshot written, on the writer's thread, with the new file in place, and Wait
// returns only after it; a snapshot that failed to write runs nothing.
TEST(SnapshotTest, ShouldRunAfterWriteOncePerSnapshotWrittenBeforeWaitReturns) {
  TempDir dir;
  Engine engine;
  for (const Command& c : SmallFlow(500)) (void)engine.Apply(c);
  std::vector<bool> found_on_disk;  // only the writer's thread appends, and only before Wait returns
  BackgroundSnapshotWriter bg(Env::Default(), dir.path(), BackgroundSnapshotWriter::Kind::kEngine, [&] {
    found_on_disk.push_back(Env::Default()->FileExists(dir.path() + "/" + SnapshotName(500 + found_on_disk.size())));
  });
  ASSERT_TRUE(bg.Submit({500, 0, engine.StateHash()}, engine.SaveSnapshot()));
  ASSERT_TRUE(bg.Wait().ok());
  EXPECT_EQ(found_on_disk, std::vector<bool>{true});
  ASSERT_TRUE(bg.Submit({501, 0, engine.StateHash()}, engine.SaveSnapshot()));
  ASSERT_TRUE(bg.Wait().ok());
  EXPECT_EQ(found_on_disk, (std::vector<bool>{true, true}));

  // A folder that cannot be created (a file stands in its place): the write fails, and nothing runs after it.
  const std::string blocked = dir.path() + "/file";
  sequex::testing::WriteAll(blocked, "x");
  int runs = 0;
  BackgroundSnapshotWriter failing(Env::Default(), blocked + "/sub", BackgroundSnapshotWriter::Kind::kEngine,
                                   [&] { ++runs; });
  ASSERT_TRUE(failing.Submit({500, 0, engine.StateHash()}, engine.SaveSnapshot()));
  EXPECT_FALSE(failing.Wait().ok());
  EXPECT_EQ(runs, 0);
}

// The sequencer and the publisher serialize each snapshot into the buffer the writer finished with: the bytes must
// be exactly those of a fresh string, whatever the buffer held, and the buffer must come back with its memory.
TEST(SnapshotTest, ShouldReuseTheWrittenSnapshotsBufferForTheNext) {
  TempDir dir;
  Engine engine;
  const auto flow = SmallFlow(3000);
  for (size_t i = 0; i < 2000; ++i) (void)engine.Apply(flow[i]);
  BackgroundSnapshotWriter bg(Env::Default(), dir.path());
  EXPECT_EQ(bg.TakeBuffer().capacity(), std::string().capacity());  // nothing written yet: no buffer to give
  std::string first = bg.TakeBuffer();
  engine.SaveSnapshot(&first);
  EXPECT_EQ(first, engine.SaveSnapshot());
  const size_t first_size = first.size();
  ASSERT_TRUE(bg.Submit({2000, 0, engine.StateHash()}, std::move(first)));
  ASSERT_TRUE(bg.Wait().ok());

  std::string reused = bg.TakeBuffer();
  EXPECT_TRUE(reused.empty());
  EXPECT_GE(reused.capacity(), first_size);
  EXPECT_EQ(bg.TakeBuffer().capacity(), std::string().capacity());  // handed out once
  for (size_t i = 2000; i < flow.size(); ++i) (void)engine.Apply(flow[i]);
  reused.assign(first_size + 100, 'x');  // stale bytes, longer than the snapshot may be
  engine.SaveSnapshot(&reused);
  EXPECT_EQ(reused, engine.SaveSnapshot());
  ASSERT_TRUE(bg.Submit({3000, 0, engine.StateHash()}, std::move(reused)));
  ASSERT_TRUE(bg.Wait().ok());
  SnapshotInfo info;
  std::unique_ptr<Engine> e;
  ASSERT_TRUE(ReadSnapshot(Env::Default(), dir.path(), SnapshotName(3000), {}, &info, &e).ok());
  EXPECT_EQ(e->StateHash(), engine.StateHash());
}

TEST(SnapshotTest, ShouldWriteHistorySnapshotsInTheBackgroundAndKeepTheNewestTwo) {
  TempDir dir;
  Engine engine;
  const std::vector<Command> flow = SmallFlow(3000);
  BackgroundSnapshotWriter bg(Env::Default(), dir.path(), BackgroundSnapshotWriter::Kind::kHistory);
  for (size_t i = 0; i < flow.size(); ++i) {
    (void)engine.Apply(flow[i]);
    if ((i + 1) % 1000 == 0) {
      std::string history = "history of " + std::to_string(flow[i].seq);
      ASSERT_TRUE(bg.Submit({flow[i].seq, flow[i].time, engine.StateHash()}, engine.SaveSnapshot(),
                            [history] { return history; }));
      ASSERT_TRUE(bg.Wait().ok());
      EXPECT_FALSE(bg.busy());
    }
  }
  std::vector<SnapshotInfo> kept;
  ASSERT_TRUE(ListHistorySnapshots(Env::Default(), dir.path(), &kept).ok());
  ASSERT_EQ(kept.size(), kHistorySnapshotsKept);
  const SeqNo newest = flow.back().seq - flow.back().seq % 1000;
  EXPECT_EQ(kept.back().name, HistorySnapshotName(newest));
  std::vector<SnapshotInfo> engine_snapshots;
  ASSERT_TRUE(ListSnapshots(Env::Default(), dir.path(), &engine_snapshots).ok());
  EXPECT_TRUE(engine_snapshots.empty());  // history files are not engine snapshots

  SnapshotInfo info;
  std::unique_ptr<Engine> e;
  HistoryBytes history;
  ASSERT_TRUE(ReadHistorySnapshot(Env::Default(), dir.path(), kept.back().name, {}, &info, &e, &history).ok());
  EXPECT_EQ(info.meta.seq, newest);
  EXPECT_EQ(history.bytes, "history of " + std::to_string(newest));
  const size_t history_size = history.bytes.size();
  EXPECT_EQ(e->StateHash(), info.meta.state_hash);

  // Damaged anywhere in the header or the engine bytes, or under another name: refused.
  const std::string path = dir.path() + "/" + kept.back().name;
  std::string bytes;
  ASSERT_TRUE(Env::Default()->ReadFile(path, &bytes).ok());
  for (size_t at : {size_t{3}, size_t{20}, size_t{kHistoryHeaderSize + 40}, bytes.size() - history_size - 2}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 1);
    ASSERT_TRUE(journal::WriteFileAtomically(Env::Default(), dir.path(), kept.back().name, damaged).ok());
    EXPECT_FALSE(ReadHistorySnapshot(Env::Default(), dir.path(), kept.back().name, {}, &info, &e, &history).ok())
        << "byte " << at;
  }
  ASSERT_TRUE(journal::WriteFileAtomically(Env::Default(), dir.path(), HistorySnapshotName(newest + 1), bytes).ok());
  EXPECT_FALSE(
      ReadHistorySnapshot(Env::Default(), dir.path(), HistorySnapshotName(newest + 1), {}, &info, &e, &history).ok());

  // Those past the journal's end are removed; those at or before it stay.
  std::vector<std::string> removed;
  ASSERT_TRUE(RemoveHistorySnapshots(Env::Default(), dir.path(), newest - 1, SIZE_MAX, &removed).ok());
  EXPECT_EQ(removed, (std::vector<std::string>{HistorySnapshotName(newest), HistorySnapshotName(newest + 1)}));
  std::vector<SnapshotInfo> left;
  ASSERT_TRUE(ListHistorySnapshots(Env::Default(), dir.path(), &left).ok());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].name, kept.front().name);
  removed.clear();
  ASSERT_TRUE(RemoveHistorySnapshots(Env::Default(), dir.path(), newest, SIZE_MAX, &removed).ok());
  EXPECT_TRUE(removed.empty());
}

}  // namespace
}  // namespace sequex::snapshot

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/engine.h"
#include "journal/command_codec.h"
#include "journal/journal_reader.h"
#include "journal/journal_writer.h"
#include "journal/test_commands.h"
#include "journal/test_util.h"
#include "snapshot/recovery.h"

namespace sequex::journal {
namespace {

using sequex::testing::TempDir;

// Small pre-sizing: these tests build thousands of engines.
const EngineConfig kSmall{.expected_orders = 64, .expected_accounts = 64};

std::vector<CommandBody> Flow(size_t trading, uint64_t seed = 3) {
  auto flow = sequex::testing::SetupCommands(10);
  auto t = sequex::testing::TradingCommands(seed, trading, 10);
  flow.insert(flow.end(), t.begin(), t.end());
  return flow;
}

// Writes `flow` as commands 1..n, a sync every `batch`, a checkpoint (true engine hash) every `checkpoint`.
void WriteJournal(const std::string& dir, const std::vector<CommandBody>& flow, JournalWriterOptions options = {},
                  size_t batch = 50, size_t checkpoint = 100) {
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir, options, JournalPosition{}, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  Engine engine;
  for (size_t i = 0; i < flow.size(); ++i) {
    const Command c{i + 1, static_cast<TimeNs>(i * 1000), flow[i]};
    ASSERT_TRUE(w->AppendCommand(c).ok());
    (void)engine.Apply(c);
    if ((i + 1) % checkpoint == 0) {
      ASSERT_TRUE(w->AppendCheckpoint(c.seq, c.time, engine.StateHash()).ok());
    }
    if ((i + 1) % batch == 0) {
      ASSERT_TRUE(w->Sync().ok());
    }
  }
  ASSERT_TRUE(w->Close().ok());
}

std::string OnlySegment(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") return e.path().string();
  }
  return {};
}

TEST(JournalTest, ShouldReadBackEveryRecordAcrossSegments) {
  TempDir dir;
  const auto flow = Flow(3000);
  WriteJournal(dir.path(), flow, JournalWriterOptions{.segment_bytes = 16 << 10});
  std::vector<CommandBody> read;
  uint64_t checkpoints = 0;
  JournalScan scan = ScanJournal(Env::Default(), dir.path(), [&](const JournalRecord& r) {
    if (r.type == RecordType::kCheckpoint) {
      ++checkpoints;
      return Status::Ok();
    }
    CommandBody b;
    EXPECT_EQ(DecodeCommandBody(r.payload, &b), CodecError::kOk);
    EXPECT_EQ(r.seq, read.size() + 1);
    EXPECT_EQ(r.time, static_cast<TimeNs>(read.size() * 1000));
    read.push_back(b);
    return Status::Ok();
  });
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_GT(scan.segments.size(), 5u);
  EXPECT_FALSE(scan.torn.present);
  EXPECT_EQ(scan.commands, flow.size());
  EXPECT_EQ(scan.last_seq, flow.size());
  EXPECT_EQ(checkpoints, flow.size() / 100);
  ASSERT_EQ(read.size(), flow.size());
  for (size_t i = 0; i < flow.size(); ++i) {
    std::string a, b;
    ASSERT_TRUE(EncodeCommandBody(flow[i], &a) && EncodeCommandBody(read[i], &b));
    ASSERT_EQ(a, b) << i;
  }
}

TEST(JournalTest, ShouldContinueAnExistingJournalAfterRecovery) {
  TempDir dir;
  const auto flow = Flow(600);
  const std::vector<CommandBody> first(flow.begin(), flow.begin() + 300);
  WriteJournal(dir.path(), first, JournalWriterOptions{.segment_bytes = 8 << 10});
  snapshot::RecoveryResult r;
  ASSERT_TRUE(snapshot::Recover(Env::Default(), dir.path(), {}, {}, &r).ok());
  EXPECT_EQ(r.last_seq, 300u);
  EXPECT_EQ(r.checkpoints_verified, 3u);
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir.path(), {.segment_bytes = 8 << 10}, r.position, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 300; i < flow.size(); ++i) ASSERT_TRUE(w->AppendCommand({i + 1, 0, flow[i]}).ok());
  ASSERT_TRUE(w->Close().ok());
  JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_EQ(scan.last_seq, flow.size());
}

TEST(JournalTest, ShouldTreatACutLastRecordAsATornTailAndTruncateIt) {
  TempDir dir;
  const auto flow = Flow(200);
  WriteJournal(dir.path(), flow);
  const std::string seg = OnlySegment(dir.path());
  const std::string full = sequex::testing::ReadAll(seg);
  JournalScan whole = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(whole.status.ok());
  // Cut inside each of the last few records, at every byte.
  TempDir work;
  for (size_t cut = full.size() - 250; cut < full.size(); ++cut) {
    sequex::testing::CopyDir(dir.path(), work.path());
    const std::string wseg = work.path() + "/" + std::filesystem::path(seg).filename().string();
    sequex::testing::WriteAll(wseg, full.substr(0, cut));
    JournalScan scan = ScanJournal(Env::Default(), work.path(), nullptr);
    ASSERT_TRUE(scan.status.ok()) << cut << ": " << scan.status.ToString();
    snapshot::RecoveryResult r;
    ASSERT_TRUE(snapshot::Recover(Env::Default(), work.path(), kSmall, {}, &r).ok()) << cut;
    EXPECT_EQ(r.torn_tail, scan.torn.present);
    EXPECT_LE(r.last_seq, flow.size());
    EXPECT_GE(r.last_seq, flow.size() - 10);
    // After truncation the journal is clean and can be continued.
    Status s;
    auto w = JournalWriter::Open(Env::Default(), work.path(), {}, r.position, &s);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(w->AppendCommand({r.last_seq + 1, 0, CommandBody{CancelAll{}}}).ok());
    ASSERT_TRUE(w->Close().ok());
    JournalScan after = ScanJournal(Env::Default(), work.path(), nullptr);
    ASSERT_TRUE(after.status.ok()) << cut << ": " << after.status.ToString();
    EXPECT_FALSE(after.torn.present);
    EXPECT_EQ(after.last_seq, r.last_seq + 1);
  }
}

TEST(JournalTest, ShouldDetectEverySingleByteFlip) {
  TempDir dir;
  WriteJournal(dir.path(), Flow(60), JournalWriterOptions{.segment_bytes = 2048}, 10, 20);
  std::vector<std::string> segs;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) segs.push_back(e.path().filename().string());
  ASSERT_GE(segs.size(), 2u);
  size_t flips = 0;
  for (const std::string& name : segs) {
    const std::string path = dir.path() + "/" + name;
    const std::string original = sequex::testing::ReadAll(path);
    for (size_t i = 0; i < original.size(); ++i) {
      for (const int mask : {0x01, 0x80}) {
        if (mask == 0x80 && i % 7 != 0) continue;  // every byte once, the high bit of every 7th too
        std::string bad = original;
        bad[i] = static_cast<char>(bad[i] ^ mask);
        sequex::testing::WriteAll(path, bad);
        JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
        ASSERT_FALSE(scan.status.ok()) << name << " byte " << i;
        // The error names the file and an offset.
        EXPECT_NE(scan.status.message().find(name), std::string::npos) << scan.status.ToString();
        ++flips;
        // Recovery (same scan plus replay) on a sample: each engine built costs a 64k-order pool chunk.
        if (i % 5 != 0) continue;
        snapshot::RecoveryOptions no_changes;
        no_changes.truncate_torn_tail = false;
        snapshot::RecoveryResult r;
        ASSERT_FALSE(snapshot::Recover(Env::Default(), dir.path(), kSmall, no_changes, &r).ok()) << name << " byte " << i;
      }
    }
    sequex::testing::WriteAll(path, original);
  }
  EXPECT_GT(flips, 3000u);
}

TEST(JournalTest, ShouldStopRecoveryOnACheckpointMismatch) {
  TempDir dir;
  const auto flow = Flow(100);
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir.path(), {}, JournalPosition{}, &s);
  for (size_t i = 0; i < flow.size(); ++i) ASSERT_TRUE(w->AppendCommand({i + 1, 0, flow[i]}).ok());
  ASSERT_TRUE(w->AppendCheckpoint(flow.size(), 0, 12345).ok());
  ASSERT_TRUE(w->Close().ok());
  snapshot::RecoveryResult r;
  s = snapshot::Recover(Env::Default(), dir.path(), {}, {}, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("checkpoint hash mismatch"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("seq " + std::to_string(flow.size())), std::string::npos) << s.ToString();
}

// Recovery reads on one thread and applies on another: a mismatch found while the reader is far ahead (blocked on
// its bounded queue) must stop it, and recovery must report that mismatch, not hang or report the reader's stop.
TEST(JournalTest, ShouldStopRecoveryOnACheckpointMismatchWithMuchJournalAfterIt) {
  TempDir dir;
  const auto flow = Flow(30000);
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir.path(), {}, JournalPosition{}, &s);
  const size_t at = 1000;
  for (size_t i = 0; i < flow.size(); ++i) {
    ASSERT_TRUE(w->AppendCommand({i + 1, 0, flow[i]}).ok());
    if (i + 1 == at) {
      ASSERT_TRUE(w->AppendCheckpoint(at, 0, 12345).ok());
    }
  }
  ASSERT_TRUE(w->Close().ok());
  snapshot::RecoveryResult r;
  s = snapshot::Recover(Env::Default(), dir.path(), {}, {}, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("checkpoint hash mismatch"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("seq " + std::to_string(at) + ")"), std::string::npos) << s.ToString();
  EXPECT_EQ(r.replayed, at);  // nothing after the mismatch was applied
}

TEST(JournalTest, ShouldRefuseOutOfOrderSeqWithoutFailing) {
  TempDir dir;
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir.path(), {}, JournalPosition{}, &s);
  EXPECT_EQ(w->AppendCommand({2, 0, CancelAll{}}).code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(w->failed());
  EXPECT_TRUE(w->AppendCommand({1, 0, CancelAll{}}).ok());
}

struct FaultCase {
  FaultInjectionEnv::Fault fault;
  uint64_t after;
};

class JournalFaultTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(JournalFaultTest, ShouldFailClosedAndKeepEverythingSyncedBeforeTheFault) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const auto flow = Flow(400);
  Status s;
  auto w = JournalWriter::Open(&env, dir.path(), {.segment_bytes = 8 << 10, .write_buffer_bytes = 1 << 20},
                               JournalPosition{}, &s);
  ASSERT_TRUE(s.ok());
  env.FailAfter(GetParam().fault, GetParam().after);
  SeqNo acked = 0;  // highest seq whose Sync returned OK
  SeqNo appended = 0;
  for (size_t i = 0; i < flow.size(); ++i) {
    if (!w->AppendCommand({i + 1, 0, flow[i]}).ok()) break;
    appended = i + 1;
    if ((i + 1) % 10 == 0) {
      if (!w->Sync().ok()) break;
      acked = i + 1;
    }
  }
  ASSERT_TRUE(w->failed());
  ASSERT_LT(acked, flow.size());
  EXPECT_EQ(w->AppendCommand({appended + 1, 0, flow[0]}).code(), Status::Code::kFailedClosed);
  EXPECT_EQ(w->Sync().code(), Status::Code::kFailedClosed);
  w.reset();
  env.Clear();
  // Power loss: whatever was not synced is gone. Everything acknowledged must still be there.
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  snapshot::RecoveryResult r;
  s = snapshot::Recover(Env::Default(), dir.path(), {}, {}, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(r.last_seq, acked);
}

INSTANTIATE_TEST_SUITE_P(Faults, JournalFaultTest,
                         ::testing::Values(FaultCase{FaultInjectionEnv::Fault::kShortWrite, 3},
                                           FaultCase{FaultInjectionEnv::Fault::kShortWrite, 0},
                                           FaultCase{FaultInjectionEnv::Fault::kEnospc, 5},
                                           FaultCase{FaultInjectionEnv::Fault::kEnospc, 0},
                                           FaultCase{FaultInjectionEnv::Fault::kEioOnSync, 4},
                                           FaultCase{FaultInjectionEnv::Fault::kEioOnSync, 0}));

TEST(JournalTest, ShouldTruncateAtASeqOnOperatorRequest) {
  TempDir dir;
  WriteJournal(dir.path(), Flow(500), JournalWriterOptions{.segment_bytes = 4096});
  std::string report;
  ASSERT_TRUE(TruncateJournalAt(Env::Default(), dir.path(), 250, &report).ok()) << report;
  JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_EQ(scan.last_seq, 249u);
  // Corrupt a record in the middle: truncation at that seq repairs the journal.
  const std::string seg = dir.path() + "/" + scan.segments.back().name;
  std::string data = sequex::testing::ReadAll(seg);
  data[kSegmentHeaderSize + kRecordHeaderSize + 2] ^= 0x10;  // payload of the segment's first record
  sequex::testing::WriteAll(seg, data);
  scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_FALSE(scan.status.ok());
  const SeqNo bad = scan.last_seq + 1;
  EXPECT_FALSE(TruncateJournalAt(Env::Default(), dir.path(), bad + 5, &report).ok());
  ASSERT_TRUE(TruncateJournalAt(Env::Default(), dir.path(), bad, &report).ok()) << report;
  scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_EQ(scan.last_seq, bad - 1);
}

}  // namespace
}  // namespace sequex::journal

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "journal/command_codec.h"
#include "journal/journal_reader.h"
#include "journal/journal_writer.h"
#include "journal/record_checksum.h"
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

TEST(RecordChecksumTest, ShouldEqualXxh3OfTheHeaderPrefixFollowedByThePayloadAtEverySize) {
  // The format defines the checksum as XXH3-64 of the concatenation; small records take a one-shot path over a copy,
  // larger ones the streaming API. Both sides of the switch, and the largest payload, must give the format's value.
  std::string bytes(kRecordChecksumOffset + kMaxRecordPayload, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131 + 7) % 251);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 1024; ++n) sizes.push_back(n);
  sizes.push_back(kMaxRecordPayload);
  for (size_t n : sizes) {
    const std::string_view payload(bytes.data() + kRecordChecksumOffset, n);
    EXPECT_EQ(RecordChecksum(bytes.data(), payload), XXH3_64bits(bytes.data(), kRecordChecksumOffset + n))
        << "payload of " << n << " bytes";
  }
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

TEST(JournalTest, ShouldReadSegmentsLongerThanItsReadWindowWithRecordsStraddlingTheRefills) {
  // The scanner reads a segment through a window of about a megabyte: in segments of megabytes, records straddle
  // its refills many times. Every record must come back, damage deep in a segment must be found at the record it
  // hit, and a cut-short batch near the end of a long segment must still read as a torn tail.
  TempDir dir;
  const auto flow = Flow(60000);
  WriteJournal(dir.path(), flow, JournalWriterOptions{.segment_bytes = 3 << 20}, 1000, 5000);
  struct Where {
    std::string segment;
    uint64_t offset;
  };
  std::vector<Where> records;  // of the commands, in order
  const JournalScan clean = ScanJournal(Env::Default(), dir.path(), [&](const JournalRecord& r) {
    if (r.type == RecordType::kCheckpoint) return Status::Ok();
    EXPECT_EQ(r.seq, records.size() + 1);
    CommandBody b;
    std::string want, got;
    EXPECT_EQ(DecodeCommandBody(r.payload, &b), CodecError::kOk);
    EXPECT_TRUE(EncodeCommandBody(flow[records.size()], &want) && EncodeCommandBody(b, &got));
    EXPECT_EQ(got, want) << "seq " << r.seq;
    records.push_back(Where{std::string(r.segment), r.offset});
    return Status::Ok();
  });
  ASSERT_TRUE(clean.status.ok()) << clean.status.ToString();
  EXPECT_FALSE(clean.torn.present);
  ASSERT_EQ(records.size(), flow.size());
  ASSERT_GE(clean.segments.size(), 2u);
  ASSERT_GT(clean.segments[0].bytes, 2u << 20);
  for (size_t i = 0; i + 1 < clean.segments.size(); ++i) {
    EXPECT_EQ(std::filesystem::file_size(dir.path() + "/" + clean.segments[i].name), clean.segments[i].bytes);
  }

  const Where deep = *std::find_if(records.begin(), records.end(), [](const Where& w) { return w.offset > 2u << 20; });
  ASSERT_EQ(deep.segment, clean.segments[0].name);
  const std::string path = dir.path() + "/" + deep.segment;
  const std::string original = sequex::testing::ReadAll(path);
  std::string bad = original;
  bad[deep.offset + kRecordHeaderSize] ^= 0x01;  // the record's first payload byte
  sequex::testing::WriteAll(path, bad);
  JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  EXPECT_FALSE(scan.status.ok());
  EXPECT_NE(scan.status.message().find(deep.segment + " offset " + std::to_string(deep.offset)), std::string::npos)
      << scan.status.ToString();
  sequex::testing::WriteAll(path, original);

  const Where last = records.back();
  ASSERT_EQ(last.segment, clean.segments.back().name);
  const std::string last_path = dir.path() + "/" + last.segment;
  std::string cut = sequex::testing::ReadAll(last_path);
  std::fill_n(cut.begin() + static_cast<std::ptrdiff_t>(last.offset), 8, '\0');  // its length word never written
  sequex::testing::WriteAll(last_path, cut);
  scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_TRUE(scan.torn.present);
  EXPECT_EQ(scan.torn.offset, last.offset);
  EXPECT_EQ(scan.last_seq, flow.size() - 1);
}

// Reads segments through the real files, but every read fails with EIO once `fail_at` bytes of a file were read.
class FailingReadEnv final : public EnvWrapper {
 public:
  explicit FailingReadEnv(uint64_t fail_at) : EnvWrapper(Env::Default()), fail_at_(fail_at) {}
  Status NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) override {
    std::unique_ptr<SequentialFile> file;
    Status s = target()->NewSequentialFile(path, &file);
    if (s.ok()) *out = std::make_unique<FailingFile>(std::move(file), fail_at_);
    return s;
  }

 private:
  class FailingFile final : public SequentialFile {
   public:
    FailingFile(std::unique_ptr<SequentialFile> base, uint64_t fail_at) : base_(std::move(base)), fail_at_(fail_at) {}
    Status Read(size_t n, char* scratch, size_t* got) override {
      if (read_ >= fail_at_) return Status::IoError("read: Input/output error (EIO)");
      Status s = base_->Read(std::min<uint64_t>(n, fail_at_ - read_), scratch, got);
      read_ += *got;
      return s;
    }

   private:
    std::unique_ptr<SequentialFile> base_;
    uint64_t fail_at_;
    uint64_t read_ = 0;
  };
  uint64_t fail_at_;
};

TEST(JournalTest, ShouldStopAScanAndRecoveryAtAReadErrorInTheMiddleOfASegment) {
  TempDir dir;
  const auto flow = Flow(30000);
  WriteJournal(dir.path(), flow, JournalWriterOptions{.segment_bytes = 64 << 20}, 1000, 5000);
  const JournalScan clean = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(clean.status.ok());
  ASSERT_GT(clean.segments[0].bytes, 2u << 20);
  FailingReadEnv env(1u << 20);  // past the first refill of the read window
  SeqNo last_seen = 0;
  const JournalScan scan = ScanJournal(&env, dir.path(), [&](const JournalRecord& r) {
    if (r.type == RecordType::kCommand) last_seen = r.seq;
    return Status::Ok();
  });
  EXPECT_EQ(scan.status.code(), Status::Code::kIoError) << scan.status.ToString();
  EXPECT_FALSE(scan.torn.present);  // an unreadable segment is not a torn one: nothing may be cut off
  EXPECT_GT(last_seen, 0u);
  EXPECT_LT(last_seen, flow.size());
  const std::string segment = dir.path() + "/" + clean.segments[0].name;
  const uint64_t size_before = std::filesystem::file_size(segment);
  snapshot::RecoveryResult r;
  const Status recovered = snapshot::Recover(&env, dir.path(), kSmall, snapshot::RecoveryOptions{}, &r);
  EXPECT_EQ(recovered.code(), Status::Code::kIoError) << recovered.ToString();
  EXPECT_EQ(std::filesystem::file_size(segment), size_before);  // recovery failed; it truncated nothing
}

TEST(JournalTest, ShouldStartAScanFromTheSegmentThatHoldsTheGivenSeq) {
  TempDir dir;
  const auto flow = Flow(3000);
  WriteJournal(dir.path(), flow, JournalWriterOptions{.segment_bytes = 16 << 10});
  const JournalScan whole = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(whole.status.ok());
  ASSERT_GT(whole.segments.size(), 5u);
  for (const SeqNo from : {SeqNo{0}, SeqNo{1}, whole.segments[3].first_seq - 1, whole.segments[3].first_seq,
                           whole.segments[3].first_seq + 1, SeqNo{flow.size()}, SeqNo{flow.size() + 100}}) {
    SeqNo first_seen = 0;
    SeqNo last_seen = 0;
    const JournalScan scan = ScanJournalFrom(Env::Default(), dir.path(), from, [&](const JournalRecord& r) {
      if (r.type == RecordType::kCommand) {
        if (first_seen == 0) first_seen = r.seq;
        EXPECT_TRUE(last_seen == 0 || r.seq == last_seen + 1);
        last_seen = r.seq;
      }
      return Status::Ok();
    });
    ASSERT_TRUE(scan.status.ok()) << from << ": " << scan.status.ToString();
    // Every command from `from` on is seen, and no more than the segment before it is read.
    EXPECT_LE(first_seen, std::max<SeqNo>(from, 1)) << from;
    EXPECT_EQ(last_seen, flow.size()) << from;
    EXPECT_EQ(scan.last_seq, whole.last_seq);
    EXPECT_EQ(scan.position.next_seq, whole.position.next_seq);
    ASSERT_FALSE(scan.segments.empty());
    EXPECT_LE(scan.segments.front().first_seq, std::max<SeqNo>(from, 1)) << from;
    EXPECT_EQ(scan.segments.front().first_seq, first_seen) << from;
    EXPECT_EQ(scan.segments.back().name, whole.segments.back().name);
  }
  // From a seq inside the fourth segment, the first three are not read.
  EXPECT_EQ(ScanJournalFrom(Env::Default(), dir.path(), whole.segments[3].first_seq + 1, nullptr).segments.size(),
            whole.segments.size() - 3);
}

TEST(EnvTest, ShouldGiveAWholeFileMappedOrReadWithTheSameBytes) {
  TempDir dir;
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir.path(), "big", big).ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir.path(), "empty", "").ok());
  FaultInjectionEnv reading(Env::Default());  // an Env without a mapping of its own: the default reads
  for (Env* env : {Env::Default(), static_cast<Env*>(&reading)}) {
    std::unique_ptr<FileContents> file;
    ASSERT_TRUE(env->MapFile(dir.path() + "/big", &file).ok());
    EXPECT_EQ(file->bytes(), big);
    // Replaced by rename while in use, as snapshots are: what was mapped stays readable and unchanged.
    ASSERT_TRUE(WriteFileAtomically(env, dir.path(), "big", "replaced").ok());
    EXPECT_EQ(file->bytes(), big);
    ASSERT_TRUE(WriteFileAtomically(env, dir.path(), "big", big).ok());
    std::unique_ptr<FileContents> empty;
    ASSERT_TRUE(env->MapFile(dir.path() + "/empty", &empty).ok());
    EXPECT_TRUE(empty->bytes().empty());
    std::unique_ptr<FileContents> missing;
    EXPECT_EQ(env->MapFile(dir.path() + "/missing", &missing).code(), Status::Code::kNotFound);
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
  // Plain appends, so that the file ends where the records do (pre-written segments: the next two tests).
  WriteJournal(dir.path(), flow, JournalWriterOptions{.prewritten_segments = false});
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
  const JournalScan clean = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(clean.status.ok() && !clean.torn.present);
  const std::string& last = clean.segments.back().name;
  std::vector<std::string> segs;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().extension() == ".seg") segs.push_back(e.path().filename().string());
  }
  ASSERT_GE(segs.size(), 2u);
  size_t flips = 0;
  size_t flips_in_zeros = 0;
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
        ++flips;
        if (name == last && i >= clean.segments.back().bytes) {
          // In the last segment's pre-written zeros, past every record: corruption, or a torn tail that starts
          // where the records end (a byte there can pass for the start of a batch cut short) — never a lost record.
          ++flips_in_zeros;
          ASSERT_TRUE(!scan.status.ok() || (scan.torn.present && scan.torn.offset == clean.segments.back().bytes &&
                                            scan.last_seq == clean.last_seq))
              << name << " byte " << i;
          continue;
        }
        ASSERT_FALSE(scan.status.ok()) << name << " byte " << i;
        // The error names the file and an offset.
        EXPECT_NE(scan.status.message().find(name), std::string::npos) << scan.status.ToString();
        // Recovery (same scan plus replay) on a sample: each engine built costs a 64k-order pool chunk.
        if (i % 5 != 0) continue;
        snapshot::RecoveryOptions no_changes;
        no_changes.truncate_torn_tail = false;
        snapshot::RecoveryResult r;
        ASSERT_FALSE(snapshot::Recover(Env::Default(), dir.path(), kSmall, no_changes, &r).ok())
            << name << " byte " << i;
      }
    }
    sequex::testing::WriteAll(path, original);
  }
  EXPECT_GT(flips, 3000u);
  EXPECT_GT(flips_in_zeros, 0u);  // the last segment is pre-written
}

uint64_t FileBytes(const std::string& path) { return std::filesystem::file_size(path); }

TEST(JournalTest, ShouldPreWriteSegmentsAndCutSealedOnesToTheirRecords) {
  TempDir dir;
  WriteJournal(dir.path(), Flow(600), JournalWriterOptions{.segment_bytes = 8 << 10});
  JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  ASSERT_GT(scan.segments.size(), 3u);
  EXPECT_FALSE(scan.torn.present);
  for (size_t i = 0; i + 1 < scan.segments.size(); ++i) {
    EXPECT_EQ(FileBytes(dir.path() + "/" + scan.segments[i].name), scan.segments[i].bytes) << scan.segments[i].name;
  }
  // The live segment keeps its zeros: the records end before the file does.
  const auto& last = scan.segments.back();
  EXPECT_EQ(FileBytes(dir.path() + "/" + last.name), 8u << 10);
  EXPECT_LT(last.bytes, 8u << 10);
  // A restart continues over them, and what it writes reads back after the old records.
  snapshot::RecoveryResult r;
  ASSERT_TRUE(snapshot::Recover(Env::Default(), dir.path(), kSmall, {}, &r).ok());
  EXPECT_FALSE(r.torn_tail);
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir.path(), {.segment_bytes = 8 << 10}, r.position, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (SeqNo seq = r.last_seq + 1; seq <= r.last_seq + 200; ++seq) {
    ASSERT_TRUE(w->AppendCommand({seq, 0, CancelAll{}}).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  JournalScan after = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_FALSE(after.torn.present);
  EXPECT_EQ(after.last_seq, r.last_seq + 200);
}

// Writes commands 1..first (synced), then first+1..first+second as one more write; returns the offsets in the
// single segment where the second write starts and ends.
std::pair<uint64_t, uint64_t> WriteTwoBatches(const std::string& dir, size_t first, size_t second) {
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir, {.segment_bytes = 64 << 10}, JournalPosition{}, &s);
  EXPECT_TRUE(s.ok());
  const auto flow = Flow(first + second);
  for (size_t i = 0; i < first; ++i) EXPECT_TRUE(w->AppendCommand({i + 1, 0, flow[i]}).ok());
  EXPECT_TRUE(w->Sync().ok());
  const uint64_t begin = ScanJournal(Env::Default(), dir, nullptr).bytes;
  for (size_t i = first; i < first + second; ++i) EXPECT_TRUE(w->AppendCommand({i + 1, 0, flow[i]}).ok());
  EXPECT_TRUE(w->Close().ok());
  return {begin, ScanJournal(Env::Default(), dir, nullptr).bytes};
}

TEST(JournalTest, ShouldTreatABatchCutShortAsATornTailAndContinueAfterIt) {
  TempDir dir;
  const auto [begin, end] = WriteTwoBatches(dir.path(), 100, 50);
  const std::string seg = OnlySegment(dir.path());
  const std::string full = sequex::testing::ReadAll(seg);
  ASSERT_GT(full.size(), end);  // pre-written zeros follow the records
  // A crash inside the write of the second batch: its first 8 bytes (written last) are missing, and it stops
  // somewhere; pre-written zeros follow.
  const auto at = [](uint64_t offset) { return static_cast<std::ptrdiff_t>(offset); };
  for (const uint64_t cut :
       {uint64_t{8}, uint64_t{9}, uint64_t{20}, uint64_t{47}, uint64_t{200}, end - begin - 1, end - begin}) {
    std::string bad = full;
    std::fill(bad.begin() + at(begin), bad.begin() + at(begin + 8), '\0');
    std::fill(bad.begin() + at(begin + cut), bad.begin() + at(end), '\0');
    sequex::testing::WriteAll(seg, bad);
    JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
    ASSERT_TRUE(scan.status.ok()) << cut << ": " << scan.status.ToString();
    ASSERT_EQ(scan.torn.present, cut > 8) << cut;  // cut at 8: nothing of it was written, a clean end
    EXPECT_EQ(scan.torn.offset, scan.torn.present ? begin : 0u);
    EXPECT_EQ(scan.last_seq, 100u);
  }
  // Cut inside the 8-byte write itself: that happens only at a page boundary (next test). Not at one: corruption.
  const uint64_t to_boundary = kWritePageBytes - begin % kWritePageBytes;
  if (to_boundary > 4) {
    std::string half_word = full;
    std::fill(half_word.begin() + at(begin + 4), half_word.begin() + at(begin + 8), '\0');
    sequex::testing::WriteAll(seg, half_word);
    EXPECT_EQ(ScanJournal(Env::Default(), dir.path(), nullptr).status.code(), Status::Code::kCorruption) << begin;
  }
  std::string cut_batch = full;
  std::fill(cut_batch.begin() + at(begin), cut_batch.begin() + at(begin + 8), '\0');
  std::fill(cut_batch.begin() + at(begin + 100), cut_batch.begin() + at(end), '\0');
  sequex::testing::WriteAll(seg, cut_batch);
  // Recovery cuts it off; the journal continues from command 101.
  snapshot::RecoveryResult r;
  ASSERT_TRUE(snapshot::Recover(Env::Default(), dir.path(), kSmall, {}, &r).ok());
  EXPECT_TRUE(r.torn_tail);
  EXPECT_EQ(r.last_seq, 100u);
  EXPECT_EQ(FileBytes(seg), begin);
  Status s;
  auto w = JournalWriter::Open(Env::Default(), dir.path(), {}, r.position, &s);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(w->AppendCommand({101, 0, CancelAll{}}).ok());
  ASSERT_TRUE(w->Close().ok());
  JournalScan after = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_FALSE(after.torn.present);
  EXPECT_EQ(after.last_seq, 101u);
}

TEST(JournalTest, ShouldTreatALengthWordCutAtAPageBoundaryAsATornTail) {
  TempDir dir;
  WriteJournal(dir.path(), Flow(800), JournalWriterOptions{.segment_bytes = 1 << 20});
  // A record whose length word straddles a page boundary; a kill inside that 8-byte write leaves the bytes before
  // the boundary.
  std::vector<uint64_t> offsets;
  std::vector<SeqNo> seqs;
  const JournalScan whole = ScanJournal(Env::Default(), dir.path(), [&](const JournalRecord& r) {
    offsets.push_back(r.offset);
    seqs.push_back(r.type == RecordType::kCommand ? r.seq : 0);
    return Status::Ok();
  });
  ASSERT_TRUE(whole.status.ok());
  size_t pick = 0;
  while (pick < offsets.size() && (seqs[pick] == 0 || offsets[pick] % kWritePageBytes <= kWritePageBytes - 8)) ++pick;
  ASSERT_LT(pick, offsets.size()) << "no record straddles a page boundary";
  const std::string seg = OnlySegment(dir.path());
  std::string bad = sequex::testing::ReadAll(seg);
  const uint64_t boundary = (offsets[pick] / kWritePageBytes + 1) * kWritePageBytes;
  std::fill(bad.begin() + static_cast<std::ptrdiff_t>(boundary),
            bad.begin() + static_cast<std::ptrdiff_t>(offsets[pick] + 8), '\0');
  sequex::testing::WriteAll(seg, bad);
  JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  ASSERT_TRUE(scan.torn.present);
  EXPECT_EQ(scan.torn.offset, offsets[pick]);
  EXPECT_EQ(scan.last_seq, seqs[pick] - 1);
}

TEST(JournalTest, ShouldReportBytesInThePreWrittenZerosThatNoCrashExplainsAsCorruption) {
  TempDir dir;
  const auto [begin, end] = WriteTwoBatches(dir.path(), 100, 50);
  const std::string seg = OnlySegment(dir.path());
  const std::string full = sequex::testing::ReadAll(seg);
  const auto corrupt = [&](uint64_t at, char value) {
    std::string bad = full;
    bad[at] = value;
    sequex::testing::WriteAll(seg, bad);
    return ScanJournal(Env::Default(), dir.path(), nullptr);
  };
  for (const uint64_t at : {end + 100, end + 9, uint64_t{full.size() - 1}}) {
    JournalScan scan = corrupt(at, 0x55);
    ASSERT_EQ(scan.status.code(), Status::Code::kCorruption) << at;
    EXPECT_NE(scan.status.message().find("no cut-short write explains"), std::string::npos) << scan.status.ToString();
    EXPECT_NE(scan.status.message().find("offset " + std::to_string(end)), std::string::npos) << scan.status.ToString();
  }
  // A record's first bytes where one could start, but not the record that must come next (wrong seq).
  std::string bad = full;
  bad[end + 8] = 1;      // type: command
  bad[end + 16] = 0x7f;  // seq 127, not 151
  sequex::testing::WriteAll(seg, bad);
  EXPECT_EQ(ScanJournal(Env::Default(), dir.path(), nullptr).status.code(), Status::Code::kCorruption);
}

// Lets every write through but refuses to create the pre-written segment, as a full disk would.
class NoRoomForPreparedSegments final : public EnvWrapper {
 public:
  NoRoomForPreparedSegments() : EnvWrapper(Env::Default()) {}
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    if (path.ends_with(kPreparedSegmentName)) {
      ++refused;
      return Status::IoError("open " + path + ": No space left on device (ENOSPC)");
    }
    return target()->NewWritableFile(path, out);
  }
  int refused = 0;
};

TEST(JournalTest, ShouldFallBackToPlainSegmentsWhenNoneCanBePreWritten) {
  TempDir dir;
  NoRoomForPreparedSegments env;
  Status s;
  auto w = JournalWriter::Open(&env, dir.path(), {.segment_bytes = 4 << 10}, JournalPosition{}, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const auto flow = Flow(400);
  for (size_t i = 0; i < flow.size(); ++i) {
    ASSERT_TRUE(w->AppendCommand({i + 1, 0, flow[i]}).ok());
    if (i % 10 == 9) {
      ASSERT_TRUE(w->Sync().ok());
    }
  }
  ASSERT_TRUE(w->Close().ok());
  w.reset();
  EXPECT_GT(env.refused, 3);
  JournalScan scan = ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_GT(scan.segments.size(), 3u);
  EXPECT_EQ(scan.last_seq, flow.size());
  for (const auto& seg : scan.segments) EXPECT_EQ(FileBytes(dir.path() + "/" + seg.name), seg.bytes) << seg.name;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + std::string(kPreparedSegmentName)));
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

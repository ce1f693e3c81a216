#include "sequencer/sequencer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "journal/journal_reader.h"
#include "journal/test_commands.h"
#include "journal/test_util.h"
#include "sequencer/mpsc_ring.h"
#include "sequencer/pipeline_bench.h"
#include "snapshot/recovery.h"

namespace sequex::sequencer {
namespace {

using journal::Env;
using journal::FaultInjectionEnv;
using sequex::testing::TempDir;

class RecordingSink final : public AckSink {
 public:
  void OnComplete(const Completion& c) override {
    if (c.status == AckStatus::kApplied) {
      acked.push_back(c.seq);
    } else {
      ++not_applied;
    }
  }
  std::vector<SeqNo> acked;
  uint64_t not_applied = 0;
};

class StepClock final : public Clock {
 public:
  TimeNs NowNs() override { return t += 10; }
  TimeNs t = 1000;
};

class ZeroClock final : public Clock {
 public:
  TimeNs NowNs() override { return 0; }
};

std::vector<CommandBody> Flow(size_t n) {
  auto f = sequex::testing::SetupCommands(10);
  auto t = sequex::testing::TradingCommands(5, n, 10);
  f.insert(f.end(), t.begin(), t.end());
  return f;
}

TEST(MpscRingTest, ShouldRejectPushWhenFullAndNeverBlock) {
  // Strings longer than the small-string buffer, so that a move really empties the source.
  const auto text = [](int i) { return std::string(40, static_cast<char>('a' + i)); };
  MpscRing<std::string> ring(4);
  for (int i = 0; i < 4; ++i) {
    std::string v = text(i);
    ASSERT_EQ(ring.TryPush(std::move(v)), RingOffer::kOk);
  }
  std::string extra = text(9);
  EXPECT_EQ(ring.TryPush(std::move(extra)), RingOffer::kBackPressured);
  // A refused push leaves the value with the caller, so that a retry loop can offer it again.
  EXPECT_EQ(extra, text(9));  // NOLINT(bugprone-use-after-move): TryPush moves only on kOk
  std::string out;
  ASSERT_TRUE(ring.TryPop(&out));
  EXPECT_EQ(out, text(0));
  EXPECT_EQ(ring.TryPush(std::move(extra)), RingOffer::kOk);  // NOLINT(bugprone-use-after-move): as above
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(ring.TryPop(&out));
    EXPECT_EQ(out, text(i == 4 ? 9 : i));
  }
}

TEST(MpscRingTest, ShouldDeliverEveryValueFromManyProducersInPerProducerOrder) {
  MpscRing<uint64_t> ring(256);
  constexpr int kProducers = 4;
  constexpr uint64_t kEach = 50000;
  std::vector<std::thread> producers;
  producers.reserve(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&ring, p] {
      for (uint64_t i = 0; i < kEach; ++i) {
        uint64_t v = (static_cast<uint64_t>(p) << 32) | i;
        // NOLINTNEXTLINE(bugprone-use-after-move): TryPush moves only on kOk
        while (ring.TryPush(std::move(v)) != RingOffer::kOk) std::this_thread::yield();
      }
    });
  }
  std::vector<uint64_t> next(kProducers, 0);
  uint64_t got = 0, v = 0;
  while (got < kProducers * kEach) {
    if (!ring.TryPop(&v)) continue;
    const auto p = static_cast<size_t>(v >> 32);
    ASSERT_EQ(v & 0xFFFFFFFF, next[p]);
    ++next[p];
    ++got;
  }
  for (auto& t : producers) t.join();
}

TEST(SequencerTest, ShouldJournalBeforeApplyingAndAckInSequence) {
  TempDir dir;
  journal::Status s;
  auto writer = journal::JournalWriter::Open(Env::Default(), dir.path(), {}, {}, &s);
  ASSERT_TRUE(s.ok());
  Engine engine;
  RecordingSink sink;
  StepClock clock;
  SequencerOptions o;
  o.checkpoint_interval = 100;
  o.max_batch = 64;
  o.clock = &clock;
  Sequencer seq(&engine, writer.get(), nullptr, &sink, o, 1, 0);
  const auto flow = Flow(2000);
  for (size_t i = 0; i < flow.size(); ++i) {
    ASSERT_EQ(seq.Submit({flow[i], i, 0}), Offer::kOk);
    if (i % 50 == 49) (void)seq.DoWork();
  }
  PlaceOrder bad;
  bad.side = static_cast<Side>(9);
  ASSERT_EQ(seq.Submit({bad, 99999, 0}), Offer::kOk);
  seq.Stop();
  ASSERT_FALSE(seq.failed());
  ASSERT_EQ(sink.acked.size(), flow.size());
  EXPECT_EQ(sink.not_applied, 1u);  // the unjournalable one, refused without a seq
  for (size_t i = 0; i < sink.acked.size(); ++i) ASSERT_EQ(sink.acked[i], i + 1);
  ASSERT_TRUE(writer->Close().ok());
  snapshot::RecoveryResult r;
  ASSERT_TRUE(snapshot::Recover(Env::Default(), dir.path(), {}, {}, &r).ok());
  EXPECT_EQ(r.last_seq, flow.size());
  EXPECT_EQ(r.engine->StateHash(), engine.StateHash());
  EXPECT_GT(r.checkpoints_verified, 10u);
}

class SequencerFaultTest : public ::testing::TestWithParam<FaultInjectionEnv::Fault> {};

TEST_P(SequencerFaultTest, ShouldFailClosedAndNeverAckWhatIsNotDurable) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  journal::Status s;
  auto writer =
      journal::JournalWriter::Open(&env, dir.path(), {.segment_bytes = 1 << 20, .write_buffer_bytes = 1 << 20}, {}, &s);
  ASSERT_TRUE(s.ok());
  Engine engine;
  RecordingSink sink;
  SequencerOptions o;
  o.max_batch = 32;
  ZeroClock clock;
  o.clock = &clock;
  Sequencer seq(&engine, writer.get(), nullptr, &sink, o, 1, 0);
  env.FailAfter(GetParam(), 5);
  const auto flow = Flow(1000);
  size_t submitted = 0;
  for (size_t i = 0; i < flow.size(); ++i) {
    const Offer offer = seq.Submit({flow[i], i, 0});
    if (offer == Offer::kClosed) break;
    ASSERT_EQ(offer, Offer::kOk);
    ++submitted;
    if (i % 32 == 31) (void)seq.DoWork();
  }
  seq.Stop();
  ASSERT_TRUE(seq.failed());
  EXPECT_FALSE(seq.error().ok());
  EXPECT_LT(sink.acked.size(), flow.size());
  EXPECT_EQ(sink.acked.size() + sink.not_applied, submitted);
  EXPECT_EQ(seq.Submit({flow[0], 0, 0}), Offer::kClosed);
  writer.reset();
  env.Clear();
  ASSERT_TRUE(env.DropUnsyncedData().ok());  // power loss
  snapshot::RecoveryResult r;
  ASSERT_TRUE(snapshot::Recover(Env::Default(), dir.path(), {}, {}, &r).ok());
  ASSERT_GE(r.last_seq, sink.acked.empty() ? 0 : sink.acked.back());  // every ack survived
  // What was applied to the live engine is exactly the acked prefix.
  Engine replay;
  for (size_t i = 0; i < sink.acked.size(); ++i) (void)replay.Apply({i + 1, 0, flow[i]});
  EXPECT_EQ(replay.StateHash(), engine.StateHash());
}

INSTANTIATE_TEST_SUITE_P(Faults, SequencerFaultTest,
                         ::testing::Values(FaultInjectionEnv::Fault::kShortWrite, FaultInjectionEnv::Fault::kEnospc,
                                           FaultInjectionEnv::Fault::kEioOnSync));

TEST(PipelineBenchTest, ShouldRunBothPoliciesToTheSameState) {
  TempDir dir;
  std::vector<Command> cmds;
  const auto flow = Flow(20000);
  for (size_t i = 0; i < flow.size(); ++i) cmds.push_back({i + 1, 0, flow[i]});
  PipelineOptions o;
  ZeroClock clock;
  o.clock = &clock;
  o.durability = Durability::kMemory;
  const PipelineResult mem = RunPipeline(cmds, 1000, o);
  ASSERT_EQ(mem.error, "");
  o.durability = Durability::kJournal;
  o.data_dir = dir.path();
  const PipelineResult jr = RunPipeline(cmds, 1000, o);
  ASSERT_EQ(jr.error, "");
  EXPECT_EQ(mem.state_hash, jr.state_hash);
  EXPECT_EQ(jr.latency.Count(), cmds.size() - 1000);
  EXPECT_GT(jr.syncs, 0u);
  journal::JournalScan scan = journal::ScanJournal(Env::Default(), dir.path(), nullptr);
  ASSERT_TRUE(scan.status.ok());
  EXPECT_EQ(scan.last_seq, cmds.size());
  std::printf("pipeline (20k small flow): memory %.0f cmd/s p99 %llu ns; journal %.0f cmd/s p99 %llu ns, %llu syncs\n",
              mem.ops_per_sec, static_cast<unsigned long long>(mem.latency.Percentile(99)), jr.ops_per_sec,
              static_cast<unsigned long long>(jr.latency.Percentile(99)), static_cast<unsigned long long>(jr.syncs));
}

TEST(PipelineBenchTest, ShouldNotChargeTheWarmUpBacklogToTheMeasuredCommands) {
  // One fdatasync per command, and a warm-up that fills the ring: its backlog takes most of the run to drain.
  TempDir dir;
  std::vector<Command> cmds;
  const auto flow = Flow(1000);
  for (size_t i = 0; i < flow.size(); ++i) cmds.push_back({i + 1, 0, flow[i]});
  const size_t measured = 20;
  PipelineOptions o;
  ZeroClock clock;
  o.clock = &clock;
  o.data_dir = dir.path();
  o.max_batch = 1;
  o.ring_capacity = 1024;
  const auto t0 = std::chrono::steady_clock::now();
  const PipelineResult r = RunPipeline(cmds, cmds.size() - measured, o);
  const auto whole_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.latency.Count(), measured);
  // Charged the backlog, the first measured command waited about the whole run; its own 20 syncs are ~2% of it.
  EXPECT_LT(r.latency.Max(), whole_ns / 4) << "whole run " << whole_ns << " ns";
  EXPECT_LT(r.seconds * 1e9, static_cast<double>(whole_ns) / 4);
}

}  // namespace
}  // namespace sequex::sequencer

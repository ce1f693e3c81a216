#include "sequencer/pipeline_bench.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "journal/data_dir_lock.h"
#include "journal/journal_format.h"
#include "snapshot/snapshot_store.h"

namespace sequex::sequencer {
namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

class BenchSink final : public AckSink {
 public:
  BenchSink(size_t warmup, LatencyHistogram* h) : warmup_(warmup), h_(h) {}
  void OnComplete(const Completion& c) override {
    if (c.client_ref >= warmup_) {
      const uint64_t now = NowNs();
      h_->Record(now - c.enqueue_ns);
      last_ack_ns_ = now;
    }
    if (c.status != AckStatus::kApplied) ++not_applied_;
    done_.fetch_add(1, std::memory_order_release);
  }
  size_t warmup_;
  LatencyHistogram* h_;
  uint64_t last_ack_ns_ = 0;
  uint64_t not_applied_ = 0;
  std::atomic<uint64_t> done_{0};
};

}  // namespace

PipelineResult RunPipeline(const std::vector<Command>& commands, size_t warmup_commands,
                           const PipelineOptions& options) {
  PipelineResult result;
  journal::Env* env = journal::Env::Default();
  // Held while it runs (declared before the writer, so released after it is closed): wiping a live server's
  // journal, or writing one beside it, would cost the server its commands.
  std::unique_ptr<journal::DataDirLock> lock;
  std::unique_ptr<journal::JournalWriter> writer;
  if (options.durability == Durability::kJournal) {
    if (options.data_dir.empty()) {
      result.error = "--data-dir is required with durability journal";
      return result;
    }
    journal::Status s = env->CreateDir(options.data_dir);
    if (s.ok()) s = journal::DataDirLock::Acquire(options.data_dir, &lock);
    std::vector<std::string> names;
    if (s.ok()) s = env->ListDir(options.data_dir, &names);
    for (const std::string& n : names) {
      uint64_t seq = 0;
      const bool ours = journal::ParseSegmentName(n, &seq) || snapshot::ParseSnapshotName(n, &seq);
      if (!ours || !s.ok()) continue;
      if (!options.wipe_data_dir) {
        result.error = options.data_dir + " already holds a journal";
        return result;
      }
      s = env->RemoveFile(options.data_dir + "/" + n);
    }
    journal::JournalWriterOptions wo;
    wo.prewritten_segments = options.prewritten_segments;
    if (s.ok()) writer = journal::JournalWriter::Open(env, options.data_dir, wo, journal::JournalPosition{}, &s);
    if (!s.ok()) {
      result.error = s.ToString();
      return result;
    }
  }
  Engine engine(options.engine_config);
  BenchSink sink(warmup_commands, &result.latency);
  SequencerOptions so;
  so.durability = options.durability;
  so.ring_capacity = options.ring_capacity;
  so.max_batch = options.max_batch;
  so.checkpoint_interval = options.checkpoint_interval;
  so.clock = options.clock;
  Sequencer sequencer(&engine, writer.get(), nullptr, &sink, so, 1, 0);
  sequencer.Start();

  uint64_t first_measured_ns = 0;
  bool closed = false;
  const double interval_ns = options.rate_per_sec > 0 ? 1e9 / options.rate_per_sec : 0;
  for (size_t i = 0; i < commands.size() && !closed; ++i) {
    if (i == warmup_commands) {
      // The warm-up is offered as fast as the ring takes it, so up to a ring of it is still queued here. Measuring
      // from now would charge that backlog to the first measured commands (their latency, and the closed loop's
      // seconds), so the clock starts only once the warm-up is all acknowledged.
      while (!sequencer.failed() && sink.done_.load(std::memory_order_acquire) < warmup_commands) {
        std::this_thread::yield();
      }
    }
    Submission sub{commands[i].body, i, 0};
    uint64_t intended_ns = 0;
    if (interval_ns > 0 && i >= warmup_commands) {
      if (first_measured_ns == 0) first_measured_ns = NowNs();
      intended_ns = first_measured_ns + static_cast<uint64_t>(static_cast<double>(i - warmup_commands) * interval_ns);
      while (NowNs() < intended_ns) {
      }
    }
    for (;;) {
      sub.enqueue_ns = intended_ns != 0 ? intended_ns : NowNs();
      if (i == warmup_commands && first_measured_ns == 0) first_measured_ns = sub.enqueue_ns;
      const Offer o = sequencer.Submit(std::move(sub));
      if (o == Offer::kOk) break;
      if (o == Offer::kClosed) {
        closed = true;
        break;
      }
      sub = Submission{commands[i].body, i, 0};
      std::this_thread::yield();  // back-pressure: in open loop the wait counts, as it would for a client
    }
  }
  while (!closed && sink.done_.load(std::memory_order_acquire) < commands.size()) std::this_thread::yield();
  sequencer.Stop();
  if (sequencer.failed()) {
    result.error = sequencer.error().ToString();
    return result;
  }
  result.commands = commands.size() > warmup_commands ? commands.size() - warmup_commands : 0;
  result.seconds = result.commands == 0 ? 0 : static_cast<double>(sink.last_ack_ns_ - first_measured_ns) / 1e9;
  result.ops_per_sec = result.seconds > 0 ? static_cast<double>(result.commands) / result.seconds : 0;
  result.batches = sequencer.batches();
  result.syncs = writer ? writer->syncs() : 0;
  result.state_hash = engine.StateHash();
  if (writer) {
    const journal::Status s = writer->Close();
    if (!s.ok()) result.error = s.ToString();
  }
  return result;
}

}  // namespace sequex::sequencer

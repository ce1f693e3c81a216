#include "sequencer/sequencer.h"

#include <algorithm>
#include <chrono>

#include "common/thread_name.h"

namespace sequex::sequencer {
namespace {

class SystemClock final : public Clock {
 public:
  TimeNs NowNs() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

bool Crossed(SeqNo first, SeqNo last, uint64_t interval) {
  return interval != 0 && (first - 1) / interval != last / interval;
}

}  // namespace

Clock* Clock::System() {
  static SystemClock clock;
  return &clock;
}

Sequencer::Sequencer(Engine* engine, journal::JournalWriter* writer, snapshot::BackgroundSnapshotWriter* snapshots,
                     AckSink* sink, const SequencerOptions& options, SeqNo next_seq, TimeNs last_time)
    : engine_(engine),
      writer_(writer),
      snapshots_(snapshots),
      sink_(sink),
      options_(options),
      ring_(options.ring_capacity),
      next_seq_(next_seq),
      last_time_(last_time) {
  if (options_.clock == nullptr) options_.clock = Clock::System();
  batch_.reserve(options_.max_batch);
  commands_.reserve(options_.max_batch);
  if (options_.durability == Durability::kReplicated) {
    FailClosed(journal::Status::InvalidArgument("durability 'replicated' is reserved and not implemented"));
  } else if (options_.durability == Durability::kJournal && writer_ == nullptr) {
    FailClosed(journal::Status::InvalidArgument("durability 'journal' needs a journal writer"));
  }
}

Sequencer::~Sequencer() { Stop(); }

Offer Sequencer::Submit(Submission&& s) {
  if (failed()) return Offer::kClosed;
  if (ring_.TryPush(std::move(s)) != RingOffer::kOk) return Offer::kBackPressured;
  wakeup_.Notify();
  return Offer::kOk;
}

journal::Status Sequencer::error() const {
  std::lock_guard lock(error_mu_);
  return error_;
}

void Sequencer::FailClosed(const journal::Status& s) {
  {
    std::lock_guard lock(error_mu_);
    if (error_.ok()) error_ = s;
  }
  failed_.store(true, std::memory_order_release);
}

void Sequencer::CompleteFailed(size_t from) {
  for (size_t i = from; i < batch_.size(); ++i) {
    Completion c;
    c.client_ref = batch_[i].client_ref;
    c.enqueue_ns = batch_[i].enqueue_ns;
    c.status = AckStatus::kJournalFailed;
    sink_->OnComplete(c);
  }
  sink_->OnBatchEnd();
}

size_t Sequencer::DoWork() {
  batch_.clear();
  commands_.clear();
  Submission s;
  while (batch_.size() < options_.max_batch && ring_.TryPop(&s)) batch_.push_back(std::move(s));
  if (batch_.empty()) return 0;
  if (failed()) {
    CompleteFailed(0);
    return batch_.size();
  }

  const TimeNs now = std::max(options_.clock->NowNs(), last_time_);
  const SeqNo first_seq = next_seq_;
  // refused[i]: the submission could not be journaled and gets no sequence number.
  std::vector<bool>& refused = refused_;
  refused.assign(batch_.size(), false);
  for (size_t i = 0; i < batch_.size(); ++i) {
    Command cmd{next_seq_, now, batch_[i].body};
    if (writer_ != nullptr && options_.durability == Durability::kJournal) {
      const journal::Status st = writer_->AppendCommand(cmd);
      if (st.code() == journal::Status::Code::kInvalidArgument) {
        refused[i] = true;
        continue;
      }
      if (!st.ok()) {
        FailClosed(st);
        CompleteFailed(0);
        return batch_.size();
      }
    }
    commands_.push_back(std::move(cmd));
    ++next_seq_;
  }
  if (writer_ != nullptr && options_.durability == Durability::kJournal) {
    const journal::Status st = writer_->Sync();  // group commit: one fdatasync covers the batch
    if (!st.ok()) {
      next_seq_ = first_seq;
      FailClosed(st);
      CompleteFailed(0);
      return batch_.size();
    }
  }
  last_time_ = now;

  // The batch is in hand, so each command's cache misses are prefetched in three stages while the three before it
  // are applied (Engine::ApplyInOrder): hints only, results are unchanged. Completions go out in batch order, the
  // refused entries (no command) among them.
  size_t next = 0;  // the batch entry to complete next
  const auto complete_refused_before_an_accepted = [&] {
    for (; next < batch_.size() && refused[next]; ++next) {
      Completion c;
      c.client_ref = batch_[next].client_ref;
      c.enqueue_ns = batch_[next].enqueue_ns;
      c.status = AckStatus::kRefused;
      sink_->OnComplete(c);
    }
  };
  engine_->ApplyInOrder(commands_, [&](const Command& cmd, std::span<const Event> events) {
    complete_refused_before_an_accepted();
    Completion c;
    c.client_ref = batch_[next].client_ref;
    c.enqueue_ns = batch_[next].enqueue_ns;
    c.events = events;
    c.command = &cmd;
    c.seq = cmd.seq;
    c.time = cmd.time;
    sink_->OnComplete(c);
    ++next;
  });
  complete_refused_before_an_accepted();  // those after the last accepted one
  ++batches_;

  const SeqNo last_seq = next_seq_ - 1;
  if (!commands_.empty() && writer_ != nullptr && options_.durability == Durability::kJournal &&
      Crossed(first_seq, last_seq, options_.checkpoint_interval)) {
    // Buffered now, right after its command; the next batch's fsync makes it durable.
    const journal::Status st = writer_->AppendCheckpoint(last_seq, now, engine_->StateHash());
    if (!st.ok()) FailClosed(st);
  }
  // While the previous snapshot is still being written this one is skipped (Submit would refuse it): no state is
  // serialized for nothing. The bytes go into the buffer the writer is done with, whose pages are resident.
  if (!commands_.empty() && snapshots_ != nullptr && Crossed(first_seq, last_seq, options_.snapshot_interval) &&
      !snapshots_->busy()) {
    std::string bytes = snapshots_->TakeBuffer();
    engine_->SaveSnapshot(&bytes);
    (void)snapshots_->Submit({last_seq, now, engine_->StateHash()}, std::move(bytes));
  }
  sink_->OnBatchEnd();
  return batch_.size();
}

void Sequencer::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    NameThisThread("sx-sequencer");
    while (running_.load(std::memory_order_acquire)) {
      if (DoWork() == 0) {
        wakeup_.Wait([this] { return ring_.CanPop() || !running_.load(std::memory_order_acquire); });
      }
    }
  });
}

void Sequencer::Stop() {
  if (running_.exchange(false)) {
    wakeup_.WakeAll();
    thread_.join();
  }
  while (DoWork() != 0) {
  }
  if (writer_ != nullptr && !failed() && options_.durability == Durability::kJournal) {
    const journal::Status st = writer_->Sync();
    if (!st.ok()) FailClosed(st);
  }
}

}  // namespace sequex::sequencer

#include "journal/journal_writer.h"

#include <xxhash.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "journal/byte_io.h"
#include "journal/command_codec.h"
#include "journal/record_checksum.h"

namespace sequex::journal {

// Fills the prepared-segment file with zeros and syncs it, on a thread of its own (paced) or on the caller's.
class SegmentPreparer {
 public:
  SegmentPreparer(Env* env, std::string path, uint64_t bytes) : env_(env), path_(std::move(path)), bytes_(bytes) {}
  ~SegmentPreparer() {
    hurry_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
  }
  SegmentPreparer(const SegmentPreparer&) = delete;
  SegmentPreparer& operator=(const SegmentPreparer&) = delete;

  // Starts preparing in the background, unless that is under way or done.
  void Request() {
    if (requested_) return;
    requested_ = true;
    hurry_.store(false, std::memory_order_relaxed);
    thread_ = std::thread([this] { status_ = Prepare(/*paced=*/true); });
  }
  // Waits for the requested preparation, telling it to stop pacing itself (or prepares now if none was
  // requested); OK means the file at path() is bytes() of synced zeros, ready to be renamed into a segment.
  Status Take() {
    if (!requested_) return Prepare(/*paced=*/false);
    hurry_.store(true, std::memory_order_relaxed);
    thread_.join();
    requested_ = false;
    return status_;
  }
  [[nodiscard]] bool requested() const { return requested_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] uint64_t bytes() const { return bytes_; }

 private:
  // In the background the zeros go out a chunk at a time, each synced, with a pause after it: written at once,
  // 64 MiB of dirty pages and their writeback would compete with the journal's own fdatasyncs for the disk and
  // the CPUs (at 50,000 orders/s over the API, p99 went from 6-9 ms to 35-56 ms while one was prepared).
  static constexpr uint64_t kChunkBytes = 1u << 20;
  static constexpr auto kPause = std::chrono::milliseconds(8);

  Status Prepare(bool paced) {
    std::unique_ptr<WritableFile> f;
    Status s = env_->NewWritableFile(path_, &f);
    const std::string zeros(std::min<uint64_t>(bytes_, kChunkBytes), '\0');
    for (uint64_t done = 0; s.ok() && done < bytes_; done += zeros.size()) {
      s = f->Append(std::string_view(zeros).substr(0, std::min<uint64_t>(zeros.size(), bytes_ - done)));
      const bool more = done + zeros.size() < bytes_;
      if (s.ok() && more && paced && !hurry_.load(std::memory_order_relaxed)) {
        s = f->Sync();
        std::this_thread::sleep_for(kPause);
      }
    }
    if (s.ok()) s = f->Sync();
    if (f) {
      const Status c = f->Close();
      if (s.ok()) s = c;
    }
    if (!s.ok() && env_->FileExists(path_)) (void)env_->RemoveFile(path_);  // give back what space it took
    return s;
  }

  Env* env_;
  std::string path_;
  uint64_t bytes_;
  bool requested_ = false;  // touched by the writer's thread only
  std::atomic<bool> hurry_{false};
  std::thread thread_;
  Status status_;  // written by thread_, read after joining it
};

JournalWriter::JournalWriter(Env* env, std::string dir, JournalWriterOptions options)
    : env_(env), dir_(std::move(dir)), options_(options) {
  // One write (a buffer plus the record that overflowed it) stays within what a reader accepts as cut short.
  options_.write_buffer_bytes =
      std::min<size_t>(options_.write_buffer_bytes, kMaxWriteBytes - kRecordHeaderSize - kMaxRecordPayload);
  buffer_.reserve(options_.write_buffer_bytes + kMaxRecordPayload);
}

JournalWriter::~JournalWriter() {
  if (file_ && !failed()) (void)Sync();
  if (file_) (void)file_->Close();
  preparer_.reset();  // joins its thread before the Env may go
}

std::unique_ptr<JournalWriter> JournalWriter::Open(Env* env, std::string dir, JournalWriterOptions options,
                                                   const JournalPosition& position, Status* status) {
  std::unique_ptr<JournalWriter> w(new JournalWriter(env, std::move(dir), options));
  w->next_seq_ = position.next_seq;
  w->prev_hash_ = position.prev_hash;
  *status = env->CreateDir(w->dir_);
  if (!status->ok()) return nullptr;
  if (options.prewritten_segments) {
    w->preparer_ = std::make_unique<SegmentPreparer>(env, w->dir_ + "/" + std::string(kPreparedSegmentName),
                                                     options.segment_bytes);
  }
  if (!position.last_segment.empty()) {
    // Continue the last segment where its records end: zeros (pre-written) or nothing follow.
    const std::string path = w->dir_ + "/" + position.last_segment;
    *status = env->FileSize(path, &w->file_size_);
    if (status->ok()) *status = env->NewAppendableFile(path, &w->file_);
    w->segment_name_ = position.last_segment;
    w->segment_size_ = position.last_segment_size;
    w->file_size_ = std::max(w->file_size_, w->segment_size_);
    w->roll_pending_ = w->segment_size_ >= options.segment_bytes;
    if (w->preparer_ && w->segment_size_ >= options.segment_bytes / 4) w->preparer_->Request();
  } else {
    *status = w->StartSegment(position.next_seq);
  }
  if (!status->ok()) return nullptr;
  return w;
}

Status JournalWriter::Fail(Status s) {
  if (error_.ok()) error_ = s;
  return s;
}

Status JournalWriter::StartSegment(SeqNo first_seq) {
  segment_name_ = SegmentName(first_seq);
  std::string header;
  ByteWriter w(&header);
  w.Raw(kSegmentMagic, sizeof kSegmentMagic);
  w.U32(kJournalFormatVersion);
  w.U32(0);
  w.U64(first_seq);
  w.U64(prev_hash_);
  w.U64(XXH3_64bits(header.data(), kSegmentHeaderChecksumOffset));
  segment_size_ = kSegmentHeaderSize;
  // The header is made durable before the file has the segment's name, or with it at once, so a segment never
  // exists without its header (except as a torn tail after a crash inside this function).
  if (preparer_ && preparer_->Take().ok()) {
    Status s = env_->NewAppendableFile(preparer_->path(), &file_);
    if (s.ok()) s = file_->WriteAt(0, header);
    if (s.ok()) s = file_->Sync();
    if (s.ok()) s = env_->RenameFile(preparer_->path(), dir_ + "/" + segment_name_);
    if (s.ok()) s = env_->SyncDir(dir_);
    file_size_ = preparer_->bytes();
    return s;
  }
  // Without a prepared file (not wanted, or preparing it failed, e.g. for want of space): a plain new one.
  Status s = env_->NewWritableFile(dir_ + "/" + segment_name_, &file_);
  if (!s.ok()) return s;
  s = file_->WriteAt(0, header);
  if (s.ok()) s = file_->Sync();
  if (s.ok()) s = env_->SyncDir(dir_);
  file_size_ = kSegmentHeaderSize;
  return s;
}

Status JournalWriter::FinishSegment() {
  Status s = Flush();
  // A sealed segment holds its records and nothing else: the zeros still ahead are cut (ftruncate + fsync, which
  // also makes the records durable) before the next segment exists.
  if (s.ok() && file_size_ > segment_size_) {
    s = env_->Truncate(dir_ + "/" + segment_name_, segment_size_);
  } else if (s.ok()) {
    s = file_->Sync();
  }
  if (s.ok()) ++syncs_;
  const Status c = file_->Close();
  file_.reset();
  return s.ok() ? c : s;
}

Status JournalWriter::AppendRecord(RecordType type, SeqNo seq, TimeNs time, std::string_view payload) {
  if (type == RecordType::kCommand && roll_pending_) {
    roll_pending_ = false;
    Status s = FinishSegment();
    if (s.ok()) s = StartSegment(seq);
    if (!s.ok()) return Fail(s);
  }
  const size_t start = buffer_.size();
  const auto length = static_cast<uint32_t>(payload.size());
  ByteWriter w(&buffer_);
  w.U32(length);
  w.U32(~length);
  w.U16(static_cast<uint16_t>(type));
  w.U16(0);
  w.U32(0);
  w.U64(seq);
  w.I64(time);
  w.U64(prev_hash_);
  const uint64_t checksum = RecordChecksum(buffer_.data() + start, payload);
  w.U64(checksum);
  w.Raw(payload);
  prev_hash_ = checksum;
  segment_size_ += kRecordHeaderSize + payload.size();
  if (segment_size_ >= options_.segment_bytes) roll_pending_ = true;
  // A quarter full: the next segment's zeros are written in the background, long before the roll needs them.
  if (preparer_ && segment_size_ >= options_.segment_bytes / 4 && !preparer_->requested()) preparer_->Request();
  if (buffer_.size() >= options_.write_buffer_bytes) {
    Status s = Flush();
    if (!s.ok()) return Fail(s);
  }
  return Status::Ok();
}

Status JournalWriter::AppendCommand(const Command& command) {
  if (failed()) return Status::FailedClosed(error_.message());
  if (command.seq != next_seq_) {
    return Status::InvalidArgument("command seq " + std::to_string(command.seq) + " but the journal expects " +
                                   std::to_string(next_seq_));
  }
  payload_.clear();
  if (!EncodeCommandBody(command.body, &payload_)) return Status::InvalidArgument("command has an out-of-range field");
  Status s = AppendRecord(RecordType::kCommand, command.seq, command.time, payload_);
  if (s.ok()) ++next_seq_;
  return s;
}

Status JournalWriter::AppendCheckpoint(SeqNo seq, TimeNs time, uint64_t state_hash) {
  if (failed()) return Status::FailedClosed(error_.message());
  if (seq + 1 != next_seq_) return Status::InvalidArgument("a checkpoint must follow its command");
  char payload[kCheckpointPayloadSize];
  StoreU64(payload, state_hash);
  return AppendRecord(RecordType::kCheckpoint, seq, time, std::string_view(payload, sizeof payload));
}

Status JournalWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  // The buffer starts at a record. Its first 8 bytes (that record's length and ~length) are written last: a write
  // cut short (a crash inside pwrite) then leaves them zero, which readers take as the end of the data, so a
  // partly written batch is never mistaken for a corrupt record.
  const uint64_t at = segment_size_ - buffer_.size();
  const std::string_view bytes(buffer_);
  Status s = file_->WriteAt(at + 8, bytes.substr(8));
  if (s.ok()) s = file_->WriteAt(at, bytes.substr(0, 8));
  file_size_ = std::max(file_size_, segment_size_);
  buffer_.clear();
  return s;
}

Status JournalWriter::Sync() {
  if (failed()) return Status::FailedClosed(error_.message());
  if (!file_) return Fail(Status::FailedClosed("journal writer is closed"));
  Status s = Flush();
  if (s.ok()) s = file_->Sync();
  if (!s.ok()) return Fail(s);
  ++syncs_;
  return s;
}

Status JournalWriter::Close() {
  Status s = failed() ? Status::FailedClosed(error_.message()) : Sync();
  if (file_) {
    const Status c = file_->Close();
    file_.reset();
    if (s.ok()) s = c;
  }
  if (error_.ok()) error_ = Status::FailedClosed("journal writer is closed");
  return s;
}

}  // namespace sequex::journal

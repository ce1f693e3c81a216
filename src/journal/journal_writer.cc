#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include "journal/journal_writer.h"

#include <xxhash.h>

#include "journal/byte_io.h"
#include "journal/command_codec.h"

namespace sequex::journal {

JournalWriter::JournalWriter(Env* env, std::string dir, JournalWriterOptions options)
    : env_(env), dir_(std::move(dir)), options_(options) {
  buffer_.reserve(options_.write_buffer_bytes + kMaxRecordPayload);
}

JournalWriter::~JournalWriter() {
  if (file_ && !failed()) (void)Sync();
  if (file_) (void)file_->Close();
}

std::unique_ptr<JournalWriter> JournalWriter::Open(Env* env, std::string dir, JournalWriterOptions options,
                                                   const JournalPosition& position, Status* status) {
  std::unique_ptr<JournalWriter> w(new JournalWriter(env, std::move(dir), options));
  w->next_seq_ = position.next_seq;
  w->prev_hash_ = position.prev_hash;
  *status = env->CreateDir(w->dir_);
  if (!status->ok()) return nullptr;
  if (!position.last_segment.empty()) {
    *status = env->NewAppendableFile(w->dir_ + "/" + position.last_segment, &w->file_);
    w->segment_size_ = position.last_segment_size;
    w->roll_pending_ = w->segment_size_ >= options.segment_bytes;
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
  const std::string name = SegmentName(first_seq);
  Status s = env_->NewWritableFile(dir_ + "/" + name, &file_);
  if (!s.ok()) return s;
  std::string header;
  ByteWriter w(&header);
  w.Raw(kSegmentMagic, sizeof kSegmentMagic);
  w.U32(kJournalFormatVersion);
  w.U32(0);
  w.U64(first_seq);
  w.U64(prev_hash_);
  w.U64(XXH3_64bits(header.data(), kSegmentHeaderChecksumOffset));
  // The header is made durable with the file's name at once, so a segment never exists without its header
  // (except as a torn tail after a crash inside this function).
  s = file_->Append(header);
  if (s.ok()) s = file_->Sync();
  if (s.ok()) s = env_->SyncDir(dir_);
  segment_size_ = kSegmentHeaderSize;
  return s;
}

Status JournalWriter::FinishSegment() {
  Status s = Flush();
  if (s.ok()) s = file_->Sync();
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
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, buffer_.data() + start, kRecordChecksumOffset);
  XXH3_64bits_update(&state, payload.data(), payload.size());
  const uint64_t checksum = XXH3_64bits_digest(&state);
  w.U64(checksum);
  w.Raw(payload);
  prev_hash_ = checksum;
  segment_size_ += kRecordHeaderSize + payload.size();
  if (segment_size_ >= options_.segment_bytes) roll_pending_ = true;
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
  Status s = file_->Append(buffer_);
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

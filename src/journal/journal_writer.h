// JournalWriter: appends records to the journal's segment files with group commit.
//
//   auto w = JournalWriter::Open(env, dir, options, position, &status);
//   w->AppendCommand(cmd);  w->AppendCommand(cmd2);   // buffered in memory
//   Status s = w->Sync();                              // one write + one fdatasync for the whole batch
//   // only now may cmd and cmd2 be acknowledged
//
// Contract: commands must arrive with seq == next_seq() (gap-free). Nothing is durable until Sync() returns OK.
// Fail-closed: after any write or sync error every later call returns kFailedClosed with the first error's
// message — a failed fdatasync leaves the page cache in an unknown state (the "fsyncgate" lesson), so the only
// safe continuation is a restart with recovery.
// Segments are pre-written: a new segment is a file already filled with zeros and synced (prepared in the
// background while the previous one fills), so that appending overwrites allocated blocks and each fdatasync is a
// pure data write; a sealed segment is cut to its records. Each write puts a batch's first 8 bytes last, so a write
// cut short leaves a zero length word where the data ends (docs/journal.md, "Pre-written segments").
// Threading: one thread (the sequencer's); the writer's own preparing thread touches only the prepared file.
// The Env must outlive the writer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/command.h"
#include "journal/env.h"
#include "journal/journal_format.h"

namespace sequex::journal {

struct JournalWriterOptions {
  uint64_t segment_bytes = 64u << 20;    // a new segment starts once the current one reaches this size
  size_t write_buffer_bytes = 1u << 20;  // buffered bytes are written (not synced) past this
  // New segments are written over zeros synced ahead of time (false: plain appends, for tools and tests that
  // compare file sizes). Costs segment_bytes of disk per prepared segment.
  bool prewritten_segments = true;
};

class SegmentPreparer;

// Where the stream continues: from recovery (JournalScan) or {1, kGenesisHash, ""} for a new journal.
struct JournalPosition {
  SeqNo next_seq = 1;
  uint64_t prev_hash = kGenesisHash;
  std::string last_segment;  // existing segment (name) to append to; empty = start a new segment
  uint64_t last_segment_size = 0;
};

class JournalWriter {
 public:
  [[nodiscard]] static std::unique_ptr<JournalWriter> Open(Env* env, std::string dir, JournalWriterOptions options,
                                                           const JournalPosition& position, Status* status);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Buffers one command record. InvalidArgument if the seq is not next_seq() or the body cannot be encoded
  // (the writer stays usable then); kFailedClosed after an I/O error.
  Status AppendCommand(const Command& command);
  // Buffers a checkpoint: the engine's state hash after applying every command up to `seq`, which must be the
  // last command appended (seq == next_seq() - 1).
  Status AppendCheckpoint(SeqNo seq, TimeNs time, uint64_t state_hash);
  // Writes what is buffered and fdatasyncs it. OK means every record appended so far is durable.
  Status Sync();
  // Syncs and closes. The writer is unusable afterwards.
  Status Close();

  [[nodiscard]] SeqNo next_seq() const { return next_seq_; }
  [[nodiscard]] uint64_t last_hash() const { return prev_hash_; }
  [[nodiscard]] bool failed() const { return !error_.ok(); }
  [[nodiscard]] const Status& error() const { return error_; }
  [[nodiscard]] uint64_t syncs() const { return syncs_; }

 private:
  JournalWriter(Env* env, std::string dir, JournalWriterOptions options);
  Status AppendRecord(RecordType type, SeqNo seq, TimeNs time, std::string_view payload);
  Status StartSegment(SeqNo first_seq);
  Status FinishSegment();
  Status Flush();
  Status Fail(Status s);

  Env* env_;
  std::string dir_;
  JournalWriterOptions options_;
  std::unique_ptr<WritableFile> file_;
  std::string segment_name_;
  uint64_t segment_size_ = 0;  // bytes of the current segment, written or buffered
  uint64_t file_size_ = 0;     // of the current segment's file: more than segment_size_ while zeros lie ahead
  std::unique_ptr<SegmentPreparer> preparer_;  // null without options_.prewritten_segments
  std::string buffer_;
  std::string payload_;
  SeqNo next_seq_ = 1;
  uint64_t prev_hash_ = kGenesisHash;
  uint64_t syncs_ = 0;
  bool roll_pending_ = false;
  Status error_;
};

}  // namespace sequex::journal

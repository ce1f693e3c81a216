// ScanJournal: reads a journal directory front to back and checks everything the format promises: segment
// headers, each record's length and checksum, the hash chain (within and across segments), gap-free command
// sequence numbers, and checkpoint placement.
//
//   JournalScan scan = ScanJournal(env, dir, [&](const JournalRecord& r) { ...; return Status::Ok(); });
//   if (!scan.status.ok()) { /* corruption: scan.status names file, offset and seq */ }
//   if (scan.torn.present) { /* partial last record: TruncateTornTail(env, dir, scan) */ }
//
// A torn tail is an incomplete last record of the last segment (header or payload cut short, or an all-zero
// remainder): what a crash in the middle of a write leaves. It is reported, not treated as an error, and the
// visitor never sees it. Anything else that does not check out is an error, and scanning stops there.
// Reads each segment front to back through a buffer of about 512 KiB. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.h"
#include "journal/env.h"
#include "journal/journal_format.h"
#include "journal/journal_writer.h"

namespace sequex::journal {

struct JournalRecord {
  RecordType type = RecordType::kCommand;
  SeqNo seq = 0;
  TimeNs time = 0;
  uint64_t prev_hash = 0;
  uint64_t checksum = 0;
  std::string_view payload;  // valid during the visit only
  std::string_view segment;  // file name
  uint64_t offset = 0;       // of the record header in the file
};

struct TornTail {
  bool present = false;
  std::string segment;  // file name
  uint64_t offset = 0;  // where the valid data ends
  uint64_t bytes = 0;   // how many bytes follow it
};

struct SegmentInfo {
  std::string name;
  SeqNo first_seq = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

struct JournalScan {
  Status status;  // OK, or the first error (file, offset, seq), or the visitor's error
  std::vector<SegmentInfo> segments;
  SeqNo first_seq = 0;  // first command seq found (0 = none)
  SeqNo last_seq = 0;   // last valid command seq (0 = none)
  TimeNs last_time = 0;
  uint64_t commands = 0;
  uint64_t checkpoints = 0;
  uint64_t bytes = 0;
  TornTail torn;
  JournalPosition position;  // where a writer continues (valid when status is OK)
};

using RecordVisitor = std::function<Status(const JournalRecord&)>;

[[nodiscard]] JournalScan ScanJournal(Env* env, const std::string& dir, const RecordVisitor& visit);

// The same, for a caller that has already scanned the journal once and needs only what comes from `from_seq` on:
// the segments that end before it are not read, so the scan starts as on a journal pruned up to the segment that
// holds `from_seq` (the hash chain is checked from there). The visitor may still see records before `from_seq`.
[[nodiscard]] JournalScan ScanJournalFrom(Env* env, const std::string& dir, SeqNo from_seq, const RecordVisitor& visit);

// Cuts the torn tail found by `scan` off its segment (fsynced), removing the segment if nothing valid is left
// in it, and updates scan->position. No-op without a torn tail.
Status TruncateTornTail(Env* env, const std::string& dir, JournalScan* scan);

// Operator truncation: removes the command record `at_seq` and everything after it (later segments included).
// Works on a journal that is corrupt at or after `at_seq`; refuses if the journal is corrupt before it.
Status TruncateJournalAt(Env* env, const std::string& dir, SeqNo at_seq, std::string* report);

}  // namespace sequex::journal

// The journal's on-disk format, version 1 (docs/journal.md is the specification; these constants are its source).
//
// A journal is a directory of segment files `journal-<first seq, 20 digits>.seg`, each:
//   segment header (kSegmentHeaderSize bytes), then records back to back.
// Segment header: magic[8] "SQXJRNL1", u32 version, u32 reserved (0), u64 first_seq (seq of the first command the
//   segment was opened for), u64 prev_hash (chain value before its first record), u64 header checksum = XXH3-64
//   of the preceding 32 bytes.
// Record: a kRecordHeaderSize-byte header, then `length` payload bytes:
//   u32 length, u32 length_check (= ~length), u16 type, u16 reserved (0), u32 reserved (0), u64 seq, i64 time_ns,
//   u64 prev_hash (the previous record's checksum: the chain), u64 checksum = XXH3-64 over header bytes [0, 40)
//   and the payload. A record's checksum is the chain value the next record must name.
// All integers little-endian.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace sequex::journal {

inline constexpr char kSegmentMagic[8] = {'S', 'Q', 'X', 'J', 'R', 'N', 'L', '1'};
inline constexpr uint32_t kJournalFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 40;
inline constexpr size_t kSegmentHeaderChecksumOffset = 32;
inline constexpr size_t kRecordHeaderSize = 48;
inline constexpr size_t kRecordChecksumOffset = 40;  // the checksum covers bytes [0, 40) of the header
inline constexpr uint32_t kMaxRecordPayload = 1u << 20;
inline constexpr uint64_t kGenesisHash = 0;  // prev_hash of the very first record of a stream

static_assert(sizeof(kSegmentMagic) == 8);
static_assert(kSegmentHeaderChecksumOffset + 8 == kSegmentHeaderSize);
static_assert(4 + 4 + 2 + 2 + 4 + 8 + 8 + 8 == kRecordChecksumOffset);
static_assert(kRecordChecksumOffset + 8 == kRecordHeaderSize);

// Pre-written segments (docs/journal.md): the most bytes one write of the writer carries (its buffer is capped so
// that a buffer plus one record fits), and the page size a write that a kill cuts short stops at a multiple of.
// A reader takes non-zero bytes after the records' end as a write cut short only within these bounds.
inline constexpr uint64_t kMaxWriteBytes = 4u << 20;
inline constexpr uint64_t kWritePageBytes = 4096;
static_assert(kMaxWriteBytes >= 2 * (kRecordHeaderSize + kMaxRecordPayload));

enum class RecordType : uint16_t {
  kCommand = 1,     // payload: the command codec's bytes; seq: the command's sequence number (gap-free)
  kCheckpoint = 2,  // payload: u64 engine StateHash() after applying every command up to and including `seq`;
                    // it directly follows the command record `seq` (a batch's last command)
};
inline constexpr size_t kCheckpointPayloadSize = 8;

inline constexpr std::string_view kSegmentPrefix = "journal-";
inline constexpr std::string_view kSegmentSuffix = ".seg";
// The next segment, filled with zeros and synced ahead of need (docs/journal.md, "Pre-written segments"); it becomes
// a segment by rename once its header is written. Readers ignore it; a writer replaces a stale one.
inline constexpr std::string_view kPreparedSegmentName = "journal-prepared.tmp";

[[nodiscard]] inline std::string SegmentName(uint64_t first_seq) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "journal-%020llu.seg", static_cast<unsigned long long>(first_seq));
  return buf;
}

// Parses a segment file name; false if `name` is not one.
[[nodiscard]] inline bool ParseSegmentName(std::string_view name, uint64_t* first_seq) {
  if (name.size() != kSegmentPrefix.size() + 20 + kSegmentSuffix.size() || !name.starts_with(kSegmentPrefix) ||
      !name.ends_with(kSegmentSuffix)) {
    return false;
  }
  uint64_t v = 0;
  for (char ch : name.substr(kSegmentPrefix.size(), 20)) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  *first_seq = v;
  return true;
}

}  // namespace sequex::journal

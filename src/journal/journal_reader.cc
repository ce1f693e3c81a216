#include "journal/journal_reader.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#include "journal/byte_io.h"
#include "journal/record_checksum.h"

namespace sequex::journal {
namespace {

std::string Where(std::string_view segment, uint64_t offset, SeqNo seq) {
  return std::string(segment) + " offset " + std::to_string(offset) + " (seq " + std::to_string(seq) + ")";
}

bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

// Whether the 8 bytes at `rest` (file offset `at`: a record's length and ~length) can be what a crash left of them.
// The writer writes them last, in a write of their own: a kill before it leaves them zero, and one inside it (a
// write is cut at page boundaries only) leaves the part before the first page boundary in them, zeros after it.
bool IsCutLengthWord(std::string_view rest, uint64_t at) {
  if (LoadLe(rest.data(), 8) == 0) return true;
  const uint64_t cut = (at / kWritePageBytes + 1) * kWritePageBytes - at;
  if (cut >= 8 || !AllZero(rest.substr(cut, 8 - cut))) return false;
  for (size_t i = 4; i < cut; ++i) {
    if (rest[i] != static_cast<char>(~rest[i - 4])) return false;
  }
  return true;
}

// `rest` starts with a cut (or unwritten: zero) length word and is not all zero. A batch the writer did not finish
// writing looks like that: it writes a batch's first 8 bytes last, so a crash leaves them zero or cut short,
// followed by a prefix of the batch (at most one write) and then the segment's pre-written zeros. What was
// written of that first record's header must be what the next record has to carry (type, zero reserved bits, seq,
// the chain value; not the time, which is unknown); a stray byte in the zeros is not, and is corruption.
// `written`: how far into `rest` anything non-zero lies.
bool IsCutShortBatch(std::string_view rest, size_t written, SeqNo next_seq, uint64_t chain) {
  if (written > kMaxWriteBytes) return false;
  const auto type = static_cast<uint8_t>(rest[8]);
  if (type != static_cast<uint8_t>(RecordType::kCommand) && type != static_cast<uint8_t>(RecordType::kCheckpoint)) {
    return false;
  }
  char expected[kRecordChecksumOffset] = {};
  expected[8] = static_cast<char>(type);
  StoreU64(expected + 16, type == static_cast<uint8_t>(RecordType::kCommand) ? next_seq : next_seq - 1);
  StoreU64(expected + 32, chain);
  for (size_t i = 8; i < std::min(written, kRecordChecksumOffset); ++i) {
    const bool time_field = i >= 24 && i < 32;
    if (!time_field && rest[i] != expected[i]) return false;
  }
  return true;
}

// One segment, read front to back through a buffer of about 512 KiB: the bytes each read() brings are checked while
// they are still in the cache. (Reading a 64 MB segment whole and then scanning it fetched every byte from memory
// twice more: once to copy it into the buffer, once to scan it.) Views into it (From) stay valid until the next
// Ensure.
class SegmentWindow {
 public:
  static constexpr size_t kReadBytes = 256 << 10;  // the least one refill asks read() for

  Status Open(Env* env, const std::string& path) {
    base_ = 0;
    filled_ = 0;
    eof_ = false;
    return env->NewSequentialFile(path, &file_);
  }
  // Makes the file's bytes [off, off + n) available, or as many of them as the file has. `off` may not go back.
  Status Ensure(uint64_t off, uint64_t n) {
    if (end() >= off + n || eof_) return Status::Ok();
    const size_t keep = static_cast<size_t>(end() - off);  // what is already read of [off, ...): moved to the front
    if (capacity_ < n + kReadBytes) {                      // a first use, a record longer than kReadBytes, or EnsureAll
      const size_t capacity = std::max<size_t>(n + kReadBytes, 2 * capacity_);
      auto grown = std::make_unique_for_overwrite<char[]>(capacity);  // not cleared: only read bytes are looked at
      if (keep > 0) std::memcpy(grown.get(), buffer_.get() + (off - base_), keep);
      buffer_ = std::move(grown);
      capacity_ = capacity;
    } else {
      std::memmove(buffer_.get(), buffer_.get() + (off - base_), keep);
    }
    base_ = off;
    filled_ = keep;
    while (filled_ < n && !eof_) {
      size_t got = 0;
      Status s = file_->Read(capacity_ - filled_, buffer_.get() + filled_, &got);
      if (!s.ok()) return s;
      filled_ += got;
      eof_ = got == 0;
    }
    return Status::Ok();
  }
  // Reads the rest of the file: what follows `off` is looked at as a whole (pre-written zeros, a torn tail).
  Status EnsureAll(uint64_t off) {
    while (!eof_) {
      Status s = Ensure(off, end() - off + kReadBytes);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  [[nodiscard]] std::string_view From(uint64_t off) const {
    return {buffer_.get() + (off - base_), static_cast<size_t>(end() - off)};
  }
  [[nodiscard]] uint64_t end() const { return base_ + filled_; }  // the file offset after the bytes read so far

 private:
  std::unique_ptr<SequentialFile> file_;
  std::unique_ptr<char[]> buffer_;  // the file's bytes [base_, base_ + filled_)
  size_t capacity_ = 0;
  uint64_t base_ = 0;
  size_t filled_ = 0;
  bool eof_ = false;
};

// Whether `rest` starts with a record's length word that is consistent (length and ~length) and in range: only then
// can the record be read without looking at the rest of the segment.
bool IsPlausibleLengthWord(std::string_view rest) {
  if (rest.size() < 8) return false;
  const auto length = static_cast<uint32_t>(LoadLe(rest.data(), 4));
  return static_cast<uint32_t>(LoadLe(rest.data() + 4, 4)) == ~length && length <= kMaxRecordPayload;
}

}  // namespace

JournalScan ScanJournal(Env* env, const std::string& dir, const RecordVisitor& visit) {
  return ScanJournalFrom(env, dir, 0, visit);
}

JournalScan ScanJournalFrom(Env* env, const std::string& dir, SeqNo from_seq, const RecordVisitor& visit) {
  JournalScan scan;
  std::vector<std::string> names;
  Status s = env->ListDir(dir, &names);
  if (!s.ok()) {
    scan.status = s;
    return scan;
  }
  for (const std::string& n : names) {
    SeqNo first = 0;
    if (ParseSegmentName(n, &first)) scan.segments.push_back(SegmentInfo{n, first, 0, 0});
  }
  std::sort(scan.segments.begin(), scan.segments.end(),
            [](const SegmentInfo& a, const SegmentInfo& b) { return a.first_seq < b.first_seq; });
  // A segment ends where the next one starts: those whose successor starts at or before from_seq are skipped.
  size_t skipped = 0;
  while (skipped + 1 < scan.segments.size() && scan.segments[skipped + 1].first_seq <= from_seq) ++skipped;
  scan.segments.erase(scan.segments.begin(), scan.segments.begin() + static_cast<std::ptrdiff_t>(skipped));

  SeqNo expect_seq = 0;  // next command seq; 0 until the first segment fixes it
  uint64_t chain = kGenesisHash;
  SegmentWindow window;
  for (size_t si = 0; si < scan.segments.size(); ++si) {
    SegmentInfo& seg = scan.segments[si];
    const bool last_segment = si + 1 == scan.segments.size();
    s = window.Open(env, dir + "/" + seg.name);
    if (s.ok()) s = window.Ensure(0, kSegmentHeaderSize);
    if (!s.ok()) {
      scan.status = s;
      return scan;
    }
    // Where this segment's data ends (pre-written zeros may follow); unset: at the end of the file.
    std::optional<uint64_t> data_end;
    const SeqNo where_seq = expect_seq == 0 ? seg.first_seq : expect_seq;
    if (window.end() < kSegmentHeaderSize) {
      if (last_segment) {
        scan.torn = TornTail{true, seg.name, 0, window.end()};
        seg.bytes = window.end();
        scan.bytes += window.end();
        break;
      }
      scan.status = Status::Corruption(Where(seg.name, 0, where_seq) + ": segment header is incomplete");
      return scan;
    }
    const std::string_view header = window.From(0).substr(0, kSegmentHeaderSize);
    ByteReader h(header);
    const std::string_view magic = h.View(sizeof kSegmentMagic);
    const uint32_t version = h.U32();
    const uint32_t reserved = h.U32();
    const uint64_t first_seq = h.U64();
    const uint64_t prev_hash = h.U64();
    const uint64_t header_sum = h.U64();
    if (header_sum != XXH3_64bits(header.data(), kSegmentHeaderChecksumOffset) ||
        magic != std::string_view(kSegmentMagic, sizeof kSegmentMagic) || reserved != 0) {
      scan.status = Status::Corruption(Where(seg.name, 0, where_seq) + ": bad segment header (checksum or magic)");
      return scan;
    }
    if (version != kJournalFormatVersion) {
      scan.status = Status::Corruption(Where(seg.name, 0, where_seq) + ": unsupported journal format version " +
                                       std::to_string(version));
      return scan;
    }
    if (first_seq != seg.first_seq) {
      scan.status = Status::Corruption(Where(seg.name, 0, where_seq) + ": header first_seq " +
                                       std::to_string(first_seq) + " does not match the file name");
      return scan;
    }
    if (expect_seq == 0) {
      expect_seq = first_seq;
      chain = prev_hash;
    } else if (first_seq != expect_seq || prev_hash != chain) {
      scan.status = Status::Corruption(
          Where(seg.name, 0, expect_seq) +
          (first_seq != expect_seq ? ": sequence gap between segments (expected seq " + std::to_string(expect_seq) + ")"
                                   : ": hash chain broken between segments"));
      return scan;
    }

    uint64_t off = kSegmentHeaderSize;
    for (;;) {
      // The record's header, and its payload if the length word makes sense; otherwise everything to the end of the
      // file, which the checks below then look at as a whole.
      s = window.Ensure(off, kRecordHeaderSize);
      if (s.ok()) {
        s = IsPlausibleLengthWord(window.From(off))
                ? window.Ensure(off, kRecordHeaderSize + LoadLe(window.From(off).data(), 4))
                : window.EnsureAll(off);
      }
      if (!s.ok()) {
        scan.status = s;
        return scan;
      }
      if (off >= window.end()) break;
      const std::string_view rest = window.From(off);
      if (last_segment && AllZero(rest)) {  // the end of the records; the rest is pre-written zeros
        data_end = off;
        break;
      }
      if (last_segment && rest.size() > 8 && IsCutLengthWord(rest, off)) {
        const size_t written = rest.find_last_not_of('\0') + 1;  // one backward pass over the zeros
        if (!IsCutShortBatch(rest, written, expect_seq, chain)) {
          scan.status = Status::Corruption(Where(seg.name, off, expect_seq) +
                                           ": bytes after the end of the records that no cut-short write explains");
          return scan;
        }
        data_end = off + written;
        scan.torn = TornTail{true, seg.name, off, *data_end - off};
        break;
      }
      if (rest.size() < kRecordHeaderSize || AllZero(rest)) {
        if (last_segment) {
          scan.torn = TornTail{true, seg.name, off, rest.size()};
          break;
        }
        scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": incomplete record in a sealed segment");
        return scan;
      }
      ByteReader r(rest.substr(0, kRecordHeaderSize));
      const uint32_t length = r.U32();
      const uint32_t length_check = r.U32();
      const uint16_t type = r.U16();
      const uint16_t reserved16 = r.U16();
      const uint32_t reserved32 = r.U32();
      JournalRecord rec;
      rec.seq = r.U64();
      rec.time = r.I64();
      rec.prev_hash = r.U64();
      rec.checksum = r.U64();
      rec.segment = seg.name;
      rec.offset = off;
      if (length_check != ~length || length > kMaxRecordPayload) {
        scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": bad record length");
        return scan;
      }
      if (rest.size() < kRecordHeaderSize + length) {
        if (last_segment) {
          scan.torn = TornTail{true, seg.name, off, rest.size()};
          break;
        }
        scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": record runs past the segment end");
        return scan;
      }
      rec.payload = rest.substr(kRecordHeaderSize, length);
      if (RecordChecksum(rest.data(), rec.payload) != rec.checksum) {
        scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": record checksum mismatch");
        return scan;
      }
      if (rec.prev_hash != chain) {
        scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": hash chain broken (prev_hash differs)");
        return scan;
      }
      if (reserved16 != 0 || reserved32 != 0) {
        scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": reserved header bits set");
        return scan;
      }
      if (type == static_cast<uint16_t>(RecordType::kCommand)) {
        rec.type = RecordType::kCommand;
        if (rec.seq != expect_seq) {
          scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": sequence gap, record has seq " +
                                           std::to_string(rec.seq));
          return scan;
        }
      } else if (type == static_cast<uint16_t>(RecordType::kCheckpoint)) {
        rec.type = RecordType::kCheckpoint;
        if (rec.seq + 1 != expect_seq || length != kCheckpointPayloadSize) {
          scan.status = Status::Corruption(Where(seg.name, off, expect_seq) + ": misplaced or malformed checkpoint");
          return scan;
        }
      } else {
        scan.status =
            Status::Corruption(Where(seg.name, off, expect_seq) + ": unknown record type " + std::to_string(type));
        return scan;
      }
      if (visit) {
        s = visit(rec);
        if (!s.ok()) {
          scan.status = s;
          return scan;
        }
      }
      chain = rec.checksum;
      off += kRecordHeaderSize + length;
      ++seg.records;
      if (rec.type == RecordType::kCommand) {
        if (scan.first_seq == 0) scan.first_seq = rec.seq;
        scan.last_seq = rec.seq;
        scan.last_time = rec.time;
        ++scan.commands;
        ++expect_seq;
      } else {
        ++scan.checkpoints;
      }
    }
    // Unset, the data runs to the end of the file: every way out of the loop that leaves it so has read the file to
    // its end (there is no record left, or a torn one ends at it).
    if (!data_end) data_end = window.end();
    seg.bytes = *data_end;
    scan.bytes += *data_end;
    if (last_segment) {
      scan.position.last_segment = seg.name;
      scan.position.last_segment_size = scan.torn.present ? scan.torn.offset : *data_end;
    }
  }
  scan.position.next_seq = expect_seq == 0 ? 1 : expect_seq;
  scan.position.prev_hash = chain;
  if (scan.torn.present && scan.torn.offset == 0) scan.position.last_segment.clear();
  return scan;
}

Status TruncateTornTail(Env* env, const std::string& dir, JournalScan* scan) {
  if (!scan->torn.present) return Status::Ok();
  const std::string path = dir + "/" + scan->torn.segment;
  Status s;
  if (scan->torn.offset <= kSegmentHeaderSize) {
    // Nothing valid in it: remove the segment; the writer starts a fresh one with the same name.
    s = env->RemoveFile(path);
    if (s.ok()) s = env->SyncDir(dir);
    scan->position.last_segment.clear();
    scan->position.last_segment_size = 0;
  } else {
    s = env->Truncate(path, scan->torn.offset);
    scan->position.last_segment = scan->torn.segment;
    scan->position.last_segment_size = scan->torn.offset;
  }
  if (s.ok()) scan->torn.present = false;
  return s;
}

Status TruncateJournalAt(Env* env, const std::string& dir, SeqNo at_seq, std::string* report) {
  std::string cut_segment;
  uint64_t cut_offset = 0;
  JournalScan scan = ScanJournal(env, dir, [&](const JournalRecord& r) {
    if (r.type == RecordType::kCommand && r.seq == at_seq) {
      cut_segment = std::string(r.segment);
      cut_offset = r.offset;
      return Status::NotFound("stop");  // found it: stop scanning
    }
    return Status::Ok();
  });
  if (cut_segment.empty()) {
    // Not found as a valid record: allowed only where the valid journal ends right before at_seq.
    if (scan.position.next_seq != at_seq && !(scan.status.ok() == false && scan.last_seq + 1 == at_seq)) {
      return Status::InvalidArgument("seq " + std::to_string(at_seq) +
                                     " is not in the journal's valid part (last "
                                     "valid seq " +
                                     std::to_string(scan.last_seq) + "): " + scan.status.ToString());
    }
    if (scan.torn.present) {
      cut_segment = scan.torn.segment;
      cut_offset = scan.torn.offset;
    } else if (!scan.status.ok()) {
      // Corruption: it names "<segment> offset <n>"; cut there.
      const std::string& m = scan.status.message();
      const size_t sp = m.find(' ');
      const size_t off_at = m.find("offset ");
      if (sp == std::string::npos || off_at == std::string::npos) return scan.status;
      cut_segment = m.substr(0, sp);
      cut_offset = std::stoull(m.substr(off_at + 7));
    } else {
      *report = "nothing to truncate";
      return Status::Ok();
    }
  }
  Status s;
  bool after = false;
  uint64_t removed_segments = 0;
  for (const SegmentInfo& seg : scan.segments) {
    if (seg.name == cut_segment) {
      after = true;
      s = cut_offset <= kSegmentHeaderSize ? env->RemoveFile(dir + "/" + seg.name)
                                           : env->Truncate(dir + "/" + seg.name, cut_offset);
    } else if (after) {
      s = env->RemoveFile(dir + "/" + seg.name);
      ++removed_segments;
    }
    if (!s.ok()) return s;
  }
  s = env->SyncDir(dir);
  *report = "truncated " + cut_segment + " at offset " + std::to_string(cut_offset) + " (seq " +
            std::to_string(at_seq) + " and later removed), " + std::to_string(removed_segments) +
            " later segment(s) removed";
  return s;
}

}  // namespace sequex::journal

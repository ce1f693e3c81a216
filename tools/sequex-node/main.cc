// sequex-node DIR: recovers the engine from DIR (snapshot + journal), then sequences commands read from stdin with
// the `journal` durability policy and acknowledges each one on stdout only after its batch's fdatasync returned.
//
// stdin, one command per line:  <client-ref> <hex of the command codec bytes (journal/command_codec.h)>
// stdout:
//   RECOVERED <last_seq> <state_hash, 16 hex> <snapshot_seq> <replayed> <torn 0|1>   once, after recovery
//   ACK <client-ref> <seq>        the command is durable and applied
//   REFUSED <client-ref>          not journalable (bad bytes or enum out of range, or the line is malformed); no seq
//   REFUSED -                     the line has no client-ref (plain decimal digits, at most 2^64-1) to answer by
// Every line but a blank one or a `#` comment gets exactly one answer, and each REFUSED says why on stderr. A line
// is read up to kMaxLineBytes; the rest of a longer one is skipped, not held, and the line is refused.
//   FAILED <client-ref>           the journal failed; not durable, not applied (the node then exits 3)
// Recovery log lines and errors go to stderr. Exit: 0 at end of input, 2 recovery failed or DIR in use by another
// process (journal/data_dir_lock.h), 3 journal failed.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/guarded_main.h"
#include "common/plain_decimal_option.h"
#include "journal/command_codec.h"
#include "journal/data_dir_lock.h"
#include "journal/journal_format.h"
#include "journal/journal_writer.h"
#include "sequencer/sequencer.h"
#include "snapshot/recovery.h"
#include "snapshot/snapshot_store.h"

namespace {

using sequex::sequencer::AckStatus;
using sequex::sequencer::Completion;

class StdoutSink final : public sequex::sequencer::AckSink {
 public:
  void OnComplete(const Completion& c) override {
    char line[96];
    int n = 0;
    switch (c.status) {
      case AckStatus::kApplied:
        n = std::snprintf(line, sizeof line, "ACK %llu %llu\n", static_cast<unsigned long long>(c.client_ref),
                          static_cast<unsigned long long>(c.seq));
        break;
      case AckStatus::kRefused:
        n = std::snprintf(line, sizeof line, "REFUSED %llu\n", static_cast<unsigned long long>(c.client_ref));
        break;
      case AckStatus::kJournalFailed:
        n = std::snprintf(line, sizeof line, "FAILED %llu\n", static_cast<unsigned long long>(c.client_ref));
        break;
    }
    std::fwrite(line, 1, static_cast<size_t>(n), stdout);
  }
  void OnBatchEnd() override { std::fflush(stdout); }
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The longest line a command can need: its reference, a space, and a record's largest payload in hex.
constexpr size_t kMaxLineBytes = 20 + 1 + 2 * size_t{sequex::journal::kMaxRecordPayload};

// Reads the next line of stdin into `line`, without its newline, keeping at most kMaxLineBytes of it; `*cut` says
// whether more was skipped. False at the end of input with nothing read.
bool ReadLine(std::string* line, bool* cut) {
  line->clear();
  *cut = false;
  int c = 0;
  bool any = false;
  while ((c = getc_unlocked(stdin)) != EOF) {
    any = true;
    if (c == '\n') return true;
    if (line->size() < kMaxLineBytes) {
      line->push_back(static_cast<char>(c));
    } else {
      *cut = true;
    }
  }
  return any;
}

// The line's client-ref, or nothing if its first word is not plain decimal digits within 64 bits.
std::optional<uint64_t> ParseRef(std::string_view word) {
  uint64_t ref = 0;
  if (word.empty() || (word[0] == '0' && word.size() > 1)) return std::nullopt;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), ref);
  if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return ref;
}

void Refuse(uint64_t line_number, std::optional<uint64_t> ref, const char* why) {
  std::fprintf(stderr, "sequex-node: line %llu refused: %s\n", static_cast<unsigned long long>(line_number), why);
  if (ref) {
    std::printf("REFUSED %llu\n", static_cast<unsigned long long>(*ref));
  } else {
    std::printf("REFUSED -\n");
  }
  std::fflush(stdout);
}

}  // namespace

static int Main(int argc, char** argv) {
  CLI::App app{"sequex-node: recover, then sequence commands from stdin with the journal policy"};
  std::string dir;
  uint64_t checkpoint_interval = 1000;
  uint64_t snapshot_interval = 0;
  size_t max_batch = 256;
  uint64_t segment_bytes = sequex::journal::JournalWriterOptions{}.segment_bytes;
  app.add_option("dir", dir, "data directory")->required();
  app.add_option("--checkpoint-interval", checkpoint_interval, "commands between checkpoint records (0 = none)");
  app.add_option("--snapshot-interval", snapshot_interval, "commands between snapshots (0 = none)");
  app.add_option("--max-batch", max_batch, "commands per group commit, at most");
  app.add_option("--segment-bytes", segment_bytes, "journal segment size (pre-written, then rolled)")
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 34));
  sequex::RequirePlainDecimalIntegers(app);
  CLI11_PARSE(app, argc, argv);

  sequex::journal::Env* env = sequex::journal::Env::Default();
  // Held until exit, as sequexd holds its folder: recovery cuts a torn tail and the writer continues the journal.
  std::unique_ptr<sequex::journal::DataDirLock> lock;
  sequex::journal::Status s = env->CreateDir(dir);
  if (s.ok()) s = sequex::journal::DataDirLock::Acquire(dir, &lock);
  if (!s.ok()) {
    std::fprintf(stderr, "sequex-node: %s\n", s.message().c_str());
    return 2;
  }
  sequex::snapshot::RecoveryResult r;
  s = sequex::snapshot::Recover(env, dir, sequex::EngineConfig{}, {}, &r);
  for (const std::string& line : r.log) std::fprintf(stderr, "recovery: %s\n", line.c_str());
  if (!s.ok()) {
    std::fprintf(stderr, "recovery failed: %s\n", s.ToString().c_str());
    return 2;
  }
  auto writer = sequex::journal::JournalWriter::Open(env, dir, {.segment_bytes = segment_bytes}, r.position, &s);
  if (!s.ok()) {
    std::fprintf(stderr, "cannot open the journal: %s\n", s.ToString().c_str());
    return 2;
  }
  std::printf("RECOVERED %llu %016llx %llu %llu %d\n", static_cast<unsigned long long>(r.last_seq),
              static_cast<unsigned long long>(r.engine->StateHash()), static_cast<unsigned long long>(r.snapshot_seq),
              static_cast<unsigned long long>(r.replayed), r.torn_tail ? 1 : 0);
  std::fflush(stdout);

  sequex::snapshot::BackgroundSnapshotWriter snapshots(env, dir);
  StdoutSink sink;
  sequex::sequencer::SequencerOptions options;
  options.durability = sequex::sequencer::Durability::kJournal;
  options.checkpoint_interval = checkpoint_interval;
  options.snapshot_interval = snapshot_interval;
  options.max_batch = max_batch;
  sequex::sequencer::Sequencer sequencer(r.engine.get(), writer.get(), &snapshots, &sink, options, r.last_seq + 1,
                                         r.last_time);
  sequencer.Start();

  std::string line;
  std::string bytes;
  bool cut = false;
  uint64_t line_number = 0;
  while (ReadLine(&line, &cut)) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.find(' ');
    const std::optional<uint64_t> ref = ParseRef(std::string_view(line).substr(0, sp));
    if (!ref) {
      Refuse(line_number, ref, "no client-ref: the line must start with plain decimal digits and a space");
      continue;
    }
    if (sp == std::string::npos) {
      Refuse(line_number, ref, "no command after the client-ref");
      continue;
    }
    if (cut) {
      Refuse(line_number, ref, "longer than any command can be");
      continue;
    }
    bytes.clear();
    bool ok = (line.size() - sp - 1) % 2 == 0;
    for (size_t i = sp + 1; ok && i + 1 < line.size(); i += 2) {
      const int hi = HexValue(line[i]), lo = HexValue(line[i + 1]);
      ok = hi >= 0 && lo >= 0;
      bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
    if (!ok) {
      Refuse(line_number, ref, "the command is not an even number of hex digits");
      continue;
    }
    sequex::sequencer::Submission sub;
    sub.client_ref = *ref;
    if (sequex::journal::DecodeCommandBody(bytes, &sub.body) != sequex::journal::CodecError::kOk) {
      Refuse(line_number, ref, "the bytes are not a command (journal/command_codec.h)");
      continue;
    }
    for (;;) {
      // NOLINTNEXTLINE(bugprone-use-after-move): Submit moves only when it accepts (kOk)
      const sequex::sequencer::Offer o = sequencer.Submit(std::move(sub));
      if (o == sequex::sequencer::Offer::kOk) break;
      if (o == sequex::sequencer::Offer::kClosed) break;
      std::this_thread::yield();
    }
    if (sequencer.failed()) break;
  }
  sequencer.Stop();
  (void)snapshots.Wait();
  if (sequencer.failed()) {
    std::fprintf(stderr, "journal failed, closed: %s\n", sequencer.error().ToString().c_str());
    return 3;
  }
  return 0;
}

int main(int argc, char** argv) { return sequex::GuardedMain("sequex-node", 2, Main, argc, argv); }

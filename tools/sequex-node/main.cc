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
// Recovery log lines and errors go to stderr. SIGTERM / SIGINT stop it as the end of input does: it reads no further
// (a line it has read part of is dropped unanswered), answers every command it took once that is durable, closes
// the journal, logs `sequex-node: stopped on SIGTERM ...` and exits 0; a second one ends it at once (a kill, which
// loses nothing acknowledged). A closed stdin, stdout or stderr is opened on /dev/null (no input, answers lost).
// Exit: 0 at end of input or after SIGTERM / SIGINT, 2 recovery failed or DIR in use by another process
// (journal/data_dir_lock.h), 3 journal failed.
#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/guarded_main.h"
#include "common/plain_decimal_option.h"
#include "common/stop_signals.h"
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

// Reads stdin a block at a time (fd 0, not stdio, so that it can wait on the input and the stop signals together).
// A stop signal is taken between blocks (and by PollStopSignal): the lines of the block read already are still given
// out, then no more.
class Input {
 public:
  // `signal_fd`: a signalfd for StopSignals(), which are blocked.
  explicit Input(int signal_fd) : signal_fd_(signal_fd) {}

  // The next line, without its newline, keeping at most kMaxLineBytes of it; `*cut` says whether more was skipped.
  // False at the end of input with nothing read, or at a stop signal (stop_signal() then names it).
  bool ReadLine(std::string* line, bool* cut) {
    line->clear();
    *cut = false;
    bool any = false;
    for (;;) {
      if (pos_ == end_ && !Fill()) return any && stop_signal_ == 0;  // a line cut by the signal is not taken
      any = true;
      const char c = buffer_[pos_++];
      if (c == '\n') return true;
      if (line->size() < kMaxLineBytes) {
        line->push_back(c);
      } else {
        *cut = true;
      }
    }
  }
  // The signal that stopped the input, or 0.
  [[nodiscard]] int stop_signal() const { return stop_signal_; }

  // Takes a stop signal, waiting up to `timeout_ms` for one: for where the node waits on something else than stdin.
  // The lines of the block in hand are still given out, then no more. True if the input is stopped.
  bool PollStopSignal(int timeout_ms) {
    if (stop_signal_ != 0) return true;
    pollfd fd{signal_fd_, POLLIN, 0};
    return ::poll(&fd, 1, timeout_ms) > 0 && TakeStopSignal();
  }

 private:
  bool TakeStopSignal() {
    signalfd_siginfo info{};
    if (::read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return false;
    stop_signal_ = static_cast<int>(info.ssi_signo);
    return true;
  }

  bool Fill() {
    if (stop_signal_ != 0) return false;
    for (;;) {
      pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {0, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      if (fds[0].revents != 0 && TakeStopSignal()) return false;
      if (fds[1].revents == 0) continue;
      const ssize_t n = ::read(0, buffer_, sizeof buffer_);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      pos_ = 0;
      end_ = static_cast<size_t>(n);
      return true;
    }
  }

  int signal_fd_;
  int stop_signal_ = 0;
  char buffer_[1 << 16] = {};
  size_t pos_ = 0, end_ = 0;
};

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

// Opens /dev/null on each of descriptors 0, 1 and 2 that is closed, so that a closed stdin reads as no input and
// no descriptor the node opens (the signalfd, the lock, a journal segment) takes a standard one's number: as fd 0,
// the signalfd stood in for stdin, and the node waited for a signal instead of ending.
void OpenClosedStandardDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    // The lowest free descriptor: `fd` itself, as those below it are open.
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) (void)::open("/dev/null", O_RDWR);
  }
}

// How many times the node yields to a full ring before it waits on it instead (see Sequence).
constexpr int kFullRingYields = 1000;

struct Sequenced {
  uint64_t lines = 0;     // input lines read
  uint64_t last_seq = 0;  // the last command's seq
  bool journal_failed = false;
};

// Sequences the commands of `input` until its end, a stop signal or a journal failure (logged). On return the
// sequencer has stopped, having answered every command it took and synced the journal, and the snapshot writer is
// done; the journal writer is left to its owner.
Sequenced Sequence(Input* input, sequex::journal::Env* env, const std::string& dir, sequex::snapshot::RecoveryResult* r,
                   sequex::journal::JournalWriter* writer, const sequex::sequencer::SequencerOptions& options) {
  sequex::snapshot::BackgroundSnapshotWriter snapshots(env, dir);
  StdoutSink sink;
  sequex::sequencer::Sequencer sequencer(r->engine.get(), writer, &snapshots, &sink, options, r->last_seq + 1,
                                         r->last_time);
  sequencer.Start();

  std::string line;
  std::string bytes;
  bool cut = false;
  uint64_t line_number = 0;
  while (input->ReadLine(&line, &cut)) {
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
    for (int full = 0;; ++full) {
      // NOLINTNEXTLINE(bugprone-use-after-move): Submit moves only when it accepts (kOk)
      const sequex::sequencer::Offer o = sequencer.Submit(std::move(sub));
      if (o == sequex::sequencer::Offer::kOk) break;
      if (o == sequex::sequencer::Offer::kClosed) break;
      // The ring is full. Mostly for a moment, while the sequencer writes a batch: yield, and the next try takes it.
      // If it stays full, the sequencer is waiting to write its answers, which a reader that stopped reading may
      // never let it do: then wait on the stop signal, a millisecond at a time, rather than spin a core (as this did,
      // until killed). The signal is taken either way, so that a second one ends the node at once all the same.
      const bool waiting = full >= kFullRingYields;
      if (input->stop_signal() == 0) {
        if (input->PollStopSignal(waiting ? 1 : 0)) sequex::UnblockStopSignals();
        if (!waiting) std::this_thread::yield();
      } else {
        // Taken already, and unblocked: the next one ends the node while it sleeps.
        if (waiting) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        } else {
          std::this_thread::yield();
        }
      }
    }
    if (sequencer.failed()) break;
  }
  // What is left to do is bounded (the commands in the ring, a snapshot being written, the rest of a prepared
  // segment); a second signal, for whoever will not wait for it, now ends the process at once.
  if (input->stop_signal() != 0) sequex::UnblockStopSignals();
  sequencer.Stop();
  (void)snapshots.Wait();
  Sequenced done{.lines = line_number, .last_seq = sequencer.next_seq() - 1, .journal_failed = sequencer.failed()};
  if (done.journal_failed) std::fprintf(stderr, "journal failed, closed: %s\n", sequencer.error().ToString().c_str());
  return done;
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

  OpenClosedStandardDescriptors();
  // Before any thread starts (the snapshot writer's, the sequencer's, the segment preparer's), so all inherit it. A
  // stop signal that comes during recovery waits for it, and then stops the node before its first input line.
  sequex::BlockStopSignals();
  const sigset_t stop_signals = sequex::StopSignals();
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::fprintf(stderr, "sequex-node: signalfd: %s\n", std::strerror(errno));
    return 2;
  }

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

  sequex::sequencer::SequencerOptions options;
  options.durability = sequex::sequencer::Durability::kJournal;
  options.checkpoint_interval = checkpoint_interval;
  options.snapshot_interval = snapshot_interval;
  options.max_batch = max_batch;
  Input input(signal_fd);
  const Sequenced done = Sequence(&input, env, dir, &r, writer.get(), options);
  writer.reset();  // synced when the sequencer stopped; closed here, as at the end of input
  if (done.journal_failed) return 3;
  if (input.stop_signal() != 0) {
    std::fprintf(stderr,
                 "sequex-node: stopped on %s after input line %llu, every command taken answered, journal "
                 "closed at seq %llu\n",
                 sequex::StopSignalName(input.stop_signal()), static_cast<unsigned long long>(done.lines),
                 static_cast<unsigned long long>(done.last_seq));
  }
  return 0;
}

int main(int argc, char** argv) { return sequex::GuardedMain("sequex-node", 2, Main, argc, argv); }

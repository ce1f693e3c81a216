// Recovery: rebuilds the engine from a data directory — the newest valid snapshot, then the journal after it —
// and checks the result against every checkpoint hash met on the way (docs/journal.md, "Recovery").
//
//   RecoveryResult r;
//   Status s = Recover(env, dir, config, {}, &r);
//   if (!s.ok()) { print(s.ToString()); exit(1); }         // names file, offset and seq; nothing is guessed
//   auto writer = JournalWriter::Open(env, dir, {}, r.position, &s);   // continue the stream
//
// A torn tail is truncated (when options.truncate_torn_tail) and reported in r.log; any other corruption, a
// checkpoint mismatch, or a snapshot that the journal does not continue, is an error. A snapshot that fails
// validation is skipped (logged) in favour of an older one, or of a full replay when the journal starts at seq 1.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "journal/env.h"
#include "journal/journal_writer.h"

namespace sequex::snapshot {

struct RecoveryOptions {
  bool truncate_torn_tail = true;  // false: report it (r.torn_tail) and leave the files untouched
  bool use_snapshots = true;       // false: replay the whole journal from seq 1
};

struct RecoveryResult {
  std::unique_ptr<Engine> engine;
  journal::JournalPosition position;  // where a JournalWriter continues
  SeqNo last_seq = 0;                 // last command in the state
  TimeNs last_time = 0;
  SeqNo snapshot_seq = 0;  // 0 = started from an empty engine
  uint64_t replayed = 0;   // commands applied from the journal
  uint64_t checkpoints_verified = 0;
  bool torn_tail = false;  // one was found (and truncated, if the options say so)
  double snapshot_load_seconds = 0;
  double replay_seconds = 0;
  std::vector<std::string> log;  // what recovery did, for the operator
};

journal::Status Recover(journal::Env* env, const std::string& dir, const EngineConfig& config,
                        const RecoveryOptions& options, RecoveryResult* result);

}  // namespace sequex::snapshot

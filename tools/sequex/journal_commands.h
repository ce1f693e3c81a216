// The `sequex journal ...` and `sequex snapshot ...` subcommands. Each returns the process exit code and prints
// JSON (one object per line) to stdout; diagnostics go to stderr.
#pragma once

#include <cstdint>
#include <string>

#include "engine/engine.h"

namespace sequex::tools {

int JournalDump(const std::string& dir);
// The subcommands that rebuild an engine build it with `engine`: sequexd's [engine] table (`--config FILE`), so that
// its tables are sized as the server's are, and a snapshot taken with a non-default fee account still loads.
int JournalVerify(const std::string& dir, const EngineConfig& engine);
// Rebuilds the state from the whole journal or, with from_snapshot, the way a restart does: the newest valid snapshot
// and the journal after it.
int JournalReplay(const std::string& dir, bool from_snapshot, const EngineConfig& engine);
int JournalStats(const std::string& dir);
int JournalTruncate(const std::string& dir, uint64_t at_seq, bool drop_newer_snapshots);
int SnapshotTake(const std::string& dir, const EngineConfig& engine);
int SnapshotList(const std::string& dir, const EngineConfig& engine);
int SnapshotVerify(const std::string& dir, const EngineConfig& engine);
// Keeps the newest `keep` snapshots that load (each is read in full first) and the journal they need.
int SnapshotPrune(const std::string& dir, size_t keep, const EngineConfig& engine);

}  // namespace sequex::tools

// The `sequex journal ...` and `sequex snapshot ...` subcommands. Each returns the process exit code and prints
// JSON (one object per line) to stdout; diagnostics go to stderr.
#pragma once

#include <cstdint>
#include <string>

namespace sequex::tools {

int JournalDump(const std::string& dir);
int JournalVerify(const std::string& dir);
int JournalReplay(const std::string& dir);
int JournalStats(const std::string& dir);
int JournalTruncate(const std::string& dir, uint64_t at_seq);
int SnapshotTake(const std::string& dir);
int SnapshotList(const std::string& dir);
int SnapshotVerify(const std::string& dir);
int SnapshotPrune(const std::string& dir, size_t keep);

}  // namespace sequex::tools

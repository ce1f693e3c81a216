// sequex: the operator's command line. See docs/journal.md for the journal and snapshot subcommands.
#include <CLI/CLI.hpp>

#include "journal_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"sequex: the Sequex operator tool"};
  app.require_subcommand(1);
  int rc = 0;
  std::string dir;
  uint64_t at_seq = 0;
  size_t keep = 2;

  CLI::App* journal = app.add_subcommand("journal", "inspect, verify, replay or truncate a journal");
  journal->require_subcommand(1);
  auto add_dir_cmd = [&](CLI::App* parent, const char* name, const char* help, auto fn) {
    CLI::App* c = parent->add_subcommand(name, help);
    c->add_option("dir", dir, "data directory (journal segments)")->required();
    c->callback([&rc, &dir, fn] { rc = fn(dir); });
    return c;
  };
  add_dir_cmd(journal, "dump", "every record as a JSON line", sequex::tools::JournalDump);
  add_dir_cmd(journal, "verify", "checksums, hash chain, gap-free seq, replay to every checkpoint; exit 0 iff all hold",
              sequex::tools::JournalVerify);
  add_dir_cmd(journal, "replay", "rebuild the state from the journal; prints the benchmark JSON line",
              sequex::tools::JournalReplay);
  add_dir_cmd(journal, "stats", "segments, records, sizes, command mix", sequex::tools::JournalStats);
  CLI::App* truncate = journal->add_subcommand("truncate", "remove command --at-seq N and everything after it");
  truncate->add_option("dir", dir, "data directory")->required();
  truncate->add_option("--at-seq", at_seq, "first sequence number to remove")->required();
  truncate->callback([&] { rc = sequex::tools::JournalTruncate(dir, at_seq); });

  CLI::App* snap = app.add_subcommand("snapshot", "take, list, verify or prune snapshots");
  snap->require_subcommand(1);
  auto add_snap_cmd = [&](const char* name, const char* help, auto fn) {
    CLI::App* c = snap->add_subcommand(name, help);
    c->add_option("--data-dir", dir, "data directory")->required();
    c->callback([&rc, &dir, fn] { rc = fn(dir); });
    return c;
  };
  add_snap_cmd("take", "recover the state and write a snapshot of it", sequex::tools::SnapshotTake);
  add_snap_cmd("list", "list snapshots (validating each)", sequex::tools::SnapshotList);
  add_snap_cmd("verify", "validate every snapshot; exit 0 iff all are valid", sequex::tools::SnapshotVerify);
  CLI::App* prune = snap->add_subcommand("prune", "keep the newest --keep snapshots; drop covered segments");
  prune->add_option("--data-dir", dir, "data directory")->required();
  prune->add_option("--keep", keep, "snapshots to keep (default 2)");
  prune->callback([&] { rc = sequex::tools::SnapshotPrune(dir, keep); });

  CLI11_PARSE(app, argc, argv);
  return rc;
}

// Server: sequexd's whole process (docs/server.md) — recovery from the data folder, the sequencer and journal,
// the publisher and its mirror engine, the gateways and their listeners, the admin endpoint, the demo.
//
//   Server server(config, demo);
//   if (!server.Start(&error)) { print(error); exit(2); }
//   std::cout << server.ReadyLine();
//   server.WaitForSignal();   // SIGINT / SIGTERM
//   server.Stop();            // answers what is in flight, closes the connections, syncs the journal
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "journal/data_dir_lock.h"
#include "journal/journal_writer.h"
#include "sequencer/sequencer.h"
#include "server/admin.h"
#include "server/catalog.h"
#include "server/config.h"
#include "server/definitions.h"
#include "server/delivery.h"
#include "server/demo_market_maker.h"
#include "server/gateway.h"
#include "server/publisher.h"
#include "server/sessions.h"
#include "snapshot/snapshot_store.h"

namespace sequex::server {

class Server {
 public:
  Server(ServerConfig config, bool demo);
  ~Server();

  bool Start(std::string* error);
  [[nodiscard]] std::string ReadyLine() const;
  void WaitForSignal();
  void Stop();

 private:
  bool Recover(std::string* error);
  // A publisher made from the newest valid history snapshot at or before max_seq (none: seq 0, no publisher),
  // and what was found on the way, for the log. Reads only the configuration, so it may run beside recovery.
  struct RestoredHistory {
    SeqNo seq = 0;
    std::unique_ptr<Publisher> publisher;
    std::vector<std::string> log;
  };
  [[nodiscard]] RestoredHistory RestoreHistory(journal::Env* env, SeqNo max_seq);
  // Journals what `plan` (checked whole beforehand) defines, and the fee tier `tier` where the state's differs.
  bool Bootstrap(const DefinitionPlan& plan, const SetFeeTier& tier, std::string* error);
  bool StartDemo(std::string* error);
  void ArmTickerRefresh();
  // Answers the requests in flight and closes the connections, within shutdown_grace_ms (docs/server.md, "Stopping").
  void Drain();
  // Blocks until the command is applied; returns its events' reject code (0 = done). Startup only.
  uint32_t SubmitAndWait(CommandBody body, std::vector<Event>* events = nullptr);

  ServerConfig config_;
  bool demo_;
  // Held from before recovery until the server is destroyed, after everything below that writes the folder.
  std::unique_ptr<journal::DataDirLock> data_dir_lock_;
  Directory directory_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<journal::JournalWriter> writer_;
  std::unique_ptr<snapshot::BackgroundSnapshotWriter> snapshots_;
  std::unique_ptr<sequencer::Sequencer> sequencer_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<DemoMarketMaker> demo_mm_;
  EdgeContext edge_;
  boost::asio::io_context io_;
  // Every second, RefreshTickers on the publisher (after io_: dropped first, with its pending wait).
  std::unique_ptr<boost::asio::steady_timer> ticker_refresh_;
  std::unique_ptr<Delivery> delivery_;  // after io_: dropped first, while the sessions' sockets can still close
  std::vector<std::thread> io_threads_;
  std::string http_endpoint_, admin_endpoint_;
  SeqNo recovered_seq_ = 0;
  SetFeeTier recovered_fee_tier_;  // tier 0 as recovered, before Bootstrap
  bool started_ = false;
};

}  // namespace sequex::server

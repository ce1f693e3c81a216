#include "server/server.h"

#include <simdjson.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <limits>
#include <new>
#include <random>
#include <sstream>

#include "api/json_writer.h"
#include "common/stop_signals.h"
#include "common/thread_name.h"
#include "journal/command_codec.h"
#include "journal/data_dir_lock.h"
#include "journal/journal_reader.h"
#include "server/api_format.h"
#include "snapshot/recovery.h"

namespace sequex::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One write per line: the admin endpoint logs from the publisher thread while others may too.
void Log(const std::string& line) { std::cerr << "sequexd: " + line + "\n"; }

// Retention ([journal] keep_snapshots), after each engine snapshot, on the snapshot writer's thread: the newest
// `keep` snapshots that load stay (the one recovery loaded and those written since: `unchecked` names the others
// found at the start, snapshot::Prune), and the segments the oldest of them and the history snapshots need.
// Nothing goes before there are `keep` of them (until then recovery falls back on what there is), nor before a
// history snapshot exists (the order and trade history restarts from one and the journal after it, and would
// otherwise start at the oldest snapshot kept). A failure is logged; the next snapshot tries again.
void KeepSnapshots(journal::Env* env, const std::string& dir, uint64_t keep,
                   const std::vector<std::string>& unchecked) {
  std::vector<snapshot::SnapshotInfo> snapshots, histories;
  journal::Status s = snapshot::ListSnapshots(env, dir, &snapshots);
  if (s.ok()) s = snapshot::ListHistorySnapshots(env, dir, &histories);
  const auto loads = [&unchecked](const snapshot::SnapshotInfo& info) {
    return std::find(unchecked.begin(), unchecked.end(), info.name) == unchecked.end();
  };
  if (s.ok() &&
      (static_cast<uint64_t>(std::count_if(snapshots.begin(), snapshots.end(), loads)) < keep || histories.empty())) {
    return;
  }
  std::string report;
  if (s.ok()) s = snapshot::Prune(env, dir, keep, &report, unchecked);
  Log("retention: " + (s.ok() ? report : "cannot prune: " + s.ToString()));
}

bool WriteFileAtomic(const std::string& path, const std::string& text, mode_t mode) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << text;
    if (!out.flush()) return false;
  }
  ::chmod(tmp.c_str(), mode);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

std::optional<tcp::endpoint> Endpoint(const std::string& text) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(text, &host, &port)) return std::nullopt;
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(address, port);
}

}  // namespace

// With one I/O thread, Asio is told so: a handler posted from that thread then goes on a queue of the thread's
// own, with no lock and no wake-up of the reactor.
Server::Server(ServerConfig config, bool demo)
    : config_(std::move(config)),
      demo_(demo),
      io_(config_.io_threads == 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT),
      delivery_(std::make_unique<Delivery>(io_)) {}

Server::~Server() { Stop(); }

uint32_t Server::SubmitAndWait(CommandBody body, std::vector<Event>* events) {
  std::promise<uint32_t> done;
  std::future<uint32_t> result = done.get_future();
  const uint32_t s = gateway_->Submit(std::move(body), [&done, events](const Outcome& o) {
    const uint32_t code = OutcomeCode(o);
    if (events != nullptr) events->assign(o.events.begin(), o.events.end());
    done.set_value(code);
  });
  if (s != kOk) return s;
  return result.get();
}

bool Server::Recover(std::string* error) {
  journal::Env* env = journal::Env::Default();
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    *error = "cannot create " + config_.data_dir + ": " + ec.message();
    return false;
  }
  // Before anything in the folder is read or written: a second server on it would continue the journal from where
  // it recovered, beside the first, and one of the two's acknowledged commands would be lost at the next start.
  if (const journal::Status locked = journal::DataDirLock::Acquire(config_.data_dir, &data_dir_lock_); !locked.ok()) {
    *error = locked.message();
    return false;
  }
  // The client_oid index's hash is keyed afresh at every start, so that no client can learn where its client_oids
  // land and aim them all at one place (EngineConfig::index_seed). It moves keys within the index, nothing else:
  // the state, the events and the hash are the same with any seed, so recovery and replicas are unaffected.
  if (config_.engine.index_seed == 0) {
    std::random_device random;
    while (config_.engine.index_seed == 0) config_.engine.index_seed = uint64_t{random()} << 32 | random();
  }
  // The publisher's mirror and its history: the newest valid history snapshot at or before the recovered seq, and
  // the journal after it; without one, the whole journal from its first command. The snapshot is read and loaded
  // on a thread of its own while the engine recovers, as the two do not depend on each other and each takes
  // seconds on a busy venue. The recovered seq is not known yet, so the newest valid one is taken; one past the
  // journal's end (acknowledged commands whose journal tail was lost) is rare and is then replaced below.
  std::future<RestoredHistory> history_load = std::async(std::launch::async, [this, env] {
    NameThisThread("sx-history-load");  // sx-history is the writer
    return RestoreHistory(env, std::numeric_limits<SeqNo>::max());
  });
  snapshot::RecoveryResult r;
  const journal::Status s = snapshot::Recover(env, config_.data_dir, config_.engine, {}, &r);
  for (const std::string& line : r.log) Log("recovery: " + line);
  if (!s.ok()) {
    *error = "recovery failed: " + s.ToString();
    return false;  // after history_load's destructor waits for it
  }
  engine_ = std::move(r.engine);
  recovered_seq_ = r.last_seq;
  std::vector<std::string> unfinished;
  const journal::Status cleaned = snapshot::RemoveUnfinishedSnapshots(env, config_.data_dir, &unfinished);
  for (const std::string& name : unfinished) Log("removed " + name + ", a snapshot whose writer was stopped");
  if (!cleaned.ok()) Log("cannot remove unfinished snapshots: " + cleaned.ToString());

  RestoredHistory history = history_load.get();
  if (history.seq > recovered_seq_) {
    history.publisher.reset();  // before the next one is loaded: each may hold hundreds of MB
    history = RestoreHistory(env, recovered_seq_);
  }
  for (const std::string& line : history.log) Log("history: " + line);
  std::vector<std::string> stale;
  if (const journal::Status rs =
          snapshot::RemoveHistorySnapshots(env, config_.data_dir, recovered_seq_, SIZE_MAX, &stale);
      !rs.ok()) {
    // Not fatal now, but one of them could later be taken for history it never saw: refuse to start.
    *error = "cannot remove history snapshots past the journal's end: " + rs.ToString();
    return false;
  }
  for (const std::string& name : stale) Log("history: removed " + name + ", past the journal's end");
  const SeqNo history_seq = history.seq;
  if (history.publisher != nullptr) publisher_ = std::move(history.publisher);
  if (publisher_ == nullptr) {
    publisher_ = std::make_unique<Publisher>(std::make_unique<Engine>(config_.engine), &directory_);
  }
  bool pruned = false;
  uint64_t folded = 0;
  SeqNo expected = history_seq + 1;
  // Folded in as it is read, one segment in memory at a time, from the segment that holds the first command to
  // fold: recovery has just checked the whole journal.
  const journal::JournalScan scan =
      journal::ScanJournalFrom(env, config_.data_dir, expected, [&](const journal::JournalRecord& rec) {
        if (rec.type != journal::RecordType::kCommand || rec.seq > recovered_seq_ || rec.seq < expected) {
          return journal::Status::Ok();
        }
        if (rec.seq != expected) {
          pruned = true;  // the segments after the history snapshot (or seq 1) were pruned: nothing to fold from
          return journal::Status::NotFound("journal starts after seq " + std::to_string(expected));
        }
        ++expected;
        Command c;
        c.seq = rec.seq;
        c.time = rec.time;
        if (journal::DecodeCommandBody(rec.payload, &c.body) != journal::CodecError::kOk) {
          return journal::Status::Corruption("undecodable command in " + std::string(rec.segment) + " at offset " +
                                             std::to_string(rec.offset) + ", seq " + std::to_string(rec.seq));
        }
        publisher_->Replay(c);
        ++folded;
        return journal::Status::Ok();
      });
  if (pruned) {
    // The mirror starts from the recovered state; history begins with the next command.
    std::string load_error;
    std::unique_ptr<Engine> mirror = Engine::LoadSnapshot(engine_->SaveSnapshot(), config_.engine, &load_error);
    if (mirror == nullptr) {
      *error = "mirror: " + load_error;
      return false;
    }
    publisher_ = std::make_unique<Publisher>(std::move(mirror), &directory_);
    publisher_->AdoptOpenOrders();
    Log("the journal starts after seq " + std::to_string(history_seq + 1) + ": order and trade history before seq " +
        std::to_string(recovered_seq_ + 1) + " is not available");
  } else if (!scan.status.ok()) {
    *error = "journal scan failed: " + scan.status.ToString();
    return false;
  }
  if (publisher_->engine().StateHash() != engine_->StateHash()) {
    *error = "mirror state hash differs from the recovered engine's";
    return false;
  }
  recovered_fee_tier_ = engine_->FeeTierRates(0);
  publisher_->PublishDirectory();
  Log("recovered to seq " + std::to_string(recovered_seq_) + " (" + std::to_string(folded) +
      " commands folded into history" +
      (history_seq != 0 && !pruned ? " after the history snapshot at seq " + std::to_string(history_seq) : "") + ")");

  if (config_.durable) {
    journal::Status ws;
    journal::JournalWriterOptions wo;
    wo.segment_bytes = config_.segment_bytes;
    wo.prewritten_segments = config_.prewritten_segments;
    writer_ = journal::JournalWriter::Open(env, config_.data_dir, wo, r.position, &ws);
    if (!ws.ok()) {
      *error = "cannot open the journal: " + ws.ToString();
      return false;
    }
    std::function<void()> retention;
    if (config_.keep_snapshots != 0) {
      // Every snapshot here but the one recovery loaded: newer ones failed to load, older ones were not read.
      std::vector<snapshot::SnapshotInfo> found;
      std::vector<std::string> unchecked;
      const journal::Status ls = snapshot::ListSnapshots(env, config_.data_dir, &found);
      for (const snapshot::SnapshotInfo& info : found) {
        if (r.snapshot_seq == 0 || info.meta.seq != r.snapshot_seq) unchecked.push_back(info.name);
      }
      if (ls.ok()) {
        retention = [env, dir = config_.data_dir, keep = config_.keep_snapshots, unchecked = std::move(unchecked)] {
          KeepSnapshots(env, dir, keep, unchecked);
        };
      } else {
        Log("retention: off until the next start, the snapshots cannot be listed: " + ls.ToString());
      }
    }
    snapshots_ = std::make_unique<snapshot::BackgroundSnapshotWriter>(
        env, config_.data_dir, snapshot::BackgroundSnapshotWriter::Kind::kEngine, std::move(retention));
    publisher_->EnableHistorySnapshots(env, config_.data_dir, config_.snapshot_interval, recovered_seq_,
                                       pruned ? 0 : history_seq);
  }
  sequencer::SequencerOptions options;
  options.durability = config_.durable ? sequencer::Durability::kJournal : sequencer::Durability::kMemory;
  options.checkpoint_interval = config_.durable ? config_.checkpoint_interval : 0;
  options.snapshot_interval = config_.durable ? config_.snapshot_interval : 0;
  sequencer_ = std::make_unique<sequencer::Sequencer>(engine_.get(), writer_.get(), snapshots_.get(),
                                                      publisher_->sink(), options, r.last_seq + 1, r.last_time);
  return true;
}

Server::RestoredHistory Server::RestoreHistory(journal::Env* env, SeqNo max_seq) {
  RestoredHistory restored;
  std::vector<snapshot::SnapshotInfo> candidates;
  if (const journal::Status s = snapshot::ListHistorySnapshots(env, config_.data_dir, &candidates); !s.ok()) {
    restored.log.push_back("cannot list history snapshots: " + s.ToString());
    return restored;
  }
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    // One past the journal's end (its commands were acknowledged, then the tail was lost) cannot be used.
    if (it->meta.seq > max_seq) {
      restored.log.push_back("skipped " + it->name + ", past the journal's end");
      continue;
    }
    snapshot::SnapshotInfo info;
    std::unique_ptr<Engine> mirror;
    snapshot::HistoryBytes history;
    journal::Status s =
        snapshot::ReadHistorySnapshot(env, config_.data_dir, it->name, config_.engine, &info, &mirror, &history);
    std::string error;
    if (s.ok()) {
      auto publisher = std::make_unique<Publisher>(std::move(mirror), &directory_);
      if (publisher->RestoreProjection(history.bytes, &error)) {
        restored.seq = info.meta.seq;
        restored.publisher = std::move(publisher);
        restored.log.push_back("restored from " + it->name);
        return restored;
      }
    } else {
      error = s.ToString();
    }
    restored.log.push_back("skipped " + it->name + ": " + error);
  }
  return restored;
}

bool Server::Bootstrap(const DefinitionPlan& plan, const SetFeeTier& tier, std::string* error) {
  for (const DefineAsset& d : plan.assets) {
    if (const uint32_t code = SubmitAndWait(d); code != kOk) {
      *error = "cannot define asset " + std::string(d.code) + ": code " + std::to_string(code);
      return false;
    }
  }
  for (const DefineInstrument& d : plan.instruments) {
    if (const uint32_t code = SubmitAndWait(d); code != kOk) {
      *error = "cannot define instrument " + std::string(d.symbol) + ": code " + std::to_string(code) + " (" +
               DefineInstrumentRejection(code) + ")";
      return false;
    }
  }
  // The fee tier too, whenever the state's differs from the config's: a first start killed between its
  // definitions and this would otherwise leave the venue charging nothing at every later start.
  if (tier.maker_ppm != recovered_fee_tier_.maker_ppm || tier.taker_ppm != recovered_fee_tier_.taker_ppm) {
    // A first start has nothing to compare with: "maker 0, taker 0 in the state" would read as a finding.
    Log(recovered_seq_ == 0 ? "fee tier 0 set to the config's " + FeeRatesText(tier)
                            : "fee tier 0 is " + FeeRatesText(recovered_fee_tier_) + " in the state, " +
                                  FeeRatesText(tier) + " in the config: set to the config's");
    if (const uint32_t code = SubmitAndWait(tier); code != kOk) {
      *error = "cannot set the fee tier: code " + std::to_string(code);
      return false;
    }
  }
  return true;
}

bool Server::StartDemo(std::string* error) {
  const std::string path = config_.data_dir + "/demo-accounts.json";
  AccountId maker{}, taker{};
  std::shared_ptr<const VenueCatalog> catalog = directory_.catalog();
  // `whole_units` of USD and `others` of every other asset, or what fits (DemoDepositUnits).
  const auto fund = [&](AccountId account, int64_t whole_units, int64_t others) {
    for (const AssetInfo& a : catalog->assets()) {
      const int64_t amount = DemoDepositUnits(a.code == "USD" ? whole_units : others, a.decimals);
      if (SubmitAndWait(Deposit{account, a.id, Amount{amount}}) != kOk) return false;
    }
    return true;
  };
  const auto create = [&](bool with_key, std::string* key, std::string* secret) -> AccountId {
    CreateAccount c;
    if (with_key) {
      *key = RandomToken(24);
      *secret = RandomToken(32);
      std::memcpy(c.credential.key, key->data(), key->size());
      std::memcpy(c.credential.secret, secret->data(), secret->size());
      c.credential.permissions = kPermissionRead | kPermissionTrade;
    }
    std::vector<Event> events;
    if (SubmitAndWait(c, &events) != kOk) return AccountId{0};
    const auto* created = FindEvent<AccountCreatedEvent>(events);
    return created != nullptr ? created->account : AccountId{0};
  };
  std::ifstream in(path);
  bool recreate = !in;
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    uint64_t m = 0, t = 0;
    simdjson::dom::array traders;
    if (parser.parse(text.str()).get(root) != simdjson::SUCCESS || root["market_maker"].get(m) != simdjson::SUCCESS ||
        root["market_taker"].get(t) != simdjson::SUCCESS || root["traders"].get(traders) != simdjson::SUCCESS ||
        m == 0 || t == 0 || m > UINT32_MAX || t > UINT32_MAX) {
      *error = path + " is not what sequexd wrote; remove it to recreate the demo accounts";
      return false;
    }
    maker = AccountId{static_cast<uint32_t>(m)};
    taker = AccountId{static_cast<uint32_t>(t)};
    std::vector<std::pair<std::string, uint64_t>> keys;  // each trader's key and account, as the file says
    for (simdjson::dom::element trader : traders) {
      std::string_view key;
      uint64_t account = 0;
      if (trader["api_key"].get(key) != simdjson::SUCCESS || trader["account_id"].get(account) != simdjson::SUCCESS) {
        *error = path + " is not what sequexd wrote; remove it to recreate the demo accounts";
        return false;
      }
      keys.emplace_back(std::string(key), account);
    }
    // The file describes this venue's demo accounts only if they are in its state: one written under `memory`
    // durability, or for another journal, names accounts that do not exist here, or that an operator has since
    // created for someone else, and the market maker would then quote with their funds. The traders' keys are
    // random, so a key that maps to its account is this venue's.
    std::promise<bool> checked;
    std::future<bool> ours = checked.get_future();
    const bool posted = publisher_->Post([&checked, maker, taker, &keys, this]() {
      const Engine& state = publisher_->engine();
      bool all = state.AccountExists(maker) && state.AccountExists(taker);
      for (const auto& [key, account] : keys) {
        const std::optional<ApiKeyView> found = state.FindApiKey(key);
        all = all && found.has_value() && found->account.value() == account;
      }
      checked.set_value(all);
    });
    if (!posted || !ours.get()) {
      Log(path +
          " names accounts this venue's state does not hold as written (a `memory` start, or another "
          "journal): creating new demo accounts");
      recreate = true;
    }
  }
  if (recreate) {
    std::string unused_key, unused_secret;
    maker = create(false, &unused_key, &unused_secret);
    taker = create(false, &unused_key, &unused_secret);
    if (maker.value() == 0 || taker.value() == 0 || !fund(maker, 1'000'000'000, 1'000'000) ||
        !fund(taker, 1'000'000'000, 1'000'000)) {
      *error = "cannot create the demo market maker's accounts";
      return false;
    }
    api::JsonWriter w;
    w.BeginObject();
    w.UintField("market_maker", maker.value());
    w.UintField("market_taker", taker.value());
    w.Key("traders");
    w.BeginArray();
    for (uint32_t i = 0; i < config_.demo_accounts; ++i) {
      std::string key, secret;
      const AccountId trader = create(true, &key, &secret);
      if (trader.value() == 0 || !fund(trader, 100'000, 10)) {
        *error = "cannot create a demo trader";
        return false;
      }
      WriteCredentials(w, trader, key, secret);
    }
    w.EndArray();
    w.EndObject();
    if (!WriteFileAtomic(path, std::string(w.view()) + "\n", 0600)) {
      *error = "cannot write " + path;
      return false;
    }
    Log("demo accounts written to " + path);
  }
  if (!config_.demo_market_maker) return true;
  std::vector<DemoQuote> quotes;
  catalog = directory_.catalog();
  for (const InstrumentConfig& ic : config_.instruments) {
    const InstrumentInfo* inst = catalog->FindInstrument(ic.symbol);
    if (inst == nullptr || ic.demo_mid.empty()) continue;
    DemoQuote q;
    q.instrument = inst->id;
    if (!inst->ParsePrice(ic.demo_mid, &q.mid)) {
      *error = "instrument " + ic.symbol + ": demo_mid is not on the price grid";
      return false;
    }
    // One size unit = 1/100 of a whole base unit (at least one lot).
    int64_t hundredth = 1;
    for (int i = 0; i < inst->base.decimals; ++i) hundredth *= 10;
    hundredth /= 100;
    q.unit = QtyLots{std::max<int64_t>(1, hundredth / inst->lot_size.value())};
    quotes.push_back(q);
  }
  demo_mm_ = std::make_unique<DemoMarketMaker>(gateway_.get(), maker, taker, std::move(quotes), config_.demo_seed);
  demo_mm_->Start();
  return true;
}

bool Server::Start(std::string* error) {
  // The engines are built here, at the [engine] sizes: the load's estimate keeps those within the machine's memory,
  // but what is free may be less.
  try {
    if (!Recover(error)) return false;
  } catch (const std::bad_alloc&) {
    *error = "out of memory while building the engine and its mirror for the [engine] sizes (about " +
             std::to_string(2 * EstimatedEngineBytes(config_.engine) >> 20) +
             " MiB): lower expected_orders, expected_accounts, expected_account_books, expected_books or "
             "reserved_small_memory_mib";
    return false;
  }
  // Everything that can refuse this start is checked before its first command, so that a refused start leaves the
  // venue as it was: the definitions against the recovered state, the fees, the endpoints (bound, too).
  const std::optional<DefinitionPlan> plan = PlanDefinitions(config_, *directory_.catalog(), error);
  if (!plan) return false;
  SetFeeTier tier;
  if (!ParseFeeRate(config_.maker_rate, /*rebate=*/false, &tier.maker_ppm)) {
    *error = "config: fees.maker_rate must be a decimal in [0, 0.1] with at most 6 places";
    return false;
  }
  if (!ParseFeeRate(config_.taker_rate, /*rebate=*/false, &tier.taker_ppm)) {
    *error = "config: fees.taker_rate must be a decimal in [0, 0.1] with at most 6 places";
    return false;
  }
  const std::optional<tcp::endpoint> listen = Endpoint(config_.listen);
  const std::optional<tcp::endpoint> admin_listen = Endpoint(config_.admin_listen);
  if (!listen) {
    *error = "listen must be IP:PORT with a port in [0, 65535] (\"" + config_.listen + "\")";
    return false;
  }
  if (!admin_listen) {
    *error = "admin_listen must be IP:PORT with a port in [0, 65535] (\"" + config_.admin_listen + "\")";
    return false;
  }
  if (!admin_listen->address().is_loopback()) {
    *error = "admin_listen must be a loopback address";
    return false;
  }
  gateway_ = std::make_unique<Gateway>(config_, &directory_, sequencer_.get(), publisher_.get());
  const std::string token = RandomToken(64);
  admin_ = std::make_unique<AdminService>(gateway_.get(), &edge_.counters, token, Log);
  edge_.gateway = gateway_.get();
  edge_.delivery = delivery_.get();
  // Past the descriptors the process may open, accept fails for everyone, the operator included: the cap stays far
  // enough under that limit to leave room for the operator's connections, the journal and the snapshots.
  edge_.max_connections = config_.max_connections;
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    const auto room = static_cast<int64_t>(files.rlim_cur) - 256;
    edge_.max_connections = std::max<int64_t>(1, std::min<int64_t>(edge_.max_connections, room));
  }
  edge_.max_connections_per_ip = config_.max_connections_per_ip;
  edge_.admin = [this](const std::string& op, const std::string& body, const std::string& bearer,
                       const std::shared_ptr<Outbox>& out) { admin_->Handle(op, body, bearer, out); };
  // Bound now, accepting once the I/O threads run (after the definitions): a port in use refuses the start here.
  try {
    const tcp::endpoint http = StartListener(io_, *listen, &edge_, /*admin=*/false);
    const tcp::endpoint admin = StartListener(io_, *admin_listen, &edge_, /*admin=*/true);
    http_endpoint_ = http.address().to_string() + ":" + std::to_string(http.port());
    admin_endpoint_ = admin.address().to_string() + ":" + std::to_string(admin.port());
  } catch (const boost::system::system_error& e) {
    *error = std::string("cannot listen: ") + e.what();
    return false;
  }

  publisher_->Start();
  sequencer_->Start();
  started_ = true;
  for (const std::string& note : plan->notes) Log(note);
  if (!Bootstrap(*plan, tier, error)) return false;
  if (!WriteFileAtomic(config_.data_dir + "/admin.token", token + "\n", 0600) ||
      !WriteFileAtomic(config_.data_dir + "/admin.endpoint", admin_endpoint_ + "\n", 0644)) {
    *error = "cannot write the admin files in " + config_.data_dir;
    return false;
  }
  ticker_refresh_ = std::make_unique<boost::asio::steady_timer>(io_);
  ArmTickerRefresh();
  for (uint32_t i = 0; i < config_.io_threads; ++i) {
    io_threads_.emplace_back([this, i] {
      NameThisThread(("sx-io-" + std::to_string(i)).c_str());
      io_.run();
    });
  }
  if (demo_ && !StartDemo(error)) return false;
  return true;
}

void Server::ArmTickerRefresh() {
  ticker_refresh_->expires_after(std::chrono::seconds(1));
  ticker_refresh_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    Publisher* publisher = publisher_.get();
    (void)publisher_->Post([publisher] { publisher->RefreshTickers(); });  // the ring full: the next second's
    ArmTickerRefresh();
  });
}

std::string Server::ReadyLine() const {
  return "sequexd: ready http=" + http_endpoint_ + " admin=" + admin_endpoint_ + " data=" + config_.data_dir;
}

void Server::WaitForSignal() {
  const sigset_t set = StopSignals();
  int sig = 0;
  sigwait(&set, &sig);
  Log(std::string("stopping on ") + StopSignalName(sig));
}

// Polled, as nothing here is urgent and an idle server has nothing to wait for: the pause is a sigtimedwait, which
// also takes a second SIGINT / SIGTERM (blocked in every thread, see WaitForSignal) as "stop at once".
void Server::Drain() {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + std::chrono::milliseconds(config_.shutdown_grace_ms);
  const SessionCounters& counters = edge_.counters;
  const auto connections = [&counters] {
    return counters.http.load() + counters.websocket.load() + counters.admin.load();
  };
  const sigset_t signals = StopSignals();
  bool signalled = false;
  const auto wait_for = [&](const auto& done) {
    const timespec pause{0, 1'000'000};
    while (!done()) {
      if (signalled || Clock::now() >= deadline) return false;
      if (sigtimedwait(&signals, nullptr, &pause) > 0) signalled = true;
    }
    return true;
  };
  StopAccepting(&edge_);
  const int64_t requests = edge_.requests_in_flight.load();
  const int64_t open = connections();
  // Every reply handed over, the close frames go out behind them (Delivery::Then), and the sessions end.
  if (wait_for([this] { return edge_.requests_in_flight.load() == 0; })) {
    delivery_->Then([this] { CloseConnections(&edge_); });
    wait_for([&connections] { return connections() == 0; });
  }
  const int64_t unanswered = edge_.requests_in_flight.load();
  const int64_t cut = connections();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  std::string line = "drained in " + std::to_string(ms) + " ms: " + std::to_string(requests - unanswered) + " of " +
                     std::to_string(requests) + " requests in flight answered, " +
                     std::to_string(edge_.refused_while_draining.load()) + " refused, " +
                     std::to_string(std::max<int64_t>(0, open - cut)) + " of " + std::to_string(open) +
                     " connections closed";
  if (unanswered != 0 || cut != 0) {
    line += "; " + std::to_string(unanswered) + " requests and " + std::to_string(cut) + " connections cut (" +
            (signalled ? "a second signal" : "shutdown_grace_ms " + std::to_string(config_.shutdown_grace_ms)) + ")";
  }
  Log(line);
}

void Server::Stop() {
  if (!started_) return;
  started_ = false;
  if (demo_mm_) demo_mm_->Stop();
  if (!io_threads_.empty()) Drain();
  io_.stop();
  for (std::thread& t : io_threads_) t.join();
  io_threads_.clear();
  sequencer_->Stop();
  publisher_->Stop();
  delivery_->Clear();
  if (snapshots_) (void)snapshots_->Wait();
  if (sequencer_->failed()) Log("journal failed: " + sequencer_->error().ToString());
}

}  // namespace sequex::server

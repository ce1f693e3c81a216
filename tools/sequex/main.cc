// sequex: the operator's command line. See docs/journal.md for the journal and snapshot subcommands, and
// docs/server.md for those that talk to a running sequexd (account, key, deposit, withdraw, fees, instrument, status).
#include <fmt/core.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "admin_commands.h"
#include "common/guarded_main.h"
#include "common/plain_decimal_option.h"
#include "journal_commands.h"
#include "server/config.h"

static int Main(int argc, char** argv) {
  umask(077);  // a snapshot it writes holds the API secrets, as the journal does: its user's alone, as sequexd's
  CLI::App app{"sequex: the Sequex operator tool"};
  app.require_subcommand(1);
  int rc = 0;
  std::string dir;
  uint64_t at_seq = 0;
  size_t keep = 2;

  // The subcommands that rebuild an engine read sequexd's configuration for its [engine] table (table sizes, fee
  // account): the one the server runs with, or the embedded default.
  std::string config_path;
  auto with_engine = [&](auto run) {
    std::string error;
    const std::optional<sequex::server::ServerConfig> config = sequex::server::LoadServerConfig(config_path, &error);
    if (!config) {
      fmt::print(stderr, "sequex: {}\n", error);
      rc = 2;
      return;
    }
    rc = run(config->engine);
  };
  auto add_config_option = [&](CLI::App* c) {
    c->add_option("--config", config_path,
                  "sequexd's TOML configuration: its [engine] table sizes the engine as the server's (default: the "
                  "embedded default)");
  };

  CLI::App* journal = app.add_subcommand("journal", "inspect, verify, replay or truncate a journal");
  journal->require_subcommand(1);
  auto add_dir_cmd = [&](CLI::App* parent, const char* name, const char* help, auto fn) {
    CLI::App* c = parent->add_subcommand(name, help);
    c->add_option("dir", dir, "data directory (journal segments)")->required();
    c->callback([&rc, &dir, fn] { rc = fn(dir); });
    return c;
  };
  add_dir_cmd(journal, "dump", "every record as a JSON line", sequex::tools::JournalDump);
  CLI::App* verify = journal->add_subcommand(
      "verify", "checksums, hash chain, gap-free seq, replay to every checkpoint; exit 0 iff all hold");
  verify->add_option("dir", dir, "data directory (journal segments)")->required();
  add_config_option(verify);
  verify->callback([&] {
    with_engine([&](const sequex::EngineConfig& engine) { return sequex::tools::JournalVerify(dir, engine); });
  });
  bool from_snapshot = false;
  CLI::App* replay =
      journal->add_subcommand("replay", "rebuild the state from the journal; prints the benchmark JSON line");
  replay->add_option("dir", dir, "data directory (journal segments)")->required();
  replay->add_flag("--from-snapshot", from_snapshot,
                   "start from the newest valid snapshot, as a restart does (default: the whole journal from seq 1)");
  add_config_option(replay);
  replay->callback([&] {
    with_engine(
        [&](const sequex::EngineConfig& engine) { return sequex::tools::JournalReplay(dir, from_snapshot, engine); });
  });
  add_dir_cmd(journal, "stats", "segments, records, sizes, command mix", sequex::tools::JournalStats);
  CLI::App* truncate = journal->add_subcommand("truncate", "remove command --at-seq N and everything after it");
  truncate->add_option("dir", dir, "data directory")->required();
  truncate->add_option("--at-seq", at_seq, "first sequence number to remove")->required();
  bool drop_newer_snapshots = false;
  truncate->add_flag("--drop-newer-snapshots", drop_newer_snapshots,
                     "also remove the snapshots from --at-seq on (their commands are cut)");
  truncate->callback([&] { rc = sequex::tools::JournalTruncate(dir, at_seq, drop_newer_snapshots); });

  CLI::App* snap = app.add_subcommand("snapshot", "take, list, verify or prune snapshots");
  snap->require_subcommand(1);
  auto add_snap_cmd = [&](const char* name, const char* help, auto fn) {
    CLI::App* c = snap->add_subcommand(name, help);
    c->add_option("--data-dir", dir, "data directory")->required();
    add_config_option(c);
    c->callback([&, fn] { with_engine([&](const sequex::EngineConfig& engine) { return fn(dir, engine); }); });
    return c;
  };
  add_snap_cmd("take", "recover the state and write a snapshot of it", sequex::tools::SnapshotTake);
  add_snap_cmd("list", "list snapshots (validating each)", sequex::tools::SnapshotList);
  add_snap_cmd("verify", "validate every snapshot; exit 0 iff all are valid", sequex::tools::SnapshotVerify);
  CLI::App* prune = snap->add_subcommand("prune", "keep the newest --keep snapshots; drop covered segments");
  prune->add_option("--data-dir", dir, "data directory")->required();
  prune->add_option("--keep", keep, "snapshots that load to keep (default 2)");
  add_config_option(prune);
  prune->callback([&] {
    with_engine([&](const sequex::EngineConfig& engine) { return sequex::tools::SnapshotPrune(dir, keep, engine); });
  });

  // Commands for a running sequexd, found through its data folder.
  sequex::tools::AdminOptions admin;
  app.add_option("--data-dir", admin.data_dir, "the running server's data folder (default ./data)");
  CLI::App* account = app.add_subcommand("account", "accounts and their API keys");
  account->require_subcommand(1);
  CLI::App* create = account->add_subcommand("create", "open an account with a new API key (and deposits)");
  std::vector<std::string> deposits;
  bool read_only = false;
  create->add_option("--deposit", deposits, "ASSET=AMOUNT in human units, e.g. BTC=1.5 (repeatable)");
  create->add_flag("--read-only", read_only, "the key may read but not trade");
  create->add_flag("--json", admin.json, "print {account_id, api_key, api_secret} as JSON (the default output)");
  create->callback([&] { rc = sequex::tools::AccountCreate(admin, deposits, read_only); });
  uint64_t account_id = 0;
  std::string asset_amount;
  for (const bool is_deposit : {true, false}) {
    CLI::App* t = app.add_subcommand(is_deposit ? "deposit" : "withdraw",
                                     is_deposit ? "credit an account" : "debit an account's available balance");
    t->add_option("--account", account_id, "account id")->required();
    t->add_option("amount", asset_amount, "ASSET=AMOUNT, e.g. USD=1000")->required();
    t->add_flag("--json", admin.json, "JSON output (the default)");
    t->callback([&, is_deposit] { rc = sequex::tools::Transfer(admin, is_deposit, account_id, asset_amount); });
  }
  CLI::App* key = app.add_subcommand("key", "more API keys for an account, and revoking one");
  key->require_subcommand(1);
  CLI::App* key_create = key->add_subcommand("create", "a new API key for an existing account");
  key_create->add_option("--account", account_id, "account id")->required();
  key_create->add_flag("--read-only", read_only, "the key may read but not trade");
  key_create->add_flag("--json", admin.json, "print {account_id, api_key, api_secret} as JSON (the default output)");
  key_create->callback([&] { rc = sequex::tools::KeyCreate(admin, account_id, read_only); });
  std::string api_key;
  CLI::App* key_revoke = key->add_subcommand("revoke", "revoke an API key: its sessions end, its requests fail");
  key_revoke->add_option("api_key", api_key, "the key")->required();
  key_revoke->callback([&] { rc = sequex::tools::KeyRevoke(admin, api_key); });
  CLI::App* instrument = app.add_subcommand("instrument", "add an instrument, alter its limits, or set its status");
  instrument->require_subcommand(1);
  std::string symbol, base, quote, price_tick, qty_tick;
  sequex::tools::InstrumentLimits limits;
  const auto add_limit_options = [&limits](CLI::App* c) {
    c->add_option("--min-qty", limits.min_qty, "minimum quantity, a multiple of the qty tick (default one qty tick)");
    c->add_option("--min-notional", limits.min_notional, "minimum price x quantity, in quote units (0 = none)");
    c->add_option("--price-band-bps", limits.price_band_bps,
                  "refuse limit prices farther than this from the last trade, in 1/100 % (0 = no band)");
    c->add_option("--reference-price", limits.reference_price, "the band's reference until the first trade");
  };
  CLI::App* add = instrument->add_subcommand("add", "define a spot instrument");
  add->add_option("symbol", symbol, "e.g. XRP_USD")->required();
  add->add_option("--base", base, "base asset code")->required();
  add->add_option("--quote", quote, "quote asset code")->required();
  add->add_option("--price-tick", price_tick, "price tick, in quote units, e.g. 0.0001")->required();
  add->add_option("--qty-tick", qty_tick, "quantity tick, in base units, e.g. 0.1")->required();
  add_limit_options(add);
  add->callback([&] { rc = sequex::tools::InstrumentAdd(admin, symbol, base, quote, price_tick, qty_tick, limits); });
  CLI::App* alter = instrument->add_subcommand("alter", "change an instrument's limits (its other terms are fixed)");
  alter->add_option("symbol", symbol, "instrument")->required();
  add_limit_options(alter);
  alter->callback([&] { rc = sequex::tools::InstrumentAlter(admin, symbol, limits); });
  for (const bool halt : {true, false}) {
    CLI::App* s = instrument->add_subcommand(halt ? "halt" : "resume",
                                             halt ? "halt trading (cancels the book)" : "resume trading");
    s->add_option("symbol", symbol, "instrument")->required();
    s->callback([&, halt] { rc = sequex::tools::InstrumentStatus(admin, symbol, halt ? "HALTED" : "TRADING"); });
  }
  std::string status;
  CLI::App* set_status = instrument->add_subcommand("status", "set an instrument's status");
  set_status->add_option("symbol", symbol, "instrument")->required();
  set_status->add_option("status", status, "TRADING, HALTED (cancels the book), CANCEL_ONLY or POST_ONLY")
      ->required()
      ->check(CLI::IsMember({"TRADING", "HALTED", "CANCEL_ONLY", "POST_ONLY"}));
  set_status->callback([&] { rc = sequex::tools::InstrumentStatus(admin, symbol, status); });
  uint64_t tier = 0;
  CLI::App* account_tier = account->add_subcommand("fee-tier", "put an account on a fee tier (its next orders pay it)");
  account_tier->add_option("--account", account_id, "account id")->required();
  account_tier->add_option("tier", tier, "fee tier, 0 to 15")->required();
  account_tier->callback([&] { rc = sequex::tools::AccountFeeTier(admin, account_id, tier); });
  CLI::App* fees = app.add_subcommand("fees", "fee tiers (set one's rates, show those in use) and the fees earned");
  fees->require_subcommand(1);
  std::string maker_rate, taker_rate;
  CLI::App* fees_tier = fees->add_subcommand("tier", "set a fee tier's rates (orders placed after it pay them)");
  fees_tier->add_option("tier", tier, "fee tier, 0 to 15")->required();
  fees_tier->add_option("--maker", maker_rate, "maker rate, e.g. 0.00025; negative is a rebate, e.g. -0.0001")
      ->required();
  fees_tier->add_option("--taker", taker_rate, "taker rate, e.g. 0.0005")->required();
  fees_tier->callback([&] { rc = sequex::tools::FeesTier(admin, tier, maker_rate, taker_rate); });
  CLI::App* fees_show = fees->add_subcommand("show", "the tiers in use and their accounts, or one account's tier");
  fees_show->add_option("--account", account_id, "show this account's tier");
  // Asked for by its presence, not by a value: --account 0 is the fee account's tier (refused), not every tier.
  fees_show->callback([&] {
    rc = sequex::tools::FeesShow(
        admin, fees_show->count("--account") != 0 ? std::optional<uint64_t>(account_id) : std::nullopt);
  });
  app.add_subcommand("status", "the running server's counters")->callback([&] { rc = sequex::tools::Status(admin); });
  fees->add_subcommand("balances", "the fees earned: the fee account's balance of every asset")->callback([&] {
    rc = sequex::tools::FeeBalances(admin);
  });
  CLI::App* fee_withdraw = fees->add_subcommand("withdraw", "take earned fees out of the fee account");
  fee_withdraw->add_option("amount", asset_amount, "ASSET=AMOUNT, e.g. USD=125.5")->required();
  fee_withdraw->callback([&] { rc = sequex::tools::FeeWithdraw(admin, asset_amount); });

  // An account id or a seq read as octal or hex names another account or cuts the journal elsewhere.
  sequex::RequirePlainDecimalIntegers(app);
  CLI11_PARSE(app, argc, argv);
  return rc;
}

int main(int argc, char** argv) { return sequex::GuardedMain("sequex", 2, Main, argc, argv); }

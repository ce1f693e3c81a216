// Unit tests of sequexd's pieces that need no sockets: configuration, params, the catalog's text <-> integer
// conversions, the projection's order history and candles. The server end to end is tested through CCXT in
// tests/api/.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdio>
#include <fstream>

#include "engine/engine_test_util.h"
#include "journal/byte_io.h"
#include "server/api_format.h"
#include "server/catalog.h"
#include "server/config.h"
#include "server/definitions.h"
#include "server/demo_market_maker.h"
#include "server/params.h"
#include "server/projection.h"
#include "server/publisher.h"
#include "workload/generator.h"
#include "workload/workload.h"

namespace sequex::server {
namespace {

using sequex::testing::kBtcUsd;
using sequex::testing::Venue;

std::string WriteTemp(const std::string& text) {
  std::string path = ::testing::TempDir() + "/server_test_config.toml";
  std::ofstream(path) << text;
  return path;
}

// [fees] and the operator's fees/tier: at most 6 places and within the engine's bounds, so that nothing the engine
// would refuse passes (a start checks its config before it journals anything); a rebate only where asked for.
TEST(ServerConfig, ShouldParseFeeRatesWithinTheEnginesBounds) {
  int32_t ppm = 7;
  EXPECT_TRUE(ParseFeeRate("0.00025", false, &ppm));
  EXPECT_EQ(ppm, 250);
  EXPECT_TRUE(ParseFeeRate("0.1", false, &ppm));
  EXPECT_EQ(ppm, 100'000);
  EXPECT_TRUE(ParseFeeRate("-0.0001", true, &ppm));
  EXPECT_EQ(ppm, -100);
  EXPECT_TRUE(ParseFeeRate("-0.1", true, &ppm));
  EXPECT_EQ(ppm, -100'000);
  for (const std::string_view bad : {"0.100001", "0.5", "1", "0.0000001", "-0.0001", "", "-", "+0.1", "1e-4"}) {
    EXPECT_FALSE(ParseFeeRate(bad, false, &ppm)) << bad;
  }
  for (const std::string_view bad : {"-0.100001", "--0.1", "-", "- 0.1", "-0.0000001"}) {
    EXPECT_FALSE(ParseFeeRate(bad, true, &ppm)) << bad;
  }
  EXPECT_EQ(ppm, -100'000);  // unchanged by the refusals
}

TEST(ServerConfig, EmbeddedDefaultHasTheDemoVenue) {
  std::string error;
  const std::optional<ServerConfig> c = LoadServerConfig("", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_TRUE(c->durable);
  ASSERT_EQ(c->instruments.size(), 4u);
  EXPECT_EQ(c->instruments[0].symbol, "BTC_USD");
  EXPECT_EQ(c->rate_limits.order_per_100ms, 15u);
  EXPECT_EQ(c->segment_bytes, 64u << 20);
  EXPECT_TRUE(c->prewritten_segments);
}

// The defaults docs/server.md and README.md promise: a user sizes a venue and its clients by them.
TEST(ServerConfig, EmbeddedDefaultHasTheDocumentedDefaults) {
  std::string error;
  const std::optional<ServerConfig> c = LoadServerConfig("", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->admin_listen, "127.0.0.1:0");
  EXPECT_EQ(c->data_dir, "data");
  EXPECT_EQ(c->io_threads, 1u);
  EXPECT_EQ(c->max_connections, 10'000u);
  EXPECT_EQ(c->max_connections_per_ip, 200u);
  EXPECT_EQ(c->shutdown_grace_ms, 5'000u);
  EXPECT_EQ(c->keep_snapshots, 0u);
  EXPECT_EQ(c->heartbeat_interval_ms, 30'000u);
  EXPECT_EQ(c->heartbeat_timeout_ms, 5'000u);
  EXPECT_EQ(c->max_outbound_bytes, 4u << 20);
  EXPECT_EQ(c->max_message_bytes, 64u << 10);
  EXPECT_EQ(c->max_channels, 200u);
  const RateLimitConfig& rl = c->rate_limits;
  EXPECT_EQ(rl.order_detail_per_100ms, 30u);
  EXPECT_EQ(rl.history_per_second, 1u);
  EXPECT_EQ(rl.other_private_per_100ms, 3u);
  EXPECT_EQ(rl.public_per_second_per_ip, 100u);
  EXPECT_EQ(rl.ws_user_per_second, 150u);
  EXPECT_EQ(rl.ws_market_per_second, 100u);
  EXPECT_EQ(c->maker_rate, "0.00025");
  EXPECT_EQ(c->taker_rate, "0.0005");
  EXPECT_TRUE(c->demo_market_maker);
  EXPECT_EQ(c->demo_accounts, 2u);
  EXPECT_EQ(c->engine.expected_orders, 65'536u);
  EXPECT_EQ(c->engine.expected_accounts, 4'096u);
  EXPECT_EQ(c->engine.expected_account_books, 4'096u);
  EXPECT_EQ(c->engine.expected_books, 16u);
  EXPECT_EQ(c->engine.reserved_small_memory, size_t{16} << 20);
  EXPECT_EQ(c->engine.max_open_orders_per_account, 10'000u);
}

TEST(ServerConfig, ReadsTheJournalSegmentKeys) {
  std::string error;
  const std::optional<ServerConfig> c =
      LoadServerConfig(WriteTemp("[journal]\nsegment_bytes = 16384\nprewritten_segments = false\n"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->segment_bytes, 16384u);
  EXPECT_FALSE(c->prewritten_segments);
}

// keep_snapshots: 0 keeps everything (the default: nothing is deleted unless asked); 1 is refused, as recovery would
// have no older snapshot, nor the journal before the one kept, to fall back on if it were damaged.
TEST(ServerConfig, ReadsKeepSnapshotsAndRefusesOne) {
  std::string error;
  const std::optional<ServerConfig> defaults = LoadServerConfig("", &error);
  ASSERT_TRUE(defaults) << error;
  EXPECT_EQ(defaults->keep_snapshots, 0u);
  for (const uint64_t keep : {0u, 2u, 1'000'000u}) {
    const std::optional<ServerConfig> c =
        LoadServerConfig(WriteTemp("[journal]\nkeep_snapshots = " + std::to_string(keep) + "\n"), &error);
    ASSERT_TRUE(c) << keep << ": " << error;
    EXPECT_EQ(c->keep_snapshots, keep);
  }
  for (const char* bad : {"1", "-1", "1000001", "\"2\"", "2.0"}) {
    error.clear();
    EXPECT_FALSE(LoadServerConfig(WriteTemp(std::string("[journal]\nkeep_snapshots = ") + bad + "\n"), &error)) << bad;
    EXPECT_NE(error.find("journal.keep_snapshots must be "), std::string::npos) << error;
  }
  // Where no snapshot is taken it would bound nothing.
  for (const char* without : {"durability = \"memory\"", "snapshot_interval = 0"}) {
    error.clear();
    EXPECT_FALSE(LoadServerConfig(WriteTemp(std::string("[journal]\nkeep_snapshots = 2\n") + without + "\n"), &error))
        << without;
    EXPECT_NE(error.find("journal.keep_snapshots must be 0 where no snapshot is taken"), std::string::npos) << error;
    EXPECT_TRUE(LoadServerConfig(WriteTemp(std::string("[journal]\n") + without + "\n"), &error)) << error;
  }
}

TEST(ServerConfig, ReadsTheConnectionCapsAndBoundsThem) {
  std::string error;
  const std::optional<ServerConfig> defaults = LoadServerConfig("", &error);
  ASSERT_TRUE(defaults) << error;
  EXPECT_EQ(defaults->max_connections, 10'000u);
  EXPECT_EQ(defaults->max_connections_per_ip, 200u) << "the embedded default_config.toml and config.h agree";
  const std::optional<ServerConfig> c = LoadServerConfig(WriteTemp("[server]\nmax_connections_per_ip = 3\n"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->max_connections_per_ip, 3u);
  EXPECT_EQ(c->max_connections, 10'000u);
  for (const char* bad : {"0", "-1", "1000001", "\"100\"", "1.5"}) {
    error.clear();
    EXPECT_FALSE(LoadServerConfig(WriteTemp(std::string("[server]\nmax_connections_per_ip = ") + bad + "\n"), &error))
        << bad;
    EXPECT_NE(error.find("server.max_connections_per_ip must be an integer in [1, 1000000]"), std::string::npos)
        << error;
  }
  EXPECT_TRUE(LoadServerConfig(WriteTemp("[server]\nmax_connections_per_ip = 1000000\n"), &error)) << error;
}

TEST(ServerConfig, ReadsTheEngineSizesAndBoundsThem) {
  std::string error;
  const std::optional<ServerConfig> defaults = LoadServerConfig("", &error);
  ASSERT_TRUE(defaults) << error;
  EXPECT_EQ(defaults->engine.expected_orders, 65536u);
  EXPECT_EQ(defaults->engine.expected_accounts, 4096u);
  EXPECT_EQ(defaults->engine.expected_account_books, 4096u);
  EXPECT_EQ(defaults->engine.expected_books, 16u);
  EXPECT_EQ(defaults->engine.reserved_small_memory, size_t{16} << 20);
  const std::optional<ServerConfig> c = LoadServerConfig(
      WriteTemp("[engine]\nexpected_orders = 200000\nexpected_accounts = 20000\nexpected_account_books = 1000000\n"
                "expected_books = 700\nreserved_small_memory_mib = 300\n"),
      &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->engine.expected_orders, 200000u);
  EXPECT_EQ(c->engine.expected_accounts, 20000u);
  EXPECT_EQ(c->engine.expected_account_books, 1000000u);
  EXPECT_EQ(c->engine.expected_books, 700u);
  EXPECT_EQ(c->engine.reserved_small_memory, size_t{300} << 20);
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[engine]\nexpected_books = 65536\n"), &error));
  EXPECT_NE(error.find("engine.expected_books"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[engine]\nexpected_account_books = 0\n"), &error));
  EXPECT_NE(error.find("engine.expected_account_books"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[engine]\nexpected_orders = 4294967296\n"), &error));
  EXPECT_NE(error.find("engine.expected_orders"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[engine]\nexpected_accounts = 16777217\n"), &error));
  EXPECT_NE(error.find("engine.expected_accounts"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[engine]\nreserved_small_memory_mib = -1\n"), &error));
  EXPECT_NE(error.find("engine.reserved_small_memory_mib"), std::string::npos) << error;
}

TEST(ServerConfig, FileOverridesKeysAndKeepsTheRest) {
  std::string error;
  const std::optional<ServerConfig> c = LoadServerConfig(
      WriteTemp("[websocket]\nheartbeat_interval_ms = 500\n[server]\nlisten = \"127.0.0.1:0\"\n"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->heartbeat_interval_ms, 500u);
  EXPECT_EQ(c->heartbeat_timeout_ms, 5000u);
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_EQ(c->instruments.size(), 4u);
}

TEST(ServerConfig, RejectsUnknownKeysBadTypesAndRanges) {
  std::string error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[server]\nlisten_port = 1\n"), &error));
  EXPECT_NE(error.find("unknown key server.listen_port"), std::string::npos) << error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[server]\nio_threads = \"two\"\n"), &error));
  EXPECT_NE(error.find("server.io_threads"), std::string::npos) << error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[journal]\ndurability = \"maybe\"\n"), &error));
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[journal]\nsegment_bytes = 100\n"), &error));
  EXPECT_NE(error.find("journal.segment_bytes"), std::string::npos) << error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[journal]\nprewritten_segments = 1\n"), &error));
  EXPECT_FALSE(LoadServerConfig(WriteTemp("this is not toml ["), &error));
  EXPECT_FALSE(LoadServerConfig("/nonexistent/config.toml", &error));
}

TEST(ServerConfig, ShouldReadShutdownGraceWithinItsRange) {
  std::string error;
  std::optional<ServerConfig> c = LoadServerConfig(WriteTemp("[server]\nlisten = \"127.0.0.1:0\"\n"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->shutdown_grace_ms, 5000u);
  c = LoadServerConfig(WriteTemp("[server]\nshutdown_grace_ms = 0\n"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->shutdown_grace_ms, 0u);
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[server]\nshutdown_grace_ms = 600001\n"), &error));
  EXPECT_NE(error.find("server.shutdown_grace_ms"), std::string::npos) << error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[server]\nshutdown_grace_ms = -1\n"), &error));
  EXPECT_NE(error.find("server.shutdown_grace_ms"), std::string::npos) << error;
}

TEST(ServerConfig, TopLevelIntegersMustBeTomlIntegers) {
  std::string error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[server]\nio_threads = true\n"), &error));
  EXPECT_NE(error.find("server.io_threads must be an integer"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[server]\nio_threads = 2.0\n"), &error));
  EXPECT_NE(error.find("server.io_threads must be an integer"), std::string::npos) << error;
}

// A short venue read over the default: USD with `usd_keys` (and its code), BTC, and BTC_USD with `instrument_extra`.
std::string ShortVenue(const std::string& usd_keys, const std::string& instrument_extra) {
  return "[[asset]]\ncode = \"USD\"\n" + usd_keys + "\n[[asset]]\ncode = \"BTC\"\n\n" +
         "[[instrument]]\nsymbol = \"BTC_USD\"\nbase = \"BTC\"\nquote = \"USD\"\nprice_tick = \"0.01\"\n" +
         "qty_tick = \"0.0001\"\n" + instrument_extra + "\n";
}

TEST(ServerConfig, AssetAndInstrumentKeysAreCheckedForTypeRangeAndName) {
  std::string error;
  const std::optional<ServerConfig> good = LoadServerConfig(WriteTemp(ShortVenue("decimals = 2", "")), &error);
  ASSERT_TRUE(good) << error;
  ASSERT_EQ(good->assets.size(), 2u);
  EXPECT_EQ(good->assets[0].decimals, 2);
  EXPECT_EQ(good->assets[1].decimals, 8);  // the default
  const std::vector<std::pair<std::string, std::string>> refused = {
      {ShortVenue("decimals = \"2\"", ""), "asset[1].decimals must be an integer in [0, 18]"},
      {ShortVenue("decimals = 6.5", ""), "asset[1].decimals must be an integer in [0, 18]"},
      {ShortVenue("decimals = true", ""), "asset[1].decimals must be an integer in [0, 18]"},
      {ShortVenue("decimals = 4294967298", ""), "asset[1].decimals must be an integer in [0, 18]"},
      {ShortVenue("decimal = 2", ""), "unknown key asset[1].decimal"},
      {ShortVenue("", "min_qty = 0.5"), "instrument[1].min_qty must be a string"},
      {ShortVenue("", "min_notional = 100"), "instrument[1].min_notional must be a string"},
      {ShortVenue("", "price_band_bps = \"500\""), "instrument[1].price_band_bps must be an integer in [0, 10000]"},
      {ShortVenue("", "price_band_bps = 10001"), "instrument[1].price_band_bps must be an integer in [0, 10000]"},
      {ShortVenue("", "min_qyt = \"1\""), "unknown key instrument[1].min_qyt"},
      {"[[asset]]\ncode = \"usd\"\n", "asset[1].code must be 1 to 15 of A-Z and 0-9"},
      {"[asset]\ncode = \"XRP\"\n", "asset must be an array of tables"},
      {"asset = \"XRP\"\n", "asset must be an array of tables"},
      {"instrument = [1, 2]\n", "instrument must be an array of tables"},
      {"[[instrument]]\nsymbol = \"BTC_USD\"\n", "instrument[1].base must be a non-empty string (it is missing)"},
      {"[[instrument]]\nsymbol = \"btc usd\"\nbase = \"BTC\"\nquote = \"USD\"\nprice_tick = \"1\"\nqty_tick = \"1\"\n",
       "instrument[1].symbol must be 1 to 23 of A-Z, 0-9, _ and -"},
  };
  for (const auto& [text, message] : refused) {
    error.clear();
    EXPECT_FALSE(LoadServerConfig(WriteTemp(text), &error)) << text;
    EXPECT_NE(error.find(message), std::string::npos) << text << "\n -> " << error;
  }
}

TEST(ServerConfig, ReadsThePriceBandAndTheMinimumNotional) {
  std::string error;
  const std::optional<ServerConfig> c =
      LoadServerConfig(WriteTemp(ShortVenue("", "price_band_bps = 500\nmin_notional = \"10.5\"")), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->instruments[0].price_band_bps, 500u);
  EXPECT_EQ(c->instruments[0].min_notional, "10.5");
}

TEST(ServerConfig, RefusesAnAssetCodeOrASymbolGivenTwice) {
  std::string error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp(ShortVenue("", "") + "[[asset]]\ncode = \"USD\"\n"), &error));
  EXPECT_NE(error.find("asset[3] and asset[1] both define USD"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(LoadServerConfig(
      WriteTemp(ShortVenue("", "") + "[[instrument]]\nsymbol = \"BTC_USD\"\nbase = \"BTC\"\nquote = \"USD\"\n"
                                     "price_tick = \"1\"\nqty_tick = \"0.01\"\n"),
      &error));
  EXPECT_NE(error.find("instrument[2] and instrument[1] both define BTC_USD"), std::string::npos) << error;
}

TEST(ServerConfig, RefusesADirectoryAsTheConfigFile) {
  std::string error;
  EXPECT_FALSE(LoadServerConfig(::testing::TempDir(), &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}

TEST(ServerConfig, RefusesEngineSizesTheMachineCannotHold) {
  std::string error;
  EXPECT_FALSE(LoadServerConfig(WriteTemp("[engine]\nexpected_orders = 33554432\nexpected_accounts = 16777216\n"
                                          "expected_account_books = 33554432\nexpected_books = 65535\n"
                                          "reserved_small_memory_mib = 65536\n"),
                                &error));
  EXPECT_NE(error.find("config: [engine] expected_orders = 33554432"), std::string::npos) << error;
  EXPECT_NE(error.find("more than this machine's"), std::string::npos) << error;
  // Each alone at its maximum, on a machine of 8 GiB.
  constexpr uint64_t k8GiB = uint64_t{8} << 30;
  EngineConfig defaults;
  EXPECT_EQ(EngineMemoryProblem(defaults, k8GiB), "");
  for (const auto& set : std::vector<void (*)(EngineConfig*)>{
           [](EngineConfig* c) { c->expected_orders = 1u << 25; },
           [](EngineConfig* c) { c->expected_books = 0xFFFF; },
           [](EngineConfig* c) { c->reserved_small_memory = size_t{1} << 36; },
       }) {
    EngineConfig c;
    set(&c);
    EXPECT_NE(EngineMemoryProblem(c, k8GiB), "");
  }
  // The estimate is not below what an engine of that size holds.
  EngineConfig sized;
  sized.expected_orders = 1u << 17;
  sized.expected_accounts = 8192;
  sized.expected_account_books = 1u << 16;
  sized.expected_books = 2;
  const Engine engine(sized);
  EXPECT_GE(EstimatedEngineBytes(sized), engine.MemoryBytes());
  EXPECT_LE(EstimatedEngineBytes(sized), 2 * engine.MemoryBytes());
}

// The state of Venue::Setup (BTC 8 decimals, USD 2; BTC_USD tick 1.00, lot 0.01) and a config read over it.
class Definitions : public ::testing::Test {
 protected:
  void SetUp() override {
    v_.Setup();
    state_ = VenueCatalog::Build(v_.engine());
  }
  std::optional<DefinitionPlan> Plan(const std::string& toml) {
    error_.clear();
    const std::optional<ServerConfig> c = LoadServerConfig(WriteTemp(toml), &error_);
    EXPECT_TRUE(c) << error_;
    return c ? PlanDefinitions(*c, *state_, &error_) : std::nullopt;
  }
  static std::string Assets(int usd_decimals) {
    return "[[asset]]\ncode = \"BTC\"\n[[asset]]\ncode = \"USD\"\ndecimals = " + std::to_string(usd_decimals) +
           "\n[[asset]]\ncode = \"ETH\"\n";
  }
  static std::string Instrument(const std::string& symbol, const std::string& base, const std::string& ticks) {
    return "[[instrument]]\nsymbol = \"" + symbol + "\"\nbase = \"" + base + "\"\nquote = \"USD\"\n" + ticks + "\n";
  }
  sequex::testing::Venue v_;
  std::shared_ptr<const VenueCatalog> state_;
  std::string error_;
};

TEST_F(Definitions, DefinesWhatTheStateLacksAndNotesWhatOnlyTheStateHas) {
  const std::optional<DefinitionPlan> plan =
      Plan(Assets(2) + Instrument("ETH_USD", "ETH",
                                  "price_tick = \"0.01\"\nqty_tick = \"1\"\n"
                                  "min_notional = \"5\"\nprice_band_bps = 500\ndemo_mid = \"3000\""));
  ASSERT_TRUE(plan) << error_;
  ASSERT_EQ(plan->assets.size(), 1u);
  EXPECT_STREQ(plan->assets[0].code, "ETH");
  EXPECT_EQ(plan->assets[0].asset.value(), 3);  // after the state's 1 and 2
  ASSERT_EQ(plan->instruments.size(), 1u);
  const DefineInstrument& eth = plan->instruments[0];
  EXPECT_EQ(eth.base.value(), 3);
  EXPECT_EQ(eth.tick_size.value(), 1);           // 0.01 USD of 2 decimals
  EXPECT_EQ(eth.lot_size.value(), 100'000'000);  // 1 ETH of 8
  EXPECT_EQ(eth.min_notional.value(), 500);
  EXPECT_EQ(eth.price_band_bps, 500u);
  ASSERT_EQ(plan->notes.size(), 1u);  // BTC_USD: in the state, not in this config
  EXPECT_NE(plan->notes[0].find("instrument BTC_USD is in the state"), std::string::npos);
}

TEST_F(Definitions, RefusesWhatTheEngineWouldRefuseBeforeAnythingIsJournaled) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {Instrument("X_USD", "XRP", "price_tick = \"1\"\nqty_tick = \"1\""), "base XRP is not an asset"},
      {Instrument("ETH_USD", "ETH", "price_tick = \"0.001\"\nqty_tick = \"1\""), "price_tick \"0.001\""},
      {Instrument("ETH_USD", "ETH", "price_tick = \"0.01\"\nqty_tick = \"0.0000001\""),
       "one price tick x one qty tick must be a whole unit of USD"},
      {Instrument("ETH_USD", "ETH", "price_tick = \"0.01\"\nqty_tick = \"1\"\nmin_qty = \"1.5\""),
       "min_qty \"1.5\" must be a positive multiple"},
      {Instrument("ETH_USD", "ETH", "price_tick = \"0.01\"\nqty_tick = \"1\"\nmin_notional = \"0.001\""),
       "min_notional \"0.001\""},
      {Instrument("ETH_USD", "ETH", "price_tick = \"0.05\"\nqty_tick = \"1\"\ndemo_mid = \"3000.01\""),
       "demo_mid \"3000.01\" must be a positive price on the grid"},
  };
  for (const auto& [instrument, message] : refused) {
    EXPECT_FALSE(Plan(Assets(2) + instrument)) << instrument;
    EXPECT_NE(error_.find(message), std::string::npos) << instrument << "\n -> " << error_;
  }
}

TEST_F(Definitions, RefusesAConfigThatChangesADefinitionOfTheState) {
  EXPECT_FALSE(Plan(Assets(8)));
  EXPECT_NE(error_.find("asset USD: decimals is 2 in the state, 8 in the config"), std::string::npos) << error_;
  EXPECT_NE(error_.find("make the config match the state, or remove the entry"), std::string::npos) << error_;
  const std::string btc = "price_tick = \"1\"\nqty_tick = \"0.01\"";
  EXPECT_TRUE(Plan(Assets(2) + Instrument("BTC_USD", "BTC", btc))) << error_;
  EXPECT_TRUE(Plan(Assets(2) + Instrument("BTC_USD", "BTC", btc + "\nmin_qty = \"0.01\""))) << error_;
  const std::vector<std::pair<std::string, std::string>> changed = {
      {Instrument("BTC_USD", "BTC", "price_tick = \"2\"\nqty_tick = \"0.01\""),
       "price_tick is 1 in the state, 2 in the config"},
      {Instrument("BTC_USD", "BTC", "price_tick = \"1\"\nqty_tick = \"0.1\""),
       "qty_tick is 0.01 in the state, 0.1 in the config"},
      {Instrument("BTC_USD", "ETH", btc), "base is BTC in the state, ETH in the config"},
  };
  for (const auto& [instrument, message] : changed) {
    EXPECT_FALSE(Plan(Assets(2) + instrument)) << instrument;
    EXPECT_NE(error_.find("instrument BTC_USD: " + message), std::string::npos) << instrument << "\n -> " << error_;
  }
}

// The limits are no part of an instrument's units: a config that changes them alters the instrument (it was refused
// like a changed tick, though the engine alters them in place). What the config does not set stays the state's.
TEST_F(Definitions, AltersTheLimitsTheConfigChangesAndKeepsTheStatesStatusAndReference) {
  v_.Do(SetInstrumentStatus{sequex::testing::kBtcUsd, InstrumentStatus::kCancelOnly});
  DefineInstrument with_reference = v_.engine().Instrument(sequex::testing::kBtcUsd)->definition;
  with_reference.reference_price = PriceTicks{60'000};
  with_reference.status = InstrumentStatus::kCancelOnly;
  v_.Do(with_reference);
  state_ = VenueCatalog::Build(v_.engine());
  const std::string btc = "price_tick = \"1\"\nqty_tick = \"0.01\"";
  std::optional<DefinitionPlan> plan = Plan(Assets(2) + Instrument("BTC_USD", "BTC", btc));
  ASSERT_TRUE(plan) << error_;
  EXPECT_TRUE(plan->instruments.empty()) << "the same limits: nothing to alter";
  plan = Plan(Assets(2) +
              Instrument("BTC_USD", "BTC", btc + "\nmin_qty = \"0.02\"\nmin_notional = \"5\"\nprice_band_bps = 100"));
  ASSERT_TRUE(plan) << error_;
  ASSERT_EQ(plan->instruments.size(), 1u);
  const DefineInstrument& alter = plan->instruments[0];
  EXPECT_EQ(alter.instrument, sequex::testing::kBtcUsd);
  EXPECT_EQ(alter.min_qty.value(), 2);
  EXPECT_EQ(alter.min_notional.value(), 500);
  EXPECT_EQ(alter.price_band_bps, 100u);
  EXPECT_EQ(alter.status, InstrumentStatus::kCancelOnly);
  EXPECT_EQ(alter.reference_price.value(), 60'000);
  ASSERT_FALSE(plan->notes.empty());
  EXPECT_NE(plan->notes[0].find("instrument BTC_USD: min_qty is 0.01 in the state, 0.02 in the config; min_notional "
                                "is 0 in the state, 5 in the config; price_band_bps is 0 in the state, 100 in the "
                                "config: altered to the config's"),
            std::string::npos)
      << plan->notes[0];
  const std::vector<Event> events = v_.Do(alter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<DoneEvent>(events[0])) << "the engine takes the alter";
  const DefineInstrument after = v_.engine().Instrument(sequex::testing::kBtcUsd)->definition;
  EXPECT_EQ(after.status, InstrumentStatus::kCancelOnly);
  EXPECT_EQ(after.price_band_bps, 100u);
}

// An operator's fees/tier or instrument/alter is warned of exactly when the next start would undo it: tier 0 off the
// config's [fees], or a configured instrument's limits off its entry (what PlanDefinitions would alter back).
TEST_F(Definitions, WarnsOfAnOperatorsChangeTheNextStartWouldUndo) {
  const std::string btc = "price_tick = \"1\"\nqty_tick = \"0.01\"\nmin_qty = \"0.02\"";
  const std::string toml =
      Assets(2) + Instrument("BTC_USD", "BTC", btc) + "[fees]\nmaker_rate = \"0.0001\"\ntaker_rate = \"0.0002\"\n";
  const std::optional<ServerConfig> config = LoadServerConfig(WriteTemp(toml), &error_);
  ASSERT_TRUE(config) << error_;

  EXPECT_EQ(FeeTierResetWarning(*config, SetFeeTier{0, 100, 200}), "") << "the config's rates";
  EXPECT_EQ(FeeTierResetWarning(*config, SetFeeTier{3, 0, 0}), "") << "no start touches tier 3";
  EXPECT_EQ(FeeTierResetWarning(*config, SetFeeTier{0, -100, 200}),
            "[fees] in the config sets tier 0: the next start resets it to maker 0.0001, taker 0.0002; put the change "
            "in the config to keep it");

  // The state's BTC_USD has one lot (0.01) as min_qty, the config 0.02: the start would alter it.
  const InstrumentInfo* have = state_->FindInstrument("BTC_USD");
  ASSERT_NE(have, nullptr);
  EXPECT_EQ(InstrumentResetWarning(*config, *have),
            "[[instrument]] BTC_USD in the config sets its limits: the next start alters them back (min_qty is 0.01 in "
            "the state, 0.02 in the config); put the change in the config to keep it");
  std::optional<DefinitionPlan> plan = Plan(toml);
  ASSERT_TRUE(plan) << error_;
  EXPECT_EQ(plan->instruments.size(), 1u) << "the alter the warning speaks of";
  // Not in a config of the assets alone: the instrument is the operator's.
  const std::optional<ServerConfig> assets_only = LoadServerConfig(WriteTemp(Assets(2)), &error_);
  ASSERT_TRUE(assets_only) << error_;
  EXPECT_EQ(InstrumentResetWarning(*assets_only, *have), "");

  DefineInstrument as_configured = v_.engine().Instrument(sequex::testing::kBtcUsd)->definition;
  as_configured.min_qty = QtyLots{2};
  v_.Do(as_configured);
  state_ = VenueCatalog::Build(v_.engine());
  EXPECT_EQ(InstrumentResetWarning(*config, *state_->FindInstrument("BTC_USD")), "") << "the config's limits";
  plan = Plan(toml);
  ASSERT_TRUE(plan) << error_;
  EXPECT_TRUE(plan->instruments.empty()) << "and no alter at the start";
}

// The key table is published after every key change from the previous one plus that change; it must answer as a
// table built from the whole state would, through its folds (past 64 changes) too.
TEST(KeyTable, ShouldAnswerAfterEachChangeAsATableBuiltFromTheWholeState) {
  sequex::testing::Venue v;
  std::vector<std::string> keys;
  const auto credential = [](const std::string& key, uint8_t permissions) {
    ApiCredential c;
    std::memcpy(c.key, key.data(), key.size());
    const std::string secret = "secret-of-" + key;
    std::memcpy(c.secret, secret.data(), secret.size());
    c.permissions = permissions;
    return c;
  };
  std::shared_ptr<const KeyTable> table = KeyTable::Build(v.engine());
  const auto check = [&](const std::string& changed) {
    table = table->WithKeyFrom(v.engine(), changed);
    const std::shared_ptr<const KeyTable> whole = KeyTable::Build(v.engine());
    ASSERT_EQ(table->size(), whole->size()) << "after " << changed;
    for (const std::string& k : keys) {
      const KeyEntry* a = table->Find(k);
      const KeyEntry* b = whole->Find(k);
      ASSERT_EQ(a == nullptr, b == nullptr) << k << " after " << changed;
      if (a == nullptr) continue;
      EXPECT_EQ(a->account, b->account) << k;
      EXPECT_EQ(a->secret, b->secret) << k;
      EXPECT_EQ(a->permissions, b->permissions) << k;
    }
  };
  for (int i = 0; i < 300; ++i) {
    keys.push_back("test-key-" + std::to_string(i));
    v.Do(CreateAccount{credential(keys.back(), kPermissionRead | kPermissionTrade)});
    check(keys.back());
    if (i % 3 == 2) {  // revoke one, or give it another secret and read-only
      const std::string& k = keys[static_cast<size_t>(i) / 2];
      const AccountId owner = KeyTable::Build(v.engine())->Find(k) != nullptr
                                  ? KeyTable::Build(v.engine())->Find(k)->account
                                  : AccountId{0};
      if (owner.value() == 0) continue;
      v.Do(SetApiKey{owner, credential(k, i % 2 == 0 ? 0 : kPermissionRead)});
      check(k);
    }
  }
  EXPECT_GT(table->size(), 200u);
}

TEST(DemoFunding, GivesWhatFitsAndNeverWraps) {
  EXPECT_EQ(DemoDepositUnits(100'000, 8), 10'000'000'000'000);
  EXPECT_EQ(DemoDepositUnits(1'000'000'000, 8), 100'000'000'000'000'000);
  EXPECT_EQ(DemoDepositUnits(1'000'000'000, 12), kMaxDemoDeposit);  // 10^21 units: more than 64 bits hold
  EXPECT_EQ(DemoDepositUnits(100'000, 17), kMaxDemoDeposit);
  EXPECT_EQ(DemoDepositUnits(1'000'000'000, 18), kMaxDemoDeposit);
  EXPECT_EQ(DemoDepositUnits(10, 0), 10);
}

TEST(Params, KeepsNumberTextAndReadsArraysAndObjects) {
  Params p;
  ASSERT_TRUE(p.ParseJson(R"({"price":"20000.5","quantity":0.0002,"limit":50,"exec_inst":["POST_ONLY"],
                              "order_list":[{"side":"BUY"},{"side":"SELL"}],"x":null,"channels":{"a":1}})"));
  EXPECT_EQ(p.Text("price"), "20000.5");
  EXPECT_EQ(p.Text("quantity"), "0.0002");
  EXPECT_EQ(p.Text("limit"), "50");
  EXPECT_FALSE(p.Text("x"));
  EXPECT_FALSE(p.Text("missing"));
  bool bad = false;
  EXPECT_FALSE(p.Text("channels", &bad));
  EXPECT_TRUE(bad);
  EXPECT_EQ(p.List("exec_inst")->at(0), "POST_ONLY");
  ASSERT_EQ(p.Objects("order_list")->size(), 2u);
  EXPECT_EQ(p.Objects("order_list")->at(1).Text("side"), "SELL");
  EXPECT_FALSE(p.ParseJson("[1,2]"));
  EXPECT_FALSE(p.ParseJson("{\"a\":"));
  EXPECT_TRUE(p.ParseJson(""));
}

// A list or an object under a key that takes a scalar is an error of the whole params, never an absent value: a
// cancel-all whose instrument_name came as ["BTC_USD"] cancelled the orders of every book.
TEST(Params, ShouldRefuseAListOrAnObjectWhereAScalarBelongs) {
  for (const char* json : {R"({"instrument_name":["BTC_USD"]})", R"({"time_in_force":{"v":"FILL_OR_KILL"}})",
                           R"({"client_oid":{"x":"1"},"side":"BUY"})", R"({"order_list":[{"price":[1]}]})",
                           R"({"order_list":[["a"]]})", R"({"stp_inst":[]})"}) {
    Params p;
    std::string problem;
    EXPECT_FALSE(p.ParseJson(json, &problem)) << json;
    EXPECT_NE(problem.find("params."), std::string::npos) << json << ": " << problem;
    EXPECT_FALSE(p.Text("side")) << "nothing is kept of params refused: " << json;
  }
  Params p;
  std::string problem;
  EXPECT_FALSE(p.ParseJson("[1,2]", &problem));
  EXPECT_EQ(problem, "params must be a JSON object");
  EXPECT_TRUE(p.ParseJson(R"({"exec_inst":["POST_ONLY"],"deposits":[{"asset":"USD","amount":1}],"permissions":[]})"));
}

// A JSON number keeps every digit it was sent with (a double would round "100.000000000000001" to "100", and the
// order would trade at a price the client did not send and the signature did not cover); an exponent is written
// out exactly, so the decimal parsers see what they see for the same number sent as a string.
TEST(Params, ShouldKeepEveryDigitOfANumber) {
  Params p;
  ASSERT_TRUE(p.ParseJson(R"({"price":100.000000000000001,"quantity":1.000000000000000001,"a":1e-05,"b":2E2,
                              "c":1.5e-3,"d":-0,"e":12345678901234567890,"f":0.5,"g":1.23e1,"h":0e400,
                              "s":"1e3 \" -5","order_list":[{"quantity":0.1},{"quantity":7e-1}],"z":-2.5E+1})"));
  EXPECT_EQ(p.Text("price"), "100.000000000000001");
  EXPECT_EQ(p.Text("quantity"), "1.000000000000000001");
  EXPECT_EQ(p.Text("a"), "0.00001");
  EXPECT_EQ(p.Text("b"), "200");
  EXPECT_EQ(p.Text("c"), "0.0015");
  EXPECT_EQ(p.Text("d"), "-0");
  EXPECT_EQ(p.Text("e"), "12345678901234567890");
  EXPECT_EQ(p.Text("f"), "0.5");
  EXPECT_EQ(p.Text("g"), "12.3");
  EXPECT_EQ(p.Text("h"), "0");
  EXPECT_EQ(p.Text("s"), "1e3 \" -5");  // numbers inside a string are not numbers
  EXPECT_EQ(p.Objects("order_list")->at(0).Text("quantity"), "0.1");
  EXPECT_EQ(p.Objects("order_list")->at(1).Text("quantity"), "0.7");
  EXPECT_EQ(p.Text("z"), "-25");
  std::string problem;
  EXPECT_FALSE(p.ParseJson(R"({"price":1e1001})", &problem));  // not a double: the parser refuses it
  EXPECT_FALSE(p.ParseJson(R"({"price":0.0e-5000})", &problem)) << "thousands of zeros for nothing";
  EXPECT_NE(problem.find("params.price"), std::string::npos) << problem;
}

TEST(Params, QueryStringsAreDecoded) {
  Params p;
  p.ParseQuery("instrument_name=BTC_USD&depth=10&name=a%20b+c&flag");
  EXPECT_EQ(p.Text("instrument_name"), "BTC_USD");
  EXPECT_EQ(p.Text("depth"), "10");
  EXPECT_EQ(p.Text("name"), "a b c");
  EXPECT_EQ(p.Text("flag"), "");
}

TEST(Catalog, ConvertsTextToTicksAndLotsExactly) {
  Venue v;
  v.Setup();  // BTC 8 decimals, USD 2; tick 1.00 USD, lot 0.01 BTC
  const std::shared_ptr<const VenueCatalog> c = VenueCatalog::Build(v.engine());
  const InstrumentInfo* i = c->FindInstrument("BTC_USD");
  ASSERT_NE(i, nullptr);
  PriceTicks price;
  QtyLots qty;
  EXPECT_TRUE(i->ParsePrice("20000", &price));
  EXPECT_EQ(price.value(), 20000);
  EXPECT_TRUE(i->ParsePrice("20000.00", &price));
  EXPECT_FALSE(i->ParsePrice("20000.5", &price));  // off the 1.00 grid
  EXPECT_FALSE(i->ParsePrice("-1", &price));
  EXPECT_FALSE(i->ParsePrice("1e5", &price));
  EXPECT_TRUE(i->ParseQty("0.05", &qty));
  EXPECT_EQ(qty.value(), 5);
  EXPECT_FALSE(i->ParseQty("0.005", &qty));
  EXPECT_EQ(i->FormatPrice(PriceTicks{20001}), "20001");
  EXPECT_EQ(i->FormatQty(QtyLots{5}), "0.05");
  EXPECT_EQ(i->PriceTickText(), "1");
  EXPECT_EQ(i->QtyTickText(), "0.01");
  EXPECT_EQ(i->FormatAveragePrice(Amount{3000150}, QtyLots{3}), "1000050");  // 30001.50 USD for 0.03 BTC
  EXPECT_EQ(c->FindInstrument("ETH_USD"), nullptr);
  EXPECT_EQ(c->FindAsset("USD")->decimals, 2);
}

// order_date and event_date are the UTC day of the order's creation / the trade, whatever the instant in the day.
TEST(ApiFormat, ShouldWriteTheUtcDayOfAnOrderAndATrade) {
  Venue v;
  v.Setup();
  const std::shared_ptr<const VenueCatalog> c = VenueCatalog::Build(v.engine());
  const auto order_date = [&](TimeNs t) {
    OrderRecord r;
    r.view.instrument = kBtcUsd;
    r.view.created_time = t;
    api::JsonWriter w;
    WriteOrder(w, r, *c);
    const std::string json = w.Release();
    const size_t at = json.find("\"order_date\":\"");
    return at == std::string::npos ? json : json.substr(at + 14, 10);
  };
  const auto event_date = [&](TimeNs t) {
    TradeRecord trade;
    trade.instrument = kBtcUsd;
    trade.time = t;
    api::JsonWriter w;
    WriteTrade(w, trade, *c);
    const std::string json = w.Release();
    const size_t at = json.find("\"event_date\":\"");
    return at == std::string::npos ? json : json.substr(at + 14, 10);
  };
  constexpr TimeNs kSecond = 1'000'000'000;
  EXPECT_EQ(order_date(0), "1970-01-01");
  EXPECT_EQ(order_date(86'400 * kSecond - 1), "1970-01-01");
  EXPECT_EQ(order_date(86'400 * kSecond), "1970-01-02");
  EXPECT_EQ(order_date(1'709'164'800 * kSecond), "2024-02-29");                // a leap day, at its first instant
  EXPECT_EQ(order_date(1'709'251'199 * kSecond + 999'999'999), "2024-02-29");  // and its last
  EXPECT_EQ(order_date(1'735'689'599 * kSecond), "2024-12-31");
  EXPECT_EQ(order_date(1'735'689'600 * kSecond), "2025-01-01");
  EXPECT_EQ(order_date(4'107'542'400 * kSecond), "2100-03-01");  // 2100 is not a leap year
  EXPECT_EQ(order_date(INT64_MAX), "2262-04-11");                // the last instant a TimeNs holds
  EXPECT_EQ(event_date(1'764'979'199 * kSecond + 999'999'999), "2025-12-05");
  EXPECT_EQ(event_date(1'764'979'200 * kSecond), "2025-12-06");
}

TEST(Projection, FollowsAnOrderFromBookToHistoryAndBuildsCandles) {
  Venue v;
  v.Setup();
  v.Fund(1, 10'000'000, 0);
  v.Fund(2, 0, 100'000'000);
  Projection projection;
  CommandEffects effects;
  SeqNo seq = 100;
  const TimeNs t0 = TimeNs{1'700'000'000'000'000'000};
  const auto apply = [&](CommandBody body, TimeNs time) {
    const Command c{++seq, time, std::move(body)};
    const std::span<const Event> events = v.engine().Apply(c);
    projection.Apply(c, events, v.engine(), &effects);
  };
  PlaceOrder bid;
  bid.account = AccountId{1};
  bid.instrument = sequex::testing::kBtcUsd;
  bid.side = Side::kBuy;
  bid.price = PriceTicks{20000};
  bid.qty = QtyLots{10};
  bid.client_oid.Assign("bid-1");
  apply(bid, t0);
  ASSERT_EQ(projection.OpenOrders(AccountId{1}).size(), 1u);
  const OrderId id = projection.OpenOrders(AccountId{1})[0]->view.order_id;
  EXPECT_EQ(projection.FindByClientOid(AccountId{1}, "bid-1")->view.order_id, id);

  PlaceOrder ask;
  ask.account = AccountId{2};
  ask.instrument = sequex::testing::kBtcUsd;
  ask.side = Side::kSell;
  ask.price = PriceTicks{19990};
  ask.qty = QtyLots{10};
  ask.tif = TimeInForce::kImmediateOrCancel;
  apply(ask, t0 + 90'000'000'000);  // 90 s later: the next 1m candle
  EXPECT_TRUE(projection.OpenOrders(AccountId{1}).empty());
  const OrderRecord* filled = projection.FindOrder(AccountId{1}, id);
  ASSERT_NE(filled, nullptr);
  EXPECT_EQ(filled->view.status, OrderStatus::kFilled);
  EXPECT_EQ(filled->view.filled.value(), 10);
  EXPECT_EQ(projection.ClosedOrders(AccountId{2})->front().view.status, OrderStatus::kFilled);
  ASSERT_EQ(projection.Trades(AccountId{1})->size(), 1u);
  EXPECT_FALSE(projection.Trades(AccountId{1})->front().taker);
  EXPECT_TRUE(projection.Trades(AccountId{2})->front().taker);
  EXPECT_EQ(projection.PublicTrades(sequex::testing::kBtcUsd)->front().price.value(), 20000);
  const std::deque<Candle>* minutes = projection.Candles(sequex::testing::kBtcUsd, TimeframeIndex("1m"));
  ASSERT_EQ(minutes->size(), 1u);
  EXPECT_EQ(minutes->front().volume.value(), 10);
  EXPECT_EQ(minutes->front().start_ms % 60'000, 0);
  const Ticker t = projection.TickerOf(sequex::testing::kBtcUsd, t0 + 100'000'000'000);
  EXPECT_TRUE(t.has_trades);
  EXPECT_EQ(t.volume.value(), 10);
  EXPECT_FALSE(projection.TickerOf(sequex::testing::kBtcUsd, t0 + 90'000'000'000 + 86'400'000'000'000).has_trades);
}

// What the projection holds is bounded, not the venue's whole past (docs/server.md, "What grows"): one past each
// cap drops the oldest record, and a query finds the newest cap's worth. An account that places and closes, or
// trades, forever holds the same memory after its first kOrderHistory closes and kTradeHistory trades.
TEST(Projection, ShouldHoldTheNewestCapsWorthOfHistoryAndDropTheOldest) {
  const Engine mirror;  // empty: every accepted order has left the book by the end of its command
  Projection projection;
  CommandEffects effects;
  constexpr int64_t kMinuteNs = 60'000'000'000;
  const TimeNs t0 = 1'765'000'000'000'000'000;
  const AccountId maker{1}, taker{2};
  const size_t orders = Projection::kOrderHistory + 1;
  for (uint64_t i = 1; i <= orders; ++i) {
    AcceptedEvent a;
    a.order_id = OrderId{i};
    a.account = maker;
    a.instrument = sequex::testing::kBtcUsd;
    a.qty = QtyLots{1};
    PlaceOrder place;
    place.client_oid.Assign("c-" + std::to_string(i));
    const Event event = a;
    projection.Apply(Command{i, t0, place}, std::span<const Event>(&event, 1), mirror, &effects);
  }
  const std::deque<OrderRecord>* closed = projection.ClosedOrders(maker);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->size(), Projection::kOrderHistory);
  EXPECT_EQ(closed->front().view.order_id, OrderId{orders});
  EXPECT_EQ(closed->back().view.order_id, OrderId{2});
  EXPECT_EQ(projection.FindOrder(maker, OrderId{1}), nullptr);
  EXPECT_EQ(projection.FindByClientOid(maker, "c-1"), nullptr);
  ASSERT_NE(projection.FindByClientOid(maker, "c-2"), nullptr);
  EXPECT_EQ(projection.FindByClientOid(maker, "c-2")->view.order_id, OrderId{2});

  // Trades a minute apart, so that each opens a 1m candle too.
  const size_t trades = std::max({Projection::kTradeHistory, Projection::kPublicTrades, Projection::kCandles}) + 1;
  for (uint64_t m = 1; m <= trades; ++m) {
    TradeEvent t;
    t.match_id = m;
    t.instrument = sequex::testing::kBtcUsd;
    t.maker_account = maker;
    t.taker_account = taker;
    t.price = PriceTicks{1000};
    t.qty = QtyLots{1};
    t.notional = Amount{1000};
    const Event event = t;
    const TimeNs time = t0 + static_cast<TimeNs>(m) * kMinuteNs;
    projection.Apply(Command{orders + m, time, Deposit{}}, std::span<const Event>(&event, 1), mirror, &effects);
  }
  for (const AccountId account : {maker, taker}) {
    const std::deque<TradeRecord>* held = projection.Trades(account);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(held->size(), Projection::kTradeHistory);
    EXPECT_EQ(held->front().match_id, trades);
    EXPECT_EQ(held->back().match_id, trades - Projection::kTradeHistory + 1);
  }
  const std::deque<PublicTrade>* tape = projection.PublicTrades(sequex::testing::kBtcUsd);
  ASSERT_NE(tape, nullptr);
  EXPECT_EQ(tape->size(), Projection::kPublicTrades);
  EXPECT_EQ(tape->front().match_id, trades);
  EXPECT_EQ(tape->back().match_id, trades - Projection::kPublicTrades + 1);
  const std::deque<Candle>* minutes = projection.Candles(sequex::testing::kBtcUsd, TimeframeIndex("1m"));
  ASSERT_NE(minutes, nullptr);
  EXPECT_EQ(minutes->size(), Projection::kCandles);
  const auto minute_of = [&](uint64_t m) {
    return CandleStartMs(0, (t0 + static_cast<TimeNs>(m) * kMinuteNs) / 1'000'000);
  };
  EXPECT_EQ(minutes->front().start_ms, minute_of(trades));
  EXPECT_EQ(minutes->back().start_ms, minute_of(trades - Projection::kCandles + 1));
  // The closed orders were not touched by the trades.
  EXPECT_EQ(projection.ClosedOrders(maker)->size(), Projection::kOrderHistory);
}

// A session unsubscribes as it closes through Publisher::Post, which a full task ring refuses: its user.*
// subscriptions then stayed for good (until the key was revoked), one set for each such session. The account's
// next push drops the ones whose session is gone.
TEST(Publisher, ShouldDropTheUserSubscriptionsOfASessionThatIsGone) {
  struct CountingOutbox final : Outbox {
    void Send(Message /*message*/, unsigned /*http_status*/) override { ++sent; }
    int sent = 0;
  };
  Venue v;
  v.Setup();
  CreateAccount create;
  std::strcpy(create.credential.key, "growth-key-1");
  std::strcpy(create.credential.secret, "growth-secret-0123456789");
  create.credential.permissions = kPermissionRead | kPermissionTrade;
  v.Do(create);
  const AccountId account{1};
  v.Fund(account.value(), 10'000'000, 0);
  std::string error;
  std::unique_ptr<Engine> mirror = Engine::LoadSnapshot(v.engine().SaveSnapshot(), EngineConfig{}, &error);
  ASSERT_NE(mirror, nullptr) << error;
  Directory directory;
  Publisher publisher(std::move(mirror), &directory);
  publisher.PublishDirectory();

  auto live = std::make_shared<CountingOutbox>();
  auto gone = std::make_shared<CountingOutbox>();
  for (const char* channel : {"user.order", "user.balance"}) {
    ASSERT_EQ(publisher.Subscribe(live, channel, account, "growth-key-1"), 0u);
    ASSERT_EQ(publisher.Subscribe(gone, channel, account, "growth-key-1"), 0u);
  }
  ASSERT_EQ(publisher.subscriptions(), 4u);
  gone.reset();  // closed, and its UnsubscribeAll never reached the publisher

  publisher.Start();
  PlaceOrder bid;
  bid.account = account;
  bid.instrument = kBtcUsd;
  bid.side = Side::kBuy;
  bid.price = PriceTicks{20000};
  bid.qty = QtyLots{1};
  const Command command{100, 1'765'000'000'000'000'000, bid};
  sequencer::Completion completion;
  completion.status = sequencer::AckStatus::kApplied;
  completion.seq = command.seq;
  completion.time = command.time;
  completion.command = &command;
  publisher.sink()->OnComplete(completion);
  publisher.Stop();  // drains the completion

  EXPECT_EQ(publisher.subscriptions(), 2u) << "the gone session's two subscriptions are still held";
  EXPECT_GE(live->sent, 4) << "the live one got its two first messages and the order and balance pushes";
}

// The 24-hour ticker, asked at random times between trades spread over three days (several in some minutes, none
// in others), equals one computed from the trades themselves: the minutes after now's minute - 1440, the first
// trade's price as open. The projection keeps what it can of the window between asks (Projection::TickerOf).
TEST(Projection, ShouldGiveTheTickerOfTheLast24HoursAtAnyTime) {
  constexpr int64_t kMinuteNs = 60'000'000'000;
  const Engine mirror;
  Projection projection;
  CommandEffects effects;
  struct Trade {
    TimeNs time;
    int64_t price, qty;
  };
  std::vector<Trade> trades;
  const auto expected = [&trades](TimeNs now) {
    const int64_t cutoff = now / kMinuteNs - 1440;
    Ticker t;
    for (const Trade& trade : trades) {
      if (trade.time / kMinuteNs <= cutoff) continue;
      if (!t.has_trades)
        t = Ticker{true, {}, PriceTicks{trade.price}, PriceTicks{trade.price}, PriceTicks{trade.price}};
      t.high = std::max(t.high, PriceTicks{trade.price});
      t.low = std::min(t.low, PriceTicks{trade.price});
      t.volume += QtyLots{trade.qty};
      t.value += Amount{trade.price * trade.qty};
      t.last = PriceTicks{trade.price};
    }
    return t;
  };
  const auto same = [](const Ticker& a, const Ticker& b) {
    return a.has_trades == b.has_trades &&
           (!a.has_trades || (a.last == b.last && a.high == b.high && a.low == b.low && a.open == b.open &&
                              a.volume == b.volume && a.value == b.value));
  };
  uint64_t state = 42;
  const auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % bound;
  };
  TimeNs time = 1'765'000'000'000'000'000;
  uint64_t match = 0;
  for (int step = 0; step < 6000; ++step) {
    // Mostly within the minute or the next, sometimes hours later.
    const uint64_t gap = next(10) == 0 ? next(300) * kMinuteNs : next(2 * kMinuteNs);
    time += static_cast<TimeNs>(gap);
    TradeEvent t;
    t.match_id = ++match;
    t.instrument = sequex::testing::kBtcUsd;
    t.maker_account = AccountId{1};
    t.taker_account = AccountId{2};
    t.price = PriceTicks{static_cast<int64_t>(1000 + next(500))};
    t.qty = QtyLots{static_cast<int64_t>(1 + next(20))};
    t.notional = Amount{t.price.value() * t.qty.value()};
    const Event event = t;
    projection.Apply(Command{match, time, Deposit{}}, std::span<const Event>(&event, 1), mirror, &effects);
    trades.push_back({time, t.price.value(), t.qty.value()});
    for (int ask = 0; ask < 3; ++ask) {
      const TimeNs now = time + static_cast<TimeNs>(next(3) == 0 ? next(1500) * kMinuteNs : next(kMinuteNs));
      const Ticker want = expected(now);
      const Ticker got = projection.TickerOf(sequex::testing::kBtcUsd, now);
      ASSERT_TRUE(same(got, want)) << "step " << step << " now " << now << ": volume " << got.volume.value()
                                   << " against " << want.volume.value();
    }
  }
}

// History snapshots (docs/server.md): a publisher restored from a mirror snapshot and a saved projection, then
// fed the same commands as one that never stopped, ends with the same projection, byte for byte.
TEST(Projection, ShouldFollowTheSameCommandsToTheSameBytesOnceRestoredFromItsSavedBytes) {
  workload::GeneratorOptions options;
  options.warmup_commands = 0;
  options.commands = 100'000;
  options.accounts = 50;  // few accounts, so their order and trade histories fill up and roll over
  options.instruments = 3;
  workload::CommandStream stream = workload::Translate(workload::Generate(options));
  // 20 s per command: the run spans days, so candles roll over and 24-hour tickers drop old minutes.
  for (size_t i = 0; i < stream.commands.size(); ++i) {
    stream.commands[i].time = static_cast<TimeNs>(i + 1) * 20'000'000'000;
  }
  const size_t half = stream.commands.size() / 2;

  Directory whole_directory, restored_directory;
  Publisher whole(std::make_unique<Engine>(), &whole_directory);
  for (size_t i = 0; i < half; ++i) whole.Replay(stream.commands[i]);
  const std::string saved = whole.projection().Save();
  std::string error;
  std::unique_ptr<Engine> mirror = Engine::LoadSnapshot(whole.engine().SaveSnapshot(), EngineConfig{}, &error);
  ASSERT_NE(mirror, nullptr) << error;
  Publisher restored(std::move(mirror), &restored_directory);
  ASSERT_TRUE(restored.RestoreProjection(saved, &error)) << error;
  EXPECT_EQ(restored.projection().Save(), saved);

  for (size_t i = half; i < stream.commands.size(); ++i) {
    whole.Replay(stream.commands[i]);
    restored.Replay(stream.commands[i]);
  }
  const Projection& p = whole.projection();
  EXPECT_EQ(restored.projection().Save(), p.Save());
  // What it covered: full order and trade histories, rolled candles, open orders.
  size_t full_histories = 0;
  for (uint32_t a = 1; a <= options.accounts; ++a) {
    const std::deque<OrderRecord>* closed = p.ClosedOrders(AccountId{a});
    if (closed != nullptr && closed->size() == Projection::kOrderHistory) ++full_histories;
  }
  EXPECT_GT(full_histories, 0u);
  const std::deque<Candle>* minutes = p.Candles(InstrumentId{1}, TimeframeIndex("1m"));
  ASSERT_NE(minutes, nullptr);
  EXPECT_EQ(minutes->size(), Projection::kCandles);
  EXPECT_FALSE(p.OpenOrders(AccountId{1}).empty() && p.OpenOrders(AccountId{2}).empty());
}

TEST(Projection, ShouldRefuseDamagedOrHostileBytesAndStayEmpty) {
  Venue v;
  v.Setup();
  v.Fund(1, 10'000'000, 100'000'000);
  Projection projection;
  CommandEffects effects;
  SeqNo seq = 100;
  PlaceOrder bid = Venue::Limit(1, Side::kBuy, 20'000, 10, TimeInForce::kGoodTillCancel, "bid-1");
  const Command c{++seq, 1'000, bid};
  projection.Apply(c, v.engine().Apply(c), v.engine(), &effects);
  const std::string saved = projection.Save();
  Projection loaded;
  std::string error;
  ASSERT_TRUE(loaded.Load(saved, v.engine(), &error)) << error;
  ASSERT_EQ(loaded.OpenOrders(AccountId{1}).size(), 1u);

  for (size_t i = 0; i < saved.size(); i += 7) {
    std::string damaged = saved;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x40);
    EXPECT_FALSE(loaded.Load(damaged, v.engine(), &error)) << "byte " << i;
    EXPECT_TRUE(loaded.OpenOrders(AccountId{1}).empty());
  }
  EXPECT_FALSE(loaded.Load(saved.substr(0, saved.size() - 1), v.engine(), &error));
  EXPECT_FALSE(loaded.Load("", v.engine(), &error));
  // A checksum that matches, over an open-order count far past what the bytes hold: refused, nothing allocated.
  std::string hostile = saved.substr(0, saved.size() - 8);
  const size_t open_count_at = 8 + 4 + 8;
  for (size_t k = 0; k < 4; ++k) hostile[open_count_at + k] = static_cast<char>(0xff);
  const uint64_t sum = XXH3_64bits(hostile.data(), hostile.size());
  for (int k = 0; k < 8; ++k) hostile.push_back(static_cast<char>(sum >> (8 * k)));
  EXPECT_FALSE(loaded.Load(hostile, v.engine(), &error));
  EXPECT_EQ(error, "projection: bad open-order count");
}

// An order reports the rates of its account's tier when it was placed: the projection takes them at acceptance (an
// order that trades away at once is never read from the mirror), later tier changes leave them, and a history
// snapshot keeps them.
TEST(Projection, ShouldRecordTheRatesOfTheTierAnOrderWasPlacedOn) {
  Venue v;
  v.Setup();
  v.Fund(1, 10'000'000, 100'000'000);
  v.Fund(2, 10'000'000, 100'000'000);
  Projection projection;
  CommandEffects effects;
  SeqNo seq = 100;
  const auto apply = [&](CommandBody body) {
    const Command c{++seq, static_cast<TimeNs>(seq) * 1'000, body};
    projection.Apply(c, v.engine().Apply(c), v.engine(), &effects);
  };
  apply(SetFeeTier{0, 250, 500});
  apply(SetFeeTier{1, -100, 200});
  apply(SetAccountFeeTier{AccountId{2}, 1});
  apply(Venue::Limit(1, Side::kSell, 20'000, 10, TimeInForce::kGoodTillCancel, "ask"));
  apply(Venue::Limit(2, Side::kBuy, 20'000, 10, TimeInForce::kImmediateOrCancel, "take"));
  apply(Venue::Limit(2, Side::kBuy, 19'000, 10, TimeInForce::kGoodTillCancel, "bid"));
  apply(SetFeeTier{1, 0, 300});
  apply(SetFeeTier{0, 0, 0});
  apply(SetAccountFeeTier{AccountId{2}, 0});
  const auto rates = [](const Projection& p, uint32_t account, std::string_view oid) {
    const OrderRecord* r = p.FindByClientOid(AccountId{account}, oid);
    return r == nullptr ? std::pair(-1, -1) : std::pair(r->view.maker_ppm, r->view.taker_ppm);
  };
  ASSERT_EQ(projection.OpenOrders(AccountId{2}).size(), 1u);
  ASSERT_NE(projection.ClosedOrders(AccountId{1}), nullptr);
  EXPECT_EQ(rates(projection, 1, "ask"), std::pair(250, 500));
  EXPECT_EQ(rates(projection, 2, "take"), std::pair(-100, 200));
  EXPECT_EQ(rates(projection, 2, "bid"), std::pair(-100, 200));

  Projection loaded;
  std::string error;
  ASSERT_TRUE(loaded.Load(projection.Save(), v.engine(), &error)) << error;
  EXPECT_EQ(loaded.Save(), projection.Save());
  EXPECT_EQ(rates(loaded, 1, "ask"), std::pair(250, 500));
  EXPECT_EQ(rates(loaded, 2, "take"), std::pair(-100, 200));
  EXPECT_EQ(rates(loaded, 2, "bid"), std::pair(-100, 200));
}

// Version 1 of the history snapshot, as sequexd wrote it before orders kept their rates (no rates in the records).
void PutVersion1Order(journal::ByteWriter& w, const OrderView& o, TimeNs update_time) {
  w.U64(o.order_id.value());
  w.U32(o.account.value());
  w.U16(o.instrument.value());
  for (const uint8_t e : {static_cast<uint8_t>(o.side), static_cast<uint8_t>(o.type), static_cast<uint8_t>(o.tif),
                          static_cast<uint8_t>(o.status), o.flags}) {
    w.U8(e);
  }
  for (const int64_t x : {o.price.value(), o.trigger_price.value(), o.qty.value(), o.filled.value(), o.notional.value(),
                          o.held.value(), o.cum_notional.value(), o.cum_fee.value()}) {
    w.I64(x);
  }
  w.U8(0);  // client_oid: none
  w.U64(o.created_seq);
  w.I64(o.created_time);
  w.I64(update_time);
  w.U8(0);  // cancel reason
  w.U8(0);  // not cancelled
}

// A version-1 history snapshot still loads: its open orders take their rates from the engine state saved with it,
// its closed ones that state's tier 0's (what they were charged is not in it); it is saved again as version 2.
TEST(Projection, ShouldLoadAVersion1SnapshotTakingTheRatesFromTheState) {
  Venue v;
  v.Setup();
  v.Fund(1, 10'000'000, 100'000'000);
  v.Do(SetFeeTier{0, 250, 500});
  v.Do(SetFeeTier{1, -100, 200});
  v.Do(SetAccountFeeTier{AccountId{1}, 1});
  const OrderId open_id = testing::AcceptedId(v.Do(Venue::Limit(1, Side::kBuy, 19'000, 10)));
  v.Do(SetFeeTier{0, 1000, 2000});
  const std::optional<OrderView> open = v.engine().FindOrder(AccountId{1}, open_id);
  ASSERT_TRUE(open);
  OrderView closed = *open;
  closed.order_id = OrderId{open_id.value() + 100};
  closed.status = OrderStatus::kFilled;

  std::string bytes;
  journal::ByteWriter w(&bytes);
  w.Raw("SQXPROJ1", 8);
  w.U32(1);
  w.I64(5'000);
  w.U32(1);  // open orders
  PutVersion1Order(w, *open, 5'000);
  w.U32(1);  // accounts with closed orders
  w.U32(1);
  w.U32(1);
  PutVersion1Order(w, closed, 5'000);
  w.U32(0);  // accounts with trades
  w.U32(0);  // instruments
  w.U64(XXH3_64bits(bytes.data(), bytes.size()));

  Projection p;
  std::string error;
  ASSERT_TRUE(p.Load(bytes, v.engine(), &error)) << error;
  const OrderRecord* o = p.FindOrder(AccountId{1}, open_id);
  const OrderRecord* c = p.FindOrder(AccountId{1}, closed.order_id);
  ASSERT_NE(o, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(std::pair(o->view.maker_ppm, o->view.taker_ppm), std::pair(-100, 200));
  EXPECT_EQ(std::pair(c->view.maker_ppm, c->view.taker_ppm), std::pair(1000, 2000));
  const std::string again = p.Save();
  EXPECT_EQ(journal::LoadLe(again.data() + 8, 4), 2u);
  Projection reloaded;
  ASSERT_TRUE(reloaded.Load(again, v.engine(), &error)) << error;
  EXPECT_EQ(reloaded.Save(), again);
  bytes[8] = 3;  // a version it does not know
  EXPECT_FALSE(p.Load(bytes, v.engine(), &error));
}

TEST(Projection, CandleBoundariesIncludeCalendarMonths) {
  const int month = TimeframeIndex("1M");
  // 2026-03-15T12:00:00Z -> 2026-03-01T00:00:00Z
  EXPECT_EQ(CandleStartMs(month, 1'773'576'000'000), 1'772'323'200'000);
  EXPECT_EQ(CandleStartMs(TimeframeIndex("1h"), 3'600'000 * 5 + 17), 3'600'000 * 5);
  EXPECT_EQ(TimeframeIndex("2m"), -1);
  EXPECT_EQ(TimeframeIndex("M5"), TimeframeIndex("5m"));
}

}  // namespace
}  // namespace sequex::server

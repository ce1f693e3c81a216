// ServerConfig: everything sequexd is told, from the embedded default (default_config.toml), an optional TOML file
// read over it, and command-line flags read over both. Loading validates every value and names the bad one.
//
//   std::string error;
//   std::optional<ServerConfig> c = LoadServerConfig(config_path_or_empty, &error);
//   if (!c) { print(error); exit(2); }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace sequex::server {

// One [[asset]]. Journaled as a DefineAsset at the first start that lacks it; fixed for the venue's life after.
struct AssetConfig {
  std::string code;  // [A-Z0-9], 1..15 characters
  int decimals = 8;  // 0..18
};

struct InstrumentConfig {
  std::string symbol;
  std::string base;
  std::string quote;
  std::string price_tick;       // decimal text, quote units
  std::string qty_tick;         // decimal text, base units
  std::string min_qty;          // decimal text, base units; empty = one qty tick
  std::string min_notional;     // decimal text, quote units; empty = none
  uint32_t price_band_bps = 0;  // limit prices farther than this from the last trade are refused; 0 = no band
  std::string demo_mid;         // the demo market maker's starting mid price; empty = not quoted
};

struct RateLimitConfig {
  uint32_t order_per_100ms = 15;
  uint32_t order_detail_per_100ms = 30;
  uint32_t history_per_second = 1;
  uint32_t other_private_per_100ms = 3;
  uint32_t public_per_second_per_ip = 100;
  uint32_t ws_user_per_second = 150;
  uint32_t ws_market_per_second = 100;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen = "127.0.0.1:0";
  std::string data_dir = "data";
  uint32_t io_threads = 1;
  uint32_t max_connections = 10'000;      // API connections at once (the descriptor limit may lower it)
  uint32_t max_connections_per_ip = 200;  // of them, from one remote IP address
  uint32_t shutdown_grace_ms = 5'000;     // the graceful stop's bound (docs/server.md, "Stopping")

  bool durable = true;  // journal: fsync before ack; false = memory (benchmarks only)
  uint64_t checkpoint_interval = 100'000;
  uint64_t snapshot_interval = 1'000'000;
  // Snapshots kept; with each new one, older snapshots and the segments no kept snapshot needs are deleted
  // (docs/journal.md, "Retention"). 0 keeps everything; 1 is refused (no snapshot to fall back on).
  uint64_t keep_snapshots = 0;
  uint64_t segment_bytes = 64u << 20;  // a journal segment is rolled past this size
  bool prewritten_segments = true;     // docs/journal.md, "Pre-written segments"

  uint32_t heartbeat_interval_ms = 30'000;
  uint32_t heartbeat_timeout_ms = 5'000;
  uint64_t max_outbound_bytes = 4u << 20;
  uint32_t max_message_bytes = 64u << 10;
  uint32_t max_channels = 200;

  RateLimitConfig rate_limits;

  // What the engine and the publisher's mirror are built with. [engine] sets expected_orders, expected_accounts,
  // expected_account_books (growing a table past them allocates it in a single command, docs/engine.md) and
  // reserved_small_memory (as reserved_small_memory_mib); the rest keeps EngineConfig's defaults. The operator tool
  // reads the same table (sequex journal replay --config).
  EngineConfig engine;

  std::string maker_rate = "0.00025";
  std::string taker_rate = "0.0005";

  bool demo_market_maker = true;
  uint32_t demo_accounts = 2;
  uint64_t demo_seed = 42;

  std::vector<AssetConfig> assets;
  std::vector<InstrumentConfig> instruments;
};

// The embedded default's text (default_config.toml, compiled in).
[[nodiscard]] std::string_view DefaultConfigText();

// Reads the default, then `path` over it when non-empty. nullopt and *error on an unreadable file, bad TOML, an
// unknown key, a value of the wrong type or out of range, an asset code or symbol given twice, or [engine] sizes
// whose two engines would need more memory than the machine has.
[[nodiscard]] std::optional<ServerConfig> LoadServerConfig(const std::string& path, std::string* error);

// Bytes one engine built with `config` takes at start-up, roughly: its pre-sized tables, books and reserved small
// memory (docs/server.md, "[engine]"). sequexd builds two (the sequencer's and the publisher's mirror).
[[nodiscard]] uint64_t EstimatedEngineBytes(const EngineConfig& config);

// Empty when two engines sized by `config` fit in `physical_bytes`; otherwise the error naming the keys.
[[nodiscard]] std::string EngineMemoryProblem(const EngineConfig& config, uint64_t physical_bytes);

// A fee rate as [fees] and the operator's fees/tier take it ("0.00025": a decimal of at most 6 places) in parts per
// million, the engine's SetFeeTier unit. At most 0.1, the engine's bound, so that a start never journals its
// definitions and then has the fee tier refused; at least 0, or with `rebate` (a maker rate set by the operator)
// -0.1. False, *ppm unchanged, when malformed or out of range.
[[nodiscard]] bool ParseFeeRate(std::string_view text, bool rebate, int32_t* ppm);
inline constexpr int32_t kMaxFeePpm = 100'000;

// Splits "host:port"; false if malformed.
[[nodiscard]] bool SplitHostPort(std::string_view text, std::string* host, uint16_t* port);

}  // namespace sequex::server

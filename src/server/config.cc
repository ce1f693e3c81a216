#include "server/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/decimal.h"
#include "common/physical_memory.h"
#include "engine/event.h"
#include "engine/wallet.h"
#include "server/default_config_text.h"

namespace sequex::server {
namespace {

// Keys of `over` replace those of `base`; tables merge key by key; arrays (of assets, instruments) replace.
void MergeOver(toml::table& base, const toml::table& over) {
  for (const auto& [key, value] : over) {
    toml::node* existing = base.get(key);
    if (existing != nullptr && existing->is_table() && value.is_table()) {
      MergeOver(*existing->as_table(), *value.as_table());
    } else {
      base.insert_or_assign(key, value);
    }
  }
}

class Reader {
 public:
  Reader(const toml::table& root, std::string* error) : root_(root), error_(error) {}

  template <typename T>
  void Int(std::string_view table, std::string_view key, T* out, int64_t lo, int64_t hi) {
    const toml::node* n = root_.at_path(std::string(table) + "." + std::string(key)).node();
    if (n == nullptr) return;
    // Exactly a TOML integer: value<int64_t>() would also take 2.0 or true.
    const std::optional<int64_t> v = n->is_integer() ? n->value_exact<int64_t>() : std::nullopt;
    if (!v || *v < lo || *v > hi) {
      Fail(table, key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return;
    }
    *out = static_cast<T>(*v);
  }
  void Str(std::string_view table, std::string_view key, std::string* out) {
    const toml::node* n = root_.at_path(std::string(table) + "." + std::string(key)).node();
    if (n == nullptr) return;
    const std::optional<std::string> v = n->value_exact<std::string>();
    if (!v) return Fail(table, key, "a string");
    *out = *v;
  }
  void Bool(std::string_view table, std::string_view key, bool* out) {
    const toml::node* n = root_.at_path(std::string(table) + "." + std::string(key)).node();
    if (n == nullptr) return;
    // Exactly a TOML boolean: value<bool>() would also take an integer.
    const std::optional<bool> v = n->is_boolean() ? n->value<bool>() : std::nullopt;
    if (!v) return Fail(table, key, "true or false");
    *out = *v;
  }
  void Fail(std::string_view table, std::string_view key, std::string_view want) {
    if (error_->empty()) {
      *error_ = "config: " + std::string(table) + "." + std::string(key) + " must be " + std::string(want);
    }
  }
  [[nodiscard]] bool ok() const { return error_->empty(); }

 private:
  const toml::table& root_;
  std::string* error_;
};

// Every key the server understands; anything else is a typo worth refusing.
bool CheckKnownKeys(const toml::table& root, std::string* error) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kKnown = {
      {"server",
       {"listen", "admin_listen", "data_dir", "io_threads", "max_connections", "max_connections_per_ip",
        "shutdown_grace_ms"}},
      {"journal",
       {"durability", "checkpoint_interval", "snapshot_interval", "keep_snapshots", "segment_bytes",
        "prewritten_segments"}},
      {"websocket",
       {"heartbeat_interval_ms", "heartbeat_timeout_ms", "max_outbound_bytes", "max_message_bytes", "max_channels"}},
      {"rate_limits",
       {"order_per_100ms", "order_detail_per_100ms", "history_per_second", "other_private_per_100ms",
        "public_per_second_per_ip", "ws_user_per_second", "ws_market_per_second"}},
      {"fees", {"maker_rate", "taker_rate"}},
      {"demo", {"market_maker", "accounts", "seed"}},
      {"engine",
       {"expected_orders", "expected_accounts", "expected_account_books", "expected_books",
        "reserved_small_memory_mib"}},
  };
  for (const auto& [key, value] : root) {
    const std::string_view k = key.str();
    if (k == "asset" || k == "instrument") continue;  // ReadAssets and ReadInstruments check their entries
    bool found = false;
    for (const auto& [table, keys] : kKnown) {
      if (table != k) continue;
      found = true;
      if (!value.is_table()) {
        *error = "config: [" + std::string(k) + "] must be a table";
        return false;
      }
      for (const auto& [sub, unused] : *value.as_table()) {
        if (std::find(keys.begin(), keys.end(), sub.str()) == keys.end()) {
          *error = "config: unknown key " + std::string(k) + "." + std::string(sub.str());
          return false;
        }
      }
    }
    if (!found) {
      *error = "config: unknown table or key '" + std::string(k) + "'";
      return false;
    }
  }
  return true;
}

// One entry of an array of tables ([[asset]], [[instrument]]), named in messages as `asset[2].decimals`: entries
// are numbered from 1 in the order the file gives them.
class EntryReader {
 public:
  EntryReader(const toml::table& entry, std::string name, std::string* error)
      : entry_(entry), name_(std::move(name)), error_(error) {}

  // Fails on a key not in `known`: a typo (`decimal = 2`) would otherwise leave the default in force, journaled.
  void OnlyKeys(std::initializer_list<std::string_view> known) {
    for (const auto& [key, unused] : entry_) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        return Fail("config: unknown key " + name_ + "." + std::string(key.str()));
      }
    }
  }
  // A TOML string; `required` fails when absent or empty.
  void Str(std::string_view key, bool required, std::string* out) {
    const toml::node* n = entry_.get(key);
    if (n == nullptr && !required) return;
    const std::optional<std::string> v = n != nullptr ? n->value_exact<std::string>() : std::nullopt;
    if (!v || (required && v->empty())) {
      return Fail("config: " + name_ + "." + std::string(key) + " must be " +
                  (required ? "a non-empty string" : "a string") + (n == nullptr ? " (it is missing)" : ""));
    }
    *out = *v;
  }
  template <typename T>
  void Int(std::string_view key, T* out, int64_t lo, int64_t hi) {
    const toml::node* n = entry_.get(key);
    if (n == nullptr) return;
    const std::optional<int64_t> v = n->is_integer() ? n->value_exact<int64_t>() : std::nullopt;
    if (!v || *v < lo || *v > hi) {
      return Fail("config: " + name_ + "." + std::string(key) + " must be an integer in [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
    }
    *out = static_cast<T>(*v);
  }
  void Fail(std::string message) {
    if (error_->empty()) *error_ = std::move(message);
  }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  const toml::table& entry_;
  std::string name_;
  std::string* error_;
};

// The engine's rule for asset codes and symbols (ValidCode in engine.cc): [A-Z0-9], with `_` and `-` in symbols,
// 1 to max_length characters.
bool ValidCode(std::string_view text, size_t max_length, bool symbol) {
  if (text.empty() || text.size() > max_length) return false;
  return std::all_of(text.begin(), text.end(), [symbol](char ch) { return IsNameChar(ch, symbol); });
}

// `key` must be absent or an array of tables: `[asset]` (one table) or `asset = "XRP"` would otherwise define no
// asset at all, and the error would then blame the instrument that needs it.
const toml::array* ArrayOfTables(const toml::table& root, std::string_view key, std::string* error) {
  const toml::node* n = root.get(key);
  if (n == nullptr) return nullptr;
  const toml::array* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    if (a == nullptr || !a->empty()) {
      *error = "config: " + std::string(key) + " must be an array of tables, each written [[" + std::string(key) + "]]";
    }
    return nullptr;
  }
  return a;
}

bool ReadAssets(const toml::table& root, std::vector<AssetConfig>* out, std::string* error) {
  const toml::array* assets = ArrayOfTables(root, "asset", error);
  if (!error->empty()) return false;
  if (assets == nullptr) return true;
  for (size_t i = 0; i < assets->size(); ++i) {
    EntryReader r(*assets->get(i)->as_table(), "asset[" + std::to_string(i + 1) + "]", error);
    AssetConfig a;
    r.OnlyKeys({"code", "decimals"});
    r.Str("code", /*required=*/true, &a.code);
    r.Int("decimals", &a.decimals, 0, 18);
    if (error->empty() && !ValidCode(a.code, sizeof(DefineAsset::code) - 1, /*symbol=*/false)) {
      r.Fail("config: " + r.name() + ".code must be 1 to 15 of A-Z and 0-9 (\"" + a.code + "\")");
    }
    for (size_t j = 0; error->empty() && j < out->size(); ++j) {
      if ((*out)[j].code == a.code) {
        r.Fail("config: " + r.name() + " and asset[" + std::to_string(j + 1) + "] both define " + a.code);
      }
    }
    if (!error->empty()) return false;
    out->push_back(std::move(a));
  }
  return true;
}

bool ReadInstruments(const toml::table& root, std::vector<InstrumentConfig>* out, std::string* error) {
  const toml::array* instruments = ArrayOfTables(root, "instrument", error);
  if (!error->empty()) return false;
  if (instruments == nullptr) return true;
  for (size_t i = 0; i < instruments->size(); ++i) {
    EntryReader r(*instruments->get(i)->as_table(), "instrument[" + std::to_string(i + 1) + "]", error);
    InstrumentConfig c;
    r.OnlyKeys(
        {"symbol", "base", "quote", "price_tick", "qty_tick", "min_qty", "min_notional", "price_band_bps", "demo_mid"});
    r.Str("symbol", /*required=*/true, &c.symbol);
    r.Str("base", /*required=*/true, &c.base);
    r.Str("quote", /*required=*/true, &c.quote);
    r.Str("price_tick", /*required=*/true, &c.price_tick);
    r.Str("qty_tick", /*required=*/true, &c.qty_tick);
    r.Str("min_qty", /*required=*/false, &c.min_qty);
    r.Str("min_notional", /*required=*/false, &c.min_notional);
    r.Int("price_band_bps", &c.price_band_bps, 0, 10'000);
    r.Str("demo_mid", /*required=*/false, &c.demo_mid);
    if (error->empty() && !ValidCode(c.symbol, sizeof(DefineInstrument::symbol) - 1, /*symbol=*/true)) {
      r.Fail("config: " + r.name() + ".symbol must be 1 to 23 of A-Z, 0-9, _ and - (\"" + c.symbol + "\")");
    }
    if (error->empty() && c.base == c.quote) {
      r.Fail("config: " + r.name() + " (" + c.symbol + "): base and quote must be two different assets");
    }
    for (size_t j = 0; error->empty() && j < out->size(); ++j) {
      if ((*out)[j].symbol == c.symbol) {
        r.Fail("config: " + r.name() + " and instrument[" + std::to_string(j + 1) + "] both define " + c.symbol);
      }
    }
    if (!error->empty()) return false;
    out->push_back(std::move(c));
  }
  return true;
}

// Unknown: nothing to compare with.
uint64_t MachineMemoryOrUnbounded() {
  const uint64_t bytes = PhysicalMemoryBytes();
  return bytes == 0 ? UINT64_MAX : bytes;
}

uint64_t RoundUpPow2(uint64_t n) { return n <= 1 ? 1 : uint64_t{1} << (64 - __builtin_clzll(n - 1)); }
uint64_t RoundUp(uint64_t n, uint64_t unit) { return (n + unit - 1) / unit * unit; }

std::string GiB(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / double{1 << 30});
  return text;
}

}  // namespace

std::string_view DefaultConfigText() { return kDefaultConfigText; }

// What Engine's constructor takes for each size (engine.cc, Engine::Impl): the order pool (whole chunks of 65,536
// orders) and their links, the id index (four 8-byte entries per order, a power of two, and its spill table), the
// client_oid index (as many), the account chunks (4,096 accounts each), the (account, instrument) lists, their index
// (two 16-byte entries each, a power of two) and blocks, one 1 MiB book per expected instrument, the event buffer,
// and the small memory reserved up front. server_test checks it against Engine::MemoryBytes().
uint64_t EstimatedEngineBytes(const EngineConfig& config) {
  const uint64_t orders = config.expected_orders;
  const uint64_t pooled = orders >= OrderPool::kChunkSize ? RoundUp(orders, OrderPool::kChunkSize) : orders;
  const uint64_t order_bytes = pooled * (sizeof(Order) + sizeof(OrderLinks)) + 2 * RoundUpPow2(4 * orders) * 8 +
                               RoundUpPow2(std::max<uint64_t>(64, 4 * orders / 32)) * 16;
  const uint64_t account_bytes = RoundUp(config.expected_accounts, 4096) * sizeof(Account);
  const uint64_t lists = config.expected_account_books;
  const uint64_t list_bytes = lists * sizeof(AccountBook) + RoundUpPow2(2 * lists) * 16 +
                              (lists / AccountBookBlock::kLists + std::min<uint64_t>(config.expected_accounts, lists)) *
                                  sizeof(AccountBookBlock);
  const uint64_t book_bytes = uint64_t{config.expected_books} << 20;
  // The event buffer (4,096 events), the scratch list of one account's open orders, and 64 KiB for the small
  // tables (assets, fee tiers, the lists of chunks).
  const uint64_t fixed_bytes = uint64_t{4096} * sizeof(Event) + (uint64_t{64} << 10) +
                               std::min<uint64_t>(config.max_open_orders_per_account, orders) * sizeof(uint32_t);
  return order_bytes + account_bytes + list_bytes + book_bytes + fixed_bytes + config.reserved_small_memory;
}

std::string EngineMemoryProblem(const EngineConfig& config, uint64_t physical_bytes) {
  const uint64_t both = 2 * EstimatedEngineBytes(config);
  if (both <= physical_bytes) return {};
  return "config: [engine] expected_orders = " + std::to_string(config.expected_orders) +
         ", expected_accounts = " + std::to_string(config.expected_accounts) +
         ", expected_account_books = " + std::to_string(config.expected_account_books) +
         ", expected_books = " + std::to_string(config.expected_books) +
         " and reserved_small_memory_mib = " + std::to_string(config.reserved_small_memory >> 20) + " need about " +
         GiB(both) + " for the engine and the publisher's mirror, more than this machine's " + GiB(physical_bytes) +
         " of memory: lower them";
}

bool ParseFeeRate(std::string_view text, bool rebate, int32_t* ppm) {
  const bool negative = rebate && text.starts_with('-');
  if (negative) text.remove_prefix(1);
  int64_t magnitude = 0;
  if (!api::ParseScaled(text, 6, kMaxFeePpm, &magnitude)) return false;
  *ppm = static_cast<int32_t>(negative ? -magnitude : magnitude);
  return true;
}

bool SplitHostPort(std::string_view text, std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  unsigned value = 0;
  const std::string_view digits = text.substr(colon + 1);
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value > 65535) return false;
  *host = std::string(text.substr(0, colon));
  *port = static_cast<uint16_t>(value);
  return true;
}

std::optional<ServerConfig> LoadServerConfig(const std::string& path, std::string* error) {
  error->clear();
  toml::table root;
  try {
    root = toml::parse(DefaultConfigText(), std::string_view("default_config.toml"));
    if (!path.empty()) {
      // An ifstream opens a directory and reads it as an empty file, which would start the venue on the defaults.
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec)) {
        *error = "config: cannot read " + path + ": it is a directory";
        return std::nullopt;
      }
      std::ifstream in(path);
      if (!in) {
        *error = "config: cannot read " + path;
        return std::nullopt;
      }
      std::stringstream text;
      text << in.rdbuf();
      if (in.bad()) {
        *error = "config: cannot read " + path;
        return std::nullopt;
      }
      const toml::table over = toml::parse(std::string_view(text.str()), std::string_view(path));
      MergeOver(root, over);
    }
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "config: " << e.description() << " at " << e.source().begin;
    *error = os.str();
    return std::nullopt;
  }
  if (!CheckKnownKeys(root, error)) return std::nullopt;

  ServerConfig c;
  Reader r(root, error);
  r.Str("server", "listen", &c.listen);
  r.Str("server", "admin_listen", &c.admin_listen);
  r.Str("server", "data_dir", &c.data_dir);
  r.Int("server", "io_threads", &c.io_threads, 1, 64);
  r.Int("server", "max_connections", &c.max_connections, 1, 1'000'000);
  r.Int("server", "max_connections_per_ip", &c.max_connections_per_ip, 1, 1'000'000);
  r.Int("server", "shutdown_grace_ms", &c.shutdown_grace_ms, 0, 600'000);
  std::string durability = "journal";
  r.Str("journal", "durability", &durability);
  if (durability != "journal" && durability != "memory") r.Fail("journal", "durability", "\"journal\" or \"memory\"");
  c.durable = durability == "journal";
  r.Int("journal", "checkpoint_interval", &c.checkpoint_interval, 0, int64_t{1} << 40);
  r.Int("journal", "snapshot_interval", &c.snapshot_interval, 0, int64_t{1} << 40);
  r.Int("journal", "keep_snapshots", &c.keep_snapshots, 0, 1'000'000);
  // One snapshot kept would leave recovery nothing to fall back on if it were damaged: the journal before it is gone.
  if (c.keep_snapshots == 1) r.Fail("journal", "keep_snapshots", "0 (keep everything) or an integer in [2, 1000000]");
  // Set where no snapshot is ever taken, it would be read as bounding a disk that grows all the same.
  if (c.keep_snapshots != 0 && (!c.durable || c.snapshot_interval == 0)) {
    r.Fail("journal", "keep_snapshots", "0 where no snapshot is taken (durability \"memory\" or snapshot_interval 0)");
  }
  r.Int("journal", "segment_bytes", &c.segment_bytes, int64_t{1} << 12, int64_t{1} << 34);
  r.Bool("journal", "prewritten_segments", &c.prewritten_segments);
  r.Int("websocket", "heartbeat_interval_ms", &c.heartbeat_interval_ms, 10, 3'600'000);
  r.Int("websocket", "heartbeat_timeout_ms", &c.heartbeat_timeout_ms, 10, 3'600'000);
  r.Int("websocket", "max_outbound_bytes", &c.max_outbound_bytes, 4096, int64_t{1} << 32);
  r.Int("websocket", "max_message_bytes", &c.max_message_bytes, 1024, 16 << 20);
  r.Int("websocket", "max_channels", &c.max_channels, 1, 100'000);
  RateLimitConfig& rl = c.rate_limits;
  r.Int("rate_limits", "order_per_100ms", &rl.order_per_100ms, 1, 1'000'000);
  r.Int("rate_limits", "order_detail_per_100ms", &rl.order_detail_per_100ms, 1, 1'000'000);
  r.Int("rate_limits", "history_per_second", &rl.history_per_second, 1, 1'000'000);
  r.Int("rate_limits", "other_private_per_100ms", &rl.other_private_per_100ms, 1, 1'000'000);
  r.Int("rate_limits", "public_per_second_per_ip", &rl.public_per_second_per_ip, 1, 10'000'000);
  r.Int("rate_limits", "ws_user_per_second", &rl.ws_user_per_second, 1, 10'000'000);
  r.Int("rate_limits", "ws_market_per_second", &rl.ws_market_per_second, 1, 10'000'000);
  r.Str("fees", "maker_rate", &c.maker_rate);
  r.Str("fees", "taker_rate", &c.taker_rate);
  r.Bool("demo", "market_maker", &c.demo_market_maker);
  r.Int("demo", "accounts", &c.demo_accounts, 0, 1000);
  r.Int("demo", "seed", &c.demo_seed, 0, INT64_MAX);
  // Bounded for the types; what they add up to is checked against the machine's memory below.
  r.Int("engine", "expected_orders", &c.engine.expected_orders, 1, 1 << 25);
  r.Int("engine", "expected_accounts", &c.engine.expected_accounts, 1, 1 << 24);
  r.Int("engine", "expected_account_books", &c.engine.expected_account_books, 1, 1 << 25);
  r.Int("engine", "expected_books", &c.engine.expected_books, 0, 0xFFFF);  // 1 MiB each, built at start-up
  size_t small_memory_mib = c.engine.reserved_small_memory >> 20;
  r.Int("engine", "reserved_small_memory_mib", &small_memory_mib, 0, 1 << 16);
  c.engine.reserved_small_memory = small_memory_mib << 20;
  if (!r.ok()) return std::nullopt;

  if (!ReadAssets(root, &c.assets, error) || !ReadInstruments(root, &c.instruments, error)) return std::nullopt;
  if (std::string problem = EngineMemoryProblem(c.engine, MachineMemoryOrUnbounded()); !problem.empty()) {
    *error = std::move(problem);
    return std::nullopt;
  }
  return c;
}

}  // namespace sequex::server

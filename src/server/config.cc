#include "server/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

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
    const std::optional<int64_t> v = n->value<int64_t>();
    if (!v || *v < lo || *v > hi) {
      Fail(table, key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return;
    }
    *out = static_cast<T>(*v);
  }
  void Str(std::string_view table, std::string_view key, std::string* out) {
    const toml::node* n = root_.at_path(std::string(table) + "." + std::string(key)).node();
    if (n == nullptr) return;
    const std::optional<std::string> v = n->value<std::string>();
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
      {"server", {"listen", "admin_listen", "data_dir", "io_threads", "max_connections"}},
      {"journal", {"durability", "checkpoint_interval", "snapshot_interval", "segment_bytes", "prewritten_segments"}},
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
    if (k == "asset" || k == "instrument") continue;
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

}  // namespace

std::string_view DefaultConfigText() { return kDefaultConfigText; }

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
      std::ifstream in(path);
      if (!in) {
        *error = "config: cannot read " + path;
        return std::nullopt;
      }
      std::stringstream text;
      text << in.rdbuf();
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
  std::string durability = "journal";
  r.Str("journal", "durability", &durability);
  if (durability != "journal" && durability != "memory") r.Fail("journal", "durability", "\"journal\" or \"memory\"");
  c.durable = durability == "journal";
  r.Int("journal", "checkpoint_interval", &c.checkpoint_interval, 0, int64_t{1} << 40);
  r.Int("journal", "snapshot_interval", &c.snapshot_interval, 0, int64_t{1} << 40);
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
  // Bounded so that a typo cannot ask for more memory than a machine has (2^25 lists is 1.5 GB per engine).
  r.Int("engine", "expected_orders", &c.engine.expected_orders, 1, 1 << 25);
  r.Int("engine", "expected_accounts", &c.engine.expected_accounts, 1, 1 << 24);
  r.Int("engine", "expected_account_books", &c.engine.expected_account_books, 1, 1 << 25);
  r.Int("engine", "expected_books", &c.engine.expected_books, 0, 0xFFFF);  // 1 MiB each, built at start-up
  size_t small_memory_mib = c.engine.reserved_small_memory >> 20;
  r.Int("engine", "reserved_small_memory_mib", &small_memory_mib, 0, 1 << 16);
  c.engine.reserved_small_memory = small_memory_mib << 20;
  if (!r.ok()) return std::nullopt;

  if (const toml::array* assets = root["asset"].as_array()) {
    for (const toml::node& n : *assets) {
      const toml::table* t = n.as_table();
      AssetConfig a;
      if (t == nullptr || !(*t)["code"].value<std::string>()) {
        *error = "config: every [[asset]] needs a code";
        return std::nullopt;
      }
      a.code = *(*t)["code"].value<std::string>();
      a.decimals = static_cast<int>((*t)["decimals"].value_or(int64_t{8}));
      if (a.decimals < 0 || a.decimals > 18) {
        *error = "config: asset " + a.code + ": decimals must be in [0, 18]";
        return std::nullopt;
      }
      c.assets.push_back(a);
    }
  }
  if (const toml::array* instruments = root["instrument"].as_array()) {
    for (const toml::node& n : *instruments) {
      const toml::table* t = n.as_table();
      if (t == nullptr) {
        *error = "config: [[instrument]] must be a table";
        return std::nullopt;
      }
      InstrumentConfig i;
      i.symbol = (*t)["symbol"].value_or(std::string());
      i.base = (*t)["base"].value_or(std::string());
      i.quote = (*t)["quote"].value_or(std::string());
      i.price_tick = (*t)["price_tick"].value_or(std::string());
      i.qty_tick = (*t)["qty_tick"].value_or(std::string());
      i.min_qty = (*t)["min_qty"].value_or(std::string());
      i.demo_mid = (*t)["demo_mid"].value_or(std::string());
      if (i.symbol.empty() || i.base.empty() || i.quote.empty() || i.price_tick.empty() || i.qty_tick.empty()) {
        *error = "config: instrument '" + i.symbol + "' needs symbol, base, quote, price_tick and qty_tick";
        return std::nullopt;
      }
      c.instruments.push_back(i);
    }
  }
  return c;
}

}  // namespace sequex::server

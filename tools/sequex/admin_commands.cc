#include "admin_commands.h"

#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/json_writer.h"

namespace sequex::tools {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::string s;
  std::getline(in, s);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// POSTs `body` to /admin/v1/<op>; prints the result (or the error, and a result's warning to stderr) and returns the
// exit code.
int Call(const AdminOptions& o, const std::string& op, const std::string& body) {
  const std::string endpoint = ReadTrimmed(o.data_dir + "/admin.endpoint");
  const std::string token = ReadTrimmed(o.data_dir + "/admin.token");
  if (endpoint.empty() || token.empty()) {
    std::cerr << "sequex: no admin.endpoint / admin.token in " << o.data_dir << " (is sequexd running there?)\n";
    return 2;
  }
  const size_t colon = endpoint.rfind(':');
  std::string reply;
  unsigned status = 0;
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(endpoint.substr(0, colon), endpoint.substr(colon + 1)));
    http::request<http::string_body> req{http::verb::post, "/admin/v1/" + op, 11};
    req.set(http::field::host, endpoint);
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    reply = res.body();
    status = res.result_int();
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    std::cerr << "sequex: cannot reach sequexd at " << endpoint << ": " << e.what() << "\n";
    return 2;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t code = -1;
  if (parser.parse(reply).get(doc) != simdjson::SUCCESS || doc["code"].get(code) != simdjson::SUCCESS) {
    std::cerr << "sequex: unexpected reply (HTTP " << status << "): " << reply << "\n";
    return 2;
  }
  if (code != 0) {
    std::string_view message;
    if (doc["message"].get(message) != simdjson::SUCCESS) message = "(no message)";
    std::cerr << "sequex: error " << code << ": " << message << "\n";
    return 1;
  }
  simdjson::dom::element result;
  if (doc["result"].get(result) == simdjson::SUCCESS) {
    std::cout << simdjson::minify(result) << "\n";
    // A change the next start undoes (the config governs it): made, so still 0, but the operator must see it.
    std::string_view warning;
    if (result["warning"].get(warning) == simdjson::SUCCESS) std::cerr << "sequex: warning: " << warning << "\n";
  }
  return 0;
}

bool SplitAssetAmount(const std::string& text, std::string* asset, std::string* amount) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    std::cerr << "sequex: expected ASSET=AMOUNT, got '" << text << "'\n";
    return false;
  }
  *asset = text.substr(0, eq);
  *amount = text.substr(eq + 1);
  return true;
}

// "permissions": ["read", "trade"], or ["read"] for a key that may not trade.
void WritePermissions(api::JsonWriter& w, bool read_only) {
  w.Key("permissions");
  w.BeginArray();
  w.String("read");
  if (!read_only) w.String("trade");
  w.EndArray();
}

}  // namespace

int AccountCreate(const AdminOptions& o, const std::vector<std::string>& deposits, bool read_only) {
  api::JsonWriter w;
  w.BeginObject();
  w.Key("deposits");
  w.BeginArray();
  for (const std::string& d : deposits) {
    std::string asset, amount;
    if (!SplitAssetAmount(d, &asset, &amount)) return 2;
    w.BeginObject();
    w.StringField("asset", asset);
    w.StringField("amount", amount);
    w.EndObject();
  }
  w.EndArray();
  WritePermissions(w, read_only);
  w.EndObject();
  return Call(o, "account/create", std::string(w.view()));
}

int Transfer(const AdminOptions& o, bool deposit, uint64_t account, const std::string& asset_amount) {
  std::string asset, amount;
  if (!SplitAssetAmount(asset_amount, &asset, &amount)) return 2;
  api::JsonWriter w;
  w.BeginObject();
  w.UintField("account_id", account);
  w.StringField("asset", asset);
  w.StringField("amount", amount);
  w.EndObject();
  return Call(o, deposit ? "deposit" : "withdraw", std::string(w.view()));
}

namespace {

void WriteLimits(api::JsonWriter& w, const InstrumentLimits& limits) {
  if (!limits.min_qty.empty()) w.StringField("min_qty", limits.min_qty);
  if (!limits.min_notional.empty()) w.StringField("min_notional", limits.min_notional);
  if (!limits.price_band_bps.empty()) w.StringField("price_band_bps", limits.price_band_bps);
  if (!limits.reference_price.empty()) w.StringField("reference_price", limits.reference_price);
}

}  // namespace

int InstrumentAdd(const AdminOptions& o, const std::string& symbol, const std::string& base, const std::string& quote,
                  const std::string& price_tick, const std::string& qty_tick, const InstrumentLimits& limits) {
  api::JsonWriter w;
  w.BeginObject();
  w.StringField("symbol", symbol);
  w.StringField("base", base);
  w.StringField("quote", quote);
  w.StringField("price_tick", price_tick);
  w.StringField("qty_tick", qty_tick);
  WriteLimits(w, limits);
  w.EndObject();
  return Call(o, "instrument/add", std::string(w.view()));
}

int InstrumentAlter(const AdminOptions& o, const std::string& symbol, const InstrumentLimits& limits) {
  api::JsonWriter w;
  w.BeginObject();
  w.StringField("symbol", symbol);
  WriteLimits(w, limits);
  w.EndObject();
  return Call(o, "instrument/alter", std::string(w.view()));
}

int InstrumentStatus(const AdminOptions& o, const std::string& symbol, const std::string& status) {
  api::JsonWriter w;
  w.BeginObject();
  w.StringField("symbol", symbol);
  w.StringField("status", status);
  w.EndObject();
  return Call(o, "instrument/status", std::string(w.view()));
}

int KeyCreate(const AdminOptions& o, uint64_t account, bool read_only) {
  api::JsonWriter w;
  w.BeginObject();
  w.UintField("account_id", account);
  WritePermissions(w, read_only);
  w.EndObject();
  return Call(o, "key/create", std::string(w.view()));
}

int KeyRevoke(const AdminOptions& o, const std::string& api_key) {
  api::JsonWriter w;
  w.BeginObject();
  w.StringField("api_key", api_key);
  w.EndObject();
  return Call(o, "key/revoke", std::string(w.view()));
}

int FeesTier(const AdminOptions& o, uint64_t tier, const std::string& maker_rate, const std::string& taker_rate) {
  api::JsonWriter w;
  w.BeginObject();
  w.UintField("tier", tier);
  w.StringField("maker_rate", maker_rate);
  w.StringField("taker_rate", taker_rate);
  w.EndObject();
  return Call(o, "fees/tier", std::string(w.view()));
}

int AccountFeeTier(const AdminOptions& o, uint64_t account, uint64_t tier) {
  api::JsonWriter w;
  w.BeginObject();
  w.UintField("account_id", account);
  w.UintField("tier", tier);
  w.EndObject();
  return Call(o, "account/fee-tier", std::string(w.view()));
}

int FeesShow(const AdminOptions& o, std::optional<uint64_t> account) {
  api::JsonWriter w;
  w.BeginObject();
  if (account) w.UintField("account_id", *account);
  w.EndObject();
  return Call(o, "fees", std::string(w.view()));
}

int Status(const AdminOptions& o) { return Call(o, "status", "{}"); }

int FeeBalances(const AdminOptions& o) { return Call(o, "fees/balances", "{}"); }

int FeeWithdraw(const AdminOptions& o, const std::string& asset_amount) {
  std::string asset, amount;
  if (!SplitAssetAmount(asset_amount, &asset, &amount)) return 2;
  api::JsonWriter w;
  w.BeginObject();
  w.StringField("asset", asset);
  w.StringField("amount", amount);
  w.EndObject();
  return Call(o, "fees/withdraw", std::string(w.view()));
}

}  // namespace sequex::tools

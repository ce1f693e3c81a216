#include "api_bench_client.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "api/decimal.h"
#include "api/signing.h"
#include "bench_util.h"

namespace sequex::bench::api_client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace od = simdjson::ondemand;
using tcp = asio::ip::tcp;

// simdjson needs SIMDJSON_PADDING readable bytes after the text: copy into one reused buffer.
od::document* Parse(std::string_view text) {
  static od::parser parser;
  static std::string padded;
  static od::document doc;
  padded.assign(text);
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  if (parser.iterate(padded.data(), text.size(), padded.size()).get(doc) != simdjson::SUCCESS) return nullptr;
  return &doc;
}

// One blocking HTTP/1.1 keep-alive connection.
class HttpConnection {
 public:
  HttpConnection() : stream_(io_) {}

  bool Connect(const Endpoint& server, std::string* error) {
    host_ = server.host;
    beast::error_code ec;
    tcp::resolver resolver(io_);
    const auto results = resolver.resolve(server.host, server.port, ec);
    if (!ec) stream_.connect(results, ec);
    if (ec) {
      *error = fmt::format("connect {}:{}: {}", server.host, server.port, ec.message());
      return false;
    }
    return true;
  }

  bool Exchange(http::verb verb, const std::string& target, const std::string& bearer, const std::string& body,
                int* status, std::string* response_body, std::string* error) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    req.keep_alive(true);
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    beast::error_code ec;
    http::write(stream_, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(stream_, buffer, res, ec);
    if (ec) {
      *error = fmt::format("{} {}: {}", std::string(http::to_string(verb)), target, ec.message());
      return false;
    }
    *status = static_cast<int>(res.result_int());
    *response_body = std::move(res.body());
    return true;
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  std::string host_;
};

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r' || out->back() == ' ')) out->pop_back();
  return true;
}

// "0.01" -> decimals 2, units 1; "5" -> 0, 5.
bool ParseTick(std::string_view text, int* decimals, int64_t* units) {
  const size_t dot = text.find('.');
  *decimals = dot == std::string_view::npos ? 0 : static_cast<int>(text.size() - dot - 1);
  return *decimals <= 18 && api::ParseScaled(text, *decimals, INT64_MAX, units) && *units > 0;
}

std::string StringField(od::object& obj, std::string_view key) {
  std::string_view s;
  if (obj.find_field_unordered(key).get_string().get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

bool ParseLevels(od::array levels, const InstrumentSpec& spec, std::vector<std::pair<int64_t, int64_t>>* out) {
  for (auto level : levels) {
    od::array triple;
    if (level.get_array().get(triple) != simdjson::SUCCESS) return false;
    int64_t price = 0;
    int64_t qty = 0;
    int index = 0;
    for (auto element : triple) {
      std::string_view text;
      if (index < 2) {
        if (element.get_string().get(text) != simdjson::SUCCESS) return false;
        const int decimals = index == 0 ? spec.price_decimals : spec.qty_decimals;
        if (!api::ParseScaled(text, decimals, INT64_MAX, index == 0 ? &price : &qty)) return false;
      }
      ++index;
    }
    out->emplace_back(price, qty);
  }
  return true;
}

}  // namespace

bool ParseEndpoint(std::string_view text, Endpoint* out) {
  for (std::string_view prefix : {"http://", "ws://"}) {
    if (text.substr(0, prefix.size()) == prefix) text.remove_prefix(prefix.size());
  }
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  out->host = std::string(text.substr(0, colon));
  out->port = std::string(text.substr(colon + 1));
  return true;
}

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool FetchInstrument(const Endpoint& server, const std::string& symbol, InstrumentSpec* out, std::string* error) {
  HttpConnection http;
  if (!http.Connect(server, error)) return false;
  int status = 0;
  std::string body;
  if (!http.Exchange(http::verb::get, "/exchange/v1/public/get-instruments", "", "", &status, &body, error)) {
    return false;
  }
  od::document* doc = Parse(body);
  od::array data;
  if (doc == nullptr || status != 200 || (*doc)["result"]["data"].get_array().get(data) != simdjson::SUCCESS) {
    *error = fmt::format("get-instruments: HTTP {}: {}", status, body.substr(0, 200));
    return false;
  }
  for (auto element : data) {
    od::object inst;
    if (element.get_object().get(inst) != simdjson::SUCCESS) break;
    if (StringField(inst, "symbol") != symbol) continue;
    out->symbol = symbol;
    out->base = StringField(inst, "base_ccy");
    out->quote = StringField(inst, "quote_ccy");
    const std::string price_tick = StringField(inst, "price_tick_size");
    const std::string qty_tick = StringField(inst, "qty_tick_size");
    if (!ParseTick(price_tick, &out->price_decimals, &out->price_tick) ||
        !ParseTick(qty_tick, &out->qty_decimals, &out->qty_tick) || out->base.empty() || out->quote.empty()) {
      *error = fmt::format("get-instruments: unreadable {} (price_tick_size '{}', qty_tick_size '{}')", symbol,
                           price_tick, qty_tick);
      return false;
    }
    return true;
  }
  *error = fmt::format("get-instruments: no instrument {}", symbol);
  return false;
}

bool CreateAccounts(const std::string& data_dir, uint32_t count, const std::string& deposits_json,
                    std::vector<Credentials>* out, std::string* error) {
  std::string endpoint_text;
  std::string token;
  if (!ReadFile(data_dir + "/admin.endpoint", &endpoint_text) || !ReadFile(data_dir + "/admin.token", &token)) {
    *error = fmt::format("cannot read {0}/admin.endpoint and {0}/admin.token (is sequexd running with --data-dir {0}?)",
                         data_dir);
    return false;
  }
  Endpoint admin;
  if (!ParseEndpoint(endpoint_text, &admin)) {
    *error = fmt::format("{}/admin.endpoint: '{}' is not host:port", data_dir, endpoint_text);
    return false;
  }
  HttpConnection http;
  if (!http.Connect(admin, error)) return false;
  const std::string body = fmt::format(R"({{"deposits":{}}})", deposits_json);
  for (uint32_t i = 0; i < count; ++i) {
    int status = 0;
    std::string reply;
    if (!http.Exchange(http::verb::post, "/admin/v1/account/create", token, body, &status, &reply, error)) {
      return false;
    }
    od::document* doc = Parse(reply);
    int64_t code = -1;
    od::object result;
    if (doc == nullptr || (*doc)["code"].get_int64().get(code) != simdjson::SUCCESS || code != 0 ||
        (*doc)["result"].get_object().get(result) != simdjson::SUCCESS) {
      *error = fmt::format("account/create: HTTP {}: {}", status, reply.substr(0, 300));
      return false;
    }
    Credentials c;
    if (result.find_field_unordered("account_id").get_int64().get(c.account_id) != simdjson::SUCCESS) {
      *error = fmt::format("account/create: no account_id in {}", reply.substr(0, 300));
      return false;
    }
    c.api_key = StringField(result, "api_key");
    c.api_secret = StringField(result, "api_secret");
    if (c.api_key.empty() || c.api_secret.empty()) {
      *error = fmt::format("account/create: no api_key/api_secret in {}", reply.substr(0, 300));
      return false;
    }
    out->push_back(std::move(c));
  }
  return true;
}

bool ParseReply(std::string_view text, Reply* out) {
  *out = Reply{};
  od::document* doc = Parse(text);
  od::object obj;
  if (doc == nullptr || doc->get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (key == "id") {
      out->has_id = field.value().get_int64().get(out->id) == simdjson::SUCCESS;
    } else if (key == "code") {
      out->has_code = field.value().get_int64().get(out->code) == simdjson::SUCCESS;
    } else if (key == "method") {
      if (field.value().get_string().get(out->method) != simdjson::SUCCESS) return false;
    } else if (key == "result") {
      od::object result;
      if (field.value().get_object().get(result) != simdjson::SUCCESS) continue;
      for (auto member : result) {
        std::string_view name;
        if (member.unescaped_key().get(name) != simdjson::SUCCESS) return false;
        if (name == "channel") {
          if (member.value().get_string().get(out->channel) != simdjson::SUCCESS) return false;
          break;
        }
      }
    }
  }
  return true;
}

bool ParseBookPush(std::string_view text, const InstrumentSpec& spec, BookLevels* out) {
  out->bids.clear();
  out->asks.clear();
  od::document* doc = Parse(text);
  od::array data;
  if (doc == nullptr || (*doc)["result"]["data"].get_array().get(data) != simdjson::SUCCESS) return false;
  for (auto element : data) {
    od::object entry;
    if (element.get_object().get(entry) != simdjson::SUCCESS) return false;
    for (auto field : entry) {
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
      od::value v;
      if (field.value().get(v) != simdjson::SUCCESS) return false;
      if (key == "update") {  // a delta: {update:{asks,bids},...}
        od::object update;
        if (v.get_object().get(update) != simdjson::SUCCESS) return false;
        for (auto side : update) {
          std::string_view name;
          if (side.unescaped_key().get(name) != simdjson::SUCCESS) return false;
          od::array levels;
          if ((name == "bids" || name == "asks") && side.value().get_array().get(levels) == simdjson::SUCCESS &&
              !ParseLevels(levels, spec, name == "bids" ? &out->bids : &out->asks)) {
            return false;
          }
        }
      } else if (key == "bids" || key == "asks") {  // a snapshot
        od::array levels;
        if (v.get_array().get(levels) != simdjson::SUCCESS) return false;
        if (!ParseLevels(levels, spec, key == "bids" ? &out->bids : &out->asks)) return false;
      }
    }
    break;  // one book per push
  }
  return true;
}

bool WsConnection::Connect(const Endpoint& server, std::string_view path, std::string* error) {
  beast::error_code ec;
  tcp::resolver resolver(ws_.get_executor());
  const auto results = resolver.resolve(server.host, server.port, ec);
  if (!ec) asio::connect(ws_.next_layer(), results, ec);
  if (!ec) ws_.next_layer().set_option(tcp::no_delay(true), ec);
  if (!ec) ws_.handshake(server.host + ":" + server.port, std::string(path), ec);
  if (ec) {
    *error = fmt::format("WebSocket {}:{}{}: {}", server.host, server.port, path, ec.message());
    return false;
  }
  ws_.text(true);
  ws_.read_message_max(16u << 20);
  return true;
}

bool WsConnection::WriteBlocking(std::string_view message, std::string* error) {
  beast::error_code ec;
  ws_.write(asio::buffer(message.data(), message.size()), ec);
  if (ec) *error = "WebSocket write: " + ec.message();
  return !ec;
}

bool WsConnection::ReadBlocking(std::string* message, std::string* error) {
  beast::error_code ec;
  buffer_.clear();
  ws_.read(buffer_, ec);
  if (ec) {
    *error = "WebSocket read: " + ec.message();
    return false;
  }
  *message = beast::buffers_to_string(buffer_.data());
  buffer_.clear();
  return true;
}

bool WsConnection::Authenticate(const Credentials& credentials, std::string* error) {
  constexpr int64_t kAuthId = 1;
  const std::string nonce = std::to_string(WallMs());
  const std::string sig =
      api::HmacSha256Hex(credentials.api_secret,
                         api::SignaturePayload("public/auth", std::to_string(kAuthId), credentials.api_key, "", nonce));
  if (!WriteBlocking(fmt::format(R"({{"id":{},"method":"public/auth","api_key":"{}","sig":"{}","nonce":{}}})", kAuthId,
                                 credentials.api_key, sig, nonce),
                     error)) {
    return false;
  }
  for (;;) {
    std::string message;
    if (!ReadBlocking(&message, error)) return false;
    Reply reply;
    if (!ParseReply(message, &reply)) continue;
    if (reply.method == "public/heartbeat") {
      if (!WriteBlocking(fmt::format(R"({{"id":{},"method":"public/respond-heartbeat"}})", reply.id), error)) {
        return false;
      }
      continue;
    }
    if (reply.has_id && reply.id == kAuthId) {
      if (reply.code == 0 && reply.has_code) return true;
      *error = "public/auth refused: " + message.substr(0, 300);
      return false;
    }
  }
}

void WsConnection::StartReading(Handler handler) {
  handler_ = std::move(handler);
  ReadNext();
}

void WsConnection::ReadNext() {
  ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
    if (ec) {
      Fail("read: " + ec.message());
      return;
    }
    const uint64_t now = NowNs();
    const auto data = buffer_.cdata();
    handler_(*this, std::string_view(static_cast<const char*>(data.data()), data.size()), now);
    buffer_.consume(buffer_.size());
    ReadNext();
  });
}

void WsConnection::Send(std::string message) {
  if (closed_) return;
  out_.push_back(std::move(message));
  if (!writing_) WriteNext();
}

void WsConnection::WriteNext() {
  writing_ = true;
  ws_.async_write(asio::buffer(out_.front()), [this](beast::error_code ec, size_t) {
    out_.pop_front();
    if (ec) Fail("write: " + ec.message());
    if (closed_) {
      writing_ = false;
      out_.clear();
      return;
    }
    if (out_.empty()) {
      writing_ = false;
    } else {
      WriteNext();
    }
  });
}

bool WsConnection::AnswerHeartbeat(const Reply& reply) {
  if (reply.method != "public/heartbeat") return false;
  Send(fmt::format(R"({{"id":{},"method":"public/respond-heartbeat"}})", reply.id));
  return true;
}

void WsConnection::Fail(std::string reason) {
  if (closed_) return;
  closed_ = true;  // a write in flight still owns out_.front(); WriteNext's handler empties the queue
  close_reason_ = std::move(reason);
}

bool SetUpVenue(const std::string& url, const std::string& data_dir, const std::string& instrument, uint32_t accounts,
                Venue* out, std::string* error) {
  if (!ParseEndpoint(url, &out->server)) {
    *error = fmt::format("--url '{}': expected host:port", url);
    return false;
  }
  if (!FetchInstrument(out->server, instrument, &out->spec, error)) return false;
  const auto t0 = NowNs();
  const std::string deposits = fmt::format(
      R"([{{"asset":"{}","amount":"100000000"}},{{"asset":"{}","amount":"1000"}}])", out->spec.quote, out->spec.base);
  if (!CreateAccounts(data_dir, accounts, deposits, &out->accounts, error)) return false;
  std::fprintf(stderr, "created %u accounts (100000000 %s, 1000 %s each) in %.2f s\n", accounts,
               out->spec.quote.c_str(), out->spec.base.c_str(), static_cast<double>(NowNs() - t0) / 1e9);
  return true;
}

void PrintResult(std::string_view bench, std::string_view workload, uint64_t commands, double ops_per_sec,
                 const LatencyHistogram& h, double offered_rate, std::string_view extra_fields) {
  std::printf(
      "{\"bench\":%s,\"workload\":%s,\"commands\":%llu,\"ops_per_sec\":%.1f,\"p50_ns\":%llu,"
      "\"p99_ns\":%llu,\"p999_ns\":%llu,\"max_ns\":%llu,\"rate\":%s,\"git\":%s,\"cpu\":%s%s}\n",
      JsonString(bench).c_str(), JsonString(workload).c_str(), static_cast<unsigned long long>(commands), ops_per_sec,
      static_cast<unsigned long long>(h.Percentile(50)), static_cast<unsigned long long>(h.Percentile(99)),
      static_cast<unsigned long long>(h.Percentile(99.9)), static_cast<unsigned long long>(h.Max()),
      offered_rate > 0 ? fmt::format("{}", offered_rate).c_str() : "null", JsonString(GitCommit()).c_str(),
      JsonString(CpuModel()).c_str(), std::string(extra_fields).c_str());
  std::fflush(stdout);
}

std::string ErrorsJson(const ErrorCounts& errors) {
  std::string s = "{";
  for (const auto& [code, n] : errors) {
    if (s.size() > 1) s += ',';
    s += fmt::format(R"("{}":{})", code, n);
  }
  s += '}';
  return s;
}

}  // namespace sequex::bench::api_client

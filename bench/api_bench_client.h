// The client side of `sequex-bench api`: just enough of an API client to load a sequexd. Blocking helpers for
// setup (admin account creation, instrument lookup, WebSocket connect and auth) and an asynchronous WebSocket
// connection for the measured phase. Everything here runs on the bench's one thread; nothing is thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/latency_histogram.h"

namespace sequex::bench::api_client {

struct Endpoint {
  std::string host;
  std::string port;
};
// "127.0.0.1:8080" (an optional "http://" or "ws://" prefix is dropped). False if there is no port.
[[nodiscard]] bool ParseEndpoint(std::string_view text, Endpoint* out);

// CLOCK_MONOTONIC (steady_clock), ns: every latency of the bench is a difference of two of these.
[[nodiscard]] uint64_t NowNs();
// Wall clock, ms since the epoch: the API's nonce.
[[nodiscard]] int64_t WallMs();

struct Credentials {
  int64_t account_id = 0;
  std::string api_key;
  std::string api_secret;
};

// The instrument as get-instruments describes it, with prices and quantities as scaled integers:
// a price of 60000.05 with price_decimals 2 is 6000005; ticks are in the same units.
struct InstrumentSpec {
  std::string symbol, base, quote;
  int price_decimals = 0;
  int64_t price_tick = 1;
  int qty_decimals = 0;
  int64_t qty_tick = 1;
};

// GET /exchange/v1/public/get-instruments and picks `symbol`.
[[nodiscard]] bool FetchInstrument(const Endpoint& server, const std::string& symbol, InstrumentSpec* out,
                                   std::string* error);

// Creates `count` accounts through the admin endpoint (DIR/admin.endpoint, DIR/admin.token), each funded with
// `deposits_json` (the JSON array of account/create's "deposits").
[[nodiscard]] bool CreateAccounts(const std::string& data_dir, uint32_t count, const std::string& deposits_json,
                                  std::vector<Credentials>* out, std::string* error);

// The top-level fields of a server message that the bench looks at. Views point into a buffer that the next
// ParseReply overwrites.
struct Reply {
  bool has_id = false;
  int64_t id = 0;
  bool has_code = false;
  int64_t code = 0;
  std::string_view method;
  std::string_view channel;  // result.channel of a push ("book", "book.update"), else empty
};
// False on invalid JSON. Reads only the top level (and result.channel), so it stays cheap.
[[nodiscard]] bool ParseReply(std::string_view text, Reply* out);

// Bids and asks of a book push (snapshot or update), in InstrumentSpec units: {price, quantity}.
struct BookLevels {
  std::vector<std::pair<int64_t, int64_t>> bids, asks;
};
[[nodiscard]] bool ParseBookPush(std::string_view text, const InstrumentSpec& spec, BookLevels* out);

// One WebSocket. Setup uses the blocking calls; then StartReading() and Send() run on the io_context.
class WsConnection {
 public:
  // Called for every text message received after StartReading(), with the arrival time.
  using Handler = std::function<void(WsConnection& self, std::string_view message, uint64_t now_ns)>;

  explicit WsConnection(boost::asio::io_context& io) : ws_(io) {}

  [[nodiscard]] bool Connect(const Endpoint& server, std::string_view path, std::string* error);
  [[nodiscard]] bool WriteBlocking(std::string_view message, std::string* error);
  [[nodiscard]] bool ReadBlocking(std::string* message, std::string* error);
  // public/auth, signed (blocking); answers heartbeats while it waits.
  [[nodiscard]] bool Authenticate(const Credentials& credentials, std::string* error);

  void StartReading(Handler handler);
  // Queues a message; messages go out one at a time, in order.
  void Send(std::string message);
  // Replies to the server's heartbeat if `reply` is one; true when it was.
  bool AnswerHeartbeat(const Reply& reply);

  [[nodiscard]] bool closed() const { return closed_; }
  [[nodiscard]] const std::string& close_reason() const { return close_reason_; }
  [[nodiscard]] size_t queued() const { return out_.size(); }

 private:
  void ReadNext();
  void WriteNext();
  void Fail(std::string reason);

  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool closed_ = false;
  std::string close_reason_;
  Handler handler_;
};

// What every mode needs first: the server, the instrument, and `accounts` funded accounts (100,000,000 quote and
// 1,000 base each) created through the admin endpoint. Prints progress on stderr.
struct Venue {
  Endpoint server;
  InstrumentSpec spec;
  std::vector<Credentials> accounts;
};
[[nodiscard]] bool SetUpVenue(const std::string& url, const std::string& data_dir, const std::string& instrument,
                              uint32_t accounts, Venue* out, std::string* error);

// The result line of shared/workloads/README.md on stdout; offered_rate <= 0 prints "rate":null. extra_fields is
// appended inside the object and must start with ',' (or be empty).
void PrintResult(std::string_view bench, std::string_view workload, uint64_t commands, double ops_per_sec,
                 const LatencyHistogram& h, double offered_rate, std::string_view extra_fields);

// Non-zero response codes by code, and the result line's "errors" object: {"42901":12,"306":1}.
using ErrorCounts = std::map<int64_t, uint64_t>;
[[nodiscard]] std::string ErrorsJson(const ErrorCounts& errors);

}  // namespace sequex::bench::api_client

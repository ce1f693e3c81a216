// `sequex-bench api --mode ws|rest` (and the dispatch to fanout): see api_bench.h and bench/README.md.
#include "api_bench.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "api/decimal.h"
#include "api/signing.h"
#include "api_bench_client.h"
#include "api_bench_flow.h"
#include "common/latency_histogram.h"

namespace sequex::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using api_client::NowNs;

constexpr uint64_t kCancelAllIdBase = uint64_t{1} << 40;  // ids of the clean-up requests, above any order's

// Runs `io` in short slices until `done()` or the deadline (ns); true if done() became true.
template <typename Done>
bool RunUntil(asio::io_context& io, uint64_t deadline_ns, Done done) {
  while (!done()) {
    if (NowNs() >= deadline_ns) return false;
    io.run_for(std::chrono::milliseconds(5));
    if (io.stopped()) io.restart();
  }
  return true;
}

asio::steady_timer::time_point AtNs(uint64_t ns) {
  return asio::steady_timer::time_point(
      std::chrono::duration_cast<asio::steady_timer::duration>(std::chrono::nanoseconds(ns)));
}

bool PriceUnits(const ApiBenchOptions& o, const api_client::InstrumentSpec& spec, int64_t* out) {
  if (!api::ParseScaled(o.price, spec.price_decimals, INT64_MAX / 4, out) || *out <= 200 * spec.price_tick) {
    std::fprintf(stderr, "--price '%s': not a price of %s (tick %s) well above 200 ticks\n", o.price.c_str(),
                 spec.symbol.c_str(), api::FormatScaled(spec.price_tick, spec.price_decimals).c_str());
    return false;
  }
  *out -= *out % spec.price_tick;
  return true;
}

// ---- ws: open loop over authenticated user sockets ----------------------------------------------------------

int RunWs(const ApiBenchOptions& o) {
  const double rate = o.rate > 0 ? o.rate : 10000;
  const uint32_t conns = o.connections;
  const uint32_t accounts = o.accounts > 0 ? o.accounts : conns;
  if (rate / conns > 150) {
    std::fprintf(stderr,
                 "note: %.0f requests/s per connection is above the reference limits (150/s per user socket and "
                 "15/100 ms of create-order per key): expect 42901 unless sequexd's [rate_limits] are raised\n",
                 rate / conns);
  }
  api_client::Venue venue;
  std::string error;
  if (!api_client::SetUpVenue(o.url, o.data_dir, o.instrument, accounts, &venue, &error)) {
    std::fprintf(stderr, "setup: %s\n", error.c_str());
    return 1;
  }
  int64_t price = 0;
  if (!PriceUnits(o, venue.spec, &price)) return 2;

  asio::io_context io(1);
  std::vector<std::unique_ptr<api_client::WsConnection>> sockets;
  const uint64_t t_connect = NowNs();
  for (uint32_t c = 0; c < conns; ++c) {
    auto ws = std::make_unique<api_client::WsConnection>(io);
    if (!ws->Connect(venue.server, "/exchange/v1/user", &error) ||
        !ws->Authenticate(venue.accounts[c % accounts], &error)) {
      std::fprintf(stderr, "connection %u: %s\n", c, error.c_str());
      return 1;
    }
    sockets.push_back(std::move(ws));
  }
  std::fprintf(stderr, "%u user sockets connected and authenticated in %.2f s\n", conns,
               static_cast<double>(NowNs() - t_connect) / 1e9);

  // The schedule: request i is due at start + i / rate, on connection i % conns, whatever happened before.
  const uint64_t total = static_cast<uint64_t>(std::llround(rate * (o.warmup_s + o.duration_s)));
  const uint64_t first_measured = static_cast<uint64_t>(std::llround(rate * o.warmup_s));
  const uint64_t start = NowNs() + 50'000'000;
  const auto intended = [&](uint64_t i) {
    return start + static_cast<uint64_t>(static_cast<long double>(i) * 1e9L / static_cast<long double>(rate));
  };
  enum : uint8_t { kUnsent, kSent, kAnswered };
  std::vector<uint8_t> state(total, kUnsent);
  std::vector<api_flow::FlowState> flows(conns);
  const uint64_t run_tag = static_cast<uint64_t>(api_client::WallMs()) % 1'000'000'000;

  LatencyHistogram hist;
  api_client::ErrorCounts errors;
  uint64_t outstanding = 0, measured_answers = 0, last_answer = 0, cancels = 0, bad_messages = 0;
  uint64_t cleanup_pending = 0;
  for (uint32_t c = 0; c < conns; ++c) {
    sockets[c]->StartReading([&](api_client::WsConnection& ws, std::string_view msg, uint64_t now) {
      api_client::Reply r;
      if (!api_client::ParseReply(msg, &r)) {
        ++bad_messages;
        return;
      }
      if (ws.AnswerHeartbeat(r) || !r.has_id || r.id <= 0) return;
      const auto id = static_cast<uint64_t>(r.id);
      if (id >= kCancelAllIdBase) {
        if (cleanup_pending > 0) --cleanup_pending;
        return;
      }
      if (id > total || state[id - 1] != kSent) return;
      state[id - 1] = kAnswered;
      --outstanding;
      if (id - 1 < first_measured) return;
      hist.Record(now - intended(id - 1));
      ++measured_answers;
      last_answer = now;
      if (r.code != 0) ++errors[r.code];
    });
  }

  // The pacer: wakes at the next due time and sends everything due by now (catching up after a stall). It wakes
  // at most once per pacing interval: arming a timer is a system call (timerfd_settime), which on this project's
  // VM cost a quarter of the bench's CPU at one wake per request, CPU the server on the same cores then lacked.
  // A request sent late is still timed from its intended send time, so the interval can only add to the figures.
  const auto pacing_ns = static_cast<uint64_t>(std::llround(std::max(0.0, o.pacing_us) * 1000));
  uint64_t next = 0;
  uint64_t last_wake = 0;
  asio::steady_timer timer(io);
  std::function<void()> arm = [&] {
    if (next >= total) return;
    timer.expires_at(AtNs(std::max(intended(next), last_wake + pacing_ns)));
    timer.async_wait([&](const boost::system::error_code&) {
      const uint64_t now = NowNs();
      last_wake = now;
      while (next < total && intended(next) <= now) {
        const uint64_t i = next++;
        const uint32_t c = static_cast<uint32_t>(i % conns);
        const api_flow::Request req = api_flow::NextRequest(venue.spec, price, i, c, run_tag, &flows[c]);
        if (i >= first_measured && req.method == "private/cancel-order") ++cancels;
        sockets[c]->Send(fmt::format(R"({{"id":{},"method":"{}","params":{},"nonce":{}}})", i + 1, req.method,
                                     req.params, api_client::WallMs()));
        state[i] = kSent;
        ++outstanding;
      }
      arm();
    });
  };
  std::fprintf(stderr, "sending %llu requests at %.0f/s over %u connections (%.1f s warm-up, %.1f s measured)\n",
               static_cast<unsigned long long>(total), rate, conns, o.warmup_s, o.duration_s);
  arm();
  const uint64_t schedule_end = intended(total);
  RunUntil(io, schedule_end + 60'000'000'000, [&] { return next >= total; });
  RunUntil(io, NowNs() + static_cast<uint64_t>(o.timeout_s * 1e9), [&] { return outstanding == 0; });
  uint64_t timeouts = 0;
  for (uint64_t i = first_measured; i < total; ++i) timeouts += state[i] == kSent ? 1u : 0u;
  uint32_t disconnects = 0;
  for (const auto& ws : sockets) {
    if (ws->closed()) {
      if (disconnects++ == 0) std::fprintf(stderr, "a socket closed: %s\n", ws->close_reason().c_str());
    }
  }

  // Clean up: cancel-all for every connection's account, once the order limit's bucket has refilled.
  RunUntil(io, NowNs() + 200'000'000, [] { return false; });
  for (uint32_t c = 0; c < conns && c < accounts; ++c) {
    if (sockets[c]->closed()) continue;
    sockets[c]->Send(fmt::format(R"({{"id":{},"method":"private/cancel-all-orders","params":{},"nonce":{}}})",
                                 kCancelAllIdBase + c, api_flow::CancelAllParams(venue.spec), api_client::WallMs()));
    ++cleanup_pending;
  }
  RunUntil(io, NowNs() + 3'000'000'000, [&] { return cleanup_pending == 0; });

  const uint64_t measure_start = intended(first_measured);
  const double seconds = static_cast<double>(std::max(last_answer, intended(total)) - measure_start) / 1e9;
  const std::string extra = fmt::format(
      R"(,"connections":{},"accounts":{},"cancels":{},"errors":{},"timeouts":{},"disconnects":{},"bad_messages":{},"duration_s":{:.3f},"pacing_us":{})",
      conns, accounts, cancels, api_client::ErrorsJson(errors), timeouts, disconnects, bad_messages, seconds,
      o.pacing_us);
  api_client::PrintResult("api-ws", fmt::format("order-mix:{}", o.instrument), measured_answers,
                          seconds > 0 ? static_cast<double>(measured_answers) / seconds : 0, hist, rate, extra);
  return timeouts > 0 || disconnects > 0 ? 3 : 0;
}

// ---- rest: closed loop over keep-alive HTTP connections -----------------------------------------------------

struct RestConnection {
  explicit RestConnection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
  const api_client::Credentials* credentials = nullptr;
  api_flow::FlowState flow;
  uint32_t index = 0;
  uint64_t sent_ns = 0;
  bool busy = false;
  bool failed = false;
  std::string failure;
};

int RunRest(const ApiBenchOptions& o) {
  const uint32_t conns = o.connections;
  const uint32_t accounts = o.accounts > 0 ? o.accounts : conns;
  api_client::Venue venue;
  std::string error;
  if (!api_client::SetUpVenue(o.url, o.data_dir, o.instrument, accounts, &venue, &error)) {
    std::fprintf(stderr, "setup: %s\n", error.c_str());
    return 1;
  }
  int64_t price = 0;
  if (!PriceUnits(o, venue.spec, &price)) return 2;

  asio::io_context io(1);
  std::vector<std::unique_ptr<RestConnection>> connections;
  tcp::resolver resolver(io);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(venue.server.host, venue.server.port, ec);
  for (uint32_t c = 0; c < conns && !ec; ++c) {
    auto rc = std::make_unique<RestConnection>(io);
    rc->stream.connect(endpoints, ec);
    if (!ec) rc->stream.socket().set_option(tcp::no_delay(true), ec);
    rc->credentials = &venue.accounts[c % accounts];
    rc->index = c;
    connections.push_back(std::move(rc));
  }
  if (ec) {
    std::fprintf(stderr, "connect %s:%s: %s\n", venue.server.host.c_str(), venue.server.port.c_str(),
                 ec.message().c_str());
    return 1;
  }

  const uint64_t start = NowNs();
  const uint64_t measure_start = start + static_cast<uint64_t>(o.warmup_s * 1e9);
  const uint64_t end = measure_start + static_cast<uint64_t>(o.duration_s * 1e9);
  const uint64_t run_tag = static_cast<uint64_t>(api_client::WallMs()) % 1'000'000'000;
  LatencyHistogram hist;
  api_client::ErrorCounts errors;
  uint64_t next_id = 1, measured = 0, cancels = 0, last_done = 0, bad_messages = 0;
  bool cleaning = false;

  std::function<void(RestConnection&)> issue = [&](RestConnection& rc) {
    const uint64_t now = NowNs();
    if (rc.failed || (!cleaning && now >= end)) {
      rc.busy = false;
      return;
    }
    const uint64_t id = next_id++;
    const api_flow::Request req =
        cleaning ? api_flow::Request{"private/cancel-all-orders", api_flow::CancelAllParams(venue.spec)}
                 : api_flow::NextRequest(venue.spec, price, id, rc.index, run_tag, &rc.flow);
    if (!cleaning && now >= measure_start && req.method == "private/cancel-order") ++cancels;
    const std::string nonce = std::to_string(api_client::WallMs());
    const std::string id_text = std::to_string(id);
    std::string param_string;
    (void)api::ParamString(req.params, &param_string);
    const std::string sig =
        api::HmacSha256Hex(rc.credentials->api_secret,
                           api::SignaturePayload(req.method, id_text, rc.credentials->api_key, param_string, nonce));
    rc.request = {};
    rc.request.method(http::verb::post);
    rc.request.target("/exchange/v1/" + req.method);
    rc.request.version(11);
    rc.request.set(http::field::host, venue.server.host);
    rc.request.set(http::field::content_type, "application/json");
    rc.request.keep_alive(true);
    rc.request.body() = fmt::format(R"({{"id":{},"method":"{}","api_key":"{}","params":{},"nonce":{},"sig":"{}"}})",
                                    id_text, req.method, rc.credentials->api_key, req.params, nonce, sig);
    rc.request.prepare_payload();
    rc.busy = true;
    rc.sent_ns = NowNs();
    http::async_write(rc.stream, rc.request, [&, rcp = &rc](beast::error_code wec, size_t) {
      if (wec) {
        rcp->failed = true;
        rcp->failure = "write: " + wec.message();
        rcp->busy = false;
        return;
      }
      rcp->response = {};
      http::async_read(rcp->stream, rcp->buffer, rcp->response, [&, rcp](beast::error_code rec, size_t) {
        const uint64_t done = NowNs();
        if (rec) {
          rcp->failed = true;
          rcp->failure = "read: " + rec.message();
          rcp->busy = false;
          return;
        }
        if (!cleaning && rcp->sent_ns >= measure_start) {
          api_client::Reply r;
          if (!api_client::ParseReply(rcp->response.body(), &r) || !r.has_code) {
            ++bad_messages;
            ++errors[-static_cast<int64_t>(rcp->response.result_int())];  // no code: the HTTP status, negated
          } else if (r.code != 0) {
            ++errors[r.code];
          }
          hist.Record(done - rcp->sent_ns);
          ++measured;
          last_done = done;
        }
        if (cleaning) {
          rcp->busy = false;
          return;
        }
        issue(*rcp);
      });
    });
  };
  std::fprintf(stderr, "closed loop over %u connections for %.1f s (+%.1f s warm-up)\n", conns, o.duration_s,
               o.warmup_s);
  for (auto& rc : connections) issue(*rc);
  const auto idle = [&] {
    for (const auto& rc : connections) {
      if (rc->busy) return false;
    }
    return true;
  };
  RunUntil(io, end + static_cast<uint64_t>(o.timeout_s * 1e9), idle);
  uint64_t timeouts = 0;
  uint32_t disconnects = 0;
  for (const auto& rc : connections) {
    timeouts += rc->busy ? 1u : 0u;
    if (rc->failed && disconnects++ == 0) std::fprintf(stderr, "a connection failed: %s\n", rc->failure.c_str());
  }
  const double seconds = static_cast<double>(std::max(last_done, end) - measure_start) / 1e9;

  // Clean up: one cancel-all per account, after the order limit's bucket has refilled.
  if (timeouts == 0) {
    RunUntil(io, NowNs() + 200'000'000, [] { return false; });
    cleaning = true;
    for (uint32_t c = 0; c < conns && c < accounts; ++c) issue(*connections[c]);
    RunUntil(io, NowNs() + 3'000'000'000, idle);
  }

  const std::string extra = fmt::format(
      R"(,"connections":{},"accounts":{},"cancels":{},"errors":{},"timeouts":{},"disconnects":{},"bad_messages":{},"duration_s":{:.3f})",
      conns, accounts, cancels, api_client::ErrorsJson(errors), timeouts, disconnects, bad_messages, seconds);
  api_client::PrintResult("api-rest", fmt::format("order-mix:{}", o.instrument), measured,
                          seconds > 0 ? static_cast<double>(measured) / seconds : 0, hist, 0, extra);
  return timeouts > 0 || disconnects > 0 ? 3 : 0;
}

}  // namespace

int RunApiBench(const ApiBenchOptions& o) {
  if (o.data_dir.empty()) {
    std::fprintf(stderr, "--data-dir: the server's data folder is needed (admin.endpoint, admin.token)\n");
    return 2;
  }
  // Written so that NaN fails each test (NaN < 0 is false): a NaN or infinite --duration, --warmup, --rate,
  // --timeout or --pacing-us went on to the run.
  const auto within = [](double v, double lo, double hi) { return v >= lo && v <= hi; };
  if (o.connections == 0 || !(o.duration_s > 0) || !within(o.duration_s, 0, 86'400) || !within(o.warmup_s, 0, 86'400) ||
      !within(o.rate, 0, 1e9) || !(o.timeout_s > 0) || !within(o.timeout_s, 0, 3'600) || !within(o.pacing_us, 0, 1e6)) {
    std::fprintf(stderr,
                 "api: --connections and --duration (up to 86,400 s) must be positive, --warmup 0 to 86,400 s, --rate "
                 "0 to 10^9, --timeout above 0 up to 3,600 s, --pacing-us 0 to 1,000,000\n");
    return 2;
  }
  if (o.mode == "ws") return RunWs(o);
  if (o.mode == "rest") return RunRest(o);
  if (o.mode == "fanout") return RunApiFanout(o);
  std::fprintf(stderr, "--mode '%s': ws | rest | fanout\n", o.mode.c_str());
  return 2;
}

}  // namespace sequex::bench

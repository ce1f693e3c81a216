// `sequex-bench api --mode fanout`: market-data fan-out latency. N market sockets subscribe to
// book.{instrument}.10; one user socket places post-only BUY orders at a fixed offered rate (open loop), each
// adding one quantity step to one of 10 bid levels that are the best 10 of the book. Each subscriber sees every
// order as a new total quantity at its level: the k-th accepted order at a level is delivered to a subscriber
// when that subscriber's level total reaches base + k steps (so conflated updates credit every order they
// include). A delivery's latency = arrival at the subscriber - the order's intended send time.
#include <fmt/format.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/decimal.h"
#include "api_bench.h"
#include "api_bench_client.h"
#include "common/latency_histogram.h"

namespace sequex::bench {
namespace {

namespace asio = boost::asio;
using api_client::NowNs;

constexpr int kLevels = 10;
constexpr uint64_t kCancelAllId = uint64_t{1} << 40;

// Every subscriber receives the same bytes for the same book change: parse each distinct message once.
class PushCache {
 public:
  enum class Kind { kOther, kBook, kHeartbeat };
  struct Entry {
    std::string text;
    Kind kind = Kind::kOther;
    int64_t heartbeat_id = 0;
    api_client::BookLevels levels;
  };

  const Entry& Get(std::string_view text, const api_client::InstrumentSpec& spec) {
    for (const Entry& e : entries_) {
      if (e.text.size() == text.size() && std::memcmp(e.text.data(), text.data(), text.size()) == 0) return e;
    }
    Entry& e = entries_[next_++ % entries_.size()];
    e.text.assign(text);
    e.kind = Kind::kOther;
    api_client::Reply r;
    if (api_client::ParseReply(text, &r)) {
      if (r.method == "public/heartbeat") {
        e.kind = Kind::kHeartbeat;
        e.heartbeat_id = r.id;
      } else if ((r.channel == "book" || r.channel == "book.update") &&
                 api_client::ParseBookPush(text, spec, &e.levels)) {
        e.kind = Kind::kBook;
      }
    }
    return e;
  }

 private:
  std::array<Entry, 16> entries_;
  size_t next_ = 0;
};

struct Subscriber {
  std::unique_ptr<api_client::WsConnection> ws;
  api_client::BookLevels snapshot;
  std::array<int64_t, kLevels> base{};       // quantity at each level before the run
  std::array<uint64_t, kLevels> credited{};  // accepted orders at each level already delivered
  std::array<size_t, kLevels> cursor{};      // position in the level's order list
};

bool Subscribe(api_client::WsConnection& ws, const std::string& channel, const api_client::InstrumentSpec& spec,
               api_client::BookLevels* snapshot, std::string* error) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    if (!ws.WriteBlocking(fmt::format(R"({{"id":1,"method":"subscribe","params":{{"channels":["{}"]}},"nonce":{}}})",
                                      channel, api_client::WallMs()),
                          error)) {
      return false;
    }
    for (;;) {
      std::string msg;
      if (!ws.ReadBlocking(&msg, error)) return false;
      api_client::Reply r;
      if (!api_client::ParseReply(msg, &r)) continue;
      if (r.method == "public/heartbeat") {
        if (!ws.WriteBlocking(fmt::format(R"({{"id":{},"method":"public/respond-heartbeat"}})", r.id), error)) {
          return false;
        }
        continue;
      }
      if (r.channel == "book") {
        if (api_client::ParseBookPush(msg, spec, snapshot)) return true;
        *error = "unreadable book snapshot: " + msg.substr(0, 300);
        return false;
      }
      if (r.has_id && r.id == 1 && r.has_code && r.code != 0) {
        if (r.code != 42901) {
          *error = "subscribe refused: " + msg.substr(0, 300);
          return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // rate-limited: try again
        break;
      }
    }
  }
  *error = "subscribe: still rate-limited after 60 s";
  return false;
}

}  // namespace

int RunApiFanout(const ApiBenchOptions& o) {
  const double rate = o.rate > 0 ? o.rate : 100;
  const uint32_t n_subs = o.subscribers;
  if (n_subs == 0) {
    std::fprintf(stderr, "--subscribers must be positive\n");
    return 2;
  }
  api_client::Venue venue;
  std::string error;
  if (!api_client::SetUpVenue(o.url, o.data_dir, o.instrument, 1, &venue, &error)) {
    std::fprintf(stderr, "setup: %s\n", error.c_str());
    return 1;
  }
  const api_client::InstrumentSpec& spec = venue.spec;
  asio::io_context io(1);
  api_client::WsConnection user(io);
  if (!user.Connect(venue.server, "/exchange/v1/user", &error) || !user.Authenticate(venue.accounts[0], &error)) {
    std::fprintf(stderr, "user socket: %s\n", error.c_str());
    return 1;
  }
  const std::string channel = fmt::format("book.{}.10", spec.symbol);
  std::vector<Subscriber> subs(n_subs);
  const uint64_t t_subscribe = NowNs();
  for (uint32_t s = 0; s < n_subs; ++s) {
    subs[s].ws = std::make_unique<api_client::WsConnection>(io);
    if (!subs[s].ws->Connect(venue.server, "/exchange/v1/market", &error) ||
        !Subscribe(*subs[s].ws, channel, spec, &subs[s].snapshot, &error)) {
      std::fprintf(stderr, "subscriber %u: %s\n", s, error.c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "%u market sockets subscribed to %s in %.2f s\n", n_subs, channel.c_str(),
               static_cast<double>(NowNs() - t_subscribe) / 1e9);

  // The 10 bid levels: just below the best ask, else just above the best bid, else just below --price.
  const api_client::BookLevels& book = subs[0].snapshot;
  int64_t top = 0;
  if (!book.asks.empty()) {
    int64_t best_ask = INT64_MAX;
    for (const auto& [p, q] : book.asks) best_ask = std::min(best_ask, p);
    top = best_ask - spec.price_tick;
  } else if (!book.bids.empty()) {
    int64_t best_bid = 0;
    for (const auto& [p, q] : book.bids) best_bid = std::max(best_bid, p);
    top = best_bid + kLevels * spec.price_tick;
  } else if (!api::ParseScaled(o.price, spec.price_decimals, INT64_MAX / 4, &top)) {
    std::fprintf(stderr, "--price '%s' is not a price\n", o.price.c_str());
    return 2;
  }
  top -= top % spec.price_tick;
  std::array<int64_t, kLevels> levels{};
  for (int k = 0; k < kLevels; ++k) levels[static_cast<size_t>(k)] = top - k * spec.price_tick;
  if (levels[kLevels - 1] <= 0) {
    std::fprintf(stderr, "no room for 10 bid levels below %s\n", api::FormatScaled(top, spec.price_decimals).c_str());
    return 1;
  }
  const auto level_of = [&](int64_t price) -> int {
    if (price > top || (top - price) % spec.price_tick != 0) return -1;
    const int64_t k = (top - price) / spec.price_tick;
    return k < kLevels ? static_cast<int>(k) : -1;
  };
  for (Subscriber& sub : subs) {
    for (const auto& [p, q] : sub.snapshot.bids) {
      if (const int k = level_of(p); k >= 0) sub.base[static_cast<size_t>(k)] = q;
    }
  }
  const int64_t step = spec.qty_tick;  // every order adds one quantity step to its level
  std::fprintf(stderr, "levels %s .. %s, %s each order\n",
               api::FormatScaled(levels[kLevels - 1], spec.price_decimals).c_str(),
               api::FormatScaled(top, spec.price_decimals).c_str(), api::FormatScaled(step, spec.qty_decimals).c_str());

  const uint64_t total = static_cast<uint64_t>(std::llround(rate * (o.warmup_s + o.duration_s)));
  const uint64_t first_measured = static_cast<uint64_t>(std::llround(rate * o.warmup_s));
  const uint64_t start = NowNs() + 50'000'000;
  const auto intended = [&](uint64_t i) {
    return start + static_cast<uint64_t>(static_cast<long double>(i) * 1e9L / static_cast<long double>(rate));
  };
  enum : uint8_t { kUnsent, kSent, kAccepted, kRejected };
  std::vector<uint8_t> state(total, kUnsent);
  std::array<std::vector<uint64_t>, kLevels> level_orders;  // order numbers sent to each level, in order

  LatencyHistogram deliveries_hist, ack_hist;
  api_client::ErrorCounts errors;
  uint64_t unacked = 0, deliveries = 0, last_delivery = 0, accepted_measured = 0, bad_messages = 0;
  bool running = true;
  bool cleanup_done = false;
  PushCache cache;

  user.StartReading([&](api_client::WsConnection& ws, std::string_view msg, uint64_t now) {
    api_client::Reply r;
    if (!api_client::ParseReply(msg, &r)) {
      ++bad_messages;
      return;
    }
    if (ws.AnswerHeartbeat(r) || !r.has_id || r.id <= 0) return;
    const auto id = static_cast<uint64_t>(r.id);
    if (id == kCancelAllId) cleanup_done = true;
    if (id > total || state[id - 1] != kSent) return;
    const uint64_t i = id - 1;
    state[i] = r.code == 0 ? kAccepted : kRejected;
    --unacked;
    if (i < first_measured) return;
    ack_hist.Record(now - intended(i));
    if (r.code != 0) {
      ++errors[r.code];
    } else {
      ++accepted_measured;
    }
  });
  for (Subscriber& sub : subs) {
    sub.ws->StartReading([&, subp = &sub](api_client::WsConnection& ws, std::string_view msg, uint64_t now) {
      const PushCache::Entry& e = cache.Get(msg, spec);
      if (e.kind == PushCache::Kind::kHeartbeat) {
        ws.Send(fmt::format(R"({{"id":{},"method":"public/respond-heartbeat"}})", e.heartbeat_id));
        return;
      }
      if (e.kind != PushCache::Kind::kBook || !running) return;
      for (const auto& [price, qty] : e.levels.bids) {
        const int k = level_of(price);
        if (k < 0) continue;
        const auto ku = static_cast<size_t>(k);
        if (qty < subp->base[ku]) continue;
        const auto reached = static_cast<uint64_t>((qty - subp->base[ku]) / step);
        const std::vector<uint64_t>& sent = level_orders[ku];
        while (subp->credited[ku] < reached && subp->cursor[ku] < sent.size()) {
          const uint64_t i = sent[subp->cursor[ku]++];
          if (state[i] == kRejected) continue;
          ++subp->credited[ku];
          if (i < first_measured) continue;
          deliveries_hist.Record(now - intended(i));
          ++deliveries;
          last_delivery = now;
        }
      }
    });
  }

  uint64_t next = 0;
  asio::steady_timer timer(io);
  const std::string quantity = api::FormatScaled(step, spec.qty_decimals);
  std::function<void()> arm = [&] {
    if (next >= total) return;
    timer.expires_at(asio::steady_timer::time_point(
        std::chrono::duration_cast<asio::steady_timer::duration>(std::chrono::nanoseconds(intended(next)))));
    timer.async_wait([&](const boost::system::error_code&) {
      const uint64_t now = NowNs();
      while (next < total && intended(next) <= now) {
        const uint64_t i = next++;
        const auto k = static_cast<size_t>(i % kLevels);
        user.Send(fmt::format(
            R"({{"id":{},"method":"private/create-order","params":{{"instrument_name":"{}","side":"BUY","type":"LIMIT","price":"{}","quantity":"{}","time_in_force":"GOOD_TILL_CANCEL","exec_inst":["POST_ONLY"]}},"nonce":{}}})",
            i + 1, spec.symbol, api::FormatScaled(levels[k], spec.price_decimals), quantity, api_client::WallMs()));
        level_orders[k].push_back(i);
        state[i] = kSent;
        ++unacked;
      }
      arm();
    });
  };
  std::fprintf(stderr, "placing %llu orders at %.0f/s (%.1f s warm-up, %.1f s measured) to %u subscribers\n",
               static_cast<unsigned long long>(total), rate, o.warmup_s, o.duration_s, n_subs);
  arm();
  const auto run_until = [&](uint64_t deadline, const std::function<bool()>& done) {
    while (!done() && NowNs() < deadline) {
      io.run_for(std::chrono::milliseconds(5));
      if (io.stopped()) io.restart();
    }
  };
  run_until(intended(total) + 60'000'000'000, [&] { return next >= total; });
  const auto all_delivered = [&] {
    if (unacked > 0) return false;
    for (const Subscriber& sub : subs) {
      if (sub.ws->closed()) continue;
      for (size_t k = 0; k < kLevels; ++k) {
        for (size_t c = sub.cursor[k]; c < level_orders[k].size(); ++c) {
          if (state[level_orders[k][c]] == kAccepted) return false;
        }
      }
    }
    return true;
  };
  run_until(NowNs() + static_cast<uint64_t>(o.timeout_s * 1e9), all_delivered);
  running = false;
  uint64_t timeouts = 0;
  for (uint64_t i = first_measured; i < total; ++i) timeouts += state[i] == kSent ? 1u : 0u;
  uint32_t disconnects = 0;
  for (const Subscriber& sub : subs) {
    if (sub.ws->closed() && disconnects++ == 0) {
      std::fprintf(stderr, "a subscriber closed: %s\n", sub.ws->close_reason().c_str());
    }
  }
  const uint64_t expected = accepted_measured * (n_subs - disconnects);
  const uint64_t missing = expected > deliveries ? expected - deliveries : 0;

  run_until(NowNs() + 200'000'000, [] { return false; });
  user.Send(
      fmt::format(R"({{"id":{},"method":"private/cancel-all-orders","params":{{"instrument_name":"{}"}},"nonce":{}}})",
                  kCancelAllId, spec.symbol, api_client::WallMs()));
  run_until(NowNs() + 3'000'000'000, [&] { return cleanup_done; });

  const uint64_t measure_start = intended(first_measured);
  const double seconds = static_cast<double>(std::max(last_delivery, intended(total)) - measure_start) / 1e9;
  const std::string extra = fmt::format(
      R"(,"subscribers":{},"deliveries":{},"deliveries_per_sec":{:.1f},"missing_deliveries":{},"orders_accepted":{},"ack_p50_ns":{},"ack_p99_ns":{},"ack_max_ns":{},"errors":{},"timeouts":{},"disconnects":{},"bad_messages":{},"duration_s":{:.3f})",
      n_subs, deliveries, seconds > 0 ? static_cast<double>(deliveries) / seconds : 0, missing, accepted_measured,
      ack_hist.Percentile(50), ack_hist.Percentile(99), ack_hist.Max(), api_client::ErrorsJson(errors), timeouts,
      disconnects, bad_messages, seconds);
  api_client::PrintResult("api-fanout", channel, total - first_measured,
                          seconds > 0 ? static_cast<double>(accepted_measured) / seconds : 0, deliveries_hist, rate,
                          extra);
  return timeouts > 0 || disconnects > 0 ? 3 : 0;
}

}  // namespace sequex::bench

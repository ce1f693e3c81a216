#include "scale_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>
#include <string>
#include <variant>

#include "bench_util.h"
#include "engine/engine.h"

namespace sequex::bench {
namespace {

constexpr int64_t kMid = 100'000;  // ticks; buys rest below, sells above, so nothing ever trades
constexpr int64_t kMaxLots = 100;
constexpr int64_t kLotSize = 1'000'000;  // with tick 100 and base decimals 8: tick value 1 cent

class Filler {
 public:
  explicit Filler(Engine& engine) : engine_(engine) {}

  void Apply(const CommandBody& body) {
    ++seq_;
    const std::span<const Event> events = engine_.Apply(Command{seq_, static_cast<TimeNs>(seq_) * 1000, body});
    for (const Event& e : events) {
      if (std::holds_alternative<RejectedEvent>(e)) ++rejects_;
    }
  }
  [[nodiscard]] uint64_t rejects() const { return rejects_; }

 private:
  Engine& engine_;
  SeqNo seq_ = 0;
  uint64_t rejects_ = 0;
};

AssetId BaseOf(uint32_t book, const ScaleOptions& o) {
  return AssetId(static_cast<uint16_t>(2 + book % (o.assets - 1)));
}

}  // namespace

int RunScaleBench(const ScaleOptions& o) {
  if (o.books < 1 || o.books > 0xFFFE || o.assets < 2 || o.assets > 0xFFFE || o.accounts < 1 ||
      o.accounts >= (16u << 20) || o.orders > (64u << 20)) {
    std::fprintf(stderr,
                 "scale: need 1 <= books <= 65534, 2 <= assets <= 65534, 1 <= accounts < 2^24, "
                 "orders <= 2^26\n");
    return 2;
  }
  const uint64_t rss_before = RssBytes();
  EngineConfig config;
  config.expected_orders = static_cast<uint32_t>(o.orders);
  config.expected_accounts = o.accounts + 1;
  config.max_open_orders_per_account =
      std::max<uint32_t>(config.max_open_orders_per_account, static_cast<uint32_t>(o.orders));
  const auto t0 = std::chrono::steady_clock::now();
  Engine engine(config);
  Filler fill(engine);

  DefineAsset usd{AssetId(1), 2, "USD"};
  fill.Apply(usd);
  for (uint32_t a = 2; a <= o.assets; ++a) {
    DefineAsset base{AssetId(static_cast<uint16_t>(a)), 8, {}};
    std::snprintf(base.code, sizeof base.code, "A%05u", a);
    fill.Apply(base);
  }
  for (uint32_t b = 0; b < o.books; ++b) {
    DefineInstrument d;
    d.instrument = InstrumentId(static_cast<uint16_t>(b + 1));
    d.base = BaseOf(b, o);
    d.quote = AssetId(1);
    d.tick_size = Amount(100);
    d.lot_size = Amount(kLotSize);
    std::snprintf(d.symbol, sizeof d.symbol, "B%05u_USD", b);
    fill.Apply(d);
  }
  // Account a places orders j = a-1, a-1 + accounts, ...: alternately a buy in some book and a sell in its own
  // book (a-1) % books, whose base is the only one it needs besides USD.
  const uint64_t per_account = o.orders / o.accounts + 1;
  const int64_t usd_each = static_cast<int64_t>((per_account / 2 + 1)) * (kMid + 1'000) * kMaxLots;
  const int64_t base_each = static_cast<int64_t>((per_account / 2 + 1)) * kMaxLots * kLotSize;
  for (uint32_t a = 1; a <= o.accounts; ++a) {
    fill.Apply(Deposit{AccountId(a), AssetId(1), Amount(usd_each)});
    fill.Apply(Deposit{AccountId(a), BaseOf((a - 1) % o.books, o), Amount(base_each)});
  }
  for (uint64_t j = 0; j < o.orders; ++j) {
    const auto account = static_cast<uint32_t>(j % o.accounts) + 1;
    const uint64_t m = j / o.accounts;
    PlaceOrder p;
    p.account = AccountId(account);
    p.side = m % 2 == 0 ? Side::kBuy : Side::kSell;
    const uint64_t book = p.side == Side::kSell ? (account - 1) % o.books : (account - 1 + m * 7919) % o.books;
    p.instrument = InstrumentId(static_cast<uint16_t>(book + 1));
    const auto offset = static_cast<int64_t>(1 + j % 500);
    p.price = PriceTicks(p.side == Side::kBuy ? kMid - offset : kMid + offset);
    p.qty = QtyLots(static_cast<int64_t>(1 + j % kMaxLots));
    fill.Apply(p);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t rss = RssBytes();
  const size_t open = engine.OpenOrderCount();
  // The shared fields of ../shared/workloads/README.md too: the fill's commands (definitions, deposits, orders)
  // and their rate, from building the engine on. No command is timed alone: the percentiles are null.
  const uint64_t commands = uint64_t{o.assets} + o.books + 2 * uint64_t{o.accounts} + o.orders;
  fmt::print(
      "{{\"bench\":\"scale\",\"workload\":\"scale\",\"commands\":{},\"ops_per_sec\":{:.0f},\"p50_ns\":null,"
      "\"p99_ns\":null,\"p999_ns\":null,\"max_ns\":null,\"rate\":null,\"books\":{},\"assets\":{},\"accounts\":{},"
      "\"orders\":{},\"open_orders\":{},\"rejects\":{},\"rss_bytes\":{},\"peak_rss_bytes\":{},"
      "\"rss_before_bytes\":{},\"engine_bytes\":{},\"rss_bytes_per_order\":{:.1f},\"fill_seconds\":{:.2f},"
      "\"git\":{},\"cpu\":{}}}\n",
      commands, seconds > 0 ? static_cast<double>(commands) / seconds : 0.0, o.books, o.assets, o.accounts, o.orders,
      open, fill.rejects(), rss, PeakRssBytes(), rss_before, engine.MemoryBytes(),
      open == 0 ? 0.0 : static_cast<double>(rss - std::min(rss, rss_before)) / static_cast<double>(open), seconds,
      JsonString(GitCommit()), JsonString(CpuModel()));
  return fill.rejects() == 0 ? 0 : 1;
}

}  // namespace sequex::bench

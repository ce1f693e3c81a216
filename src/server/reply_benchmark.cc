// What a list of orders costs the publisher to write as JSON (get-open-orders, get-order-history, the user.order
// snapshot): into a writer grown by doubling from empty, as every list was written before, against one that first
// reserves room for the list (ReserveOrders, what they do now). Each iteration writes one reply of N open orders,
// then hands the bytes to another thread to be freed, as the publisher hands a reply to an I/O thread: so the
// allocator cannot give the next reply the pages the last one used, and each reply pays for fresh memory as in
// sequexd.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/api_format.h"

namespace sequex::server {
namespace {

// One instrument (BTC_USD: 8-decimal assets, tick 0.01, lot 0.00001) and N open limit buys of one account, as
// the projection keeps them.
struct OrderList {
  explicit OrderList(int64_t n) {
    DefineAsset usd{AssetId{1}, 8, {}};
    std::strcpy(usd.code, "USD");
    DefineAsset btc{AssetId{2}, 8, {}};
    std::strcpy(btc.code, "BTC");
    DefineInstrument inst;
    inst.instrument = InstrumentId{1};
    inst.base = AssetId{2};
    inst.quote = AssetId{1};
    inst.tick_size = Amount{1'000'000};
    inst.lot_size = Amount{1'000};
    std::strcpy(inst.symbol, "BTC_USD");
    engine.Apply(Command{1, 0, usd});
    engine.Apply(Command{2, 0, btc});
    engine.Apply(Command{3, 0, inst});
    catalog = VenueCatalog::Build(engine);
    records.resize(static_cast<size_t>(n));
    for (size_t i = 0; i < records.size(); ++i) {
      OrderView& v = records[i].view;
      v.order_id = OrderId{1'000'000 + i};
      v.account = AccountId{7};
      v.instrument = InstrumentId{1};
      v.price = PriceTicks{static_cast<int64_t>(100'000 + i)};
      v.qty = QtyLots{100};
      v.maker_ppm = 250;
      v.taker_ppm = 500;
      v.created_time = 1'765'000'000'000'000'000 + static_cast<int64_t>(i);
      v.client_oid.Assign("mm-" + std::to_string(i));
      records[i].update_time = v.created_time;
      pointers.push_back(&records[i]);
    }
  }
  Engine engine;
  std::shared_ptr<const VenueCatalog> catalog;
  std::vector<OrderRecord> records;
  std::vector<const OrderRecord*> pointers;
};

void WriteList(benchmark::State& state, bool reserve) {
  const OrderList list(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    api::JsonWriter w;
    w.BeginObject();
    w.Key("data");
    w.BeginArray();
    if (reserve) ReserveOrders(w, list.pointers.size());
    for (const OrderRecord* r : list.pointers) WriteOrder(w, *r, *list.catalog);
    w.EndArray();
    w.EndObject();
    std::string reply = w.Release();
    bytes = reply.size();
    state.PauseTiming();
    std::thread([reply = std::move(reply)] { benchmark::DoNotOptimize(reply.data()); }).join();
    state.ResumeTiming();
  }
  state.counters["reply_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_OrderListReplyGrown(benchmark::State& state) { WriteList(state, false); }
BENCHMARK(BM_OrderListReplyGrown)->Arg(100)->Arg(2'000)->Arg(10'000)->Unit(benchmark::kMicrosecond);

void BM_OrderListReplyReserved(benchmark::State& state) { WriteList(state, true); }
BENCHMARK(BM_OrderListReplyReserved)->Arg(100)->Arg(2'000)->Arg(10'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sequex::server

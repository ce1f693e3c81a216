#include "server/demo_market_maker.h"

#include <algorithm>
#include <chrono>

#include "common/thread_name.h"
#include "workload/rng.h"

namespace sequex::server {

int64_t DemoDepositUnits(int64_t whole, int decimals) {
  int64_t units = std::min(whole, kMaxDemoDeposit);
  for (int i = 0; i < decimals; ++i) {
    if (__builtin_mul_overflow(units, int64_t{10}, &units) || units > kMaxDemoDeposit) return kMaxDemoDeposit;
  }
  return units;
}

DemoMarketMaker::DemoMarketMaker(Gateway* gateway, AccountId maker, AccountId taker, std::vector<DemoQuote> quotes,
                                 uint64_t seed)
    : gateway_(gateway), maker_(maker), taker_(taker), quotes_(std::move(quotes)), seed_(seed) {}

DemoMarketMaker::~DemoMarketMaker() { Stop(); }

void DemoMarketMaker::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    NameThisThread("sx-demo-maker");
    Run();
  });
}

void DemoMarketMaker::Stop() {
  if (running_.exchange(false)) thread_.join();
}

void DemoMarketMaker::Run() {
  workload::Rng rng(seed_);
  constexpr int kLevels = 5;
  uint64_t round = 0;
  while (running_.load(std::memory_order_acquire)) {
    const std::shared_ptr<const VenueCatalog> catalog = gateway_->directory()->catalog();
    for (DemoQuote& q : quotes_) {
      // An operator's status holds it off a book: halted or cancel-only, all it would send is refused, and each
      // refusal is journaled (22 a second a book); post-only takes only post-only limits, so no taker then.
      const InstrumentInfo* inst = catalog->FindInstrument(q.instrument);
      const InstrumentStatus status = inst != nullptr ? inst->status : InstrumentStatus::kHalted;
      if (status == InstrumentStatus::kHalted || status == InstrumentStatus::kCancelOnly) continue;
      // Random walk of the mid, a tick step of 0..1/1000 of the price.
      const int64_t step = std::max<int64_t>(1, q.mid.value() / 1000);
      q.mid = PriceTicks{std::max<int64_t>(step * 2, q.mid.value() + rng.Between(-step, step))};
      (void)gateway_->Submit(CancelAll{maker_, q.instrument}, {});
      for (int level = 1; level <= kLevels; ++level) {
        const int64_t offset = step * level / 2 + level;
        for (Side side : {Side::kBuy, Side::kSell}) {
          PlaceOrder o;
          o.account = maker_;
          o.instrument = q.instrument;
          o.side = side;
          o.type = OrderType::kLimit;
          o.price = PriceTicks{side == Side::kBuy ? q.mid.value() - offset : q.mid.value() + offset};
          o.qty = QtyLots{q.unit.value() * rng.Between(1, 20)};
          if (status == InstrumentStatus::kPostOnly) o.flags = kOrderFlagPostOnly;
          (void)gateway_->Submit(o, {});
        }
      }
      if (round % 4 == 0 && status == InstrumentStatus::kTrading) {
        // A taker crosses the spread with a small IOC, so that there is a tape.
        PlaceOrder t;
        t.account = taker_;
        t.instrument = q.instrument;
        t.side = rng.Below(2) == 0 ? Side::kBuy : Side::kSell;
        t.type = OrderType::kLimit;
        t.tif = TimeInForce::kImmediateOrCancel;
        t.price = PriceTicks{t.side == Side::kBuy ? q.mid.value() + step * 3 : q.mid.value() - step * 3};
        t.qty = QtyLots{q.unit.value() * rng.Between(1, 5)};
        (void)gateway_->Submit(t, {});
      }
    }
    ++round;
    for (int i = 0; i < 10 && running_.load(std::memory_order_acquire); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace sequex::server

#include "tests/invariants.h"

#include <map>
#include <sstream>

namespace sequex::test {

namespace {

template <typename Venue>
std::string Check(const Venue& venue, const Universe& u) {
  std::ostringstream why;
  for (InstrumentId instrument : u.instruments) {
    const auto bid = venue.BestBid(instrument);
    const auto ask = venue.BestAsk(instrument);
    if (bid.has_value() && ask.has_value() && !(*bid < *ask)) {
      why << "crossed book " << instrument.value() << ": bid " << bid->value() << " >= ask " << ask->value();
      return why.str();
    }
  }
  std::map<uint16_t, __int128> totals;
  for (AccountId account : u.accounts) {
    std::map<uint16_t, __int128> held_by_orders;
    for (const OrderView& o : venue.OpenOrders(account)) {
      const auto instrument = venue.Instrument(o.instrument);
      if (!instrument.has_value()) {
        why << "order " << o.order_id.value() << " of account " << account.value() << " has unknown instrument";
        return why.str();
      }
      if (o.held.value() < 0) {
        why << "order " << o.order_id.value() << " holds " << o.held.value();
        return why.str();
      }
      const AssetId asset = o.side == Side::kBuy ? instrument->definition.quote : instrument->definition.base;
      held_by_orders[asset.value()] += o.held.value();
    }
    for (AssetId asset : u.assets) {
      const BalanceView b = venue.Balance(account, asset);
      if (b.available.value() < 0 || b.held.value() < 0) {
        why << "negative balance: account " << account.value() << " asset " << asset.value() << " available "
            << b.available.value() << " held " << b.held.value();
        return why.str();
      }
      if (b.held.value() != held_by_orders[asset.value()]) {
        why << "held mismatch: account " << account.value() << " asset " << asset.value() << " held " << b.held.value()
            << " but its open orders hold " << static_cast<int64_t>(held_by_orders[asset.value()]);
        return why.str();
      }
      totals[asset.value()] += __int128{b.available.value()} + b.held.value();
    }
  }
  for (AssetId asset : u.assets) {
    if (venue.NetDeposits(asset).value() != totals[asset.value()]) {
      why << "conservation: asset " << asset.value() << " net deposits " << venue.NetDeposits(asset).value()
          << " but balances sum to " << static_cast<int64_t>(totals[asset.value()]);
      return why.str();
    }
  }
  return "";
}

}  // namespace

Universe UniverseOf(const ReferenceModel& model) {
  return Universe{model.Accounts(), model.Assets(), model.Instruments()};
}

std::string CheckInvariants(const Engine& engine, const Universe& universe) {
  std::string audit = engine.Audit();
  if (!audit.empty()) return "Engine::Audit: " + audit;
  return Check(engine, universe);
}

std::string CheckInvariants(const ReferenceModel& model, const Universe& universe) { return Check(model, universe); }

}  // namespace sequex::test

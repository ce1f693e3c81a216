// The order life cycle of docs/engine.md ("Matching", "Stops", "Holds") and the model's queries.
#include <algorithm>
#include <utility>

#include "tests/reference_model.h"
#include "tests/reference_model_math.h"

namespace sequex::test {

using i128 = __int128;

namespace {

bool IsTerminal(OrderStatus s) {
  return s == OrderStatus::kFilled || s == OrderStatus::kCanceled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Small helpers.

ReferenceModel::Band ReferenceModel::BandOf(const Book& b) const {
  const i128 ref = b.last != 0 ? b.last : i128{b.def.reference_price.value()};
  Band band;
  if (b.def.price_band_bps == 0 || ref == 0) return band;
  const i128 width = ref * b.def.price_band_bps / 10000;
  band.active = true;
  band.lo = ref - width;
  band.hi = ref + width;
  return band;
}

std::optional<i128> ReferenceModel::Best(const Book& b, Side side) const {
  if (side == Side::kBuy) {
    if (b.bids.empty()) return std::nullopt;
    return b.bids.rbegin()->first;
  }
  if (b.asks.empty()) return std::nullopt;
  return b.asks.begin()->first;
}

bool ReferenceModel::Crosses(const Book& b, Side side, i128 price) const {
  if (side == Side::kBuy) {
    const auto ask = Best(b, Side::kSell);
    return ask.has_value() && price >= *ask;
  }
  const auto bid = Best(b, Side::kBuy);
  return bid.has_value() && price <= *bid;
}

bool ReferenceModel::InSelfTradeSet(const Order& taker, const Order& maker) const {
  return maker.account == taker.account || (taker.stp_group != 0 && maker.stp_group == taker.stp_group);
}

uint16_t ReferenceModel::HeldAsset(const Order& o) const {
  const Book& b = books_.at(o.instrument);
  return o.side == Side::kBuy ? b.def.quote.value() : b.def.base.value();
}

size_t ReferenceModel::OpenOrdersOf(uint32_t account) const {
  size_t n = 0;
  for (const auto& [id, o] : orders_) n += o.account == account ? 1 : 0;
  return n;
}

const ReferenceModel::Order* ReferenceModel::FindByOid(uint32_t account, const ClientOid& oid) const {
  if (oid.empty()) return nullptr;
  for (const auto& [id, o] : orders_) {
    if (o.account == account && o.client_oid == oid) return &o;
  }
  return nullptr;
}

ReferenceModel::Bal& ReferenceModel::BalanceRef(uint32_t account, uint16_t asset) {
  return accounts_[account].balances[asset];
}

void ReferenceModel::EmitBalance(uint32_t account, uint16_t asset, Out& out) {
  const Bal& b = BalanceRef(account, asset);
  out.push_back(BalanceEvent{AccountId{account}, AssetId{asset}, Amount{I64(b.available)}, Amount{I64(b.held)}});
}

void ReferenceModel::EmitOrderUpdate(const Order& o, OrderStatus status, Out& out) const {
  const i128 remaining = IsTerminal(status) ? 0 : o.Remaining();
  out.push_back(OrderUpdateEvent{OrderId{o.id}, AccountId{o.account}, InstrumentId{o.instrument}, status,
                                 PriceTicks{I64(o.price)}, QtyLots{I64(o.filled)}, QtyLots{I64(remaining)},
                                 Amount{I64(o.cum_notional)}, Amount{I64(o.cum_fee)}});
}

// ---------------------------------------------------------------------------------------------------------------
// Holds.

i128 ReferenceModel::Requirement(const Order& o) const {
  const Book& b = books_.at(o.instrument);
  if (o.side == Side::kSell) return o.Remaining() * b.def.lot_size.value();
  const int64_t rate = HoldRate(o.maker_ppm, o.taker_ppm);
  if (o.ByNotional()) return o.notional + Fee(o.notional, rate);
  const i128 price = IsMarketLike(o.type) ? o.protection : o.price;
  const i128 n = Notional(price, o.Remaining(), b.tick_value);
  return n + Fee(n, rate);
}

void ReferenceModel::SetHold(Order& o, i128 new_held) {
  Bal& b = BalanceRef(o.account, HeldAsset(o));
  const i128 delta = new_held - o.held;
  b.available -= delta;
  b.held += delta;
  o.held = new_held;
}

void ReferenceModel::Rest(Order& o) {
  Book& b = books_.at(o.instrument);
  (o.side == Side::kBuy ? b.bids : b.asks)[o.price].push_back(o.id);
  o.resting = true;
}

void ReferenceModel::Unrest(Order& o) {
  Book& b = books_.at(o.instrument);
  auto& side = o.side == Side::kBuy ? b.bids : b.asks;
  auto level = side.find(o.price);
  level->second.remove(o.id);
  if (level->second.empty()) side.erase(level);
  o.resting = false;
}

// ---------------------------------------------------------------------------------------------------------------
// Ending orders.

void ReferenceModel::EndOrder(uint64_t order_id, CancelReason reason, Out& out) {
  Order& o = orders_.at(order_id);
  if (o.resting) Unrest(o);
  out.push_back(CancelledEvent{OrderId{o.id}, AccountId{o.account}, InstrumentId{o.instrument}, reason,
                               QtyLots{I64(o.Remaining())}});
  OrderStatus status = OrderStatus::kCanceled;
  if (reason == CancelReason::kTriggerFailed) status = OrderStatus::kRejected;
  if (reason == CancelReason::kIocRemainder || reason == CancelReason::kMarketRemainder) {
    status = OrderStatus::kExpired;
  }
  EmitOrderUpdate(o, status, out);
  SetHold(o, 0);
  const uint32_t account = o.account;
  const uint16_t asset = HeldAsset(o);
  orders_.erase(order_id);
  EmitBalance(account, asset, out);
}

void ReferenceModel::HaltBook(uint16_t instrument, Out& out) {
  std::vector<uint64_t> ids;
  for (const auto& [id, o] : orders_) {
    if (o.instrument == instrument) ids.push_back(id);
  }
  for (uint64_t id : ids) EndOrder(id, CancelReason::kHalt, out);
}

// ---------------------------------------------------------------------------------------------------------------
// Matching.

bool ReferenceModel::FokCoverable(const Order& taker) const {
  const Book& b = books_.at(taker.instrument);
  const Band band = BandOf(b);
  const bool buy = taker.side == Side::kBuy;
  bool has_limit = true;
  i128 limit = taker.price;
  if (IsMarketLike(taker.type)) {
    has_limit = band.active;
    limit = buy ? band.hi : band.lo;
  }
  std::vector<std::pair<i128, const std::list<uint64_t>*>> levels;
  if (buy) {
    for (const auto& [price, level] : b.asks) levels.emplace_back(price, &level);
  } else {
    for (auto it = b.bids.rbegin(); it != b.bids.rend(); ++it) levels.emplace_back(it->first, &it->second);
  }
  i128 covered = 0;
  for (const auto& [price, level] : levels) {
    if (has_limit && (buy ? price > limit : price < limit)) break;
    for (uint64_t id : *level) {
      const Order& maker = orders_.at(id);
      if (taker.stp != StpMode::kNone && InSelfTradeSet(taker, maker)) {
        if (taker.stp == StpMode::kCancelMaker) continue;
        return covered >= taker.qty;
      }
      covered += maker.Remaining();
      if (covered >= taker.qty) return true;
    }
  }
  return covered >= taker.qty;
}

void ReferenceModel::TradeOnce(Order& taker, Order& maker, i128 price, i128 lots, Out& out) {
  Book& b = books_.at(taker.instrument);
  const uint16_t base = b.def.base.value();
  const uint16_t quote = b.def.quote.value();
  const i128 n = Notional(price, lots, b.tick_value);
  const i128 base_amount = lots * b.def.lot_size.value();
  const i128 taker_fee = Fee(n, taker.taker_ppm);
  const i128 maker_fee =
      maker.maker_ppm >= 0 ? Fee(n, maker.maker_ppm) : -std::min(Fee(n, -int64_t{maker.maker_ppm}), taker_fee);

  auto settle = [&](Order& o, i128 fee) {
    if (o.side == Side::kBuy) {
      const i128 cost = n + std::max<i128>(fee, 0);
      BalanceRef(o.account, quote).held -= cost;
      o.held -= cost;
      if (fee < 0) BalanceRef(o.account, quote).available -= fee;
      BalanceRef(o.account, base).available += base_amount;
    } else {
      BalanceRef(o.account, base).held -= base_amount;
      o.held -= base_amount;
      BalanceRef(o.account, quote).available += n - fee;
    }
    o.filled += lots;
    o.cum_notional += n;
    o.cum_fee += fee;
  };
  settle(maker, maker_fee);
  settle(taker, taker_fee);
  BalanceRef(config_.fee_account.value(), quote).available += taker_fee + maker_fee;
  b.last = price;
  b.high = std::max(b.high, price);
  b.low = std::min(b.low, price);
  const uint64_t match_id = next_match_id_++;

  const bool maker_filled = maker.Remaining() == 0;
  if (maker_filled) {
    Unrest(maker);
    SetHold(maker, 0);
  } else {
    SetHold(maker, Requirement(maker));
  }
  if (!IsMarketLike(taker.type) && taker.Remaining() > 0) SetHold(taker, Requirement(taker));

  out.push_back(TradeEvent{match_id, InstrumentId{taker.instrument}, taker.side, OrderId{maker.id}, OrderId{taker.id},
                           AccountId{maker.account}, AccountId{taker.account}, PriceTicks{I64(price)},
                           QtyLots{I64(lots)}, Amount{I64(n)}, Amount{I64(maker_fee)}, Amount{I64(taker_fee)}});
  EmitBalance(maker.account, base, out);
  EmitBalance(maker.account, quote, out);
  EmitBalance(taker.account, base, out);
  EmitBalance(taker.account, quote, out);
  if (taker_fee + maker_fee != 0) EmitBalance(config_.fee_account.value(), quote, out);
  EmitOrderUpdate(maker, maker_filled ? OrderStatus::kFilled : OrderStatus::kActive, out);
  if (maker_filled) {
    const uint64_t maker_id = maker.id;
    orders_.erase(maker_id);
  }
}

void ReferenceModel::Execute(uint64_t order_id, Out& out) {
  Order& t = orders_.at(order_id);
  Book& b = books_.at(t.instrument);
  const bool buy = t.side == Side::kBuy;
  const bool market_like = IsMarketLike(t.type);
  const Band band = BandOf(b);  // A5: fixed for this execution
  bool has_limit = true;
  i128 limit = t.price;
  if (market_like) {
    const bool walked = buy && t.type == OrderType::kMarket && !t.ByNotional();
    if (walked && t.walk_cap != 0) {
      limit = t.walk_cap;
    } else if (buy && !t.ByNotional() && !walked) {
      limit = band.active ? std::min(t.protection, band.hi) : t.protection;
    } else {
      has_limit = band.active;
      limit = buy ? band.hi : band.lo;
    }
  }

  bool traded = false;
  bool budget_spent = false;  // by notional: stopped at a price it cannot afford one lot at (A8)
  for (;;) {
    if (!t.ByNotional() && t.Remaining() <= 0) break;
    const auto best = Best(b, Opposite(t.side));
    if (!best.has_value()) break;
    const i128 price = *best;
    if (has_limit && (buy ? price > limit : price < limit)) break;
    const i128 affordable = t.ByNotional() ? (t.notional - t.cum_notional) / (price * b.tick_value) : 0;
    if (t.ByNotional() && affordable == 0) {
      budget_spent = true;
      break;
    }
    Order& maker = orders_.at((buy ? b.asks.at(price) : b.bids.at(price)).front());
    if (t.stp != StpMode::kNone && InSelfTradeSet(t, maker)) {
      if (t.stp == StpMode::kCancelMaker || t.stp == StpMode::kCancelBoth) {
        EndOrder(maker.id, CancelReason::kSelfTrade, out);
      }
      if (t.stp == StpMode::kCancelTaker || t.stp == StpMode::kCancelBoth) {
        EndOrder(t.id, CancelReason::kSelfTrade, out);
        return;
      }
      continue;
    }
    const i128 lots = std::min(maker.Remaining(), t.ByNotional() ? affordable : t.Remaining());
    TradeOnce(t, maker, price, lots, out);
    traded = true;
  }

  // Taker end.
  // By notional: FILLED when it bought something and its budget went as far as whole lots allow (A8).
  const bool done =
      t.ByNotional() ? t.filled > 0 && (budget_spent || t.cum_notional == t.notional) : t.Remaining() == 0;
  if (done) {
    EmitOrderUpdate(t, OrderStatus::kFilled, out);
    SetHold(t, 0);
    const uint32_t account = t.account;
    const uint16_t asset = HeldAsset(t);
    orders_.erase(order_id);
    EmitBalance(account, asset, out);
  } else if (!market_like && t.tif == TimeInForce::kGoodTillCancel) {
    Rest(t);
    EmitOrderUpdate(t, OrderStatus::kActive, out);
    if (traded) EmitBalance(t.account, HeldAsset(t), out);
  } else {
    EndOrder(order_id, market_like ? CancelReason::kMarketRemainder : CancelReason::kIocRemainder, out);
  }
}

void ReferenceModel::RunTriggers(uint16_t instrument, Out& out) {
  Book& b = books_.at(instrument);
  for (;;) {
    // Any trade of this command meets a stop: one waiting for a rise by the highest price so far, one waiting for
    // a fall by the lowest.
    uint64_t next = 0;
    i128 met_at = 0;
    for (const auto& [id, o] : orders_) {
      if (o.instrument != instrument || !o.waiting) continue;
      const i128 price = WantsRise(o.side, o.type) ? b.high : b.low;
      if (TriggerHolds(o.side, o.type, o.trigger, price)) {
        next = id;
        met_at = price;
        break;  // orders_ is ordered by id: the first match is the lowest id
      }
    }
    if (next == 0) break;
    Order& o = orders_.at(next);
    out.push_back(
        TriggeredEvent{OrderId{o.id}, AccountId{o.account}, InstrumentId{instrument}, PriceTicks{I64(met_at)}});
    o.waiting = false;
    if (b.def.status != InstrumentStatus::kTrading) {
      EndOrder(next, CancelReason::kTriggerFailed, out);
      continue;
    }
    Execute(next, out);
  }
  b.high = 0;
  b.low = kMaxPriceTicks;
}

// ---------------------------------------------------------------------------------------------------------------
// Queries.

OrderView ReferenceModel::View(const Order& o) const {
  OrderView v;
  v.order_id = OrderId{o.id};
  v.account = AccountId{o.account};
  v.instrument = InstrumentId{o.instrument};
  v.side = o.side;
  v.type = o.type;
  v.tif = o.tif;
  v.status = o.waiting ? OrderStatus::kNew : OrderStatus::kActive;
  v.flags = o.flags;
  v.price = PriceTicks{I64(o.price)};
  v.trigger_price = PriceTicks{I64(o.trigger)};
  v.qty = QtyLots{I64(o.qty)};
  v.filled = QtyLots{I64(o.filled)};
  v.notional = Amount{I64(o.notional)};
  v.held = Amount{I64(o.held)};
  v.cum_notional = Amount{I64(o.cum_notional)};
  v.cum_fee = Amount{I64(o.cum_fee)};
  v.client_oid = o.client_oid;
  v.created_seq = o.seq;
  v.created_time = o.time;
  return v;
}

BookDepth ReferenceModel::Depth(InstrumentId instrument, size_t levels) const {
  BookDepth d;
  auto it = books_.find(instrument.value());
  if (it == books_.end()) return d;
  auto level_of = [&](i128 price, const std::list<uint64_t>& ids) {
    DepthLevel l;
    l.price = PriceTicks{I64(price)};
    i128 qty = 0;
    for (uint64_t id : ids) qty += orders_.at(id).Remaining();
    l.qty = QtyLots{I64(qty)};
    l.orders = static_cast<uint32_t>(ids.size());
    return l;
  };
  for (auto b = it->second.bids.rbegin(); b != it->second.bids.rend() && d.bids.size() < levels; ++b) {
    d.bids.push_back(level_of(b->first, b->second));
  }
  for (auto a = it->second.asks.begin(); a != it->second.asks.end() && d.asks.size() < levels; ++a) {
    d.asks.push_back(level_of(a->first, a->second));
  }
  return d;
}

std::vector<OrderView> ReferenceModel::BookOrders(InstrumentId instrument, Side side) const {
  std::vector<OrderView> v;
  auto it = books_.find(instrument.value());
  if (it == books_.end()) return v;
  if (side == Side::kBuy) {
    for (auto b = it->second.bids.rbegin(); b != it->second.bids.rend(); ++b) {
      for (uint64_t id : b->second) v.push_back(View(orders_.at(id)));
    }
  } else {
    for (const auto& [price, ids] : it->second.asks) {
      for (uint64_t id : ids) v.push_back(View(orders_.at(id)));
    }
  }
  return v;
}

std::optional<PriceTicks> ReferenceModel::BestBid(InstrumentId instrument) const {
  auto it = books_.find(instrument.value());
  if (it == books_.end()) return std::nullopt;
  const auto p = Best(it->second, Side::kBuy);
  if (!p.has_value()) return std::nullopt;
  return PriceTicks{I64(*p)};
}

std::optional<PriceTicks> ReferenceModel::BestAsk(InstrumentId instrument) const {
  auto it = books_.find(instrument.value());
  if (it == books_.end()) return std::nullopt;
  const auto p = Best(it->second, Side::kSell);
  if (!p.has_value()) return std::nullopt;
  return PriceTicks{I64(*p)};
}

std::vector<OrderView> ReferenceModel::OpenOrders(AccountId account) const {
  std::vector<OrderView> v;
  for (const auto& [id, o] : orders_) {
    if (o.account == account.value()) v.push_back(View(o));
  }
  return v;
}

std::optional<OrderView> ReferenceModel::FindOrder(AccountId account, OrderId order_id) const {
  auto it = orders_.find(order_id.value());
  if (it == orders_.end() || it->second.account != account.value()) return std::nullopt;
  return View(it->second);
}

BalanceView ReferenceModel::Balance(AccountId account, AssetId asset) const {
  auto a = accounts_.find(account.value());
  if (a == accounts_.end()) return {};
  auto b = a->second.balances.find(asset.value());
  if (b == a->second.balances.end()) return {};
  return BalanceView{Amount{I64(b->second.available)}, Amount{I64(b->second.held)}};
}

bool ReferenceModel::AccountExists(AccountId account) const { return accounts_.count(account.value()) != 0; }

std::optional<InstrumentView> ReferenceModel::Instrument(InstrumentId instrument) const {
  auto it = books_.find(instrument.value());
  if (it == books_.end()) return std::nullopt;
  return InstrumentView{it->second.def, PriceTicks{I64(it->second.last)}, Amount{I64(it->second.tick_value)}};
}

Amount ReferenceModel::NetDeposits(AssetId asset) const {
  auto it = net_deposits_.find(asset.value());
  return Amount{it == net_deposits_.end() ? 0 : I64(it->second)};
}

std::vector<AccountId> ReferenceModel::Accounts() const {
  std::vector<AccountId> v;
  for (const auto& [id, a] : accounts_) v.push_back(AccountId{id});
  return v;
}

std::vector<AssetId> ReferenceModel::Assets() const {
  std::vector<AssetId> v;
  for (const auto& [id, a] : assets_) v.push_back(AssetId{id});
  return v;
}

std::vector<InstrumentId> ReferenceModel::Instruments() const {
  std::vector<InstrumentId> v;
  for (const auto& [id, b] : books_) v.push_back(InstrumentId{id});
  return v;
}

}  // namespace sequex::test

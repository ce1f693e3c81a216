#include "straightforward_engine.h"

#include <algorithm>
#include <iterator>
#include <variant>

namespace sequex::bench {
namespace {

using Wide = __int128;
constexpr uint32_t kFeeAccount = 0;

// p * q * tick_value, or -1 when it reaches kMaxAmount.
int64_t NotionalOf(int64_t price, int64_t lots, int64_t tick_value) {
  const Wide lots_at_price = static_cast<Wide>(price) * lots;  // both below 2^48
  if (lots_at_price >= kMaxAmount) return -1;
  const Wide n = lots_at_price * tick_value;
  return n >= kMaxAmount ? -1 : static_cast<int64_t>(n);
}
int64_t FeeOf(int64_t notional, int32_t ppm) {
  return static_cast<int64_t>(static_cast<Wide>(notional) * (ppm < 0 ? -Wide{ppm} : Wide{ppm}) / 1000000);
}
// Notional plus the worst-case fee (the higher of the two rates, at least 0), or -1 when it cannot be represented.
int64_t WithWorstFee(int64_t notional, int32_t maker_ppm, int32_t taker_ppm) {
  if (notional < 0) return -1;
  const Wide total = Wide{notional} + FeeOf(notional, std::max({maker_ppm, taker_ppm, 0}));
  return total >= kMaxAmount ? -1 : static_cast<int64_t>(total);
}

}  // namespace

std::span<const Event> StraightforwardEngine::Apply(const Command& command) {
  events_.clear();
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, PlaceOrder>) {
          Place(c);
        } else if constexpr (std::is_same_v<T, CancelOrder>) {
          Cancel(c);
        } else if constexpr (std::is_same_v<T, AmendOrder>) {
          Amend(c);
        } else if constexpr (std::is_same_v<T, sequex::CancelAll>) {
          CancelAllOf(c);
        } else if constexpr (std::is_same_v<T, Deposit>) {
          OnDeposit(c);
        } else if constexpr (std::is_same_v<T, DefineAsset>) {
          if (asset_decimals_.contains(c.asset.value()) || c.decimals > 18) {
            return Reject(RejectReason::kInvalidCurrency, AccountId{0});
          }
          asset_decimals_[c.asset.value()] = c.decimals;
          events_.emplace_back(DoneEvent{});
        } else if constexpr (std::is_same_v<T, DefineInstrument>) {
          // New instruments only, trading, without band, reference price or minimum notional.
          if (books_.contains(c.instrument.value()) || c.price_band_bps != 0 || c.reference_price.value() != 0 ||
              c.min_notional.value() != 0 || c.status != InstrumentStatus::kTrading) {
            return Reject(RejectReason::kBadRequest, AccountId{0});
          }
          const auto base = asset_decimals_.find(c.base.value());
          if (base == asset_decimals_.end() || !asset_decimals_.contains(c.quote.value()) || c.base == c.quote) {
            return Reject(RejectReason::kInvalidCurrency, AccountId{0});
          }
          Wide scale = 1;
          for (int i = 0; i < base->second; ++i) scale *= 10;
          const Wide product = Wide{c.tick_size.value()} * c.lot_size.value();
          if (c.tick_size.value() <= 0 || c.lot_size.value() <= 0 || product % scale != 0 || product / scale <= 0 ||
              product / scale >= kMaxAmount || c.min_qty.value() < 1 || c.min_qty.value() >= kMaxQtyLots) {
            return Reject(RejectReason::kInvalidInstrument, AccountId{0});
          }
          Book& book = books_[c.instrument.value()];
          book.def = c;
          book.tick_value = static_cast<int64_t>(product / scale);
          events_.emplace_back(DoneEvent{});
        } else if constexpr (std::is_same_v<T, SetFeeTier>) {
          if (c.tier > 15 || c.taker_ppm < 0 || c.taker_ppm > 100000 || c.maker_ppm < -100000 || c.maker_ppm > 100000) {
            return Reject(RejectReason::kInvalidArgument, AccountId{0});
          }
          fee_tiers_[c.tier] = {c.maker_ppm, c.taker_ppm};
          events_.emplace_back(DoneEvent{});
        } else if constexpr (std::is_same_v<T, SetAccountFeeTier>) {
          const auto it = accounts_.find(c.account.value());
          if (it == accounts_.end() && c.account.value() != kFeeAccount) {
            return Reject(RejectReason::kInvalidAccount, c.account);
          }
          if (c.tier > 15) return Reject(RejectReason::kInvalidArgument, c.account);
          accounts_[c.account.value()].fee_tier = c.tier;
          events_.emplace_back(DoneEvent{});
        } else {
          Reject(RejectReason::kBadRequest, AccountId{0});
        }
      },
      command.body);
  return events_;
}

std::optional<std::pair<int64_t, int64_t>> StraightforwardEngine::Balance(AccountId account, AssetId asset) const {
  const auto a = accounts_.find(account.value());
  if (a == accounts_.end()) return std::nullopt;
  const auto b = a->second.balances.find(asset.value());
  if (b == a->second.balances.end()) return std::nullopt;
  return std::pair{b->second.available, b->second.held};
}

void StraightforwardEngine::OnDeposit(const Deposit& c) {
  if (!asset_decimals_.contains(c.asset.value())) return Reject(RejectReason::kInvalidCurrency, c.account);
  if (c.amount.value() <= 0) return Reject(RejectReason::kInvalidArgument, c.account);
  const auto a = accounts_.find(c.account.value());
  if (a != accounts_.end()) {
    const auto b = a->second.balances.find(c.asset.value());
    if (b != a->second.balances.end() && Wide{b->second.available} + b->second.held + c.amount.value() >= kMaxAmount) {
      return Reject(RejectReason::kExceedsMaxBalance, c.account);
    }
  }
  int64_t& net = net_deposits_[c.asset.value()];
  if (Wide{net} + c.amount.value() >= kMaxAmount) return Reject(RejectReason::kExceedsMaxBalance, c.account);
  net += c.amount.value();
  BalanceOf(c.account.value(), c.asset.value()).available += c.amount.value();
  EmitBalance(c.account.value(), c.asset.value());
  events_.emplace_back(DoneEvent{});
}

void StraightforwardEngine::Place(const PlaceOrder& c) {
  const auto reject = [&](RejectReason r) { Reject(r, c.account); };
  const auto account_it = accounts_.find(c.account.value());
  if (account_it == accounts_.end() || c.account.value() == kFeeAccount) return reject(RejectReason::kInvalidAccount);
  const auto book_it = books_.find(c.instrument.value());
  if (book_it == books_.end()) return reject(RejectReason::kInvalidInstrument);
  Book& book = book_it->second;
  Account& account = account_it->second;
  if (static_cast<uint8_t>(c.side) > 1) return reject(RejectReason::kInvalidSide);
  if (static_cast<uint8_t>(c.type) > static_cast<uint8_t>(OrderType::kTakeProfitLimit)) {
    return reject(RejectReason::kInvalidOrderType);
  }
  if (static_cast<uint8_t>(c.tif) > static_cast<uint8_t>(TimeInForce::kFillOrKill)) {
    return reject(RejectReason::kInvalidTif);
  }
  if (static_cast<uint8_t>(c.stp_mode) > static_cast<uint8_t>(StpMode::kCancelBoth)) {
    return reject(RejectReason::kInvalidArgument);
  }
  if ((c.flags & ~kOrderFlagPostOnly) != 0) return reject(RejectReason::kInvalidExecInst);
  if (IsStop(c.type) || c.stp_mode != StpMode::kNone || c.notional.value() != 0) {
    return reject(RejectReason::kBadRequest);  // beyond what a workload file can say
  }
  const bool limit = c.type == OrderType::kLimit;
  const bool post_only = (c.flags & kOrderFlagPostOnly) != 0;
  if (post_only && !limit) return reject(RejectReason::kInvalidExecInst);
  if (post_only && c.tif != TimeInForce::kGoodTillCancel) return reject(RejectReason::kPostOnlyWouldCross);
  if (c.qty.value() <= 0 || c.qty.value() >= kMaxQtyLots) return reject(RejectReason::kInvalidOrderQty);
  if (c.qty < book.def.min_qty) return reject(RejectReason::kBelowMinQuantity);
  if (limit ? (c.price.value() <= 0 || c.price.value() >= kMaxPriceTicks) : c.price.value() != 0) {
    return reject(RejectReason::kInvalidPrice);
  }
  if (c.trigger_price.value() != 0) return reject(RejectReason::kInvalidRefPrice);
  const int64_t notional = limit ? NotionalOf(c.price.value(), c.qty.value(), book.tick_value) : 0;
  if (notional < 0) return reject(RejectReason::kExceedsMaxOrderSize);
  if (c.side == Side::kSell && Wide{c.qty.value()} * book.def.lot_size.value() >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  const std::string oid(c.client_oid.view());
  if (!oid.empty() && by_client_oid_.contains(OidKey(c.account.value(), oid))) {
    return reject(RejectReason::kDuplicateClientOid);
  }
  const bool buy = c.side == Side::kBuy;
  auto& opposite = buy ? book.asks : book.bids;
  if (post_only && !opposite.empty() &&
      (buy ? c.price.value() >= opposite.begin()->first : c.price.value() <= opposite.rbegin()->first)) {
    return reject(RejectReason::kPostOnlyWouldCross);
  }
  // Walks the opposite side best first over the acceptable prices (all of them for a market order).
  const auto walk = [&](auto&& visit) {
    const auto acceptable = [&](int64_t p) { return !limit || (buy ? p <= c.price.value() : p >= c.price.value()); };
    if (buy) {
      for (auto it = opposite.begin(); it != opposite.end() && acceptable(it->first); ++it) {
        if (!visit(it->first, it->second)) return;
      }
    } else {
      for (auto it = opposite.rbegin(); it != opposite.rend() && acceptable(it->first); ++it) {
        if (!visit(it->first, it->second)) return;
      }
    }
  };
  if (c.tif == TimeInForce::kFillOrKill) {
    int64_t need = c.qty.value();
    walk([&](int64_t, const Level& level) {
      need -= level.total;
      return need > 0;
    });
    if (need > 0) return reject(RejectReason::kFillOrKill);
  }
  const auto [maker_ppm, taker_ppm] = fee_tiers_[account.fee_tier];
  int64_t hold = 0;
  int64_t cap = c.price.value();
  if (!buy) {
    hold = c.qty.value() * book.def.lot_size.value();
  } else if (limit) {
    hold = WithWorstFee(notional, maker_ppm, taker_ppm);
  } else {
    // A market buy holds what covering its quantity from the asks would cost; it never trades above that price.
    int64_t walked = 0;
    walk([&](int64_t price, const Level& level) {
      walked += std::min(level.total, c.qty.value() - walked);
      cap = price;
      return walked < c.qty.value();
    });
    hold = walked == 0 ? 0 : WithWorstFee(NotionalOf(cap, walked, book.tick_value), maker_ppm, taker_ppm);
  }
  const uint16_t held_asset = (buy ? book.def.quote : book.def.base).value();
  const auto existing = account.balances.find(held_asset);
  if (hold < 0 || hold > (existing != account.balances.end() ? existing->second.available : 0)) {
    return reject(RejectReason::kInsufficientBalance);
  }
  Funds& funds = account.balances[held_asset];
  const uint64_t id = next_order_id_++;
  Order& o = orders_[id];
  o = Order{.id = id,
            .account = c.account.value(),
            .instrument = c.instrument.value(),
            .side = c.side,
            .type = c.type,
            .tif = c.tif,
            .post_only = post_only,
            .price = cap,
            .qty = c.qty.value(),
            .held = hold,
            .maker_ppm = maker_ppm,
            .taker_ppm = taker_ppm,
            .client_oid = oid};
  if (!oid.empty()) by_client_oid_[OidKey(o.account, oid)] = id;
  account.open_orders.insert(id);
  funds.available -= hold;
  funds.held += hold;
  events_.emplace_back(AcceptedEvent{OrderId{id}, c.account, c.instrument, c.side, c.type, c.price, c.qty});
  EmitBalance(o.account, held_asset);
  Match(o, limit ? o.price : (buy ? (o.price != 0 ? o.price : INT64_MAX) : 0));
  events_.emplace_back(DoneEvent{});
}

void StraightforwardEngine::Match(Order& taker, int64_t limit) {
  Book& book = books_[taker.instrument];
  const bool buy = taker.side == Side::kBuy;
  auto& opposite = buy ? book.asks : book.bids;
  bool traded = false;
  while (taker.qty > taker.filled && !opposite.empty()) {
    const auto level_it = buy ? opposite.begin() : std::prev(opposite.end());
    const int64_t price = level_it->first;
    if (buy ? price > limit : price < limit) break;
    Level& level = level_it->second;
    while (!level.queue.empty() && taker.qty > taker.filled) {
      Order& maker = orders_.at(level.queue.front());
      const int64_t lots = std::min(taker.qty - taker.filled, maker.qty - maker.filled);
      level.total -= lots;
      Settle(taker, maker, price, lots);
      traded = true;
      if (maker.filled == maker.qty) {
        level.queue.pop_front();
        maker.resting = false;
        Close(maker, CancelReason::kUserRequest, OrderStatus::kFilled);
      }
    }
    if (level.queue.empty()) opposite.erase(level_it);
  }
  const uint16_t held_asset = HeldAsset(taker);
  if (taker.filled == taker.qty) return Close(taker, CancelReason::kUserRequest, OrderStatus::kFilled);
  if (taker.type == OrderType::kLimit && taker.tif == TimeInForce::kGoodTillCancel) {
    Rest(taker);
    EmitUpdate(taker, OrderStatus::kActive);
    if (traded) EmitBalance(taker.account, held_asset);
    return;
  }
  Close(taker, taker.type == OrderType::kMarket ? CancelReason::kMarketRemainder : CancelReason::kIocRemainder,
        OrderStatus::kExpired);
}

void StraightforwardEngine::Settle(Order& taker, Order& maker, int64_t price, int64_t lots) {
  const Book& book = books_[taker.instrument];
  const uint16_t base = book.def.base.value();
  const uint16_t quote = book.def.quote.value();
  const int64_t notional = price * lots * book.tick_value;
  const int64_t base_amount = lots * book.def.lot_size.value();
  const int64_t taker_fee = FeeOf(notional, taker.taker_ppm);
  const int64_t maker_fee =
      maker.maker_ppm >= 0 ? FeeOf(notional, maker.maker_ppm) : -std::min(FeeOf(notional, maker.maker_ppm), taker_fee);
  const bool buy = taker.side == Side::kBuy;
  Order& buyer = buy ? taker : maker;
  Order& seller = buy ? maker : taker;
  const int64_t buyer_fee = buy ? taker_fee : maker_fee;
  const int64_t seller_fee = buy ? maker_fee : taker_fee;

  const int64_t buyer_cost = notional + std::max<int64_t>(buyer_fee, 0);
  Funds& buyer_quote = BalanceOf(buyer.account, quote);
  buyer_quote.held -= buyer_cost;
  buyer_quote.available += std::max<int64_t>(-buyer_fee, 0);
  buyer.held -= buyer_cost;
  BalanceOf(buyer.account, base).available += base_amount;
  BalanceOf(seller.account, base).held -= base_amount;
  seller.held -= base_amount;
  BalanceOf(seller.account, quote).available += notional - seller_fee;
  BalanceOf(kFeeAccount, quote).available += taker_fee + maker_fee;
  for (Order* o : {&taker, &maker}) {
    o->filled += lots;
    o->cum_notional += notional;
  }
  taker.cum_fee += taker_fee;
  maker.cum_fee += maker_fee;
  // A limit buy that stays open keeps exactly what its remainder requires.
  if (buyer.type == OrderType::kLimit && buyer.filled < buyer.qty) {
    const int64_t excess = buyer.held - Requirement(buyer);
    buyer.held -= excess;
    Funds& b = BalanceOf(buyer.account, quote);
    b.held -= excess;
    b.available += excess;
  }
  events_.emplace_back(TradeEvent{next_match_id_++, InstrumentId{taker.instrument}, taker.side, OrderId{maker.id},
                                  OrderId{taker.id}, AccountId{maker.account}, AccountId{taker.account},
                                  PriceTicks{price}, QtyLots{lots}, Amount{notional}, Amount{maker_fee},
                                  Amount{taker_fee}});
  EmitBalance(maker.account, base);
  EmitBalance(maker.account, quote);
  EmitBalance(taker.account, base);
  EmitBalance(taker.account, quote);
  if (taker_fee + maker_fee != 0) EmitBalance(kFeeAccount, quote);
  if (maker.filled < maker.qty) EmitUpdate(maker, OrderStatus::kActive);
}

void StraightforwardEngine::Rest(Order& o) {
  Book& book = books_[o.instrument];
  Level& level = (o.side == Side::kBuy ? book.bids : book.asks)[o.price];
  level.queue.push_back(o.id);
  level.total += o.qty - o.filled;
  o.queue_position = std::prev(level.queue.end());
  o.resting = true;
}

void StraightforwardEngine::Unrest(Order& o) {
  if (!o.resting) return;
  Book& book = books_[o.instrument];
  auto& side = o.side == Side::kBuy ? book.bids : book.asks;
  const auto level = side.find(o.price);
  level->second.queue.erase(o.queue_position);
  level->second.total -= o.qty - o.filled;
  if (level->second.queue.empty()) side.erase(level);
  o.resting = false;
}

void StraightforwardEngine::Close(Order& o, CancelReason why, OrderStatus status) {
  Unrest(o);
  const uint16_t asset = HeldAsset(o);
  Funds& b = BalanceOf(o.account, asset);
  b.held -= o.held;
  b.available += o.held;
  o.held = 0;
  if (status != OrderStatus::kFilled) {
    events_.emplace_back(CancelledEvent{OrderId{o.id}, AccountId{o.account}, InstrumentId{o.instrument}, why,
                                        QtyLots{o.qty - o.filled}});
  }
  EmitUpdate(o, status);
  EmitBalance(o.account, asset);
  if (!o.client_oid.empty()) by_client_oid_.erase(OidKey(o.account, o.client_oid));
  const uint64_t id = o.id;  // o is destroyed by the erase
  accounts_[o.account].open_orders.erase(id);
  orders_.erase(id);
}

int64_t StraightforwardEngine::Requirement(const Order& o) const {
  const Book& book = books_.at(o.instrument);
  const int64_t remaining = o.qty - o.filled;
  if (o.side == Side::kSell) return remaining * book.def.lot_size.value();
  return WithWorstFee(NotionalOf(o.price, remaining, book.tick_value), o.maker_ppm, o.taker_ppm);
}

StraightforwardEngine::Order* StraightforwardEngine::Find(uint32_t account, OrderId id, const ClientOid& oid) {
  uint64_t key = id.value();
  if (key == 0) {
    if (oid.empty()) return nullptr;
    const auto it = by_client_oid_.find(OidKey(account, std::string(oid.view())));
    if (it == by_client_oid_.end()) return nullptr;
    key = it->second;
  }
  const auto it = orders_.find(key);
  return it == orders_.end() || it->second.account != account ? nullptr : &it->second;
}

uint16_t StraightforwardEngine::HeldAsset(const Order& o) const {
  const Book& book = books_.at(o.instrument);
  return (o.side == Side::kBuy ? book.def.quote : book.def.base).value();
}

void StraightforwardEngine::Cancel(const CancelOrder& c) {
  Order* o = Find(c.account.value(), c.order_id, c.client_oid);
  if (o == nullptr) return Reject(RejectReason::kOrderNotFound, c.account, c.order_id);
  Close(*o, CancelReason::kUserRequest, OrderStatus::kCanceled);
  events_.emplace_back(DoneEvent{});
}

void StraightforwardEngine::CancelAllOf(const sequex::CancelAll& c) {
  const auto account = accounts_.find(c.account.value());
  if (account == accounts_.end()) return Reject(RejectReason::kInvalidAccount, c.account);
  if (c.instrument != kAllInstruments && !books_.contains(c.instrument.value())) {
    return Reject(RejectReason::kInvalidInstrument, c.account);
  }
  std::vector<uint64_t> ids;  // ascending, as the set keeps them
  for (const uint64_t id : account->second.open_orders) {
    if (c.instrument == kAllInstruments || orders_.at(id).instrument == c.instrument.value()) ids.push_back(id);
  }
  for (const uint64_t id : ids) Close(orders_.at(id), CancelReason::kCancelAll, OrderStatus::kCanceled);
  events_.emplace_back(DoneEvent{});
}

void StraightforwardEngine::Amend(const AmendOrder& c) {
  Order* found = Find(c.account.value(), c.order_id, c.orig_client_oid);
  if (found == nullptr) return Reject(RejectReason::kOrderNotFound, c.account, c.order_id);
  Order& o = *found;
  const auto reject = [&](RejectReason r) { Reject(r, c.account, OrderId{o.id}); };
  if (!c.new_client_oid.empty()) return reject(RejectReason::kBadRequest);  // beyond what a workload file can say
  Book& book = books_[o.instrument];
  const bool price_changes = c.new_price.value() != 0 && c.new_price.value() != o.price;
  const bool qty_changes = c.new_qty.value() != 0 && c.new_qty.value() != o.qty;
  if (!price_changes && !qty_changes) return reject(RejectReason::kInvalidArgument);
  const int64_t new_price = price_changes ? c.new_price.value() : o.price;
  const int64_t new_qty = qty_changes ? c.new_qty.value() : o.qty;
  const bool keeps_priority = !price_changes && new_qty <= o.qty;
  if (price_changes && (o.type != OrderType::kLimit || new_price <= 0 || new_price >= kMaxPriceTicks)) {
    return reject(RejectReason::kInvalidPrice);
  }
  if (qty_changes) {
    if (new_qty <= o.filled || new_qty >= kMaxQtyLots) return reject(RejectReason::kInvalidOrderQty);
    if (new_qty < book.def.min_qty.value()) return reject(RejectReason::kBelowMinQuantity);
  }
  if (NotionalOf(new_price, new_qty, book.tick_value) < 0) return reject(RejectReason::kExceedsMaxOrderSize);
  if (NotionalOf(new_price, new_qty - o.filled, book.tick_value) >= kMaxAmount - o.cum_notional) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (o.side == Side::kSell && Wide{new_qty} * book.def.lot_size.value() >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  const bool buy = o.side == Side::kBuy;
  const auto& opposite = buy ? book.asks : book.bids;
  if (!keeps_priority && o.post_only && !opposite.empty() &&
      (buy ? new_price >= opposite.begin()->first : new_price <= opposite.rbegin()->first)) {
    return reject(RejectReason::kPostOnlyWouldCross);
  }
  Order probe = o;
  probe.price = new_price;
  probe.qty = new_qty;
  const int64_t required = Requirement(probe);
  const uint16_t asset = HeldAsset(o);
  Funds& funds = BalanceOf(o.account, asset);
  const int64_t delta = required - o.held;
  if (required < 0 || delta > funds.available) return reject(RejectReason::kInsufficientBalance);
  funds.available -= delta;
  funds.held += delta;
  o.held = required;
  if (keeps_priority) {
    (buy ? book.bids : book.asks)[o.price].total -= o.qty - new_qty;
    o.qty = new_qty;
    events_.emplace_back(
        AmendedEvent{OrderId{o.id}, c.account, InstrumentId{o.instrument}, PriceTicks{o.price}, QtyLots{o.qty}, true});
    EmitBalance(o.account, asset);
    EmitUpdate(o, OrderStatus::kActive);
    events_.emplace_back(DoneEvent{});
    return;
  }
  Unrest(o);
  o.price = new_price;
  o.qty = new_qty;
  events_.emplace_back(
      AmendedEvent{OrderId{o.id}, c.account, InstrumentId{o.instrument}, PriceTicks{o.price}, QtyLots{o.qty}, false});
  EmitBalance(o.account, asset);
  Match(o, o.price);
  events_.emplace_back(DoneEvent{});
}

void StraightforwardEngine::EmitBalance(uint32_t account, uint16_t asset) {
  const Funds& b = BalanceOf(account, asset);
  events_.emplace_back(BalanceEvent{AccountId{account}, AssetId{asset}, Amount{b.available}, Amount{b.held}});
}

void StraightforwardEngine::EmitUpdate(const Order& o, OrderStatus status) {
  const bool open = status == OrderStatus::kActive || status == OrderStatus::kNew;
  events_.emplace_back(OrderUpdateEvent{OrderId{o.id}, AccountId{o.account}, InstrumentId{o.instrument}, status,
                                        PriceTicks{o.type == OrderType::kLimit ? o.price : 0}, QtyLots{o.filled},
                                        QtyLots{open ? o.qty - o.filled : 0}, Amount{o.cum_notional},
                                        Amount{o.cum_fee}});
}

}  // namespace sequex::bench

// The commands of docs/engine.md, each validated in the order the doc lists and applied plainly.
// Order life cycle (matching, stops, cancels) is in reference_model_orders.cc.
#include "tests/reference_model.h"

#include <algorithm>
#include <cstring>
#include <variant>

#include "tests/reference_model_math.h"

namespace sequex::test {

using i128 = __int128;

namespace {

bool ValidAssetCode(const char (&code)[16]) {
  const size_t len = strnlen(code, sizeof code);
  if (len < 1 || len > 15) return false;
  for (size_t i = 0; i < len; ++i) {
    const char ch = code[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return false;
  }
  return true;
}

std::string SymbolOf(const DefineInstrument& d) { return std::string(d.symbol, strnlen(d.symbol, sizeof d.symbol)); }

bool ValidSymbol(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s) {
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) return false;
  }
  return true;
}

bool ValidMutableFields(const DefineInstrument& d) {
  return d.min_qty.value() >= 1 && d.min_notional.value() >= 0 && d.price_band_bps <= 10000 &&
         d.reference_price.value() >= 0 && d.reference_price.value() < kMaxPriceTicks &&
         static_cast<uint8_t>(d.status) <= 3;
}

}  // namespace

ReferenceModel::ReferenceModel(const EngineConfig& config) : config_(config) {
  accounts_[config_.fee_account.value()] = Account{};  // A1
}

std::vector<Event> ReferenceModel::Apply(const Command& command) {
  Out out;
  seq_ = command.seq;
  time_ = command.time;
  std::visit([&](const auto& body) { Do(body, out); }, command.body);
  return out;
}

void ReferenceModel::Reject(Out& out, RejectReason r, uint32_t account, uint64_t order_id) {
  out.push_back(RejectedEvent{r, AccountId{account}, OrderId{order_id}});
}

// ---------------------------------------------------------------------------------------------------------------
// Reference data.

void ReferenceModel::Do(const DefineAsset& c, Out& out) {
  if (assets_.count(c.asset.value()) != 0 || c.decimals > 18 || !ValidAssetCode(c.code)) {
    return Reject(out, RejectReason::kInvalidCurrency, 0);
  }
  assets_[c.asset.value()] = AssetDef{c.decimals, std::string(c.code, strnlen(c.code, sizeof c.code))};
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const DefineInstrument& c, Out& out) {
  const uint16_t id = c.instrument.value();
  auto it = books_.find(id);
  if (it == books_.end()) {
    if (c.instrument == kAllInstruments) return Reject(out, RejectReason::kInvalidInstrument, 0);
    if (assets_.count(c.base.value()) == 0 || assets_.count(c.quote.value()) == 0 || c.base == c.quote) {
      return Reject(out, RejectReason::kInvalidCurrency, 0);
    }
    if (c.tick_size.value() <= 0 || c.lot_size.value() <= 0) return Reject(out, RejectReason::kInvalidInstrument, 0);
    const i128 product = i128{c.tick_size.value()} * c.lot_size.value();
    const i128 scale = Pow10(assets_[c.base.value()].decimals);
    if (product % scale != 0) return Reject(out, RejectReason::kInvalidInstrument, 0);
    const i128 tv = product / scale;
    if (tv <= 0 || tv >= kMaxAmount) return Reject(out, RejectReason::kInvalidInstrument, 0);
    if (!ValidMutableFields(c)) return Reject(out, RejectReason::kInvalidInstrument, 0);
    const std::string symbol = SymbolOf(c);
    if (!ValidSymbol(symbol)) return Reject(out, RejectReason::kInvalidInstrument, 0);
    for (const auto& [other_id, book] : books_) {
      if (SymbolOf(book.def) == symbol) return Reject(out, RejectReason::kInvalidInstrument, 0);
    }
    Book& book = books_[id];
    book.def = c;
    book.tick_value = tv;
    out.push_back(DoneEvent{});
    return;
  }
  Book& book = it->second;
  if (SymbolOf(book.def) != SymbolOf(c) || book.def.base != c.base || book.def.quote != c.quote ||
      book.def.tick_size != c.tick_size || book.def.lot_size != c.lot_size) {
    return Reject(out, RejectReason::kInvalidArgument, 0);
  }
  if (!ValidMutableFields(c)) return Reject(out, RejectReason::kInvalidInstrument, 0);
  const InstrumentStatus old_status = book.def.status;
  book.def.min_qty = c.min_qty;
  book.def.min_notional = c.min_notional;
  book.def.price_band_bps = c.price_band_bps;
  book.def.reference_price = c.reference_price;
  book.def.status = c.status;
  if (c.status == InstrumentStatus::kHalted && old_status != InstrumentStatus::kHalted) HaltBook(id, out);
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const SetInstrumentStatus& c, Out& out) {
  auto it = books_.find(c.instrument.value());
  if (it == books_.end()) return Reject(out, RejectReason::kInvalidInstrument, 0);
  if (static_cast<uint8_t>(c.status) > 3) return Reject(out, RejectReason::kInvalidArgument, 0);
  const InstrumentStatus old_status = it->second.def.status;
  it->second.def.status = c.status;
  if (c.status == InstrumentStatus::kHalted && old_status != InstrumentStatus::kHalted) {
    HaltBook(c.instrument.value(), out);
  }
  out.push_back(DoneEvent{});
}

// ---------------------------------------------------------------------------------------------------------------
// Wallet and fees.

void ReferenceModel::Do(const Deposit& c, Out& out) {
  const uint32_t acct = c.account.value();
  const uint16_t asset = c.asset.value();
  if (acct >= config_.max_accounts) return Reject(out, RejectReason::kInvalidAccount, acct);
  if (assets_.count(asset) == 0) return Reject(out, RejectReason::kInvalidCurrency, acct);
  if (c.amount.value() <= 0) return Reject(out, RejectReason::kInvalidArgument, acct);
  i128 balance = 0;
  if (auto a = accounts_.find(acct); a != accounts_.end()) {
    if (auto b = a->second.balances.find(asset); b != a->second.balances.end()) {
      balance = b->second.available + b->second.held;
    }
  }
  if (balance + c.amount.value() >= kMaxAmount || net_deposits_[asset] + c.amount.value() >= kMaxAmount) {
    return Reject(out, RejectReason::kExceedsMaxBalance, acct);
  }
  BalanceRef(acct, asset).available += c.amount.value();
  net_deposits_[asset] += c.amount.value();
  EmitBalance(acct, asset, out);
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const Withdraw& c, Out& out) {
  const uint32_t acct = c.account.value();
  const uint16_t asset = c.asset.value();
  if (accounts_.count(acct) == 0) return Reject(out, RejectReason::kInvalidAccount, acct);
  if (assets_.count(asset) == 0) return Reject(out, RejectReason::kInvalidCurrency, acct);
  if (c.amount.value() <= 0) return Reject(out, RejectReason::kInvalidArgument, acct);
  if (c.amount.value() > Balance(c.account, c.asset).available.value()) {
    return Reject(out, RejectReason::kInsufficientBalance, acct);
  }
  BalanceRef(acct, asset).available -= c.amount.value();
  net_deposits_[asset] -= c.amount.value();
  EmitBalance(acct, asset, out);
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const SetFeeTier& c, Out& out) {
  // No rule across tiers: each trade caps the maker's rebate at that trade's taker fee.
  if (c.tier > 15 || c.taker_ppm < 0 || c.taker_ppm > 100000 || c.maker_ppm < -100000 || c.maker_ppm > 100000) {
    return Reject(out, RejectReason::kInvalidArgument, 0);
  }
  tiers_[c.tier] = FeeTier{c.maker_ppm, c.taker_ppm};
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const SetAccountFeeTier& c, Out& out) {
  auto it = accounts_.find(c.account.value());
  if (it == accounts_.end()) return Reject(out, RejectReason::kInvalidAccount, c.account.value());
  if (c.tier > 15) return Reject(out, RejectReason::kInvalidArgument, c.account.value());
  it->second.tier = c.tier;
  out.push_back(DoneEvent{});
}

// ---------------------------------------------------------------------------------------------------------------
// Orders.

void ReferenceModel::Do(const PlaceOrder& c, Out& out) {
  const uint32_t acct = c.account.value();
  auto reject = [&](RejectReason r) { Reject(out, r, acct); };
  // 1.
  if (accounts_.count(acct) == 0 || c.account == config_.fee_account) return reject(RejectReason::kInvalidAccount);
  auto bit = books_.find(c.instrument.value());
  if (bit == books_.end()) return reject(RejectReason::kInvalidInstrument);
  const Book& book = bit->second;
  // 2.
  if (static_cast<uint8_t>(c.side) > 1) return reject(RejectReason::kInvalidSide);
  if (static_cast<uint8_t>(c.type) > 5) return reject(RejectReason::kInvalidOrderType);
  if (static_cast<uint8_t>(c.tif) > 2) return reject(RejectReason::kInvalidTif);
  if (static_cast<uint8_t>(c.stp_mode) > 3) return reject(RejectReason::kInvalidArgument);
  if ((c.flags & ~kOrderFlagPostOnly) != 0) return reject(RejectReason::kInvalidExecInst);
  if (c.client_oid.len > ClientOid::kMaxLen) return reject(RejectReason::kInvalidArgument);
  const bool post_only = (c.flags & kOrderFlagPostOnly) != 0;
  // 3.
  const InstrumentStatus status = book.def.status;
  if (status == InstrumentStatus::kHalted || status == InstrumentStatus::kCancelOnly) {
    return reject(RejectReason::kInstrumentNotTradable);
  }
  if (status == InstrumentStatus::kPostOnly && !(post_only && c.type == OrderType::kLimit)) {
    return reject(RejectReason::kInstrumentNotTradable);
  }
  // 4.
  if (post_only && c.type != OrderType::kLimit) return reject(RejectReason::kInvalidExecInst);
  if (post_only && c.tif != TimeInForce::kGoodTillCancel) return reject(RejectReason::kPostOnlyWouldCross);
  // 5.
  const bool market_like = IsMarketLike(c.type);
  const bool limit_type = !market_like;
  const bool by_notional = market_like && c.side == Side::kBuy && c.notional.value() != 0;
  if (by_notional) {
    if (c.qty.value() != 0 || c.notional.value() <= 0 || c.notional.value() >= kMaxAmount) {
      return reject(RejectReason::kInvalidOrderQty);
    }
    if (c.tif == TimeInForce::kFillOrKill) return reject(RejectReason::kInvalidTif);
  } else {
    if (c.notional.value() != 0 || c.qty.value() <= 0 || c.qty.value() >= kMaxQtyLots) {
      return reject(RejectReason::kInvalidOrderQty);
    }
    if (c.qty < book.def.min_qty) return reject(RejectReason::kBelowMinQuantity);
  }
  if (IsStop(c.type) && c.tif == TimeInForce::kFillOrKill) return reject(RejectReason::kInvalidTif);
  // 6.
  if (limit_type) {
    if (c.price.value() <= 0 || c.price.value() >= kMaxPriceTicks) return reject(RejectReason::kInvalidPrice);
  } else if (c.price.value() != 0) {
    return reject(RejectReason::kInvalidPrice);
  }
  // 7.
  if (IsStop(c.type)) {
    if (c.trigger_price.value() <= 0 || c.trigger_price.value() >= kMaxPriceTicks) {
      return reject(RejectReason::kInvalidRefPrice);
    }
    if (book.last != 0 && TriggerHolds(c.side, c.type, c.trigger_price.value(), book.last)) {
      return reject(RejectReason::kInvalidRefPrice);
    }
  } else if (c.trigger_price.value() != 0) {
    return reject(RejectReason::kInvalidRefPrice);
  }
  const bool protected_buy =
      (c.type == OrderType::kStopLoss || c.type == OrderType::kTakeProfit) && c.side == Side::kBuy && !by_notional;
  if (protected_buy && book.def.price_band_bps == 0) return reject(RejectReason::kInvalidPrice);
  if (protected_buy &&
      i128{c.trigger_price.value()} + i128{c.trigger_price.value()} * book.def.price_band_bps / 10000 >=
          kMaxPriceTicks) {
    return reject(RejectReason::kInvalidRefPrice);
  }
  // 8.
  const Band band = BandOf(book);
  if (limit_type && band.active) {
    if (c.price.value() > band.hi) return reject(RejectReason::kPriceAboveBand);
    if (c.price.value() < band.lo) return reject(RejectReason::kPriceBelowBand);
  }
  // 9.
  const i128 tv = book.tick_value;
  i128 protection = 0;
  if (protected_buy) {
    protection = i128{c.trigger_price.value()} + i128{c.trigger_price.value()} * book.def.price_band_bps / 10000;
  }
  if (limit_type && Notional(c.price.value(), c.qty.value(), tv) >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (protected_buy && Notional(protection, c.qty.value(), tv) >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (c.side == Side::kSell && i128{c.qty.value()} * book.def.lot_size.value() >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  // 10.
  if (limit_type && Notional(c.price.value(), c.qty.value(), tv) < book.def.min_notional.value()) {
    return reject(RejectReason::kBelowMinNotional);
  }
  if (by_notional && c.notional.value() < book.def.min_notional.value()) {
    return reject(RejectReason::kBelowMinNotional);
  }
  // 11.
  if (!c.client_oid.empty() && FindByOid(acct, c.client_oid) != nullptr) {
    return reject(RejectReason::kDuplicateClientOid);
  }
  // 12.
  if (OpenOrdersOf(acct) >= config_.max_open_orders_per_account) return reject(RejectReason::kTooManyOpenOrders);
  if (orders_.size() >= config_.max_orders) return reject(RejectReason::kRejectedByEngine);
  // 13.
  if (post_only && Crosses(book, c.side, c.price.value())) return reject(RejectReason::kPostOnlyWouldCross);

  const FeeTier rates = tiers_[accounts_[acct].tier];
  Order o;
  o.account = acct;
  o.instrument = c.instrument.value();
  o.side = c.side;
  o.type = c.type;
  o.tif = c.tif;
  o.flags = c.flags;
  o.stp = c.stp_mode;
  o.stp_group = c.stp_group;
  o.price = c.price.value();
  o.trigger = c.trigger_price.value();
  o.qty = c.qty.value();
  o.notional = by_notional ? c.notional.value() : 0;
  o.maker_ppm = rates.maker_ppm;
  o.taker_ppm = rates.taker_ppm;
  o.client_oid = c.client_oid;
  o.protection = protection;
  o.seq = seq_;
  o.time = time_;
  // 14.
  if (c.tif == TimeInForce::kFillOrKill && !FokCoverable(o)) {
    return reject(RejectReason::kFillOrKill);
  }
  // 15.
  i128 hold = 0;
  if (c.side == Side::kBuy && c.type == OrderType::kMarket && !by_notional) {
    // Pre-walk of the asks within the band cap: P_w and W. Under CancelMaker the orders of its self-trade set do
    // not count (it cancels them and goes on); under CancelTaker / CancelBoth it stops at one, so they count.
    i128 walked = 0;
    i128 last_level = 0;
    for (const auto& [price, level] : book.asks) {
      if (walked >= o.qty) break;
      if (band.active && price > band.hi) break;
      for (uint64_t id : level) {
        const Order& maker = orders_.at(id);
        if (o.stp == StpMode::kCancelMaker && InSelfTradeSet(o, maker)) continue;
        walked += maker.Remaining();
        last_level = price;
      }
    }
    const i128 w = std::min(walked, o.qty);
    o.walk_cap = last_level;
    const i128 n = Notional(last_level, w, tv);
    hold = n + Fee(n, HoldRate(o.maker_ppm, o.taker_ppm));
  } else {
    hold = Requirement(o);
  }
  if (hold > Balance(c.account, AssetId{HeldAsset(o)}).available.value()) {
    return reject(RejectReason::kInsufficientBalance);
  }

  // Accepted.
  o.id = next_order_id_++;
  Order& order = orders_[o.id] = o;
  out.push_back(AcceptedEvent{OrderId{o.id}, c.account, c.instrument, c.side, c.type, c.price, c.qty});
  SetHold(order, hold);
  EmitBalance(acct, HeldAsset(order), out);
  if (IsStop(order.type)) {
    order.waiting = true;
    EmitOrderUpdate(order, OrderStatus::kNew, out);
    out.push_back(DoneEvent{});
    return;
  }
  const uint16_t instrument = order.instrument;
  Execute(order.id, out);
  RunTriggers(instrument, out);
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const CancelOrder& c, Out& out) {
  const Order* found = nullptr;
  if (c.order_id.value() != 0) {
    auto it = orders_.find(c.order_id.value());
    if (it != orders_.end() && it->second.account == c.account.value()) found = &it->second;
  } else if (!c.client_oid.empty()) {
    found = FindByOid(c.account.value(), c.client_oid);
  }
  if (found == nullptr) return Reject(out, RejectReason::kOrderNotFound, c.account.value(), c.order_id.value());
  EndOrder(found->id, CancelReason::kUserRequest, out);
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const CancelAll& c, Out& out) {
  if (accounts_.count(c.account.value()) == 0) return Reject(out, RejectReason::kInvalidAccount, c.account.value());
  if (c.instrument != kAllInstruments && books_.count(c.instrument.value()) == 0) {
    return Reject(out, RejectReason::kInvalidInstrument, c.account.value());
  }
  std::vector<uint64_t> ids;
  for (const auto& [id, o] : orders_) {
    if (o.account == c.account.value() && (c.instrument == kAllInstruments || o.instrument == c.instrument.value())) {
      ids.push_back(id);
    }
  }
  for (uint64_t id : ids) EndOrder(id, CancelReason::kCancelAll, out);
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const AmendOrder& c, Out& out) {
  const uint32_t acct = c.account.value();
  // 1.
  const Order* found = nullptr;
  if (c.order_id.value() != 0) {
    auto it = orders_.find(c.order_id.value());
    if (it != orders_.end() && it->second.account == acct) found = &it->second;
  } else if (!c.orig_client_oid.empty()) {
    found = FindByOid(acct, c.orig_client_oid);
  }
  if (found == nullptr) return Reject(out, RejectReason::kOrderNotFound, acct, c.order_id.value());
  Order& o = orders_.at(found->id);
  auto reject = [&](RejectReason r) { Reject(out, r, acct, o.id); };
  const Book& book = books_.at(o.instrument);
  const i128 new_price = c.new_price.value();
  const i128 new_qty = c.new_qty.value();
  // 2.
  if (c.new_client_oid.len > ClientOid::kMaxLen) return reject(RejectReason::kInvalidArgument);
  const bool price_same = new_price == 0 || new_price == o.price;
  const bool qty_same = new_qty == 0 || new_qty == o.qty;
  const bool oid_same = c.new_client_oid.empty() || c.new_client_oid == o.client_oid;
  if (price_same && qty_same && oid_same) return reject(RejectReason::kInvalidArgument);
  // 3.
  const bool reduction_in_place = price_same && new_qty != 0 && new_qty < o.qty;
  const InstrumentStatus status = book.def.status;
  if (status == InstrumentStatus::kHalted) return reject(RejectReason::kInstrumentNotTradable);
  if (status == InstrumentStatus::kCancelOnly && !reduction_in_place) {
    return reject(RejectReason::kInstrumentNotTradable);
  }
  // 4.
  const bool limit_type = !IsMarketLike(o.type);
  if (new_price != 0 && new_price != o.price) {  // A9
    if (new_price <= 0 || new_price >= kMaxPriceTicks || !limit_type) return reject(RejectReason::kInvalidPrice);
    const Band band = BandOf(book);
    if (band.active && new_price > band.hi) return reject(RejectReason::kPriceAboveBand);
    if (band.active && new_price < band.lo) return reject(RejectReason::kPriceBelowBand);
  }
  // 5.
  if (new_qty != 0 && new_qty != o.qty) {  // A9
    if (o.ByNotional()) return reject(RejectReason::kInvalidOrderQty);
    if (!(o.filled < new_qty && new_qty < kMaxQtyLots)) return reject(RejectReason::kInvalidOrderQty);
    if (new_qty < book.def.min_qty.value()) return reject(RejectReason::kBelowMinQuantity);
  }
  const i128 eff_price = new_price != 0 ? new_price : o.price;
  const i128 eff_qty = new_qty != 0 ? new_qty : o.qty;
  // 6. As for placement (steps 9 and 10; A16).
  const i128 n = Notional(eff_price, eff_qty, book.tick_value);
  if (limit_type && n >= kMaxAmount) return reject(RejectReason::kExceedsMaxOrderSize);
  if (limit_type && o.cum_notional + Notional(eff_price, eff_qty - o.filled, book.tick_value) >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (!limit_type && o.side == Side::kBuy && !o.ByNotional() &&
      Notional(o.protection, eff_qty, book.tick_value) >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (o.side == Side::kSell && eff_qty * book.def.lot_size.value() >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (limit_type && n < book.def.min_notional.value()) return reject(RejectReason::kBelowMinNotional);
  // 7.
  if (!c.new_client_oid.empty() && !(c.new_client_oid == o.client_oid)) {
    const Order* other = FindByOid(acct, c.new_client_oid);
    if (other != nullptr && other->id != o.id) return reject(RejectReason::kDuplicateClientOid);
  }
  // 8. Re-queued unless the price stays and the quantity does not grow (A9: a client_oid-only amend keeps it).
  const bool requeue = !(price_same && (qty_same || reduction_in_place));
  const bool post_only = (o.flags & kOrderFlagPostOnly) != 0;
  if (!o.waiting && requeue && (post_only || status == InstrumentStatus::kPostOnly) &&
      Crosses(book, o.side, eff_price)) {
    return reject(RejectReason::kPostOnlyWouldCross);
  }
  // 9.
  Order amended = o;
  amended.price = eff_price;
  amended.qty = eff_qty;
  const i128 new_hold = Requirement(amended);
  if (new_hold > o.held + Balance(AccountId{acct}, AssetId{HeldAsset(o)}).available.value()) {
    return reject(RejectReason::kInsufficientBalance);
  }

  if (o.resting && requeue) Unrest(o);
  o.price = eff_price;
  o.qty = eff_qty;
  if (!c.new_client_oid.empty()) o.client_oid = c.new_client_oid;
  out.push_back(AmendedEvent{OrderId{o.id}, AccountId{acct}, InstrumentId{o.instrument}, PriceTicks{I64(eff_price)},
                             QtyLots{I64(eff_qty)}, !requeue});
  SetHold(o, new_hold);
  EmitBalance(acct, HeldAsset(o), out);
  const uint16_t instrument = o.instrument;
  if (o.waiting) {
    EmitOrderUpdate(o, OrderStatus::kNew, out);
  } else if (!requeue) {
    EmitOrderUpdate(o, OrderStatus::kActive, out);
  } else {
    Execute(o.id, out);
  }
  RunTriggers(instrument, out);
  out.push_back(DoneEvent{});
}

}  // namespace sequex::test

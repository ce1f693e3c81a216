// Order entry: validation (in the documented order), holds, cancel, cancel-all and amend. docs/engine.md has the
// rules; the reject reason is always the first failing check, because clients and the differential test rely on it.
#include <algorithm>
#include <new>

#include "engine/engine_impl.h"

namespace sequex {
namespace {

bool IsLimitType(OrderType t) { return !IsMarketLike(t); }

struct Band {
  bool active = false;
  int64_t lo = 0;
  int64_t hi = 0;
};

Band BandOf(const Book& b) {
  const int64_t ref = b.last_price.value() != 0 ? b.last_price.value() : b.def.reference_price.value();
  if (b.def.price_band_bps == 0 || ref <= 0) return {};
  const int64_t width = BandWidth(ref, b.def.price_band_bps);
  return Band{true, ref - width, ref + width};
}

RejectReason CheckBand(const Book& b, PriceTicks price) {
  const Band band = BandOf(b);
  if (!band.active) return RejectReason::kNone;
  if (price.value() > band.hi) return RejectReason::kPriceAboveBand;
  if (price.value() < band.lo) return RejectReason::kPriceBelowBand;
  return RejectReason::kNone;
}

int32_t HoldRate(int32_t maker_ppm, int32_t taker_ppm) { return std::max({maker_ppm, taker_ppm, 0}); }

// Notional plus the worst-case fee, or -1 when it cannot be represented.
int64_t WithFee(int64_t notional, int32_t rate) {
  if (notional < 0) return -1;
  const int64_t total = notional + FeeOf(notional, rate);
  return total >= kMaxAmount ? -1 : total;
}

}  // namespace

uint32_t Engine::Impl::FindOpenOrder(AccountId account, OrderId id, const ClientOid& oid) const {
  if (id.value() != 0) {
    const uint32_t slot = by_id_.Find(id.value());
    return slot != FlatIndex::kNone && pool_[slot].account == account ? slot : kNil;
  }
  if (oid.empty()) return kNil;
  return FindByOidKey(account, oid, OidKey(account, oid));
}

uint32_t Engine::Impl::FindByOidKey(AccountId account, const ClientOid& oid, uint64_t key) const {
  const uint32_t slot =
      by_oid_.Find(key, [&](uint32_t s) { return pool_[s].account == account && pool_[s].client_oid == oid; });
  return slot == FlatIndex::kNone ? kNil : slot;
}

uint32_t Engine::Impl::FindOpenOrder(AccountId account, OrderId id, const ClientOid& oid, uint32_t candidate) const {
  if (candidate != FlatIndex::kNone) {
    const Order& o = pool_[candidate];
    // Ids are unique, and a client_oid is unique among the account's open orders: a candidate that is open, the
    // account's, and named by the command is the answer the indexes would give.
    const bool open = o.status == OrderStatus::kActive || o.status == OrderStatus::kNew;
    if (open && o.account == account && (id.value() != 0 ? o.id == id : !oid.empty() && o.client_oid == oid)) {
      return candidate;
    }
  }
  return FindOpenOrder(account, id, oid);
}

Amount Engine::Impl::Requirement(const Order& o, const Book& book) const {
  if (o.side == Side::kSell) return Amount{o.remaining.value() * book.lot_size.value()};
  const int32_t rate = HoldRate(o.maker_ppm, o.taker_ppm);
  if (IsLimitType(o.type)) return Amount{WithFee(NotionalOf(o.price, o.remaining, book.tick_value), rate)};
  if (o.notional.value() > 0) return Amount{WithFee(o.notional.value(), rate)};
  // A waiting STOP_LOSS / TAKE_PROFIT buy by quantity: priced at its protection price.
  return Amount{WithFee(NotionalOf(o.cap, o.remaining, book.tick_value), rate)};
}

void Engine::Impl::OnPlaceOrder(const PlaceOrder& c) {
  const auto reject = [&](RejectReason r) { Reject(r, c.account); };
  // 1. who and where
  Account* account = FindAccount(c.account);
  if (account == nullptr || c.account == config_.fee_account) return reject(RejectReason::kInvalidAccount);
  Book* book_ptr = FindBook(c.instrument);
  if (book_ptr == nullptr) return reject(RejectReason::kInvalidInstrument);
  Book& book = *book_ptr;
  // 2. enumerations
  if (static_cast<uint8_t>(c.side) > 1) return reject(RejectReason::kInvalidSide);
  // The balances the first trade would move on the maker's side: the prefetch stages loaded the maker's account,
  // and the checks below give these lines time to arrive.
  if (LargerThanCache()) {
    if (const uint32_t head = FirstMakerInReach(book, c.side, c.price); head != kNil) PrefetchMakerBalances(head);
  }
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
  // The gateway and the journal's codec bound it, but a caller's length past the bytes would be read past them.
  if (c.client_oid.len > ClientOid::kMaxLen) return reject(RejectReason::kInvalidArgument);
  const bool post_only = (c.flags & kOrderFlagPostOnly) != 0;
  // 3. instrument status
  const InstrumentStatus status = book.def.status;
  if (status == InstrumentStatus::kHalted || status == InstrumentStatus::kCancelOnly ||
      (status == InstrumentStatus::kPostOnly && !(post_only && c.type == OrderType::kLimit))) {
    return reject(RejectReason::kInstrumentNotTradable);
  }
  // 4. post-only
  if (post_only && c.type != OrderType::kLimit) return reject(RejectReason::kInvalidExecInst);
  if (post_only && c.tif != TimeInForce::kGoodTillCancel) return reject(RejectReason::kPostOnlyWouldCross);
  // 5. quantity
  const bool limit_type = IsLimitType(c.type);
  const bool stop = IsStop(c.type);
  const bool by_notional = !limit_type && c.side == Side::kBuy && c.notional.value() != 0;
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
  if (stop && c.tif == TimeInForce::kFillOrKill) return reject(RejectReason::kInvalidTif);
  // 6. price
  if (limit_type ? (c.price.value() <= 0 || c.price.value() >= kMaxPriceTicks) : c.price.value() != 0) {
    return reject(RejectReason::kInvalidPrice);
  }
  // 7. trigger
  PriceTicks protection{0};
  if (stop) {
    if (c.trigger_price.value() <= 0 || c.trigger_price.value() >= kMaxPriceTicks) {
      return reject(RejectReason::kInvalidRefPrice);
    }
    const int64_t last = book.last_price.value();
    if (last != 0 &&
        (TriggersOnRise(c.side, c.type) ? last >= c.trigger_price.value() : last <= c.trigger_price.value())) {
      return reject(RejectReason::kInvalidRefPrice);
    }
    if (!limit_type && c.side == Side::kBuy && !by_notional) {
      if (book.def.price_band_bps == 0) return reject(RejectReason::kInvalidPrice);
      const int64_t t = c.trigger_price.value();
      protection = PriceTicks{t + BandWidth(t, book.def.price_band_bps)};
      // It becomes the order's price cap, and every price the engine keeps is below the limit.
      if (protection.value() >= kMaxPriceTicks) return reject(RejectReason::kInvalidRefPrice);
    }
  } else if (c.trigger_price.value() != 0) {
    return reject(RejectReason::kInvalidRefPrice);
  }
  // 8. band
  if (limit_type) {
    if (RejectReason r = CheckBand(book, c.price); r != RejectReason::kNone) return reject(r);
  }
  // 9. size limits
  int64_t notional = 0;
  if (limit_type) notional = NotionalOf(c.price, c.qty, book.tick_value);
  if (protection.value() != 0) notional = NotionalOf(protection, c.qty, book.tick_value);
  if (notional < 0) return reject(RejectReason::kExceedsMaxOrderSize);
  if (c.side == Side::kSell && static_cast<Wide>(c.qty.value()) * book.lot_size.value() >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  // 10. minimum notional
  if ((limit_type && notional < book.def.min_notional.value()) || (by_notional && c.notional < book.def.min_notional)) {
    return reject(RejectReason::kBelowMinNotional);
  }
  // 11. client_oid (its index key is computed once: the same key files the order below)
  const uint64_t oid_key = c.client_oid.empty() ? 0 : OidKey(c.account, c.client_oid);
  if (!c.client_oid.empty() && FindByOidKey(c.account, c.client_oid, oid_key) != kNil) {
    return reject(RejectReason::kDuplicateClientOid);
  }
  // 12. capacity
  if (account->open_orders >= config_.max_open_orders_per_account) return reject(RejectReason::kTooManyOpenOrders);
  if (pool_.live() >= config_.max_orders) return reject(RejectReason::kRejectedByEngine);
  // 13. post-only would cross
  BookSide& opposite = book.side(Opposite(c.side));
  if (post_only && !opposite.empty() &&
      (c.side == Side::kBuy ? c.price >= opposite.best().price : c.price <= opposite.best().price)) {
    return reject(RejectReason::kPostOnlyWouldCross);
  }
  // The price limit an immediate order may trade to: its limit, or the band for market orders.
  const Band band = BandOf(book);
  int64_t limit = c.price.value();
  if (!limit_type) limit = c.side == Side::kBuy ? (band.active ? band.hi : INT64_MAX) : (band.active ? band.lo : 0);
  const auto acceptable = [&](PriceTicks p) { return c.side == Side::kBuy ? p.value() <= limit : p.value() >= limit; };
  // 14. fill-or-kill: enough non-self liquidity at acceptable prices?
  if (c.tif == TimeInForce::kFillOrKill) {
    int64_t need = c.qty.value();
    // Fewer lots rest on the whole opposite side than it asks for: it cannot fill, whatever its limit, and the walk
    // below would visit every level it may trade at before it said so (50,000 on a deep book).
    if (opposite.resting() < need) return reject(RejectReason::kFillOrKill);
    opposite.ForEachFromBest([&](const Level& level) {
      if (!acceptable(level.price)) return false;
      if (c.stp_mode == StpMode::kNone) {
        need -= level.total.value();
        return need > 0;
      }
      for (uint32_t s = level.head; s != kNil && need > 0; s = pool_.links(s).queue_next) {
        const Order& m = pool_[s];
        if (InSelfTradeSet(c.account, c.stp_group, m)) {
          if (c.stp_mode != StpMode::kCancelMaker) return false;  // blocked: the taker would stop here
          continue;
        }
        need -= m.remaining.value();
      }
      return need > 0;
    });
    if (need > 0) return reject(RejectReason::kFillOrKill);
  }
  // 15. funds
  const FeeTier& tier = fee_tiers_[account->fee_tier];
  const int32_t rate = HoldRate(tier.maker_ppm, tier.taker_ppm);
  int64_t hold = 0;
  PriceTicks cap = protection;
  if (c.side == Side::kSell) {
    hold = c.qty.value() * book.lot_size.value();
  } else if (limit_type || protection.value() != 0) {
    hold = WithFee(notional, rate);
  } else if (by_notional) {
    hold = WithFee(c.notional.value(), rate);
  } else {
    // Market BUY by quantity: walk the asks to price the worst case exactly (docs/engine.md, "Holds"). Under
    // CancelMaker the order cancels its own self-trade set's orders and goes on, so their lots do not count: counted,
    // they would set the cap short of the liquidity it reaches. Under CancelTaker and CancelBoth it stops at the
    // first of them, which must be within its cap for that to happen, so they count as any other.
    int64_t walked = 0;
    const int64_t want = c.qty.value();
    const bool skip_own = c.stp_mode == StpMode::kCancelMaker;
    opposite.ForEachFromBest([&](const Level& level) {
      if (!acceptable(level.price)) return false;
      int64_t here = level.total.value();
      if (skip_own) {
        here = 0;
        for (uint32_t s = level.head; s != kNil && walked + here < want; s = pool_.links(s).queue_next) {
          const Order& m = pool_[s];
          if (!InSelfTradeSet(c.account, c.stp_group, m)) here += m.remaining.value();
        }
      }
      if (here > 0) {
        walked += std::min(here, want - walked);
        cap = level.price;
      }
      return walked < want;
    });
    hold = walked == 0 ? 0 : WithFee(NotionalOf(cap, QtyLots{walked}, book.tick_value), rate);
  }
  const AssetId held_asset = c.side == Side::kBuy ? book.def.quote : book.def.base;
  // Through the account's list for this book when it has one (the position it remembers needs no lookup).
  const uint32_t account_list = FindAccountBook(c.account, c.instrument);
  uint16_t* listed = nullptr;
  if (account_list != FlatIndex::kNone) {
    AccountBook& l = account_books_[account_list];
    listed = c.side == Side::kBuy ? &l.quote_position : &l.base_position;
  }
  AssetBalance* existing_funds =
      listed != nullptr && *listed != kUnknownPosition ? &account->BalanceAt(*listed) : account->Find(held_asset);
  if (hold < 0 || hold > (existing_funds != nullptr ? existing_funds->available.value() : 0)) {
    return reject(RejectReason::kInsufficientBalance);
  }
  AssetBalance& funds = existing_funds != nullptr ? *existing_funds : account->Get(held_asset);

  // Accepted: from here on the command changes state.
  const uint32_t slot = pool_.Allocate();
  Order& o = *new (&pool_[slot]) Order{.maker_ppm = tier.maker_ppm,
                                       .taker_ppm = tier.taker_ppm,
                                       .remaining = c.qty,
                                       .id = OrderId{next_order_id_++},
                                       .held = Amount{hold},
                                       .account = c.account,
                                       .stp_group = c.stp_group,
                                       .price = c.price,
                                       .trigger = c.trigger_price,
                                       .cap = cap,
                                       .qty = c.qty,
                                       .notional = c.notional,
                                       .instrument = c.instrument,
                                       .side = c.side,
                                       .type = c.type,
                                       .tif = c.tif,
                                       .flags = c.flags,
                                       .stp_mode = c.stp_mode,
                                       .status = OrderStatus::kNew,
                                       .held_position = account->PositionOf(funds),
                                       .created_seq = command_->seq,
                                       .created_time = command_->time,
                                       .client_oid = c.client_oid,
                                       .oid_key = oid_key};
  by_id_.Insert(o.id.value(), slot);
  if (!o.client_oid.empty()) by_oid_.Insert(oid_key, slot);
  LinkToAccount(slot, account_list);
  AccountBook& order_list = account_books_[o.account_book];  // the list the order joined remembers its balance
  (c.side == Side::kBuy ? order_list.quote_position : order_list.base_position) = o.held_position;
  funds.available -= Amount{hold};
  funds.held += Amount{hold};
  Emit(AcceptedEvent{o.id, o.account, o.instrument, o.side, o.type, o.price, o.qty});
  EmitBalanceAt(o.account, HeldAsset(o, book), o.held_position);

  if (stop) {
    if (book.stops_rise.empty() && book.stops_fall.empty()) book.ForgetPrints();  // trades before it do not count
    (TriggersOnRise(o.side, o.type) ? book.stops_rise : book.stops_fall).Push(o.id, o.trigger, slot);
    EmitOrderUpdate(o);
    return Done();
  }
  Execute(book, slot);
  RunStops(book);
  Done();
}

void Engine::Impl::OnCancelOrder(const CancelOrder& c) {
  const uint32_t slot = FindOpenOrder(c.account, c.order_id, c.client_oid, HintedTarget(*command_));
  if (slot == kNil) return Reject(RejectReason::kOrderNotFound, c.account, c.order_id);
  CancelOpenOrder(slot, CancelReason::kUserRequest, OrderStatus::kCanceled);
  Done();
}

void Engine::Impl::OnCancelAll(const CancelAll& c) {
  const Account* account = FindAccount(c.account);
  if (account == nullptr) return Reject(RejectReason::kInvalidAccount, c.account);
  if (c.instrument != kAllInstruments && FindBook(c.instrument) == nullptr) {
    return Reject(RejectReason::kInvalidInstrument, c.account);
  }
  CollectOpenOrders(c.account, c.instrument, scratch_slots_);
  // The orders are scattered over the pool and each cancel waits on several random lines (the order, its
  // neighbours' links, its level, its index entries): a software pipeline loads the order two cancels ahead and
  // what it points to one ahead, so those misses overlap the cancel in progress.
  const std::span<const uint32_t> slots(scratch_slots_);
  const size_t ahead = LargerThanCache() ? slots.size() : 0;  // in cache, the hints would only cost
  for (size_t i = 0; i < ahead && i < 2; ++i) PrefetchOrder(slots[i]);
  for (size_t i = 0; i < slots.size(); ++i) {
    if (i + 2 < ahead) PrefetchOrder(slots[i + 2]);
    if (i + 1 < ahead) (void)PrefetchForClosing(slots[i + 1], /*forgets=*/true);
    CancelOpenOrder(slots[i], CancelReason::kCancelAll, OrderStatus::kCanceled);
  }
  Done();
}

void Engine::Impl::OnAmendOrder(const AmendOrder& c) {
  // 1. the order
  const uint32_t slot = FindOpenOrder(c.account, c.order_id, c.orig_client_oid, HintedTarget(*command_));
  if (slot == kNil) return Reject(RejectReason::kOrderNotFound, c.account, c.order_id);
  Order& o = pool_[slot];
  Book& book = *FindBook(o.instrument);
  const auto reject = [&](RejectReason r) { Reject(r, c.account, o.id); };
  // 2. something to change (and a new client_oid within its bytes, as placement requires)
  if (c.new_client_oid.len > ClientOid::kMaxLen) return reject(RejectReason::kInvalidArgument);
  const bool price_changes = c.new_price.value() != 0 && c.new_price != o.price;
  const bool qty_changes = c.new_qty.value() != 0 && c.new_qty != o.qty;
  const bool oid_changes = !c.new_client_oid.empty() && !(c.new_client_oid == o.client_oid);
  if (!price_changes && !qty_changes && !oid_changes) return reject(RejectReason::kInvalidArgument);
  const PriceTicks new_price = price_changes ? c.new_price : o.price;
  const QtyLots new_qty = qty_changes ? c.new_qty : o.qty;
  const bool waiting = o.status == OrderStatus::kNew;
  const bool keeps_priority = !price_changes && new_qty <= o.qty;
  // 3. status
  const InstrumentStatus status = book.def.status;
  if (status == InstrumentStatus::kHalted ||
      (status == InstrumentStatus::kCancelOnly && !(keeps_priority && qty_changes))) {
    return reject(RejectReason::kInstrumentNotTradable);
  }
  // 4. price
  if (price_changes) {
    if (IsMarketLike(o.type) || c.new_price.value() <= 0 || c.new_price.value() >= kMaxPriceTicks) {
      return reject(RejectReason::kInvalidPrice);
    }
    if (RejectReason r = CheckBand(book, new_price); r != RejectReason::kNone) return reject(r);
  }
  // 5. quantity
  if (qty_changes) {
    if (o.notional.value() > 0 || c.new_qty <= o.filled || c.new_qty.value() >= kMaxQtyLots) {
      return reject(RejectReason::kInvalidOrderQty);
    }
    if (c.new_qty < book.def.min_qty) return reject(RejectReason::kBelowMinQuantity);
  }
  // 6. size limits, in placement's order: every 314 before the 415
  const bool sized = IsLimitType(o.type) || o.cap.value() != 0;
  const int64_t n = sized ? NotionalOf(IsLimitType(o.type) ? new_price : o.cap, new_qty, book.tick_value) : 0;
  if (n < 0) return reject(RejectReason::kExceedsMaxOrderSize);
  // What the order has traded plus what its new remainder can trade at its price: each amend that lets an order
  // trade again would otherwise let its cum_notional grow without bound (docs/engine.md, "AmendOrder").
  // n covers the whole new quantity, so the exact product is needed only near the limit.
  if (IsLimitType(o.type) && n >= kMaxAmount - o.cum_notional.value() &&
      NotionalOf(new_price, new_qty - o.filled, book.tick_value) >= kMaxAmount - o.cum_notional.value()) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (o.side == Side::kSell && static_cast<Wide>(new_qty.value()) * book.lot_size.value() >= kMaxAmount) {
    return reject(RejectReason::kExceedsMaxOrderSize);
  }
  if (IsLimitType(o.type) && n < book.def.min_notional.value()) return reject(RejectReason::kBelowMinNotional);
  // 7. new client_oid
  if (oid_changes && FindOpenOrder(o.account, OrderId{0}, c.new_client_oid) != kNil) {
    return reject(RejectReason::kDuplicateClientOid);
  }
  // 8. post-only
  BookSide& opposite = book.side(Opposite(o.side));
  if (!waiting && !keeps_priority && ((o.flags & kOrderFlagPostOnly) != 0 || status == InstrumentStatus::kPostOnly) &&
      !opposite.empty() &&
      (o.side == Side::kBuy ? new_price >= opposite.best().price : new_price <= opposite.best().price)) {
    return reject(RejectReason::kPostOnlyWouldCross);
  }
  // 9. funds for the new requirement
  Order probe = o;
  probe.price = new_price;
  probe.qty = new_qty;
  probe.remaining = new_qty - o.filled;
  const Amount required = Requirement(probe, book);
  Account& account = accounts_.At(o.account.value());
  AssetBalance& funds = account.BalanceAt(o.held_position);
  const Amount delta = required - o.held;
  if (required.value() < 0 || delta > funds.available) return reject(RejectReason::kInsufficientBalance);

  if (oid_changes) {
    if (!o.client_oid.empty()) by_oid_.Erase(o.oid_key, slot);
    o.client_oid = c.new_client_oid;
    o.oid_key = OidKey(o.account, o.client_oid);
    by_oid_.Insert(o.oid_key, slot);
  }
  funds.available -= delta;
  funds.held += delta;
  o.held = required;
  if (waiting) {
    o.price = new_price;
    o.qty = new_qty;
    o.remaining = probe.remaining;
    Emit(AmendedEvent{o.id, o.account, o.instrument, o.price, o.qty, keeps_priority});
    EmitBalanceAt(o.account, HeldAsset(o, book), o.held_position);
    EmitOrderUpdate(o);
    return Done();
  }
  if (keeps_priority) {
    BookSide& side = book.side(o.side);
    side.TakeFromLevel(*side.Find(o.price), o.remaining - probe.remaining);
    o.qty = new_qty;
    o.remaining = probe.remaining;
    Emit(AmendedEvent{o.id, o.account, o.instrument, o.price, o.qty, true});
    EmitBalanceAt(o.account, HeldAsset(o, book), o.held_position);
    EmitOrderUpdate(o);
    return Done();
  }
  UnlinkFromBook(book, slot);
  o.price = new_price;
  o.qty = new_qty;
  o.remaining = probe.remaining;
  Emit(AmendedEvent{o.id, o.account, o.instrument, o.price, o.qty, false});
  EmitBalanceAt(o.account, HeldAsset(o, book), o.held_position);
  Execute(book, slot);
  RunStops(book);
  Done();
}

}  // namespace sequex

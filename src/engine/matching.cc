// Matching, settlement and stop triggering: the hot path. No allocation (events_ is pre-sized and reused), no
// locks, no syscalls, no exceptions. Rules and event order: docs/engine.md, "Matching" and "Stops".
#include <algorithm>
#include <cstdlib>

#include "engine/engine_impl.h"

namespace sequex {
namespace {

// The worst price the taker may trade at: its limit; for market types the band and its cap.
int64_t ExecutionLimit(const Book& b, const Order& o) {
  if (!IsMarketLike(o.type)) return o.price.value();
  const int64_t ref = b.last_price.value() != 0 ? b.last_price.value() : b.def.reference_price.value();
  const bool band = b.def.price_band_bps != 0 && ref > 0;
  const int64_t width = band ? BandWidth(ref, b.def.price_band_bps) : 0;
  if (o.side == Side::kSell) return band ? ref - width : 0;
  int64_t limit = band ? ref + width : INT64_MAX;
  if (o.cap.value() != 0) limit = std::min(limit, o.cap.value());
  return limit;
}

}  // namespace

void Engine::Impl::LinkToAccount(uint32_t slot, uint32_t list_index) {
  Order& o = pool_[slot];
  Account& a = accounts_.At(o.account.value());
  uint32_t index = list_index != FlatIndex::kNone ? list_index : FindAccountBook(o.account, o.instrument);
  if (index == FlatIndex::kNone) {
    index = static_cast<uint32_t>(account_books_.size());
    // The balance positions are learnt as they are used (a placement records the one it holds; a trade the one it
    // credits), so opening a list costs no wallet lookups.
    AccountBook list{};
    list.instrument = o.instrument;
    account_books_.push_back(list);
    const uint32_t in_block = a.books % AccountBookBlock::kLists;
    if (in_block == 0) {
      account_book_blocks_.push_back(AccountBookBlock{a.newest_block, {}});
      a.newest_block = static_cast<uint32_t>(account_book_blocks_.size() - 1);
    }
    account_book_blocks_[a.newest_block].lists[in_block] = index;
    ++a.books;
    account_book_index_.Insert(uint64_t{o.account.value()} << 16 | o.instrument.value(), index);
  }
  o.account_book = index;
  AccountBook& list = account_books_[index];
  OrderLinks& link = pool_.links(slot);
  link.account_prev = list.tail;
  link.account_next = kNil;
  if (list.tail != kNil) {
    pool_.links(list.tail).account_next = slot;
  } else {
    list.head = slot;
  }
  list.tail = slot;
  ++a.open_orders;
}

void Engine::Impl::CollectOpenOrders(AccountId account_id, InstrumentId instrument, std::vector<uint32_t>& out) const {
  out.clear();
  const Account* account = FindAccount(account_id);
  if (account == nullptr) return;
  const auto collect = [&](uint32_t index) {
    for (uint32_t s = account_books_[index].head; s != kNil; s = pool_.links(s).account_next) out.push_back(s);
  };
  if (instrument != kAllInstruments) {
    const uint32_t index = account_book_index_.Find(uint64_t{account_id.value()} << 16 | instrument.value());
    if (index != FlatIndex::kNone) collect(index);
    return;
  }
  // Newest lists first, and only until every open order is found (Audit checks that the lists hold open_orders of
  // them): an account with none, or whose orders are in the books it traded last, skips the lists it opened before.
  if (account->open_orders != 0) {
    (void)ForEachList(*account, [&](uint32_t index) {
      collect(index);
      return out.size() < account->open_orders;
    });
  }
  // Each list is already in id order; merging across instruments needs a sort (rare: all-instrument requests), which
  // also makes the result independent of the order the lists were opened in (a snapshot's loader opens them anew).
  std::sort(out.begin(), out.end(), [this](uint32_t x, uint32_t y) { return pool_[x].id < pool_[y].id; });
}

void Engine::Impl::Forget(uint32_t slot) {
  Order& o = pool_[slot];
  Account& a = accounts_.At(o.account.value());
  AccountBook& list = account_books_[o.account_book];
  const OrderLinks link = pool_.links(slot);
  if (link.account_prev != kNil) {
    pool_.links(link.account_prev).account_next = link.account_next;
  } else {
    list.head = link.account_next;
  }
  if (link.account_next != kNil) {
    pool_.links(link.account_next).account_prev = link.account_prev;
  } else {
    list.tail = link.account_prev;
  }
  --a.open_orders;
  by_id_.Erase(o.id.value(), slot);
  if (!o.client_oid.empty()) by_oid_.Erase(o.oid_key, slot);
  pool_.Free(slot);
}

void Engine::Impl::RestOnBook(Book& book, uint32_t slot) {
  Order& o = pool_[slot];
  BookSide& side = book.side(o.side);
  Level& level = side.FindOrInsert(o.price);
  OrderLinks& link = pool_.links(slot);
  link.queue_prev = level.tail;
  link.queue_next = kNil;
  if (level.tail != kNil) {
    pool_.links(level.tail).queue_next = slot;
  } else {
    level.head = slot;
  }
  level.tail = slot;
  side.AddToLevel(level, o.remaining);
  ++level.count;
  o.status = OrderStatus::kActive;
}

void Engine::Impl::UnlinkFromBook(Book& book, uint32_t slot) {
  Order& o = pool_[slot];
  BookSide& side = book.side(o.side);
  Level* found = (!side.empty() && side.best().price == o.price) ? &side.best() : side.Find(o.price);
  // A resting order's level exists: RestOnBook made it, and it lives while an order is on it. Were that ever
  // broken, stop here rather than write through a null pointer.
  if (found == nullptr) std::abort();
  Level& level = *found;
  OrderLinks& link = pool_.links(slot);
  if (link.queue_prev != kNil) {
    pool_.links(link.queue_prev).queue_next = link.queue_next;
  } else {
    level.head = link.queue_next;
  }
  if (link.queue_next != kNil) {
    pool_.links(link.queue_next).queue_prev = link.queue_prev;
  } else {
    level.tail = link.queue_prev;
  }
  side.TakeFromLevel(level, o.remaining);
  if (--level.count == 0) side.Erase(o.price);
  link.queue_next = link.queue_prev = kNil;
}

// Releases what `o` still holds, marks it `status`, emits its closing events, and frees it. The order must already
// be off the book and out of the stop lists.
static void ReleaseHold(Account& a, Order& o) {
  AssetBalance& b = a.BalanceAt(o.held_position);
  b.held -= o.held;
  b.available += o.held;
  o.held = Amount{0};
}

void Engine::Impl::CancelOpenOrder(uint32_t slot, CancelReason why, OrderStatus status) {
  Order& o = pool_[slot];
  Book& book = *FindBook(o.instrument);
  if (o.status == OrderStatus::kActive) {
    UnlinkFromBook(book, slot);
  } else if (o.status == OrderStatus::kNew && IsStop(o.type)) {
    (TriggersOnRise(o.side, o.type) ? book.stops_rise : book.stops_fall).Erase(o.id);
  }
  const AssetId asset = HeldAsset(o, book);
  ReleaseHold(accounts_.At(o.account.value()), o);
  Emit(CancelledEvent{o.id, o.account, o.instrument, why, o.remaining});
  o.status = status;
  EmitOrderUpdate(o);
  EmitBalanceAt(o.account, asset, o.held_position);
  Forget(slot);
}

void Engine::Impl::Execute(Book& book, uint32_t slot) {
  Order& t = pool_[slot];
  t.status = OrderStatus::kNew;  // in flight: neither resting nor waiting
  const bool buy = t.side == Side::kBuy;
  const bool by_notional = t.notional.value() > 0;
  const int64_t limit = ExecutionLimit(book, t);
  const Amount tick_value = book.tick_value;
  const Amount lot_size = book.lot_size;
  BookSide& opposite = book.side(Opposite(t.side));
  Account& taker_account = accounts_.At(t.account.value());
  const AssetId base = book.def.base;
  const AssetId quote = book.def.quote;
  const AccountId fee_account_id = config_.fee_account;
  bool traded = false;
  bool taker_cancelled = false;  // by self-trade prevention
  bool budget_spent = false;
  const bool pipeline = LargerThanCache();

  while ((by_notional || t.remaining.value() > 0) && !opposite.empty()) {
    const PriceTicks price = opposite.best().price;
    if (buy ? price.value() > limit : price.value() < limit) break;
    bool stop = false;
    for (uint32_t ms = opposite.best().head, next; ms != kNil; ms = next) {
      Order& m = pool_[ms];
      next = pool_.links(ms).queue_next;
      // A software pipeline over the level's queue: the next maker's order loads while this one settles, and what
      // it points to (PrefetchMaker, at the end of this iteration) while the loop comes round.
      if (pipeline && next != kNil) {
        __builtin_prefetch(&pool_[next]);
        __builtin_prefetch(reinterpret_cast<const char*>(&pool_[next]) + 64);
      }
      // By notional: a maker the remaining budget cannot buy one lot from ends the taker before anything else
      // (in particular before self-trade prevention could cancel an order the taker would never reach).
      int64_t affordable = INT64_MAX;
      if (by_notional) {
        affordable = (t.notional - t.cum_notional).value() / (price.value() * tick_value.value());
        if (affordable == 0) {
          budget_spent = true;
          stop = true;
          break;
        }
      }
      if (t.stp_mode != StpMode::kNone && InSelfTradeSet(t.account, t.stp_group, m)) [[unlikely]] {
        if (t.stp_mode != StpMode::kCancelTaker) CancelOpenOrder(ms, CancelReason::kSelfTrade, OrderStatus::kCanceled);
        if (t.stp_mode != StpMode::kCancelMaker) {
          taker_cancelled = true;
          stop = true;
          break;
        }
        continue;
      }
      const QtyLots fill =
          by_notional ? QtyLots{std::min(m.remaining.value(), affordable)} : std::min(t.remaining, m.remaining);
      if (fill == m.remaining) {  // the maker will be forgotten after settlement: start loading its index entries
        by_id_.Prefetch(m.id.value());
        if (!m.client_oid.empty()) by_oid_.Prefetch(m.oid_key);
      }
      // ---- settle one trade at the maker's price
      const int64_t notional = price.value() * fill.value() * tick_value.value();
      const int64_t base_amount = fill.value() * lot_size.value();
      const int64_t taker_fee = FeeOf(notional, t.taker_ppm);
      const int64_t maker_fee =
          m.maker_ppm >= 0 ? FeeOf(notional, m.maker_ppm) : -std::min(FeeOf(notional, m.maker_ppm), taker_fee);
      Account& maker_account = accounts_.At(m.account.value());
      Order& buyer = buy ? t : m;
      Order& seller = buy ? m : t;
      Account& buyer_account = buy ? taker_account : maker_account;
      Account& seller_account = buy ? maker_account : taker_account;
      const int64_t buyer_fee = buy ? taker_fee : maker_fee;
      const int64_t seller_fee = buy ? maker_fee : taker_fee;

      const int64_t buyer_cost = notional + std::max<int64_t>(buyer_fee, 0);
      AssetBalance& buyer_quote = buyer_account.BalanceAt(buyer.held_position);
      buyer_quote.held -= Amount{buyer_cost};
      buyer_quote.available += Amount{std::max<int64_t>(-buyer_fee, 0)};
      buyer.held -= Amount{buyer_cost};
      AssetBalance& buyer_base = ListedBalance(buyer_account, account_books_[buyer.account_book], true, base);
      buyer_base.available += Amount{base_amount};
      // Positions, not references: a later Get on the same account (a self-trade) may move its balances.
      const uint16_t buyer_base_position = buyer_account.PositionOf(buyer_base);
      AssetBalance& seller_base = seller_account.BalanceAt(seller.held_position);
      seller_base.held -= Amount{base_amount};
      seller.held -= Amount{base_amount};
      AssetBalance& seller_quote = ListedBalance(seller_account, account_books_[seller.account_book], false, quote);
      seller_quote.available += Amount{notional - seller_fee};
      const uint16_t seller_quote_position = seller_account.PositionOf(seller_quote);
      Account& fee_account = accounts_.At(fee_account_id.value());
      AssetBalance& fee_quote = fee_account.Get(quote);
      fee_quote.available += Amount{taker_fee + maker_fee};
      const uint16_t fee_quote_position = fee_account.PositionOf(fee_quote);

      for (Order* o : {&t, &m}) {
        o->filled += fill;
        o->cum_notional += Amount{notional};
        if (!(o == &t && by_notional)) o->remaining -= fill;
      }
      t.cum_fee += Amount{taker_fee};
      m.cum_fee += Amount{maker_fee};
      // A limit buy with quantity left keeps exactly its requirement; the rest (price improvement, unused fee
      // buffer) goes back to available now.
      for (Order* o : {&buyer}) {
        if (!IsMarketLike(o->type) && o->remaining.value() > 0) {
          const Amount excess = o->held - Requirement(*o, book);
          o->held -= excess;
          AssetBalance& b = accounts_.At(o->account.value()).BalanceAt(o->held_position);
          b.held -= excess;
          b.available += excess;
        }
      }
      opposite.TakeFromLevel(opposite.best(), fill);  // the maker is in the best level
      const bool maker_done = m.remaining.value() == 0;
      if (maker_done) {
        ReleaseHold(maker_account, m);
        UnlinkFromBook(book, ms);
        m.status = OrderStatus::kFilled;
      }
      book.last_price = price;
      book.print_high = std::max(book.print_high, price);
      book.print_low = std::min(book.print_low, price);
      const uint64_t match_id = next_match_id_++;
      Emit(TradeEvent{match_id, book.def.instrument, t.side, m.id, t.id, m.account, t.account, price, fill,
                      Amount{notional}, Amount{maker_fee}, Amount{taker_fee}});
      EmitBalanceAt(m.account, base, buy ? m.held_position : buyer_base_position);
      EmitBalanceAt(m.account, quote, buy ? seller_quote_position : m.held_position);
      EmitBalanceAt(t.account, base, buy ? buyer_base_position : t.held_position);
      EmitBalanceAt(t.account, quote, buy ? t.held_position : seller_quote_position);
      if (taker_fee + maker_fee != 0) EmitBalanceAt(fee_account_id, quote, fee_quote_position);
      EmitOrderUpdate(m);
      if (maker_done) Forget(ms);
      traded = true;
      if (!by_notional && t.remaining.value() == 0) {
        stop = true;
        break;
      }
      if (pipeline && next != kNil) PrefetchMaker(next);
    }
    if (stop) break;
  }

  // ---- the taker's end
  const AssetId held_asset = buy ? quote : base;
  const auto close = [&](const CancelReason* why, OrderStatus status) {
    ReleaseHold(taker_account, t);
    if (why != nullptr) Emit(CancelledEvent{t.id, t.account, t.instrument, *why, t.remaining});
    t.status = status;
    EmitOrderUpdate(t);
    EmitBalanceAt(t.account, held_asset, t.held_position);
    Forget(slot);
  };
  if (taker_cancelled) {
    const CancelReason why = CancelReason::kSelfTrade;
    return close(&why, OrderStatus::kCanceled);
  }
  // By notional, FILLED means the budget went as far as whole lots allow: all of it, or up to a price it cannot buy
  // one more lot at. One that bought nothing, or found no more liquidity within its limit, expires.
  const bool filled =
      by_notional ? t.filled.value() > 0 && (budget_spent || t.cum_notional == t.notional) : t.remaining.value() == 0;
  if (filled) return close(nullptr, OrderStatus::kFilled);
  if (!IsMarketLike(t.type) && t.tif == TimeInForce::kGoodTillCancel) {
    RestOnBook(book, slot);
    EmitOrderUpdate(t);
    if (traded) EmitBalanceAt(t.account, held_asset, t.held_position);
    return;
  }
  const CancelReason why = IsMarketLike(t.type) ? CancelReason::kMarketRemainder : CancelReason::kIocRemainder;
  close(&why, OrderStatus::kExpired);
}

void Engine::Impl::FireStops(Book& book) {
  while (!book.stops_rise.empty() || !book.stops_fall.empty()) {
    // Among every stop a trade of this command met, the lowest order id goes first: a rise stop is met by the
    // highest trade price so far, a fall stop by the lowest (the stops fired here trade too, and count).
    const uint32_t rise = book.stops_rise.FirstMet(book.print_high);
    const uint32_t fall = book.stops_fall.FirstMet(book.print_low);
    if (rise == kNil && fall == kNil) break;
    const bool from_rise = fall == kNil || (rise != kNil && pool_[rise].id < pool_[fall].id);
    const uint32_t slot = from_rise ? rise : fall;
    Order& o = pool_[slot];
    (from_rise ? book.stops_rise : book.stops_fall).Erase(o.id);
    o.status = OrderStatus::kRejected;  // off the stop list; not on the book
    Emit(TriggeredEvent{o.id, o.account, o.instrument, from_rise ? book.print_high : book.print_low});
    if (book.def.status != InstrumentStatus::kTrading) {
      CancelOpenOrder(slot, CancelReason::kTriggerFailed, OrderStatus::kRejected);
      continue;
    }
    Execute(book, slot);
  }
  book.ForgetPrints();
}

}  // namespace sequex

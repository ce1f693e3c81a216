#include "server/projection.h"

#include <xxhash.h>

#include <algorithm>

#include "journal/byte_io.h"

namespace sequex::server {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 1440 * kMinuteMs;
constexpr int64_t kTimeframeMs[] = {kMinuteMs,
                                    5 * kMinuteMs,
                                    15 * kMinuteMs,
                                    30 * kMinuteMs,
                                    60 * kMinuteMs,
                                    120 * kMinuteMs,
                                    240 * kMinuteMs,
                                    360 * kMinuteMs,
                                    720 * kMinuteMs,
                                    kDayMs,
                                    7 * kDayMs,
                                    14 * kDayMs,
                                    0 /* calendar month */};

// Days since 1970-01-01 -> (year, month) and back (H. Hinnant's civil calendar algorithms).
void CivilFromDays(int64_t z, int64_t* year, unsigned* month) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0);
}

int64_t DaysFromCivil(int64_t y, unsigned m) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;  // day 1 of the month
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

template <typename T>
void PushFrontBounded(std::deque<T>* d, T value, size_t cap) {
  d->push_front(std::move(value));
  if (d->size() > cap) d->pop_back();
}

void AddUnique(std::vector<AccountId>* v, AccountId a) {
  if (std::find(v->begin(), v->end(), a) == v->end()) v->push_back(a);
}
void AddUnique(std::vector<InstrumentId>* v, InstrumentId i) {
  if (std::find(v->begin(), v->end(), i) == v->end()) v->push_back(i);
}
void AddUnique(std::vector<std::pair<AccountId, OrderId>>* v, AccountId a, OrderId o) {
  for (const auto& [account, id] : *v) {
    if (id == o) return;
  }
  v->emplace_back(a, o);
}

}  // namespace

int TimeframeIndex(std::string_view tf) {
  for (size_t i = 0; i < kTimeframes.size(); ++i) {
    if (kTimeframes[i] == tf) return static_cast<int>(i);
  }
  // Aliases the API also documents.
  if (tf == "M1") return 0;
  if (tf == "M5") return 1;
  if (tf == "M15") return 2;
  if (tf == "M30") return 3;
  if (tf == "H1") return 4;
  if (tf == "H2") return 5;
  if (tf == "H4") return 6;
  if (tf == "H12") return 8;
  if (tf == "D1") return 9;
  if (tf == "D7") return 10;
  if (tf == "D14") return 11;
  return -1;
}

int64_t CandleStartMs(int tf_index, int64_t time_ms) {
  const int64_t span = kTimeframeMs[tf_index];
  if (span != 0) return FloorDiv(time_ms, span) * span;
  int64_t year = 0;
  unsigned month = 0;
  CivilFromDays(FloorDiv(time_ms, 1440 * kMinuteMs), &year, &month);
  return DaysFromCivil(year, month) * 1440 * kMinuteMs;
}

void Projection::AdoptOpenOrders(const Engine& mirror) {
  for (const AccountId account : mirror.AccountIds()) {
    for (const OrderView& v : mirror.OpenOrders(account)) {
      OrderRecord r;
      r.view = v;
      r.update_time = v.created_time;
      open_[v.order_id.value()] = r;
      open_by_account_[account.value()][v.order_id.value()] = v.order_id;
      last_time_ = std::max(last_time_, v.created_time);
    }
  }
}

OrderRecord* Projection::Touch(AccountId account, OrderId id, CommandEffects* effects) {
  AddUnique(&effects->orders, account, id);
  const auto it = open_.find(id.value());
  return it == open_.end() ? nullptr : &it->second;
}

void Projection::Apply(const Command& command, std::span<const Event> events, const Engine& mirror,
                       CommandEffects* effects) {
  effects->Clear();
  last_time_ = std::max(last_time_, command.time);
  const PlaceOrder* place = std::get_if<PlaceOrder>(&command.body);
  for (const Event& event : events) {
    if (const auto* a = std::get_if<AcceptedEvent>(&event)) {
      OrderRecord r;
      OrderView& v = r.view;
      v.order_id = a->order_id;
      v.account = a->account;
      v.instrument = a->instrument;
      v.side = a->side;
      v.type = a->type;
      v.price = a->price;
      v.qty = a->qty;
      v.status = IsStop(a->type) ? OrderStatus::kNew : OrderStatus::kActive;
      v.created_seq = command.seq;
      v.created_time = command.time;
      // The engine gave the order its account's tier's rates as it placed it, and nothing has changed the tier
      // since: the mirror has applied this command only. An order that traded away at once is never read from
      // the mirror, so they are taken here.
      const SetFeeTier rates = mirror.FeeTierRates(mirror.AccountFeeTier(a->account).value_or(0));
      v.maker_ppm = rates.maker_ppm;
      v.taker_ppm = rates.taker_ppm;
      if (place != nullptr) {
        v.tif = place->tif;
        v.flags = place->flags;
        v.trigger_price = place->trigger_price;
        v.notional = place->notional;
        v.client_oid = place->client_oid;
      }
      r.update_time = command.time;
      open_[a->order_id.value()] = r;
      open_by_account_[a->account.value()][a->order_id.value()] = a->order_id;
      AddUnique(&effects->orders, a->account, a->order_id);
      AddUnique(&effects->instruments, a->instrument);
    } else if (const auto* t = std::get_if<TradeEvent>(&event)) {
      RecordTrade(*t, command.time, effects);
    } else if (const auto* u = std::get_if<OrderUpdateEvent>(&event)) {
      if (OrderRecord* r = Touch(u->account, u->order_id, effects)) {
        r->view.status = u->status;
        r->view.price = u->price;
        r->view.filled = u->filled;
        r->view.cum_notional = u->cum_notional;
        r->view.cum_fee = u->cum_fee;
        r->update_time = command.time;
      }
      AddUnique(&effects->instruments, u->instrument);
    } else if (const auto* c = std::get_if<CancelledEvent>(&event)) {
      if (OrderRecord* r = Touch(c->account, c->order_id, effects)) {
        r->cancelled = true;
        r->cancel_reason = c->reason;
        r->update_time = command.time;
        switch (c->reason) {
          case CancelReason::kIocRemainder:
          case CancelReason::kMarketRemainder:
            r->view.status = OrderStatus::kExpired;
            break;
          case CancelReason::kTriggerFailed:
            r->view.status = OrderStatus::kRejected;
            break;
          default:
            r->view.status = OrderStatus::kCanceled;
        }
      }
      AddUnique(&effects->instruments, c->instrument);
    } else if (const auto* m = std::get_if<AmendedEvent>(&event)) {
      if (OrderRecord* r = Touch(m->account, m->order_id, effects)) {
        r->view.price = m->price;
        r->view.qty = m->qty;
        r->update_time = command.time;
        // The engine gives the order its new client_oid before the amend trades: the trades, and the record of an
        // order the amend fills, carry it (the mirror refreshes only the orders still open).
        const auto* amend = std::get_if<AmendOrder>(&command.body);
        if (amend != nullptr && !amend->new_client_oid.view().empty()) r->view.client_oid = amend->new_client_oid;
      }
      AddUnique(&effects->instruments, m->instrument);
    } else if (const auto* g = std::get_if<TriggeredEvent>(&event)) {
      if (OrderRecord* r = Touch(g->account, g->order_id, effects)) {
        r->view.status = OrderStatus::kActive;
        r->update_time = command.time;
      }
      AddUnique(&effects->instruments, g->instrument);
    } else if (const auto* b = std::get_if<BalanceEvent>(&event)) {
      AddUnique(&effects->balance_accounts, b->account);
    } else if (std::holds_alternative<AccountCreatedEvent>(event)) {
      effects->keys_changed = true;
    } else if (std::holds_alternative<DoneEvent>(event)) {
      if (std::holds_alternative<DefineAsset>(command.body) || std::holds_alternative<DefineInstrument>(command.body) ||
          std::holds_alternative<SetInstrumentStatus>(command.body)) {
        effects->catalog_changed = true;
      }
      if (std::holds_alternative<SetApiKey>(command.body)) effects->keys_changed = true;
      if (const auto* s = std::get_if<SetInstrumentStatus>(&command.body)) {
        AddUnique(&effects->instruments, s->instrument);
      }
    }
  }
  // The mirror is authoritative for every order still open; the others have left the book: into history.
  for (const auto& [account, id] : effects->orders) {
    const auto it = open_.find(id.value());
    if (it == open_.end()) continue;
    OrderRecord& r = it->second;
    if (std::optional<OrderView> now = mirror.FindOrder(r.view.account, id)) {
      const TimeNs update_time = r.update_time;
      r.view = *now;
      r.update_time = update_time;
      continue;
    }
    if (!r.cancelled && r.view.status != OrderStatus::kFilled) {
      r.view.status = (r.view.qty.value() != 0 && r.view.filled == r.view.qty) || r.view.qty.value() == 0
                          ? OrderStatus::kFilled
                          : OrderStatus::kCanceled;
    }
    effects->closed.push_back(r);
    OrderRecord closed = std::move(r);
    open_.erase(it);
    auto acct = open_by_account_.find(closed.view.account.value());
    if (acct != open_by_account_.end()) {
      acct->second.erase(id.value());
      if (acct->second.empty()) open_by_account_.erase(acct);
    }
    Close(std::move(closed));
  }
}

void Projection::Close(OrderRecord&& record) {
  std::deque<OrderRecord>* history = &closed_[record.view.account.value()];  // before `record` is moved from
  PushFrontBounded(history, std::move(record), kOrderHistory);
}

void Projection::RecordTrade(const TradeEvent& t, TimeNs time, CommandEffects* effects) {
  AddUnique(&effects->instruments, t.instrument);
  AddUnique(&effects->balance_accounts, t.maker_account);
  AddUnique(&effects->balance_accounts, t.taker_account);
  const auto oid_of = [this](OrderId id) {
    const auto it = open_.find(id.value());
    return it == open_.end() ? ClientOid{} : it->second.view.client_oid;
  };
  TradeRecord maker{t.match_id, time,          t.instrument,          Opposite(t.taker_side),
                    false,      t.maker_order, oid_of(t.maker_order), t.price,
                    t.qty,      t.notional,    t.maker_fee,           t.maker_account};
  TradeRecord taker{t.match_id, time,  t.instrument, t.taker_side, true,           t.taker_order, oid_of(t.taker_order),
                    t.price,    t.qty, t.notional,   t.taker_fee,  t.taker_account};
  PushFrontBounded(&trades_[t.maker_account.value()], TradeRecord(maker), kTradeHistory);
  PushFrontBounded(&trades_[t.taker_account.value()], TradeRecord(taker), kTradeHistory);
  effects->trades.push_back(maker);
  effects->trades.push_back(taker);

  InstrumentData& data = instruments_[t.instrument.value()];
  PushFrontBounded(&data.trades, PublicTrade{t.match_id, time, t.price, t.qty, t.taker_side}, kPublicTrades);
  const int64_t time_ms = time / 1'000'000;
  for (size_t i = 0; i < kTimeframes.size(); ++i) {
    std::deque<Candle>& candles = data.candles[i];
    const int64_t start = CandleStartMs(static_cast<int>(i), time_ms);
    if (candles.empty() || candles.front().start_ms < start) {
      PushFrontBounded(&candles, Candle{start, t.price, t.price, t.price, t.price, t.qty}, kCandles);
    } else {
      Candle& c = candles.front();
      c.high = std::max(c.high, t.price);
      c.low = std::min(c.low, t.price);
      c.close = t.price;
      c.volume += t.qty;
    }
  }
  const int64_t minute = FloorDiv(time_ms, kMinuteMs);
  if (data.minutes.empty() || data.minutes.back().minute < minute) {
    data.minutes.push_back(MinuteBucket{minute, t.price, t.price, t.price, t.price, t.qty, t.notional});
  } else {
    MinuteBucket& m = data.minutes.back();
    m.high = std::max(m.high, t.price);
    m.low = std::min(m.low, t.price);
    m.close = t.price;
    m.volume += t.qty;
    m.value += t.notional;
  }
  while (!data.minutes.empty() && data.minutes.front().minute <= minute - 1440) data.minutes.pop_front();
}

const OrderRecord* Projection::FindOrder(AccountId account, OrderId id) const {
  const auto it = open_.find(id.value());
  if (it != open_.end()) return it->second.view.account == account ? &it->second : nullptr;
  const auto c = closed_.find(account.value());
  if (c == closed_.end()) return nullptr;
  for (const OrderRecord& r : c->second) {
    if (r.view.order_id == id) return &r;
  }
  return nullptr;
}

const OrderRecord* Projection::FindByClientOid(AccountId account, std::string_view client_oid) const {
  if (client_oid.empty()) return nullptr;
  for (const OrderRecord* r : OpenOrders(account)) {
    if (r->view.client_oid.view() == client_oid) return r;
  }
  const auto c = closed_.find(account.value());
  if (c == closed_.end()) return nullptr;
  for (const OrderRecord& r : c->second) {
    if (r.view.client_oid.view() == client_oid) return &r;
  }
  return nullptr;
}

std::vector<const OrderRecord*> Projection::OpenOrders(AccountId account) const {
  std::vector<const OrderRecord*> out;
  const auto a = open_by_account_.find(account.value());
  if (a == open_by_account_.end()) return out;
  for (const auto& [id, unused] : a->second) {
    const auto it = open_.find(id);
    if (it != open_.end()) out.push_back(&it->second);
  }
  return out;
}

const std::deque<OrderRecord>* Projection::ClosedOrders(AccountId account) const {
  const auto it = closed_.find(account.value());
  return it == closed_.end() ? nullptr : &it->second;
}

const std::deque<TradeRecord>* Projection::Trades(AccountId account) const {
  const auto it = trades_.find(account.value());
  return it == trades_.end() ? nullptr : &it->second;
}

const std::deque<PublicTrade>* Projection::PublicTrades(InstrumentId instrument) const {
  const auto it = instruments_.find(instrument.value());
  return it == instruments_.end() ? nullptr : &it->second.trades;
}

const std::deque<Candle>* Projection::Candles(InstrumentId instrument, int tf_index) const {
  const auto it = instruments_.find(instrument.value());
  if (it == instruments_.end() || tf_index < 0 || tf_index >= static_cast<int>(kTimeframes.size())) return nullptr;
  return &it->second.candles[static_cast<size_t>(tf_index)];
}

Ticker Projection::TickerOf(InstrumentId instrument, TimeNs now) const {
  const auto it = instruments_.find(instrument.value());
  if (it == instruments_.end()) return Ticker{};
  InstrumentData& data = it->second;
  const int64_t cutoff = FloorDiv(now / 1'000'000, kMinuteMs) - 1440;
  const auto fold = [cutoff](Ticker* t, const MinuteBucket& m) {
    if (m.minute <= cutoff) return;
    if (!t->has_trades) {
      t->has_trades = true;
      t->open = m.open;
      t->high = m.high;
      t->low = m.low;
    }
    t->high = std::max(t->high, m.high);
    t->low = std::min(t->low, m.low);
    t->volume += m.volume;
    t->value += m.value;
  };
  const std::deque<MinuteBucket>& minutes = data.minutes;
  SettledMinutes& settled = data.settled;
  if (settled.cutoff != cutoff || settled.buckets != minutes.size() ||
      (!minutes.empty() && settled.first_minute != minutes.front().minute)) {
    settled = SettledMinutes{cutoff, minutes.size(), minutes.empty() ? 0 : minutes.front().minute, Ticker{}};
    for (size_t i = 0; i + 1 < minutes.size(); ++i) fold(&settled.ticker, minutes[i]);
  }
  Ticker t = settled.ticker;
  if (!minutes.empty()) fold(&t, minutes.back());
  if (!data.trades.empty()) t.last = data.trades.front().price;
  return t;
}

// --- Save / Load -------------------------------------------------------------------------------------------------
// Format: magic "SQXPROJ1", u32 version, i64 last_time, then the sections below, then u64 XXH3-64 of every
// preceding byte. Counts are u32; records are written field by field. Version 2 ends each order record with the
// order's i32 maker_ppm and i32 taker_ppm; version 1 (read, never written) has no rates.
//   open:        n x order record, ascending by order id
//   closed:      u32 accounts, per account (ascending): u32 account, u32 k, k x order record (newest first)
//   trades:      u32 accounts, per account (ascending): u32 account, u32 k, k x trade record (newest first)
//   instruments: u32 n, per instrument (ascending): u16 id, u32 k, k x public trade; 13 x (u32 k, k x candle);
//                u32 k, k x minute bucket
namespace {

using journal::ByteReader;
using journal::ByteWriter;

constexpr char kProjectionMagic[8] = {'S', 'Q', 'X', 'P', 'R', 'O', 'J', '1'};
constexpr uint32_t kProjectionVersion = 2;
constexpr uint32_t kProjectionVersionWithoutRates = 1;
constexpr size_t kChecksumBytes = 8;

void PutOid(ByteWriter& w, const ClientOid& oid) {
  w.U8(oid.len);
  w.Raw(oid.bytes, oid.len);
}

bool GetOid(ByteReader& r, ClientOid* oid) {
  const uint8_t len = r.U8();
  if (len > ClientOid::kMaxLen) return false;
  return oid->Assign(r.View(len)) && r.ok();
}

template <typename E>
bool GetEnum(ByteReader& r, E max, E* out) {
  const uint8_t v = r.U8();
  if (v > static_cast<uint8_t>(max)) return false;
  *out = static_cast<E>(v);
  return true;
}

void PutOrderRecord(ByteWriter& w, const OrderRecord& rec) {
  const OrderView& o = rec.view;
  w.U64(o.order_id.value());
  w.U32(o.account.value());
  w.U16(o.instrument.value());
  w.U8(static_cast<uint8_t>(o.side));
  w.U8(static_cast<uint8_t>(o.type));
  w.U8(static_cast<uint8_t>(o.tif));
  w.U8(static_cast<uint8_t>(o.status));
  w.U8(o.flags);
  w.I64(o.price.value());
  w.I64(o.trigger_price.value());
  w.I64(o.qty.value());
  w.I64(o.filled.value());
  w.I64(o.notional.value());
  w.I64(o.held.value());
  w.I64(o.cum_notional.value());
  w.I64(o.cum_fee.value());
  PutOid(w, o.client_oid);
  w.U64(o.created_seq);
  w.I64(o.created_time);
  w.I64(rec.update_time);
  w.U8(static_cast<uint8_t>(rec.cancel_reason));
  w.U8(rec.cancelled ? 1 : 0);
  w.I32(o.maker_ppm);
  w.I32(o.taker_ppm);
}

// `version` 1 leaves the rates to the caller.
bool GetOrderRecord(ByteReader& r, uint32_t version, OrderRecord* rec) {
  OrderView& o = rec->view;
  o.order_id = OrderId{r.U64()};
  o.account = AccountId{r.U32()};
  o.instrument = InstrumentId{r.U16()};
  if (!GetEnum(r, Side::kSell, &o.side) || !GetEnum(r, OrderType::kTakeProfitLimit, &o.type) ||
      !GetEnum(r, TimeInForce::kFillOrKill, &o.tif) || !GetEnum(r, OrderStatus::kExpired, &o.status)) {
    return false;
  }
  o.flags = r.U8();
  o.price = PriceTicks{r.I64()};
  o.trigger_price = PriceTicks{r.I64()};
  o.qty = QtyLots{r.I64()};
  o.filled = QtyLots{r.I64()};
  o.notional = Amount{r.I64()};
  o.held = Amount{r.I64()};
  o.cum_notional = Amount{r.I64()};
  o.cum_fee = Amount{r.I64()};
  if (!GetOid(r, &o.client_oid)) return false;
  o.created_seq = r.U64();
  o.created_time = r.I64();
  rec->update_time = r.I64();
  if (!GetEnum(r, CancelReason::kTriggerFailed, &rec->cancel_reason)) return false;
  const uint8_t cancelled = r.U8();
  rec->cancelled = cancelled == 1;
  if (cancelled > 1) return false;
  if (version != kProjectionVersionWithoutRates) {
    o.maker_ppm = r.I32();
    o.taker_ppm = r.I32();
    // The engine's bounds (SetFeeTier): nothing else could have placed an order.
    if (o.maker_ppm < -100'000 || o.maker_ppm > 100'000 || o.taker_ppm < 0 || o.taker_ppm > 100'000) return false;
  }
  return r.ok();
}

void PutTradeRecord(ByteWriter& w, const TradeRecord& t) {
  w.U64(t.match_id);
  w.I64(t.time);
  w.U16(t.instrument.value());
  w.U8(static_cast<uint8_t>(t.side));
  w.U8(t.taker ? 1 : 0);
  w.U64(t.order_id.value());
  PutOid(w, t.client_oid);
  w.I64(t.price.value());
  w.I64(t.qty.value());
  w.I64(t.notional.value());
  w.I64(t.fee.value());
  w.U32(t.account.value());
}

bool GetTradeRecord(ByteReader& r, TradeRecord* t) {
  t->match_id = r.U64();
  t->time = r.I64();
  t->instrument = InstrumentId{r.U16()};
  if (!GetEnum(r, Side::kSell, &t->side)) return false;
  const uint8_t taker = r.U8();
  t->taker = taker == 1;
  t->order_id = OrderId{r.U64()};
  if (taker > 1 || !GetOid(r, &t->client_oid)) return false;
  t->price = PriceTicks{r.I64()};
  t->qty = QtyLots{r.I64()};
  t->notional = Amount{r.I64()};
  t->fee = Amount{r.I64()};
  t->account = AccountId{r.U32()};
  return r.ok();
}

// A count read from the input, refused if the input cannot hold that many records of at least `min_bytes` each or
// if it passes `cap` (the projection's own bound on that list).
bool GetCount(ByteReader& r, size_t min_bytes, size_t cap, uint32_t* n) {
  *n = r.U32();
  return r.ok() && *n <= cap && *n <= r.remaining() / min_bytes;
}

}  // namespace

std::string Projection::Save() const {
  std::string out;
  ByteWriter w(&out);
  w.Raw(kProjectionMagic, sizeof kProjectionMagic);
  w.U32(kProjectionVersion);
  w.I64(last_time_);
  std::vector<uint64_t> open_ids;
  open_ids.reserve(open_.size());
  for (const auto& [id, unused] : open_) open_ids.push_back(id);
  std::sort(open_ids.begin(), open_ids.end());
  w.U32(static_cast<uint32_t>(open_ids.size()));
  for (uint64_t id : open_ids) PutOrderRecord(w, open_.at(id));
  w.U32(static_cast<uint32_t>(closed_.size()));
  for (const auto& [account, records] : closed_) {
    w.U32(account);
    w.U32(static_cast<uint32_t>(records.size()));
    for (const OrderRecord& r : records) PutOrderRecord(w, r);
  }
  w.U32(static_cast<uint32_t>(trades_.size()));
  for (const auto& [account, trades] : trades_) {
    w.U32(account);
    w.U32(static_cast<uint32_t>(trades.size()));
    for (const TradeRecord& t : trades) PutTradeRecord(w, t);
  }
  w.U32(static_cast<uint32_t>(instruments_.size()));
  for (const auto& [id, data] : instruments_) {
    w.U16(id);
    w.U32(static_cast<uint32_t>(data.trades.size()));
    for (const PublicTrade& t : data.trades) {
      w.U64(t.match_id);
      w.I64(t.time);
      w.I64(t.price.value());
      w.I64(t.qty.value());
      w.U8(static_cast<uint8_t>(t.taker_side));
    }
    for (const std::deque<Candle>& candles : data.candles) {
      w.U32(static_cast<uint32_t>(candles.size()));
      for (const Candle& c : candles) {
        w.I64(c.start_ms);
        w.I64(c.open.value());
        w.I64(c.high.value());
        w.I64(c.low.value());
        w.I64(c.close.value());
        w.I64(c.volume.value());
      }
    }
    w.U32(static_cast<uint32_t>(data.minutes.size()));
    for (const MinuteBucket& m : data.minutes) {
      w.I64(m.minute);
      w.I64(m.open.value());
      w.I64(m.high.value());
      w.I64(m.low.value());
      w.I64(m.close.value());
      w.I64(m.volume.value());
      w.I64(m.value.value());
    }
  }
  w.U64(XXH3_64bits(out.data(), out.size()));
  return out;
}

bool Projection::Load(std::string_view bytes, const Engine& state, std::string* error) {
  *this = Projection{};
  const auto fail = [&](const std::string& why) {
    *this = Projection{};
    *error = "projection: " + why;
    return false;
  };
  if (bytes.size() < sizeof kProjectionMagic + 4 + 8 + kChecksumBytes) return fail("too short");
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumBytes);
  if (journal::LoadLe(bytes.data() + body.size(), 8) != XXH3_64bits(body.data(), body.size())) {
    return fail("checksum mismatch");
  }
  ByteReader r(body);
  if (r.View(sizeof kProjectionMagic) != std::string_view(kProjectionMagic, sizeof kProjectionMagic)) {
    return fail("bad magic");
  }
  const uint32_t version = r.U32();
  if (version != kProjectionVersion && version != kProjectionVersionWithoutRates) {
    return fail("unsupported version " + std::to_string(version));
  }
  // What a version-1 order was charged is not known. Its open orders' rates are in `state`; for a closed order,
  // tier 0's rates are the likeliest: the only tier sequexd set before operators could set tiers.
  const SetFeeTier tier0 = state.FeeTierRates(0);
  const auto without_rates = [&](OrderView* o, bool open) {
    if (version != kProjectionVersionWithoutRates) return;
    const std::optional<OrderView> now = open ? state.FindOrder(o->account, o->order_id) : std::nullopt;
    o->maker_ppm = now ? now->maker_ppm : tier0.maker_ppm;
    o->taker_ppm = now ? now->taker_ppm : tier0.taker_ppm;
  };
  last_time_ = r.I64();
  constexpr size_t kMinOrderBytes = 100, kMinTradeBytes = 64, kMinCandleBytes = 48, kMinMinuteBytes = 56;
  uint32_t n = 0;
  if (!GetCount(r, kMinOrderBytes, SIZE_MAX, &n)) return fail("bad open-order count");
  for (uint32_t i = 0; i < n; ++i) {
    OrderRecord rec;
    if (!GetOrderRecord(r, version, &rec)) return fail("bad open order");
    without_rates(&rec.view, /*open=*/true);
    const uint64_t id = rec.view.order_id.value();
    open_by_account_[rec.view.account.value()][id] = rec.view.order_id;
    if (!open_.emplace(id, rec).second) return fail("open order listed twice");
  }
  if (!GetCount(r, 8, SIZE_MAX, &n)) return fail("bad account count");
  for (uint32_t i = 0; i < n; ++i) {
    std::deque<OrderRecord>& records = closed_[r.U32()];
    uint32_t k = 0;
    if (!records.empty() || !GetCount(r, kMinOrderBytes, kOrderHistory, &k)) return fail("bad order history");
    records.resize(k);
    for (OrderRecord& rec : records) {
      if (!GetOrderRecord(r, version, &rec)) return fail("bad closed order");
      without_rates(&rec.view, /*open=*/false);
    }
  }
  if (!GetCount(r, 8, SIZE_MAX, &n)) return fail("bad account count");
  for (uint32_t i = 0; i < n; ++i) {
    std::deque<TradeRecord>& trades = trades_[r.U32()];
    uint32_t k = 0;
    if (!trades.empty() || !GetCount(r, kMinTradeBytes, kTradeHistory, &k)) return fail("bad trade history");
    trades.resize(k);
    for (TradeRecord& t : trades) {
      if (!GetTradeRecord(r, &t)) return fail("bad trade");
    }
  }
  if (!GetCount(r, 2, UINT16_MAX + size_t{1}, &n)) return fail("bad instrument count");
  for (uint32_t i = 0; i < n; ++i) {
    const uint16_t id = r.U16();
    if (instruments_.contains(id)) return fail("instrument listed twice");
    InstrumentData& data = instruments_[id];
    uint32_t k = 0;
    if (!GetCount(r, 33, kPublicTrades, &k)) return fail("bad public trades");
    data.trades.resize(k);
    for (PublicTrade& t : data.trades) {
      t.match_id = r.U64();
      t.time = r.I64();
      t.price = PriceTicks{r.I64()};
      t.qty = QtyLots{r.I64()};
      if (!GetEnum(r, Side::kSell, &t.taker_side)) return fail("bad public trade");
    }
    for (std::deque<Candle>& candles : data.candles) {
      if (!GetCount(r, kMinCandleBytes, kCandles, &k)) return fail("bad candles");
      candles.resize(k);
      for (Candle& c : candles) {
        c.start_ms = r.I64();
        c.open = PriceTicks{r.I64()};
        c.high = PriceTicks{r.I64()};
        c.low = PriceTicks{r.I64()};
        c.close = PriceTicks{r.I64()};
        c.volume = QtyLots{r.I64()};
      }
    }
    if (!GetCount(r, kMinMinuteBytes, 1441, &k)) return fail("bad minute buckets");
    data.minutes.resize(k);
    for (MinuteBucket& m : data.minutes) {
      m.minute = r.I64();
      m.open = PriceTicks{r.I64()};
      m.high = PriceTicks{r.I64()};
      m.low = PriceTicks{r.I64()};
      m.close = PriceTicks{r.I64()};
      m.volume = QtyLots{r.I64()};
      m.value = Amount{r.I64()};
    }
  }
  if (!r.ok()) return fail("truncated");
  if (r.remaining() != 0) return fail("trailing bytes");
  return true;
}

}  // namespace sequex::server

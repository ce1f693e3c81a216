#include "server/publisher.h"

#include <algorithm>
#include <chrono>

#include "common/thread_name.h"
#include "server/api_format.h"

namespace sequex::server {
namespace {

// "book.BTC_USD.10" -> (BTC_USD, 10); "book.BTC_USD" -> depth 50.
bool ParseBookChannel(std::string_view channel, std::string_view* symbol, size_t* depth) {
  std::string_view rest = channel.substr(5);
  const size_t dot = rest.find('.');
  *depth = 50;
  if (dot != std::string_view::npos) {
    const std::string_view d = rest.substr(dot + 1);
    if (d == "10") {
      *depth = 10;
    } else if (d != "50") {
      return false;
    }
    rest = rest.substr(0, dot);
  }
  *symbol = rest;
  return !rest.empty();
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The levels of `next` that differ from `prev` (both best first, same side), as [price, qty, orders]; a level that
// disappeared is sent with qty "0".
void WriteDelta(api::JsonWriter& w, const std::vector<DepthLevel>& prev, const std::vector<DepthLevel>& next, bool bids,
                const InstrumentInfo& inst) {
  const auto better = [bids](PriceTicks a, PriceTicks b) { return bids ? a > b : a < b; };
  w.BeginArray();
  size_t i = 0, j = 0;
  const auto level = [&](PriceTicks price, QtyLots qty, uint32_t orders) {
    w.BeginArray();
    w.String(inst.FormatPrice(price));
    w.String(qty.value() == 0 ? std::string("0") : inst.FormatQty(qty));
    w.String(std::to_string(orders));
    w.EndArray();
  };
  while (i < prev.size() || j < next.size()) {
    if (j == next.size() || (i < prev.size() && better(prev[i].price, next[j].price))) {
      level(prev[i].price, QtyLots{0}, 0);
      ++i;
    } else if (i == prev.size() || better(next[j].price, prev[i].price)) {
      level(next[j].price, next[j].qty, next[j].orders);
      ++j;
    } else {
      if (prev[i].qty != next[j].qty || prev[i].orders != next[j].orders) {
        level(next[j].price, next[j].qty, next[j].orders);
      }
      ++i;
      ++j;
    }
  }
  w.EndArray();
}

bool SameLevels(const std::vector<DepthLevel>& a, const std::vector<DepthLevel>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](const DepthLevel& x, const DepthLevel& y) {
           return x.price == y.price && x.qty == y.qty && x.orders == y.orders;
         });
}

void BeginPush(api::JsonWriter& w, std::string_view channel_type, std::string_view subscription,
               std::string_view instrument) {
  w.Clear();
  w.BeginObject();
  w.IntField("id", -1);
  w.StringField("method", "subscribe");
  w.IntField("code", 0);
  w.Key("result");
  w.BeginObject();
  if (!instrument.empty()) w.StringField("instrument_name", instrument);
  w.StringField("subscription", subscription);
  w.StringField("channel", channel_type);
}

Message EndPush(api::JsonWriter& w) {
  w.EndObject();
  w.EndObject();
  return MakeMessage(std::string(w.view()));
}

}  // namespace

Publisher::Publisher(std::unique_ptr<Engine> mirror, Directory* directory)
    : mirror_(std::move(mirror)), directory_(directory), catalog_(VenueCatalog::Build(*mirror_)) {}

Publisher::~Publisher() { Stop(); }

void Publisher::Sink::OnComplete(const sequencer::Completion& c) {
  CompletionRecord r;
  r.client_ref = c.client_ref;
  r.status = c.status;
  if (c.command != nullptr) r.command = *c.command;
  // The ring is deep (64k commands); if the publisher ever falls that far behind, the sequencer waits for it
  // rather than lose an acknowledgement. The gateways' own rings then push back on clients.
  // NOLINTNEXTLINE(bugprone-use-after-move): TryPush moves only on kOk
  while (p_->completions_.TryPush(std::move(r)) != sequencer::RingOffer::kOk) std::this_thread::yield();
  p_->wakeup_.Notify();
}

TimeNs Publisher::query_time() const {
  const auto wall =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  return std::max<TimeNs>(projection_.last_time(), static_cast<TimeNs>(wall.count()));
}

void Publisher::Replay(const Command& command) {
  const std::span<const Event> events = mirror_->Apply(command);
  Fold(command, events, /*live=*/false);
}

bool Publisher::RestoreProjection(std::string_view bytes, std::string* error) {
  return projection_.Load(bytes, *mirror_, error);
}

void Publisher::EnableHistorySnapshots(journal::Env* env, const std::string& dir, uint64_t interval, SeqNo last_seq,
                                       SeqNo history_seq) {
  history_interval_ = interval;
  last_seq_ = last_seq;
  if (interval != 0) {
    history_writer_ = std::make_unique<snapshot::BackgroundSnapshotWriter>(
        env, dir, snapshot::BackgroundSnapshotWriter::Kind::kHistory);
    history_due_ = last_seq - history_seq >= interval;
  }
}

void Publisher::SaveHistory() {
  history_due_ = false;
  // While the previous one is still being written this one is skipped. Here, between batches, pushes and acks wait
  // only for the mirror's serialization and a copy of the projection into history_copy_ (whose memory is reused
  // from one snapshot to the next); the writer's thread serializes that copy, which is several times slower.
  if (history_writer_->busy()) return;
  history_copy_ = projection_;
  std::string engine_bytes = history_writer_->TakeBuffer();  // the last snapshot's memory, already resident
  mirror_->SaveSnapshot(&engine_bytes);
  (void)history_writer_->Submit({last_seq_, projection_.last_time(), mirror_->StateHash()}, std::move(engine_bytes),
                                [this] { return history_copy_.Save(); });
}

void Publisher::PublishDirectory() {
  catalog_ = VenueCatalog::Build(*mirror_);
  directory_->Publish(catalog_);
  directory_->Publish(KeyTable::Build(*mirror_));
}

void Publisher::Fold(const Command& command, std::span<const Event> events, bool live) {
  projection_.Apply(command, events, *mirror_, &effects_);
  applied_.fetch_add(1, std::memory_order_relaxed);
  if (effects_.catalog_changed && live) {
    catalog_ = VenueCatalog::Build(*mirror_);
    directory_->Publish(catalog_);
  }
  if (effects_.keys_changed && live) {
    // Only the command's own key changed. A new account cannot take a key away, so only a SetApiKey (a revoke, or
    // permissions without read) can end user subscriptions.
    const auto* set_key = std::get_if<SetApiKey>(&command.body);
    const auto* created = std::get_if<CreateAccount>(&command.body);
    const std::string_view key = set_key != nullptr   ? set_key->credential.key_view()
                                 : created != nullptr ? created->credential.key_view()
                                                      : std::string_view();
    if (!key.empty()) directory_->Publish(directory_->keys()->WithKeyFrom(*mirror_, key));
    if (set_key != nullptr) RevokeUserSubscriptions();
  }
  if (!live) return;
  for (InstrumentId id : effects_.instruments) ChannelsOf(id).dirty = true;
  for (const TradeRecord& t : effects_.trades) {
    if (!t.taker) continue;  // one of the two records of each match
    const auto ch = channels_.find(t.instrument.value());
    if (ch != channels_.end() && !ch->second.trades.outboxes.empty()) {
      ch->second.unpushed_trades.push_back(PublicTrade{t.match_id, t.time, t.price, t.qty, t.side});
    }
  }
  PushUser(effects_);
}

void Publisher::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    NameThisThread("sx-publisher");
    Run();
  });
}

void Publisher::Stop() {
  if (!running_.exchange(false)) return;
  wakeup_.WakeAll();
  thread_.join();
  while (DrainCompletions() != 0) {
  }
  std::function<void()> task;
  while (tasks_.TryPop(&task)) task();
}

bool Publisher::Post(std::function<void()> task) {
  if (tasks_.TryPush(std::move(task)) != sequencer::RingOffer::kOk) return false;
  wakeup_.Notify();
  return true;
}

void Publisher::Run() {
  if (history_due_) SaveHistory();
  while (running_.load(std::memory_order_acquire)) {
    size_t work = DrainCompletions();
    std::function<void()> task;
    for (size_t i = 0; i < 4096 && tasks_.TryPop(&task); ++i) {
      task();
      ++work;
    }
    if (work == 0) {
      wakeup_.Wait(
          [this] { return completions_.CanPop() || tasks_.CanPop() || !running_.load(std::memory_order_acquire); });
    }
  }
}

size_t Publisher::DrainCompletions() {
  size_t n = 0;
  CompletionRecord record;
  while (n < 4096 && completions_.TryPop(&record)) {
    Handle(record);
    ++n;
  }
  if (n != 0) FlushMarketData();
  if (history_due_) SaveHistory();
  return n;
}

void Publisher::Handle(CompletionRecord& record) {
  Outcome outcome;
  outcome.status = record.status;
  outcome.publisher = this;
  if (record.status == sequencer::AckStatus::kApplied) {
    outcome.command = &record.command;
    outcome.events = mirror_->Apply(record.command);
    Fold(record.command, outcome.events, /*live=*/true);
    if (history_interval_ != 0 && record.command.seq / history_interval_ != last_seq_ / history_interval_) {
      history_due_ = true;
    }
    last_seq_ = record.command.seq;
  }
  if (record.client_ref != 0) {
    std::unique_ptr<Continuation> k(reinterpret_cast<Continuation*>(record.client_ref));  // NOLINT: see ToClientRef
    (*k)(outcome);
  }
}

void Publisher::SendAll(std::vector<std::weak_ptr<Outbox>>& outboxes, const Message& m) {
  size_t live = 0;
  for (size_t i = 0; i < outboxes.size(); ++i) {
    if (std::shared_ptr<Outbox> o = outboxes[i].lock()) {
      o->Send(m);
      outboxes[live++] = outboxes[i];
    }
  }
  outboxes.resize(live);
}

void Publisher::PushUser(const CommandEffects& effects) {
  if (user_subscriptions_.empty()) return;
  api::JsonWriter& w = writer_;
  const auto each = [&](AccountId account, UserKind kind, InstrumentId instrument, auto&& make) {
    const auto it = user_subscriptions_.find(account.value());
    if (it == user_subscriptions_.end()) return;
    bool gone = false;
    for (UserSubscription& s : it->second) {
      if (s.kind != kind || (s.instrument != kAllInstruments && s.instrument != instrument)) continue;
      if (std::shared_ptr<Outbox> o = s.outbox.lock()) {
        o->Send(make(s.channel));
      } else {
        gone = true;
      }
    }
    // A session normally unsubscribes as it closes, but through Post, which a full task ring refuses: its
    // subscriptions stayed, each a channel and a key, until the key was revoked (every session of a busy account
    // that closed while the publisher was overloaded). They go at the account's next push, as the market
    // channels' do (SendAll).
    if (gone) {
      std::erase_if(it->second, [](const UserSubscription& s) { return s.outbox.expired(); });
      if (it->second.empty()) user_subscriptions_.erase(it);
    }
  };
  size_t next_closed = 0;  // effects.closed follows effects.orders
  for (const auto& [account, id] : effects.orders) {
    const OrderRecord* r = nullptr;
    if (next_closed < effects.closed.size() && effects.closed[next_closed].view.order_id == id &&
        effects.closed[next_closed].view.account == account) {
      r = &effects.closed[next_closed++];
    } else {
      r = projection_.FindOrder(account, id);  // still open (or closed before this command)
    }
    if (!user_subscriptions_.contains(account.value())) continue;
    if (r != nullptr) {
      each(account, UserKind::kOrder, r->view.instrument, [&](const std::string& channel) {
        const InstrumentInfo* inst = catalog_->FindInstrument(r->view.instrument);
        BeginPush(w, "user.order", channel, inst != nullptr ? std::string_view(inst->symbol) : std::string_view());
        w.Key("data");
        w.BeginArray();
        WriteOrder(w, *r, *catalog_);
        w.EndArray();
        return EndPush(w);
      });
    }
  }
  for (const TradeRecord& t : effects.trades) {
    each(t.account, UserKind::kTrade, t.instrument, [&](const std::string& channel) {
      const InstrumentInfo* inst = catalog_->FindInstrument(t.instrument);
      BeginPush(w, "user.trade", channel, inst != nullptr ? std::string_view(inst->symbol) : std::string_view());
      w.Key("data");
      w.BeginArray();
      WriteTrade(w, t, *catalog_);
      w.EndArray();
      return EndPush(w);
    });
  }
  for (AccountId account : effects.balance_accounts) {
    each(account, UserKind::kBalance, kAllInstruments, [&](const std::string& channel) {
      BeginPush(w, "user.balance", channel, {});
      w.Key("data");
      w.BeginArray();
      WriteBalance(w, account, *mirror_, *catalog_);
      w.EndArray();
      return EndPush(w);
    });
  }
}

Message Publisher::BookSnapshot(const BookChannel& book, TimeNs now) const {
  api::JsonWriter w;
  const InstrumentInfo* inst = catalog_->FindInstrument(book.instrument);
  BeginPush(w, "book", book.channel, inst->symbol);
  w.IntField("depth", static_cast<int64_t>(book.depth));
  w.Key("data");
  w.BeginArray();
  w.BeginObject();
  WriteBook(w, book.bids, book.asks, *inst);
  w.IntField("t", now / 1'000'000);
  w.IntField("tt", now / 1'000'000);
  w.UintField("u", book.last_u);
  w.EndObject();
  w.EndArray();
  return EndPush(w);
}

void Publisher::PublishBook(BookChannel& book, const BookDepth& depth, TimeNs now) {
  const size_t nb = std::min(book.depth, depth.bids.size());
  const size_t na = std::min(book.depth, depth.asks.size());
  std::vector<DepthLevel> bids(depth.bids.begin(), depth.bids.begin() + static_cast<ptrdiff_t>(nb));
  std::vector<DepthLevel> asks(depth.asks.begin(), depth.asks.begin() + static_cast<ptrdiff_t>(na));
  if (SameLevels(bids, book.bids) && SameLevels(asks, book.asks)) return;
  const uint64_t u = ++book_update_id_;
  if (!book.subscribers.empty()) {
    const InstrumentInfo* inst = catalog_->FindInstrument(book.instrument);
    api::JsonWriter& w = writer_;
    BeginPush(w, "book.update", book.channel, inst->symbol);
    w.IntField("depth", static_cast<int64_t>(book.depth));
    w.Key("data");
    w.BeginArray();
    w.BeginObject();
    w.Key("update");
    w.BeginObject();
    w.Key("asks");
    WriteDelta(w, book.asks, asks, /*bids=*/false, *inst);
    w.Key("bids");
    WriteDelta(w, book.bids, bids, /*bids=*/true, *inst);
    w.EndObject();
    w.IntField("t", now / 1'000'000);
    w.IntField("tt", now / 1'000'000);
    w.UintField("u", u);
    w.UintField("pu", book.last_u);
    w.EndObject();
    w.EndArray();
    SendAll(book.subscribers, EndPush(w));
  }
  book.last_u = u;
  book.bids = std::move(bids);
  book.asks = std::move(asks);
}

void Publisher::PublishTicker(InstrumentChannels& ch, const InstrumentInfo& inst, const Ticker& ticker, TimeNs now) {
  api::JsonWriter& w = writer_;
  BeginPush(w, "ticker", ch.ticker.channel, inst.symbol);
  w.Key("data");
  w.BeginArray();
  WriteTicker(w, inst, ticker, *mirror_, now);
  w.EndArray();
  SendAll(ch.ticker.outboxes, EndPush(w));
  ch.pushed_ticker = ticker;
}

void Publisher::RefreshTickers() {
  const TimeNs now = query_time();
  // The window's part of a ticker; `last` and the book's top change only with a command, which pushes anyway.
  const auto same_day = [](const Ticker& a, const Ticker& b) {
    return a.has_trades == b.has_trades && a.open == b.open && a.high == b.high && a.low == b.low &&
           a.volume == b.volume && a.value == b.value;
  };
  for (auto& [id, ch] : channels_) {
    if (ch.ticker.outboxes.empty()) continue;
    const InstrumentInfo* inst = catalog_->FindInstrument(InstrumentId{id});
    if (inst == nullptr) continue;
    const Ticker ticker = projection_.TickerOf(InstrumentId{id}, now);
    if (!same_day(ticker, ch.pushed_ticker)) PublishTicker(ch, *inst, ticker, now);
  }
}

void Publisher::FlushMarketData() {
  const TimeNs now = projection_.last_time();
  for (auto& [id, ch] : channels_) {
    if (!ch.dirty) continue;
    ch.dirty = false;
    const InstrumentId instrument{id};
    const InstrumentInfo* inst = catalog_->FindInstrument(instrument);
    if (inst == nullptr) continue;
    if (!ch.books.empty()) {
      const BookDepth depth = mirror_->Depth(instrument, 50);
      for (BookChannel& book : ch.books) PublishBook(book, depth, now);
    }
    const std::deque<PublicTrade>* trades = projection_.PublicTrades(instrument);
    const bool new_trades = trades != nullptr && !trades->empty() && trades->front().match_id > ch.last_pushed_match;
    if (new_trades && !ch.trades.outboxes.empty() && !ch.unpushed_trades.empty()) {
      api::JsonWriter& w = writer_;
      BeginPush(w, "trade", ch.trades.channel, inst->symbol);
      w.Key("data");
      w.BeginArray();
      for (auto t = ch.unpushed_trades.rbegin(); t != ch.unpushed_trades.rend(); ++t) {  // newest first
        if (t->match_id <= ch.last_pushed_match) break;  // already in a subscriber's first message
        WritePublicTrade(w, *t, *inst);
      }
      w.EndArray();
      SendAll(ch.trades.outboxes, EndPush(w));
    }
    ch.unpushed_trades.clear();
    if (new_trades) ch.last_pushed_match = trades->front().match_id;
    if (!ch.ticker.outboxes.empty()) PublishTicker(ch, *inst, projection_.TickerOf(instrument, now), now);
    if (new_trades) {
      for (auto& [tf, subs] : ch.candles) {
        const std::deque<Candle>* candles = projection_.Candles(instrument, tf);
        if (subs.outboxes.empty() || candles == nullptr || candles->empty()) continue;
        api::JsonWriter& w = writer_;
        BeginPush(w, "candlestick", subs.channel, inst->symbol);
        // The timeframe as the channel names it (M1 and 1m are the same channel's two spellings).
        const std::string_view rest = std::string_view(subs.channel).substr(12);
        w.StringField("interval", rest.substr(0, rest.find('.')));
        w.Key("data");
        w.BeginArray();
        // Every candle since the newest one pushed, oldest first: trades of one batch can close one candle and open
        // the next, and the closed one's last values are pushed too.
        size_t n = 0;
        while (n < candles->size() && (*candles)[n].start_ms >= subs.last_candle_start_ms) ++n;
        for (size_t i = std::max<size_t>(n, 1); i-- > 0;) WriteCandle(w, (*candles)[i], *inst);
        subs.last_candle_start_ms = candles->front().start_ms;
        w.EndArray();
        SendAll(subs.outboxes, EndPush(w));
      }
    }
  }
}

uint32_t Publisher::CheckChannel(std::string_view channel, const VenueCatalog& catalog, bool authenticated) {
  constexpr uint32_t kBadChannel = 40003;
  const auto instrument_ok = [&](std::string_view symbol) { return catalog.FindInstrument(symbol) != nullptr; };
  if (StartsWith(channel, "user.")) {
    if (!authenticated) return 40101;
    if (channel == "user.balance" || channel == "user.order" || channel == "user.trade") return 0;
    for (std::string_view prefix : {"user.order.", "user.trade."}) {
      if (StartsWith(channel, prefix) && instrument_ok(channel.substr(prefix.size()))) return 0;
    }
    return kBadChannel;
  }
  if (StartsWith(channel, "book.")) {
    std::string_view symbol;
    size_t depth = 0;
    return ParseBookChannel(channel, &symbol, &depth) && instrument_ok(symbol) ? 0 : kBadChannel;
  }
  if (StartsWith(channel, "trade.")) return instrument_ok(channel.substr(6)) ? 0 : kBadChannel;
  if (StartsWith(channel, "ticker.")) return instrument_ok(channel.substr(7)) ? 0 : kBadChannel;
  if (StartsWith(channel, "candlestick.")) {
    const std::string_view rest = channel.substr(12);
    const size_t dot = rest.find('.');
    return dot != std::string_view::npos && TimeframeIndex(rest.substr(0, dot)) >= 0 &&
                   instrument_ok(rest.substr(dot + 1))
               ? 0
               : kBadChannel;
  }
  return kBadChannel;
}

bool Publisher::KeyMayRead(AccountId account, std::string_view api_key) const {
  const std::optional<ApiKeyView> key = mirror_->FindApiKey(api_key);
  return key && key->account == account && (key->credential.permissions & kPermissionRead) != 0;
}

// A revoked key's private pushes stop at once, and its sessions end: the client learns at its next request or
// reconnect, which a silent stop of the pushes would not tell it.
void Publisher::RevokeUserSubscriptions() {
  for (auto it = user_subscriptions_.begin(); it != user_subscriptions_.end();) {
    std::erase_if(it->second, [&](const UserSubscription& s) {
      if (s.outbox.expired()) return true;  // its session is gone (see PushUser)
      if (KeyMayRead(AccountId{it->first}, s.api_key)) return false;
      if (const std::shared_ptr<Outbox> o = s.outbox.lock()) o->Revoke();
      return true;
    });
    it = it->second.empty() ? user_subscriptions_.erase(it) : std::next(it);
  }
}

uint32_t Publisher::Subscribe(const std::shared_ptr<Outbox>& outbox, const std::string& channel, AccountId account,
                              const std::string& api_key) {
  constexpr uint32_t kBadChannel = 40003;  // the API's "invalid channel"/"bad params" family
  // The first message answers for the time of subscribing, as a query does: on a quiet venue the last command's
  // time made the book snapshot and the ticker old, and the ticker's 24 hours ended at that command, so it counted
  // trades older than a day that get-tickers no longer counts.
  const TimeNs now = query_time();
  if (StartsWith(channel, "user.")) {
    // Checked here too: the key may have been revoked between the session's check and this task.
    if (account.value() == 0 || !KeyMayRead(account, api_key)) return 40101;
    UserSubscription s;
    s.outbox = outbox;
    s.key = outbox.get();
    s.channel = channel;
    s.api_key = api_key;
    std::string_view rest;
    if (StartsWith(channel, "user.order")) {
      s.kind = UserKind::kOrder;
      rest = std::string_view(channel).substr(10);
    } else if (StartsWith(channel, "user.trade")) {
      s.kind = UserKind::kTrade;
      rest = std::string_view(channel).substr(10);
    } else if (channel == "user.balance") {
      s.kind = UserKind::kBalance;
    } else {
      return kBadChannel;
    }
    if (!rest.empty()) {
      if (rest[0] != '.') return kBadChannel;
      const InstrumentInfo* inst = catalog_->FindInstrument(rest.substr(1));
      if (inst == nullptr) return kBadChannel;
      s.instrument = inst->id;
    }
    user_subscriptions_[account.value()].push_back(s);
    // First message: the current state (open orders; balances). Trades start with what happens next.
    api::JsonWriter w;
    if (s.kind == UserKind::kOrder) {
      BeginPush(w, "user.order", channel, {});
      w.Key("data");
      w.BeginArray();
      const std::vector<const OrderRecord*> open = projection_.OpenOrders(account);
      ReserveOrders(w, open.size());
      for (const OrderRecord* r : open) {
        if (s.instrument == kAllInstruments || r->view.instrument == s.instrument) WriteOrder(w, *r, *catalog_);
      }
      w.EndArray();
      outbox->Send(EndPush(w));
    } else if (s.kind == UserKind::kBalance) {
      BeginPush(w, "user.balance", channel, {});
      w.Key("data");
      w.BeginArray();
      WriteBalance(w, account, *mirror_, *catalog_);
      w.EndArray();
      outbox->Send(EndPush(w));
    }
    return 0;
  }
  // Market channels.
  if (StartsWith(channel, "book.")) {
    std::string_view symbol;
    size_t depth = 50;
    if (!ParseBookChannel(channel, &symbol, &depth)) return kBadChannel;
    const InstrumentInfo* inst = catalog_->FindInstrument(symbol);
    if (inst == nullptr) return kBadChannel;
    InstrumentChannels& ch = ChannelsOf(inst->id);
    auto it =
        std::find_if(ch.books.begin(), ch.books.end(), [&](const BookChannel& b) { return b.channel == channel; });
    if (it == ch.books.end()) {
      BookChannel b;
      b.channel = channel;
      b.instrument = inst->id;
      b.depth = depth;
      const BookDepth d = mirror_->Depth(inst->id, depth);
      b.bids = d.bids;
      b.asks = d.asks;
      b.last_u = ++book_update_id_;
      ch.books.push_back(std::move(b));
      it = std::prev(ch.books.end());
    }
    it->subscribers.push_back(outbox);
    outbox->Send(BookSnapshot(*it, now));
    return 0;
  }
  const auto instrument_after = [&](size_t prefix) -> const InstrumentInfo* {
    return channel.size() > prefix ? catalog_->FindInstrument(std::string_view(channel).substr(prefix)) : nullptr;
  };
  if (StartsWith(channel, "trade.")) {
    const InstrumentInfo* inst = instrument_after(6);
    if (inst == nullptr) return kBadChannel;
    InstrumentChannels& ch = ChannelsOf(inst->id);
    ch.trades.channel = channel;
    ch.trades.outboxes.push_back(outbox);
    api::JsonWriter w;
    BeginPush(w, "trade", channel, inst->symbol);
    w.Key("data");
    w.BeginArray();
    if (const std::deque<PublicTrade>* trades = projection_.PublicTrades(inst->id)) {
      size_t n = 0;
      for (const PublicTrade& t : *trades) {
        if (n++ == 50) break;
        WritePublicTrade(w, t, *inst);
      }
      if (!trades->empty()) ch.last_pushed_match = std::max(ch.last_pushed_match, trades->front().match_id);
    }
    w.EndArray();
    outbox->Send(EndPush(w));
    return 0;
  }
  if (StartsWith(channel, "ticker.")) {
    const InstrumentInfo* inst = instrument_after(7);
    if (inst == nullptr) return kBadChannel;
    InstrumentChannels& ch = ChannelsOf(inst->id);
    ch.ticker.channel = channel;
    const Ticker ticker = projection_.TickerOf(inst->id, now);
    // The first subscriber's first message is the channel's last word (the others' may be older).
    if (ch.ticker.outboxes.empty()) ch.pushed_ticker = ticker;
    ch.ticker.outboxes.push_back(outbox);
    api::JsonWriter w;
    BeginPush(w, "ticker", channel, inst->symbol);
    w.Key("data");
    w.BeginArray();
    WriteTicker(w, *inst, ticker, *mirror_, now);
    w.EndArray();
    outbox->Send(EndPush(w));
    return 0;
  }
  if (StartsWith(channel, "candlestick.")) {
    const std::string_view rest = std::string_view(channel).substr(12);
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return kBadChannel;
    const int tf = TimeframeIndex(rest.substr(0, dot));
    const InstrumentInfo* inst = catalog_->FindInstrument(rest.substr(dot + 1));
    if (tf < 0 || inst == nullptr) return kBadChannel;
    InstrumentChannels& ch = ChannelsOf(inst->id);
    auto it =
        std::find_if(ch.candles.begin(), ch.candles.end(), [&](const auto& p) { return p.second.channel == channel; });
    if (it == ch.candles.end()) {
      ch.candles.emplace_back(tf, Subscribers{channel, {}});
      it = std::prev(ch.candles.end());
    }
    it->second.outboxes.push_back(outbox);
    if (const std::deque<Candle>* candles = projection_.Candles(inst->id, tf);
        candles != nullptr && !candles->empty()) {
      it->second.last_candle_start_ms = std::max(it->second.last_candle_start_ms, candles->front().start_ms);
    }
    api::JsonWriter w;
    BeginPush(w, "candlestick", channel, inst->symbol);
    w.StringField("interval", rest.substr(0, dot));
    w.Key("data");
    w.BeginArray();
    if (const std::deque<Candle>* candles = projection_.Candles(inst->id, tf)) {
      // Oldest first, as the API sends them; at most 300.
      const size_t n = std::min<size_t>(candles->size(), 300);
      for (size_t i = n; i-- > 0;) WriteCandle(w, (*candles)[i], *inst);
    }
    w.EndArray();
    outbox->Send(EndPush(w));
    return 0;
  }
  return kBadChannel;
}

void Publisher::Unsubscribe(const Outbox* outbox, const std::string& channel) {
  const auto drop = [outbox](std::vector<std::weak_ptr<Outbox>>& v) {
    std::erase_if(v, [outbox](const std::weak_ptr<Outbox>& w) {
      const std::shared_ptr<Outbox> o = w.lock();
      return o == nullptr || o.get() == outbox;
    });
  };
  for (auto& [id, ch] : channels_) {
    for (BookChannel& b : ch.books) {
      if (channel.empty() || b.channel == channel) drop(b.subscribers);
    }
    if (channel.empty() || ch.trades.channel == channel) drop(ch.trades.outboxes);
    if (channel.empty() || ch.ticker.channel == channel) drop(ch.ticker.outboxes);
    for (auto& [tf, subs] : ch.candles) {
      if (channel.empty() || subs.channel == channel) drop(subs.outboxes);
    }
  }
  for (auto it = user_subscriptions_.begin(); it != user_subscriptions_.end();) {
    std::erase_if(it->second, [&](const UserSubscription& s) {
      return s.key == outbox && (channel.empty() || s.channel == channel);
    });
    it = it->second.empty() ? user_subscriptions_.erase(it) : std::next(it);
  }
}

void Publisher::UnsubscribeAll(const Outbox* outbox) { Unsubscribe(outbox, std::string()); }

size_t Publisher::subscriptions() const {
  size_t n = 0;
  for (const auto& [id, ch] : channels_) {
    for (const BookChannel& b : ch.books) n += b.subscribers.size();
    n += ch.trades.outboxes.size() + ch.ticker.outboxes.size();
    for (const auto& [tf, subs] : ch.candles) n += subs.outboxes.size();
  }
  for (const auto& [account, subs] : user_subscriptions_) n += subs.size();
  return n;
}

}  // namespace sequex::server

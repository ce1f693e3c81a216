// Projection: the read side of the venue, built on the publisher thread from the stream of (command, events) —
// never on the engine thread. It keeps what the engine does not: every order's last known state once it has left
// the book (order history), private and public trades, 24-hour tickers and candlesticks for every timeframe.
// Current state (open orders, balances, books) is read from the mirror engine, which applies the same commands.
//
// Bounded: per account the last kOrderHistory closed orders and kTradeHistory trades, per instrument the last
// kPublicTrades trades and kCandles candles per timeframe. Restored at start from the newest history snapshot and
// the journal after it (or the whole journal).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/command.h"
#include "engine/engine.h"
#include "engine/event.h"

namespace sequex::server {

struct OrderRecord {
  OrderView view;  // status, filled, cum_notional, cum_fee as last known; maker_ppm, taker_ppm as placed
  TimeNs update_time = 0;
  CancelReason cancel_reason = CancelReason::kUserRequest;
  bool cancelled = false;
};

struct TradeRecord {
  uint64_t match_id = 0;
  TimeNs time = 0;
  InstrumentId instrument{};
  Side side = Side::kBuy;  // this account's side
  bool taker = false;
  OrderId order_id{};
  ClientOid client_oid{};
  PriceTicks price{};
  QtyLots qty{};
  Amount notional{};
  Amount fee{};  // quote units charged (negative = rebate)
  AccountId account{};
};

struct PublicTrade {
  uint64_t match_id = 0;
  TimeNs time = 0;
  PriceTicks price{};
  QtyLots qty{};
  Side taker_side = Side::kBuy;
};

struct Candle {
  int64_t start_ms = 0;
  PriceTicks open{}, high{}, low{}, close{};
  QtyLots volume{};
};

// The API's timeframes, in its spelling.
inline constexpr std::array<std::string_view, 13> kTimeframes = {"1m", "5m",  "15m", "30m", "1h",  "2h", "4h",
                                                                 "6h", "12h", "1D",  "7D",  "14D", "1M"};
[[nodiscard]] int TimeframeIndex(std::string_view tf);  // -1 if unknown
[[nodiscard]] int64_t CandleStartMs(int tf_index, int64_t time_ms);

struct Ticker {
  bool has_trades = false;  // within the last 24 h
  PriceTicks last{}, high{}, low{}, open{};
  QtyLots volume{};
  Amount value{};  // quote units
};

// What one command changed, for the publisher's pushes.
struct CommandEffects {
  std::vector<std::pair<AccountId, OrderId>> orders;  // touched orders (their records: RecordOf)
  // The records of the touched orders that closed, in the order of `orders`: history keeps an account's newest
  // kOrderHistory, so a cancel-all of more orders has dropped the first ones' records before they are pushed.
  std::vector<OrderRecord> closed;
  std::vector<TradeRecord> trades;          // two per match: maker's and taker's
  std::vector<AccountId> balance_accounts;  // accounts whose balances changed
  std::vector<InstrumentId> instruments;    // books, trades or statuses that changed
  bool catalog_changed = false;             // an asset or instrument was defined or changed status
  bool keys_changed = false;
  void Clear() {
    orders.clear();
    closed.clear();
    trades.clear();
    balance_accounts.clear();
    instruments.clear();
    catalog_changed = keys_changed = false;
  }
};

class Projection {
 public:
  static constexpr size_t kOrderHistory = 2000;
  static constexpr size_t kTradeHistory = 2000;
  static constexpr size_t kPublicTrades = 1000;
  static constexpr size_t kCandles = 1000;

  // Folds one applied command and its events in; `mirror` has already applied it.
  void Apply(const Command& command, std::span<const Event> events, const Engine& mirror, CommandEffects* effects);

  // The record of an account's order, open or recently closed (newest match); nullptr if unknown.
  [[nodiscard]] const OrderRecord* FindOrder(AccountId account, OrderId id) const;
  [[nodiscard]] const OrderRecord* FindByClientOid(AccountId account, std::string_view client_oid) const;
  // An account's open orders (resting and waiting stops), oldest first.
  [[nodiscard]] std::vector<const OrderRecord*> OpenOrders(AccountId account) const;
  // Closed orders of an account, newest first.
  [[nodiscard]] const std::deque<OrderRecord>* ClosedOrders(AccountId account) const;
  // An account's trades, newest first.
  [[nodiscard]] const std::deque<TradeRecord>* Trades(AccountId account) const;
  // An instrument's public trades, newest first.
  [[nodiscard]] const std::deque<PublicTrade>* PublicTrades(InstrumentId instrument) const;
  [[nodiscard]] const std::deque<Candle>* Candles(InstrumentId instrument, int tf_index) const;
  [[nodiscard]] Ticker TickerOf(InstrumentId instrument, TimeNs now) const;
  [[nodiscard]] TimeNs last_time() const { return last_time_; }

  // History that starts at a recovered state (the journal before it pruned away) starts with that state's open
  // orders, read from `mirror`: they are current state, so they are listed, found, amended, cancelled and pushed as
  // any other; what happened to them before is not known.
  void AdoptOpenOrders(const Engine& mirror);

  // The whole projection as little-endian bytes (docs/server.md, "History snapshots"), and back. The same
  // projection always gives the same bytes. Load replaces this projection; on false (`error` says why) it is empty.
  // `state` is the engine state the bytes were saved with: a version-1 projection, whose orders have no rates,
  // gives its open orders theirs from `state` and its closed orders `state`'s tier-0 rates.
  [[nodiscard]] std::string Save() const;
  bool Load(std::string_view bytes, const Engine& state, std::string* error);

 private:
  struct MinuteBucket {
    int64_t minute = 0;
    PriceTicks open{}, high{}, low{}, close{};
    QtyLots volume{};
    Amount value{};
  };
  // The ticker folded over every minute bucket of a window but the newest (the only one a trade still changes),
  // so that a ticker asked again in the same window folds in that one alone: folding all 1,440 of a busy day on
  // every push and query cost the publisher about 3 us a ticker (`server_benchmark`'s BM_TickerOfBusyDay). Valid while
  // the window's cutoff and the buckets (appended to, pruned at the front) are as they were.
  struct SettledMinutes {
    int64_t cutoff = INT64_MIN;  // minutes at or before it are outside the window
    size_t buckets = 0;          // minutes.size() then
    int64_t first_minute = 0;    // minutes.front().minute then
    Ticker ticker;
  };
  struct InstrumentData {
    std::deque<PublicTrade> trades;
    std::array<std::deque<Candle>, kTimeframes.size()> candles;
    std::deque<MinuteBucket> minutes;  // last 24 h
    SettledMinutes settled;            // derived from `minutes`, never saved
  };

  OrderRecord* Touch(AccountId account, OrderId id, CommandEffects* effects);
  void RecordTrade(const TradeEvent& t, TimeNs time, CommandEffects* effects);
  void Close(OrderRecord&& record);

  std::unordered_map<uint64_t, OrderRecord> open_;                   // by order id (not iterated)
  std::map<uint32_t, std::map<uint64_t, OrderId>> open_by_account_;  // account -> (order id -> id), placement order
  std::map<uint32_t, std::deque<OrderRecord>> closed_;               // by account
  std::map<uint32_t, std::deque<TradeRecord>> trades_;               // by account
  // Mutable: TickerOf keeps each instrument's SettledMinutes (publisher thread only, as everything here).
  mutable std::map<uint16_t, InstrumentData> instruments_;
  TimeNs last_time_ = 0;
};

}  // namespace sequex::server

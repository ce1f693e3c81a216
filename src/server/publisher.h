// Publisher: the thread after the engine (docs/server.md). It receives every sequenced command, in order, from the
// sequencer's completion ring; applies it to a mirror Engine (the same commands give the same state, so the
// mirror can answer queries without ever touching the engine thread's state); folds the events into the
// Projection (history, tickers, candles); runs the continuation the gateway attached to the command (the
// acknowledgement); and publishes user pushes at once and market data (book deltas, trades, tickers, candles)
// once per drained batch, each message serialized once for all of its subscribers.
//
// Gateways reach it two ways: a command's continuation (set in the Submission's client_ref), and Post(task) for
// queries and subscriptions, which run on the publisher thread in order with the completions — so a client that
// got an acknowledgement and then queries sees its order.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "api/json_writer.h"
#include "common/wakeup.h"
#include "engine/engine.h"
#include "sequencer/mpsc_ring.h"
#include "sequencer/sequencer.h"
#include "server/catalog.h"
#include "server/outbox.h"
#include "server/projection.h"
#include "snapshot/snapshot_store.h"

namespace sequex::server {

class Publisher;

// What became of a submitted command, given to its continuation on the publisher thread.
struct Outcome {
  sequencer::AckStatus status = sequencer::AckStatus::kApplied;
  const Command* command = nullptr;  // null unless kApplied
  std::span<const Event> events;     // the mirror's events for it
  Publisher* publisher = nullptr;
};
using Continuation = std::function<void(const Outcome&)>;

// The first event of type E among a command's events, or nullptr.
template <typename E>
[[nodiscard]] const E* FindEvent(std::span<const Event> events) {
  for (const Event& e : events) {
    if (const auto* x = std::get_if<E>(&e)) return x;
  }
  return nullptr;
}

// client_ref <-> continuation: the pointer travels through the sequencer as the client_ref (0 = none).
[[nodiscard]] inline uint64_t ToClientRef(Continuation k) {
  return reinterpret_cast<uint64_t>(new Continuation(std::move(k)));  // NOLINT: owned by the ref until completion
}

class Publisher {
 public:
  Publisher(std::unique_ptr<Engine> mirror, Directory* directory);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Before Start: folds a journaled command into the mirror and the projection (recovery); no pushes.
  void Replay(const Command& command);
  // Before Start: replaces the projection with one a history snapshot saved (the mirror given to the constructor
  // is that snapshot's engine). False, with `error`, if the bytes are not a valid projection.
  bool RestoreProjection(std::string_view bytes, std::string* error);
  // Before Start: every `interval` commands (at the end of the batch that crosses a multiple of it), the publisher
  // serializes its mirror and projection and hands them to a background writer, which writes a history snapshot
  // into `dir` (snapshot/snapshot_store.h). `last_seq`: the last command already folded in; `history_seq`: that of
  // the history snapshot it started from (0: none). When they are `interval` or more apart, the publisher writes
  // one as soon as it starts, so that the next restart does not fold the same commands again.
  void EnableHistorySnapshots(journal::Env* env, const std::string& dir, uint64_t interval, SeqNo last_seq,
                              SeqNo history_seq);
  // Before Start, when history starts at the mirror's state (Projection::AdoptOpenOrders).
  void AdoptOpenOrders() { projection_.AdoptOpenOrders(*mirror_); }
  // After replay: publishes the catalog and keys to the directory.
  void PublishDirectory();

  sequencer::AckSink* sink() { return &sink_; }
  void Start();
  void Stop();  // drains what is queued, then joins

  // Runs `task` on the publisher thread. Any thread; false if the task ring is full (the caller answers "busy").
  bool Post(std::function<void()> task);

  // --- publisher thread only (inside tasks and continuations) ---
  [[nodiscard]] const Engine& engine() const { return *mirror_; }
  [[nodiscard]] const Projection& projection() const { return projection_; }
  [[nodiscard]] const VenueCatalog& catalog() const { return *catalog_; }
  [[nodiscard]] TimeNs now() const { return projection_.last_time(); }
  // The time a query or a subscription's first message answers for: the wall clock, never before the last command's
  // time (the sequencer stamps commands from the same clock). A quiet venue's book is not hours old, and a ticker's
  // 24 hours end now, not at the last command.
  [[nodiscard]] TimeNs query_time() const;
  // 0 if `channel` names a channel of this venue (any thread: reads only the catalog), else an API error code.
  [[nodiscard]] static uint32_t CheckChannel(std::string_view channel, const VenueCatalog& catalog, bool authenticated);
  // Subscribes `outbox` to a channel and sends its first message (snapshot). For user.* channels, `account` and the
  // `api_key` the session authenticated with: the key must still be the account's, with the read permission, and
  // when it stops being so the subscription ends and the outbox is revoked. Returns 0 or an API error code.
  uint32_t Subscribe(const std::shared_ptr<Outbox>& outbox, const std::string& channel, AccountId account,
                     const std::string& api_key = {});
  void Unsubscribe(const Outbox* outbox, const std::string& channel);
  void UnsubscribeAll(const Outbox* outbox);
  // Pushes the ticker of every subscribed instrument whose last 24 hours, at query_time(), are no longer what its
  // last push said: a minute left the window with trades in it. A ticker is otherwise pushed only after a command
  // changes its book, so a quiet instrument's subscribers went on seeing trades older than a day. The server posts
  // it every second.
  void RefreshTickers();
  [[nodiscard]] size_t subscriptions() const;
  [[nodiscard]] uint64_t applied() const { return applied_.load(std::memory_order_relaxed); }

 private:
  struct CompletionRecord {
    Command command;
    uint64_t client_ref = 0;
    sequencer::AckStatus status = sequencer::AckStatus::kApplied;
  };
  class Sink final : public sequencer::AckSink {
   public:
    explicit Sink(Publisher* p) : p_(p) {}
    void OnComplete(const sequencer::Completion& c) override;

   private:
    Publisher* p_;
  };
  struct BookChannel {
    std::string channel;
    InstrumentId instrument{};
    size_t depth = 50;
    uint64_t last_u = 0;
    std::vector<DepthLevel> bids, asks;
    std::vector<std::weak_ptr<Outbox>> subscribers;
  };
  struct Subscribers {
    std::string channel;
    std::vector<std::weak_ptr<Outbox>> outboxes;
    int64_t last_candle_start_ms = 0;  // candles: the newest candle pushed (it may still change)
  };
  struct InstrumentChannels {
    std::vector<BookChannel> books;
    Subscribers trades, ticker;
    std::vector<std::pair<int, Subscribers>> candles;  // timeframe index
    // The trades since the last push, while the trade channel has subscribers: the projection keeps only the newest
    // kPublicTrades, and one sweep can make more.
    std::vector<PublicTrade> unpushed_trades;
    uint64_t last_pushed_match = 0;
    bool dirty = false;
    Ticker pushed_ticker;  // what the last ticker push said (to every subscriber then), for RefreshTickers
  };
  enum class UserKind : uint8_t { kOrder, kTrade, kBalance };
  struct UserSubscription {
    std::weak_ptr<Outbox> outbox;
    const Outbox* key = nullptr;
    std::string channel;
    std::string api_key;
    UserKind kind = UserKind::kOrder;
    InstrumentId instrument = kAllInstruments;
  };

  void Run();
  size_t DrainCompletions();
  void Handle(CompletionRecord& record);
  void Fold(const Command& command, std::span<const Event> events, bool live);
  void PushUser(const CommandEffects& effects);
  void RevokeUserSubscriptions();
  [[nodiscard]] bool KeyMayRead(AccountId account, std::string_view api_key) const;
  void FlushMarketData();
  void SaveHistory();
  void PublishBook(BookChannel& book, const BookDepth& depth, TimeNs now);
  void PublishTicker(InstrumentChannels& ch, const InstrumentInfo& inst, const Ticker& ticker, TimeNs now);
  Message BookSnapshot(const BookChannel& book, TimeNs now) const;
  static void SendAll(std::vector<std::weak_ptr<Outbox>>& outboxes, const Message& m);
  InstrumentChannels& ChannelsOf(InstrumentId id) { return channels_[id.value()]; }

  std::unique_ptr<Engine> mirror_;
  Directory* directory_;
  std::shared_ptr<const VenueCatalog> catalog_;
  Projection projection_;
  CommandEffects effects_;
  Sink sink_{this};
  sequencer::MpscRing<CompletionRecord> completions_{1u << 16};
  sequencer::MpscRing<std::function<void()>> tasks_{1u << 16};
  std::map<uint16_t, InstrumentChannels> channels_;
  std::map<uint32_t, std::vector<UserSubscription>> user_subscriptions_;  // by account
  uint64_t book_update_id_ = 0;
  api::JsonWriter writer_;
  std::atomic<uint64_t> applied_{0};
  Projection history_copy_;  // the writer's while it is busy
  std::unique_ptr<snapshot::BackgroundSnapshotWriter> history_writer_;
  uint64_t history_interval_ = 0;
  SeqNo last_seq_ = 0;  // the last command folded in (its time: projection_.last_time())
  bool history_due_ = false;
  Wakeup wakeup_;  // the publisher sleeps on it when both rings are empty; the sink and Post wake it
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace sequex::server

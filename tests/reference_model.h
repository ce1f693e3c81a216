// ReferenceModel: a deliberately simple model of the engine, written from docs/engine.md alone (never from
// src/engine/*.cc), so that the differential test compares two independent readings of the contract.
//
//   ReferenceModel model(config);
//   std::vector<Event> events = model.Apply(command);   // the exact event sequence docs/engine.md specifies
//
// Simplicity over speed: std::map / std::list, linear scans, __int128 for every product. Single-threaded.
// The query methods mirror Engine's so that state can be compared field by field.
//
// Where docs/engine.md leaves a choice open, the model takes the reading below; each is a question for the lead
// to settle in the doc. "(engine)" marks a reading adopted because the differential test showed the engine takes
// it; the others are the model's own reading, which the engine agrees with on the random streams.
//  A1  The fee account exists from construction (AccountExists(fee) is true; Withdraw / SetAccountFeeTier /
//      CancelAll on it are not 210).
//  A2  (engine) RejectedEvent.account is the command's account field (0 for commands without one). order_id:
//      a CancelOrder / AmendOrder that is not found (40401) echoes the command's order_id (0 when it named a
//      client_oid), whether or not such an order exists; an AmendOrder rejected after step 1 carries the found
//      order's id. The doc says "set when the command named an existing order".
//  A3  Asset codes / symbols are the bytes before the first NUL (strnlen over 16 / 24 bytes); a symbol may use
//      all 24 bytes. Bytes after a NUL are ignored (also when an alter compares symbols). Not exercised by the
//      random stream.
//  A5  A market-like taker's band cap/floor is computed once, when it starts executing (ref = last price then),
//      not re-evaluated as its own trades move the last price. MARKET buy by quantity uses P_w from its
//      pre-walk (every ask within the band, less its self-trade set's under CancelMaker), or only the band
//      when the walk found nothing it could trade. A triggered buy
//      STOP_LOSS/TAKE_PROFIT by quantity is capped at min(P_prot, band hi at trigger time). P_prot is fixed
//      at placement (a later alter of price_band_bps does not move it).
//  A7  A limit-priced taker that is completely filled keeps its leftover hold until its taker end (the reset
//      of "Holds" applies to orders that stay open); the taker end's Balance shows the release.
//  A8  (engine) A by-notional taker checks affordability (floor(budget / (p * tv)) == 0 at the best acceptable
//      price, also with budget exactly 0) before it looks at the maker: it stops there (FILLED if it bought
//      anything) without applying self-trade prevention to that maker. The doc lists STP before the fill.
//  A9  (engine) Amend: new_price / new_qty equal to the current value count as unchanged everywhere (no
//      308/312/313 or 213/315 check, so an order left outside a moved band or below a raised min_qty can still
//      change its other field; the doc now says so for new_qty only). 314/415 are checked for limit types on
//      every amend (also a client_oid-only one). An amend that changes only client_oid keeps priority
//      (kept_priority = price unchanged and quantity not increased; the doc says "only when ... the quantity
//      goes down"), but it is not "a same-price quantity reduction", so it is 208 in CANCEL_ONLY. A waiting
//      stop's Amended.kept_priority uses the same rule.
//  A11 An amended order that re-queues and crosses rests its remainder (doc), although the comment on
//      CancelReason::kIocRemainder in order_types.h says "amended-into-crossing remainder ... EXPIRED".
//  A12 The 229 check applies only when the book has a last price (> 0); triggering needs a trade of the command.
//  A13 Market-like remainders (any tif) expire with kMarketRemainder; limit IOC/FOK with kIocRemainder.
//  A14 CancelAll over all instruments cancels in ascending order id across instruments.
//  A16 (engine) Amend step 6 applies all of placement's 314 checks to the new quantity: N(price) for limit
//      types, N(P_prot) for a protected buy, qty * lot_size for a sell.
//  A17 kTriggerFailed / OrderUpdate(REJECTED) is unreachable: stops trigger only on trades, and trades happen
//      only in TRADING status.
// Settled in the doc since the first version (the model follows the doc): by-notional FILLED vs EXPIRED and
// remaining 0 (was A4), FOK stops 221 (A6), amend of a by-notional quantity 213 (A10), sells' qty * lot_size
// 314 (A15), no SetFeeTier rule across tiers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/command.h"
#include "engine/engine.h"
#include "engine/event.h"

namespace sequex::test {

class ReferenceModel {
 public:
  explicit ReferenceModel(const EngineConfig& config = {});

  // Applies one command; returns every event it yields, in order.
  std::vector<Event> Apply(const Command& command);

  // Queries with the meaning of Engine's.
  [[nodiscard]] BookDepth Depth(InstrumentId instrument, size_t levels) const;
  [[nodiscard]] std::vector<OrderView> BookOrders(InstrumentId instrument, Side side) const;  // best first
  [[nodiscard]] std::optional<PriceTicks> BestBid(InstrumentId instrument) const;
  [[nodiscard]] std::optional<PriceTicks> BestAsk(InstrumentId instrument) const;
  [[nodiscard]] std::vector<OrderView> OpenOrders(AccountId account) const;  // ascending order id
  [[nodiscard]] std::optional<OrderView> FindOrder(AccountId account, OrderId order_id) const;
  [[nodiscard]] BalanceView Balance(AccountId account, AssetId asset) const;
  [[nodiscard]] bool AccountExists(AccountId account) const;
  [[nodiscard]] std::optional<InstrumentView> Instrument(InstrumentId instrument) const;
  [[nodiscard]] Amount NetDeposits(AssetId asset) const;
  [[nodiscard]] size_t OpenOrderCount() const { return orders_.size(); }
  [[nodiscard]] std::optional<DefineAsset> Asset(AssetId asset) const;
  [[nodiscard]] std::optional<ApiKeyView> FindApiKey(std::string_view key) const;
  [[nodiscard]] std::vector<ApiKeyView> ApiKeys() const;  // sorted by key

  // What exists, ascending (Engine::AccountIds / AssetIds / InstrumentIds).
  [[nodiscard]] std::vector<AccountId> Accounts() const;
  [[nodiscard]] std::vector<AssetId> Assets() const;
  [[nodiscard]] std::vector<InstrumentId> Instruments() const;

 private:
  using Out = std::vector<Event>;

  struct Bal {
    __int128 available = 0;
    __int128 held = 0;
  };
  struct Account {
    uint8_t tier = 0;
    std::map<uint16_t, Bal> balances;
  };
  struct AssetDef {
    uint8_t decimals = 0;
    std::string code;
  };
  struct FeeTier {
    int32_t maker_ppm = 0;
    int32_t taker_ppm = 0;
  };
  struct Order {
    uint64_t id = 0;
    uint32_t account = 0;
    uint16_t instrument = 0;
    Side side = Side::kBuy;
    OrderType type = OrderType::kLimit;
    TimeInForce tif = TimeInForce::kGoodTillCancel;
    uint8_t flags = 0;
    StpMode stp = StpMode::kNone;
    uint32_t stp_group = 0;
    __int128 price = 0;
    __int128 trigger = 0;
    __int128 qty = 0;
    __int128 filled = 0;
    __int128 notional = 0;  // by-notional budget; 0 otherwise
    __int128 held = 0;
    __int128 cum_notional = 0;
    __int128 cum_fee = 0;
    int32_t maker_ppm = 0;
    int32_t taker_ppm = 0;
    ClientOid client_oid{};
    __int128 protection = 0;  // P_prot: buy STOP_LOSS / TAKE_PROFIT by quantity
    __int128 walk_cap = 0;    // P_w: MARKET buy by quantity (0 = no liquidity)
    bool waiting = false;     // untriggered stop
    bool resting = false;     // in the book
    SeqNo seq = 0;
    TimeNs time = 0;

    [[nodiscard]] bool ByNotional() const { return notional != 0; }
    [[nodiscard]] __int128 Remaining() const { return ByNotional() ? 0 : qty - filled; }
  };
  struct Book {
    DefineInstrument def;
    __int128 tick_value = 0;
    __int128 last = 0;
    // The highest and lowest trade prices of the command so far (0 and 2^48 before its first trade).
    __int128 high = 0;
    __int128 low = kMaxPriceTicks;
    std::map<__int128, std::list<uint64_t>> bids;  // iterate in reverse for best first
    std::map<__int128, std::list<uint64_t>> asks;
  };
  struct Band {
    bool active = false;
    __int128 lo = 0;
    __int128 hi = 0;
  };
  struct Key {
    uint32_t account = 0;
    std::string secret;
    uint8_t permissions = 0;
  };

  void Do(const DefineAsset& c, Out& out);
  void Do(const DefineInstrument& c, Out& out);
  void Do(const SetInstrumentStatus& c, Out& out);
  void Do(const Deposit& c, Out& out);
  void Do(const Withdraw& c, Out& out);
  void Do(const PlaceOrder& c, Out& out);
  void Do(const CancelOrder& c, Out& out);
  void Do(const CancelAll& c, Out& out);
  void Do(const AmendOrder& c, Out& out);
  void Do(const SetFeeTier& c, Out& out);
  void Do(const SetAccountFeeTier& c, Out& out);
  void Do(const CreateAccount& c, Out& out);  // reference_model_accounts.cc
  void Do(const SetApiKey& c, Out& out);

  // Order life cycle (reference_model_orders.cc).
  void Execute(uint64_t order_id, Out& out);
  void TradeOnce(Order& taker, Order& maker, __int128 price, __int128 lots, Out& out);
  void RunTriggers(uint16_t instrument, Out& out);
  void EndOrder(uint64_t order_id, CancelReason reason, Out& out);  // Cancelled, OrderUpdate, Balance
  void HaltBook(uint16_t instrument, Out& out);
  [[nodiscard]] bool FokCoverable(const Order& taker) const;
  [[nodiscard]] __int128 Requirement(const Order& o) const;
  void SetHold(Order& o, __int128 new_held);
  void Rest(Order& o);
  void Unrest(Order& o);

  // Helpers.
  [[nodiscard]] Band BandOf(const Book& b) const;
  [[nodiscard]] std::optional<__int128> Best(const Book& b, Side side) const;
  [[nodiscard]] bool Crosses(const Book& b, Side side, __int128 price) const;
  [[nodiscard]] bool InSelfTradeSet(const Order& taker, const Order& maker) const;
  [[nodiscard]] uint16_t HeldAsset(const Order& o) const;
  [[nodiscard]] size_t OpenOrdersOf(uint32_t account) const;
  [[nodiscard]] const Order* FindByOid(uint32_t account, const ClientOid& oid) const;
  Bal& BalanceRef(uint32_t account, uint16_t asset);
  void EmitBalance(uint32_t account, uint16_t asset, Out& out);
  void EmitOrderUpdate(const Order& o, OrderStatus status, Out& out) const;
  [[nodiscard]] OrderView View(const Order& o) const;
  static void Reject(Out& out, RejectReason r, uint32_t account, uint64_t order_id = 0);

  EngineConfig config_;
  uint64_t next_order_id_ = 1;
  uint64_t next_match_id_ = 1;
  SeqNo seq_ = 0;
  TimeNs time_ = 0;
  std::map<uint16_t, AssetDef> assets_;
  std::map<uint16_t, __int128> net_deposits_;
  FeeTier tiers_[16] = {};
  std::map<uint16_t, Book> books_;
  std::map<uint32_t, Account> accounts_;
  std::map<uint64_t, Order> orders_;  // open (resting, waiting, or executing right now)
  std::map<std::string, Key> keys_;   // API keys by key text
};

}  // namespace sequex::test

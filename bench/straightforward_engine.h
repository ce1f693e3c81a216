// StraightforwardEngine: the baseline `sequex-bench engine --baseline` measures Sequex against. It is the engine a
// competent developer writes first, with the standard library's containers and nothing tuned: a std::map of price
// levels per side, each a std::list of order ids; the orders in a std::unordered_map by id; client_oids in an
// std::unordered_map from (account, oid) text; wallets as std::unordered_maps of balances; the account's open
// orders in a std::set (for cancel-all in id order).
//
// It applies the same Commands and follows docs/engine.md for what the workload files can say: assets,
// instruments, deposits, fee tiers; LIMIT and MARKET orders (by quantity), GTC / IOC / FOK, post-only; cancel and
// amend (by id or client_oid); cancel-all. Holds, fees and settlement are exact, so it rejects what the engine
// rejects and makes the same trades with the same order ids. What the files cannot say (stops, self-trade
// prevention, market buys by notional, price bands, minimum notionals, instrument status, accounts and keys) it
// rejects with kBadRequest, so a flow that used them would show as a disagreement, never as a silent difference.
// The bench checks the agreement (trades, rejects, open orders and every balance) before it prints a ratio.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/command.h"
#include "engine/event.h"

namespace sequex::bench {

class StraightforwardEngine {
 public:
  StraightforwardEngine() { accounts_[0] = Account{}; }  // the fee account, as the engine's

  // Applies one command; the span is valid until the next call (as Engine::Apply's).
  std::span<const Event> Apply(const Command& command);

  [[nodiscard]] size_t OpenOrderCount() const { return orders_.size(); }
  // {available, held}, or nullopt if the account never held the asset.
  [[nodiscard]] std::optional<std::pair<int64_t, int64_t>> Balance(AccountId account, AssetId asset) const;

 private:
  struct Order {
    uint64_t id = 0;
    uint32_t account = 0;
    uint16_t instrument = 0;
    Side side = Side::kBuy;
    OrderType type = OrderType::kLimit;
    TimeInForce tif = TimeInForce::kGoodTillCancel;
    bool post_only = false;
    int64_t price = 0;  // limit price; for a market buy, the price cap of its pre-walk
    int64_t qty = 0;
    int64_t filled = 0;
    int64_t held = 0;
    int64_t cum_notional = 0;
    int64_t cum_fee = 0;
    int32_t maker_ppm = 0;
    int32_t taker_ppm = 0;
    std::string client_oid;
    bool resting = false;
    std::list<uint64_t>::iterator queue_position{};
  };
  struct Funds {
    int64_t available = 0;
    int64_t held = 0;
  };
  struct Account {
    uint8_t fee_tier = 0;
    std::unordered_map<uint16_t, Funds> balances;
    std::set<uint64_t> open_orders;
  };
  struct Level {
    int64_t total = 0;  // lots still open at this price
    std::list<uint64_t> queue;
  };
  struct Book {
    DefineInstrument def;
    int64_t tick_value = 0;
    std::map<int64_t, Level> bids;  // best is the last
    std::map<int64_t, Level> asks;  // best is the first
  };

  void Place(const PlaceOrder& c);
  void Cancel(const CancelOrder& c);
  void CancelAllOf(const sequex::CancelAll& c);
  void Amend(const AmendOrder& c);
  void OnDeposit(const Deposit& c);

  // Trades `taker` against the opposite side up to `limit`, then ends it (rest, expire or fill).
  void Match(Order& taker, int64_t limit);
  void Settle(Order& taker, Order& maker, int64_t price, int64_t lots);
  void Rest(Order& o);
  void Unrest(Order& o);
  void Close(Order& o, CancelReason why, OrderStatus status);  // emits its end, releases its hold, forgets it
  [[nodiscard]] int64_t Requirement(const Order& o) const;     // what an open limit order must hold
  [[nodiscard]] Order* Find(uint32_t account, OrderId id, const ClientOid& oid);
  [[nodiscard]] Funds& BalanceOf(uint32_t account, uint16_t asset) { return accounts_[account].balances[asset]; }
  [[nodiscard]] uint16_t HeldAsset(const Order& o) const;
  void EmitBalance(uint32_t account, uint16_t asset);
  void EmitUpdate(const Order& o, OrderStatus status);
  // order: the order the command named, when it names one (as the engine's RejectedEvent).
  void Reject(RejectReason reason, AccountId account, OrderId order = {}) {
    events_.emplace_back(RejectedEvent{reason, account, order});
  }
  static std::string OidKey(uint32_t account, const std::string& oid) { return std::to_string(account) + '/' + oid; }

  std::unordered_map<uint16_t, uint8_t> asset_decimals_;
  std::unordered_map<uint16_t, int64_t> net_deposits_;  // per asset, which may not reach 2^62 (docs/engine.md, Deposit)
  std::unordered_map<uint16_t, Book> books_;
  std::unordered_map<uint32_t, Account> accounts_;
  std::unordered_map<uint64_t, Order> orders_;  // open orders only
  std::unordered_map<std::string, uint64_t> by_client_oid_;
  std::array<std::pair<int32_t, int32_t>, 16> fee_tiers_{};  // (maker, taker) ppm
  uint64_t next_order_id_ = 1;
  uint64_t next_match_id_ = 1;
  std::vector<Event> events_;
};

}  // namespace sequex::bench

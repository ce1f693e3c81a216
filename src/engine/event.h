// Event: what a command did, in order. Every command yields at least one event (Accepted/Rejected or a Done
// marker), so consumers (gateways, market data, exporters, the differential test) can follow the engine exactly.
//
// Order of events for a PlaceOrder that trades:  Accepted, {Trade, OrderUpdate(maker), Balance...}*,
//   OrderUpdate(taker), [Cancelled(taker remainder)], [Triggered + the triggered order's events]*, Done.
// docs/engine.md lists the sequence for every command.
#pragma once

#include <variant>

#include "common/types.h"
#include "engine/order_types.h"
#include "engine/reject_reason.h"

namespace sequex {

struct AcceptedEvent {
  OrderId order_id{};
  AccountId account{};
  InstrumentId instrument{};
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  PriceTicks price{};
  QtyLots qty{};
};

// The command was refused and changed nothing. order_id is set when the command named an existing order.
struct RejectedEvent {
  RejectReason reason = RejectReason::kNone;
  AccountId account{};
  OrderId order_id{};
};

struct TradeEvent {
  uint64_t match_id = 0;  // engine-wide, gap-free
  InstrumentId instrument{};
  Side taker_side = Side::kBuy;
  OrderId maker_order{};
  OrderId taker_order{};
  AccountId maker_account{};
  AccountId taker_account{};
  PriceTicks price{};
  QtyLots qty{};
  Amount notional{};   // quote units
  Amount maker_fee{};  // quote units; negative = rebate paid to the maker
  Amount taker_fee{};  // quote units
};

struct OrderUpdateEvent {
  OrderId order_id{};
  AccountId account{};
  InstrumentId instrument{};
  OrderStatus status = OrderStatus::kActive;
  PriceTicks price{};     // current limit price (0 for market)
  QtyLots filled{};       // cumulative
  QtyLots remaining{};    // still open (0 once done)
  Amount cum_notional{};  // cumulative traded quote value: average price = cum_notional / (filled * tick value)
  Amount cum_fee{};       // cumulative fee, quote units (negative = net rebate)
};

struct CancelledEvent {
  OrderId order_id{};
  AccountId account{};
  InstrumentId instrument{};
  CancelReason reason = CancelReason::kUserRequest;
  QtyLots remaining{};  // the quantity that will now never trade
};

struct AmendedEvent {
  OrderId order_id{};
  AccountId account{};
  InstrumentId instrument{};
  PriceTicks price{};
  QtyLots qty{};  // new total quantity
  bool kept_priority = false;
};

struct TriggeredEvent {
  OrderId order_id{};
  AccountId account{};
  InstrumentId instrument{};
  PriceTicks last_price{};  // the trade price that met its trigger
};

// An account's balance of one asset after the change that precedes it.
struct BalanceEvent {
  AccountId account{};
  AssetId asset{};
  Amount available{};
  Amount held{};
};

// CreateAccount succeeded: the id the engine gave the new account. Followed by Done, like every command that is
// not rejected.
struct AccountCreatedEvent {
  AccountId account{};
};

// A non-order command (deposit, definition, status, fee) succeeded.
struct DoneEvent {};

using Event = std::variant<AcceptedEvent, RejectedEvent, TradeEvent, OrderUpdateEvent, CancelledEvent, AmendedEvent,
                           TriggeredEvent, BalanceEvent, DoneEvent, AccountCreatedEvent>;

}  // namespace sequex

// RejectReason: why the engine refused a command. Each reason IS its Crypto.com Exchange API v1 error code
// (shared/reference/cryptocom-exchange-api-v1.md, plus codes from the same API's published table where the
// reference has none), so the mapping onto the API is one-to-one by construction: distinct reasons, distinct codes.
// A rejected command changes no state.
#pragma once

#include <cstdint>
#include <string_view>

namespace sequex {

enum class RejectReason : uint16_t {
  kNone = 0,
  kDuplicateClientOid = 204,     // DUPLICATE_CLORDID: client_oid already used by an open order of the account
  kInstrumentNotTradable = 208,  // INSTRUMENT_NOT_TRADABLE: halted, or the order is not allowed in this status
  kInvalidInstrument = 209,      // INVALID_INSTRUMENT: unknown instrument, or a bad instrument definition
  kInvalidAccount = 210,         // INVALID_ACCOUNT: unknown account, or the fee account trading
  kInvalidCurrency = 211,        // INVALID_CURRENCY: unknown asset, or a bad asset definition
  kInvalidOrderQty = 213,        // INVALID_ORDERQTY: zero, negative or out-of-range quantity or notional
  kRejectedByEngine = 224,       // REJ_BY_MATCHING_ENGINE: order capacity of the engine exhausted
  kInvalidOrderType = 218,       // INVALID_ORDTYPE
  kInvalidExecInst = 219,        // INVALID_EXECINST: e.g. POST_ONLY on a market order
  kInvalidSide = 220,            // INVALID_SIDE
  kInvalidTif = 221,             // INVALID_TIF
  kInvalidRefPrice = 229,        // INVALID_REF_PRICE: bad trigger price, or one that would trigger at once
  kInsufficientBalance = 306,    // INSUFFICIENT_AVAILABLE_BALANCE
  kInvalidPrice = 308,           // INVALID_PRICE: zero, negative, out of range or missing price
  kPriceAboveBand = 312,         // ORDER_PRICE_GREATER_THAN_LIMITUPPRICE
  kPriceBelowBand = 313,         // ORDER_PRICE_LESS_THAN_LIMITDOWNPRICE
  kExceedsMaxOrderSize = 314,    // EXCEEDS_MAX_ORDER_SIZE: notional would overflow the venue's limits
  kBelowMinQuantity = 315,       // BELOW_MIN_ORDER_SIZE (quantity below the instrument's minimum)
  kTooManyOpenOrders = 318,      // EXCEEDS_MAX_ALLOWED_ORDERS: per-account open-order cap
  kExceedsMaxBalance = 321,      // EXCEEDS_MAX_AVAILABLE_BALANCE: a deposit would overflow the balance
  kBelowMinNotional = 415,       // BELOW_MIN_ORDER_SIZE (notional below the instrument's minimum)
  kBadRequest = 40001,           // BAD_REQUEST: unknown command type
  kInvalidArgument = 40004,      // MISSING_OR_INVALID_ARGUMENT: e.g. changing an instrument's immutable fields
  kOrderNotFound = 40401,        // NOT_FOUND: no open order with that id / client_oid for the account
  kFillOrKill = 43003,           // FILL_OR_KILL: FOK could not fill completely; nothing traded
  kImmediateOrCancel = 43004,    // IMMEDIATE_OR_CANCEL: reserved; IOC remainders are cancelled, not rejected
  kPostOnlyWouldCross = 43005,   // POST_ONLY_REJ: post-only order (or amend) would take liquidity
  kSelfTradePrevented = 43012,   // SELF_TRADE_PREVENTION: taker cancelled by STP before any fill
};

[[nodiscard]] constexpr uint32_t ApiErrorCode(RejectReason r) { return static_cast<uint32_t>(r); }
[[nodiscard]] std::string_view RejectReasonName(RejectReason r);

}  // namespace sequex

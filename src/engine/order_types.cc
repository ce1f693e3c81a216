#include "engine/order_types.h"

#include "engine/reject_reason.h"

namespace sequex {

std::string_view ToString(Side s) { return s == Side::kBuy ? "BUY" : "SELL"; }

std::string_view ToString(OrderType t) {
  switch (t) {
    case OrderType::kLimit:
      return "LIMIT";
    case OrderType::kMarket:
      return "MARKET";
    case OrderType::kStopLoss:
      return "STOP_LOSS";
    case OrderType::kStopLimit:
      return "STOP_LIMIT";
    case OrderType::kTakeProfit:
      return "TAKE_PROFIT";
    case OrderType::kTakeProfitLimit:
      return "TAKE_PROFIT_LIMIT";
  }
  return "UNKNOWN";
}

std::string_view ToString(TimeInForce t) {
  switch (t) {
    case TimeInForce::kGoodTillCancel:
      return "GOOD_TILL_CANCEL";
    case TimeInForce::kImmediateOrCancel:
      return "IMMEDIATE_OR_CANCEL";
    case TimeInForce::kFillOrKill:
      return "FILL_OR_KILL";
  }
  return "UNKNOWN";
}

std::string_view ToString(OrderStatus s) {
  switch (s) {
    case OrderStatus::kNew:
      return "NEW";
    case OrderStatus::kActive:
      return "ACTIVE";
    case OrderStatus::kFilled:
      return "FILLED";
    case OrderStatus::kCanceled:
      return "CANCELED";
    case OrderStatus::kRejected:
      return "REJECTED";
    case OrderStatus::kExpired:
      return "EXPIRED";
  }
  return "UNKNOWN";
}

std::string_view ToString(InstrumentStatus s) {
  switch (s) {
    case InstrumentStatus::kTrading:
      return "TRADING";
    case InstrumentStatus::kHalted:
      return "HALTED";
    case InstrumentStatus::kCancelOnly:
      return "CANCEL_ONLY";
    case InstrumentStatus::kPostOnly:
      return "POST_ONLY";
  }
  return "UNKNOWN";
}

std::string_view ToString(CancelReason r) {
  switch (r) {
    case CancelReason::kUserRequest:
      return "USER_REQUEST";
    case CancelReason::kCancelAll:
      return "CANCEL_ALL";
    case CancelReason::kIocRemainder:
      return "IOC_REMAINDER";
    case CancelReason::kMarketRemainder:
      return "MARKET_REMAINDER";
    case CancelReason::kHalt:
      return "HALT";
    case CancelReason::kSelfTrade:
      return "SELF_TRADE_PREVENTION";
    case CancelReason::kTriggerFailed:
      return "TRIGGER_FAILED";
  }
  return "UNKNOWN";
}

std::string_view RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kNone:
      return "NONE";
    case RejectReason::kDuplicateClientOid:
      return "DUPLICATE_CLORDID";
    case RejectReason::kInstrumentNotTradable:
      return "INSTRUMENT_NOT_TRADABLE";
    case RejectReason::kInvalidInstrument:
      return "INVALID_INSTRUMENT";
    case RejectReason::kInvalidAccount:
      return "INVALID_ACCOUNT";
    case RejectReason::kInvalidCurrency:
      return "INVALID_CURRENCY";
    case RejectReason::kInvalidOrderQty:
      return "INVALID_ORDERQTY";
    case RejectReason::kRejectedByEngine:
      return "REJ_BY_MATCHING_ENGINE";
    case RejectReason::kInvalidOrderType:
      return "INVALID_ORDTYPE";
    case RejectReason::kInvalidExecInst:
      return "INVALID_EXECINST";
    case RejectReason::kInvalidSide:
      return "INVALID_SIDE";
    case RejectReason::kInvalidTif:
      return "INVALID_TIF";
    case RejectReason::kInvalidRefPrice:
      return "INVALID_REF_PRICE";
    case RejectReason::kInsufficientBalance:
      return "INSUFFICIENT_AVAILABLE_BALANCE";
    case RejectReason::kInvalidPrice:
      return "INVALID_PRICE";
    case RejectReason::kPriceAboveBand:
      return "ORDER_PRICE_GREATER_THAN_LIMITUPPRICE";
    case RejectReason::kPriceBelowBand:
      return "ORDER_PRICE_LESS_THAN_LIMITDOWNPRICE";
    case RejectReason::kExceedsMaxOrderSize:
      return "EXCEEDS_MAX_ORDER_SIZE";
    case RejectReason::kBelowMinQuantity:
      return "BELOW_MIN_ORDER_SIZE";
    case RejectReason::kTooManyOpenOrders:
      return "EXCEEDS_MAX_ALLOWED_ORDERS";
    case RejectReason::kExceedsMaxBalance:
      return "EXCEEDS_MAX_AVAILABLE_BALANCE";
    case RejectReason::kBelowMinNotional:
      return "BELOW_MIN_ORDER_SIZE";
    case RejectReason::kBadRequest:
      return "BAD_REQUEST";
    case RejectReason::kInvalidArgument:
      return "MISSING_OR_INVALID_ARGUMENT";
    case RejectReason::kOrderNotFound:
      return "NOT_FOUND";
    case RejectReason::kFillOrKill:
      return "FILL_OR_KILL";
    case RejectReason::kImmediateOrCancel:
      return "IMMEDIATE_OR_CANCEL";
    case RejectReason::kPostOnlyWouldCross:
      return "POST_ONLY_REJ";
    case RejectReason::kSelfTradePrevented:
      return "SELF_TRADE_PREVENTION";
  }
  return "UNKNOWN";
}

}  // namespace sequex

#include "server/gateway.h"

#include <charconv>
#include <chrono>
#include <limits>

#include "api/decimal.h"
#include "api/json_writer.h"
#include "api/signing.h"
#include "server/api_format.h"

namespace sequex::server {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr int64_t kNonceWindowMs = 60'000;

// The rate limits' clock: one that only goes forward (RateLimiter counts time going back as none passing). The wall
// clock, stepped back, held every bucket emptied before the step empty until it came back to where it had been.
uint64_t LimiterNowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// Rate-limit rule classes (the limiter keys buckets by key + rule).
enum Rule : uint8_t {
  kRuleCreateOrder = 1,
  kRuleCancelOrder,
  kRuleCancelAll,
  kRuleOrderDetail,
  kRuleTrades,
  kRuleOrderHistory,
  kRuleOtherPrivate,  // a private method the server does not know
  kRulePublic,
  kRuleWsUser,
  kRuleWsMarket,
  kRuleFirstOtherPrivate = 32,  // then one rule per known "other private" method
};

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseI64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// A timestamp in ms, µs or ns (by magnitude, as clients mix them) -> ns: its first nanosecond, or for the end of a
// range its last, so that an end equal to a time the API reported (in ms) includes what happened in that ms.
// Nanoseconds since 1970 fit an int64 until the year 2262; a later time (a client's "until forever") is the largest
// value, so it still sorts after every trade.
int64_t ToNs(int64_t t, bool end) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t unit = t < 100'000'000'000'000LL ? 1'000'000 : t < 100'000'000'000'000'000LL ? 1'000 : 1;
  if (t > kMax / unit - 1) return kMax;
  return t * unit + (end ? unit - 1 : 0);
}

// Reads an optional time parameter (`end`: the end of a range); false if present but not an integer.
bool TimeParam(const Params& p, std::string_view key, bool end, int64_t* out_ns) {
  const std::optional<std::string> t = p.Text(key);
  if (!t) return true;
  int64_t v = 0;
  if (!ParseI64(*t, &v) || v < 0) return false;
  *out_ns = ToNs(v, end);
  return true;
}

void BeginReply(api::JsonWriter& w, int64_t id, std::string_view method) {
  w.BeginObject();
  w.IntField("id", id);
  w.StringField("method", method);
  w.IntField("code", 0);
  w.Key("result");
}

Message EndReply(api::JsonWriter& w) {
  w.EndObject();
  return MakeMessage(w.Release());
}

// A reply with no result (an error, or a bare success), with the HTTP status its code maps to for REST.
void SendReply(Outbox& out, int64_t id, std::string_view method, uint32_t code, std::string_view message = {}) {
  out.Send(MakeMessage(Gateway::Reply(id, method, code, message)), HttpStatusFor(code));
}

// The result of create-order, cancel-order and amend-order: {"order_id", "client_oid"}.
void SendOrderReply(Outbox& out, int64_t id, std::string_view method, OrderId order, std::string_view client_oid) {
  api::JsonWriter w;
  BeginReply(w, id, method);
  w.BeginObject();
  w.StringField("order_id", std::to_string(order.value()));
  w.StringField("client_oid", client_oid);
  w.EndObject();
  out.Send(EndReply(w));
}

}  // namespace

uint32_t OutcomeCode(const Outcome& o) {
  if (o.status == sequencer::AckStatus::kRefused) return kBadRequest;
  if (o.status == sequencer::AckStatus::kJournalFailed) return kInternal;
  if (const auto* r = FindEvent<RejectedEvent>(o.events)) return ApiErrorCode(r->reason);
  return kOk;
}

unsigned HttpStatusFor(uint32_t code) {
  if (code == kOk) return 200;
  if (code == kTooManyRequests) return 429;
  if (code == kUnauthorized || code == kInvalidNonce || code == 40103 || code == 40104) return 401;
  if (code == kMethodNotFound) return 404;
  if (code == kInternal) return 500;
  if (code == kShuttingDown) return 503;
  return 400;
}

std::string ErrorText(uint32_t code) {
  switch (code) {
    case kBadRequest:
      return "BAD_REQUEST";
    case kMethodNotFound:
      return "METHOD_NOT_FOUND";
    case 40003:
      return "INVALID_REQUEST";
    case kInvalidArgument:
      return "MISSING_OR_INVALID_ARGUMENT";
    case kUnauthorized:
      return "UNAUTHORIZED";
    case kInvalidNonce:
      return "INVALID_NONCE";
    case kTooManyRequests:
      return "TOO_MANY_REQUESTS";
    case kInternal:
      return "ERR_INTERNAL";
    case kShuttingDown:
      return "SYSTEM_MAINTENANCE";
    default:
      return std::string(RejectReasonName(static_cast<RejectReason>(code)));
  }
}

uint64_t Gateway::NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

Gateway::Gateway(const ServerConfig& config, Directory* directory, sequencer::Sequencer* sequencer,
                 Publisher* publisher)
    : config_(config), directory_(directory), sequencer_(sequencer), publisher_(publisher) {}

std::string Gateway::Reply(int64_t id, std::string_view method, uint32_t code, std::string_view message) {
  api::JsonWriter w;
  w.BeginObject();
  w.IntField("id", id);
  w.StringField("method", method);
  w.IntField("code", code);
  if (code != kOk) w.StringField("message", message.empty() ? ErrorText(code) : std::string(message));
  w.EndObject();
  return w.Release();
}

uint32_t Gateway::Submit(CommandBody body, Continuation k) {
  sequencer::Submission s;
  s.body = std::move(body);
  s.client_ref = k ? ToClientRef(std::move(k)) : 0;  // no continuation: nobody waits for it (the demo)
  s.enqueue_ns = NowNs();
  const uint64_t ref = s.client_ref;
  const sequencer::Offer offer = sequencer_->Submit(std::move(s));
  if (offer == sequencer::Offer::kOk) return kOk;
  if (ref != 0) delete reinterpret_cast<Continuation*>(ref);  // NOLINT: never reached the sequencer: still ours
  return offer == sequencer::Offer::kClosed ? kInternal : kTooManyRequests;
}

bool Gateway::AllowWs(uint64_t connection, bool user_socket) {
  const std::string key(reinterpret_cast<const char*>(&connection), sizeof connection);  // NOLINT: its bytes
  const RateLimitConfig& rl = config_.rate_limits;
  return limiter_.Allow(key, user_socket ? kRuleWsUser : kRuleWsMarket,
                        user_socket ? rl.ws_user_per_second : rl.ws_market_per_second, 1000 * kMs, LimiterNowNs());
}

bool Gateway::RateLimited(const Caller& caller, std::string_view method) {
  // Every method has a bucket of its own: the reference's limits are per method ("15 / 100 ms each", "other
  // private: 3 / 100 ms" each), so a request within its own method's limit is never refused because another
  // method was busy. A method the server does not know shares one bucket; it is refused right after anyway.
  static constexpr std::string_view kOtherPrivate[] = {"private/amend-order",       "private/create-order-list",
                                                       "private/cancel-order-list", "private/get-open-orders",
                                                       "private/user-balance",      "private/get-currency-networks"};
  const RateLimitConfig& rl = config_.rate_limits;
  uint8_t rule = kRuleOtherPrivate;
  uint32_t limit = rl.other_private_per_100ms;
  uint64_t window = 100 * kMs;
  if (method == "private/create-order") {
    rule = kRuleCreateOrder;
    limit = rl.order_per_100ms;
  } else if (method == "private/cancel-order") {
    rule = kRuleCancelOrder;
    limit = rl.order_per_100ms;
  } else if (method == "private/cancel-all-orders") {
    rule = kRuleCancelAll;
    limit = rl.order_per_100ms;
  } else if (method == "private/get-order-detail") {
    rule = kRuleOrderDetail;
    limit = rl.order_detail_per_100ms;
  } else if (method == "private/get-trades" || method == "private/get-order-history") {
    rule = method == "private/get-trades" ? kRuleTrades : kRuleOrderHistory;
    limit = rl.history_per_second;
    window = 1000 * kMs;
  } else {
    for (size_t i = 0; i < std::size(kOtherPrivate); ++i) {
      if (method == kOtherPrivate[i]) rule = static_cast<uint8_t>(kRuleFirstOtherPrivate + i);
    }
  }
  return !limiter_.Allow(caller.api_key, rule, limit, window, LimiterNowNs());
}

uint32_t Gateway::Authenticate(const api::Envelope& env, bool include_params, Caller* caller) {
  if (env.api_key.empty() || env.sig.empty() || !env.has_nonce) return kUnauthorized;
  const std::shared_ptr<const KeyTable> keys = directory_->keys();
  const KeyEntry* key = keys->Find(env.api_key);
  if (key == nullptr) return kUnauthorized;
  std::string param_string;
  if (include_params && !api::ParamString(env.params_json, &param_string)) return kBadRequest;
  const std::string payload = api::SignaturePayload(env.method, env.id_text, env.api_key, param_string, env.nonce_text);
  if (!api::SignatureMatches(api::HmacSha256Hex(key->secret, payload), env.sig)) return kUnauthorized;
  const int64_t now_ms = static_cast<int64_t>(NowNs() / kMs);
  if (env.nonce > now_ms + kNonceWindowMs || env.nonce < now_ms - kNonceWindowMs) return kInvalidNonce;
  caller->account = key->account;
  caller->permissions = key->permissions;
  caller->api_key = env.api_key;
  return kOk;
}

void Gateway::HandlePrivateRest(std::string_view path_method, std::string_view body,
                                const std::shared_ptr<Outbox>& out) {
  api::Envelope env;
  const std::string method = "private/" + std::string(path_method);
  uint32_t code = api::ParseEnvelope(body, &env);
  if (code != kOk) {
    SendReply(*out, env.has_id ? env.id : -1, method, code);
    return;
  }
  if (env.method.empty()) env.method = method;
  if (env.method != method) {
    code = kInvalidArgument;
    SendReply(*out, env.id, method, code, "method does not match the path");
    return;
  }
  Caller caller;
  code = Authenticate(env, /*include_params=*/true, &caller);
  if (code != kOk) {
    SendReply(*out, env.id, method, code);
    return;
  }
  HandlePrivate(env, caller, out);
}

void Gateway::HandlePrivate(const api::Envelope& env, const Caller& caller, const std::shared_ptr<Outbox>& out) {
  const std::string& method = env.method;
  const auto fail = [&](uint32_t code, std::string_view message = {}) {
    SendReply(*out, env.id, method, code, message);
  };
  Params params;
  std::string problem;
  if (!params.ParseJson(env.params_json, &problem)) return fail(kInvalidArgument, problem);
  if (RateLimited(caller, method)) return fail(kTooManyRequests);
  const bool trading = method == "private/create-order" || method == "private/cancel-order" ||
                       method == "private/cancel-all-orders" || method == "private/amend-order" ||
                       method == "private/create-order-list" || method == "private/cancel-order-list";
  if (trading && (caller.permissions & kPermissionTrade) == 0) return fail(kUnauthorized, "key may not trade");
  if (!trading && (caller.permissions & kPermissionRead) == 0 && method != "private/get-currency-networks") {
    return fail(kUnauthorized, "key may not read");
  }

  if (method == "private/create-order") return CreateOrder(env, caller, params, out);
  if (method == "private/create-order-list") return OrderList(env, caller, params, /*cancel=*/false, out);
  if (method == "private/cancel-order-list") return OrderList(env, caller, params, /*cancel=*/true, out);
  const int64_t id = env.id;
  if (method == "private/cancel-order") {
    CancelOrder cancel;
    std::string message;
    const uint32_t code = BuildCancel(params, caller.account, &cancel, &message);
    if (code != kOk) return fail(code, message);
    const uint32_t submitted = Submit(cancel, [out, id, method](const Outcome& o) {
      const uint32_t c = OutcomeCode(o);
      if (c != kOk) return SendReply(*out, id, method, c);
      const CancelledEvent* e = FindEvent<CancelledEvent>(o.events);
      const OrderRecord* r = e != nullptr ? o.publisher->projection().FindOrder(e->account, e->order_id) : nullptr;
      SendOrderReply(*out, id, method, e != nullptr ? e->order_id : OrderId{0},
                     r != nullptr ? r->view.client_oid.view() : std::string_view());
    });
    if (submitted != kOk) fail(submitted);
    return;
  }
  if (method == "private/cancel-all-orders") {
    CancelAll cancel;
    cancel.account = caller.account;
    if (const std::optional<std::string> symbol = params.Text("instrument_name")) {
      const InstrumentInfo* inst = directory_->catalog()->FindInstrument(*symbol);
      if (inst == nullptr) return fail(ApiErrorCode(RejectReason::kInvalidInstrument));
      cancel.instrument = inst->id;
    }
    const std::string type = params.Text("type").value_or("ALL");
    if (type != "LIMIT" && type != "TRIGGER" && type != "ALL") {
      return fail(kInvalidArgument, "type must be LIMIT, TRIGGER or ALL");
    }
    if (type == "ALL") {
      const uint32_t submitted = Submit(cancel, [out, id, method](const Outcome& o) {
        const uint32_t c = OutcomeCode(o);
        SendReply(*out, id, method, c);
      });
      if (submitted != kOk) fail(submitted);
      return;
    }
    return CancelAllOfType(cancel, /*triggers=*/type == "TRIGGER", out, id, method);
  }
  if (method == "private/amend-order") {
    const std::shared_ptr<const VenueCatalog> catalog = directory_->catalog();
    AmendOrder amend;
    amend.account = caller.account;
    const std::optional<std::string> order_id = params.Text("order_id");
    const std::optional<std::string> orig = params.Text("orig_client_oid");
    uint64_t oid = 0;
    if (order_id && !ParseU64(*order_id, &oid)) return fail(kInvalidArgument, "order_id");
    if (!order_id && !orig) return fail(kInvalidArgument, "order_id or orig_client_oid required");
    amend.order_id = OrderId{oid};
    if (orig && !amend.orig_client_oid.Assign(*orig)) return fail(kInvalidArgument, "orig_client_oid too long");
    if (const std::optional<std::string> c = params.Text("client_oid")) {
      if (!amend.new_client_oid.Assign(*c)) return fail(kInvalidArgument, "client_oid too long");
    }
    const std::optional<std::string> new_price = params.Text("new_price");
    const std::optional<std::string> new_qty = params.Text("new_quantity");
    if (!new_price && !new_qty) return fail(kInvalidArgument, "new_price and new_quantity required");
    // The instrument comes from the order itself (the request need not name it): resolved on the publisher
    // thread, which then submits the amend.
    const uint32_t posted = publisher_->Post(
        [this, out, id, method, amend, new_price, new_qty, order_id, orig, account = caller.account]() mutable {
          Publisher& p = *publisher_;
          const OrderRecord* r = order_id ? p.projection().FindOrder(account, amend.order_id)
                                          : p.projection().FindByClientOid(account, amend.orig_client_oid.view());
          if (r == nullptr || (r->view.status != OrderStatus::kActive && r->view.status != OrderStatus::kNew)) {
            const uint32_t c = ApiErrorCode(RejectReason::kOrderNotFound);
            return SendReply(*out, id, method, c);
          }
          const InstrumentInfo* inst = p.catalog().FindInstrument(r->view.instrument);
          if (inst == nullptr) return SendReply(*out, id, method, kInternal);
          // 0 is the command's "unchanged": a client's 0 is a bad price or quantity, never a half-applied amend.
          if (new_price && (!inst->ParsePrice(*new_price, &amend.new_price) || amend.new_price.value() <= 0)) {
            const uint32_t c = ApiErrorCode(RejectReason::kInvalidPrice);
            return SendReply(*out, id, method, c, "new_price");
          }
          if (new_qty && (!inst->ParseQty(*new_qty, &amend.new_qty) || amend.new_qty.value() <= 0)) {
            const uint32_t c = ApiErrorCode(RejectReason::kInvalidOrderQty);
            return SendReply(*out, id, method, c, "new_quantity");
          }
          if (amend.new_price == r->view.price) amend.new_price = PriceTicks{0};
          if (amend.new_qty == r->view.qty) amend.new_qty = QtyLots{0};
          const uint32_t submitted = Submit(amend, [out, id, method](const Outcome& o) {
            const uint32_t c = OutcomeCode(o);
            if (c != kOk) return SendReply(*out, id, method, c);
            const auto* amended = FindEvent<AmendedEvent>(o.events);
            const auto* cmd = std::get_if<AmendOrder>(&o.command->body);
            const OrderRecord* rec =
                amended != nullptr ? o.publisher->projection().FindOrder(amended->account, amended->order_id) : nullptr;
            SendOrderReply(*out, id, method, amended != nullptr ? amended->order_id : OrderId{0},
                           rec != nullptr   ? rec->view.client_oid.view()
                           : cmd != nullptr ? cmd->new_client_oid.view()
                                            : std::string_view());
          });
          if (submitted != kOk) SendReply(*out, id, method, submitted);
        });
    if (!posted) fail(kTooManyRequests, "server busy");
    return;
  }
  Query(env, caller, params, out);
}

uint32_t Gateway::BuildCancel(const Params& p, AccountId account, CancelOrder* out, std::string* message) const {
  out->account = account;
  const std::optional<std::string> order_id = p.Text("order_id");
  const std::optional<std::string> client_oid = p.Text("client_oid");
  if (order_id) {
    uint64_t v = 0;
    if (!ParseU64(*order_id, &v) || v == 0) {
      *message = "order_id must be a positive integer";
      return kInvalidArgument;
    }
    out->order_id = OrderId{v};
    return kOk;
  }
  if (client_oid) {
    if (client_oid->empty() || !out->client_oid.Assign(*client_oid)) {
      *message = "client_oid must be 1..36 bytes";
      return kInvalidArgument;
    }
    return kOk;
  }
  *message = "order_id or client_oid required";
  return kInvalidArgument;
}

uint32_t Gateway::BuildPlaceOrder(const Params& p, const VenueCatalog& catalog, AccountId account, PlaceOrder* out,
                                  std::string* message) const {
  bool bad_type = false;
  out->account = account;
  const std::optional<std::string> symbol = p.Text("instrument_name", &bad_type);
  const std::optional<std::string> side = p.Text("side", &bad_type);
  const std::optional<std::string> type = p.Text("type", &bad_type);
  if (bad_type || !symbol || !side || !type) {
    *message = "instrument_name, side and type are required strings";
    return kInvalidArgument;
  }
  const InstrumentInfo* inst = catalog.FindInstrument(*symbol);
  if (inst == nullptr) return ApiErrorCode(RejectReason::kInvalidInstrument);
  out->instrument = inst->id;
  if (*side == "BUY") {
    out->side = Side::kBuy;
  } else if (*side == "SELL") {
    out->side = Side::kSell;
  } else {
    return ApiErrorCode(RejectReason::kInvalidSide);
  }
  static constexpr std::pair<std::string_view, OrderType> kTypes[] = {
      {"LIMIT", OrderType::kLimit},
      {"MARKET", OrderType::kMarket},
      {"STOP_LOSS", OrderType::kStopLoss},
      {"STOP_LIMIT", OrderType::kStopLimit},
      {"TAKE_PROFIT", OrderType::kTakeProfit},
      {"TAKE_PROFIT_LIMIT", OrderType::kTakeProfitLimit}};
  bool type_ok = false;
  for (const auto& [name, t] : kTypes) {
    if (*type == name) {
      out->type = t;
      type_ok = true;
    }
  }
  if (!type_ok) return ApiErrorCode(RejectReason::kInvalidOrderType);

  const std::optional<std::string> qty = p.Text("quantity", &bad_type);
  const std::optional<std::string> notional = p.Text("notional", &bad_type);
  const std::optional<std::string> price = p.Text("price", &bad_type);
  if (bad_type) {
    *message = "quantity, notional and price must be strings or numbers";
    return kInvalidArgument;
  }
  if (qty) {
    if (!inst->ParseQty(*qty, &out->qty) || out->qty.value() <= 0) {
      return ApiErrorCode(RejectReason::kInvalidOrderQty);
    }
  } else if (notional && IsMarketLike(out->type) && out->side == Side::kBuy) {  // a stop-market buy too
    if (!inst->ParseQuoteAmount(*notional, &out->notional) || out->notional.value() <= 0) {
      return ApiErrorCode(RejectReason::kInvalidOrderQty);
    }
  } else {
    *message = "quantity is required";
    return kInvalidArgument;
  }
  if (IsStop(out->type) && IsMarketLike(out->type) && out->side == Side::kBuy && out->qty.value() > 0 &&
      inst->price_band_bps == 0) {
    // Its hold is quantity x the band's top price when it fires (docs/engine.md); without a band there is none.
    *message = "a BUY " + std::string(*type) + " by quantity needs a price band on " + inst->symbol +
               ": give notional (the quote to spend) instead";
    return ApiErrorCode(RejectReason::kInvalidPrice);
  }
  if (IsMarketLike(out->type)) {
    // A price on a market order is ignored, as the API does.
  } else if (!price) {
    *message = "price is required for limit orders";
    return ApiErrorCode(RejectReason::kInvalidPrice);
  } else if (!inst->ParsePrice(*price, &out->price) || out->price.value() <= 0) {
    return ApiErrorCode(RejectReason::kInvalidPrice);
  }
  if (IsStop(out->type)) {
    const std::optional<std::string> ref = p.Text("ref_price");
    if (!ref || !inst->ParsePrice(*ref, &out->trigger_price) || out->trigger_price.value() <= 0) {
      return ApiErrorCode(RejectReason::kInvalidRefPrice);
    }
  }
  if (const std::optional<std::string> tif = p.Text("time_in_force")) {
    if (*tif == "GOOD_TILL_CANCEL") {
      out->tif = TimeInForce::kGoodTillCancel;
    } else if (*tif == "IMMEDIATE_OR_CANCEL") {
      out->tif = TimeInForce::kImmediateOrCancel;
    } else if (*tif == "FILL_OR_KILL") {
      out->tif = TimeInForce::kFillOrKill;
    } else {
      return ApiErrorCode(RejectReason::kInvalidTif);
    }
  } else if (out->type == OrderType::kMarket) {
    out->tif = TimeInForce::kImmediateOrCancel;
  }
  if (const std::optional<std::vector<std::string>> inst_list = p.List("exec_inst", &bad_type)) {
    for (const std::string& e : *inst_list) {
      if (e == "POST_ONLY") {
        out->flags |= kOrderFlagPostOnly;
      } else {
        *message = "exec_inst " + e + " is not supported on spot";
        return ApiErrorCode(RejectReason::kInvalidExecInst);
      }
    }
    if ((out->flags & kOrderFlagPostOnly) != 0 && out->tif != TimeInForce::kGoodTillCancel) {
      return ApiErrorCode(RejectReason::kPostOnlyWouldCross);
    }
  }
  if (bad_type) {
    *message = "exec_inst must be a list of strings";
    return kInvalidArgument;
  }
  if (const std::optional<std::string> oid = p.Text("client_oid")) {
    if (!out->client_oid.Assign(*oid)) {
      *message = "client_oid must be at most 36 bytes";
      return kInvalidArgument;
    }
  }
  if (const std::optional<std::string> margin = p.Text("spot_margin")) {
    if (*margin != "SPOT") {
      *message = "only spot_margin SPOT is supported";
      return kInvalidArgument;
    }
  }
  if (const std::optional<std::string> stp = p.Text("stp_inst")) {
    if (*stp == "M") {
      out->stp_mode = StpMode::kCancelMaker;
    } else if (*stp == "T") {
      out->stp_mode = StpMode::kCancelTaker;
    } else if (*stp == "B") {
      out->stp_mode = StpMode::kCancelBoth;
    } else {
      *message = "stp_inst must be M, T or B";
      return kInvalidArgument;
    }
    if (const std::optional<std::string> scope = p.Text("stp_scope")) {
      if (*scope != "M" && *scope != "S") {
        *message = "stp_scope must be M or S";
        return kInvalidArgument;
      }
    }
    if (const std::optional<std::string> group = p.Text("stp_id")) {
      uint64_t g = 0;
      if (!ParseU64(*group, &g) || g > UINT32_MAX) {
        *message = "stp_id must be an integer";
        return kInvalidArgument;
      }
      out->stp_group = static_cast<uint32_t>(g);
    }
  }
  return kOk;
}

void Gateway::CreateOrder(const api::Envelope& env, const Caller& caller, const Params& params,
                          const std::shared_ptr<Outbox>& out) {
  PlaceOrder order;
  std::string message;
  const int64_t id = env.id;
  const std::string method = env.method;
  const uint32_t code = BuildPlaceOrder(params, *directory_->catalog(), caller.account, &order, &message);
  if (code != kOk) {
    SendReply(*out, id, method, code, message);
    return;
  }
  const uint32_t submitted = Submit(order, [out, id, method](const Outcome& o) {
    const uint32_t c = OutcomeCode(o);
    if (c != kOk) return SendReply(*out, id, method, c);
    const AcceptedEvent* a = FindEvent<AcceptedEvent>(o.events);
    const auto* cmd = std::get_if<PlaceOrder>(&o.command->body);
    SendOrderReply(*out, id, method, a != nullptr ? a->order_id : OrderId{0},
                   cmd != nullptr ? cmd->client_oid.view() : std::string_view());
  });
  if (submitted != kOk) SendReply(*out, id, method, submitted);
}

void Gateway::OrderList(const api::Envelope& env, const Caller& caller, const Params& params, bool cancel,
                        const std::shared_ptr<Outbox>& out) {
  const int64_t id = env.id;
  const std::string method = env.method;
  bool bad_type = false;
  const std::optional<std::vector<Params>> list = params.Objects("order_list", &bad_type);
  if (!cancel) {
    const std::optional<std::string> contingency = params.Text("contingency_type");
    if (contingency && *contingency != "LIST") {
      SendReply(*out, id, method, kInvalidArgument, "contingency_type must be LIST");
      return;
    }
  }
  if (bad_type || !list || list->empty() || list->size() > 10) {
    SendReply(*out, id, method, kInvalidArgument, "order_list must hold 1..10 orders");
    return;
  }
  struct Item {
    uint32_t code = kOk;
    std::string message;
    std::string client_oid;
    uint64_t order_id = 0;
  };
  struct ListState {
    std::vector<Item> items;
    std::atomic<size_t> pending{0};  // continuations run on the publisher thread, failures here: the last one replies
  };
  auto state = std::make_shared<ListState>();
  state->items.resize(list->size());
  std::vector<std::pair<size_t, CommandBody>> commands;
  const std::shared_ptr<const VenueCatalog> catalog = directory_->catalog();
  for (size_t i = 0; i < list->size(); ++i) {
    Item& item = state->items[i];
    item.client_oid = (*list)[i].Text("client_oid").value_or("");
    if (cancel) {
      CancelOrder c;
      item.code = BuildCancel((*list)[i], caller.account, &c, &item.message);
      if (item.code == kOk) commands.emplace_back(i, c);
    } else {
      PlaceOrder o;
      item.code = BuildPlaceOrder((*list)[i], *catalog, caller.account, &o, &item.message);
      if (item.code == kOk) commands.emplace_back(i, o);
    }
  }
  const auto finish = [out, id, method](const ListState& s) {
    api::JsonWriter w;
    BeginReply(w, id, method);
    w.BeginArray();  // the result is the list itself (what CCXT parses; the reference's shape)
    for (size_t i = 0; i < s.items.size(); ++i) {
      const Item& item = s.items[i];
      w.BeginObject();
      w.IntField("index", static_cast<int64_t>(i));
      w.IntField("code", item.code);
      w.StringField("client_oid", item.client_oid);
      if (item.order_id != 0) w.StringField("order_id", std::to_string(item.order_id));
      if (item.code != kOk) w.StringField("message", item.message.empty() ? ErrorText(item.code) : item.message);
      w.EndObject();
    }
    w.EndArray();
    out->Send(EndReply(w));
  };
  if (commands.empty()) return finish(*state);
  state->pending.store(commands.size());
  for (auto& [index, body] : commands) {
    const size_t i = index;
    const uint32_t submitted = Submit(std::move(body), [state, i, finish](const Outcome& o) {
      Item& item = state->items[i];
      item.code = OutcomeCode(o);
      if (const AcceptedEvent* a = FindEvent<AcceptedEvent>(o.events)) item.order_id = a->order_id.value();
      if (const CancelledEvent* c = FindEvent<CancelledEvent>(o.events)) item.order_id = c->order_id.value();
      if (state->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(*state);
    });
    if (submitted != kOk) {
      state->items[i].code = submitted;
      if (state->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(*state);
    }
  }
}

void Gateway::CancelAllOfType(const CancelAll& all, bool triggers, const std::shared_ptr<Outbox>& out, int64_t id,
                              const std::string& method) {
  // The engine's CancelAll takes every open order. One type only is a cancel per order, chosen on the publisher
  // thread from the orders it knows to be open: TRIGGER the stops still waiting for their trigger, LIMIT every
  // other open order (a triggered stop-limit resting on the book among them). An order placed after that choice,
  // or closed before its cancel is applied, is left as it is, as with any cancel racing a trade.
  const bool posted = publisher_->Post([this, all, triggers, out, id, method]() {
    std::vector<OrderId> chosen;
    for (const OrderRecord* r : publisher_->projection().OpenOrders(all.account)) {
      if (all.instrument != kAllInstruments && r->view.instrument != all.instrument) continue;
      const bool waiting = IsStop(r->view.type) && r->view.status == OrderStatus::kNew;
      if (waiting == triggers) chosen.push_back(r->view.order_id);
    }
    if (chosen.empty()) return SendReply(*out, id, method, kOk);
    struct State {
      std::atomic<size_t> pending;
      std::atomic<uint32_t> code{kOk};  // the first failure other than "already closed"
    };
    auto state = std::make_shared<State>();
    state->pending.store(chosen.size());
    const auto done = [state, out, id, method](uint32_t code) {
      const uint32_t gone = ApiErrorCode(RejectReason::kOrderNotFound);
      uint32_t expected = kOk;
      if (code != kOk && code != gone) state->code.compare_exchange_strong(expected, code);
      if (state->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) SendReply(*out, id, method, state->code.load());
    };
    for (const OrderId order_id : chosen) {
      CancelOrder cancel;
      cancel.account = all.account;
      cancel.order_id = order_id;
      const uint32_t submitted = Submit(cancel, [done](const Outcome& o) { done(OutcomeCode(o)); });
      if (submitted != kOk) done(submitted);
    }
  });
  if (!posted) SendReply(*out, id, method, kTooManyRequests, "server busy");
}

void Gateway::PostQuery(const std::shared_ptr<Outbox>& out, int64_t id, const std::string& method,
                        std::function<void(api::JsonWriter&, Publisher&, uint32_t*)> body) {
  const bool posted = publisher_->Post([out, id, method, body = std::move(body), this]() {
    api::JsonWriter w;
    BeginReply(w, id, method);
    uint32_t code = kOk;
    body(w, *publisher_, &code);
    if (code != kOk) return SendReply(*out, id, method, code);
    out->Send(EndReply(w));
  });
  if (!posted) SendReply(*out, id, method, kTooManyRequests, "server busy");
}

void Gateway::Query(const api::Envelope& env, const Caller& caller, const Params& params,
                    const std::shared_ptr<Outbox>& out) {
  const std::string& method = env.method;
  const int64_t id = env.id;
  const AccountId account = caller.account;
  const auto fail = [&](uint32_t code, std::string_view message = {}) { SendReply(*out, id, method, code, message); };
  InstrumentId filter = kAllInstruments;
  if (const std::optional<std::string> symbol = params.Text("instrument_name")) {
    const InstrumentInfo* inst = directory_->catalog()->FindInstrument(*symbol);
    if (inst == nullptr) return fail(ApiErrorCode(RejectReason::kInvalidInstrument));
    filter = inst->id;
  }
  int64_t start_ns = 0;
  int64_t end_ns = INT64_MAX;
  if (!TimeParam(params, "start_time", false, &start_ns) || !TimeParam(params, "end_time", true, &end_ns)) {
    return fail(kInvalidArgument, "start_time / end_time must be integers");
  }
  int64_t limit = 100;
  if (const std::optional<std::string> l = params.Text("limit")) {
    if (!ParseI64(*l, &limit) || limit <= 0) return fail(kInvalidArgument, "limit must be a positive integer");
  }
  const auto in_range = [start_ns, end_ns](TimeNs t) { return t >= start_ns && t <= end_ns; };

  if (method == "private/user-balance") {
    return PostQuery(out, id, method, [account](api::JsonWriter& w, Publisher& p, uint32_t*) {
      w.BeginObject();
      w.Key("data");
      w.BeginArray();
      WriteBalance(w, account, p.engine(), p.catalog());
      w.EndArray();
      w.EndObject();
    });
  }
  if (method == "private/get-open-orders") {
    return PostQuery(out, id, method, [account, filter](api::JsonWriter& w, Publisher& p, uint32_t*) {
      w.BeginObject();
      w.Key("data");
      w.BeginArray();
      const std::vector<const OrderRecord*> open = p.projection().OpenOrders(account);
      ReserveOrders(w, open.size());
      for (const OrderRecord* r : open) {
        if (filter == kAllInstruments || r->view.instrument == filter) WriteOrder(w, *r, p.catalog());
      }
      w.EndArray();
      w.EndObject();
    });
  }
  if (method == "private/get-order-detail") {
    const std::optional<std::string> order_id = params.Text("order_id");
    const std::optional<std::string> client_oid = params.Text("client_oid");
    uint64_t oid = 0;
    if (order_id && !ParseU64(*order_id, &oid)) return fail(kInvalidArgument, "order_id");
    if (!order_id && !client_oid) return fail(kInvalidArgument, "order_id or client_oid required");
    return PostQuery(out, id, method, [account, oid, client_oid](api::JsonWriter& w, Publisher& p, uint32_t* code) {
      const OrderRecord* r = oid != 0 ? p.projection().FindOrder(account, OrderId{oid})
                                      : p.projection().FindByClientOid(account, client_oid.value_or(""));
      if (r == nullptr) {
        *code = ApiErrorCode(RejectReason::kOrderNotFound);
        return;
      }
      WriteOrder(w, *r, p.catalog());
    });
  }
  if (method == "private/get-order-history") {
    return PostQuery(out, id, method, [=](api::JsonWriter& w, Publisher& p, uint32_t*) {
      w.BeginObject();
      w.Key("data");
      w.BeginArray();
      int64_t n = 0;
      if (const std::deque<OrderRecord>* closed = p.projection().ClosedOrders(account)) {
        ReserveOrders(w, std::min(closed->size(), static_cast<size_t>(limit)));
        for (const OrderRecord& r : *closed) {
          if (n >= limit) break;
          if ((filter != kAllInstruments && r.view.instrument != filter) || !in_range(r.update_time)) continue;
          WriteOrder(w, r, p.catalog());
          ++n;
        }
      }
      w.EndArray();
      w.EndObject();
    });
  }
  if (method == "private/get-trades") {
    if (limit > 100) limit = 100;
    return PostQuery(out, id, method, [=](api::JsonWriter& w, Publisher& p, uint32_t*) {
      w.BeginObject();
      w.Key("data");
      w.BeginArray();
      int64_t n = 0;
      if (const std::deque<TradeRecord>* trades = p.projection().Trades(account)) {
        for (const TradeRecord& t : *trades) {
          if (n >= limit) break;
          if ((filter != kAllInstruments && t.instrument != filter) || !in_range(t.time)) continue;
          WriteTrade(w, t, p.catalog());
          ++n;
        }
      }
      w.EndArray();
      w.EndObject();
    });
  }
  if (method == "private/get-currency-networks") {
    const std::shared_ptr<const VenueCatalog> catalog = directory_->catalog();
    api::JsonWriter w;
    BeginReply(w, id, method);
    w.BeginObject();
    w.IntField("update_time", static_cast<int64_t>(NowNs() / kMs));
    w.Key("currency_map");
    w.BeginObject();
    for (const AssetInfo& a : catalog->assets()) {
      w.Key(a.code);
      w.BeginObject();
      w.StringField("full_name", a.code);
      w.NullField("default_network");
      w.Key("network_list");
      w.BeginArray();
      w.EndArray();
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
    out->Send(EndReply(w));
    return;
  }
  fail(kMethodNotFound);
}

void Gateway::HandlePublic(std::string_view method_name, std::string_view query, std::string_view client_ip,
                           const std::shared_ptr<Outbox>& out) {
  const std::string method = "public/" + std::string(method_name);
  const int64_t id = -1;
  const auto fail = [&](uint32_t code, std::string_view message = {}) { SendReply(*out, id, method, code, message); };
  if (!limiter_.Allow(client_ip, kRulePublic, config_.rate_limits.public_per_second_per_ip, 1000 * kMs,
                      LimiterNowNs())) {
    return fail(kTooManyRequests);
  }
  Params params;
  params.ParseQuery(query);
  const std::shared_ptr<const VenueCatalog> catalog = directory_->catalog();
  if (method_name == "get-instruments") {
    api::JsonWriter w;
    BeginReply(w, id, method);
    w.BeginObject();
    w.Key("data");
    w.BeginArray();
    for (const InstrumentInfo& inst : catalog->instruments()) WriteInstrument(w, inst);
    w.EndArray();
    w.EndObject();
    out->Send(EndReply(w));
    return;
  }
  const std::optional<std::string> symbol = params.Text("instrument_name");
  const InstrumentInfo* inst = symbol ? catalog->FindInstrument(*symbol) : nullptr;
  const InstrumentId instrument = inst != nullptr ? inst->id : kAllInstruments;
  if (symbol && inst == nullptr) return fail(ApiErrorCode(RejectReason::kInvalidInstrument));
  const auto need_instrument = [&]() {
    if (inst != nullptr) return true;
    fail(kInvalidArgument, "instrument_name is required");
    return false;
  };
  int64_t count = -1;
  if (const std::optional<std::string> c = params.Text("count")) {
    if (!ParseI64(*c, &count) || count <= 0) return fail(kInvalidArgument, "count must be a positive integer");
  }
  int64_t start_ns = 0;
  int64_t end_ns = INT64_MAX;
  if (!TimeParam(params, "start_ts", false, &start_ns) || !TimeParam(params, "end_ts", true, &end_ns)) {
    return fail(kInvalidArgument, "start_ts / end_ts must be integers");
  }

  if (method_name == "get-book") {
    if (!need_instrument()) return;
    int64_t depth = 50;
    if (const std::optional<std::string> d = params.Text("depth")) {
      if (!ParseI64(*d, &depth) || depth <= 0 || depth > 50) return fail(kInvalidArgument, "depth must be 1..50");
    }
    return PostQuery(out, id, method, [instrument, depth](api::JsonWriter& w, Publisher& p, uint32_t*) {
      const InstrumentInfo* i = p.catalog().FindInstrument(instrument);
      const BookDepth book = p.engine().Depth(instrument, static_cast<size_t>(depth));
      w.BeginObject();
      w.StringField("instrument_name", i->symbol);
      w.IntField("depth", depth);
      w.Key("data");
      w.BeginArray();
      w.BeginObject();
      WriteBook(w, book.bids, book.asks, *i);
      w.IntField("t", p.query_time() / 1'000'000);
      w.EndObject();
      w.EndArray();
      w.EndObject();
    });
  }
  if (method_name == "get-trades") {
    if (!need_instrument()) return;
    if (count < 0) count = 25;
    count = std::min<int64_t>(count, 150);
    return PostQuery(out, id, method, [=](api::JsonWriter& w, Publisher& p, uint32_t*) {
      const InstrumentInfo* i = p.catalog().FindInstrument(instrument);
      w.BeginObject();
      w.Key("data");
      w.BeginArray();
      int64_t n = 0;
      if (const std::deque<PublicTrade>* trades = p.projection().PublicTrades(instrument)) {
        for (const PublicTrade& t : *trades) {
          if (n >= count) break;
          if (t.time < start_ns || t.time > end_ns) continue;
          WritePublicTrade(w, t, *i);
          ++n;
        }
      }
      w.EndArray();
      w.EndObject();
    });
  }
  if (method_name == "get-tickers") {
    return PostQuery(out, id, method, [instrument](api::JsonWriter& w, Publisher& p, uint32_t*) {
      w.BeginObject();
      w.Key("data");
      w.BeginArray();
      const TimeNs now = p.query_time();
      for (const InstrumentInfo& i : p.catalog().instruments()) {
        if (instrument != kAllInstruments && i.id != instrument) continue;
        WriteTicker(w, i, p.projection().TickerOf(i.id, now), p.engine(), now);
      }
      w.EndArray();
      w.EndObject();
    });
  }
  if (method_name == "get-candlestick") {
    if (!need_instrument()) return;
    const std::string timeframe = params.Text("timeframe").value_or("1m");
    const int tf = TimeframeIndex(timeframe);
    if (tf < 0) return fail(kInvalidArgument, "unknown timeframe");
    if (count < 0) count = 25;
    count = std::min<int64_t>(count, 300);
    // A candle is in [start_ts, end_ts) if it holds a moment of it: the one that holds start_ts and those that start
    // before end_ts, not one that starts at end_ts. CCXT's fetchOHLCV(since, limit) asks for [since - one candle,
    // since + limit candles) and keeps the candles from `since`: with the end taken in, the newest `count` were
    // those after `since`, and the one at `since` was lost.
    int64_t candles_end_ns = INT64_MAX;
    (void)TimeParam(params, "end_ts", false, &candles_end_ns);  // checked above
    return PostQuery(out, id, method, [=](api::JsonWriter& w, Publisher& p, uint32_t*) {
      const InstrumentInfo* i = p.catalog().FindInstrument(instrument);
      w.BeginObject();
      w.StringField("instrument_name", i->symbol);
      w.StringField("interval", timeframe);
      w.Key("data");
      w.BeginArray();
      if (const std::deque<Candle>* candles = p.projection().Candles(instrument, tf)) {
        // The newest `count` candles within [start, end), oldest first.
        std::vector<const Candle*> picked;
        for (const Candle& c : *candles) {
          if (static_cast<int64_t>(picked.size()) >= count) break;
          const int64_t t = c.start_ms * 1'000'000;
          if (t >= candles_end_ns || t < CandleStartMs(tf, start_ns / 1'000'000) * 1'000'000) continue;
          picked.push_back(&c);
        }
        for (auto it = picked.rbegin(); it != picked.rend(); ++it) WriteCandle(w, **it, *i);
      }
      w.EndArray();
      w.EndObject();
    });
  }
  fail(kMethodNotFound);
}

}  // namespace sequex::server

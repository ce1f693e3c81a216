#include "tests/event_format.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <variant>

namespace sequex::test {

namespace {

// Enum names with the raw value, so hostile (out-of-range) values stay readable.
template <typename E>
std::string Name(E e, std::initializer_list<const char*> names) {
  const auto v = static_cast<unsigned>(e);
  std::string s;
  if (v < names.size()) return s.append(names.begin()[v]);
  return s.append("?").append(std::to_string(v));
}
std::string N(Side s) { return Name(s, {"BUY", "SELL"}); }
std::string N(OrderType t) {
  return Name(t, {"LIMIT", "MARKET", "STOP_LOSS", "STOP_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"});
}
std::string N(TimeInForce t) { return Name(t, {"GTC", "IOC", "FOK"}); }
std::string N(StpMode m) { return Name(m, {"NONE", "CANCEL_MAKER", "CANCEL_TAKER", "CANCEL_BOTH"}); }
std::string N(OrderStatus s) { return Name(s, {"NEW", "ACTIVE", "FILLED", "CANCELED", "REJECTED", "EXPIRED"}); }
std::string N(InstrumentStatus s) { return Name(s, {"TRADING", "HALTED", "CANCEL_ONLY", "POST_ONLY"}); }
std::string N(CancelReason r) {
  return Name(r, {"USER", "CANCEL_ALL", "IOC_REMAINDER", "MARKET_REMAINDER", "HALT", "SELF_TRADE", "TRIGGER_FAILED"});
}
// (Appending rather than "'" + std::string(...) avoids a GCC 12 -Wrestrict false positive.)
std::string Quoted(std::string_view text) {
  std::string s;
  return s.append("'").append(text).append("'");
}
std::string Oid(const ClientOid& oid) { return Quoted(oid.view()); }
template <size_t K>
std::string Chars(const char (&s)[K]) {
  return Quoted(std::string_view(s, strnlen(s, K)));
}
// Every byte up to the last non-NUL one (so bytes hidden after a NUL show), non-printables as \xNN.
template <size_t K>
std::string RawChars(const char (&s)[K]) {
  size_t n = K;
  while (n > 0 && s[n - 1] == 0) --n;
  std::string out = "'";
  for (size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x21 && u <= 0x7E && u != '\\' && u != '\'') {
      out.push_back(static_cast<char>(u));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\x").push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out.append("'");
}
std::string Credential(const ApiCredential& c) {
  std::string s = "key=";
  return s.append(RawChars(c.key))
      .append(" secret=")
      .append(RawChars(c.secret))
      .append(" perms=")
      .append(std::to_string(unsigned{c.permissions}));
}

struct EventPrinter {
  std::ostringstream& os;
  void operator()(const AcceptedEvent& e) const {
    os << "Accepted{id=" << e.order_id.value() << " acct=" << e.account.value() << " instr=" << e.instrument.value()
       << " " << N(e.side) << " " << N(e.type) << " px=" << e.price.value() << " qty=" << e.qty.value() << "}";
  }
  void operator()(const RejectedEvent& e) const {
    os << "Rejected{" << static_cast<unsigned>(e.reason) << " acct=" << e.account.value()
       << " id=" << e.order_id.value() << "}";
  }
  void operator()(const TradeEvent& e) const {
    os << "Trade{match=" << e.match_id << " instr=" << e.instrument.value() << " taker_side=" << N(e.taker_side)
       << " maker=" << e.maker_order.value() << "/" << e.maker_account.value() << " taker=" << e.taker_order.value()
       << "/" << e.taker_account.value() << " px=" << e.price.value() << " qty=" << e.qty.value()
       << " notional=" << e.notional.value() << " maker_fee=" << e.maker_fee.value()
       << " taker_fee=" << e.taker_fee.value() << "}";
  }
  void operator()(const OrderUpdateEvent& e) const {
    os << "OrderUpdate{id=" << e.order_id.value() << " acct=" << e.account.value() << " instr=" << e.instrument.value()
       << " " << N(e.status) << " px=" << e.price.value() << " filled=" << e.filled.value()
       << " rem=" << e.remaining.value() << " cum_notional=" << e.cum_notional.value()
       << " cum_fee=" << e.cum_fee.value() << "}";
  }
  void operator()(const CancelledEvent& e) const {
    os << "Cancelled{id=" << e.order_id.value() << " acct=" << e.account.value() << " instr=" << e.instrument.value()
       << " " << N(e.reason) << " rem=" << e.remaining.value() << "}";
  }
  void operator()(const AmendedEvent& e) const {
    os << "Amended{id=" << e.order_id.value() << " acct=" << e.account.value() << " instr=" << e.instrument.value()
       << " px=" << e.price.value() << " qty=" << e.qty.value() << " kept_priority=" << e.kept_priority << "}";
  }
  void operator()(const TriggeredEvent& e) const {
    os << "Triggered{id=" << e.order_id.value() << " acct=" << e.account.value() << " instr=" << e.instrument.value()
       << " last=" << e.last_price.value() << "}";
  }
  void operator()(const BalanceEvent& e) const {
    os << "Balance{acct=" << e.account.value() << " asset=" << e.asset.value() << " avail=" << e.available.value()
       << " held=" << e.held.value() << "}";
  }
  void operator()(const DoneEvent&) const { os << "Done"; }
  void operator()(const AccountCreatedEvent& e) const { os << "AccountCreated{acct=" << e.account.value() << "}"; }
};

struct CommandPrinter {
  std::ostringstream& os;
  void operator()(const DefineAsset& c) const {
    os << "DefineAsset{id=" << c.asset.value() << " dec=" << unsigned{c.decimals} << " code=" << Chars(c.code) << "}";
  }
  void operator()(const DefineInstrument& c) const {
    os << "DefineInstrument{id=" << c.instrument.value() << " base=" << c.base.value() << " quote=" << c.quote.value()
       << " tick=" << c.tick_size.value() << " lot=" << c.lot_size.value() << " min_qty=" << c.min_qty.value()
       << " min_notional=" << c.min_notional.value() << " band=" << c.price_band_bps
       << " ref=" << c.reference_price.value() << " " << N(c.status) << " sym=" << Chars(c.symbol) << "}";
  }
  void operator()(const SetInstrumentStatus& c) const {
    os << "SetInstrumentStatus{instr=" << c.instrument.value() << " " << N(c.status) << "}";
  }
  void operator()(const Deposit& c) const {
    os << "Deposit{acct=" << c.account.value() << " asset=" << c.asset.value() << " amount=" << c.amount.value() << "}";
  }
  void operator()(const Withdraw& c) const {
    os << "Withdraw{acct=" << c.account.value() << " asset=" << c.asset.value() << " amount=" << c.amount.value()
       << "}";
  }
  void operator()(const PlaceOrder& c) const {
    os << "PlaceOrder{acct=" << c.account.value() << " instr=" << c.instrument.value() << " " << N(c.side) << " "
       << N(c.type) << " " << N(c.tif) << " flags=" << unsigned{c.flags} << " stp=" << N(c.stp_mode) << "/"
       << c.stp_group << " px=" << c.price.value() << " trigger=" << c.trigger_price.value() << " qty=" << c.qty.value()
       << " notional=" << c.notional.value() << " oid=" << Oid(c.client_oid) << "}";
  }
  void operator()(const CancelOrder& c) const {
    os << "CancelOrder{acct=" << c.account.value() << " id=" << c.order_id.value() << " oid=" << Oid(c.client_oid)
       << "}";
  }
  void operator()(const CancelAll& c) const {
    os << "CancelAll{acct=" << c.account.value() << " instr=" << c.instrument.value() << "}";
  }
  void operator()(const AmendOrder& c) const {
    os << "AmendOrder{acct=" << c.account.value() << " id=" << c.order_id.value()
       << " orig_oid=" << Oid(c.orig_client_oid) << " new_px=" << c.new_price.value()
       << " new_qty=" << c.new_qty.value() << " new_oid=" << Oid(c.new_client_oid) << "}";
  }
  void operator()(const SetFeeTier& c) const {
    os << "SetFeeTier{tier=" << unsigned{c.tier} << " maker=" << c.maker_ppm << " taker=" << c.taker_ppm << "}";
  }
  void operator()(const SetAccountFeeTier& c) const {
    os << "SetAccountFeeTier{acct=" << c.account.value() << " tier=" << unsigned{c.tier} << "}";
  }
  void operator()(const CreateAccount& c) const { os << "CreateAccount{" << Credential(c.credential) << "}"; }
  void operator()(const SetApiKey& c) const {
    os << "SetApiKey{acct=" << c.account.value() << " " << Credential(c.credential) << "}";
  }
};

bool Same(const AcceptedEvent& a, const AcceptedEvent& b) {
  return a.order_id == b.order_id && a.account == b.account && a.instrument == b.instrument && a.side == b.side &&
         a.type == b.type && a.price == b.price && a.qty == b.qty;
}
bool Same(const RejectedEvent& a, const RejectedEvent& b) {
  return a.reason == b.reason && a.account == b.account && a.order_id == b.order_id;
}
bool Same(const TradeEvent& a, const TradeEvent& b) {
  return a.match_id == b.match_id && a.instrument == b.instrument && a.taker_side == b.taker_side &&
         a.maker_order == b.maker_order && a.taker_order == b.taker_order && a.maker_account == b.maker_account &&
         a.taker_account == b.taker_account && a.price == b.price && a.qty == b.qty && a.notional == b.notional &&
         a.maker_fee == b.maker_fee && a.taker_fee == b.taker_fee;
}
bool Same(const OrderUpdateEvent& a, const OrderUpdateEvent& b) {
  return a.order_id == b.order_id && a.account == b.account && a.instrument == b.instrument && a.status == b.status &&
         a.price == b.price && a.filled == b.filled && a.remaining == b.remaining && a.cum_notional == b.cum_notional &&
         a.cum_fee == b.cum_fee;
}
bool Same(const CancelledEvent& a, const CancelledEvent& b) {
  return a.order_id == b.order_id && a.account == b.account && a.instrument == b.instrument && a.reason == b.reason &&
         a.remaining == b.remaining;
}
bool Same(const AmendedEvent& a, const AmendedEvent& b) {
  return a.order_id == b.order_id && a.account == b.account && a.instrument == b.instrument && a.price == b.price &&
         a.qty == b.qty && a.kept_priority == b.kept_priority;
}
bool Same(const TriggeredEvent& a, const TriggeredEvent& b) {
  return a.order_id == b.order_id && a.account == b.account && a.instrument == b.instrument &&
         a.last_price == b.last_price;
}
bool Same(const BalanceEvent& a, const BalanceEvent& b) {
  return a.account == b.account && a.asset == b.asset && a.available == b.available && a.held == b.held;
}
bool Same(const DoneEvent&, const DoneEvent&) { return true; }
bool Same(const AccountCreatedEvent& a, const AccountCreatedEvent& b) { return a.account == b.account; }

}  // namespace

std::string ToString(const Event& event) {
  std::ostringstream os;
  std::visit(EventPrinter{os}, event);
  return os.str();
}

std::string ToString(const Command& command) {
  std::ostringstream os;
  os << "#" << command.seq << " ";
  std::visit(CommandPrinter{os}, command.body);
  return os.str();
}

std::string ToString(std::span<const Event> events) {
  std::string s;
  for (size_t i = 0; i < events.size(); ++i) {
    s.append("  [").append(std::to_string(i)).append("] ").append(ToString(events[i])).append("\n");
  }
  return s;
}

bool SameEvent(const Event& a, const Event& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return Same(x, std::get<T>(b));
      },
      a);
}

std::optional<size_t> FirstDifference(std::span<const Event> expected, std::span<const Event> actual) {
  const size_t n = std::min(expected.size(), actual.size());
  for (size_t i = 0; i < n; ++i) {
    if (!SameEvent(expected[i], actual[i])) return i;
  }
  if (expected.size() != actual.size()) return n;
  return std::nullopt;
}

}  // namespace sequex::test

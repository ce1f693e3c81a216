#include "server/api_format.h"

#include <cstdio>
#include <ctime>
#include <string>

#include "api/decimal.h"

namespace sequex::server {
namespace {

int64_t Ms(TimeNs t) { return t / 1'000'000; }

// "2026-11-24": the API's order_date / event_date (UTC).
std::string IsoDate(TimeNs t) {
  const time_t seconds = static_cast<time_t>(t / 1'000'000'000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[40];  // room for any int the compiler imagines; real dates use 10
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
  return buf;
}

}  // namespace

void ReserveOrders(api::JsonWriter& w, size_t orders) {
  // An order takes 520 to 600 bytes (a long client_oid and a stop's ref_price, more); an estimate short by a few
  // percent costs one more doubling, still far fewer than from empty.
  constexpr size_t kBytesPerOrder = 600;
  w.Reserve(w.view().size() + orders * kBytesPerOrder + 64);
}

void WriteOrder(api::JsonWriter& w, const OrderRecord& r, const VenueCatalog& catalog) {
  const OrderView& o = r.view;
  const InstrumentInfo* inst = catalog.FindInstrument(o.instrument);
  w.BeginObject();
  w.StringField("account_id", std::to_string(o.account.value()));
  w.StringField("order_id", std::to_string(o.order_id.value()));
  w.StringField("client_oid", o.client_oid.view());
  w.StringField("order_type", ToString(o.type));
  w.StringField("time_in_force", ToString(o.tif));
  w.StringField("side", ToString(o.side));
  w.Key("exec_inst");
  w.BeginArray();
  if ((o.flags & kOrderFlagPostOnly) != 0) w.String("POST_ONLY");
  w.EndArray();
  if (inst != nullptr) {
    w.StringField("quantity", inst->FormatQty(o.qty));
    w.StringField("limit_price", inst->FormatPrice(o.price));
    const __int128 value = static_cast<__int128>(o.price.value()) * o.qty.value() * inst->tick_value.value();
    w.StringField("order_value",
                  IsMarketLike(o.type) && o.qty.value() == 0  // by notional (a stop-market buy too)
                      ? inst->FormatQuoteAmount(o.notional)
                      : inst->FormatQuoteAmount(Amount{value > kMaxAmount ? kMaxAmount : static_cast<int64_t>(value)}));
    w.StringField("avg_price", inst->FormatAveragePrice(o.cum_notional, o.filled));
    w.StringField("cumulative_quantity", inst->FormatQty(o.filled));
    w.StringField("cumulative_value", inst->FormatQuoteAmount(o.cum_notional));
    w.StringField("cumulative_fee", inst->FormatQuoteAmount(o.cum_fee));
    w.StringField("fee_instrument_name", inst->quote.code);
    w.StringField("instrument_name", inst->symbol);
    if (IsStop(o.type)) w.StringField("ref_price", inst->FormatPrice(o.trigger_price));
  }
  // The order's own rates, fixed when it was placed: a later fee change leaves them (and what it was charged) as
  // they were.
  w.StringField("maker_fee_rate", api::FormatScaled(o.maker_ppm, 6));
  w.StringField("taker_fee_rate", api::FormatScaled(o.taker_ppm, 6));
  // A stop waiting for its trigger is open: ACTIVE, as the reference reports resting orders ("CCXT maps
  // ACTIVE->open"; NEW it leaves unmapped, so a client filtering on open orders would miss it).
  w.StringField("status", ToString(o.status == OrderStatus::kNew ? OrderStatus::kActive : o.status));
  w.StringField("update_user_id", std::to_string(o.account.value()));
  w.StringField("order_date", IsoDate(o.created_time));
  w.IntField("create_time", Ms(o.created_time));
  w.StringField("create_time_ns", std::to_string(o.created_time));
  w.IntField("update_time", Ms(r.update_time));
  if (r.cancelled) w.StringField("reason", ToString(r.cancel_reason));
  w.EndObject();
}

void WriteTrade(api::JsonWriter& w, const TradeRecord& t, const VenueCatalog& catalog) {
  const InstrumentInfo* inst = catalog.FindInstrument(t.instrument);
  w.BeginObject();
  w.StringField("account_id", std::to_string(t.account.value()));
  w.StringField("event_date", IsoDate(t.time));
  w.StringField("journal_type", "TRADING");
  if (inst != nullptr) {
    w.StringField("traded_quantity", inst->FormatQty(t.qty));
    w.StringField("traded_price", inst->FormatPrice(t.price));
    w.StringField("fees", inst->FormatQuoteAmount(Amount{-t.fee.value()}));
    w.StringField("fee_instrument_name", inst->quote.code);
    w.StringField("instrument_name", inst->symbol);
  }
  w.StringField("order_id", std::to_string(t.order_id.value()));
  w.StringField("trade_id", std::to_string(t.match_id * 2 + (t.taker ? 1 : 0)));
  w.StringField("trade_match_id", std::to_string(t.match_id));
  w.StringField("client_oid", t.client_oid.view());
  w.StringField("taker_side", t.taker ? "TAKER" : "MAKER");
  w.StringField("side", ToString(t.side));
  w.IntField("create_time", Ms(t.time));
  w.StringField("create_time_ns", std::to_string(t.time));
  w.StringField("transact_time_ns", std::to_string(t.time));
  w.StringField("match_count", "1");
  w.StringField("match_index", "0");
  w.EndObject();
}

void WritePublicTrade(api::JsonWriter& w, const PublicTrade& t, const InstrumentInfo& inst) {
  w.BeginObject();
  w.StringField("d", std::to_string(t.match_id));
  w.IntField("t", Ms(t.time));
  w.StringField("tn", std::to_string(t.time));
  w.StringField("p", inst.FormatPrice(t.price));
  w.StringField("q", inst.FormatQty(t.qty));
  w.StringField("s", ToString(t.taker_side));
  w.StringField("i", inst.symbol);
  w.StringField("m", std::to_string(t.match_id));
  w.EndObject();
}

void WriteBalance(api::JsonWriter& w, AccountId account, const Engine& engine, const VenueCatalog& catalog) {
  Amount usd_available{0};
  Amount usd_total{0};
  w.BeginObject();
  w.Key("position_balances");
  w.BeginArray();
  for (const AssetInfo& a : catalog.assets()) {
    const BalanceView b = engine.Balance(account, a.id);
    if (b.available.value() == 0 && b.held.value() == 0) continue;
    if (a.code == "USD") {
      usd_available = b.available;
      usd_total = b.available + b.held;
    }
    const std::string total = api::FormatScaled(b.available.value() + b.held.value(), a.decimals);
    w.BeginObject();
    w.StringField("instrument_name", a.code);
    w.StringField("quantity", total);
    w.StringField("market_value", total);
    w.BoolField("collateral_eligible", true);
    w.StringField("haircut", "0");
    w.StringField("collateral_amount", total);
    w.StringField("max_withdrawal_balance", api::FormatScaled(b.available.value(), a.decimals));
    w.StringField("reserved_qty", api::FormatScaled(b.held.value(), a.decimals));
    w.EndObject();
  }
  w.EndArray();
  const AssetInfo* usd = catalog.FindAsset("USD");
  const int usd_decimals = usd != nullptr ? usd->decimals : 0;
  w.StringField("instrument_name", "USD");
  w.StringField("total_available_balance", api::FormatScaled(usd_available.value(), usd_decimals));
  w.StringField("total_margin_balance", api::FormatScaled(usd_total.value(), usd_decimals));
  w.StringField("total_initial_margin", "0");
  w.StringField("total_maintenance_margin", "0");
  w.StringField("total_position_cost", "0");
  w.StringField("total_cash_balance", api::FormatScaled(usd_total.value(), usd_decimals));
  w.StringField("total_collateral_value", api::FormatScaled(usd_total.value(), usd_decimals));
  w.StringField("total_session_unrealized_pnl", "0");
  w.StringField("total_session_realized_pnl", "0");
  w.BoolField("is_liquidating", false);
  w.StringField("total_effective_leverage", "0");
  w.EndObject();
}

void WriteBook(api::JsonWriter& w, const std::vector<DepthLevel>& bids, const std::vector<DepthLevel>& asks,
               const InstrumentInfo& inst) {
  w.Key("bids");
  WriteLevels(w, bids, inst);
  w.Key("asks");
  WriteLevels(w, asks, inst);
}

void WriteLevels(api::JsonWriter& w, const std::vector<DepthLevel>& levels, const InstrumentInfo& inst) {
  w.BeginArray();
  for (const DepthLevel& l : levels) {
    w.BeginArray();
    w.String(inst.FormatPrice(l.price));
    w.String(inst.FormatQty(l.qty));
    w.String(std::to_string(l.orders));
    w.EndArray();
  }
  w.EndArray();
}

void WriteTicker(api::JsonWriter& w, const InstrumentInfo& inst, const Ticker& t, const Engine& engine, TimeNs now) {
  const BookDepth top = engine.Depth(inst.id, 1);
  w.BeginObject();
  w.StringField("i", inst.symbol);
  if (t.has_trades) {
    w.StringField("h", inst.FormatPrice(t.high));
    w.StringField("l", inst.FormatPrice(t.low));
  } else {
    w.NullField("h");
    w.NullField("l");
  }
  if (t.last.value() != 0) {
    w.StringField("a", inst.FormatPrice(t.last));
  } else {
    w.NullField("a");
  }
  if (!top.bids.empty()) {
    w.StringField("b", inst.FormatPrice(top.bids[0].price));
    w.StringField("bs", inst.FormatQty(top.bids[0].qty));
  } else {
    w.NullField("b");
    w.NullField("bs");
  }
  if (!top.asks.empty()) {
    w.StringField("k", inst.FormatPrice(top.asks[0].price));
    w.StringField("ks", inst.FormatQty(top.asks[0].qty));
  } else {
    w.NullField("k");
    w.NullField("ks");
  }
  // 24 h change as a ratio, 4 decimals, rounded toward zero.
  std::string change = "0";
  if (t.has_trades && t.open.value() > 0) {
    const int64_t bp = (t.last.value() - t.open.value()) * 10'000 / t.open.value();
    change = api::FormatScaled(bp, 4);
  }
  w.StringField("c", change);
  w.StringField("v", inst.FormatQty(t.volume));
  w.StringField("vv", inst.FormatQuoteAmount(t.value));
  w.StringField("oi", "0");
  w.IntField("t", now / 1'000'000);
  w.EndObject();
}

void WriteCandle(api::JsonWriter& w, const Candle& c, const InstrumentInfo& inst) {
  w.BeginObject();
  w.StringField("o", inst.FormatPrice(c.open));
  w.StringField("h", inst.FormatPrice(c.high));
  w.StringField("l", inst.FormatPrice(c.low));
  w.StringField("c", inst.FormatPrice(c.close));
  w.StringField("v", inst.FormatQty(c.volume));
  w.IntField("t", c.start_ms);
  w.EndObject();
}

void WriteCredentials(api::JsonWriter& w, AccountId account, std::string_view api_key, std::string_view api_secret) {
  w.BeginObject();
  w.UintField("account_id", account.value());
  w.StringField("api_key", api_key);
  w.StringField("api_secret", api_secret);
  w.EndObject();
}

void WriteInstrument(api::JsonWriter& w, const InstrumentInfo& inst) {
  w.BeginObject();
  WriteInstrumentFields(w, inst);
  w.EndObject();
}

void WriteInstrumentFields(api::JsonWriter& w, const InstrumentInfo& inst) {
  w.StringField("symbol", inst.symbol);
  w.StringField("inst_type", "CCY_PAIR");
  w.StringField("display_name", inst.base.code + "/" + inst.quote.code);
  w.StringField("base_ccy", inst.base.code);
  w.StringField("quote_ccy", inst.quote.code);
  w.IntField("quote_decimals", inst.PriceDecimals());
  w.IntField("quantity_decimals", inst.QtyDecimals());
  w.StringField("price_tick_size", inst.PriceTickText());
  w.StringField("qty_tick_size", inst.QtyTickText());
  w.StringField("min_quantity", inst.FormatQty(inst.min_qty));
  w.StringField("max_leverage", "1");
  w.BoolField("tradable", inst.status == InstrumentStatus::kTrading || inst.status == InstrumentStatus::kPostOnly);
  w.IntField("expiry_timestamp_ms", 0);
  w.StringField("underlying_symbol", "");
  w.StringField("contract_size", "1");
  w.BoolField("margin_buy_enabled", false);
  w.BoolField("margin_sell_enabled", false);
}

}  // namespace sequex::server

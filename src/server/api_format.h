// The API's objects as JSON (shared/reference/cryptocom-exchange-api-v1.md §2): Order, Trade, balances, public
// trades, book levels, tickers, candles, instruments. Numbers that are prices or quantities are strings;
// timestamps are numbers (ms), *_ns fields strings. One function per object, shared by REST replies and pushes.
// Enum spellings are the engine's ToString (order_types.h), which are the API's.
#pragma once

#include "api/json_writer.h"
#include "engine/engine.h"
#include "server/catalog.h"
#include "server/projection.h"

namespace sequex::server {

void WriteOrder(api::JsonWriter& w, const OrderRecord& order, const VenueCatalog& catalog);
// Room in `w` for `orders` more orders, reserved before a list is written (get-open-orders, get-order-history, the
// user.order snapshot): grown by doubling instead, a list of 10,000 orders (5.6 MB) cost the publisher a copy per
// doubling and, on a VM, a page fault for every page of every new buffer (docs/server.md, `server_benchmark`).
void ReserveOrders(api::JsonWriter& w, size_t orders);
void WriteTrade(api::JsonWriter& w, const TradeRecord& trade, const VenueCatalog& catalog);
void WritePublicTrade(api::JsonWriter& w, const PublicTrade& trade, const InstrumentInfo& instrument);
// The user-balance object (one element of result.data): every asset the account holds.
void WriteBalance(api::JsonWriter& w, AccountId account, const Engine& engine, const VenueCatalog& catalog);
void WriteLevels(api::JsonWriter& w, const std::vector<DepthLevel>& levels, const InstrumentInfo& instrument);
// "bids":[…],"asks":[…]
void WriteBook(api::JsonWriter& w, const std::vector<DepthLevel>& bids, const std::vector<DepthLevel>& asks,
               const InstrumentInfo& instrument);
void WriteTicker(api::JsonWriter& w, const InstrumentInfo& instrument, const Ticker& ticker, const Engine& engine,
                 TimeNs now);
void WriteCandle(api::JsonWriter& w, const Candle& candle, const InstrumentInfo& instrument);
void WriteInstrument(api::JsonWriter& w, const InstrumentInfo& instrument);
// Its fields alone, for an answer that adds its own (instrument/alter's warning).
void WriteInstrumentFields(api::JsonWriter& w, const InstrumentInfo& instrument);
// {"account_id","api_key","api_secret"}: what account/create answers and demo-accounts.json lists.
void WriteCredentials(api::JsonWriter& w, AccountId account, std::string_view api_key, std::string_view api_secret);

}  // namespace sequex::server

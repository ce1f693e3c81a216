// Command: one sequenced input to the engine. The sequencer stamps `seq` and `time`; everything the engine does
// is a function of the ordered stream of these (state = f(commands)). Plain values only, no pointers, so a command
// can be journaled (journal/ has the byte codec), replayed and compared.
//
// Validation belongs to the engine, not to the producer: any field may hold any value (hostile input included),
// and a bad one yields a Rejected event and no state change.
#pragma once

#include <cstring>
#include <string_view>
#include <variant>

#include "common/types.h"
#include "engine/order_types.h"

namespace sequex {

inline constexpr InstrumentId kAllInstruments{0xFFFF};

// Define a new asset. `code` is its ticker, e.g. "BTC" (upper-case letters/digits, 1..15 chars).
struct DefineAsset {
  AssetId asset{};
  uint8_t decimals = 0;  // 0..18: amounts of this asset are integers in units of 10^-decimals
  char code[16] = {};
};

// Define a spot instrument, or alter one: an existing id may change only its mutable fields (min sizes, band,
// reference price, status); changing symbol, assets, tick or lot is rejected.
//
// Units: tick_size is the quote amount (smallest units) per one whole base unit that one tick represents;
// lot_size is the base amount (smallest units) of one lot. tick_size * lot_size must be a multiple of
// 10^base.decimals so that one tick x one lot is a whole number of quote units (the "tick value").
struct DefineInstrument {
  InstrumentId instrument{};
  AssetId base{};
  AssetId quote{};
  Amount tick_size{};
  Amount lot_size{};
  QtyLots min_qty{1};
  Amount min_notional{0};         // quote units; 0 = none
  uint32_t price_band_bps = 0;    // limit prices farther than this from the reference are rejected; 0 = no band
  PriceTicks reference_price{0};  // band reference until the first trade; 0 = none
  InstrumentStatus status = InstrumentStatus::kTrading;
  char symbol[24] = {};  // e.g. "BTC_USD"
};

// Change an instrument's status. Moving to kHalted cancels every resting and waiting (stop) order of the book.
struct SetInstrumentStatus {
  InstrumentId instrument{};
  InstrumentStatus status = InstrumentStatus::kTrading;
};

// Credit an account (creating it on first use). Account 0 is the venue's fee account and cannot trade.
struct Deposit {
  AccountId account{};
  AssetId asset{};
  Amount amount{};
};

// Debit an account's available balance; rejected if it would go below zero.
struct Withdraw {
  AccountId account{};
  AssetId asset{};
  Amount amount{};
};

struct PlaceOrder {
  AccountId account{};
  InstrumentId instrument{};
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGoodTillCancel;
  uint8_t flags = 0;  // kOrderFlagPostOnly
  StpMode stp_mode = StpMode::kNone;
  uint32_t stp_group = 0;       // 0 = self-trade means same account; else also any order of the same group
  PriceTicks price{0};          // limit price (limit types); 0 for market types
  PriceTicks trigger_price{0};  // stop types: the last-trade price that triggers
  QtyLots qty{0};               // quantity; 0 only for a market BUY by notional
  Amount notional{0};           // market BUY by notional: quote units to spend (fees on top); else 0
  ClientOid client_oid{};       // optional; unique among the account's open orders
};

// Cancel one open order, by order id, or by client_oid when order_id is 0.
struct CancelOrder {
  AccountId account{};
  OrderId order_id{0};
  ClientOid client_oid{};
};

// Cancel all open orders (resting and waiting stops) of an account, in one instrument or in all.
struct CancelAll {
  AccountId account{};
  InstrumentId instrument = kAllInstruments;
};

// Amend an open order: new price and/or new total quantity (including what already filled). Keeps time priority
// only when the price is unchanged and the quantity goes down; otherwise it is re-queued, and may trade if the new
// price crosses (a post-only order's amend that would cross is rejected and the order stays as it was).
struct AmendOrder {
  AccountId account{};
  OrderId order_id{0};  // or 0 and orig_client_oid
  ClientOid orig_client_oid{};
  PriceTicks new_price{0};     // 0 = unchanged
  QtyLots new_qty{0};          // 0 = unchanged
  ClientOid new_client_oid{};  // empty = unchanged
};

// Set a fee tier's rates in parts per million of notional. Negative maker = rebate, paid from (and capped at) the
// taker fee of the same trade, so the fee account can never go negative.
struct SetFeeTier {
  uint8_t tier = 0;  // 0..15
  int32_t maker_ppm = 0;
  int32_t taker_ppm = 0;
};

struct SetAccountFeeTier {
  AccountId account{};
  uint8_t tier = 0;
};

// What an API key may do (bit set). Read: queries and private pushes; trade: order entry.
inline constexpr uint8_t kPermissionRead = 1;
inline constexpr uint8_t kPermissionTrade = 2;

// An API key and its HMAC secret, as the gateways authenticate them. Both are printable ASCII without spaces
// (0x21..0x7E), NUL-padded: key 8..31 chars, unique venue-wide; secret 16..47 chars. They are journaled like every
// other command, so a replica or a restart authenticates the same clients (docs/engine.md, "Accounts and keys").
struct ApiCredential {
  char key[32] = {};
  char secret[48] = {};
  uint8_t permissions = 0;  // kPermissionRead | kPermissionTrade; 0 only in SetApiKey, where it revokes the key

  [[nodiscard]] std::string_view key_view() const { return {key, ::strnlen(key, sizeof key)}; }
  [[nodiscard]] std::string_view secret_view() const { return {secret, ::strnlen(secret, sizeof secret)}; }
};

// Open a new trading account. The engine assigns its id, one above the highest account id in use (a deposit can
// also create an account, by id), so gateways racing to open accounts can never pick the same one. With a
// non-empty credential.key, that key is registered for the new account in the same step.
// -> AccountCreatedEvent, DoneEvent.
struct CreateAccount {
  ApiCredential credential;
};

// Register a new API key for an existing account, replace the secret / permissions of one of its keys, or revoke
// one (permissions 0). A key held by another account, or bad key / secret text, is rejected. -> DoneEvent.
struct SetApiKey {
  AccountId account{};
  ApiCredential credential;
};

using CommandBody =
    std::variant<DefineAsset, DefineInstrument, SetInstrumentStatus, Deposit, Withdraw, PlaceOrder, CancelOrder,
                 CancelAll, AmendOrder, SetFeeTier, SetAccountFeeTier, CreateAccount, SetApiKey>;

struct Command {
  SeqNo seq = 0;
  TimeNs time = 0;
  CommandBody body;
};

}  // namespace sequex

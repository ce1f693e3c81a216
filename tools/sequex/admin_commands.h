// The operator's commands that talk to a running sequexd through its admin endpoint (docs/server.md): the
// endpoint's address and bearer token are read from the data folder (admin.endpoint, admin.token).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sequex::tools {

struct AdminOptions {
  std::string data_dir = "data";
  bool json = false;  // print the result as JSON (else a short human line)
};

// ASSET=AMOUNT pairs, amounts in human units ("BTC=1.5").
int AccountCreate(const AdminOptions& o, const std::vector<std::string>& deposits, bool read_only);
int Transfer(const AdminOptions& o, bool deposit, uint64_t account, const std::string& asset_amount);
// An instrument's optional limits, as decimal text ("" = not given): see docs/server.md, instrument/add.
struct InstrumentLimits {
  std::string min_qty, min_notional, price_band_bps, reference_price;
};
int InstrumentAdd(const AdminOptions& o, const std::string& symbol, const std::string& base, const std::string& quote,
                  const std::string& price_tick, const std::string& qty_tick, const InstrumentLimits& limits);
// Changes the given limits of an instrument; the rest of its definition (and its status) stays.
int InstrumentAlter(const AdminOptions& o, const std::string& symbol, const InstrumentLimits& limits);
// status: TRADING, HALTED (cancels the book), CANCEL_ONLY or POST_ONLY.
int InstrumentStatus(const AdminOptions& o, const std::string& symbol, const std::string& status);
// Another API key for an existing account; revoking one ends the sessions authenticated with it.
int KeyCreate(const AdminOptions& o, uint64_t account, bool read_only);
int KeyRevoke(const AdminOptions& o, const std::string& api_key);
// A fee tier's rates (decimals as [fees] takes them; a negative maker rate is a rebate), an account's tier, and
// what is in use (every tier with rates or accounts, or one account's tier when `account` is given).
int FeesTier(const AdminOptions& o, uint64_t tier, const std::string& maker_rate, const std::string& taker_rate);
int AccountFeeTier(const AdminOptions& o, uint64_t account, uint64_t tier);
int FeesShow(const AdminOptions& o, std::optional<uint64_t> account);  // nullopt: every tier in use
int Status(const AdminOptions& o);
// The fee account's balance of every asset, and a withdrawal from it (the venue takes its fees out).
int FeeBalances(const AdminOptions& o);
int FeeWithdraw(const AdminOptions& o, const std::string& asset_amount);

}  // namespace sequex::tools

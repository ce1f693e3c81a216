#include "server/admin.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <map>

#include "api/decimal.h"
#include "api/json_writer.h"
#include "server/api_format.h"
#include "server/definitions.h"

namespace sequex::server {
namespace {

void SendError(const std::shared_ptr<Outbox>& out, uint32_t code, std::string_view message) {
  api::JsonWriter w;
  w.BeginObject();
  w.IntField("code", code);
  w.StringField("message", message.empty() ? ErrorText(code) : std::string(message));
  w.EndObject();
  out->Send(MakeMessage(w.Release()), HttpStatusFor(code));
}

// {"code":0,"result":<result>}
void SendResult(const std::shared_ptr<Outbox>& out, std::string_view result_json) {
  std::string text = "{\"code\":0,\"result\":";
  text.append(result_json);
  text.push_back('}');
  out->Send(MakeMessage(std::move(text)), 200);
}

void WriteBalanceOf(api::JsonWriter& w, const Engine& engine, AccountId account, const AssetInfo& asset) {
  const BalanceView b = engine.Balance(account, asset.id);
  w.BeginObject();
  w.UintField("account_id", account.value());
  w.StringField("asset", asset.code);
  w.StringField("available", api::FormatScaled(b.available.value(), asset.decimals));
  w.StringField("held", api::FormatScaled(b.held.value(), asset.decimals));
  w.EndObject();
}

bool ParseAccount(const Params& p, AccountId* out) {
  const std::optional<std::string> text = p.Text("account_id");
  if (!text || text->empty() || text->size() > 10) return false;
  uint64_t v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > UINT32_MAX) return false;
  *out = AccountId{static_cast<uint32_t>(v)};
  return true;
}

// "permissions": ["read", "trade"] (both when absent). Sends the error and returns false if the list is bad.
bool ParsePermissions(const Params& p, const std::shared_ptr<Outbox>& out, uint8_t* permissions) {
  bool bad_type = false;
  *permissions = kPermissionRead | kPermissionTrade;
  if (const std::optional<std::vector<std::string>> perms = p.List("permissions", &bad_type)) {
    *permissions = 0;
    for (const std::string& s : *perms) {
      if (s == "read") {
        *permissions |= kPermissionRead;
      } else if (s == "trade") {
        *permissions |= kPermissionTrade;
      } else {
        SendError(out, kInvalidArgument, "permissions are read and trade");
        return false;
      }
    }
    if (*permissions == 0) {
      SendError(out, kInvalidArgument, "a key needs a permission");
      return false;
    }
  }
  if (bad_type) SendError(out, kInvalidArgument, "permissions must be a list");
  return !bad_type;
}

// A new key and secret (RandomToken) with `permissions`.
ApiCredential NewCredential(uint8_t permissions, std::string* key, std::string* secret) {
  ApiCredential c;
  *key = RandomToken(24);
  *secret = RandomToken(32);
  std::memcpy(c.key, key->data(), key->size());
  std::memcpy(c.secret, secret->data(), secret->size());
  c.permissions = permissions;
  return c;
}

// "tier": 0..15, the engine's fee tiers.
bool ParseTier(const Params& p, uint8_t* out) {
  const std::optional<std::string> text = p.Text("tier");
  if (!text || text->empty() || text->size() > 2) return false;
  unsigned v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 15) return false;
  *out = static_cast<uint8_t>(v);
  return true;
}

// {"tier","maker_rate","taker_rate"}, rates as [fees] writes them, from parts per million.
void WriteTierFields(api::JsonWriter& w, const SetFeeTier& rates) {
  w.UintField("tier", rates.tier);
  w.StringField("maker_rate", api::FormatScaled(rates.maker_ppm, 6));
  w.StringField("taker_rate", api::FormatScaled(rates.taker_ppm, 6));
}

std::optional<InstrumentStatus> ParseInstrumentStatus(std::string_view s) {
  for (const InstrumentStatus status : {InstrumentStatus::kTrading, InstrumentStatus::kHalted,
                                        InstrumentStatus::kCancelOnly, InstrumentStatus::kPostOnly}) {
    if (s == ToString(status)) return status;
  }
  return std::nullopt;
}

// The optional limits of instrument/add and instrument/alter, onto `d` (whose tick and lot are set): min_qty (a
// positive multiple of the lot), min_notional (quote, 0 = none), price_band_bps (0..10,000, 0 = no band) and
// reference_price (the band's reference until the first trade; 0 = none). Empty, or what is wrong.
std::string ApplyInstrumentLimits(const Params& p, const AssetInfo& base, const AssetInfo& quote, DefineInstrument* d) {
  const int64_t lot = d->lot_size.value();
  const int64_t tick = d->tick_size.value();
  if (const std::optional<std::string> min = p.Text("min_qty")) {
    int64_t m = 0;
    if (!api::ParseScaled(*min, base.decimals, kMaxAmount, &m) || m <= 0 || m % lot != 0 || m / lot >= kMaxQtyLots) {
      return "min_qty must be a positive multiple of qty_tick";
    }
    d->min_qty = QtyLots{m / lot};
  }
  if (const std::optional<std::string> min = p.Text("min_notional")) {
    int64_t m = 0;
    if (!api::ParseScaled(*min, quote.decimals, kMaxAmount - 1, &m)) {
      return "min_notional must be a decimal of " + quote.code + " (0 or more, at most " +
             std::to_string(quote.decimals) + " places)";
    }
    d->min_notional = Amount{m};
  }
  if (const std::optional<std::string> band = p.Text("price_band_bps")) {
    int64_t b = 0;
    if (!api::ParseScaled(*band, 0, 10'000, &b)) return "price_band_bps must be an integer from 0 to 10000";
    d->price_band_bps = static_cast<uint32_t>(b);
  }
  if (const std::optional<std::string> ref = p.Text("reference_price")) {
    int64_t r = 0;
    if (!api::ParseScaled(*ref, quote.decimals, kMaxAmount, &r) || r % tick != 0 || r / tick >= kMaxPriceTicks) {
      return "reference_price must be 0 or a price on the grid of price_tick";
    }
    d->reference_price = PriceTicks{r / tick};
  }
  return {};
}

}  // namespace

std::string RandomToken(size_t length) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < length) {
    unsigned char bytes[64];
    if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: nothing safe to hand out
    for (unsigned char b : bytes) {
      if (b < 248 && out.size() < length) out.push_back(kAlphabet[b % 62]);  // 248 = 4 x 62: no modulo bias
    }
  }
  return out;
}

AdminService::AdminService(Gateway* gateway, const SessionCounters* counters, std::string token,
                           std::function<void(const std::string&)> log)
    : gateway_(gateway), counters_(counters), token_(std::move(token)), log_(std::move(log)) {}

void AdminService::Handle(const std::string& op, const std::string& body, const std::string& token,
                          const std::shared_ptr<Outbox>& out) {
  if (token.size() != token_.size() || CRYPTO_memcmp(token.data(), token_.data(), token.size()) != 0) {
    return SendError(out, kUnauthorized, "bad admin token");
  }
  Params params;
  std::string problem;
  if (!params.ParseJson(body, &problem)) {
    return SendError(out, kBadRequest,
                     problem == "params must be a JSON object" ? "body must be a JSON object" : problem);
  }
  if (op == "account/create") return CreateAccount(params, out);
  if (op == "deposit") return Transfer(params, true, out);
  if (op == "withdraw") return Transfer(params, false, out);
  if (op == "instrument/add") return AddInstrument(params, out);
  if (op == "instrument/alter") return AlterInstrument(params, out);
  if (op == "instrument/halt") return SetStatus(params, InstrumentStatus::kHalted, out);
  if (op == "instrument/resume") return SetStatus(params, InstrumentStatus::kTrading, out);
  if (op == "instrument/status") {
    const std::optional<InstrumentStatus> status = ParseInstrumentStatus(params.Text("status").value_or(""));
    if (!status) return SendError(out, kInvalidArgument, "status is TRADING, HALTED, CANCEL_ONLY or POST_ONLY");
    return SetStatus(params, *status, out);
  }
  if (op == "fees/balances") return FeeBalances(out);
  if (op == "fees/withdraw") return WithdrawFees(params, out);
  if (op == "key/create") return CreateKey(params, out);
  if (op == "key/revoke") return RevokeKey(params, out);
  if (op == "fees/tier") return SetTier(params, out);
  if (op == "account/fee-tier") return SetAccountTier(params, out);
  if (op == "fees") return Fees(params, out);
  if (op == "status") return Status(out);
  SendError(out, kMethodNotFound, "unknown admin operation " + op);
}

void AdminService::CreateAccount(const Params& p, const std::shared_ptr<Outbox>& out) {
  const std::shared_ptr<const VenueCatalog> catalog = gateway_->directory()->catalog();
  struct Funding {
    AssetId asset;
    Amount amount;
  };
  std::vector<Funding> deposits;
  bool bad_type = false;
  if (const std::optional<std::vector<Params>> list = p.Objects("deposits", &bad_type)) {
    for (const Params& d : *list) {
      const std::optional<std::string> code = d.Text("asset");
      const std::optional<std::string> amount = d.Text("amount");
      const AssetInfo* asset = code ? catalog->FindAsset(*code) : nullptr;
      if (asset == nullptr) return SendError(out, 211, "unknown asset " + code.value_or(""));
      int64_t scaled = 0;
      if (!amount || !api::ParseScaled(*amount, asset->decimals, kMaxAmount, &scaled) || scaled <= 0) {
        return SendError(out, kInvalidArgument, "bad amount for " + asset->code);
      }
      deposits.push_back({asset->id, Amount{scaled}});
    }
  }
  if (bad_type) return SendError(out, kInvalidArgument, "deposits must be a list of {asset, amount}");
  uint8_t permissions = 0;
  if (!ParsePermissions(p, out, &permissions)) return;

  sequex::CreateAccount create;
  std::string key;
  std::string secret;
  create.credential = NewCredential(permissions, &key, &secret);
  Gateway* gateway = gateway_;
  const auto create_and_fund = [out, key, secret, deposits, gateway, create]() {
    const uint32_t submitted = gateway->Submit(create, [out, key, secret, deposits, gateway](const Outcome& o) {
      const uint32_t code = OutcomeCode(o);
      if (code != kOk) return SendError(out, code, "account not created");
      const auto* created = FindEvent<AccountCreatedEvent>(o.events);
      const AccountId account = created != nullptr ? created->account : AccountId{0};
      // The credentials go back whatever happens to the deposits: an account is never left funded with a key
      // that nobody was given.
      const auto reply = [out, key, secret, account](uint32_t failed) {
        api::JsonWriter w;
        w.BeginObject();
        w.IntField("code", failed);
        if (failed != kOk) {
          w.StringField("message", "account " + std::to_string(account.value()) +
                                       " created, but a deposit failed; its credentials are in result");
        }
        w.Key("result");
        WriteCredentials(w, account, key, secret);
        w.EndObject();
        out->Send(MakeMessage(w.Release()), HttpStatusFor(failed));
      };
      if (deposits.empty()) return reply(kOk);
      // Deposits in order; the reply waits for the last (the sequencer keeps their order).
      auto remaining = std::make_shared<size_t>(deposits.size());
      auto failed = std::make_shared<uint32_t>(kOk);
      for (const Funding& f : deposits) {
        const uint32_t s =
            gateway->Submit(Deposit{account, f.asset, f.amount}, [remaining, failed, reply](const Outcome& d) {
              if (OutcomeCode(d) != kOk && *failed == kOk) *failed = OutcomeCode(d);
              if (--*remaining == 0) reply(*failed);
            });
        if (s != kOk) {
          // Continuations run on this (the publisher) thread, so the counter is ours to change here.
          if (*failed == kOk) *failed = s;
          if (--*remaining == 0) reply(*failed);
        }
      }
    });
    if (submitted != kOk) SendError(out, submitted, "server busy");
  };
  if (deposits.empty()) return create_and_fund();
  // The deposits' rule (321: an asset's net deposits must stay under 2^62) is checked against the state before the
  // account is made, so a request that cannot be funded creates nothing.
  const bool posted = gateway_->publisher()->Post([out, deposits, create_and_fund, gateway]() {
    std::map<uint16_t, int64_t> asked;  // per asset, what the request deposits in all
    for (const Funding& f : deposits) {
      int64_t& sum = asked[f.asset.value()];
      const int64_t room = kMaxAmount - gateway->publisher()->engine().NetDeposits(f.asset).value() - sum;
      if (f.amount.value() >= room) {
        return SendError(out, 321, "the deposits would take an asset's net deposits to 2^62 units or more");
      }
      sum += f.amount.value();
    }
    create_and_fund();
  });
  if (!posted) SendError(out, kTooManyRequests, "server busy");
}

void AdminService::Transfer(const Params& p, bool deposit, const std::shared_ptr<Outbox>& out) {
  AccountId account{};
  if (!ParseAccount(p, &account)) return SendError(out, kInvalidArgument, "account_id must be a positive integer");
  MoveFunds(p, account, deposit, out);
}

// The fee account is not an account_id of deposit / withdraw (those are the clients' accounts, from 1): its own
// operations take its funds out, so that a mistyped id can never reach it.
void AdminService::WithdrawFees(const Params& p, const std::shared_ptr<Outbox>& out) {
  MoveFunds(p, gateway_->publisher()->engine().FeeAccount(), /*deposit=*/false, out);
}

void AdminService::FeeBalances(const std::shared_ptr<Outbox>& out) {
  Gateway* gateway = gateway_;
  const bool posted = gateway_->publisher()->Post([out, gateway] {
    Publisher& p = *gateway->publisher();
    api::JsonWriter w;
    w.BeginObject();
    w.UintField("account_id", p.engine().FeeAccount().value());
    w.Key("balances");
    w.BeginArray();
    for (const AssetInfo& asset : p.catalog().assets()) WriteBalanceOf(w, p.engine(), p.engine().FeeAccount(), asset);
    w.EndArray();
    w.EndObject();
    SendResult(out, w.view());
  });
  if (!posted) SendError(out, kTooManyRequests, "server busy");
}

void AdminService::MoveFunds(const Params& p, AccountId account, bool deposit, const std::shared_ptr<Outbox>& out) {
  const std::shared_ptr<const VenueCatalog> catalog = gateway_->directory()->catalog();
  const std::optional<std::string> code = p.Text("asset");
  const AssetInfo* asset = code ? catalog->FindAsset(*code) : nullptr;
  if (asset == nullptr) return SendError(out, 211, "unknown asset");
  int64_t scaled = 0;
  const std::optional<std::string> amount = p.Text("amount");
  if (!amount || !api::ParseScaled(*amount, asset->decimals, kMaxAmount, &scaled) || scaled <= 0) {
    return SendError(out, kInvalidArgument, "amount must be a positive decimal");
  }
  CommandBody body = deposit ? CommandBody(Deposit{account, asset->id, Amount{scaled}})
                             : CommandBody(Withdraw{account, asset->id, Amount{scaled}});
  const AssetInfo info = *asset;
  Gateway* gateway = gateway_;
  // The engine opens an account at its first deposit, whatever its id; here only accounts made by account/create
  // take one. A deposit to a mistyped id near max_accounts would otherwise open it, and account/create, which
  // numbers accounts after the highest, could make no account again.
  const bool posted = gateway_->publisher()->Post([out, account, info, gateway, body = std::move(body)]() mutable {
    if (!gateway->publisher()->engine().AccountExists(account)) {
      return SendError(out, 210, "no account " + std::to_string(account.value()) + ": make it with account/create");
    }
    const uint32_t s = gateway->Submit(std::move(body), [out, account, info](const Outcome& o) {
      const uint32_t c = OutcomeCode(o);
      if (c != kOk) return SendError(out, c, {});
      api::JsonWriter w;
      WriteBalanceOf(w, o.publisher->engine(), account, info);
      SendResult(out, w.view());
    });
    if (s != kOk) SendError(out, s, "server busy");
  });
  if (!posted) SendError(out, kTooManyRequests, "server busy");
}

void AdminService::AddInstrument(const Params& p, const std::shared_ptr<Outbox>& out) {
  const std::shared_ptr<const VenueCatalog> catalog = gateway_->directory()->catalog();
  const std::string symbol = p.Text("symbol").value_or("");
  const AssetInfo* base = catalog->FindAsset(p.Text("base").value_or(""));
  const AssetInfo* quote = catalog->FindAsset(p.Text("quote").value_or(""));
  if (symbol.empty() || symbol.size() >= sizeof(DefineInstrument::symbol)) {
    return SendError(out, kInvalidArgument, "symbol must be 1..23 characters");
  }
  if (base == nullptr || quote == nullptr) return SendError(out, 211, "base and quote must be defined assets");
  int64_t tick = 0;
  int64_t lot = 0;
  if (!api::ParseScaled(p.Text("price_tick").value_or(""), quote->decimals, kMaxAmount, &tick) || tick <= 0 ||
      !api::ParseScaled(p.Text("qty_tick").value_or(""), base->decimals, kMaxAmount, &lot) || lot <= 0) {
    return SendError(out, kInvalidArgument, "price_tick and qty_tick must be positive decimals on the assets' grids");
  }
  DefineInstrument d;
  d.base = base->id;
  d.quote = quote->id;
  d.tick_size = Amount{tick};
  d.lot_size = Amount{lot};
  if (const std::string problem = ApplyInstrumentLimits(p, *base, *quote, &d); !problem.empty()) {
    return SendError(out, kInvalidArgument, problem);
  }
  std::memcpy(d.symbol, symbol.data(), symbol.size());
  {
    std::lock_guard lock(adding_->mu);
    const std::shared_ptr<const VenueCatalog> now = gateway_->directory()->catalog();
    if (now->FindInstrument(symbol) != nullptr || adding_->symbols.contains(symbol)) {
      return SendError(out, kInvalidArgument, "symbol exists");
    }
    uint16_t next = 1;
    for (const InstrumentInfo& i : now->instruments()) next = std::max<uint16_t>(next, i.id.value() + 1);
    // An id given to an add that then failed stays unused.
    adding_->highest_id = std::max<uint16_t>(next, adding_->highest_id + 1);
    d.instrument = InstrumentId{adding_->highest_id};
    adding_->symbols.insert(symbol);
  }
  const InstrumentId id = d.instrument;
  const auto done = [adding = adding_, symbol] {
    std::lock_guard lock(adding->mu);
    adding->symbols.erase(symbol);
  };
  const uint32_t s = gateway_->Submit(d, [out, id, done](const Outcome& o) {
    done();
    const uint32_t c = OutcomeCode(o);
    if (c == 209) {
      return SendError(out, c,
                       "instrument not defined: the symbol must be [A-Z0-9_-], and one tick times one lot a whole "
                       "number of the quote asset's units");
    }
    if (c == 211) return SendError(out, c, "base and quote must be two different assets");
    if (c != kOk) return SendError(out, c, {});
    const InstrumentInfo* inst = o.publisher->catalog().FindInstrument(id);
    if (inst == nullptr) return SendError(out, kInternal, {});
    api::JsonWriter w;
    WriteInstrument(w, *inst);
    SendResult(out, w.view());
  });
  if (s != kOk) {
    done();
    SendError(out, s, "server busy");
  }
}

void AdminService::CreateKey(const Params& p, const std::shared_ptr<Outbox>& out) {
  AccountId account{};
  if (!ParseAccount(p, &account)) return SendError(out, kInvalidArgument, "account_id must be a positive integer");
  uint8_t permissions = 0;
  if (!ParsePermissions(p, out, &permissions)) return;
  std::string key;
  std::string secret;
  const SetApiKey set{account, NewCredential(permissions, &key, &secret)};
  const uint32_t s = gateway_->Submit(set, [out, account, key, secret](const Outcome& o) {
    const uint32_t c = OutcomeCode(o);
    // The engine refuses a key for an account that does not exist, or for the fee account.
    if (c != kOk) return SendError(out, c, c == 210 ? "no account " + std::to_string(account.value()) : "");
    api::JsonWriter w;
    WriteCredentials(w, account, key, secret);
    SendResult(out, w.view());
  });
  if (s != kOk) SendError(out, s, "server busy");
}

void AdminService::RevokeKey(const Params& p, const std::shared_ptr<Outbox>& out) {
  const std::string key = p.Text("api_key").value_or("");
  const KeyEntry* entry = gateway_->directory()->keys()->Find(key);
  if (entry == nullptr) return SendError(out, kInvalidArgument, "no such API key");
  SetApiKey revoke{entry->account, {}};
  std::memcpy(revoke.credential.key, key.data(), key.size());  // a found key is 8..31 characters
  const AccountId account = entry->account;
  const uint32_t s = gateway_->Submit(revoke, [out, account, key](const Outcome& o) {
    const uint32_t c = OutcomeCode(o);
    // Refused only if another revoke of the same key came first.
    if (c != kOk) return SendError(out, c, "no such API key");
    api::JsonWriter w;
    w.BeginObject();
    w.UintField("account_id", account.value());
    w.StringField("api_key", key);
    w.BoolField("revoked", true);
    w.EndObject();
    SendResult(out, w.view());
  });
  if (s != kOk) SendError(out, s, "server busy");
}

bool AdminService::ClaimChange(const std::string& symbol, const std::shared_ptr<Outbox>& out) {
  std::lock_guard lock(adding_->mu);
  if (adding_->changing.insert(symbol).second) return true;
  SendError(out, kTooManyRequests, "another change of " + symbol + " is in flight: send it again once answered");
  return false;
}

std::function<void()> AdminService::ReleaseChange(const std::string& symbol) const {
  return [adding = adding_, symbol] {
    std::lock_guard lock(adding->mu);
    adding->changing.erase(symbol);
  };
}

void AdminService::SetTier(const Params& p, const std::shared_ptr<Outbox>& out) {
  SetFeeTier set;
  if (!ParseTier(p, &set.tier)) return SendError(out, kInvalidArgument, "tier must be an integer in [0, 15]");
  // As [fees] takes them (ParseFeeRate), and a maker rate may be a rebate: the engine pays it out of the same
  // trade's taker fee, never more.
  if (!ParseFeeRate(p.Text("maker_rate").value_or(""), /*rebate=*/true, &set.maker_ppm)) {
    return SendError(out, kInvalidArgument, "maker_rate must be a decimal in [-0.1, 0.1] with at most 6 places");
  }
  if (!ParseFeeRate(p.Text("taker_rate").value_or(""), /*rebate=*/false, &set.taker_ppm)) {
    return SendError(out, kInvalidArgument, "taker_rate must be a decimal in [0, 0.1] with at most 6 places");
  }
  // Told when made, not only logged by the start that undoes it: the operator may not be the one who restarts.
  const std::string warning = FeeTierResetWarning(gateway_->config(), set);
  const uint32_t s = gateway_->Submit(set, [out, set, warning, log = log_](const Outcome& o) {
    const uint32_t c = OutcomeCode(o);
    if (c != kOk) return SendError(out, c, {});
    api::JsonWriter w;
    w.BeginObject();
    WriteTierFields(w, set);
    if (!warning.empty()) {
      w.StringField("warning", warning);
      log("fees/tier: " + warning);
    }
    w.EndObject();
    SendResult(out, w.view());
  });
  if (s != kOk) SendError(out, s, "server busy");
}

void AdminService::SetAccountTier(const Params& p, const std::shared_ptr<Outbox>& out) {
  AccountId account{};
  if (!ParseAccount(p, &account)) return SendError(out, kInvalidArgument, "account_id must be a positive integer");
  uint8_t tier = 0;
  if (!ParseTier(p, &tier)) return SendError(out, kInvalidArgument, "tier must be an integer in [0, 15]");
  const uint32_t s = gateway_->Submit(SetAccountFeeTier{account, tier}, [out, account, tier](const Outcome& o) {
    const uint32_t c = OutcomeCode(o);
    if (c != kOk) return SendError(out, c, c == 210 ? "no account " + std::to_string(account.value()) : "");
    api::JsonWriter w;
    w.BeginObject();
    w.UintField("account_id", account.value());
    WriteTierFields(w, o.publisher->engine().FeeTierRates(tier));
    w.EndObject();
    SendResult(out, w.view());
  });
  if (s != kOk) SendError(out, s, "server busy");
}

void AdminService::Fees(const Params& p, const std::shared_ptr<Outbox>& out) {
  std::optional<AccountId> account;
  if (p.Has("account_id")) {
    AccountId id{};
    if (!ParseAccount(p, &id)) return SendError(out, kInvalidArgument, "account_id must be a positive integer");
    account = id;
  }
  const AccountId fee_account = gateway_->config().engine.fee_account;
  Publisher* publisher = gateway_->publisher();
  const bool posted = publisher->Post([out, account, fee_account, publisher]() {
    const Engine& state = publisher->engine();
    api::JsonWriter w;
    w.BeginObject();
    if (account) {
      const std::optional<uint8_t> tier = state.AccountFeeTier(*account);
      if (!tier) return SendError(out, 210, "no account " + std::to_string(account->value()));
      w.UintField("account_id", account->value());
      WriteTierFields(w, state.FeeTierRates(*tier));
    } else {
      // The tiers in use: tier 0, and every other that has rates or accounts. O(accounts), on the publisher thread,
      // as status's count is.
      std::array<uint64_t, 16> accounts{};
      for (const AccountId id : state.AccountIds()) {
        if (id != fee_account) ++accounts[state.AccountFeeTier(id).value_or(0)];
      }
      w.Key("tiers");
      w.BeginArray();
      for (size_t tier = 0; tier < accounts.size(); ++tier) {
        const SetFeeTier rates = state.FeeTierRates(static_cast<uint8_t>(tier));
        if (tier != 0 && accounts[tier] == 0 && rates.maker_ppm == 0 && rates.taker_ppm == 0) continue;
        w.BeginObject();
        WriteTierFields(w, rates);
        w.UintField("accounts", accounts[tier]);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
    SendResult(out, w.view());
  });
  if (!posted) SendError(out, kTooManyRequests, "server busy");
}

void AdminService::SetStatus(const Params& p, InstrumentStatus status, const std::shared_ptr<Outbox>& out) {
  const std::shared_ptr<const VenueCatalog> catalog = gateway_->directory()->catalog();
  const InstrumentInfo* inst = catalog->FindInstrument(p.Text("symbol").value_or(""));
  if (inst == nullptr) return SendError(out, 209, "unknown symbol");
  const std::string symbol = inst->symbol;
  if (!ClaimChange(symbol, out)) return;
  const std::function<void()> release = ReleaseChange(symbol);
  const uint32_t s =
      gateway_->Submit(SetInstrumentStatus{inst->id, status}, [out, symbol, status, release](const Outcome& o) {
        release();
        const uint32_t c = OutcomeCode(o);
        if (c != kOk) return SendError(out, c, {});
        api::JsonWriter w;
        w.BeginObject();
        w.StringField("symbol", symbol);
        w.StringField("status", ToString(status));
        w.EndObject();
        SendResult(out, w.view());
      });
  if (s != kOk) {
    release();
    SendError(out, s, "server busy");
  }
}

// An alter is a whole definition: the engine takes its status and reference price too. So it is built from the
// mirror's definition on the publisher thread, and a status change or another alter of the same symbol is refused
// while it is in flight: one could not otherwise tell which status the alter would write back.
void AdminService::AlterInstrument(const Params& p, const std::shared_ptr<Outbox>& out) {
  const std::shared_ptr<const VenueCatalog> catalog = gateway_->directory()->catalog();
  const InstrumentInfo* inst = catalog->FindInstrument(p.Text("symbol").value_or(""));
  if (inst == nullptr) return SendError(out, 209, "unknown symbol");
  // Text, not Has: a limit given as null is no limit, and an alter of nothing would journal the same definition.
  if (!p.Text("min_qty") && !p.Text("min_notional") && !p.Text("price_band_bps") && !p.Text("reference_price")) {
    return SendError(out, kInvalidArgument, "give min_qty, min_notional, price_band_bps or reference_price");
  }
  const std::string symbol = inst->symbol;
  const InstrumentId id = inst->id;
  if (!ClaimChange(symbol, out)) return;
  const std::function<void()> release = ReleaseChange(symbol);
  Gateway* gateway = gateway_;
  const bool posted = gateway_->publisher()->Post([out, p, id, release, gateway, log = log_] {
    const Publisher& publisher = *gateway->publisher();
    const std::optional<InstrumentView> view = publisher.engine().Instrument(id);
    const InstrumentInfo* info = publisher.catalog().FindInstrument(id);
    if (!view || info == nullptr) {
      release();
      return SendError(out, 209, "unknown symbol");
    }
    DefineInstrument d = view->definition;
    if (const std::string problem = ApplyInstrumentLimits(p, info->base, info->quote, &d); !problem.empty()) {
      release();
      return SendError(out, kInvalidArgument, problem);
    }
    const uint32_t s = gateway->Submit(d, [out, id, release, gateway, log](const Outcome& o) {
      release();
      const uint32_t c = OutcomeCode(o);
      if (c != kOk) return SendError(out, c, {});
      const InstrumentInfo* altered = o.publisher->catalog().FindInstrument(id);
      if (altered == nullptr) return SendError(out, kInternal, {});
      // From the instrument as altered: an alter of the reference price alone still warns of limits an earlier
      // alter left off the config's, since the next start resets those just the same.
      const std::string warning = InstrumentResetWarning(gateway->config(), *altered);
      api::JsonWriter w;
      w.BeginObject();
      WriteInstrumentFields(w, *altered);
      if (!warning.empty()) {
        w.StringField("warning", warning);
        log("instrument/alter: " + warning);
      }
      w.EndObject();
      SendResult(out, w.view());
    });
    if (s != kOk) {
      release();
      SendError(out, s, "server busy");
    }
  });
  if (!posted) {
    release();
    SendError(out, kTooManyRequests, "server busy");
  }
}

void AdminService::Status(const std::shared_ptr<Outbox>& out) {
  const SessionCounters* counters = counters_;
  const bool durable = gateway_->config().durable;
  sequencer::Sequencer* seq = gateway_->sequencer();
  const bool posted = gateway_->publisher()->Post([out, counters, durable, seq, this]() {
    Publisher& p = *gateway_->publisher();
    api::JsonWriter w;
    w.BeginObject();
    w.UintField("applied", p.applied());
    w.BoolField("journal_failed", seq->failed());
    w.UintField("accounts", p.engine().AccountIds().size());
    w.UintField("open_orders", p.engine().OpenOrderCount());
    w.UintField("instruments", p.catalog().instruments().size());
    // 16 hex digits, as `sequex journal verify` prints it: a JSON number past 2^53 loses digits in most clients.
    w.StringField("state_hash", fmt::format("{:016x}", p.engine().StateHash()));
    w.IntField("http_sessions", counters->http.load());
    w.IntField("websocket_sessions", counters->websocket.load());
    w.IntField("admin_sessions", counters->admin.load());
    w.UintField("subscriptions", p.subscriptions());
    w.UintField("slow_disconnects", counters->slow_disconnects.load());
    w.UintField("heartbeat_disconnects", counters->heartbeat_disconnects.load());
    w.UintField("refused_connections", counters->refused_connections.load());
    w.UintField("refused_per_ip", counters->refused_per_ip.load());
    w.StringField("durability", durable ? "journal" : "memory");
    w.EndObject();
    SendResult(out, w.view());
  });
  if (!posted) SendError(out, kTooManyRequests, "server busy");
}

}  // namespace sequex::server

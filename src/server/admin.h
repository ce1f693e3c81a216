// AdminService: the operator's endpoint (docs/server.md): accounts and API keys (made, added, revoked), deposits
// and withdrawals, the fee account's balances and their withdrawal, fee tiers and the accounts on them, instruments
// (added, altered) and their status, status. Every change is a sequenced, journaled command, so a replica or a
// restart has it too. Authenticated by the bearer token the server writes to DATA/admin.token; the listener is
// loopback-only.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "server/gateway.h"
#include "server/sessions.h"

namespace sequex::server {

// Random printable credentials (OpenSSL's CSPRNG): an API key of 24 and a secret of 32 base-62 characters.
[[nodiscard]] std::string RandomToken(size_t length);

class AdminService {
 public:
  // `log` writes one line of the server's log (a warning the operator was also answered with).
  AdminService(Gateway* gateway, const SessionCounters* counters, std::string token,
               std::function<void(const std::string&)> log);
  void Handle(const std::string& op, const std::string& body, const std::string& token,
              const std::shared_ptr<Outbox>& out);

 private:
  void CreateAccount(const Params& p, const std::shared_ptr<Outbox>& out);
  void Transfer(const Params& p, bool deposit, const std::shared_ptr<Outbox>& out);
  void WithdrawFees(const Params& p, const std::shared_ptr<Outbox>& out);
  void FeeBalances(const std::shared_ptr<Outbox>& out);
  // deposit / withdraw of p's asset and amount for `account`, answered with the account's balance of that asset.
  void MoveFunds(const Params& p, AccountId account, bool deposit, const std::shared_ptr<Outbox>& out);
  void AddInstrument(const Params& p, const std::shared_ptr<Outbox>& out);
  void AlterInstrument(const Params& p, const std::shared_ptr<Outbox>& out);
  void SetStatus(const Params& p, InstrumentStatus status, const std::shared_ptr<Outbox>& out);
  // A status change or alter of `symbol` in flight: false (and the reply sent) if one is already.
  bool ClaimChange(const std::string& symbol, const std::shared_ptr<Outbox>& out);
  [[nodiscard]] std::function<void()> ReleaseChange(const std::string& symbol) const;
  void CreateKey(const Params& p, const std::shared_ptr<Outbox>& out);
  void RevokeKey(const Params& p, const std::shared_ptr<Outbox>& out);
  void SetTier(const Params& p, const std::shared_ptr<Outbox>& out);
  void SetAccountTier(const Params& p, const std::shared_ptr<Outbox>& out);
  void Fees(const Params& p, const std::shared_ptr<Outbox>& out);
  void Status(const std::shared_ptr<Outbox>& out);

  Gateway* gateway_;
  const SessionCounters* counters_;
  std::string token_;
  std::function<void(const std::string&)> log_;
  // instrument/add requests in flight (I/O threads answer concurrently, and the catalog changes only once a
  // definition is applied): their symbols, and the highest instrument id given out, so that two adds never take
  // one id, which would make the second an alter of the first.
  struct Adding {
    std::mutex mu;
    std::set<std::string> symbols;   // guarded by mu
    std::set<std::string> changing;  // guarded by mu: symbols with a status change or an alter in flight
    uint16_t highest_id = 0;         // guarded by mu
  };
  std::shared_ptr<Adding> adding_ = std::make_shared<Adding>();  // shared with the adds' continuations
};

}  // namespace sequex::server

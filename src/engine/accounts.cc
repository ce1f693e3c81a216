// Accounts and API keys: CreateAccount (the engine picks the id), SetApiKey (register / replace / revoke), their
// queries, their part of the state hash and of the audit. Rules: docs/engine.md, "Accounts and keys".
//
// Control plane: these commands are rare, so keys live in an ordered map (ApiKeyMap) and allocating is fine. Order
// commands never touch it: the gateways authenticate before a command is sequenced.
#include <string>

#include "common/state_hasher.h"
#include "engine/engine.h"
#include "engine/engine_impl.h"

namespace sequex {
namespace {

// `min`..N-1 characters in 0x21..0x7E, then only NULs (so the field is canonical: equal text, equal bytes).
template <size_t N>
bool ValidCredentialText(const char (&s)[N], size_t min) {
  size_t n = 0;
  for (; n < N && s[n] != 0; ++n) {
    const auto ch = static_cast<unsigned char>(s[n]);
    if (ch < 0x21 || ch > 0x7E) return false;
  }
  if (n < min || n == N) return false;  // too short, or no NUL inside the field (too long)
  for (size_t i = n; i < N; ++i) {
    if (s[i] != 0) return false;
  }
  return true;
}

template <size_t N>
bool AllZero(const char (&s)[N]) {
  for (char ch : s) {
    if (ch != 0) return false;
  }
  return true;
}

}  // namespace

bool ValidApiKeyText(const char (&key)[32]) { return ValidCredentialText(key, 8); }
bool ValidApiSecretText(const char (&secret)[48]) { return ValidCredentialText(secret, 16); }
bool ValidApiPermissions(uint8_t permissions) {
  return permissions != 0 && (permissions & ~(kPermissionRead | kPermissionTrade)) == 0;
}

void Engine::Impl::OnCreateAccount(const CreateAccount& c) {
  const ApiCredential& k = c.credential;
  const bool with_key = k.key[0] != 0;
  if (with_key) {
    if (!ValidApiKeyText(k.key) || !ValidApiSecretText(k.secret) || !ValidApiPermissions(k.permissions)) {
      return Reject(RejectReason::kInvalidArgument);
    }
    if (api_keys_.find(k.key_view()) != api_keys_.end()) return Reject(RejectReason::kInvalidArgument);
  } else if (!AllZero(k.key) || !AllZero(k.secret) || k.permissions != 0) {
    return Reject(RejectReason::kInvalidArgument);  // no key, so nothing else may be set either
  }
  const uint64_t next = uint64_t{highest_account_} + 1;
  if (next >= config_.max_accounts) return Reject(RejectReason::kRejectedByEngine);
  const AccountId id{static_cast<uint32_t>(next)};
  OpenAccount(accounts_[next], id);
  if (with_key) api_keys_.emplace(std::string(k.key_view()), ApiKeyView{id, k});
  Emit(AccountCreatedEvent{id});
  Done();
}

void Engine::Impl::OnSetApiKey(const SetApiKey& c) {
  if (FindAccount(c.account) == nullptr || c.account == config_.fee_account) {
    return Reject(RejectReason::kInvalidAccount, c.account);
  }
  const ApiCredential& k = c.credential;
  if (!ValidApiKeyText(k.key)) return Reject(RejectReason::kInvalidArgument, c.account);
  const auto it = api_keys_.find(k.key_view());
  const bool owned_by_other = it != api_keys_.end() && it->second.account != c.account;
  if (k.permissions == 0) {  // revoke (the secret is not looked at)
    if (it == api_keys_.end() || owned_by_other) return Reject(RejectReason::kInvalidArgument, c.account);
    api_keys_.erase(it);
    return Done();
  }
  if (!ValidApiPermissions(k.permissions) || !ValidApiSecretText(k.secret) || owned_by_other) {
    return Reject(RejectReason::kInvalidArgument, c.account);
  }
  if (it == api_keys_.end()) {
    api_keys_.emplace(std::string(k.key_view()), ApiKeyView{c.account, k});
  } else {
    it->second.credential = k;  // same account: new secret and / or permissions
  }
  Done();
}

void Engine::Impl::HashApiKeys(StateHasher& h) const {
  // Only when there are keys, so that a state without any hashes as it did before keys existed (journal
  // checkpoints and snapshots written then stay valid).
  if (api_keys_.empty()) return;
  h.U64(api_keys_.size());
  for (const auto& [key, view] : api_keys_) {
    h.Bytes(key);
    h.U64(view.account.value());
    h.Bytes(view.credential.secret_view());
    h.U64(view.credential.permissions);
  }
}

std::string Engine::Impl::AuditApiKeys() const {
  for (const auto& [key, view] : api_keys_) {
    const ApiCredential& k = view.credential;
    if (key != k.key_view() || !ValidApiKeyText(k.key) || !ValidApiSecretText(k.secret) ||
        !ValidApiPermissions(k.permissions)) {
      return "malformed API key entry '" + key + "'";
    }
    if (FindAccount(view.account) == nullptr || view.account == config_.fee_account) {
      return "API key '" + key + "' belongs to account " + std::to_string(view.account.value()) +
             ", which cannot hold keys";
    }
  }
  return {};
}

// ---- queries

std::optional<ApiKeyView> Engine::FindApiKey(std::string_view key) const {
  const auto it = impl_->api_keys_.find(key);
  if (it == impl_->api_keys_.end()) return std::nullopt;
  return it->second;
}

std::vector<ApiKeyView> Engine::ApiKeys() const {
  std::vector<ApiKeyView> out;
  out.reserve(impl_->api_keys_.size());
  for (const auto& entry : impl_->api_keys_) out.push_back(entry.second);
  return out;
}

std::vector<AccountId> Engine::AccountIds() const {
  std::vector<AccountId> out;
  impl_->accounts_.ForEach([&](size_t id, const Account& a) {
    if (a.exists) out.push_back(AccountId{static_cast<uint32_t>(id)});
  });
  return out;
}

AccountId Engine::FeeAccount() const { return impl_->config_.fee_account; }

}  // namespace sequex

// CreateAccount and SetApiKey as docs/engine.md, "Accounts and keys", states them, plus the key queries.
#include <algorithm>
#include <cstring>

#include "tests/reference_model.h"

namespace sequex::test {

namespace {

// The text before the first NUL of a fixed field, if it is `min`.. characters of 0x21..0x7E, shorter than the
// field, and followed by NULs only.
template <size_t N>
std::optional<std::string> Text(const char (&field)[N], size_t min) {
  const std::string text(field, strnlen(field, N));
  if (text.size() < min || text.size() >= N) return std::nullopt;
  for (char ch : text) {
    if (ch < '!' || ch > '~') return std::nullopt;  // char may be signed: bytes >= 0x80 are negative here
  }
  for (size_t i = text.size(); i < N; ++i) {
    if (field[i] != 0) return std::nullopt;
  }
  return text;
}

bool Permitted(uint8_t permissions) { return permissions >= 1 && permissions <= 3; }

template <size_t N>
bool AllNul(const char (&field)[N]) {
  return std::all_of(field, field + N, [](char ch) { return ch == 0; });
}

}  // namespace

void ReferenceModel::Do(const CreateAccount& c, Out& out) {
  const ApiCredential& k = c.credential;
  const std::optional<std::string> key = Text(k.key, 8);
  const std::optional<std::string> secret = Text(k.secret, 16);
  // 1.
  const bool has_key = k.key[0] != 0;
  if (has_key) {
    if (!key || !secret || !Permitted(k.permissions)) return Reject(out, RejectReason::kInvalidArgument, 0);
    if (keys_.count(*key) != 0) return Reject(out, RejectReason::kInvalidArgument, 0);
  } else if (!AllNul(k.key) || !AllNul(k.secret) || k.permissions != 0) {
    return Reject(out, RejectReason::kInvalidArgument, 0);
  }
  // 2. accounts_ always holds the fee account (A1), so it has a highest id.
  const uint64_t id = uint64_t{accounts_.rbegin()->first} + 1;
  if (id >= config_.max_accounts) return Reject(out, RejectReason::kRejectedByEngine, 0);
  const auto account = static_cast<uint32_t>(id);
  accounts_[account] = Account{};
  if (has_key) keys_[*key] = Key{account, *secret, k.permissions};
  out.push_back(AccountCreatedEvent{AccountId{account}});
  out.push_back(DoneEvent{});
}

void ReferenceModel::Do(const SetApiKey& c, Out& out) {
  const uint32_t acct = c.account.value();
  // 1.
  if (accounts_.count(acct) == 0 || c.account == config_.fee_account) {
    return Reject(out, RejectReason::kInvalidAccount, acct);
  }
  // 2.
  const std::optional<std::string> key = Text(c.credential.key, 8);
  if (!key) return Reject(out, RejectReason::kInvalidArgument, acct);
  auto it = keys_.find(*key);
  // 3.
  if (c.credential.permissions == 0) {
    if (it == keys_.end() || it->second.account != acct) return Reject(out, RejectReason::kInvalidArgument, acct);
    keys_.erase(it);
    out.push_back(DoneEvent{});
    return;
  }
  // 4.
  const std::optional<std::string> secret = Text(c.credential.secret, 16);
  if (!Permitted(c.credential.permissions) || !secret || (it != keys_.end() && it->second.account != acct)) {
    return Reject(out, RejectReason::kInvalidArgument, acct);
  }
  keys_[*key] = Key{acct, *secret, c.credential.permissions};
  out.push_back(DoneEvent{});
}

std::optional<ApiKeyView> ReferenceModel::FindApiKey(std::string_view key) const {
  auto it = keys_.find(std::string(key));
  if (it == keys_.end()) return std::nullopt;
  ApiKeyView v;
  v.account = AccountId{it->second.account};
  std::memcpy(v.credential.key, it->first.data(), it->first.size());
  std::memcpy(v.credential.secret, it->second.secret.data(), it->second.secret.size());
  v.credential.permissions = it->second.permissions;
  return v;
}

std::vector<ApiKeyView> ReferenceModel::ApiKeys() const {
  std::vector<ApiKeyView> out;
  for (const auto& entry : keys_) out.push_back(*FindApiKey(entry.first));
  return out;
}

std::optional<DefineAsset> ReferenceModel::Asset(AssetId asset) const {
  auto it = assets_.find(asset.value());
  if (it == assets_.end()) return std::nullopt;
  DefineAsset d;
  d.asset = asset;
  d.decimals = it->second.decimals;
  std::memcpy(d.code, it->second.code.data(), std::min(it->second.code.size(), sizeof d.code));
  return d;
}

}  // namespace sequex::test

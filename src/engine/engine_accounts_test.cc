// Accounts and API keys (docs/engine.md, "Accounts and keys"): CreateAccount's id assignment and credential checks,
// SetApiKey's register / replace / revoke rules, the state hash and snapshots with keys, and the reference-data
// queries. Every command goes through testing::Venue, which also checks that a rejection changes no state.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "journal/byte_io.h"

namespace sequex {
namespace {

using testing::AcceptedId;
using testing::kBtc;
using testing::kBtcUsd;
using testing::kUsd;
using testing::OfType;
using testing::RejectOf;
using testing::Venue;

constexpr uint8_t kReadTrade = kPermissionRead | kPermissionTrade;

ApiCredential Cred(std::string_view key, std::string_view secret, uint8_t permissions) {
  ApiCredential c;
  std::memcpy(c.key, key.data(), std::min(key.size(), sizeof c.key));
  std::memcpy(c.secret, secret.data(), std::min(secret.size(), sizeof c.secret));
  c.permissions = permissions;
  return c;
}

const std::string kSecret = "0123456789abcdef";  // the shortest valid secret (16 characters)

CreateAccount Create(std::string_view key = "", std::string_view secret = "", uint8_t permissions = 0) {
  return CreateAccount{Cred(key, secret, permissions)};
}

SetApiKey SetKey(uint32_t account, std::string_view key, std::string_view secret, uint8_t permissions) {
  return SetApiKey{AccountId{account}, Cred(key, secret, permissions)};
}

// The id of a successful CreateAccount (AccountCreated, then Done), or nullopt.
std::optional<AccountId> CreatedId(const std::vector<Event>& events) {
  if (events.size() != 2 || !std::holds_alternative<DoneEvent>(events[1])) return std::nullopt;
  const auto* created = std::get_if<AccountCreatedEvent>(&events[0]);
  return created != nullptr ? std::optional(created->account) : std::nullopt;
}

bool IsDone(const std::vector<Event>& events) {
  return events.size() == 1 && std::holds_alternative<DoneEvent>(events[0]);
}

TEST(AccountsTest, ShouldGiveANewAccountTheIdAboveTheHighestInUse) {
  Venue v;
  v.Setup();
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{1});  // only the fee account 0 exists
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{2});
  v.Fund(40, 100, 0);  // a deposit creates an account by id
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{41});
  v.Fund(7, 100, 0);  // below the highest: does not move the next id
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{42});
  const std::vector<AccountId> ids = v.engine().AccountIds();
  const std::vector<AccountId> want = {AccountId{0},  AccountId{1},  AccountId{2}, AccountId{7},
                                       AccountId{40}, AccountId{41}, AccountId{42}};
  EXPECT_EQ(ids, want);
}

TEST(AccountsTest, ShouldCountFromAConfiguredFeeAccount) {
  EngineConfig config;
  config.fee_account = AccountId{100};
  Venue v(config);
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{101});
}

TEST(AccountsTest, ShouldCreateAnAccountThatDepositsAndTradesLikeAnyOther) {
  Venue v;
  v.Setup();
  const AccountId buyer = *CreatedId(v.Do(Create("buyer-key", kSecret, kReadTrade)));
  const AccountId seller = *CreatedId(v.Do(Create()));
  EXPECT_TRUE(v.engine().AccountExists(buyer));
  EXPECT_EQ(v.engine().Balance(buyer, kUsd).available.value(), 0);
  EXPECT_EQ(RejectOf(v.Do(Withdraw{buyer, kUsd, Amount{1}})), RejectReason::kInsufficientBalance);
  v.Fund(buyer.value(), 1'000'000, 0);
  v.Fund(seller.value(), 0, 100'000'000);
  v.Do(Venue::Limit(seller.value(), Side::kSell, 50'000, 1));
  const auto ev = v.Do(Venue::Limit(buyer.value(), Side::kBuy, 50'000, 1));
  ASSERT_EQ(OfType<TradeEvent>(ev).size(), 1u);
  EXPECT_EQ(v.Bal(buyer.value(), kBtc).available.value(), 1'000'000);
}

TEST(AccountsTest, ShouldRegisterTheKeyGivenAtCreation) {
  Venue v;
  const AccountId id = *CreatedId(v.Do(Create("my-api-key", kSecret, kPermissionRead)));
  const auto key = v.engine().FindApiKey("my-api-key");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->account, id);
  EXPECT_EQ(key->credential.key_view(), "my-api-key");
  EXPECT_EQ(key->credential.secret_view(), kSecret);
  EXPECT_EQ(key->credential.permissions, kPermissionRead);
  EXPECT_FALSE(v.engine().FindApiKey("my-api-ke").has_value());
  EXPECT_FALSE(v.engine().FindApiKey("my-api-key2").has_value());
}

TEST(AccountsTest, ShouldRejectBadKeyTextWithoutCreatingAnAccount) {
  Venue v;
  const std::string max_key(31, 'k');
  const std::string max_secret(47, 's');
  // Valid at the edges.
  EXPECT_TRUE(CreatedId(v.Do(Create("8chars!!", kSecret, kReadTrade))).has_value());
  EXPECT_TRUE(CreatedId(v.Do(Create(max_key, max_secret, kPermissionTrade))).has_value());
  EXPECT_TRUE(CreatedId(v.Do(Create("~!\"#$%&'()*+,-./:;<=>?@[\\]^_`|}", kSecret, kReadTrade))).has_value());
  const uint64_t hash = v.engine().StateHash();
  const auto accounts = v.engine().AccountIds();
  auto expect_invalid = [&](const CreateAccount& c, const char* why) {
    EXPECT_EQ(RejectOf(v.Do(c)), RejectReason::kInvalidArgument) << why;
  };
  expect_invalid(Create("7-chars", kSecret, kReadTrade), "key too short");
  expect_invalid(Create(std::string(32, 'k'), kSecret, kReadTrade), "key fills its field: 32 characters");
  expect_invalid(Create("has space", kSecret, kReadTrade), "space in the key");
  expect_invalid(Create("has\ttab-", kSecret, kReadTrade), "control character in the key");
  expect_invalid(Create("del\x7f-key", kSecret, kReadTrade), "DEL in the key");
  expect_invalid(Create("high\x80-key", kSecret, kReadTrade), "non-ASCII in the key");
  CreateAccount tail = Create("key-with-tail", kSecret, kReadTrade);
  tail.credential.key[20] = 'x';  // a byte after the first NUL
  expect_invalid(tail, "garbage after the key's NUL");
  expect_invalid(Create("good-key", "15-chars-secret", kReadTrade), "secret too short");
  expect_invalid(Create("good-key", std::string(48, 's'), kReadTrade), "secret fills its field: 48 characters");
  expect_invalid(Create("good-key", "secret with space", kReadTrade), "space in the secret");
  expect_invalid(Create("good-key", "", kReadTrade), "no secret");
  CreateAccount secret_tail = Create("good-key", kSecret, kReadTrade);
  secret_tail.credential.secret[40] = 'x';
  expect_invalid(secret_tail, "garbage after the secret's NUL");
  expect_invalid(Create("good-key", kSecret, 0), "a key without permissions");
  expect_invalid(Create("good-key", kSecret, 4), "unknown permission bit");
  expect_invalid(Create("good-key", kSecret, 0xFF), "unknown permission bits");
  expect_invalid(Create("", kSecret, 0), "a secret without a key");
  expect_invalid(Create("", "", kPermissionRead), "permissions without a key");
  CreateAccount hidden = Create();
  hidden.credential.key[3] = 'k';  // key[0] is NUL, so "empty", but not all NUL
  expect_invalid(hidden, "an empty key with bytes after its NUL");
  expect_invalid(Create("8chars!!", kSecret, kReadTrade), "key already registered");
  EXPECT_EQ(v.engine().StateHash(), hash);
  EXPECT_EQ(v.engine().AccountIds(), accounts);
  EXPECT_EQ(v.engine().ApiKeys().size(), 3u);
}

TEST(AccountsTest, ShouldRejectCreationOnceTheNextIdWouldReachMaxAccounts) {
  EngineConfig config;
  config.max_accounts = 4;
  Venue v(config);
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{1});
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{2});
  EXPECT_EQ(CreatedId(v.Do(Create("last-one", kSecret, kReadTrade))), AccountId{3});
  EXPECT_EQ(RejectOf(v.Do(Create())), RejectReason::kRejectedByEngine);
  EXPECT_EQ(RejectOf(v.Do(Create("another", kSecret, kReadTrade))), RejectReason::kInvalidArgument);  // text first
  EXPECT_EQ(RejectOf(v.Do(Create("another-key", kSecret, kReadTrade))), RejectReason::kRejectedByEngine);
  EXPECT_FALSE(v.engine().FindApiKey("another-key").has_value());

  Venue high(config);
  high.Setup();
  high.Fund(3, 100, 0);  // the highest valid id is in use, with free ids below it
  EXPECT_EQ(RejectOf(high.Do(Create())), RejectReason::kRejectedByEngine);
  EXPECT_FALSE(high.engine().AccountExists(AccountId{1}));
}

// An account keeps its balances in the order it first held each asset; the hash lists them by asset id. Deposits
// in ascending order leave them sorted already (the hash skips its sort then), any other order does not: equal
// balances must hash equally either way, well past the four balances held inline.
TEST(AccountsTest, ShouldHashBalancesTheSameWhateverOrderTheAssetsWereFirstHeld) {
  constexpr uint16_t kAssets = 12;
  const auto venue_with_deposits = [&](const std::vector<uint16_t>& order) {
    auto v = std::make_unique<Venue>();
    for (uint16_t a = 1; a <= kAssets; ++a) {
      DefineAsset d{AssetId{a}, 2, {}};
      std::snprintf(d.code, sizeof d.code, "A%u", static_cast<unsigned>(a));
      v->Do(d);
    }
    for (const uint16_t a : order) v->Do(Deposit{AccountId{7}, AssetId{a}, Amount{1000 + a}});
    return v;
  };
  std::vector<uint16_t> ascending(kAssets);
  for (uint16_t a = 1; a <= kAssets; ++a) ascending[a - 1] = a;
  const std::vector<uint16_t> descending(ascending.rbegin(), ascending.rend());
  const std::vector<uint16_t> shuffled = {5, 12, 1, 9, 2, 11, 7, 3, 10, 4, 8, 6};
  const auto sorted = venue_with_deposits(ascending);
  const uint64_t hash = sorted->engine().StateHash();
  EXPECT_EQ(venue_with_deposits(descending)->engine().StateHash(), hash);
  EXPECT_EQ(venue_with_deposits(shuffled)->engine().StateHash(), hash);
  // The same assets with one balance different: another hash.
  const auto other = venue_with_deposits(shuffled);
  other->Do(Deposit{AccountId{7}, AssetId{9}, Amount{1}});
  EXPECT_NE(other->engine().StateHash(), hash);
}

// Balances past an account's first four assets live in memory the engine carves from 2 MiB regions; a reserve of
// them is taken when the engine is built (EngineConfig::reserved_small_memory), so that the command that first
// needs one does not wait for the system. The reserve changes where memory comes from, never the state, and
// SmallMemoryBytes says how much a venue's accounts have needed.
TEST(AccountsTest, ShouldHoldBalancesInItsReservedMemoryAndReportWhatTheyNeed) {
  constexpr uint16_t kAssets = 13;
  constexpr uint32_t kAccounts = 6'000;
  EngineConfig reserved;
  reserved.reserved_small_memory = size_t{8} << 20;
  Venue v(reserved);
  Venue plain;
  size_t built = 0;
  for (Venue* venue : {&v, &plain}) {
    built = venue->engine().SmallMemoryBytes();
    for (uint16_t a = 1; a <= kAssets; ++a) {
      DefineAsset d{AssetId{a}, 2, {}};
      std::snprintf(d.code, sizeof d.code, "A%u", static_cast<unsigned>(a));
      venue->Do(d);
    }
    // Straight to the engine: Venue::Do hashes and audits the whole state around every command.
    uint64_t seq = 0;
    for (uint32_t account = 1; account <= kAccounts; ++account) {
      for (uint16_t a = 1; a <= kAssets; ++a) {
        (void)venue->engine().Apply(Command{++seq, 0, Deposit{AccountId{account}, AssetId{a}, Amount{a}}});
      }
    }
    EXPECT_EQ(venue->engine().Audit(), "");
  }
  EXPECT_GT(plain.engine().SmallMemoryBytes(), built);  // 9 balances past the inline 4, in 6,000 accounts
  EXPECT_LE(plain.engine().SmallMemoryBytes(), reserved.reserved_small_memory);
  EXPECT_EQ(v.engine().SmallMemoryBytes(), plain.engine().SmallMemoryBytes());
  EXPECT_EQ(v.engine().StateHash(), plain.engine().StateHash());
  EXPECT_EQ(v.engine().SaveSnapshot(), plain.engine().SaveSnapshot());
}

TEST(AccountsTest, ShouldNotOpenAccountsWhoseMemoryExpectedAccountsReserved) {
  EngineConfig reserved;
  reserved.expected_accounts = 3 * 4096 + 1;  // four chunks of account memory from the start
  Venue v(reserved);
  Venue plain;
  for (Venue* venue : {&v, &plain}) {
    venue->Setup();
    venue->Fund(5000, 100, 7);
  }
  EXPECT_FALSE(v.engine().AccountExists(AccountId{4999}));
  EXPECT_FALSE(v.engine().AccountExists(AccountId{12288}));
  EXPECT_EQ(v.engine().AccountIds(), plain.engine().AccountIds());
  EXPECT_EQ(v.engine().StateHash(), plain.engine().StateHash());
  EXPECT_EQ(CreatedId(v.Do(Create())), AccountId{5001});  // ids continue after the highest in use, as without
  EXPECT_EQ(CreatedId(plain.Do(Create())), AccountId{5001});
  EXPECT_EQ(v.engine().SaveSnapshot(), plain.engine().SaveSnapshot());
  EXPECT_GT(v.engine().MemoryBytes(), plain.engine().MemoryBytes());
}

// The prefetch hints are skipped while the state fits in a core's cache (docs/engine.md); the estimate counts the
// accounts that exist, not the highest id, so a few accounts with high ids do not turn the hints on.
TEST(AccountsTest, ShouldPayForPrefetchOnlyOnceManyAccountsExist) {
  Venue v;
  v.Setup();
  v.Fund(1, 100, 7);
  v.Fund(9'000'000, 100, 7);
  EXPECT_FALSE(v.engine().PrefetchPays());
  for (uint32_t a = 2; a <= 5000; ++a) v.Fund(a, 100, 0);
  EXPECT_TRUE(v.engine().PrefetchPays());
  std::string error;
  const std::unique_ptr<Engine> restored = Engine::LoadSnapshot(v.engine().SaveSnapshot(), EngineConfig{}, &error);
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_TRUE(restored->PrefetchPays());
}

TEST(AccountsTest, ShouldRejectSetApiKeyForAnUnknownOrTheFeeAccount) {
  Venue v;
  v.Setup();
  v.Fund(1, 100, 0);
  EXPECT_EQ(RejectOf(v.Do(SetKey(2, "unknown-account", kSecret, kReadTrade))), RejectReason::kInvalidAccount);
  EXPECT_EQ(RejectOf(v.Do(SetKey(0, "fee-account-key", kSecret, kReadTrade))), RejectReason::kInvalidAccount);
  EXPECT_EQ(RejectOf(v.Do(SetKey(0xFFFFFFFF, "huge-account", kSecret, kReadTrade))), RejectReason::kInvalidAccount);
  // The account check comes first: bad text for an unknown account is still 210.
  EXPECT_EQ(RejectOf(v.Do(SetKey(2, "bad", "bad", 9))), RejectReason::kInvalidAccount);
  EXPECT_TRUE(v.engine().ApiKeys().empty());
}

TEST(AccountsTest, ShouldRegisterReplaceAndRevokeKeysOfAnAccount) {
  Venue v;
  v.Setup();
  v.Fund(1, 100, 0);  // an account created by a deposit can hold keys too
  const AccountId other = *CreatedId(v.Do(Create("other-key", kSecret, kReadTrade)));
  EXPECT_TRUE(IsDone(v.Do(SetKey(1, "first-key", kSecret, kPermissionRead))));
  EXPECT_TRUE(IsDone(v.Do(SetKey(1, "second-key", "another-secret-123", kPermissionTrade))));
  ASSERT_EQ(v.engine().ApiKeys().size(), 3u);
  EXPECT_EQ(v.engine().ApiKeys()[0].credential.key_view(), "first-key");  // sorted by key
  EXPECT_EQ(v.engine().ApiKeys()[1].credential.key_view(), "other-key");
  EXPECT_EQ(v.engine().ApiKeys()[2].credential.key_view(), "second-key");

  // Replace: the same account's key gets a new secret and permissions.
  EXPECT_TRUE(IsDone(v.Do(SetKey(1, "first-key", "rotated-secret-0001", kReadTrade))));
  auto first = v.engine().FindApiKey("first-key");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->account, AccountId{1});
  EXPECT_EQ(first->credential.secret_view(), "rotated-secret-0001");
  EXPECT_EQ(first->credential.permissions, kReadTrade);
  EXPECT_TRUE(IsDone(v.Do(SetKey(1, "first-key", "rotated-secret-0001", kReadTrade))));  // the same again: fine

  // Another account's key can be neither taken over nor revoked.
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "other-key", kSecret, kReadTrade))), RejectReason::kInvalidArgument);
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "other-key", "", 0))), RejectReason::kInvalidArgument);
  EXPECT_EQ(v.engine().FindApiKey("other-key")->account, other);

  // Bad text or permissions.
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "short", kSecret, kReadTrade))), RejectReason::kInvalidArgument);
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "first-key", "short-secret", kReadTrade))), RejectReason::kInvalidArgument);
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "first-key", kSecret, 4))), RejectReason::kInvalidArgument);
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "third-key", kSecret, 7))), RejectReason::kInvalidArgument);
  EXPECT_EQ(v.engine().FindApiKey("first-key")->credential.secret_view(), "rotated-secret-0001");
  EXPECT_FALSE(v.engine().FindApiKey("third-key").has_value());

  // Revoke (permissions 0): only an existing key of this account; the secret is not looked at.
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "never-registered", "", 0))), RejectReason::kInvalidArgument);
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "bad key", "", 0))), RejectReason::kInvalidArgument);
  EXPECT_TRUE(IsDone(v.Do(SetKey(1, "second-key", "whatever", 0))));
  EXPECT_FALSE(v.engine().FindApiKey("second-key").has_value());
  EXPECT_EQ(RejectOf(v.Do(SetKey(1, "second-key", "", 0))), RejectReason::kInvalidArgument);  // already revoked
  // A revoked key is free again, for any account.
  EXPECT_TRUE(IsDone(v.Do(SetKey(other.value(), "second-key", kSecret, kPermissionRead))));
  EXPECT_EQ(v.engine().FindApiKey("second-key")->account, other);
  EXPECT_EQ(RejectOf(v.Do(Create("second-key", kSecret, kReadTrade))), RejectReason::kInvalidArgument);
}

TEST(AccountsTest, ShouldHashKeysAndNothingElseWhenThereAreNone) {
  auto run = [](const std::vector<CommandBody>& commands) {
    Venue v;
    v.Setup();
    for (const CommandBody& c : commands) v.Do(c);
    return v.engine().StateHash();
  };
  const uint64_t no_keys = run({Create()});
  // Equal states, equal hashes: an account opened by CreateAccount equals one a deposit opened and emptied.
  EXPECT_EQ(no_keys, run({Deposit{AccountId{1}, kUsd, Amount{5}}, Withdraw{AccountId{1}, kUsd, Amount{5}}}));
  // A registered and then revoked key leaves no trace.
  EXPECT_EQ(no_keys, run({Create("temporary", kSecret, kReadTrade), SetKey(1, "temporary", "", 0)}));
  // Every part of a key counts: its existence, text, account, secret and permissions.
  const uint64_t with_key = run({Create("key-one!", kSecret, kReadTrade)});
  EXPECT_NE(with_key, no_keys);
  EXPECT_NE(with_key, run({Create("key-two!", kSecret, kReadTrade)}));
  EXPECT_NE(with_key, run({Create("key-one!", "0123456789abcdeF", kReadTrade)}));
  EXPECT_NE(with_key, run({Create("key-one!", kSecret, kPermissionRead)}));
  EXPECT_NE(run({Create("key-one!", kSecret, kReadTrade), Create()}),
            run({Create(), Create("key-one!", kSecret, kReadTrade)}));  // only the key's account differs
  EXPECT_EQ(with_key, run({Create(), SetKey(1, "key-one!", "old-secret-123456", kPermissionTrade),
                           SetKey(1, "key-one!", kSecret, kReadTrade)}));
  // The set of accounts (which fixes the next account id) is part of the state.
  EXPECT_NE(no_keys, run({Create(), Create()}));
}

class AccountsSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v.Setup();
    v.Fund(1, 1'000'000, 100'000'000);
    v.Do(Create("zeta-key", kSecret, kReadTrade));                      // account 2
    v.Do(Create("alpha-key", "alpha-secret-000001", kPermissionRead));  // account 3
    v.Do(SetKey(1, "middle-key", std::string(47, 'm'), kPermissionTrade));
    v.Do(Venue::Limit(1, Side::kBuy, 40'000, 2));
  }

  // `bytes` with the checksum recomputed, so that only the engine's own validation can refuse it.
  static std::string Resealed(std::string bytes) {
    const uint64_t sum = XXH3_64bits(bytes.data(), bytes.size() - 8);
    for (int i = 0; i < 8; ++i) bytes[bytes.size() - 8 + static_cast<size_t>(i)] = static_cast<char>(sum >> (8 * i));
    return bytes;
  }
  // Offset of the first key record (after the u32 key count), for a snapshot whose keys section is last.
  static size_t FirstKeyOffset(const std::string& bytes, size_t keys) { return bytes.size() - 8 - keys * 85; }

  Venue v;
};

TEST_F(AccountsSnapshotTest, ShouldRoundTripKeysAndTheNextAccountId) {
  const std::string bytes = v.engine().SaveSnapshot();
  std::string error;
  std::unique_ptr<Engine> restored = Engine::LoadSnapshot(bytes, EngineConfig{}, &error);
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_EQ(restored->StateHash(), v.engine().StateHash());
  EXPECT_EQ(restored->SaveSnapshot(), bytes);  // canonical
  const auto want = v.engine().ApiKeys();
  const auto got = restored->ApiKeys();
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].account, want[i].account);
    EXPECT_EQ(std::memcmp(&got[i].credential, &want[i].credential, sizeof(ApiCredential)), 0);
  }
  EXPECT_EQ(restored->FindApiKey("middle-key")->account, AccountId{1});
  EXPECT_EQ(restored->AccountIds(), v.engine().AccountIds());
  // Both give out the same next id, and keep refusing the same keys.
  const Command create{100, 0, Create("fresh-key", kSecret, kReadTrade)};
  const auto a = restored->Apply(create);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(std::get<AccountCreatedEvent>(a[0]).account, AccountId{4});
  EXPECT_EQ(CreatedId(v.Do(Create("fresh-key", kSecret, kReadTrade))), AccountId{4});
  EXPECT_EQ(restored->StateHash(), v.engine().StateHash());
  const auto dup = restored->Apply(Command{101, 0, SetKey(3, "zeta-key", kSecret, kReadTrade)});
  EXPECT_EQ(std::get<RejectedEvent>(dup[0]).reason, RejectReason::kInvalidArgument);
}

TEST_F(AccountsSnapshotTest, ShouldStillLoadAVersion1SnapshotWithoutKeys) {
  Venue plain;
  plain.Setup();
  plain.Fund(5, 1'000'000, 0);
  std::string bytes = plain.engine().SaveSnapshot();
  ASSERT_EQ(journal::LoadLe(bytes.data() + 8, 4), 2u);
  // Version 1 = version 2 without the (here empty) keys section: drop its u32 count, patch the version.
  ASSERT_EQ(journal::LoadLe(bytes.data() + bytes.size() - 12, 4), 0u);
  bytes.erase(bytes.size() - 12, 4);
  bytes[8] = 1;
  std::string error;
  std::unique_ptr<Engine> restored = Engine::LoadSnapshot(Resealed(bytes), EngineConfig{}, &error);
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_EQ(restored->StateHash(), plain.engine().StateHash());
  EXPECT_TRUE(restored->ApiKeys().empty());
  const auto created = restored->Apply(Command{10, 0, Create()});
  EXPECT_EQ(std::get<AccountCreatedEvent>(created[0]).account, AccountId{6});
  bytes[8] = 3;
  EXPECT_EQ(Engine::LoadSnapshot(Resealed(bytes), EngineConfig{}, &error), nullptr);
  EXPECT_NE(error.find("version"), std::string::npos) << error;
}

TEST_F(AccountsSnapshotTest, ShouldRefuseSnapshotsWithBadKeys) {
  const std::string bytes = v.engine().SaveSnapshot();
  const size_t first = FirstKeyOffset(bytes, 3);  // records: alpha-key, middle-key, zeta-key
  ASSERT_EQ(std::string_view(bytes).substr(first, 9), "alpha-key");
  ASSERT_EQ(journal::LoadLe(bytes.data() + first - 4, 4), 3u);
  auto refused = [&](std::string bad, const char* why) {
    std::string error;
    EXPECT_EQ(Engine::LoadSnapshot(Resealed(std::move(bad)), EngineConfig{}, &error), nullptr) << why;
    EXPECT_NE(error.find("key"), std::string::npos) << why << ": " << error;
  };
  std::string bad = bytes;
  bad[first + 2] = ' ';
  refused(bad, "a space in a key");
  bad = bytes;
  bad[first + 30] = 'x';
  refused(bad, "a byte after the key's NUL");
  bad = bytes;
  bad[first + 32 + 4 + 3] = '\x01';
  refused(bad, "a control character in a secret");
  bad = bytes;
  bad[first + 84] = 0;
  refused(bad, "no permissions");
  bad = bytes;
  bad[first + 84] = 8;
  refused(bad, "unknown permission bit");
  bad = bytes;
  bad[first + 32] = 0;  // account 3 -> 0, the fee account
  refused(bad, "a key of the fee account");
  bad = bytes;
  bad[first + 32] = 9;  // no such account
  refused(bad, "a key of an unknown account");
  bad = bytes;
  bad.replace(first, 85, bytes.substr(first + 85, 85));  // middle-key twice
  refused(bad, "a repeated key");
  bad = bytes;
  bad.replace(first, 85, bytes.substr(first + 170, 85));  // zeta-key before middle-key
  bad.replace(first + 170, 85, bytes.substr(first, 85));
  refused(bad, "keys out of order");
  bad = bytes;
  bad[first - 4] = 4;  // one more key than there is
  refused(bad, "a key count beyond the bytes");
}

// A snapshot holds only what commands could have made: a definition DefineAsset or DefineInstrument would refuse, a
// flag byte other than 0 or 1 (which a reload would save as 1), a sell whose hold is past the amount limit, or no
// fee account are refused, though the checksum is right.
TEST_F(AccountsSnapshotTest, ShouldRefuseSnapshotsHoldingWhatNoCommandCouldMake) {
  const OrderId sell = AcceptedId(v.Do(Venue::Limit(1, Side::kSell, 60'000, 3)));
  const std::string bytes = v.engine().SaveSnapshot();
  std::string error;
  ASSERT_NE(Engine::LoadSnapshot(bytes, EngineConfig{}, &error), nullptr) << error;
  const auto refused = [&](std::string bad, const char* why) {
    std::string e;
    EXPECT_EQ(Engine::LoadSnapshot(Resealed(std::move(bad)), EngineConfig{}, &e), nullptr) << why;
  };
  const auto set = [](std::string b, size_t at, uint64_t value, int n) {
    journal::StoreLe(b.data() + at, value, n);
    return b;
  };
  // An asset record is its flag, decimals, 16-byte code and net deposits; USD (asset 2) is the last.
  const size_t btc = bytes.find(std::string_view("BTC\0", 4));
  const size_t usd = bytes.find(std::string_view("USD\0", 4));
  ASSERT_NE(btc, std::string::npos);
  ASSERT_NE(usd, std::string::npos);
  refused(set(bytes, btc - 2, 2, 1), "an asset flag of 2");
  refused(set(bytes, btc, 'b', 1), "a lower-case asset code");
  // A book is its flag, then the definition, whose 24-byte symbol comes last, then its tick value.
  const size_t symbol = bytes.find("BTC_USD");
  ASSERT_NE(symbol, std::string::npos);
  refused(set(bytes, symbol - 52, 2, 1), "a book flag of 2");
  refused(set(bytes, symbol - 13, 10'001, 4), "a band past 10,000 bps");
  refused(set(bytes, symbol - 29, 0, 8), "a min_qty of 0");
  refused(set(bytes, symbol, 'b', 1), "a lower-case symbol");
  refused(set(bytes, symbol + 24, 2, 8), "a tick value that is not tick x lot");
  // The accounts follow the assets and the 16 fee tiers: a count, then records of id, tier and balances, the fee
  // account's (id 0, none) first.
  const size_t accounts = usd + 16 + 8 + 16 * 8;
  ASSERT_EQ(journal::LoadLe(bytes.data() + accounts + 4, 4), 0u);
  ASSERT_EQ(journal::LoadLe(bytes.data() + accounts + 9, 4), 0u);
  std::string without_fee = bytes;
  without_fee.erase(accounts + 4, 9);
  refused(set(without_fee, accounts, journal::LoadLe(bytes.data() + accounts, 4) - 1, 4), "no fee account");
  // An order is its id, account, instrument, six enum bytes, STP group, then price, trigger, cap, qty, remaining.
  std::string order_head(8 + 4 + 2, '\0');
  journal::StoreLe(order_head.data(), sell.value(), 8);
  journal::StoreLe(order_head.data() + 8, 1, 4);
  journal::StoreLe(order_head.data() + 12, kBtcUsd.value(), 2);
  const size_t order = bytes.find(order_head);
  ASSERT_NE(order, std::string::npos);
  const size_t qty = order + 14 + 6 + 4 + 3 * 8;
  ASSERT_EQ(journal::LoadLe(bytes.data() + qty, 8), 3u);
  refused(set(set(bytes, qty, (uint64_t{1} << 47) + 7, 8), qty + 8, (uint64_t{1} << 47) + 7, 8),
          "a sell holding more than an amount can be");
}

TEST(AccountsTest, ShouldListAssetsAndInstruments) {
  Venue v;
  EXPECT_TRUE(v.engine().AssetIds().empty());
  EXPECT_TRUE(v.engine().InstrumentIds().empty());
  EXPECT_FALSE(v.engine().Asset(kUsd).has_value());
  v.Setup();
  EXPECT_EQ(v.engine().AssetIds(), (std::vector<AssetId>{kBtc, kUsd}));
  EXPECT_EQ(v.engine().InstrumentIds(), std::vector<InstrumentId>{kBtcUsd});
  const auto usd = v.engine().Asset(kUsd);
  ASSERT_TRUE(usd.has_value());
  EXPECT_EQ(usd->asset, kUsd);
  EXPECT_EQ(usd->decimals, 2);
  EXPECT_STREQ(usd->code, "USD");
  EXPECT_FALSE(v.engine().Asset(AssetId{3}).has_value());
}

}  // namespace
}  // namespace sequex

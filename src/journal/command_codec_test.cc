#include "journal/command_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "journal/byte_io.h"
#include "journal/test_commands.h"

namespace sequex::journal {
namespace {

bool SameBody(const CommandBody& a, const CommandBody& b) {
  std::string x, y;
  return EncodeCommandBody(a, &x) && EncodeCommandBody(b, &y) && x == y && a.index() == b.index();
}

// One command of every kind with every field set to a non-default value.
std::vector<CommandBody> EveryKind() {
  std::vector<CommandBody> v;
  DefineAsset da{AssetId{65535}, 18, {}};
  std::memcpy(da.code, "ABCDEFGHIJKLMNO", 15);
  v.emplace_back(da);
  DefineInstrument di;
  di.instrument = InstrumentId{7};
  di.base = AssetId{1};
  di.quote = AssetId{2};
  di.tick_size = Amount{-5};
  di.lot_size = Amount{INT64_MAX};
  di.min_qty = QtyLots{INT64_MIN};
  di.min_notional = Amount{42};
  di.price_band_bps = 0xFFFFFFFF;
  di.reference_price = PriceTicks{123456789};
  di.status = InstrumentStatus::kPostOnly;
  std::memcpy(di.symbol, "XYZ_ABC-12345678901234\x01", 24);
  v.emplace_back(di);
  v.emplace_back(SetInstrumentStatus{InstrumentId{3}, InstrumentStatus::kHalted});
  v.emplace_back(Deposit{AccountId{0xFFFFFFFF}, AssetId{9}, Amount{-1}});
  v.emplace_back(Withdraw{AccountId{17}, AssetId{1}, Amount{1ll << 61}});
  PlaceOrder p;
  p.account = AccountId{5};
  p.instrument = InstrumentId{2};
  p.side = Side::kSell;
  p.type = OrderType::kTakeProfitLimit;
  p.tif = TimeInForce::kFillOrKill;
  p.flags = 0xFF;
  p.stp_mode = StpMode::kCancelBoth;
  p.stp_group = 77;
  p.price = PriceTicks{11};
  p.trigger_price = PriceTicks{12};
  p.qty = QtyLots{13};
  p.notional = Amount{14};
  p.client_oid.Assign(std::string(36, 'z'));
  v.emplace_back(p);
  CancelOrder c{AccountId{6}, OrderId{UINT64_MAX}, {}};
  c.client_oid.Assign("cid");
  v.emplace_back(c);
  v.emplace_back(CancelAll{AccountId{8}, kAllInstruments});
  AmendOrder a;
  a.account = AccountId{9};
  a.order_id = OrderId{10};
  a.orig_client_oid.Assign("orig");
  a.new_price = PriceTicks{-3};
  a.new_qty = QtyLots{4};
  a.new_client_oid.Assign(std::string("\0\xff", 2));
  v.emplace_back(a);
  v.emplace_back(SetFeeTier{15, INT32_MIN, INT32_MAX});
  v.emplace_back(SetAccountFeeTier{AccountId{11}, 200});
  CreateAccount ca;
  std::memcpy(ca.credential.key, "key-with-31-characters-exactly!", 31);
  std::memcpy(ca.credential.secret, "a-secret-of-forty-seven-characters-0123456789ab", 47);
  ca.credential.permissions = kPermissionRead | kPermissionTrade;
  v.emplace_back(ca);
  SetApiKey sk;
  sk.account = AccountId{0xFFFFFFFE};
  std::memset(sk.credential.key, 0x7F, sizeof sk.credential.key);  // the codec carries bytes; the engine judges
  std::memcpy(sk.credential.secret, "\x01\xff\0tail", 7);
  sk.credential.permissions = 0xFF;
  v.emplace_back(sk);
  return v;
}

TEST(CommandCodecTest, ShouldRoundTripEveryKindAndField) {
  const auto all = EveryKind();
  ASSERT_EQ(all.size(), std::variant_size_v<CommandBody>);
  for (const CommandBody& body : all) {
    std::string bytes;
    ASSERT_TRUE(EncodeCommandBody(body, &bytes)) << body.index();
    CommandBody back;
    ASSERT_EQ(DecodeCommandBody(bytes, &back), CodecError::kOk) << body.index();
    EXPECT_EQ(back.index(), body.index());
    EXPECT_TRUE(SameBody(body, back)) << body.index();
    EXPECT_NE(CommandFieldsJson(back), "[]");
  }
  // Field-level spot checks (not only "re-encodes the same").
  std::string bytes;
  ASSERT_TRUE(EncodeCommandBody(all[5], &bytes));
  CommandBody back;
  ASSERT_EQ(DecodeCommandBody(bytes, &back), CodecError::kOk);
  const auto& p = std::get<PlaceOrder>(back);
  EXPECT_EQ(p.type, OrderType::kTakeProfitLimit);
  EXPECT_EQ(p.flags, 0xFF);
  EXPECT_EQ(p.client_oid.view(), std::string(36, 'z'));
  EXPECT_EQ(p.notional.value(), 14);

  bytes.clear();
  ASSERT_TRUE(EncodeCommandBody(all[12], &bytes));
  EXPECT_EQ(bytes.size(), 2u + 4 + 32 + 48 + 1);  // version, kind, account, key, secret, permissions
  ASSERT_EQ(DecodeCommandBody(bytes, &back), CodecError::kOk);
  const auto& k = std::get<SetApiKey>(back);
  EXPECT_EQ(k.account, AccountId{0xFFFFFFFE});
  EXPECT_EQ(std::memcmp(k.credential.key, std::get<SetApiKey>(all[12]).credential.key, 32), 0);
  EXPECT_EQ(std::memcmp(k.credential.secret, "\x01\xff\0tail", 7), 0);  // bytes after a NUL survive too
  EXPECT_EQ(k.credential.permissions, 0xFF);
}

TEST(CommandCodecTest, ShouldNameEveryKindAndKeepSecretsOutOfJson) {
  for (size_t kind = 0; kind < std::variant_size_v<CommandBody>; ++kind) {
    EXPECT_NE(CommandKindName(kind), "?") << kind;
  }
  EXPECT_EQ(CommandKindName(11), "CreateAccount");
  EXPECT_EQ(CommandKindName(12), "SetApiKey");
  EXPECT_EQ(CommandKindName(std::variant_size_v<CommandBody>), "?");
  const auto all = EveryKind();
  EXPECT_EQ(CommandFieldsJson(all[11]), R"(["key-with-31-characters-exactly!","***",3])");
  SetApiKey revoke;
  revoke.account = AccountId{7};
  std::memcpy(revoke.credential.key, "abcdefgh", 8);
  EXPECT_EQ(CommandFieldsJson(revoke), R"([7,"abcdefgh","",0])");
}

TEST(CommandCodecTest, ShouldRoundTripAGeneratedFlow) {
  auto flow = testing::SetupCommands();
  auto trading = testing::TradingCommands(7, 5000);
  flow.insert(flow.end(), trading.begin(), trading.end());
  for (const CommandBody& body : flow) {
    std::string bytes;
    ASSERT_TRUE(EncodeCommandBody(body, &bytes));
    CommandBody back;
    ASSERT_EQ(DecodeCommandBody(bytes, &back), CodecError::kOk);
    EXPECT_TRUE(SameBody(body, back));
  }
}

TEST(CommandCodecTest, ShouldRefuseToEncodeOutOfRangeEnums) {
  PlaceOrder p;
  p.side = static_cast<Side>(7);
  std::string bytes = "x";
  EXPECT_FALSE(EncodeCommandBody(p, &bytes));
  EXPECT_EQ(bytes, "x");  // nothing appended
}

TEST(CommandCodecTest, ShouldRejectEveryTruncationAndExtension) {
  for (const CommandBody& body : EveryKind()) {
    std::string bytes;
    ASSERT_TRUE(EncodeCommandBody(body, &bytes));
    CommandBody out;
    for (size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_NE(DecodeCommandBody(std::string_view(bytes).substr(0, n), &out), CodecError::kOk) << n;
    }
    EXPECT_EQ(DecodeCommandBody(bytes + '\0', &out), CodecError::kTrailingBytes);
  }
}

TEST(CommandCodecTest, ShouldRejectBadVersionKindEnumAndLength) {
  std::string bytes;
  ASSERT_TRUE(EncodeCommandBody(EveryKind()[5], &bytes));
  CommandBody out;
  std::string b = bytes;
  b[0] = 2;
  EXPECT_EQ(DecodeCommandBody(b, &out), CodecError::kBadVersion);
  b = bytes;
  b[1] = static_cast<char>(std::variant_size_v<CommandBody>);
  EXPECT_EQ(DecodeCommandBody(b, &out), CodecError::kBadKind);
  b = bytes;
  b[2 + 4 + 2] = 2;  // side
  EXPECT_EQ(DecodeCommandBody(b, &out), CodecError::kBadEnum);
  b = bytes;
  b[bytes.size() - 37] = 37;  // client_oid length
  EXPECT_NE(DecodeCommandBody(b, &out), CodecError::kOk);
}

TEST(CommandCodecTest, ShouldNeverMisbehaveOnRandomBytes) {
  std::mt19937_64 rng(1);
  CommandBody out;
  size_t decoded = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string b(rng() % 130, '\0');
    for (char& c : b) c = static_cast<char>(rng());
    if (b.size() >= 2 && (i & 1)) {
      b[0] = 1;
      b[1] = static_cast<char>(rng() % std::variant_size_v<CommandBody>);
    }
    if (DecodeCommandBody(b, &out) == CodecError::kOk) {
      ++decoded;
      std::string again;
      if (EncodeCommandBody(out, &again)) {
        // A decodable input re-encodes to exactly itself: the encoding is canonical.
        EXPECT_EQ(again, b);
      }
    }
  }
  SUCCEED() << decoded;
}

// The snapshot stages its fields in a StagingWriter and appends them in one call: the bytes must be those a
// ByteWriter writes field by field, and ByteReader must read them back.
TEST(ByteIoTest, ShouldStageExactlyTheBytesAByteWriterWrites) {
  std::string direct;
  ByteWriter w(&direct);
  StagingWriter<64> staged;
  const auto both = [&](auto&& write) {
    write(w);
    write(staged);
  };
  both([](auto& x) { x.U8(0xAB); });
  both([](auto& x) { x.U16(0xBEEF); });
  both([](auto& x) { x.U32(0xDEADBEEF); });
  both([](auto& x) { x.U64(0x0123456789ABCDEF); });
  both([](auto& x) { x.I32(-2); });
  both([](auto& x) { x.I64(-3); });
  both([](auto& x) { x.Raw("oid-1", 5); });
  EXPECT_EQ(staged.view(), direct);
  EXPECT_EQ(staged.room(), 64u - direct.size());

  ByteReader r(staged.view());
  EXPECT_EQ(r.U8(), 0xAB);
  EXPECT_EQ(r.U16(), 0xBEEF);
  EXPECT_EQ(r.U32(), 0xDEADBEEFu);
  EXPECT_EQ(r.U64(), 0x0123456789ABCDEFu);
  EXPECT_EQ(r.I32(), -2);
  EXPECT_EQ(r.I64(), -3);
  EXPECT_EQ(r.View(5), "oid-1");
  EXPECT_TRUE(r.ok());

  staged.Clear();
  EXPECT_EQ(staged.view(), "");
  EXPECT_EQ(staged.room(), 64u);
}

TEST(ByteIoTest, ShouldStopRatherThanOverrunAStagingBuffer) {
  StagingWriter<4> staged;
  staged.U16(1);
  EXPECT_DEATH(staged.U32(2), "");
  EXPECT_DEATH(staged.Raw("abc", 3), "");
}

}  // namespace
}  // namespace sequex::journal

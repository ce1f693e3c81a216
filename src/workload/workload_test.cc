#include "workload/workload.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "engine/engine.h"
#include "workload/rng.h"

namespace sequex::workload {
namespace {

constexpr std::string_view kSample =
    "# sequex-workload 1\n"
    "A USD 2\n"
    "A BTC 8\n"
    "I BTC_USD BTC USD 100 1000000 1\n"
    "D 1 USD 1000000\n"
    "D 2 BTC 500000000\n"
    "N 1 BTC_USD B L GTC PO 30000 5 1\n"
    "N 2 BTC_USD S M IOC - - 3 1\n"
    "N 2 BTC_USD S L FOK - 29990 7 2\n"
    "W\n"
    "C 1 1\n"
    "M 1 2 30001 -\n"
    "M 1 3 - 4\n"
    "X 2 BTC_USD\n"
    "X 1 *\n";

Workload ParseOk(std::string_view text) {
  auto parsed = ParseWorkload(text);
  if (auto* err = std::get_if<ParseError>(&parsed)) ADD_FAILURE() << err->ToString();
  return std::get<Workload>(std::move(parsed));
}

ParseError ParseFails(std::string_view text) {
  auto parsed = ParseWorkload(text);
  EXPECT_TRUE(std::holds_alternative<ParseError>(parsed)) << text;
  if (auto* err = std::get_if<ParseError>(&parsed)) return *err;
  return {};
}

TEST(WorkloadTest, ShouldRoundTripTheCanonicalText) {
  const Workload w = ParseOk(kSample);
  EXPECT_EQ(FormatWorkload(w), kSample);
  EXPECT_EQ(ParseOk(FormatWorkload(w)), w);
}

TEST(WorkloadTest, ShouldRoundTripThroughAFile) {
  const Workload w = ParseOk(kSample);
  const std::string path = ::testing::TempDir() + "/workload_test.txt";
  ASSERT_FALSE(WriteWorkloadFile(w, path).has_value());
  auto read = ReadWorkloadFile(path);
  ASSERT_TRUE(std::holds_alternative<Workload>(read));
  EXPECT_EQ(std::get<Workload>(read), w);
  std::remove(path.c_str());
}

TEST(WorkloadTest, ShouldAcceptCommentsBlankLinesExtraSpacesAndCrLf) {
  const Workload w = ParseOk(
      "# sequex-workload 1\r\n"
      "\n"
      "# a comment\n"
      "A  USD\t2\r\n"
      "   \n");
  ASSERT_EQ(w.assets.size(), 1u);
  EXPECT_EQ(w.assets[0].code, "USD");
  EXPECT_EQ(w.assets[0].decimals, 2);
}

TEST(WorkloadTest, ShouldNameTheLineOfEveryMalformedRecord) {
  const std::string head = "# sequex-workload 1\nA USD 2\nA BTC 8\nI BTC_USD BTC USD 100 1000000 1\n";
  const char* bad[] = {
      "Q 1 2",                                    // unknown type
      "NN 1",                                     // unknown type
      "A ETH",                                    // too few fields
      "A ETH 2 3",                                // too many fields
      "A ETH x",                                  // bad number
      "A ETH 256",                                // decimals out of range
      "A USD 2",                                  // defined twice
      "A ABCDEFGHIJKLMNOP 2",                     // code too long
      "I X_USD BTC EUR 1 1 1",                    // unknown asset
      "I BTC_USD BTC USD 1 1 1",                  // symbol twice
      "D -1 USD 5",                               // negative account
      "D 1 USD 5x",                               // trailing junk
      "D 99999999999999999999 USD 5",             // account overflow
      "D 0 USD 5",                                // accounts are from 1
      "C 1 x7",                                   // a ref is an integer
      "N 1 ETH_USD B L GTC - 1 1 1",              // unknown symbol
      "N 1 BTC_USD X L GTC - 1 1 1",              // side
      "N 1 BTC_USD B Q GTC - 1 1 1",              // type
      "N 1 BTC_USD B L DAY - 1 1 1",              // tif
      "N 1 BTC_USD B L GTC P 1 1 1",              // post-only flag
      "N 1 BTC_USD B L GTC - 1 - 1",              // quantity is not optional
      "N 1 BTC_USD B L GTC - 1 1 -3",             // ref
      "N 1 BTC_USD B L GTC - 1 1 1 9",            // extra field
      "N 1 BTC_USD B L GTC - 1 1 1 9 9 9 9 9 9",  // many extra fields
      "C 1",                                      // missing ref
      "M 1 2 3",                                  // missing qty
      "X 1 NOPE",                                 // unknown symbol
      "W 1",                                      // W takes nothing
      "D 1 USD 99999999999999999999",             // amount overflow
  };
  for (const char* line : bad) {
    const ParseError e = ParseFails(head + line + "\n");
    EXPECT_EQ(e.line, 5u) << line << " -> " << e.ToString();
    EXPECT_FALSE(e.message.empty());
    EXPECT_NE(e.ToString().find("line 5"), std::string::npos);
  }
}

TEST(WorkloadTest, ShouldRejectAMissingOrWrongHeaderAndASecondW) {
  EXPECT_EQ(ParseFails("").line, 1u);
  EXPECT_EQ(ParseFails("A USD 2\n").line, 1u);
  EXPECT_EQ(ParseFails("# sequex-workload 2\n").line, 1u);
  EXPECT_EQ(ParseFails("# sequex-workload 1\nW\nW\n").line, 3u);
}

TEST(WorkloadTest, ShouldReportAFileThatCannotBeRead) {
  auto read = ReadWorkloadFile("/nonexistent/dir/file.txt");
  ASSERT_TRUE(std::holds_alternative<ParseError>(read));
  EXPECT_EQ(std::get<ParseError>(read).line, 0u);
}

TEST(WorkloadTest, ShouldNeverCrashOnGarbage) {
  std::string text = "# sequex-workload 1\n";
  uint64_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const char alphabet[] = "ANDCMXIW -*0123456789BSLGTCIOFKPU\n\t#";
    text.push_back(alphabet[(x >> 33) % (sizeof alphabet - 1)]);
  }
  auto parsed = ParseWorkload(text);  // any outcome is fine as long as it returns
  (void)parsed;
}

TEST(WorkloadTest, ShouldTranslateToEngineCommands) {
  const CommandStream s = Translate(ParseOk(kSample));
  ASSERT_EQ(s.commands.size(), 13u);  // 14 records, minus W
  EXPECT_EQ(s.warmup_commands, 8u);
  for (size_t i = 0; i < s.commands.size(); ++i) {
    EXPECT_EQ(s.commands[i].seq, i + 1);
    EXPECT_EQ(s.commands[i].time, static_cast<TimeNs>((i + 1) * 1000));
  }
  const auto& btc = std::get<DefineAsset>(s.commands[1].body);
  EXPECT_EQ(btc.asset, AssetId(2));
  EXPECT_STREQ(btc.code, "BTC");
  const auto& inst = std::get<DefineInstrument>(s.commands[2].body);
  EXPECT_EQ(inst.instrument, InstrumentId(1));
  EXPECT_EQ(inst.base, AssetId(2));
  EXPECT_EQ(inst.quote, AssetId(1));
  EXPECT_EQ(inst.tick_size, Amount(100));
  EXPECT_EQ(inst.lot_size, Amount(1000000));
  EXPECT_EQ(inst.min_qty, QtyLots(1));
  EXPECT_STREQ(inst.symbol, "BTC_USD");
  const auto& dep = std::get<Deposit>(s.commands[4].body);
  EXPECT_EQ(dep.account, AccountId(2));
  EXPECT_EQ(dep.asset, AssetId(2));
  EXPECT_EQ(dep.amount, Amount(500000000));
  const auto& po = std::get<PlaceOrder>(s.commands[5].body);
  EXPECT_EQ(po.side, Side::kBuy);
  EXPECT_EQ(po.type, OrderType::kLimit);
  EXPECT_EQ(po.flags, kOrderFlagPostOnly);
  EXPECT_EQ(po.price, PriceTicks(30000));
  EXPECT_EQ(po.qty, QtyLots(5));
  EXPECT_EQ(po.client_oid.view(), "1");
  const auto& mkt = std::get<PlaceOrder>(s.commands[6].body);
  EXPECT_EQ(mkt.type, OrderType::kMarket);
  EXPECT_EQ(mkt.tif, TimeInForce::kImmediateOrCancel);
  EXPECT_EQ(mkt.price, PriceTicks(0));
  EXPECT_EQ(mkt.notional, Amount(0));
  EXPECT_EQ(std::get<PlaceOrder>(s.commands[7].body).tif, TimeInForce::kFillOrKill);
  const auto& cancel = std::get<CancelOrder>(s.commands[8].body);
  EXPECT_EQ(cancel.order_id, OrderId(0));
  EXPECT_EQ(cancel.client_oid.view(), "1");
  const auto& move = std::get<AmendOrder>(s.commands[9].body);
  EXPECT_EQ(move.orig_client_oid.view(), "2");
  EXPECT_EQ(move.new_price, PriceTicks(30001));
  EXPECT_EQ(move.new_qty, QtyLots(0));
  const auto& shrink = std::get<AmendOrder>(s.commands[10].body);
  EXPECT_EQ(shrink.new_price, PriceTicks(0));
  EXPECT_EQ(shrink.new_qty, QtyLots(4));
  EXPECT_EQ(std::get<CancelAll>(s.commands[11].body).instrument, InstrumentId(1));
  EXPECT_EQ(std::get<CancelAll>(s.commands[12].body).instrument, kAllInstruments);
}

TEST(WorkloadTest, ShouldLeaveAVenueTheEngineCanRunAsWritten) {
  const CommandStream s = Translate(ParseOk(kSample));  // tick 1 USD x lot 0.01 BTC = 100 cents: whole
  EXPECT_TRUE(s.adjustments.empty());
  EXPECT_EQ(std::get<DefineAsset>(s.commands[0].body).decimals, 2);
  EXPECT_EQ(std::get<Deposit>(s.commands[3].body).account, AccountId(1));
}

// BTC with 8 decimals, USD with 2, a tick of one cent and a lot of 0.00001 BTC: one tick of one lot is 10^-7 USD,
// so USD needs 7 decimals, and its amounts are 10^5 times larger. Prices and sizes stay as written.
TEST(WorkloadTest, ShouldGiveAQuoteAssetTheDecimalsThatMakeOneTickOfOneLotWhole) {
  const CommandStream s =
      Translate(ParseOk("# sequex-workload 1\n"
                        "A BTC 8\n"
                        "A USD 2\n"
                        "I BTC_USD BTC USD 1 1000 1\n"
                        "D 1 USD 250\n"
                        "D 1 BTC 100000000\n"
                        "W\n"
                        "N 1 BTC_USD B L GTC - 5000000 7 1\n"));
  EXPECT_EQ(std::get<DefineAsset>(s.commands[0].body).decimals, 8);
  EXPECT_EQ(std::get<DefineAsset>(s.commands[1].body).decimals, 7);
  const auto& inst = std::get<DefineInstrument>(s.commands[2].body);
  EXPECT_EQ(inst.tick_size, Amount(100000));
  EXPECT_EQ(inst.lot_size, Amount(1000));
  // The tick value the engine checks: tick x lot / 10^8 = 1, the smallest whole value.
  EXPECT_EQ(inst.tick_size.value() * inst.lot_size.value() % 100000000, 0);
  EXPECT_EQ(std::get<Deposit>(s.commands[3].body).amount, Amount(25000000));
  EXPECT_EQ(std::get<Deposit>(s.commands[4].body).amount, Amount(100000000));
  const auto& order = std::get<PlaceOrder>(s.commands[5].body);
  EXPECT_EQ(order.price, PriceTicks(5000000));
  EXPECT_EQ(order.qty, QtyLots(7));
  ASSERT_EQ(s.adjustments.size(), 1u);
  EXPECT_NE(s.adjustments[0].find("USD has 7 decimals here instead of 2"), std::string::npos) << s.adjustments[0];
}

// BTC quotes ETH_BTC (tick 1 satoshi, lot 0.001 ETH: 10^-3 satoshi) and is the base of BTC_USD. Its 3 more decimals
// scale BTC_USD's lot too, which leaves BTC_USD's tick value as it was; USD, whose instrument was fine, is untouched.
TEST(WorkloadTest, ShouldScaleAnAssetEverywhereItAppears) {
  const CommandStream s =
      Translate(ParseOk("# sequex-workload 1\n"
                        "A BTC 8\n"
                        "A USD 2\n"
                        "A ETH 8\n"
                        "I BTC_USD BTC USD 100 1000000 1\n"
                        "I ETH_BTC ETH BTC 1 100000 1\n"
                        "D 3 BTC 5\n"
                        "D 3 USD 5\n"));
  EXPECT_EQ(std::get<DefineAsset>(s.commands[0].body).decimals, 11);
  EXPECT_EQ(std::get<DefineAsset>(s.commands[1].body).decimals, 2);
  EXPECT_EQ(std::get<DefineAsset>(s.commands[2].body).decimals, 8);
  const auto& btc_usd = std::get<DefineInstrument>(s.commands[3].body);
  EXPECT_EQ(btc_usd.tick_size, Amount(100));
  EXPECT_EQ(btc_usd.lot_size, Amount(1000000000));  // still 0.01 BTC, in units of 10^-11
  const auto& eth_btc = std::get<DefineInstrument>(s.commands[4].body);
  EXPECT_EQ(eth_btc.tick_size, Amount(1000));
  EXPECT_EQ(eth_btc.lot_size, Amount(100000));
  EXPECT_EQ(std::get<Deposit>(s.commands[5].body).amount, Amount(5000));
  EXPECT_EQ(std::get<Deposit>(s.commands[6].body).amount, Amount(5));
  EXPECT_EQ(s.adjustments.size(), 1u);
}

// 18 decimals cannot grow, and an amount that would pass the engine's limit cannot be scaled: the flow is translated
// as written, and the engine rejects the instrument (the benchmark says so).
TEST(WorkloadTest, ShouldNotScaleWhatCannotBeScaled) {
  const CommandStream wide = Translate(ParseOk("# sequex-workload 1\nA ETH 18\nA USD 2\nI ETH_USD ETH USD 1 1 1\n"));
  EXPECT_EQ(std::get<DefineAsset>(wide.commands[1].body).decimals, 2);
  EXPECT_EQ(std::get<DefineInstrument>(wide.commands[2].body).tick_size, Amount(1));
  EXPECT_TRUE(wide.adjustments.empty());
  const CommandStream rich =
      Translate(ParseOk("# sequex-workload 1\nA BTC 8\nA USD 2\nI BTC_USD BTC USD 1 1000 1\n"
                        "D 1 USD 4000000000000000000\n"));
  EXPECT_EQ(std::get<DefineAsset>(rich.commands[1].body).decimals, 2);
  EXPECT_EQ(std::get<Deposit>(rich.commands[3].body).amount, Amount(4000000000000000000));
  EXPECT_TRUE(rich.adjustments.empty());
}

// Random venues (decimals 0..20, ticks and lots from 1 to 10^15, deposits up to the engine's limit and beyond, of
// either sign): whatever Translate scales, it scales exactly, never past 18 decimals or the amount limit, and every
// instrument it scaled a quote for, or that was whole already, has a whole tick value afterwards.
TEST(WorkloadTest, ShouldScaleRandomVenuesExactlyOrNotAtAll) {
  Rng rng(20261205);
  const auto tick_value_whole = [](__int128 tick, __int128 lot, int base_decimals) {
    __int128 unit = 1;
    for (int i = 0; i < base_decimals; ++i) unit *= 10;
    return tick * lot % unit == 0;
  };
  const auto power = [](int digits) {
    int64_t p = 1;
    for (int i = 0; i < digits; ++i) p *= 10;
    return p;
  };
  const std::array<int64_t, 6> mantissas = {1, 2, 3, 5, 7, 25};
  size_t scaled_venues = 0;
  for (int venue = 0; venue < 2000; ++venue) {
    Workload w;
    const auto assets = static_cast<uint16_t>(rng.Between(2, 6));
    for (uint16_t a = 0; a < assets; ++a) {
      w.AddAsset(fmt::format("A{}", a), static_cast<uint8_t>(rng.Between(0, 20)));
    }
    const auto instruments = rng.Between(1, 6);
    for (int64_t i = 0; i < instruments; ++i) {
      InstrumentDef def;
      def.symbol = fmt::format("I{}", i);
      def.base = static_cast<uint16_t>(rng.Below(assets));
      def.quote = static_cast<uint16_t>((def.base + 1 + rng.Below(assets - 1u)) % assets);
      def.tick = mantissas[rng.Below(mantissas.size())] * power(static_cast<int>(rng.Between(0, 15)));
      def.lot = mantissas[rng.Below(mantissas.size())] * power(static_cast<int>(rng.Between(0, 15)));
      def.min_lots = 1;
      w.AddInstrument(def);
    }
    for (int d = 0; d < 8; ++d) {
      Record r;
      r.kind = RecordKind::kDeposit;
      r.account = static_cast<uint32_t>(rng.Between(1, 3));
      r.index = static_cast<uint16_t>(rng.Below(assets));
      r.qty = rng.Chance(100'000) ? -rng.Between(1, kMaxAmount)
                                  : rng.Between(0, kMaxAmount / power(static_cast<int>(rng.Between(0, 12))));
      w.records.push_back(r);
    }
    const CommandStream s = Translate(w);
    std::vector<int> extra(assets, 0);
    size_t next = 0;
    for (const Command& c : s.commands) {
      if (const auto* a = std::get_if<DefineAsset>(&c.body)) {
        const int from = w.assets[a->asset.value() - 1].decimals;
        extra[a->asset.value() - 1] = a->decimals - from;
        ASSERT_GE(a->decimals, from);
        if (a->decimals > from) {
          ASSERT_LE(a->decimals, 18);
        }
      } else if (const auto* i = std::get_if<DefineInstrument>(&c.body)) {
        const InstrumentDef& def = w.instruments[i->instrument.value() - 1];
        ASSERT_EQ(i->tick_size.value(), def.tick * power(extra[def.quote]));
        ASSERT_EQ(i->lot_size.value(), def.lot * power(extra[def.base]));
        const int base_decimals = w.assets[def.base].decimals + extra[def.base];
        if (extra[def.quote] > 0 || tick_value_whole(def.tick, def.lot, w.assets[def.base].decimals)) {
          EXPECT_TRUE(tick_value_whole(i->tick_size.value(), i->lot_size.value(), base_decimals)) << def.symbol;
        }
      } else if (const auto* d = std::get_if<Deposit>(&c.body)) {
        while (w.records[next].kind != RecordKind::kDeposit) ++next;
        const Record& r = w.records[next++];
        const __int128 expected = static_cast<__int128>(r.qty) * power(extra[r.index]);
        ASSERT_EQ(d->amount.value(), expected);
        if (extra[r.index] > 0) {
          ASSERT_LT(expected < 0 ? -expected : expected, kMaxAmount);
        }
      }
    }
    scaled_venues += s.adjustments.empty() ? 0u : 1u;
  }
  EXPECT_GT(scaled_venues, 200u);  // the random venues do exercise the scaling
}

TEST(WorkloadTest, ShouldRenumberSparseAccountsInOrder) {
  const CommandStream s =
      Translate(ParseOk("# sequex-workload 1\n"
                        "A USD 2\n"
                        "A BTC 8\n"
                        "I BTC_USD BTC USD 100 1000000 1\n"
                        "D 4000000000 USD 1\n"
                        "D 7 USD 1\n"
                        "D 18446744073709551615 USD 1\n"
                        "N 4000000000 BTC_USD B L GTC - 30000 5 1\n"
                        "C 7 1\n"
                        "M 4000000000 1 30001 -\n"
                        "X 7 *\n"
                        "W\n"));
  EXPECT_EQ(std::get<Deposit>(s.commands[3].body).account, AccountId(2));
  EXPECT_EQ(std::get<Deposit>(s.commands[4].body).account, AccountId(1));
  EXPECT_EQ(std::get<Deposit>(s.commands[5].body).account, AccountId(3));  // 64-bit ids too
  EXPECT_EQ(std::get<PlaceOrder>(s.commands[6].body).account, AccountId(2));
  EXPECT_EQ(std::get<CancelOrder>(s.commands[7].body).account, AccountId(1));
  EXPECT_EQ(std::get<AmendOrder>(s.commands[8].body).account, AccountId(2));
  EXPECT_EQ(std::get<CancelAll>(s.commands[9].body).account, AccountId(1));
  ASSERT_EQ(s.adjustments.size(), 1u);
  EXPECT_NE(s.adjustments[0].find("renumbered"), std::string::npos);
  // Numbers no higher than twice their count plus kDenseAccountSlack are kept as they are.
  const CommandStream dense = Translate(ParseOk("# sequex-workload 1\nA USD 2\nD 4100 USD 1\nD 2 USD 1\n"));
  EXPECT_EQ(std::get<Deposit>(dense.commands[1].body).account, AccountId(4100));
  EXPECT_TRUE(dense.adjustments.empty());
}

TEST(WorkloadTest, ShouldGiveClientOidsTheDecimalRef) {
  EXPECT_EQ(RefToClientOid(0).view(), "0");
  EXPECT_EQ(RefToClientOid(18446744073709551615ull).view(), "18446744073709551615");
}

constexpr std::string_view kVenue =
    "# sequex-workload 1\nA USD 2\nA BTC 8\nI BTC_USD BTC USD 100 1000000 1\nD 1 USD 100000000\n";

TEST(WorkloadTest, ShouldPassAnAmendToZeroToTheEngineAsAValueItRefuses) {
  // The README's M line has two numbers; 0 is one of them, not "unchanged" ('-' is this reader's extension).
  const Workload w = ParseOk(std::string(kVenue) + "M 1 1 101 0\nM 1 1 0 3\nM 1 1 - 3\nM 1 1 101 -\n");
  const CommandStream s = Translate(w);
  const auto amend = [&](size_t i) { return std::get<AmendOrder>(s.commands[i].body); };
  EXPECT_EQ(amend(4).new_price, PriceTicks(101));
  EXPECT_EQ(amend(4).new_qty, QtyLots(kAmendToZero));
  EXPECT_EQ(amend(5).new_price, PriceTicks(kAmendToZero));
  EXPECT_EQ(amend(5).new_qty, QtyLots(3));
  EXPECT_EQ(amend(6).new_price, PriceTicks(0));  // '-': unchanged
  EXPECT_EQ(amend(7).new_qty, QtyLots(0));
  EXPECT_EQ(ParseOk(FormatWorkload(w)), w);  // and it round-trips

  Engine engine;
  for (size_t i = 0; i < 4; ++i) engine.Apply(s.commands[i]);
  PlaceOrder place;
  place.account = AccountId(1);
  place.instrument = InstrumentId(1);
  place.side = Side::kBuy;
  place.type = OrderType::kLimit;
  place.price = PriceTicks(100);
  place.qty = QtyLots(5);
  place.client_oid = RefToClientOid(1);
  ASSERT_TRUE(std::holds_alternative<AcceptedEvent>(engine.Apply(Command{5, 5000, place})[0]));
  for (size_t i = 4; i < 6; ++i) {
    Command c = s.commands[i];
    c.seq = i + 2;
    const auto events = engine.Apply(c);
    const auto* rejected = std::get_if<RejectedEvent>(&events[0]);
    ASSERT_NE(rejected, nullptr) << i;
    EXPECT_EQ(rejected->reason, i == 4 ? RejectReason::kInvalidOrderQty : RejectReason::kInvalidPrice);
  }
}

TEST(WorkloadTest, ShouldRefuseARefUsedTwiceByOneAccountNamingTheLine) {
  const ParseError e = ParseFails(std::string(kVenue) +
                                  "N 1 BTC_USD B L GTC - 100 1 7\n"
                                  "N 2 BTC_USD B L GTC - 100 1 7\n"  // another account: fine
                                  "C 1 7\n"
                                  "N 1 BTC_USD S L GTC - 200 1 007\n");  // the same ref, written otherwise
  EXPECT_EQ(e.line, 9u) << e.ToString();
  EXPECT_NE(e.message.find("first on line 6"), std::string::npos) << e.message;
}

TEST(WorkloadTest, ShouldRenameNamesTheEngineDoesNotTakeAndTakeMinLotsZeroAsOne) {
  const CommandStream s =
      Translate(ParseOk("# sequex-workload 1\nA usd 2\nA btc.x 8\nA USD 2\nI btc/usd btc.x usd 100 1000000 0\nI "
                        "BTC_USD btc.x USD 100 1000000 1\n"));
  EXPECT_EQ(std::string(std::get<DefineAsset>(s.commands[0].body).code), "A1");  // "USD" is another asset's
  EXPECT_EQ(std::string(std::get<DefineAsset>(s.commands[1].body).code), "BTCX");
  EXPECT_EQ(std::string(std::get<DefineAsset>(s.commands[2].body).code), "USD");
  const auto& renamed = std::get<DefineInstrument>(s.commands[3].body);
  EXPECT_EQ(std::string(renamed.symbol), "S1");  // "BTC_USD" is the other instrument's
  EXPECT_EQ(renamed.min_qty, QtyLots(1));
  EXPECT_EQ(std::string(std::get<DefineInstrument>(s.commands[4].body).symbol), "BTC_USD");
  EXPECT_EQ(s.adjustments.size(), 2u);
  Engine engine;
  for (const Command& c : s.commands) {
    for (const Event& e : engine.Apply(c)) EXPECT_FALSE(std::holds_alternative<RejectedEvent>(e)) << c.seq;
  }
}

TEST(WorkloadTest, ShouldLeaveTheSetUpOutOfTheMeasuredPartWhenThereIsNoW) {
  const CommandStream s = Translate(ParseOk(std::string(kVenue) + "N 1 BTC_USD B L GTC - 100 1 1\nD 1 USD 5\n"));
  EXPECT_EQ(s.warmup_commands, 4u);
  ASSERT_EQ(s.adjustments.size(), 1u);
  EXPECT_NE(s.adjustments[0].find("no W line"), std::string::npos);
  EXPECT_EQ(Translate(ParseOk(std::string(kVenue) + "W\nN 1 BTC_USD B L GTC - 100 1 1\n")).warmup_commands, 4u);
  EXPECT_EQ(Translate(ParseOk(std::string(kVenue))).warmup_commands, 0u);  // set-up only: nothing to measure
}

}  // namespace
}  // namespace sequex::workload

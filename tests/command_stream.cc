#include "tests/command_stream.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>
#include <variant>

#include "tests/command_builders.h"

namespace sequex::test {

namespace {

constexpr uint32_t kTradingAccounts = 12;  // 1..12 ordinary traders
constexpr uint32_t kWhale = 13;            // very large balances: overflow-sized orders that pass the hold check
constexpr int kInstrumentCount = 4;
constexpr SeqNo kHighAccountAt = 50'000;  // odd seeds: when the account max_accounts - 1 gets its deposits
// CreateAccount successes per seed, at most: every account costs the per-command invariant checks a little.
constexpr size_t kMaxCreatedAccounts = 32;
constexpr size_t kMaxCreatedAccountsAtEdges = 160;
constexpr uint16_t kUntradedAssets = 12;

using testing::Asset;
using testing::Instr;
using testing::SetChars;

bool IsTerminalStatus(OrderStatus s) {
  return s == OrderStatus::kFilled || s == OrderStatus::kCanceled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}

}  // namespace

CommandStream::CommandStream(uint64_t seed) : config_(ConfigFor(seed)), edges_(seed >= kEdgeSeedsFrom), rng_(seed) {
  // Sparse, high ids for the fourth instrument and its base asset; the highest ones on every fourth seed only,
  // since Engine::Audit and StateHash cost O(highest id) (tests/regressions.md, R4).
  high_instrument_ = seed % 4 == 0 ? 0xFFFE : 4000;
  abc_ = seed % 4 == 0 ? 60000 : 3000;
  instrument_ids_ = {1, 2, 3, high_instrument_};
  QueueSetup(seed);
}

EngineConfig CommandStream::ConfigFor(uint64_t seed) {
  EngineConfig c;
  if (seed % 3 == 0) {
    c.max_orders = 64;
    c.max_open_orders_per_account = 8;
    c.max_accounts = 64;
  }
  if (seed >= kEdgeSeedsFrom) {
    // Tables that start tiny and grow under the stream: the id index's capacity (4x expected_orders, growing with the
    // open orders) wraps within a few hundred orders, so long-lived orders go to its overflow. At the default sizes
    // the ids never wrap in a seed's run (262,144 accepted orders first).
    c.expected_orders = 16;
    c.expected_accounts = 16;
    c.expected_account_books = 16;
  }
  return c;
}

uint64_t CommandStream::U64() { return rng_.Next(); }

int64_t CommandStream::Range(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (span == 0) return static_cast<int64_t>(U64());  // the whole 64-bit range
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + U64() % span);
}

bool CommandStream::Chance(int per_mille) { return Range(0, 999) < per_mille; }

Command CommandStream::Wrap(CommandBody body) {
  last_ = body;
  Command c;
  c.seq = ++seq_;
  time_ += Range(1, 5000);
  c.time = time_;
  c.body = std::move(body);
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Setup: the venue every seed starts from, with a few invalid definitions mixed in.

void CommandStream::QueueSetup(uint64_t seed) {
  const DefineAsset assets[] = {Asset(1, 2, "USD"), Asset(2, 8, "BTC"), Asset(3, 18, "ETH"), Asset(4, 0, "XYZ"),
                                Asset(abc_, 3, "ABC")};
  for (const DefineAsset& a : assets) {
    setup_.push_back(a);
    asset_ids_.push_back(a.asset.value());
  }
  setup_.push_back(Asset(1, 2, "DUP"));               // 211: id in use
  setup_.push_back(Asset(6, 19, "BIG"));              // 211: decimals
  setup_.push_back(Asset(6, 2, "usd"));               // 211: lower case
  setup_.push_back(Asset(6, 2, ""));                  // 211: empty
  setup_.push_back(Asset(6, 2, "ABCDEFGHIJKLMNOP"));  // 211: 16 characters

  const DefineInstrument defs[kInstrumentCount] = {
      Instr(1, 2, 1, 100, 1'000'000, 1, 1000, 500, 30000, "BTC_USD"),        // tv 1, band 5%
      Instr(2, 3, 1, 1000, 1'000'000'000'000'000, 1, 0, 0, 0, "ETH_USD"),    // tv 1, no band
      Instr(3, 4, 2, 3, 7, 1, 0, 1000, 0, "XYZ_BTC"),                        // tv 21, band from 1st trade
      Instr(high_instrument_, abc_, 1, 500, 10, 5, 0, 2000, 50, "ABC-USD"),  // tv 5, min_qty 5
  };
  // At the edges, ETH_USD (no band) trades around 2^20 ticks, so that bids as well as asks reach past the ladder's
  // window on both sides of it and spill (at 200, a bid that far is below 1).
  const int64_t mids[kInstrumentCount] = {30000, edges_ ? int64_t{1} << 20 : 200, 1000, 50};
  for (int i = 0; i < kInstrumentCount; ++i) {
    setup_.push_back(defs[i]);
    InstrumentState st;
    st.def = defs[i];
    st.mid = mids[i];
    st.tick_value = i == 2 ? 21 : (i == 3 ? 5 : 1);
    instruments_.push_back(st);
  }
  setup_.push_back(Instr(5, 2, 1, 1, 1, 1, 0, 0, 0, "FRAC"));                         // 209: tv not an integer
  setup_.push_back(Instr(5, 1, 1, 1, 1, 1, 0, 0, 0, "SAME"));                         // 211: base == quote
  setup_.push_back(Instr(5, 9, 1, 1, 1, 1, 0, 0, 0, "UNK"));                          // 211: unknown base
  setup_.push_back(Instr(0xFFFF, 4, 1, 1, 1, 1, 0, 0, 0, "ALL"));                     // 209: reserved id
  setup_.push_back(Instr(5, 4, 1, 1, 1, 1, 0, 0, 0, "BTC_USD"));                      // 209: symbol in use
  setup_.push_back(Instr(5, 4, 1, 1, 1, 1, 0, 0, 0, "xyz_usd"));                      // 209: lower case
  setup_.push_back(Instr(5, 4, 1, 1, 1, 1, 0, 10001, 0, "XYZ_USD"));                  // 209: band
  setup_.push_back(Instr(5, 4, 1, 1, 1, 0, 0, 0, 0, "XYZ_USD"));                      // 209: min_qty
  setup_.push_back(Instr(5, 4, 1, 0, 1, 1, 0, 0, 0, "XYZ_USD"));                      // 209: tick
  setup_.push_back(Instr(5, 4, 1, 1, 1, 1, 0, 0, int64_t{1} << 48, "XYZ_USD"));       // 209: reference price
  setup_.push_back(Instr(1, 2, 1, 100, 1'000'000, 1, 1000, 500, 30000, "BTC_USDX"));  // 40004: symbol changes

  // Fee tiers, with rebates (negative maker rates) up to and beyond other tiers' taker rates: each trade caps the
  // rebate at its taker fee.
  const int32_t takers[16] = {100, 250, 500, 1000, 2000, 700, 300, 150, 120, 110, 105, 100, 999, 1234, 5000, 100000};
  const int32_t makers[16] = {0, -100, -50, 200, 1000, 0, 70, -99, 1, 0, -1, 100, 999, 17, 2500, 100000};
  for (uint8_t t = 0; t < 16; ++t) setup_.push_back(SetFeeTier{t, 0, takers[t]});
  for (uint8_t t = 0; t < 16; ++t) setup_.push_back(SetFeeTier{t, makers[t], takers[t]});
  setup_.push_back(SetFeeTier{3, -101, 1000});    // a rebate above tier 0's taker rate
  setup_.push_back(SetFeeTier{16, 0, 100});       // 40004: tier
  setup_.push_back(SetFeeTier{4, 0, 100001});     // 40004: taker rate
  setup_.push_back(SetFeeTier{4, -100001, 100});  // 40004: maker rate

  // At the edges, the odd traders first hold twelve assets no instrument uses, so that the ones they trade are
  // past the account's four inline balances and eight spilled ones: found through the wallet's spill table.
  if (edges_) {
    for (uint16_t extra = 100; extra < 100 + kUntradedAssets; ++extra) {
      char code[8];
      std::snprintf(code, sizeof code, "U%u", unsigned{extra});
      setup_.push_back(Asset(extra, 0, code));
      for (uint32_t a = 1; a <= kTradingAccounts; a += 2)
        setup_.push_back(Deposit{AccountId{a}, AssetId{extra}, Amount{1}});
    }
  }
  for (uint32_t a = 1; a <= kTradingAccounts; ++a) {
    for (uint16_t asset : asset_ids_) {
      setup_.push_back(Deposit{AccountId{a}, AssetId{asset}, Amount{TypicalAmount(asset) * 10}});
    }
    setup_.push_back(SetAccountFeeTier{AccountId{a}, static_cast<uint8_t>(a % 16)});
  }
  for (uint16_t asset : asset_ids_) {
    setup_.push_back(Deposit{AccountId{kWhale}, AssetId{asset}, Amount{int64_t{1} << 60}});
    high_account_setup_.push_back(
        Deposit{AccountId{config_.max_accounts - 1}, AssetId{asset}, Amount{TypicalAmount(asset) * 10}});
  }
  setup_.push_back(Deposit{AccountId{kWhale}, AssetId{1}, Amount{int64_t{1} << 61}});  // 321: net deposits overflow

  // Accounts the engine numbers (14, 15: one above the whale), and API keys.
  auto credential = [](const char* key, const char* secret, uint8_t permissions) {
    ApiCredential c;
    SetChars(c.key, key);
    SetChars(c.secret, secret);
    c.permissions = permissions;
    return c;
  };
  const ApiCredential first = credential("setup-key-1", "setup-secret-0001", kPermissionRead | kPermissionTrade);
  setup_.push_back(CreateAccount{});       // 14, without a key
  setup_.push_back(CreateAccount{first});  // 15, with one
  setup_.push_back(CreateAccount{first});  // 40004: the key is registered
  setup_.push_back(SetApiKey{AccountId{1}, credential("setup-key-2", "setup-secret-0002", kPermissionRead)});
  setup_.push_back(SetApiKey{AccountId{14}, first});  // 40004: another account's key
  setup_.push_back(SetApiKey{AccountId{0}, credential("setup-key-3", "setup-secret-0003", kPermissionRead)});  // 210
  if (seed % 2 == 0) {
    setup_.insert(setup_.end(), high_account_setup_.begin(), high_account_setup_.end());
    high_account_setup_.clear();
  }
}

int64_t CommandStream::TypicalAmount(uint16_t asset) {
  if (asset == abc_) return Range(5'000, 50'000);  // ABC milli-units
  switch (asset) {
    case 1:
      return Range(2'000'000, 20'000'000);  // USD cents
    case 2:
      return Range(100'000'000, 1'000'000'000);  // BTC satoshi
    case 3:
      return Range(100'000'000'000'000'000, 900'000'000'000'000'000);  // ETH wei
    case 4:
      return Range(500, 5000);  // XYZ units
    default:
      return Range(1, 1000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Random commands.

Command CommandStream::Next() {
  if (!high_account_setup_.empty() && seq_ >= kHighAccountAt) {
    setup_.insert(setup_.end(), high_account_setup_.begin(), high_account_setup_.end());
    high_account_setup_.clear();
  }
  if (!setup_.empty()) {
    CommandBody b = setup_.front();
    setup_.pop_front();
    return Wrap(std::move(b));
  }
  return Wrap(RandomBody());
}

CommandBody CommandStream::RandomBody() {
  // A book that is not trading goes back to trading soon, so most of the stream trades.
  for (InstrumentState& st : instruments_) {
    if (st.def.status != InstrumentStatus::kTrading && Chance(40)) {
      return SetInstrumentStatus{st.def.instrument, InstrumentStatus::kTrading};
    }
  }
  const int64_t r = Range(0, 999);
  if (r < 560) return RandomPlace();
  if (r < 690) return RandomCancel();
  if (r < 810) return RandomAmend();
  if (r < 825) {
    const uint16_t instrument = Chance(500) ? kAllInstruments.value() : AnyInstrument();
    return CancelAll{AccountId{Chance(900) ? TradingAccount() : AnyAccount()}, InstrumentId{instrument}};
  }
  if (r < 875) return RandomDeposit();
  if (r < 905) return RandomWithdraw();
  if (r < 920) return RandomStatus();
  if (r < 945) return RandomFees();
  if (r < 975) return RandomAlter();
  if (r < 980) return RandomDefinition();
  if (r < 985 || (edges_ && r < 988)) return RandomCreateAccount();
  if (r < 990) return RandomSetApiKey();
  return RandomPlace();
}

uint32_t CommandStream::TradingAccount() {
  if (Chance(30)) return kWhale;
  if (!created_.empty() && Chance(40)) return Pick(created_);  // opened by CreateAccount, funded on creation
  if (Chance(40)) return config_.max_accounts - 1;             // a funded trader with the highest valid id
  return static_cast<uint32_t>(Range(1, kTradingAccounts));
}

uint32_t CommandStream::AnyAccount() {
  switch (Range(0, 5)) {
    case 0:
      return 0;  // the fee account
    case 1:
      return static_cast<uint32_t>(Range(14, 20));
    case 2:
      return config_.max_accounts - 1;  // the highest valid id
    case 3:
      return config_.max_accounts;
    case 4:
      return std::numeric_limits<uint32_t>::max();
    default:
      return TradingAccount();
  }
}

uint16_t CommandStream::AnyInstrument() {
  if (Chance(30)) return static_cast<uint16_t>(Chance(500) ? Range(5, 9) : 0);
  return Pick(instrument_ids_);
}

int64_t CommandStream::HostileInt() {
  static const std::vector<int64_t> values = {0,
                                              -1,
                                              -(int64_t{1} << 50),
                                              std::numeric_limits<int64_t>::min(),
                                              std::numeric_limits<int64_t>::max(),
                                              kMaxPriceTicks - 1,
                                              kMaxPriceTicks,
                                              kMaxAmount - 1,
                                              kMaxAmount,
                                              int64_t{1} << 40,
                                              int64_t{1} << 47,
                                              1};
  return Pick(values);
}

ClientOid CommandStream::RandomOid() {
  ClientOid oid;
  if (Chance(500)) return oid;
  static const std::vector<std::string> pool = {
      "a", "b", "c", "d", "order-1", "order-2", "x", "y", std::string(36, 'z'), "0"};
  oid.Assign(Pick(pool));
  return oid;
}

CommandBody CommandStream::RandomPlace() {
  PlaceOrder p;
  p.account = AccountId{TradingAccount()};
  const uint16_t idx = static_cast<uint16_t>(Range(0, kInstrumentCount - 1));
  InstrumentState& st = instruments_[idx];
  p.instrument = st.def.instrument;
  if (Chance(20)) st.mid = std::max<int64_t>(8, st.mid + Range(-3, 3));  // drift
  const int64_t mid = st.mid;
  p.side = Chance(500) ? Side::kBuy : Side::kSell;
  const int64_t t = Range(0, 99);
  p.type = t < 50   ? OrderType::kLimit
           : t < 65 ? OrderType::kMarket
           : t < 73 ? OrderType::kStopLoss
           : t < 83 ? OrderType::kStopLimit
           : t < 90 ? OrderType::kTakeProfit
                    : OrderType::kTakeProfitLimit;
  const int64_t tif = Range(0, 99);
  if (p.type == OrderType::kMarket) {
    p.tif = tif < 60 ? TimeInForce::kImmediateOrCancel
                     : (tif < 80 ? TimeInForce::kGoodTillCancel : TimeInForce::kFillOrKill);
  } else {
    p.tif = tif < 70 ? TimeInForce::kGoodTillCancel
                     : (tif < 90 ? TimeInForce::kImmediateOrCancel : TimeInForce::kFillOrKill);
  }
  if (p.type == OrderType::kLimit && Chance(100)) p.flags = kOrderFlagPostOnly;
  if (Chance(10)) p.flags = kOrderFlagPostOnly;  // on any type: 219 unless LIMIT
  const int64_t stp = Range(0, 99);
  p.stp_mode = stp < 55
                   ? StpMode::kNone
                   : (stp < 70 ? StpMode::kCancelMaker : (stp < 85 ? StpMode::kCancelTaker : StpMode::kCancelBoth));
  p.stp_group = Chance(700) ? 0 : static_cast<uint32_t>(Range(1, 3));

  const bool buy = p.side == Side::kBuy;
  const int64_t qty_kind = Range(0, 99);
  p.qty = QtyLots{qty_kind < 70 ? Range(1, 10) : (qty_kind < 95 ? Range(1, 60) : Range(1, 6))};
  auto limit_price = [&](int64_t around) {
    if (Chance(40)) return around + Range(-around / 4, around / 4);  // far: band rejections
    // Deep asks in a book without a band: 2^18 to 2^21 ticks above the mid, far past the ladder's window (2^14 ticks
    // since it is mapped whole; it was a 2^18-tick reservation), on many distinct prices, so the engine's spilled
    // levels (engine/spilled_levels.h) fill, split, merge and are swept by large buys.
    if (!buy && st.def.price_band_bps == 0 && Chance(100)) return around + Range(int64_t{1} << 18, int64_t{1} << 21);
    return buy ? around + Range(-6, 2) : around + Range(-2, 6);
  };
  if (IsMarketLike(p.type)) {
    if (buy && Chance(400)) {
      p.notional = Amount{p.qty.value() * mid * st.tick_value + Range(0, mid * st.tick_value)};
      p.qty = QtyLots{0};
    }
  } else {
    p.price = PriceTicks{std::max<int64_t>(1, limit_price(mid))};
  }
  if (IsStop(p.type)) {
    const bool take_profit = p.type == OrderType::kTakeProfit || p.type == OrderType::kTakeProfitLimit;
    const bool wants_rise = buy != take_profit;
    int64_t offset = Range(1, 6);
    if (Chance(100)) offset = Range(-3, 0);  // would trigger at once: 229 once the book has a last price
    p.trigger_price = PriceTicks{std::max<int64_t>(1, wants_rise ? mid + offset : mid - offset)};
    if (!IsMarketLike(p.type)) {
      const int64_t slack = Range(-2, 4);
      p.price =
          PriceTicks{std::max<int64_t>(1, buy ? p.trigger_price.value() + slack : p.trigger_price.value() - slack)};
    }
  }
  p.client_oid = RandomOid();
  if (edges_ && Chance(200)) AimAtEdges(p, st);

  if (Chance(60)) {  // hostile: corrupt one or two fields
    for (int64_t n = Range(1, 2); n > 0; --n) {
      switch (Range(0, 11)) {
        case 0:
          p.account = AccountId{AnyAccount()};
          break;
        case 1:
          p.instrument = InstrumentId{AnyInstrument()};
          break;
        case 2:
          p.side = static_cast<Side>(Range(2, 255));
          break;
        case 3:
          p.type = static_cast<OrderType>(Range(6, 255));
          break;
        case 4:
          p.tif = static_cast<TimeInForce>(Range(3, 255));
          break;
        case 5:
          p.stp_mode = static_cast<StpMode>(Range(4, 255));
          break;
        case 6:
          p.flags = static_cast<uint8_t>(Range(2, 255));
          break;
        case 7:
          p.price = PriceTicks{HostileInt()};
          break;
        case 8:
          p.qty = QtyLots{HostileInt()};
          break;
        case 9:
          p.notional = Amount{HostileInt()};
          break;
        case 10:
          p.trigger_price = PriceTicks{HostileInt()};
          break;
        default:
          p.account = AccountId{kWhale};
          p.qty = QtyLots{HostileInt()};
          break;
      }
    }
  }
  return p;
}

const CommandStream::LiveOrder* CommandStream::RandomLive() {
  if (live_.empty()) return nullptr;
  return &live_[static_cast<size_t>(Range(0, static_cast<int64_t>(live_.size()) - 1))];
}

CommandBody CommandStream::RandomCancel() {
  CancelOrder c;
  const LiveOrder* o = RandomLive();
  const int64_t r = Range(0, 99);
  if (o != nullptr && r < 60) {
    c.account = AccountId{o->account};
    c.order_id = OrderId{o->id};
  } else if (o != nullptr && r < 68) {
    c.account = AccountId{TradingAccount()};  // probably not the owner
    c.order_id = OrderId{o->id};
  } else if (!dead_.empty() && r < 78) {
    c.account = AccountId{TradingAccount()};
    c.order_id = OrderId{dead_[static_cast<size_t>(Range(0, static_cast<int64_t>(dead_.size()) - 1))]};
  } else if (o != nullptr && r < 90) {
    c.account = AccountId{o->account};
    c.client_oid = o->oid;  // may be empty: then nothing matches
  } else if (r < 95) {
    c.account = AccountId{TradingAccount()};
    c.client_oid = RandomOid();
  } else {
    c.account = AccountId{AnyAccount()};
    c.order_id = OrderId{static_cast<uint64_t>(HostileInt())};
  }
  return c;
}

CommandBody CommandStream::RandomAmend() {
  AmendOrder a;
  const LiveOrder* o = RandomLive();
  if (o == nullptr || Chance(100)) {
    a.account = AccountId{TradingAccount()};
    a.order_id = OrderId{dead_.empty() ? static_cast<uint64_t>(Range(0, 5)) : dead_.back()};
    a.new_qty = QtyLots{Range(1, 5)};
    return a;
  }
  a.account = AccountId{o->account};
  if (!o->oid.empty() && Chance(200)) {
    a.orig_client_oid = o->oid;
  } else {
    a.order_id = OrderId{o->id};
  }
  // An order on a book the stream did not set up (one a random definition listed, which AnyInstrument may pick) has
  // no mid the stream follows: its own price stands in.
  const InstrumentState* st = Find(o->instrument);
  const int64_t mid = st != nullptr ? st->mid : o->price;
  const int64_t kind = Range(0, 99);
  if (kind < 30 && o->qty - o->filled > 1) {
    a.new_qty = QtyLots{Range(o->filled + 1, o->qty - 1)};  // reduction in place
  } else if (kind < 45) {
    a.new_qty = QtyLots{o->qty + Range(1, 10)};
  } else if (kind < 65) {
    a.new_price = PriceTicks{std::max<int64_t>(1, mid + Range(-6, 6))};
  } else if (kind < 80) {
    a.new_price = PriceTicks{std::max<int64_t>(1, mid + Range(-6, 6))};
    a.new_qty = QtyLots{std::max<int64_t>(o->filled + 1, o->qty + Range(-3, 5))};
  } else if (kind < 85) {
    a.new_price = PriceTicks{o->price};  // nothing changes: 40004 (unless the oid does)
    a.new_qty = QtyLots{o->qty};
  } else if (kind < 92) {
    a.new_client_oid = RandomOid();
  } else {
    a.new_price = PriceTicks{Chance(500) ? HostileInt() : 0};
    a.new_qty = QtyLots{Chance(500) ? HostileInt() : o->filled};
  }
  if (Chance(100)) a.new_client_oid = RandomOid();
  if (edges_ && Chance(200)) AimAtEdges(a, *o, mid);
  return a;
}

int64_t CommandStream::BandEdge(const InstrumentState& st) {
  const int64_t ref = st.mid;  // the last trade's price once the book has traded, as the band's ref
  const int64_t d = ref * static_cast<int64_t>(st.def.price_band_bps) / 10000;
  return std::max<int64_t>(1, Pick(std::vector<int64_t>{ref - d - 1, ref - d, ref + d, ref + d + 1}));
}

void CommandStream::AimAtEdges(PlaceOrder& p, const InstrumentState& st) {
  const bool buy = p.side == Side::kBuy;
  const bool limit_priced = !IsMarketLike(p.type);
  const int64_t mid = st.mid;
  switch (Range(0, 6)) {
    case 0:
      if (limit_priced) p.price = PriceTicks{BandEdge(st)};
      break;
    case 1: {  // around the ladder's window (2^14 ticks) and half of it, on the far side or crossing
      const int64_t w = Pick(std::vector<int64_t>{1 << 13, 1 << 14, 1 << 17, 1 << 18}) + Range(-2, 2);
      const bool far_side = Chance(800);
      if (limit_priced) p.price = PriceTicks{std::max<int64_t>(1, buy == far_side ? mid - w : mid + w)};
      break;
    }
    case 2:  // quantity at its limit
      p.account = AccountId{kWhale};
      p.notional = Amount{0};
      p.qty = QtyLots{kMaxQtyLots - Range(1, 2)};
      break;
    case 3:  // a notional at 2^62: the last representable one, or the first past it
      p.account = AccountId{kWhale};
      if (limit_priced) {
        const int64_t per_lot = p.price.value() * st.tick_value;
        p.qty = QtyLots{std::min(kMaxQtyLots - 1, (kMaxAmount - 1) / per_lot + Range(0, 1))};
      } else if (buy) {
        p.qty = QtyLots{0};
        p.notional = Amount{kMaxAmount - Range(0, 1)};
      }
      break;
    case 4:  // a sell whose base amount (qty * lot_size) is at 2^62
      p.account = AccountId{kWhale};
      p.side = Side::kSell;
      p.notional = Amount{0};
      p.qty = QtyLots{std::min(kMaxQtyLots - 1, (kMaxAmount - 1) / st.def.lot_size.value() + Range(0, 1))};
      break;
    case 5:  // a trigger whose protection price is the last below 2^48, or the first at it
      if (IsStop(p.type)) {
        const int64_t bps = st.def.price_band_bps;
        p.trigger_price = PriceTicks{(kMaxPriceTicks - 1) * 10000 / (10000 + bps) + Range(-1, 1)};
        if (limit_priced) p.price = PriceTicks{std::min(kMaxPriceTicks - 1, p.trigger_price.value() + Range(-1, 1))};
      }
      break;
    default:  // the book's minimums: one lot below, or exactly at them
      p.notional = Amount{0};
      p.qty = QtyLots{std::max<int64_t>(1, st.def.min_qty.value() - Range(0, 1))};
      if (limit_priced && st.def.min_notional.value() > 0) {
        const int64_t per_lot = p.price.value() * st.tick_value;
        p.qty = QtyLots{std::max<int64_t>(1, st.def.min_notional.value() / per_lot + Range(0, 1))};
      }
      break;
  }
}

void CommandStream::AimAtEdges(AmendOrder& a, const LiveOrder& o, int64_t mid) {
  const InstrumentState* st = Find(o.instrument);
  switch (Range(0, 4)) {
    case 0:
      a.new_qty = QtyLots{kMaxQtyLots - Range(1, 2)};
      break;
    case 1:
      a.new_qty = QtyLots{o.filled + Range(0, 1)};  // the least it may keep, or 213
      break;
    case 2:
      if (st != nullptr) a.new_price = PriceTicks{BandEdge(*st)};
      break;
    case 3:
      a.new_price =
          PriceTicks{std::max<int64_t>(1, mid + Pick(std::vector<int64_t>{-(1 << 14), -(1 << 13), 1 << 13, 1 << 14}))};
      break;
    default:
      a.new_price = PriceTicks{kMaxPriceTicks - Range(1, 2)};
      break;
  }
}

CommandBody CommandStream::RandomDeposit() {
  Deposit d;
  d.account = AccountId{Chance(950) ? static_cast<uint32_t>(Range(1, kTradingAccounts)) : AnyAccount()};
  d.asset = AssetId{Pick(asset_ids_)};
  d.amount = Amount{TypicalAmount(d.asset.value())};
  if (Chance(120)) {
    switch (Range(0, 3)) {
      case 0:
        d.asset = AssetId{static_cast<uint16_t>(Range(6, 9))};
        break;
      case 1:
        d.amount = Amount{HostileInt()};
        break;
      case 2:
        d.amount = Amount{kMaxAmount - Range(1, 1000)};
        break;
      default:
        d.account = AccountId{AnyAccount()};
        break;
    }
  }
  if (!high_account_setup_.empty() && d.account.value() == config_.max_accounts - 1) {
    d.account = AccountId{config_.max_accounts};  // 210: the highest id stays free until its deposits are due
  }
  return d;
}

CommandBody CommandStream::RandomWithdraw() {
  Withdraw w;
  w.account = AccountId{Chance(900) ? TradingAccount() : AnyAccount()};
  w.asset = AssetId{Chance(950) ? Pick(asset_ids_) : static_cast<uint16_t>(Range(6, 9))};
  w.amount = Amount{Chance(800) ? TypicalAmount(w.asset.value()) / Range(1, 20) : HostileInt()};
  return w;
}

CommandBody CommandStream::RandomStatus() {
  SetInstrumentStatus s;
  s.instrument = InstrumentId{Chance(950) ? Pick(instrument_ids_) : AnyInstrument()};
  const int64_t r = Range(0, 99);
  s.status = r < 10   ? InstrumentStatus::kHalted
             : r < 45 ? InstrumentStatus::kCancelOnly
             : r < 85 ? InstrumentStatus::kPostOnly
             : r < 95 ? InstrumentStatus::kTrading
                      : static_cast<InstrumentStatus>(Range(4, 255));
  return s;
}

CommandBody CommandStream::RandomFees() {
  if (Chance(600)) {
    return SetAccountFeeTier{AccountId{Chance(900) ? TradingAccount() : AnyAccount()},
                             static_cast<uint8_t>(Range(0, Chance(950) ? 15 : 255))};
  }
  SetFeeTier f;
  f.tier = static_cast<uint8_t>(Range(0, Chance(950) ? 15 : 255));
  f.taker_ppm = static_cast<int32_t>(Chance(900) ? Range(100, 3000) : Range(-10, 200'000));
  f.maker_ppm = static_cast<int32_t>(Chance(900) ? Range(-100, 1500) : Range(-200'000, 200'000));
  return f;
}

CommandBody CommandStream::RandomAlter() {
  InstrumentState& st = instruments_[static_cast<size_t>(Range(0, kInstrumentCount - 1))];
  DefineInstrument d = st.def;
  switch (Range(0, 7)) {
    case 0:
      d.price_band_bps = static_cast<uint32_t>(Pick(std::vector<int64_t>{0, 100, 500, 2000, 10000, 10001}));
      break;
    case 1:
      d.min_qty = QtyLots{Pick(std::vector<int64_t>{1, 2, 5, 0, -1})};
      break;
    case 2:
      d.min_notional = Amount{Pick(std::vector<int64_t>{0, 500, 1000, 5000, -1})};
      break;
    case 3:
      d.reference_price = PriceTicks{Pick(std::vector<int64_t>{0, st.mid, st.mid * 2, kMaxPriceTicks, -1})};
      break;
    case 4:
      d.status = static_cast<InstrumentStatus>(Range(0, 4));
      break;
    case 5:
      d.tick_size = Amount{d.tick_size.value() * 2};
      break;  // 40004: immutable
    case 6:
      d.lot_size = Amount{d.lot_size.value() + 1};
      break;  // 40004
    default:
      d.quote = AssetId{Pick(asset_ids_)};
      break;  // 40004 unless unchanged
  }
  return d;
}

CommandBody CommandStream::RandomDefinition() {
  if (Chance(500)) {
    static const char* codes[] = {"NEW", "", "lower", "A-B", "TOOLONGCODE12345", "ZZ9"};
    return Asset(static_cast<uint16_t>(Range(1, 9)), static_cast<uint8_t>(Range(0, 20)),
                 codes[static_cast<size_t>(Range(0, 5))]);
  }
  static const char* symbols[] = {"NEW_ONE", "", "BTC_USD", "bad sym", "X-Y_Z9"};
  return Instr(static_cast<uint16_t>(Chance(500) ? Range(5, 9) : 0xFFFF), static_cast<uint16_t>(Range(1, 9)),
               static_cast<uint16_t>(Range(1, 9)), Range(-1, 1000), Range(-1, 100000), Range(0, 3), Range(-1, 10),
               static_cast<uint32_t>(Range(0, 10001)), Range(-1, 100), symbols[static_cast<size_t>(Range(0, 4))]);
}

// ---------------------------------------------------------------------------------------------------------------
// Accounts and API keys.

std::string CommandStream::RandomText(size_t min, size_t max) {
  std::string s(static_cast<size_t>(Range(static_cast<int64_t>(min), static_cast<int64_t>(max))), ' ');
  for (char& ch : s) ch = static_cast<char>(Range(0x21, 0x7E));
  return s;
}

ApiCredential CommandStream::RandomCredential() {
  ApiCredential c;
  // Mostly a small pool (8..9 characters), so registrations collide with existing keys.
  const std::string key = Chance(900) ? "apikey-" + std::to_string(Range(0, 39)) : RandomText(8, 31);
  SetChars(c.key, key.c_str());
  SetChars(c.secret, RandomText(16, 47).c_str());
  c.permissions = static_cast<uint8_t>(Range(1, 3));
  return c;
}

void CommandStream::Corrupt(ApiCredential& c) {
  const auto key_len = static_cast<int64_t>(c.key_view().size());
  const auto secret_len = static_cast<int64_t>(c.secret_view().size());
  static const std::vector<char> kBadChars = {' ', '\t', '\x01', '\x7f', '\x80', '\xff'};
  switch (Range(0, 12)) {
    case 0:
      SetChars(c.key, "short-k");  // 7 characters
      break;
    case 1:
      std::memset(c.key, 'K', sizeof c.key);  // 32 characters: no NUL
      break;
    case 2:
      if (key_len > 0) c.key[Range(0, key_len - 1)] = Pick(kBadChars);
      break;
    case 3:
      c.key[sizeof c.key - 1] = 'x';  // after the NUL, or a 32nd character
      break;
    case 4:
      SetChars(c.secret, RandomText(1, 15).c_str());
      break;
    case 5:
      std::memset(c.secret, 'S', sizeof c.secret);
      break;
    case 6:
      c.secret[sizeof c.secret - 1] = 's';
      break;
    case 7:
      if (secret_len > 0) c.secret[Range(0, secret_len - 1)] = Pick(kBadChars);
      break;
    case 8:
      c.permissions = 0;  // SetApiKey: a revoke
      break;
    case 9:
      c.permissions = static_cast<uint8_t>(Range(4, 255));
      break;
    case 10:
      std::memset(c.key, 0, sizeof c.key);  // no key, but a secret and permissions
      break;
    case 11:
      std::memset(c.secret, 0, sizeof c.secret);
      break;
    default:
      std::memset(c.key, 0, sizeof c.key);
      c.key[Range(1, static_cast<int64_t>(sizeof c.key) - 1)] = 'k';  // "empty", with a byte after the NUL
      break;
  }
}

CommandBody CommandStream::RandomCreateAccount() {
  CreateAccount c;
  const int64_t r = Range(0, 99);
  // Past the cap, and while creations would still succeed (the highest valid id is free), only invalid ones.
  const bool capped =
      created_.size() >= (edges_ ? kMaxCreatedAccountsAtEdges : kMaxCreatedAccounts) && !high_account_setup_.empty();
  if (r < 30 && !capped) return c;  // no key
  c.credential = RandomCredential();
  if (capped || r >= 75) {
    Corrupt(c.credential);  // 40004
  } else if (r < 38 && !keys_.empty()) {
    const auto it = std::next(keys_.begin(), Range(0, static_cast<int64_t>(keys_.size()) - 1));
    SetChars(c.credential.key, it->first.c_str());  // 40004: registered
  }
  return c;
}

CommandBody CommandStream::RandomSetApiKey() {
  SetApiKey s;
  s.credential = RandomCredential();
  auto holder = [&] {  // an existing account that may hold keys
    return !created_.empty() && Chance(500) ? Pick(created_) : static_cast<uint32_t>(Range(1, kTradingAccounts));
  };
  const int64_t r = Range(0, 99);
  if (r < 25 || keys_.empty()) {
    s.account = AccountId{holder()};  // register a pool key: new, its own again, or another's (40004)
    return s;
  }
  const auto it = std::next(keys_.begin(), Range(0, static_cast<int64_t>(keys_.size()) - 1));
  SetChars(s.credential.key, it->first.c_str());
  s.account = AccountId{it->second};
  if (r < 50) return s;  // replace the secret and permissions
  if (r < 65) {          // revoke; the secret is not looked at
    s.credential.permissions = 0;
    if (Chance(500)) std::memset(s.credential.secret, 0, sizeof s.credential.secret);
    return s;
  }
  if (r < 75) {  // another account's key: 40004, to register or to revoke
    s.account = AccountId{holder()};
    if (Chance(300)) s.credential.permissions = 0;
    return s;
  }
  if (r < 92) {
    Corrupt(s.credential);
    return s;
  }
  s.account = AccountId{AnyAccount()};
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Feedback.

CommandStream::InstrumentState* CommandStream::Find(uint16_t instrument) {
  for (InstrumentState& st : instruments_) {
    if (st.def.instrument.value() == instrument) return &st;
  }
  return nullptr;
}

void CommandStream::AddLive(const LiveOrder& o) {
  live_index_[o.id] = live_.size();
  live_.push_back(o);
}

void CommandStream::RemoveLive(uint64_t id) {
  auto it = live_index_.find(id);
  if (it == live_index_.end()) return;
  const size_t i = it->second;
  live_index_.erase(it);
  if (i + 1 != live_.size()) {
    live_[i] = live_.back();
    live_index_[live_[i].id] = i;
  }
  live_.pop_back();
  dead_.push_back(id);
  if (dead_.size() > 64) dead_.pop_front();
}

void CommandStream::Observe(std::span<const Event> events) {
  bool done = false;
  for (const Event& e : events) {
    if (const auto* a = std::get_if<AcceptedEvent>(&e)) {
      LiveOrder o;
      o.id = a->order_id.value();
      o.account = a->account.value();
      o.instrument = a->instrument.value();
      o.market_like = IsMarketLike(a->type);
      o.price = a->price.value();
      o.qty = a->qty.value();
      if (const auto* p = std::get_if<PlaceOrder>(&last_)) o.oid = p->client_oid;
      AddLive(o);
    } else if (const auto* u = std::get_if<OrderUpdateEvent>(&e)) {
      if (IsTerminalStatus(u->status)) {
        RemoveLive(u->order_id.value());
      } else if (auto it = live_index_.find(u->order_id.value()); it != live_index_.end()) {
        live_[it->second].filled = u->filled.value();
        live_[it->second].price = u->price.value();
      }
    } else if (const auto* m = std::get_if<AmendedEvent>(&e)) {
      if (auto it = live_index_.find(m->order_id.value()); it != live_index_.end()) {
        live_[it->second].price = m->price.value();
        live_[it->second].qty = m->qty.value();
        if (const auto* a2 = std::get_if<AmendOrder>(&last_); a2 != nullptr && !a2->new_client_oid.empty()) {
          live_[it->second].oid = a2->new_client_oid;
        }
      }
    } else if (const auto* t = std::get_if<TradeEvent>(&e)) {
      const uint16_t id = t->instrument.value();
      if (InstrumentState* st = Find(id)) st->mid = t->price.value();
    } else if (const auto* created = std::get_if<AccountCreatedEvent>(&e)) {
      const uint32_t id = created->account.value();
      created_.push_back(id);
      for (uint16_t asset : asset_ids_) {
        setup_.push_back(Deposit{AccountId{id}, AssetId{asset}, Amount{TypicalAmount(asset) * 10}});
      }
      if (const auto* c = std::get_if<CreateAccount>(&last_); c != nullptr && c->credential.key[0] != 0) {
        keys_[std::string(c->credential.key_view())] = id;
      }
    } else if (std::holds_alternative<DoneEvent>(e)) {
      done = true;
    }
  }
  if (!done) return;
  if (const auto* k = std::get_if<SetApiKey>(&last_)) {
    if (k->credential.permissions == 0) {
      keys_.erase(std::string(k->credential.key_view()));
    } else {
      keys_[std::string(k->credential.key_view())] = k->account.value();
    }
  }
  if (const auto* s = std::get_if<SetInstrumentStatus>(&last_)) {
    const uint16_t id = s->instrument.value();
    if (InstrumentState* st = Find(id)) st->def.status = s->status;
  } else if (const auto* d = std::get_if<DefineInstrument>(&last_)) {
    const uint16_t id = d->instrument.value();
    if (InstrumentState* st = Find(id)) st->def = *d;
  }
}

}  // namespace sequex::test

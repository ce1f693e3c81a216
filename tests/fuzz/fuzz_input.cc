#include "tests/fuzz/fuzz_input.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <variant>

#include "tests/command_builders.h"
#include "tests/event_format.h"
#include "tests/invariants.h"
#include "tests/reference_model.h"

namespace sequex::test {

namespace {

constexpr size_t kMaxCommands = 4096;

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  [[nodiscard]] bool more() const { return pos_ < size_; }
  uint8_t U8() { return pos_ < size_ ? data_[pos_++] : 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

int64_t HostileInt(uint8_t b) {
  static constexpr int64_t kValues[] = {0,
                                        -1,
                                        std::numeric_limits<int64_t>::min(),
                                        std::numeric_limits<int64_t>::max(),
                                        kMaxPriceTicks - 1,
                                        kMaxPriceTicks,
                                        kMaxAmount - 1,
                                        kMaxAmount,
                                        int64_t{1} << 40,
                                        int64_t{1} << 24,
                                        1'000'000,
                                        -(int64_t{1} << 48)};
  return kValues[b % std::size(kValues)];
}

AccountId Account(uint8_t b) {
  static constexpr uint32_t kAccounts[] = {1, 2, 3, 4, 1, 2, 3, 4, 0, 5, 63, 64, std::numeric_limits<uint32_t>::max()};
  return AccountId{kAccounts[b % std::size(kAccounts)]};
}
InstrumentId Instrument(uint8_t b) {
  static constexpr uint16_t kInstruments[] = {1, 2, 1, 2, 1, 2, 3, 0xFFFF};
  return InstrumentId{kInstruments[b % std::size(kInstruments)]};
}
PriceTicks Price(uint8_t b) { return PriceTicks{b < 232 ? 90 + b % 21 : HostileInt(b)}; }
QtyLots Qty(uint8_t b) { return QtyLots{b < 232 ? 1 + b % 20 : HostileInt(b)}; }
ClientOid Oid(uint8_t b) {
  ClientOid oid;
  static const char* kOids[] = {"", "", "a", "b", "c", ""};
  oid.Assign(kOids[b % std::size(kOids)]);
  return oid;
}
template <typename E>
E Enum(uint8_t b, uint8_t valid) {
  return static_cast<E>(b < 240 ? b % valid : b);
}

using testing::SetChars;

// Key and secret texts: a few valid ones (so registrations collide), and each way of being invalid. A high
// selector byte also puts a byte at the field's last position (after the NUL, or one character too many).
ApiCredential Credential(Reader& r) {
  static const char* kKeys[] = {"fuzz-key-a",
                                "fuzz-key-b",
                                "fuzz-key-c",
                                "8chars!!",
                                "7chars!",
                                "",
                                "has space",
                                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" /* 31 */,
                                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" /* 32: no NUL */,
                                "ctl\x01char"};
  static const char* kSecrets[] = {"fuzz-secret-0001",
                                   "fuzz-secret-0002-a-bit-longer",
                                   "",
                                   "15-chars-secret",
                                   "sssssssssssssssssssssssssssssssssssssssssssssss" /* 47 */,
                                   "ssssssssssssssssssssssssssssssssssssssssssssssss" /* 48: no NUL */,
                                   "secret with spaces"};
  ApiCredential c;
  const uint8_t k = r.U8();
  SetChars(c.key, kKeys[k % std::size(kKeys)]);
  if (k >= 250) c.key[sizeof c.key - 1] = 'x';
  const uint8_t s = r.U8();
  SetChars(c.secret, kSecrets[s % std::size(kSecrets)]);
  if (s >= 250) c.secret[sizeof c.secret - 1] = 'x';
  const uint8_t p = r.U8();
  c.permissions = static_cast<uint8_t>(p < 200 ? p % 4 : p);  // 0 = none / revoke; 1..3 valid
  return c;
}

// CreateAccount (ops 248..251) and SetApiKey (252..255), for accounts 1..12 (5 and up are opened by CreateAccount)
// and the hostile ones of Account().
CommandBody DecodeAccountCommand(uint8_t op, Reader& r) {
  if (op < 252) return CreateAccount{Credential(r)};
  const uint8_t a = r.U8();
  const AccountId account = a < 200 ? Account(a) : AccountId{5u + a % 8u};
  return SetApiKey{account, Credential(r)};
}

// The fuzz venue's instruments: minimum quantity 1, no minimum notional.
DefineInstrument Instr(uint16_t id, uint16_t base, uint16_t quote, int64_t tick, int64_t lot, uint32_t band,
                       int64_t ref, const char* symbol) {
  return testing::Instr(id, base, quote, tick, lot, 1, 0, band, ref, symbol);
}

void Preamble(std::vector<CommandBody>& out) {
  const char* codes[] = {"USD", "BTC", "XYZ"};
  const uint8_t decimals[] = {2, 3, 0};
  for (uint16_t i = 0; i < 3; ++i) {
    DefineAsset a;
    a.asset = AssetId{static_cast<uint16_t>(i + 1)};
    a.decimals = decimals[i];
    SetChars(a.code, codes[i]);
    out.push_back(a);
  }
  out.push_back(Instr(1, 2, 1, 10, 100, 1000, 100, "BTC_USD"));  // tv 1, band 10% around 100
  out.push_back(Instr(2, 3, 1, 1, 3, 0, 0, "XYZ_USD"));          // tv 3, no band
  for (uint8_t t = 0; t < 16; ++t) out.push_back(SetFeeTier{t, 0, 200});
  out.push_back(SetFeeTier{1, -150, 200});
  out.push_back(SetFeeTier{2, 500, 1000});
  for (uint32_t a = 1; a <= 4; ++a) {
    out.push_back(Deposit{AccountId{a}, AssetId{1}, Amount{10'000'000}});
    out.push_back(Deposit{AccountId{a}, AssetId{2}, Amount{1'000'000}});
    out.push_back(Deposit{AccountId{a}, AssetId{3}, Amount{10'000}});
    out.push_back(SetAccountFeeTier{AccountId{a}, static_cast<uint8_t>(a % 3)});
  }
}

CommandBody DecodeOne(Reader& r) {
  const uint8_t op = r.U8();
  if (op >= 248) return DecodeAccountCommand(op, r);
  switch (op % 16) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5: {
      PlaceOrder p;
      p.account = Account(r.U8());
      p.instrument = Instrument(r.U8());
      p.side = Enum<Side>(r.U8(), 2);
      p.type = Enum<OrderType>(r.U8(), 6);
      p.tif = Enum<TimeInForce>(r.U8(), 3);
      const uint8_t flags = r.U8();
      p.flags = static_cast<uint8_t>(flags < 200 ? 0 : (flags < 250 ? 1 : flags));
      p.stp_mode = Enum<StpMode>(r.U8(), 4);
      p.stp_group = r.U8() % 3;
      if (!IsMarketLike(p.type)) p.price = Price(r.U8());
      if (IsStop(p.type)) p.trigger_price = Price(r.U8());
      p.qty = Qty(r.U8());
      const uint8_t n = r.U8();
      if (n >= 200) {
        p.notional = Amount{n < 250 ? (int64_t{n} - 200) * 150 : HostileInt(n)};
        if (n < 250) p.qty = QtyLots{0};
      }
      p.client_oid = Oid(r.U8());
      return p;
    }
    case 6:
    case 7: {
      CancelOrder c;
      c.account = Account(r.U8());
      const uint8_t id = r.U8();
      c.order_id = OrderId{id < 240 ? id % 17u : static_cast<uint64_t>(HostileInt(id))};
      c.client_oid = Oid(r.U8());
      return c;
    }
    case 8:
    case 9: {
      AmendOrder a;
      a.account = Account(r.U8());
      a.order_id = OrderId{r.U8() % 17u};
      a.orig_client_oid = Oid(r.U8());
      const uint8_t p = r.U8();
      a.new_price = p < 100 ? PriceTicks{0} : Price(p);
      const uint8_t q = r.U8();
      a.new_qty = q < 100 ? QtyLots{0} : Qty(q);
      a.new_client_oid = Oid(r.U8());
      return a;
    }
    case 10:
      return CancelAll{Account(r.U8()), Instrument(r.U8())};
    case 11: {
      const uint8_t kind = r.U8();
      const AccountId account = Account(r.U8());
      const AssetId asset{static_cast<uint16_t>(r.U8() % 5)};
      const uint8_t a = r.U8();
      const Amount amount{a < 200 ? int64_t{a} * 1000 : HostileInt(a)};
      if (kind % 2 == 0) return Deposit{account, asset, amount};
      return Withdraw{account, asset, amount};
    }
    case 12: {
      const InstrumentId instrument = Instrument(r.U8());
      return SetInstrumentStatus{instrument, Enum<InstrumentStatus>(r.U8(), 5)};
    }
    case 13: {
      const uint8_t kind = r.U8();
      const uint8_t tier = r.U8();
      if (kind % 2 == 0) return SetAccountFeeTier{Account(r.U8()), static_cast<uint8_t>(tier % 18)};
      const uint8_t m = r.U8();
      const uint8_t t = r.U8();
      return SetFeeTier{static_cast<uint8_t>(tier % 18), (int32_t{m} - 128) * 10, (int32_t{t} - 8) * 100};
    }
    case 14: {  // alter an instrument's mutable (or, rarely, immutable) fields
      const uint8_t which = r.U8();
      DefineInstrument d =
          which % 2 == 0 ? Instr(1, 2, 1, 10, 100, 1000, 100, "BTC_USD") : Instr(2, 3, 1, 1, 3, 0, 0, "XYZ_USD");
      d.min_qty = QtyLots{r.U8() % 4};
      d.min_notional = Amount{int64_t{r.U8()} * 10 - 10};
      d.price_band_bps = uint32_t{r.U8()} * 50;
      d.reference_price = PriceTicks{r.U8()};
      d.status = Enum<InstrumentStatus>(r.U8(), 5);
      if (which >= 250) d.lot_size = Amount{7};
      return d;
    }
    default: {
      DefineAsset a;
      a.asset = AssetId{static_cast<uint16_t>(r.U8() % 6)};
      a.decimals = r.U8() % 20;
      const char* codes[] = {"NEW", "", "bad", "ETH", "ABCDEFGHIJKLMNOP"};
      SetChars(a.code, codes[r.U8() % std::size(codes)]);
      return a;
    }
  }
}

[[noreturn]] void Fail(const std::string& what, const Command& command, std::span<const Event> events) {
  std::fprintf(stderr, "command fuzzer: %s\n%s\n%s", what.c_str(), ToString(command).c_str(), ToString(events).c_str());
  std::abort();
}

}  // namespace

EngineConfig FuzzEngineConfig() {
  EngineConfig c;
  c.expected_orders = 64;
  c.expected_accounts = 16;
  c.max_orders = 40;
  c.max_accounts = 64;
  c.max_open_orders_per_account = 12;
  return c;
}

std::vector<Command> DecodeFuzzInput(const uint8_t* data, size_t size) {
  std::vector<CommandBody> bodies;
  Preamble(bodies);
  Reader r(data, size);
  for (size_t n = 0; r.more() && n < kMaxCommands; ++n) bodies.push_back(DecodeOne(r));
  std::vector<Command> commands;
  commands.reserve(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    Command c;
    c.seq = i + 1;
    c.time = static_cast<TimeNs>(i) * 1000;
    c.body = bodies[i];
    commands.push_back(c);
  }
  return commands;
}

void RunFuzzInput(const uint8_t* data, size_t size) {
  const std::vector<Command> commands = DecodeFuzzInput(data, size);
  Engine engine(FuzzEngineConfig());
  // The differential test's oracle too: the fuzzer reaches shapes the seeded stream does not make (its ids, prices
  // and limits are small, so orders, books and capacity collide), and an engine that breaks no invariant can still
  // break a rule of docs/engine.md.
  ReferenceModel model(FuzzEngineConfig());
  Universe universe;
  for (uint32_t a : {0u, 1u, 2u, 3u, 4u, 5u, 63u}) universe.accounts.push_back(AccountId{a});
  for (uint16_t a = 0; a <= 5; ++a) universe.assets.push_back(AssetId{a});
  for (uint16_t i = 1; i <= 3; ++i) universe.instruments.push_back(InstrumentId{i});
  for (const Command& command : commands) {
    const uint64_t before = engine.StateHash();
    const std::vector<Event> expected = model.Apply(command);
    const std::span<const Event> events = engine.Apply(command);
    if (events.empty()) Fail("no events", command, events);
    if (FirstDifference(expected, events).has_value()) {
      Fail("the engine's events differ from the reference model's:\n model:\n" + ToString(expected) + " engine:",
           command, events);
    }
    const bool rejected = std::holds_alternative<RejectedEvent>(events.front());
    if (rejected) {
      if (events.size() != 1) Fail("Rejected is not the only event", command, events);
      if (engine.StateHash() != before) Fail("rejected command changed StateHash", command, events);
    } else if (!std::holds_alternative<DoneEvent>(events.back())) {
      Fail("command does not end with Done", command, events);
    }
    for (const Event& e : events) {
      const auto* created = std::get_if<AccountCreatedEvent>(&e);
      if (created != nullptr &&
          std::find(universe.accounts.begin(), universe.accounts.end(), created->account) == universe.accounts.end()) {
        universe.accounts.push_back(created->account);
      }
    }
    if (std::string v = CheckInvariants(engine, universe); !v.empty()) Fail(v, command, events);
  }
}

}  // namespace sequex::test

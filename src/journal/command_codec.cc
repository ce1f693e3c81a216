// The command codec: one field list per command, walked by an encoder and a decoder, so the two can never disagree.
#include "journal/command_codec.h"

#include <cstring>
#include <type_traits>

#include "journal/byte_io.h"

namespace sequex::journal {
namespace {

template <typename E>
constexpr uint8_t kEnumMax = 0;
template <>
constexpr uint8_t kEnumMax<Side> = 1;
template <>
constexpr uint8_t kEnumMax<OrderType> = 5;
template <>
constexpr uint8_t kEnumMax<TimeInForce> = 2;
template <>
constexpr uint8_t kEnumMax<InstrumentStatus> = 3;
template <>
constexpr uint8_t kEnumMax<StpMode> = 3;

class Encoder {
 public:
  explicit Encoder(std::string* out) : w_(out) {}
  template <typename Tag, typename Rep>
  void F(const StrongInt<Tag, Rep>& v) {
    Int(v.value());
  }
  void F(const uint8_t& v) { w_.U8(v); }
  void F(const uint32_t& v) { w_.U32(v); }
  void F(const int32_t& v) { w_.I32(v); }
  template <typename E>
  requires std::is_enum_v<E>
  void F(const E& v) {
    const auto raw = static_cast<uint8_t>(v);
    if (raw > kEnumMax<E>) ok_ = false;
    w_.U8(raw);
  }
  template <size_t N>
  void F(const char (&v)[N]) {
    w_.Raw(v, N);
  }
  template <size_t N>
  void Secret(const char (&v)[N]) {
    F(v);
  }
  void F(const ClientOid& v) {
    if (v.len > ClientOid::kMaxLen) ok_ = false;
    w_.U8(v.len);
    w_.Raw(v.bytes, v.len <= ClientOid::kMaxLen ? v.len : 0);
  }
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  void Int(uint16_t v) { w_.U16(v); }
  void Int(uint32_t v) { w_.U32(v); }
  void Int(uint64_t v) { w_.U64(v); }
  void Int(int64_t v) { w_.I64(v); }
  ByteWriter w_;
  bool ok_ = true;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : r_(in) {}
  template <typename Tag, typename Rep>
  void F(StrongInt<Tag, Rep>& v) {
    Rep x{};
    Int(x);
    v = StrongInt<Tag, Rep>(x);
  }
  void F(uint8_t& v) { v = r_.U8(); }
  void F(uint32_t& v) { v = r_.U32(); }
  void F(int32_t& v) { v = r_.I32(); }
  template <typename E>
  requires std::is_enum_v<E>
  void F(E& v) {
    const uint8_t raw = r_.U8();
    if (raw > kEnumMax<E>) Set(CodecError::kBadEnum);
    v = static_cast<E>(raw <= kEnumMax<E> ? raw : 0);
  }
  template <size_t N>
  void F(char (&v)[N]) {
    r_.Raw(v, N);
  }
  template <size_t N>
  void Secret(char (&v)[N]) {
    F(v);
  }
  void F(ClientOid& v) {
    const uint8_t len = r_.U8();
    if (len > ClientOid::kMaxLen) {
      Set(CodecError::kBadLength);
      return;
    }
    v = ClientOid{};
    r_.Raw(v.bytes, len);
    v.len = r_.ok() ? len : 0;
  }
  [[nodiscard]] CodecError Finish() {
    if (err_ != CodecError::kOk) return err_;
    if (!r_.ok()) return CodecError::kTruncated;
    if (r_.remaining() != 0) return CodecError::kTrailingBytes;
    return CodecError::kOk;
  }

 private:
  void Int(uint16_t& v) { v = r_.U16(); }
  void Int(uint32_t& v) { v = r_.U32(); }
  void Int(uint64_t& v) { v = r_.U64(); }
  void Int(int64_t& v) { v = r_.I64(); }
  void Set(CodecError e) {
    if (err_ == CodecError::kOk) err_ = e;
  }
  ByteReader r_;
  CodecError err_ = CodecError::kOk;
};

// An API credential: key[32], secret[48] (a secret: JSON shows only whether it is set), u8 permissions.
template <typename IO, typename C>
void CredentialFields(IO& io, C& c) {
  io.F(c.key), io.Secret(c.secret), io.F(c.permissions);
}

// One field list per command; `C` is `T` or `const T`. Adding a field to a command means adding it here (and
// bumping kCommandCodecVersion); the static_asserts on sizeof catch a forgotten field at compile time. A new
// command kind only appends a field list (earlier payloads decode as before, so the version stays).
template <typename IO, typename C>
void Fields(IO& io, C& c) {
  using T = std::remove_const_t<C>;
  if constexpr (std::is_same_v<T, DefineAsset>) {
    io.F(c.asset), io.F(c.decimals), io.F(c.code);
  } else if constexpr (std::is_same_v<T, DefineInstrument>) {
    io.F(c.instrument), io.F(c.base), io.F(c.quote), io.F(c.tick_size), io.F(c.lot_size), io.F(c.min_qty);
    io.F(c.min_notional), io.F(c.price_band_bps), io.F(c.reference_price), io.F(c.status), io.F(c.symbol);
  } else if constexpr (std::is_same_v<T, SetInstrumentStatus>) {
    io.F(c.instrument), io.F(c.status);
  } else if constexpr (std::is_same_v<T, Deposit> || std::is_same_v<T, Withdraw>) {
    io.F(c.account), io.F(c.asset), io.F(c.amount);
  } else if constexpr (std::is_same_v<T, PlaceOrder>) {
    io.F(c.account), io.F(c.instrument), io.F(c.side), io.F(c.type), io.F(c.tif), io.F(c.flags);
    io.F(c.stp_mode), io.F(c.stp_group), io.F(c.price), io.F(c.trigger_price), io.F(c.qty), io.F(c.notional);
    io.F(c.client_oid);
  } else if constexpr (std::is_same_v<T, CancelOrder>) {
    io.F(c.account), io.F(c.order_id), io.F(c.client_oid);
  } else if constexpr (std::is_same_v<T, CancelAll>) {
    io.F(c.account), io.F(c.instrument);
  } else if constexpr (std::is_same_v<T, AmendOrder>) {
    io.F(c.account), io.F(c.order_id), io.F(c.orig_client_oid), io.F(c.new_price), io.F(c.new_qty);
    io.F(c.new_client_oid);
  } else if constexpr (std::is_same_v<T, SetFeeTier>) {
    io.F(c.tier), io.F(c.maker_ppm), io.F(c.taker_ppm);
  } else if constexpr (std::is_same_v<T, SetAccountFeeTier>) {
    io.F(c.account), io.F(c.tier);
  } else if constexpr (std::is_same_v<T, CreateAccount>) {
    CredentialFields(io, c.credential);
  } else if constexpr (std::is_same_v<T, SetApiKey>) {
    io.F(c.account);
    CredentialFields(io, c.credential);
  } else {
    static_assert(sizeof(T) == 0, "every command needs a field list");
  }
}

// A change to a command's layout must revisit its field list above (and the codec version).
static_assert(std::variant_size_v<CommandBody> == 13);
static_assert(sizeof(DefineAsset) == 20);
static_assert(sizeof(DefineInstrument) == 88);
static_assert(sizeof(SetInstrumentStatus) == 4);
static_assert(sizeof(Deposit) == 16 && sizeof(Withdraw) == 16);
static_assert(sizeof(PlaceOrder) == 88);
static_assert(sizeof(CancelOrder) == 56);
static_assert(sizeof(CancelAll) == 8);
static_assert(sizeof(AmendOrder) == 112);
static_assert(sizeof(SetFeeTier) == 12);
static_assert(sizeof(SetAccountFeeTier) == 8);
static_assert(sizeof(ApiCredential) == 81);
static_assert(sizeof(CreateAccount) == 81);
static_assert(sizeof(SetApiKey) == 88);

class JsonFields {
 public:
  explicit JsonFields(std::string* out) : out_(out) {}
  template <typename Tag, typename Rep>
  void F(const StrongInt<Tag, Rep>& v) {
    Sep();
    *out_ += std::to_string(v.value());
  }
  void F(const uint8_t& v) { Num(v); }
  void F(const uint32_t& v) { Num(v); }
  void F(const int32_t& v) { Num(v); }
  template <typename E>
  requires std::is_enum_v<E>
  void F(const E& v) { Num(static_cast<uint8_t>(v)); }
  template <size_t N>
  void F(const char (&v)[N]) {
    Str(std::string_view(v, strnlen(v, N)));
  }
  // Secrets stay out of dumps and logs: "***" when set, "" when empty.
  template <size_t N>
  void Secret(const char (&v)[N]) {
    Str(v[0] != 0 ? "***" : "");
  }
  void F(const ClientOid& v) { Str(v.view()); }

 private:
  template <typename T>
  void Num(T v) {
    Sep();
    *out_ += std::to_string(v);
  }
  void Str(std::string_view s) {
    Sep();
    out_->push_back('"');
    for (char ch : s) {
      const auto u = static_cast<unsigned char>(ch);
      if (u < 0x20 || u >= 0x7F || ch == '"' || ch == '\\') {
        static constexpr char kHex[] = "0123456789abcdef";
        *out_ += "\\u00";
        out_->push_back(kHex[u >> 4]);
        out_->push_back(kHex[u & 15]);
      } else {
        out_->push_back(ch);
      }
    }
    out_->push_back('"');
  }
  void Sep() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

template <size_t I>
CodecError DecodeKind(std::string_view fields, CommandBody* out) {
  if constexpr (I >= std::variant_size_v<CommandBody>) {
    return CodecError::kBadKind;
  } else {
    // Straight into the variant: a decoded copy assigned afterwards cost a second pass over up to 112 bytes.
    auto& c = out->template emplace<I>();
    Decoder d(fields);
    Fields(d, c);
    return d.Finish();
  }
}

template <size_t... I>
CodecError DecodeAny(size_t kind, std::string_view fields, CommandBody* out, std::index_sequence<I...>) {
  CodecError e = CodecError::kBadKind;
  (void)((kind == I ? (e = DecodeKind<I>(fields, out), true) : false) || ...);
  return e;
}

}  // namespace

std::string_view ToString(CodecError e) {
  switch (e) {
    case CodecError::kOk:
      return "ok";
    case CodecError::kEmpty:
      return "empty payload";
    case CodecError::kBadVersion:
      return "unknown codec version";
    case CodecError::kBadKind:
      return "unknown command kind";
    case CodecError::kTruncated:
      return "payload too short for its command";
    case CodecError::kTrailingBytes:
      return "trailing bytes after the command";
    case CodecError::kBadEnum:
      return "enum value out of range";
    case CodecError::kBadLength:
      return "string length out of range";
  }
  return "?";
}

bool EncodeCommandBody(const CommandBody& body, std::string* out) {
  const size_t start = out->size();
  ByteWriter w(out);
  w.U8(kCommandCodecVersion);
  w.U8(static_cast<uint8_t>(body.index()));
  Encoder e(out);
  std::visit([&](const auto& c) { Fields(e, c); }, body);
  if (!e.ok()) out->resize(start);
  return e.ok();
}

CodecError DecodeCommandBody(std::string_view bytes, CommandBody* out) {
  if (bytes.size() < 2) return CodecError::kEmpty;
  if (static_cast<uint8_t>(bytes[0]) != kCommandCodecVersion) return CodecError::kBadVersion;
  const auto kind = static_cast<uint8_t>(bytes[1]);
  return DecodeAny(kind, bytes.substr(2), out, std::make_index_sequence<std::variant_size_v<CommandBody>>{});
}

std::string CommandFieldsJson(const CommandBody& body) {
  std::string out = "[";
  JsonFields j(&out);
  std::visit([&](const auto& c) { Fields(j, c); }, body);
  out.push_back(']');
  return out;
}

std::string_view CommandKindName(size_t kind) {
  static constexpr std::string_view kNames[] = {
      "DefineAsset", "DefineInstrument", "SetInstrumentStatus", "Deposit",    "Withdraw",          "PlaceOrder",
      "CancelOrder", "CancelAll",        "AmendOrder",          "SetFeeTier", "SetAccountFeeTier", "CreateAccount",
      "SetApiKey"};
  static_assert(std::size(kNames) == std::variant_size_v<CommandBody>);
  return kind < std::size(kNames) ? kNames[kind] : "?";
}

}  // namespace sequex::journal

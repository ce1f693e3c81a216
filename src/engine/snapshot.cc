// Engine snapshots: the whole state of Engine::Impl as explicit little-endian bytes, and back.
// Format (docs/journal.md, "Engine snapshot"): magic "SQXENGS1", u32 version, u32 reserved, the sections below in
// this order, then u64 XXH3-64 of every preceding byte.
//   counters: u64 next_order_id, u64 next_match_id, u32 fee_account
//   assets:   u32 n, then per id: u8 defined [u8 decimals, code[16], i64 net_deposits]
//   fees:     16 x (i32 maker_ppm, i32 taker_ppm)
//   accounts: u32 n, then per id: u8 exists [u8 fee_tier, u32 m, m x (u16 asset, i64 available, i64 held)]
//   books:    u32 n, then per id: u8 present [instrument definition, i64 tick_value, i64 lot_size, i64 last_price]
//   orders:   u32 n, then each open order (accounts by id, each in placement order) with every field
//   queues:   per present book: bids then asks, u32 levels, worst to best: i64 price, u32 k, k x u64 order id
//             (queue order); then stops_rise and stops_fall: u32 k, k x u64 order id (list order)
//   keys:     (version 2) u32 n, then n x (key[32], u32 account, secret[48], u8 permissions), ascending by key
// Slots, links, level totals, open-order counts, both indexes and the next account id are rebuilt on load, not
// stored. Version 1 (before API keys) is still read: it is version 2 without the keys section.
#include <xxhash.h>

#include <algorithm>
#include <new>
#include <set>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "engine/engine_impl.h"
#include "journal/byte_io.h"

namespace sequex {
namespace {

using journal::ByteReader;
using journal::ByteWriter;

constexpr char kMagic[8] = {'S', 'Q', 'X', 'E', 'N', 'G', 'S', '1'};
constexpr uint32_t kVersion = 2;
constexpr uint32_t kVersionWithoutKeys = 1;  // still accepted by LoadSnapshot
constexpr size_t kHeaderSize = 16;
constexpr size_t kTrailerSize = 8;
constexpr size_t kMinOrderBytes =
    129;  // exact size without client_oid bytes: the lower bound of one order's encoding, to bound counts by input size
constexpr size_t kApiKeyBytes = sizeof(ApiCredential::key) + 4 + sizeof(ApiCredential::secret) + 1;
static_assert(sizeof(kMagic) + 4 + 4 == kHeaderSize);
static_assert(kApiKeyBytes == 85);

void PutDef(ByteWriter& w, const DefineInstrument& d) {
  w.U16(d.instrument.value());
  w.U16(d.base.value());
  w.U16(d.quote.value());
  w.I64(d.tick_size.value());
  w.I64(d.lot_size.value());
  w.I64(d.min_qty.value());
  w.I64(d.min_notional.value());
  w.U32(d.price_band_bps);
  w.I64(d.reference_price.value());
  w.U8(static_cast<uint8_t>(d.status));
  w.Raw(d.symbol, sizeof d.symbol);
}

void GetDef(ByteReader& r, DefineInstrument* d) {
  d->instrument = InstrumentId{r.U16()};
  d->base = AssetId{r.U16()};
  d->quote = AssetId{r.U16()};
  d->tick_size = Amount{r.I64()};
  d->lot_size = Amount{r.I64()};
  d->min_qty = QtyLots{r.I64()};
  d->min_notional = Amount{r.I64()};
  d->price_band_bps = r.U32();
  d->reference_price = PriceTicks{r.I64()};
  const uint8_t status = r.U8();
  if (status > static_cast<uint8_t>(InstrumentStatus::kPostOnly)) r.Fail();
  d->status = static_cast<InstrumentStatus>(status);
  r.Raw(d->symbol, sizeof d->symbol);
}

// One order's encoding: at most kMinOrderBytes + ClientOid::kMaxLen bytes.
using OrderStage = journal::StagingWriter<kMinOrderBytes + ClientOid::kMaxLen>;
void PutOrder(OrderStage& w, const Order& o) {
  w.U64(o.id.value());
  w.U32(o.account.value());
  w.U16(o.instrument.value());
  w.U8(static_cast<uint8_t>(o.side));
  w.U8(static_cast<uint8_t>(o.type));
  w.U8(static_cast<uint8_t>(o.tif));
  w.U8(o.flags);
  w.U8(static_cast<uint8_t>(o.stp_mode));
  w.U8(static_cast<uint8_t>(o.status));
  w.U32(o.stp_group);
  w.I64(o.price.value());
  w.I64(o.trigger.value());
  w.I64(o.cap.value());
  w.I64(o.qty.value());
  w.I64(o.remaining.value());
  w.I64(o.filled.value());
  w.I64(o.notional.value());
  w.I64(o.held.value());
  w.I64(o.cum_notional.value());
  w.I64(o.cum_fee.value());
  w.I32(o.maker_ppm);
  w.I32(o.taker_ppm);
  w.U64(o.created_seq);
  w.I64(o.created_time);
  w.U8(o.client_oid.len);
  w.Raw(o.client_oid.bytes, o.client_oid.len);
}

// Reads one order's fields into `o`; false if a field is out of its range.
bool GetOrder(ByteReader& r, Order* o) {
  o->id = OrderId{r.U64()};
  o->account = AccountId{r.U32()};
  o->instrument = InstrumentId{r.U16()};
  const uint8_t side = r.U8(), type = r.U8(), tif = r.U8();
  o->flags = r.U8();
  const uint8_t stp = r.U8(), status = r.U8();
  if (side > 1 || type > 5 || tif > 2 || stp > 3 || (status != 0 && status != 1)) return false;
  o->side = static_cast<Side>(side);
  o->type = static_cast<OrderType>(type);
  o->tif = static_cast<TimeInForce>(tif);
  o->stp_mode = static_cast<StpMode>(stp);
  o->status = static_cast<OrderStatus>(status);
  o->stp_group = r.U32();
  o->price = PriceTicks{r.I64()};
  o->trigger = PriceTicks{r.I64()};
  o->cap = PriceTicks{r.I64()};
  o->qty = QtyLots{r.I64()};
  o->remaining = QtyLots{r.I64()};
  o->filled = QtyLots{r.I64()};
  o->notional = Amount{r.I64()};
  o->held = Amount{r.I64()};
  o->cum_notional = Amount{r.I64()};
  o->cum_fee = Amount{r.I64()};
  o->maker_ppm = r.I32();
  o->taker_ppm = r.I32();
  o->created_seq = r.U64();
  o->created_time = r.I64();
  const uint8_t len = r.U8();
  if (len > ClientOid::kMaxLen) return false;
  o->client_oid = ClientOid{};
  r.Raw(o->client_oid.bytes, len);
  o->client_oid.len = len;
  auto in = [](int64_t v, int64_t hi) { return v >= 0 && v < hi; };
  return o->id.value() != 0 && in(o->price.value(), kMaxPriceTicks) && in(o->trigger.value(), kMaxPriceTicks) &&
         in(o->cap.value(), kMaxPriceTicks) && in(o->qty.value(), kMaxQtyLots) &&
         in(o->remaining.value(), kMaxQtyLots) && in(o->filled.value(), kMaxQtyLots) &&
         in(o->notional.value(), kMaxAmount) && in(o->held.value(), kMaxAmount) && o->cum_notional.value() >= 0 &&
         o->cum_fee.value() > -kMaxAmount && o->cum_fee.value() < kMaxAmount;
}

// The order of a book's stop list in the snapshot (format v1, kept): by trigger, nearest the market first (ascending
// for a rise, descending for a fall), then by order id.
auto StopListOrder(const OrderPool& pool, bool rise) {
  return [&pool, rise](uint32_t a, uint32_t b) {
    const Order &x = pool[a], &y = pool[b];
    if (x.trigger != y.trigger) return rise ? x.trigger < y.trigger : x.trigger > y.trigger;
    return x.id < y.id;
  };
}

}  // namespace

std::string Engine::SaveSnapshot() const {
  std::string out;
  SaveSnapshot(&out);
  return out;
}

void Engine::SaveSnapshot(std::string* buffer) const {
  const Impl& m = *impl_;
  std::string& out = *buffer;
  out.clear();  // keeps the capacity
  // Accounts: only the existing ones, as (id, ...) in ascending id (the table is sparse by design).
  uint32_t n_existing = 0;
  size_t n_balances = 0;
  m.accounts_.ForEach([&](size_t, const Account& a) {
    if (!a.exists) return;
    ++n_existing;
    n_balances += a.inline_count + a.more_balances.size();
  });
  // All of it reserved up front, a little over the exact size (a level costs at most one price and count per
  // order): on a large venue the balances alone are tens of MB, and growing the string copied what was written.
  const size_t live = m.pool_.live();
  out.reserve(kHeaderSize + kTrailerSize + m.assets_.size() * 32 + m.fee_tiers_.size() * 8 + size_t{n_existing} * 9 +
              n_balances * 18 + m.books_.size() * 256 + live * (kMinOrderBytes + ClientOid::kMaxLen + 8 + 12) +
              m.api_keys_.size() * kApiKeyBytes + 4096);
  ByteWriter w(&out);
  w.Raw(kMagic, sizeof kMagic);
  w.U32(kVersion);
  w.U32(0);
  w.U64(m.next_order_id_);
  w.U64(m.next_match_id_);
  w.U32(m.config_.fee_account.value());
  w.U32(static_cast<uint32_t>(m.assets_.size()));
  for (const AssetInfo& a : m.assets_) {
    w.U8(a.defined ? 1 : 0);
    if (!a.defined) continue;
    w.U8(a.decimals);
    w.Raw(a.code, sizeof a.code);
    w.I64(a.net_deposits.value());
  }
  for (const FeeTier& t : m.fee_tiers_) {
    w.I32(t.maker_ppm);
    w.I32(t.taker_ppm);
  }
  w.U32(n_existing);
  // A few dozen balances at a time, and below each order and each level's ids, go through a staging buffer
  // (journal::StagingWriter says why).
  constexpr size_t kBalanceBytes = 2 + 8 + 8;
  journal::StagingWriter<64 * kBalanceBytes> stage;
  const auto flush = [&] {
    w.Raw(stage.view());
    stage.Clear();
  };
  const auto flush_if_full = [&](size_t next_bytes) {
    if (stage.room() < next_bytes) flush();
  };
  m.accounts_.ForEach([&](size_t id, const Account& a) {
    if (!a.exists) return;
    w.U32(static_cast<uint32_t>(id));
    w.U8(a.fee_tier);
    w.U32(static_cast<uint32_t>(a.inline_count + a.more_balances.size()));
    a.ForEachBalance([&](AssetId asset, const AssetBalance& b) {
      flush_if_full(kBalanceBytes);
      stage.U16(asset.value());
      stage.I64(b.available.value());
      stage.I64(b.held.value());
    });
    flush();
  });
  w.U32(static_cast<uint32_t>(m.books_.size()));
  for (const auto& b : m.books_) {
    w.U8(b ? 1 : 0);
    if (!b) continue;
    PutDef(w, b->def);
    w.I64(b->tick_value.value());
    w.I64(b->lot_size.value());
    w.I64(b->last_price.value());
  }
  w.U32(static_cast<uint32_t>(live));
  std::vector<uint32_t> slots;  // one account's at a time, reused
  OrderStage order;
  m.accounts_.ForEach([&](size_t id, const Account& a) {
    if (!a.exists) return;
    m.CollectOpenOrders(AccountId{static_cast<uint32_t>(id)}, kAllInstruments, slots);
    for (const uint32_t s : slots) {
      order.Clear();
      PutOrder(order, m.pool_[s]);
      w.Raw(order.view());
    }
  });
  for (const auto& b : m.books_) {
    if (!b) continue;
    for (const BookSide* side : {&b->bids, &b->asks}) {
      w.U32(static_cast<uint32_t>(side->size()));
      side->ForEachFromWorst([&](const Level& level) {
        w.I64(level.price.value());
        w.U32(level.count);
        for (uint32_t s = level.head; s != kNil; s = m.pool_.links(s).queue_next) {
          flush_if_full(8);
          stage.U64(m.pool_[s].id.value());
        }
        flush();
        return true;
      });
    }
    for (const StopQueue* stops : {&b->stops_rise, &b->stops_fall}) {
      std::vector<uint32_t> list;
      list.reserve(stops->size());
      stops->ForEach([&](uint32_t s) { list.push_back(s); });
      std::sort(list.begin(), list.end(), StopListOrder(m.pool_, stops->rise()));
      w.U32(static_cast<uint32_t>(list.size()));
      for (uint32_t s : list) w.U64(m.pool_[s].id.value());
    }
  }
  w.U32(static_cast<uint32_t>(m.api_keys_.size()));
  for (const auto& [key, view] : m.api_keys_) {
    w.Raw(view.credential.key, sizeof view.credential.key);
    w.U32(view.account.value());
    w.Raw(view.credential.secret, sizeof view.credential.secret);
    w.U8(view.credential.permissions);
  }
  w.U64(XXH3_64bits(out.data(), out.size()));
}

std::unique_ptr<Engine> Engine::LoadSnapshot(std::string_view bytes, const EngineConfig& config, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<Engine> {
    *error = "engine snapshot: " + why;
    return nullptr;
  };
  if (bytes.size() < kHeaderSize + kTrailerSize) return fail("too short");
  if (bytes.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic)) return fail("bad magic");
  const std::string_view body = bytes.substr(0, bytes.size() - kTrailerSize);
  if (journal::LoadLe(bytes.data() + body.size(), 8) != XXH3_64bits(body.data(), body.size())) {
    return fail("checksum mismatch");
  }
  ByteReader r(body);
  (void)r.View(sizeof kMagic);
  const uint32_t version = r.U32();
  if (version != kVersion && version != kVersionWithoutKeys) return fail("unsupported version");
  if (r.U32() != 0) return fail("reserved bits set");

  auto engine = std::make_unique<Engine>(config);
  Impl& m = *engine->impl_;
  m.next_order_id_ = r.U64();
  m.next_match_id_ = r.U64();
  if (r.U32() != config.fee_account.value()) return fail("fee account differs from the configuration");

  const uint32_t n_assets = r.U32();
  if (n_assets > 0x10000 || n_assets > r.remaining()) return fail("bad asset count");
  m.assets_.assign(n_assets, AssetInfo{});
  m.asset_ids_.clear();
  for (AssetInfo& a : m.assets_) {
    const uint8_t defined = r.U8();
    if (defined > 1) return fail("bad asset flag");  // one canonical byte, so that a reload saves the same bytes
    a.defined = defined == 1;
    if (!a.defined) continue;
    m.asset_ids_.push_back(static_cast<uint16_t>(&a - m.assets_.data()));  // ascending, as read
    a.decimals = r.U8();
    r.Raw(a.code, sizeof a.code);
    a.net_deposits = Amount{r.I64()};
    if (a.decimals > 18 || !ValidCode(a.code, sizeof a.code, false)) return fail("bad asset");
  }
  for (FeeTier& t : m.fee_tiers_) {
    t.maker_ppm = r.I32();
    t.taker_ppm = r.I32();
  }

  const uint32_t n_accounts = r.U32();
  if (n_accounts > config.max_accounts || n_accounts > r.remaining() || n_accounts == 0) {
    return fail("bad account count");
  }
  // The fresh engine's table holds only the fee account (empty, and in the snapshot too, checked below) and the
  // memory expected_accounts reserved: the accounts are filled in where they are.
  int64_t previous_id = -1;
  bool fee_account_listed = false;
  for (uint32_t k = 0; k < n_accounts; ++k) {
    const uint32_t id = r.U32();
    if (id >= config.max_accounts || static_cast<int64_t>(id) <= previous_id) return fail("bad account id");
    previous_id = id;
    fee_account_listed = fee_account_listed || id == config.fee_account.value();
    Account& a = m.accounts_[id];
    a.exists = true;
    a.fee_tier = r.U8();
    if (a.fee_tier > 15) return fail("bad fee tier");
    const uint32_t n = r.U32();
    if (n > r.remaining() / 18) return fail("bad balance count");
    for (uint32_t i = 0; i < n; ++i) {
      const AssetId asset{r.U16()};
      if (!m.AssetDefined(asset) || a.Find(asset) != nullptr) return fail("balance of an unknown or repeated asset");
      AssetBalance& b = a.Get(asset);
      b.available = Amount{r.I64()};
      b.held = Amount{r.I64()};
    }
  }
  if (!fee_account_listed) return fail("fee account missing");
  m.highest_account_ = static_cast<uint32_t>(previous_id);  // ids are ascending and the fee account exists
  m.open_accounts_ = n_accounts;

  const uint32_t n_books = r.U32();
  if (n_books > 0xFFFF || n_books > r.remaining()) return fail("bad book count");
  m.books_.resize(n_books);
  m.book_ids_.clear();
  std::set<std::string_view> symbols;
  for (uint32_t i = 0; i < n_books; ++i) {
    const uint8_t present = r.U8();
    if (present > 1) return fail("bad instrument flag");
    if (present == 0) continue;
    std::unique_ptr<Book> book = m.TakeBook();
    GetDef(r, &book->def);
    book->tick_value = Amount{r.I64()};
    book->lot_size = Amount{r.I64()};
    book->last_price = PriceTicks{r.I64()};
    // The definition passes what DefineInstrument asks of one, so nothing loaded is a value no command could set.
    int64_t tick_value = 0;
    if (!r.ok() || book->def.instrument.value() != i ||
        m.DefinitionProblem(book->def, &tick_value) != RejectReason::kNone || book->tick_value.value() != tick_value ||
        book->lot_size != book->def.lot_size || book->last_price.value() < 0 ||
        book->last_price.value() >= kMaxPriceTicks || !symbols.insert(book->def.symbol).second) {
      return fail("bad instrument " + std::to_string(i));
    }
    m.books_[i] = std::move(book);
    m.book_ids_.push_back(static_cast<uint16_t>(i));  // ascending, as read
  }

  const uint32_t n_orders = r.U32();
  if (n_orders > config.max_orders || n_orders > r.remaining() / kMinOrderBytes) return fail("bad order count");
  for (uint32_t i = 0; i < n_orders; ++i) {
    Order o;
    if (!GetOrder(r, &o) || !r.ok()) return fail("bad order #" + std::to_string(i));
    o.oid_key = o.client_oid.empty() ? 0 : m.OidKey(o.account, o.client_oid);
    if (m.FindAccount(o.account) == nullptr || o.account == config.fee_account || m.FindBook(o.instrument) == nullptr ||
        o.id.value() >= m.next_order_id_ || m.by_id_.Find(o.id.value()) != FlatIndex::kNone ||
        // A waiting order is a stop; a resting one is limit-priced (a triggered STOP_LIMIT rests as ACTIVE too).
        (o.status == OrderStatus::kNew ? !IsStop(o.type) : IsMarketLike(o.type)) ||
        (!o.client_oid.empty() && m.FindByOidKey(o.account, o.client_oid, o.oid_key) != kNil) ||
        // what a sell holds must be representable, as placement checked, before the audit computes it
        (o.side == Side::kSell &&
         Wide{o.remaining.value()} * m.FindBook(o.instrument)->lot_size.value() >= kMaxAmount)) {
      return fail("inconsistent order " + std::to_string(o.id.value()));
    }
    const uint32_t slot = m.pool_.Allocate();
    Order& placed = *new (&m.pool_[slot]) Order(o);
    Account& owner = m.accounts_.At(o.account.value());
    placed.held_position = owner.PositionOf(owner.Get(m.HeldAsset(placed, *m.FindBook(o.instrument))));
    m.by_id_.Insert(o.id.value(), slot);
    if (!o.client_oid.empty()) m.by_oid_.Insert(o.oid_key, slot);
    m.LinkToAccount(slot);
  }

  std::vector<bool> queued(n_orders, false);  // a fresh pool hands out slots 0, 1, 2, ...; by slot
  auto take = [&](uint64_t id, const Book& book, OrderStatus want) -> uint32_t {
    const uint32_t slot = m.by_id_.Find(id);
    if (slot == FlatIndex::kNone || slot >= queued.size() || queued[slot]) return kNil;
    const Order& o = m.pool_[slot];
    if (o.instrument != book.def.instrument || o.status != want) return kNil;
    queued[slot] = true;
    return slot;
  };
  for (uint32_t bi = 0; bi < n_books; ++bi) {
    if (!m.books_[bi]) continue;
    Book& book = *m.books_[bi];
    for (Side side : {Side::kBuy, Side::kSell}) {
      BookSide& bs = book.side(side);
      const uint32_t n_levels = r.U32();
      if (n_levels > r.remaining() / 12) return fail("bad level count");
      for (uint32_t l = 0; l < n_levels; ++l) {
        const PriceTicks price{r.I64()};
        const uint32_t count = r.U32();
        if (!r.ok() || count == 0 || count > r.remaining() / 8 || price.value() <= 0 ||
            (!bs.empty() && !bs.Better(price, bs.best().price))) {
          return fail("bad price level in instrument " + std::to_string(bi));
        }
        Level& level = bs.FindOrInsert(price);
        for (uint32_t k = 0; k < count; ++k) {
          const uint32_t slot = take(r.U64(), book, OrderStatus::kActive);
          if (slot == kNil || m.pool_[slot].side != side || m.pool_[slot].price != price ||
              m.pool_[slot].remaining.value() <= 0) {
            return fail("bad order in a level of instrument " + std::to_string(bi));
          }
          Order& o = m.pool_[slot];
          OrderLinks& link = m.pool_.links(slot);
          link.queue_prev = level.tail;
          link.queue_next = kNil;
          if (level.tail != kNil) {
            m.pool_.links(level.tail).queue_next = slot;
          } else {
            level.head = slot;
          }
          level.tail = slot;
          // Each order's quantity is checked, not their sum: the side's, which bounds each level's, must fit too.
          if (int64_t sum = 0; __builtin_add_overflow(bs.resting(), o.remaining.value(), &sum)) {
            return fail("resting quantity overflows in instrument " + std::to_string(bi));
          }
          bs.AddToLevel(level, o.remaining);
          ++level.count;
        }
      }
    }
    for (StopQueue* stops : {&book.stops_rise, &book.stops_fall}) {
      const uint32_t n = r.U32();
      if (n > r.remaining() / 8) return fail("bad stop count");
      std::vector<uint32_t> list;
      list.reserve(n);
      for (uint32_t k = 0; k < n; ++k) {
        const uint32_t slot = take(r.U64(), book, OrderStatus::kNew);
        if (slot == kNil || TriggersOnRise(m.pool_[slot].side, m.pool_[slot].type) != stops->rise()) {
          return fail("bad stop order in instrument " + std::to_string(bi));
        }
        list.push_back(slot);
      }
      if (!std::is_sorted(list.begin(), list.end(), StopListOrder(m.pool_, stops->rise()))) {
        return fail("stop list out of order in instrument " + std::to_string(bi));
      }
      std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) { return m.pool_[a].id < m.pool_[b].id; });
      stops->Reserve(list.size());
      for (uint32_t s : list) stops->Push(m.pool_[s].id, m.pool_[s].trigger, s);
    }
  }
  if (version != kVersionWithoutKeys) {
    const uint32_t n_keys = r.U32();
    if (n_keys > r.remaining() / kApiKeyBytes) return fail("bad API key count");
    for (uint32_t k = 0; k < n_keys; ++k) {
      ApiKeyView view;
      r.Raw(view.credential.key, sizeof view.credential.key);
      view.account = AccountId{r.U32()};
      r.Raw(view.credential.secret, sizeof view.credential.secret);
      view.credential.permissions = r.U8();
      const std::string_view key = view.credential.key_view();
      if (!r.ok() || !ValidApiKeyText(view.credential.key) || !ValidApiSecretText(view.credential.secret) ||
          !ValidApiPermissions(view.credential.permissions) || m.FindAccount(view.account) == nullptr ||
          view.account == config.fee_account) {
        return fail("bad API key #" + std::to_string(k));
      }
      if (!m.api_keys_.empty() && !(m.api_keys_.rbegin()->first < key)) {
        return fail("API keys out of order or repeated at #" + std::to_string(k));
      }
      m.api_keys_.emplace_hint(m.api_keys_.end(), std::string(key), view);
    }
  }
  if (!r.ok() || r.remaining() != 0) return fail("truncated or trailing bytes");
  if (std::count(queued.begin(), queued.end(), true) != static_cast<std::ptrdiff_t>(n_orders)) {
    return fail("an open order is neither on a book nor in a stop list");
  }
  if (std::string audit = m.Audit(); !audit.empty()) return fail("state fails the audit: " + audit);
  return engine;
}

}  // namespace sequex

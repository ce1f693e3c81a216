// Dispatch, definitions, wallet commands, queries, the state hash and the audit. Rules: docs/engine.md.
// Accounts and API keys are in accounts.cc.
#include "engine/engine.h"

// XXH3_generateSecret and XXH3_SECRET_DEFAULT_SIZE are in xxhash.h's stable advanced API. Inline: every placement,
// and every cancel or amend by client_oid, hashes a short key (ClientOidKey), where a call into the library cost a
// call, its length dispatch and the copy before it (docs/performance.md, "Fewer instructions a command").
#define XXH_STATIC_LINKING_ONLY
#define XXH_INLINE_ALL
// Inlined into ClientOidKey, the hash's paths for long inputs read past its 40-byte buffer as far as GCC can tell
// at -O2 (-Warray-bounds); the input's length, bounded there, never takes them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#include <xxhash.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

#include "common/state_hasher.h"
#include "engine/engine_impl.h"

namespace sequex {

bool ValidCode(const char* s, size_t max, bool allow_sep) {
  size_t n = 0;
  for (; n < max && s[n] != 0; ++n) {
    if (!IsNameChar(s[n], allow_sep)) return false;
  }
  return n > 0 && n < max;  // non-empty and NUL-terminated inside the field
}

namespace {

bool ValidStatus(InstrumentStatus s) {
  return static_cast<uint8_t>(s) <= static_cast<uint8_t>(InstrumentStatus::kPostOnly);
}

int64_t Pow10(uint8_t d) {
  int64_t r = 1;
  for (uint8_t i = 0; i < d; ++i) r *= 10;
  return r;
}

}  // namespace

Engine::Impl::Impl(const EngineConfig& config)
    : config_(config),
      pool_(config.expected_orders, &huge_pages_),
      by_id_(size_t{config.expected_orders} * 4),  // it keeps four entries per open order (order_id_index.h)
      by_oid_(size_t{config.expected_orders} * 4, 4),
      accounts_(&huge_pages_, &huge_pages_),
      account_book_index_(size_t{config.expected_account_books} * 2) {
  // XXH3_generateSecret fails only for a secret shorter than XXH3_SECRET_SIZE_MIN, which this one is not.
  static_assert(kIndexSecretBytes == XXH3_SECRET_DEFAULT_SIZE && kIndexSecretBytes >= XXH3_SECRET_SIZE_MIN);
  if (config.index_seed != 0) {
    (void)XXH3_generateSecret(index_secret_.data(), index_secret_.size(), &config.index_seed, sizeof config.index_seed);
  }
  account_books_.reserve(config.expected_account_books);
  // Each account with a list has a block, and a block holds kLists of them.
  account_book_blocks_.reserve(config.expected_account_books / AccountBookBlock::kLists +
                               std::min(config.expected_accounts, config.expected_account_books));
  // Cancel-all collects an account's orders here: room for as many as one account may have open, up to the orders
  // the engine is sized for, so that it allocates nothing on the order path.
  scratch_slots_.reserve(std::min(config.max_open_orders_per_account, config.expected_orders));
  accounts_.Reserve(config.expected_accounts);
  // The books of the instruments to come, and room for every id one may have, so that defining one allocates nothing.
  if (config.expected_books > 0) {
    const uint32_t books = std::min<uint32_t>(config.expected_books, kAllInstruments.value());
    books_.reserve(kAllInstruments.value());
    book_ids_.reserve(books);
    spare_books_.reserve(books);
    for (uint32_t i = 0; i < books; ++i) spare_books_.push_back(std::make_unique<Book>());
  }
  // The fee account exists from the start: every trade may credit it.
  OpenAccount(accounts_[config.fee_account.value()], config.fee_account);
}

std::span<const Event> Engine::Impl::Apply(const Command& command) {
  events_.clear();
  command_ = &command;
  switch (command.body.index()) {
    case 5:
      OnPlaceOrder(*std::get_if<PlaceOrder>(&command.body));
      break;
    case 6:
      OnCancelOrder(*std::get_if<CancelOrder>(&command.body));
      break;
    case 8:
      OnAmendOrder(*std::get_if<AmendOrder>(&command.body));
      break;
    case 7:
      OnCancelAll(*std::get_if<CancelAll>(&command.body));
      break;
    case 0:
      OnDefineAsset(*std::get_if<DefineAsset>(&command.body));
      break;
    case 1:
      OnDefineInstrument(*std::get_if<DefineInstrument>(&command.body));
      break;
    case 2:
      OnSetInstrumentStatus(*std::get_if<SetInstrumentStatus>(&command.body));
      break;
    case 3:
      OnDeposit(*std::get_if<Deposit>(&command.body));
      break;
    case 4:
      OnWithdraw(*std::get_if<Withdraw>(&command.body));
      break;
    case 9:
      OnSetFeeTier(*std::get_if<SetFeeTier>(&command.body));
      break;
    case 10:
      OnSetAccountFeeTier(*std::get_if<SetAccountFeeTier>(&command.body));
      break;
    case 11:
      OnCreateAccount(*std::get_if<CreateAccount>(&command.body));
      break;
    case 12:
      OnSetApiKey(*std::get_if<SetApiKey>(&command.body));
      break;
    default:
      Reject(RejectReason::kBadRequest);
      break;
  }
  return events_.events();
}
static_assert(std::variant_size_v<CommandBody> == 13, "Apply's dispatch lists every command");

uint32_t Engine::Impl::ProbableTarget(const Command& command) const {
  const auto lookup = [this](AccountId account, OrderId id, const ClientOid& oid) {
    if (id.value() != 0) return by_id_.Find(id.value());
    return oid.empty() ? FlatIndex::kNone : by_oid_.Candidate(OidKey(account, oid));
  };
  if (const auto* c = std::get_if<CancelOrder>(&command.body)) return lookup(c->account, c->order_id, c->client_oid);
  if (const auto* a = std::get_if<AmendOrder>(&command.body)) {
    return lookup(a->account, a->order_id, a->orig_client_oid);
  }
  return FlatIndex::kNone;
}

void Engine::Impl::PrefetchOrders(const Command& command) const {
  if (const auto* p = std::get_if<PlaceOrder>(&command.body)) {
    // The list's entry only: its tail is read a stage later (PrefetchDependents), once the entry has arrived.
    // The account's list for the book (which knows where the held balance is), or, without one, the account's
    // table of balances.
    const uint32_t list = FindAccountBook(p->account, p->instrument);
    if (list != FlatIndex::kNone) __builtin_prefetch(&account_books_[list]);
    const Book* book = FindBook(p->instrument);
    if (book == nullptr || static_cast<uint8_t>(p->side) > 1) return;
    if (const Account* a = accounts_.Find(p->account.value()); a != nullptr && list == FlatIndex::kNone) {
      a->PrefetchBalance(p->side == Side::kBuy ? book->def.quote : book->def.base);
    }
    // The first maker, when the order may trade on arrival.
    if (const uint32_t head = FirstMakerInReach(*book, p->side, p->price); head != kNil) PrefetchOrder(head);
    if (p->price.value() > 0) book->side(p->side).PrefetchLevel(p->price);
    return;
  }
  if (const auto* x = std::get_if<CancelAll>(&command.body); x != nullptr && x->instrument != kAllInstruments) {
    const uint32_t list = FindAccountBook(x->account, x->instrument);
    if (list != FlatIndex::kNone) __builtin_prefetch(&account_books_[list]);
    return;
  }
  uint32_t slot = FlatIndex::kNone;
  if (TargetHint* hint = FindHint(command)) {
    hint->slot = hint->by_id ? by_id_.Find(hint->key) : by_oid_.Candidate(hint->key);
    slot = hint->slot;
  } else {
    slot = ProbableTarget(command);
  }
  if (slot == FlatIndex::kNone) return;
  PrefetchOrder(slot);
  __builtin_prefetch(&pool_.links(slot));
}

void Engine::Impl::PrefetchDependents(const Command& command) const {
  if (const auto* p = std::get_if<PlaceOrder>(&command.body)) {
    const Book* book = FindBook(p->instrument);
    const Account* a = accounts_.Find(p->account.value());
    if (book == nullptr || a == nullptr || static_cast<uint8_t>(p->side) > 1) return;
    // Where its id will be filed: the next id, or the one after if the command applied before it takes that.
    by_id_.Prefetch(next_order_id_);
    by_id_.Prefetch(next_order_id_ + 1);
    // The held balance, and the list's tail, after which the order will be linked.
    const uint32_t list = FindAccountBook(p->account, p->instrument);
    const uint16_t position = list == FlatIndex::kNone ? kUnknownPosition
                              : p->side == Side::kBuy  ? account_books_[list].quote_position
                                                       : account_books_[list].base_position;
    if (position != kUnknownPosition) {
      a->PrefetchBalanceAt(position);
    } else {
      a->PrefetchProbableBalance(p->side == Side::kBuy ? book->def.quote : book->def.base);
    }
    if (list != FlatIndex::kNone && account_books_[list].tail != kNil) {
      __builtin_prefetch(&pool_.links(account_books_[list].tail));
    }
    // The first maker's order came a stage before (PrefetchOrders): now its account and its list's entry, which
    // its settlement reads, and its links, which name the maker after it.
    if (const uint32_t head = FirstMakerInReach(*book, p->side, p->price); head != kNil) PrefetchMaker(head);
    return;
  }
  if (const auto* x = std::get_if<CancelAll>(&command.body); x != nullptr && x->instrument != kAllInstruments) {
    const uint32_t list = FindAccountBook(x->account, x->instrument);
    if (list == FlatIndex::kNone || account_books_[list].head == kNil) return;
    PrefetchOrder(account_books_[list].head);
    __builtin_prefetch(&pool_.links(account_books_[list].head));
    return;
  }
  uint32_t slot = HintedTarget(command);
  if (slot == FlatIndex::kNone) slot = ProbableTarget(command);
  if (slot == FlatIndex::kNone) return;
  const Book* book = PrefetchForClosing(slot, std::holds_alternative<CancelOrder>(command.body));
  if (const auto* amend = std::get_if<AmendOrder>(&command.body);
      book != nullptr && amend != nullptr && amend->new_price.value() > 0) {
    book->side(pool_[slot].side).PrefetchLevel(amend->new_price);
  }
}

const Book* Engine::Impl::PrefetchForClosing(uint32_t slot, bool forgets) const {
  const Order& o = pool_[slot];
  const Account* owner = accounts_.Find(o.account.value());
  const Book* book = FindBook(o.instrument);
  if (owner == nullptr || book == nullptr || static_cast<uint8_t>(o.side) > 1) return nullptr;  // stale or foreign
  owner->PrefetchBalanceAt(o.held_position);
  if (o.account_book < account_books_.size()) __builtin_prefetch(&account_books_[o.account_book]);
  const OrderLinks& links = pool_.links(slot);
  for (uint32_t neighbour : {links.queue_prev, links.queue_next, links.account_prev, links.account_next}) {
    if (neighbour != kNil) __builtin_prefetch(&pool_.links(neighbour));
  }
  if (forgets) {
    by_id_.Prefetch(o.id.value());
    if (!o.client_oid.empty()) by_oid_.Prefetch(o.oid_key);
  }
  book->side(o.side).PrefetchLevel(o.price);
  return book;
}

void Engine::Impl::Prefetch(const Command& command) const {
  if (const auto* p = std::get_if<PlaceOrder>(&command.body)) {
    if (!p->client_oid.empty()) by_oid_.Prefetch(OidKey(p->account, p->client_oid));
    account_book_index_.Prefetch(uint64_t{p->account.value()} << 16 | p->instrument.value());
    if (const Account* a = accounts_.Find(p->account.value())) a->PrefetchSelf();
    return;
  }
  const auto target = [&](AccountId account, OrderId id, const ClientOid& oid) {
    if (const Account* a = accounts_.Find(account.value())) a->PrefetchSelf();
    if (id.value() == 0 && oid.empty()) return;
    TargetHint& hint = target_hints_[next_hint_++ % target_hints_.size()];
    hint = TargetHint{&command, id.value() != 0 ? id.value() : OidKey(account, oid), id.value() != 0, FlatIndex::kNone};
    if (hint.by_id) {
      by_id_.Prefetch(hint.key);
    } else {
      by_oid_.Prefetch(hint.key);
    }
  };
  if (const auto* c = std::get_if<CancelOrder>(&command.body)) {
    target(c->account, c->order_id, c->client_oid);
  } else if (const auto* a = std::get_if<AmendOrder>(&command.body)) {
    target(a->account, a->order_id, a->orig_client_oid);
  } else if (const auto* x = std::get_if<CancelAll>(&command.body); x != nullptr && x->instrument != kAllInstruments) {
    // The account's list for the book, then (in the later stages) its entry and its first order.
    account_book_index_.Prefetch(uint64_t{x->account.value()} << 16 | x->instrument.value());
  }
}
static_assert(std::is_same_v<std::variant_alternative_t<5, CommandBody>, PlaceOrder>);
static_assert(std::is_same_v<std::variant_alternative_t<8, CommandBody>, AmendOrder>);
static_assert(std::is_same_v<std::variant_alternative_t<10, CommandBody>, SetAccountFeeTier>);
static_assert(std::is_same_v<std::variant_alternative_t<11, CommandBody>, CreateAccount>);
static_assert(std::is_same_v<std::variant_alternative_t<12, CommandBody>, SetApiKey>);

void Engine::Impl::OnDefineAsset(const DefineAsset& c) {
  if (AssetDefined(c.asset) || c.decimals > 18 || !ValidCode(c.code, sizeof c.code, false)) {
    return Reject(RejectReason::kInvalidCurrency);
  }
  if (assets_.size() <= c.asset.value()) assets_.resize(size_t{c.asset.value()} + 1);
  AssetInfo& a = assets_[c.asset.value()];
  NoteDefined(asset_ids_, c.asset.value());
  a.defined = true;
  a.decimals = c.decimals;
  std::copy(std::begin(c.code), std::end(c.code), a.code);
  Done();
}

RejectReason Engine::Impl::DefinitionProblem(const DefineInstrument& c, int64_t* tick_value) const {
  if (!AssetDefined(c.base) || !AssetDefined(c.quote) || c.base == c.quote) return RejectReason::kInvalidCurrency;
  if (c.tick_size.value() <= 0 || c.lot_size.value() <= 0) return RejectReason::kInvalidInstrument;
  const Wide product = static_cast<Wide>(c.tick_size.value()) * c.lot_size.value();
  const int64_t scale = Pow10(assets_[c.base.value()].decimals);
  if (product % scale != 0 || product / scale <= 0 || product / scale >= kMaxAmount) {
    return RejectReason::kInvalidInstrument;
  }
  if (c.min_qty.value() < 1 || c.min_qty.value() >= kMaxQtyLots || c.min_notional.value() < 0 ||
      c.min_notional.value() >= kMaxAmount || c.price_band_bps > 10000 || c.reference_price.value() < 0 ||
      c.reference_price.value() >= kMaxPriceTicks || !ValidStatus(c.status) ||
      !ValidCode(c.symbol, sizeof c.symbol, true)) {
    return RejectReason::kInvalidInstrument;
  }
  *tick_value = static_cast<int64_t>(product / scale);
  return RejectReason::kNone;
}

void Engine::Impl::OnDefineInstrument(const DefineInstrument& c) {
  if (c.instrument == kAllInstruments) return Reject(RejectReason::kInvalidInstrument);
  Book* existing = FindBook(c.instrument);
  if (existing != nullptr) {
    const DefineInstrument& d = existing->def;
    if (std::string_view(d.symbol) != std::string_view(c.symbol, strnlen(c.symbol, sizeof c.symbol)) ||
        d.base != c.base || d.quote != c.quote || d.tick_size != c.tick_size || d.lot_size != c.lot_size) {
      return Reject(RejectReason::kInvalidArgument);
    }
  }
  int64_t tick_value = 0;
  if (const RejectReason r = DefinitionProblem(c, &tick_value); r != RejectReason::kNone) return Reject(r);
  if (existing == nullptr) {
    for (const uint16_t id : book_ids_) {
      if (std::string_view(books_[id]->def.symbol) == std::string_view(c.symbol)) {
        return Reject(RejectReason::kInvalidInstrument);
      }
    }
    if (books_.size() <= c.instrument.value()) books_.resize(size_t{c.instrument.value()} + 1);
    std::unique_ptr<Book> book = TakeBook();
    book->def = c;
    book->tick_value = Amount{tick_value};
    book->lot_size = c.lot_size;
    books_[c.instrument.value()] = std::move(book);
    NoteDefined(book_ids_, c.instrument.value());
    return Done();
  }
  const InstrumentStatus old_status = existing->def.status;
  existing->def.min_qty = c.min_qty;
  existing->def.min_notional = c.min_notional;
  existing->def.price_band_bps = c.price_band_bps;
  existing->def.reference_price = c.reference_price;
  existing->def.status = old_status;
  ChangeStatus(*existing, c.status);
  Done();
}

void Engine::Impl::OnSetInstrumentStatus(const SetInstrumentStatus& c) {
  Book* book = FindBook(c.instrument);
  if (book == nullptr) return Reject(RejectReason::kInvalidInstrument);
  if (!ValidStatus(c.status)) return Reject(RejectReason::kInvalidArgument);
  ChangeStatus(*book, c.status);
  Done();
}

void Engine::Impl::ChangeStatus(Book& book, InstrumentStatus status) {
  const bool halting = status == InstrumentStatus::kHalted && book.def.status != InstrumentStatus::kHalted;
  book.def.status = status;
  if (!halting) return;
  // Cancel everything of the book in ascending order id (the documented, deterministic order).
  std::vector<uint32_t> slots;
  for (const BookSide* side : {&book.bids, &book.asks}) {
    side->ForEachFromBest([&](const Level& level) {
      for (uint32_t s = level.head; s != kNil; s = pool_.links(s).queue_next) slots.push_back(s);
      return true;
    });
  }
  for (const StopQueue* stops : {&book.stops_rise, &book.stops_fall}) {
    stops->ForEach([&](uint32_t s) { slots.push_back(s); });
  }
  std::sort(slots.begin(), slots.end(), [this](uint32_t a, uint32_t b) { return pool_[a].id < pool_[b].id; });
  for (uint32_t s : slots) CancelOpenOrder(s, CancelReason::kHalt, OrderStatus::kCanceled);
}

void Engine::Impl::OnDeposit(const Deposit& c) {
  if (c.account.value() >= config_.max_accounts) return Reject(RejectReason::kInvalidAccount, c.account);
  if (!AssetDefined(c.asset)) return Reject(RejectReason::kInvalidCurrency, c.account);
  if (c.amount.value() <= 0) return Reject(RejectReason::kInvalidArgument, c.account);
  AssetInfo& asset = assets_[c.asset.value()];
  const Account* existing = FindAccount(c.account);
  const AssetBalance* b = existing != nullptr ? existing->Find(c.asset) : nullptr;
  const Wide total = b != nullptr ? static_cast<Wide>(b->available.value()) + b->held.value() : 0;
  if (total + c.amount.value() >= kMaxAmount ||
      static_cast<Wide>(asset.net_deposits.value()) + c.amount.value() >= kMaxAmount) {
    return Reject(RejectReason::kExceedsMaxBalance, c.account);
  }
  Account& account = accounts_[c.account.value()];
  OpenAccount(account, c.account);
  account.Get(c.asset).available += c.amount;
  asset.net_deposits += c.amount;
  EmitBalance(c.account, c.asset);
  Done();
}

void Engine::Impl::OnWithdraw(const Withdraw& c) {
  Account* account = FindAccount(c.account);
  if (account == nullptr) return Reject(RejectReason::kInvalidAccount, c.account);
  if (!AssetDefined(c.asset)) return Reject(RejectReason::kInvalidCurrency, c.account);
  if (c.amount.value() <= 0) return Reject(RejectReason::kInvalidArgument, c.account);
  AssetBalance* b = account->Find(c.asset);
  if (b == nullptr || b->available < c.amount) return Reject(RejectReason::kInsufficientBalance, c.account);
  b->available -= c.amount;
  assets_[c.asset.value()].net_deposits -= c.amount;
  EmitBalance(c.account, c.asset);
  Done();
}

void Engine::Impl::OnSetFeeTier(const SetFeeTier& c) {
  if (c.tier > 15 || c.taker_ppm < 0 || c.taker_ppm > 100000 || c.maker_ppm < -100000 || c.maker_ppm > 100000) {
    return Reject(RejectReason::kInvalidArgument);
  }
  // No cross-tier rule is needed: each trade caps the maker's rebate at that trade's taker fee.
  fee_tiers_[c.tier] = FeeTier{c.maker_ppm, c.taker_ppm};
  Done();
}

void Engine::Impl::OnSetAccountFeeTier(const SetAccountFeeTier& c) {
  Account* account = FindAccount(c.account);
  if (account == nullptr) return Reject(RejectReason::kInvalidAccount, c.account);
  if (c.tier > 15) return Reject(RejectReason::kInvalidArgument, c.account);
  account->fee_tier = c.tier;
  Done();
}

void Engine::Impl::EmitBalance(AccountId account, AssetId asset) {
  if (!events_wanted_) return;
  const AssetBalance* b = accounts_.At(account.value()).Find(asset);
  events_.Add(
      BalanceEvent{account, asset, b != nullptr ? b->available : Amount{0}, b != nullptr ? b->held : Amount{0}});
}

void Engine::Impl::EmitBalanceAt(AccountId account, AssetId asset, uint16_t position) {
  if (!events_wanted_) return;
  const AssetBalance& b = accounts_.At(account.value()).BalanceAt(position);
  events_.Add(BalanceEvent{account, asset, b.available, b.held});
}

void Engine::Impl::EmitOrderUpdate(const Order& o) {
  if (!events_wanted_) return;
  events_.Add(OrderUpdateEvent{
      o.id, o.account, o.instrument, o.status, IsMarketLike(o.type) ? PriceTicks{0} : o.price, o.filled,
      o.status == OrderStatus::kActive || o.status == OrderStatus::kNew ? o.remaining : QtyLots{0}, o.cum_notional,
      o.cum_fee});
}

uint64_t Engine::Impl::ClientOidKey(AccountId account, const ClientOid& oid, const unsigned char* secret) {
  // The account is hashed as part of the input, not passed as the seed: XXH3 folds a seed into a short input by
  // little more than XOR, so with small account ids as seeds the short client_oids of different accounts kept
  // colliding (measured on the standard workload: 58% of placements met another account's key in the index, each
  // a wasted load of a random order).
  char input[sizeof(uint32_t) + ClientOid::kMaxLen];
  const uint32_t id = account.value();
  std::memcpy(input, &id, sizeof id);
  std::memcpy(input + sizeof id, oid.bytes, sizeof oid.bytes);  // all of it: a fixed-size copy is a few moves
  // With a secret only the engine knows, no client can compute where its keys land (the secret is the whole of
  // XXH3's key material, not a seed folded into the built-in one).
  // The bound is for the compiler (it drops the inlined hash's paths for longer inputs) and against a malformed len.
  const size_t bytes = sizeof id + std::min<size_t>(oid.len, ClientOid::kMaxLen);
  return secret != nullptr ? XXH3_64bits_withSecret(input, bytes, secret, kIndexSecretBytes)
                           : XXH3_64bits(input, bytes);
}

OrderView Engine::Impl::View(uint32_t slot) const {
  const Order& o = pool_[slot];
  OrderView v;
  v.order_id = o.id;
  v.account = o.account;
  v.instrument = o.instrument;
  v.side = o.side;
  v.type = o.type;
  v.tif = o.tif;
  v.status = o.status;
  v.flags = o.flags;
  v.price = IsMarketLike(o.type) ? PriceTicks{0} : o.price;
  v.trigger_price = o.trigger;
  v.qty = o.qty;
  v.filled = o.filled;
  v.notional = o.notional;
  v.held = o.held;
  v.cum_notional = o.cum_notional;
  v.cum_fee = o.cum_fee;
  v.maker_ppm = o.maker_ppm;
  v.taker_ppm = o.taker_ppm;
  v.client_oid = o.client_oid;
  v.created_seq = o.created_seq;
  v.created_time = o.created_time;
  return v;
}

namespace {

void HashOrder(StateHasher& h, const Order& o) {
  h.U64(o.id.value());
  h.U64(o.account.value());
  h.U64(static_cast<uint64_t>(o.side) | static_cast<uint64_t>(o.type) << 8 | static_cast<uint64_t>(o.tif) << 16 |
        static_cast<uint64_t>(o.flags) << 24 | static_cast<uint64_t>(o.stp_mode) << 32 |
        static_cast<uint64_t>(o.status) << 40);
  h.U64(o.stp_group);
  h.I64(o.price.value());
  h.I64(o.trigger.value());
  h.I64(o.qty.value());
  h.I64(o.remaining.value());
  h.I64(o.filled.value());
  h.I64(o.notional.value());
  h.I64(o.held.value());
  h.I64(o.cum_notional.value());
  h.I64(o.cum_fee.value());
  h.I64(o.maker_ppm);
  h.I64(o.taker_ppm);
  h.U64(o.created_seq);
  h.I64(o.created_time);
  h.Bytes(o.client_oid.view());
}

}  // namespace

uint64_t Engine::Impl::StateHash() const {
  struct LevelRun {
    PriceTicks price;
    uint32_t count;
    size_t orders;
  };
  constexpr size_t kHashLookahead = 8;
  std::vector<LevelRun> levels;  // one side's, reused
  std::vector<uint32_t> slots;
  StateHasher h;
  h.U64(next_order_id_);
  h.U64(next_match_id_);
  for (const size_t i : asset_ids_) {
    h.U64(i);
    h.U64(assets_[i].decimals);
    h.Bytes(assets_[i].code);
    h.I64(assets_[i].net_deposits.value());
  }
  for (const FeeTier& t : fee_tiers_) {
    h.I64(t.maker_ppm);
    h.I64(t.taker_ppm);
  }
  for (const size_t i : book_ids_) {
    const Book* b = books_[i].get();
    const DefineInstrument& d = b->def;
    h.U64(i);
    h.Bytes(d.symbol);
    h.U64(d.base.value());
    h.U64(d.quote.value());
    h.I64(d.tick_size.value());
    h.I64(d.lot_size.value());
    h.I64(d.min_qty.value());
    h.I64(d.min_notional.value());
    h.U64(d.price_band_bps);
    h.I64(d.reference_price.value());
    h.U64(static_cast<uint64_t>(d.status));
    h.I64(b->last_price.value());
    for (const BookSide* side : {&b->bids, &b->asks}) {
      h.U64(side->size());
      // The side's queues are gathered first (their links are a dense array), so that the orders, scattered over
      // the pool, can be loaded a few ahead of the one being hashed: a checkpoint hashes every open order.
      levels.clear();
      slots.clear();
      side->ForEachFromBest([&](const Level& level) {
        const size_t first = slots.size();
        for (uint32_t s = level.head; s != kNil; s = pool_.links(s).queue_next) slots.push_back(s);
        levels.push_back(LevelRun{level.price, level.count, slots.size() - first});
        return true;
      });
      size_t next = 0;
      for (const LevelRun& level : levels) {
        h.I64(level.price.value());
        h.U64(level.count);
        for (size_t end = next + level.orders; next < end; ++next) {
          if (next + kHashLookahead < slots.size()) PrefetchOrder(slots[next + kHashLookahead]);
          HashOrder(h, pool_[slots[next]]);
        }
      }
    }
    // Each queue walks its stops in ascending order id already: one merge puts both in that order.
    std::vector<uint32_t> stops;
    b->stops_rise.ForEach([&](uint32_t s) { stops.push_back(s); });
    const auto rise_end = static_cast<std::ptrdiff_t>(stops.size());
    b->stops_fall.ForEach([&](uint32_t s) { stops.push_back(s); });
    std::inplace_merge(stops.begin(), stops.begin() + rise_end, stops.end(),
                       [this](uint32_t x, uint32_t y) { return pool_[x].id < pool_[y].id; });
    h.U64(stops.size());
    for (uint32_t s : stops) HashOrder(h, pool_[s]);
  }
  struct HeldBalance {
    AssetId asset;
    AssetBalance balance;
  };
  std::vector<HeldBalance> balances;  // one account's at a time; reused, so hashing does not allocate per account
  accounts_.ForEach([&](size_t i, const Account& a) {
    // An account's spilled balances are a block of their own, away from the Account: the block two accounts ahead is
    // loaded while this one is hashed (docs/engine.md, "State hash", has the figures).
    if (const Account* ahead = accounts_.Find(static_cast<uint32_t>(i + 2)); ahead != nullptr) {
      ahead->PrefetchSpilledBalances();
    }
    if (!a.exists) return;
    h.U64(i);
    h.U64(a.fee_tier);
    h.U64(a.open_orders);
    balances.clear();
    a.ForEachBalance([&](AssetId asset, const AssetBalance& b) {
      if (b.available.value() != 0 || b.held.value() != 0) balances.push_back({asset, b});
    });
    // Balances are kept in the order the assets were first held, often ascending already (deposits made in asset
    // order): checking that is one pass, where sorting a hundred balances per account was a third of the accounts'
    // part of the hash.
    const auto by_asset = [](const HeldBalance& x, const HeldBalance& y) { return x.asset < y.asset; };
    if (!std::is_sorted(balances.begin(), balances.end(), by_asset)) {
      std::sort(balances.begin(), balances.end(), by_asset);
    }
    for (const auto& [asset, b] : balances) {
      h.U64(asset.value());
      h.I64(b.available.value());
      h.I64(b.held.value());
    }
  });
  HashApiKeys(h);
  return h.Digest();
}

std::string Engine::Impl::Audit() const {
  std::map<std::pair<uint32_t, uint16_t>, int64_t> held_by_orders;
  std::map<uint32_t, uint32_t> orders_by_account;  // on the books and waiting as stops
  size_t open_orders = 0;
  auto check_order = [&](uint32_t slot, const Book& b) -> std::string {
    const Order& o = pool_[slot];
    ++open_orders;
    ++orders_by_account[o.account.value()];
    if (by_id_.Find(o.id.value(), [&](uint32_t s) { return s == slot; }) == FlatIndex::kNone) {
      return "order " + std::to_string(o.id.value()) + " missing from the id index";
    }
    if (!o.client_oid.empty() && FindOpenOrder(o.account, OrderId{0}, o.client_oid) != slot) {
      return "order " + std::to_string(o.id.value()) + " missing from the client_oid index";
    }
    if (o.held != Requirement(o, b)) {
      return "order " + std::to_string(o.id.value()) + " holds " + std::to_string(o.held.value()) + " but requires " +
             std::to_string(Requirement(o, b).value());
    }
    held_by_orders[{o.account.value(), HeldAsset(o, b).value()}] += o.held.value();
    return {};
  };
  for (const uint16_t id : book_ids_) {
    const Book& b = *books_[id];
    if (!b.bids.empty() && !b.asks.empty() && b.bids.best().price >= b.asks.best().price) {
      return std::string("crossed book ") + b.def.symbol;
    }
    for (const BookSide* side : {&b.bids, &b.asks}) {
      std::string error;
      const Level* previous = nullptr;
      size_t levels = 0;
      int64_t resting = 0;
      side->ForEachFromBest([&](const Level& level) {
        ++levels;
        resting += level.total.value();
        if (previous != nullptr && !side->Better(previous->price, level.price)) {
          error = std::string("levels out of order in ") + b.def.symbol;
          return false;
        }
        previous = &level;
        int64_t total = 0;
        uint32_t count = 0;
        for (uint32_t s = level.head; s != kNil; s = pool_.links(s).queue_next) {
          if (pool_[s].price != level.price || pool_[s].remaining.value() <= 0) {
            error = "bad order in level";
            return false;
          }
          total += pool_[s].remaining.value();
          ++count;
          if (std::string e = check_order(s, b); !e.empty()) {
            error = std::move(e);
            return false;
          }
        }
        if (total != level.total.value() || count != level.count || count == 0) {
          error = std::string("level totals wrong in ") + b.def.symbol;
          return false;
        }
        return true;
      });
      if (!error.empty()) return error;
      if (levels != side->size()) return std::string("level count wrong in ") + b.def.symbol;
      if (resting != side->resting()) return std::string("resting quantity wrong in ") + b.def.symbol;
    }
    for (const StopQueue* stops : {&b.stops_rise, &b.stops_fall}) {
      std::string e;
      stops->ForEach([&](uint32_t s) {
        if (!e.empty()) return;
        const Order& o = pool_[s];
        if (o.status != OrderStatus::kNew || !IsStop(o.type) || TriggersOnRise(o.side, o.type) != stops->rise()) {
          e = "order " + std::to_string(o.id.value()) + " is not a waiting stop of its direction";
          return;
        }
        e = check_order(s, b);
      });
      if (!e.empty()) return e;
      // Every stop the last price meets has been triggered before the command ended.
      if (b.last_price.value() != 0 && stops->FirstMet(b.last_price) != kNil) {
        return std::string("a waiting stop is met by the last price in ") + b.def.symbol;
      }
    }
  }
  if (open_orders != pool_.live() || open_orders != by_id_.size()) return "open order count mismatch";
  std::map<uint16_t, Wide> sums;
  std::string err;
  size_t highest_account = 0;
  accounts_.ForEach([&](size_t i, const Account& a) {
    if (!a.exists || !err.empty()) return;
    highest_account = i;
    // Its open_orders counts its orders, and its lists hold exactly them: cancel-all across books stops its walk once
    // it has found open_orders of them.
    const auto counted = orders_by_account.find(static_cast<uint32_t>(i));
    uint32_t listed = 0;
    const uint32_t lists = ForEachList(a, [&](uint32_t index) {
      for (uint32_t s = account_books_[index].head; s != kNil; s = pool_.links(s).account_next) ++listed;
      return true;
    });
    const uint32_t orders = counted == orders_by_account.end() ? 0 : counted->second;
    if (a.open_orders != orders || listed != a.open_orders || lists != a.books) {
      err = "account " + std::to_string(i) + " counts " + std::to_string(a.open_orders) + " open orders and " +
            std::to_string(a.books) + " lists, but has " + std::to_string(orders) + " orders and its " +
            std::to_string(lists) + " lists hold " + std::to_string(listed);
      return;
    }
    a.ForEachBalance([&](AssetId asset, const AssetBalance& b) {
      if (b.available.value() < 0 || b.held.value() < 0) err = "negative balance, account " + std::to_string(i);
      auto it = held_by_orders.find({static_cast<uint32_t>(i), asset.value()});
      const int64_t expect = it == held_by_orders.end() ? 0 : it->second;
      if (b.held.value() != expect) {
        err = "account " + std::to_string(i) + " asset " + std::to_string(asset.value()) + " holds " +
              std::to_string(b.held.value()) + " but its orders hold " + std::to_string(expect);
      }
      sums[asset.value()] += static_cast<Wide>(b.available.value()) + b.held.value();
    });
  });
  if (!err.empty()) return err;
  for (const uint16_t i : asset_ids_) {
    if (sums[i] != assets_[i].net_deposits.value()) {
      return "conservation broken for asset " + std::string(assets_[i].code);
    }
  }
  if (highest_account != highest_account_) {
    return "highest account id is " + std::to_string(highest_account) + " but the next account id is derived from " +
           std::to_string(highest_account_);
  }
  return AuditApiKeys();
}

// ---- Engine: the public face

Engine::Engine(const EngineConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Engine::~Engine() = default;

std::span<const Event> Engine::Apply(const Command& command) { return impl_->Apply(command); }
void Engine::ReplayInOrder(std::span<const Command> commands) {
  struct Quiet {  // restores events even if a command throws (an allocation that fails)
    Impl& impl;
    explicit Quiet(Impl& i) : impl(i) { impl.events_wanted_ = false; }
    ~Quiet() { impl.events_wanted_ = true; }
    Quiet(const Quiet&) = delete;
    Quiet& operator=(const Quiet&) = delete;
  } quiet(*impl_);
  ApplyInOrder(commands, [](const Command&, std::span<const Event>) {});
}
void Engine::Prefetch(const Command& command, PrefetchStage stage) const {
  switch (stage) {
    case PrefetchStage::kIndexes:
      return impl_->Prefetch(command);
    case PrefetchStage::kOrders:
      return impl_->PrefetchOrders(command);
    case PrefetchStage::kDependents:
      return impl_->PrefetchDependents(command);
  }
}
bool Engine::PrefetchPays() const { return impl_->LargerThanCache(); }
uint64_t Engine::StateHash() const { return impl_->StateHash(); }
std::string Engine::Audit() const { return impl_->Audit(); }

BookDepth Engine::Depth(InstrumentId instrument, size_t levels) const {
  BookDepth depth;
  const Book* b = impl_->FindBook(instrument);
  if (b == nullptr) return depth;
  const auto collect = [levels](const BookSide& side, std::vector<DepthLevel>& out) {
    side.ForEachFromBest([&](const Level& l) {
      if (out.size() >= levels) return false;
      out.push_back(DepthLevel{l.price, l.total, l.count});
      return true;
    });
  };
  collect(b->bids, depth.bids);
  collect(b->asks, depth.asks);
  return depth;
}

std::vector<OrderView> Engine::BookOrders(InstrumentId instrument, Side side) const {
  std::vector<OrderView> out;
  const Book* b = impl_->FindBook(instrument);
  if (b == nullptr) return out;
  const BookSide& s = b->side(side);
  s.ForEachFromBest([&](const Level& level) {
    for (uint32_t slot = level.head; slot != kNil; slot = impl_->pool_.links(slot).queue_next) {
      out.push_back(impl_->View(slot));
    }
    return true;
  });
  return out;
}

std::optional<PriceTicks> Engine::BestBid(InstrumentId instrument) const {
  const Book* b = impl_->FindBook(instrument);
  if (b == nullptr || b->bids.empty()) return std::nullopt;
  return b->bids.best().price;
}

std::optional<PriceTicks> Engine::BestAsk(InstrumentId instrument) const {
  const Book* b = impl_->FindBook(instrument);
  if (b == nullptr || b->asks.empty()) return std::nullopt;
  return b->asks.best().price;
}

std::vector<OrderView> Engine::OpenOrders(AccountId account) const {
  std::vector<OrderView> out;
  const Account* a = impl_->FindAccount(account);
  if (a == nullptr) return out;
  std::vector<uint32_t> slots;
  impl_->CollectOpenOrders(account, kAllInstruments, slots);
  for (uint32_t s : slots) out.push_back(impl_->View(s));
  return out;
}

std::optional<OrderView> Engine::FindOrder(AccountId account, OrderId order_id) const {
  const uint32_t slot = impl_->FindOpenOrder(account, order_id, ClientOid{});
  if (slot == kNil) return std::nullopt;
  return impl_->View(slot);
}

BalanceView Engine::Balance(AccountId account, AssetId asset) const {
  const Account* a = impl_->FindAccount(account);
  const AssetBalance* b = a != nullptr ? a->Find(asset) : nullptr;
  if (b == nullptr) return {};
  return BalanceView{b->available, b->held};
}

bool Engine::AccountExists(AccountId account) const { return impl_->FindAccount(account) != nullptr; }

std::optional<InstrumentView> Engine::Instrument(InstrumentId instrument) const {
  const Book* b = impl_->FindBook(instrument);
  if (b == nullptr) return std::nullopt;
  return InstrumentView{b->def, b->last_price, b->tick_value};
}

std::vector<InstrumentId> Engine::InstrumentIds() const {
  std::vector<InstrumentId> out;
  for (const uint16_t id : impl_->book_ids_) out.push_back(InstrumentId{id});
  return out;
}

std::optional<DefineAsset> Engine::Asset(AssetId asset) const {
  if (!impl_->AssetDefined(asset)) return std::nullopt;
  const AssetInfo& a = impl_->assets_[asset.value()];
  DefineAsset out{asset, a.decimals, {}};
  std::copy(std::begin(a.code), std::end(a.code), out.code);
  return out;
}

std::vector<AssetId> Engine::AssetIds() const {
  std::vector<AssetId> out;
  for (const uint16_t id : impl_->asset_ids_) out.push_back(AssetId{id});
  return out;
}

Amount Engine::NetDeposits(AssetId asset) const {
  return impl_->AssetDefined(asset) ? impl_->assets_[asset.value()].net_deposits : Amount{0};
}

size_t Engine::OpenOrderCount() const { return impl_->pool_.live(); }

SetFeeTier Engine::FeeTierRates(uint8_t tier) const {
  SetFeeTier rates;
  rates.tier = tier;
  if (tier < impl_->fee_tiers_.size()) {
    rates.maker_ppm = impl_->fee_tiers_[tier].maker_ppm;
    rates.taker_ppm = impl_->fee_tiers_[tier].taker_ppm;
  }
  return rates;
}

std::optional<uint8_t> Engine::AccountFeeTier(AccountId account) const {
  const Account* a = impl_->FindAccount(account);
  if (a == nullptr) return std::nullopt;
  return a->fee_tier;
}

size_t Engine::SmallMemoryBytes() const { return impl_->huge_pages_.carved_region_bytes(); }

size_t Engine::MemoryBytes() const {
  size_t bytes = impl_->pool_.MemoryBytes() + impl_->by_id_.MemoryBytes() + impl_->by_oid_.MemoryBytes() +
                 impl_->accounts_.MemoryBytes() + impl_->assets_.capacity() * sizeof(AssetInfo) +
                 impl_->events_.capacity() * sizeof(Event) + impl_->account_books_.capacity() * sizeof(AccountBook) +
                 impl_->account_book_blocks_.capacity() * sizeof(AccountBookBlock) +
                 impl_->account_book_index_.MemoryBytes() + impl_->scratch_slots_.capacity() * sizeof(uint32_t) +
                 impl_->api_keys_.size() * (sizeof(ApiKeyMap::value_type) + 4 * sizeof(void*));  // + tree node links
  for (const auto* books : {&impl_->books_, &impl_->spare_books_}) {
    for (const auto& b : *books) {
      if (b) {
        bytes += sizeof(Book) + b->bids.MemoryBytes() + b->asks.MemoryBytes() + b->stops_rise.MemoryBytes() +
                 b->stops_fall.MemoryBytes();
      }
    }
  }
  return bytes;
}

}  // namespace sequex

// Engine::Impl: the engine's state and the operations on it. Private to src/engine/.
//
// Split by responsibility: engine.cc (dispatch, definitions, wallet commands, queries, hash, audit),
// accounts.cc (account creation, API keys and their queries), order_entry.cc (place / cancel / cancel-all / amend
// validation and holds), matching.cc (matching, settlement, stop triggering), snapshot.cc (save / load). All of it
// runs on the one business thread.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <memory_resource>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/fingerprint_index.h"
#include "common/flat_index.h"
#include "common/huge_page_resource.h"
#include "engine/book_side.h"
#include "engine/engine.h"
#include "engine/order_id_index.h"
#include "engine/order_pool.h"
#include "engine/stop_queue.h"
#include "engine/wallet.h"

namespace sequex {

// An asset code or symbol: upper-case letters and digits (and '_' / '-' where `allow_sep`), non-empty, and
// NUL-terminated inside its `max` bytes.
[[nodiscard]] bool ValidCode(const char* s, size_t max, bool allow_sep);

struct AssetInfo {
  bool defined = false;
  uint8_t decimals = 0;
  char code[16] = {};
  Amount net_deposits{};  // deposits - withdrawals, for the conservation check
};

struct Book {
  DefineInstrument def;
  Amount tick_value{};      // quote units of one tick x one lot
  Amount lot_size{};        // base units of one lot (copy of def.lot_size, hot)
  PriceTicks last_price{};  // 0 until the first trade
  // The highest and lowest trade prices of the command in progress, for the stops (every trade can trigger one, not
  // only a command's last); "no trade yet" is 0 and the price limit, which meet no trigger. Only a waiting stop reads
  // them, so they are reset where that matters and nowhere else: when a stop starts waiting, and when the stops have
  // been asked at the end of a command. A book without stops may carry an older command's trades in them, unread.
  PriceTicks print_high{0};
  PriceTicks print_low{kMaxPriceTicks};
  void ForgetPrints() {
    print_high = PriceTicks{0};
    print_low = PriceTicks{kMaxPriceTicks};
  }
  BookSide bids{true};
  BookSide asks{false};
  // Waiting stop orders. `rise` triggers when last >= trigger, `fall` when last <= trigger.
  StopQueue stops_rise{true};
  StopQueue stops_fall{false};

  BookSide& side(Side s) { return s == Side::kBuy ? bids : asks; }
  [[nodiscard]] const BookSide& side(Side s) const { return s == Side::kBuy ? bids : asks; }
};

struct FeeTier {
  int32_t maker_ppm = 0;
  int32_t taker_ppm = 0;
};

// Whether a taker of `account` and `stp_group` would meet `maker` as its own under self-trade prevention: the same
// account, or the same non-zero STP group.
[[nodiscard]] inline bool InSelfTradeSet(AccountId account, uint32_t stp_group, const Order& maker) {
  return maker.account == account || (stp_group != 0 && maker.stp_group == stp_group);
}

class StateHasher;

// Registered API keys by key text. Control plane (touched only by CreateAccount / SetApiKey and queries), so an
// ordered node container is fine; its order is the hash and snapshot order.
using ApiKeyMap = std::map<std::string, ApiKeyView, std::less<>>;

// Key / secret text and permissions as CreateAccount and SetApiKey accept them (docs/engine.md, "Accounts and
// keys"): the key 8..31 and the secret 16..47 printable ASCII characters (0x21..0x7E) followed only by NULs, and
// permissions a non-empty subset of kPermissionRead | kPermissionTrade. Also what LoadSnapshot requires of a key.
[[nodiscard]] bool ValidApiKeyText(const char (&key)[32]);
[[nodiscard]] bool ValidApiSecretText(const char (&secret)[48]);
[[nodiscard]] bool ValidApiPermissions(uint8_t permissions);

class Engine::Impl {
 public:
  explicit Impl(const EngineConfig& config);

  std::span<const Event> Apply(const Command& command);
  void Prefetch(const Command& command) const;
  void PrefetchOrders(const Command& command) const;
  void PrefetchOrder(uint32_t slot) const {  // every line of the order in `slot`
    const char* at = reinterpret_cast<const char*>(&pool_[slot]);
    for (size_t off = 0; off < sizeof(Order); off += 64) __builtin_prefetch(at + off);
  }
  void PrefetchDependents(const Command& command) const;
  // What closing the open order in `slot` touches besides the order itself (whose first line must already be on its
  // way, as this reads it): its held balance, its account list's entry, its neighbours' links and its level; with
  // `forgets`, also its id's and client_oid's index entries. Returns its book, or nullptr for a slot that holds no
  // open order (a stale hint: nothing is prefetched).
  const Book* PrefetchForClosing(uint32_t slot, bool forgets) const;
  // Whether the open orders and accounts outgrow what a core's cache holds, so that a hint for a line a command will
  // touch saves more than it costs (Engine::PrefetchPays; the commands that visit several orders ask it too).
  [[nodiscard]] bool LargerThanCache() const {
    // Rough bytes per open order (its hot line, links, id and client_oid entries, a share of its level) and per
    // account (the account and a few balances), against half of a 2 MiB L2: below it the working set stays cached.
    constexpr uint64_t kBytesPerOrder = 160;
    constexpr uint64_t kBytesPerAccount = 256;
    constexpr uint64_t kCacheResident = 1u << 20;
    return uint64_t{pool_.live()} * kBytesPerOrder + uint64_t{open_accounts_} * kBytesPerAccount > kCacheResident;
  }
  // The first order a new order of `side` at `price` (0: a market order) would trade with on arrival, or kNil when
  // the opposite side is empty or its best price is out of reach. A hint only: no check of status or band.
  [[nodiscard]] uint32_t FirstMakerInReach(const Book& book, Side side, PriceTicks price) const {
    const BookSide& opposite = book.side(Opposite(side));
    if (opposite.empty() || (price.value() != 0 && opposite.Better(price, opposite.best().price))) return kNil;
    return opposite.best().head;
  }
  // What settling a trade with the resting order in `slot` reads besides the order (whose lines must already be on
  // their way, as this reads it): its account, its account list's entry, and its links (which name the next maker).
  void PrefetchMaker(uint32_t slot) const {
    const Order& m = pool_[slot];
    if (const Account* a = accounts_.Find(m.account.value())) a->PrefetchSelf();
    if (m.account_book < account_books_.size()) __builtin_prefetch(&account_books_[m.account_book]);
    __builtin_prefetch(&pool_.links(slot));
  }
  // Then, once its account has arrived: the two balances its settlement moves (the one it holds, and the one its
  // list knows for the asset it receives).
  void PrefetchMakerBalances(uint32_t slot) const {
    const Order& m = pool_[slot];
    const Account* a = accounts_.Find(m.account.value());
    if (a == nullptr) return;
    a->PrefetchBalanceAt(m.held_position);
    if (m.account_book >= account_books_.size()) return;
    const AccountBook& list = account_books_[m.account_book];
    const uint16_t receives = m.side == Side::kBuy ? list.base_position : list.quote_position;
    if (receives != kUnknownPosition) a->PrefetchBalanceAt(receives);
  }
  // The open order a cancel or amend names, as far as the indexes say (no confirmation): kNone if none. The stages
  // remember per command what they computed (target_hints_: the index key from kIndexes, the slot from kOrders), so
  // later stages and Apply neither hash nor probe again; a hinted slot is only ever a candidate that Apply confirms.
  [[nodiscard]] uint32_t ProbableTarget(const Command& command) const;
  struct TargetHint {
    const Command* command = nullptr;
    uint64_t key = 0;  // order id, or OidKey of the client_oid
    bool by_id = false;
    uint32_t slot = UINT32_MAX;  // FlatIndex::kNone until kOrders ran
  };
  [[nodiscard]] TargetHint* FindHint(const Command& command) const {
    // No stage has run (a venue small enough that the hints do not pay, PrefetchPays): nothing to scan for.
    if (next_hint_ == 0) return nullptr;
    // Newest first: a caller that reuses its buffer of commands leaves older hints for the same address, and the
    // newest is the one the stages made for this command (an older one would only be a candidate Apply rejects).
    for (uint32_t back = 1; back <= target_hints_.size(); ++back) {
      TargetHint& h = target_hints_[(next_hint_ - back) % target_hints_.size()];
      if (h.command == &command) return &h;
    }
    return nullptr;
  }
  [[nodiscard]] uint32_t HintedTarget(const Command& command) const {
    const TargetHint* h = FindHint(command);
    return h != nullptr ? h->slot : FlatIndex::kNone;
  }

  // ---- engine.cc
  void OnDefineAsset(const DefineAsset& c);
  void OnDefineInstrument(const DefineInstrument& c);
  // The checks a definition's own values must pass (its assets defined and distinct, sizes and tick value, limits,
  // status, symbol), for DefineInstrument and for the snapshot loader: kNone and its tick value, or the reason.
  [[nodiscard]] RejectReason DefinitionProblem(const DefineInstrument& c, int64_t* tick_value) const;
  void OnSetInstrumentStatus(const SetInstrumentStatus& c);
  void OnDeposit(const Deposit& c);
  void OnWithdraw(const Withdraw& c);
  void OnSetFeeTier(const SetFeeTier& c);
  void OnSetAccountFeeTier(const SetAccountFeeTier& c);
  void ChangeStatus(Book& book, InstrumentStatus status);
  [[nodiscard]] uint64_t StateHash() const;
  [[nodiscard]] std::string Audit() const;
  [[nodiscard]] OrderView View(uint32_t slot) const;

  // ---- accounts.cc
  void OnCreateAccount(const CreateAccount& c);
  void OnSetApiKey(const SetApiKey& c);
  void HashApiKeys(StateHasher& h) const;             // the "keys" section of the state hash
  [[nodiscard]] std::string AuditApiKeys() const;     // every key valid, owned by an existing trading account
  void OpenAccount(Account& account, AccountId id) {  // an account now exists (it may have before)
    if (!account.exists) ++open_accounts_;
    account.exists = true;
    if (id.value() > highest_account_) highest_account_ = id.value();
  }

  // ---- order_entry.cc
  void OnPlaceOrder(const PlaceOrder& c);
  void OnCancelOrder(const CancelOrder& c);
  void OnCancelAll(const CancelAll& c);
  void OnAmendOrder(const AmendOrder& c);
  [[nodiscard]] uint32_t FindOpenOrder(AccountId account, OrderId id, const ClientOid& oid) const;
  // The account's open order with this non-empty client_oid, whose index key (OidKey) the caller has computed.
  [[nodiscard]] uint32_t FindByOidKey(AccountId account, const ClientOid& oid, uint64_t key) const;
  // FindOpenOrder, trying `candidate` (a hint, possibly stale, or kNone) before the indexes.
  [[nodiscard]] uint32_t FindOpenOrder(AccountId account, OrderId id, const ClientOid& oid, uint32_t candidate) const;
  [[nodiscard]] Amount Requirement(const Order& o, const Book& book) const;

  // ---- matching.cc
  // Matches the taker in `slot` against the opposite side, then finishes it (rest / expire / fill).
  void Execute(Book& book, uint32_t slot);
  // Fires the stops the command's trades met, lowest order id first. Asked after every placement and amend, and
  // most books have no stop waiting: that check is inline, the firing out of line (whose prologue alone cost more).
  void RunStops(Book& book) {
    if (!book.stops_rise.empty() || !book.stops_fall.empty()) FireStops(book);
  }
  void FireStops(Book& book);
  // Ends an open order: releases its hold, unlinks it everywhere, frees the slot. Emits Cancelled (if `why` is set),
  // OrderUpdate(status) and Balance(held asset).
  void CancelOpenOrder(uint32_t slot, CancelReason why, OrderStatus status);
  void RestOnBook(Book& book, uint32_t slot);
  void UnlinkFromBook(Book& book, uint32_t slot);
  // Links the order to its (account, instrument) list, `list` if the caller found it (kNone: look it up, or open it).
  void LinkToAccount(uint32_t slot, uint32_t list = FlatIndex::kNone);
  [[nodiscard]] uint32_t FindAccountBook(AccountId account, InstrumentId instrument) const {
    return account_book_index_.Find(uint64_t{account.value()} << 16 | instrument.value());
  }
  // The balance of the instrument's base (or quote) asset in `account`, whose list for that instrument is `list`,
  // through the position the list remembers; found (or created) and remembered on first use.
  AssetBalance& ListedBalance(Account& account, AccountBook& list, bool base, AssetId asset) {
    uint16_t& position = base ? list.base_position : list.quote_position;
    if (position != kUnknownPosition) return account.BalanceAt(position);
    AssetBalance& b = account.Get(asset);
    position = account.PositionOf(b);
    return b;
  }
  // The account's open orders (all instruments, or one) in ascending order id, into `out` (cleared first).
  void CollectOpenOrders(AccountId account, InstrumentId instrument, std::vector<uint32_t>& out) const;
  // Calls visit(list index) for each of the account's (account, instrument) lists, newest first, while it returns
  // true. The next block's line and a block's lists are requested together, so the walk waits for memory once per
  // block, not once per list. Returns the number of lists visited.
  template <typename Visit>
  uint32_t ForEachList(const Account& account, Visit&& visit) const {
    uint32_t visited = 0;
    uint32_t in_block = (account.books + AccountBookBlock::kLists - 1) % AccountBookBlock::kLists + 1;
    for (uint32_t b = account.newest_block; b != kNil; b = account_book_blocks_[b].older) {
      const AccountBookBlock& block = account_book_blocks_[b];
      if (block.older != kNil) __builtin_prefetch(&account_book_blocks_[block.older]);
      for (uint32_t i = 0; i < in_block; ++i) __builtin_prefetch(&account_books_[block.lists[i]]);
      for (uint32_t i = 0; i < in_block; ++i) {
        ++visited;
        if (!visit(block.lists[i])) return visited;
      }
      in_block = AccountBookBlock::kLists;  // only the newest block is partly filled
    }
    return visited;
  }
  void Forget(uint32_t slot);  // account list, indexes, pool

  // ---- shared helpers
  // A book for an instrument being defined: one built with the engine while any is left (EngineConfig::expected_books),
  // else a new one, whose ladders are mapped and faulted in now.
  std::unique_ptr<Book> TakeBook() {
    if (spare_books_.empty()) return std::make_unique<Book>();
    std::unique_ptr<Book> book = std::move(spare_books_.back());
    spare_books_.pop_back();
    return book;
  }
  [[nodiscard]] Book* FindBook(InstrumentId id) {
    return id.value() < books_.size() ? books_[id.value()].get() : nullptr;
  }
  [[nodiscard]] const Book* FindBook(InstrumentId id) const {
    return id.value() < books_.size() ? books_[id.value()].get() : nullptr;
  }
  [[nodiscard]] Account* FindAccount(AccountId id) {
    Account* a = accounts_.Find(id.value());
    return a != nullptr && a->exists ? a : nullptr;
  }
  [[nodiscard]] const Account* FindAccount(AccountId id) const {
    const Account* a = accounts_.Find(id.value());
    return a != nullptr && a->exists ? a : nullptr;
  }
  [[nodiscard]] bool AssetDefined(AssetId a) const { return a.value() < assets_.size() && assets_[a.value()].defined; }
  [[nodiscard]] AssetId HeldAsset(const Order& o, const Book& b) const {
    return o.side == Side::kBuy ? b.def.quote : b.def.base;
  }
  // The by_oid_ index key of (account, client_oid): a 64-bit hash, so keys of different pairs almost never meet,
  // keyed by EngineConfig::index_seed.
  [[nodiscard]] uint64_t OidKey(AccountId account, const ClientOid& oid) const {
    return ClientOidKey(account, oid, config_.index_seed != 0 ? index_secret_.data() : nullptr);
  }
  // The same with a given XXH3 secret of kIndexSecretBytes (nullptr: XXH3's built-in one).
  [[nodiscard]] static uint64_t ClientOidKey(AccountId account, const ClientOid& oid, const unsigned char* secret);
  static constexpr size_t kIndexSecretBytes = 192;  // XXH3_SECRET_DEFAULT_SIZE
  void EmitBalance(AccountId account, AssetId asset);
  // The same event for a balance whose position in the account the caller knows (an order's held_position, or what
  // Account::PositionOf said): no lookup, so no wait for the account's asset table.
  void EmitBalanceAt(AccountId account, AssetId asset, uint16_t position);
  void EmitOrderUpdate(const Order& o);
  // Cold: GCC then takes every branch into a Reject as unlikely. Without it, its static estimate after a
  // placement's twenty-odd checks put the accepting path below its hot threshold, and compiled it for size (the
  // Order's client_oid was copied with `rep movs`).
  [[gnu::cold]] void Reject(RejectReason reason, AccountId account = AccountId{0}, OrderId order = OrderId{0}) {
    Emit(RejectedEvent{reason, account, order});
  }
  void Done() { Emit(DoneEvent{}); }
  // Every event goes through here. Building an event must have no effect on the state (take a match id before,
  // not inside it), so that a replay that builds none (Engine::ReplayInOrder) reaches the same state.
  template <typename E>
  void Emit(E&& event) {
    if (events_wanted_) events_.Add(std::forward<E>(event));
  }
  // The events of the command being applied, in a buffer every command reuses. Adding one is a compare and the
  // event's stores: growth (a burst longer than any before) is out of line, where vector::emplace_back's inline
  // reallocation path made every function that added an event save and restore six registers.
  class EventBuffer {
   public:
    explicit EventBuffer(size_t capacity) : events_(capacity) {}
    template <typename E>
    void Add(E&& event) {
      if (size_ == capacity_) [[unlikely]] {
        return GrowAndAdd(Event(std::forward<E>(event)));
      }
      data_[size_++].emplace<std::decay_t<E>>(std::forward<E>(event));
    }
    void clear() { size_ = 0; }
    [[nodiscard]] std::span<const Event> events() const { return {data_, size_}; }
    [[nodiscard]] size_t capacity() const { return capacity_; }

   private:
    [[gnu::cold, gnu::noinline]] void GrowAndAdd(const Event& event) {
      events_.resize(capacity_ * 2);
      data_ = events_.data();
      capacity_ = events_.size();
      data_[size_++] = event;
    }
    std::vector<Event> events_;
    // The vector's data and size, kept apart so that Add compares and stores without asking the vector (its size is
    // two loads and a division by sizeof(Event)); only GrowAndAdd changes the vector, and it updates both.
    Event* data_ = events_.data();
    size_t capacity_ = events_.size();
    size_t size_ = 0;
  };

  EngineConfig config_;
  alignas(64) std::array<unsigned char, kIndexSecretBytes> index_secret_{};  // from config_.index_seed, if not 0
  // Huge-page memory for the containers read at random (accounts and their vectors, order links, account lists); it
  // keeps freed blocks for the next request of their size. Declared before every member that draws from it, so it
  // outlives them.
  HugePageResource huge_pages_{config_.reserved_small_memory};
  const Command* command_ = nullptr;                  // the command being applied (seq, time)
  mutable std::array<TargetHint, 8> target_hints_{};  // the latest cancels' and amends' hints (Prefetch is const)
  mutable uint32_t next_hint_ = 0;
  EventBuffer events_{4096};
  bool events_wanted_ = true;  // false while Engine::ReplayInOrder runs: no one reads the events, so none is built
  OrderPool pool_;
  OrderIdIndex by_id_;
  FingerprintIndex by_oid_;
  AccountTable accounts_;
  std::vector<AssetInfo> assets_;
  std::vector<std::unique_ptr<Book>> books_;
  std::vector<std::unique_ptr<Book>> spare_books_;  // built with the engine, for instruments to come (TakeBook)
  // The ids in use of assets_ and books_, ascending: ids are the operator's choice (up to 0xFFFE), so walking the
  // tables themselves would cost the highest id, not the number defined, on every hash and audit.
  std::vector<uint16_t> asset_ids_;
  std::vector<uint16_t> book_ids_;
  static void NoteDefined(std::vector<uint16_t>& ids, uint16_t id) {
    ids.insert(std::upper_bound(ids.begin(), ids.end(), id), id);
  }
  std::array<FeeTier, 16> fee_tiers_{};
  std::pmr::vector<AccountBook> account_books_{&huge_pages_};  // every (account, instrument) order list ever opened
  // Every account's list indexes, in blocks (Account::newest_block). Beside the lists, not in them, because only
  // cancel-all across books and the account queries walk them.
  std::pmr::vector<AccountBookBlock> account_book_blocks_{&huge_pages_};
  FlatIndex account_book_index_;         // (account << 16 | instrument) -> index in account_books_
  std::vector<uint32_t> scratch_slots_;  // reused by cancel-all so it does not allocate per command
  uint64_t next_order_id_ = 1;
  uint64_t next_match_id_ = 1;
  ApiKeyMap api_keys_;
  // The highest id of an existing account (the fee account included). Accounts are never removed, so it only grows;
  // CreateAccount gives out highest_account_ + 1. Derived from the account table (not stored in snapshots).
  uint32_t highest_account_ = 0;
  uint32_t open_accounts_ = 0;  // accounts that exist, the fee account included (Engine::PrefetchPays)
};

// ---- integer arithmetic on money: 128-bit intermediates or checked 64-bit multiplies, results checked against
// kMaxAmount

using Wide = __int128;

// p * q * tick_value, or -1 if it reaches kMaxAmount. p, q >= 0 and 0 < tick_value < 2^62 (validated).
// Two 64-bit multiplies with overflow flags, where 128-bit products cost a widening multiply and a two-word compare
// each: every placement, trade and hold computes a few. A product that overflows 64 bits is past kMaxAmount (2^62)
// anyway, since both factors are non-negative.
[[nodiscard]] inline int64_t NotionalOf(PriceTicks p, QtyLots q, Amount tick_value) {
  int64_t pq = 0;
  int64_t n = 0;
  if (__builtin_mul_overflow(p.value(), q.value(), &pq) || pq >= kMaxAmount) return -1;
  if (__builtin_mul_overflow(pq, tick_value.value(), &n) || n >= kMaxAmount) return -1;
  return n;
}

// floor(n * factor / kDivisor), n >= 0, with a result below 2^63 (factor <= kDivisor, as for rates and bands).
// Why two paths: a 128-bit division is a libgcc call (__divti3) of tens of cycles, and a placement and each trade
// take up to three of these (its band, its fees). When n * factor fits in 64 bits (every notional below about
// 1.8e14 units at a 10% rate) the division by the constant compiles to a multiply and a shift; the quotient is the
// same either way.
template <uint64_t kDivisor>
[[nodiscard]] inline int64_t ScaleDown(int64_t n, uint64_t factor) {
  if (uint64_t product = 0; !__builtin_mul_overflow(static_cast<uint64_t>(n), factor, &product)) {
    return static_cast<int64_t>(product / kDivisor);
  }
  return static_cast<int64_t>(static_cast<Wide>(n) * static_cast<Wide>(factor) / kDivisor);
}

// floor(n * |ppm| / 10^6), n >= 0.
[[nodiscard]] inline int64_t FeeOf(int64_t n, int32_t ppm) {
  return ScaleDown<1000000>(n, static_cast<uint64_t>(ppm < 0 ? -static_cast<int64_t>(ppm) : int64_t{ppm}));
}

// The half-width of a price band of `bps` basis points around `ref` > 0 (bps <= 10,000: DefineInstrument checks).
[[nodiscard]] inline int64_t BandWidth(int64_t ref, uint32_t bps) { return ScaleDown<10000>(ref, bps); }

}  // namespace sequex

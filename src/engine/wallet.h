// Account and its wallet: one balance (available + held) per asset, across every instrument.
//
// Most accounts hold a handful of assets, so balances live inline (no allocation, one cache line or two) and
// spill to a heap vector only past kInline assets. Lookup is a scan of the inline entries, then of a short spill
// vector; past kScanLimit spilled assets (a market maker or a fund holding every asset of a venue with hundreds)
// a small open-addressing table over the spill vector makes it one or two probes instead of a scan through
// kilobytes of balances.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <new>
#include <utility>
#include <vector>

#include "common/types.h"
#include "engine/order_pool.h"

namespace sequex {

// One asset's balance in an account. Which asset it is lives beside it (Account::inline_assets, more_assets), not in
// it: 16 bytes, so four share a cache line and none straddles two, where a 24-byte record with the asset id put one
// balance in four across two lines. Nearly every order command reads or writes one, at a random place in the wallets.
struct alignas(16) AssetBalance {
  Amount available{};
  Amount held{};
};
static_assert(sizeof(AssetBalance) == 16);

// A balance's position in its account (Account::PositionOf) not known yet.
inline constexpr uint16_t kUnknownPosition = UINT16_MAX;

// An account's open orders in one instrument, in placement (= ascending id) order, linked through
// OrderPool::link(slot). Per instrument, so that cancel-all for one book walks only that book's orders even for a
// market maker quoting hundreds of books.
// It also remembers where the account's balances of the instrument's base and quote are (positions never change),
// once known: a placement reads this entry anyway to link the order, and finding a balance through it costs no
// lookup, where an account holding hundreds of assets would probe its spill table first (one more random line).
// Trades credit the received asset through the same positions.
struct AccountBook {
  InstrumentId instrument{};
  uint16_t base_position = kUnknownPosition;
  uint16_t quote_position = kUnknownPosition;
  uint32_t head = kNil;
  uint32_t tail = kNil;
};
static_assert(sizeof(AccountBook) == 16);

// One cache line of an account's list indexes (Account::newest_block): a walk over all of an account's lists
// (cancel-all across books, the open-orders query) takes one dependent load per block, and the lists' own lines, whose
// indexes it already holds, can all be requested at once.
struct AccountBookBlock {
  static constexpr uint32_t kLists = 15;
  uint32_t older = kNil;  // the account's previous block
  std::array<uint32_t, kLists> lists{};
};
static_assert(sizeof(AccountBookBlock) == 64);

struct Account {
  static constexpr size_t kInline = 4;
  static constexpr size_t kScanLimit = 8;  // spilled balances scanned before the table is built

  // The account's vectors draw from the allocator's resource (the engine's huge-page memory, see
  // common/huge_page_resource.h); a vector of Accounts hands its allocator to each element.
  using allocator_type = std::pmr::polymorphic_allocator<>;
  Account() = default;
  explicit Account(const allocator_type& allocator)
      : more_balances(allocator), more_assets(allocator), spill_table_(allocator) {}

  // Laid out as three whole cache lines (AccountTable aligns its chunks to lines): the first holds what an order
  // command reads of every account (the flags, the open orders, where the spilled balances are), the second the
  // inline balances, the third what only finding an asset's balance for the first time reads.

  bool exists = false;
  uint8_t fee_tier = 0;
  uint8_t inline_count = 0;
  uint32_t open_orders = 0;
  // This account's per-instrument lists (indexes into Engine::Impl::account_books_), AccountBookBlock::kLists to
  // a block, chained from the newest block (kNil: none yet); `books` lists in all, so the newest block holds
  // books % kLists of them (kLists when that is 0). Blocks from a reserved table, not a vector per account, because the
  // first order an account places in a book opens a list, and a vector would allocate on the order path as it grew. A
  // list stays when it empties, so re-quoting a book opens nothing.
  uint32_t newest_block = kNil;
  uint32_t books = 0;
  std::array<AssetId, kInline> inline_assets{};  // inline_balances[i] is the balance of inline_assets[i]
  std::pmr::vector<AssetBalance> more_balances;  // in the order the assets were first held (never reordered)
  std::array<AssetBalance, kInline> inline_balances{};
  std::pmr::vector<AssetId> more_assets;  // more_balances[i] is the balance of more_assets[i]

  // The balance of `asset`, or nullptr if the account never held it.
  AssetBalance* Find(AssetId asset) {
    for (uint8_t i = 0; i < inline_count; ++i) {
      if (inline_assets[i] == asset) return &inline_balances[i];
    }
    if (spill_table_.empty()) {
      for (size_t i = 0; i < more_assets.size(); ++i) {
        if (more_assets[i] == asset) return &more_balances[i];
      }
      return nullptr;
    }
    const size_t mask = spill_table_.size() - 1;
    for (size_t i = SpillHome(asset, mask);; i = (i + 1) & mask) {
      const uint16_t at = spill_table_[i];
      if (at == 0) return nullptr;
      if (more_assets[at - 1] == asset) return &more_balances[at - 1];
    }
  }
  [[nodiscard]] const AssetBalance* Find(AssetId asset) const { return const_cast<Account*>(this)->Find(asset); }

  AssetBalance& Get(AssetId asset) {
    if (AssetBalance* b = Find(asset)) return *b;
    if (inline_count < kInline) {
      inline_assets[inline_count] = asset;
      inline_balances[inline_count] = AssetBalance{};
      return inline_balances[inline_count++];
    }
    // Both or neither: an allocation that fails leaves the account as it was.
    more_balances.push_back(AssetBalance{});
    try {
      more_assets.push_back(asset);
    } catch (...) {
      more_balances.pop_back();
      throw;
    }
    if (more_balances.size() > kScanLimit) {
      if (more_balances.size() * 2 > spill_table_.size()) {
        RebuildSpillTable();
      } else {
        PlaceInSpillTable(more_balances.size() - 1);
      }
    }
    return more_balances.back();
  }

  // A balance's position in this account: stable for the account's life (balances are never removed or reordered),
  // so an order keeps the position of the balance it holds and reaches it without a lookup.
  [[nodiscard]] uint16_t PositionOf(const AssetBalance& b) const {
    if (&b >= inline_balances.data() && &b < inline_balances.data() + kInline) {
      return static_cast<uint16_t>(&b - inline_balances.data());
    }
    return static_cast<uint16_t>(kInline + static_cast<size_t>(&b - more_balances.data()));
  }
  AssetBalance& BalanceAt(uint16_t position) {
    return position < kInline ? inline_balances[position] : more_balances[position - kInline];
  }
  [[nodiscard]] const AssetBalance& BalanceAt(uint16_t position) const {
    return const_cast<Account*>(this)->BalanceAt(position);
  }

  // Cache hints (Engine::Prefetch): the account's own lines; where the lookup of `asset` will probe; the balance that
  // probe most likely finds (each reads what the one before it loaded, so they are issued a command apart).
  void PrefetchSelf() const {
    for (size_t off = 0; off < sizeof(Account); off += 64) {
      __builtin_prefetch(reinterpret_cast<const char*>(this) + off);
    }
  }
  void PrefetchBalance(AssetId asset) const {
    if (!spill_table_.empty()) __builtin_prefetch(&spill_table_[SpillHome(asset, spill_table_.size() - 1)]);
  }
  void PrefetchBalanceAt(uint16_t position) const {
    if (position < kInline + more_balances.size()) __builtin_prefetch(&BalanceAt(position));
  }
  void PrefetchProbableBalance(AssetId asset) const {
    if (spill_table_.empty()) return;  // inline or scanned: on the account's own lines, or a short vector
    const uint16_t at = spill_table_[SpillHome(asset, spill_table_.size() - 1)];
    if (at != 0) __builtin_prefetch(&more_balances[at - 1]);
  }

  [[nodiscard]] size_t SpillTableBytes() const { return spill_table_.capacity() * sizeof(uint16_t); }

  // Starts loading the balances past the inline ones: a walk over every account (the state hash) reads them all,
  // and they live in a block of their own, away from the Account.
  void PrefetchSpilledBalances() const {
    const auto* line = reinterpret_cast<const char*>(more_balances.data());
    const auto* end = line + more_balances.size() * sizeof(AssetBalance);
    for (; line < end; line += 64) __builtin_prefetch(line);
  }

  // Every balance the account holds, in the order the assets were first held: f(asset, balance).
  template <typename F>
  void ForEachBalance(F&& f) const {
    for (uint8_t i = 0; i < inline_count; ++i) f(inline_assets[i], inline_balances[i]);
    for (size_t i = 0; i < more_balances.size(); ++i) f(more_assets[i], more_balances[i]);
  }

 private:
  static size_t SpillHome(AssetId asset, size_t mask) { return (asset.value() * size_t{0x9E3779B1}) >> 7 & mask; }
  void PlaceInSpillTable(size_t position) {
    const size_t mask = spill_table_.size() - 1;
    size_t i = SpillHome(more_assets[position], mask);
    while (spill_table_[i] != 0) i = (i + 1) & mask;
    spill_table_[i] = static_cast<uint16_t>(position + 1);
  }
  void RebuildSpillTable() {
    size_t capacity = 32;
    while (capacity < more_balances.size() * 4) capacity *= 2;
    spill_table_.assign(capacity, 0);
    for (size_t p = 0; p < more_balances.size(); ++p) PlaceInSpillTable(p);
  }

  // Open addressing over more_balances: 0 = empty, else position + 1 (AssetId is 16 bits, so positions fit).
  // Empty until more_balances passes kScanLimit; at most half full.
  std::pmr::vector<uint16_t> spill_table_;
};
static_assert(sizeof(Account) == size_t{3} * 64);

// AccountTable: accounts by id, in chunks of 4,096 allocated on first use. The chunks come from `chunk_memory`,
// the accounts' own vectors from `account_memory` (the engine's huge-page resource and the pool over it).
//
// Why chunks: account ids are chosen by the operator, and one deposit to a high id must not allocate a table
// for every id below it (a dense vector of 16 M accounts is 2 GB). A lookup is one extra load of a small,
// always-cached chunk pointer. Reading an id whose chunk was never allocated yields a non-existent account.
class AccountTable {
 public:
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;

  explicit AccountTable(std::pmr::memory_resource* chunk_memory = std::pmr::get_default_resource(),
                        std::pmr::memory_resource* account_memory = std::pmr::get_default_resource())
      : chunk_memory_(chunk_memory), account_memory_(account_memory) {}

  // One past the highest id ever materialized (ids below it may still not exist).
  [[nodiscard]] size_t size() const { return size_; }

  [[nodiscard]] const Account* Find(uint32_t id) const {
    if (id >= size_) return nullptr;
    const auto& chunk = chunks_[id >> kChunkBits];
    return chunk ? &chunk[id & (kChunkSize - 1)] : nullptr;
  }
  Account* Find(uint32_t id) { return const_cast<Account*>(std::as_const(*this).Find(id)); }

  // An account known to exist (an order's owner, the fee account): no checks, two loads.
  Account& At(uint32_t id) { return chunks_[id >> kChunkBits][id & (kChunkSize - 1)]; }

  // The account at `id`, materializing its chunk (an Account with exists == false) if needed.
  Account& operator[](size_t id) {
    const size_t c = id >> kChunkBits;
    if (c >= chunks_.size()) chunks_.resize(c + 1);
    if (!chunks_[c]) chunks_[c] = NewChunk();
    if (id >= size_) size_ = id + 1;
    return chunks_[c][id & (kChunkSize - 1)];
  }
  const Account& operator[](size_t id) const {
    const Account* a = Find(static_cast<uint32_t>(id));
    return a != nullptr ? *a : Empty();
  }

  // Materializes the chunks of ids below `accounts` now (none of them exists until opened), so that opening them
  // later allocates nothing.
  void Reserve(size_t accounts) {
    const size_t n = (accounts + kChunkSize - 1) >> kChunkBits;
    if (chunks_.size() < n) chunks_.resize(n);
    for (size_t c = 0; c < n; ++c) {
      if (!chunks_[c]) chunks_[c] = NewChunk();
    }
  }

  // Every materialized account in id order (existing or not): f(id, account).
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      if (!chunks_[c]) continue;
      for (uint32_t i = 0; i < kChunkSize && (c << kChunkBits) + i < size_; ++i) {
        f((c << kChunkBits) + i, chunks_[c][i]);
      }
    }
  }

  [[nodiscard]] size_t MemoryBytes() const {
    size_t bytes = chunks_.capacity() * sizeof(Chunk);
    for (const Chunk& chunk : chunks_) bytes += chunk ? kChunkSize * sizeof(Account) : 0;
    ForEach([&](size_t, const Account& a) {
      bytes += a.more_balances.capacity() * sizeof(AssetBalance) + a.more_assets.capacity() * sizeof(AssetId) +
               a.SpillTableBytes();
    });
    return bytes;
  }

 private:
  static const Account& Empty() {
    static const Account empty{};
    return empty;
  }
  struct ChunkDeleter {
    std::pmr::memory_resource* memory = nullptr;
    void operator()(Account* chunk) const {
      std::destroy_n(chunk, kChunkSize);
      memory->deallocate(chunk, kChunkSize * sizeof(Account), kChunkAlignment);
    }
  };
  static constexpr size_t kChunkAlignment = 64;  // a cache line, so that each Account is its three lines (above)
  using Chunk = std::unique_ptr<Account[], ChunkDeleter>;
  Chunk NewChunk() {
    auto* chunk = static_cast<Account*>(chunk_memory_->allocate(kChunkSize * sizeof(Account), kChunkAlignment));
    const Account::allocator_type allocator(account_memory_);
    for (uint32_t i = 0; i < kChunkSize; ++i) new (chunk + i) Account(allocator);  // no throw: nothing allocated yet
    return Chunk(chunk, ChunkDeleter{chunk_memory_});
  }

  std::pmr::memory_resource* chunk_memory_;
  std::pmr::memory_resource* account_memory_;
  std::vector<Chunk> chunks_;  // null: not materialized
  size_t size_ = 0;
};

}  // namespace sequex

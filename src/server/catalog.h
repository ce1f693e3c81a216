// VenueCatalog: what the gateways need to know about the venue to turn API text into engine integers and back —
// assets (code, decimals), instruments (symbol, ticks, lots, status), fee rates — and KeyTable, the API keys.
// Both are immutable snapshots built by the publisher from its mirror engine whenever a definition or key command
// is applied, and handed to the I/O threads by a shared_ptr swap under a short lock (Directory): readers hold it only
// to copy the pointer, never see a half-built table, and a key or instrument is usable as soon as its command has
// been acknowledged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.h"
#include "engine/engine.h"

namespace sequex::server {

struct AssetInfo {
  AssetId id{};
  std::string code;
  int decimals = 0;
};

struct InstrumentInfo {
  InstrumentId id{};
  std::string symbol;
  AssetInfo base;
  AssetInfo quote;
  Amount tick_size{};   // quote units per whole base unit, per tick
  Amount lot_size{};    // base units per lot
  Amount tick_value{};  // quote units of one tick x one lot
  QtyLots min_qty{};
  Amount min_notional{};         // quote units; 0 = none
  uint32_t price_band_bps = 0;   // 0 = no band
  PriceTicks reference_price{};  // the band's reference until the first trade; 0 = none
  InstrumentStatus status = InstrumentStatus::kTrading;

  // Text <-> engine integers. Parse* are false for malformed, negative, off-grid or out-of-range text.
  [[nodiscard]] bool ParsePrice(std::string_view text, PriceTicks* out) const;
  [[nodiscard]] bool ParseQty(std::string_view text, QtyLots* out) const;
  [[nodiscard]] bool ParseQuoteAmount(std::string_view text, Amount* out) const;
  [[nodiscard]] std::string FormatPrice(PriceTicks price) const;
  [[nodiscard]] std::string FormatQty(QtyLots qty) const;
  [[nodiscard]] std::string FormatQuoteAmount(Amount amount) const;
  // Average price of `filled` lots that cost `notional` quote units, rounded down to the quote's smallest unit.
  [[nodiscard]] std::string FormatAveragePrice(Amount notional, QtyLots filled) const;
  [[nodiscard]] std::string PriceTickText() const;
  [[nodiscard]] std::string QtyTickText() const;
  [[nodiscard]] int PriceDecimals() const;  // digits after the point of the price tick
  [[nodiscard]] int QtyDecimals() const;
};

class VenueCatalog {
 public:
  // Reads every asset and instrument of `engine` (the publisher's mirror).
  static std::shared_ptr<const VenueCatalog> Build(const Engine& engine);

  [[nodiscard]] const InstrumentInfo* FindInstrument(std::string_view symbol) const;
  [[nodiscard]] const InstrumentInfo* FindInstrument(InstrumentId id) const;
  [[nodiscard]] const AssetInfo* FindAsset(std::string_view code) const;
  [[nodiscard]] const AssetInfo* FindAsset(AssetId id) const;
  [[nodiscard]] const std::vector<InstrumentInfo>& instruments() const { return instruments_; }  // by id
  [[nodiscard]] const std::vector<AssetInfo>& assets() const { return assets_; }                 // by id

 private:
  std::vector<InstrumentInfo> instruments_;
  std::vector<AssetInfo> assets_;
  std::map<std::string, size_t, std::less<>> instrument_by_symbol_;
  std::map<std::string, size_t, std::less<>> asset_by_code_;
};

struct KeyEntry {
  AccountId account{};
  std::string secret;
  uint8_t permissions = 0;
};

// Every account/create and key/create publishes a new table. Copying all keys each time made a venue of N keys spend
// O(N) per new account on the publisher thread (with 20,000 accounts, account/create ran at about 30 a second and
// stalled market data meanwhile). So a table is a shared, immutable bulk plus the keys changed since the bulk was
// last copied: a change copies those (at most about sqrt(N) of them), and folds them into a new bulk once there
// are more.
class KeyTable {
 public:
  static std::shared_ptr<const KeyTable> Build(const Engine& engine);
  // This table with `api_key` as `engine` now has it: added, replaced, or gone when it has none.
  [[nodiscard]] std::shared_ptr<const KeyTable> WithKeyFrom(const Engine& engine, std::string_view api_key) const;
  [[nodiscard]] const KeyEntry* Find(std::string_view api_key) const;
  [[nodiscard]] size_t size() const { return size_; }

 private:
  using Bulk = std::map<std::string, KeyEntry, std::less<>>;
  std::shared_ptr<const Bulk> bulk_ = std::make_shared<const Bulk>();
  std::map<std::string, std::optional<KeyEntry>, std::less<>> changes_;  // over bulk_; nullopt: removed
  size_t size_ = 0;
};

// The I/O threads' view of the catalog and keys. Published by the publisher thread, read by any thread.
//
// A mutex, not std::atomic<std::shared_ptr>: libstdc++ 12's implementation guards the pointer with a spin lock in
// its low bit and releases that lock, in load(), with a relaxed operation, so nothing orders a reader's copy of the
// pointer before the next store's overwrite of it. x86-64 orders them all the same, but the C++ memory model and
// TSan do not (every busy sequexd under TSan reported it), and a weaker CPU need not. Each side holds the lock for
// a pointer copy and a reference count increment, which is all the spin lock cost too; the table a store replaces
// is released outside it.
class Directory {
 public:
  [[nodiscard]] std::shared_ptr<const VenueCatalog> catalog() const {
    const std::lock_guard lock(mutex_);
    return catalog_;
  }
  [[nodiscard]] std::shared_ptr<const KeyTable> keys() const {
    const std::lock_guard lock(mutex_);
    return keys_;
  }
  void Publish(std::shared_ptr<const VenueCatalog> c) {
    const std::lock_guard lock(mutex_);
    catalog_.swap(c);
  }
  void Publish(std::shared_ptr<const KeyTable> k) {
    const std::lock_guard lock(mutex_);
    keys_.swap(k);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const VenueCatalog> catalog_ = std::make_shared<VenueCatalog>();  // guarded by mutex_
  std::shared_ptr<const KeyTable> keys_ = std::make_shared<KeyTable>();             // guarded by mutex_
};

}  // namespace sequex::server

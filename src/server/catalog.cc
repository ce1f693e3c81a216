#include "server/catalog.h"

#include "api/decimal.h"

namespace sequex::server {
namespace {

int DecimalsOf(const std::string& text) {
  const size_t dot = text.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
}

AssetInfo AssetOf(const Engine& engine, AssetId id) {
  AssetInfo info;
  info.id = id;
  if (const std::optional<DefineAsset> a = engine.Asset(id)) {
    info.code = std::string(a->code, ::strnlen(a->code, sizeof a->code));
    info.decimals = a->decimals;
  }
  return info;
}

}  // namespace

bool InstrumentInfo::ParsePrice(std::string_view text, PriceTicks* out) const {
  int64_t scaled = 0;
  if (!api::ParseScaled(text, quote.decimals, kMaxAmount, &scaled)) return false;
  const int64_t tick = tick_size.value();
  if (tick <= 0 || scaled % tick != 0 || scaled / tick > kMaxPriceTicks) return false;
  *out = PriceTicks{scaled / tick};
  return true;
}

bool InstrumentInfo::ParseQty(std::string_view text, QtyLots* out) const {
  int64_t scaled = 0;
  if (!api::ParseScaled(text, base.decimals, kMaxAmount, &scaled)) return false;
  const int64_t lot = lot_size.value();
  if (lot <= 0 || scaled % lot != 0 || scaled / lot > kMaxQtyLots) return false;
  *out = QtyLots{scaled / lot};
  return true;
}

bool InstrumentInfo::ParseQuoteAmount(std::string_view text, Amount* out) const {
  int64_t scaled = 0;
  if (!api::ParseScaled(text, quote.decimals, kMaxAmount, &scaled)) return false;
  *out = Amount{scaled};
  return true;
}

std::string InstrumentInfo::FormatPrice(PriceTicks price) const {
  return api::FormatScaled(price.value() * tick_size.value(), quote.decimals);
}

std::string InstrumentInfo::FormatQty(QtyLots qty) const {
  return api::FormatScaled(qty.value() * lot_size.value(), base.decimals);
}

std::string InstrumentInfo::FormatQuoteAmount(Amount amount) const {
  return api::FormatScaled(amount.value(), quote.decimals);
}

std::string InstrumentInfo::FormatAveragePrice(Amount notional, QtyLots filled) const {
  if (filled.value() <= 0) return "0";
  // price (quote units per whole base) = notional * 10^base_decimals / (filled * lot_size)
  __int128 numerator = notional.value();
  for (int i = 0; i < base.decimals; ++i) numerator *= 10;
  const __int128 denominator = static_cast<__int128>(filled.value()) * lot_size.value();
  return api::FormatScaled(static_cast<int64_t>(numerator / denominator), quote.decimals);
}

std::string InstrumentInfo::PriceTickText() const { return api::FormatScaled(tick_size.value(), quote.decimals); }
std::string InstrumentInfo::QtyTickText() const { return api::FormatScaled(lot_size.value(), base.decimals); }
int InstrumentInfo::PriceDecimals() const { return DecimalsOf(PriceTickText()); }
int InstrumentInfo::QtyDecimals() const { return DecimalsOf(QtyTickText()); }

std::shared_ptr<const VenueCatalog> VenueCatalog::Build(const Engine& engine) {
  auto c = std::make_shared<VenueCatalog>();
  for (AssetId id : engine.AssetIds()) {
    c->asset_by_code_.emplace(AssetOf(engine, id).code, c->assets_.size());
    c->assets_.push_back(AssetOf(engine, id));
  }
  for (InstrumentId id : engine.InstrumentIds()) {
    const std::optional<InstrumentView> v = engine.Instrument(id);
    if (!v) continue;
    InstrumentInfo info;
    info.id = id;
    info.symbol = std::string(v->definition.symbol, ::strnlen(v->definition.symbol, sizeof v->definition.symbol));
    info.base = AssetOf(engine, v->definition.base);
    info.quote = AssetOf(engine, v->definition.quote);
    info.tick_size = v->definition.tick_size;
    info.lot_size = v->definition.lot_size;
    info.tick_value = v->tick_value;
    info.min_qty = v->definition.min_qty;
    info.min_notional = v->definition.min_notional;
    info.price_band_bps = v->definition.price_band_bps;
    info.reference_price = v->definition.reference_price;
    info.status = v->definition.status;
    c->instrument_by_symbol_.emplace(info.symbol, c->instruments_.size());
    c->instruments_.push_back(std::move(info));
  }
  return c;
}

const InstrumentInfo* VenueCatalog::FindInstrument(std::string_view symbol) const {
  const auto it = instrument_by_symbol_.find(symbol);
  return it == instrument_by_symbol_.end() ? nullptr : &instruments_[it->second];
}

const InstrumentInfo* VenueCatalog::FindInstrument(InstrumentId id) const {
  // Few instruments, ids ascending: binary search.
  auto it = std::lower_bound(instruments_.begin(), instruments_.end(), id,
                             [](const InstrumentInfo& i, InstrumentId v) { return i.id < v; });
  return it != instruments_.end() && it->id == id ? &*it : nullptr;
}

const AssetInfo* VenueCatalog::FindAsset(std::string_view code) const {
  const auto it = asset_by_code_.find(code);
  return it == asset_by_code_.end() ? nullptr : &assets_[it->second];
}

const AssetInfo* VenueCatalog::FindAsset(AssetId id) const {
  auto it =
      std::lower_bound(assets_.begin(), assets_.end(), id, [](const AssetInfo& a, AssetId v) { return a.id < v; });
  return it != assets_.end() && it->id == id ? &*it : nullptr;
}

std::shared_ptr<const KeyTable> KeyTable::Build(const Engine& engine) {
  auto bulk = std::make_shared<Bulk>();
  for (const ApiKeyView& k : engine.ApiKeys()) {
    bulk->emplace(std::string(k.credential.key_view()),
                  KeyEntry{k.account, std::string(k.credential.secret_view()), k.credential.permissions});
  }
  auto t = std::make_shared<KeyTable>();
  t->size_ = bulk->size();
  t->bulk_ = std::move(bulk);
  return t;
}

std::shared_ptr<const KeyTable> KeyTable::WithKeyFrom(const Engine& engine, std::string_view api_key) const {
  auto t = std::make_shared<KeyTable>(*this);
  const bool had = Find(api_key) != nullptr;
  std::optional<KeyEntry> now;
  if (const std::optional<ApiKeyView> k = engine.FindApiKey(api_key)) {
    now = KeyEntry{k->account, std::string(k->credential.secret_view()), k->credential.permissions};
  }
  t->size_ = size_ - (had ? 1 : 0) + (now ? 1 : 0);
  t->changes_.insert_or_assign(std::string(api_key), std::move(now));
  // Each change copies changes_, each fold the whole bulk: folding once changes_ passes sqrt(bulk) keeps both near
  // sqrt(N) a change.
  if (t->changes_.size() >= 64 && t->changes_.size() * t->changes_.size() > t->bulk_->size()) {
    auto bulk = std::make_shared<Bulk>(*t->bulk_);
    for (auto& [key, entry] : t->changes_) {
      if (entry) {
        bulk->insert_or_assign(key, std::move(*entry));
      } else {
        bulk->erase(key);
      }
    }
    t->bulk_ = std::move(bulk);
    t->changes_.clear();
  }
  return t;
}

const KeyEntry* KeyTable::Find(std::string_view api_key) const {
  if (const auto change = changes_.find(api_key); change != changes_.end()) {
    return change->second ? &*change->second : nullptr;
  }
  const auto it = bulk_->find(api_key);
  return it == bulk_->end() ? nullptr : &it->second;
}

}  // namespace sequex::server

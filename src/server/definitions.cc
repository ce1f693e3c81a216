#include "server/definitions.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "api/decimal.h"
#include "engine/reject_reason.h"

namespace sequex::server {
namespace {

constexpr const char* kCannotChange =
    ". Definitions are journaled and cannot change: make the config match the state, or remove the entry from the "
    "config";

int64_t Pow10(int exponent) {
  int64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

// The definition `ic` asks for, checked as the engine's DefinitionProblem checks it; false and *error otherwise.
bool BuildDefinition(const InstrumentConfig& ic, const AssetInfo& base, const AssetInfo& quote, DefineInstrument* d,
                     std::string* error) {
  const std::string name = "instrument " + ic.symbol + ": ";
  int64_t tick = 0, lot = 0;
  if (!api::ParseScaled(ic.price_tick, quote.decimals, kMaxAmount, &tick) || tick <= 0) {
    *error = name + "price_tick \"" + ic.price_tick + "\" must be a positive decimal with at most " +
             std::to_string(quote.decimals) + " places (" + quote.code + "'s decimals)";
    return false;
  }
  if (!api::ParseScaled(ic.qty_tick, base.decimals, kMaxAmount, &lot) || lot <= 0) {
    *error = name + "qty_tick \"" + ic.qty_tick + "\" must be a positive decimal with at most " +
             std::to_string(base.decimals) + " places (" + base.code + "'s decimals)";
    return false;
  }
  const __int128 product = static_cast<__int128>(tick) * lot;
  const int64_t scale = Pow10(base.decimals);
  if (product % scale != 0 || product / scale >= kMaxAmount) {
    *error = name + "one price tick x one qty tick must be a whole unit of " + quote.code + " (" + ic.price_tick +
             " x " + ic.qty_tick + " is not a multiple of " + api::FormatScaled(1, quote.decimals) + ")";
    return false;
  }
  d->base = base.id;
  d->quote = quote.id;
  d->tick_size = Amount{tick};
  d->lot_size = Amount{lot};
  if (!ic.min_qty.empty()) {
    int64_t min = 0;
    if (!api::ParseScaled(ic.min_qty, base.decimals, kMaxAmount, &min) || min <= 0 || min % lot != 0 ||
        min / lot >= kMaxQtyLots) {
      *error = name + "min_qty \"" + ic.min_qty + "\" must be a positive multiple of qty_tick " + ic.qty_tick;
      return false;
    }
    d->min_qty = QtyLots{min / lot};
  }
  if (!ic.min_notional.empty()) {
    int64_t min = 0;
    if (!api::ParseScaled(ic.min_notional, quote.decimals, kMaxAmount - 1, &min)) {
      *error = name + "min_notional \"" + ic.min_notional + "\" must be a decimal of " + quote.code + " (0 or more, " +
               "at most " + std::to_string(quote.decimals) + " places)";
      return false;
    }
    d->min_notional = Amount{min};
  }
  d->price_band_bps = ic.price_band_bps;
  std::memcpy(d->symbol, ic.symbol.data(), std::min(ic.symbol.size(), sizeof d->symbol - 1));
  if (!ic.demo_mid.empty()) {
    int64_t mid = 0;
    if (!api::ParseScaled(ic.demo_mid, quote.decimals, kMaxAmount, &mid) || mid <= 0 || mid % tick != 0 ||
        mid / tick >= kMaxPriceTicks) {
      *error =
          name + "demo_mid \"" + ic.demo_mid + "\" must be a positive price on the grid of price_tick " + ic.price_tick;
      return false;
    }
  }
  return true;
}

// "price_tick is 0.01 in the state, 0.1 in the config; ..." for `key`s whose texts differ.
class DifferenceList {
 public:
  void Note(std::string_view key, const std::string& state, const std::string& config,
            std::string_view config_note = {}) {
    if (state == config) return;
    text_ += (text_.empty() ? "" : "; ") + std::string(key) + " is " + state + " in the state, " + config +
             std::string(config_note) + " in the config";
  }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Where `want` (from the config) differs from `have` (the state's definition) in what fixes the instrument's units:
// its assets and ticks. Empty when they are the same.
std::string FixedDifferences(const InstrumentInfo& have, const DefineInstrument& want, const AssetInfo& base,
                             const AssetInfo& quote) {
  DifferenceList d;
  d.Note("base", have.base.code, base.code);
  d.Note("quote", have.quote.code, quote.code);
  if (have.base.code != base.code || have.quote.code != quote.code) return d.text();  // the sizes are in other units
  d.Note("price_tick", have.PriceTickText(), api::FormatScaled(want.tick_size.value(), quote.decimals));
  d.Note("qty_tick", have.QtyTickText(), api::FormatScaled(want.lot_size.value(), base.decimals));
  return d.text();
}

// Where they differ in the limits the engine alters in place (min_qty, min_notional, price_band_bps). The assets and
// ticks are the same (FixedDifferences is empty).
std::string LimitDifferences(const InstrumentInfo& have, const DefineInstrument& want, const InstrumentConfig& ic) {
  DifferenceList d;
  d.Note("min_qty", have.FormatQty(have.min_qty), have.FormatQty(want.min_qty),
         ic.min_qty.empty() ? " (one qty tick, as no min_qty is given)" : "");
  d.Note("min_notional", have.FormatQuoteAmount(have.min_notional), have.FormatQuoteAmount(want.min_notional));
  d.Note("price_band_bps", std::to_string(have.price_band_bps), std::to_string(want.price_band_bps));
  return d.text();
}

}  // namespace

std::optional<DefinitionPlan> PlanDefinitions(const ServerConfig& config, const VenueCatalog& state,
                                              std::string* error) {
  DefinitionPlan plan;
  std::map<std::string, AssetInfo, std::less<>> assets;  // by code: the state's, then the config's new ones
  uint32_t next_asset = 1;
  for (const AssetInfo& a : state.assets()) {
    assets.emplace(a.code, a);
    next_asset = std::max<uint32_t>(next_asset, uint32_t{a.id.value()} + 1);
  }
  for (const AssetConfig& ac : config.assets) {
    if (const AssetInfo* have = state.FindAsset(ac.code)) {
      if (have->decimals != ac.decimals) {
        *error = "asset " + ac.code + ": decimals is " + std::to_string(have->decimals) + " in the state, " +
                 std::to_string(ac.decimals) + " in the config" + kCannotChange;
        return std::nullopt;
      }
      continue;
    }
    if (next_asset > UINT16_MAX) {
      *error = "asset " + ac.code + ": no asset id is left";
      return std::nullopt;
    }
    DefineAsset d;
    d.asset = AssetId{static_cast<uint16_t>(next_asset++)};
    d.decimals = static_cast<uint8_t>(ac.decimals);
    std::memcpy(d.code, ac.code.data(), std::min(ac.code.size(), sizeof d.code - 1));
    assets.emplace(ac.code, AssetInfo{d.asset, ac.code, ac.decimals});
    plan.assets.push_back(d);
  }
  for (const AssetInfo& a : state.assets()) {
    const bool configured = std::any_of(config.assets.begin(), config.assets.end(),
                                        [&a](const AssetConfig& ac) { return ac.code == a.code; });
    if (!configured) plan.notes.push_back("asset " + a.code + " is in the state, not in the config: kept as it is");
  }

  uint32_t next_instrument = 1;
  for (const InstrumentInfo& i : state.instruments()) {
    next_instrument = std::max<uint32_t>(next_instrument, uint32_t{i.id.value()} + 1);
  }
  for (const InstrumentConfig& ic : config.instruments) {
    const auto base = assets.find(ic.base);
    const auto quote = assets.find(ic.quote);
    if (base == assets.end() || quote == assets.end()) {
      *error = "instrument " + ic.symbol + ": " + (base == assets.end() ? "base " + ic.base : "quote " + ic.quote) +
               " is not an asset of the config or of the state";
      return std::nullopt;
    }
    DefineInstrument d;
    if (!BuildDefinition(ic, base->second, quote->second, &d, error)) return std::nullopt;
    if (const InstrumentInfo* have = state.FindInstrument(ic.symbol)) {
      if (const std::string diff = FixedDifferences(*have, d, base->second, quote->second); !diff.empty()) {
        *error = "instrument " + ic.symbol + ": " + diff + kCannotChange;
        return std::nullopt;
      }
      // The limits follow the config, as the fee tier does: an alter of the same instrument that keeps what the
      // config does not set (its status, the band's reference price).
      if (const std::string diff = LimitDifferences(*have, d, ic); !diff.empty()) {
        d.instrument = have->id;
        d.status = have->status;
        d.reference_price = have->reference_price;
        plan.instruments.push_back(d);
        plan.notes.push_back("instrument " + ic.symbol + ": " + diff + ": altered to the config's");
      }
      continue;
    }
    // An id past kAllInstruments' would be refused by the engine.
    if (next_instrument >= kAllInstruments.value()) {
      *error = "instrument " + ic.symbol + ": no instrument id is left";
      return std::nullopt;
    }
    d.instrument = InstrumentId{static_cast<uint16_t>(next_instrument++)};
    plan.instruments.push_back(d);
  }
  for (const InstrumentInfo& i : state.instruments()) {
    const bool configured = std::any_of(config.instruments.begin(), config.instruments.end(),
                                        [&i](const InstrumentConfig& ic) { return ic.symbol == i.symbol; });
    if (!configured) {
      plan.notes.push_back("instrument " + i.symbol + " is in the state, not in the config: kept as it is");
    }
  }
  return plan;
}

std::string FeeRatesText(const SetFeeTier& rates) {
  return "maker " + api::FormatScaled(rates.maker_ppm, 6) + ", taker " + api::FormatScaled(rates.taker_ppm, 6);
}

std::string FeeTierResetWarning(const ServerConfig& config, const SetFeeTier& set) {
  if (set.tier != 0) return {};
  SetFeeTier want;
  // As the start reads them; a config whose rates do not parse never started.
  if (!ParseFeeRate(config.maker_rate, /*rebate=*/false, &want.maker_ppm) ||
      !ParseFeeRate(config.taker_rate, /*rebate=*/false, &want.taker_ppm)) {
    return {};
  }
  if (set.maker_ppm == want.maker_ppm && set.taker_ppm == want.taker_ppm) return {};
  return "[fees] in the config sets tier 0: the next start resets it to " + FeeRatesText(want) +
         "; put the change in the config to keep it";
}

std::string InstrumentResetWarning(const ServerConfig& config, const InstrumentInfo& have) {
  const auto ic = std::find_if(config.instruments.begin(), config.instruments.end(),
                               [&have](const InstrumentConfig& c) { return c.symbol == have.symbol; });
  if (ic == config.instruments.end()) return {};
  // The start checked this entry against the state's units, so these hold; were they not to, the next start would
  // refuse to run rather than alter anything, which is no reset to warn of.
  DefineInstrument want;
  std::string error;
  if (ic->base != have.base.code || ic->quote != have.quote.code ||
      !BuildDefinition(*ic, have.base, have.quote, &want, &error) ||
      !FixedDifferences(have, want, have.base, have.quote).empty()) {
    return {};
  }
  const std::string diff = LimitDifferences(have, want, *ic);
  if (diff.empty()) return {};
  return "[[instrument]] " + have.symbol + " in the config sets its limits: the next start alters them back (" + diff +
         "); put the change in the config to keep it";
}

std::string DefineInstrumentRejection(uint32_t code) {
  switch (static_cast<RejectReason>(code)) {
    case RejectReason::kInvalidCurrency:
      return "base and quote must be two different defined assets";
    case RejectReason::kInvalidInstrument:
      return "the symbol must be new and [A-Z0-9_-], one price tick x one qty tick a whole unit of the quote asset, "
             "and the sizes in range";
    case RejectReason::kInvalidArgument:
      return "an instrument with this id has another symbol, assets or ticks";
    default:
      return "code " + std::to_string(code);
  }
}

}  // namespace sequex::server

// Definitions: what the configuration's [[asset]] and [[instrument]] lists ask of the venue's state, worked out and
// checked whole before sequexd journals anything. An asset's decimals and an instrument's assets and ticks are
// journaled and fixed for the venue's life, so a start whose config cannot be met (an unknown base, a tick the engine
// would refuse, changed ticks) must be refused before its first command, or a refused start would still have changed
// the venue. An instrument's limits (min_qty, min_notional, price_band_bps) follow the config: a changed one is an
// alter of the instrument.
//
//   std::optional<DefinitionPlan> plan = PlanDefinitions(config, *directory.catalog(), &error);
//   if (!plan) { print(error); exit(2); }
//   for (const DefineAsset& d : plan->assets) Submit(d);        // then plan->instruments
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/command.h"
#include "server/catalog.h"
#include "server/config.h"

namespace sequex::server {

struct DefinitionPlan {
  // What the state lacks, in config order, with the ids they are to take: assets first (instruments name them).
  // `instruments` also holds the alters of instruments whose limits the config changes (their ids are the state's).
  std::vector<DefineAsset> assets;
  std::vector<DefineInstrument> instruments;
  // For the log: definitions the state has and the config does not (instrument/add made them, or the config
  // dropped them; not an error: they stay as they are), and the limits the config alters.
  std::vector<std::string> notes;
};

// nullopt and *error when an entry cannot be defined as the engine would (unknown base or quote, a tick or size off
// the assets' grids or out of range, one tick x one lot not a whole unit of the quote asset, a demo_mid off the price
// grid) or fixes other units than the state's definition of the same code or symbol (an asset's decimals, an
// instrument's assets or ticks). `state` is the recovered catalog.
[[nodiscard]] std::optional<DefinitionPlan> PlanDefinitions(const ServerConfig& config, const VenueCatalog& state,
                                                            std::string* error);

// A fee tier's rates as the operator reads them in logs and warnings: "maker 0.00025, taker 0.0005".
[[nodiscard]] std::string FeeRatesText(const SetFeeTier& rates);

// What the next start with `config` will undo of an operator's change, worded for the operator who made it, or empty
// when that start changes nothing. The config governs tier 0 (`[fees]`) and the limits of its [[instrument]]s: each
// start sets them back to the config's (PlanDefinitions, Server::Bootstrap), so a fees/tier or instrument/alter that
// leaves them otherwise lasts only until then.
//   FeeTierResetWarning: `set` is the tier as fees/tier set it; other tiers than 0 are the operator's.
//   InstrumentResetWarning: `have` is the instrument as the alter left it; one not in the config is the operator's.
[[nodiscard]] std::string FeeTierResetWarning(const ServerConfig& config, const SetFeeTier& set);
[[nodiscard]] std::string InstrumentResetWarning(const ServerConfig& config, const InstrumentInfo& have);

// Why the engine refused a DefineInstrument with reject `code`, for the start-up error.
[[nodiscard]] std::string DefineInstrumentRejection(uint32_t code);

}  // namespace sequex::server

// Invariants that must hold after every command, checked through the public query API only, so the same checks
// run against the engine and against the reference model:
//   - no crossed book: best bid < best ask;
//   - held of every (account, asset) == sum of `held` of the account's open orders in that asset;
//   - no negative balance;
//   - conservation per asset: NetDeposits(asset) == sum over accounts of (available + held), fee account included;
//   - (engine only) Engine::Audit() returns "".
// The caller supplies the universe (the model's lists; the differential test checks separately that the engine's
// AccountIds / AssetIds / InstrumentIds equal them).
//
//   Universe u = UniverseOf(model);
//   std::string violation = CheckInvariants(engine, u);   // "" when all hold
#pragma once

#include <string>
#include <vector>

#include "engine/engine.h"
#include "tests/reference_model.h"

namespace sequex::test {

struct Universe {
  std::vector<AccountId> accounts;
  std::vector<AssetId> assets;
  std::vector<InstrumentId> instruments;
};

[[nodiscard]] Universe UniverseOf(const ReferenceModel& model);

// Each returns "" when every invariant holds, else a description of the first violation.
[[nodiscard]] std::string CheckInvariants(const Engine& engine, const Universe& universe);
[[nodiscard]] std::string CheckInvariants(const ReferenceModel& model, const Universe& universe);

}  // namespace sequex::test

// The command fuzzer's input format, shared by the libFuzzer target (command_fuzzer.cc) and the plain replay
// binary (command_fuzzer_replay.cc) that runs the seed corpus in every build.
//
// An input is decoded, byte by byte, into commands with small id ranges (accounts 0..5, instruments 1..3,
// order ids 0..16, four client_oids, a few API keys) so that they collide meaningfully, after a fixed preamble that
// defines a small venue (assets, two instruments, fee tiers with a rebate, funded accounts). Missing bytes read as
// 0, so every input decodes. Most fields are valid-ish; high byte values select hostile values (invalid enums,
// zero / negative / huge numbers, bad key and secret text). Op bytes 248..255 are CreateAccount / SetApiKey.
//
//   RunFuzzInput(data, size);   // aborts (with a message on stderr) if an invariant breaks
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/command.h"
#include "engine/engine.h"

namespace sequex::test {

// The engine configuration the fuzzer uses (small limits, so capacity rejections are reachable).
[[nodiscard]] EngineConfig FuzzEngineConfig();

// The preamble followed by the commands decoded from `data`.
[[nodiscard]] std::vector<Command> DecodeFuzzInput(const uint8_t* data, size_t size);

// Applies DecodeFuzzInput(data, size) to a fresh Engine. After every command: Engine::Audit() must be "", the
// public invariants (tests/invariants.h) must hold, every command must end with Done or be a single Rejected,
// a rejected command must leave StateHash() unchanged, and every command's events must equal the reference model's
// (tests/reference_model.h), as in the differential test. Calls std::abort() on the first violation.
void RunFuzzInput(const uint8_t* data, size_t size);

}  // namespace sequex::test

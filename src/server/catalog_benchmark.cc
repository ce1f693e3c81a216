// What publishing the API key table costs the publisher thread after one account/create or key/create, on a venue
// of N keys: a whole new table (KeyTable::Build, what every key change did before) against the table with one key
// changed (KeyTable::WithKeyFrom, what it does now). Each iteration is one new account with a key.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>

#include "server/catalog.h"

namespace sequex::server {
namespace {

CreateAccount NewAccountWithKey(uint64_t n) {
  CreateAccount c;
  std::snprintf(c.credential.key, sizeof c.credential.key, "benchkey%016llu", static_cast<unsigned long long>(n));
  std::snprintf(c.credential.secret, sizeof c.credential.secret, "benchsecret%016llu",
                static_cast<unsigned long long>(n));
  c.credential.permissions = kPermissionRead | kPermissionTrade;
  return c;
}

// An engine holding `keys` accounts with a key each; `next` numbers the accounts made after.
struct KeyedVenue {
  explicit KeyedVenue(int64_t keys) {
    for (int64_t i = 0; i < keys; ++i) Add();
  }
  void Add() {
    ++next;
    engine.Apply(Command{next, 0, NewAccountWithKey(next)});
  }
  Engine engine;
  uint64_t next = 0;
};

void BM_KeyTableRebuild(benchmark::State& state) {
  KeyedVenue v(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    v.Add();
    state.ResumeTiming();
    benchmark::DoNotOptimize(KeyTable::Build(v.engine));
  }
}
BENCHMARK(BM_KeyTableRebuild)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

void BM_KeyTableOneChange(benchmark::State& state) {
  KeyedVenue v(state.range(0));
  std::shared_ptr<const KeyTable> table = KeyTable::Build(v.engine);
  for (auto _ : state) {
    state.PauseTiming();
    v.Add();
    const CreateAccount added = NewAccountWithKey(v.next);
    state.ResumeTiming();
    table = table->WithKeyFrom(v.engine, added.credential.key_view());
  }
  benchmark::DoNotOptimize(table);
}
BENCHMARK(BM_KeyTableOneChange)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sequex::server

BENCHMARK_MAIN();

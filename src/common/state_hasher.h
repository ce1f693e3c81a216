// StateHasher: the canonical hash of engine state (and of journal records), XXH3-64 over an explicit, ordered
// byte stream. Callers feed fields in a documented order (see docs/engine.md, "State hash"); never a struct's raw
// bytes, whose padding would make the hash depend on the compiler.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace sequex {

class StateHasher {
 public:
  StateHasher() : state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~StateHasher() { XXH3_freeState(state_); }
  StateHasher(const StateHasher&) = delete;
  StateHasher& operator=(const StateHasher&) = delete;

  void U64(uint64_t v) { XXH3_64bits_update(state_, &v, sizeof v); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Bytes(std::string_view s) {
    U64(s.size());
    XXH3_64bits_update(state_, s.data(), s.size());
  }
  [[nodiscard]] uint64_t Digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_;
};

}  // namespace sequex

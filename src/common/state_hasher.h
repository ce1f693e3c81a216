// StateHasher: the canonical hash of engine state (and of journal records), XXH3-64 over an explicit, ordered
// byte stream. Callers feed fields in a documented order (see docs/engine.md, "State hash"); never a struct's raw
// bytes, whose padding would make the hash depend on the compiler.
#pragma once

#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sequex {

class StateHasher {
 public:
  StateHasher() : state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~StateHasher() { XXH3_freeState(state_); }
  StateHasher(const StateHasher&) = delete;
  StateHasher& operator=(const StateHasher&) = delete;

  // Fields are gathered in a buffer and streamed to XXH3 a buffer at a time: the digest of a stream does not depend
  // on how it is cut, and one call per 8-byte field was most of the cost of hashing a large state.
  void U64(uint64_t v) {
    if (used_ + sizeof v > sizeof buffer_) Flush();
    std::memcpy(buffer_ + used_, &v, sizeof v);
    used_ += sizeof v;
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Bytes(std::string_view s) {
    U64(s.size());
    if (used_ + s.size() > sizeof buffer_) Flush();
    if (s.size() > sizeof buffer_) {
      XXH3_64bits_update(state_, s.data(), s.size());
      return;
    }
    std::memcpy(buffer_ + used_, s.data(), s.size());
    used_ += s.size();
  }
  [[nodiscard]] uint64_t Digest() {
    Flush();
    return XXH3_64bits_digest(state_);
  }

 private:
  void Flush() {
    if (used_ > 0) XXH3_64bits_update(state_, buffer_, used_);
    used_ = 0;
  }

  XXH3_state_t* state_;
  size_t used_ = 0;
  unsigned char buffer_[4096] = {};
};

}  // namespace sequex

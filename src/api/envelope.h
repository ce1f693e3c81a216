// The request envelope of the Crypto.com Exchange API v1, REST body or WebSocket message:
//   {"id":…, "method":"private/x", "params":{…}, "api_key":"…", "sig":"hex", "nonce":…}
// parsed into owned strings, before any method-specific work. params stays raw JSON text: the signature is
// computed over it (signing.h) and the method's handler parses it.
//
//   Envelope e;
//   if (const uint32_t code = ParseEnvelope(body, &e); code != 0) reply(e.has_id ? e.id : -1, code);
//
// Thread-safe: one simdjson parser per thread (thread_local).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sequex::api {

struct Envelope {
  bool has_id = false;
  int64_t id = 0;
  std::string id_text;  // the digits as sent ("11" for both 11 and "11"): what the signature covers
  std::string method;
  std::string params_json;  // raw text of the params object, "" when absent or null
  std::string api_key;
  std::string sig;
  bool has_nonce = false;
  int64_t nonce = 0;
  std::string nonce_text;  // as id_text
};

inline constexpr uint32_t kEnvelopeMalformed = 40001;     // not a JSON object, invalid JSON, nested too deep
inline constexpr uint32_t kEnvelopeInvalidField = 40004;  // a known field of the wrong type, or no method

// Parses `json` into *out (reset first) and returns 0, kEnvelopeMalformed or kEnvelopeInvalidField.
// - id, nonce: a JSON integer or a string of 1..19 ASCII digits, in [0, 2^63-1]; null counts as absent. A nonce
//   string has no leading zero (as a JSON integer has none): the signature covers its digits as sent, right after
//   the params, and a leading zero would let a signature cover a second request (envelope.cc).
// - method: a non-empty string (required). api_key, sig: strings. params: an object; null counts as absent.
// - Unknown members are ignored; for a repeated member the last one wins. Nesting deeper than 32 levels is
//   malformed. Every part of the text, params included, is validated.
// On kEnvelopeInvalidField, the members parsed before and after the bad one are still filled in, so the caller
// can echo id and method in its error response. On kEnvelopeMalformed, only what was parsed before the error.
[[nodiscard]] uint32_t ParseEnvelope(std::string_view json, Envelope* out);

}  // namespace sequex::api

// Request signing of the Crypto.com Exchange API v1 (shared/reference/cryptocom-exchange-api-v1.md, "Signing"):
//
//   sig = hex(HMAC_SHA256(secret, method + id + api_key + paramString + nonce))
//
//   std::string ps;
//   if (!ParamString(envelope.params_json, &ps)) return 40001;
//   const std::string payload = SignaturePayload(e.method, e.id_text, e.api_key, ps, e.nonce_text);
//   if (!SignatureMatches(HmacSha256Hex(secret, payload), e.sig)) return 40101;
//
// All functions are pure and thread-safe. ParamString uses one simdjson parser per thread (thread_local).
#pragma once

#include <string>
#include <string_view>

namespace sequex::api {

// The paramString of the raw JSON text of `params`:
//   object: members sorted by key (byte order; for duplicate keys every member is kept, in input order),
//           each as key + value; array: its elements' values concatenated; string: its decoded text
//           (escapes resolved); number: its raw JSON text exactly as sent ("1.50" stays "1.50");
//           true / false / null: "true" / "false" / "null".
// Empty (or all-whitespace) text, `{}`, `[]` and a top-level `null` give "". Nesting deeper than 32 levels is
// refused. Returns false, leaving *out unspecified, when the text is not valid JSON.
[[nodiscard]] bool ParamString(std::string_view params_json, std::string* out);

// method + id + api_key + param_string + nonce, where id and nonce are the digits as the client sent them.
[[nodiscard]] std::string SignaturePayload(std::string_view method, std::string_view id, std::string_view api_key,
                                           std::string_view param_string, std::string_view nonce);

// HMAC-SHA256(secret, payload) as 64 lower-case hex digits.
[[nodiscard]] std::string HmacSha256Hex(std::string_view secret, std::string_view payload);

// Whether `given` (hex, either case) equals `expected_hex`. The time taken depends only on the lengths, never on
// where the first difference is. Non-hex characters in `given` never match.
[[nodiscard]] bool SignatureMatches(std::string_view expected_hex, std::string_view given);

}  // namespace sequex::api

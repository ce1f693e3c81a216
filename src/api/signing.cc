#include "api/signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace sequex::api {
namespace {

namespace od = simdjson::ondemand;

constexpr int kMaxDepth = 32;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  const auto digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == s.size();
}

// Appends value(v) to *out. Works for od::value and od::document (same member names).
template <typename V>
bool AppendValue(V& v, int depth, std::string* out);

bool AppendObject(od::object obj, int depth, std::string* out) {
  std::vector<std::pair<std::string, std::string>> members;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    std::pair<std::string, std::string> m{std::string(key), std::string()};
    od::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return false;
    if (!AppendValue(v, depth + 1, &m.second)) return false;
    members.push_back(std::move(m));
  }
  std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, v] : members) {
    out->append(k);
    out->append(v);
  }
  return true;
}

bool AppendArray(od::array arr, int depth, std::string* out) {
  for (auto element : arr) {
    od::value v;
    if (element.get(v) != simdjson::SUCCESS) return false;
    if (!AppendValue(v, depth + 1, out)) return false;
  }
  return true;
}

template <typename V>
bool AppendValue(V& v, int depth, std::string* out) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
      return AppendObject(obj, depth, out);
    }
    case od::json_type::array: {
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
      return AppendArray(arr, depth, out);
    }
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return false;
      out->append(s);
      return true;
    }
    case od::json_type::number: {
      std::string_view raw;
      if constexpr (std::is_same_v<V, od::value>) {
        raw = v.raw_json_token();  // a plain string_view for values, a simdjson_result for documents
      } else if (v.raw_json_token().get(raw) != simdjson::SUCCESS) {
        return false;
      }
      raw = TrimRight(raw);
      if (!IsJsonNumber(raw)) return false;
      out->append(raw);
      return true;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return false;
      out->append(b ? "true" : "false");
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return false;
      out->append("null");
      return true;
    }
  }
  return false;
}

}  // namespace

bool ParamString(std::string_view params_json, std::string* out) {
  out->clear();
  if (TrimRight(params_json).empty()) return true;
  thread_local od::parser parser;
  thread_local std::string padded;  // the input plus simdjson's padding, reused
  padded.assign(params_json);
  padded.resize(params_json.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (parser.iterate(padded.data(), params_json.size(), padded.size()).get(doc) != simdjson::SUCCESS) return false;
  od::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS) return false;
  if (type == od::json_type::null) {
    bool is_null = false;
    if (doc.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return false;
  } else if (!AppendValue(doc, 0, out)) {
    return false;
  }
  // Anything after the root value is an error (simdjson 3.0 does not check this by itself for containers).
  const char* rest = nullptr;
  return doc.current_location().get(rest) == simdjson::OUT_OF_BOUNDS;
}

std::string SignaturePayload(std::string_view method, std::string_view id, std::string_view api_key,
                             std::string_view param_string, std::string_view nonce) {
  std::string s;
  s.reserve(method.size() + id.size() + api_key.size() + param_string.size() + nonce.size());
  s.append(method).append(id).append(api_key).append(param_string).append(nonce);
  return s;
}

std::string HmacSha256Hex(std::string_view secret, std::string_view payload) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), md, &md_len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size_t{md_len} * 2, '0');
  for (unsigned int i = 0; i < md_len; ++i) {
    hex[size_t{2} * i] = kHex[md[i] >> 4];
    hex[size_t{2} * i + 1] = kHex[md[i] & 0xF];
  }
  return hex;
}

bool SignatureMatches(std::string_view expected_hex, std::string_view given) {
  if (expected_hex.size() != given.size() || given.empty()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < given.size(); ++i) {
    const auto g = static_cast<unsigned char>(given[i]);
    const auto e = static_cast<unsigned char>(expected_hex[i]);
    const unsigned lg = g | 0x20u;
    const unsigned le = e | 0x20u;
    const unsigned g_hex =
        static_cast<unsigned>((g >= '0') & (g <= '9')) | static_cast<unsigned>((lg >= 'a') & (lg <= 'f'));
    diff |= (lg ^ le) | (g_hex ^ 1u);
  }
  return diff == 0;
}

}  // namespace sequex::api

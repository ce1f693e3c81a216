#include "api/envelope.h"

#include <simdjson.h>

#include <string>

namespace sequex::api {
namespace {

namespace od = simdjson::ondemand;

constexpr int kMaxDepth = 32;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Visits every scalar below v so that the whole text is validated (On Demand skips what it is not asked for).
bool Validate(od::value v, int depth) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
      for (auto field : obj) {
        std::string_view key;
        od::value child;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
        if (field.value().get(child) != simdjson::SUCCESS || !Validate(child, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::array: {
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
      for (auto element : arr) {
        od::value child;
        if (element.get(child) != simdjson::SUCCESS || !Validate(child, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) == simdjson::SUCCESS;
    }
    case od::json_type::number: {
      od::number n;
      return v.get_number().get(n) == simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool b = false;
      return v.get_bool().get(b) == simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      return v.is_null().get(is_null) == simdjson::SUCCESS && is_null;
    }
  }
  return false;
}

bool ParseDigits(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

enum class FieldResult { kOk, kAbsent, kWrongType, kMalformed };

// id / nonce: an integer or a string of digits.
FieldResult ParseIntegerField(od::value v, int64_t* value, std::string* text) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return FieldResult::kMalformed;
  if (type == od::json_type::null) {
    bool is_null = false;
    return v.is_null().get(is_null) == simdjson::SUCCESS && is_null ? FieldResult::kAbsent : FieldResult::kMalformed;
  }
  if (type == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return FieldResult::kMalformed;
    if (!ParseDigits(s, value)) return FieldResult::kWrongType;
    text->assign(s);
    return FieldResult::kOk;
  }
  if (type == od::json_type::number) {
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() && IsJsonSpace(raw.back())) raw.remove_suffix(1);
    od::number n;
    if (v.get_number().get(n) != simdjson::SUCCESS) return FieldResult::kWrongType;  // e.g. beyond 64 bits
    if (n.is_int64()) {
      if (n.get_int64() < 0) return FieldResult::kWrongType;
    } else if (!n.is_uint64() || n.get_uint64() > static_cast<uint64_t>(INT64_MAX)) {
      return FieldResult::kWrongType;  // a double (1.5, 1e3) or too large
    }
    if (!ParseDigits(raw, value)) return FieldResult::kWrongType;  // "-0"
    text->assign(raw);
    return FieldResult::kOk;
  }
  return Validate(v, 1) ? FieldResult::kWrongType : FieldResult::kMalformed;
}

FieldResult ParseStringField(od::value v, std::string* out) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return FieldResult::kMalformed;
  if (type != od::json_type::string) return Validate(v, 1) ? FieldResult::kWrongType : FieldResult::kMalformed;
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return FieldResult::kMalformed;
  out->assign(s);
  return FieldResult::kOk;
}

FieldResult ParseParams(od::value v, std::string* out) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return FieldResult::kMalformed;
  if (type == od::json_type::null) {
    bool is_null = false;
    return v.is_null().get(is_null) == simdjson::SUCCESS && is_null ? FieldResult::kAbsent : FieldResult::kMalformed;
  }
  if (type != od::json_type::object) return Validate(v, 1) ? FieldResult::kWrongType : FieldResult::kMalformed;
  // The object's text runs from its '{' to the last byte before the next token of the envelope (',' or '}').
  const char* begin = v.raw_json_token().data();
  if (!Validate(v, 1)) return FieldResult::kMalformed;
  const char* end = nullptr;
  if (v.current_location().get(end) != simdjson::SUCCESS) return FieldResult::kMalformed;
  std::string_view text(begin, static_cast<size_t>(end - begin));
  while (!text.empty() && IsJsonSpace(text.back())) text.remove_suffix(1);
  if (text.empty() || text.back() != '}') return FieldResult::kMalformed;
  out->assign(text);
  return FieldResult::kOk;
}

}  // namespace

uint32_t ParseEnvelope(std::string_view json, Envelope* out) {
  *out = Envelope{};
  thread_local od::parser parser;
  thread_local std::string padded;  // the input plus simdjson's padding, reused
  padded.assign(json);
  padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (parser.iterate(padded.data(), json.size(), padded.size()).get(doc) != simdjson::SUCCESS) {
    return kEnvelopeMalformed;
  }
  od::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS || type != od::json_type::object) return kEnvelopeMalformed;
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return kEnvelopeMalformed;

  bool wrong_type = false;
  bool has_method = false;
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return kEnvelopeMalformed;
    if (field.value().get(v) != simdjson::SUCCESS) return kEnvelopeMalformed;
    FieldResult r = FieldResult::kOk;
    if (key == "id") {
      out->id_text.clear();
      r = ParseIntegerField(v, &out->id, &out->id_text);
      out->has_id = r == FieldResult::kOk;
    } else if (key == "nonce") {
      out->nonce_text.clear();
      r = ParseIntegerField(v, &out->nonce, &out->nonce_text);
      // The nonce ends the signed payload, right after the paramString, so its digits as sent must be the only way
      // to write it: with "0" + nonce accepted, a signature for params ending in a 0 also covered the same request
      // with that 0 moved into the nonce (order_id "50" -> "5"), the nonce's value unchanged.
      if (r == FieldResult::kOk && out->nonce_text.size() > 1 && out->nonce_text[0] == '0') r = FieldResult::kWrongType;
      out->has_nonce = r == FieldResult::kOk;
    } else if (key == "method") {
      r = ParseStringField(v, &out->method);
      has_method = r == FieldResult::kOk && !out->method.empty();
    } else if (key == "params") {
      out->params_json.clear();
      r = ParseParams(v, &out->params_json);
    } else if (key == "api_key") {
      r = ParseStringField(v, &out->api_key);
    } else if (key == "sig") {
      r = ParseStringField(v, &out->sig);
    } else if (!Validate(v, 1)) {
      return kEnvelopeMalformed;
    }
    if (r == FieldResult::kMalformed) return kEnvelopeMalformed;
    if (r == FieldResult::kWrongType) wrong_type = true;
  }
  // Nothing may follow the root object.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return kEnvelopeMalformed;
  if (wrong_type || !has_method) return kEnvelopeInvalidField;
  return 0;
}

}  // namespace sequex::api

#include "tests/fuzz/request_fuzz_input.h"

#include <simdjson.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/decimal.h"
#include "api/envelope.h"
#include "api/json_writer.h"
#include "api/signing.h"
#include "server/params.h"

namespace sequex::test {
namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "request fuzzer: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// Every name the gateway reads from params or a query (gateway.cc).
constexpr std::array<std::string_view, 24> kParamNames = {
    "instrument_name", "side",       "type",      "price",           "quantity",
    "notional",        "client_oid", "order_id",  "orig_client_oid", "time_in_force",
    "exec_inst",       "ref_price",  "new_price", "new_quantity",    "contingency_type",
    "order_list",      "depth",      "count",     "timeframe",       "limit",
    "spot_margin",     "stp_id",     "stp_scope", "stp_inst"};

// A parsed decimal is within its maximum and is what its own text parses to again.
void CheckDecimal(std::string_view text) {
  static constexpr std::array<int, 4> kDecimals = {0, 2, 8, 18};
  static constexpr std::array<int64_t, 3> kMaxima = {0, 1'000'000'000'000'000, INT64_MAX};
  for (const int decimals : kDecimals) {
    for (const int64_t max : kMaxima) {
      int64_t value = -1;
      if (!api::ParseScaled(text, decimals, max, &value)) continue;
      if (value < 0 || value > max) Fail("a decimal outside [0, max]", text);
      const std::string back = api::FormatScaled(value, decimals);
      int64_t again = -1;
      if (!api::ParseScaled(back, decimals, max, &again) || again != value) Fail("a decimal did not read back", back);
    }
  }
}

// The texts the gateway would read from `params` by name, those of nested objects (order_list) included.
void CollectTexts(const server::Params& params, int depth, std::vector<std::string>* texts) {
  for (const std::string_view name : kParamNames) {
    bool bad_type = false;
    if (std::optional<std::string> text = params.Text(name, &bad_type)) texts->push_back(std::move(*text));
    if (std::optional<std::vector<std::string>> list = params.List(name, &bad_type)) {
      for (std::string& item : *list) texts->push_back(std::move(item));
    }
    if (depth < 2) {
      if (std::optional<std::vector<server::Params>> objects = params.Objects(name, &bad_type)) {
        for (const server::Params& nested : *objects) CollectTexts(nested, depth + 1, texts);
      }
    }
  }
}

// A reply echoing `texts` as strings must be JSON a strict parser reads, with each UTF-8 text given back as is.
void CheckReply(const std::vector<std::string>& texts) {
  api::JsonWriter w;
  w.BeginObject();
  w.IntField("id", -1);
  w.Key("result");
  w.BeginArray();
  for (const std::string& t : texts) w.String(t);
  w.EndArray();
  w.EndObject();
  static simdjson::dom::parser parser;  // one per process: its buffers are reused across inputs
  const simdjson::padded_string json(w.view());
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) Fail("a reply is not JSON", w.view());
  simdjson::dom::array result;
  if (doc["result"].get(result) != simdjson::SUCCESS) Fail("a reply lost its result", w.view());
  size_t i = 0;
  for (const simdjson::dom::element item : result) {
    std::string_view back;
    if (item.get(back) != simdjson::SUCCESS || i >= texts.size()) Fail("a reply's string is missing", w.view());
    const std::string& sent = texts[i++];
    if (simdjson::validate_utf8(sent.data(), sent.size()) && back != sent) Fail("a reply changed a string", sent);
  }
  if (i != texts.size()) Fail("a reply lost strings", w.view());
}

}  // namespace

void RunRequestFuzzInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> texts;

  // As a REST body or a WebSocket message.
  api::Envelope envelope;
  const uint32_t code = api::ParseEnvelope(bytes, &envelope);
  if (code != 0 && code != api::kEnvelopeMalformed && code != api::kEnvelopeInvalidField) {
    Fail("ParseEnvelope answered an unknown code", std::to_string(code));
  }
  if (code == 0) {
    if (envelope.method.empty()) Fail("an accepted envelope without a method", bytes);
    if ((envelope.has_id && envelope.id < 0) || (envelope.has_nonce && envelope.nonce < 0)) {
      Fail("an accepted envelope with a negative id or nonce", bytes);
    }
    // The nonce ends the signed payload, so its text must be the one way to write its value: otherwise a signature
    // covers a second request whose params lend the nonce a leading 0 (tests/regressions.md, R74).
    if (envelope.has_nonce && envelope.nonce_text != std::to_string(envelope.nonce)) {
      Fail("an accepted nonce whose text is not its value's own", envelope.nonce_text);
    }
    texts.push_back(envelope.method);
    texts.push_back(envelope.id_text);
    texts.push_back(envelope.api_key);
    std::string param_string;
    (void)api::ParamString(envelope.params_json, &param_string);
    const std::string payload =
        api::SignaturePayload(envelope.method, envelope.id_text, envelope.api_key, param_string, envelope.nonce_text);
    (void)api::SignatureMatches(api::HmacSha256Hex("fuzz-secret", payload), envelope.sig);
    server::Params params;
    if (params.ParseJson(envelope.params_json)) CollectTexts(params, 0, &texts);
  }

  // As a public GET query string.
  server::Params query;
  query.ParseQuery(bytes);
  CollectTexts(query, 0, &texts);

  for (const std::string& t : texts) CheckDecimal(t);
  CheckDecimal(bytes);
  texts.emplace_back(bytes);  // the raw bytes too, as a method name taken from the path would be
  CheckReply(texts);
}

}  // namespace sequex::test

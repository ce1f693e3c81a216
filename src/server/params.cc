#include "server/params.h"

#include <simdjson.h>

#include <charconv>
#include <string>
#include <utility>
#include <vector>

namespace sequex::server {

namespace {

// The keys whose value is a list (or a list of objects): every other key takes a scalar. A list or an object where a
// scalar belongs is refused when the params are read, so that no handler can take it for an absent parameter (a
// cancel-all whose instrument_name came as ["BTC_USD"] cancelled every book's orders).
constexpr std::string_view kListKeys[] = {"exec_inst", "order_list", "channels", "deposits", "permissions"};

bool IsListKey(std::string_view key) {
  for (std::string_view k : kListKeys) {
    if (k == key) return true;
  }
  return false;
}

// The text of every number in a JSON document, in document order. simdjson's DOM keeps a number only as a double
// or an integer, and a double has lost digits past its 17th: "100.000000000000001" read back as "100". The document
// has already been validated when this runs, so a number is any run that starts outside a string with '-' or a digit.
std::vector<std::string_view> NumberTokens(std::string_view json) {
  std::vector<std::string_view> tokens;
  for (size_t i = 0; i < json.size();) {
    const char c = json[i];
    if (c == '"') {
      for (++i; i < json.size() && json[i] != '"'; ++i) {
        if (json[i] == '\\') ++i;
      }
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t start = i;
      while (i < json.size() && (json[i] == '-' || json[i] == '+' || json[i] == '.' || json[i] == 'e' ||
                                 json[i] == 'E' || (json[i] >= '0' && json[i] <= '9'))) {
        ++i;
      }
      tokens.push_back(json.substr(start, i - start));
    } else {
      ++i;
    }
  }
  return tokens;
}

// A JSON number's text without its exponent, exactly: "1.5e-3" -> "0.0015", "2E2" -> "200". False where the
// exponent would make the text absurdly long (no price or quantity has a thousand digits).
bool PlainDecimal(std::string_view token, std::string* out) {
  const size_t e = token.find_first_of("eE");
  if (e == std::string_view::npos) {
    *out = std::string(token);
    return true;
  }
  int exponent = 0;
  std::string_view exp_text = token.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  if (ec != std::errc() || ptr != exp_text.data() + exp_text.size() || exponent > 1000 || exponent < -1000) {
    return false;
  }
  std::string_view mantissa = token.substr(0, e);
  const bool negative = !mantissa.empty() && mantissa[0] == '-';
  if (negative) mantissa.remove_prefix(1);
  const size_t dot = mantissa.find('.');
  std::string digits(mantissa.substr(0, dot));
  const long long int_digits = static_cast<long long>(digits.size());
  if (dot != std::string_view::npos) digits += mantissa.substr(dot + 1);
  const long long point = int_digits + exponent;  // digits before the decimal point
  std::string text;
  if (point <= 0) {
    text = "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (point >= static_cast<long long>(digits.size())) {
    text = digits + std::string(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    text = digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
  }
  const size_t first = text.find_first_not_of('0');
  if (first == std::string::npos) {
    text = "0";
  } else if (first > 0) {
    text.erase(0, text[first] == '.' ? first - 1 : first);
  }
  *out = negative ? "-" + text : text;
  return true;
}

}  // namespace

class ParamsBuilder {
 public:
  ParamsBuilder(std::vector<std::string_view> numbers, std::string* problem)
      : numbers_(std::move(numbers)), problem_(problem) {}

  bool Build(const simdjson::dom::object& obj, Params* out, int depth) {
    if (depth > 8) return Fail("params are nested too deep");
    for (auto [key, value] : obj) {
      Params::Value v;
      const simdjson::dom::element_type type = value.type();
      if (type == simdjson::dom::element_type::NULL_VALUE) {
        v.kind = Params::Value::kNull;
      } else if (type == simdjson::dom::element_type::OBJECT || type == simdjson::dom::element_type::ARRAY) {
        if (!IsListKey(key)) return Fail("params." + std::string(key) + " must be a string or a number");
        if (type == simdjson::dom::element_type::OBJECT) {
          v.kind = Params::Value::kObject;
          Params ignored;  // read all the same, so that the numbers inside it are passed over in order
          if (!Build(simdjson::dom::object(value), &ignored, depth + 1)) return false;
        } else {
          v.kind = Params::Value::kArray;
          for (simdjson::dom::element item : simdjson::dom::array(value)) {
            std::string text;
            if (item.type() == simdjson::dom::element_type::OBJECT) {
              Params nested;
              if (!Build(simdjson::dom::object(item), &nested, depth + 1)) return false;
              v.objects.push_back(std::move(nested));
            } else if (item.type() == simdjson::dom::element_type::ARRAY) {
              return Fail("params." + std::string(key) + " must hold strings or objects");
            } else if (Scalar(item, key, &text)) {
              v.list.push_back(std::move(text));
            } else if (problem_->empty()) {
              v.mixed = true;  // a null in the list
            } else {
              return false;
            }
          }
        }
      } else if (!Scalar(value, key, &v.text)) {
        return false;
      }
      out->values_[std::string(key)] = std::move(v);
    }
    return true;
  }

 private:
  bool Scalar(const simdjson::dom::element& e, std::string_view key, std::string* out) {
    switch (e.type()) {
      case simdjson::dom::element_type::STRING:
        *out = std::string(std::string_view(e));
        return true;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        // The number as the client wrote it (less its exponent), never through a double.
        if (next_number_ >= numbers_.size() || !PlainDecimal(numbers_[next_number_++], out)) {
          return Fail("params." + std::string(key) + ": number out of range");
        }
        return true;
      case simdjson::dom::element_type::BOOL:
        *out = bool(e) ? "true" : "false";
        return true;
      default:
        return false;
    }
  }

  bool Fail(std::string message) {
    *problem_ = std::move(message);
    return false;
  }

  std::vector<std::string_view> numbers_;
  size_t next_number_ = 0;
  std::string* problem_;
};

bool Params::ParseJson(std::string_view json, std::string* problem) {
  values_.clear();
  std::string ignored;
  if (problem == nullptr) problem = &ignored;
  problem->clear();
  // No params: nothing, or null alone (a body "null{...}" is not JSON, and the parser says so below).
  const size_t start = json.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return true;
  const size_t end = json.find_last_not_of(" \t\r\n");
  if (json.substr(start, end + 1 - start) == "null") return true;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS ||
      root.type() != simdjson::dom::element_type::OBJECT) {
    *problem = "params must be a JSON object";
    return false;
  }
  ParamsBuilder builder(NumberTokens(json), problem);
  if (builder.Build(simdjson::dom::object(root), this, 0)) return true;
  values_.clear();
  return false;
}

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}
}  // namespace

void Params::ParseQuery(std::string_view query) {
  values_.clear();
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    Value v;
    v.text = eq == std::string_view::npos ? std::string() : Unescape(pair.substr(eq + 1));
    values_[Unescape(pair.substr(0, eq))] = std::move(v);
  }
}

std::optional<std::string> Params::Text(std::string_view key, bool* bad_type) const {
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.kind == Value::kNull) return std::nullopt;
  if (it->second.kind != Value::kScalar) {
    if (bad_type != nullptr) *bad_type = true;
    return std::nullopt;
  }
  return it->second.text;
}

std::optional<std::vector<std::string>> Params::List(std::string_view key, bool* bad_type) const {
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.kind == Value::kNull) return std::nullopt;
  if (it->second.kind == Value::kScalar) return std::vector<std::string>{it->second.text};
  if (it->second.kind != Value::kArray || it->second.mixed || !it->second.objects.empty()) {
    if (bad_type != nullptr) *bad_type = true;
    return std::nullopt;
  }
  return it->second.list;
}

std::optional<std::vector<Params>> Params::Objects(std::string_view key, bool* bad_type) const {
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.kind == Value::kNull) return std::nullopt;
  if (it->second.kind != Value::kArray || it->second.mixed || !it->second.list.empty()) {
    if (bad_type != nullptr) *bad_type = true;
    return std::nullopt;
  }
  return it->second.objects;
}

}  // namespace sequex::server

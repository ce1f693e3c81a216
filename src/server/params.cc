#include "server/params.h"

#include <simdjson.h>

#include <charconv>

namespace sequex::server {

class ParamsBuilder {
 public:
  static bool Scalar(const simdjson::dom::element& e, std::string* out) {
    switch (e.type()) {
      case simdjson::dom::element_type::STRING:
        *out = std::string(std::string_view(e));
        return true;
      case simdjson::dom::element_type::INT64:
        *out = std::to_string(int64_t(e));
        return true;
      case simdjson::dom::element_type::UINT64:
        *out = std::to_string(uint64_t(e));
        return true;
      case simdjson::dom::element_type::DOUBLE: {
        char buf[400];  // fixed notation of any double fits
        // The shortest fixed-point text that reads back as the same double ("0.0002", never "2e-04").
        const auto r = std::to_chars(buf, buf + sizeof buf, double(e), std::chars_format::fixed);
        if (r.ec != std::errc()) return false;
        *out = std::string(buf, r.ptr);
        return true;
      }
      case simdjson::dom::element_type::BOOL:
        *out = bool(e) ? "true" : "false";
        return true;
      default:
        return false;
    }
  }

  static bool Build(const simdjson::dom::object& obj, Params* out, int depth) {
    if (depth > 8) return false;
    for (auto [key, value] : obj) {
      Params::Value v;
      const simdjson::dom::element_type type = value.type();
      if (type == simdjson::dom::element_type::NULL_VALUE) {
        v.kind = Params::Value::kNull;
      } else if (type == simdjson::dom::element_type::OBJECT) {
        v.kind = Params::Value::kObject;
      } else if (type == simdjson::dom::element_type::ARRAY) {
        v.kind = Params::Value::kArray;
        for (simdjson::dom::element item : simdjson::dom::array(value)) {
          std::string text;
          if (item.type() == simdjson::dom::element_type::OBJECT) {
            Params nested;
            if (!Build(simdjson::dom::object(item), &nested, depth + 1)) return false;
            v.objects.push_back(std::move(nested));
          } else if (Scalar(item, &text)) {
            v.list.push_back(std::move(text));
          } else {
            v.mixed = true;
          }
        }
      } else {
        Scalar(value, &v.text);
      }
      out->values_[std::string(key)] = std::move(v);
    }
    return true;
  }
};

bool Params::ParseJson(std::string_view json) {
  values_.clear();
  size_t start = json.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || json.substr(start, 4) == "null") return true;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return false;
  if (root.type() != simdjson::dom::element_type::OBJECT) return false;
  return ParamsBuilder::Build(simdjson::dom::object(root), this, 0);
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

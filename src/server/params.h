// Params: the `params` of an API request (a JSON object) or a REST query string, read by name with the API's
// leniency: a price may come as "20000" or 20000, an id as "42" or 42. Values keep their text exactly (numbers as
// their JSON text), so "0.0002" is never routed through a double.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sequex::server {

class Params {
 public:
  // From the raw JSON text of `params` ("" = no params). False, with *problem saying why, if it is not a JSON
  // object, is nested too deep, or holds a list or an object under a key that takes a scalar (only exec_inst,
  // order_list, channels, deposits and permissions take lists). A number keeps the text it was sent as, less any
  // exponent ("1e-3" -> "0.001"), so no digit is lost to a double.
  bool ParseJson(std::string_view json, std::string* problem = nullptr);
  // From "a=1&b=x%20y".
  void ParseQuery(std::string_view query);

  // A scalar's text (strings unquoted and unescaped; numbers, true/false as written); nullopt if absent or null.
  // *bad_type is set when present but an object or array.
  [[nodiscard]] std::optional<std::string> Text(std::string_view key, bool* bad_type = nullptr) const;
  [[nodiscard]] bool Has(std::string_view key) const { return values_.count(std::string(key)) != 0; }
  // An array of scalars (or one scalar, as a one-element list).
  [[nodiscard]] std::optional<std::vector<std::string>> List(std::string_view key, bool* bad_type = nullptr) const;
  // An array of objects, each as Params (e.g. order_list).
  [[nodiscard]] std::optional<std::vector<Params>> Objects(std::string_view key, bool* bad_type = nullptr) const;

 private:
  struct Value {
    enum Kind { kScalar, kNull, kArray, kObject } kind = kScalar;
    std::string text;               // scalar text
    std::vector<std::string> list;  // scalars of an array
    std::vector<Params> objects;    // objects of an array
    bool mixed = false;             // an array holding something else
  };
  std::map<std::string, Value, std::less<>> values_;
  friend class ParamsBuilder;
};

}  // namespace sequex::server

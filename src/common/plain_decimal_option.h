// Integer options of the command-line tools (sequex, sequexd, sequex-bench, sequex-node) take plain decimal digits
// only. CLI11 reads an integer with strtoull / strtoll(..., base 0): "010" is octal 8, "0x10" is 16, " 9" and "+9"
// pass, and "-1" given for an unsigned option is 2^64-1. An operator who types an account id or a seq means it in
// decimal, and a number read another way credits another account or cuts the journal elsewhere.
//
//   CLI::App app{...};
//   app.add_option("--account", account_id, "account id");   // ... every option, then, last before parsing:
//   sequex::RequirePlainDecimalIntegers(app);
//   CLI11_PARSE(app, argc, argv);                            // "--account: '010' is not a plain decimal ..."
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

namespace sequex {

// "0", or a digit 1-9 and more digits: no sign, no base prefix, no leading zero, no space.
[[nodiscard]] inline bool IsPlainDecimal(std::string_view text) {
  if (text.empty() || (text[0] == '0' && text.size() > 1)) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A CLI11 validator: it sees the text as typed, before CLI11 converts it; the error CLI11 prints names the option.
// It also refuses a number past `max`, the largest value of a 64-bit option, because CLI11's strtoull / strtoll
// saturate there without a word ("99999999999999999999" would be 2^64-1); a narrower type's own conversion refuses
// what it cannot hold.
[[nodiscard]] inline CLI::Validator PlainDecimal(uint64_t max) {
  return {[max](std::string& text) -> std::string {
            if (!IsPlainDecimal(text)) {
              return "'" + text +
                     "' is not a plain decimal number (digits 0-9 only: no sign, no 0x or leading zero, no spaces)";
            }
            uint64_t value = 0;
            const std::from_chars_result parsed = std::from_chars(text.data(), text.data() + text.size(), value);
            if (parsed.ec != std::errc() || value > max) {
              return "'" + text + "' is out of range (at most " + std::to_string(max) + ")";
            }
            return {};
          },
          /*validator_desc=*/"", /*validator_name=*/"PLAIN_DECIMAL"};
}

// Checks every option of `app` and of its subcommands, at any depth, that CLI11 converts as an integer (type INT or
// UINT, a list of them too: each item is checked once the delimiter has split them) with PlainDecimal. A walk over
// the options rather than a check added at each: an integer option added later cannot be left out. Call it once
// every option is added.
inline void RequirePlainDecimalIntegers(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    // The type name, then ":" and a description for each validator the option has (e.g. "UINT:INT in [1 - 1000]").
    const std::string type = option->get_type_name();
    const std::string_view base = std::string_view(type).substr(0, type.find(':'));
    if (base == "UINT") option->check(PlainDecimal(std::numeric_limits<uint64_t>::max()));
    if (base == "INT") option->check(PlainDecimal(std::numeric_limits<int64_t>::max()));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) RequirePlainDecimalIntegers(*sub);
}

}  // namespace sequex

#include "api/json_writer.h"

#include <charconv>

#include "api/decimal.h"

namespace sequex::api {

void JsonWriter::AppendEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(esc, sizeof(esc));
    }
  }
  out->append(s.data() + run, s.size() - run);
}

void JsonWriter::Key(std::string_view key) {
  Separate();
  out_.push_back('"');
  AppendEscaped(key, &out_);
  out_.append("\":");
  need_comma_ = false;
}

void JsonWriter::String(std::string_view s) {
  Separate();
  out_.push_back('"');
  AppendEscaped(s, &out_);
  out_.push_back('"');
  need_comma_ = true;
}

void JsonWriter::Int(int64_t v) {
  Separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_.append(buf, r.ptr);
  need_comma_ = true;
}

void JsonWriter::Uint(uint64_t v) {
  Separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_.append(buf, r.ptr);
  need_comma_ = true;
}

void JsonWriter::Bool(bool v) {
  Separate();
  out_.append(v ? "true" : "false");
  need_comma_ = true;
}

void JsonWriter::Null() {
  Separate();
  out_.append("null");
  need_comma_ = true;
}

void JsonWriter::Raw(std::string_view json) {
  Separate();
  out_.append(json);
  need_comma_ = true;
}

void JsonWriter::ScaledString(int64_t value, int decimals) {
  Separate();
  out_.push_back('"');
  AppendScaled(value, decimals, &out_);
  out_.push_back('"');
  need_comma_ = true;
}

}  // namespace sequex::api

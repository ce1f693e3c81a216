#include "api/json_writer.h"

#include <charconv>

#include "api/decimal.h"

namespace sequex::api {

namespace {

// The length of the well-formed UTF-8 sequence (RFC 3629) that starts at s[0], a byte >= 0x80; or, when none
// does, minus the length of its longest well-formed prefix (at least 1): the "maximal subpart" that Unicode
// (chapter 3, U+FFFD substitution) replaces with one U+FFFD.
int Utf8SequenceAt(std::string_view s) {
  const auto byte = [&](size_t i) -> unsigned char { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0; };
  const unsigned char lead = byte(0);
  int length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // overlong
    if (lead == 0xED) second_max = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // overlong
    if (lead == 0xF4) second_max = 0x8F;  // beyond U+10FFFF
  } else {
    return -1;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
  }
  for (int i = 1; i < length; ++i) {
    const unsigned char c = byte(static_cast<size_t>(i));
    const bool ok = i == 1 ? c >= second_min && c <= second_max : c >= 0x80 && c <= 0xBF;
    if (!ok) return -i;
  }
  return length;
}

}  // namespace

void JsonWriter::AppendEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the pending run of bytes that need no escape
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int length = Utf8SequenceAt(s.substr(i));
      if (length > 0) {
        i += static_cast<size_t>(length);
        continue;
      }
      // Bytes that are not UTF-8 would make the whole text invalid JSON for a strict parser.
      out->append(s.data() + run, i - run);
      out->append("\\ufffd");
      i += static_cast<size_t>(-length);
      run = i;
      continue;
    }
    out->append(s.data() + run, i - run);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(esc, sizeof(esc));
    }
    ++i;
    run = i;
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

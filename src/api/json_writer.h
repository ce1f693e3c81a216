// JsonWriter: builds one JSON text into a string it owns, for responses and pushes. Commas are placed
// automatically; the caller is responsible for balancing Begin/End and for putting a Key before each member.
//
//   JsonWriter w;                       // reuse one per session or thread: Clear() keeps the capacity
//   w.BeginObject();
//   w.Key("id"); w.Int(11);
//   w.Key("result"); w.BeginObject(); w.StringField("order_id", "42"); w.EndObject();
//   w.EndObject();
//   send(w.view());                     // {"id":11,"result":{"order_id":"42"}}
//
// Strings are escaped per RFC 8259: '"' and '\' get a backslash, bytes below 0x20 become \u00XX, UTF-8 is copied
// as is, and bytes that are not UTF-8 become \ufffd (one per maximal ill-formed subpart, as Unicode recommends), so
// the text is valid JSON whatever bytes a client sent. Not thread-safe; no allocation beyond the string's growth.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sequex::api {

class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(size_t reserve_bytes) { out_.reserve(reserve_bytes); }

  void Reserve(size_t bytes) { out_.reserve(bytes); }
  void Clear() {
    out_.clear();
    need_comma_ = false;
  }

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  void Key(std::string_view key);
  void String(std::string_view s);
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Bool(bool v);
  void Null();
  // Already-encoded JSON (a value, or a nested document); copied verbatim.
  void Raw(std::string_view json);
  // value / 10^decimals as a JSON string ("1.5"), the API's way of sending prices and quantities.
  void ScaledString(int64_t value, int decimals);

  // Key + value in one call.
  void StringField(std::string_view key, std::string_view s) {
    Key(key);
    String(s);
  }
  void IntField(std::string_view key, int64_t v) {
    Key(key);
    Int(v);
  }
  void UintField(std::string_view key, uint64_t v) {
    Key(key);
    Uint(v);
  }
  void BoolField(std::string_view key, bool v) {
    Key(key);
    Bool(v);
  }
  void NullField(std::string_view key) {
    Key(key);
    Null();
  }
  void RawField(std::string_view key, std::string_view json) {
    Key(key);
    Raw(json);
  }
  void ScaledField(std::string_view key, int64_t value, int decimals) {
    Key(key);
    ScaledString(value, decimals);
  }

  [[nodiscard]] std::string_view view() const { return out_; }
  [[nodiscard]] const std::string& str() const { return out_; }
  [[nodiscard]] size_t size() const { return out_.size(); }
  // Moves the text out; the writer is left empty (without capacity).
  [[nodiscard]] std::string Release() {
    need_comma_ = false;
    std::string text = std::move(out_);
    out_.clear();  // a moved-from string's contents are unspecified: say what the comment promises
    return text;
  }

  // Appends s, escaped but without the quotes, to *out.
  static void AppendEscaped(std::string_view s, std::string* out);

 private:
  void Separate() {
    if (need_comma_) out_.push_back(',');
  }
  void Open(char c) {
    Separate();
    out_.push_back(c);
    need_comma_ = false;
  }
  void Close(char c) {
    out_.push_back(c);
    need_comma_ = true;
  }

  std::string out_;
  bool need_comma_ = false;  // a value or member was written at this level: the next one needs a ','
};

}  // namespace sequex::api

#include "api/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace sequex::api {
namespace {

TEST(JsonWriterTest, PlacesCommasAutomatically) {
  JsonWriter w;
  w.BeginObject();
  w.IntField("id", 11);
  w.StringField("method", "private/create-order");
  w.IntField("code", 0);
  w.Key("result");
  w.BeginObject();
  w.StringField("order_id", "42");
  w.Key("list");
  w.BeginArray();
  w.Int(1);
  w.BeginArray();
  w.EndArray();
  w.BeginObject();
  w.EndObject();
  w.Null();
  w.Bool(true);
  w.EndArray();
  w.EndObject();
  w.BoolField("b", false);
  w.EndObject();
  EXPECT_EQ(
      w.view(),
      R"({"id":11,"method":"private/create-order","code":0,"result":{"order_id":"42","list":[1,[],{},null,true]},"b":false})");
}

TEST(JsonWriterTest, WritesNumberExtremes) {
  JsonWriter w;
  w.BeginArray();
  w.Int(INT64_MIN);
  w.Int(INT64_MAX);
  w.Uint(UINT64_MAX);
  w.Int(-1);
  w.Uint(0);
  w.EndArray();
  EXPECT_EQ(w.view(), "[-9223372036854775808,9223372036854775807,18446744073709551615,-1,0]");
}

TEST(JsonWriterTest, EscapesStrings) {
  JsonWriter w;
  w.BeginObject();
  w.StringField("q\"k", std::string("a\"b\\c\n\t\x01\x1f/\x7f", 11));
  w.StringField("utf8", "caf\xc3\xa9 \xe2\x82\xac \xff");
  w.StringField("nul", std::string("x\0y", 3));
  w.EndObject();
  EXPECT_EQ(w.view(),
            "{\"q\\\"k\":\"a\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f/\x7f\","
            "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \\ufffd\",\"nul\":\"x\\u0000y\"}");
}

TEST(JsonWriterTest, ReplacesBytesThatAreNotUtf8) {
  const auto escaped = [](std::string_view s) {
    std::string out;
    JsonWriter::AppendEscaped(s, &out);
    return out;
  };
  EXPECT_EQ(escaped("\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xee\x80\x80"),
            "\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xee\x80\x80");
  EXPECT_EQ(escaped("a\x80"
                    "b"),
            "a\\ufffdb");                                                  // a lone continuation byte
  EXPECT_EQ(escaped("\xc0\x80"), "\\ufffd\\ufffd");                        // an overlong NUL
  EXPECT_EQ(escaped("\xe0\x80\x80"), "\\ufffd\\ufffd\\ufffd");             // overlong, three bytes
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");             // a UTF-16 surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // beyond U+10FFFF
  EXPECT_EQ(escaped("\xf5\xfe\xff"), "\\ufffd\\ufffd\\ufffd");             // bytes UTF-8 never uses
  EXPECT_EQ(escaped("\xf0\x9f\x98x"), "\\ufffdx");                         // a cut sequence is one
  EXPECT_EQ(escaped("x\xe2\x82"), "x\\ufffd");                             // ... also at the end
  EXPECT_EQ(escaped("\xe2\x82\"\xff\x01"), "\\ufffd\\\"\\ufffd\\u0001");
}

// Whatever the bytes, the writer's text is JSON that a strict parser (simdjson validates UTF-8) reads back; and
// where the bytes were UTF-8 it reads back exactly them.
TEST(JsonWriterTest, WritesValidJsonForAnyBytes) {
  std::mt19937_64 random(7);
  simdjson::dom::parser parser;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(random() % 12, '\0');
    for (char& b : bytes) {
      // Mostly the interesting bytes: ASCII controls, quotes, UTF-8 leads and continuations.
      const uint64_t r = random();
      b = static_cast<char>(r % 3 == 0 ? r >> 8 : (r % 3 == 1 ? 0x80 + (r >> 8) % 0x80 : (r >> 8) % 0x24 + 0x0e));
    }
    JsonWriter w;
    w.BeginArray();
    w.String(bytes);
    w.EndArray();
    const simdjson::padded_string text(w.view());
    simdjson::dom::array array;
    ASSERT_EQ(parser.parse(text).get(array), simdjson::SUCCESS) << w.view();
    std::string_view back;
    ASSERT_EQ(array.at(0).get(back), simdjson::SUCCESS);
    if (simdjson::validate_utf8(bytes.data(), bytes.size())) {
      EXPECT_EQ(back, bytes);
    } else {
      EXPECT_NE(back.find("\xef\xbf\xbd"), std::string_view::npos) << w.view();  // U+FFFD
    }
  }
}

TEST(JsonWriterTest, RawAndScaledValues) {
  JsonWriter w;
  w.BeginObject();
  w.RawField("params", R"({"a":[1,2]})");
  w.ScaledField("price", 2000000, 2);
  w.ScaledField("qty", 20000, 8);
  w.Key("arr");
  w.BeginArray();
  w.ScaledString(-325, 2);
  w.Raw("7");
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.view(), R"({"params":{"a":[1,2]},"price":"20000","qty":"0.0002","arr":["-3.25",7]})");
}

TEST(JsonWriterTest, ClearKeepsCapacityAndResetsCommas) {
  JsonWriter w(1024);
  w.BeginArray();
  w.Int(1);
  w.EndArray();
  const size_t capacity = w.str().capacity();
  w.Clear();
  EXPECT_EQ(w.size(), 0u);
  EXPECT_GE(w.str().capacity(), capacity);
  w.BeginArray();
  w.Int(2);
  w.EndArray();
  EXPECT_EQ(w.view(), "[2]");
  const std::string taken = w.Release();
  EXPECT_EQ(taken, "[2]");
  w.String("x");
  EXPECT_EQ(w.view(), "\"x\"");
}

}  // namespace
}  // namespace sequex::api

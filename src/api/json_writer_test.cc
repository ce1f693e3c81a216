#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

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
            "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xff\",\"nul\":\"x\\u0000y\"}");
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

#include "api/envelope.h"

#include <gtest/gtest.h>

#include <string>

#include "api/signing.h"

namespace sequex::api {
namespace {

TEST(EnvelopeTest, ParsesCcxtStyleRestRequest) {
  // CCXT sends id and nonce as strings (id == nonce) and params as an object, broker_id included.
  const std::string body =
      R"({"id":"1700000000123","method":"private/create-order","params":{"instrument_name":"BTC_USD",)"
      R"("side":"BUY","type":"LIMIT","price":"20000","quantity":"0.0002","broker_id":"CCXT"},)"
      R"("api_key":"key","sig":"abc","nonce":"1700000000123"})";
  Envelope e;
  ASSERT_EQ(ParseEnvelope(body, &e), 0u);
  EXPECT_TRUE(e.has_id);
  EXPECT_EQ(e.id, 1700000000123);
  EXPECT_EQ(e.id_text, "1700000000123");
  EXPECT_EQ(e.method, "private/create-order");
  EXPECT_EQ(
      e.params_json,
      R"({"instrument_name":"BTC_USD","side":"BUY","type":"LIMIT","price":"20000","quantity":"0.0002","broker_id":"CCXT"})");
  EXPECT_EQ(e.api_key, "key");
  EXPECT_EQ(e.sig, "abc");
  EXPECT_TRUE(e.has_nonce);
  EXPECT_EQ(e.nonce, 1700000000123);
  EXPECT_EQ(e.nonce_text, "1700000000123");
  std::string ps;
  ASSERT_TRUE(ParamString(e.params_json, &ps));
  EXPECT_EQ(ps, "broker_idCCXTinstrument_nameBTC_USDprice20000quantity0.0002sideBUYtypeLIMIT");
}

TEST(EnvelopeTest, ParsesNumericIdAndNonceWithSpaces) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope(R"( { "id" : 11 , "method" : "public/auth", "api_key":"token", "sig":"9d",
                                "nonce" : 1589594102779 } )",
                          &e),
            0u);
  EXPECT_EQ(e.id, 11);
  EXPECT_EQ(e.id_text, "11");
  EXPECT_EQ(e.nonce, 1589594102779);
  EXPECT_EQ(e.nonce_text, "1589594102779");
  EXPECT_TRUE(e.params_json.empty());
}

TEST(EnvelopeTest, ParamsTextIsTrimmedAndKeepsInnerSpacing) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope("{\"params\" : { \"a\" : [1, {\"b\":2}] }\n , \"method\":\"m\"}", &e), 0u);
  EXPECT_EQ(e.params_json, R"({ "a" : [1, {"b":2}] })");
  ASSERT_EQ(ParseEnvelope(R"({"method":"m","params":{}})", &e), 0u);
  EXPECT_EQ(e.params_json, "{}");
}

TEST(EnvelopeTest, WsSubscribeWithoutId) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope(R"({"method":"subscribe","params":{"channels":["book.BTC_USD.10"],)"
                          R"("bookSubscriptionType":"SNAPSHOT_AND_UPDATE"},"nonce":1700000000000})",
                          &e),
            0u);
  EXPECT_FALSE(e.has_id);
  EXPECT_EQ(e.method, "subscribe");
  EXPECT_EQ(e.params_json, R"({"channels":["book.BTC_USD.10"],"bookSubscriptionType":"SNAPSHOT_AND_UPDATE"})");
  EXPECT_TRUE(e.has_nonce);
}

TEST(EnvelopeTest, NullIdAndParamsCountAsAbsent) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope(R"({"id":null,"method":"m","params":null,"extra":{"x":[true,null,1.5]}})", &e), 0u);
  EXPECT_FALSE(e.has_id);
  EXPECT_TRUE(e.params_json.empty());
}

TEST(EnvelopeTest, HeartbeatResponse) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope(R"({"id":1700000000000,"method":"public/respond-heartbeat"})", &e), 0u);
  EXPECT_EQ(e.id, 1700000000000);
}

TEST(EnvelopeTest, RejectsGarbageAsMalformed) {
  Envelope e;
  for (const char* bad :
       {"", "   ", "garbage", "[]", "[1]", "1", "\"str\"", "null", "{", "{\"method\":\"m\"", "{\"method\":\"m\",}",
        "{\"method\":\"m\"} x", "{\"method\":\"m\"}}", "{\"method\":\"m\",\"params\":{\"a\":tru}}",
        "{\"method\":\"m\",\"x\":[1,}", "{\"method\":\"m\",\"x\":nul}", "{method:\"m\"}", "{\"method\":\"m\\q\"}"}) {
    EXPECT_EQ(ParseEnvelope(bad, &e), kEnvelopeMalformed) << bad;
  }
  EXPECT_EQ(ParseEnvelope(std::string("{\"method\":\"\xff\"}"), &e), kEnvelopeMalformed);  // not UTF-8
}

TEST(EnvelopeTest, RejectsDeepNesting) {
  Envelope e;
  std::string deep = R"({"method":"m","params":{"a":)";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}}";
  EXPECT_EQ(ParseEnvelope(deep, &e), kEnvelopeMalformed);
  std::string very_deep(100'000, '[');
  EXPECT_EQ(ParseEnvelope(very_deep, &e), kEnvelopeMalformed);
  std::string unknown = R"({"method":"m","x":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_EQ(ParseEnvelope(unknown, &e), kEnvelopeMalformed);
}

TEST(EnvelopeTest, RejectsWrongTypes) {
  Envelope e;
  for (const char* bad :
       {R"({"id":"12a","method":"m"})", R"({"id":"","method":"m"})", R"({"id":1.5,"method":"m"})",
        R"({"id":-1,"method":"m"})", R"({"id":1e3,"method":"m"})", R"({"id":true,"method":"m"})",
        R"({"id":[1],"method":"m"})", R"({"id":"99999999999999999999","method":"m"})",
        R"({"id":9223372036854775808,"method":"m"})", R"({"id":99999999999999999999999,"method":"m"})",
        R"({"method":5})", R"({"method":"m","params":[1]})", R"({"method":"m","params":"x"})",
        R"({"method":"m","nonce":"1.5"})", R"({"method":"m","api_key":1})", R"({"method":"m","sig":null})",
        R"({"method":""})", R"({"id":1})"}) {
    EXPECT_EQ(ParseEnvelope(bad, &e), kEnvelopeInvalidField) << bad;
  }
}

// The nonce's digits end the signed payload, after the paramString: "0" + nonce would move a params' trailing 0 into
// the nonce, so one signature covered two requests (order_id "50" and "5"). "0" itself is a nonce as any other.
TEST(EnvelopeTest, RejectsANonceStringWithALeadingZero) {
  Envelope e;
  for (const char* bad : {R"({"method":"m","nonce":"01700000000000"})", R"({"method":"m","nonce":"00"})"}) {
    EXPECT_EQ(ParseEnvelope(bad, &e), kEnvelopeInvalidField) << bad;
    EXPECT_FALSE(e.has_nonce) << bad;
  }
  ASSERT_EQ(ParseEnvelope(R"({"method":"m","nonce":"0"})", &e), 0u);
  EXPECT_EQ(e.nonce_text, "0");
  ASSERT_EQ(ParseEnvelope(R"({"method":"m","nonce":"1700000000000"})", &e), 0u);
  EXPECT_EQ(e.nonce_text, "1700000000000");
}

TEST(EnvelopeTest, WrongTypeStillReportsTheIdAndMethod) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope(R"({"id":7,"method":"private/create-order","params":[],"nonce":1})", &e),
            kEnvelopeInvalidField);
  EXPECT_TRUE(e.has_id);
  EXPECT_EQ(e.id, 7);
  EXPECT_EQ(e.method, "private/create-order");
  EXPECT_EQ(e.nonce, 1);
}

TEST(EnvelopeTest, AcceptsLargestIdAndEscapedStrings) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope(R"({"id":9223372036854775807,"method":"a\/b","api_key":"k\u0041"})", &e), 0u);
  EXPECT_EQ(e.id, INT64_MAX);
  EXPECT_EQ(e.method, "a/b");
  EXPECT_EQ(e.api_key, "kA");
  ASSERT_EQ(ParseEnvelope(R"({"id":"0042","method":"m"})", &e), 0u);
  EXPECT_EQ(e.id, 42);
  EXPECT_EQ(e.id_text, "0042");
}

TEST(EnvelopeTest, RepeatedMemberLastWins) {
  Envelope e;
  ASSERT_EQ(ParseEnvelope(R"({"id":1,"method":"a","id":2,"method":"b"})", &e), 0u);
  EXPECT_EQ(e.id, 2);
  EXPECT_EQ(e.method, "b");
}

}  // namespace
}  // namespace sequex::api

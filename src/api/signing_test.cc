#include "api/signing.h"

#include <gtest/gtest.h>

#include <string>

namespace sequex::api {
namespace {

std::string PS(std::string_view json) {
  std::string out;
  EXPECT_TRUE(ParamString(json, &out)) << json;
  return out;
}

// The three worked examples of shared/reference/cryptocom-exchange-api-v1.md, byte for byte.
TEST(SigningTest, ReferenceExampleGetOrderDetail) {
  const std::string ps = PS(R"({"order_id":"53287421324"})");
  const std::string payload = SignaturePayload("private/get-order-detail", "11", "token", ps, "1587846358253");
  EXPECT_EQ(payload, "private/get-order-detail11tokenorder_id532874213241587846358253");
  EXPECT_EQ(HmacSha256Hex("secretKey", payload), "02ef0a52c9428e5d3dcc5dd24d534ca39ef73f35acd3f6945f139a2364ef67a9");
}

TEST(SigningTest, ReferenceExampleCreateOrder) {
  const std::string ps =
      PS(R"({"instrument_name":"BTC_USD","side":"BUY","type":"LIMIT","price":"20000","quantity":"0.0002",)"
         R"("client_oid":"c-1","exec_inst":["POST_ONLY"],"time_in_force":"GOOD_TILL_CANCEL"})");
  const std::string payload = SignaturePayload("private/create-order", "1", "token", ps, "1610905028000");
  EXPECT_EQ(payload,
            "private/create-order1tokenclient_oidc-1exec_instPOST_ONLYinstrument_nameBTC_USDprice20000quantity0.0002"
            "sideBUYtime_in_forceGOOD_TILL_CANCELtypeLIMIT1610905028000");
  EXPECT_EQ(HmacSha256Hex("secretKey", payload), "ce319477188192400d46731b2cb8dfa646c733bcbec064141c3ba41786675fb8");
}

TEST(SigningTest, ReferenceExampleWsAuthWithoutParams) {
  const std::string payload = SignaturePayload("public/auth", "11", "token", PS(""), "1589594102779");
  EXPECT_EQ(payload, "public/auth11token1589594102779");
  EXPECT_EQ(HmacSha256Hex("secretKey", payload), "9dcebf6eeec155f829227ee447dee73120e0aead42fab74d38ed5d8271793dc8");
}

TEST(SigningTest, ParamStringEmptyForms) {
  EXPECT_EQ(PS(""), "");
  EXPECT_EQ(PS("  \n"), "");
  EXPECT_EQ(PS("{}"), "");
  EXPECT_EQ(PS(" { } "), "");
  EXPECT_EQ(PS("[]"), "");
  EXPECT_EQ(PS("null"), "");
}

TEST(SigningTest, ParamStringKeepsNumbersAsRawText) {
  EXPECT_EQ(PS(R"({"limit":50})"), "limit50");
  EXPECT_EQ(PS(R"({"p":1.50,"q":-0.0,"r":1e-5,"s":12345678901234567890123})"),
            "p1.50q-0.0r1e-5s12345678901234567890123");
  EXPECT_EQ(PS(R"({"end_time" : 1700000000000 , "start_time":1})"), "end_time1700000000000start_time1");
}

TEST(SigningTest, ParamStringScalarsAndEscapes) {
  EXPECT_EQ(PS(R"({"b":true,"a":false,"c":null})"), "afalsebtruecnull");
  EXPECT_EQ(PS(R"({"s":"a\"b\\c\u00e9\n"})"), "sa\"b\\c\xc3\xa9\n");
  EXPECT_EQ(PS(R"({"k\u0031":"v"})"), "k1v");
}

TEST(SigningTest, ParamStringNestedObjectsAndArrays) {
  // create-order-list: an array of objects, each with sorted keys, no keys for the array's elements.
  EXPECT_EQ(PS(R"({"contingency_type":"LIST","order_list":[{"side":"BUY","price":"1"},{"side":"SELL","price":"2"}]})"),
            "contingency_typeLISTorder_listprice1sideBUYprice2sideSELL");
  EXPECT_EQ(PS(R"({"z":{"y":[1,[2,{"b":3,"a":4}]],"x":"w"},"a":[]})"),
            "az"
            "xwy12a4b3");
  EXPECT_EQ(PS(R"(["b","a",3])"), "ba3");
}

TEST(SigningTest, ParamStringSortsByteWise) { EXPECT_EQ(PS(R"({"b":1,"B":2,"a_b":3,"aa":4,"a":5})"), "B2a5a_b3aa4b1"); }

TEST(SigningTest, ParamStringRejectsInvalidJson) {
  std::string out;
  for (const char* bad : {"{", "{\"a\":}", "{\"a\":1,}", "[1,2", "{\"a\":tru}", "{\"a\":01}", "{\"a\":1}}",
                          "{\"a\":1} x", "{\"a\":1.}", "nope", "\"unterminated", "{\"a\":\"\\q\"}"}) {
    EXPECT_FALSE(ParamString(bad, &out)) << bad;
  }
}

TEST(SigningTest, ParamStringRefusesDeepNesting) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  std::string out;
  EXPECT_FALSE(ParamString(deep, &out));
  std::string ok(10, '[');
  ok += '1';
  ok.append(10, ']');
  EXPECT_TRUE(ParamString(ok, &out));
  EXPECT_EQ(out, "1");
}

TEST(SigningTest, HmacKnownVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigningTest, SignatureMatchesIsCaseInsensitiveAndExact) {
  const std::string expected = HmacSha256Hex("secretKey", "public/auth11token1589594102779");
  EXPECT_TRUE(SignatureMatches(expected, expected));
  std::string upper = expected;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(SignatureMatches(expected, upper));
  EXPECT_FALSE(SignatureMatches(expected, expected.substr(1)));
  EXPECT_FALSE(SignatureMatches(expected, ""));
  EXPECT_FALSE(SignatureMatches("", ""));
  std::string flipped = expected;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(SignatureMatches(expected, flipped));
  // A non-hex byte that equals a digit once OR-ed with 0x20 must not match it.
  EXPECT_FALSE(SignatureMatches("00", std::string("\x10\x10", 2)));
  EXPECT_FALSE(SignatureMatches("ag", "ag"));
}

}  // namespace
}  // namespace sequex::api

#include "common/plain_decimal_option.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sequex {
namespace {

TEST(PlainDecimal, TakesDigitsOnly) {
  for (const char* text : {"0", "7", "10", "120", "18446744073709551615"}) EXPECT_TRUE(IsPlainDecimal(text)) << text;
  for (const char* text : {"", "00", "010", "0x10", "0X10", "0b1", "0o7", " 9", "9 ", "\t9", "+9", "-1", "-0", "1e3",
                           "1_000", "1,000", "9\n", "\xef\xbc\x99"}) {
    EXPECT_FALSE(IsPlainDecimal(text)) << text;
  }
}

// The options of a tool as sequex and sequex-bench declare them: at the top, in a subcommand of a subcommand, a list
// split at commas, one that has a Range check already, and the options that are not integers.
struct Tool {
  CLI::App app{"tool"};
  uint64_t account = 0;
  size_t keep = 2;
  std::vector<uint32_t> mib;
  int runs = 1;
  int64_t offset = 0;
  double rate = 0;
  std::string name;

  Tool() {
    app.add_option("--account", account);
    CLI::App* snapshot = app.add_subcommand("snapshot");
    snapshot->add_subcommand("prune")->add_option("--keep", keep);
    app.add_option("--mib", mib)->delimiter(',');
    app.add_option("--runs", runs)->check(CLI::Range(1, 1000));
    app.add_option("--offset", offset);
    app.add_option("--rate", rate);
    app.add_option("--name", name);
    RequirePlainDecimalIntegers(app);
  }

  // "" when the arguments parse, else CLI11's message.
  std::string Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "tool");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return e.what();
    }
    return {};
  }
};

TEST(PlainDecimal, EveryIntegerOptionRefusesOctalHexSignsAndSpacesNamingTheOption) {
  for (const std::string bad : {"010", "0x10", " 9", "9 ", "+9", "-1", "00"}) {
    EXPECT_EQ(Tool().Parse({"--account", bad}),
              "--account: '" + bad +
                  "' is not a plain decimal number (digits 0-9 only: no sign, no 0x or leading zero, no spaces)");
    EXPECT_NE(Tool().Parse({"snapshot", "prune", "--keep", bad}).find("--keep: '" + bad + "' is not a plain decimal"),
              std::string::npos);
    EXPECT_NE(Tool().Parse({"--runs", bad}).find("--runs"), std::string::npos) << bad;
    EXPECT_NE(Tool().Parse({"--mib", "8," + bad}).find("--mib: '" + bad + "'"), std::string::npos) << bad;
  }
  EXPECT_NE(Tool().Parse({"--account=010"}).find("--account: '010'"), std::string::npos);
}

TEST(PlainDecimal, DecimalIsReadAsBeforeAndOtherOptionsAreLeftAlone) {
  Tool tool;
  EXPECT_EQ(tool.Parse({"--account", "10", "--mib", "8,128", "--runs", "5", "--rate", "0.5", "--name", "010",
                        "snapshot", "prune", "--keep", "0"}),
            "");
  EXPECT_EQ(tool.account, 10u);
  EXPECT_EQ(tool.mib, (std::vector<uint32_t>{8, 128}));
  EXPECT_EQ(tool.runs, 5);
  EXPECT_EQ(tool.rate, 0.5);
  EXPECT_EQ(tool.name, "010");
  EXPECT_EQ(tool.keep, 0u);
  EXPECT_EQ(Tool().Parse({"--account", "18446744073709551615"}), "");
  // Past 2^64-1 CLI11's strtoull saturates without a word: refused here. Past a narrower type its conversion refuses.
  for (const char* past : {"18446744073709551616", "99999999999999999999999"}) {
    EXPECT_EQ(Tool().Parse({"--account", past}),
              std::string("--account: '") + past + "' is out of range (at most 18446744073709551615)");
  }
  EXPECT_NE(Tool().Parse({"--runs", "9223372036854775808"}).find("--runs"), std::string::npos);
  EXPECT_EQ(Tool().Parse({"--offset", "9223372036854775808"}),
            "--offset: '9223372036854775808' is out of range (at most 9223372036854775807)");
  EXPECT_NE(Tool().Parse({"--mib", "4294967296"}).find("--mib"), std::string::npos);
}

}  // namespace
}  // namespace sequex

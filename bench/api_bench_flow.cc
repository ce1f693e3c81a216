#include "api_bench_flow.h"

#include <fmt/format.h>

#include "api/decimal.h"

namespace sequex::bench::api_flow {
namespace {

constexpr int64_t kLotsPerOrder = 10;
constexpr uint64_t kPassiveSlot = 7;  // of every 20 requests on a connection
constexpr uint64_t kCancelSlot = 17;

std::string OrderParams(const api_client::InstrumentSpec& spec, bool buy, int64_t price_units, bool post_only,
                        const std::string& client_oid) {
  std::string p = fmt::format(
      R"({{"instrument_name":"{}","side":"{}","type":"LIMIT","price":"{}","quantity":"{}","time_in_force":"GOOD_TILL_CANCEL")",
      spec.symbol, buy ? "BUY" : "SELL", api::FormatScaled(price_units, spec.price_decimals),
      api::FormatScaled(kLotsPerOrder * spec.qty_tick, spec.qty_decimals));
  if (post_only) p += R"(,"exec_inst":["POST_ONLY"])";
  if (!client_oid.empty()) p += fmt::format(R"(,"client_oid":"{}")", client_oid);
  p += '}';
  return p;
}

}  // namespace

Request NextRequest(const api_client::InstrumentSpec& spec, int64_t price_units, uint64_t i, uint32_t connection,
                    uint64_t run_tag, FlowState* state) {
  const uint64_t k = state->requests++;
  if (k % 20 == kPassiveSlot) {
    const bool buy = (k / 20) % 2 == 0;
    const auto away = static_cast<int64_t>(100 + (k / 20) % 50) * spec.price_tick;
    std::string oid = fmt::format("b{}-{}-{}", run_tag, connection, k);
    Request r{"private/create-order", OrderParams(spec, buy, buy ? price_units - away : price_units + away, true, oid)};
    state->passive_oids.push_back(std::move(oid));
    return r;
  }
  if (k % 20 == kCancelSlot && !state->passive_oids.empty()) {
    Request r{"private/cancel-order",
              fmt::format(R"({{"instrument_name":"{}","client_oid":"{}"}})", spec.symbol, state->passive_oids.front())};
    state->passive_oids.pop_front();
    return r;
  }
  const bool buy = i % 2 == 0;
  const auto d = static_cast<int64_t>((i / 2) % 5) * spec.price_tick;
  return Request{"private/create-order", OrderParams(spec, buy, buy ? price_units + d : price_units - d, false, "")};
}

std::string CancelAllParams(const api_client::InstrumentSpec& spec) {
  return fmt::format(R"({{"instrument_name":"{}"}})", spec.symbol);
}

}  // namespace sequex::bench::api_flow

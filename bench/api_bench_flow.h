// The order flow of `sequex-bench api` (ws and rest modes): what request number i says. Internal to bench/.
//
// Most requests are limit GTC orders that cross: even-numbered ones BUY at P + d ticks, odd-numbered ones SELL at
// P - d ticks (d = 0..4), so every order trades with the one before it and the book near P holds a handful of
// orders at most. One request in 20 on each connection is a passive post-only order 100+ ticks away (client_oid
// remembered), and one in 20 cancels the oldest of them: cancels that find their order, and a bounded book.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "api_bench_client.h"

namespace sequex::bench::api_flow {

struct FlowState {
  uint64_t requests = 0;                 // requests made on this connection
  std::deque<std::string> passive_oids;  // open passive orders, oldest first
};

struct Request {
  std::string method;  // "private/create-order" or "private/cancel-order"
  std::string params;  // JSON object text
};

// `i`: the run-wide request number (decides the side of crossing orders); `connection` and `run_tag` make
// client_oids unique; price_units: P in the instrument's price units (api_client::InstrumentSpec).
[[nodiscard]] Request NextRequest(const api_client::InstrumentSpec& spec, int64_t price_units, uint64_t i,
                                  uint32_t connection, uint64_t run_tag, FlowState* state);

// {"instrument_name":...}: the params of the cancel-all-orders sent at the end of each run.
[[nodiscard]] std::string CancelAllParams(const api_client::InstrumentSpec& spec);

}  // namespace sequex::bench::api_flow

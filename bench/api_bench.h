// `sequex-bench api`: load and latency against a running sequexd over its public API (docs/server.md), as an
// outside client sees it: WebSocket order entry at a fixed offered rate (open loop), closed-loop REST order
// entry, and market-data fan-out to many subscribers. One JSON line per run (shared/workloads/README.md).
#pragma once

#include <cstdint>
#include <string>

namespace sequex::bench {

struct ApiBenchOptions {
  std::string mode = "ws";             // ws | rest | fanout
  std::string url = "127.0.0.1:8080";  // the server's HTTP/WebSocket listener, host:port
  std::string data_dir;                // the server's data folder: admin.endpoint and admin.token are read there
  double rate = 0;                     // offered requests/s (ws, fanout); 0 = the mode's default (10000, 100)
  uint32_t connections = 50;           // ws: user sockets; rest: HTTP keep-alive connections
  uint32_t accounts = 0;               // funded accounts created for the run; 0 = one per connection
  double duration_s = 10;              // measured seconds, after the warm-up
  double warmup_s = 2;                 // seconds sent but not recorded
  double timeout_s = 5;                // after the last send, how long to wait for answers before counting timeouts
  double pacing_us = 100;              // ws: the pacer wakes at most once per this many microseconds (0: per request)
  std::string instrument = "BTC_USD";
  std::string price = "60000";  // ws/rest: the price the crossing orders trade around
  uint32_t subscribers = 1000;  // fanout: market sockets subscribed to book.{instrument}.10
};

// Runs one benchmark, prints its result line on stdout (progress on stderr). Returns a process exit code:
// 0 done, 1 the server could not be reached or set up, 2 bad options, 3 done but with timeouts or lost
// connections (the result line is printed all the same).
int RunApiBench(const ApiBenchOptions& options);
// The fanout mode (api_bench_fanout.cc); RunApiBench dispatches to it.
int RunApiFanout(const ApiBenchOptions& options);

}  // namespace sequex::bench

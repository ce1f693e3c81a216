// `sequex-bench loopback`: the least a request/reply over loopback TCP costs on this machine, the floor under
// `sequex-bench api` (docs/server.md, "What this machine's network stack allows"). An echo thread answers each
// request with one reply, one `send` each, as sequexd answers each order; the bench's thread sends requests open
// loop on many connections, paced as `sequex-bench api` paces them, and times each reply from its request's
// intended send time. Both sides use plain non-blocking sockets and epoll: no parsing, no WebSocket framing, no
// other thread to hand work to. So whatever latency and CPU per message it shows, a server on the same machine
// that reads, answers and writes each request on its own pays at least that.
//
// One JSON line per run (shared/workloads/README.md), with the CPU time each side spent per message.
#pragma once

#include <cstdint>

namespace sequex::bench {

struct LoopbackBenchOptions {
  double rate = 50'000;          // offered requests/s, open loop
  uint32_t connections = 50;     // TCP connections, requests spread over them in turn
  double duration_s = 8;         // measured seconds, after the warm-up
  double warmup_s = 2;           // seconds sent but not recorded
  double pacing_us = 100;        // the sender wakes at most once per this many microseconds (0: per request)
  uint32_t request_bytes = 200;  // about a create-order request over the WebSocket
  uint32_t reply_bytes = 120;    // about its acknowledgement
  int runs = 1;
};

// Prints to stdout; returns the process exit code (2 for options out of range, 1 if the sockets could not be set
// up, 3 when some replies never came).
int RunLoopbackBench(const LoopbackBenchOptions& options);

}  // namespace sequex::bench

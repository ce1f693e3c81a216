// The network edge of sequexd (Boost.Asio / Beast): a listener per endpoint, an HTTP session per connection
// (REST, and the WebSocket upgrade), a WebSocket session per socket (market or user). Sessions only move bytes
// and keep per-connection state (authentication, heartbeat, outbound queue); the API's meaning is the Gateway's.
//
// Each session runs on its own strand (or, with one I/O thread, on the I/O context itself); everything it owns is
// touched only there. Output is queued and written one message at a time; a session whose queue passes
// max_outbound_bytes is closed at once (a slow reader cannot grow the server's memory or hold up anyone else). One
// reply larger than the limit may wait beyond it (a long list of open orders); WsSession::Enqueue says why. Other
// threads' messages reach a session through Delivery (delivery.h).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "server/delivery.h"
#include "server/gateway.h"
#include "server/outbox.h"

namespace sequex::server {

// Handles one admin request (docs/server.md, "The operator's endpoint"): op = the path after /admin/v1/.
using AdminHandler =
    std::function<void(std::string op, std::string body, std::string bearer_token, std::shared_ptr<Outbox> out)>;

struct SessionCounters {
  std::atomic<int64_t> http{0};
  std::atomic<int64_t> websocket{0};
  std::atomic<uint64_t> slow_disconnects{0};
  std::atomic<uint64_t> heartbeat_disconnects{0};
  std::atomic<uint64_t> refused_connections{0};  // closed on accept: max_connections were open
};

struct EdgeContext {
  Gateway* gateway = nullptr;
  AdminHandler admin;
  SessionCounters counters;
  Delivery* delivery = nullptr;  // how other threads' messages reach the sessions
  // API connections (HTTP and WebSocket) open at once; one more is closed as soon as it is accepted. The operator's
  // listener is not limited, and the descriptors left under the process's limit stay free for it and for files.
  int64_t max_connections = INT64_MAX;
};

// Binds `endpoint` and accepts forever on `io`. Returns the bound endpoint (port 0 -> the chosen port), or
// throws boost::system::system_error if it cannot bind. admin = loopback-only operator endpoint.
boost::asio::ip::tcp::endpoint StartListener(boost::asio::io_context& io,
                                             const boost::asio::ip::tcp::endpoint& endpoint, EdgeContext* context,
                                             bool admin);

}  // namespace sequex::server

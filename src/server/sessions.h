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
#include <mutex>
#include <string>
#include <unordered_map>

#include "server/connection_slots.h"
#include "server/delivery.h"
#include "server/gateway.h"
#include "server/outbox.h"

namespace sequex::server {

// Handles one admin request (docs/server.md, "The operator's endpoint"): op = the path after /admin/v1/.
using AdminHandler =
    std::function<void(std::string op, std::string body, std::string bearer_token, std::shared_ptr<Outbox> out)>;

struct SessionCounters {
  std::atomic<int64_t> http{0};  // API connections (max_connections counts these two)
  std::atomic<int64_t> websocket{0};
  std::atomic<int64_t> admin{0};  // the operator's, apart: they take no API place
  std::atomic<uint64_t> slow_disconnects{0};
  std::atomic<uint64_t> heartbeat_disconnects{0};
  std::atomic<uint64_t> refused_connections{0};  // closed on accept: max_connections were open
  std::atomic<uint64_t> refused_per_ip{0};       // closed on accept: its address had max_connections_per_ip open
};

// A listener or a session, as the graceful stop reaches it (StopAccepting, CloseConnections).
class EdgeMember {
 public:
  virtual ~EdgeMember() = default;
  // Any thread, once: a listener closes; an HTTP connection waiting for its next request closes.
  virtual void OnStopAccepting() = 0;
  // Any thread, once, after OnStopAccepting: a WebSocket writes what is queued for it, then a close frame.
  virtual void OnCloseConnection() {}
};

struct EdgeContext {
  Gateway* gateway = nullptr;
  AdminHandler admin;
  SessionCounters counters;
  Delivery* delivery = nullptr;  // how other threads' messages reach the sessions
  // API connections (HTTP and WebSocket) open at once; one more is closed as soon as it is accepted. The operator's
  // listener is neither limited nor counted (counters.admin), and the descriptors left under the process's limit
  // stay free for it and for files.
  int64_t max_connections = INT64_MAX;
  // The same, per remote IP address (an IPv4-mapped IPv6 address counts as the IPv4 one): one address cannot take
  // every place. Each API session holds its address's Slot from accept until it closes.
  int64_t max_connections_per_ip = INT64_MAX;
  ConnectionsPerAddress per_ip;

  // The graceful stop (docs/server.md, "Stopping"). A request counts itself in flight, then reads `draining`
  // (BeginRequest); the stopper sets `draining`, then waits for the count: one of the two sees the other, so no
  // request is accepted unnoticed. The count is held until the reply is handed to the session.
  std::atomic<bool> draining{false};
  std::atomic<int64_t> requests_in_flight{0};
  std::atomic<uint64_t> refused_while_draining{0};
  std::mutex members_mutex;
  std::unordered_map<const EdgeMember*, std::weak_ptr<EdgeMember>> members;  // guarded by members_mutex
  bool closing = false;                                                      // guarded by members_mutex
};

// The graceful stop's first step: `draining` is set, the listeners close, the HTTP connections waiting for a
// request close; a request that arrives from now on is refused with kShuttingDown. Returns at once.
void StopAccepting(EdgeContext* context);
// The second, once no request is in flight and every reply was handed to its session (Delivery::Then): each
// WebSocket writes what is queued for it, then closes with 1001. HTTP connections close after their last response.
void CloseConnections(EdgeContext* context);

// Binds `endpoint` and accepts forever on `io`. Returns the bound endpoint (port 0 -> the chosen port), or
// throws boost::system::system_error if it cannot bind. admin = loopback-only operator endpoint.
boost::asio::ip::tcp::endpoint StartListener(boost::asio::io_context& io,
                                             const boost::asio::ip::tcp::endpoint& endpoint, EdgeContext* context,
                                             bool admin);

}  // namespace sequex::server

// What the edge's two session files share (sessions.cc: listeners and HTTP sessions; ws_session.cc: WebSocket
// sessions): the graceful stop's bookkeeping and the hand-over of an upgraded connection. For those two files only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "server/sessions.h"

namespace sequex::server::edge {

inline constexpr std::string_view kShuttingDownText = "server shutting down";

// The outbox a request's reply goes through; null, with nothing counted, once the edge drains (the request is then
// refused). The count goes up before the flag is read: see EdgeContext::draining.
[[nodiscard]] std::shared_ptr<Outbox> BeginRequest(EdgeContext* context, std::shared_ptr<Outbox> session);

// A listener or session joins the stop's members when it starts, and leaves when it is destroyed. A member is told
// of the stop's steps that were taken before it joined, and of the rest by the stopper.
void Join(EdgeContext* context, const std::shared_ptr<EdgeMember>& member);
void Leave(EdgeContext* context, const EdgeMember* member);

// An HTTP connection upgraded to WebSocket: its session takes the socket and the address's place and answers the
// upgrade `request` (read before this returns). `user` selects the user API (authentication, private channels)
// over market data. `counted` runs once the WebSocket session counts the connection, before its handshake answer
// can be sent: the HTTP session stops counting it there, so that the connection is never counted twice by the
// time the client can open another (with several I/O threads, max_connections refused that one).
void RunWebSocket(boost::asio::ip::tcp::socket&& socket, ConnectionsPerAddress::Slot slot, EdgeContext* context,
                  bool user, const boost::beast::http::request<boost::beast::http::string_body>& request,
                  const std::function<void()>& counted);

}  // namespace sequex::server::edge

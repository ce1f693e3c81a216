// Outbox: where the publisher thread sends a session's replies and pushes. Implemented by the HTTP and WebSocket
// sessions; held by the publisher as weak_ptr, so a session that went away is simply skipped.
//
// Send never blocks and never waits for the client: the session queues the bytes and writes them on its own I/O
// strand; when its unsent output passes its limit, the session closes itself (a slow client is disconnected, never
// waited for). The same message bytes are shared by every subscriber of a channel (fan-out costs one pointer copy
// per subscriber, not one serialization).
#pragma once

#include <memory>
#include <string>

namespace sequex::server {

using Message = std::shared_ptr<const std::string>;

class Outbox {
 public:
  virtual ~Outbox() = default;
  // http_status: the HTTP status of a REST reply; WebSocket sessions ignore it.
  virtual void Send(Message message, unsigned http_status = 200) = 0;
  // The API key this outbox's session authenticated with was revoked (or lost the read permission): a session
  // that keeps state for that key ends. Any thread.
  virtual void Revoke() {}
};

inline Message MakeMessage(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

}  // namespace sequex::server

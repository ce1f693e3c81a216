// Delivery: carries the messages that other threads send to sessions (the publisher's acknowledgements and
// pushes, above all) over to the I/O threads, waking them once per burst rather than once per message.
//
// Posting each message to its session on its own cost, on this project's 2-core VM, a lock of Asio's scheduler
// that the I/O thread contended for, an allocation, and often an epoll_ctl to interrupt the I/O thread's
// epoll_wait, which then woke for that one message (docs/server.md, "One hand-over per burst"). Here a
// message is appended to one queue under a short lock, and only the first of a burst posts a drain; the drain
// hands every queued message to its session in the order they were pushed, so one session's messages keep
// their order. Like the Asio queue it replaces it has no bound of its own: a message waits here only until the
// I/O thread next runs, and the session bounds each client's unsent output once the message is handed over.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "server/outbox.h"

namespace sequex::server {

class Delivery {
 public:
  // A session: Deliver runs on an I/O thread, outside the session's strand.
  class Target {
   public:
    virtual ~Target() = default;
    virtual void Deliver(Message message, unsigned http_status) = 0;
  };

  explicit Delivery(boost::asio::io_context& io) : io_(io) {}
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Any thread. Never blocks on the network and never waits for the I/O threads.
  void Push(std::shared_ptr<Target> to, Message message, unsigned http_status);

  // Any thread. `then` runs on an I/O thread once every message pushed before it has been handed to its session,
  // so that what it posts to a session's executor runs after them (the graceful stop's close frames).
  void Then(std::function<void()> then);

  // Drops what is still queued (sessions of an I/O context that has stopped).
  void Clear();

 private:
  struct Item {
    std::shared_ptr<Target> to;
    Message message;
    unsigned http_status = 200;
  };
  void Drain();

  boost::asio::io_context& io_;
  std::mutex mutex_;
  std::vector<Item> pending_;   // guarded by mutex_
  bool drain_posted_ = false;   // guarded by mutex_: a drain is queued or running, so a push need not post one
  std::vector<Item> draining_;  // used by the one drain in flight only
};

}  // namespace sequex::server

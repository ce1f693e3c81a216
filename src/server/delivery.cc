#include "server/delivery.h"

#include <boost/asio/post.hpp>

namespace sequex::server {

void Delivery::Push(std::shared_ptr<Target> to, Message message, unsigned http_status) {
  bool post = false;
  {
    const std::lock_guard lock(mutex_);
    pending_.push_back(Item{std::move(to), std::move(message), http_status});
    post = !drain_posted_;
    drain_posted_ = true;
  }
  if (post) boost::asio::post(io_, [this] { Drain(); });
}

// One round, then the drain gives way to the I/O thread's other handlers: what was pushed meanwhile gets a
// drain of its own, queued behind them.
void Delivery::Drain() {
  {
    const std::lock_guard lock(mutex_);
    draining_.swap(pending_);
  }
  for (Item& item : draining_) item.to->Deliver(std::move(item.message), item.http_status);
  draining_.clear();
  bool again = false;
  {
    const std::lock_guard lock(mutex_);
    again = !pending_.empty();
    drain_posted_ = again;
  }
  if (again) boost::asio::post(io_, [this] { Drain(); });
}

void Delivery::Then(std::function<void()> then) {
  // A target of its own, behind the messages queued before it: the drain keeps the order of every push.
  struct Callback final : Target {
    explicit Callback(std::function<void()> then) : f(std::move(then)) {}
    void Deliver(Message /*message*/, unsigned /*http_status*/) override { f(); }
    std::function<void()> f;
  };
  Push(std::make_shared<Callback>(std::move(then)), nullptr, 0);
}

void Delivery::Clear() {
  std::vector<Item> dropped;
  const std::lock_guard lock(mutex_);
  dropped.swap(pending_);
}

}  // namespace sequex::server

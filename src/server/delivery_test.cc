#include "server/delivery.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace sequex::server {
namespace {

// Records what reaches it. Deliver runs on an I/O thread; `inside` catches two drains delivering at once.
class Recorder final : public Delivery::Target {
 public:
  void Deliver(Message message, unsigned http_status) override {
    EXPECT_FALSE(inside.exchange(true)) << "two drains delivered at the same time";
    got.push_back(*message);
    statuses.push_back(http_status);
    if (on_deliver) on_deliver();
    inside.store(false);
  }
  std::vector<std::string> got;
  std::vector<unsigned> statuses;
  std::function<void()> on_deliver;
  std::atomic<bool> inside{false};
};

TEST(Delivery, ShouldHandOverABurstWithOneWakeUpInTheOrderItWasPushed) {
  boost::asio::io_context io(1);
  Delivery delivery(io);
  std::vector<std::shared_ptr<Recorder>> targets = {std::make_shared<Recorder>(), std::make_shared<Recorder>(),
                                                    std::make_shared<Recorder>()};
  for (int i = 0; i < 100; ++i) {
    delivery.Push(targets[static_cast<size_t>(i % 3)], MakeMessage(std::to_string(i)), 200U + static_cast<unsigned>(i));
  }
  for (const auto& t : targets) EXPECT_TRUE(t->got.empty()) << "nothing is delivered before the I/O thread runs";
  EXPECT_EQ(io.poll(), 1U) << "a hundred messages, one handler";
  for (size_t t = 0; t < targets.size(); ++t) {
    std::vector<std::string> want;
    std::vector<unsigned> want_status;
    for (size_t i = t; i < 100; i += 3) {
      want.push_back(std::to_string(i));
      want_status.push_back(200U + static_cast<unsigned>(i));
    }
    EXPECT_EQ(targets[t]->got, want) << "target " << t;
    EXPECT_EQ(targets[t]->statuses, want_status) << "target " << t;
  }
  delivery.Push(targets[0], MakeMessage("later"), 200);
  io.restart();  // poll() stopped the context when it ran out of work
  EXPECT_EQ(io.poll(), 1U) << "the next burst posts a drain of its own";
  EXPECT_EQ(targets[0]->got.back(), "later");
}

TEST(Delivery, ShouldRunThenAfterEveryMessagePushedBeforeIt) {
  boost::asio::io_context io(1);
  Delivery delivery(io);
  auto target = std::make_shared<Recorder>();
  std::vector<std::string> seen_by_then;
  delivery.Push(target, MakeMessage("a"), 200);
  delivery.Then([&] { seen_by_then = target->got; });
  delivery.Push(target, MakeMessage("b"), 200);
  io.poll();
  EXPECT_EQ(seen_by_then, std::vector<std::string>({"a"}));
  EXPECT_EQ(target->got, std::vector<std::string>({"a", "b"}));
}

TEST(Delivery, ShouldDeliverWhatArrivesDuringADrainInADrainOfItsOwn) {
  boost::asio::io_context io(1);
  Delivery delivery(io);
  auto first = std::make_shared<Recorder>();
  auto second = std::make_shared<Recorder>();
  first->on_deliver = [&] {
    if (first->got.size() == 1) delivery.Push(second, MakeMessage("pushed while draining"), 200);
  };
  delivery.Push(first, MakeMessage("a"), 200);
  delivery.Push(first, MakeMessage("b"), 200);
  EXPECT_EQ(io.poll(), 2U);
  EXPECT_EQ(first->got, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(second->got, (std::vector<std::string>{"pushed while draining"}));
  io.restart();
  EXPECT_EQ(io.poll(), 0U) << "and then nothing is left posted";
}

TEST(Delivery, ShouldDropWhatIsQueuedOnClearAndLetGoOfItsTargets) {
  boost::asio::io_context io(1);
  Delivery delivery(io);
  auto target = std::make_shared<Recorder>();
  const std::weak_ptr<Recorder> watch = target;
  delivery.Push(std::move(target), MakeMessage("never delivered"), 200);
  EXPECT_FALSE(watch.expired()) << "a queued message keeps its session alive";
  delivery.Clear();
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(io.poll(), 1U) << "the drain already posted runs, and finds nothing";
}

// Four producers (the publisher and the I/O threads, in sequexd) push to eight sessions while two I/O threads
// run: every message arrives once, and each producer's messages reach a session in the order it pushed them.
TEST(Delivery, ShouldLoseNothingAndKeepEachProducersOrderAcrossThreads) {
  constexpr int kProducers = 4;
  constexpr int kTargets = 8;
  constexpr int kPerProducer = 20'000;
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  Delivery delivery(io);
  std::vector<std::shared_ptr<Recorder>> targets;
  for (int t = 0; t < kTargets; ++t) targets.push_back(std::make_shared<Recorder>());
  std::vector<std::thread> io_threads;
  for (int i = 0; i < 2; ++i) io_threads.emplace_back([&] { io.run(); });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        delivery.Push(targets[static_cast<size_t>((i + p) % kTargets)],
                      MakeMessage(std::to_string(p) + ":" + std::to_string(i)), 200);
      }
    });
  }
  for (std::thread& t : producers) t.join();
  // Drains run one at a time, each in push order, so once a message pushed after all of them arrives, so has
  // every earlier one.
  auto sentinel = std::make_shared<Recorder>();
  std::promise<void> arrived;
  sentinel->on_deliver = [&] { arrived.set_value(); };
  delivery.Push(sentinel, MakeMessage("end"), 200);
  const bool all_arrived = arrived.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  guard.reset();
  io.stop();
  for (std::thread& t : io_threads) t.join();
  ASSERT_TRUE(all_arrived) << "a message pushed after all the others never arrived";
  size_t total = 0;
  for (int t = 0; t < kTargets; ++t) {
    total += targets[static_cast<size_t>(t)]->got.size();
    std::vector<int> last(kProducers, -1);
    for (const std::string& m : targets[static_cast<size_t>(t)]->got) {
      const size_t colon = m.find(':');
      const int p = std::stoi(m.substr(0, colon));
      const int i = std::stoi(m.substr(colon + 1));
      EXPECT_GT(i, last[static_cast<size_t>(p)]) << "target " << t << ": producer " << p << " out of order";
      last[static_cast<size_t>(p)] = i;
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kProducers) * kPerProducer) << "every message arrives once";
}

}  // namespace
}  // namespace sequex::server

#include "loopback_bench.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_util.h"
#include "common/latency_histogram.h"

namespace sequex::bench {
namespace {

constexpr int kMaxEvents = 256;
constexpr uint64_t kReplyTimeoutNs = 5'000'000'000;

// CLOCK_MONOTONIC for the schedule and latencies; a thread's CPU clock for the CPU time per message.
uint64_t ClockNs(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(t.tv_nsec);
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

void NoDelay(int fd) {
  const int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Sends what `backlog` holds, as far as the socket takes it. False when the connection is gone.
bool FlushBacklog(int fd, std::string* backlog) {
  while (!backlog->empty()) {
    const ssize_t n = send(fd, backlog->data(), backlog->size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    backlog->erase(0, static_cast<size_t>(n));
  }
  return true;
}

// Sends all of `bytes` after what `backlog` holds, and keeps in `backlog` what the socket did not take (a full socket
// never blocks the loop). False when the connection is gone.
bool SendOrQueue(int fd, const char* bytes, size_t size, std::string* backlog) {
  if (!FlushBacklog(fd, backlog)) return false;
  if (!backlog->empty()) {
    backlog->append(bytes, size);
    return true;
  }
  while (size > 0) {
    const ssize_t n = send(fd, bytes, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  backlog->append(bytes, size);
  return true;
}

// The echo side: accepts connections and answers every whole request with one reply, one send each (what sequexd
// does per order), carrying the request's first 8 bytes (its number). Level-triggered epoll: a socket is read only
// when it has data, once per wake-up, with a buffer larger than anything that can be waiting.
class EchoServer {
 public:
  EchoServer(uint32_t request_bytes, uint32_t reply_bytes) : request_bytes_(request_bytes), reply_(reply_bytes, 'r') {}

  // Binds 127.0.0.1 on a free port; false on failure.
  bool Listen(std::string* error) {
    listener_ = Fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    epoll_ = Fd(epoll_create1(EPOLL_CLOEXEC));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener_.get();
    if (listener_.get() < 0 || epoll_.get() < 0 ||
        bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener_.get(), 1024) != 0 ||
        getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &ev) != 0) {
      *error = fmt::format("echo listener: {}", std::strerror(errno));
      return false;
    }
    port_ = ntohs(address.sin_port);
    return true;
  }

  [[nodiscard]] uint16_t port() const { return port_; }

  void Run(const std::atomic<bool>& stop) {
    std::vector<epoll_event> events(kMaxEvents);
    std::vector<char> in(1 << 16);
    while (!stop.load(std::memory_order_relaxed)) {
      const int n = epoll_wait(epoll_.get(), events.data(), kMaxEvents, 20);
      for (int e = 0; e < n; ++e) {
        const int fd = events[static_cast<size_t>(e)].data.fd;
        if (fd == listener_.get()) {
          Accept();
          continue;
        }
        Connection& c = connections_[static_cast<size_t>(fd)];
        if ((events[static_cast<size_t>(e)].events & EPOLLOUT) != 0 && !FlushBacklog(fd, &c.backlog)) {
          Drop(fd);
          continue;
        }
        if ((events[static_cast<size_t>(e)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) continue;
        const ssize_t got = recv(fd, in.data(), in.size(), 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
          Drop(fd);
          continue;
        }
        if (got < 0) continue;
        c.partial.append(in.data(), static_cast<size_t>(got));
        size_t whole = 0;
        bool open = true;
        for (; open && whole + request_bytes_ <= c.partial.size(); whole += request_bytes_) {
          std::memcpy(reply_.data(), c.partial.data() + whole, sizeof(uint64_t));
          open = SendOrQueue(fd, reply_.data(), reply_.size(), &c.backlog);
        }
        if (!open) {
          Drop(fd);
          continue;
        }
        c.partial.erase(0, whole);
        Watch(fd, !c.backlog.empty());
      }
    }
  }

 private:
  struct Connection {
    std::string partial;  // the start of a request not yet whole
    std::string backlog;  // replies the socket did not take yet
    bool watching_out = false;
  };

  void Accept() {
    for (;;) {
      const int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      NoDelay(fd);
      if (connections_.size() <= static_cast<size_t>(fd)) connections_.resize(static_cast<size_t>(fd) + 1);
      connections_[static_cast<size_t>(fd)] = Connection{};
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      (void)epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
      open_.push_back(Fd(fd));
    }
  }

  // Asks for EPOLLOUT only while replies wait for room, so a socket with nothing to send never wakes the loop.
  void Watch(int fd, bool want_out) {
    Connection& c = connections_[static_cast<size_t>(fd)];
    if (c.watching_out == want_out) return;
    c.watching_out = want_out;
    epoll_event ev{};
    ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    (void)epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
  }

  void Drop(int fd) { (void)epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }

  uint32_t request_bytes_;
  std::string reply_;
  Fd listener_, epoll_;
  uint16_t port_ = 0;
  std::vector<Connection> connections_;  // by fd
  std::vector<Fd> open_;
};

struct RunResult {
  uint64_t messages = 0;  // measured replies
  double ops_per_sec = 0;
  uint64_t p50_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
  double echo_cpu_us = 0, client_cpu_us = 0;  // CPU time per measured message
  uint64_t timeouts = 0;
};

// One run: a fresh echo thread and fresh connections. False (with `error`) if the sockets could not be set up.
bool RunOnce(const LoopbackBenchOptions& o, RunResult* out, std::string* error) {
  EchoServer echo(o.request_bytes, o.reply_bytes);
  if (!echo.Listen(error)) return false;
  std::atomic<bool> stop{false};
  std::thread echo_thread([&] { echo.Run(stop); });
  struct StopEcho {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~StopEcho() {
      stop.store(true, std::memory_order_relaxed);
      thread.join();
    }
  } stop_echo{stop, echo_thread};
  clockid_t echo_clock{};
  if (pthread_getcpuclockid(echo_thread.native_handle(), &echo_clock) != 0) {
    *error = "no CPU clock for the echo thread";
    return false;
  }

  const Fd epoll(epoll_create1(EPOLL_CLOEXEC));
  std::vector<Fd> sockets;
  sockets.reserve(o.connections);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(echo.port());
  for (uint32_t c = 0; c < o.connections; ++c) {
    Fd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (s.get() < 0 || connect(s.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      *error = fmt::format("connection {}: {}", c, std::strerror(errno));
      return false;
    }
    NoDelay(s.get());
    (void)fcntl(s.get(), F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = c;
    if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, s.get(), &ev) != 0) {
      *error = fmt::format("epoll: {}", std::strerror(errno));
      return false;
    }
    sockets.push_back(std::move(s));
  }

  // The schedule, as `sequex-bench api`'s: request i is due at start + i / rate on connection i % connections.
  const auto total = static_cast<uint64_t>(std::llround(o.rate * (o.warmup_s + o.duration_s)));
  const auto first_measured = static_cast<uint64_t>(std::llround(o.rate * o.warmup_s));
  const uint64_t start = ClockNs(CLOCK_MONOTONIC) + 20'000'000;
  const auto intended = [&](uint64_t i) {
    return start + static_cast<uint64_t>(static_cast<long double>(i) * 1e9L / static_cast<long double>(o.rate));
  };
  const auto pacing_ns = static_cast<uint64_t>(std::llround(o.pacing_us * 1000));
  std::vector<std::string> partial(o.connections), backlog(o.connections);
  std::vector<uint8_t> answered(total, 0);
  std::string request(o.request_bytes, 'q');
  std::vector<char> in(1 << 16);
  std::vector<epoll_event> events(kMaxEvents);
  LatencyHistogram histogram;
  uint64_t next = 0, answers = 0, last_wake = 0, last_answer = 0;
  uint64_t echo_cpu_start = 0, client_cpu_start = 0;
  const uint64_t give_up = intended(total) + kReplyTimeoutNs;

  while (answers < total) {
    const uint64_t now = ClockNs(CLOCK_MONOTONIC);
    if (now > give_up) break;
    if (next < total && intended(next) <= now) {
      last_wake = now;
      for (; next < total && intended(next) <= now; ++next) {
        if (next == first_measured) {
          echo_cpu_start = ClockNs(echo_clock);
          client_cpu_start = ClockNs(CLOCK_THREAD_CPUTIME_ID);
        }
        const auto c = static_cast<uint32_t>(next % o.connections);
        std::memcpy(request.data(), &next, sizeof next);
        if (!SendOrQueue(sockets[c].get(), request.data(), request.size(), &backlog[c])) {
          *error = fmt::format("connection {} closed", c);
          return false;
        }
      }
    }
    for (uint32_t c = 0; c < o.connections; ++c) {
      if (!FlushBacklog(sockets[c].get(), &backlog[c])) {
        *error = fmt::format("connection {} closed", c);
        return false;
      }
    }
    // Sleep until the next request is due (at most once per pacing interval) or a reply comes.
    int timeout_ms = 20;
    timespec timeout{0, 20'000'000};
    if (next < total) {
      const uint64_t wake = std::max(intended(next), last_wake + pacing_ns);
      const uint64_t after = ClockNs(CLOCK_MONOTONIC);
      const uint64_t wait = wake > after ? wake - after : 0;
      timeout = timespec{static_cast<time_t>(wait / 1'000'000'000u), static_cast<long>(wait % 1'000'000'000u)};
      timeout_ms = static_cast<int>(wait / 1'000'000u);
    }
    int n = epoll_pwait2(epoll.get(), events.data(), kMaxEvents, &timeout, nullptr);
    if (n < 0 && errno == ENOSYS) n = epoll_wait(epoll.get(), events.data(), kMaxEvents, timeout_ms);
    const uint64_t arrived = ClockNs(CLOCK_MONOTONIC);
    for (int e = 0; e < n; ++e) {
      const uint32_t c = events[static_cast<size_t>(e)].data.u32;
      const ssize_t got = recv(sockets[c].get(), in.data(), in.size(), 0);
      if (got <= 0) {
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        *error = fmt::format("connection {} closed by the echo side", c);
        return false;
      }
      partial[c].append(in.data(), static_cast<size_t>(got));
      size_t whole = 0;
      for (; whole + o.reply_bytes <= partial[c].size(); whole += o.reply_bytes) {
        uint64_t i = 0;
        std::memcpy(&i, partial[c].data() + whole, sizeof i);
        if (i >= total || answered[i] != 0) continue;
        answered[i] = 1;
        ++answers;
        if (i < first_measured) continue;
        histogram.Record(arrived - intended(i));
        last_answer = arrived;
      }
      partial[c].erase(0, whole);
    }
  }
  const uint64_t echo_cpu = ClockNs(echo_clock) - echo_cpu_start;
  const uint64_t client_cpu = ClockNs(CLOCK_THREAD_CPUTIME_ID) - client_cpu_start;

  out->messages = histogram.Count();
  out->timeouts = (total - first_measured) - out->messages;
  const double seconds = static_cast<double>(std::max(last_answer, intended(total)) - intended(first_measured)) / 1e9;
  out->ops_per_sec = static_cast<double>(out->messages) / seconds;
  out->p50_ns = histogram.Percentile(50);
  out->p99_ns = histogram.Percentile(99);
  out->p999_ns = histogram.Percentile(99.9);
  out->max_ns = histogram.Max();
  if (out->messages != 0) {
    const double ns_per_us_times_messages = 1e3 * static_cast<double>(out->messages);
    out->echo_cpu_us = static_cast<double>(echo_cpu) / ns_per_us_times_messages;
    out->client_cpu_us = static_cast<double>(client_cpu) / ns_per_us_times_messages;
  }
  return true;
}

void PrintLine(const LoopbackBenchOptions& o, const RunResult& r, const std::string& run) {
  fmt::print(
      "{{\"bench\":\"loopback\",\"workload\":\"echo:{}B/{}B\",\"commands\":{},\"ops_per_sec\":{:.1f},\"p50_ns\":{},"
      "\"p99_ns\":{},\"p999_ns\":{},\"max_ns\":{},\"rate\":{},\"git\":{},\"cpu\":{},\"connections\":{},"
      "\"pacing_us\":{},\"echo_cpu_us_per_message\":{:.2f},\"client_cpu_us_per_message\":{:.2f},\"timeouts\":{},"
      "\"run\":{}}}\n",
      o.request_bytes, o.reply_bytes, r.messages, r.ops_per_sec, r.p50_ns, r.p99_ns, r.p999_ns, r.max_ns, o.rate,
      JsonString(GitCommit()), JsonString(CpuModel()), o.connections, o.pacing_us, r.echo_cpu_us, r.client_cpu_us,
      r.timeouts, run);
  std::fflush(stdout);
}

}  // namespace

int RunLoopbackBench(const LoopbackBenchOptions& o) {
  // Written so that NaN fails each test: a NaN --warmup died sizing a vector, a NaN or infinite --pacing-us hung.
  if (!(o.rate > 0) || o.connections == 0 || o.connections > 10'000 || !(o.duration_s > 0) || !(o.warmup_s >= 0) ||
      !(o.pacing_us >= 0 && o.pacing_us <= 1e6) || o.request_bytes < sizeof(uint64_t) ||
      o.reply_bytes < sizeof(uint64_t) || o.request_bytes > (1u << 20) || o.reply_bytes > (1u << 20) || o.runs < 1 ||
      o.rate * (o.warmup_s + o.duration_s) > 1e9) {
    std::fprintf(stderr,
                 "loopback: --rate, --duration and --connections (up to 10,000) must be positive, --warmup not "
                 "negative, --pacing-us 0 to 1,000,000, sizes 8 bytes to 1 MiB, at most 10^9 requests\n");
    return 2;
  }
  std::vector<RunResult> results;
  for (int run = 1; run <= o.runs; ++run) {
    RunResult r;
    std::string error;
    if (!RunOnce(o, &r, &error)) {
      std::fprintf(stderr, "loopback: %s\n", error.c_str());
      return 1;
    }
    PrintLine(o, r, std::to_string(run));
    results.push_back(r);
  }
  if (o.runs > 1) {
    RunResult m;
    m.messages = MedianOf(results, &RunResult::messages);
    m.ops_per_sec = MedianOf(results, &RunResult::ops_per_sec);
    m.p50_ns = MedianOf(results, &RunResult::p50_ns);
    m.p99_ns = MedianOf(results, &RunResult::p99_ns);
    m.p999_ns = MedianOf(results, &RunResult::p999_ns);
    m.max_ns = MedianOf(results, &RunResult::max_ns);
    m.echo_cpu_us = MedianOf(results, &RunResult::echo_cpu_us);
    m.client_cpu_us = MedianOf(results, &RunResult::client_cpu_us);
    m.timeouts = MedianOf(results, &RunResult::timeouts);
    PrintLine(o, m, "\"median\"");
  }
  for (const RunResult& r : results) {
    if (r.timeouts != 0) return 3;
  }
  return 0;
}

}  // namespace sequex::bench

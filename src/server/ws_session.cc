// The WebSocket side of the edge (sessions.h): one session per upgraded connection, market or user. It moves
// messages between the socket and the Gateway, keeps the connection's subscriptions and heartbeat, and writes its
// outbound queue one message at a time, on its own strand.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <set>

#include "server/edge_internal.h"

namespace sequex::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using edge::BeginRequest;
using edge::Join;
using edge::kShuttingDownText;
using edge::Leave;

class WsSession final : public Outbox,
                        public Delivery::Target,
                        public EdgeMember,
                        public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, ConnectionsPerAddress::Slot slot, EdgeContext* context, bool user)
      : ws_(std::move(socket)),
        timer_(ws_.get_executor()),
        context_(context),
        user_(user),
        connection_id_(context->gateway->NewConnectionId()),
        slot_(std::move(slot)) {
    context_->counters.websocket.fetch_add(1, std::memory_order_relaxed);
  }
  ~WsSession() override {
    Leave(context_, this);
    context_->counters.websocket.fetch_sub(1, std::memory_order_relaxed);
  }

  // Beast builds its upgrade response from `request` before async_accept returns, so a reference is enough.
  void Run(const http::request<http::string_body>& request) {
    const ServerConfig& config = context_->gateway->config();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(config.max_message_bytes);
    // Beast names itself and its version in every handshake answer and explains a refused handshake in plain text;
    // the server's answers say "sequexd" and are JSON with a code, as every other answer of the API.
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "sequexd");
      if (res.result() == http::status::switching_protocols) return;
      res.set(http::field::content_type, "application/json");
      res.body() = Gateway::Reply(-1, "ERROR", kBadRequest, res.body());
      res.prepare_payload();
    }));
    Join(context_, shared_from_this());
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Close();
      self->accepted_ = true;
      if (self->close_reason_) return self->SendCloseFrame();
      self->ScheduleHeartbeat(std::chrono::milliseconds(self->context_->gateway->config().heartbeat_interval_ms));
      self->DoRead();
    });
  }

  void Send(Message message, unsigned http_status = 200) override {
    context_->delivery->Push(shared_from_this(), std::move(message), http_status);
  }

  void Deliver(Message message, unsigned /*http_status*/) override {
    asio::dispatch(ws_.get_executor(), [self = shared_from_this(), m = std::move(message)]() mutable {
      if (!m) return self->CloseRevoked();
      self->Enqueue(std::move(m));
    });
  }

  // Requests that arrive from now on are refused in Handle: nothing to do here.
  void OnStopAccepting() override {}

  // Through the executor twice: a message already read but whose handler has not yet run (a burst comes in one
  // read) is handled, and refused, before the close frame.
  void OnCloseConnection() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()]() {
      asio::post(self->ws_.get_executor(), [self, handled = self->handled_]() { self->CloseForShutdown(handled); });
    });
  }

  // Through the delivery queue as an empty message, behind the pushes already queued for this session (Delivery
  // keeps each session's order): the client gets what was sent before the revocation, then a close frame.
  void Revoke() override { context_->delivery->Push(shared_from_this(), nullptr, 0); }

 private:
  void DoRead() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->Handle(text);
      ++self->handled_;
      if (!self->closed_) self->DoRead();
    });
  }

  // The reference: "WS errors for requests without `id`: `id:-1`, `method:"ERROR"`" (a client matches replies by id,
  // so an error echoing the method would look like a push of that method).
  void Reply(int64_t id, std::string_view method, uint32_t code, std::string_view message = {}) {
    Enqueue(MakeMessage(Gateway::Reply(id, id == -1 && code != kOk ? "ERROR" : method, code, message)));
  }

  void Handle(const std::string& text) {
    Gateway& gateway = *context_->gateway;
    api::Envelope env;
    const uint32_t parsed = api::ParseEnvelope(text, &env);
    if (parsed != kOk) return Reply(env.has_id ? env.id : -1, env.method.empty() ? "ERROR" : env.method, parsed);
    const int64_t id = env.has_id ? env.id : -1;
    if (env.method == "public/respond-heartbeat") {
      if (env.has_id && env.id == heartbeat_id_) awaiting_heartbeat_ = false;
      return;
    }
    if (context_->draining.load()) {
      context_->refused_while_draining.fetch_add(1, std::memory_order_relaxed);
      return Reply(id, env.method, kShuttingDown, kShuttingDownText);
    }
    if (!gateway.AllowWs(connection_id_, user_)) return Reply(id, env.method, kTooManyRequests);
    if (env.method == "public/auth") {
      if (!user_) return Reply(id, env.method, kMethodNotFound, "auth is on the user socket");
      Caller caller;
      const uint32_t code = gateway.Authenticate(env, /*include_params=*/false, &caller);
      // Once per socket (reference: "Auth (user socket, once)"): its subscriptions belong to the account it
      // authenticated as, so another key is refused and the socket stays as it was. The same key again is answered.
      if (caller_ && (code != kOk || caller.api_key != caller_->api_key)) {
        return Reply(id, env.method, kUnauthorized, "this socket is authenticated already, with another key");
      }
      if (code == kOk) caller_ = caller;
      return Reply(id, env.method, code);
    }
    if (env.method == "subscribe" || env.method == "unsubscribe") return Subscribe(env, id);
    if (env.method.rfind("private/", 0) == 0) {
      if (!user_) return Reply(id, env.method, kMethodNotFound, "private methods are on the user socket");
      if (!caller_) return Reply(id, env.method, kUnauthorized, "not authenticated");
      if (!RefreshCaller()) return Reply(id, env.method, kUnauthorized, "API key revoked");
      if (!env.has_id) return Reply(id, env.method, kInvalidArgument, "id is required");
      const std::shared_ptr<Outbox> out = BeginRequest(context_, shared_from_this());
      if (out == nullptr) return Reply(id, env.method, kShuttingDown, kShuttingDownText);
      return gateway.HandlePrivate(env, *caller_, out);
    }
    Reply(id, env.method, kMethodNotFound);
  }

  // subscribe / unsubscribe: checked here against the catalog, so the client gets exactly one reply (an error
  // naming the bad channel, or OK followed by each new channel's first message). The session's channel set makes
  // a repeated subscribe a no-op and bounds the channels per socket.
  void Subscribe(const api::Envelope& env, int64_t id) {
    Params params;
    bool bad_type = false;
    std::string problem;
    if (!params.ParseJson(env.params_json, &problem)) return Reply(id, env.method, kInvalidArgument, problem);
    const std::optional<std::vector<std::string>> channels = params.List("channels", &bad_type);
    if (bad_type || !channels || channels->empty()) {
      return Reply(id, env.method, kInvalidArgument, "params.channels must list channels");
    }
    if (channels->size() > context_->gateway->config().max_channels) {
      return Reply(id, env.method, kInvalidArgument, "too many channels in one request");
    }
    const bool subscribe = env.method == "subscribe";
    const std::shared_ptr<const VenueCatalog> catalog = context_->gateway->directory()->catalog();
    std::vector<std::string> changed;
    for (const std::string& c : *channels) {
      if (subscribe) {
        // Private pushes are reads: a key without the read permission gets none, as its queries are refused.
        if (c.starts_with("user.") && caller_ && !RefreshCaller()) {
          return Reply(id, env.method, kUnauthorized, "API key revoked");
        }
        if (c.starts_with("user.") && caller_ && (caller_->permissions & kPermissionRead) == 0) {
          return Reply(id, env.method, kUnauthorized, "key may not read: " + c);
        }
        if (const uint32_t code = Publisher::CheckChannel(c, *catalog, caller_.has_value()); code != kOk) {
          return Reply(id, env.method, code, "invalid channel " + c);
        }
        if (!channels_.contains(c) && std::find(changed.begin(), changed.end(), c) == changed.end()) {
          changed.push_back(c);
        }
      } else if (channels_.contains(c)) {
        changed.push_back(c);
      }
    }
    if (subscribe && channels_.size() + changed.size() > context_->gateway->config().max_channels) {
      return Reply(id, env.method, kInvalidArgument, "too many channels on one socket");
    }
    for (const std::string& c : changed) {
      if (subscribe) {
        channels_.insert(c);
      } else {
        channels_.erase(c);
      }
    }
    Reply(id, env.method, kOk);
    if (changed.empty()) return;
    const AccountId account = caller_ ? caller_->account : AccountId{0};
    const std::string api_key = caller_ ? caller_->api_key : std::string();
    Publisher* publisher = context_->gateway->publisher();
    const bool posted = publisher->Post([self = shared_from_this(), publisher, changed, subscribe, account, api_key]() {
      for (const std::string& c : changed) {
        if (!subscribe) {
          publisher->Unsubscribe(self.get(), c);
        } else if (const uint32_t code = publisher->Subscribe(self, c, account, api_key); code == 40101) {
          // The key was revoked between the check above and this task.
          self->Send(MakeMessage(Gateway::Reply(-1, "subscribe", code, "API key revoked: " + c)));
        } else if (code != kOk) {
          // Only an instrument removed between the check and now: unreachable with today's commands.
          self->Send(MakeMessage(Gateway::Reply(-1, "subscribe", code, "invalid channel " + c)));
        }
      }
    });
    if (!posted) Close();  // the publisher is overloaded; the client reconnects and resubscribes
  }

  // Unsent output is bounded by max_outbound_bytes, with one exception: a single message larger than the limit
  // may wait outside it. Only an answer to the client's own request gets that large (get-open-orders and the
  // user.order snapshot list up to the venue's 10,000 open orders per account), and a client that asks for one
  // must get it whole, with the pushes and replies that queue behind it. A second one waiting at the same time
  // means the client asks faster than it reads: it is disconnected like any slow reader.
  void Enqueue(Message m) {
    if (closed_ || close_reason_) return;
    const uint64_t limit = context_->gateway->config().max_outbound_bytes;
    const bool outside_limit = m->size() > limit && !oversized_queued_;
    if (!outside_limit && queued_bytes_ + m->size() > limit) {
      context_->counters.slow_disconnects.fetch_add(1, std::memory_order_relaxed);
      return Close();
    }
    if (outside_limit) {
      oversized_queued_ = true;
    } else {
      queued_bytes_ += m->size();
    }
    queue_.push_back(Queued{std::move(m), outside_limit});
    if (!writing_) DoWrite();
  }

  void DoWrite() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front().message), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (self->queue_.empty()) return;
      const Queued& written = self->queue_.front();
      if (written.outside_limit) {
        self->oversized_queued_ = false;
      } else {
        self->queued_bytes_ -= written.message->size();
      }
      self->queue_.pop_front();
      if (ec) return self->Close();
      if (!self->queue_.empty() && !self->closed_) {
        self->DoWrite();
      } else if (self->close_reason_ && !self->closed_) {
        self->SendCloseFrame();
      } else {
        self->writing_ = false;
      }
    });
  }

  // What is queued goes out, then a close frame that says why, and the socket closes: the key this socket
  // authenticated with was revoked (1008, policy violation), or the server is stopping (1001, going away).
  void CloseAfterQueue(websocket::close_reason reason) {
    if (closed_ || close_reason_) return;
    close_reason_ = std::move(reason);
    if (!writing_ && accepted_) SendCloseFrame();
  }

  void CloseRevoked() {
    CloseAfterQueue(websocket::close_reason(websocket::close_code::policy_error, "API key revoked"));
  }

  void SendCloseFrame() {
    writing_ = true;
    ws_.async_close(*close_reason_, [self = shared_from_this()](beast::error_code) { self->Close(); });
  }

  // While messages are still being handled, or bytes wait on the socket, the close waits one more turn.
  void CloseForShutdown(uint64_t handled_before) {
    if (closed_ || close_reason_) return;
    beast::error_code ec;
    if (handled_ != handled_before || beast::get_lowest_layer(ws_).socket().available(ec) != 0) {
      asio::post(ws_.get_executor(),
                 [self = shared_from_this(), handled = handled_]() { self->CloseForShutdown(handled); });
      return;
    }
    CloseAfterQueue(websocket::close_reason(websocket::close_code::going_away, std::string(kShuttingDownText)));
  }

  // A socket authenticates once, but its key may since have been revoked or had its permissions changed: each
  // private request and user.* subscription takes the key's current entry. False (and caller_ kept) if it is gone.
  bool RefreshCaller() {
    const std::shared_ptr<const KeyTable> keys = context_->gateway->directory()->keys();
    const KeyEntry* key = keys->Find(caller_->api_key);
    if (key == nullptr || key->account != caller_->account) return false;
    caller_->permissions = key->permissions;
    return true;
  }

  // A heartbeat every heartbeat_interval_ms ("every 30 s"), each answered within heartbeat_timeout_ms: the next one
  // is due an interval after the last was sent, not after its timeout ran out.
  void ScheduleHeartbeat(std::chrono::milliseconds delay) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      const ServerConfig& config = self->context_->gateway->config();
      const auto interval = std::chrono::milliseconds(config.heartbeat_interval_ms);
      const auto timeout = std::chrono::milliseconds(config.heartbeat_timeout_ms);
      self->heartbeat_id_ = static_cast<int64_t>(Gateway::NowNs() / 1'000'000);
      self->awaiting_heartbeat_ = true;
      self->Enqueue(MakeMessage(Gateway::Reply(self->heartbeat_id_, "public/heartbeat", kOk)));
      self->timer_.expires_after(timeout);
      self->timer_.async_wait([self, interval, timeout](beast::error_code ec2) {
        if (ec2 || self->closed_) return;
        if (self->awaiting_heartbeat_) {
          self->context_->counters.heartbeat_disconnects.fetch_add(1, std::memory_order_relaxed);
          return self->Close();
        }
        self->ScheduleHeartbeat(interval > timeout ? interval - timeout : std::chrono::milliseconds(0));
      });
    });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    slot_.Release();  // the descriptor is closed; the session itself may live on until the publisher lets it go
    // Keeps this session alive until the publisher has dropped its subscriptions (no address reuse in between).
    (void)context_->gateway->publisher()->Post(
        [self = shared_from_this()]() { self->context_->gateway->publisher()->UnsubscribeAll(self.get()); });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  asio::steady_timer timer_;
  EdgeContext* context_;
  bool user_;
  uint64_t connection_id_;  // its rate-limit buckets' key
  std::optional<Caller> caller_;
  struct Queued {
    Message message;
    bool outside_limit = false;  // the one oversized message allowed to wait beyond max_outbound_bytes
  };
  std::deque<Queued> queue_;
  uint64_t queued_bytes_ = 0;  // unsent bytes within the limit
  bool oversized_queued_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool accepted_ = false;                                // the handshake is done: a close frame may be sent
  std::optional<websocket::close_reason> close_reason_;  // follows what is queued; nothing more is queued
  uint64_t handled_ = 0;                                 // messages read and handled
  int64_t heartbeat_id_ = 0;
  bool awaiting_heartbeat_ = false;
  std::set<std::string> channels_;
  ConnectionsPerAddress::Slot slot_;  // its address's place, from the HTTP session it was upgraded from
};

}  // namespace

void edge::RunWebSocket(tcp::socket&& socket, ConnectionsPerAddress::Slot slot, EdgeContext* context, bool user,
                        const http::request<http::string_body>& request, const std::function<void()>& counted) {
  const auto session = std::make_shared<WsSession>(std::move(socket), std::move(slot), context, user);
  counted();
  session->Run(request);
}

}  // namespace sequex::server

#include "server/sessions.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <set>

namespace sequex::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::string_view kPublicPrefix = "/exchange/v1/public/";
constexpr std::string_view kPrivatePrefix = "/exchange/v1/private/";
constexpr std::string_view kAdminPrefix = "/admin/v1/";
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr std::string_view kShuttingDownText = "server shutting down";

// Stands for a session in one request's reply: the request counts as in flight (EdgeContext::requests_in_flight)
// until its reply is handed to the session, or until it is dropped unanswered.
class RequestOutbox final : public Outbox {
 public:
  RequestOutbox(EdgeContext* context, std::shared_ptr<Outbox> session)
      : context_(context), session_(std::move(session)) {}
  ~RequestOutbox() override { Release(); }
  RequestOutbox(const RequestOutbox&) = delete;
  RequestOutbox& operator=(const RequestOutbox&) = delete;

  void Send(Message message, unsigned http_status = 200) override {
    session_->Send(std::move(message), http_status);
    Release();
  }
  void Revoke() override { session_->Revoke(); }

 private:
  void Release() {
    if (!released_.exchange(true, std::memory_order_acq_rel)) context_->requests_in_flight.fetch_sub(1);
  }

  EdgeContext* context_;
  std::shared_ptr<Outbox> session_;
  std::atomic<bool> released_{false};
};

// The outbox a request's reply goes through; null, with nothing counted, once the edge drains (the request is then
// refused). The count goes up before the flag is read: see EdgeContext::draining.
std::shared_ptr<Outbox> BeginRequest(EdgeContext* context, std::shared_ptr<Outbox> session) {
  context->requests_in_flight.fetch_add(1);
  if (context->draining.load()) {
    context->requests_in_flight.fetch_sub(1);
    context->refused_while_draining.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  return std::make_shared<RequestOutbox>(context, std::move(session));
}

// A member is told of the stop's steps that were taken before it joined, and of the rest by the stopper.
void Join(EdgeContext* context, const std::shared_ptr<EdgeMember>& member) {
  bool draining = false;
  bool closing = false;
  {
    const std::lock_guard lock(context->members_mutex);
    context->members.emplace(member.get(), member);
    draining = context->draining.load();
    closing = context->closing;
  }
  if (draining) member->OnStopAccepting();
  if (closing) member->OnCloseConnection();
}

void Leave(EdgeContext* context, const EdgeMember* member) {
  const std::lock_guard lock(context->members_mutex);
  context->members.erase(member);
}

// Caller holds members_mutex.
std::vector<std::shared_ptr<EdgeMember>> LiveMembers(const EdgeContext& context) {
  std::vector<std::shared_ptr<EdgeMember>> live;
  for (const auto& [key, member] : context.members) {
    if (std::shared_ptr<EdgeMember> m = member.lock()) live.push_back(std::move(m));
  }
  return live;
}

class WsSession final : public Outbox,
                        public Delivery::Target,
                        public EdgeMember,
                        public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, ConnectionsPerAddress::Slot slot, EdgeContext* context, bool user)
      : ws_(std::move(socket)), timer_(ws_.get_executor()), context_(context), user_(user), slot_(std::move(slot)) {
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
    if (!gateway.AllowWs(this, user_)) return Reply(id, env.method, kTooManyRequests);
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

class HttpSession final : public Outbox,
                          public Delivery::Target,
                          public EdgeMember,
                          public std::enable_shared_from_this<HttpSession> {
 public:
  // `slot`: the peer address's place; empty on the operator's listener, which is not counted.
  HttpSession(tcp::socket&& socket, ConnectionsPerAddress::Slot slot, EdgeContext* context, bool admin)
      : stream_(std::move(socket)),
        context_(context),
        admin_(admin),
        open_(admin ? context->counters.admin : context->counters.http),
        slot_(std::move(slot)) {
    open_.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      peer_ip_ = peer.address().to_string();
      peer_loopback_ = peer.address().is_loopback();
    }
  }
  ~HttpSession() override {
    Leave(context_, this);
    open_.fetch_sub(1, std::memory_order_relaxed);
  }

  void Run() {
    Join(context_, shared_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()]() { self->DoRead(); });
  }

  void Send(Message message, unsigned http_status = 200) override {
    context_->delivery->Push(shared_from_this(), std::move(message), http_status);
  }

  void Deliver(Message message, unsigned http_status) override {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this(), m = std::move(message), http_status]() {
      self->Write(*m, http_status);
    });
  }

  // A connection waiting for its next request closes, unless one has begun to arrive: that one is read and refused.
  // One with a request in flight closes after its response (Write).
  void OnStopAccepting() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()]() {
      if (self->reading_) self->stream_.cancel();
    });
  }

 private:
  void DoRead() {
    if (context_->draining.load() && !InputWaiting()) return Close();
    parser_.emplace();
    parser_->body_limit(context_->gateway->config().max_message_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(kIdleTimeout);
    ReadMore();
  }

  void ReadMore() {
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  // Bytes of a next request: read but not yet parsed, or parsed in part, or waiting on the socket.
  bool InputWaiting() {
    beast::error_code ignored;
    return buffer_.size() != 0 || (reading_ && parser_->got_some()) || stream_.socket().available(ignored) != 0;
  }

  void OnRead(beast::error_code ec) {
    if (ec == asio::error::operation_aborted && context_->draining.load()) {
      // Cancelled by OnStopAccepting: a request that has begun to arrive is read whole, and refused.
      if (InputWaiting()) return ReadMore();
      reading_ = false;
      return Close();
    }
    reading_ = false;
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      version_ = 11;
      return Write(Gateway::Reply(-1, "ERROR", kBadRequest, "request body too large"), 413);
    }
    if (const unsigned status = StatusForParseError(ec); status != 0) {
      keep_alive_ = false;  // the rest of the stream cannot be framed
      version_ = 11;
      return Write(Gateway::Reply(-1, "ERROR", kBadRequest,
                                  status == 431 ? "request header too large" : "malformed HTTP request"),
                   status);
    }
    if (ec) return Close();
    http::request<http::string_body> request = parser_->release();
    version_ = request.version();
    keep_alive_ = request.keep_alive();
    // Counted until its reply is handed to this session, so that a stopping server waits for it; or refused.
    const std::shared_ptr<Outbox> out = BeginRequest(context_, shared_from_this());
    if (out == nullptr) {
      return Write(Gateway::Reply(-1, "ERROR", kShuttingDown, kShuttingDownText), HttpStatusFor(kShuttingDown));
    }
    if (websocket::is_upgrade(request) && !admin_) {
      const std::string_view target(request.target().data(), request.target().size());
      const bool user = target.rfind("/exchange/v1/user", 0) == 0;
      const bool market = target.rfind("/exchange/v1/market", 0) == 0;
      if (!user && !market) return Write(Gateway::Reply(-1, "ERROR", kMethodNotFound, "no such socket"), 404);
      stream_.expires_never();
      std::make_shared<WsSession>(stream_.release_socket(), std::move(slot_), context_, user)->Run(request);
      return;
    }
    const std::string_view target(request.target().data(), request.target().size());
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    stream_.expires_never();  // the reply may come from another thread; the write re-arms the timeout
    if (admin_) {
      if (!peer_loopback_) return Write(Gateway::Reply(-1, "ERROR", kUnauthorized, "loopback only"), 403);
      if (request.method() != http::verb::post || path.rfind(kAdminPrefix, 0) != 0) {
        return Write(Gateway::Reply(-1, "ERROR", kMethodNotFound), 404);
      }
      std::string token(request[http::field::authorization]);
      if (token.rfind("Bearer ", 0) == 0) token = token.substr(7);
      return context_->admin(std::string(path.substr(kAdminPrefix.size())), std::move(request.body()), token, out);
    }
    if (request.method() == http::verb::get && path.rfind(kPublicPrefix, 0) == 0) {
      return context_->gateway->HandlePublic(path.substr(kPublicPrefix.size()), query, peer_ip_, out);
    }
    if (request.method() == http::verb::post && path.rfind(kPrivatePrefix, 0) == 0) {
      return context_->gateway->HandlePrivateRest(path.substr(kPrivatePrefix.size()), request.body(), out);
    }
    Write(Gateway::Reply(-1, "ERROR", kMethodNotFound, "no such endpoint"), 404);
  }

  // The HTTP status a request the parser refused is answered with, as a production server answers it (400, or 431
  // for a header over the limit); 0 where there is nobody to answer (the client closed or went away mid-request, or
  // the error is not the parser's: a timeout, a reset).
  static unsigned StatusForParseError(beast::error_code ec) {
    if (ec.category() != http::make_error_code(http::error::bad_target).category()) return 0;
    switch (static_cast<http::error>(ec.value())) {
      case http::error::end_of_stream:
      case http::error::partial_message:
        return 0;
      case http::error::header_limit:
        return 431;
      default:
        return 400;
    }
  }

  void Write(const std::string& body, unsigned status) {
    if (context_->draining.load()) keep_alive_ = false;  // the last response: Connection: close
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), version_);
    response->set(http::field::server, "sequexd");
    response->set(http::field::content_type, "application/json");
    response->keep_alive(keep_alive_);
    response->body() = body;
    response->prepare_payload();
    stream_.expires_after(kIdleTimeout);
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->Close();
      self->DoRead();
    });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
    slot_.Release();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  EdgeContext* context_;
  bool admin_;
  std::string peer_ip_;
  bool peer_loopback_ = false;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool reading_ = false;  // a read for the next request is under way
  // Where it counts itself: an operator's connection apart from the API's, so that it takes none of their places.
  std::atomic<int64_t>& open_;
  ConnectionsPerAddress::Slot slot_;
};

class Listener final : public EdgeMember, public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, const tcp::endpoint& endpoint, EdgeContext* context, bool admin)
      : io_(io), acceptor_(asio::make_strand(io)), context_(context), admin_(admin) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  ~Listener() override { Leave(context_, this); }
  tcp::endpoint local() const { return acceptor_.local_endpoint(); }
  // The accept under way ends with operation_aborted; a client that connects from now on is refused.
  void OnStopAccepting() override {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()]() {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }
  void Accept() {
    // One I/O thread runs every handler in turn, so a session needs no strand of its own there: its handlers
    // then run as their operations complete, not after a second trip through the scheduler.
    const asio::any_io_executor executor = context_->gateway->config().io_threads == 1
                                               ? asio::any_io_executor(io_.get_executor())
                                               : asio::make_strand(io_);
    acceptor_.async_accept(executor, [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (!ec) {
        self->Admit(std::move(s));
      } else if (ec == asio::error::operation_aborted) {
        return;
      } else {
        // Out of descriptors or the like: back off briefly rather than spin, and keep accepting, unless the stop
        // closed the acceptor meanwhile. On the acceptor's strand, where OnStopAccepting closes it.
        auto timer =
            std::make_shared<asio::steady_timer>(self->acceptor_.get_executor(), std::chrono::milliseconds(10));
        return timer->async_wait([self, timer](beast::error_code) {
          if (self->acceptor_.is_open()) self->Accept();
        });
      }
      self->Accept();
    });
  }

 private:
  // Serves `s`, or closes it at once: past max_connections, or past max_connections_per_ip for its address (each
  // counted apart in status). The operator's listener is limited by neither.
  void Admit(tcp::socket s) {
    EdgeContext& context = *context_;
    SessionCounters& counters = context.counters;
    beast::error_code ec;
    ConnectionsPerAddress::Slot slot;
    if (!admin_) {
      if (counters.http.load(std::memory_order_relaxed) + counters.websocket.load(std::memory_order_relaxed) >=
          context.max_connections) {
        counters.refused_connections.fetch_add(1, std::memory_order_relaxed);
        s.close(ec);
        return;
      }
      const tcp::endpoint peer = s.remote_endpoint(ec);
      if (ec) return;  // the client is gone already: nobody to serve or count (the socket closes with `s`)
      slot = context.per_ip.TryAcquire(peer.address(), context.max_connections_per_ip);
      if (!slot.held()) {
        counters.refused_per_ip.fetch_add(1, std::memory_order_relaxed);
        s.close(ec);
        return;
      }
    }
    s.set_option(tcp::no_delay(true), ec);
    std::make_shared<HttpSession>(std::move(s), std::move(slot), context_, admin_)->Run();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  EdgeContext* context_;
  bool admin_;
};

}  // namespace

tcp::endpoint StartListener(asio::io_context& io, const tcp::endpoint& endpoint, EdgeContext* context, bool admin) {
  auto listener = std::make_shared<Listener>(io, endpoint, context, admin);
  Join(context, listener);
  listener->Accept();
  return listener->local();
}

void StopAccepting(EdgeContext* context) {
  std::vector<std::shared_ptr<EdgeMember>> members;
  {
    const std::lock_guard lock(context->members_mutex);
    context->draining.store(true);
    members = LiveMembers(*context);
  }
  for (const std::shared_ptr<EdgeMember>& m : members) m->OnStopAccepting();
}

void CloseConnections(EdgeContext* context) {
  std::vector<std::shared_ptr<EdgeMember>> members;
  {
    const std::lock_guard lock(context->members_mutex);
    context->closing = true;
    members = LiveMembers(*context);
  }
  for (const std::shared_ptr<EdgeMember>& m : members) m->OnCloseConnection();
}

}  // namespace sequex::server

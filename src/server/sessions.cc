#include "server/sessions.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <optional>

#include "server/edge_internal.h"

namespace sequex::server {
namespace edge {
namespace {

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

}  // namespace

std::shared_ptr<Outbox> BeginRequest(EdgeContext* context, std::shared_ptr<Outbox> session) {
  context->requests_in_flight.fetch_add(1);
  if (context->draining.load()) {
    context->requests_in_flight.fetch_sub(1);
    context->refused_while_draining.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  return std::make_shared<RequestOutbox>(context, std::move(session));
}

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

}  // namespace edge

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

using edge::BeginRequest;
using edge::Join;
using edge::kShuttingDownText;
using edge::Leave;

// RFC 6455 4.2.1: a client's Sec-WebSocket-Key is 16 random bytes in base64, 24 characters ending in "==". Beast
// checks only that it is present and at most 24 characters long: "x" and "" were switched.
bool IsWebSocketKey(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  return std::all_of(key.begin(), key.end() - 2, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

// Caller holds members_mutex.
std::vector<std::shared_ptr<EdgeMember>> LiveMembers(const EdgeContext& context) {
  std::vector<std::shared_ptr<EdgeMember>> live;
  for (const auto& [key, member] : context.members) {
    if (std::shared_ptr<EdgeMember> m = member.lock()) live.push_back(std::move(m));
  }
  return live;
}

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
    Uncount();
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
    continued_ = false;
    parser_->body_limit(context_->gateway->config().max_message_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(kIdleTimeout);
    ReadMore();
  }

  // The header first: a client that sent `Expect: 100-continue` waits for an interim 100 before it sends the body
  // (RFC 9110, 10.1.1), and without one it waited (curl: 1 s) or never sent it (Node's http with that header).
  void ReadMore() {
    reading_ = true;
    if (!parser_->is_header_done()) {
      http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->OnRead(ec);
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    const http::request<http::string_body>& header = parser_->get();
    if (!continued_ && !parser_->is_done() && header.version() >= 11 &&
        beast::iequals(header[http::field::expect], "100-continue")) {
      continued_ = true;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->OnRead(ec);
                          self->ReadBody();
                        });
      return;
    }
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
    const std::string_view target(request.target().data(), request.target().size());
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    if (websocket::is_upgrade(request) && !admin_) {
      // The whole path: a prefix match took "/exchange/v1/userX" or "/exchange/v1/user/x" for the user socket.
      const bool user = path == "/exchange/v1/user";
      const bool market = path == "/exchange/v1/market";
      if (!user && !market) return Write(Gateway::Reply(-1, "ERROR", kMethodNotFound, "no such socket"), 404);
      const auto key = request.find(http::field::sec_websocket_key);  // an absent one is Beast's to refuse
      if (key != request.end() && !IsWebSocketKey(std::string_view(key->value().data(), key->value().size()))) {
        keep_alive_ = false;
        return Write(Gateway::Reply(-1, "ERROR", kBadRequest, "Sec-WebSocket-Key must be 16 bytes in base64"), 400);
      }
      stream_.expires_never();
      edge::RunWebSocket(stream_.release_socket(), std::move(slot_), context_, user, request, [this] { Uncount(); });
      return;
    }
    stream_.expires_never();  // the reply may come from another thread; the write re-arms the timeout
    if (admin_) {
      if (!peer_loopback_) return Write(Gateway::Reply(-1, "ERROR", kUnauthorized, "loopback only"), 403);
      if (request.method() != http::verb::post || path.rfind(kAdminPrefix, 0) != 0) {
        return Write(Gateway::Reply(-1, "ERROR", kMethodNotFound), 404);
      }
      // RFC 6750 2.1: the scheme "Bearer" (in any case), a space, the token. A bare token is not taken as one, so
      // that the header has one meaning (docs/server.md "Authentication").
      const beast::string_view authorization = request[http::field::authorization];
      const beast::string_view scheme = "Bearer ";
      std::string token;
      if (authorization.size() > scheme.size() && beast::iequals(authorization.substr(0, scheme.size()), scheme)) {
        token = std::string(authorization.substr(scheme.size()));
      }
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

  // Once: at the end, or when a WebSocket session takes the connection over (RunWebSocket).
  void Uncount() {
    if (counted_) open_.fetch_sub(1, std::memory_order_relaxed);
    counted_ = false;
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
  bool reading_ = false;    // a read for the next request is under way
  bool continued_ = false;  // the request's `100 Continue` is sent
  // Where it counts itself: an operator's connection apart from the API's, so that it takes none of their places.
  std::atomic<int64_t>& open_;
  bool counted_ = true;  // in open_; false once the connection went to a WebSocket session
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

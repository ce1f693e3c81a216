// Gateway: the API's semantics, shared by the REST and WebSocket sessions (which only move bytes). It runs on the
// I/O threads: authenticates (HMAC-SHA256 signature, nonce window), applies the rate limits, validates and
// converts a request into an engine command or a publisher query, and formats the reply.
//
// Order entry goes Gateway -> sequencer (journal, engine) -> publisher, which runs the request's continuation:
// the reply is sent only once the command is durable and applied. Queries run on the publisher thread against the
// mirror engine and the projection. Nothing here blocks: a full ring is answered with an error at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/envelope.h"
#include "api/rate_limiter.h"
#include "sequencer/sequencer.h"
#include "server/catalog.h"
#include "server/config.h"
#include "server/outbox.h"
#include "server/params.h"
#include "server/publisher.h"

namespace sequex::server {

// API error codes used by the gateway itself (the engine's are its RejectReason values).
inline constexpr uint32_t kOk = 0;
inline constexpr uint32_t kBadRequest = 40001;
inline constexpr uint32_t kMethodNotFound = 40002;
inline constexpr uint32_t kInvalidArgument = 40004;
inline constexpr uint32_t kUnauthorized = 40101;
inline constexpr uint32_t kInvalidNonce = 40102;
inline constexpr uint32_t kTooManyRequests = 42901;
inline constexpr uint32_t kInternal = 50001;
// The server is stopping and takes no more requests (HTTP 503): the reference lists no such code, and this is the
// one Crypto.com answers while down for maintenance, which CCXT raises as OnMaintenance (ExchangeNotAvailable: a
// client retries it, elsewhere).
inline constexpr uint32_t kShuttingDown = 9010001;

[[nodiscard]] unsigned HttpStatusFor(uint32_t code);
// The code a command's outcome answers with: 0, the engine's reject reason, or the pipeline's failure.
[[nodiscard]] uint32_t OutcomeCode(const Outcome& o);
[[nodiscard]] std::string ErrorText(uint32_t code);

// An authenticated caller.
struct Caller {
  AccountId account{};
  uint8_t permissions = 0;
  std::string api_key;
};

class Gateway {
 public:
  Gateway(const ServerConfig& config, Directory* directory, sequencer::Sequencer* sequencer, Publisher* publisher);

  // GET /exchange/v1/public/<method>?<query>.
  void HandlePublic(std::string_view method, std::string_view query, std::string_view client_ip,
                    const std::shared_ptr<Outbox>& out);
  // POST /exchange/v1/private/<method> with a signed JSON body.
  void HandlePrivateRest(std::string_view path_method, std::string_view body, const std::shared_ptr<Outbox>& out);
  // A signed request (REST) or public/auth (WebSocket, params excluded): checks key, signature and nonce.
  uint32_t Authenticate(const api::Envelope& env, bool include_params, Caller* caller);
  // An authenticated private request (REST after Authenticate, or over the user WebSocket).
  void HandlePrivate(const api::Envelope& env, const Caller& caller, const std::shared_ptr<Outbox>& out);

  // Hands a command to the sequencer; `k` runs on the publisher thread when it is durable and applied (or failed).
  // Returns kOk, or an error code if the sequencer is full or closed (then `k` never runs).
  uint32_t Submit(CommandBody body, Continuation k);

  [[nodiscard]] static std::string Reply(int64_t id, std::string_view method, uint32_t code,
                                         std::string_view message = {});
  // WebSocket limits are per connection: `connection` is a number from NewConnectionId, never the session's address,
  // which a later connection may get while the closed one's bucket (empty, perhaps) is still held.
  [[nodiscard]] bool AllowWs(uint64_t connection, bool user_socket);
  [[nodiscard]] uint64_t NewConnectionId() { return next_connection_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] const ServerConfig& config() const { return config_; }
  [[nodiscard]] Directory* directory() const { return directory_; }
  [[nodiscard]] Publisher* publisher() const { return publisher_; }
  [[nodiscard]] sequencer::Sequencer* sequencer() const { return sequencer_; }
  [[nodiscard]] static uint64_t NowNs();  // the gateway's wall clock (not the engine's: it is only for nonces)

 private:
  bool RateLimited(const Caller& caller, std::string_view method);
  void Query(const api::Envelope& env, const Caller& caller, const Params& params, const std::shared_ptr<Outbox>& out);
  void CreateOrder(const api::Envelope& env, const Caller& caller, const Params& params,
                   const std::shared_ptr<Outbox>& out);
  void OrderList(const api::Envelope& env, const Caller& caller, const Params& params, bool cancel,
                 const std::shared_ptr<Outbox>& out);
  // The PlaceOrder / CancelOrder a params object asks for; kOk or the code to answer.
  uint32_t BuildPlaceOrder(const Params& p, const VenueCatalog& catalog, AccountId account, PlaceOrder* out,
                           std::string* message) const;
  uint32_t BuildCancel(const Params& p, AccountId account, CancelOrder* out, std::string* message) const;
  // cancel-all-orders with type LIMIT or TRIGGER: one cancel per open order of that type.
  void CancelAllOfType(const CancelAll& all, bool triggers, const std::shared_ptr<Outbox>& out, int64_t id,
                       const std::string& method);
  void PostQuery(const std::shared_ptr<Outbox>& out, int64_t id, const std::string& method,
                 std::function<void(api::JsonWriter&, Publisher&, uint32_t*)> body);

  const ServerConfig& config_;
  Directory* directory_;
  sequencer::Sequencer* sequencer_;
  Publisher* publisher_;
  api::RateLimiter limiter_;
  std::atomic<uint64_t> next_connection_{1};
};

}  // namespace sequex::server

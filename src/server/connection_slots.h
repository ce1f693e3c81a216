// ConnectionsPerAddress: how many API connections each remote IP address has open, so that one address cannot take
// every place under [server] max_connections and lock the other clients out ([server] max_connections_per_ip,
// docs/server.md).
//
// A connection holds a Slot for as long as it is open; the Slot gives its place back when it is released or
// destroyed, so no way a session ends (a close, an error, a timeout, a dropped slow reader) can leak a place.
// An IPv4 address and the same address mapped into IPv6 (::ffff:a.b.c.d, what a dual-stack listener reports) are
// one address; an IPv6 address counts without its scope id.
//
// Thread safety: every member may be called from any thread (one mutex around a small map: taken once when a
// connection is accepted and once when it ends, never per message). The table must outlive its Slots.
#pragma once

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <map>
#include <mutex>

namespace sequex::server {

class ConnectionsPerAddress {
  using Key = std::array<unsigned char, 16>;  // the IPv6 bytes; an IPv4 address as ::ffff:a.b.c.d

 public:
  // One open connection's place. Move-only; empty when default-made, moved from, or released.
  class [[nodiscard]] Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : table_(other.table_), key_(other.key_) { other.table_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }

    // Gives the place back now (the connection closed before its session went away); later calls do nothing.
    void Release();
    [[nodiscard]] bool held() const { return table_ != nullptr; }

   private:
    friend class ConnectionsPerAddress;
    Slot(ConnectionsPerAddress* table, const Key& key) : table_(table), key_(key) {}
    ConnectionsPerAddress* table_ = nullptr;
    Key key_{};
  };

  ConnectionsPerAddress() = default;
  ConnectionsPerAddress(const ConnectionsPerAddress&) = delete;
  ConnectionsPerAddress& operator=(const ConnectionsPerAddress&) = delete;

  // A held Slot if `address` has fewer than `limit` connections open; an empty one (nothing counted) otherwise.
  Slot TryAcquire(const boost::asio::ip::address& address, int64_t limit);

  // Connections `address` has open now.
  [[nodiscard]] int64_t open(const boost::asio::ip::address& address) const;
  // Addresses with at least one connection open (the table keeps no entry for the others).
  [[nodiscard]] size_t addresses() const;

 private:
  static Key KeyOf(const boost::asio::ip::address& address);
  void Release(const Key& key);

  mutable std::mutex mutex_;
  std::map<Key, int64_t> open_;  // guarded by mutex_; only counts above zero
};

}  // namespace sequex::server

#include "server/connection_slots.h"

namespace sequex::server {

ConnectionsPerAddress::Slot& ConnectionsPerAddress::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    table_ = other.table_;
    key_ = other.key_;
    other.table_ = nullptr;
  }
  return *this;
}

void ConnectionsPerAddress::Slot::Release() {
  if (table_ == nullptr) return;
  table_->Release(key_);
  table_ = nullptr;
}

ConnectionsPerAddress::Key ConnectionsPerAddress::KeyOf(const boost::asio::ip::address& address) {
  namespace ip = boost::asio::ip;
  if (address.is_v4()) return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();  // a v4-mapped one is already the same bytes; the scope id is left out
}

ConnectionsPerAddress::Slot ConnectionsPerAddress::TryAcquire(const boost::asio::ip::address& address, int64_t limit) {
  const Key key = KeyOf(address);
  const std::lock_guard lock(mutex_);
  int64_t& count = open_[key];
  if (count >= limit) {
    if (count == 0) open_.erase(key);
    return {};
  }
  ++count;
  return {this, key};
}

void ConnectionsPerAddress::Release(const Key& key) {
  const std::lock_guard lock(mutex_);
  const auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

int64_t ConnectionsPerAddress::open(const boost::asio::ip::address& address) const {
  const std::lock_guard lock(mutex_);
  const auto it = open_.find(KeyOf(address));
  return it == open_.end() ? 0 : it->second;
}

size_t ConnectionsPerAddress::addresses() const {
  const std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace sequex::server

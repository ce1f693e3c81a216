#include "workload/book_model.h"

#include <algorithm>

namespace sequex::workload {

std::optional<int64_t> BookModel::BestBid() const {
  if (bids_.empty()) return std::nullopt;
  return bids_.begin()->first;
}

std::optional<int64_t> BookModel::BestAsk() const {
  if (asks_.empty()) return std::nullopt;
  return asks_.begin()->first;
}

bool BookModel::Crosses(Side side, int64_t price) const {
  if (side == Side::kBuy) return !asks_.empty() && price >= asks_.begin()->first;
  return !bids_.empty() && price <= bids_.begin()->first;
}

int64_t BookModel::DepthLots(Side side, size_t levels) const {
  int64_t total = 0;
  auto sum = [&](const auto& map) {
    size_t n = 0;
    for (auto it = map.begin(); it != map.end() && n < levels; ++it, ++n) {
      for (uint32_t slot : it->second) total += orders_[slot].remaining();
    }
  };
  if (side == Side::kBuy) {
    sum(bids_);
  } else {
    sum(asks_);
  }
  return total;
}

std::optional<uint32_t> BookModel::BusiestAccount() const {
  if (live_.empty()) return std::nullopt;
  uint32_t best = 0, best_count = 0;
  for (uint32_t slot : live_) {
    const uint32_t account = orders_[slot].account;
    const uint32_t c = account_orders_[account];
    if (c > best_count || (c == best_count && account < best)) {
      best = account;
      best_count = c;
    }
  }
  return best;
}

bool BookModel::RecentlyEnded(uint64_t pick, uint32_t* account, uint64_t* ref) const {
  if (ended_.empty()) return false;
  const Ended& e = ended_[pick % ended_.size()];
  *account = e.account;
  *ref = e.ref;
  return true;
}

int64_t BookModel::AvailableTo(Side side, bool market, int64_t limit, int64_t wanted) const {
  int64_t total = 0;
  auto walk = [&](const auto& map) {
    for (const auto& [price, level] : map) {
      if (!market && (side == Side::kBuy ? price > limit : price < limit)) break;
      for (uint32_t slot : level) total += orders_[slot].remaining();
      if (total >= wanted) break;
    }
  };
  if (side == Side::kBuy) {
    walk(asks_);
  } else {
    walk(bids_);
  }
  return total;
}

template <typename Map>
void BookModel::TakeFrom(Map& levels, Side side, bool market, int64_t limit, int64_t* qty, Result* result) {
  while (*qty > 0 && !levels.empty()) {
    auto it = levels.begin();
    if (!market && (side == Side::kBuy ? it->first > limit : it->first < limit)) break;
    Level& queue = it->second;
    size_t consumed = 0;
    while (consumed < queue.size() && *qty > 0) {
      Order& maker = orders_[queue[consumed]];
      const int64_t f = std::min(*qty, maker.remaining());
      maker.filled += f;
      *qty -= f;
      result->filled += f;
      ++result->fills;
      if (maker.remaining() > 0) break;
      End(queue[consumed]);
      ++consumed;
    }
    ++result->levels;
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(consumed));
    if (queue.empty()) levels.erase(it);
  }
}

BookModel::Result BookModel::Take(Side side, bool market, int64_t limit, int64_t qty) {
  Result result;
  if (side == Side::kBuy) {
    TakeFrom(asks_, side, market, limit, &qty, &result);
  } else {
    TakeFrom(bids_, side, market, limit, &qty, &result);
  }
  return result;
}

BookModel::Result BookModel::Place(uint32_t account, uint64_t ref, Side side, bool market, TimeInForce tif,
                                   bool post_only, int64_t price, int64_t qty) {
  if (post_only && Crosses(side, price)) return Result{.rejected = true};
  if (tif == TimeInForce::kFillOrKill && AvailableTo(side, market, price, qty) < qty) {
    return Result{.rejected = true};
  }
  Result result = Take(side, market, price, qty);
  if (!market && tif == TimeInForce::kGoodTillCancel && result.filled < qty) {
    result.slot = Rest(account, ref, side, post_only, price, qty, result.filled);
  }
  return result;
}

uint32_t BookModel::Rest(uint32_t account, uint64_t ref, Side side, bool post_only, int64_t price, int64_t qty,
                         int64_t filled) {
  uint32_t slot;
  if (free_.empty()) {
    slot = static_cast<uint32_t>(orders_.size());
    orders_.emplace_back();
  } else {
    slot = free_.back();
    free_.pop_back();
  }
  orders_[slot] = Order{account, ref, side, post_only, price, qty, filled, static_cast<uint32_t>(live_.size())};
  live_.push_back(slot);
  if (account >= account_orders_.size()) account_orders_.resize(account + 1, 0);
  ++account_orders_[account];
  Enqueue(slot);
  return slot;
}

void BookModel::Enqueue(uint32_t slot) {
  const Order& o = orders_[slot];
  if (o.side == Side::kBuy) {
    bids_[o.price].push_back(slot);
  } else {
    asks_[o.price].push_back(slot);
  }
}

void BookModel::Unlink(uint32_t slot) {
  const Order& o = orders_[slot];
  auto remove = [&](auto& map) {
    auto it = map.find(o.price);
    Level& queue = it->second;
    queue.erase(std::find(queue.begin(), queue.end(), slot));
    if (queue.empty()) map.erase(it);
  };
  if (o.side == Side::kBuy) {
    remove(bids_);
  } else {
    remove(asks_);
  }
}

void BookModel::End(uint32_t slot) {
  Order& o = orders_[slot];
  const uint32_t moved = live_.back();
  live_[o.live_pos] = moved;
  orders_[moved].live_pos = o.live_pos;
  live_.pop_back();
  --account_orders_[o.account];
  if (ended_.size() < kEndedRing) {
    ended_.push_back(Ended{o.account, o.ref});
  } else {
    ended_[ended_next_] = Ended{o.account, o.ref};
    ended_next_ = (ended_next_ + 1) % kEndedRing;
  }
  free_.push_back(slot);
}

void BookModel::Cancel(uint32_t slot) {
  Unlink(slot);
  End(slot);
}

size_t BookModel::CancelAccount(uint32_t account) {
  std::vector<uint32_t> doomed;
  for (uint32_t slot : live_) {
    if (orders_[slot].account == account) doomed.push_back(slot);
  }
  for (uint32_t slot : doomed) Cancel(slot);
  return doomed.size();
}

void BookModel::AmendQty(uint32_t slot, int64_t new_qty) { orders_[slot].qty = new_qty; }

BookModel::Result BookModel::AmendPrice(uint32_t slot, int64_t new_price) {
  Order& o = orders_[slot];
  if (o.post_only && Crosses(o.side, new_price)) return Result{.rejected = true};
  Unlink(slot);
  o.price = new_price;
  Result result = Take(o.side, false, new_price, o.remaining());
  // Take may have reallocated nothing (orders_ only grows in Rest), so `o` is still valid here.
  o.filled += result.filled;
  if (o.remaining() == 0) {
    End(slot);
    result.slot = kNoSlot;
  } else {
    Enqueue(slot);
    result.slot = slot;
  }
  return result;
}

}  // namespace sequex::workload

// HistoryRing: the newest kCapacity items of a stream, newest first: an account's closed orders and trades, an
// instrument's public trades and candles. Its storage grows by doubling until it holds kCapacity items; after that
// each new item overwrites the oldest, with no allocation. One buffer per ring, so copying the projection for a
// history snapshot is a few large copies where std::deque (a block per two order records) made millions of small
// allocations.
//
//   HistoryRing<Trade, 1000> trades;
//   trades.push_front(t);                         // newest; the oldest goes once 1,000 are held
//   for (const Trade& t : trades) { ... }         // newest first
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace sequex::server {

template <typename T, size_t kCapacity>
class HistoryRing {
  static_assert(kCapacity > 0);

 public:
  class const_iterator {  // NOLINT(readability-identifier-naming): the standard's spelling, for range-for
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;
    const_iterator() = default;
    const_iterator(const HistoryRing* ring, size_t i) : ring_(ring), i_(i) {}
    reference operator*() const { return (*ring_)[i_]; }
    pointer operator->() const { return &(*ring_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++i_;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.i_ == b.i_; }

   private:
    const HistoryRing* ring_ = nullptr;
    size_t i_ = 0;
  };

  static constexpr size_t capacity() { return kCapacity; }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

  // i = 0 is the newest.
  const T& operator[](size_t i) const { return buffer_[Physical(i)]; }
  T& operator[](size_t i) { return buffer_[Physical(i)]; }
  const T& front() const { return (*this)[0]; }
  T& front() { return (*this)[0]; }
  [[nodiscard]] const_iterator begin() const { return {this, 0}; }
  [[nodiscard]] const_iterator end() const { return {this, size_}; }

  void push_front(T value) {
    if (size_ == buffer_.size() && buffer_.size() < kCapacity) Grow();
    newest_ = size_ == 0 ? 0 : (newest_ + 1) % buffer_.size();
    buffer_[newest_] = std::move(value);
    if (size_ < buffer_.size()) ++size_;
  }

  void clear() {
    buffer_.clear();
    size_ = newest_ = 0;
  }

 private:
  [[nodiscard]] size_t Physical(size_t i) const { return (newest_ + buffer_.size() - i) % buffer_.size(); }

  // Lays the items out oldest first in a buffer twice as large (at most kCapacity): the ring wraps only once full.
  void Grow() {
    const size_t n = std::min(kCapacity, std::max<size_t>(4, buffer_.size() * 2));
    std::vector<T> bigger;
    bigger.reserve(n);
    for (size_t i = size_; i-- > 0;) bigger.push_back(std::move((*this)[i]));
    bigger.resize(n);
    buffer_ = std::move(bigger);
    newest_ = size_ == 0 ? 0 : size_ - 1;
  }

  std::vector<T> buffer_;
  size_t size_ = 0;
  size_t newest_ = 0;  // index in buffer_ of the newest item
};

}  // namespace sequex::server

#include "engine/stop_queue.h"

#include <algorithm>

namespace sequex {

void StopQueue::SetLeaf(size_t leaf, int64_t key) {
  size_t node = capacity_ + leaf;
  tree_[node] = key;
  for (node /= 2; node >= 1; node /= 2) {
    const int64_t smaller = std::min(tree_[2 * node], tree_[2 * node + 1]);
    if (tree_[node] == smaller) break;  // nothing above changes either
    tree_[node] = smaller;
  }
}

void StopQueue::Rebuild(size_t capacity) {
  // Pack the live leaves to the front, in order (kept <= i: never overwrites a leaf still to be read).
  size_t kept = 0;
  for (size_t i = 0; i < used_; ++i) {
    const int64_t key = tree_[capacity_ + i];
    if (key == kEmpty) continue;
    ids_[kept] = ids_[i];
    slots_[kept] = slots_[i];
    tree_[capacity_ + kept] = key;
    ++kept;
  }
  ids_.resize(capacity);
  slots_.resize(capacity);
  tree_.resize(2 * capacity, kEmpty);
  const auto at = [this](size_t index) { return tree_.begin() + static_cast<std::ptrdiff_t>(index); };
  if (capacity != capacity_) {  // the capacity only grows, so the leaves move up: copy from the back
    std::copy_backward(at(capacity_), at(capacity_ + kept), at(capacity + kept));
  }
  std::fill(at(capacity + kept), tree_.end(), kEmpty);
  capacity_ = capacity;
  used_ = kept;
  for (size_t node = capacity; node-- > 1;) tree_[node] = std::min(tree_[2 * node], tree_[2 * node + 1]);
}

void StopQueue::Reserve(size_t stops) {
  if (used_ + stops <= capacity_) return;
  size_t capacity = std::max<size_t>(capacity_, 16);
  while (capacity < live_ + stops) capacity *= 2;
  Rebuild(capacity);
}

void StopQueue::Push(OrderId id, PriceTicks trigger, uint32_t slot) {
  if (used_ == capacity_) {
    // Pack the holes away; grow only if that would leave the tree more than half full.
    size_t capacity = std::max<size_t>(capacity_, 16);
    if (2 * (live_ + 1) > capacity) capacity *= 2;
    Rebuild(capacity);
  }
  ids_[used_] = id.value();
  slots_[used_] = slot;
  SetLeaf(used_, rise_ ? trigger.value() : -trigger.value());
  ++used_;
  ++live_;
}

bool StopQueue::Erase(OrderId id) {
  const auto end = ids_.begin() + static_cast<std::ptrdiff_t>(used_);
  const auto it = std::lower_bound(ids_.begin(), end, id.value());
  if (it == end || *it != id.value()) return false;
  const auto leaf = static_cast<size_t>(it - ids_.begin());
  if (tree_[capacity_ + leaf] == kEmpty) return false;
  SetLeaf(leaf, kEmpty);
  --live_;
  return true;
}

}  // namespace sequex

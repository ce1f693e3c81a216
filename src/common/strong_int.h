// StrongInt: a distinct integer type per unit, so a price can never be passed where a quantity is expected.
//
//   using PriceTicks = StrongInt<struct PriceTicksTag, int64_t>;
//   PriceTicks p{100};  p.value() == 100;  p + PriceTicks{1};   // ok
//   QtyLots q = p;                                               // does not compile
//
// Zero-cost: a trivially copyable wrapper around one integer. Arithmetic is only defined within one unit; mixing
// units (price x quantity -> amount) goes through named functions that check for overflow.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace sequex {

template <typename Tag, typename Rep>
class StrongInt {
 public:
  using rep = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep v) : v_(v) {}
  [[nodiscard]] constexpr Rep value() const { return v_; }

  constexpr auto operator<=>(const StrongInt&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
  constexpr StrongInt operator+(StrongInt o) const { return StrongInt(static_cast<Rep>(v_ + o.v_)); }
  constexpr StrongInt operator-(StrongInt o) const { return StrongInt(static_cast<Rep>(v_ - o.v_)); }
  constexpr StrongInt& operator+=(StrongInt o) {
    v_ = static_cast<Rep>(v_ + o.v_);
    return *this;
  }
  constexpr StrongInt& operator-=(StrongInt o) {
    v_ = static_cast<Rep>(v_ - o.v_);
    return *this;
  }

 private:
  Rep v_{};
};

}  // namespace sequex

template <typename Tag, typename Rep>
struct std::hash<sequex::StrongInt<Tag, Rep>> {
  size_t operator()(sequex::StrongInt<Tag, Rep> s) const noexcept { return std::hash<Rep>{}(s.value()); }
};

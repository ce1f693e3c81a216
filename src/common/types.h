// The units of the venue. Every quantity that crosses a component boundary carries one of these types.
//
//   PriceTicks  a price as a whole number of the instrument's tick size.
//   QtyLots     a quantity as a whole number of the instrument's lot size.
//   Amount      a balance or notional in an asset's smallest unit (10^-decimals of the asset).
//
// No floating point anywhere in engine state: human-readable decimals exist only at the edges (gateways, CLI).
#pragma once

#include <cstdint>
#include <limits>

#include "common/strong_int.h"

namespace sequex {

using PriceTicks = StrongInt<struct PriceTicksTag, int64_t>;
using QtyLots = StrongInt<struct QtyLotsTag, int64_t>;
using Amount = StrongInt<struct AmountTag, int64_t>;

using AccountId = StrongInt<struct AccountIdTag, uint32_t>;
using AssetId = StrongInt<struct AssetIdTag, uint16_t>;
using InstrumentId = StrongInt<struct InstrumentIdTag, uint16_t>;
using OrderId = StrongInt<struct OrderIdTag, uint64_t>;

// Sequence number stamped by the sequencer; gap-free per stream.
using SeqNo = uint64_t;
// Nanoseconds since the Unix epoch, stamped by the sequencer. The only clock the engine ever sees.
using TimeNs = int64_t;

// Upper bounds that keep every intermediate product inside 128-bit arithmetic and every stored value inside
// 63 bits. A command that exceeds them is rejected, never wrapped.
inline constexpr int64_t kMaxAmount = int64_t{1} << 62;
inline constexpr int64_t kMaxPriceTicks = int64_t{1} << 48;
inline constexpr int64_t kMaxQtyLots = int64_t{1} << 48;

}  // namespace sequex

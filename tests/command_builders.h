// Terse builders for definition commands, shared by the differential stream and the fuzz input decoder.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/command.h"

namespace sequex::testing {

// Copies `src` into a fixed char field, NUL-padded, cut at the field's size (a full field has no NUL: the
// engine must reject it).
template <size_t K>
void SetChars(char (&dst)[K], const char* src) {
  std::memset(dst, 0, K);
  std::memcpy(dst, src, std::min(K, std::strlen(src)));
}

inline DefineAsset Asset(uint16_t id, uint8_t decimals, const char* code) {
  DefineAsset a;
  a.asset = AssetId{id};
  a.decimals = decimals;
  SetChars(a.code, code);
  return a;
}

inline DefineInstrument Instr(uint16_t id, uint16_t base, uint16_t quote, int64_t tick, int64_t lot, int64_t min_qty,
                              int64_t min_notional, uint32_t band, int64_t ref, const char* symbol) {
  DefineInstrument d;
  d.instrument = InstrumentId{id};
  d.base = AssetId{base};
  d.quote = AssetId{quote};
  d.tick_size = Amount{tick};
  d.lot_size = Amount{lot};
  d.min_qty = QtyLots{min_qty};
  d.min_notional = Amount{min_notional};
  d.price_band_bps = band;
  d.reference_price = PriceTicks{ref};
  SetChars(d.symbol, symbol);
  return d;
}

}  // namespace sequex::testing

// The default venue of sequexd (docs/server.md, "Default venue") and exact money arithmetic for the tests.
//
// Every amount is a BigInt in units of 10^-8 (all four assets have 8 decimals). Decimal strings from the API
// are converted with units(); nothing is compared as a float.

export const DECIMALS = 8;
export const ONE = 10n ** BigInt(DECIMALS);

export const MAKER_PPM = 250n;
export const TAKER_PPM = 500n;

export const INSTRUMENTS = {
  BTC_USD: { symbol: 'BTC/USD', base: 'BTC', quote: 'USD', priceTick: '0.01', qtyTick: '0.00001', minQty: '0.00001' },
  ETH_USD: { symbol: 'ETH/USD', base: 'ETH', quote: 'USD', priceTick: '0.01', qtyTick: '0.0001', minQty: '0.0001' },
  ETH_BTC: { symbol: 'ETH/BTC', base: 'ETH', quote: 'BTC', priceTick: '0.00001', qtyTick: '0.001', minQty: '0.001' },
  SOL_USD: { symbol: 'SOL/USD', base: 'SOL', quote: 'USD', priceTick: '0.001', qtyTick: '0.01', minQty: '0.01' },
};

// "123.45" → 12345000000n (units of 1e-8). Rejects anything finer than 1e-8 or not a plain decimal.
export function units(value) {
  const text = String(value).trim();
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(value)}`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > DECIMALS) throw new Error(`more than ${DECIMALS} decimals: ${text}`);
  const v = BigInt(m[2]) * ONE + BigInt((frac + '0'.repeat(DECIMALS)).slice(0, DECIMALS));
  return m[1] ? -v : v;
}

// 12345000000n → "123.45"
export function decimal(u) {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const int = a / ONE;
  const frac = (a % ONE).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}

// Notional of qty (base) at price (quote per base), in quote units. Exact for every default instrument.
export function notional(price, qty) {
  const p = units(price);
  const q = units(qty);
  const product = p * q;
  if (product % ONE !== 0n) throw new Error(`notional ${price} x ${qty} is finer than 1e-8`);
  return product / ONE;
}

// docs/engine.md: fee(N, r) = floor(N * r / 10^6).
export function fee(n, ppm) {
  return (n * ppm) / 1_000_000n;
}

// The hold of an open buy limit order: N(price, remaining) + fee(N, max(maker, taker, 0)).
export function buyHold(price, qty) {
  const n = notional(price, qty);
  return n + fee(n, MAKER_PPM > TAKER_PPM ? MAKER_PPM : TAKER_PPM);
}

// Balances from a raw private/user-balance (or user.balance) reply: { ASSET: { total, used } } in units.
export function rawBalances(result) {
  const data = result?.data ?? result;
  const first = Array.isArray(data) ? data[0] : data;
  const out = {};
  for (const b of first?.position_balances ?? []) {
    out[b.instrument_name] = { total: units(b.quantity), used: units(b.reserved_qty) };
  }
  return out;
}

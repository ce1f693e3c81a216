// Assertions shared by the CCXT test files.

import assert from 'node:assert/strict';
import { decimal, rawBalances, units } from './venue.mjs';

export const FUNDED = { USD: '100000', BTC: '10', ETH: '50', SOL: '100' };

// Options for every CCXT client of the suite: 20 % slower than CCXT's own pacing of the venue's rate limits, so
// that network jitter never makes two requests look closer together to the server than the limit allows.
export const CCXT_OPTIONS = { rateLimit: 12 };

// fetchBalance, checked against its own raw reply: CCXT's total/used/free must be the raw strings' values.
// Returns { ASSET: { total, used } } in units of 1e-8 (BigInt).
export async function balances(ex) {
  const b = await ex.fetchBalance();
  assert.equal(b.info.code, 0, `user-balance code: ${JSON.stringify(b.info)}`);
  const raw = rawBalances(b.info.result);
  for (const [asset, { total, used }] of Object.entries(raw)) {
    assert.equal(b[asset].total, Number(decimal(total)), `${asset} total as parsed by CCXT`);
    assert.equal(b[asset].used, Number(decimal(used)), `${asset} used as parsed by CCXT`);
    assert.equal(b[asset].free, Number(decimal(total - used)), `${asset} free as parsed by CCXT`);
  }
  return raw;
}

// Compares a balance map with expected { ASSET: [total, used] } (strings or BigInt units), naming the asset.
export function assertBalances(actual, expected, who = '') {
  for (const [asset, [total, used]] of Object.entries(expected)) {
    const a = actual[asset] ?? { total: 0n, used: 0n };
    const t = typeof total === 'bigint' ? total : units(total);
    const u = typeof used === 'bigint' ? used : units(used);
    assert.equal(decimal(a.total), decimal(t), `${who} ${asset} total`);
    assert.equal(decimal(a.used), decimal(u), `${who} ${asset} used (held)`);
  }
}

// The ids of a list of CCXT orders, sorted (for set comparisons).
export function sameIds(orders) {
  return orders.map((o) => o.id).sort();
}

export function num(u) {
  return Number(decimal(u));
}

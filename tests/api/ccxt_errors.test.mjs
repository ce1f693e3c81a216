// Each failure surfaces in CCXT as the error class the reference promises (§1 "Error codes"), with the code in
// the reply, and a failed request changes nothing.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

const T = { timeout: 30_000 };
import ccxt from 'ccxt';
import { Server, rejectsWith, sleep } from './lib/server.mjs';
import { FUNDED, CCXT_OPTIONS, balances, assertBalances, sameIds } from './lib/helpers.mjs';
import { buyHold } from './lib/venue.mjs';

let server;
let erin; let frank;
let exE; let exF;

before(async () => {
  server = await Server.start();
  erin = await server.createAccount(FUNDED);
  frank = await server.createAccount(FUNDED);
  exE = await server.ccxt(erin, CCXT_OPTIONS);
  exF = await server.ccxt(frank, CCXT_OPTIONS);
  await Promise.all([exE.loadMarkets(), exF.loadMarkets()]);
});
after(async () => { await server?.dispose(); });

// The reply body CCXT put in the error message carries the server's code.
const hasCode = (err, code) => assert.match(err.message, new RegExp(`"code"\\s*:\\s*"?${code}"?\\b`),
  `expected code ${code} in: ${err.message}`);

const untouched = async (ex, who) => {
  assertBalances(await balances(ex), { USD: ['100000', '0'], BTC: ['10', '0'], ETH: ['50', '0'], SOL: ['100', '0'] }, who);
  assert.deepEqual(await ex.fetchOpenOrders(), [], `${who} has no open orders`);
};

// A client whose markets are loaded without keys, then given these credentials (so loadMarkets' own private
// call does not fail first).
async function clientWith(apiKey, secret, options = {}) {
  const ex = await server.ccxt(undefined, { ...CCXT_OPTIONS, ...options });
  await ex.loadMarkets();
  ex.apiKey = apiKey;
  ex.secret = secret;
  return ex;
}

describe('InsufficientFunds (306)', () => {
  it('a buy whose hold exceeds the USD available, and a sell of more BTC than owned', T, async () => {
    let err = await rejectsWith(exE.createOrder('BTC/USD', 'limit', 'buy', 4, 30000), ccxt.InsufficientFunds, 'buy 120k USD');
    hasCode(err, 306);
    err = await rejectsWith(exE.createOrder('BTC/USD', 'limit', 'sell', 10.00001, 30000), ccxt.InsufficientFunds, 'sell 10.00001 BTC');
    hasCode(err, 306);
    // The hold includes the fee: 3.33316 BTC at 30000 is 99994.8 USD notional, + 49.9974 fee > 100000.
    assert.ok(buyHold('30000', '3.33316') > 100000n * 10n ** 8n);
    await rejectsWith(exE.createOrder('BTC/USD', 'limit', 'buy', 3.33316, 30000), ccxt.InsufficientFunds, 'notional fits, fee does not');
    await untouched(exE, 'erin');
  });

  it('an amend that would need more than is available', T, async () => {
    const o = await exE.createOrder('BTC/USD', 'limit', 'buy', 1, 29000);
    try {
      const err = await rejectsWith(exE.editOrder(o.id, 'BTC/USD', 'limit', 'buy', 4, 29000), ccxt.InsufficientFunds, 'amend to 116k USD');
      hasCode(err, 306);
      const d = await exE.fetchOrder(o.id, 'BTC/USD');
      assert.equal(d.amount, 1, 'the order is unchanged');
      assert.equal(d.status, 'open');
      assertBalances(await balances(exE), { USD: ['100000', buyHold('29000', '1')] }, 'erin');
    } finally {
      await exE.cancelAllOrders();
    }
  });
});

describe('OrderNotFound (40401)', () => {
  it('cancel, fetch and amend of an id that does not exist', T, async () => {
    hasCode(await rejectsWith(exE.cancelOrder('987654321987', 'BTC/USD'), ccxt.OrderNotFound, 'cancel unknown'), 40401);
    await rejectsWith(exE.fetchOrder('987654321987', 'BTC/USD'), ccxt.OrderNotFound, 'fetch unknown');
    await rejectsWith(exE.editOrder('987654321987', 'BTC/USD', 'limit', 'buy', 1, 29000), ccxt.OrderNotFound, 'amend unknown');
  });

  it('cancelling twice: the second is OrderNotFound', T, async () => {
    const o = await exE.createOrder('BTC/USD', 'limit', 'buy', 0.01, 29000);
    await exE.cancelOrder(o.id, 'BTC/USD');
    hasCode(await rejectsWith(exE.cancelOrder(o.id, 'BTC/USD'), ccxt.OrderNotFound, 'second cancel'), 40401);
  });

  it("another account's order can be neither cancelled nor amended nor read, and survives", T, async () => {
    const o = await exF.createOrder('BTC/USD', 'limit', 'sell', 0.01, 31000, { client_oid: 'franks' });
    try {
      await rejectsWith(exE.cancelOrder(o.id, 'BTC/USD'), ccxt.OrderNotFound, "cancel frank's order as erin");
      await rejectsWith(exE.editOrder(o.id, 'BTC/USD', 'limit', 'sell', 0.02, 31000), ccxt.OrderNotFound, 'amend as erin');
      await rejectsWith(exE.fetchOrder(o.id, 'BTC/USD'), ccxt.OrderNotFound, 'fetch as erin');
      await rejectsWith(exE.v1PrivatePostPrivateCancelOrder({ client_oid: 'franks' }), ccxt.OrderNotFound,
        'cancel by client_oid as erin');
      const d = await exF.fetchOrder(o.id, 'BTC/USD');
      assert.equal(d.status, 'open');
      assert.equal(d.amount, 0.01);
    } finally {
      await exF.cancelAllOrders();
    }
  });
});

describe('AuthenticationError (40101) and InvalidNonce (40102)', () => {
  it('an unknown API key', T, async () => {
    const ex = await clientWith(crypto.randomBytes(16).toString('hex'), crypto.randomBytes(32).toString('hex'));
    hasCode(await rejectsWith(ex.fetchBalance(), ccxt.AuthenticationError, 'fetchBalance with an unknown key'), 40101);
    await rejectsWith(ex.createOrder('BTC/USD', 'limit', 'buy', 0.01, 29000), ccxt.AuthenticationError, 'createOrder with an unknown key');
  });

  it('a known key with a signature made with the wrong secret; nothing is placed', T, async () => {
    const ex = await clientWith(erin.api_key, crypto.randomBytes(32).toString('hex'));
    hasCode(await rejectsWith(ex.createOrder('BTC/USD', 'limit', 'buy', 0.01, 29000), ccxt.AuthenticationError, 'bad sig'), 40101);
    await rejectsWith(ex.fetchOpenOrders(), ccxt.AuthenticationError, 'bad sig on get-open-orders');
    await untouched(exE, 'erin');
  });

  it('loadMarkets with a bad key fails on its private call (get-currency-networks)', T, async () => {
    const ex = await server.ccxt({ api_key: 'nope', api_secret: 'nope' }, CCXT_OPTIONS);
    await rejectsWith(ex.loadMarkets(), ccxt.AuthenticationError, 'loadMarkets with a bad key');
  });

  it('a nonce 10 minutes in the past or in the future', T, async () => {
    const ex = await clientWith(erin.api_key, erin.api_secret);
    ex.nonce = () => Date.now() - 10 * 60_000;
    hasCode(await rejectsWith(ex.fetchBalance(), ccxt.InvalidNonce, 'old nonce'), 40102);
    await rejectsWith(ex.createOrder('BTC/USD', 'limit', 'buy', 0.01, 29000), ccxt.InvalidNonce, 'old nonce on create-order');
    ex.nonce = () => Date.now() + 10 * 60_000;
    await rejectsWith(ex.fetchBalance(), ccxt.InvalidNonce, 'future nonce');
    ex.nonce = () => Date.now() - 20_000; // within 60 s: fine
    assertBalances(await balances(ex), { USD: ['100000', '0'] }, 'erin with a 20 s old nonce');
    await untouched(exE, 'erin');
  });
});

describe('RateLimitExceeded (42901)', () => {
  it('a burst of 40 create-orders on one key: at least 15 pass, the rest are 42901 and not placed', T, async () => {
    const gina = await server.createAccount(FUNDED);
    const ex = await server.ccxt(gina, { enableRateLimit: false });
    await ex.loadMarkets();
    await sleep(200);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => ex.createOrder('BTC/USD', 'limit', 'buy', 0.00001, 29000 + i)));
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.id);
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    for (const e of failed) {
      assert.equal(e.constructor, ccxt.RateLimitExceeded, `${e.constructor.name}: ${e.message}`);
      hasCode(e, 42901);
    }
    assert.ok(ok.length >= 15, `within the limit nothing is refused: only ${ok.length} of 40 passed`);
    assert.ok(failed.length >= 1, 'some of 40 simultaneous create-orders must be refused (15 / 100 ms)');
    await sleep(150);
    const open = await ex.fetchOpenOrders('BTC/USD');
    assert.deepEqual(sameIds(open), [...ok].sort(), 'exactly the acknowledged orders are open');
    // The limit recovers.
    await sleep(150);
    const again = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.00001, 28000);
    assert.match(again.id, /^\d+$/);
    await sleep(150);
    await ex.cancelAllOrders();
  });

  it('a burst of 150 public requests from one IP: at least 100 pass, the rest are 42901', T, async () => {
    const pub = await server.ccxt(undefined, { enableRateLimit: false });
    await pub.loadMarkets();
    await sleep(1_100);
    const results = await Promise.allSettled(Array.from({ length: 150 }, () => pub.fetchTicker('BTC/USD')));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    for (const e of failed) assert.equal(e.constructor, ccxt.RateLimitExceeded, `${e.constructor.name}: ${e.message}`);
    assert.ok(ok.length >= 100, `only ${ok.length} of 150 passed (100 / s per IP)`);
    assert.ok(failed.length >= 1, 'some of 150 simultaneous public requests must be refused');
    await sleep(1_100);
  });
});

describe('InvalidOrder', () => {
  it('bad quantities: below the tick, not a multiple of the tick, zero, negative (213/315)', T, async () => {
    for (const quantity of ['0.000001', '0.000015', '0', '-0.001']) {
      const err = await rejectsWith(exE.createOrder('BTC/USD', 'limit', 'buy', 0.001, 29000, { quantity }),
        ccxt.InvalidOrder, `quantity ${quantity}`);
      assert.match(err.message, /"code"\s*:\s*"?(213|315|415)\b/, `quantity ${quantity}: ${err.message}`);
    }
    await untouched(exE, 'erin');
  });

  it('a post-only order that would cross (43005) is refused and the book is unchanged', T, async () => {
    const ask = await exF.createOrder('BTC/USD', 'limit', 'sell', 0.001, 30500);
    try {
      const err = await rejectsWith(exE.createOrder('BTC/USD', 'limit', 'buy', 0.001, 30500, { postOnly: true }),
        ccxt.InvalidOrder, 'post-only crossing');
      hasCode(err, 43005);
      await rejectsWith(exE.createOrder('BTC/USD', 'limit', 'buy', 0.001, 30600, { postOnly: true }),
        ccxt.InvalidOrder, 'post-only through the ask');
      const book = await exE.fetchOrderBook('BTC/USD');
      assert.deepEqual(book.asks.map(([p, q]) => [p, q]), [[30500, 0.001]]);
      assert.equal((await exF.fetchOrder(ask.id, 'BTC/USD')).filled, 0);
      await untouched(exE, 'erin');
    } finally {
      await exF.cancelAllOrders();
    }
  });

  it('a fill-or-kill the book cannot fill (43003) trades nothing', T, async () => {
    const ask = await exF.createOrder('BTC/USD', 'limit', 'sell', 0.001, 30500);
    try {
      const err = await rejectsWith(exE.createOrder('BTC/USD', 'limit', 'buy', 0.002, 30500, { timeInForce: 'FOK' }),
        ccxt.InvalidOrder, 'FOK 0.002 against 0.001');
      hasCode(err, 43003);
      assert.equal((await exF.fetchOrder(ask.id, 'BTC/USD')).filled, 0, 'the ask was not touched');
      const book = await exE.fetchOrderBook('BTC/USD');
      assert.deepEqual(book.asks.map(([p, q]) => [p, q]), [[30500, 0.001]]);
      await untouched(exE, 'erin');
    } finally {
      await exF.cancelAllOrders();
    }
  });
});

describe('BadRequest for a missing argument (40004)', () => {
  it('create-order without quantity, cancel-order without any id, get-book without instrument_name', T, async () => {
    let err = await rejectsWith(exE.v1PrivatePostPrivateCreateOrder({
      instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '29000',
    }), ccxt.BadRequest, 'create-order without quantity');
    hasCode(err, 40004);
    err = await rejectsWith(exE.v1PrivatePostPrivateCreateOrder({
      side: 'BUY', type: 'LIMIT', price: '29000', quantity: '0.001',
    }), ccxt.BadRequest, 'create-order without instrument_name');
    hasCode(err, 40004);
    err = await rejectsWith(exE.v1PrivatePostPrivateCancelOrder({}), ccxt.BadRequest, 'cancel-order without order_id');
    hasCode(err, 40004);
    err = await rejectsWith(exE.v1PublicGetPublicGetBook({}), ccxt.BadRequest, 'get-book without instrument_name');
    hasCode(err, 40004);
    await untouched(exE, 'erin');
  });
});

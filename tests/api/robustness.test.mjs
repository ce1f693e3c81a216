// sequexd under hostile or careless clients, with raw HTTP (fetch, net) and the `ws` package instead of CCXT:
// malformed and oversized requests, wrong types, unknown methods, heartbeats, slow readers, 2,000 sockets,
// abrupt disconnects, and kill -9 with recovery of every acknowledged order.

import assert from 'node:assert/strict';
import { execSync, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SEQUEXD, Server, eventually, sleep, tomlSection, watchUntil } from './lib/server.mjs';
import { RawSocket, get, nextId, paramString, post, privateCall, rawExchange, sign, signedBody } from './lib/raw.mjs';
import { FUNDED, CCXT_OPTIONS, balances } from './lib/helpers.mjs';
import { MAKER_PPM, TAKER_PPM, buyHold, decimal, fee, notional, units } from './lib/venue.mjs';

const T = { timeout: 60_000 };

let server;
before(async () => { server = await Server.start(); });
after(async () => { await server?.dispose(); });

const isCode = (reply, what) => {
  assert.ok(reply.json !== undefined, `${what}: reply is not JSON (HTTP ${reply.status}): ${reply.text.slice(0, 300)}`);
  assert.ok(Number.isInteger(reply.json.code), `${what}: no integer "code" in ${reply.text.slice(0, 300)}`);
  return reply.json.code;
};

// Raw private calls are paced (40 ms) to stay within "other private: 3 / 100 ms" per key.
const openOrders = async (account, params = {}) => {
  await sleep(40);
  const r = await privateCall(server, account, 'private/get-open-orders', params);
  assert.equal(isCode(r, 'get-open-orders'), 0, r.text);
  return r.json.result.data;
};

const userBalance = async (account) => {
  await sleep(40);
  const r = await privateCall(server, account, 'private/user-balance', {});
  assert.equal(isCode(r, 'user-balance'), 0, r.text);
  const out = {};
  for (const b of r.json.result.data[0].position_balances) out[b.instrument_name] = { total: b.quantity, used: b.reserved_qty };
  return out;
};

describe('request signing (reference §1 worked examples, no server)', () => {
  it('paramString and sig match the three published examples', () => {
    assert.equal(paramString({ order_id: '53287421324' }), 'order_id53287421324');
    assert.equal(sign('secretKey', 'private/get-order-detail', 11, 'token', { order_id: '53287421324' }, 1587846358253),
      '02ef0a52c9428e5d3dcc5dd24d534ca39ef73f35acd3f6945f139a2364ef67a9');
    const params = {
      instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '20000', quantity: '0.0002', client_oid: 'c-1',
      exec_inst: ['POST_ONLY'], time_in_force: 'GOOD_TILL_CANCEL',
    };
    assert.equal(paramString(params),
      'client_oidc-1exec_instPOST_ONLYinstrument_nameBTC_USDprice20000quantity0.0002sideBUYtime_in_forceGOOD_TILL_CANCELtypeLIMIT');
    assert.equal(sign('secretKey', 'private/create-order', 1, 'token', params, 1610905028000),
      'ce319477188192400d46731b2cb8dfa646c733bcbec064141c3ba41786675fb8');
    assert.equal(sign('secretKey', 'public/auth', 11, 'token', {}, 1589594102779),
      '9dcebf6eeec155f829227ee447dee73120e0aead42fab74d38ed5d8271793dc8');
  });
});

describe('malformed requests', () => {
  let acct;
  before(async () => { acct = await server.createAccount(FUNDED); });

  it('malformed JSON is 40001 and changes nothing', T, async () => {
    for (const body of ['{"id":1,"method":', '{', 'not json at all', '{"id":1,"params":{"a":}}', '\u0000\u0001']) {
      const r = await post(server, 'private/create-order', body);
      assert.equal(isCode(r, `body ${JSON.stringify(body)}`), 40001, `body ${JSON.stringify(body)}: ${r.text}`);
    }
    assert.deepEqual(await openOrders(acct), []);
  });

  it('a body over 64 KiB is HTTP 413 with code 40001; one just under is served', T, async () => {
    const big = signedBody(acct, 'private/create-order', {
      instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '29000', quantity: '0.001', client_oid: 'big',
    });
    big.padding = 'x'.repeat(70 * 1024);
    const r = await post(server, 'private/create-order', big);
    assert.equal(r.status, 413, `HTTP status: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(isCode(r, 'oversized body'), 40001);
    assert.deepEqual(await openOrders(acct), [], 'the oversized order was not placed');

    const small = signedBody(acct, 'private/get-open-orders', {});
    small.padding = 'x'.repeat(60 * 1024); // outside the signed fields
    const ok = await post(server, 'private/get-open-orders', small);
    assert.equal(isCode(ok, '60 KiB body'), 0, ok.text.slice(0, 300));
  });

  // Raw bytes over one TCP connection, for requests no HTTP client library would send. Resolves with the whole
  // answer as bytes once the server has closed the connection (or `closeAfterMs` has passed).
  const rawHttp = async (bytes, closeAfterMs = 2000) => (await rawExchange(server.http, bytes, { ms: closeAfterMs })).data;
  // Status and JSON body of a raw answer. The body must be UTF-8 (a fatal decoder, where Buffer.toString would
  // quietly replace bad bytes) and JSON.
  const parseRaw = (answer, what) => {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(answer);
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    let json;
    try { json = JSON.parse(body); } catch { assert.fail(`${what}: the body is not JSON: ${text.slice(0, 300)}`); }
    assert.ok(Number.isInteger(json.code), `${what}: no integer "code" in ${body}`);
    return { status, json, text };
  };

  it('a request the HTTP parser refuses is HTTP 400 (431 for a header over 16 KiB) with code 40001, then closed', T, async () => {
    const cases = [
      ['a control byte in the target', Buffer.from('GET /exchange/v1/public/\x01x HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'), 400],
      ['a NUL in the query', Buffer.from('GET /exchange/v1/public/get-book?instrument_name=\xff\x00 HTTP/1.1\r\n\r\n', 'latin1'), 400],
      ['an unknown method token', Buffer.from('BREW / HTCPCP/1.0\r\n\r\n'), 400],
      ['a negative Content-Length', Buffer.from('POST /exchange/v1/private/create-order HTTP/1.1\r\nContent-Length: -5\r\n\r\n'), 400],
      ['a header over 16 KiB', Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`), 431],
    ];
    for (const [what, bytes, status] of cases) {
      const r = parseRaw(await rawHttp(bytes), what);
      assert.equal(r.status, status, `${what}: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.code, 40001, what);
      assert.match(r.text, /\r\nConnection: close\r\n/i, `${what}: the connection is not kept`);
    }
  });

  it('bytes that are not UTF-8, echoed in a reply, come back as U+FFFD: the reply is still UTF-8 JSON', T, async () => {
    const bytes = Buffer.concat([Buffer.from('GET /exchange/v1/public/get'), Buffer.from([0xff, 0xc3]), Buffer.from('-book HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]);
    const r = parseRaw(await rawHttp(bytes), 'a method name with 0xFF 0xC3');
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.code, 40002);
    assert.equal(r.json.method, 'public/get\ufffd\ufffd-book');
  });

  it('wrong types in params are refused with a specific code, and place nothing', T, async () => {
    const base = { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '29000', quantity: '0.001' };
    const cases = [
      [{ instrument_name: 42 }, [209, 40004]],
      [{ instrument_name: ['BTC_USD'] }, [209, 40004]],
      [{ side: 5 }, [220, 40004]],
      [{ side: 'SIDEWAYS' }, [220, 40004]],
      [{ type: true }, [218, 40004]],
      [{ quantity: true }, [213, 40004]],
      [{ quantity: 'abc' }, [213, 40004]],
      [{ quantity: null }, [213, 40004]],
      [{ quantity: '1e400' }, [213, 40004]],
      [{ price: 'abc' }, [308, 40004]],
      [{ price: '-5' }, [308, 40004]],
      [{ price: [1] }, [308, 40004]],
      [{ time_in_force: 'FOREVER' }, [221, 40004]],
      [{ client_oid: 'x'.repeat(37) }, [40004]],
    ];
    for (const [patch, allowed] of cases) {
      const r = await privateCall(server, acct, 'private/create-order', { ...base, ...patch });
      const code = isCode(r, JSON.stringify(patch));
      assert.ok(allowed.includes(code), `${JSON.stringify(patch)}: code ${code}, expected one of ${allowed}: ${r.text}`);
      await sleep(10);
    }
    // Ids and nonces of the wrong type.
    for (const overrides of [{ id: 'abc' }, { id: -5 }, { nonce: 'yesterday' }, { params: [] }, { api_key: 7 }]) {
      await sleep(40);
      const body = { ...signedBody(acct, 'private/get-open-orders', {}), ...overrides };
      const r = await post(server, 'private/get-open-orders', body);
      const code = isCode(r, JSON.stringify(overrides));
      assert.notEqual(code, 0, `${JSON.stringify(overrides)} was accepted: ${r.text}`);
    }
    assert.deepEqual(await openOrders(acct), []);
    const b = await userBalance(acct);
    assert.equal(units(b.USD.used), 0n);
  });

  // A list or an object where a parameter takes a string was once read as the parameter being absent: a cancel-all
  // for ["BTC_USD"] cancelled every book's orders, a FILL_OR_KILL in a list rested as GOOD_TILL_CANCEL, and an
  // stp_inst in a list let an account trade with itself.
  it('a list or an object where a string belongs is 40004 and changes nothing, whatever the method', T, async () => {
    const a = await server.createAccount(FUNDED);
    const place = async (params) => {
      await sleep(10);
      return privateCall(server, a, 'private/create-order', { side: 'BUY', type: 'LIMIT', quantity: '0.001', ...params });
    };
    const btc = await place({ instrument_name: 'BTC_USD', price: '20000', client_oid: 'wt-btc' });
    const eth = await place({ instrument_name: 'ETH_USD', price: '1000' });
    assert.equal(isCode(btc, 'btc order'), 0, btc.text);
    assert.equal(isCode(eth, 'eth order'), 0, eth.text);
    const ids = [btc.json.result.order_id, eth.json.result.order_id].sort();
    const calls = [
      ['private/cancel-all-orders', { instrument_name: ['BTC_USD'] }],
      ['private/cancel-all-orders', { instrument_name: 'BTC_USD', type: ['LIMIT'] }],
      ['private/cancel-order', { order_id: [ids[0]], client_oid: 'wt-btc' }],
      ['private/cancel-order', { order_id: { id: ids[0] } }],
      ['private/amend-order', { order_id: ids[0], new_price: ['21000'], new_quantity: '0.002' }],
      ['private/create-order', { instrument_name: 'BTC_USD', side: 'SELL', type: 'LIMIT', price: '20000',
        quantity: '0.001', time_in_force: ['FILL_OR_KILL'] }],
      ['private/create-order', { instrument_name: 'BTC_USD', side: 'SELL', type: 'LIMIT', price: '20000',
        quantity: '0.001', stp_inst: ['M'] }],
      ['private/create-order', { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '19000',
        quantity: '0.001', client_oid: { x: '1' } }],
      ['private/create-order-list', { contingency_type: 'LIST', order_list: [{ instrument_name: 'BTC_USD', side: 'BUY',
        type: 'LIMIT', price: ['19000'], quantity: '0.001' }] }],
    ];
    for (const [method, params] of calls) {
      await sleep(40);
      const r = await privateCall(server, a, method, params);
      assert.equal(isCode(r, `${method} ${JSON.stringify(params)}`), 40004, `${method} ${JSON.stringify(params)}: ${r.text}`);
      assert.match(r.json.message ?? '', /params\./, r.text);
    }
    const open = await openOrders(a);
    assert.deepEqual(open.map((o) => o.order_id).sort(), ids, 'both orders still open, nothing else placed');
    const btcOrder = open.find((o) => o.order_id === ids.find((id) => id === btc.json.result.order_id));
    assert.equal(btcOrder.limit_price, '20000', 'the amend changed nothing');
    await sleep(40);
    await privateCall(server, a, 'private/cancel-all-orders', {});
  });

  // 0 is the engine's "unchanged" for an amend's price and quantity; a client's 0 is a bad value.
  it('an amend to a price or a quantity of 0 is refused (308 / 213) and leaves the order as it was', T, async () => {
    const a = await server.createAccount(FUNDED);
    const placed = await privateCall(server, a, 'private/create-order',
      { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '20000', quantity: '0.001' });
    assert.equal(isCode(placed, 'place'), 0, placed.text);
    const order_id = placed.json.result.order_id;
    for (const [params, want] of [[{ new_price: '0', new_quantity: '0.002' }, 308],
      [{ new_price: '21000', new_quantity: '0' }, 213], [{ new_price: '0.00', new_quantity: '0.001' }, 308]]) {
      await sleep(40);
      const r = await privateCall(server, a, 'private/amend-order', { order_id, ...params });
      assert.equal(isCode(r, JSON.stringify(params)), want, `${JSON.stringify(params)}: ${r.text}`);
    }
    const [order] = await openOrders(a);
    assert.equal(order.limit_price, '20000');
    assert.equal(order.quantity, '0.001');
    await sleep(40);
    await privateCall(server, a, 'private/cancel-all-orders', {});
  });

  // A JSON number went through a double: 20000.000000000000001 traded as 20000, a price the client did not send
  // and its signature did not cover. Now it is read digit for digit, as the same text in a string is.
  it('a price sent as a JSON number with more digits than the tick allows is 308, as the same string is', T, async () => {
    const a = await server.createAccount(FUNDED);
    for (const price of ['20000.000000000000001', '2.0000000000000000001e4']) {
      const params = { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price, quantity: '0.001' };
      // Signed with the number's text (what paramString does for a number), sent as a bare JSON number.
      const text = JSON.stringify(signedBody(a, 'private/create-order', params)).replace(`"${price}"`, price);
      await sleep(40);
      const r = await post(server, 'private/create-order', text);
      assert.equal(isCode(r, price), 308, `price ${price}: ${r.text}`);
    }
    const exact = JSON.stringify(signedBody(a, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY',
      type: 'LIMIT', price: '2.0001e4', quantity: '0.001' })).replace('"2.0001e4"', '2.0001e4');
    await sleep(40);
    const r = await post(server, 'private/create-order', exact);
    assert.equal(isCode(r, 'exact'), 0, r.text);
    const [order] = await openOrders(a);
    assert.equal(order.limit_price, '20001');
    await sleep(40);
    await privateCall(server, a, 'private/cancel-all-orders', {});
  });

  it('an unknown method is 40002 over REST and WebSocket', T, async () => {
    const r1 = await privateCall(server, acct, 'private/no-such-method', {});
    assert.equal(isCode(r1, 'private/no-such-method'), 40002, r1.text);
    const r2 = await get(server, '/exchange/v1/public/no-such-method');
    assert.equal(isCode(r2, 'public/no-such-method'), 40002, r2.text);
    const ws = await RawSocket.open(server.wsMarket);
    try {
      const id = nextId();
      const reply = await ws.request({ id, method: 'public/no-such-method', params: {} });
      assert.equal(reply.code, 40002, JSON.stringify(reply));
      assert.equal(reply.id, id);
    } finally {
      await ws.close();
    }
  });

  it('every reply carries an integer code, whatever the request', T, async () => {
    const replies = [
      ['GET get-book without instrument', await get(server, '/exchange/v1/public/get-book')],
      ['GET get-book unknown instrument', await get(server, '/exchange/v1/public/get-book?instrument_name=NOPE_USD')],
      ['GET get-book depth=abc', await get(server, '/exchange/v1/public/get-book?instrument_name=BTC_USD&depth=abc')],
      ['GET get-book depth=1000', await get(server, '/exchange/v1/public/get-book?instrument_name=BTC_USD&depth=1000')],
      ['GET get-candlestick bad tf', await get(server, '/exchange/v1/public/get-candlestick?instrument_name=BTC_USD&timeframe=7m')],
      ['GET get-trades count=-1', await get(server, '/exchange/v1/public/get-trades?instrument_name=BTC_USD&count=-1')],
      ['GET a private method', await get(server, '/exchange/v1/private/get-open-orders')],
      ['GET /exchange/v1/', await get(server, '/exchange/v1/')],
      ['GET /', await get(server, '/')],
      ['GET /nope', await get(server, '/nope')],
      ['POST empty body', await post(server, 'private/user-balance', '')],
      ['POST []', await post(server, 'private/user-balance', '[]')],
      ['POST null', await post(server, 'private/user-balance', 'null')],
      ['POST "str"', await post(server, 'private/user-balance', '"str"')],
      ['POST {}', await post(server, 'private/user-balance', '{}')],
      ['POST text/plain', await post(server, 'private/user-balance', JSON.stringify(signedBody(acct, 'private/user-balance', {})), { 'Content-Type': 'text/plain' })],
      ['POST id 2^64', await post(server, 'private/user-balance', `{"id":18446744073709551616,"method":"private/user-balance","params":{},"api_key":"${acct.api_key}","sig":"00","nonce":${Date.now()}}`)],
      ['POST method mismatch', await post(server, 'private/user-balance', signedBody(acct, 'private/get-open-orders', {}))],
      ['POST deep nesting', await post(server, 'private/user-balance', '{"params":' + '['.repeat(5000) + ']'.repeat(5000) + '}')],
    ];
    for (const [what, r] of replies) isCode(r, what);
    // Nothing among them may have succeeded where it should not.
    const codes = Object.fromEntries(replies.map(([w, r]) => [w, r.json.code]));
    for (const w of ['GET get-book without instrument', 'GET get-book unknown instrument', 'POST empty body', 'POST []',
      'POST null', 'POST "str"', 'POST {}', 'POST id 2^64', 'POST method mismatch', 'POST deep nesting', 'GET /nope']) {
      assert.notEqual(codes[w], 0, `${w} succeeded: ${JSON.stringify(replies.find(([x]) => x === w)[1].json)}`);
    }
  });

  it('a WebSocket message that is not JSON gets an ERROR reply; one over 64 KiB closes the socket', T, async () => {
    const ws = await RawSocket.open(server.wsMarket);
    ws.send('this is not json');
    const err = await ws.next((m) => m.code !== undefined && m.code !== 0, { what: 'an error reply' });
    assert.equal(err.id, -1, JSON.stringify(err));
    assert.equal(err.method, 'ERROR', JSON.stringify(err));
    // Still usable.
    const ok = await ws.request({ method: 'subscribe', params: { channels: ['ticker.BTC_USD'] }, nonce: Date.now() });
    assert.equal(ok.code, 0, JSON.stringify(ok));
    ws.send(JSON.stringify({ id: nextId(), method: 'subscribe', params: { channels: ['x'.repeat(70 * 1024)] } }));
    const closed = await Promise.race([ws.closedPromise, sleep(5_000).then(() => null)]);
    assert.ok(closed, 'the socket is closed after a message over 64 KiB');
  });
});

describe('rate limits on the wire', () => {
  it('REST: over the limit is HTTP 429 with code 42901; WebSocket: a 42901 reply echoing the id', T, async () => {
    const acct = await server.createAccount(FUNDED);
    await sleep(150);
    const replies = await Promise.all(Array.from({ length: 25 }, (_, i) => privateCall(server, acct, 'private/create-order',
      { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: (10000 + i).toFixed(2), quantity: '0.00001' })));
    const limited = replies.filter((r) => r.json?.code === 42901);
    assert.ok(limited.length >= 1, `25 create-orders at once on one key: ${replies.map((r) => r.json?.code)}`);
    for (const r of limited) assert.equal(r.status, 429, `HTTP status of a 42901 reply: ${r.status}`);
    assert.ok(replies.filter((r) => r.json?.code === 0).length >= 15);

    const ws = await RawSocket.open(server.wsUser);
    try {
      await ws.auth(acct);
      await sleep(150);
      const ids = Array.from({ length: 20 }, () => nextId());
      for (const id of ids) ws.send({ id, method: 'private/get-open-orders', params: {}, nonce: Date.now() });
      const got = await Promise.all(ids.map((id) => ws.next((m) => m.id === id, { what: `reply to ${id}` })));
      const codes = got.map((m) => m.code);
      assert.ok(codes.filter((c) => c === 0).length >= 3, `codes: ${codes}`);
      assert.ok(codes.filter((c) => c === 42901).length >= 1, `20 get-open-orders at once (3 / 100 ms): ${codes}`);
      for (const m of got) assert.equal(m.method, 'private/get-open-orders');
      await sleep(300);
      assert.equal(ws.messages.filter((m) => ids.includes(m.id)).length, 20, 'exactly one reply per request');
    } finally {
      await ws.close();
    }
    await sleep(150);
    await privateCall(server, acct, 'private/cancel-all-orders', {});
  });

  // The reference's limits are per method ("each"): get-trades and get-order-history share a line of the table
  // (1 / s), not a bucket; so do the "other private" methods (3 / 100 ms each).
  it('each method has its own bucket: a request within its own limit is served whatever other methods do', T, async () => {
    const acct = await server.createAccount(FUNDED);
    await sleep(1100);
    const [trades, history] = await Promise.all([privateCall(server, acct, 'private/get-trades', {}),
      privateCall(server, acct, 'private/get-order-history', {})]);
    assert.equal(isCode(trades, 'get-trades'), 0, trades.text);
    assert.equal(isCode(history, 'get-order-history'), 0, history.text);
    const again = await privateCall(server, acct, 'private/get-trades', {});
    assert.equal(isCode(again, 'second get-trades within a second'), 42901, again.text);
    await sleep(150);
    const others = await Promise.all(['private/user-balance', 'private/get-open-orders', 'private/get-currency-networks']
      .flatMap((m) => [m, m, m]).map((m) => privateCall(server, acct, m, {})));
    assert.deepEqual(others.map((r) => isCode(r, 'other private')), Array(9).fill(0));
  });
});

describe('times past 2262', () => {
  // A time in ms is multiplied into ns, and 9,300,000,000,000 ms overflowed an int64 (undefined behaviour): an end
  // far in the future then hid every trade. It is now the latest time there is.
  it('an end_ts or end_time far in the future still returns the trades; a start_ts there returns none', T, async () => {
    const maker = await server.createAccount(FUNDED);
    const taker = await server.createAccount(FUNDED);
    const market = await RawSocket.open(server.wsMarket);
    const candles = await market.request({ method: 'subscribe', params: { channels: ['candlestick.M1.SOL_USD'] } });
    assert.equal(candles.code, 0, JSON.stringify(candles));
    const sell = await privateCall(server, maker, 'private/create-order',
      { instrument_name: 'SOL_USD', side: 'SELL', type: 'LIMIT', price: '151.5', quantity: '1' });
    assert.equal(isCode(sell, 'sell'), 0, sell.text);
    const buy = await privateCall(server, taker, 'private/create-order',
      { instrument_name: 'SOL_USD', side: 'BUY', type: 'LIMIT', price: '151.5', quantity: '1', time_in_force: 'IMMEDIATE_OR_CANCEL' });
    assert.equal(isCode(buy, 'buy'), 0, buy.text);
    for (const end of ['9300000000000', '9999999999999', '9300000000000000', '99999999999999']) {
      const r = await eventually(async () => {
        const got = await get(server, `/exchange/v1/public/get-trades?instrument_name=SOL_USD&end_ts=${end}`);
        return got.json?.result?.data?.length > 0 ? got : undefined;
      }, { what: `public trades until ${end}` });
      assert.ok(r.json.result.data.some((t) => t.p === '151.5'), `end_ts ${end}: ${r.text.slice(0, 300)}`);
    }
    const none = await get(server, '/exchange/v1/public/get-trades?instrument_name=SOL_USD&start_ts=9300000000000');
    assert.deepEqual(none.json.result.data, [], none.text.slice(0, 300));
    await sleep(1100);
    const mine = await privateCall(server, taker, 'private/get-trades', { end_time: 9999999999999 });
    assert.equal(isCode(mine, 'private get-trades'), 0, mine.text);
    assert.equal(mine.json.result.data.length, 1, mine.text.slice(0, 300));

    // An end equal to the time the API reported (in ms) takes in that whole millisecond: the trade is in it.
    const t = (await get(server, '/exchange/v1/public/get-trades?instrument_name=SOL_USD')).json.result.data[0].t;
    const at = await get(server, `/exchange/v1/public/get-trades?instrument_name=SOL_USD&start_ts=${t}&end_ts=${t}`);
    assert.equal(at.json.result.data.length, 1, `start_ts = end_ts = t of the trade: ${at.text.slice(0, 300)}`);
    await sleep(1100);
    const created = mine.json.result.data[0].create_time;
    const mineAt = await privateCall(server, taker, 'private/get-trades', { start_time: created, end_time: created });
    assert.equal(mineAt.json.result.data.length, 1, mineAt.text.slice(0, 300));

    // A candlestick channel named with an alias (M1 for 1m) keeps that name in every push.
    const update = await market.next((m) => m.result?.subscription === 'candlestick.M1.SOL_USD' &&
      m.result.data?.some((c) => c.c === '151.5'), { what: 'a candle update' });
    assert.equal(update.result.interval, 'M1', JSON.stringify(update.result));
    await market.close();
  });
});

describe('cancel-all by type', () => {
  // The reference's `type`: TRIGGER takes the stops still waiting for their trigger, LIMIT every other open order.
  it('type TRIGGER cancels only the waiting stops, LIMIT only the rest, ALL (or none) both', T, async () => {
    const a = await server.createAccount(FUNDED);
    const place = async (params) => {
      await sleep(40);
      const r = await privateCall(server, a, 'private/create-order',
        { instrument_name: 'BTC_USD', side: 'SELL', quantity: '0.001', ...params });
      assert.equal(isCode(r, JSON.stringify(params)), 0, r.text);
      return r.json.result.order_id;
    };
    const cancelAll = async (params) => {
      await sleep(40);
      const r = await privateCall(server, a, 'private/cancel-all-orders', params);
      assert.equal(isCode(r, JSON.stringify(params)), 0, r.text);
    };
    const openIds = async () => (await openOrders(a)).map((o) => o.order_id).sort();
    const limit = await place({ type: 'LIMIT', price: '90000' });
    const stop = await place({ type: 'STOP_LIMIT', price: '999', ref_price: '1000' });
    const ethLimit = await place({ instrument_name: 'ETH_USD', type: 'LIMIT', price: '90000' });
    await cancelAll({ instrument_name: 'BTC_USD', type: 'TRIGGER' });
    await eventually(async () => (await openIds()).length === 2, { what: 'the stop cancelled' });
    assert.deepEqual(await openIds(), [limit, ethLimit].sort());
    const stop2 = await place({ type: 'STOP_LIMIT', price: '999', ref_price: '1000' });
    await cancelAll({ type: 'LIMIT' });
    await eventually(async () => (await openIds()).length === 1, { what: 'the limits cancelled' });
    assert.deepEqual(await openIds(), [stop2]);
    await sleep(40);
    const bad = await privateCall(server, a, 'private/cancel-all-orders', { type: 'MARKET' });
    assert.equal(isCode(bad, 'type MARKET'), 40004, bad.text);
    await place({ type: 'LIMIT', price: '90000' });
    await cancelAll({ type: 'ALL' });
    assert.deepEqual(await openIds(), []);
    assert.notEqual(stop, stop2);
  });
});

describe('an amend that gives the order a new client_oid', () => {
  // The engine renames the order before the amend trades; the published records kept the old name.
  it('and fills it: the reply, the order, its trade and the lookup by client_oid all carry the new one', T, async () => {
    const a = await server.createAccount(FUNDED);
    const b = await server.createAccount(FUNDED);
    const buy = await privateCall(server, a, 'private/create-order', { instrument_name: 'ETH_BTC', side: 'BUY',
      type: 'LIMIT', price: '0.04', quantity: '0.001', client_oid: 'before-amend' });
    assert.equal(isCode(buy, 'buy'), 0, buy.text);
    const sell = await privateCall(server, b, 'private/create-order',
      { instrument_name: 'ETH_BTC', side: 'SELL', type: 'LIMIT', price: '0.045', quantity: '0.001' });
    assert.equal(isCode(sell, 'sell'), 0, sell.text);
    await sleep(40);
    const amend = await privateCall(server, a, 'private/amend-order', { order_id: buy.json.result.order_id,
      new_price: '0.045', new_quantity: '0.001', client_oid: 'after-amend' });
    assert.equal(isCode(amend, 'amend'), 0, amend.text);
    assert.equal(amend.json.result.client_oid, 'after-amend', amend.text);
    await sleep(40);
    const detail = await privateCall(server, a, 'private/get-order-detail', { client_oid: 'after-amend' });
    assert.equal(isCode(detail, 'detail'), 0, detail.text);
    assert.equal(detail.json.result.status, 'FILLED', detail.text);
    assert.equal(detail.json.result.client_oid, 'after-amend');
    await sleep(1100);
    const trades = await privateCall(server, a, 'private/get-trades', { instrument_name: 'ETH_BTC' });
    assert.equal(trades.json.result.data[0].client_oid, 'after-amend', trades.text.slice(0, 400));
  });
});

describe('the user socket and its key', () => {
  it('authenticates once: another key is refused and the socket stays with the first, whose pushes it keeps', T, async () => {
    const a = await server.createAccount(FUNDED);
    const b = await server.createAccount(FUNDED);
    const ws = await RawSocket.open(server.wsUser);
    try {
      await ws.auth(a);
      const id = nextId();
      const nonce = Date.now();
      const again = await ws.request({ id, method: 'public/auth', api_key: b.api_key, nonce,
        sig: sign(b.api_secret, 'public/auth', id, b.api_key, {}, nonce) });
      assert.equal(again.code, 40101, JSON.stringify(again));
      const same = await ws.auth(a);  // the same key again is answered
      assert.equal(same.code, 0);
      const balance = await ws.request({ method: 'private/user-balance', nonce: Date.now(), params: {} });
      assert.equal(balance.code, 0, JSON.stringify(balance).slice(0, 300));
      const usd = balance.result.data[0].position_balances.find((x) => x.instrument_name === 'USD');
      assert.equal(usd.quantity, '100000', 'still the first account');
    } finally {
      await ws.close();
    }
  });

  it('a key that may only trade gets no private pushes, as it gets no private queries', T, async () => {
    const reply = await server.admin('account/create', { permissions: ['trade'] });
    assert.equal(reply.code, 0, JSON.stringify(reply));
    const ws = await RawSocket.open(server.wsUser);
    try {
      await ws.auth(reply.result);
      for (const channel of ['user.balance', 'user.order', 'user.trade.BTC_USD']) {
        const sub = await ws.request({ method: 'subscribe', params: { channels: [channel] }, nonce: Date.now() });
        assert.equal(sub.code, 40101, `${channel}: ${JSON.stringify(sub)}`);
      }
      const book = await ws.request({ method: 'subscribe', params: { channels: ['book.BTC_USD'] }, nonce: Date.now() });
      assert.equal(book.code, 0, 'public channels stay open to it');
    } finally {
      await ws.close();
    }
  });
});

describe('API keys the operator adds and revokes', () => {
  it('key/create adds a working key; key/revoke ends its sessions and refuses it, across a restart', T, async () => {
    const srv = await Server.start();
    const sockets = [];
    try {
      const acct = await srv.createAccount(FUNDED);
      const added = await srv.admin('key/create', { account_id: acct.account_id });
      assert.equal(added.code, 0, JSON.stringify(added));
      const second = added.result;
      assert.equal(second.account_id, acct.account_id);
      assert.notEqual(second.api_key, acct.api_key);
      assert.equal((await privateCall(srv, second, 'private/get-open-orders')).json.code, 0, 'the new key works');

      const subscribed = await RawSocket.open(srv.wsUser);
      const idle = await RawSocket.open(srv.wsUser);
      sockets.push(subscribed, idle);
      await subscribed.auth(second);
      await idle.auth(second);
      const sub = await subscribed.request({ method: 'subscribe', params: { channels: ['user.order'] }, nonce: Date.now() });
      assert.equal(sub.code, 0, JSON.stringify(sub));

      const revoked = await srv.admin('key/revoke', { api_key: second.api_key });
      assert.deepEqual(revoked, { code: 0, result: { account_id: acct.account_id, api_key: second.api_key, revoked: true } });
      const closed = await subscribed.closedPromise;
      assert.equal(closed.code, 1008, `the subscribed socket is closed as a policy violation: ${JSON.stringify(closed)}`);
      assert.match(closed.reason, /revoked/);
      const late = await idle.request({ method: 'private/get-open-orders', nonce: Date.now(), params: {} });
      assert.equal(late.code, 40101, `a socket authenticated before the revoke: ${JSON.stringify(late)}`);
      const lateSub = await idle.request({ method: 'subscribe', params: { channels: ['user.balance'] }, nonce: Date.now() });
      assert.equal(lateSub.code, 40101, JSON.stringify(lateSub));
      assert.equal((await privateCall(srv, second, 'private/get-open-orders')).json.code, 40101, 'REST refuses it');
      assert.equal((await privateCall(srv, acct, 'private/get-open-orders')).json.code, 0, "the account's first key still works");
      assert.equal((await srv.admin('key/revoke', { api_key: second.api_key })).code, 40004, 'revoked once only');
      assert.equal((await srv.admin('key/create', { account_id: 999999 })).code, 210, 'no such account');
      assert.equal((await srv.admin('key/create', { account_id: acct.account_id, permissions: ['fly'] })).code, 40004);

      // The operator tool: a read-only key, which may query but not trade, then revoked.
      const { stdout } = await srv.cli('key', 'create', '--account', String(acct.account_id), '--read-only');
      const reader = JSON.parse(stdout.trim());
      assert.equal((await privateCall(srv, reader, 'private/user-balance')).json.code, 0);
      const order = await privateCall(srv, reader, 'private/create-order',
        { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '1000', quantity: '0.01' });
      assert.equal(order.json.code, 40101, `a read-only key cannot trade: ${JSON.stringify(order)}`);
      await srv.cli('key', 'revoke', reader.api_key);
      assert.equal((await privateCall(srv, reader, 'private/user-balance')).json.code, 40101);
      // account create --read-only (docs/server.md): a new account, funded, whose one key may query but not trade.
      const { stdout: created } = await srv.cli('account', 'create', '--deposit', 'USD=1000', '--read-only', '--json');
      const watcher = JSON.parse(created.trim());
      const watched = await privateCall(srv, watcher, 'private/user-balance');
      assert.equal(watched.json.code, 0, watched.text);
      assert.equal(watched.json.result.data[0].position_balances.find((b) => b.instrument_name === 'USD')?.quantity,
        '1000', watched.text);
      const refused = await privateCall(srv, watcher, 'private/create-order',
        { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '1000', quantity: '0.01' });
      assert.equal(refused.json.code, 40101, `a read-only account's key cannot trade: ${refused.text}`);

      await srv.restart({ kill9: true });
      assert.equal((await privateCall(srv, second, 'private/get-open-orders')).json.code, 40101, 'still revoked after a restart');
      assert.equal((await privateCall(srv, reader, 'private/get-open-orders')).json.code, 40101);
      assert.equal((await privateCall(srv, acct, 'private/get-open-orders')).json.code, 0);
    } finally {
      for (const s of sockets) await s.close();
      await srv.dispose();
    }
  });

  it('instrument status: CANCEL_ONLY takes cancels only, POST_ONLY only post-only orders, TRADING all', T, async () => {
    const acct = await server.createAccount(FUNDED);
    const limit = (price, execInst) => privateCall(server, acct, 'private/create-order', {
      instrument_name: 'SOL_USD', side: 'BUY', type: 'LIMIT', price, quantity: '1', ...(execInst ? { exec_inst: execInst } : {}) });
    const resting = await limit('150');
    assert.equal(resting.json.code, 0, JSON.stringify(resting.json));
    const tradable = async () => (await get(server, '/exchange/v1/public/get-instruments')).json.result.data
      .find((i) => i.symbol === 'SOL_USD').tradable;
    try {
      await server.cli('instrument', 'status', 'SOL_USD', 'CANCEL_ONLY');
      assert.equal(await tradable(), false);
      assert.equal((await limit('150')).json.code, 208, 'no new order while cancel-only');
      const cancel = await privateCall(server, acct, 'private/cancel-order', { order_id: resting.json.result.order_id });
      assert.equal(cancel.json.code, 0, `cancels are taken: ${JSON.stringify(cancel.json)}`);

      const reply = await server.admin('instrument/status', { symbol: 'SOL_USD', status: 'POST_ONLY' });
      assert.deepEqual(reply, { code: 0, result: { symbol: 'SOL_USD', status: 'POST_ONLY' } });
      assert.equal(await tradable(), true);
      assert.equal((await limit('150')).json.code, 208, 'a plain limit order is refused while post-only');
      assert.equal((await limit('150', ['POST_ONLY'])).json.code, 0, 'a post-only order is taken');

      assert.equal((await server.admin('instrument/status', { symbol: 'SOL_USD', status: 'OPEN' })).code, 40004);
      await assert.rejects(server.cli('instrument', 'status', 'SOL_USD', 'OPEN'), 'the tool checks the status too');
    } finally {
      await server.cli('instrument', 'status', 'SOL_USD', 'TRADING');
    }
    assert.equal((await limit('150')).json.code, 0, 'trading again');
    await privateCall(server, acct, 'private/cancel-all-orders', { instrument_name: 'SOL_USD' });
  });
});

describe('the operator endpoint', () => {
  const adminRaw = async (op, body) => {
    const endpoint = (await fs.readFile(path.join(server.dataDir, 'admin.endpoint'), 'utf8')).trim();
    const token = (await fs.readFile(path.join(server.dataDir, 'admin.token'), 'utf8')).trim();
    const res = await fetch(`http://${endpoint}/admin/v1/${op}`, { method: 'POST', body,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } });
    return { status: res.status, json: JSON.parse(await res.text()) };
  };
  const accounts = async () => (await server.admin('status')).result.accounts;

  it('a body that is not JSON creates nothing, even one that starts with null', T, async () => {
    const before = await accounts();
    for (const body of ['nullGARBAGE{{{', 'null {"deposits":[{"asset":"USD","amount":"5"}]}', 'garbage']) {
      const r = await adminRaw('account/create', body);
      assert.notEqual(r.json.code, 0, `${body}: ${JSON.stringify(r.json)}`);
    }
    assert.equal(await accounts(), before);
    assert.equal((await adminRaw('account/create', 'null')).json.code, 0, 'null alone is no params');
  });

  it('an account/create it cannot fund creates no account', T, async () => {
    const before = await accounts();
    const r = await server.admin('account/create',
      { deposits: [{ asset: 'SOL', amount: '30000000000' }, { asset: 'SOL', amount: '30000000000' }] });
    assert.equal(r.code, 321, JSON.stringify(r));
    assert.equal(await accounts(), before);
  });

  it('a deposit only goes to an account account/create made: a stray id opens nothing', T, async () => {
    const before = await accounts();
    const r = await server.admin('deposit', { account_id: 16777215, asset: 'USD', amount: '1' });
    assert.equal(r.code, 210, JSON.stringify(r));
    assert.equal(await accounts(), before);
    const made = await server.admin('account/create', {});
    assert.equal(made.code, 0, `account/create still works: ${JSON.stringify(made)}`);
    const d = await server.admin('deposit', { account_id: made.result.account_id, asset: 'USD', amount: '1' });
    assert.equal(d.code, 0, JSON.stringify(d));
  });

  it('instrument/add of one symbol several times at once: one defines it, the others are told it exists', T, async () => {
    for (let round = 0; round < 3; ++round) {
      const symbol = `DUP${round}_USD`;
      const replies = await Promise.all(['0.01', '5', '0.5', '1', '2', '3'].map((min) => server.admin('instrument/add',
        { symbol, base: 'SOL', quote: 'USD', price_tick: '0.001', qty_tick: '0.01', min_qty: min })));
      assert.deepEqual(replies.map((r) => r.code).sort(), [0, 40004, 40004, 40004, 40004, 40004], JSON.stringify(replies));
      const winner = replies.find((r) => r.code === 0).result;
      const listed = (await get(server, '/exchange/v1/public/get-instruments')).json.result.data.find((i) => i.symbol === symbol);
      assert.ok(listed, `${symbol} listed`);
      assert.equal(winner.symbol, symbol);
    }
    const two = await Promise.all(['NEWA_USD', 'NEWB_USD'].map((symbol) => server.admin('instrument/add',
      { symbol, base: 'SOL', quote: 'USD', price_tick: '0.001', qty_tick: '0.01' })));
    assert.deepEqual(two.map((r) => r.code), [0, 0], `two different symbols at once: ${JSON.stringify(two)}`);
  });

  it('status gives the state hash as the journal tool does: 16 hex digits, equal after a stop', T, async () => {
    const srv = await Server.start();
    try {
      const acct = await srv.createAccount();
      const placed = await privateCall(srv, acct, 'private/create-order',
        { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '1000', quantity: '0.01' });
      assert.equal(placed.json.code, 0, JSON.stringify(placed.json));
      const hash = (await srv.admin('status')).result.state_hash;
      assert.match(hash, /^[0-9a-f]{16}$/, `state_hash ${JSON.stringify(hash)}`);
      await srv.stop();
      const verify = JSON.parse((await srv.cli('journal', 'verify', srv.dataDir)).stdout.trim().split('\n').pop());
      assert.equal(verify.state_hash, hash, JSON.stringify(verify));
    } finally {
      await srv.dispose();
    }
  });

  it("what the server writes into its data folder is its user's alone", T, async () => {
    const mode = async (p) => (await fs.stat(path.join(server.dataDir, p))).mode & 0o777;
    assert.equal(await mode('admin.token'), 0o600);
    const segments = (await fs.readdir(server.dataDir)).filter((f) => f.endsWith('.seg'));
    assert.ok(segments.length > 0);
    for (const s of segments) assert.equal(await mode(s), 0o600, `${s} holds API secrets`);
  });
});

describe("the venue's fees and instrument limits, by the operator", () => {
  const feeUsd = async (srv) => {
    const r = await srv.admin('fees/balances');
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.equal(r.result.account_id, 0);
    return r.result.balances.find((b) => b.asset === 'USD');
  };

  // The fee account took every fee and no operation could take them out: deposit and withdraw refuse account 0
  // (a client's mistyped id must never reach the venue's money), and nothing else named it.
  it('the fees earned are seen and withdrawn, from their own operations only, across a restart', T, async () => {
    const srv = await Server.start();
    try {
      assert.deepEqual(await feeUsd(srv), { account_id: 0, asset: 'USD', available: '0', held: '0' });
      const maker = await srv.createAccount(FUNDED);
      const taker = await srv.createAccount(FUNDED);
      const order = (acct, side) => privateCall(srv, acct, 'private/create-order',
        { instrument_name: 'BTC_USD', side, type: 'LIMIT', price: '30000', quantity: '1' });
      assert.equal((await order(maker, 'SELL')).json.code, 0);
      assert.equal((await order(taker, 'BUY')).json.code, 0);
      // 30,000 USD traded: the taker pays 0.05 % (15), the maker 0.025 % (7.5).
      await eventually(async () => (await feeUsd(srv)).available === '22.5', { what: 'the fees of the trade' });

      const out = await srv.admin('fees/withdraw', { asset: 'USD', amount: '20' });
      assert.deepEqual(out, { code: 0, result: { account_id: 0, asset: 'USD', available: '2.5', held: '0' } });
      assert.equal((await srv.admin('fees/withdraw', { asset: 'USD', amount: '2.51' })).code, 306, 'not more than earned');
      assert.equal((await srv.admin('fees/withdraw', { asset: 'USD', amount: '-1' })).code, 40004);
      assert.equal((await srv.admin('fees/withdraw', { asset: 'USD', amount: '0' })).code, 40004);
      assert.equal((await srv.admin('fees/withdraw', { asset: 'NOPE', amount: '1' })).code, 211);
      for (const op of ['withdraw', 'deposit']) {
        const r = await srv.admin(op, { account_id: 0, asset: 'USD', amount: '1' });
        assert.equal(r.code, 40004, `${op} to account 0: ${JSON.stringify(r)}`);
      }
      const { stdout } = await srv.cli('fees', 'withdraw', 'USD=2.5');
      assert.equal(JSON.parse(stdout.trim()).available, '0');
      const listed = JSON.parse((await srv.cli('fees', 'balances')).stdout.trim());
      assert.ok(listed.balances.every((b) => b.available === '0' && b.held === '0'), JSON.stringify(listed));
      assert.deepEqual(listed.balances.map((b) => b.asset).sort(), ['BTC', 'ETH', 'SOL', 'USD']);

      await srv.restart({ kill9: true });
      assert.equal((await feeUsd(srv)).available, '0', 'the withdrawals are journaled');
    } finally {
      await srv.dispose();
    }
  });

  it('instrument/add takes a band, its reference and a minimum notional; instrument/alter changes them', T, async () => {
    const srv = await Server.start();
    try {
      const acct = await srv.createAccount(FUNDED);
      const added = await srv.admin('instrument/add', { symbol: 'SOL_BTC', base: 'SOL', quote: 'BTC',
        price_tick: '0.000001', qty_tick: '0.01', min_notional: '0.001', price_band_bps: 500, reference_price: '0.002' });
      assert.equal(added.code, 0, JSON.stringify(added));
      const buy = async (price, quantity) => {
        await sleep(40);
        return (await privateCall(srv, acct, 'private/create-order',
          { instrument_name: 'SOL_BTC', side: 'BUY', type: 'LIMIT', price, quantity })).json.code;
      };
      assert.equal(await buy('0.0025', '1'), 312, 'above the band around the reference before any trade');
      assert.equal(await buy('0.0018', '1'), 313, 'below it');
      assert.equal(await buy('0.002', '0.1'), 415, 'below the minimum notional');
      assert.equal(await buy('0.002', '1'), 0);

      assert.equal((await srv.admin('instrument/status', { symbol: 'SOL_BTC', status: 'CANCEL_ONLY' })).code, 0);
      const altered = await srv.admin('instrument/alter', { symbol: 'SOL_BTC', price_band_bps: '0', min_notional: '0' });
      assert.equal(altered.code, 0, JSON.stringify(altered));
      assert.equal(altered.result.tradable, false, 'an alter keeps the status');
      assert.equal(await buy('0.0025', '0.1'), 208, 'still cancel-only');
      assert.equal((await srv.admin('instrument/status', { symbol: 'SOL_BTC', status: 'TRADING' })).code, 0);
      assert.equal(await buy('0.0025', '0.1'), 0, 'no band and no minimum notional any more');

      const refused = [
        [{ symbol: 'SOL_BTC' }, 40004], [{ symbol: 'NOPE_USD', price_band_bps: '1' }, 209],
        [{ symbol: 'SOL_BTC', price_band_bps: '10001' }, 40004], [{ symbol: 'SOL_BTC', price_band_bps: '-1' }, 40004],
        [{ symbol: 'SOL_BTC', reference_price: '0.0000001' }, 40004], [{ symbol: 'SOL_BTC', min_qty: '0.001' }, 40004],
        [{ symbol: 'SOL_BTC', min_notional: 'x' }, 40004],
        [{ symbol: 'SOL_BTC', min_qty: null }, 40004],  // a null limit is none: it journaled an alter of nothing
      ];
      for (const [body, code] of refused) {
        assert.equal((await srv.admin('instrument/alter', body)).code, code, JSON.stringify(body));
      }
      const { stdout } = await srv.cli('instrument', 'alter', 'SOL_BTC', '--min-qty', '0.02', '--price-band-bps', '100');
      assert.equal(JSON.parse(stdout.trim()).min_quantity, '0.02');
      assert.equal(await buy('0.002', '0.01'), 315, 'below the new minimum quantity');

      await srv.restart({ kill9: true });
      const inst = (await get(srv, '/exchange/v1/public/get-instruments')).json.result.data.find((i) => i.symbol === 'SOL_BTC');
      assert.equal(inst.min_quantity, '0.02', 'the alters are journaled');
      assert.equal(await buy('0.0025', '0.1'), 312, 'the band of 1 % around the reference, which nothing traded to replace');
    } finally {
      await srv.dispose();
    }
  });

  // The config governs a listed instrument's limits: the next start alters them back to its own, which nobody told
  // the operator when they made the alter. Its answer now says so, as does the CLI and the server's log.
  it('instrument/alter of a configured instrument warns that the next start alters it back; others do not', T, async () => {
    const srv = await Server.start();
    try {
      const minQty = async () => (await get(srv, '/exchange/v1/public/get-instruments')).json.result.data
        .find((i) => i.symbol === 'BTC_USD').min_quantity;
      const warned = (line) => srv.stderrTail.split('\n').filter((l) => l.includes(line)).length;
      const expected = '[[instrument]] BTC_USD in the config sets its limits: the next start alters them back ' +
        '(min_qty is 0.001 in the state, 0.00001 in the config; price_band_bps is 100 in the state, 0 in the config); ' +
        'put the change in the config to keep it';
      const altered = await srv.admin('instrument/alter', { symbol: 'BTC_USD', min_qty: '0.001', price_band_bps: '100' });
      assert.equal(altered.code, 0, JSON.stringify(altered));
      assert.equal(altered.result.min_quantity, '0.001');
      assert.equal(altered.result.warning, expected);
      await eventually(async () => warned(`sequexd: instrument/alter: ${expected}`) === 1, { what: 'the warning logged' });

      // None where the next start changes nothing: the limits as the config has them (the embedded default's, with
      // --no-demo too), the reference price alone (no config sets it), an instrument added at runtime.
      for (const body of [{ symbol: 'BTC_USD', min_qty: '0.00001', price_band_bps: '0' },
        { symbol: 'BTC_USD', reference_price: '60000' }, { symbol: 'ETH_USD', min_notional: '0' }]) {
        const r = await srv.admin('instrument/alter', body);
        assert.equal(r.code, 0, JSON.stringify(r));
        assert.equal(r.result.warning, undefined, `${JSON.stringify(body)}: ${JSON.stringify(r)}`);
      }
      const added = await srv.admin('instrument/add',
        { symbol: 'SOL_BTC', base: 'SOL', quote: 'BTC', price_tick: '0.000001', qty_tick: '0.01' });
      assert.equal(added.code, 0, JSON.stringify(added));
      const own = await srv.admin('instrument/alter', { symbol: 'SOL_BTC', min_qty: '0.1', price_band_bps: '500' });
      assert.equal(own.code, 0, JSON.stringify(own));
      assert.equal(own.result.warning, undefined, 'not in the config: the operator\'s to keep');
      const quiet = await srv.cli('instrument', 'alter', 'ETH_USD', '--min-notional', '0');
      assert.equal(quiet.stderr, '', 'no warning printed');

      // The CLI prints it to stderr and exits 0 (srv.cli rejects on any other status).
      const { stdout, stderr } = await srv.cli('instrument', 'alter', 'BTC_USD', '--min-qty', '0.002');
      assert.equal(JSON.parse(stdout.trim()).min_quantity, '0.002');
      assert.match(stderr, /^sequex: warning: \[\[instrument\]\] BTC_USD in the config sets its limits: the next start alters them back \(min_qty is 0\.002 in the state, 0\.00001 in the config\); put the change in the config to keep it\n$/);
      await eventually(async () => warned('sequexd: instrument/alter: [[instrument]] BTC_USD') === 2,
        { what: 'one log line per change that warned' });
      assert.equal(warned('SOL_BTC') + warned('ETH_USD'), 0, 'no warning logged for the others');

      // And the next start does what it said.
      await srv.restart();
      assert.equal(await minQty(), '0.00001');
      assert.match(srv.stderrTail, /instrument BTC_USD: min_qty is 0\.002 in the state, 0\.00001 in the config: altered to the config's/);
      const kept = (await get(srv, '/exchange/v1/public/get-instruments')).json.result.data.find((i) => i.symbol === 'SOL_BTC');
      assert.equal(kept.min_quantity, '0.1', 'the instrument added at runtime keeps its alter');
    } finally {
      await srv.dispose();
    }
  });
});

describe("the reference's fine print", () => {
  it('a waiting stop is ACTIVE, which CCXT reads as open', T, async () => {
    const acct = await server.createAccount(FUNDED);
    const raw = await privateCall(server, acct, 'private/create-order', { instrument_name: 'ETH_USD', side: 'SELL',
      type: 'STOP_LIMIT', price: '1000', quantity: '0.01', ref_price: '1001' });
    assert.equal(isCode(raw, 'stop'), 0, raw.text);
    const detail = await privateCall(server, acct, 'private/get-order-detail', { order_id: raw.json.result.order_id });
    assert.equal(detail.json.result.status, 'ACTIVE', detail.text);
    const ex = await server.ccxt(acct, CCXT_OPTIONS);
    const order = await ex.createOrder('ETH/USD', 'limit', 'sell', 0.01, 1000, { triggerPrice: 1001 });
    const open = await ex.fetchOpenOrders('ETH/USD');
    const mine = open.filter((o) => o.id === order.id || o.id === raw.json.result.order_id);
    assert.deepEqual(mine.map((o) => o.status), ['open', 'open'], JSON.stringify(open.map((o) => [o.id, o.status])));
    await privateCall(server, acct, 'private/cancel-all-orders', { instrument_name: 'ETH_USD' });
  });

  it('a BUY stop-market takes notional; by quantity without a price band it is 308 saying why', T, async () => {
    const acct = await server.createAccount(FUNDED);
    const byNotional = await privateCall(server, acct, 'private/create-order', { instrument_name: 'ETH_USD', side: 'BUY',
      type: 'STOP_LOSS', notional: '100', ref_price: '9000' });
    assert.equal(isCode(byNotional, 'by notional'), 0, byNotional.text);
    const detail = await privateCall(server, acct, 'private/get-order-detail', { order_id: byNotional.json.result.order_id });
    assert.equal(detail.json.result.order_value, '100', detail.text);
    const byQty = await privateCall(server, acct, 'private/create-order', { instrument_name: 'ETH_USD', side: 'BUY',
      type: 'TAKE_PROFIT', quantity: '0.01', ref_price: '100' });
    assert.equal(byQty.json.code, 308, byQty.text);
    assert.match(byQty.json.message, /notional/);
    await privateCall(server, acct, 'private/cancel-all-orders', { instrument_name: 'ETH_USD' });
  });

  it('a WebSocket error to a request without id is id -1, method ERROR', T, async () => {
    const ws = await RawSocket.open(server.wsMarket);
    try {
      ws.send({ method: 'subscribe', params: { channels: ['book.NOPE.10'] } });
      const reply = await ws.next((m) => m.id === -1, { what: 'the error' });
      assert.equal(reply.method, 'ERROR', JSON.stringify(reply));
      assert.notEqual(reply.code, 0);
      ws.send({ method: 'foo/bar' });
      const unknown = await ws.next((m) => m.id === -1, { what: 'the second error' });
      assert.deepEqual([unknown.method, unknown.code], ['ERROR', 40002], JSON.stringify(unknown));
    } finally {
      await ws.close();
    }
  });

  it('a quiet venue answers get-book, get-tickers and a book or ticker subscription with the time of the request', T, async () => {
    const acct = await server.createAccount(FUNDED);
    await privateCall(server, acct, 'private/get-open-orders', {});
    await sleep(2500);  // no command in between
    const book = await get(server, '/exchange/v1/public/get-book?instrument_name=BTC_USD&depth=10');
    const tickers = await get(server, '/exchange/v1/public/get-tickers?instrument_name=BTC_USD');
    const now = Date.now();
    assert.ok(now - book.json.result.data[0].t < 1000, `book t ${book.json.result.data[0].t}, now ${now}`);
    for (const t of tickers.json.result.data) assert.ok(now - t.t < 1000, `ticker t ${t.t}, now ${now}`);
    // A subscription's first message is a snapshot too: it took the last command's time, and the ticker's 24 hours
    // ended there, counting trades that get-tickers had already left out.
    const ws = await RawSocket.open(server.wsMarket);
    try {
      for (const channel of ['book.BTC_USD.10', 'ticker.BTC_USD']) {
        assert.equal((await ws.request({ method: 'subscribe', params: { channels: [channel] } })).code, 0);
        const first = await ws.next((m) => m.result?.subscription === channel, { what: `the first message of ${channel}` });
        const at = Date.now();
        assert.ok(at - first.result.data[0].t < 1000, `${channel}: t ${first.result.data[0].t}, now ${at}`);
      }
    } finally {
      await ws.close();
    }
  });
});

describe('connections past max_connections', () => {
  it('are closed on accept, while those open and the operator are served', T, async () => {
    const srv = await Server.start({ config: tomlSection('server', { max_connections: 4 }) });
    const sockets = [];
    try {
      for (let i = 0; i < 4; ++i) sockets.push(await RawSocket.open(srv.wsMarket));
      await assert.rejects(RawSocket.open(srv.wsMarket), 'a fifth connection is closed');
      const status = await srv.admin('status');
      assert.equal(status.code, 0, 'the operator is served');
      assert.ok(status.result.refused_connections >= 1, JSON.stringify(status.result));
      const reply = await sockets[0].request({ method: 'public/get-instruments' });
      assert.notEqual(reply.code, undefined, 'an open connection is still served');
      await sockets.pop().close();
      await eventually(async () => {
        try {
          sockets.push(await RawSocket.open(srv.wsMarket));
          return true;
        } catch {
          return false;
        }
      }, { what: 'a place after one closed' });
    } finally {
      for (const s of sockets) await s.close();
      await srv.dispose();
    }
  });

  // With several I/O threads the 101 of an upgrade reached the client, and its next connection another I/O thread,
  // while the upgraded connection's HTTP session, still unwinding, was counted beside its WebSocket session: one
  // connection counted twice, and the last place refused to a client that was owed it.
  it('with several I/O threads, a WebSocket just upgraded takes one place, not two', T, async () => {
    const CAP = 4;
    const srv = await Server.start({ config: tomlSection('server', { max_connections: CAP, io_threads: 4 }) });
    try {
      for (let round = 0; round < 20; round++) {
        const sockets = [];
        try {
          for (let i = 0; i < CAP; i++) {
            const s = await RawSocket.open(srv.wsMarket).catch(() => null);
            assert.ok(s, `round ${round}: connection ${i + 1} of ${CAP} refused`);
            sockets.push(s);
          }
        } finally {
          for (const s of sockets) await s.close();
        }
        await eventually(async () => (await srv.admin('status')).result.websocket_sessions === 0,
          { what: 'the sockets of the round closed' });
      }
      assert.equal((await srv.admin('status')).result.refused_connections, 0);
    } finally {
      await srv.dispose();
    }
  });

  it('the operator\'s connections take none of the places, and status counts them apart', T, async () => {
    const CAP = 4;
    const srv = await Server.start({ config: tomlSection('server', { max_connections: CAP }) });
    const held = [];
    const sockets = [];
    try {
      // Idle connections to the operator's port, more than the cap, open first.
      const [h, p] = srv.adminAddr.split(':');
      for (let i = 0; i < CAP + 2; i++) {
        held.push(await new Promise((resolve, reject) => {
          const s = net.connect(Number(p), h, () => resolve(s));
          s.on('error', reject);
        }));
      }
      // Answered through a connection accepted after them: they are all open on the server's side.
      assert.equal((await srv.admin('status')).code, 0);
      for (let i = 0; i < CAP; i++) {
        const s = await RawSocket.open(srv.wsMarket).catch(() => null);
        assert.ok(s, `API connection ${i + 1} of ${CAP} while ${CAP + 2} operator connections are open`);
        sockets.push(s);
      }
      await assert.rejects(RawSocket.open(srv.wsMarket), 'one more API connection is closed');
      const st = await srv.admin('status');
      assert.equal(st.code, 0, 'the operator is still served');
      assert.equal(st.result.websocket_sessions, CAP, JSON.stringify(st.result));
      assert.equal(st.result.http_sessions, 0, `API connections only: ${JSON.stringify(st.result)}`);
      assert.ok(st.result.admin_sessions >= CAP + 2, JSON.stringify(st.result));
      assert.equal(st.result.refused_connections, 1, JSON.stringify(st.result));
    } finally {
      for (const s of held) s.destroy();
      for (const s of sockets) await s.close();
      await srv.dispose();
    }
  });
});

describe('connections past max_connections_per_ip', () => {
  // Loopback clients from 127.0.0.1, and one from 127.0.0.2 (Linux routes all of 127/8 to lo) for another address.
  // Short heartbeats so that the server also drops a socket itself within the test; two I/O threads so that places
  // are taken and given back from both.
  const CAP = 3;
  const config = tomlSection('server', { max_connections_per_ip: CAP, io_threads: 2 })
    + tomlSection('websocket', { heartbeat_interval_ms: 300, heartbeat_timeout_ms: 200 });
  let srv;
  before(async () => { srv = await Server.start({ config }); });
  after(async () => { await srv?.dispose(); });

  const status = async () => (await srv.admin('status')).result;
  const tryOpen = (options) => RawSocket.open(srv.wsMarket, options).catch(() => null);
  // A raw HTTP exchange on its own connection; resolves with what came back ('' if closed without a reply).
  // halfClose: the client sends its end of the stream after the bytes.
  const rawHttp = (bytes, { keepOpen = false, halfClose = false } = {}) => new Promise((resolve) => {
    const [h, p] = srv.http.split(':');
    const s = net.connect(Number(p), h, () => (halfClose ? s.end(bytes) : s.write(bytes)));
    let got = '';
    s.on('data', (d) => {
      got += d;
      if (keepOpen && got.includes('\r\n\r\n')) resolve({ got, socket: s });
    });
    s.on('error', () => {});
    s.on('close', () => resolve({ got, socket: null }));
  });
  const GET = 'GET /exchange/v1/public/get-instruments HTTP/1.1\r\nHost: x\r\n';
  // Every place given back: no API session left open (the operator's, this status request's own, count apart), so
  // the address has all CAP again.
  const idle = () => eventually(async () => {
    const st = await status();
    return st.http_sessions === 0 && st.websocket_sessions === 0;
  }, { what: 'no API session left' });

  it('the cap holds for one address, the next is closed and counted, a place comes back when one closes', T, async () => {
    const sockets = [];
    try {
      const before = await status();
      assert.equal(before.refused_per_ip, 0, JSON.stringify(before));
      sockets.push(await RawSocket.open(srv.wsMarket), await RawSocket.open(srv.wsUser));
      const keepAlive = await rawHttp(`${GET}\r\n`, { keepOpen: true });  // HTTP connections count too
      assert.match(keepAlive.got, /^HTTP\/1.1 200/);
      for (const s of sockets) {
        const reply = await s.request({ method: 'public/get-instruments' });
        assert.notEqual(reply.code, undefined, 'each of the three is served');
      }
      assert.equal(await tryOpen(), null, 'a fourth WebSocket from the same address is closed');
      assert.equal((await rawHttp(`${GET}Connection: close\r\n\r\n`)).got, '', 'so is a fourth HTTP connection');
      const refused = await status();
      assert.equal(refused.refused_per_ip, 2, JSON.stringify(refused));
      assert.equal(refused.refused_connections, 0, 'the total cap is counted apart');

      const other = await tryOpen({ wsOptions: { localAddress: '127.0.0.2' } });
      assert.ok(other, 'another address is served');
      sockets.push(other);
      const reply = await other.request({ method: 'subscribe', params: { channels: ['ticker.BTC_USD'] } });
      assert.equal(reply.code, 0, JSON.stringify(reply).slice(0, 200));

      keepAlive.socket.destroy();
      await eventually(async () => {
        const s = await tryOpen();
        if (s) sockets.push(s);
        return s !== null;
      }, { what: 'a place after one closed' });
      assert.equal(await tryOpen(), null, 'and only that one');
    } finally {
      for (const s of sockets) await s.close();
    }
  });

  it('every way a connection ends gives its place back', T, async () => {
    await idle();
    for (let round = 0; round < 5; round++) {
      // A WebSocket closed by the client, one reset by the client, one the server drops for a missed heartbeat.
      await (await RawSocket.open(srv.wsMarket)).close();
      await (await RawSocket.open(srv.wsUser)).terminate();
      const silent = await RawSocket.open(srv.wsMarket, { answerHeartbeats: false });
      await Promise.race([silent.closedPromise, sleep(5_000)]);
      assert.ok(silent.closed, 'the server closes a socket that misses its heartbeat');
      // HTTP: a reply then close, a request the server refuses (400 and close), one cut short by the client, an
      // upgrade to an unknown socket path (404), and a keep-alive connection reset by the client.
      assert.match((await rawHttp(`${GET}Connection: close\r\n\r\n`)).got, /^HTTP\/1.1 200/);
      assert.match((await rawHttp('NOT HTTP AT ALL\r\n\r\n')).got, /^HTTP\/1.1 400/);
      const nope = await rawHttp('GET /exchange/v1/nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n'
        + 'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      { keepOpen: true });
      assert.match(nope.got, /^HTTP\/1.1 404/);
      nope.socket?.destroy();
      const cut = await rawHttp('POST /exchange/v1/private/x HTTP/1.1\r\nContent-Le', { halfClose: true });
      assert.equal(cut.got, '', 'a request cut short gets no reply');
      const open = await rawHttp(`${GET}\r\n`, { keepOpen: true });
      open.socket.destroy();
    }
    await idle();
    const sockets = [];
    try {
      for (let i = 0; i < CAP; i++) {
        const s = await tryOpen();
        assert.ok(s, `connection ${i + 1} of ${CAP} after the cycles`);
        sockets.push(s);
      }
      assert.equal(await tryOpen(), null, 'and no more: no place was given back twice');
    } finally {
      for (const s of sockets) await s.close();
    }
  });

  it('the operator endpoint is not capped', T, async () => {
    await idle();
    const sockets = [];
    const held = [];
    try {
      for (let i = 0; i < CAP; i++) sockets.push(await RawSocket.open(srv.wsMarket));
      // More idle connections to the operator's port than the cap, from the same address; it still answers.
      const [h, p] = srv.adminAddr.split(':');
      for (let i = 0; i < CAP + 2; i++) {
        held.push(await new Promise((resolve, reject) => {
          const s = net.connect(Number(p), h, () => resolve(s));
          s.on('error', reject);
        }));
      }
      const st = await srv.admin('status');
      assert.equal(st.code, 0, JSON.stringify(st));
      assert.equal(st.result.websocket_sessions, CAP, JSON.stringify(st.result));
    } finally {
      for (const s of held) s.destroy();
      for (const s of sockets) await s.close();
    }
  });
});

describe('subscriptions', () => {
  const ALL = [];
  for (const inst of ['BTC_USD', 'ETH_USD', 'SOL_USD', 'ETH_BTC']) {
    ALL.push(`book.${inst}.10`, `book.${inst}.50`, `trade.${inst}`, `ticker.${inst}`);
    for (const tf of ['1m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1D', '7D', '14D', '1M']) {
      ALL.push(`candlestick.${tf}.${inst}`);
    }
  }

  it('at most 200 channels per socket, and unsubscribing gives them back', T, async () => {
    const ws = await RawSocket.open(server.wsMarket, { store: true });
    try {
      const sixty = ALL.slice(0, 60);
      for (let round = 0; round < 5; round++) {
        const sub = await ws.request({ method: 'subscribe', params: { channels: sixty }, nonce: Date.now() });
        assert.equal(sub.code, 0, `round ${round}: subscribe 60 channels after unsubscribing them: ${JSON.stringify(sub)}`);
        await sleep(50);
        const unsub = await ws.request({ method: 'unsubscribe', params: { channels: sixty }, nonce: Date.now() });
        assert.equal(unsub.code, 0, JSON.stringify(unsub));
        await sleep(50);
      }
      const other = await RawSocket.open(server.wsMarket);
      const tooMany = await other.request({ method: 'subscribe', params: { channels: [...ALL, ...ALL, ...ALL].slice(0, 201) }, nonce: Date.now() });
      assert.notEqual(tooMany.code, 0, '201 channels on one socket');
      await other.close();
    } finally {
      await ws.close();
    }
  });

  it('subscribing twice to a channel does not duplicate its pushes', T, async () => {
    const account = await server.createAccount(FUNDED);
    const ws = await RawSocket.open(server.wsMarket);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await ws.request({ method: 'subscribe', params: { channels: ['ticker.ETH_BTC', 'book.ETH_BTC.10'] }, nonce: Date.now() });
        assert.equal(r.code, 0, JSON.stringify(r));
      }
      await sleep(300);
      ws.queue.length = 0;
      const count = ws.messages.length;
      const r = await privateCall(server, account, 'private/create-order', { instrument_name: 'ETH_BTC', side: 'BUY', type: 'LIMIT', price: '0.01234', quantity: '0.001' });
      assert.equal(r.json?.code, 0, r.text);
      await sleep(500);
      const pushes = ws.messages.slice(count).map((m) => m.result?.channel);
      assert.deepEqual(pushes.sort(), ['book.update', 'ticker'], `one order → one delta and one ticker, got ${JSON.stringify(pushes)}`);
      await privateCall(server, account, 'private/cancel-all-orders', {});
    } finally {
      await ws.close();
    }
  });

  it('a subscribe naming an unknown channel gets one reply: an error', T, async () => {
    const ws = await RawSocket.open(server.wsMarket);
    try {
      const id = nextId();
      ws.send({ id, method: 'subscribe', params: { channels: ['no.such.channel'] }, nonce: Date.now() });
      await sleep(500);
      const replies = ws.messages.filter((m) => m.id === id);
      assert.equal(replies.length, 1, `replies to one subscribe: ${JSON.stringify(replies)}`);
      assert.notEqual(replies[0].code, 0, JSON.stringify(replies[0]));
    } finally {
      await ws.close();
    }
  });
});

describe('heartbeats', () => {
  let hb;
  before(async () => {
    hb = await Server.start({ config: tomlSection('websocket', { heartbeat_interval_ms: 500, heartbeat_timeout_ms: 300 }) });
  });
  after(async () => { await hb?.dispose(); });

  it('come every interval, not every interval plus the time allowed to answer', T, async () => {
    const ws = await RawSocket.open(hb.wsMarket);
    try {
      const first = await ws.next((m) => m.method === 'public/heartbeat', { what: 'a heartbeat' });
      const t0 = Date.now();
      await ws.next((m) => m.method === 'public/heartbeat' && m.id !== first.id, { what: 'the next heartbeat' });
      const gap = Date.now() - t0;
      assert.ok(gap < 700, `heartbeats ${gap} ms apart with heartbeat_interval_ms 500 (timeout 300)`);
    } finally {
      await ws.close();
    }
  });

  it('a client that never answers is disconnected; one that answers stays and is served', T, async () => {
    const account = await hb.createAccount(FUNDED);
    const silent = await RawSocket.open(hb.wsMarket, { answerHeartbeats: false });
    const silentUser = await RawSocket.open(hb.wsUser, { answerHeartbeats: false });
    const polite = await RawSocket.open(hb.wsMarket);
    const politeUser = await RawSocket.open(hb.wsUser);
    await politeUser.auth(account);
    const hb0 = (await hb.admin('status')).result.heartbeat_disconnects;
    const opened = Date.now();
    const [c1, c2] = await Promise.all([
      Promise.race([silent.closedPromise, sleep(5_000).then(() => null)]),
      Promise.race([silentUser.closedPromise, sleep(5_000).then(() => null)]),
    ]);
    assert.ok(c1, 'the silent market client is still connected after 5 s (interval 500 ms, timeout 300 ms)');
    assert.ok(c2, 'the silent user client is still connected after 5 s');
    assert.ok(silent.heartbeats >= 1, 'it was sent a heartbeat first');
    const hbMsg = silent.messages.find((m) => m.method === 'public/heartbeat');
    assert.equal(hbMsg.code, 0);
    assert.ok(Number.isInteger(hbMsg.id), `heartbeat id: ${JSON.stringify(hbMsg)}`);
    await sleep(Math.max(0, 2_500 - (Date.now() - opened)));
    assert.equal(polite.closed, null, `the answering client was disconnected: ${JSON.stringify(polite.closed)}`);
    assert.equal(politeUser.closed, null, 'the answering user client was disconnected');
    assert.ok(polite.heartbeats >= 3, `heartbeats seen: ${polite.heartbeats}`);
    assert.equal((await hb.admin('status')).result.heartbeat_disconnects, hb0 + 2, 'two heartbeat disconnects counted');
    const sub = await polite.request({ method: 'subscribe', params: { channels: ['ticker.BTC_USD'] }, nonce: Date.now() });
    assert.equal(sub.code, 0);
    const detail = await politeUser.request({ method: 'private/get-open-orders', params: {}, nonce: Date.now() });
    assert.equal(detail.code, 0, JSON.stringify(detail));
    await polite.close(); await politeUser.close();
  });

  it('CCXT answers heartbeats itself: its subscription outlives several heartbeat intervals', T, async () => {
    const seller = await hb.createAccount(FUNDED);
    const buyer = await hb.createAccount(FUNDED);
    const ex = await hb.ccxt(undefined, CCXT_OPTIONS);
    await ex.loadMarkets();
    const hb0 = (await hb.admin('status')).result.heartbeat_disconnects;
    await ex.watchTicker('SOL/USD');
    await sleep(2_500);
    await privateCall(hb, seller, 'private/create-order', { instrument_name: 'SOL_USD', side: 'SELL', type: 'LIMIT', price: '27.500', quantity: '0.01' });
    await privateCall(hb, buyer, 'private/create-order', { instrument_name: 'SOL_USD', side: 'BUY', type: 'LIMIT', price: '27.500', quantity: '0.01' });
    const t = await watchUntil(() => ex.watchTicker('SOL/USD'), (x) => x.last === 27.5,
      { what: 'the ticker after the trade', cached: () => ex.tickers['SOL/USD'] });
    assert.equal(t.last, 27.5);
    assert.equal((await hb.admin('status')).result.heartbeat_disconnects, hb0, 'CCXT was not disconnected');
  });
});

describe('an account at the open-order limit', () => {
  // 10,000 open orders per account is a venue rule of the engine (EngineConfig::max_open_orders_per_account).
  // Listed whole, they are about 7 MB of JSON: more than the default 4 MiB outbound limit of a WebSocket session,
  // which lets one such reply wait beyond it. Rate limits raised so that placing them takes a second, not minutes.
  const LIMIT = 10_000;
  let venue;
  before(async () => {
    venue = await Server.start({ config: tomlSection('rate_limits', {
      order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000, ws_user_per_second: 1_000_000 }) });
  });
  after(async () => { await venue?.dispose(); });

  it('places 10,000 orders, rejects the next with 318, and lists all of them over WebSocket and REST', { timeout: 120_000 }, async () => {
    const acct = await venue.createAccount({ USD: '1000000' });
    const status = async () => (await venue.admin('status')).result;
    const d0 = (await status()).slow_disconnects;
    const ws = await RawSocket.open(venue.wsUser);
    await ws.auth(acct);
    const oid = (i) => `limit-${String(i).padStart(5, '0')}-`.padEnd(36, 'x');  // the longest client_oid
    const order = (i) => ({ method: 'private/create-order', nonce: Date.now(), params: {
      instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: String(1000 + (i % 500)), quantity: '0.0001',
      client_oid: oid(i) } });
    for (let start = 0; start < LIMIT; start += 1000) {
      const replies = await Promise.all(Array.from({ length: 1000 }, (_, k) => ws.request(order(start + k), { timeoutMs: 30_000 })));
      for (const r of replies) assert.equal(r.code, 0, JSON.stringify(r));
    }
    const over = await ws.request(order(LIMIT));
    assert.equal(over.code, 318, `the 10,001st open order: ${JSON.stringify(over)}`);

    // The listing and a request sent right behind it, before the listing has been read: both answered.
    const listId = nextId();
    ws.send({ id: listId, method: 'private/get-open-orders', nonce: Date.now(), params: {} });
    const balance = await ws.request({ method: 'private/user-balance', nonce: Date.now(), params: {} }, { timeoutMs: 30_000 });
    assert.equal(balance.code, 0, JSON.stringify(balance).slice(0, 300));
    const list = await ws.next((m) => m.id === listId, { timeoutMs: 30_000, what: 'the open-order listing' });
    assert.equal(list.code, 0, JSON.stringify(list).slice(0, 300));
    assert.ok(JSON.stringify(list).length > 4 * 1024 * 1024, 'the listing is larger than the default outbound limit');
    const expected = new Set(Array.from({ length: LIMIT }, (_, i) => oid(i)));
    assert.deepEqual(new Set(list.result.data.map((o) => o.client_oid)), expected);

    // The user.order channel's first message lists them too.
    const sub = await ws.request({ method: 'subscribe', params: { channels: ['user.order.BTC_USD'] }, nonce: Date.now() });
    assert.equal(sub.code, 0, JSON.stringify(sub).slice(0, 300));
    const first = await ws.next((m) => m.result?.subscription === 'user.order.BTC_USD', { timeoutMs: 30_000, what: 'the user.order snapshot' });
    assert.equal(first.result.data.length, LIMIT);

    const rest = await privateCall(venue, acct, 'private/get-open-orders', { instrument_name: 'BTC_USD' });
    assert.equal(isCode(rest, 'REST get-open-orders'), 0, rest.text.slice(0, 300));
    assert.equal(rest.json.result.data.length, LIMIT);

    // A cancel frees a place for one more.
    const cancel = await ws.request({ method: 'private/cancel-order', nonce: Date.now(), params: { instrument_name: 'BTC_USD', client_oid: oid(0) } });
    assert.equal(cancel.code, 0, JSON.stringify(cancel));
    const again = await ws.request(order(LIMIT + 1));
    assert.equal(again.code, 0, `an order after a cancel: ${JSON.stringify(again)}`);
    assert.equal(ws.closed, null, `the session was closed: ${JSON.stringify(ws.closed)}`);
    assert.equal((await status()).slow_disconnects, d0, 'no session was dropped as a slow reader');
    await ws.close();
  });

  // History keeps an account's newest 2,000 closed orders and an instrument's newest 1,000 trades; the pushes of a
  // command that closed or traded more than that were read from there, and the first ones were lost.
  it('one command that fills 2,500 makers or cancels 2,100 orders: every trade and every order update is pushed', { timeout: 120_000 }, async () => {
    const maker = await venue.createAccount({ USD: '1000000' });
    const taker = await venue.createAccount({ ETH: '10' });
    const ws = await RawSocket.open(venue.wsUser);
    await ws.auth(maker);
    const market = await RawSocket.open(venue.wsMarket);
    const place = async (count, tag) => {
      for (let start = 0; start < count; start += 500) {
        const replies = await Promise.all(Array.from({ length: Math.min(500, count - start) }, (_, k) => ws.request(
          { method: 'private/create-order', nonce: Date.now(), params: { instrument_name: 'ETH_USD', side: 'BUY',
            type: 'LIMIT', price: String(1000 + ((start + k) % 500)), quantity: '0.001', client_oid: `${tag}-${start + k}` } },
          { timeoutMs: 30_000 })));
        for (const r of replies) assert.equal(r.code, 0, JSON.stringify(r));
      }
    };
    await place(2500, 'swept');
    for (const [socket, channel] of [[ws, 'user.order.ETH_USD'], [market, 'trade.ETH_USD']]) {
      const sub = await socket.request({ method: 'subscribe', params: { channels: [channel] }, nonce: Date.now() });
      assert.equal(sub.code, 0, JSON.stringify(sub).slice(0, 300));
      await socket.next((m) => m.result?.subscription === channel, { timeoutMs: 30_000, what: `${channel} snapshot` });
    }
    const pushed = (socket, channel, pred) => socket.messages.filter((m) => m.result?.subscription === channel)
      .slice(1).flatMap((m) => m.result.data).filter(pred);
    const sell = await privateCall(venue, taker, 'private/create-order',
      { instrument_name: 'ETH_USD', side: 'SELL', type: 'MARKET', quantity: '2.5' });
    assert.equal(isCode(sell, 'the sweep'), 0, sell.text);
    await eventually(async () => pushed(market, 'trade.ETH_USD', () => true).length >= 2500,
      { timeoutMs: 30_000, what: '2,500 trades on trade.ETH_USD' });
    assert.equal(new Set(pushed(market, 'trade.ETH_USD', () => true).map((t) => t.d)).size, 2500);
    await eventually(async () => pushed(ws, 'user.order.ETH_USD', (o) => o.status === 'FILLED').length >= 2500,
      { timeoutMs: 30_000, what: '2,500 FILLED user.order pushes' });

    await place(2100, 'cancelled');
    const cancel = await ws.request({ method: 'private/cancel-all-orders', nonce: Date.now(), params: {} });
    assert.equal(cancel.code, 0, JSON.stringify(cancel));
    await eventually(async () => pushed(ws, 'user.order.ETH_USD', (o) => o.status === 'CANCELED').length >= 2100,
      { timeoutMs: 30_000, what: '2,100 CANCELED user.order pushes' });
    const cancelled = pushed(ws, 'user.order.ETH_USD', (o) => o.status === 'CANCELED').map((o) => o.client_oid);
    assert.deepEqual(new Set(cancelled), new Set(Array.from({ length: 2100 }, (_, i) => `cancelled-${i}`)));
    await ws.close();
    await market.close();
  });
});

describe('slow readers', () => {
  // Its own server with a 512 KiB outbound limit (the default is 4 MiB): the kernel's socket buffers come on top
  // of it, and the smaller limit keeps the time this takes down without changing what is tested.
  const OUTBOUND_LIMIT = 512 * 1024;
  let busy;
  before(async () => { busy = await Server.start({ config: tomlSection('websocket', { max_outbound_bytes: OUTBOUND_LIMIT }) }); });
  after(async () => { await busy?.dispose(); });

  it('a subscriber that stops reading is disconnected; a reading one keeps being served', { timeout: 120_000 }, async () => {
    const makers = await Promise.all([1, 2, 3, 4].map(() => busy.createAccount({ USD: '1000000', BTC: '100', ETH: '1000', SOL: '100000' })));
    const takers = await Promise.all([1, 2, 3, 4].map(() => busy.createAccount({ USD: '1000000', BTC: '100', ETH: '1000', SOL: '100000' })));
    const channels = [];
    for (const inst of ['BTC_USD', 'ETH_USD', 'SOL_USD', 'ETH_BTC']) {
      channels.push(`book.${inst}.10`, `book.${inst}.50`, `trade.${inst}`, `ticker.${inst}`);
      for (const tf of ['1m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1D', '7D', '14D', '1M']) {
        channels.push(`candlestick.${tf}.${inst}`);
      }
    }
    // The admin status counts the sessions dropped for unsent output (slow_disconnects).
    const status = async () => (await busy.admin('status')).result;
    const d0 = (await status()).slow_disconnects;
    assert.ok(Number.isInteger(d0), `admin status has slow_disconnects: ${JSON.stringify(await status())}`);
    const fast = await RawSocket.open(busy.wsMarket, { store: false });
    const slow = await RawSocket.open(busy.wsMarket, { store: false });
    let fastBytes = 0;
    const fastTradeIds = new Set();
    fast.ws.on('message', (d) => {
      fastBytes += d.length;
      if (d.includes('"channel":"trade"')) {
        for (const t of JSON.parse(d.toString()).result?.data ?? []) fastTradeIds.add(String(t.d));
      }
    });
    for (const s of [fast, slow]) {
      const r = await s.request({ method: 'subscribe', params: { channels }, nonce: Date.now() });
      assert.equal(r.code, 0, JSON.stringify(r).slice(0, 300));
    }
    await sleep(200);
    slow.ws.pause(); // stop reading: the kernel buffers fill, then the server's outbound queue

    // Driver: makers rest one lot, takers lift it, over user sockets, on all four books, as fast as the
    // per-key limits allow (paced at 12 requests per 100 ms per socket).
    const drivers = [];
    for (const a of [...makers, ...takers]) {
      const s = await RawSocket.open(busy.wsUser, { store: false });
      await s.auth(a);
      drivers.push(s);
    }
    const orders = [
      ['BTC_USD', '30000.00', '0.00001'], ['ETH_USD', '2000.00', '0.0001'],
      ['SOL_USD', '25.000', '0.01'], ['ETH_BTC', '0.06000', '0.001'],
    ];
    let stop = false;
    let sent = 0;
    const drive = async (s, side) => {
      let i = 0;
      while (!stop) {
        for (let k = 0; k < 12 && !stop; k++, i++) {
          const [inst, price, quantity] = orders[i % orders.length];
          s.send({ id: nextId(), method: 'private/create-order', nonce: Date.now(),
            params: { instrument_name: inst, side, type: 'LIMIT', price, quantity } });
          sent += 1;
        }
        await sleep(110);
      }
    };
    const sessionsBefore = (await status()).websocket_sessions;
    const running = drivers.map((s, i) => drive(s, i < makers.length ? 'SELL' : 'BUY'));
    const started = Date.now();
    let disconnected = false;
    while (Date.now() - started < 45_000) {
      await sleep(250);
      if ((await status()).slow_disconnects > d0) { disconnected = true; break; }
    }
    stop = true;
    await Promise.all(running);
    const elapsed = Date.now() - started;

    assert.equal(fast.closed, null, `the reading client was disconnected too: ${JSON.stringify(fast.closed)}`);
    // Served: the reading client sees the latest BTC_USD trade that REST reports.
    const restTrades = (await get(busy, '/exchange/v1/public/get-trades?instrument_name=BTC_USD&count=1')).json.result.data;
    await eventually(() => fastTradeIds.has(String(restTrades[0].d)), { what: 'the last trade on the reading socket' });

    const end = await status();
    assert.ok(disconnected, `no slow disconnect after ${elapsed} ms, ${sent} orders, ${fastBytes} bytes to the reading client: ${JSON.stringify(end)}`);
    assert.equal(end.slow_disconnects, d0 + 1, 'exactly one session (the paused one) was dropped');
    assert.equal(end.websocket_sessions, sessionsBefore - 1, 'websocket_sessions dropped by one');
    slow.ws.resume();
    const closed = await Promise.race([slow.closedPromise, sleep(10_000).then(() => null)]);
    assert.ok(closed, 'the paused client, once reading again, finds its socket closed');
    console.log(`# slow reader dropped after ${elapsed} ms, ${sent} orders sent, ${fastBytes} bytes to the reading client`);
    for (const s of drivers) await s.close();
    await fast.close();
  });
});

describe('many connections', () => {
  it('2,000 concurrent WebSocket clients all receive a ticker push; the server still answers', { timeout: 120_000 }, async () => {
    const N = 2000;
    const limit = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
    assert.ok(Number.isNaN(limit) || limit >= N + 200,
      `this test needs ${N + 200} file descriptors for its own sockets; ulimit -n is ${limit}`);
    const account = await server.createAccount(FUNDED);
    const other = await server.createAccount(FUNDED);
    // From 25 loopback addresses (Linux routes all of 127/8 to lo), 80 each: many clients, each under the default
    // max_connections_per_ip (200), as on a venue.
    const ADDRESSES = 25;
    const from = (k) => ({ wsOptions: { localAddress: `127.0.0.${10 + (k % ADDRESSES)}` } });
    const sockets = [];
    try {
      for (let i = 0; i < N; i += 200) {
        const batch = await Promise.all(Array.from({ length: Math.min(200, N - i) }, (_, k) => RawSocket.open(server.wsMarket, from(i + k))));
        sockets.push(...batch);
        await Promise.all(batch.map((s) => s.request({ method: 'subscribe', params: { channels: ['ticker.SOL_USD'] }, nonce: Date.now() }, { timeoutMs: 15_000 })
          .then((r) => assert.equal(r.code, 0, JSON.stringify(r)))));
      }
      assert.equal(sockets.length, N);
      const st = (await server.admin('status')).result;
      assert.ok(st.websocket_sessions >= N, `websocket_sessions ${st.websocket_sessions} while ${N} are open`);
      // A trade at a price no one has traded at moves every ticker.
      const price = '26.789';
      let r = await privateCall(server, account, 'private/create-order', { instrument_name: 'SOL_USD', side: 'SELL', type: 'LIMIT', price, quantity: '0.01' });
      assert.equal(r.json?.code, 0, r.text);
      r = await privateCall(server, other, 'private/create-order', { instrument_name: 'SOL_USD', side: 'BUY', type: 'LIMIT', price, quantity: '0.01' });
      assert.equal(r.json?.code, 0, r.text);
      const got = await Promise.allSettled(sockets.map((s) => s.next(
        (m) => m.result?.channel === 'ticker' && m.result.data?.some((t) => t.a != null && units(t.a) === units(price)),
        { timeoutMs: 20_000, what: 'the ticker after the trade' })));
      const missing = got.filter((g) => g.status === 'rejected');
      assert.equal(missing.length, 0, `${missing.length} of ${N} sockets missed the push; first: ${missing[0]?.reason?.message}`);
      assert.equal(sockets.filter((s) => s.closed).length, 0, 'no socket was closed');
      const inst = await get(server, '/exchange/v1/public/get-instruments');
      assert.equal(inst.json.code, 0);
    } finally {
      await Promise.all(sockets.map((s) => s.terminate()));
    }
    const after = await get(server, '/exchange/v1/public/get-tickers?instrument_name=SOL_USD');
    assert.equal(after.json.code, 0);
    assert.equal(units(after.json.result.data[0].a), units('26.789'));
  });
});

describe('several I/O threads', () => {
  // With io_threads above 1 every session runs on a strand of its own, and the acknowledgements and pushes reach
  // it from the publisher through Delivery on whichever I/O thread drains it (docs/server.md). One socket's
  // replies and pushes must still come once each, in the order of its requests.
  let venue;
  before(async () => {
    venue = await Server.start({ config: tomlSection('server', { io_threads: 4 }) + tomlSection('rate_limits', {
      order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000, ws_user_per_second: 1_000_000 }) });
  });
  after(async () => { await venue?.dispose(); });

  it('20 sockets placing 100 orders each at once: every reply and push once, in request order', { timeout: 120_000 }, async () => {
    const SOCKETS = 20;
    const ORDERS = 100;
    const accounts = await Promise.all(Array.from({ length: SOCKETS }, () => venue.createAccount(FUNDED)));
    const sockets = await Promise.all(accounts.map(async (a) => {
      const s = await RawSocket.open(venue.wsUser);
      await s.auth(a);
      const sub = await s.request({ method: 'subscribe', params: { channels: ['user.order.BTC_USD'] }, nonce: Date.now() });
      assert.equal(sub.code, 0, JSON.stringify(sub));
      await s.next((m) => m.result?.subscription === 'user.order.BTC_USD', { what: 'the user.order snapshot' });
      return s;
    }));
    try {
      const sent = sockets.map((s, k) => Array.from({ length: ORDERS }, (_, i) => {
        const id = nextId();
        s.send({ id, method: 'private/create-order', nonce: Date.now(), params: {
          instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: (20000 + i).toFixed(2), quantity: '0.001',
          client_oid: `io-${k}-${i}` } });
        return id;
      }));
      await Promise.all(sockets.map((s, k) => eventually(() => {
        const pushed = s.messages.filter((m) => m.result?.subscription === 'user.order.BTC_USD')
          .flatMap((m) => m.result.data).filter((o) => o.client_oid?.startsWith(`io-${k}-`));
        return s.messages.filter((m) => m.method === 'private/create-order').length >= ORDERS && pushed.length >= ORDERS;
      }, { timeoutMs: 60_000, what: `socket ${k}: ${ORDERS} replies and ${ORDERS} pushes` })));
      await sleep(200);  // anything sent twice would have arrived by now
      for (let k = 0; k < SOCKETS; k++) {
        const replies = sockets[k].messages.filter((m) => m.method === 'private/create-order');
        assert.deepEqual(replies.map((m) => m.id), sent[k], `socket ${k}: one reply per request, in request order`);
        for (const r of replies) assert.equal(r.code, 0, JSON.stringify(r));
        const pushed = sockets[k].messages.filter((m) => m.result?.subscription === 'user.order.BTC_USD')
          .flatMap((m) => m.result.data).filter((o) => o.client_oid?.startsWith(`io-${k}-`));
        assert.deepEqual(pushed.map((o) => o.client_oid), sent[k].map((_, i) => `io-${k}-${i}`),
          `socket ${k}: one push per order, in request order`);
      }
      const open = await Promise.all(accounts.map(async (a) => {
        const r = await privateCall(venue, a, 'private/get-open-orders', { instrument_name: 'BTC_USD' });
        assert.equal(r.json?.code, 0, r.text);
        return r.json.result.data.length;
      }));
      assert.deepEqual(open, accounts.map(() => ORDERS));
    } finally {
      await Promise.all(sockets.map((s) => s.terminate()));
    }
  });
});

describe('abrupt disconnects', () => {
  it('sockets destroyed mid-request lose no acknowledged order and leave holds consistent', T, async () => {
    const acked = await Promise.all([1, 2, 3, 4].map(() => server.createAccount(FUNDED)));
    const chaos = await Promise.all([1, 2, 3, 4].map(() => server.createAccount(FUNDED)));
    const wsChaos = await server.createAccount(FUNDED);
    const [host, port] = server.http.split(':');
    const raw = (bytes, { waitMs = 0 } = {}) => new Promise((resolve) => {
      const s = net.connect(Number(port), host, () => {
        s.write(bytes, () => {
          if (waitMs === 0) s.destroy();
          else setTimeout(() => s.destroy(), waitMs);
          resolve();
        });
      });
      s.on('error', () => resolve());
    });
    const httpPost = (method, body, cut = body.length) => `POST /exchange/v1/${method} HTTP/1.1\r\nHost: ${server.http}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, cut)}`;

    const ackedIds = new Map(acked.map((a) => [a.account_id, []]));
    const chaosOids = new Set();
    const jobs = [];
    // 1. headers only, cut in the middle
    for (let i = 0; i < 20; i++) jobs.push(raw('POST /exchange/v1/private/create-order HTTP/1.1\r\nHost: x\r\nContent-Le'));
    // 2. a body cut short
    for (let i = 0; i < 20; i++) {
      const body = JSON.stringify(signedBody(chaos[i % 4], 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '20000', quantity: '0.001', client_oid: `cut-${i}` }));
      jobs.push(raw(httpPost('private/create-order', body, 40)));
    }
    // 3. a complete signed create-order, the socket destroyed right after the write: outcome unknown
    for (let i = 0; i < 20; i++) {
      const oid = `gone-${i}`;
      chaosOids.add(oid);
      const body = JSON.stringify(signedBody(chaos[i % 4], 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: (20000 + i).toFixed(2), quantity: '0.001', client_oid: oid }));
      jobs.push(raw(httpPost('private/create-order', body), { waitMs: i % 2 }));
    }
    // 4. acknowledged orders, at the same time
    for (const a of acked) {
      jobs.push((async () => {
        for (let i = 0; i < 10; i++) {
          const r = await privateCall(server, a, 'private/create-order', { instrument_name: 'ETH_USD', side: 'BUY', type: 'LIMIT', price: (1500 + i).toFixed(2), quantity: '0.01', client_oid: `ack-${i}` });
          assert.equal(r.json?.code, 0, r.text);
          ackedIds.get(a.account_id).push(String(r.json.result.order_id));
        }
      })());
    }
    // 5. over WebSocket: auth, send create-order, terminate at once
    jobs.push((async () => {
      for (let i = 0; i < 10; i++) {
        const s = await RawSocket.open(server.wsUser);
        await s.auth(wsChaos);
        const oid = `ws-gone-${i}`;
        chaosOids.add(oid);
        s.send({ id: nextId(), method: 'private/create-order', nonce: Date.now(), params: { instrument_name: 'SOL_USD', side: 'BUY', type: 'LIMIT', price: '20.000', quantity: '0.5', client_oid: oid } });
        await s.terminate();
      }
    })());
    await Promise.all(jobs);
    await sleep(500);

    const inst = await get(server, '/exchange/v1/public/get-instruments');
    assert.equal(inst.json?.code, 0, 'the server still answers');
    for (const a of acked) {
      const open = await openOrders(a);
      assert.deepEqual(open.map((o) => String(o.order_id)).sort(), [...ackedIds.get(a.account_id)].sort(),
        `account ${a.account_id}: every acknowledged order is open, nothing else`);
      const b = await userBalance(a);
      const held = open.reduce((s, o) => s + buyHold(o.limit_price, o.quantity), 0n);
      assert.equal(decimal(units(b.USD.used)), decimal(held), 'USD held = sum of the holds of the open orders');
    }
    for (const a of [...chaos, wsChaos]) {
      const open = await openOrders(a);
      for (const o of open) assert.ok(chaosOids.has(o.client_oid), `unexpected open order ${JSON.stringify(o)}`);
      const b = await userBalance(a);
      const held = open.reduce((s, o) => s + buyHold(o.limit_price, o.quantity), 0n);
      assert.equal(decimal(units(b.USD.used)), decimal(held), `account ${a.account_id}: USD held = holds of its open orders`);
    }
  });
});

describe('restarts that must keep the venue whole', () => {
  // The fee tier was set only by a first start (no journal yet): one that stopped after journaling its assets, here
  // on a definition it cannot make, left every later start charging no fee.
  it('a first start that stops part way still sets the fees at the next start', T, async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sequex-api-'));
    const bad = '[[instrument]]\nsymbol = "XX_USD"\nbase = "NOPE"\nquote = "USD"\nprice_tick = "0.01"\nqty_tick = "0.01"\n';
    await assert.rejects(Server.start({ config: bad, dataDir }), /exited before its ready line/);
    const srv = await Server.start({ dataDir });
    try {
      const maker = await srv.createAccount(FUNDED);
      const taker = await srv.createAccount(FUNDED);
      const sell = await privateCall(srv, maker, 'private/create-order',
        { instrument_name: 'BTC_USD', side: 'SELL', type: 'LIMIT', price: '30000', quantity: '0.01' });
      assert.equal(isCode(sell, 'sell'), 0, sell.text);
      const buy = await privateCall(srv, taker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY',
        type: 'LIMIT', price: '30000', quantity: '0.01', time_in_force: 'IMMEDIATE_OR_CANCEL' });
      assert.equal(isCode(buy, 'buy'), 0, buy.text);
      await eventually(async () => {
        const r = await privateCall(srv, taker, 'private/user-balance', {});
        const usd = r.json?.result?.data?.[0]?.position_balances?.find((b) => b.instrument_name === 'USD');
        await sleep(40);
        return usd?.quantity === '99699.85';  // 300 USD and the taker's 0.05 % of it
      }, { what: 'the taker charged 0.15 USD' });
    } finally {
      await srv.dispose();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  // demo-accounts.json written by a `memory` start names accounts no later start holds; an operator's first
  // accounts then took those ids, and the market maker quoted with their funds.
  it('demo accounts written by a memory start are made again by a journal start, with keys that work', T, async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sequex-api-'));
    const demo = '[demo]\nmarket_maker = false\naccounts = 1\n';
    const file = path.join(dataDir, 'demo-accounts.json');
    try {
      const memory = await Server.start({ dataDir, demo: true, config: `[journal]\ndurability = "memory"\n${demo}` });
      const first = JSON.parse(await fs.readFile(file, 'utf8'));
      await memory.stop();
      const srv = await Server.start({ dataDir, demo: true, config: demo });
      try {
        const again = JSON.parse(await fs.readFile(file, 'utf8'));
        assert.notEqual(again.traders[0].api_key, first.traders[0].api_key, 'the demo accounts were made again');
        const r = await privateCall(srv, again.traders[0], 'private/user-balance', {});
        assert.equal(isCode(r, 'the demo trader'), 0, r.text);
        await srv.restart();  // and a journal start keeps the ones it made
        assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).traders[0].api_key, again.traders[0].api_key);
      } finally {
        await srv.dispose();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the demo market maker', () => {
  // It re-quoted every book twice a second whatever its status: on a halted or cancel-only book every order and
  // cancel-all it sent was refused and journaled (22 a second a book, for as long as the halt lasted), and on a
  // post-only book nothing it sent was accepted, so the book stayed empty.
  it('leaves a halted or cancel-only book alone, quotes post-only on a post-only one, and quotes again on resume', T,
    async () => {
      const srv = await Server.start({ demo: true });
      try {
        const book = async () => (await get(srv, '/exchange/v1/public/get-book?instrument_name=BTC_USD&depth=10')).json
          .result.data[0];
        const quoted = async () => {
          const b = await book();
          return b.bids.length === 5 && b.asks.length === 5;
        };
        await eventually(quoted, { what: 'the maker quoting BTC_USD' });
        const commands = async () => (await srv.cli('journal', 'dump', srv.dataDir)).stdout.trim().split('\n')
          .map((l) => JSON.parse(l)).filter((r) => r.type === 'command');
        for (const status of ['HALTED', 'CANCEL_ONLY']) {
          await srv.cli('instrument', 'status', 'BTC_USD', status);
          await sleep(2_000);
          const all = await commands();
          const at = all.findLastIndex((r) => r.kind === 'SetInstrumentStatus');
          const id = all[at].fields[0];
          const after = all.slice(at + 1);
          const onBook = after.filter((r) => ['PlaceOrder', 'CancelAll'].includes(r.kind) && r.fields[1] === id);
          // A round already on its way when the status changed may still land: 11 commands at most.
          assert.ok(onBook.length <= 11, `${onBook.length} maker commands journaled for a ${status} book in 2 s`);
          assert.ok(after.length > 50, 'the other books are still quoted');
        }
        await srv.cli('instrument', 'status', 'BTC_USD', 'POST_ONLY');
        await eventually(quoted, { what: 'post-only quotes on a POST_ONLY book' });
        await srv.cli('instrument', 'status', 'BTC_USD', 'HALTED');
        await srv.cli('instrument', 'status', 'BTC_USD', 'TRADING');
        await eventually(quoted, { what: 'quotes again after the halt' });
      } finally {
        await srv.dispose();
      }
    });
});

describe('a restart on a pruned journal', () => {
  // With no history snapshot yet (a venue younger than snapshot_interval), `snapshot take` and `snapshot prune` leave
  // the server no journal to fold its history from: it starts at the recovered state. Its open orders were then
  // missing from every query (get-open-orders empty, detail 40401, cancel-all cancelling nothing) while they traded.
  it('keeps the open orders listed, found, amended, cancelled and pushed; history starts there', T, async () => {
    const srv = await Server.start({ config: tomlSection('journal', { segment_bytes: 4096 }) +
      tomlSection('rate_limits', { order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000 }) });
    try {
      const maker = await srv.createAccount(FUNDED);
      const taker = await srv.createAccount(FUNDED);
      const ids = [];
      for (const [price, oid] of [['61000', 'ask-a'], ['61001', 'ask-b'], ['61002', 'ask-c']]) {
        const r = await privateCall(srv, maker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'SELL',
          type: 'LIMIT', price, quantity: '0.01', client_oid: oid });
        assert.equal(isCode(r, 'ask'), 0, r.text);
        ids.push(r.json.result.order_id);
      }
      for (let i = 0; i < 60; ++i) {  // commands enough for several 4 KiB segments
        const r = await privateCall(srv, taker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY',
          type: 'LIMIT', price: '50000', quantity: '0.01' });
        await privateCall(srv, taker, 'private/cancel-order', { order_id: r.json.result.order_id });
      }
      await srv.stop();
      await srv.cli('snapshot', 'take', '--data-dir', srv.dataDir);
      const { stdout } = await srv.cli('snapshot', 'prune', '--keep', '1', '--data-dir', srv.dataDir);
      assert.match(stdout, /removed \d+ snapshot\(s\) and [1-9]\d* segment/, stdout);
      await srv.launch();

      const open = await privateCall(srv, maker, 'private/get-open-orders', { instrument_name: 'BTC_USD' });
      assert.deepEqual(open.json.result.data.map((o) => o.order_id).sort(), [...ids].sort(), open.text);
      const detail = await privateCall(srv, maker, 'private/get-order-detail', { client_oid: 'ask-b' });
      assert.equal(isCode(detail, 'detail'), 0, detail.text);
      assert.equal(detail.json.result.order_id, ids[1]);
      const amend = await privateCall(srv, maker, 'private/amend-order',
        { order_id: ids[2], new_price: '61003', new_quantity: '0.01' });
      assert.equal(isCode(amend, 'amend'), 0, amend.text);

      const ws = await RawSocket.open(srv.wsUser);
      try {
        await ws.auth(maker);
        await ws.request({ method: 'subscribe', params: { channels: ['user.order.BTC_USD'] }, nonce: Date.now() });
        const buy = await privateCall(srv, taker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY',
          type: 'LIMIT', price: '61000', quantity: '0.01', time_in_force: 'IMMEDIATE_OR_CANCEL' });
        assert.equal(isCode(buy, 'buy'), 0, buy.text);
        const filled = await ws.next((m) => m.result?.channel === 'user.order' &&
          m.result.data.some((o) => o.order_id === ids[0] && o.status === 'FILLED'), { what: 'the fill pushed' });
        assert.equal(filled.result.data.find((o) => o.order_id === ids[0]).client_oid, 'ask-a');
      } finally {
        await ws.close();
      }
      const cancelAll = await privateCall(srv, maker, 'private/cancel-all-orders', { instrument_name: 'BTC_USD', type: 'LIMIT' });
      assert.equal(isCode(cancelAll, 'cancel-all'), 0, cancelAll.text);
      await eventually(async () => (await privateCall(srv, maker, 'private/get-open-orders', {})).json.result.data.length === 0,
        { what: 'cancel-all cancels the adopted orders' });
      const history = await privateCall(srv, maker, 'private/get-order-history', { instrument_name: 'BTC_USD' });
      assert.deepEqual(history.json.result.data.map((o) => o.status).sort(), ['CANCELED', 'CANCELED', 'FILLED'], history.text);
    } finally {
      await srv.dispose();
    }
  });
});

describe('retention ([journal] keep_snapshots)', () => {
  // Before, nothing was ever deleted while the server ran: every snapshot and segment stayed, and `sequex snapshot
  // prune` needs the folder's lock, so bounding the disk meant stopping the venue.
  it('keeps the newest snapshots and the journal they need while trading; a restart gives the same state and history', T, async () => {
    const srv = await Server.start({
      config: tomlSection('journal', { snapshot_interval: 25, keep_snapshots: 2, segment_bytes: 4096 }) +
        tomlSection('rate_limits', { order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000 }),
    });
    try {
      const files = async (pattern) => (await fs.readdir(srv.dataDir)).filter((n) => pattern.test(n)).sort();
      const snapshots = () => files(/^snapshot-\d{20}\.snap$/);
      const firstSegment = (await files(/^journal-\d{20}\.seg$/))[0];
      const maker = await srv.createAccount(FUNDED);
      const taker = await srv.createAccount(FUNDED);
      const call = async (account, method, params) => {
        const r = await privateCall(srv, account, method, params);
        assert.equal(isCode(r, method), 0, r.text);
        return r.json.result;
      };
      for (const price of ['61000', '61001', '61002']) {
        await call(maker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'SELL', type: 'LIMIT', price,
          quantity: '0.01' });
      }
      await call(taker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT',
        price: '61000', quantity: '0.01', client_oid: 'first-fill' });
      for (let i = 0; i < 80; ++i) {  // 160 commands: six snapshots, and 4 KiB segments enough for several to go
        const { order_id } = await call(taker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY',
          type: 'LIMIT', price: '50000', quantity: '0.01' });
        await call(taker, 'private/cancel-order', { order_id });
      }
      await eventually(() => /retention: removed [1-9]\d* snapshot\(s\) and [1-9]\d* segment\(s\)/.test(srv.logs()),
        { what: 'a prune that removed snapshots and segments' });
      // A new snapshot is written, then the old ones go: never more than one past keep_snapshots.
      assert.ok((await snapshots()).length <= 3, `${await snapshots()}`);
      const state = async () => ({
        open: (await call(maker, 'private/get-open-orders', { instrument_name: 'BTC_USD' })).data.map((o) => o.order_id).sort(),
        history: (await call(taker, 'private/get-order-history', { instrument_name: 'BTC_USD', limit: 100 })).data
          .map((o) => [o.order_id, o.status, o.cumulative_quantity]),
        balances: [(await call(maker, 'private/user-balance', {})).data, (await call(taker, 'private/user-balance', {})).data],
      });
      const before = await state();
      assert.equal(before.open.length, 2);
      assert.equal(before.history.length, 81);
      assert.equal((await srv.stop()).code, 0, srv.logs());
      assert.equal((await snapshots()).length, 2, `${await snapshots()}`);
      assert.ok(!(await files(/\.seg$/)).includes(firstSegment), `${firstSegment} is still there`);
      await srv.launch();
      assert.match(srv.logs(), /history: restored from history-\d+\.snap/);
      assert.deepEqual(await state(), before);
      // The first order, from a pruned segment, is still found by its client_oid.
      const first = await call(taker, 'private/get-order-detail', { client_oid: 'first-fill' });
      assert.equal(first.status, 'FILLED');

      // The newest snapshot damaged: the start skips it and loads the older one. Of the two kept, only that one now
      // loads, so the next snapshot prunes nothing. Before, it counted the damaged one and pruned the older one with
      // the journal before the damaged one, leaving one snapshot that loads and nothing to fall back on.
      assert.equal((await srv.stop()).code, 0);
      const [older, damaged] = await snapshots();
      await fs.writeFile(`${srv.dataDir}/${damaged}`, 'damaged');
      await srv.launch();
      assert.match(latestRecovery(srv), new RegExp(`skipped invalid snapshot: .*snapshot ${damaged}`));
      assert.match(latestRecovery(srv), new RegExp(`recovery: loaded ${older}`));
      // Exactly one snapshot more: commands (a create and a cancel at a time) up to the next multiple of 25, and no
      // further, however slowly the snapshot appears.
      const recovered = Number([...srv.logs().matchAll(/recovered to seq (\d+)/g)].at(-1)[1]);
      for (let seq = recovered; seq < (Math.floor(recovered / 25) + 1) * 25; seq += 2) {
        const { order_id } = await call(taker, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY',
          type: 'LIMIT', price: '50000', quantity: '0.01' });
        await call(taker, 'private/cancel-order', { order_id });
      }
      await eventually(async () => (await snapshots()).length === 3, { what: 'the next snapshot' });
      const after = await state();
      assert.equal((await srv.stop()).code, 0);
      const [, , newest] = await snapshots();
      assert.deepEqual(await snapshots(), [older, damaged, newest]);
      // With the new one gone too, the older one still loads, and its journal gives the same state.
      await fs.rm(`${srv.dataDir}/${newest}`);
      await srv.launch();
      assert.match(latestRecovery(srv), new RegExp(`recovery: loaded ${older}`));
      assert.deepEqual(await state(), after);
    } finally {
      await srv.dispose();
    }
  });
});

// A start the config refuses must stop before its first command: definitions, accounts, deposits and the fee tier
// are journaled for good, so a refused start that had journaled some would still have changed the venue.
describe('start-up checks come before anything is journaled', () => {
  const VENUE = '[[asset]]\ncode = "USD"\n[[asset]]\ncode = "BTC"\n';
  const BTC_USD = '[[instrument]]\nsymbol = "BTC_USD"\nbase = "BTC"\nquote = "USD"\nprice_tick = "0.01"\nqty_tick = "0.00001"\n';
  // Runs sequexd to its exit (or kills it after 10 s, when it started after all): { status, stderr }.
  const refusedStart = async (dataDir, { config, args = [], demo = false }) => {
    const argv = ['--data-dir', dataDir];
    for (const flag of ['--listen', '--admin-listen']) if (!args.includes(flag)) argv.push(flag, '127.0.0.1:0');
    if (!demo) argv.push('--no-demo');
    if (config !== undefined) {
      const configPath = `${dataDir}.toml`;
      await fs.writeFile(configPath, config);
      argv.push('--config', configPath);
    }
    const r = spawnSync(SEQUEXD, [...argv, ...args], { encoding: 'utf8', timeout: 10_000 });
    return { status: r.status, stderr: r.stderr };
  };
  const expectRefused = async (dataDir, options, message) => {
    const r = await refusedStart(dataDir, options);
    assert.equal(r.status, 2, `exit status 2 expected, got ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, message);
  };

  it('a refused start leaves the journal empty: fees, endpoints, demo_mid, a later bad instrument', T, async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sequex-api-'));
    try {
      await expectRefused(dataDir, { config: '[fees]\nmaker_rate = "-0.0001"\n' }, /maker_rate/);
      // Within [0, 1] but past the engine's 0.1: the engine refused the fee tier after the definitions were journaled.
      await expectRefused(dataDir, { config: '[fees]\ntaker_rate = "0.5"\n' }, /fees\.taker_rate must be a decimal in \[0, 0\.1\]/);
      await expectRefused(dataDir, { args: ['--listen', '127.0.0.1:99999'] }, /listen must be IP:PORT/);
      await expectRefused(dataDir, { args: ['--admin-listen', '0.0.0.0:0'] }, /admin_listen must be a loopback/);
      await expectRefused(dataDir, { demo: true, config: `${VENUE}${BTC_USD}demo_mid = "60000.001"\n` },
        /instrument BTC_USD: demo_mid/);
      const later = `${BTC_USD}[[instrument]]\nsymbol = "XX_USD"\nbase = "NOPE"\nquote = "USD"\nprice_tick = "0.01"\nqty_tick = "0.01"\n`;
      await expectRefused(dataDir, { config: VENUE + later }, /instrument XX_USD: /);
      const srv = await Server.start({ dataDir });
      try {
        assert.match(srv.stderrTail, /recovered to seq 0 /, 'no refused start journaled a command');
      } finally {
        await srv.dispose();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
      await fs.rm(`${dataDir}.toml`, { force: true });
    }
  });

  it('a restart whose config changes ticks is refused, naming them; limits are altered; one added at runtime is kept', T, async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sequex-api-'));
    try {
      let srv = await Server.start({ dataDir });
      const added = await srv.admin('instrument/add',
        { symbol: 'BTC_ETH', base: 'BTC', quote: 'ETH', price_tick: '0.0001', qty_tick: '0.0001' });
      assert.equal(added.code, 0, JSON.stringify(added));
      await srv.stop();
      await expectRefused(dataDir, { config: '[[asset]]\ncode = "USD"\ndecimals = 2\n' },
        /asset USD: decimals is 8 in the state, 2 in the config\. .*make the config match the state, or remove the entry/);
      const btc = (ticks) => `[[instrument]]\nsymbol = "BTC_USD"\nbase = "BTC"\nquote = "USD"\n${ticks}\n`;
      await expectRefused(dataDir, { config: btc('price_tick = "0.1"\nqty_tick = "0.00001"') },
        /instrument BTC_USD: price_tick is 0\.01 in the state, 0\.1 in the config/);
      // The limits are no part of the units: the config's alter the instrument, and a later config alters it back.
      srv = await Server.start({ dataDir, config: btc('price_tick = "0.01"\nqty_tick = "0.00001"\nmin_qty = "0.001"') });
      const minQty = async () => (await get(srv, '/exchange/v1/public/get-instruments')).json.result.data
        .find((i) => i.symbol === 'BTC_USD').min_quantity;
      try {
        assert.match(srv.stderrTail,
          /instrument BTC_USD: min_qty is 0\.00001 in the state, 0\.001 in the config: altered to the config's/);
        assert.equal(await minQty(), '0.001');
      } finally {
        await srv.stop();
      }
      srv = await Server.start({ dataDir });
      try {
        assert.equal(await minQty(), '0.00001', "the embedded config's min_qty again");
        assert.match(srv.stderrTail, /instrument BTC_ETH is in the state, not in the config: kept/);
        const inst = await get(srv, '/exchange/v1/public/get-instruments');
        assert.ok(inst.json.result.data.some((i) => i.symbol === 'BTC_ETH'), 'the instrument added at runtime is there');
      } finally {
        await srv.dispose();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
      await fs.rm(`${dataDir}.toml`, { force: true });
    }
  });

  // price_band_bps and min_notional were read from no [[instrument]] and silently dropped: the engine then refused
  // every buy stop-market by quantity (it needs a band) and took orders of any notional.
  it('an [[instrument]] price_band_bps and min_notional reach the engine', T, async () => {
    const srv = await Server.start({ config: `${VENUE}${BTC_USD}price_band_bps = 1000\nmin_notional = "10"\n` });
    try {
      const account = await srv.createAccount({ USD: '100000', BTC: '10' });
      const small = await privateCall(srv, account, 'private/create-order',
        { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '30000', quantity: '0.0001' });
      assert.equal(small.json?.code, 415, `3 USD is below the minimum notional: ${small.text}`);
      await sleep(40);
      const stop = await privateCall(srv, account, 'private/create-order',
        { instrument_name: 'BTC_USD', side: 'BUY', type: 'STOP_LOSS', quantity: '0.01', ref_price: '31000' });
      assert.equal(stop.json?.code, 0, `a buy stop-market by quantity is taken where there is a band: ${stop.text}`);
    } finally {
      await srv.dispose();
    }
  });

  it('a directory as --config is refused, not read as an empty file', T, async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sequex-api-'));
    try {
      await expectRefused(dataDir, { args: ['--config', os.tmpdir()] }, /config: cannot read .*: it is a directory/);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  // 100,000 USD of 17 decimals is 10^22 units, past 64 bits: the deposit wrapped to a negative amount, the engine
  // refused it and the demo could not start.
  it('demo funding of an asset with 17 decimals gives what fits instead of wrapping', T, async () => {
    const config = `[demo]\nmarket_maker = false\naccounts = 1\n[[asset]]\ncode = "USD"\ndecimals = 17\n[[asset]]\ncode = "BTC"\n${BTC_USD}`;
    const srv = await Server.start({ demo: true, config });
    try {
      const trader = JSON.parse(await fs.readFile(path.join(srv.dataDir, 'demo-accounts.json'), 'utf8')).traders[0];
      const r = await privateCall(srv, trader, 'private/user-balance', {});
      assert.equal(r.json?.code, 0, r.text);
      const usd = r.json.result.data[0].position_balances.find((b) => b.instrument_name === 'USD');
      assert.equal(usd.quantity, '2.88230376151711744', '2^58 units, a sixteenth of the engine\'s largest amount');
    } finally {
      await srv.dispose();
    }
  });
});

describe('one process at a time on a data folder', () => {
  // sequexd locks its data folder (DATA/LOCK) from before recovery until it exits; the tool's subcommands that write
  // or remove files there take the same lock. Two servers on one folder each continued the journal from where they
  // recovered, and a restart kept only one's acknowledged commands.
  const inUse = (dir) => new RegExp(`data dir ${dir} is in use by another process \\(pid (\\d+)\\)`);
  const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').pop());
  const balanceCode = async (srv, account) => {
    await sleep(40);
    return isCode(await privateCall(srv, account, 'private/user-balance', {}), 'user-balance');
  };

  it('a second sequexd on the folder is refused, and the first keeps serving with its admin files', T, async () => {
    const srv = await Server.start();
    try {
      const adminFiles = async () => Promise.all(['admin.token', 'admin.endpoint'].map(
        (f) => fs.readFile(path.join(srv.dataDir, f), 'utf8')));
      const before = await adminFiles();
      const first = await srv.createAccount();
      const second = new Server({ dataDir: srv.dataDir });
      try {
        await assert.rejects(second.launch(), /exited before its ready line \(code 2/, 'the second server started');
        const m = await eventually(() => inUse(srv.dataDir).exec(second.stderrTail), { what: 'the refusal' });
        assert.equal(Number(m[1]), srv.pid, 'the message names the running server');
      } finally {
        await second.stop();
      }
      assert.deepEqual(await adminFiles(), before, 'admin.token and admin.endpoint are the first server\'s');
      assert.equal((await srv.admin('status')).code, 0, 'the operator still reaches the first server');
      const later = await srv.createAccount();
      await srv.restart();
      assert.equal(await balanceCode(srv, first), 0, 'an account made before the refusal is there after a restart');
      assert.equal(await balanceCode(srv, later), 0, 'and one made after it');
    } finally {
      await srv.dispose();
    }
  });

  it('the tool refuses to cut, snapshot or prune the folder of a running server; verify still works', T, async () => {
    const srv = await Server.start();
    try {
      const account = await srv.createAccount();
      for (const args of [['journal', 'truncate', srv.dataDir, '--at-seq', '2'],
        ['snapshot', 'take', '--data-dir', srv.dataDir], ['snapshot', 'prune', '--data-dir', srv.dataDir, '--keep', '0']]) {
        await assert.rejects(srv.cli(...args), inUse(srv.dataDir), args.join(' '));
      }
      const verify = lastJson((await srv.cli('journal', 'verify', srv.dataDir)).stdout);
      assert.equal(verify.ok, true, JSON.stringify(verify));
      assert.equal(verify.state_hash, (await srv.admin('status')).result.state_hash, 'verify read what the server holds');
      await srv.cli('snapshot', 'list', '--data-dir', srv.dataDir);
      await srv.cli('journal', 'stats', srv.dataDir);
      // Nothing was cut: the server acknowledges on, and a restart recovers its commands, the account included.
      const later = await srv.createAccount();
      await srv.restart();
      assert.equal(await balanceCode(srv, account), 0, 'the account the refused cut would have removed');
      assert.equal(await balanceCode(srv, later), 0, 'the account made after it');
    } finally {
      await srv.dispose();
    }
  });

  it('after kill -9 a new server starts on the folder; once it stops the tool may write there', T, async () => {
    const srv = await Server.start();
    try {
      const account = await srv.createAccount();
      const killed = srv.pid;
      await srv.restart({ kill9: true });
      assert.notEqual(srv.pid, killed);
      assert.equal((await fs.readFile(path.join(srv.dataDir, 'LOCK'), 'utf8')).trim(), String(srv.pid));
      assert.equal(await balanceCode(srv, account), 0);
      await srv.stop();
      const take = lastJson((await srv.cli('snapshot', 'take', '--data-dir', srv.dataDir)).stdout);
      assert.equal(take.ok, true, JSON.stringify(take));
    } finally {
      await srv.dispose();
    }
  });
});

describe('the operator tool reads integers in decimal', () => {
  // CLI11 read an integer option with strtoull(..., 0): --account 010 credited account 8, 0x10 account 16, " 9"
  // account 9, and -1 was 2^64-1. Now anything but plain decimal digits is refused, naming the option.
  it('--account 010, 0x10, " 9", -1 and +9 are refused with a message, and no account is credited', T, async () => {
    const srv = await Server.start();
    try {
      const made = {};
      for (let i = 0; i < 16; ++i) {
        const r = await srv.admin('account/create', {});
        assert.equal(r.code, 0, JSON.stringify(r));
        made[r.result.account_id] = r.result;
      }
      for (const id of [8, 9, 16]) assert.ok(made[id], `account ${id} made: ${Object.keys(made)}`);
      const usd = async (id) => {
        await sleep(40);
        const r = await privateCall(srv, made[id], 'private/user-balance', {});
        assert.equal(isCode(r, 'user-balance'), 0, r.text);
        return r.json.result.data[0].position_balances.find((b) => b.instrument_name === 'USD')?.quantity ?? '0';
      };
      for (const bad of ['010', '0x10', ' 9', '9 ', '-1', '+9', '08']) {
        const message = `--account: '${bad}' is not a plain decimal number`;
        for (const args of [['deposit', '--account', bad, 'USD=1'], ['withdraw', '--account', bad, 'USD=1'],
          ['key', 'create', '--account', bad]]) {
          const err = await srv.cli(...args).then(() => null, (e) => e);
          assert.ok(err, `${args.join(' ')} was accepted`);
          assert.ok(err.message.includes(message), `${args.join(' ')}: ${err.message}`);
        }
      }
      for (const id of [8, 9, 16]) assert.equal(await usd(id), '0', `account ${id} was credited`);
      await srv.cli('deposit', '--account', '8', 'USD=1');
      assert.equal(Number(await usd(8)), 1, 'a decimal id names its account');
    } finally {
      await srv.dispose();
    }
  });
});

describe('a graceful stop (SIGTERM)', () => {
  const SHUTTING_DOWN = 9010001;
  const lifted = tomlSection('rate_limits', {
    order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000, order_detail_per_100ms: 1_000_000,
  });
  const httpRequest = (srv, method, body) => `POST /exchange/v1/${method} HTTP/1.1\r\nHost: ${srv.http}\r\n`
    + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  // What a new connection to the server's API port meets: 'connected' or the error's code.
  const connectOutcome = (srv) => new Promise((resolve) => {
    const [host, port] = srv.http.split(':');
    const s = net.connect(Number(port), host);
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (e) => resolve(e.code));
  });
  const exitWithin = async (srv, ms) => {
    let timer;
    const exit = await Promise.race([srv.exited, new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); })]);
    clearTimeout(timer);
    assert.ok(exit, `sequexd still running ${ms} ms after the signal\n${srv.logs()}`);
    return exit;
  };

  // One keep-alive HTTP/1.1 connection over `net`, a request at a time. A request is in the kernel when send()
  // returns (a short write to a connected socket goes out at once), so one sent before a signal reached the server
  // before it; its promise takes the response, or rejects if the connection ends without one.
  class RawHttp {
    static open(srv) {
      const [host, port] = srv.http.split(':');
      return new Promise((resolve, reject) => {
        const s = net.connect(Number(port), host, () => resolve(new RawHttp(s)));
        s.once('error', reject);
      });
    }

    constructor(socket) {
      this.socket = socket;
      this.data = '';
      this.pending = null;
      this.closed = new Promise((resolve) => {
        socket.on('close', () => {
          this.pending?.reject(new Error(`connection closed without a response; got ${JSON.stringify(this.data)}`));
          this.pending = null;
          resolve();
        });
      });
      socket.on('error', () => {}); // surfaced through 'close'
      socket.on('data', (chunk) => { this.data += chunk.toString('latin1'); this.parse(); });
    }

    // Writes `text` (a request, or its first part) and returns the promise of the response.
    send(text) {
      assert.equal(this.pending, null, 'one request at a time');
      const response = new Promise((resolve, reject) => { this.pending = { resolve, reject }; });
      this.socket.write(text);
      return response;
    }

    parse() {
      const end = this.data.indexOf('\r\n\r\n');
      if (end < 0 || !this.pending) return;
      const [statusLine, ...lines] = this.data.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length']);
      if (this.data.length < end + 4 + length) return;
      const text = this.data.slice(end + 4, end + 4 + length);
      this.data = this.data.slice(end + 4 + length);
      const { resolve } = this.pending;
      this.pending = null;
      resolve({ status: Number(statusLine.split(' ')[1]), headers, json: JSON.parse(text) });
    }
  }

  for (const ioThreads of [1, 3]) it(`answers every order in flight over REST and WebSocket, keeps exactly those answered OK, exits 0 (io_threads ${ioThreads})`, T, async () => {
    const srv = await Server.start({ config: lifted + tomlSection('server', { io_threads: ioThreads }) });
    try {
      const accounts = await Promise.all([1, 2, 3, 4].map(() => srv.createAccount(FUNDED)));
      let stopping = false;
      const answers = []; // {client_oid, method, code, via}; code null: the WebSocket closed without an answer
      // Creates an order, then amends it, until the signal. Every request was sent before the signal, so it is on
      // the server's socket before the stop begins, and must be answered. Over REST it always is: the stop cancels
      // an idle connection's read, so its bytes are either read, and answered, or still waiting on the socket,
      // which the connection checks before it closes. A WebSocket's read cannot be cancelled and go on: a request
      // an I/O thread took off the socket just as the session decided to close is read after the close frame went
      // out, and cannot be answered (RFC 6455). Such a request is refused like any other that arrives while
      // draining, so it must be absent after the restart: that is checked below with the refused ones.
      const loop = async (via, call, tag, account) => {
        const answer = async (entry, method, params) => {
          try {
            const reply = await call(method, params);
            answers.push({ ...entry, code: reply.code });
            return reply;
          } catch (e) {
            if (via !== 'WS' || !/^socket closed \(1001\)/.test(e.message)) throw e;
            answers.push({ ...entry, code: null });
            return null;
          }
        };
        for (let i = 0; !stopping; ++i) {
          const client_oid = `${tag}-${i}`;
          const created = await answer({ client_oid, method: 'create', via, account }, 'private/create-order', {
            instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '20000.00', quantity: '0.001', client_oid,
          });
          if (created === null) return;
          if (created.code !== 0 || stopping) continue;
          const amended = await answer({ client_oid, method: 'amend', via }, 'private/amend-order', {
            order_id: created.result.order_id, new_price: '20001.00', new_quantity: '0.001',
          });
          if (amended === null) return;
        }
      };
      const rest = await Promise.all(Array.from({ length: 8 }, () => RawHttp.open(srv)));
      const sockets = await Promise.all(accounts.map(async (a) => {
        const ws = await RawSocket.open(srv.wsUser);
        await ws.auth(a);
        return ws;
      }));
      const loops = [
        ...rest.map((conn, n) => loop('REST', async (method, params) => {
          const r = await conn.send(httpRequest(srv, method, JSON.stringify(signedBody(accounts[n % 4], method, params))));
          assert.equal(r.status, r.json.code === SHUTTING_DOWN ? 503 : 200, JSON.stringify(r));
          if (r.json.code === SHUTTING_DOWN) assert.equal(r.headers.connection, 'close');
          return r.json;
        }, `rest${n}`, accounts[n % 4])),
        ...sockets.flatMap((ws, n) => [0, 1, 2, 3].map((k) => loop('WS', (method, params) =>
          ws.request({ method, params, nonce: Date.now() }), `ws${n}-${k}`, accounts[n]))),
      ];
      await eventually(() => answers.filter((a) => a.code === 0).length >= 200, { timeoutMs: 20_000, what: '200 answers' });
      stopping = true;
      const signalled = Date.now();
      srv.child.kill('SIGTERM');
      const exit = await exitWithin(srv, 5_000);
      assert.equal(exit.code, 0, srv.logs());
      const elapsed = Date.now() - signalled;
      await Promise.all(loops); // none rejected: every request had its reply, or its connection closed first
      for (const ws of sockets) assert.deepEqual(await ws.closedPromise, { code: 1001, reason: 'server shutting down' });
      await Promise.all(rest.map((conn) => conn.closed));
      assert.match(srv.logs(), /drained in \d+ ms: \d+ of \d+ requests in flight answered, \d+ refused, \d+ of \d+ connections closed\n/);
      assert.deepEqual([...new Set(answers.map((a) => a.code))].filter((c) => c !== 0 && c !== SHUTTING_DOWN && c !== null),
        [], 'every answer is OK or the draining error');

      await srv.launch();
      const detail = (a) => privateCall(srv, a.account, 'private/get-order-detail', { client_oid: a.client_oid });
      const amended = new Map(answers.filter((a) => a.method === 'amend').map((a) => [a.client_oid, a.code]));
      const creates = answers.filter((a) => a.method === 'create');
      for (let i = 0; i < creates.length; i += 32) {
        await Promise.all(creates.slice(i, i + 32).map(async (a) => {
          const r = await detail(a);
          if (a.code !== 0) {
            assert.notEqual(r.json.code, 0, `${a.client_oid} was ${a.code === null ? 'not answered' : 'refused'} `
              + `while draining, yet it exists: ${r.text}`);
            return;
          }
          assert.equal(r.json.code, 0, `${a.client_oid} was acknowledged, yet it is gone: ${r.text}`);
          const price = amended.get(a.client_oid) === 0 ? 20001 : 20000;
          assert.equal(Number(r.json.result.limit_price), price, `${a.client_oid} (amend answered ${amended.get(a.client_oid)})`);
        }));
      }
      console.log(`graceful stop: ${answers.length} requests (${answers.filter((a) => a.code === SHUTTING_DOWN).length} `
        + `refused, ${answers.filter((a) => a.code === null).length} closed unanswered), exit ${elapsed} ms after SIGTERM`);
    } finally {
      await srv.dispose();
    }
  });

  it('refuses a request that arrives while draining with 503, and a new connection', T, async () => {
    const srv = await Server.start({ config: tomlSection('server', { shutdown_grace_ms: 20_000 }) });
    try {
      const account = await srv.createAccount(FUNDED);
      const conn = await RawHttp.open(srv);
      const body = JSON.stringify(signedBody(account, 'private/create-order', {
        instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: '20000.00', quantity: '0.001', client_oid: 'late',
      }));
      // Headers and part of the body: the connection is reading a request, so the drain waits for it.
      const request = httpRequest(srv, 'private/create-order', body);
      const response = conn.send(request.slice(0, request.length - 20));
      await sleep(200);
      srv.child.kill('SIGTERM');
      await eventually(async () => (await connectOutcome(srv)) === 'ECONNREFUSED', { what: 'a refused connection' });
      assert.equal(srv.running, true, 'still draining');
      conn.socket.write(request.slice(request.length - 20));
      const r = await response;
      assert.equal(r.status, 503);
      assert.equal(r.headers.connection, 'close');
      assert.equal(r.json.code, SHUTTING_DOWN);
      assert.equal(r.json.message, 'server shutting down');
      await conn.closed;
      const exit = await exitWithin(srv, 2_000);
      assert.equal(exit.code, 0);
      assert.match(srv.logs(), / 1 refused, /);
      await srv.launch();
      const detail = await privateCall(srv, account, 'private/get-order-detail', { client_oid: 'late' });
      assert.notEqual(detail.json.code, 0, `the refused order exists: ${detail.text}`);
    } finally {
      await srv.dispose();
    }
  });

  it('an idle server stops at once: WebSockets get 1001, idle keep-alive connections are closed', T, async () => {
    const srv = await Server.start();
    try {
      const market = await RawSocket.open(srv.wsMarket);
      const conn = await RawHttp.open(srv);
      const r = await conn.send(`GET /exchange/v1/public/get-instruments HTTP/1.1\r\nHost: ${srv.http}\r\n\r\n`);
      assert.equal(r.json.code, 0);
      const signalled = Date.now();
      srv.child.kill('SIGTERM');
      const exit = await exitWithin(srv, 1_000);
      assert.equal(exit.code, 0);
      assert.ok(Date.now() - signalled < 1_000, 'not the grace');
      assert.deepEqual(await market.closedPromise, { code: 1001, reason: 'server shutting down' });
      await conn.closed;
      assert.equal(conn.data, '', 'nothing after the last response');
    } finally {
      await srv.dispose();
    }
  });

  it('a second signal stops at once', T, async () => {
    const srv = await Server.start({ config: tomlSection('server', { shutdown_grace_ms: 60_000 }) });
    try {
      const conn = await RawHttp.open(srv);
      const response = conn.send(`POST /exchange/v1/private/create-order HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{`);
      response.catch(() => {});
      await sleep(200);
      srv.child.kill('SIGTERM');
      await eventually(async () => (await connectOutcome(srv)) === 'ECONNREFUSED', { what: 'a refused connection' });
      assert.equal(srv.running, true, 'the drain waits for the request being read');
      srv.child.kill('SIGINT');
      const exit = await exitWithin(srv, 2_000);
      assert.equal(exit.code, 0);
      // The one connection reading a request is cut. A probe of connectOutcome's that the listener accepted just
      // before it closed is an idle connection the stop closes: it adds to both counts, and to the closed one.
      const [, closed, open] = srv.logs().match(/(\d+) of (\d+) connections closed; 0 requests and 1 connections cut \(a second signal\)/) ?? [];
      assert.equal(Number(open) - Number(closed), 1, srv.logs());
    } finally {
      await srv.dispose();
    }
  });
});


// The engine had fee tiers, but no operator could give an account one, and every order reported the venue's
// current tier-0 rates (the config's): after a fee change and a restart, closed orders showed rates they were never
// charged.
describe('fee tiers per account', () => {
  it('an account on a cheaper tier is charged its rates, and its orders keep reporting them across a fee change', T, async () => {
    const limits = tomlSection('rate_limits', { order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000,
      order_detail_per_100ms: 1_000_000, history_per_second: 1_000_000 });
    // A history snapshot every few commands: the restart reads the orders' rates back from one.
    const journal = tomlSection('journal', { snapshot_interval: 4 });
    const srv = await Server.start({ config: limits + journal });
    const ws = [];
    try {
      const a = await srv.createAccount(FUNDED);
      const b = await srv.createAccount(FUNDED);
      const call = async (account, method, params) => {
        const r = await privateCall(srv, account, method, params);
        assert.equal(isCode(r, method), 0, `${method} ${JSON.stringify(params)}: ${r.text}`);
        return r.json.result;
      };
      const place = (account, side, price, tif) => call(account, 'private/create-order', { instrument_name: 'BTC_USD',
        side, type: 'LIMIT', price, quantity: '0.01', ...(tif ? { time_in_force: tif } : {}) });
      const rates = (o) => [o.maker_fee_rate, o.taker_fee_rate];
      const usdOf = async (account) => {
        const usd = (await call(account, 'private/user-balance', {})).data[0].position_balances
          .find((p) => p.instrument_name === 'USD');
        return { total: units(usd.quantity), used: units(usd.reserved_qty) };
      };

      // Validated as the config's [fees] are (a decimal of at most 6 places, at most 0.1), a maker rebate allowed.
      for (const [body, message] of [
        [{ tier: 16, maker_rate: '0', taker_rate: '0' }, /tier/],
        [{ tier: -1, maker_rate: '0', taker_rate: '0' }, /tier/],
        [{ tier: 1, maker_rate: '0.0001', taker_rate: '-0.0001' }, /taker_rate/],
        [{ tier: 1, maker_rate: '0.0001', taker_rate: '0.2' }, /taker_rate/],
        [{ tier: 1, maker_rate: '0.0000001', taker_rate: '0.0002' }, /maker_rate/],
        [{ tier: 1, maker_rate: '-0.2', taker_rate: '0.0002' }, /maker_rate/],
        [{ tier: 1, taker_rate: '0.0002' }, /maker_rate/],
      ]) {
        const r = await srv.admin('fees/tier', body);
        assert.equal(r.code, 40004, `${JSON.stringify(body)}: ${JSON.stringify(r)}`);
        assert.match(r.message, message);
      }
      const { stdout } = await srv.cli('fees', 'tier', '1', '--maker', '-0.0001', '--taker', '0.0002');
      assert.deepEqual(JSON.parse(stdout.trim()), { tier: 1, maker_rate: '-0.0001', taker_rate: '0.0002' });
      assert.equal((await srv.admin('account/fee-tier', { account_id: 999999, tier: 1 })).code, 210);
      assert.equal((await srv.admin('account/fee-tier', { account_id: b.account_id, tier: 16 })).code, 40004);
      const put = await srv.cli('account', 'fee-tier', '--account', String(b.account_id), '1');
      assert.deepEqual(JSON.parse(put.stdout.trim()), { account_id: b.account_id, tier: 1, maker_rate: '-0.0001',
        taker_rate: '0.0002' });

      const user = await RawSocket.open(srv.wsUser);
      ws.push(user);
      await user.auth(b);
      const sub = await user.request({ method: 'subscribe', params: { channels: ['user.order.BTC_USD'] }, nonce: Date.now() });
      assert.equal(sub.code, 0, JSON.stringify(sub));

      // B makes (a rebate of 1 bp) and takes (2 bp); A pays tier 0's 2.5 and 5 bp.
      const bSell = await place(b, 'SELL', '30000');
      const aBuy = await place(a, 'BUY', '30000', 'IMMEDIATE_OR_CANCEL');
      const aSell = await place(a, 'SELL', '30001');
      const bBuy = await place(b, 'BUY', '30001', 'IMMEDIATE_OR_CANCEL');
      const bRest = await place(b, 'BUY', '20000');
      const pushed = await user.next((m) => m.result?.channel === 'user.order' &&
        m.result.data.some((o) => o.order_id === bRest.order_id), { what: "the resting order's push" });
      assert.deepEqual(rates(pushed.result.data.find((o) => o.order_id === bRest.order_id)), ['-0.0001', '0.0002']);

      const n1 = notional('30000', '0.01');
      const n2 = notional('30001', '0.01');
      const usd = units(FUNDED.USD);
      const expectedB = usd + n1 + fee(n1, 100n) - n2 - fee(n2, 200n);
      const expectedA = usd - n1 - fee(n1, TAKER_PPM) + n2 - fee(n2, MAKER_PPM);
      await eventually(async () => (await usdOf(b)).total === expectedB && (await usdOf(a)).total === expectedA,
        { what: `B's USD ${decimal(expectedB)}, A's ${decimal(expectedA)}` });
      assert.equal((await usdOf(b)).used, notional('20000', '0.01') + fee(notional('20000', '0.01'), 200n),
        "B's open buy holds its tier's highest rate");
      const bTrades = (await call(b, 'private/get-trades', { instrument_name: 'BTC_USD' })).data;
      assert.deepEqual(bTrades.map((t) => [t.order_id, t.taker_side, t.fees]).sort(), [
        [bSell.order_id, 'MAKER', decimal(fee(n1, 100n))],
        [bBuy.order_id, 'TAKER', decimal(-fee(n2, 200n))],
      ].sort());

      const detail = async (account, order) => call(account, 'private/get-order-detail', { order_id: order.order_id });
      const check = async (when, tier0) => {
        for (const [account, order, expected] of [[b, bSell, ['-0.0001', '0.0002']], [b, bBuy, ['-0.0001', '0.0002']],
          [a, aBuy, tier0], [a, aSell, tier0], [b, bRest, ['-0.0001', '0.0002']]]) {
          assert.deepEqual(rates(await detail(account, order)), expected, `${when}: detail of ${order.order_id}`);
        }
        const history = (await call(b, 'private/get-order-history', { instrument_name: 'BTC_USD' })).data;
        assert.deepEqual(history.map(rates), [['-0.0001', '0.0002'], ['-0.0001', '0.0002']], `${when}: B's history`);
        const aHistory = (await call(a, 'private/get-order-history', { instrument_name: 'BTC_USD' })).data;
        assert.deepEqual(aHistory.map(rates), [tier0, tier0], `${when}: A's history`);
        const open = (await call(b, 'private/get-open-orders', { instrument_name: 'BTC_USD' })).data;
        assert.deepEqual(open.map(rates), [['-0.0001', '0.0002']], `${when}: B's open order`);
      };
      await check('before the restart', ['0.00025', '0.0005']);

      // Tier 0 changed by the config: the next start journals it, leaves tier 1 and B's place on it alone, and the
      // orders placed before keep the rates they were charged.
      srv.options.config = `${limits}${journal}[fees]\nmaker_rate = "0.001"\ntaker_rate = "0.002"\n`;
      await srv.restart();
      assert.match(srv.stderrTail, /history: restored from history-/);
      await check('after the restart', ['0.00025', '0.0005']);
      const fees = await srv.admin('fees');
      assert.deepEqual(fees, { code: 0, result: { tiers: [
        { tier: 0, maker_rate: '0.001', taker_rate: '0.002', accounts: 1 },
        { tier: 1, maker_rate: '-0.0001', taker_rate: '0.0002', accounts: 1 },
      ] } });
      // --account 0 is the fee account's tier, which the endpoint refuses: it printed every tier instead.
      await assert.rejects(srv.cli('fees', 'show', '--account', '0'), /40004|account/);
      const { stdout: shown } = await srv.cli('fees', 'show', '--account', String(b.account_id));
      assert.deepEqual(JSON.parse(shown.trim()), { account_id: b.account_id, tier: 1, maker_rate: '-0.0001', taker_rate: '0.0002' });
      assert.deepEqual(rates(await detail(a, await place(a, 'BUY', '20000'))), ['0.001', '0.002'], 'a new order of A: new tier 0');
      assert.deepEqual(rates(await detail(b, await place(b, 'BUY', '20000'))), ['-0.0001', '0.0002'], 'B stays on tier 1');
    } finally {
      for (const s of ws) await s.close();
      await srv.dispose();
    }
  });

  // [fees] is tier 0: every start sets tier 0 back to the config's rates, which nobody told the operator when they
  // changed it. The answer now says so, as do the CLI and the server's log; other tiers are the operator's alone.
  it('fees/tier 0 off the config warns that the next start resets it; the same rates and other tiers do not', T, async () => {
    const srv = await Server.start();
    try {
      const tier0 = async () => (await srv.admin('fees')).result.tiers.find((t) => t.tier === 0);
      const warned = (line) => srv.stderrTail.split('\n').filter((l) => l.includes(line)).length;
      // A first start has no state to compare with, and says only what it set.
      assert.match(srv.stderrTail, /fee tier 0 set to the config's maker 0\.00025, taker 0\.0005\n/);
      assert.doesNotMatch(srv.stderrTail, /fee tier 0 is /);
      const reset = (maker, taker) => `[fees] in the config sets tier 0: the next start resets it to maker ${maker}, ` +
        `taker ${taker}; put the change in the config to keep it`;

      const set = await srv.admin('fees/tier', { tier: 0, maker_rate: '0.001', taker_rate: '0.002' });
      assert.deepEqual(set, { code: 0, result: { tier: 0, maker_rate: '0.001', taker_rate: '0.002',
        warning: reset('0.00025', '0.0005') } });
      await eventually(async () => warned(`sequexd: fees/tier: ${reset('0.00025', '0.0005')}`) === 1,
        { what: 'the warning logged' });
      for (const body of [{ tier: 0, maker_rate: '0.00025', taker_rate: '0.0005' },  // the config's: nothing to reset
        { tier: 0, maker_rate: '0.000250', taker_rate: '0.0005' },                      // the same rate, written longer
        { tier: 3, maker_rate: '0.001', taker_rate: '0.002' }]) {                       // no start touches tier 3
        const r = await srv.admin('fees/tier', body);
        assert.equal(r.code, 0, JSON.stringify(r));
        assert.equal(r.result.warning, undefined, `${JSON.stringify(body)}: ${JSON.stringify(r)}`);
      }
      assert.equal((await srv.cli('fees', 'tier', '2', '--maker', '0', '--taker', '0.0001')).stderr, '');

      const { stdout, stderr } = await srv.cli('fees', 'tier', '0', '--maker', '0.0002', '--taker', '0.0004');
      assert.deepEqual(JSON.parse(stdout.trim()), { tier: 0, maker_rate: '0.0002', taker_rate: '0.0004',
        warning: reset('0.00025', '0.0005') });
      assert.equal(stderr, `sequex: warning: ${reset('0.00025', '0.0005')}\n`);
      await eventually(async () => warned('sequexd: fees/tier: ') === 2, { what: 'one log line per change that warned' });
      assert.deepEqual(await tier0(), { tier: 0, maker_rate: '0.0002', taker_rate: '0.0004', accounts: 0 });

      // The next start resets it, as warned; with a config of those rates, setting them warns of nothing, and the
      // warning names the config the server started with, not the embedded default.
      await srv.restart();
      assert.deepEqual(await tier0(), { tier: 0, maker_rate: '0.00025', taker_rate: '0.0005', accounts: 0 });
      assert.match(srv.stderrTail, /fee tier 0 is maker 0\.0002, taker 0\.0004 in the state, maker 0\.00025, taker 0\.0005 in the config: set to the config's/);
      srv.options.config = '[fees]\nmaker_rate = "0.0002"\ntaker_rate = "0.0004"\n';
      await srv.restart();
      assert.deepEqual(await tier0(), { tier: 0, maker_rate: '0.0002', taker_rate: '0.0004', accounts: 0 });
      const same = await srv.admin('fees/tier', { tier: 0, maker_rate: '0.0002', taker_rate: '0.0004' });
      assert.equal(same.code, 0, JSON.stringify(same));
      assert.equal(same.result.warning, undefined);
      const back = await srv.admin('fees/tier', { tier: 0, maker_rate: '0.00025', taker_rate: '0.0005' });
      assert.equal(back.result.warning, reset('0.0002', '0.0004'));
    } finally {
      await srv.dispose();
    }
  });
});

describe('crash and restart', () => {
  it('kill -9 after acknowledgements: every acknowledged order, trade and balance is there after restart', T, async () => {
    // Snapshots every few commands, so the restarts load one, by an engine sized past one order-pool chunk (an
    // engine sized so once could not load its own snapshots, and every restart replayed the whole journal).
    const srv = await Server.start({
      // History reads (order history, trades) raised from 1/s per key: each state comparison makes two.
      config: tomlSection('journal', { snapshot_interval: 5 }) + tomlSection('engine', { expected_orders: 200000 }) +
        tomlSection('rate_limits', { history_per_second: 100 }),
    });
    try {
      const k1 = await srv.createAccount(FUNDED);
      const k2 = await srv.createAccount(FUNDED);
      let ex1 = await srv.ccxt(k1, CCXT_OPTIONS);
      let ex2 = await srv.ccxt(k2, CCXT_OPTIONS);
      await Promise.all([ex1.loadMarkets(), ex2.loadMarkets()]);
      const placed = [];
      for (const [sym, side, qty, price] of [
        ['BTC/USD', 'buy', 0.01, 29000], ['BTC/USD', 'sell', 0.02, 31000], ['ETH/USD', 'buy', 0.5, 1900],
        ['ETH/BTC', 'sell', 1, 0.07], ['SOL/USD', 'buy', 3, 24.5], ['SOL/USD', 'sell', 2, 26],
      ]) placed.push((await ex1.createOrder(sym, 'limit', side, qty, price, { client_oid: `k-${placed.length}` })).id);
      // A partial fill and an amend, acknowledged just before the kill.
      const take = await ex2.createOrder('SOL/USD', 'limit', 'buy', 0.75, 26);
      await ex1.editOrder(placed[0], 'BTC/USD', 'limit', 'buy', 0.015, 29001);
      await ex1.cancelOrder(placed[2], 'ETH/USD');
      const snapshot = async (a, b) => ({
        open1: (await a.fetchOpenOrders()).map(pick).sort(byId),
        open2: (await b.fetchOpenOrders()).map(pick).sort(byId),
        bal1: await balances(a),
        bal2: await balances(b),
        trades2: (await b.fetchMyTrades('SOL/USD')).map((t) => [t.id, t.order, t.price, t.amount, t.fee.cost]),
        history1: (await a.fetchOrders('ETH/USD')).map(pick).sort(byId),
        book: (await a.fetchOrderBook('SOL/USD')).asks,
        // Market data is rebuilt from the journal.
        publicTrades: (await a.fetchTrades('SOL/USD')).map((t) => [t.id, t.timestamp, t.price, t.amount, t.side]),
        candles: await a.fetchOHLCV('SOL/USD', '1m'),
        ticker: (({ last, high, low, bid, ask, baseVolume, quoteVolume }) => ({ last, high, low, bid, ask, baseVolume, quoteVolume }))(await a.fetchTicker('SOL/USD')),
      });
      const last = await ex1.createOrder('ETH/USD', 'limit', 'buy', 0.25, 1901, { client_oid: 'last' });
      const beforeKill = await snapshot(ex1, ex2);
      assert.equal(beforeKill.open1.length, 6, JSON.stringify(beforeKill.open1));
      assert.ok(beforeKill.open1.some((o) => o.id === last.id));
      assert.deepEqual(beforeKill.trades2.map((t) => t[1]), [take.id]);
      const pid = srv.pid;
      const lastBeforeKill = await privateCall(srv, k1, 'private/create-order', { instrument_name: 'BTC_USD', side: 'SELL', type: 'LIMIT', price: '32000.00', quantity: '0.001', client_oid: 'the-very-last' });
      assert.equal(lastBeforeKill.json?.code, 0, lastBeforeKill.text);

      const exit = await srv.restart({ kill9: true });
      assert.equal(exit.signal, 'SIGKILL');
      assert.notEqual(srv.pid, pid);
      assert.match(srv.logs(), /recovery: loaded snapshot-\d+\.snap/);
      assert.doesNotMatch(srv.logs(), /skipped invalid snapshot/);
      // History (orders, trades, candles, tickers) restarts from a history snapshot and the journal after it.
      assert.match(latestRecovery(srv), /history: restored from history-\d+\.snap/);
      assert.match(latestRecovery(srv), /folded into history after the history snapshot at seq \d+/);
      ex1 = await srv.ccxt(k1, CCXT_OPTIONS);
      ex2 = await srv.ccxt(k2, CCXT_OPTIONS);
      await Promise.all([ex1.loadMarkets(), ex2.loadMarkets()]);
      const afterKill = await snapshot(ex1, ex2);
      const veryLast = afterKill.open1.find((o) => o.clientOrderId === 'the-very-last');
      assert.ok(veryLast, 'the order acknowledged right before kill -9 survived');
      assert.equal(veryLast.id, String(lastBeforeKill.json.result.order_id));
      afterKill.open1 = afterKill.open1.filter((o) => o !== veryLast);
      afterKill.bal1.BTC.used -= units('0.001');
      assert.deepEqual(afterKill, beforeKill);

      // New orders continue the id sequence.
      const next = await ex1.createOrder('BTC/USD', 'limit', 'buy', 0.001, 28000);
      assert.ok(BigInt(next.id) > BigInt(veryLast.id), `new id ${next.id} after ${veryLast.id}`);
      await ex1.cancelOrder(next.id, 'BTC/USD');

      // A graceful restart: exit 0 and the same state again.
      const beforeTerm = await snapshot(ex1, ex2);
      const term = await srv.restart();
      assert.equal(term.code, 0, `SIGTERM exit: ${JSON.stringify(term)}\n${srv.logs()}`);
      ex1 = await srv.ccxt(k1, CCXT_OPTIONS);
      ex2 = await srv.ccxt(k2, CCXT_OPTIONS);
      await Promise.all([ex1.loadMarkets(), ex2.loadMarkets()]);
      assert.deepEqual(await snapshot(ex1, ex2), beforeTerm);

      // The newest history snapshot damaged: skipped, and the one before it (two are kept) gives the same state.
      const historyFiles = async () => (await fs.readdir(srv.dataDir)).filter((n) => /^history-\d{20}\.snap$/.test(n)).sort();
      // Each write removes all but the newest two, after the new one is in place: a kill -9 between the two steps
      // (the kill above may land there) leaves three until the next write. Orders placed and cancelled on BTC/USD
      // make one (a multiple of 5 is crossed) and change nothing the comparisons look at. They are counted once
      // the server has stopped, as a graceful stop waits for the snapshot in flight.
      for (let i = 0; i < 3; ++i) await ex1.cancelOrder((await ex1.createOrder('BTC/USD', 'limit', 'buy', 0.001, 28000)).id, 'BTC/USD');
      assert.equal((await srv.stop()).code, 0);
      const kept = await historyFiles();
      assert.equal(kept.length, 2, `history snapshots kept: ${kept}`);
      const newest = `${srv.dataDir}/${kept[1]}`;
      const bytes = await fs.readFile(newest);
      bytes[bytes.length - 3] ^= 0xff;  // inside the projection: its checksum no longer matches
      await fs.writeFile(newest, bytes);
      await srv.restart();
      assert.match(latestRecovery(srv), new RegExp(`history: skipped ${kept[1]}: projection: checksum mismatch`));
      assert.match(latestRecovery(srv), new RegExp(`history: restored from ${kept[0]}`));
      ex1 = await srv.ccxt(k1, CCXT_OPTIONS);
      ex2 = await srv.ccxt(k2, CCXT_OPTIONS);
      await Promise.all([ex1.loadMarkets(), ex2.loadMarkets()]);
      assert.deepEqual(await snapshot(ex1, ex2), beforeTerm);

      // None at all: the whole journal is folded again, to the same state.
      await srv.stop();
      for (const n of await historyFiles()) await fs.rm(`${srv.dataDir}/${n}`);
      await srv.restart();
      assert.doesNotMatch(latestRecovery(srv), /history: restored/);
      assert.match(latestRecovery(srv), /commands folded into history\)/);
      ex1 = await srv.ccxt(k1, CCXT_OPTIONS);
      ex2 = await srv.ccxt(k2, CCXT_OPTIONS);
      await Promise.all([ex1.loadMarkets(), ex2.loadMarkets()]);
      assert.deepEqual(await snapshot(ex1, ex2), beforeTerm);

      // A history snapshot past the journal's end (the journal's tail lost after it was written, here by putting an
      // older copy of the journal back): it is loaded beside recovery before the journal's end is known, then
      // skipped, and the state is the older journal's.
      assert.equal((await srv.stop()).code, 0);
      const journalFiles = async () => (await fs.readdir(srv.dataDir)).filter((n) => /^(journal-|snapshot-)/.test(n));
      const older = `${srv.dataDir}.older`;
      await fs.mkdir(older);
      for (const n of await journalFiles()) await fs.copyFile(`${srv.dataDir}/${n}`, `${older}/${n}`);
      await srv.restart();
      ex1 = await srv.ccxt(k1, CCXT_OPTIONS);
      await ex1.loadMarkets();
      for (let i = 0; i < 3; ++i) await ex1.cancelOrder((await ex1.createOrder('BTC/USD', 'limit', 'buy', 0.001, 28000)).id, 'BTC/USD');
      assert.equal((await srv.stop()).code, 0);
      const newestHistory = (await historyFiles()).at(-1);
      for (const n of await journalFiles()) await fs.rm(`${srv.dataDir}/${n}`);
      for (const n of await fs.readdir(older)) await fs.copyFile(`${older}/${n}`, `${srv.dataDir}/${n}`);
      await fs.rm(older, { recursive: true });
      await srv.restart();
      assert.match(latestRecovery(srv), new RegExp(`history: skipped ${newestHistory}, past the journal's end`));
      // And removed: new commands take its seqs, and it would later pass for history it never saw.
      assert.match(latestRecovery(srv), new RegExp(`history: removed ${newestHistory}, past the journal's end`));
      assert.ok(!(await historyFiles()).includes(newestHistory));
      ex1 = await srv.ccxt(k1, CCXT_OPTIONS);
      ex2 = await srv.ccxt(k2, CCXT_OPTIONS);
      await Promise.all([ex1.loadMarkets(), ex2.loadMarkets()]);
      assert.deepEqual(await snapshot(ex1, ex2), beforeTerm);
    } finally {
      await srv.dispose();
    }
  });
});

describe('crash during a stream of orders', () => {
  it('kill -9 while orders stream in: every order acknowledged before the kill is there after restart', T, async () => {
    // 16 KiB journal segments: the stream rolls several pre-written segments, and the kill may land in a roll.
    const srv = await Server.start({ config: tomlSection('journal', { segment_bytes: 16384 }) });
    try {
      const accounts = await Promise.all([1, 2, 3, 4].map(() => srv.createAccount(FUNDED)));
      const acked = new Map(accounts.map((a) => [a.account_id, []]));
      let killed = false;
      const stream = async (a, k) => {
        for (let i = 0; !killed; i++) {
          try {
            const r = await privateCall(srv, a, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT',
              price: (20000 + k * 1000 + i * 0.01).toFixed(2), quantity: '0.00001', client_oid: `s-${i}` });
            if (r.json?.code === 0) acked.get(a.account_id).push(String(r.json.result.order_id));
            else if (!killed) assert.fail(`create-order refused: ${r.text}`);
          } catch (e) {
            if (!killed) throw e; // a request cut by the kill has no known outcome
          }
          await sleep(8);
        }
      };
      const running = accounts.map((a, k) => stream(a, k));
      // Until the journal has rolled (at least 600 ms): how many orders that takes depends on how fast this
      // machine and this build (ASan) answer, so a fixed time left some runs with a single segment.
      const segmentCount = async () => (await fs.readdir(srv.dataDir)).filter((n) => n.endsWith('.seg')).length;
      const started = Date.now();
      await sleep(600);
      while ((await segmentCount()) < 2 && Date.now() - started < 20_000) await sleep(50);
      killed = true;
      await srv.kill9();
      await Promise.all(running);
      const total = [...acked.values()].reduce((n, ids) => n + ids.length, 0);
      assert.ok(total >= 20, `only ${total} orders were acknowledged before the kill`);
      const segments = (await fs.readdir(srv.dataDir)).filter((n) => n.endsWith('.seg'));
      assert.ok(segments.length >= 2, `the journal did not roll: ${segments}`);

      await srv.launch();
      for (const a of accounts) {
        await sleep(40);
        const r = await privateCall(srv, a, 'private/get-open-orders', {});
        assert.equal(r.json?.code, 0, r.text);
        const open = r.json.result.data;
        const ids = new Set(open.map((o) => String(o.order_id)));
        const lost = acked.get(a.account_id).filter((id) => !ids.has(id));
        assert.deepEqual(lost, [], `account ${a.account_id}: acknowledged orders missing after kill -9 and restart`);
        assert.ok(open.length <= acked.get(a.account_id).length + 1, 'at most the one in-flight order besides the acknowledged');
        await sleep(40);
        const b = await privateCall(srv, a, 'private/user-balance', {});
        const usd = b.json.result.data[0].position_balances.find((x) => x.instrument_name === 'USD');
        const held = open.reduce((sum, o) => sum + buyHold(o.limit_price, o.quantity), 0n);
        assert.equal(decimal(units(usd.reserved_qty)), decimal(held), 'USD held = holds of the recovered open orders');
      }
    } finally {
      await srv.dispose();
    }
  });
});

// The log lines of the server's latest start, from its recovery on (the log tail spans every start).
function latestRecovery(srv) {
  const text = srv.logs();
  const end = text.lastIndexOf('recovered to seq');
  const start = text.lastIndexOf('recovered to seq', end - 1);
  return text.slice(start < 0 ? 0 : start + 1, text.indexOf('\n', end));
}

function pick(o) {
  return {
    id: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, type: o.type, status: o.status,
    price: o.price, amount: o.amount, filled: o.filled, timestamp: o.timestamp,
  };
}
function byId(a, b) { return (BigInt(a.id) < BigInt(b.id) ? -1 : 1); }

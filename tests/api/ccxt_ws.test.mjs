// CCXT Pro over sequexd's WebSockets: every watch* and the order requests over the user socket.
//
// CCXT 4.5.84 quirk (not the server's): createOrderWs / editOrderWs / cancelOrderWs register their request under
// the subscription key `true`, so a second request on the same socket is never sent. freshRequest() removes that
// key before each request.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

const T = { timeout: 30_000 };
import ccxt from 'ccxt';
import { Server, eventually, rejectsWith, sleep, watchUntil } from './lib/server.mjs';
import { FUNDED, CCXT_OPTIONS, balances, num } from './lib/helpers.mjs';
import { TAKER_PPM, MAKER_PPM, buyHold, fee, notional } from './lib/venue.mjs';

let server;
let hank; let ivy;        // hank makes, ivy takes
let exH; let exI; let pub;

before(async () => {
  server = await Server.start();
  hank = await server.createAccount(FUNDED);
  ivy = await server.createAccount(FUNDED);
  exH = await server.ccxt(hank, CCXT_OPTIONS);
  exI = await server.ccxt(ivy, CCXT_OPTIONS);
  pub = await server.ccxt(undefined, CCXT_OPTIONS);
  await Promise.all([exH.loadMarkets(), exI.loadMarkets(), pub.loadMarkets()]);
});
after(async () => { await server?.dispose(); });

function freshRequest(ex) {
  const client = ex.clients[ex.urls.api.ws.private];
  if (client) delete client.subscriptions[true];
}

const levels = (side) => Array.from(side ?? []).map(([p, q]) => [p, q]);
const findById = (cache, id) => Array.from(cache ?? []).find((o) => o.id === id);

describe('market data', () => {
  it('watchOrderBook: a snapshot, then deltas chained by pu; after trading it equals fetchOrderBook', T, async () => {
    const watcher = await server.ccxt(undefined, CCXT_OPTIONS);
    await watcher.loadMarkets();
    const channels = [];
    const original = watcher.handleOrderBook.bind(watcher);
    watcher.handleOrderBook = (client, message) => {
      channels.push(message.channel);
      return original(client, message);
    };
    const first = await watcher.watchOrderBook('ETH/USD');
    assert.deepEqual(levels(first.bids), []);
    assert.deepEqual(levels(first.asks), []);
    assert.deepEqual(channels, ['book'], 'the first message is the snapshot');

    // Keep consuming updates in the background: a broken pu chain raises ChecksumError here.
    let failure = null;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        try { await watcher.watchOrderBook('ETH/USD'); } catch (e) { if (!stop) failure = e; return; }
      }
    })();

    const ids = [];
    for (const [side, qty, price] of [
      ['buy', 0.1, 1990], ['buy', 0.2, 1989.5], ['buy', 0.15, 1990], ['buy', 0.3, 1985],
      ['sell', 0.1, 2010], ['sell', 0.25, 2011.11], ['sell', 0.05, 2010], ['sell', 0.4, 2020],
    ]) {
      ids.push((await exH.createOrder('ETH/USD', 'limit', side, qty, price)).id);
    }
    await exI.createOrder('ETH/USD', 'limit', 'buy', 0.12, 2010);        // takes 0.1 + 0.02 of the 2010 level
    await exI.createOrder('ETH/USD', 'market', 'sell', 0.25);            // takes 0.1 + 0.15 at 1990
    await exH.cancelOrder(ids[3], 'ETH/USD');                            // 1985 level disappears
    await exH.editOrder(ids[7], 'ETH/USD', 'limit', 'sell', 0.5, 2019);  // 2020 → 2019

    const rest = await pub.fetchOrderBook('ETH/USD');
    assert.deepEqual(levels(rest.bids), [[1989.5, 0.2]]);
    assert.deepEqual(levels(rest.asks), [[2010, 0.03], [2011.11, 0.25], [2019, 0.5]]);
    await eventually(() => {
      if (failure) throw failure;
      const ob = watcher.orderbooks['ETH/USD'];
      return JSON.stringify([levels(ob.bids), levels(ob.asks)]) === JSON.stringify([levels(rest.bids), levels(rest.asks)]);
    }, { what: `the watched book to equal ${JSON.stringify([rest.bids, rest.asks])}; watched: ${JSON.stringify([levels(watcher.orderbooks['ETH/USD']?.bids), levels(watcher.orderbooks['ETH/USD']?.asks)])}` });
    assert.equal(failure, null);
    assert.equal(channels.filter((c) => c === 'book').length, 1, 'one snapshot only');
    assert.ok(channels.filter((c) => c === 'book.update').length >= 8, `deltas: ${JSON.stringify(channels)}`);
    stop = true;
    await watcher.close();
    await loop;
    await exH.cancelAllOrders();
  });

  it('watchOrderBook(limit 10): levels below the top 10 move up when the best levels are taken', T, async () => {
    const watcher = await server.ccxt(undefined, CCXT_OPTIONS);
    await watcher.loadMarkets();
    try {
      for (let i = 0; i < 13; i++) await exH.createOrder('BTC/USD', 'limit', 'buy', 0.001, 29000 - i);
      let failure = null;
      await watcher.watchOrderBook('BTC/USD', 10);
      const loop = (async () => {
        for (;;) {
          try { await watcher.watchOrderBook('BTC/USD', 10); } catch (e) { failure = e; return; }
        }
      })();
      loop.catch(() => {});
      await exI.createOrder('BTC/USD', 'market', 'sell', 0.003);
      const rest = await pub.fetchOrderBook('BTC/USD', 10);
      assert.deepEqual(levels(rest.bids).map(([p]) => p), Array.from({ length: 10 }, (_, i) => 28997 - i));
      await eventually(() => {
        if (failure) throw failure;
        return JSON.stringify(levels(watcher.orderbooks['BTC/USD'].bids)) === JSON.stringify(levels(rest.bids));
      }, { what: 'the watched top 10 to equal REST after the sweep' });
    } finally {
      await watcher.close();
      await exH.cancelAllOrders();
    }
  });

  it('watchTrades, watchTicker and watchOHLCV see a new trade as REST reports it', T, async () => {
    const watcher = await server.ccxt(undefined, CCXT_OPTIONS);
    await watcher.loadMarkets();
    await watchUntil(() => watcher.watchTrades('ETH/USD'), (ts) => ts.length >= 1,
      { what: 'the recent trades sent on subscribe' });
    for (const pending of [watcher.watchTicker('ETH/USD'), watcher.watchOHLCV('ETH/USD', '1m')]) pending.catch(() => {});
    await sleep(300);

    await exH.createOrder('ETH/USD', 'limit', 'sell', 0.07, 2003.33);
    await exI.createOrder('ETH/USD', 'limit', 'buy', 0.07, 2003.33);
    const restTrades = await pub.fetchTrades('ETH/USD');
    const last = restTrades[restTrades.length - 1];
    assert.deepEqual([last.price, last.amount, last.side], [2003.33, 0.07, 'buy']);

    const trades = await watchUntil(() => watcher.watchTrades('ETH/USD'),
      (ts) => ts.some((t) => t.id === last.id),
      { what: `trade ${last.id} on trade.ETH_USD`, cached: () => watcher.trades['ETH/USD'] });
    const t = trades.find((x) => x.id === last.id);
    assert.deepEqual([t.symbol, t.price, t.amount, t.side, t.timestamp], ['ETH/USD', 2003.33, 0.07, 'buy', last.timestamp]);

    const restTicker = await pub.fetchTicker('ETH/USD');
    const ticker = await watchUntil(() => watcher.watchTicker('ETH/USD'), (x) => x.last === 2003.33,
      { what: 'ticker.last 2003.33', cached: () => watcher.tickers['ETH/USD'] });
    assert.equal(ticker.symbol, 'ETH/USD');
    assert.equal(ticker.bid, restTicker.bid);
    assert.equal(ticker.ask, restTicker.ask);
    assert.equal(ticker.high, restTicker.high);
    assert.equal(ticker.low, restTicker.low);
    assert.equal(ticker.baseVolume, restTicker.baseVolume);

    const restCandles = await pub.fetchOHLCV('ETH/USD', '1m');
    const restLast = restCandles[restCandles.length - 1];
    assert.equal(restLast[4], 2003.33, 'REST candle closes at the trade');
    const candles = await watchUntil(() => watcher.watchOHLCV('ETH/USD', '1m'),
      (cs) => cs.some((c) => c[0] === restLast[0] && c[4] === 2003.33),
      { what: 'the candle of the trade', cached: () => watcher.ohlcvs['ETH/USD']?.['1m'] });
    const c = candles.find((x) => x[0] === restLast[0]);
    assert.deepEqual(c, restLast, 'the watched candle equals the REST candle');
    await watcher.close();
  });
});

const cancelEverything = async () => { await exH.cancelAllOrders(); await exI.cancelAllOrders(); };

describe('user data', () => {
  afterEach(cancelEverything);
  it('watchOrders: open orders first, then new, filled and cancelled orders', T, async () => {
    const resting = await exH.createOrder('ETH/USD', 'limit', 'buy', 0.11, 1950);
    const watcher = await server.ccxt(hank, CCXT_OPTIONS);
    await watcher.loadMarkets();
    await watchUntil(() => watcher.watchOrders(), () => findById(watcher.orders, resting.id)?.status === 'open',
      { what: 'the open order in the first user.order message', cached: () => watcher.orders });
    const first = findById(watcher.orders, resting.id);
    assert.deepEqual([first.symbol, first.side, first.price, first.amount, first.filled],
      ['ETH/USD', 'buy', 1950, 0.11, 0]);

    const ask = await exH.createOrder('ETH/USD', 'limit', 'sell', 0.2, 2030);
    await watchUntil(() => watcher.watchOrders(), () => findById(watcher.orders, ask.id)?.status === 'open',
      { what: 'the new ask as open', cached: () => watcher.orders });
    await exI.createOrder('ETH/USD', 'limit', 'buy', 0.2, 2030);
    await watchUntil(() => watcher.watchOrders(), () => findById(watcher.orders, ask.id)?.status === 'closed',
      { what: 'the ask filled', cached: () => watcher.orders });
    const filled = findById(watcher.orders, ask.id);
    assert.equal(filled.filled, 0.2);
    assert.equal(filled.average, 2030);
    assert.equal(filled.fee.cost, num(fee(notional('2030', '0.2'), MAKER_PPM)));

    await exH.cancelOrder(resting.id, 'ETH/USD');
    await watchUntil(() => watcher.watchOrders(), () => findById(watcher.orders, resting.id)?.status === 'canceled',
      { what: 'the cancelled order', cached: () => watcher.orders });
    await watcher.close();
  });

  it('watchMyTrades: the taker sees its trade with the taker fee; the maker with the maker fee', T, async () => {
    const wI = await server.ccxt(ivy, CCXT_OPTIONS);
    const wH = await server.ccxt(hank, CCXT_OPTIONS);
    await Promise.all([wI.loadMarkets(), wH.loadMarkets()]);
    // Subscribe first: the first message may come only with the next trade, so do not wait for it.
    const pendingI = wI.watchMyTrades('ETH/USD');
    const pendingH = wH.watchMyTrades();
    pendingI.catch(() => {}); pendingH.catch(() => {});
    await sleep(300);
    const ask = await exH.createOrder('ETH/USD', 'limit', 'sell', 0.09, 2004.44);
    const bid = await exI.createOrder('ETH/USD', 'limit', 'buy', 0.09, 2004.44);
    const n = notional('2004.44', '0.09');
    const isMine = (id) => (ts) => ts.some((t) => t.order === id);
    const ti = (await watchUntil(() => wI.watchMyTrades('ETH/USD'), isMine(bid.id), { what: "ivy's trade", cached: () => wI.trades['ETH/USD'] }))
      .find((t) => t.order === bid.id);
    assert.deepEqual([ti.symbol, ti.side, ti.takerOrMaker, ti.price, ti.amount], ['ETH/USD', 'buy', 'taker', 2004.44, 0.09]);
    assert.equal(ti.fee.cost, num(fee(n, TAKER_PPM)));
    assert.equal(ti.fee.currency, 'USD');
    const th = (await watchUntil(() => wH.watchMyTrades(), isMine(ask.id), { what: "hank's trade", cached: () => wH.trades['ETH/USD'] }))
      .find((t) => t.order === ask.id);
    assert.deepEqual([th.side, th.takerOrMaker, th.price, th.amount], ['sell', 'maker', 2004.44, 0.09]);
    assert.equal(th.fee.cost, num(fee(n, MAKER_PPM)));
    const rest = (await exI.fetchMyTrades('ETH/USD')).find((t) => t.order === bid.id);
    assert.equal(ti.id, rest.id, 'same trade id as get-trades');
    await wI.close(); await wH.close();
  });

  it('watchBalance: the current balances, then the hold of a new order', T, async () => {
    const watcher = await server.ccxt(ivy, CCXT_OPTIONS);
    await watcher.loadMarkets();
    const rest = await balances(exI);
    const b0 = await watchUntil(() => watcher.watchBalance(), (b) => b.USD !== undefined,
      { what: 'the balances sent on subscribe', cached: () => watcher.balance });
    assert.equal(b0.USD.total, num(rest.USD.total));
    assert.equal(b0.USD.used, 0);
    assert.equal(b0.ETH.total, num(rest.ETH.total));
    const o = await exI.createOrder('ETH/USD', 'limit', 'buy', 0.5, 1940.01);
    const hold = buyHold('1940.01', '0.5');
    const b1 = await watchUntil(() => watcher.watchBalance(), (b) => b.USD?.used === num(hold),
      { what: `USD used = ${num(hold)}`, cached: () => watcher.balance });
    assert.equal(b1.USD.total, num(rest.USD.total));
    assert.equal(b1.USD.free, num(rest.USD.total - hold));
    await exI.cancelOrder(o.id, 'ETH/USD');
    await watchUntil(() => watcher.watchBalance(), (b) => b.USD?.used === 0, { what: 'USD used back to 0', cached: () => watcher.balance });
    await watcher.close();
  });

  it('an unknown key is refused on public/auth with AuthenticationError', T, async () => {
    const bad = await server.ccxt(undefined, CCXT_OPTIONS);
    await bad.loadMarkets();
    bad.apiKey = ivy.api_key;
    bad.secret = 'not-the-secret';
    await rejectsWith(bad.watchBalance(), ccxt.AuthenticationError, 'watchBalance with a bad signature');
    await bad.close();
  });
});

describe('orders over the user socket', () => {
  afterEach(cancelEverything);
  it('createOrderWs, editOrderWs, cancelOrderWs act as their REST twins', T, async () => {
    const ws = await server.ccxt(hank, CCXT_OPTIONS);
    await ws.loadMarkets();
    freshRequest(ws);
    const o = await ws.createOrderWs('ETH/USD', 'limit', 'buy', 0.1, 1900, { client_oid: 'ws-1' });
    assert.match(o.id, /^\d+$/);
    assert.equal(o.clientOrderId, 'ws-1');
    let d = await exH.fetchOrder(o.id, 'ETH/USD');
    assert.deepEqual([d.status, d.side, d.price, d.amount, d.clientOrderId], ['open', 'buy', 1900, 0.1, 'ws-1']);

    await sleep(2);
    freshRequest(ws);
    const e = await ws.editOrderWs(o.id, 'ETH/USD', 'limit', 'buy', 0.2, 1901);
    assert.equal(e.id, o.id);
    d = await exH.fetchOrder(o.id, 'ETH/USD');
    assert.deepEqual([d.status, d.price, d.amount], ['open', 1901, 0.2]);
    const held = await balances(exH);
    assert.equal(held.USD.used, buyHold('1901', '0.2'));

    await sleep(2);
    freshRequest(ws);
    const c = await ws.cancelOrderWs(o.id);
    assert.equal(c.id, o.id);
    assert.equal((await exH.fetchOrder(o.id, 'ETH/USD')).status, 'canceled');
    assert.equal((await balances(exH)).USD.used, 0n);

    await sleep(2);
    freshRequest(ws);
    await rejectsWith(ws.createOrderWs('ETH/USD', 'limit', 'buy', 1000, 1900), ccxt.InsufficientFunds, 'createOrderWs too big');
    await sleep(2);
    freshRequest(ws);
    await rejectsWith(ws.cancelOrderWs('987654321987'), ccxt.OrderNotFound, 'cancelOrderWs unknown id');
    await sleep(2);
    freshRequest(ws);
    const bid = await exI.createOrder('ETH/USD', 'limit', 'buy', 0.01, 1999);
    const o2 = await ws.createOrderWs('ETH/USD', 'market', 'sell', 0.01);
    const d2 = await exH.fetchOrder(o2.id, 'ETH/USD');
    assert.deepEqual([d2.type, d2.side, d2.status, d2.filled, d2.average], ['market', 'sell', 'closed', 0.01, 1999]);
    assert.equal((await exI.fetchOrder(bid.id, 'ETH/USD')).status, 'closed');
    await ws.close();
  });
});

// CCXT's REST calls against sequexd: market data, balances, every order call, and an exact account of two
// accounts trading (notional, maker and taker fees rounded down to 1e-8 USD, conservation).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

const T = { timeout: 30_000 };
import ccxt from 'ccxt';
import { Server, rejectsWith } from './lib/server.mjs';
import { FUNDED, CCXT_OPTIONS, balances, assertBalances, sameIds, num } from './lib/helpers.mjs';
import { INSTRUMENTS, MAKER_PPM, TAKER_PPM, buyHold, decimal, fee, notional, units } from './lib/venue.mjs';

let server;
before(async () => { server = await Server.start(); });
after(async () => { await server?.dispose(); });

const decimalsOf = (tick) => (tick.split('.')[1] ?? '').length;
const near = (a, b, eps, what) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} is not within ${eps} of ${b}`);

describe('market data and markets', () => {
  it('loadMarkets lists the four default instruments with precision from their tick sizes', T, async () => {
    const account = await server.createAccount(FUNDED);
    const ex = await server.ccxt(account, CCXT_OPTIONS);
    const markets = await ex.loadMarkets();
    assert.deepEqual(Object.keys(markets).sort(), ['BTC/USD', 'ETH/BTC', 'ETH/USD', 'SOL/USD']);
    for (const [id, inst] of Object.entries(INSTRUMENTS)) {
      const m = markets[inst.symbol];
      assert.equal(m.id, id);
      assert.equal(m.base, inst.base);
      assert.equal(m.quote, inst.quote);
      assert.equal(m.type, 'spot');
      assert.equal(m.spot, true);
      assert.equal(m.active, true, `${id} tradable`);
      assert.equal(m.precision.price, Number(inst.priceTick), `${id} price precision`);
      assert.equal(m.precision.amount, Number(inst.qtyTick), `${id} amount precision`);
      assert.equal(m.info.inst_type, 'CCY_PAIR');
      assert.equal(units(m.info.price_tick_size), units(inst.priceTick));
      assert.equal(units(m.info.qty_tick_size), units(inst.qtyTick));
      assert.equal(m.info.quote_decimals, decimalsOf(inst.priceTick), `${id} quote_decimals (a number)`);
      assert.equal(m.info.quantity_decimals, decimalsOf(inst.qtyTick), `${id} quantity_decimals (a number)`);
    }
    // CCXT applies these precisions (amounts truncate) before it sends anything.
    assert.equal(ex.priceToPrecision('BTC/USD', 30000.126), '30000.13'); // prices round
    assert.equal(ex.priceToPrecision('BTC/USD', 30000.124), '30000.12');
    assert.equal(ex.amountToPrecision('BTC/USD', 0.123456), '0.12345');
    assert.equal(ex.priceToPrecision('ETH/BTC', 0.0512349), '0.05123');
    assert.equal(ex.amountToPrecision('SOL/USD', 1.239), '1.23');
  });

  it('a public client without keys loads the same markets, and an empty book is empty', T, async () => {
    const pub = await server.ccxt(undefined, CCXT_OPTIONS);
    const markets = await pub.loadMarkets();
    assert.equal(Object.keys(markets).length, 4);
    const book = await pub.fetchOrderBook('ETH/BTC');
    assert.equal(book.symbol, 'ETH/BTC');
    assert.deepEqual(book.bids, []);
    assert.deepEqual(book.asks, []);
    assert.equal(typeof book.timestamp, 'number');
    const trades = await pub.fetchTrades('ETH/BTC');
    assert.deepEqual(trades, []);
  });
});

describe('two accounts trade BTC/USD: balances and fees move exactly', () => {
  let alice; let bob; let exA; let exB; let pub;
  const fees = { alice: [], bob: [] };  // expected fee of each trade, in USD units
  const orders = {};

  before(async () => {
    alice = await server.createAccount(FUNDED);
    bob = await server.createAccount(FUNDED);
    exA = await server.ccxt(alice, CCXT_OPTIONS);
    exB = await server.ccxt(bob, CCXT_OPTIONS);
    pub = await server.ccxt(undefined, CCXT_OPTIONS);
    await Promise.all([exA.loadMarkets(), exB.loadMarkets(), pub.loadMarkets()]);
  });

  it('fetchBalance of new accounts shows the deposits, nothing held', T, async () => {
    for (const [who, ex] of [['alice', exA], ['bob', exB]]) {
      assertBalances(await balances(ex),
        { USD: ['100000', '0'], BTC: ['10', '0'], ETH: ['50', '0'], SOL: ['100', '0'] }, who);
    }
  });

  it('a resting maker sell is held and shown; a taker buy lifts it at the maker price', T, async () => {
    const sell = await exA.createOrder('BTC/USD', 'limit', 'sell', 0.00007, 30000.01, { client_oid: 'maker-1' });
    assert.match(sell.id, /^\d+$/, 'order id');
    assert.equal(sell.clientOrderId, 'maker-1');
    orders.makerSell = sell.id;
    assertBalances(await balances(exA), { BTC: ['10', '0.00007'], USD: ['100000', '0'] }, 'alice after her sell');
    const book = await pub.fetchOrderBook('BTC/USD');
    assert.deepEqual(book.asks.map(([p, q]) => [p, q]), [[30000.01, 0.00007]]);
    assert.deepEqual(book.bids, []);

    const buy = await exB.createOrder('BTC/USD', 'limit', 'buy', 0.00007, 30000.01, { client_oid: 'taker-1' });
    orders.takerBuy = buy.id;
    assert.notEqual(buy.id, sell.id);

    const n = notional('30000.01', '0.00007');
    assert.equal(n, 210000070n); // 2.1000007 USD
    const fm = fee(n, MAKER_PPM); // 0.000525 (52500.0175 units, rounded down)
    const ft = fee(n, TAKER_PPM); // 0.00105 (105000.035 units, rounded down)
    assert.equal(fm, 52500n);
    assert.equal(ft, 105000n);
    fees.alice.push(fm);
    fees.bob.push(ft);

    assertBalances(await balances(exA), {
      USD: [units('100000') + n - fm, 0n], BTC: ['9.99993', '0'], ETH: ['50', '0'], SOL: ['100', '0'],
    }, 'alice');
    assertBalances(await balances(exB), {
      USD: [units('100000') - n - ft, 0n], BTC: ['10.00007', '0'], ETH: ['50', '0'], SOL: ['100', '0'],
    }, 'bob');

    const sold = await exA.fetchOrder(sell.id, 'BTC/USD');
    assert.equal(sold.status, 'closed');
    assert.equal(sold.side, 'sell');
    assert.equal(sold.type, 'limit');
    assert.equal(sold.price, 30000.01);
    assert.equal(sold.amount, 0.00007);
    assert.equal(sold.filled, 0.00007);
    assert.equal(sold.remaining, 0);
    assert.equal(sold.cost, num(n));
    assert.equal(sold.average, 30000.01);
    assert.equal(sold.fee.cost, num(fm));
    assert.equal(sold.fee.currency, 'USD');
    assert.equal(sold.clientOrderId, 'maker-1');

    const bought = await exB.fetchOrder(buy.id, 'BTC/USD');
    assert.equal(bought.status, 'closed');
    assert.equal(bought.filled, 0.00007);
    assert.equal(bought.average, 30000.01);
    assert.equal(bought.cost, num(n));
    assert.equal(bought.fee.cost, num(ft));
    assert.equal(bought.timeInForce, 'GTC');
    assert.ok(Math.abs(bought.timestamp - Date.now()) < 60_000, `create_time ${bought.timestamp} is now`);
  });

  it('a market buy by quantity sweeps two levels; each trade has its own fee, rounded down', T, async () => {
    const s1 = await exA.createOrder('BTC/USD', 'limit', 'sell', 0.00003, 30000.03);
    const s2 = await exA.createOrder('BTC/USD', 'limit', 'sell', 0.00005, 30000.07);
    orders.sweep = [s1.id, s2.id];
    const before = await balances(exB);
    const m = await exB.createOrder('BTC/USD', 'market', 'buy', 0.00008);
    orders.market = m.id;

    const n1 = notional('30000.03', '0.00003'); // 0.9000009
    const n2 = notional('30000.07', '0.00005'); // 1.5000035
    assert.deepEqual([n1, n2], [90000090n, 150000350n]);
    const fm = [fee(n1, MAKER_PPM), fee(n2, MAKER_PPM)]; // 22500 (.0225), 37500 (.0875)
    const ft = [fee(n1, TAKER_PPM), fee(n2, TAKER_PPM)]; // 45000 (.045), 75000 (.175)
    assert.deepEqual([...fm, ...ft], [22500n, 37500n, 45000n, 75000n]);
    fees.alice.push(...fm);
    fees.bob.push(...ft);

    const after = await balances(exB);
    assertBalances(after, {
      USD: [before.USD.total - n1 - n2 - ft[0] - ft[1], 0n],
      BTC: [before.BTC.total + units('0.00008'), 0n],
    }, 'bob after the market buy');

    const o = await exB.fetchOrder(m.id, 'BTC/USD');
    assert.equal(o.type, 'market');
    assert.equal(o.side, 'buy');
    assert.equal(o.status, 'closed');
    assert.equal(o.filled, 0.00008);
    assert.equal(o.cost, num(n1 + n2));
    assert.equal(o.fee.cost, num(ft[0] + ft[1]));
    near(o.average, 30000.055, 0.01, 'average price of the sweep');
    for (const id of orders.sweep) assert.equal((await exA.fetchOrder(id, 'BTC/USD')).status, 'closed');
  });

  it('conservation: both accounts plus the fees equal the deposits, to the unit', T, async () => {
    const a = await balances(exA);
    const b = await balances(exB);
    const totalFees = [...fees.alice, ...fees.bob].reduce((x, y) => x + y, 0n);
    assert.equal(decimal(a.USD.total + b.USD.total + totalFees), '200000');
    assert.equal(decimal(a.BTC.total + b.BTC.total), '20');
    assertBalances(a, {
      USD: [units('100000') + 210000070n + 90000090n + 150000350n - 52500n - 22500n - 37500n, 0n],
      BTC: ['9.99985', '0'],
    }, 'alice');
    assertBalances(b, {
      USD: [units('100000') - 210000070n - 90000090n - 150000350n - 105000n - 45000n - 75000n, 0n],
      BTC: ['10.00015', '0'],
    }, 'bob');
  });

  it('fetchMyTrades gives each side its trades, roles and fees; both sides share the match ids', T, async () => {
    const ta = await exA.fetchMyTrades('BTC/USD');
    const tb = await exB.fetchMyTrades('BTC/USD');
    assert.equal(ta.length, 3, `alice trades: ${JSON.stringify(ta.map((t) => t.info))}`);
    assert.equal(tb.length, 3, `bob trades: ${JSON.stringify(tb.map((t) => t.info))}`);
    const byPrice = (ts) => [...ts].sort((x, y) => x.price - y.price);
    const expected = [[30000.01, 0.00007], [30000.03, 0.00003], [30000.07, 0.00005]];
    byPrice(ta).forEach((t, i) => {
      assert.deepEqual([t.price, t.amount], expected[i]);
      assert.equal(t.symbol, 'BTC/USD');
      assert.equal(t.side, 'sell');
      assert.equal(t.takerOrMaker, 'maker');
      assert.equal(t.fee.currency, 'USD');
      assert.equal(t.fee.cost, num(fees.alice[i]), `alice fee of trade ${i}`);
      assert.equal(units(t.info.fees), -fees.alice[i], 'raw fees are negative (deducted)');
    });
    byPrice(tb).forEach((t, i) => {
      assert.deepEqual([t.price, t.amount], expected[i]);
      assert.equal(t.side, 'buy');
      assert.equal(t.takerOrMaker, 'taker');
      assert.equal(t.fee.cost, num(fees.bob[i]), `bob fee of trade ${i}`);
    });
    assert.deepEqual(byPrice(ta).map((t) => t.order), [orders.makerSell, ...orders.sweep]);
    assert.deepEqual(byPrice(tb).map((t) => t.order), [orders.takerBuy, orders.market, orders.market]);
    assert.deepEqual(byPrice(ta).map((t) => String(t.info.trade_match_id)),
      byPrice(tb).map((t) => String(t.info.trade_match_id)), 'the two sides of a trade share its match id');
    assert.equal(new Set(ta.map((t) => t.id)).size, 3, 'trade ids are distinct');
    const newest = byPrice(tb)[2];
    const since = await exB.fetchMyTrades('BTC/USD', newest.timestamp);
    assert.ok(since.some((t) => t.id === newest.id), 'fetchMyTrades(since) includes the trade at since');
    const one = await exB.fetchMyTrades('BTC/USD', undefined, 1);
    assert.equal(one.length, 1, 'fetchMyTrades(limit=1)');
  });

  it('fetchTrades, fetchOrderBook, fetchTicker(s) and fetchOHLCV reflect the trades', T, async () => {
    const bid = await exA.createOrder('BTC/USD', 'limit', 'buy', 0.001, 29000);
    const ask = await exA.createOrder('BTC/USD', 'limit', 'sell', 0.002, 31000);
    try {
      const trades = await pub.fetchTrades('BTC/USD');
      assert.deepEqual(trades.map((t) => [t.price, t.amount, t.side]),
        [[30000.01, 0.00007, 'buy'], [30000.03, 0.00003, 'buy'], [30000.07, 0.00005, 'buy']],
        'public trades, oldest first, side = the taker side');
      assert.equal(new Set(trades.map((t) => t.id)).size, 3);
      for (const t of trades) assert.ok(Math.abs(t.timestamp - Date.now()) < 120_000, 'trade time is recent');
      const limited = await pub.fetchTrades('BTC/USD', undefined, 2);
      assert.equal(limited.length, 2, 'count=2');

      const book = await pub.fetchOrderBook('BTC/USD');
      assert.deepEqual(book.bids.map(([p, q]) => [p, q]), [[29000, 0.001]]);
      assert.deepEqual(book.asks.map(([p, q]) => [p, q]), [[31000, 0.002]]);

      const t = await pub.fetchTicker('BTC/USD');
      assert.equal(t.symbol, 'BTC/USD');
      assert.equal(t.last, 30000.07);
      assert.equal(t.high, 30000.07);
      assert.equal(t.low, 30000.01);
      assert.equal(t.bid, 29000);
      assert.equal(t.ask, 31000);
      assert.equal(t.baseVolume, 0.00015);
      assert.equal(t.quoteVolume, num(210000070n + 90000090n + 150000350n));
      const all = await pub.fetchTickers();
      assert.deepEqual(Object.keys(all).sort(), ['BTC/USD', 'ETH/BTC', 'ETH/USD', 'SOL/USD']);
      assert.equal(all['BTC/USD'].last, 30000.07);

      // Candles: bucket the trades by their own minute, so a minute boundary during the test changes nothing.
      const candles = new Map();
      for (const tr of trades) {
        const m = Math.floor(tr.timestamp / 60_000) * 60_000;
        const c = candles.get(m);
        if (!c) candles.set(m, [m, tr.price, tr.price, tr.price, tr.price, tr.amount]);
        else { c[2] = Math.max(c[2], tr.price); c[3] = Math.min(c[3], tr.price); c[4] = tr.price; c[5] = num(units(String(c[5])) + units(String(tr.amount))); }
      }
      const ohlcv = await pub.fetchOHLCV('BTC/USD', '1m');
      const got = ohlcv.filter((c) => candles.has(c[0]));
      assert.deepEqual(got, [...candles.values()], `1m candles: ${JSON.stringify(ohlcv)}`);
      // With since (and limit) CCXT sends start_ts / end_ts in ms, without since end_ts in µs: both must work.
      const firstMinute = Math.min(...candles.keys());
      const since = await pub.fetchOHLCV('BTC/USD', '1m', firstMinute, 2);
      assert.deepEqual(since.filter((c) => candles.has(c[0])), [...candles.values()].filter((c) => c[0] < firstMinute + 120_000),
        `fetchOHLCV(since=${firstMinute}, limit=2): ${JSON.stringify(since)}`);
      const lastTrade = trades[trades.length - 1];
      const recent = await pub.fetchTrades('BTC/USD', lastTrade.timestamp);
      assert.ok(recent.some((x) => x.id === lastTrade.id), `fetchTrades(since=last trade time): ${JSON.stringify(recent.map((x) => x.id))}`);
      assert.ok(recent.every((x) => x.timestamp >= lastTrade.timestamp));
      const none = await pub.fetchTrades('BTC/USD', lastTrade.timestamp + 1, undefined, { until: lastTrade.timestamp + 60_000 });
      assert.ok(!none.some((x) => x.id === trades[0].id), 'start_ts excludes older trades');
      const hours = new Set(trades.map((tr) => Math.floor(tr.timestamp / 3_600_000) * 3_600_000));
      if (hours.size === 1) { // (the trades did not straddle an hour boundary)
        const hour = await pub.fetchOHLCV('BTC/USD', '1h');
        const last = hour.find((c) => c[0] === [...hours][0]);
        assert.deepEqual(last, [[...hours][0], 30000.01, 30000.07, 30000.01, 30000.07, 0.00015], '1h candle');
      }
    } finally {
      await exA.cancelOrder(bid.id, 'BTC/USD');
      await exA.cancelOrder(ask.id, 'BTC/USD');
    }
  });

  it('fetchOrders (order history) lists the finished orders with their final state', T, async () => {
    const history = await exB.fetchOrders('BTC/USD');
    const byId = new Map(history.map((o) => [o.id, o]));
    for (const id of [orders.takerBuy, orders.market]) {
      assert.ok(byId.has(id), `order ${id} in bob's history: ${JSON.stringify(history.map((o) => o.info))}`);
      assert.equal(byId.get(id).status, 'closed');
      assert.equal(byId.get(id).symbol, 'BTC/USD');
    }
    assert.equal(byId.get(orders.market).filled, 0.00008);
    const historyA = await exA.fetchOrders('BTC/USD');
    const statuses = new Map(historyA.map((o) => [o.id, o.status]));
    assert.equal(statuses.get(orders.makerSell), 'closed');
    for (const id of orders.sweep) assert.equal(statuses.get(id), 'closed');
  });
});

describe('order calls (SOL/USD, ETH/USD)', () => {
  let carol; let dave; let exC; let exD; let pub;

  before(async () => {
    carol = await server.createAccount(FUNDED);
    dave = await server.createAccount(FUNDED);
    exC = await server.ccxt(carol, CCXT_OPTIONS);
    exD = await server.ccxt(dave, CCXT_OPTIONS);
    pub = await server.ccxt(undefined, CCXT_OPTIONS);
    await Promise.all([exC.loadMarkets(), exD.loadMarkets(), pub.loadMarkets()]);
  });

  const cleanup = async () => {
    await exC.cancelAllOrders();
    await exD.cancelAllOrders();
  };

  it('a resting limit buy holds notional + fee at the taker rate until it is cancelled', T, async () => {
    try {
      const o = await exC.createOrder('SOL/USD', 'limit', 'buy', 1.23, 24.005, { client_oid: 'sol-rest-1' });
      const hold = buyHold('24.005', '1.23'); // 29.52615 + floor(0.014763075) = 29.54091307
      assert.equal(hold, 2954091307n);
      assertBalances(await balances(exC), { USD: ['100000', hold], SOL: ['100', '0'] }, 'carol');

      const detail = await exC.fetchOrder(o.id, 'SOL/USD');
      assert.equal(detail.id, o.id);
      assert.equal(detail.clientOrderId, 'sol-rest-1');
      assert.equal(detail.status, 'open');
      assert.equal(detail.symbol, 'SOL/USD');
      assert.equal(detail.type, 'limit');
      assert.equal(detail.side, 'buy');
      assert.equal(detail.price, 24.005);
      assert.equal(detail.amount, 1.23);
      assert.equal(detail.filled, 0);
      assert.equal(detail.remaining, 1.23);
      assert.equal(detail.timeInForce, 'GTC');
      assert.equal(detail.postOnly, false);
      assert.equal(detail.info.status, 'ACTIVE');

      const open = await exC.fetchOpenOrders('SOL/USD');
      assert.deepEqual(sameIds(open), [o.id]);
      assert.deepEqual(sameIds(await exC.fetchOpenOrders()), [o.id], 'without a symbol');
      assert.deepEqual(await exD.fetchOpenOrders(), [], "dave does not see carol's order");
      const book = await pub.fetchOrderBook('SOL/USD');
      assert.deepEqual(book.bids.map(([p, q]) => [p, q]), [[24.005, 1.23]]);

      const c = await exC.cancelOrder(o.id, 'SOL/USD');
      assert.equal(c.id, o.id);
      assert.equal((await exC.fetchOrder(o.id, 'SOL/USD')).status, 'canceled');
      assertBalances(await balances(exC), { USD: ['100000', '0'] }, 'carol after cancel');
      assert.deepEqual(await exC.fetchOpenOrders('SOL/USD'), []);
      assert.deepEqual((await pub.fetchOrderBook('SOL/USD')).bids, []);
    } finally {
      await cleanup();
    }
  });

  it('several orders on one level aggregate in the book; fetchOrderBook(limit) cuts the depth', T, async () => {
    try {
      await exC.createOrder('SOL/USD', 'limit', 'buy', 1, 24.5);
      await exD.createOrder('SOL/USD', 'limit', 'buy', 2.5, 24.5);
      await exC.createOrder('SOL/USD', 'limit', 'buy', 1, 24.4);
      await exD.createOrder('SOL/USD', 'limit', 'sell', 0.75, 25.25);
      await exD.createOrder('SOL/USD', 'limit', 'sell', 0.25, 25.5);
      const book = await pub.fetchOrderBook('SOL/USD');
      assert.deepEqual(book.bids, [[24.5, 3.5, 2], [24.4, 1, 1]], 'bids as [price, qty, number of orders]');
      assert.deepEqual(book.asks, [[25.25, 0.75, 1], [25.5, 0.25, 1]]);
      const top = await pub.fetchOrderBook('SOL/USD', 1);
      assert.deepEqual(top.bids.map(([p, q]) => [p, q]), [[24.5, 3.5]]);
      assert.deepEqual(top.asks.map(([p, q]) => [p, q]), [[25.25, 0.75]]);
    } finally {
      await cleanup();
    }
  });

  it('postOnly rests with exec_inst POST_ONLY and GTC', T, async () => {
    try {
      const o = await exC.createOrder('SOL/USD', 'limit', 'buy', 2, 23.5, { postOnly: true });
      const d = await exC.fetchOrder(o.id, 'SOL/USD');
      assert.equal(d.status, 'open');
      assert.equal(d.postOnly, true);
      assert.deepEqual(d.info.exec_inst, ['POST_ONLY']);
      assert.equal(d.timeInForce, 'GTC');
    } finally {
      await cleanup();
    }
  });

  it('editOrder changes price and quantity, keeps the order id and re-computes the hold', T, async () => {
    try {
      const o = await exC.createOrder('SOL/USD', 'limit', 'buy', 1, 24, { client_oid: 'edit-me' });
      assertBalances(await balances(exC), { USD: ['100000', buyHold('24', '1')] }, 'before edit');
      const e = await exC.editOrder(o.id, 'SOL/USD', 'limit', 'buy', 2, 24.25);
      assert.equal(e.id, o.id, 'amend keeps the order id');
      const d = await exC.fetchOrder(o.id, 'SOL/USD');
      assert.equal(d.price, 24.25);
      assert.equal(d.amount, 2);
      assert.equal(d.status, 'open');
      assert.equal(d.clientOrderId, 'edit-me');
      assertBalances(await balances(exC), { USD: ['100000', buyHold('24.25', '2')] }, 'after edit');
      assert.deepEqual((await pub.fetchOrderBook('SOL/USD')).bids.map(([p, q]) => [p, q]), [[24.25, 2]]);
      // Down in quantity at the same price (keeps priority).
      await exC.editOrder(o.id, 'SOL/USD', 'limit', 'buy', 0.5, 24.25);
      assertBalances(await balances(exC), { USD: ['100000', buyHold('24.25', '0.5')] }, 'after reducing');
    } finally {
      await cleanup();
    }
  });

  it('client_oid: get-order-detail, amend (orig_client_oid) and cancel by it; a duplicate open one is 204', T, async () => {
    try {
      const o = await exC.createOrder('SOL/USD', 'limit', 'buy', 1, 24.1, { client_oid: 'by-oid-1' });
      const detail = await exC.v1PrivatePostPrivateGetOrderDetail({ client_oid: 'by-oid-1' });
      assert.equal(detail.code, 0);
      assert.equal(String(detail.result.order_id), o.id);
      const dup = await rejectsWith(exC.createOrder('SOL/USD', 'limit', 'buy', 1, 24.2, { client_oid: 'by-oid-1' }),
        ccxt.ExchangeError, 'a second open order with the same client_oid');
      assert.match(dup.message, /"code"\s*:\s*204\b/);
      const e = await exC.editOrder(undefined, 'SOL/USD', 'limit', 'buy', 1.5, 24.15, { clientOrderId: 'by-oid-1' });
      assert.equal(e.id, o.id);
      const d = await exC.fetchOrder(o.id, 'SOL/USD');
      assert.deepEqual([d.price, d.amount, d.clientOrderId], [24.15, 1.5, 'by-oid-1']);
      const c = await exC.v1PrivatePostPrivateCancelOrder({ client_oid: 'by-oid-1' });
      assert.equal(c.code, 0);
      assert.equal((await exC.fetchOrder(o.id, 'SOL/USD')).status, 'canceled');
      // Once the first is closed, its client_oid may be used again.
      const again = await exC.createOrder('SOL/USD', 'limit', 'buy', 1, 24.1, { client_oid: 'by-oid-1' });
      assert.notEqual(again.id, o.id);
    } finally {
      await cleanup();
    }
  });

  it('IOC fills what the book has and expires the rest, leaving nothing held', T, async () => {
    try {
      const before = await balances(exC);
      const ask = await exD.createOrder('SOL/USD', 'limit', 'sell', 0.5, 25);
      const ioc = await exC.createOrder('SOL/USD', 'limit', 'buy', 1, 25, { timeInForce: 'IOC' });
      const d = await exC.fetchOrder(ioc.id, 'SOL/USD');
      assert.equal(d.timeInForce, 'IOC');
      assert.equal(d.filled, 0.5);
      assert.equal(d.status, 'expired', `IOC remainder: ${JSON.stringify(d.info)}`);
      assert.equal((await exD.fetchOrder(ask.id, 'SOL/USD')).status, 'closed');
      const n = notional('25', '0.5');
      const b = await balances(exC);
      assertBalances(b, {
        USD: [before.USD.total - n - fee(n, TAKER_PPM), 0n],
        SOL: [before.SOL.total + units('0.5'), 0n],
      }, 'carol');
      assert.deepEqual(await exC.fetchOpenOrders('SOL/USD'), []);
    } finally {
      await cleanup();
    }
  });

  it('FOK that the book can fill fills completely, at the maker price', T, async () => {
    try {
      const ask = await exD.createOrder('SOL/USD', 'limit', 'sell', 0.3, 25.5);
      const fok = await exC.createOrder('SOL/USD', 'limit', 'buy', 0.3, 26, { timeInForce: 'FOK' });
      const d = await exC.fetchOrder(fok.id, 'SOL/USD');
      assert.equal(d.timeInForce, 'FOK');
      assert.equal(d.status, 'closed');
      assert.equal(d.filled, 0.3);
      assert.equal(d.average, 25.5);
      assert.equal(d.cost, 7.65);
      assert.equal((await exD.fetchOrder(ask.id, 'SOL/USD')).filled, 0.3);
    } finally {
      await cleanup();
    }
  });

  it('a market sell by quantity fills against the bid', T, async () => {
    try {
      const before = await balances(exD);
      const bid = await exC.createOrder('SOL/USD', 'limit', 'buy', 0.4, 24.75);
      const m = await exD.createOrder('SOL/USD', 'market', 'sell', 0.4);
      const d = await exD.fetchOrder(m.id, 'SOL/USD');
      assert.equal(d.type, 'market');
      assert.equal(d.status, 'closed');
      assert.equal(d.filled, 0.4);
      assert.equal(d.average, 24.75);
      assert.equal((await exC.fetchOrder(bid.id, 'SOL/USD')).status, 'closed');
      const n = notional('24.75', '0.4');
      assertBalances(await balances(exD), {
        USD: [before.USD.total + n - fee(n, TAKER_PPM), 0n],
        SOL: [before.SOL.total - units('0.4'), 0n],
      }, 'dave');
    } finally {
      await cleanup();
    }
  });

  it('cancelAllOrders with a symbol cancels only that book; without one, everything', T, async () => {
    try {
      const e1 = await exC.createOrder('ETH/USD', 'limit', 'buy', 0.01, 1990);
      const e2 = await exC.createOrder('ETH/USD', 'limit', 'sell', 0.02, 2100);
      const s1 = await exC.createOrder('SOL/USD', 'limit', 'buy', 1, 24);
      assert.deepEqual(sameIds(await exC.fetchOpenOrders()), [e1.id, e2.id, s1.id].sort());
      await exC.cancelAllOrders('ETH/USD');
      assert.deepEqual(sameIds(await exC.fetchOpenOrders()), [s1.id]);
      assert.equal((await exC.fetchOrder(e1.id, 'ETH/USD')).status, 'canceled');
      assert.equal((await exC.fetchOrder(e2.id, 'ETH/USD')).status, 'canceled');
      await exC.cancelAllOrders();
      assert.deepEqual(await exC.fetchOpenOrders(), []);
      const b = await balances(exC);
      for (const asset of ['USD', 'BTC', 'ETH', 'SOL']) assert.equal(b[asset].used, 0n, `${asset} released`);
    } finally {
      await cleanup();
    }
  });

  it('createOrders places an order list; an item that fails is reported rejected, the others rest', T, async () => {
    try {
      const before = await balances(exC);
      const list = await exC.createOrders([
        { symbol: 'ETH/USD', type: 'limit', side: 'buy', amount: 0.01, price: 1990 },
        { symbol: 'ETH/USD', type: 'limit', side: 'buy', amount: 0.02, price: 1995.5 },
        { symbol: 'ETH/USD', type: 'limit', side: 'sell', amount: 0.01, price: 2100 },
        { symbol: 'ETH/USD', type: 'limit', side: 'sell', amount: 1000, price: 2100 }, // carol has 50 ETH: 306
      ]);
      assert.equal(list.length, 4, JSON.stringify(list.map((o) => o.info)));
      assert.deepEqual(list.map((o) => o.info.index), [0, 1, 2, 3]);
      assert.deepEqual(list.map((o) => o.info.code), [0, 0, 0, 306]);
      assert.equal(list[3].status, 'rejected');
      const ok = list.slice(0, 3).map((o) => o.id);
      for (const id of ok) assert.match(id, /^\d+$/);
      assert.deepEqual(sameIds(await exC.fetchOpenOrders('ETH/USD')), [...ok].sort());
      assertBalances(await balances(exC), {
        USD: [before.USD.total, buyHold('1990', '0.01') + buyHold('1995.5', '0.02')],
        ETH: [before.ETH.total, units('0.01')],
      }, 'carol holds for the three orders');
    } finally {
      await cleanup();
    }
  });

  it('cancelOrders (cancel-order-list) cancels a list and reports each item', T, async () => {
    try {
      const a = await exC.createOrder('ETH/USD', 'limit', 'buy', 0.01, 1980);
      const b = await exC.createOrder('ETH/USD', 'limit', 'buy', 0.01, 1981);
      const keep = await exC.createOrder('ETH/USD', 'limit', 'buy', 0.01, 1982);
      const res = await exC.cancelOrders([a.id, b.id], 'ETH/USD');
      assert.deepEqual(res.map((o) => o.id).sort(), [a.id, b.id].sort(), `cancel-order-list result: ${JSON.stringify(res.map((o) => o.info))}`);
      assert.deepEqual(sameIds(await exC.fetchOpenOrders('ETH/USD')), [keep.id]);
    } finally {
      await cleanup();
    }
  });

  it('fetchOrders lists finished orders with their final status', T, async () => {
    const history = await exC.fetchOrders('SOL/USD');
    const statuses = history.map((o) => o.status);
    assert.ok(statuses.includes('canceled'), `a cancelled order in ${JSON.stringify(statuses)}`);
    assert.ok(statuses.includes('expired'), `the IOC in ${JSON.stringify(statuses)}`);
    assert.ok(statuses.includes('closed'), `the FOK in ${JSON.stringify(statuses)}`);
    for (const o of history) assert.equal(o.symbol, 'SOL/USD');
    const rest = history.find((o) => o.clientOrderId === 'sol-rest-1');
    assert.ok(rest, 'the first resting order');
    assert.equal(rest.status, 'canceled');
    assert.equal(rest.filled, 0);
    assert.equal(rest.amount, 1.23);
  });
});

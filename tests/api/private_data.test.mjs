// Private data as a client sees it, checked against itself: a seeded random flow of several accounts (limit, market,
// IOC, FOK, post-only, amends, cancels by id and client_oid, cancel-all, stops that trigger, self-trade prevention,
// market buys by notional, deposits and withdrawals), then every user.order / user.trade / user.balance push rebuilt
// and compared with get-order-detail, get-order-history, get-open-orders, get-trades and user-balance; the query
// parameters at their edges; and all of it across kill -9 and SIGTERM.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Server, eventually, tomlSection } from './lib/server.mjs';
import { RawSocket, privateCall } from './lib/raw.mjs';
import { FUNDED } from './lib/helpers.mjs';
import { decimal, rawBalances, units } from './lib/venue.mjs';

const T = { timeout: 120_000 };
const ASSETS = ['USD', 'BTC', 'ETH', 'SOL'];
const INST = {
  ETH_USD: { base: 'ETH', quote: 'USD', mid: 2000, tick: 0.01, qty: (r) => (0.01 + Math.floor(r * 40) / 100).toFixed(2) },
  SOL_USD: { base: 'SOL', quote: 'USD', mid: 150, tick: 0.001, qty: (r) => (0.1 + Math.floor(r * 50) / 10).toFixed(2) },
};
const TERMINAL = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);

let server;
let accounts;                     // the traders
const deposits = Object.fromEntries(ASSETS.map((a) => [a, 0n]));  // net deposits - withdrawals, in units
const pushes = new Map();         // account_id -> { order: [Order...], trade: [Trade...], balance: [result...], sol: [Trade...] }
const sockets = [];
const created = new Map();        // account_id -> [order_id...]

before(async () => {
  server = await Server.start({
    // History snapshots every 50 commands: the restarts below load one and fold the journal after it.
    config: tomlSection('journal', { snapshot_interval: 50 }) +
      tomlSection('rate_limits', { order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000,
        order_detail_per_100ms: 1_000_000, history_per_second: 1_000_000, ws_user_per_second: 1_000_000 }),
  });
  accounts = [];
  for (let i = 0; i < 3; ++i) {
    accounts.push(await server.createAccount(FUNDED));
    for (const [a, v] of Object.entries(FUNDED)) deposits[a] += units(v);
  }
});
after(async () => {
  for (const s of sockets) await s.close();
  await server?.dispose();
});

const call = async (account, method, params = {}) => {
  const r = await privateCall(server, account, method, params);
  assert.ok(r.json && Number.isInteger(r.json.code), `${method}: ${r.text.slice(0, 300)}`);
  return r.json;
};
const ok = async (account, method, params = {}) => {
  const j = await call(account, method, params);
  assert.equal(j.code, 0, `${method} ${JSON.stringify(params)}: ${JSON.stringify(j).slice(0, 300)}`);
  return j.result;
};

// Opens a user socket for the account, subscribed to every user channel; each push is kept in arrival order.
const listen = async (account) => {
  const got = { order: [], trade: [], balance: [], sol: [] };
  pushes.set(account.account_id, got);
  const socket = await RawSocket.open(server.wsUser);
  sockets.push(socket);
  socket.ws.on('message', (raw) => {
    const m = JSON.parse(raw);
    const r = m.result;
    if (m.method !== 'subscribe' || m.id !== -1 || !r?.channel) return;
    if (r.subscription === 'user.trade.SOL_USD') got.sol.push(...r.data);
    else if (r.channel === 'user.order') got.order.push(...r.data);
    else if (r.channel === 'user.trade') got.trade.push(...r.data);
    else if (r.channel === 'user.balance') got.balance.push(r.data);
  });
  await socket.auth(account);
  const reply = await socket.request({ method: 'subscribe',
    params: { channels: ['user.order', 'user.trade', 'user.balance', 'user.trade.SOL_USD'] } });
  assert.equal(reply.code, 0, JSON.stringify(reply));
  return got;
};

// Every trade of the account, newest first, through get-trades' pages of at most 100: each page ends at the oldest
// time of the one before (end_time is inclusive), and what was already seen is left out.
const allTrades = async (account, extra = {}) => {
  const seen = new Map();
  let end;
  for (let page = 0; page < 200; ++page) {
    const data = (await ok(account, 'private/get-trades', { limit: 100, ...extra, ...(end ? { end_time: end } : {}) })).data;
    const fresh = data.filter((t) => !seen.has(t.trade_id));
    for (const t of fresh) seen.set(t.trade_id, t);
    if (data.length < 100) break;
    assert.ok(fresh.length > 0, 'a page of get-trades brought nothing new: more than 100 trades share a nanosecond');
    end = data.at(-1).create_time_ns;
  }
  return [...seen.values()];
};

// What a client can read over REST of its private data.
const restState = async (account) => {
  const open = (await ok(account, 'private/get-open-orders')).data;
  const history = (await ok(account, 'private/get-order-history', { limit: 100_000 })).data;
  const details = {};
  for (const id of created.get(account.account_id) ?? []) {
    details[id] = await ok(account, 'private/get-order-detail', { order_id: id });
  }
  const trades = await allTrades(account);
  const balance = (await ok(account, 'private/user-balance')).data;
  return { open, history, details, trades, balance };
};

const tradeOrder = (a, b) => (BigInt(a.trade_id) < BigInt(b.trade_id) ? -1 : 1);
const orderOrder = (a, b) => (BigInt(a.order_id) < BigInt(b.order_id) ? -1 : 1);

// The funds an open order holds (docs/engine.md, "Holds"): a sell its remaining base, a buy limit the notional of
// its remaining quantity at its price plus the fee at the higher of its rates.
const requirement = (o) => {
  const rem = units(o.quantity) - units(o.cumulative_quantity);
  const inst = INST[o.instrument_name];
  if (o.side === 'SELL') return [inst.base, rem];
  const n = units(o.limit_price) * rem / 100_000_000n;
  const rate = [units(o.maker_fee_rate), units(o.taker_fee_rate), 0n].reduce((x, y) => (y > x ? y : x));
  return [inst.quote, n + n * rate / 100_000_000n];
};

describe('a random flow of several accounts', () => {
  it('user.order / user.trade / user.balance pushes rebuild every REST view exactly', T, async () => {
    // The third account pays tier 1's rates: a maker rebate (docs/server.md, "fees/tier").
    assert.equal((await server.admin('fees/tier', { tier: 1, maker_rate: '-0.0001', taker_rate: '0.0003' })).code, 0);
    assert.equal((await server.admin('account/fee-tier', { account_id: accounts[2].account_id, tier: 1 })).code, 0);
    for (const a of accounts) {
      await listen(a);
      created.set(a.account_id, []);
    }
    let seed = 20261207;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const codes = {};
    const count = (what, code) => { codes[`${what} ${code}`] = (codes[`${what} ${code}`] ?? 0) + 1; };
    const oids = new Map();  // account_id -> client_oids given
    let n = 0;
    const place = async (who, params) => {
      const j = await call(who, 'private/create-order', params);
      count(`${params.type}${params.time_in_force ? '/' + params.time_in_force : ''}`, j.code);
      if (j.code === 0) created.get(who.account_id).push(j.result.order_id);
      return j;
    };
    for (let i = 0; i < 1500; ++i) {
      const who = accounts[Math.floor(rnd() * accounts.length)];
      const symbol = rnd() < 0.75 ? 'ETH_USD' : 'SOL_USD';
      const inst = INST[symbol];
      const side = rnd() < 0.5 ? 'BUY' : 'SELL';
      const away = Math.floor(rnd() * 12) - 3;  // ticks of 1 (ETH) or 0.1 (SOL) on the passive side, some crossing
      const step = symbol === 'ETH_USD' ? 1 : 0.1;
      const price = (inst.mid + (side === 'BUY' ? -away : away) * step).toFixed(symbol === 'ETH_USD' ? 2 : 3);
      const mine = created.get(who.account_id).slice(-25);
      const pick = () => mine[Math.floor(rnd() * mine.length)];
      const x = rnd();
      const oid = rnd() < 0.5 ? `c${i}-${++n}` : undefined;
      if (oid) oids.set(who.account_id, [...(oids.get(who.account_id) ?? []), oid]);
      if (x < 0.34) {
        const params = { instrument_name: symbol, side, type: 'LIMIT', price, quantity: inst.qty(rnd()) };
        if (oid) params.client_oid = oid;
        if (rnd() < 0.15) params.exec_inst = ['POST_ONLY'];
        if (rnd() < 0.25) params.stp_inst = ['M', 'T', 'B'][Math.floor(rnd() * 3)];
        await place(who, params);
      } else if (x < 0.42) {
        await place(who, { instrument_name: symbol, side, type: 'LIMIT', price, quantity: inst.qty(rnd()),
          time_in_force: rnd() < 0.5 ? 'IMMEDIATE_OR_CANCEL' : 'FILL_OR_KILL', ...(oid ? { client_oid: oid } : {}) });
      } else if (x < 0.49) {
        await place(who, side === 'SELL' || rnd() < 0.3
          ? { instrument_name: symbol, side, type: 'MARKET', quantity: inst.qty(rnd()) }
          : { instrument_name: symbol, side, type: 'MARKET', notional: (20 + Math.floor(rnd() * 300)).toString() });
      } else if (x < 0.59 && mine.length) {
        const j = await call(who, 'private/amend-order', { order_id: pick(),
          new_price: (inst.mid + (Math.floor(rnd() * 16) - 8) * step).toFixed(symbol === 'ETH_USD' ? 2 : 3),
          new_quantity: inst.qty(rnd()), ...(rnd() < 0.2 ? { client_oid: `a${i}` } : {}) });
        count('amend', j.code);
      } else if (x < 0.67 && mine.length) {
        count('cancel by id', (await call(who, 'private/cancel-order', { order_id: pick() })).code);
      } else if (x < 0.73 && oids.get(who.account_id)?.length) {
        const list = oids.get(who.account_id);
        count('cancel by client_oid', (await call(who, 'private/cancel-order', { client_oid: list[Math.floor(rnd() * list.length)] })).code);
      } else if (x < 0.75) {
        const which = rnd();
        count('cancel-all', (await call(who, 'private/cancel-all-orders', which < 0.4 ? { instrument_name: symbol }
          : which < 0.7 ? { instrument_name: symbol, type: rnd() < 0.5 ? 'LIMIT' : 'TRIGGER' } : {})).code);
      } else if (x < 0.83) {
        // A stop a little beyond the market, so that the flow's own trades trigger many of them.
        const trigger = inst.mid + (side === 'BUY' ? 1 : -1) * (1 + Math.floor(rnd() * 4)) * step;
        const limit = trigger + (side === 'BUY' ? 3 : -3) * step;
        const digits = symbol === 'ETH_USD' ? 2 : 3;
        await place(who, { instrument_name: symbol, side, type: 'STOP_LIMIT', ref_price: trigger.toFixed(digits),
          price: limit.toFixed(digits), quantity: inst.qty(rnd()) });
      } else if (x < 0.86) {
        const asset = ASSETS[Math.floor(rnd() * ASSETS.length)];
        const amount = (1 + Math.floor(rnd() * 5)).toString();
        const op = rnd() < 0.5 ? 'deposit' : 'withdraw';
        const r = await server.admin(op, { account_id: who.account_id, asset, amount });
        count(op, r.code);
        if (r.code === 0) deposits[asset] += op === 'deposit' ? units(amount) : -units(amount);
      } else {
        // Self-trade prevention against the account's own resting orders, with each instruction.
        await place(who, { instrument_name: symbol, side, type: 'LIMIT', price: (inst.mid + (side === 'BUY' ? 2 : -2) * step).toFixed(symbol === 'ETH_USD' ? 2 : 3),
          quantity: inst.qty(rnd()), stp_inst: ['M', 'T', 'B'][Math.floor(rnd() * 3)], ...(oid ? { client_oid: oid } : {}) });
      }
    }
    // The flow covered what it means to (counts of each request's outcome).
    for (const k of ['LIMIT 0', 'LIMIT/IMMEDIATE_OR_CANCEL 0', 'LIMIT/FILL_OR_KILL 0', 'MARKET 0', 'STOP_LIMIT 0',
      'amend 0', 'cancel by id 0', 'cancel by client_oid 0', 'cancel-all 0', 'deposit 0', 'withdraw 0']) {
      assert.ok(codes[k] > 0, `no ${k} in ${JSON.stringify(codes)}`);
    }

    // Wait until each account's last balance push is what user-balance says and its orders' last pushes are what
    // get-order-detail says (the pushes of the last requests may still be on their way).
    const states = new Map();
    for (const a of accounts) {
      const got = pushes.get(a.account_id);
      await eventually(async () => {
        const s = await restState(a);
        states.set(a.account_id, s);
        const last = new Map();
        for (const o of got.order) last.set(o.order_id, o);
        return JSON.stringify(got.balance.at(-1)) === JSON.stringify(s.balance) &&
          Object.entries(s.details).every(([id, d]) => JSON.stringify(last.get(id)) === JSON.stringify(d));
      }, { what: `account ${a.account_id}'s pushes to reach the REST state`, timeoutMs: 15_000 }).catch(() => {});
    }

    const reasons = {};
    const byMatch = new Map();
    for (const a of accounts) {
      const got = pushes.get(a.account_id);
      const s = states.get(a.account_id);
      const who = `account ${a.account_id}`;

      // user.order: each order's pushes, in order, end in its detail; statuses go ACTIVE* then one terminal.
      const perOrder = new Map();
      for (const o of got.order) perOrder.set(o.order_id, [...(perOrder.get(o.order_id) ?? []), o]);
      for (const id of created.get(a.account_id)) {
        const list = perOrder.get(id) ?? [];
        assert.ok(list.length > 0, `${who}: order ${id} was never pushed`);
        assert.deepEqual(list.at(-1), s.details[id], `${who}: order ${id}'s last push is its get-order-detail`);
        const statuses = list.map((o) => o.status);
        const firstEnd = statuses.findIndex((x) => TERMINAL.has(x));
        assert.ok(statuses.every((x) => x === 'ACTIVE' || TERMINAL.has(x)), `${who}: order ${id} statuses ${statuses}`);
        assert.ok(firstEnd === -1 || firstEnd === statuses.length - 1, `${who}: order ${id} pushed after it ended: ${statuses}`);
        let alike = 0;  // a stop's trigger push is its placement's, but for update_time (both say ACTIVE)
        for (let k = 1; k < list.length; ++k) {
          if (JSON.stringify(list[k]) === JSON.stringify(list[k - 1])) ++alike;
          assert.ok(alike <= (list[k].order_type === 'STOP_LIMIT' ? 1 : 0), `${who}: order ${id} pushed twice alike: ${JSON.stringify(list[k])}`);
          assert.ok(units(list[k].cumulative_quantity) >= units(list[k - 1].cumulative_quantity), `${who}: order ${id} cumulative_quantity went down`);
          assert.ok(list[k].update_time >= list[k - 1].update_time, `${who}: order ${id} update_time went back`);
        }
        reasons[`${s.details[id].order_type} ${s.details[id].status} ${s.details[id].reason ?? ''}`] = 1;
      }
      const unknown = [...perOrder.keys()].filter((id) => !created.get(a.account_id).includes(id));
      assert.deepEqual(unknown, [], `${who}: pushes of orders it never placed`);

      // get-open-orders: the orders whose last push is ACTIVE; get-order-history: the others, newest first.
      const openIds = created.get(a.account_id).filter((id) => s.details[id].status === 'ACTIVE');
      assert.deepEqual(s.open.map((o) => o.order_id).sort(), [...openIds].sort(), `${who}: get-open-orders`);
      for (const o of s.open) assert.deepEqual(o, s.details[o.order_id], `${who}: open order ${o.order_id}`);
      assert.deepEqual(s.open.map((o) => o.order_id), [...s.open].sort(orderOrder).map((o) => o.order_id), `${who}: get-open-orders by order_id`);
      const closedIds = created.get(a.account_id).filter((id) => s.details[id].status !== 'ACTIVE');
      assert.deepEqual(s.history.map((o) => o.order_id).sort(), [...closedIds].sort(), `${who}: get-order-history`);
      for (const o of s.history) assert.deepEqual(o, s.details[o.order_id], `${who}: closed order ${o.order_id}`);
      for (let k = 1; k < s.history.length; ++k) {
        assert.ok(s.history[k].update_time <= s.history[k - 1].update_time, `${who}: get-order-history is newest first`);
      }

      // user.trade: every trade once, equal to get-trades; the SOL_USD channel the SOL_USD ones.
      const ids = got.trade.map((t) => t.trade_id);
      assert.equal(new Set(ids).size, ids.length, `${who}: a trade pushed twice`);
      assert.deepEqual([...got.trade].sort(tradeOrder), [...s.trades].sort(tradeOrder), `${who}: user.trade = get-trades`);
      assert.deepEqual(got.sol, got.trade.filter((t) => t.instrument_name === 'SOL_USD'), `${who}: user.trade.SOL_USD`);
      for (let k = 1; k < s.trades.length; ++k) {
        assert.ok(BigInt(s.trades[k].create_time_ns) <= BigInt(s.trades[k - 1].create_time_ns), `${who}: get-trades is newest first`);
      }

      // Each order's trades sum to its cumulative quantity, value and fee; each fee is the order's rate of the
      // notional, rounded down, in the quote asset; the order's fill pushes include each command's running sum.
      const tradesOf = new Map();
      for (const t of s.trades) {
        tradesOf.set(t.order_id, [...(tradesOf.get(t.order_id) ?? []), t]);
        byMatch.set(t.trade_match_id, [...(byMatch.get(t.trade_match_id) ?? []), t]);
      }
      for (const id of created.get(a.account_id)) {
        const d = s.details[id];
        const ts = (tradesOf.get(id) ?? []).sort(tradeOrder);
        let q = 0n; let v = 0n; let f = 0n;
        const running = new Map();
        for (const t of ts) {
          const n = units(t.traded_price) * units(t.traded_quantity) / 100_000_000n;
          const rate = units(t.taker_side === 'TAKER' ? d.taker_fee_rate : d.maker_fee_rate);
          assert.equal(units(t.fees), -(n * rate / 100_000_000n), `${who}: trade ${t.trade_id}'s fee`);
          assert.equal(t.fee_instrument_name, d.fee_instrument_name, `${who}: trade ${t.trade_id}'s fee currency`);
          assert.deepEqual([t.side, t.instrument_name, t.client_oid === '' || t.client_oid === d.client_oid || t.client_oid.startsWith('c')],
            [d.side, d.instrument_name, true], `${who}: trade ${t.trade_id} of order ${id}`);
          q += units(t.traded_quantity); v += n; f -= units(t.fees);
          running.set(t.create_time_ns, q);
        }
        assert.deepEqual([decimal(q), decimal(v), decimal(f)],
          [decimal(units(d.cumulative_quantity)), decimal(units(d.cumulative_value)), decimal(units(d.cumulative_fee))],
          `${who}: order ${id}'s trades sum to its cumulative quantity, value and fee`);
        assert.equal(d.fee_instrument_name, INST[d.instrument_name].quote);
        assert.equal(units(d.avg_price), q === 0n ? 0n : v * 100_000_000n / q, `${who}: order ${id}'s avg_price`);
        const pushedQty = new Set((perOrder.get(id) ?? []).map((o) => units(o.cumulative_quantity)));
        for (const [time, sum] of running) {
          assert.ok(pushedQty.has(sum), `${who}: order ${id} had ${decimal(sum)} filled after its trades at ${time}, never pushed`);
        }
      }

      // user.balance: the last push is user-balance; holds are what the open orders require.
      assert.deepEqual(got.balance.at(-1), s.balance, `${who}: the last user.balance push`);
      const held = Object.fromEntries(ASSETS.map((x) => [x, 0n]));
      for (const o of s.open) {
        const [asset, amount] = requirement(o);
        held[asset] += amount;
      }
      const bal = rawBalances(s.balance);
      for (const x of ASSETS) {
        assert.equal(decimal(bal[x]?.used ?? 0n), decimal(held[x]), `${who}: ${x} held = what its open orders require`);
      }
    }

    // Both sides of every trade: one MAKER, one TAKER, same price and quantity, opposite sides, one match id.
    for (const [match, ts] of byMatch) {
      assert.equal(ts.length, 2, `match ${match}: ${JSON.stringify(ts)}`);
      const [m, t] = ts[0].taker_side === 'MAKER' ? ts : [ts[1], ts[0]];
      assert.deepEqual([m.taker_side, t.taker_side], ['MAKER', 'TAKER'], `match ${match}`);
      assert.deepEqual([m.traded_price, m.traded_quantity, m.create_time_ns], [t.traded_price, t.traded_quantity, t.create_time_ns]);
      assert.notEqual(m.side, t.side);
    }

    assert.ok(states.get(accounts[2].account_id).trades.some((t) => units(t.fees) > 0n), 'tier 1 earned a maker rebate');

    // Money: net deposits = every account's balances + the fee account's, to the unit.
    const sum = Object.fromEntries(ASSETS.map((x) => [x, 0n]));
    for (const a of accounts) {
      for (const [x, b] of Object.entries(rawBalances(states.get(a.account_id).balance))) sum[x] += b.total;
    }
    const fees = await server.admin('fees/balances');
    assert.equal(fees.code, 0);
    for (const b of fees.result.balances) sum[b.asset] += units(b.available) + units(b.held);
    assert.deepEqual(Object.fromEntries(ASSETS.map((x) => [x, decimal(sum[x])])),
      Object.fromEntries(ASSETS.map((x) => [x, decimal(deposits[x])])), 'deposits - withdrawals = balances + fees');
    if (process.env.SEQUEX_DEBUG) console.log(JSON.stringify(codes), JSON.stringify(reasons));
    assert.ok(Object.keys(reasons).some((k) => k.startsWith('STOP_LIMIT FILLED') || k.startsWith('STOP_LIMIT ACTIVE')), JSON.stringify(reasons));
  });
});

describe('private query parameters', () => {
  it('instrument_name filters, time edges, limit defaults and caps, newest first; hostile values change nothing', T, async () => {
    const a = accounts[0];
    const before = await restState(a);
    const history = before.history;
    const trades = [...before.trades].sort((x, y) => (BigInt(y.create_time_ns) > BigInt(x.create_time_ns) ? 1 : -1));
    assert.ok(history.length > 100 && trades.length > 100, `history ${history.length}, trades ${trades.length}`);
    const q = async (method, params) => (await ok(a, method, params)).data;
    const ids = (list) => list.map((x) => x.trade_id ?? x.order_id);

    // Filters.
    for (const symbol of ['ETH_USD', 'SOL_USD']) {
      assert.deepEqual(await q('private/get-open-orders', { instrument_name: symbol }), before.open.filter((o) => o.instrument_name === symbol));
      assert.deepEqual(await q('private/get-order-history', { instrument_name: symbol, limit: 100_000 }),
        history.filter((o) => o.instrument_name === symbol));
      const all = await allTrades(a, { instrument_name: symbol });
      assert.deepEqual(all.sort(tradeOrder), before.trades.filter((t) => t.instrument_name === symbol).sort(tradeOrder));
    }
    assert.deepEqual(await q('private/get-open-orders', { instrument_name: 'BTC_USD' }), []);

    // Limits: 100 by default, get-trades at most 100, the newest first.
    assert.deepEqual(ids(await q('private/get-order-history', {})), ids(history.slice(0, 100)), 'get-order-history: 100 by default');
    assert.deepEqual(ids(await q('private/get-order-history', { limit: 1 })), ids(history.slice(0, 1)));
    assert.equal((await q('private/get-trades', {})).length, 100, 'get-trades: 100 by default');
    assert.equal((await q('private/get-trades', { limit: 1000 })).length, 100, 'get-trades: at most 100');
    assert.deepEqual(ids(await q('private/get-trades', { limit: 3 })), ids(before.trades.slice(0, 3)), 'the newest');

    // Time edges: start_time inclusive; end_time inclusive to its unit (ns, or the whole ms).
    const t = trades[Math.floor(trades.length / 2)];
    const ns = BigInt(t.create_time_ns);
    const has = async (params) => {
      const got = await q('private/get-trades', { limit: 100, ...params });
      return ids(got).includes(t.trade_id);
    };
    assert.equal(await has({ start_time: String(ns), end_time: String(ns) }), true, 'start_time = end_time = its ns');
    assert.equal(await has({ start_time: String(ns + 1n) }), false, 'start_time after it');
    assert.equal(await has({ end_time: String(ns), start_time: String(ns - 1_000_000_000n) }), true, 'end_time = its ns');
    assert.equal(await has({ end_time: String(ns - 1n), start_time: String(ns - 1_000_000_000n) }), false, 'end_time 1 ns before it');
    assert.equal(await has({ start_time: t.create_time, end_time: t.create_time }), true, 'its ms, as start and end');
    assert.equal(await has({ start_time: t.create_time + 1 }), false);
    assert.equal(await has({ end_time: t.create_time - 1, start_time: t.create_time - 1000 }), false);
    assert.equal(await has({ start_time: t.create_time * 1000, end_time: t.create_time * 1000 + 999 }), true, 'its ms in µs');
    assert.deepEqual(await q('private/get-trades', { start_time: 2000, end_time: 1000 }), []);
    const o = history[Math.floor(history.length / 2)];
    const inHistory = async (params) => ids(await q('private/get-order-history', { limit: 100_000, ...params })).includes(o.order_id);
    assert.equal(await inHistory({ start_time: o.update_time, end_time: o.update_time }), true, 'an order by its update_time');
    assert.equal(await inHistory({ start_time: o.update_time + 1 }), false);
    assert.equal(await inHistory({ end_time: o.update_time - 1 }), false);

    // Over the user socket the same queries answer the same.
    const socket = await RawSocket.open(server.wsUser);
    try {
      await socket.auth(a);
      for (const [method, params] of [['private/get-open-orders', {}], ['private/get-order-history', { limit: 100_000 }],
        ['private/get-trades', { instrument_name: 'SOL_USD', start_time: t.create_time }], ['private/user-balance', {}],
        ['private/get-order-detail', { order_id: o.order_id }]]) {
        const reply = await socket.request({ method, params });
        assert.equal(reply.code, 0, `${method} over WebSocket: ${JSON.stringify(reply).slice(0, 300)}`);
        assert.deepEqual(reply.result, await ok(a, method, params), `${method} over WebSocket and REST`);
      }
      const bad = await socket.request({ method: 'private/get-trades', params: { limit: 0 } });
      assert.equal(bad.code, 40004);
    } finally {
      await socket.close();
    }

    // Hostile values: a clear code, nothing changed.
    const cases = [
      ['private/get-order-history', { limit: 0 }, 40004], ['private/get-order-history', { limit: -1 }, 40004],
      ['private/get-order-history', { limit: 'abc' }, 40004], ['private/get-order-history', { limit: 1.5 }, 40004],
      ['private/get-order-history', { limit: '99999999999999999999' }, 40004], ['private/get-order-history', { limit: [] }, 40004],
      ['private/get-trades', { limit: 0 }, 40004], ['private/get-trades', { start_time: -1 }, 40004],
      ['private/get-trades', { end_time: 'x' }, 40004], ['private/get-trades', { start_time: {} }, 40004],
      ['private/get-trades', { end_time: '99999999999999999999' }, 40004],
      ['private/get-trades', { instrument_name: 'NOPE' }, 209], ['private/get-order-history', { instrument_name: 'eth_usd' }, 209],
      ['private/get-open-orders', { instrument_name: ['ETH_USD'] }, 40004], ['private/get-open-orders', { instrument_name: 'NOPE' }, 209],
      ['private/get-order-detail', { order_id: 'abc' }, 40004], ['private/get-order-detail', {}, 40004],
      ['private/get-order-detail', { order_id: '18446744073709551616' }, 40004],
      ['private/get-order-detail', { order_id: created.get(accounts[1].account_id)[0] }, 40401],
      ['private/get-order-detail', { order_id: '0' }, 40401], ['private/get-order-detail', { client_oid: '' }, 40401],
      ['private/get-order-detail', { order_id: '987654321987' }, 40401],
    ];
    for (const [method, params, code] of cases) {
      assert.equal((await call(a, method, params)).code, code, `${method} ${JSON.stringify(params)}`);
    }
    assert.deepEqual(await restState(a), before);
  });
});

describe('private data across restarts', () => {
  it('kill -9 and SIGTERM: every query and the user channels\' first messages are as before; ids go on', T, async () => {
    const state = async () => {
      const out = {};
      for (const a of accounts) {
        const s = await restState(a);
        const socket = await RawSocket.open(server.wsUser);
        try {
          await socket.auth(a);
          const first = {};
          for (const channel of ['user.order', 'user.balance', 'user.order.SOL_USD']) {
            assert.equal((await socket.request({ method: 'subscribe', params: { channels: [channel] } })).code, 0);
            first[channel] = (await socket.next((m) => m.result?.subscription === channel, { what: channel })).result.data;
          }
          out[a.account_id] = { ...s, first };
          assert.deepEqual(first['user.order'].sort(orderOrder), [...s.open].sort(orderOrder), 'user.order first message');
          assert.deepEqual(first['user.balance'], s.balance);
        } finally {
          await socket.close();
        }
      }
      const fees = await server.admin('fees/balances');
      return { out, fees: fees.result };
    };
    for (const s of sockets.splice(0)) await s.close();
    const before = await server.assertStateSurvivesRestarts(state);
    // The next order and trade take ids after every one before, and are pushed once.
    const [a, b] = accounts;
    const got = await listen(a);
    const lastTrade = Object.values(before.out).flatMap((x) => x.trades).map((t) => BigInt(t.trade_match_id)).reduce((x, y) => (y > x ? y : x), 0n);
    const lastOrder = [...created.values()].flat().map(BigInt).reduce((x, y) => (y > x ? y : x), 0n);
    const sell = await ok(b, 'private/create-order', { instrument_name: 'BTC_USD', side: 'SELL', type: 'LIMIT', price: '30000', quantity: '0.01' });
    const buy = await ok(a, 'private/create-order', { instrument_name: 'BTC_USD', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    assert.ok(BigInt(sell.order_id) > lastOrder && BigInt(buy.order_id) > BigInt(sell.order_id));
    await eventually(() => got.trade.some((t) => t.order_id === buy.order_id) &&
      got.order.some((o) => o.order_id === buy.order_id && o.status === 'FILLED'), { what: 'the trade after the restarts' });
    const mine = got.trade.filter((t) => t.order_id === buy.order_id);
    assert.equal(mine.length, 1);
    assert.ok(BigInt(mine[0].trade_match_id) > lastTrade);
    assert.deepEqual(mine[0], (await ok(a, 'private/get-trades', { limit: 1 })).data[0]);
  });
});

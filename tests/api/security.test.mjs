// What an attacker of a production venue would try, with raw clients: signatures that could be stretched over a
// second request, nonces outside the millisecond form, keys in the wrong place, the operator's token, what sequexd
// writes to disk and its logs, HTTP framing tricks (request smuggling) and WebSocket handshakes and frames no
// library sends. Each test states what the server must do; docs/server.md ("Authentication") says why.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, tomlSection } from './lib/server.mjs';
import { RawSocket, nextId, paramString, post, privateCall, rawExchange, sign, signedBody } from './lib/raw.mjs';
import { FUNDED } from './lib/helpers.mjs';

const T = { timeout: 60_000 };

let server;
before(async () => {
  server = await Server.start({
    config: tomlSection('rate_limits', { order_per_100ms: 1_000_000, other_private_per_100ms: 1_000_000 }),
  });
});
after(async () => { await server?.dispose(); });

// Sends `bytes` on a fresh connection and collects what comes back until the server closes it (or `ms` pass).
const exchange = async (bytes, { ms = 10_000 } = {}) => {
  const { data, closed } = await rawExchange(server.http, bytes, { ms, ignoreReset: true });
  return { text: data.toString('latin1'), closed };
};
const statusLines = (text) => text.match(/^HTTP\/1\.[01] \d{3}/gm) ?? [];

const limitOrder = (clientOid, price = '10000') => ({
  instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price, quantity: '0.0001', client_oid: clientOid,
});
const openOids = async (acct) => {
  const r = await privateCall(server, acct, 'private/get-open-orders', {});
  assert.equal(r.json.code, 0, r.text);
  return r.json.result.data.map((o) => o.client_oid).sort();
};

describe('signatures', () => {
  let acct;
  let other;
  before(async () => {
    acct = await server.createAccount(FUNDED);
    other = await server.createAccount(FUNDED);
  });

  // The payload ends paramString + nonce with no separator. A nonce sent as the string "0" + N had the value N, in the
  // window, so the signature of a cancel of client_oid "x-50" also covered a cancel of "x-5" with nonce "0" + N.
  it('a nonce written with a leading zero is refused: a trailing 0 of the params cannot move into it', T, async () => {
    for (const oid of ['lz-5', 'lz-50']) {
      assert.equal((await privateCall(server, acct, 'private/create-order', limitOrder(oid))).json.code, 0);
    }
    const nonce = Date.now();
    const id = nextId();
    const signed = signedBody(acct, 'private/cancel-order', { client_oid: 'lz-50' }, { id, nonce });
    const forged = { ...signed, params: { client_oid: 'lz-5' }, nonce: `0${nonce}` };
    assert.equal(sign(acct.api_secret, forged.method, id, acct.api_key, forged.params, forged.nonce), signed.sig,
      'the same payload, so the same signature');
    const r = await post(server, 'private/cancel-order', forged);
    assert.deepEqual([r.status, r.json.code], [400, 40004], r.text);
    assert.deepEqual(await openOids(acct), ['lz-5', 'lz-50'], 'nothing was cancelled');
    // The same nonce without the zero is a nonce like any other.
    const ok = await post(server, 'private/cancel-order', signedBody(acct, 'private/cancel-order',
      { client_oid: 'lz-5' }, { nonce: String(Date.now()) }));
    assert.equal(ok.json.code, 0, ok.text);
    assert.deepEqual(await openOids(acct), ['lz-50']);
    await privateCall(server, acct, 'private/cancel-all-orders', {});
  });

  it('covers the id, the nonce, every param and the key: changing any one is 40101', T, async () => {
    const params = { instrument_name: 'BTC_USD' };
    const body = signedBody(acct, 'private/get-open-orders', params);
    assert.equal((await post(server, 'private/get-open-orders', body)).json.code, 0);
    for (const [what, change] of [
      ['id', { id: body.id + 1 }],
      ['nonce', { nonce: body.nonce + 1 }],
      ['a param', { params: { instrument_name: 'ETH_USD' } }],
      ['an added param', { params: { ...params, page: 0 } }],
      ['no params', { params: {} }],
      ["another account's key", { api_key: other.api_key }],
      ['a truncated sig', { sig: body.sig.slice(0, -1) }],
      ['a longer sig', { sig: `${body.sig}0` }],
      ['a sig of the other secret', { sig: sign(other.api_secret, body.method, body.id, acct.api_key, params, body.nonce) }],
      ['an empty sig', { sig: '' }],
      // 0x10-0x19 are the digits less the bit that the comparison folds to compare hex letters in either case.
      ['control characters one bit off the digits', { sig: body.sig.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0x20)) }],
    ]) {
      const r = await post(server, 'private/get-open-orders', { ...body, ...change });
      assert.deepEqual([r.status, r.json.code], [401, 40101], `${what}: ${r.text}`);
    }
    // Upper-case hex is the same signature (documented in signing.h).
    assert.equal((await post(server, 'private/get-open-orders', { ...body, sig: body.sig.toUpperCase() })).json.code, 0);
  });

  it('tells an unknown key and a wrong signature apart by nothing; a nonce only once the signature is good', T, async () => {
    const unknown = await post(server, 'private/get-open-orders',
      signedBody({ api_key: 'x'.repeat(acct.api_key.length), api_secret: acct.api_secret }, 'private/get-open-orders'));
    const wrong = await post(server, 'private/get-open-orders',
      signedBody({ api_key: acct.api_key, api_secret: other.api_secret }, 'private/get-open-orders'));
    assert.deepEqual([unknown.status, unknown.json.code, unknown.json.message], [401, 40101, 'UNAUTHORIZED']);
    assert.deepEqual([wrong.status, wrong.json.code, wrong.json.message], [401, 40101, 'UNAUTHORIZED']);
    const stale = Date.now() - 61_000;
    const badSigStale = await post(server, 'private/get-open-orders',
      signedBody({ api_key: acct.api_key, api_secret: other.api_secret }, 'private/get-open-orders', {}, { nonce: stale }));
    assert.equal(badSigStale.json.code, 40101, 'a forger learns nothing of the clock');
    for (const [offset, code] of [[-61_000, 40102], [61_000, 40102], [-50_000, 0], [50_000, 0]]) {
      const r = await privateCall(server, acct, 'private/get-open-orders', {}, { nonce: Date.now() + offset });
      assert.equal(r.json.code, code, `nonce now${offset > 0 ? '+' : ''}${offset} ms: ${r.text}`);
    }
  });

  it('a nonce that is not a plain integer is 40004; 0 is outside the window (40102)', T, async () => {
    for (const nonce of [-1, '-1', 1.5, `${Date.now()}.0`, '', ' 1', `${Date.now()}e0`, true, [Date.now()]]) {
      const r = await privateCall(server, acct, 'private/get-open-orders', {}, { nonce });
      assert.equal(r.json.code, 40004, `nonce ${JSON.stringify(nonce)}: ${r.text}`);
    }
    const exp = JSON.stringify(signedBody(acct, 'private/get-open-orders', {}, { nonce: 1 })).replace('"nonce":1', '"nonce":1e12');
    assert.equal((await post(server, 'private/get-open-orders', exp)).json.code, 40004, 'an exponent');
    assert.equal((await privateCall(server, acct, 'private/get-open-orders', {}, { nonce: 0 })).json.code, 40102);
  });

  it('api_key, sig and nonce count only in the body: in headers or the query they authorise nothing', T, async () => {
    const body = signedBody(acct, 'private/get-open-orders', {});
    const { api_key: apiKey, sig, nonce, ...rest } = body;
    const headers = { 'Content-Type': 'application/json', 'api-key': apiKey, 'X-CH-APIKEY': apiKey, sig, nonce: String(nonce) };
    const r = await post(server, 'private/get-open-orders', rest, headers);
    assert.deepEqual([r.status, r.json.code], [401, 40101], r.text);
    const q = await post(server, `private/get-open-orders?api_key=${apiKey}&sig=${sig}&nonce=${nonce}`, rest);
    assert.equal(q.json.code !== 0, true, `the query authorised the request: ${q.text}`);
  });

  it('params are signed as the reference builds them: nested values, numbers as sent, booleans, null, escapes', T, async () => {
    const params = {
      instrument_name: 'BTC_USD', side: 'BUY', type: 'LIMIT', price: 10000, quantity: '0.0001',
      client_oid: 'é✓-\u0001', exec_inst: ['POST_ONLY'], time_in_force: 'GOOD_TILL_CANCEL',
    };
    const body = signedBody(acct, 'private/create-order', params);
    // \u-escaped on the wire: the signature covers the decoded text, as every client's JSON library builds it.
    const text = JSON.stringify(body).replace('é✓', '\\u00e9\\u2713');
    const r = await post(server, 'private/create-order', text);
    assert.equal(r.json.code, 0, r.text);
    assert.equal(r.json.result.client_oid, 'é✓-\u0001');
    // The paramString the server signs keeps the number's text: 10000.0 is another payload than 10000.
    const other = JSON.stringify(signedBody(acct, 'private/create-order', { ...params, client_oid: 'num' }))
      .replace('"price":10000', '"price":10000.0');
    assert.equal((await post(server, 'private/create-order', other)).json.code, 40101);
    assert.equal(paramString({ a: [1, true, null, { b: 'c' }] }), 'a1truenullbc');
    await privateCall(server, acct, 'private/cancel-all-orders', {});
  });

  // What the reference's signing leaves open, pinned so that docs/server.md ("Authentication") stays true: it checks
  // a nonce against a ±60 s window only, and CCXT reuses a millisecond nonce for concurrent requests, so a replay in
  // the window is answered (client_oid is the guard against a second order), a public/auth replayed authenticates
  // another socket, and the paramString, with no separators, lets one signature cover params split otherwise.
  it('what a captured request allows within its window: replays, a replayed auth, a re-split paramString', T, async () => {
    const body = signedBody(acct, 'private/create-order', limitOrder('replay-1'));
    assert.equal((await post(server, 'private/create-order', body)).json.code, 0);
    assert.equal((await post(server, 'private/create-order', body)).json.code, 204, 'DUPLICATE_CLORDID');
    assert.deepEqual(await openOids(acct), ['replay-1']);

    const postOnly = { ...limitOrder('c-1'), exec_inst: ['POST_ONLY'], time_in_force: 'GOOD_TILL_CANCEL' };
    const signed = signedBody(acct, 'private/create-order', postOnly);
    const { exec_inst: dropped, ...rest } = postOnly;
    const resplit = { ...signed, params: { ...rest, client_oid: `c-1exec_inst${dropped[0]}` } };
    assert.equal(paramString(resplit.params), paramString(postOnly), 'a plain limit order, the same paramString');
    assert.equal((await post(server, 'private/create-order', resplit)).json.code, 0);
    assert.deepEqual(await openOids(acct), ['c-1exec_instPOST_ONLY', 'replay-1']);
    await privateCall(server, acct, 'private/cancel-all-orders', {});

    const id = nextId();
    const nonce = Date.now();
    const auth = { id, method: 'public/auth', api_key: acct.api_key, nonce,
      sig: sign(acct.api_secret, 'public/auth', id, acct.api_key, {}, nonce) };
    for (const ws of [await RawSocket.open(server.wsUser), await RawSocket.open(server.wsUser)]) {
      try {
        ws.send(auth);
        assert.equal((await ws.next((m) => m.id === id)).code, 0);
      } finally {
        await ws.close();
      }
    }
  });
});

describe('the operator endpoint', () => {
  let token;
  const admin = (op, { auth, body = '{}', host } = {}) => new Promise((resolve, reject) => {
    const [h, p] = (host ?? server.adminAddr).split(':');
    const headers = auth === undefined ? '' : `Authorization: ${auth}\r\n`;
    const s = net.connect(Number(p), h, () => s.write(`POST ${op} HTTP/1.1\r\nHost: x\r\n${headers}` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`));
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c) => { text += c; });
    s.on('error', reject);
    s.on('close', () => resolve({ status: Number(text.slice(9, 12)), json: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) }));
  });
  before(async () => { token = (await fs.readFile(path.join(server.dataDir, 'admin.token'), 'utf8')).trim(); });

  it('takes its own token whole and nothing else', T, async () => {
    assert.equal((await admin('/admin/v1/status', { auth: `Bearer ${token}` })).json.code, 0);
    assert.equal((await admin('/admin/v1/status', { auth: `bearer ${token}` })).json.code, 0, 'the scheme in any case');
    const acct = await server.createAccount(FUNDED);
    const flipped = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    for (const [what, auth, body] of [
      ['no header', undefined], ['an empty bearer', 'Bearer '], ['a prefix', `Bearer ${token.slice(0, 32)}`],
      ['one character more', `Bearer ${token}x`], ['the last character changed', `Bearer ${flipped}`],
      ['Basic', `Basic ${Buffer.from(`x:${token}`).toString('base64')}`], ["an API key's secret", `Bearer ${acct.api_secret}`],
      ['the token in the body', undefined, JSON.stringify({ token })], ['the token without Bearer', token],
    ]) {
      const r = await admin('/admin/v1/account/create', { auth, body });
      assert.deepEqual([r.status, r.json.code], [401, 40101], `${what}: ${JSON.stringify(r.json)}`);
    }
    // The API's listener has no operator paths, the operator's no API paths.
    const api = await admin('/admin/v1/status', { auth: `Bearer ${token}`, host: server.http });
    assert.equal(api.status, 404);
    const onAdmin = await admin('/exchange/v1/private/get-open-orders', {
      auth: `Bearer ${token}`, body: JSON.stringify(signedBody(acct, 'private/get-open-orders', {})) });
    assert.equal(onAdmin.status, 404);
  });

  it('writes nothing readable by others, and no secret to its logs', T, async () => {
    const srv = await Server.start({ demo: true, config: tomlSection('demo', { market_maker: false }) });
    try {
      const acct = await srv.createAccount(FUNDED);
      const mode = async (p) => (await fs.stat(path.join(srv.dataDir, p))).mode & 0o777;
      assert.equal(await mode('.'), 0o700, 'the data folder');
      for (const f of await fs.readdir(srv.dataDir)) {
        if (f === 'admin.endpoint' || f === 'LOCK') continue;  // an address and a pid, in a folder only its user enters
        assert.equal(await mode(f), 0o600, f);
      }
      assert.equal(await mode('demo-accounts.json'), 0o600, 'the demo traders\' secrets');
      const adminToken = (await fs.readFile(path.join(srv.dataDir, 'admin.token'), 'utf8')).trim();
      const demo = JSON.parse(await fs.readFile(path.join(srv.dataDir, 'demo-accounts.json'), 'utf8'));
      const secrets = [adminToken, acct.api_secret, ...demo.traders.map((d) => d.api_secret)];
      assert.ok(demo.traders.length > 0);
      await srv.stop();
      for (const s of secrets) {
        assert.ok(!srv.stdoutTail.includes(s) && !srv.stderrTail.includes(s), 'a secret in the log');
      }
    } finally {
      await srv.dispose();
    }
  });
});

describe('hostile HTTP', () => {
  const get = 'GET /exchange/v1/public/get-instruments HTTP/1.1\r\nHost: x\r\n\r\n';

  // RFC 9112 6.1: both is a smuggling attempt; a server must not read the rest of the stream as a next request.
  it('Content-Length with Transfer-Encoding, or two Content-Lengths, is 400 and closes: nothing is smuggled', T, async () => {
    const chunked = '0\r\n\r\n';
    for (const [what, head, body] of [
      ['CL and TE', `Content-Length: ${chunked.length + get.length}\r\nTransfer-Encoding: chunked\r\n`, chunked + get],
      ['TE and CL', `Transfer-Encoding: chunked\r\nContent-Length: 3\r\n`, chunked + get],
      ['two Content-Lengths', 'Content-Length: 0\r\nContent-Length: 5\r\n', `hello${get}`],
      ['a bad Transfer-Encoding', 'Transfer-Encoding: chunked, identity\r\n', chunked + get],
      ['an obs-folded Content-Length', 'Content-Length: 0\r\n 5\r\n', `hello${get}`],
    ]) {
      const r = await exchange(`POST /exchange/v1/private/get-open-orders HTTP/1.1\r\nHost: x\r\n${head}\r\n${body}`);
      assert.ok(r.closed, `${what}: the connection stayed open: ${r.text}`);
      assert.deepEqual(statusLines(r.text), ['HTTP/1.1 400'], `${what}: ${r.text}`);
    }
  });

  it('other methods, absolute-form targets and header tricks get a JSON 4xx, and nothing is echoed', T, async () => {
    for (const m of ['PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'HEAD']) {
      const r = await exchange(`${m} /exchange/v1/private/get-open-orders HTTP/1.1\r\nHost: x\r\nX-Echo: secret-echo\r\n` +
        'Connection: close\r\n\r\n');
      assert.match(r.text, /^HTTP\/1\.1 404 /, m);
      assert.ok(!r.text.includes('secret-echo'), `${m} echoed a header: ${r.text}`);
    }
    const abs = await exchange('GET http://evil.example/exchange/v1/public/get-instruments HTTP/1.1\r\nHost: x\r\n' +
      'Connection: close\r\n\r\n');
    assert.match(abs.text, /^HTTP\/1\.1 (200|4\d\d) /, abs.text.slice(0, 200));
    // A CR LF (escaped, as a raw one cannot be sent) in the path ends up in the JSON body at most, never a header.
    const crlf = await exchange('GET /exchange/v1/public/x%0d%0aSet-Cookie:%20a=b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const head = crlf.text.slice(0, crlf.text.indexOf('\r\n\r\n'));
    assert.ok(!/^set-cookie/im.test(head), head);
    // Many small headers within the 16 KiB block are read; the request is served.
    const many = Array.from({ length: 1000 }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    const r = await exchange(`GET /exchange/v1/public/get-instruments HTTP/1.1\r\nHost: x\r\n${many}Connection: close\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 (200|431) /, r.text.slice(0, 200));
  });

  it('error replies name no file, path or exception', T, async () => {
    const acct = await server.createAccount(FUNDED);
    const replies = [
      await post(server, 'private/get-open-orders', '{"id":1,'),
      await post(server, 'private/create-order', signedBody(acct, 'private/create-order', { instrument_name: 'NOPE' })),
      await post(server, 'private/nope', signedBody(acct, 'private/nope', {})),
      await post(server, 'private/get-open-orders', signedBody(acct, 'private/get-open-orders', {}, { overrides: { sig: '0' } })),
      { text: (await exchange('GET /\x01 HTTP/1.1\r\n\r\n')).text },
    ];
    for (const r of replies) {
      for (const leak of [server.dataDir, '.cc', '.h:', 'what()', 'std::', 'boost', 'sequex/']) {
        assert.ok(!r.text.includes(leak), `"${leak}" in ${r.text}`);
      }
    }
  });
});

describe('hostile WebSocket handshakes and frames', () => {
  const upgrade = (headers, target = '/exchange/v1/market') => exchange(`GET ${target} HTTP/1.1\r\nHost: x\r\n` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`, { ms: 5_000 });
  const key = crypto.randomBytes(16).toString('base64');

  // RFC 6455 4.2.1-4.2.2: a bad handshake is answered 400 (426 naming version 13 for another version), here as JSON
  // with a code, as every answer of the API; Beast's own answers were plain text naming Boost.Beast and its version,
  // and a Sec-WebSocket-Key of any length up to 24 (even "x") was switched.
  it('a handshake with a wrong version or key is refused in JSON; a good one is switched; none names Beast', T, async () => {
    const json = (text) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    const v8 = await upgrade(`Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 8\r\n`);
    assert.match(v8.text, /^HTTP\/1\.1 426 /, v8.text);
    assert.match(v8.text, /\r\nSec-WebSocket-Version: 13\r\n/i);
    for (const [what, headers] of [
      ['no key', 'Sec-WebSocket-Version: 13\r\n'],
      ['a 1-byte key', 'Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n'],
      ['an empty key', 'Sec-WebSocket-Key: \r\nSec-WebSocket-Version: 13\r\n'],
      ['a key of 15 bytes', `Sec-WebSocket-Key: ${crypto.randomBytes(15).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n`],
      ['a key not in base64', `Sec-WebSocket-Key: ${'*'.repeat(22)}==\r\nSec-WebSocket-Version: 13\r\n`],
    ]) {
      const r = await upgrade(headers);
      assert.match(r.text, /^HTTP\/1\.1 400 /, `${what}: ${r.text}`);
      assert.equal(json(r.text).code, 40001, `${what}: ${r.text}`);
    }
    assert.equal(json(v8.text).code, 40001, v8.text);
    // A close frame right after the 101 ends it at once.
    const ok = await afterHandshake(frame(0x8, Buffer.from([0x03, 0xe8])));
    const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.match(ok.text, /^HTTP\/1\.1 101 /, ok.text);
    assert.ok(ok.text.includes(`Sec-WebSocket-Accept: ${accept}`), JSON.stringify(ok));
    for (const r of [v8, ok]) assert.ok(!/beast/i.test(r.text), r.text);
  });

  // The socket's path is matched whole (a query aside); a prefix match once opened a user socket on these.
  it('a handshake to a path that only starts like a socket\'s is 404; the socket\'s own path is switched', T, async () => {
    const headers = `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
    for (const target of ['/exchange/v1/userX', '/exchange/v1/user/x', '/exchange/v1/marketplace', '/exchange/v1/']) {
      const r = await upgrade(headers, target);
      assert.match(r.text, /^HTTP\/1\.1 404 /, `${target}: ${r.text}`);
      assert.equal(JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)).code, 40002, `${target}: ${r.text}`);
    }
    for (const url of [server.wsUser, `${server.wsMarket}?x=1`]) {
      const socket = await RawSocket.open(url);
      await socket.close();
    }
  });

  // A raw frame: FIN + opcode, the client's mask unless `masked` is false.
  const frame = (opcode, payload, masked = true) => {
    const p = Buffer.from(payload);
    const len = p.length < 126 ? Buffer.from([p.length | (masked ? 0x80 : 0)])
      : Buffer.from([126 | (masked ? 0x80 : 0), p.length >> 8, p.length & 0xff]);
    if (!masked) return Buffer.concat([Buffer.from([0x80 | opcode]), len, p]);
    const mask = crypto.randomBytes(4);
    return Buffer.concat([Buffer.from([0x80 | opcode]), len, mask, p.map((b, i) => b ^ mask[i % 4])]);
  };
  // Frames go after the 101, as RFC 6455 4.1 asks (bytes sent with the handshake are not read: see the report).
  const afterHandshake = (frames) => new Promise((resolve, reject) => {
    const [host, port] = server.http.split(':');
    let text = '';
    let sent = false;
    const s = net.connect(Number(port), host, () => s.write(handshake));
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, 10_000);
    s.setEncoding('latin1');
    s.on('data', (c) => {
      text += c;
      if (!sent && text.includes('\r\n\r\n')) {
        sent = true;
        s.write(frames);
      }
    });
    s.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
    s.on('close', () => { clearTimeout(timer); resolve({ text, closed: true }); });
  });
  const handshake = `GET /exchange/v1/market HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  // The close code in the server's close frame, or null where it sent none.
  const closeCode = (text) => {
    const b = Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1');
    for (let i = 0; i + 3 < b.length; i += 2 + (b[i + 1] & 0x7f)) {
      if ((b[i] & 0x0f) === 0x8) return b.readUInt16BE(i + 2);
    }
    return null;
  };

  it('an unmasked frame or a control frame over 125 bytes closes the socket with 1002', T, async () => {
    const request = JSON.stringify({ id: 1, method: 'unsubscribe', params: { channels: ['ticker.BTC_USD'] } });
    const unmasked = await afterHandshake(frame(0x1, request, false));
    assert.ok(unmasked.closed);
    assert.equal(closeCode(unmasked.text), 1002, JSON.stringify(unmasked.text.slice(-60)));
    assert.ok(!unmasked.text.includes('"code":0'), 'the unmasked request was served');
    const bigPing = await afterHandshake(frame(0x9, 'x'.repeat(126)));
    assert.match(bigPing.text, /^HTTP\/1\.1 101 /);
    assert.ok(bigPing.closed);
    assert.equal(closeCode(bigPing.text), 1002, JSON.stringify(bigPing.text.slice(-60)));
  });

  it('a flood of pings is answered or absorbed; the socket and everyone else are still served', T, async () => {
    const ws = await RawSocket.open(server.wsMarket);
    const other = await RawSocket.open(server.wsMarket);
    try {
      let pongs = 0;
      ws.ws.on('pong', () => { pongs += 1; });
      for (let i = 0; i < 5_000; i += 1) ws.ws.ping('p');
      const r = await ws.request({ method: 'unsubscribe', params: { channels: ['ticker.BTC_USD'] } }, { timeoutMs: 30_000 });
      assert.equal(r.code, 0);
      assert.ok(pongs > 0, 'no pong');
      const o = await other.request({ method: 'unsubscribe', params: { channels: ['ticker.BTC_USD'] } });
      assert.equal(o.code, 0);
    } finally {
      await ws.close();
      await other.close();
    }
  });
});

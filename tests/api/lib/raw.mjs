// Raw HTTP and WebSocket clients for sequexd, written from reference §1 and §3 without CCXT, so the tests can
// send what CCXT never would (bad JSON, wrong types, oversized bodies, silent or slow sockets).

import crypto from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';

// Reference §1 "Signing": object → keys sorted, key + value(v); array → value(e) of each element; null → "null";
// booleans true/false; numbers as their JSON text; missing or empty params → "".
export function paramString(value) {
  if (value === null || value === undefined) return value === null ? 'null' : '';
  if (Array.isArray(value)) return value.map(paramString).join('');
  if (typeof value === 'object') {
    return Object.keys(value).sort().map((k) => k + paramString(value[k])).join('');
  }
  return String(value);
}

export function sign(secret, method, id, apiKey, params, nonce) {
  const payload = `${method}${id}${apiKey}${paramString(params ?? {})}${nonce}`;
  return crypto.createHmac('sha256', secret).update(payload).digest('hex');
}

let lastId = 0;
// Unique, increasing request ids (ms-based like CCXT's, but never repeated within this process).
export function nextId() {
  lastId = Math.max(lastId + 1, Date.now());
  return lastId;
}

// The JSON body of a signed private request. `overrides` replaces fields after signing (to break the signature).
export function signedBody(account, method, params = {}, { id = nextId(), nonce = Date.now(), overrides = {} } = {}) {
  const body = {
    id,
    method,
    params,
    api_key: account.api_key,
    sig: sign(account.api_secret, method, id, account.api_key, params, nonce),
    nonce,
  };
  return { ...body, ...overrides };
}

// POST /exchange/v1/<method> with `body` (an object is JSON-encoded; a string or Buffer is sent as is).
// Returns { status, headers, text, json } where json is undefined when the reply is not JSON.
export async function post(server, method, body, headers = { 'Content-Type': 'application/json' }) {
  const res = await fetch(`${server.httpBase}/exchange/v1/${method}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  return reply(res);
}

export async function privateCall(server, account, method, params = {}, options = {}) {
  return post(server, method, signedBody(account, method, params, options));
}

// Raw bytes over one fresh TCP connection to `address` (host:port), for requests no HTTP client library would
// send. Resolves with everything that came back once the server has closed the connection ({closed: true}) or `ms`
// have passed ({closed: false}; the connection is then destroyed). A reset by the server rejects, unless
// `ignoreReset`, where it counts as a close.
export function rawExchange(address, bytes, { ms, ignoreReset = false }) {
  return new Promise((resolve, reject) => {
    const [host, port] = address.split(':');
    const chunks = [];
    const s = net.connect(Number(port), host, () => s.write(bytes));
    const timer = setTimeout(() => { s.destroy(); resolve({ data: Buffer.concat(chunks), closed: false }); }, ms);
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => { if (!(ignoreReset && e.code === 'ECONNRESET')) reject(e); });
    s.on('close', () => { clearTimeout(timer); resolve({ data: Buffer.concat(chunks), closed: true }); });
  });
}

export async function get(server, pathAndQuery) {
  const res = await fetch(`${server.httpBase}${pathAndQuery}`);
  return reply(res);
}

async function reply(res) {
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

// A WebSocket with a message queue: next(pred) resolves with the first queued or future message matching pred.
export class RawSocket {
  // store: false keeps nothing but what a waiting next() takes (for sockets that receive a flood).
  static async open(url, { answerHeartbeats = true, store = true, wsOptions = {} } = {}) {
    const s = new RawSocket(url, answerHeartbeats, wsOptions);
    s.store = store;
    await s.opened;
    return s;
  }

  constructor(url, answerHeartbeats, wsOptions) {
    this.url = url;
    this.answerHeartbeats = answerHeartbeats;
    this.messages = [];      // every parsed message received, in order
    this.queue = [];         // not yet consumed by next()
    this.waiters = [];
    this.heartbeats = 0;
    this.received = 0;
    this.store = true;
    this.closed = null;      // {code, reason} once closed
    this.ws = new WebSocket(url, { perMessageDeflate: false, ...wsOptions });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    this.closedPromise = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        for (const w of this.waiters) w.reject(new Error(`socket closed (${code}) while waiting for ${w.what}`));
        this.waiters = [];
        resolve(this.closed);
      });
    });
    this.ws.on('error', () => {}); // surfaced through 'close'
    this.ws.on('message', (data) => this.onMessage(data));
  }

  onMessage(data) {
    let msg;
    try { msg = JSON.parse(data.toString()); } catch { msg = { unparsable: data.toString() }; }
    this.received += 1;
    if (this.store) this.messages.push(msg);
    if (msg.method === 'public/heartbeat') {
      this.heartbeats += 1;
      if (this.answerHeartbeats) this.send({ id: msg.id, method: 'public/respond-heartbeat' });
    }
    const i = this.waiters.findIndex((w) => w.pred(msg));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(msg);
    } else if (this.store) {
      this.queue.push(msg);
    }
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  next(pred = () => true, { timeoutMs = 5_000, what = 'a message' } = {}) {
    const i = this.queue.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.closed) return Promise.reject(new Error(`socket closed (${this.closed.code}) before ${what}`));
    return new Promise((resolve, reject) => {
      const w = { pred, resolve, reject, what };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no ${what} within ${timeoutMs} ms; last messages: ${JSON.stringify(this.messages.slice(-5)).slice(0, 1500)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  // Sends a request with an id and waits for the reply that echoes it.
  async request(obj, options = {}) {
    const id = obj.id ?? nextId();
    this.send({ ...obj, id });
    return this.next((m) => m.id === id, { what: `reply to ${obj.method} id ${id}`, ...options });
  }

  async auth(account) {
    const id = nextId();
    const nonce = Date.now();
    const reply = await this.request({
      id, method: 'public/auth', api_key: account.api_key, nonce,
      sig: sign(account.api_secret, 'public/auth', id, account.api_key, {}, nonce),
    });
    if (reply.code !== 0) throw new Error(`public/auth failed: ${JSON.stringify(reply)}`);
    return reply;
  }

  close() {
    if (!this.closed) this.ws.close();
    return this.closedPromise;
  }

  terminate() {
    this.ws.terminate();
    return this.closedPromise;
  }
}

// Starts and stops sequexd for the API tests, creates funded accounts with the `sequex` CLI, and builds CCXT
// clients pointed at the server (reference §4).
//
// Contract used (docs/server.md): `sequexd --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --no-demo
// --data-dir DIR [--config FILE]` prints `sequexd: ready http=H:P admin=H:P data=DIR` on stdout when it serves;
// SIGTERM drains and exits 0; a restart on the same DIR recovers every acknowledged command.
//
// Ownership: a Server owns its child process, its temp data folder (removed by dispose() unless
// SEQUEX_KEEP_DATA=1) and every CCXT client made through it (closed by stop() and dispose()).

import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// An env path that is relative is taken from the current folder, as a shell would; the defaults from the repo root.
export const SEQUEXD = path.resolve(process.env.SEQUEXD ?? path.join(REPO_ROOT, 'build/release/bin/sequexd'));
export const SEQUEX_CLI = path.resolve(process.env.SEQUEX_CLI ?? path.join(REPO_ROOT, 'build/release/bin/sequex'));

const READY_RE = /^sequexd: ready http=(\S+) admin=(\S+) data=(.+)$/;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_TAIL_CHARS = 8_000;

const live = new Set(); // child processes still running: killed if this test process exits first
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export const DEFAULT_DEPOSITS = { USD: '100000', BTC: '10' };

// A TOML section for --config, e.g. tomlSection('websocket', { heartbeat_interval_ms: 500 }); the file is read
// over the embedded default (src/server/default_config.toml), so it needs only the keys it changes.
export function tomlSection(name, values) {
  const lines = Object.entries(values).map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}`);
  return `[${name}]\n${lines.join('\n')}\n`;
}

export class Server {
  // options: { config: TOML text (optional), dataDir (optional: a fresh temp folder otherwise), args: extra argv,
  //            demo: true to leave out --no-demo (demo accounts, and the market maker unless the config turns it off),
  //            env: variables added to the server's environment (e.g. LD_PRELOAD) }
  constructor(options = {}) {
    this.options = options;
    this.dataDir = options.dataDir;
    this.ownsDataDir = !options.dataDir;
    this.child = null;
    this.exit = null;          // {code, signal} once the current process ended
    this.stdoutTail = '';
    this.stderrTail = '';
    this.clients = new Set();  // CCXT clients to close
    this.generation = 0;       // counts starts, so a test can tell a restarted server apart
  }

  static async start(options = {}) {
    const server = new Server(options);
    await server.launch();
    return server;
  }

  get httpBase() { return `http://${this.http}`; }
  get wsMarket() { return `ws://${this.http}/exchange/v1/market`; }
  get wsUser() { return `ws://${this.http}/exchange/v1/user`; }
  get pid() { return this.child?.pid; }
  get running() { return this.child !== null && this.exit === null; }

  logs() {
    return `--- sequexd stdout (tail) ---\n${this.stdoutTail}\n--- sequexd stderr (tail) ---\n${this.stderrTail}`;
  }

  async launch() {
    if (!this.dataDir) this.dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sequex-api-'));
    const args = ['--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--data-dir', this.dataDir];
    if (!this.options.demo) args.push('--no-demo');
    if (this.options.config !== undefined) {
      const configPath = path.join(path.dirname(this.dataDir), `${path.basename(this.dataDir)}.toml`);
      await fs.writeFile(configPath, this.options.config);
      this.configPath = configPath;
      args.unshift('--config', configPath);
    }
    args.push(...(this.options.args ?? []));
    this.exit = null;
    this.generation += 1;
    const child = spawn(SEQUEXD, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.options.env } });
    this.child = child;
    live.add(child);
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        if (this.child === child) this.exit = { code, signal };
        resolve({ code, signal });
      });
    });
    this.exited = exited;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { this.stderrTail = (this.stderrTail + chunk).slice(-LOG_TAIL_CHARS); });

    const ready = new Promise((resolve, reject) => {
      const rl = readline.createInterface({ input: child.stdout });
      rl.on('line', (line) => {
        this.stdoutTail = (this.stdoutTail + line + '\n').slice(-LOG_TAIL_CHARS);
        const m = READY_RE.exec(line);
        if (m) resolve(m);
      });
      child.on('error', (err) => reject(new Error(`cannot start ${SEQUEXD}: ${err.message}`)));
      exited.then(({ code, signal }) =>
        reject(new Error(`sequexd exited before its ready line (code ${code}, signal ${signal})\n${this.logs()}`)));
    });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ready line from sequexd within ${READY_TIMEOUT_MS} ms\n${this.logs()}`)),
        READY_TIMEOUT_MS);
    });
    try {
      const m = await Promise.race([ready, timeout]);
      this.http = m[1];
      this.adminAddr = m[2];
      this.readyDataDir = m[3];
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return this;
  }

  async closeClients() {
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
  }

  // SIGTERM, then SIGKILL after timeoutMs. Returns {code, signal} of the exit.
  async stop(timeoutMs = STOP_TIMEOUT_MS) {
    await this.closeClients();
    if (!this.child) return null;
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    let timer;
    const result = await Promise.race([
      this.exited,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (result) return result;
    this.child.kill('SIGKILL');
    const killed = await this.exited;
    return { ...killed, timedOut: true };
  }

  // kill -9: no chance to drain or sync.
  async kill9() {
    await this.closeClients();
    if (!this.running) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  // Stops (gracefully unless {kill9: true}) and starts again on the same data folder. Ports change.
  async restart({ kill9 = false } = {}) {
    const exit = kill9 ? await this.kill9() : await this.stop();
    await this.launch();
    return exit;
  }

  // Restarts after kill -9, then after SIGTERM, and checks after each that `state()` (what clients can see, as the
  // caller reads it) is what it was before and that the history came back from a history snapshot, not the journal
  // alone. Returns the state both restarts kept.
  async assertStateSurvivesRestarts(state) {
    const before = await state();
    for (const kill9 of [true, false]) {
      const exit = await this.restart({ kill9 });
      assert.equal(kill9 ? exit.signal : exit.code, kill9 ? 'SIGKILL' : 0);
      assert.match(this.logs(), /history: restored from history-\d+\.snap/);
      assert.deepEqual(await state(), before, kill9 ? 'after kill -9' : 'after SIGTERM');
    }
    return before;
  }

  // Stops the server and removes its temp data folder.
  async dispose() {
    const exit = await this.stop();
    if (this.ownsDataDir && process.env.SEQUEX_KEEP_DATA !== '1') {
      await fs.rm(this.dataDir, { recursive: true, force: true });
      if (this.configPath) await fs.rm(this.configPath, { force: true });
    }
    return exit;
  }

  // `sequex --data-dir DIR account create --deposit A=X ... --json` → {account_id, api_key, api_secret}
  // With SEQUEX_ACCOUNTS_VIA_ADMIN=1 the admin endpoint's account/create is used instead of the CLI.
  async createAccount(deposits = DEFAULT_DEPOSITS) {
    if (process.env.SEQUEX_ACCOUNTS_VIA_ADMIN === '1') {
      const reply = await this.admin('account/create', {
        deposits: Object.entries(deposits).map(([asset, amount]) => ({ asset, amount: String(amount) })),
      });
      if (reply.code !== 0) throw new Error(`admin account/create: ${JSON.stringify(reply)}`);
      return reply.result;
    }
    const args = ['--data-dir', this.dataDir, 'account', 'create'];
    for (const [asset, amount] of Object.entries(deposits)) args.push('--deposit', `${asset}=${amount}`);
    args.push('--json');
    const { stdout } = await run(SEQUEX_CLI, args);
    const line = stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
    if (!line) throw new Error(`sequex account create printed no JSON: ${JSON.stringify(stdout)}`);
    const account = JSON.parse(line);
    for (const key of ['account_id', 'api_key', 'api_secret']) {
      if (account[key] === undefined || account[key] === '') throw new Error(`sequex account create: no ${key} in ${line}`);
    }
    return account;
  }

  async cli(...args) {
    return run(SEQUEX_CLI, ['--data-dir', this.dataDir, ...args]);
  }

  // POST /admin/v1/<op> with the bearer token the server wrote into its data folder. Returns the parsed reply.
  async admin(op, body = {}) {
    const endpoint = (await fs.readFile(path.join(this.dataDir, 'admin.endpoint'), 'utf8')).trim();
    const token = (await fs.readFile(path.join(this.dataDir, 'admin.token'), 'utf8')).trim();
    const res = await fetch(`http://${endpoint}/admin/v1/${op}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`admin ${op}: HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
  }

  // A ccxt.pro.cryptocom client pointed at this server exactly as in reference §4 (account optional: public only).
  // Extra CCXT options go in `options` (e.g. { enableRateLimit: false }).
  async ccxt(account = undefined, options = {}) {
    const creds = account ? { apiKey: account.api_key, secret: account.api_secret } : {};
    const ex = new ccxt.pro.cryptocom({ ...creds, ...options });
    ex.urls.api = {
      ...ex.urls.api,
      v1: `${this.httpBase}/exchange/v1`,
      ws: { public: this.wsMarket, private: this.wsUser },
    };
    await ex.loadHttpProxyAgent();
    this.clients.add(ex);
    return ex;
  }
}

function run(file, args) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

// A server whose wall clock (CLOCK_REALTIME, what std::chrono::system_clock reads) runs behind the real one by the
// milliseconds the last shift(ms) gave (negative: ahead): lib/clock_shift.c, compiled here and preloaded into it.
// The shim reads its file at most once a real second. dispose() stops the server and removes the shim's folder.
export async function startWithShiftedClock(options = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sequex-clock-'));
  const shim = path.join(dir, 'clock_shift.so');
  const shiftFile = path.join(dir, 'shift-ms');
  const source = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clock_shift.c');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', shim, source, '-ldl']);
    await fs.writeFile(shiftFile, '0');
    const server = await Server.start({
      ...options, env: { ...options.env, LD_PRELOAD: shim, SEQUEX_TEST_CLOCK_SHIFT_FILE: shiftFile },
    });
    return {
      server,
      shift: (ms) => fs.writeFile(shiftFile, String(ms)),
      dispose: async () => {
        await server.dispose();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `probe` (async, returns a value or undefined/false) until it returns something truthy or timeoutMs passes.
export async function eventually(probe, { timeoutMs = 5_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// Calls a CCXT watch* repeatedly until `predicate(result)` holds. A CCXT watch resolves only with a message that
// arrives while it is pending, so a push that came before the call is seen only in the client's cache: pass
// `cached` (returns that cache, e.g. () => ex.trades['ETH/USD']) and it is checked before every wait.
// A watch that never resolves is abandoned (its promise is caught, so closing the client later raises nothing).
export async function watchUntil(watch, predicate, { timeoutMs = 5_000, what = 'watched value', cached } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    if (cached) {
      const value = cached();
      if (value !== undefined && predicate(value)) return value;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${describe(last ?? cached?.())}`);
    }
    const pending = watch();
    pending.catch(() => {});
    let timer;
    const result = await Promise.race([
      pending,
      new Promise((resolve) => { timer = setTimeout(() => resolve(TIMEOUT), Math.min(remaining, 250)); }),
    ]);
    clearTimeout(timer);
    if (result === TIMEOUT) continue;
    last = result;
    if (predicate(result)) return result;
  }
}
const TIMEOUT = Symbol('timeout');

function describe(value) {
  try {
    return JSON.stringify(value, (k, v) => (k === 'info' ? undefined : v)).slice(0, 1500);
  } catch {
    return String(value);
  }
}

// Awaits `promise` and returns the error it rejects with, which must be exactly of class `ErrorClass` (not a
// subclass: CCXT's OrderNotFound is an InvalidOrder, and a test that wants one must not accept the other).
export async function rejectsWith(promise, ErrorClass, what = '') {
  let value;
  try {
    value = await promise;
  } catch (err) {
    if (err?.constructor === ErrorClass) return err;
    throw new Error(`${what}: expected ${ErrorClass.name}, got ${err?.constructor?.name}: ${err?.message}`);
  }
  throw new Error(`${what}: expected ${ErrorClass.name}, but the call succeeded: ${describe(value)}`);
}

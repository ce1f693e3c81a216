#!/usr/bin/env python3
"""Soak (docs/server.md, "What grows over time"): sequexd (default config, demo market maker, nice -n 10) with a
market socket subscribed to every channel that reads, one that never reads (a new one each INTERVAL), a loop of
public REST requests each on a new connection from a new 127.x.y.z address (NO_REST_CHURN=1: none), and a loop of
market sockets that subscribe and leave. Prints one JSON line per INTERVAL seconds: RSS, descriptors, the journal's
written bytes, the admin status' counters. Usage: python3 scripts/soak.py SEQUEXD NEW_DATA_DIR MINUTES [INTERVAL]"""
import base64, json, os, socket, struct, subprocess, sys, threading, time, urllib.request

sequexd, data, minutes = sys.argv[1], sys.argv[2], float(sys.argv[3])
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 60
port = 18480 + os.getpid() % 1000
proc = subprocess.Popen(['nice', '-n', '10', sequexd, '--data-dir', data, '--listen', f'127.0.0.1:{port}'],
                        stdout=open(data + '.log', 'w'), stderr=subprocess.STDOUT)
pid = None
for _ in range(600):
    time.sleep(0.1)
    try:
        s = socket.create_connection(('127.0.0.1', port)); s.close(); break
    except OSError:
        pass
# `nice` execs sequexd: same pid
pid = proc.pid

def admin(op, body=None):
    ep = open(os.path.join(data, 'admin.endpoint')).read().strip()
    tok = open(os.path.join(data, 'admin.token')).read().strip()
    req = urllib.request.Request(f'http://{ep}/admin/v1/{op}', data=json.dumps(body or {}).encode(),
                                 headers={'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})
    return json.load(urllib.request.urlopen(req, timeout=10))['result']

def frame(text):
    payload = text.encode(); mask = os.urandom(4)
    head = bytes([0x81])
    n = len(payload)
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack('>H', n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

def ws_open(rcvbuf=None):
    s = socket.socket()
    if rcvbuf: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(('127.0.0.1', port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f'GET /exchange/v1/market HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
               f'Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n').encode())
    buf = b''
    while b'\r\n\r\n' not in buf: buf += s.recv(1)
    assert b' 101 ' in buf, buf
    return s

insts = ['BTC_USD', 'ETH_USD', 'SOL_USD', 'ETH_BTC']
tfs = ['1m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1D', '7D', '14D', '1M']
channels = [c for i in insts for c in [f'book.{i}.50', f'book.{i}.10', f'trade.{i}', f'ticker.{i}'] +
            [f'candlestick.{tf}.{i}' for tf in tfs]]
sub = json.dumps({'id': 1, 'method': 'subscribe', 'params': {'channels': channels}, 'nonce': int(time.time() * 1000)})

slow = ws_open(rcvbuf=4096)  # never read
slow.sendall(frame(sub))
fast = ws_open()
fast.sendall(frame(sub))
fast_bytes = [0]; fast_closed = [None]; tail_of = [b'']
def read_fast():
    while True:
        try:
            d = fast.recv(65536)
        except OSError as e:
            fast_closed[0] = str(e); return
        if not d: fast_closed[0] = 'eof'; return
        fast_bytes[0] += len(d)
        # Answers heartbeats: the id before the method, looked for over this chunk and the end of the last one (a
        # heartbeat cut between two reads went unanswered, and the socket was dropped 5 s later).
        d = tail_of[0] + d
        i = d.find(b'"method":"public/heartbeat"')
        j = d.rfind(b'"id":', 0, i) if i >= 0 else -1
        if j >= 0:
            hid = int(d[j + 5:d.index(b',', j)])
            fast.sendall(frame(json.dumps({'id': hid, 'method': 'public/respond-heartbeat'})))
            d = d[i + 27:]  # past this heartbeat's method
        tail_of[0] = d[-128:]
threading.Thread(target=read_fast, daemon=True).start()

def du(path):
    return int(subprocess.check_output(['du', '-sb', path]).split()[0])
def apparent_alloc(path):
    return int(subprocess.check_output(['du', '-sk', path]).split()[0]) * 1024

def sample(t0):
    st = open(f'/proc/{pid}/status').read()
    rss = int([l for l in st.splitlines() if l.startswith('VmRSS')][0].split()[1])
    anon = int([l for l in st.splitlines() if l.startswith('RssAnon')][0].split()[1])
    segs = sorted(f for f in os.listdir(data) if f.endswith('.seg'))
    written = sum(len(open(os.path.join(data, f), 'rb').read().rstrip(b'\0')) for f in segs)
    fds = len(os.listdir(f'/proc/{pid}/fd'))
    a = admin('status')
    files = sorted(os.listdir(data))
    row = dict(t=round(time.time() - t0), rss_kib=rss, anon_kib=anon, journal_written=written, fds=fds, data_bytes=du(data), data_alloc=apparent_alloc(data),
               files=len(files), applied=a.get('applied'), subs=a.get('subscriptions'), http=a.get('http_sessions'), ws=a.get('websocket_sessions'),
               slow_disc=a.get('slow_disconnects'), hb_disc=a.get('heartbeat_disconnects'),
               fast_bytes=fast_bytes[0], fast_closed=fast_closed[0])
    print(json.dumps(row), flush=True)
    return a

churn = {'rest': 0, 'rest_err': 0, 'ws': 0, 'ws_err': 0}
def rest_churn():
    import random
    while True:
        src = f'127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}'
        try:
            c = socket.socket(); c.bind((src, 0)); c.settimeout(5); c.connect(('127.0.0.1', port))
            c.sendall(b'GET /exchange/v1/public/get-book?instrument_name=BTC_USD&depth=10 HTTP/1.1\r\nHost: x\r\n'
                      b'Connection: close\r\n\r\n')
            while c.recv(65536): pass
            c.close(); churn['rest'] += 1
        except OSError:
            churn['rest_err'] += 1
        time.sleep(0.02)
def ws_churn():
    while True:
        try:
            w = ws_open(); w.sendall(frame(sub)); time.sleep(0.2); w.close(); churn['ws'] += 1
        except Exception:
            churn['ws_err'] += 1
        time.sleep(0.3)
if not os.environ.get('NO_REST_CHURN'): threading.Thread(target=rest_churn, daemon=True).start()
threading.Thread(target=ws_churn, daemon=True).start()
never_readers = [slow]
t0 = time.time()
a = sample(t0)
print('# status keys:', sorted(a.keys()), flush=True)
end = t0 + minutes * 60
while time.time() < end:
    time.sleep(min(interval, max(0.0, end - time.time())))
    print('# churn', json.dumps(churn), flush=True)
    try:
        n = ws_open(rcvbuf=4096); n.sendall(frame(sub)); never_readers.append(n)  # another that never reads
    except Exception as e:
        print('# never-reader failed', e)
    sample(t0)
print('# files:', sorted(os.listdir(data)), flush=True)
print('# maps:', subprocess.run(['sh', '-c', f'grep -c . /proc/{pid}/maps'], capture_output=True, text=True).stdout.strip())
seg = sorted(f for f in os.listdir(data) if f.endswith('.seg'))
for f in seg:
    b = open(os.path.join(data, f), 'rb').read()
    print('# segment', f, 'size', len(b), 'written', len(b.rstrip(b'\0')), flush=True)
print('# applied', admin('status').get('applied'), flush=True)
proc.terminate(); proc.wait()

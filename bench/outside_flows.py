#!/usr/bin/env python3
"""Order flows in the workload file format (shared/workloads/README.md) with shapes the project's generator does
not make, written as a venue outside the project might write them, to run the engine on against the
straightforward engine: sequex-bench engine --input FILE --baseline. docs/performance.md has the figures.

  python3 bench/outside_flows.py SHAPE COMMANDS > FILE      SHAPE: one of the names at the end of this file

Each flow is seeded (7), so the same arguments write the same file.
"""
import random
import sys

def header(out, nbooks, naccounts, acct_ids=None):
    out.append("# sequex-workload 1")
    out.append("A USD 2")
    for b in range(nbooks):
        out.append(f"A B{b:04d} 0")
    for b in range(nbooks):
        out.append(f"I S{b:04d} B{b:04d} USD 1 1 1")
    ids = acct_ids or list(range(1, naccounts + 1))
    for a in ids:
        out.append(f"D {a} USD 10000000000000")
        for b in range(nbooks):
            out.append(f"D {a} B{b:04d} 10000000000")
    return ids

def place(out, refs, a, symbol, side, px, q, tif="GTC", market=False, post_only=False):
    """Appends an N line under account a's next order reference (refs: account -> last one); returns (a, ref)."""
    refs[a] = refs.get(a, 0) + 1
    kind = 'M' if market else 'L'
    out.append(f"N {a} {symbol} {side} {kind} {tif} {'PO' if post_only else '-'} {'-' if market else px} {q} {refs[a]}")
    return (a, refs[a])


def deepqueue(n, rnd):
    """One book, 200,000 orders resting on three prices a side; cancels from anywhere in the queues."""
    out = []; ids = header(out, 1, 1000)
    refs = {a: 0 for a in ids}; openo = []
    def new(a, side, px, q, tif="GTC", mkt=False):
        return place(out, refs, a, "S0000", side, px, q, tif, mkt)
    # 200k resting on 3 levels each side
    for i in range(200000):
        a = rnd.choice(ids); s = rnd.random() < 0.5
        px = (1000 - rnd.randint(1, 3)) if s else (1000 + rnd.randint(1, 3))
        openo.append(new(a, 'B' if s else 'S', px, rnd.randint(1, 100)))
    out.append("W")
    for i in range(n):
        r = rnd.random()
        if r < 0.45:
            a = rnd.choice(ids); s = rnd.random() < 0.5
            px = (1000 - rnd.randint(1, 3)) if s else (1000 + rnd.randint(1, 3))
            openo.append(new(a, 'B' if s else 'S', px, rnd.randint(1, 100)))
        elif r < 0.9 and openo:
            k = rnd.randrange(len(openo)); a, ref = openo[k]; openo[k] = openo[-1]; openo.pop()
            out.append(f"C {a} {ref}")
        elif r < 0.95 and openo:
            k = rnd.randrange(len(openo)); a, ref = openo[k]
            out.append(f"M {a} {ref} - {rnd.randint(1, 5)}")
        else:
            a = rnd.choice(ids)
            new(a, rnd.choice('BS'), 0, rnd.randint(1, 300), "IOC", True)
    return out

def manybooks(n, rnd):
    """1,000 books, 2,000 accounts funded in all of them, uniform flow; 1% cancel-all across books."""
    nb = 1000
    out = []; ids = header(out, nb, 2000)
    refs = {a: 0 for a in ids}; openo = []
    mids = [rnd.randint(10000, 100000) for _ in range(nb)]
    def order(a, b):
        s = rnd.random() < 0.5
        px = mids[b] - rnd.randint(0, 50) if s else mids[b] + rnd.randint(0, 50)
        openo.append(place(out, refs, a, f"S{b:04d}", 'B' if s else 'S', px, rnd.randint(1, 100)))
    for i in range(300000):
        order(rnd.choice(ids), rnd.randrange(nb))
    out.append("W")
    for i in range(n):
        r = rnd.random(); b = rnd.randrange(nb)
        mids[b] += rnd.choice((-1, 0, 1))
        if r < 0.5 or not openo:
            order(rnd.choice(ids), b)
        elif r < 0.85:
            k = rnd.randrange(len(openo)); a, ref = openo[k]; openo[k] = openo[-1]; openo.pop()
            out.append(f"C {a} {ref}")
        elif r < 0.99:
            k = rnd.randrange(len(openo)); a, ref = openo[k]
            out.append(f"M {a} {ref} {mids[b] + rnd.randint(-50, 50)} -")
        else:
            out.append(f"X {rnd.choice(ids)} *")
    return out

def bigsweep(n, rnd):
    """A book 50,000 levels deep a side: market FOKs that cannot fill and IOCs sweeping 300 levels."""
    out = []; ids = header(out, 1, 1000)
    refs = {a: 0 for a in ids}
    def new(a, side, px, q, tif="GTC", mkt=False):
        return place(out, refs, a, "S0000", side, px, q, tif, mkt)
    for i in range(50000):
        new(rnd.choice(ids), 'S', 100000 + i, 10)
        new(rnd.choice(ids), 'B', 99999 - i, 10)
    out.append("W")
    ask = 100000; bid = 99999; nxt_a = 150000; nxt_b = 49999
    for i in range(n):
        r = rnd.random()
        if r < 0.01:
            # FOK that cannot fill: asks for more than 2000 levels hold
            new(rnd.choice(ids), rnd.choice('BS'), 0, 1000000, "FOK", True)
        elif r < 0.02:
            new(rnd.choice(ids), rnd.choice('BS'), 0, 3000, "IOC", True)
        else:
            # refill far behind
            if rnd.random() < 0.5:
                new(rnd.choice(ids), 'S', rnd.randint(100000, 150000), 10)
            else:
                new(rnd.choice(ids), 'B', rnd.randint(50000, 99999), 10)
    return out

def stale(n, rnd):
    """Half the cancels and amends name orders that are gone or never were."""
    out = []; ids = header(out, 10, 10000)
    refs = {a: 0 for a in ids}; openo = []
    def order(a, b):
        s = rnd.random() < 0.5
        px = 1000 - rnd.randint(0, 50) if s else 1000 + rnd.randint(1, 50)
        openo.append(place(out, refs, a, f"S{b:04d}", 'B' if s else 'S', px, rnd.randint(1, 100)))
    for i in range(100000):
        order(rnd.choice(ids), rnd.randrange(10))
    out.append("W")
    for i in range(n):
        r = rnd.random()
        if r < 0.3:
            order(rnd.choice(ids), rnd.randrange(10))
        elif r < 0.6:
            a = rnd.choice(ids)
            out.append(f"C {a} {rnd.randint(1, 10**18)}")
        elif r < 0.8:
            a = rnd.choice(ids)
            out.append(f"M {a} {rnd.randint(1, refs[a] + 5)} {1000 + rnd.randint(-50, 50)} {rnd.randint(1, 50)}")
        else:
            k = rnd.randrange(len(openo)); a, ref = openo[k]; openo[k] = openo[-1]; openo.pop()
            out.append(f"C {a} {ref}")
    return out

def sparseaccts(n, rnd):
    """200,000 accounts numbered up to 4e9, each placing its first order some time into the flow."""
    ids = rnd.sample(range(1, 4_000_000_000), 200000)
    out = ["# sequex-workload 1", "A USD 2", "A BTC 0", "I BTCUSD BTC USD 1 1 1"]
    for a in ids:
        out.append(f"D {a} USD 1000000000000"); out.append(f"D {a} BTC 1000000000")
    refs = {}; openo = []
    def order(a):
        refs[a] = refs.get(a, 0) + rnd.randint(1, 10**12); s = rnd.random() < 0.5
        px = 100000 - rnd.randint(0, 200) if s else 100000 + rnd.randint(1, 200)
        out.append(f"N {a} BTCUSD {'B' if s else 'S'} L GTC - {px} {rnd.randint(1,100)} {refs[a]}")
        openo.append((a, refs[a]))
    for i in range(100000): order(rnd.choice(ids))
    out.append("W")
    for i in range(n):
        r = rnd.random()
        if r < 0.55 or not openo: order(rnd.choice(ids))
        else:
            k = rnd.randrange(len(openo)); a, ref = openo[k]; openo[k] = openo[-1]; openo.pop()
            out.append(f"C {a} {ref}")
    return out

def ladder_cancelall(n, rnd):
    """500 accounts resting across 200 books, 2% cancel-all across all of them."""
    # accounts each hold orders across many books; X * cancels them all
    nb = 200
    out = []; ids = header(out, nb, 500)
    refs = {a: 0 for a in ids}
    for i in range(n):
        a = rnd.choice(ids)
        if rnd.random() < 0.02:
            out.append(f"X {a} *")
        else:
            b = rnd.randrange(nb); s = rnd.random() < 0.5
            px = 1000 - rnd.randint(0, 100) if s else 1000 + rnd.randint(1, 100)
            place(out, refs, a, f"S{b:04d}", 'B' if s else 'S', px, rnd.randint(1, 100))
        if i == 100000: out.append("W")
    return out

def manyassets(n, rnd):
    """100,000 accounts funded in quote only buy 60 bases they never held: balances open as they trade."""
    nb = 60
    out = ["# sequex-workload 1", "A USD 2"]
    for b in range(nb): out.append(f"A B{b:04d} 0")
    for b in range(nb): out.append(f"I S{b:04d} B{b:04d} USD 1 1 1")
    makers = list(range(1, 51)); takers = list(range(51, 100051))
    for a in makers:
        out.append(f"D {a} USD 1000000000000")
        for b in range(nb): out.append(f"D {a} B{b:04d} 1000000000")
    for a in takers: out.append(f"D {a} USD 100000000")
    refs = {}
    def new(a, b, side, px, q, tif="GTC"):
        place(out, refs, a, f"S{b:04d}", side, px, q, tif)
    for b in range(nb):
        for k in range(200):
            new(rnd.choice(makers), b, 'S', 1000 + k % 50, 1000)
    out.append("W")
    for i in range(n):
        r = rnd.random(); b = rnd.randrange(nb)
        if r < 0.5:
            new(rnd.choice(takers), b, 'B', 1010, rnd.randint(1, 3), "IOC")
        else:
            new(rnd.choice(makers), b, 'S', 1000 + rnd.randint(0, 20), rnd.randint(1, 10))
    return out

def order_near(out, refs, rnd, a, b, tif=None):
    """A limit order of account a in book b, priced near 1,000 (a few ticks through it at most), of 1 to 100 lots;
    tif as given, or else drawn last: GTC 80% of the time, IOC the rest."""
    s = rnd.random() < 0.5
    px = 1000 - rnd.randint(-3, 50) if s else 1000 + rnd.randint(-3, 50)
    q = rnd.randint(1, 100)
    if tif is None:
        tif = "GTC" if rnd.random() < 0.8 else "IOC"
    place(out, refs, a, f"S{b:04d}", 'B' if s else 'S', px, q, tif)

def lateaccounts(n, rnd):
    """Users keep arriving: 5% of the steps fund a new account in all 11 assets, the rest are orders of any account."""
    out = []; header(out, 10, 1000)
    refs = {}; nxt = 1001
    out.append("W")
    for i in range(n):
        r = rnd.random()
        if r < 0.05:
            out.append(f"D {nxt} USD 10000000000000")
            for b in range(10):
                out.append(f"D {nxt} B{b:04d} 10000000000")
            nxt += 1
        else:
            a = rnd.randint(1, nxt - 1); b = rnd.randrange(10)
            order_near(out, refs, rnd, a, b, "GTC" if r < 0.8 else "IOC")
    return out

def latebooks(n, rnd):
    """A venue listing books while it trades: every 2,000 steps a new book on one of the ten assets, and orders go to
    any book listed so far."""
    out = []; header(out, 10, 1000)
    refs = {}; books = 10
    out.append("W")
    for i in range(n):
        if i % 2000 == 1999:
            out.append(f"I S{books:04d} B{books % 10:04d} USD 1 1 1")
            books += 1
            continue
        order_near(out, refs, rnd, rnd.randint(1, 1000), rnd.randrange(books))
    return out

def postonly(n, rnd):
    """20 market makers re-quote post-only orders a few ticks around each of 20 moving mids, keeping six quotes a
    book and cancelling the oldest; 1,980 other accounts take with IOCs and market FOKs. Quotes priced through the
    spread are rejected (post-only would cross), and many cancels name quotes that have already traded."""
    nb = 20
    out = []; header(out, nb, 2000)
    refs = {}; mids = [100000] * nb; quotes = {}
    out.append("W")
    for i in range(n):
        b = rnd.randrange(nb); r = rnd.random()
        mids[b] += rnd.choice((-1, 0, 0, 1))
        if r < 0.55:
            m = rnd.randint(1, 20); s = rnd.random() < 0.5
            px = mids[b] - rnd.randint(-1, 3) if s else mids[b] + rnd.randint(-1, 3)
            _, ref = place(out, refs, m, f"S{b:04d}", 'B' if s else 'S', px, rnd.randint(1, 50), post_only=True)
            mine = quotes.setdefault((m, b), []); mine.append(ref)
            if len(mine) > 6:
                out.append(f"C {m} {mine.pop(0)}")
        elif r < 0.8:
            s = rnd.random() < 0.5
            place(out, refs, rnd.randint(21, 2000), f"S{b:04d}", 'B' if s else 'S', mids[b] + (2 if s else -2),
                  rnd.randint(1, 80), "IOC")
        elif r < 0.9:
            place(out, refs, rnd.randint(21, 2000), f"S{b:04d}", rnd.choice('BS'), 0, rnd.randint(50, 400), "FOK", True)
        else:
            m = rnd.randint(1, 20); mine = quotes.get((m, b))
            if mine:
                out.append(f"M {m} {rnd.choice(mine)} {mids[b] + rnd.randint(-3, 3)} {rnd.randint(1, 50)}")
    return out

def amendup(n, rnd):
    """60% of the steps amend an open order to a larger quantity (which loses its time priority and holds more),
    half of them at a new price too; 50 books, 5,000 accounts, 100,000 orders resting before the measured steps."""
    nb = 50
    out = []; ids = header(out, nb, 5000)
    refs = {}; openo = []
    def order(through):
        a = rnd.choice(ids); b = rnd.randrange(nb); s = rnd.random() < 0.5
        px = 1000 - rnd.randint(-through, 60) if s else 1000 + rnd.randint(-through, 60)
        openo.append((place(out, refs, a, f"S{b:04d}", 'B' if s else 'S', px, rnd.randint(1, 100)), s))
    for i in range(100000):
        order(-1)
    out.append("W")
    for i in range(n):
        r = rnd.random()
        if r < 0.6 and openo:
            (a, ref), s = rnd.choice(openo)
            px = 1000 - rnd.randint(1, 60) if s else 1000 + rnd.randint(1, 60)
            out.append(f"M {a} {ref} {px if rnd.random() < 0.5 else '-'} {rnd.randint(50, 200)}")
        elif r < 0.85:
            order(2)
        elif openo:
            k = rnd.randrange(len(openo)); (a, ref), _ = openo[k]; openo[k] = openo[-1]; openo.pop()
            out.append(f"C {a} {ref}")
    return out

def flashcrash(n, rnd):
    """One book around 1,000,000 ticks whose mid jumps 30,000 to 200,000 ticks away and back (on average every 2,000
    steps), so orders are left far behind the new best and new prices land far outside where the book was."""
    out = []; ids = header(out, 1, 1000)
    refs = {}; openo = []; home = 1_000_000; mid = home
    out.append("W")
    for i in range(n):
        if rnd.random() < 0.0005:
            mid = home + rnd.choice((-1, 1)) * rnd.randint(30000, 200000) if mid == home else home
        r = rnd.random(); a = rnd.choice(ids)
        if r < 0.6:
            s = rnd.random() < 0.5
            px = mid - rnd.randint(-2, 100) if s else mid + rnd.randint(-2, 100)
            openo.append(place(out, refs, a, "S0000", 'B' if s else 'S', px, rnd.randint(1, 100)))
        elif r < 0.9 and openo:
            k = rnd.randrange(len(openo)); a2, ref = openo[k]; openo[k] = openo[-1]; openo.pop()
            out.append(f"C {a2} {ref}")
        else:
            place(out, refs, a, "S0000", rnd.choice('BS'), 0, rnd.randint(1, 300), "IOC", True)
    return out

SHAPES = {
    "deep-queue": deepqueue,
    "many-books": manybooks,
    "big-sweep": bigsweep,
    "stale": stale,
    "sparse-accounts": sparseaccts,
    "cancel-all-across-books": ladder_cancelall,
    "new-assets": manyassets,
    "late-accounts": lateaccounts,
    "late-books": latebooks,
    "post-only": postonly,
    "amend-up": amendup,
    "flash-crash": flashcrash,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SHAPES or not sys.argv[2].isdigit():
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(SHAPES)} COMMANDS > FILE")
    sys.stdout.write("\n".join(SHAPES[sys.argv[1]](int(sys.argv[2]), random.Random(7))) + "\n")

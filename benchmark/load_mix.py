#!/usr/bin/env python3
"""Writes the benchmark's dataset as RESP commands to stdout, for `redis-cli --pipe`.

    python3 load_mix.py KEYS | redis-cli -p PORT --pipe

The issue's mix: 60% strings of 50-500 bytes, 15% hashes of 10-20 fields, 10% lists, 8% sets,
5% sorted sets, 2% streams (10-20 elements each); 30% of the keys expire (in 1-2 hours, so not
during a run; TTL_SHARE=0 in the environment: none, a dataset without TTLs); half the keys in db 0,
half in db 1. Seeded: every run loads the same data (the same keys and values whatever TTL_SHARE).
"""
import os
import random
import sys

TTL_SHARE = float(os.environ.get("TTL_SHARE", "0.3"))

KINDS = [("string", 60), ("hash", 15), ("list", 10), ("set", 8), ("zset", 5), ("stream", 2)]


def command(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


class Mix:
    """The seeded mix: key i's kind and the commands that make it (and its expiry, for 30% of them)."""

    def __init__(self):
        self.rnd = random.Random(42)
        letters = b"abcdefghijklmnopqrstuvwxyz0123456789"
        self.pool = bytes(self.rnd.choice(letters) for _ in range(1 << 16))
        self.cuts = []
        for kind, share in KINDS:
            self.cuts += [kind] * share

    def key(self, i):
        kind = self.cuts[i % 100]
        return b"%s:%d" % (kind.encode(), i)

    def commands(self, i):
        rnd = self.rnd
        kind = self.cuts[i % 100]
        key = self.key(i)
        out = []
        n = rnd.randint(10, 20)
        if kind == "string":
            size = rnd.randint(50, 500)
            at = rnd.randrange(len(self.pool) - size)
            out.append(command("SET", key, self.pool[at:at + size]))
        elif kind == "hash":
            args = ["HSET", key]
            for f in range(n):
                args += [b"field%d" % f, b"value-%d-%d" % (i, rnd.randrange(1 << 30))]
            out.append(command(*args))
        elif kind == "list":
            out.append(command("RPUSH", key, *[b"item-%d" % rnd.randrange(1 << 30) for _ in range(n)]))
        elif kind == "set":
            out.append(command("SADD", key, *[b"member-%d" % rnd.randrange(1 << 30) for _ in range(n)]))
        elif kind == "zset":
            args = ["ZADD", key]
            for m in range(n):
                args += [b"%.3f" % rnd.uniform(0, 1000), b"member-%d" % m]
            out.append(command(*args))
        else:
            for e in range(n):
                out.append(command("XADD", key, "*", "reading", rnd.randrange(1000), "sensor", e))
        if rnd.random() < TTL_SHARE:
            out.append(command("PEXPIRE", key, rnd.randint(3_600_000, 7_200_000)))
        return out


def main():
    total = int(sys.argv[1])
    mix = Mix()
    out = sys.stdout.buffer
    buf = []
    for db in (0, 1):
        buf.append(command("SELECT", db))
        for i in range(db, total, 2):
            buf += mix.commands(i)
            if len(buf) >= 10_000:
                out.write(b"".join(buf))
                buf = []
    out.write(b"".join(buf))


if __name__ == "__main__":
    main()

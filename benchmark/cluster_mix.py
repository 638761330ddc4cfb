#!/usr/bin/env python3
"""The benchmark's mix for a Redis Cluster: one RESP file per master, each key sent to the master of
its hash slot, for `redis-cli -p PORT --pipe < FILE` on every master side by side.

    python3 cluster_mix.py KEYS OUT_DIR SLOTS_OF_MASTER_1 SLOTS_OF_MASTER_2 ...   (e.g. 0-5460 5461-10922 10923-16383)

The same kinds, sizes and TTL share as load_mix.py (which see), all in db 0 (a cluster has no other).
Writes OUT_DIR/master-1.resp, master-2.resp, ... Seeded: every run loads the same data.
"""
import os
import sys

from load_mix import Mix


def crc16_table():
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return table


TABLE = crc16_table()


def slot(key):
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    crc = 0
    for b in key:
        crc = ((crc << 8) & 0xFFFF) ^ TABLE[((crc >> 8) ^ b) & 0xFF]
    return crc & 0x3FFF


def main():
    total, out_dir, ranges = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    owner = [0] * 16384
    for master, spec in enumerate(ranges):
        for part in spec.split(","):
            lo, _, hi = part.partition("-")
            for s in range(int(lo), int(hi or lo) + 1):
                owner[s] = master
    mix = Mix()
    files = [open(os.path.join(out_dir, "master-%d.resp" % (m + 1)), "wb") for m in range(len(ranges))]
    bufs = [[] for _ in ranges]
    for i in range(total):
        master = owner[slot(mix.key(i))]
        buf = bufs[master]
        buf += mix.commands(i)
        if len(buf) >= 10_000:
            files[master].write(b"".join(buf))
            buf.clear()
    for f, buf in zip(files, bufs):
        f.write(b"".join(buf))
        f.close()


if __name__ == "__main__":
    main()

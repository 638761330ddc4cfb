#!/usr/bin/env python3
"""The comparison point a script would use: SCAN the source and let it MIGRATE each batch of
keys to the target server-side (MIGRATE ... COPY REPLACE KEYS k1 ... k1000), db by db.

    python3 scan_migrate.py SOURCE_PORT TARGET_PORT DB [DB ...]

Prints the number of keys moved. Plain sockets: the benchmark needs no client library.
"""
import socket
import sys

BATCH = 1000


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(parts))
        return self.read()

    def read(self):
        line = self.file.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)


def main():
    source, target, dbs = int(sys.argv[1]), int(sys.argv[2]), [int(d) for d in sys.argv[3:]]
    c = Connection(source)
    moved = 0
    for db in dbs:
        c.call("SELECT", db)
        cursor = b"0"
        while True:
            cursor, keys = c.call("SCAN", cursor, "COUNT", BATCH)
            if keys:
                c.call("MIGRATE", "127.0.0.1", target, "", db, 60000, "COPY", "REPLACE", "KEYS", *keys)
                moved += len(keys)
            if cursor == b"0":
                break
    print(moved)


if __name__ == "__main__":
    main()

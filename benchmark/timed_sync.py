#!/usr/bin/env python3
"""Times one copy: starts it, polls until it is in sync, prints the seconds in between.

    python3 timed_sync.py replica REPLICA_PORT SOURCE_PORT
        REPLICAOF 127.0.0.1 SOURCE_PORT, then INFO replication until master_link_status:up
    python3 timed_sync.py migration API TOKEN TARGET_ID BODY
        PUT the online migration, then GET it until its status is syncing (or error)
    python3 timed_sync.py caught-up SOURCE_PORT FOLLOWER_PORT
        waits for a line on stdin (the load has ended), then writes a canary key to the source and polls
        until the follower (Redis's replica, our target) has it: it then holds every write before it (both
        apply the source's writes in order). Read on the follower itself: the API's lag is a report a second
        old at most, which measured its report's age rather than the apply.
    python3 timed_sync.py reported-caught-up SOURCE_PORT API TOKEN TARGET_ID
        the same for what the API shows: waits for the line, reads the source's master_repl_offset, polls
        the migration until its lag.offset holds it (a scan migration: lag.keys 0)

Prints "SECONDS" (replica, caught-up) or "SECONDS ID STATUS" (migration); a refused PUT prints "refused
CODE BODY" and exits 3. Both sides are polled alike, every POLL_SECONDS (default 0.1), from this one process over one
kept-open connection: a poll is a round trip, not a process. (On these machines starting a process costs
30-90 ms of CPU: a poll of curl | jq every 200 ms took a third of a core from the copy it was timing, twice
what the reference's redis-cli | grep took.) The clock starts after Python has started.
"""
import http.client
import json
import os
import sys
import time
import urllib.parse

from scan_migrate import Connection

POLL_SECONDS = float(os.environ.get("POLL_SECONDS", "0.1"))
DEADLINE_SECONDS = 1800


def poll(in_sync, t0):
    while time.monotonic() - t0 < DEADLINE_SECONDS:
        time.sleep(POLL_SECONDS)
        answer = in_sync()
        if answer:
            return time.monotonic() - t0, answer
    sys.exit("not in sync within %d s" % DEADLINE_SECONDS)


def replica(replica_port, source_port):
    c = Connection(int(replica_port))
    t0 = time.monotonic()
    c.call("REPLICAOF", "127.0.0.1", source_port)
    seconds, _ = poll(lambda: b"master_link_status:up" in c.call("INFO", "replication"), t0)
    print("%.3f" % seconds)


class OnlineMigration:
    """The target's online migration in the API, over one kept-open connection."""

    def __init__(self, api, token, target_id):
        url = urllib.parse.urlsplit(api)
        self.conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        self.path = "/v2/databases/%s/online-migration" % target_id

    def call(self, method, data=None):
        self.conn.request(method, self.path, body=data, headers=self.headers)
        answer = self.conn.getresponse()
        return answer.status, answer.read()

    def status(self):
        return json.loads(self.call("GET")[1])


def migration(api, token, target_id, body):
    m = OnlineMigration(api, token, target_id)
    t0 = time.monotonic()
    code, data = m.call("PUT", body)
    if code // 100 != 2:
        print("refused %d %s" % (code, data[:200].decode(errors="replace")))
        sys.exit(3)
    migration_id = json.loads(data)["id"]

    def settled():
        status = m.status().get("status")
        return status if status in ("syncing", "error") else None

    seconds, status = poll(settled, t0)
    print("%.3f %s %s" % (seconds, migration_id, status))


def caught_up(source_port, follower_port):
    source, follower = Connection(int(source_port)), Connection(int(follower_port))
    canary = "timed-sync:caught-up:%d" % os.getpid()
    sys.stdin.readline()  # the load has ended
    t0 = time.monotonic()
    source.call("SET", canary, "1")  # the last write: the follower holds everything once it holds this
    if follower.call("EXISTS", canary) == b"1":
        seconds = time.monotonic() - t0
    else:
        seconds, _ = poll(lambda: follower.call("EXISTS", canary) == b"1", t0)
    source.call("DEL", canary)
    print("%.3f" % seconds)


def reported_caught_up(source_port, api, token, target_id):
    source, m = Connection(int(source_port)), OnlineMigration(api, token, target_id)
    sys.stdin.readline()  # the load has ended
    t0 = time.monotonic()
    info = source.call("INFO", "replication").decode()
    offset = int(info.split("master_repl_offset:", 1)[1].split()[0])

    def reported():
        status = m.status()
        lag = status.get("lag") or {}
        return (lag.get("offset") or -1) >= offset or (status.get("method") == "scan" and lag.get("keys") == 0)

    seconds, _ = poll(reported, t0)
    print("%.3f" % seconds)


if __name__ == "__main__":
    {"replica": replica, "migration": migration, "caught-up": caught_up, "reported-caught-up": reported_caught_up}[sys.argv[1]](*sys.argv[2:])

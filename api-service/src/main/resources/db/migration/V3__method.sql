-- How a migration reads its source: REPLICATION (PSYNC) or SCAN (SCAN + DUMP, keyspace notifications).
-- Migrations recorded before methods existed replicated.
alter table migration add column method text not null default 'REPLICATION';
-- Scan method's lag: changed keys not yet copied again, and the age of the oldest in seconds.
alter table migration add column lag_keys bigint;
alter table migration add column lag_seconds bigint;
-- Scan method: a big scan runs in parts side by side; each part's figures (index = part) and the
-- parts completed (bit i = part i).
alter table migration add column scan_parts integer not null default 1;
alter table migration add column part_keys_copied bigint[];
alter table migration add column part_keys_total bigint[];
alter table migration add column part_bytes_copied bigint[];
alter table migration add column parts_completed bigint not null default 0;
-- Scan method: whether the current attempt's scan was asked for (once per attempt).
alter table migration add column scan_requested boolean not null default false;

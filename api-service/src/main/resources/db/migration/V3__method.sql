-- How a migration reads its source: REPLICATION (PSYNC) or SCAN (SCAN + DUMP, keyspace notifications).
-- Migrations recorded before methods existed replicated.
alter table migration add column method text not null default 'REPLICATION';
-- Scan method's lag: changed keys not yet copied again, and the age of the oldest in seconds.
alter table migration add column lag_keys bigint;
alter table migration add column lag_seconds bigint;

-- How a replication copy's RDB gets into the target: RESTORE (null: key by key) or REPLICA (the
-- target loads it itself as a replica of the worker).
alter table migration add column snapshot_load varchar(16);

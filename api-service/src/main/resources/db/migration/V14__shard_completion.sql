-- A completion at an exact point of a cluster source: every master's writes are paused, then each
-- shard's offset is read; the point is reached when every shard's apply has reached its own.
alter table migration_shard add column completion_offset bigint;
alter table migration_shard add column completion_repl_id varchar(64);

-- Each shard of a cluster source has its own attempt: a silent shard, or one that lost its offset, is
-- handed over or copied again alone, the others keep theirs. Numbers come from the migration's
-- counter (migration.attempt: the latest given to any shard), so they never repeat within a migration.
alter table migration_shard add column attempt integer not null default 1;
update migration_shard s set attempt = m.attempt from migration m where m.id = s.migration_id;

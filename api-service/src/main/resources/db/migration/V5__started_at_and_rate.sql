-- When the migration's workers first started (started_at), when the current copy round started,
-- and the copy's average rate in keys per second (GET shows started_at and progress.keys_per_second).
alter table migration add column started_at timestamp with time zone;
alter table migration add column copy_started_at timestamp with time zone;
alter table migration add column keys_per_second double precision;

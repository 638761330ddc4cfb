-- Completion (POST .../complete): the step under way, the source's replication id and offset (replication) or the pause's
-- start (scan) the apply must reach, until when it may run, why the last try did not end, and the
-- result (completed_at, final_offset). stream_reported_at: the worker's time of its latest stream
-- report (scan: a report after the pause began with no changed key pending marks the point).
alter table migration add column completion_step varchar(32);
alter table migration add column completion_offset bigint;
alter table migration add column completion_repl_id varchar(64);
alter table migration add column completion_began_at timestamp with time zone;
alter table migration add column completion_deadline timestamp with time zone;
alter table migration add column completion_note text;
alter table migration add column completed_at timestamp with time zone;
alter table migration add column final_offset bigint;
alter table migration add column stream_reported_at timestamp with time zone;

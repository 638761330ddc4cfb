-- Replication: the lag in two parts, as the stream worker reports it: capture (source offset minus
-- what is in the change log) and apply (change log minus what the target holds, bytes and seconds).
alter table migration add column capture_lag_bytes bigint;
alter table migration add column apply_lag_bytes bigint;
alter table migration add column apply_lag_seconds double precision;

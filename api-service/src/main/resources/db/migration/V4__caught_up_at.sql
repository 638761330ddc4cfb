-- When the stream was last seen caught up (lag 0): the lag in seconds is counted from there.
-- (V3 is the migration method's.)
alter table migration add column caught_up_at timestamp with time zone;

-- What a migration may cost per second (PUT's or PATCH's limits; 0: unlimited): keys the copy
-- writes, and commands the stream writes to the target.
alter table migration add column limit_keys_per_second bigint not null default 0;
alter table migration add column limit_commands_per_second bigint not null default 0;

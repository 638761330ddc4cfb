-- Which servers a migration joins, by what they said at its start (run_id of INFO server), not by
-- address: several addresses reach one server (127.0.0.1, 127.0.0.2, 0.0.0.0, host names), and one
-- server may be registered as two targets. Migrations recorded before: unknown (null).
alter table migration add column source_server_id text;
alter table migration add column target_server_id text;
-- one active migration per target server, whatever the application does
create unique index migration_one_active_per_target_server on migration (target_server_id)
    where status in ('RUNNING', 'SYNCING') and target_server_id is not null;
create index migration_active_by_source_server on migration (source_server_id)
    where status in ('RUNNING', 'SYNCING');

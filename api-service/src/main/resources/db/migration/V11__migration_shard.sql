-- A cluster source is copied as one unit of work per source shard: each shard's node, slots, phase,
-- offset and lag. A standalone source has no rows here (the migration row is its one shard).
-- snapshot_host/port: the node the snapshot reads (a replica when read-from-replica, else the master).
create table migration_shard (
    id                uuid primary key,
    migration_id      uuid             not null references migration (id) on delete cascade,
    shard_index       integer          not null,
    node_id           text,
    master_host       text             not null,
    master_port       integer          not null,
    snapshot_host     text             not null,
    snapshot_port     integer          not null,
    slots             text             not null,
    phase             text             not null,
    streaming         boolean          not null,
    keys_copied       bigint           not null,
    keys_total        bigint,
    bytes_copied      bigint           not null,
    repl_id           text,
    repl_offset       bigint,
    repl_db           integer,
    lag_bytes         bigint,
    capture_lag_bytes bigint,
    apply_lag_bytes   bigint,
    apply_lag_seconds double precision,
    commands_applied  bigint           not null,
    reported_at       timestamptz,
    unique (migration_id, shard_index)
);

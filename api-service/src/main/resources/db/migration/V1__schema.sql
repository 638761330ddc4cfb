-- Targets, migrations, their milestones, and the outbox of commands for the workers.
-- Passwords are stored sealed (AES-GCM, see common's SecretCipher), never in plaintext.

create table target_database (
    id              uuid primary key,
    name            text        not null,
    engine          text        not null,
    version         text        not null,
    host            text        not null,
    port            integer     not null,
    username        text,
    sealed_password text,
    tls             boolean     not null,
    created_at      timestamptz not null
);

create table migration (
    id                     uuid primary key,
    database_id            uuid        not null references target_database (id) on delete cascade,
    status                 text        not null,
    phase                  text        not null,
    attempt                integer     not null,
    source_host            text        not null,
    source_port            integer     not null,
    source_username        text,
    source_sealed_password text,
    source_tls             boolean     not null,
    ignore_dbs             integer[]   not null,
    keys_copied            bigint      not null,
    keys_total             bigint,
    bytes_copied           bigint      not null,
    repl_id                text,
    repl_offset            bigint,
    repl_db                integer,
    lag_bytes              bigint,
    commands_applied       bigint      not null,
    error                  text,
    created_at             timestamptz not null,
    updated_at             timestamptz not null,
    stops_at               timestamptz not null
);
-- one active migration per target, whatever the application does
create unique index migration_one_active_per_target on migration (database_id)
    where status in ('RUNNING', 'SYNCING');
create index migration_by_target on migration (database_id, created_at);
create index migration_active_by_end on migration (stops_at) where status in ('RUNNING', 'SYNCING');

create table migration_history (
    id           bigserial primary key,
    migration_id uuid        not null references migration (id) on delete cascade,
    at           timestamptz not null,
    type         text        not null,
    message      text
);
create index migration_history_by_migration on migration_history (migration_id, id);

create table outbox (
    id          bigserial primary key,
    channel     text        not null,
    message_key text        not null,
    payload     text        not null,
    created_at  timestamptz not null
);

-- Verifications of migrations (POST /v2/migrations/{id}/verify): each with the verifier's latest
-- report (JSON, as the worker sent it: counts, mismatching keys, never a password).

create table verification (
    id           uuid primary key,
    migration_id uuid        not null references migration (id) on delete cascade,
    status       text        not null,
    mode         text        not null,
    sample_size  integer,
    keys_checked bigint      not null,
    keys_total   bigint,
    verdict      text,
    error        text,
    report       text,
    created_at   timestamptz not null,
    updated_at   timestamptz not null,
    finished_at  timestamptz
);
-- one running verification per migration, whatever the application does
create unique index verification_one_running_per_migration on verification (migration_id)
    where status = 'RUNNING';
create index verification_by_migration on verification (migration_id, created_at);

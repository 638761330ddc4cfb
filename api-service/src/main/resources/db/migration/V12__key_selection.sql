-- Which keys a migration moves and where: include_keys, exclude_keys, db_map and allow_merge of the
-- PUT, as one JSON document (common's KeySelection); null for every key, each db into its own number.
alter table migration add column key_selection text;

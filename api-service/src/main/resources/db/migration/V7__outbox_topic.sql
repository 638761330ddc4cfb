-- The outbox names the Kafka topic of each command (without the deployment's topic prefix), no
-- longer a messaging channel per kind: commands not yet sent keep their way.
alter table outbox rename column channel to topic;
update outbox set topic = 'redis-migrate.' || topic;

export * from './data-source-options';
export * from './transient-database-error';
export * from './outbox/outbox-message.entity';
export * from './outbox/outbox-relay.service';
export * from './database/postgres.module';
export * from './database/database-settings';
export * from './health/database-service-health.module';
export * from './feed/commit-horizon';

import type { DataSourceOptions } from 'typeorm';
import type { MixedList, EntitySchema } from 'typeorm';

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- TypeORM's own option types name Function */
export interface PostgresSettings {
  url: string;
  poolSize: number;
  applicationName: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
}
/* eslint-enable @typescript-eslint/no-unsafe-function-type */

/**
 * PostgreSQL options shared by every service and by the migration CLI. The schema is owned
 * by migrations only: `synchronize` stays off, and migrations run when the service asks.
 */
export function postgresDataSourceOptions(settings: PostgresSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    applicationName: settings.applicationName,
    entities: settings.entities,
    migrations: settings.migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    poolSize: settings.poolSize,
    // Fail a query that cannot get a connection instead of hanging the consumer forever.
    extra: { connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 },
  };
}

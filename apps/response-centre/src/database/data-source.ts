import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { MigrationSettings, postgresDataSourceOptions } from '@welfare/persistence';
import { loadConfig } from '@welfare/platform';
import { responseCentreEntities, responseCentreMigrations } from './schema';

/** The DataSource the TypeORM CLI uses (npm run migration:run / migration:revert / migration:generate). */
// Only the database settings: running migrations needs no Kafka, issuer or broker settings.
const config = loadConfig(MigrationSettings, process.env);

export default new DataSource(
  postgresDataSourceOptions({
    url: config.DATABASE_URL,
    poolSize: 2,
    applicationName: 'response-centre-migrations',
    entities: responseCentreEntities,
    migrations: responseCentreMigrations,
  }),
);

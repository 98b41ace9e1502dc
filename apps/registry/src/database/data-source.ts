import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@welfare/platform';
import { MigrationSettings } from '@welfare/persistence';
import { registryDataSourceOptions } from './schema';

/** The DataSource the TypeORM CLI uses for the registry (typeorm migration:run -d dist/apps/registry/src/database/data-source.js). */
// Only the database settings: running migrations needs no Kafka, issuer or broker settings.
const config = loadConfig(MigrationSettings, process.env);

export default new DataSource(registryDataSourceOptions(config.DATABASE_URL, 2, 'registry-migrations'));

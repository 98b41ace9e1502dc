import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@welfare/platform';
import { MigrationSettings } from '@welfare/persistence';
import { homeCareDataSourceOptions } from './schema';

/** The DataSource the TypeORM CLI uses for home care (npm run migration:home-care:run / :revert / :show). */
// Only the database settings: running migrations needs no Kafka or issuer settings.
const config = loadConfig(MigrationSettings, process.env);

export default new DataSource(homeCareDataSourceOptions(config.DATABASE_URL, 2, 'home-care-migrations'));

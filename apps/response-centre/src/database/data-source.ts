import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@welfare/persistence';
import { loadConfig } from '@welfare/platform';
import { ResponseCentreConfig } from '../response-centre.config';
import { responseCentreEntities, responseCentreMigrations } from './schema';

/** The DataSource the TypeORM CLI uses (npm run migration:run / migration:revert / migration:generate). */
const config = loadConfig(ResponseCentreConfig, process.env);

export default new DataSource(
  postgresDataSourceOptions({
    url: config.DATABASE_URL,
    poolSize: 2,
    applicationName: 'response-centre-migrations',
    entities: responseCentreEntities,
    migrations: responseCentreMigrations,
  }),
);

import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@welfare/platform';
import { RegistryConfig } from '../registry.config';
import { registryDataSourceOptions } from './schema';

/** The DataSource the TypeORM CLI uses for the registry (typeorm migration:run -d dist/apps/registry/src/database/data-source.js). */
const config = loadConfig(RegistryConfig, process.env);

export default new DataSource(registryDataSourceOptions(config.DATABASE_URL, 2, 'registry-migrations'));

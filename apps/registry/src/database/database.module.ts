import { DynamicModule } from '@nestjs/common';
import { PostgresModule } from '@welfare/persistence';
import { RegistryConfig } from '../registry.config';
import { registryDataSourceOptions } from './schema';

/** The registry's own database: its entities and migrations (own migrations table), guarded at start-up. */
export class DatabaseModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return PostgresModule.forRoot({
      dataSource: registryDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE, config.KAFKA_CLIENT_ID),
      runMigrations: config.DATABASE_RUN_MIGRATIONS,
      migrateCommand: 'npx typeorm migration:run -d dist/apps/registry/src/database/data-source.js',
    });
  }
}

import { DynamicModule } from '@nestjs/common';
import { PostgresModule } from '@welfare/persistence';
import { HomeCareConfig } from '../home-care.config';
import { homeCareDataSourceOptions } from './schema';

/** The home-care service's own database: its entities and migrations (own migrations table), guarded at start-up. */
export class DatabaseModule {
  static forRoot(config: HomeCareConfig): DynamicModule {
    return PostgresModule.forRoot({
      dataSource: homeCareDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE, config.KAFKA_CLIENT_ID),
      runMigrations: config.DATABASE_RUN_MIGRATIONS,
      migrateCommand: 'npm run migration:home-care:run',
    });
  }
}

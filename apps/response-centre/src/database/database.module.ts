import { DynamicModule } from '@nestjs/common';
import { postgresDataSourceOptions, PostgresModule } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { responseCentreEntities, responseCentreMigrations } from './schema';

/** The response centre's database: its entities and migrations, guarded at start-up. */
export class DatabaseModule {
  static forRoot(config: ResponseCentreConfig): DynamicModule {
    return PostgresModule.forRoot({
      dataSource: postgresDataSourceOptions({
        url: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
        applicationName: config.KAFKA_CLIENT_ID,
        entities: responseCentreEntities,
        migrations: responseCentreMigrations,
      }),
      runMigrations: config.DATABASE_RUN_MIGRATIONS,
      migrateCommand: 'npm run migration:run',
    });
  }
}

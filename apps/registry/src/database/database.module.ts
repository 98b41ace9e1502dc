import { DynamicModule, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RegistryConfig } from '../registry.config';
import { registryDataSourceOptions } from './schema';

/**
 * Applies pending migrations when told to (DATABASE_RUN_MIGRATIONS=true); otherwise refuses
 * to start on a schema that is behind the code, with a message saying what to run.
 */
@Injectable()
export class SchemaGuard implements OnModuleInit {
  private readonly logger = new Logger(SchemaGuard.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: RegistryConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.DATABASE_RUN_MIGRATIONS) {
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
      return;
    }
    if (await this.dataSource.showMigrations()) {
      throw new Error('the registry database schema is behind this version: run `npx typeorm migration:run -d dist/apps/registry/src/database/data-source.js` or start with DATABASE_RUN_MIGRATIONS=true');
    }
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...registryDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE, config.KAFKA_CLIENT_ID),
          // Start-up fails fast on a wrong DATABASE_URL instead of retrying for minutes.
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
      providers: [SchemaGuard],
    };
  }
}

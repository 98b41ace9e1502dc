import { DynamicModule, Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';

export interface PostgresModuleOptions {
  dataSource: DataSourceOptions;
  /** DATABASE_RUN_MIGRATIONS: apply pending migrations at start-up. */
  runMigrations: boolean;
  /** What an operator runs to migrate, named in the error when the schema is behind. */
  migrateCommand: string;
}

const POSTGRES_MODULE_OPTIONS = Symbol('POSTGRES_MODULE_OPTIONS');

/**
 * Applies pending migrations when told to; otherwise refuses to start on a schema that is
 * behind the code, with a message saying what to run.
 */
@Injectable()
export class SchemaGuard implements OnModuleInit {
  private readonly logger = new Logger(SchemaGuard.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(POSTGRES_MODULE_OPTIONS) private readonly options: PostgresModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.runMigrations) {
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
      return;
    }
    if (await this.dataSource.showMigrations()) {
      throw new Error(
        `the database schema is behind this version: run \`${this.options.migrateCommand}\` or start with DATABASE_RUN_MIGRATIONS=true`,
      );
    }
  }
}

/** A service's PostgreSQL: TypeORM with its entities and migrations, and the schema guard. */
@Module({})
export class PostgresModule {
  static forRoot(options: PostgresModuleOptions): DynamicModule {
    return {
      module: PostgresModule,
      imports: [
        TypeOrmModule.forRoot({
          ...options.dataSource,
          // Start-up fails fast on a wrong DATABASE_URL instead of retrying for minutes.
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
      providers: [{ provide: POSTGRES_MODULE_OPTIONS, useValue: options }, SchemaGuard],
    };
  }
}

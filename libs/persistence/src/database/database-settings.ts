import { CommonSettings, Setting } from '@welfare/platform';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes'].includes(value.toLowerCase()) : value;

/** Settings of a service that owns a PostgreSQL database with an outbox; its config extends this. */
export class DatabaseServiceSettings extends CommonSettings {
  @Setting("`postgres://user:password@host:port/database`: the service's own database")
  @IsString()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @Setting('database connections per instance')
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE: number = 10;

  @Setting(
    'apply pending migrations at start-up (`true`, `1` or `yes`); otherwise a schema that is behind stops the start',
  )
  @Transform(toBoolean)
  @IsBoolean()
  DATABASE_RUN_MIGRATIONS: boolean = false;

  @Setting('how often the outbox is swept for records not yet sent to Kafka (a commit also wakes it at once)')
  @IsInt()
  @Min(10)
  @Max(60_000)
  OUTBOX_POLL_INTERVAL_MS: number = 500;
}

/** What the TypeORM CLI needs to run a service's migrations: its database, nothing else. */
export class MigrationSettings extends DatabaseServiceSettings {
  override KAFKA_CLIENT_ID: string = 'migrations';
  override HTTP_PORT: number = 0;
}

import { CommonSettings } from '@welfare/platform';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => (typeof value === 'string' ? ['1', 'true', 'yes'].includes(value.toLowerCase()) : value);

/** Every setting of the registry, read from the environment once and validated at start-up. */
export class RegistryConfig extends CommonSettings {
  override KAFKA_CLIENT_ID: string = 'registry';
  override HTTP_PORT: number = 3002;

  /** postgres://user:password@host:port/database: the registry's own database. */
  @IsString()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE: number = 5;

  /** Apply pending migrations at start-up; when false, a schema that is behind stops the start. */
  @Transform(toBoolean)
  @IsBoolean()
  DATABASE_RUN_MIGRATIONS: boolean = false;

  /** How often the outbox is swept for registry records not yet sent (a commit also wakes it at once). */
  @IsInt()
  @Min(10)
  @Max(60_000)
  OUTBOX_POLL_INTERVAL_MS: number = 500;

  /** Largest CSV body the bulk import takes, in bytes (10,000 rows fit in about 3 MB). */
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  IMPORT_MAX_BYTES: number = 5 * 1024 * 1024;
}

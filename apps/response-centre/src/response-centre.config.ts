import { CommonSettings } from '@welfare/platform';
import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Transform } from 'class-transformer';

const toBoolean = ({ value }: { value: unknown }) => (typeof value === 'string' ? ['1', 'true', 'yes'].includes(value.toLowerCase()) : value);

/** Every setting of the response centre, read from the environment once and validated at start-up. */
export class ResponseCentreConfig extends CommonSettings {
  override KAFKA_CLIENT_ID: string = 'response-centre';
  override HTTP_PORT: number = 3000;

  /** postgres://user:password@host:port/database */
  @IsString()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE: number = 10;

  /** Apply pending migrations at start-up; when false, a schema that is behind stops the start. */
  @Transform(toBoolean)
  @IsBoolean()
  DATABASE_RUN_MIGRATIONS: boolean = false;

  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  KAFKA_CONSUMER_GROUP: string = 'response-centre';

  /**
   * Kafka partitions taken in at the same time, each in its own transaction (one device's
   * events stay in order: a device always maps to one partition). Leave connections in
   * DATABASE_POOL_SIZE for the API and the outbox.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  INTAKE_CONCURRENCY: number = 6;

  /** How often the outbox is swept for commands not yet sent (a commit also wakes it at once). */
  @IsInt()
  @Min(10)
  @Max(60_000)
  OUTBOX_POLL_INTERVAL_MS: number = 500;
}

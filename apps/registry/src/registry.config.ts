import { DatabaseServiceSettings } from '@welfare/persistence';
import { IsInt, Max, Min } from 'class-validator';

/** Every setting of the registry, read from the environment once and validated at start-up. */
export class RegistryConfig extends DatabaseServiceSettings {
  override KAFKA_CLIENT_ID: string = 'registry';
  override HTTP_PORT: number = 3002;

  override DATABASE_POOL_SIZE: number = 5;

  /** Largest CSV body the bulk import takes, in bytes (10,000 rows fit in about 3 MB). */
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  IMPORT_MAX_BYTES: number = 5 * 1024 * 1024;
}

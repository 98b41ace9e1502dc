import { DatabaseServiceSettings } from '@welfare/persistence';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

/** Every setting of the response centre, read from the environment once and validated at start-up. */
export class ResponseCentreConfig extends DatabaseServiceSettings {
  override KAFKA_CLIENT_ID: string = 'response-centre';
  override HTTP_PORT: number = 3000;

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
}

import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Setting } from './setting';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A comma-separated setting as a list (for @Transform). */
export const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : value;

/**
 * Settings every service has; each app's config class extends this. Each setting carries its
 * meaning (@Setting): the README's configuration table is generated from these classes.
 */
export class CommonSettings {
  @Setting('comma-separated `host:port` list of Kafka bootstrap brokers')
  @Transform(splitList)
  @ArrayNotEmpty()
  @Matches(/^[^\s:,]+:\d{1,5}$/, { each: true, message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  @Setting('Kafka client id')
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  KAFKA_CLIENT_ID: string;

  @Setting(
    "a crashed instance's partitions wait this long before another instance (or its restart) takes them; the consumer's session timeout",
  )
  @IsInt()
  @Min(6000)
  @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS: number = 10_000;

  @Setting('port of health, metrics and (all but the ingestor) the API')
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT: number;

  @Setting('address the HTTP server listens on')
  @IsString()
  HTTP_HOST: string = '0.0.0.0';

  @Setting('pino log level')
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Setting('`json` for machines (production), `pretty` for a person at a terminal')
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  @Setting('how long graceful shutdown may take before the process gives up and exits')
  @IsInt()
  @Min(1000)
  SHUTDOWN_TIMEOUT_MS: number = 20_000;

  @Setting(
    'fault tests only: `point:n` makes the process SIGKILL itself the n-th time it passes `point` (`ingest.after-kafka-ack`, `intake.after-commit`)',
  )
  @IsOptional()
  @Matches(/^[a-z][a-z.-]*:[1-9][0-9]{0,5}$/, { message: 'CRASH_POINT must look like "intake.after-commit:3"' })
  CRASH_POINT?: string;
}

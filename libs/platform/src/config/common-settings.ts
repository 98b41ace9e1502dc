import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : value;

/** Settings every service has; each app's config class extends this. */
export class CommonSettings {
  /** Comma-separated host:port list of Kafka bootstrap brokers. */
  @Transform(splitList)
  @ArrayNotEmpty()
  @Matches(/^[^\s:,]+:\d{1,5}$/, { each: true, message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  KAFKA_CLIENT_ID: string;

  /** A crashed consumer's partitions wait this long (ms) before another instance takes them. */
  @IsInt()
  @Min(6000)
  @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS: number = 10_000;

  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT: number;

  @IsString()
  HTTP_HOST: string = '0.0.0.0';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** json for machines (production), pretty for a person at a terminal. */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /** How long graceful shutdown may take before the process gives up, in ms. */
  @IsInt()
  @Min(1000)
  SHUTDOWN_TIMEOUT_MS: number = 20_000;

  /** Fault tests only: "<point>:<n>" SIGKILLs the process the n-th time it passes <point>. */
  @IsOptional()
  @Matches(/^[a-z][a-z.-]*:[1-9][0-9]{0,5}$/, { message: 'CRASH_POINT must look like "intake.after-commit:3"' })
  CRASH_POINT?: string;
}

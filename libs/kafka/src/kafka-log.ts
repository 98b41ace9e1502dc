import { Logger } from '@nestjs/common';
import { logLevel, LogEntry } from 'kafkajs';

/** kafkajs's own log level: its info lines (joins, starts) are noise at every start. */
export const KAFKAJS_LOG_LEVEL = logLevel.WARN;

/**
 * kafkajs messages that are expected and retried by kafkajs itself: a broker that has just
 * started answers "coordinator is loading" for a few seconds, and our producer's capped retries
 * make kafkajs warn about exactly-once on every start (we do not use transactions). Kept at debug.
 */
const EXPECTED = [
  /coordinator is loading/i,
  /group coordinator is not available/i,
  /Limiting retries for the idempotent producer/i,
];

/** Routes kafkajs's own logging into the service's structured logger. */
export function kafkaLogCreator(): (entry: LogEntry) => void {
  const logger = new Logger('kafkajs');
  return ({ level, log }) => {
    const { message, ...extra } = log;
    const line = { ...extra, msg: message };
    const text = `${message} ${String((log as { error?: unknown }).error ?? '')}`;
    if (EXPECTED.some((pattern) => pattern.test(text))) logger.debug(line);
    else if (level === logLevel.ERROR) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
    else if (level === logLevel.INFO) logger.log(line);
    else logger.debug(line);
  };
}

import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

type ConfigClass<T> = new () => T;

/** Thrown at start-up when a setting is missing or wrong; the message lists every problem. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

/**
 * Builds a typed config object from environment variables and validates all of it at once,
 * so a wrong deployment fails at start-up with one clear message instead of at first use.
 */
export function loadConfig<T extends object>(type: ConfigClass<T>, env: Record<string, string | undefined>): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(type, defined, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigurationError(errors.flatMap(describeError));
  return config;
}

function describeError(error: ValidationError): string[] {
  const own = Object.values(error.constraints ?? {}).map(
    (message) => `${error.property}: ${message} (got ${shown(error)})`,
  );
  return [...own, ...(error.children ?? []).flatMap(describeError)];
}

function shown(error: ValidationError): string {
  if (error.value === undefined) return 'nothing';
  return /SECRET|PASSWORD|TOKEN|PRIVATE_KEY/i.test(error.property) ? '***' : JSON.stringify(error.value);
}

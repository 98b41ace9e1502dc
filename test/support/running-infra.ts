import type { RunningDevTokenIssuer, RunningKafka, RunningMqtt, RunningPostgres } from '../../infra/src/index';

/** Handles the global setup keeps for the global teardown (both run in jest's parent process). */
export interface RunningInfra {
  /** One of each per jest worker. */
  kafka: RunningKafka[];
  mqtt: RunningMqtt[];
  postgres: RunningPostgres;
  devIssuer: RunningDevTokenIssuer;
  scratch: string;
}

const KEY = Symbol.for('welfare.test.running-infra');
type Holder = { [KEY]?: RunningInfra };

export function setRunningInfra(infra: RunningInfra): void {
  (globalThis as Holder)[KEY] = infra;
}

export function runningInfra(): RunningInfra | undefined {
  return (globalThis as Holder)[KEY];
}

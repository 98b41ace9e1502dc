import { rm } from 'node:fs/promises';
import { runningInfra } from './running-infra';

export default async function globalTeardown(): Promise<void> {
  const infra = runningInfra();
  if (!infra) return;
  await Promise.allSettled([
    ...infra.kafka.map((kafka) => kafka.stop()),
    ...infra.mqtt.map((mqtt) => mqtt.stop()),
    infra.postgres.stop(),
    infra.devIssuer.stop(),
  ]);
  await rm(infra.scratch, { recursive: true, force: true });
}

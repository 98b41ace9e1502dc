import { connectAsync, IClientOptions, MqttClient } from 'mqtt';
import type { BrokerAccounts, BrokerCredentials } from '../../infra/src/broker-accounts';
import { testInfra } from './test-infra';

type Env = Record<string, string>;

/** Registry settings that make it keep the run's broker current (or, without one, say so). */
export function registryBrokerEnv(
  mqttUrl = testInfra().mqttUrl,
  accounts: BrokerAccounts | null = testInfra().mqttAccounts,
  databaseUrl?: string,
): Env {
  if (!accounts) return { BROKER_ACCESS: 'none' };
  const env = {
    BROKER_ACCESS: 'mosquitto-dynsec',
    BROKER_ADMIN_URL: mqttUrl,
    BROKER_ADMIN_USERNAME: accounts.admin.username,
    BROKER_ADMIN_PASSWORD: accounts.admin.password,
  };
  return databaseUrl ? { ...env, BROKER_DEVICE_ROLE_PREFIX: deviceRolePrefix(databaseUrl) } : env;
}

/**
 * The broker role prefix of the registry on this database. The test files' registries share one
 * Mosquitto; each keeps (and reconciles) only its own devices' clients, as registries of
 * several environments on one broker would.
 */
export function deviceRolePrefix(databaseUrl: string): string {
  return `device.${new URL(databaseUrl).pathname.slice(1)}:`;
}

/** The ingestor's broker account. */
export function ingestorBrokerEnv(accounts: BrokerAccounts | null = testInfra().mqttAccounts): Env {
  return accounts ? { MQTT_USERNAME: accounts.ingestor.username, MQTT_PASSWORD: accounts.ingestor.password } : {};
}

export function anyDevicePublisherCredentials(
  accounts: BrokerAccounts | null = testInfra().mqttAccounts,
): BrokerCredentials | Record<string, never> {
  return accounts?.anyDevicePublisher ?? {};
}

/**
 * The test-only account that may publish on any devices/+/events: for messages no signed-in
 * device can send (malformed topics, another device's id, a device the registry does not know).
 */
export function connectAnyDevicePublisher(
  options: IClientOptions = {},
  mqttUrl = testInfra().mqttUrl,
): Promise<MqttClient> {
  return connectAsync(mqttUrl, {
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    ...anyDevicePublisherCredentials(),
    ...options,
  });
}

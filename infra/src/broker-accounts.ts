import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

export interface BrokerCredentials {
  username: string;
  password: string;
}

/**
 * The broker's service accounts. Devices are not here: the registry creates and removes them
 * (username = device id) as devices are onboarded, get a new secret, or retire.
 */
export interface BrokerAccounts {
  /** The registry's: manages clients over $CONTROL/dynamic-security/v1, and nothing else. */
  admin: BrokerCredentials;
  /** The ingestor's: takes every device's events (also as a shared subscription), sends commands. */
  ingestor: BrokerCredentials;
  /**
   * Tests and the benchmark only, never in production: may publish on any devices/+/events, to
   * send what no well-behaved device sends (malformed topics, other devices' ids), and use
   * welfare-test/# (the benchmark's bare MQTT loop).
   */
  anyDevicePublisher?: BrokerCredentials;
}

/** Accounts with random passwords, made anew for every run of the broker. */
export function newBrokerAccounts(options: { anyDevicePublisher?: boolean } = {}): BrokerAccounts {
  const account = (username: string): BrokerCredentials => ({
    username,
    password: randomBytes(24).toString('base64url'),
  });
  return {
    admin: account('welfare-registry'),
    ingestor: account('welfare-ingestor'),
    ...(options.anyDevicePublisher ? { anyDevicePublisher: account('welfare-test-publisher') } : {}),
  };
}

/** Role of each service account in the dynamic-security plugin (Mosquitto 2.0's ACL names). */
const SERVICE_ROLES: Record<keyof BrokerAccounts, DynsecRole> = {
  admin: {
    rolename: 'welfare-registry',
    acls: [
      { acltype: 'publishClientSend', topic: '$CONTROL/dynamic-security/#', allow: true },
      { acltype: 'publishClientReceive', topic: '$CONTROL/dynamic-security/#', allow: true },
      { acltype: 'subscribePattern', topic: '$CONTROL/dynamic-security/#', allow: true },
    ],
  },
  ingestor: {
    rolename: 'welfare-ingestor',
    acls: [
      { acltype: 'subscribePattern', topic: 'devices/+/events', allow: true },
      // Mosquitto 2.0 checks a shared subscription's ACL on the whole filter, $share/GROUP/ included.
      { acltype: 'subscribePattern', topic: '$share/+/devices/+/events', allow: true },
      { acltype: 'publishClientSend', topic: 'devices/+/commands', allow: true },
    ],
  },
  anyDevicePublisher: {
    rolename: 'welfare-test-publisher',
    acls: [
      { acltype: 'publishClientSend', topic: 'devices/+/events', allow: true },
      // The benchmark's bare MQTT loop, on topics no service listens to.
      { acltype: 'publishClientSend', topic: 'welfare-test/#', allow: true },
      { acltype: 'subscribePattern', topic: 'welfare-test/#', allow: true },
    ],
  },
};

interface DynsecAcl {
  acltype: string;
  topic: string;
  allow: boolean;
  priority?: number;
}
interface DynsecRole {
  rolename: string;
  acls: DynsecAcl[];
}
interface DynsecClient {
  username: string;
  password?: string;
  salt?: string;
  iterations?: number;
  roles?: { rolename: string; priority?: number }[];
  [other: string]: unknown;
}
interface DynsecConfig {
  clients: DynsecClient[];
  roles: DynsecRole[];
  groups: unknown[];
  defaultACLAccess: Record<string, boolean>;
}

/**
 * Writes the dynamic-security plugin's file before Mosquitto starts: the service accounts with
 * these passwords (as the plugin stores them: PBKDF2-SHA512, 101 iterations, 12-byte salt), their
 * roles, and deny-by-default for publishing and subscribing. Every other client and role in an
 * existing file (the devices the registry created) is kept.
 */
export async function writeDynsecConfig(file: string, accounts: BrokerAccounts): Promise<void> {
  const existing: DynsecConfig | null = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as DynsecConfig)
    : null;
  const services = (Object.keys(accounts) as (keyof BrokerAccounts)[]).filter((name) => accounts[name]);
  const serviceNames = new Set(services.map((name) => accounts[name]!.username));
  const serviceRoles = new Set(Object.values(SERVICE_ROLES).map((role) => role.rolename));
  const config: DynsecConfig = {
    clients: [
      ...(existing?.clients ?? []).filter((client) => !serviceNames.has(client.username)),
      ...services.map((name) => ({
        ...hashedPassword(accounts[name]!),
        textName: `welfare service: ${name}`,
        roles: [{ rolename: SERVICE_ROLES[name].rolename }],
      })),
    ],
    roles: [
      ...(existing?.roles ?? []).filter((role) => !serviceRoles.has(role.rolename)),
      ...Object.values(SERVICE_ROLES),
    ],
    groups: existing?.groups ?? [],
    defaultACLAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
  };
  await writeFile(file, JSON.stringify(config, null, 1), { mode: 0o600 });
}

function hashedPassword({ username, password }: BrokerCredentials): DynsecClient {
  const salt = randomBytes(12);
  const iterations = 101;
  return {
    username,
    password: pbkdf2Sync(password, salt, iterations, 64, 'sha512').toString('base64'),
    salt: salt.toString('base64'),
    iterations,
  };
}

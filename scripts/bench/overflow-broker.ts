/**
 * When one broker process cannot hold every connection of --connections (its open-files hard
 * limit, no permission to raise it), the rest go to a second Mosquitto bridged to the first:
 * how a Mosquitto fleet grows past one process. The bridge is one QoS 1 connection with a
 * persistent session: device events out to the first broker (where the ingestor reads them),
 * the idle connections' command topics in from it.
 */
import { join } from 'node:path';
import { BrokerAccounts, hasCommand, startMosquittoInstance, untilBridgeCarries } from '@welfare/infra';
import { Cleanup } from './cleanup';
import { idleCommandTopic } from './idle-connections';

export interface OverflowBroker {
  url: string;
  pid: number;
}

/**
 * A Mosquitto with the same accounts as the first (the test account signs in on both), bridged
 * to it with the test account; null when Mosquitto is not installed or the first broker has no
 * test account.
 */
export async function startOverflowBroker(
  coreUrl: string,
  accounts: BrokerAccounts,
  workDir: string,
  tag: string,
  cleanup: Cleanup,
): Promise<OverflowBroker | null> {
  const login = accounts.anyDevicePublisher;
  if (!login || !hasCommand('mosquitto')) return null;
  const broker = await startMosquittoInstance({
    dataDir: join(workDir, 'mosquitto-overflow'),
    detached: true,
    accounts,
    bridge: {
      url: coreUrl,
      login,
      clientId: `bench-bridge-${tag}`,
      topics: [
        { pattern: 'devices/+/events', direction: 'out' },
        { pattern: idleCommandTopic(tag, '+'), direction: 'in' },
      ],
    },
  });
  cleanup.add('stop overflow mosquitto', broker.stop);
  await untilBridgeCarries(coreUrl, broker.url, idleCommandTopic(tag, 'bridge-probe'), {
    subscriber: login,
    publisher: login,
  });
  return { url: broker.url, pid: broker.pid };
}

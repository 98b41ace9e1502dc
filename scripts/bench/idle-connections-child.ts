/**
 * Child process of the benchmark holding the idle connections of --connections (see
 * idle-connections.ts): their sockets count against this process's open-files limit.
 */
import { MqttClient } from 'mqtt';
import { IdleRequest, openIdleClients } from './idle-connections';

let clients: MqttClient[] = [];

const send = (message: unknown): void => {
  process.send?.(message);
};

process.on('message', (message: IdleRequest | { kind: 'count' } | { kind: 'close' }) => {
  if ('mqttUrl' in message) {
    openIdleClients(message, send).then(
      (opened) => {
        clients = opened;
      },
      (error: unknown) => send({ kind: 'error', message: String(error) }),
    );
  } else if (message.kind === 'count') {
    send({ kind: 'connected', connected: clients.filter((client) => client.connected).length });
  } else {
    void Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined))).then(() => process.exit(0));
  }
});

// The benchmark gone (killed): nothing holds these connections any more.
process.on('disconnect', () => process.exit(0));

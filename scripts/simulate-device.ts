/**
 * `npm run simulate -- --device demo-1 --type fall.detected`: one home device speaking contract
 * v1 over MQTT. Publishes one event at QoS 1 and prints the commands the backend sends back
 * (alarm.received, then alarm.acknowledged when an operator takes the alarm).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@welfare/infra';
import { connectAsync } from 'mqtt';
import { DEVICE_EVENT_TYPES, DeviceEventType, deviceCommandsTopic, deviceEventsTopic } from '@welfare/contracts';

const EXAMPLE_FIELDS: Partial<Record<DeviceEventType, Record<string, unknown>>> = {
  'fall.detected': { confidence: 0.95 },
  'alarm.cancelled': { ref: 'replace-with-event-id' },
  'door.opened': { door: 'front' },
  'door.closed': { door: 'front' },
  'gps.position': { lat: 59.9139, lon: 10.7522, accuracy: 15 },
  heartbeat: { battery: 87 },
  'battery.low': { battery: 8 },
};

/** The broker of a running `npm start`, which writes its URL to the data directory. */
function runningStackBroker(): string | undefined {
  try {
    return readFileSync(join(process.env.WELFARE_DATA_DIR ?? join(repoRoot(), '.data'), 'mqtt-url'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

const { values } = parseArgs({
  options: {
    device: { type: 'string', default: 'demo-1' },
    type: { type: 'string', default: 'alarm.button' },
    id: { type: 'string' },
    ref: { type: 'string' },
    lat: { type: 'string' },
    lon: { type: 'string' },
    'mqtt-url': { type: 'string', default: process.env.MQTT_URL ?? runningStackBroker() ?? 'mqtt://127.0.0.1:1883' },
    username: { type: 'string' },
    password: { type: 'string' },
    wait: { type: 'string', default: '60' },
    help: { type: 'boolean', default: false },
  },
});

function usage(): never {
  process.stdout
    .write(`usage: npm run simulate -- [--device ID] [--password SECRET] [--type TYPE] [--id EVENT_ID] [--ref EVENT_ID] [--lat LAT --lon LON] [--mqtt-url URL] [--wait SECONDS]
  TYPE is one of: ${DEVICE_EVENT_TYPES.join(', ')}
  --id reuses an event id (a resend); --ref names the event an alarm.cancelled cancels.
  --password is the secret the admin page (or the onboarding API) showed; --lat and --lon set a gps.position.
`);
  process.exit(values.help ? 0 : 2);
}

async function main(): Promise<void> {
  if (values.help || !(DEVICE_EVENT_TYPES as readonly string[]).includes(values.type!)) usage();
  const type = values.type as DeviceEventType;
  const deviceId = values.device!;
  const event = {
    id: values.id ?? `${type.replace('.', '-')}-${Date.now()}`,
    type,
    time: new Date().toISOString(),
    ...EXAMPLE_FIELDS[type],
    ...(values.ref ? { ref: values.ref } : {}),
    ...(values.lat !== undefined ? { lat: Number(values.lat) } : {}),
    ...(values.lon !== undefined ? { lon: Number(values.lon) } : {}),
  };
  const client = await connectAsync(values['mqtt-url']!, {
    clientId: deviceId,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    username: values.username ?? deviceId,
    password: values.password,
  }).catch((error: Error) => {
    // The broker lets in only devices onboarded at the registry, with the secret it issued.
    if (/Not authorized|Bad username or password/.test(error.message)) {
      process.stderr.write(
        `the broker refused ${deviceId}: ${error.message}. Onboard the device at the registry and pass the secret it answered: --password SECRET\n`,
      );
      process.exit(2);
    }
    throw error;
  });
  client.on('message', (_topic, payload) => process.stdout.write(`<- ${payload.toString('utf8')}\n`));
  await client.subscribeAsync(deviceCommandsTopic(deviceId), { qos: 1 });
  await client.publishAsync(deviceEventsTopic(deviceId), JSON.stringify(event), { qos: 1 });
  process.stdout.write(
    `-> ${JSON.stringify(event)} (broker acknowledged)\nwaiting ${values.wait} s for commands; Ctrl-C to stop\n`,
  );
  const stop = () => void client.endAsync().then(() => process.exit(0));
  process.once('SIGINT', stop);
  setTimeout(stop, Number(values.wait) * 1000);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

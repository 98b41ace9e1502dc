/**
 * A device and a command's sender in a process of their own, so that they go on while the test's
 * process (where the ingestor's main thread runs) is blocked. Signs in as the device, subscribes
 * to its commands, and says "subscribed". On "go" on stdin it says "going", waits GO_DELAY_MS,
 * puts an alarm.received for the device on device-commands.v1, and once the device has it prints
 * {"sentAt": ..., "receivedAt": ...} (wall clock, ms) and exits.
 *
 * Env: MQTT_URL, DEVICE_ID, DEVICE_SECRET, KAFKA_BROKERS (comma-separated), COMMANDS_TOPIC, GO_DELAY_MS.
 */
const { connectAsync } = require('mqtt');
const { Kafka, logLevel, Partitioners } = require('kafkajs');

async function main() {
  const env = process.env;
  const deviceId = env.DEVICE_ID;
  const device = await connectAsync(env.MQTT_URL, {
    clientId: deviceId,
    username: deviceId,
    password: env.DEVICE_SECRET,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const kafka = new Kafka({
    clientId: 'command-round-trip',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const ref = `round-trip-${Date.now()}`;
  let sentAt = 0;
  device.on('message', (_topic, payload) => {
    const command = JSON.parse(payload.toString('utf8'));
    if (command.ref !== ref) return;
    process.stdout.write(`${JSON.stringify({ sentAt, receivedAt: Date.now() })}\n`);
    void Promise.allSettled([producer.disconnect(), device.endAsync()]).then(() => process.exit(0));
  });
  await device.subscribeAsync(`devices/${deviceId}/commands`, { qos: 1 });
  process.stdout.write('subscribed\n');
  process.stdin.once('data', () => {
    process.stdout.write('going\n');
    setTimeout(() => {
      sentAt = Date.now();
      const command = { type: 'alarm.received', ref, alarmId: '00000000-0000-4000-8000-00000000000a' };
      const value = JSON.stringify({ v: 1, deviceId, issuedAt: new Date(sentAt).toISOString(), command });
      void producer.send({ topic: env.COMMANDS_TOPIC, messages: [{ key: deviceId, value }] });
    }, Number(env.GO_DELAY_MS));
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

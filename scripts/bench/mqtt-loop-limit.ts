/**
 * The physical limit on the MQTT side: one publisher and one QoS 1 subscriber on the same
 * broker, payloads the size of our device events, nothing else in the loop. Like the
 * saturation phase, it keeps a fixed number of messages in flight rather than flooding: a
 * broker drops QoS 1 messages past its per-client queue limit (Mosquitto: 1000).
 */
import { performance } from 'node:perf_hooks';
import { connectAsync, MqttClient } from 'mqtt';
import { sleep } from './load-generator';

export interface MqttLoopLimit {
  messagesPerSec: number;
  payloadBytes: number;
}

const WARMUP_MS = 1000;

/** `login`: an account that may publish and subscribe on `topic` (the broker's test account). */
export async function measureMqttLoopLimit(
  mqttUrl: string,
  topic: string,
  payloadBytes: number,
  seconds: number,
  window: number,
  login: { username?: string; password?: string } = {},
): Promise<MqttLoopLimit> {
  const options = { clean: true, protocolVersion: 4 as const, reconnectPeriod: 0, ...login };
  const subscriber = await connectAsync(mqttUrl, { ...options, clientId: `${topic.replace(/\W/g, '-')}-sub` });
  const publisher = await connectAsync(mqttUrl, { ...options, clientId: `${topic.replace(/\W/g, '-')}-pub` }).catch(
    async (error: unknown) => {
      await subscriber.endAsync(true);
      throw error;
    },
  );
  try {
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const messagesPerSec = await runLoop(publisher, subscriber, topic, payloadOf(payloadBytes), seconds, window);
    return { messagesPerSec, payloadBytes };
  } finally {
    await Promise.all([publisher.endAsync(true), subscriber.endAsync(true)]);
  }
}

/** Messages/s received by the subscriber, after a warm-up, with `window` in flight. */
async function runLoop(
  publisher: MqttClient,
  subscriber: MqttClient,
  topic: string,
  payload: Buffer,
  seconds: number,
  window: number,
): Promise<number> {
  let published = 0;
  let received = 0;
  let running = true;
  const topUp = (): void => {
    while (running && published - received < window) {
      publisher.publish(topic, payload, { qos: 1 });
      published++;
    }
  };
  subscriber.on('message', () => {
    received++;
    topUp();
  });
  topUp();
  await sleep(WARMUP_MS);
  const [startCount, startAt] = [received, performance.now()];
  await sleep(seconds * 1000);
  const [endCount, endAt] = [received, performance.now()];
  running = false;
  return (endCount - startCount) / ((endAt - startAt) / 1000);
}

/** JSON-looking filler of exactly `bytes` bytes. */
function payloadOf(bytes: number): Buffer {
  const prefix = '{"filler":"';
  const suffix = '"}';
  return Buffer.from(prefix + 'x'.repeat(Math.max(0, bytes - prefix.length - suffix.length)) + suffix);
}

/**
 * Reads both lanes of device events (DEVICE_EVENT_TOPICS: device-alarms.v1 and device-events.v1)
 * in a consumer group of its own and reports each record's event id with the time it became
 * visible here: the "on Kafka" end of the ingest latency. Reading both lanes works whether the
 * ingestor sends alarms to their own topic or, as before the lanes, everything to one.
 */
import { performance } from 'node:perf_hooks';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { DEVICE_EVENT_TOPICS } from '@welfare/contracts';
import { withTimeout } from '@welfare/platform/time/with-timeout';

/**
 * `arrivedAt`: when this consumer read it (monotonic ms); `producedAt`: the record's timestamp,
 * set by the ingestor's producer as it handed the record over (wall-clock ms, same machine), so
 * it does not include this consumer's own lag behind the telemetry flood.
 */
export type ArrivalListener = (eventId: string, arrivedAt: number, producedAt: number) => void;

const JOIN_TIMEOUT_MS = 60_000;

export class KafkaEventTap {
  private constructor(private readonly consumer: Consumer) {}

  /** Resolves once the consumer has joined its group, so no record published after it is missed. */
  static async open(
    brokers: string,
    groupId: string,
    onArrival: ArrivalListener,
    onBatchDone: () => void,
  ): Promise<KafkaEventTap> {
    const kafka = new Kafka({ clientId: groupId, brokers: [brokers], logLevel: logLevel.NOTHING });
    // A short max wait: an idle fetch must not delay the first record after a pause.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    const tap = new KafkaEventTap(consumer);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: [...DEVICE_EVENT_TOPICS], fromBeginning: true });
    await consumer.run({
      // Nothing to resume from: committing offsets would only add load on the broker under test.
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const arrivedAt = performance.now();
        for (const message of batch.messages) {
          const eventId = eventIdOf(message.value);
          if (eventId) onArrival(eventId, arrivedAt, Number(message.timestamp));
        }
        onBatchDone();
      },
    });
    await withTimeout(joined, JOIN_TIMEOUT_MS, 'the benchmark consumer did not join its group');
    return tap;
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** The event id inside a DeviceEventRecord (`{v, deviceId, receivedAt, event}`). */
function eventIdOf(value: Buffer | null): string | null {
  if (!value) return null;
  try {
    const record = JSON.parse(value.toString('utf8')) as { event?: { id?: unknown } };
    return typeof record.event?.id === 'string' ? record.event.id : null;
  } catch {
    return null;
  }
}

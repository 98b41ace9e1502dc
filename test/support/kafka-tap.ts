import { Consumer, Kafka, logLevel } from 'kafkajs';
import { eventually } from './eventually';
import { testInfra, uniqueName } from './test-infra';

export interface TappedRecord {
  topic: string;
  key: string | null;
  /** The value parsed as JSON; empty when it is not a JSON object (see raw). */
  value: Record<string, unknown>;
  raw: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Reads a topic (or several, e.g. both lanes of device events, DEVICE_EVENT_TOPICS) from the
 * beginning in a consumer group of its own, to assert what is on it.
 */
export class KafkaTap {
  readonly records: TappedRecord[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async open(topic: string | readonly string[], brokers = testInfra().kafkaBrokers): Promise<KafkaTap> {
    const kafka = new Kafka({ clientId: uniqueName('tap'), brokers: [brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: uniqueName('tap') });
    const tap = new KafkaTap(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: typeof topic === 'string' ? [topic] : [...topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: from, message, partition }) => {
        tap.records.push({
          topic: from,
          key: message.key?.toString('utf8') ?? null,
          value: parseObject(message.value?.toString('utf8') ?? ''),
          raw: message.value?.toString('utf8') ?? '',
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          ),
          partition,
          offset: message.offset,
        });
      },
    });
    return tap;
  }

  async waitFor(matches: (record: TappedRecord) => boolean, timeoutMs = 20_000): Promise<TappedRecord> {
    return eventually(() => {
      const found = this.records.find(matches);
      if (!found) throw new Error(`no matching record among ${this.records.length}`);
      return found;
    }, timeoutMs);
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Topics may hold records that are not JSON (that is what dead-lettering is for): keep going. */
function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

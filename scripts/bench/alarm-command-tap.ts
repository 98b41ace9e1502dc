/**
 * The third leg of the alarm path: `device-commands.v1` read in a consumer group of its own, and
 * for each alarm event the time its first `alarm.received` was handed to Kafka (the record's
 * timestamp, set by the response centre's outbox relay as it sent it; wall clock, same machine).
 * Between "stored" and "confirmed at the device", it splits the way back into the relay's part
 * (stored -> command on Kafka) and the ingestor's and the broker's (command on Kafka -> device).
 */
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { decodeDeviceCommandRecord, KafkaTopics } from '@welfare/contracts';
import { withTimeout } from '@welfare/platform/time/with-timeout';
import { LatencyHistogram, LatencySummary } from './latency-histogram';

const JOIN_TIMEOUT_MS = 60_000;

export interface AlarmCommandLatency {
  latency: LatencySummary;
  /** Alarm events whose alarm.received was not seen on Kafka, so not in `latency`. */
  notSeen: number;
}

/** The way back, alarm by alarm (not differences of percentiles), split where alarm.received reaches Kafka. */
export interface WayBackLegs {
  /** stored_at -> alarm.received on Kafka: the rest of the alarm's transaction, and the outbox relay. */
  relay: LatencySummary;
  /** alarm.received on Kafka -> at the device: the ingestor's command path, the broker, the device's connection. */
  toDevice: LatencySummary;
}

export class AlarmCommandTap {
  /** Alarm event id (the command's `ref`) -> timestamp of its first alarm.received record. */
  private readonly handedOver = new Map<string, number>();

  private constructor(private readonly consumer: Consumer) {}

  /** Resolves once the consumer has joined its group, so no command published after it is missed. */
  static async open(brokers: string, groupId: string): Promise<AlarmCommandTap> {
    const kafka = new Kafka({ clientId: groupId, brokers: [brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    const tap = new AlarmCommandTap(consumer);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: [KafkaTopics.deviceCommands], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) tap.seen(message.value, Number(message.timestamp));
      },
    });
    await withTimeout(joined, JOIN_TIMEOUT_MS, 'the benchmark command consumer did not join its group');
    return tap;
  }

  /** Scheduled send (wall-clock ms, by event id) -> alarm.received handed to Kafka. */
  latency(sentAt: Map<string, number>): AlarmCommandLatency {
    const histogram = new LatencyHistogram();
    let notSeen = 0;
    for (const [eventId, scheduledAt] of sentAt) {
      const handedOverAt = this.handedOver.get(eventId);
      if (handedOverAt === undefined) notSeen++;
      else histogram.record(handedOverAt - scheduledAt);
    }
    return { latency: histogram.summary(), notSeen };
  }

  /** `storedAt` and `confirmedAt`: wall-clock ms by alarm event id; alarms missing either end are left out. */
  wayBack(storedAt: Map<string, number>, confirmedAt: Map<string, number>): WayBackLegs {
    const relay = new LatencyHistogram();
    const toDevice = new LatencyHistogram();
    for (const [eventId, handedOverAt] of this.handedOver) {
      const stored = storedAt.get(eventId);
      const confirmed = confirmedAt.get(eventId);
      if (stored !== undefined) relay.record(handedOverAt - stored);
      if (confirmed !== undefined) toDevice.record(confirmed - handedOverAt);
    }
    return { relay: relay.summary(), toDevice: toDevice.summary() };
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }

  private seen(value: Buffer | null, timestamp: number): void {
    const record = decodeDeviceCommandRecord(value);
    if ('reason' in record || record.command.type !== 'alarm.received') return;
    const ref = record.command.ref;
    // A resend (a redelivered alarm event) is answered again; the first answer is the one that counts.
    if (!this.handedOver.has(ref)) this.handedOver.set(ref, timestamp);
  }
}

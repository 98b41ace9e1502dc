/**
 * Every event the fleet sent, until it has been seen where it should go: on Kafka (all events)
 * and back at the device as alarm.received (alarm events). These times come from one monotonic
 * clock in this process, so publish-to-arrival needs no clock sync.
 */
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './latency-histogram';

/** Counters and latencies of the events sent during one phase of the run. */
export class PhaseStats {
  sent = 0;
  onKafka = 0;
  alarmsSent = 0;
  alarmsConfirmed = 0;
  /** Device publish -> record on device-events.v1, all events. */
  readonly ingest = new LatencyHistogram();
  /** Device publish -> alarm.received back at the device, alarm events. */
  readonly alarm = new LatencyHistogram();
  /**
   * Wall-clock publish time (ms) of each alarm event, to compare with the time the response
   * centre stamped on the alarm row (same machine, same clock).
   */
  readonly alarmSentAt = new Map<string, number>();

  constructor(readonly name: string) {}

  get missingOnKafka(): number {
    return this.sent - this.onKafka;
  }

  get alarmsUnconfirmed(): number {
    return this.alarmsSent - this.alarmsConfirmed;
  }
}

interface SentEvent {
  sentAt: number;
  phase: PhaseStats;
  awaitsKafka: boolean;
  awaitsAlarm: boolean;
}

export class EventLedger {
  private readonly pending = new Map<string, SentEvent>();
  /** Events of this run seen on Kafka so far, across phases (for rates over time windows). */
  arrivals = 0;
  /** Called after a batch of arrivals: the saturation phase tops its window up from here. */
  onArrivals: (() => void) | null = null;

  sent(eventId: string, opensAlarm: boolean, phase: PhaseStats): void {
    this.pending.set(eventId, { sentAt: performance.now(), phase, awaitsKafka: true, awaitsAlarm: opensAlarm });
    phase.sent++;
    if (opensAlarm) {
      phase.alarmsSent++;
      phase.alarmSentAt.set(eventId, Date.now());
    }
  }

  /** An event id read from device-events.v1; ids of other traffic and repeats are ignored. */
  seenOnKafka(eventId: string, at: number): void {
    const event = this.pending.get(eventId);
    if (!event?.awaitsKafka) return;
    event.awaitsKafka = false;
    event.phase.onKafka++;
    event.phase.ingest.record(at - event.sentAt);
    this.arrivals++;
    this.forgetWhenDone(eventId, event);
  }

  /** The `ref` of an alarm.received command a device got. */
  alarmConfirmed(eventId: string, at: number): void {
    const event = this.pending.get(eventId);
    if (!event?.awaitsAlarm) return;
    event.awaitsAlarm = false;
    event.phase.alarmsConfirmed++;
    event.phase.alarm.record(at - event.sentAt);
    this.forgetWhenDone(eventId, event);
  }

  batchDone(): void {
    this.onArrivals?.();
  }

  private forgetWhenDone(eventId: string, event: SentEvent): void {
    if (!event.awaitsKafka && !event.awaitsAlarm) this.pending.delete(eventId);
  }
}

/**
 * Every event the fleet sent, until it has been seen where it should go: on Kafka (all events)
 * and back at the device as alarm.received (alarm events). These times come from one monotonic
 * clock in this process, so publish-to-arrival needs no clock sync.
 *
 * Latencies count from the time an event was SCHEDULED to be sent, not from the moment the
 * load generator got round to it: when the generator stalls (a late timer, a garbage
 * collection, a busy core), the events it owed are late, and a device would have felt that
 * delay. Stamping them with the late send time would hide it (coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './latency-histogram';

/** Counters and latencies of the events sent during one phase of the run. */
export class PhaseStats {
  sent = 0;
  onKafka = 0;
  alarmsSent = 0;
  alarmsConfirmed = 0;
  /** Alarms given up on (closeAlarms): never confirmed within the wait. */
  alarmsLost = 0;
  /** Sequence numbers of this phase's events (ids `${tag}.${seq}`), first and last; -1 before the first. */
  firstSeq = -1;
  lastSeq = -1;
  /** Scheduled send -> record on device-events.v1 or device-alarms.v1, all events. */
  readonly ingest = new LatencyHistogram();
  /**
   * Scheduled send -> the alarm's record handed to Kafka by the ingestor (the record's own
   * timestamp, wall clock), alarm events only: the first leg of the alarm path (device, broker,
   * ingestor), without the benchmark's consumer lag that `ingest` includes under a flood.
   */
  readonly alarmIngest = new LatencyHistogram();
  /**
   * Scheduled send -> alarm.received back at the device, alarm events. Alarms still unconfirmed
   * when the phase gives up on them are recorded with the time waited so far (a lower bound),
   * so they weigh in the percentiles instead of dropping out of them.
   */
  readonly alarm = new LatencyHistogram();
  /** Alarms not yet confirmed: event id -> scheduled send time (monotonic ms). */
  readonly pendingAlarms = new Map<string, number>();
  /**
   * Wall-clock scheduled send time (ms) of each alarm event, to compare with the time the
   * response centre stamped on the stored event (same machine, same clock).
   */
  readonly alarmSentAt = new Map<string, number>();
  /** Wall-clock time (ms) each alarm's alarm.received reached its device. */
  readonly alarmConfirmedAt = new Map<string, number>();

  constructor(readonly name: string) {}

  get missingOnKafka(): number {
    return this.sent - this.onKafka;
  }

  /** Alarms sent and not confirmed (yet, or ever once closeAlarms ran). */
  get alarmsUnconfirmed(): number {
    return this.alarmsSent - this.alarmsConfirmed;
  }
}

interface SentEvent {
  scheduledAt: number;
  phase: PhaseStats;
  awaitsKafka: boolean;
  awaitsAlarm: boolean;
  opensAlarm: boolean;
}

export class EventLedger {
  private readonly pending = new Map<string, SentEvent>();
  /** Events of this run seen on Kafka so far, any phase (the saturation phase's capacity figure). */
  arrivals = 0;
  /** Called after a batch of arrivals: the saturation phase tops its window up from here. */
  onArrivals: (() => void) | null = null;

  /** `scheduledAt`: when the event was due (monotonic ms); the latencies count from there. */
  sent(eventId: string, seq: number, opensAlarm: boolean, phase: PhaseStats, scheduledAt: number): void {
    this.pending.set(eventId, { scheduledAt, phase, awaitsKafka: true, awaitsAlarm: opensAlarm, opensAlarm });
    phase.sent++;
    if (phase.firstSeq < 0) phase.firstSeq = seq;
    phase.lastSeq = seq;
    if (opensAlarm) {
      phase.alarmsSent++;
      phase.pendingAlarms.set(eventId, scheduledAt);
      phase.alarmSentAt.set(eventId, performance.timeOrigin + scheduledAt);
    }
  }

  /** An event id read from the device-event topics; ids of other traffic and repeats are ignored. */
  /** `producedAt`: the record's timestamp (wall-clock ms), set as the ingestor handed it over. */
  seenOnKafka(eventId: string, at: number, producedAt: number): void {
    const event = this.pending.get(eventId);
    if (!event?.awaitsKafka) return;
    event.awaitsKafka = false;
    event.phase.onKafka++;
    this.arrivals++;
    event.phase.ingest.record(at - event.scheduledAt);
    if (event.opensAlarm) event.phase.alarmIngest.record(producedAt - (performance.timeOrigin + event.scheduledAt));
    this.forgetWhenDone(eventId, event);
  }

  /** The `ref` of an alarm.received command a device got. */
  alarmConfirmed(eventId: string, at: number): void {
    const event = this.pending.get(eventId);
    if (!event?.awaitsAlarm) return;
    event.awaitsAlarm = false;
    event.phase.alarmsConfirmed++;
    event.phase.pendingAlarms.delete(eventId);
    event.phase.alarm.record(at - event.scheduledAt);
    event.phase.alarmConfirmedAt.set(eventId, performance.timeOrigin + at);
    this.forgetWhenDone(eventId, event);
  }

  /**
   * Gives up on the phase's unconfirmed alarms: each is counted lost and recorded in the alarm
   * histogram with the time waited until now (it took at least that long, if it ever comes).
   */
  closeAlarms(phase: PhaseStats, at: number = performance.now()): void {
    for (const [eventId, scheduledAt] of phase.pendingAlarms) {
      phase.alarm.record(at - scheduledAt);
      phase.alarmsLost++;
      const event = this.pending.get(eventId);
      if (event) {
        event.awaitsAlarm = false;
        this.forgetWhenDone(eventId, event);
      }
    }
    phase.pendingAlarms.clear();
  }

  batchDone(): void {
    this.onArrivals?.();
  }

  private forgetWhenDone(eventId: string, event: SentEvent): void {
    if (!event.awaitsKafka && !event.awaitsAlarm) this.pending.delete(eventId);
  }
}

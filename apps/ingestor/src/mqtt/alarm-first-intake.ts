/** Device messages are handed on by this; the queue does not await it. */
export type HandOver<T> = (message: T) => void;

/** Telemetry handed on per turn of the event loop before socket reads (and the alarms in them) get theirs. */
export const TELEMETRY_SLICE = 100;

/**
 * The event types of the alarm lane, as they appear in a device's JSON. A payload that names one
 * anywhere is taken for alarm traffic: a heartbeat that happens to is only handed on sooner. An
 * alarm written with escapes (`"alarm\u002ebutton"`) is not seen as one and waits its turn with
 * the telemetry: later, never lost.
 */
const ALARM_LANE_MARKERS = ['"alarm.button"', '"fall.detected"', '"alarm.cancelled"'].map((marker) =>
  Buffer.from(marker),
);

export function mayBeAlarmTraffic(payload: Buffer): boolean {
  return ALARM_LANE_MARKERS.some((marker) => payload.includes(marker));
}

/**
 * Alarms first inside the ingestor. Reading and parsing a device message costs a fraction of
 * validating it and handing it to Kafka; when the ingestor cannot keep up, the messages wait
 * wherever the full work is done in order. Done as they arrive, that was in front of the socket:
 * an alarm waited in the broker's queue and the socket's buffer behind every heartbeat before it.
 * Here a message that may be alarm traffic is handed on the moment it is read, and telemetry
 * goes to a queue worked off TELEMETRY_SLICE at a time, one slice per turn of the event loop, so
 * the socket is read (and the alarms in it found) between slices. The backlog then sits in this
 * queue, bounded by the intake's Receive Maximum (what the broker may have in flight to us).
 *
 * Each queue keeps arrival order, so a device's messages stay in order within each lane; across
 * lanes an alarm may overtake its device's earlier telemetry. PUBACKs still go in arrival order
 * (the caller's sequencer): a telemetry message is acknowledged only once handed on and on Kafka.
 */
export class AlarmFirstIntake<T extends { payload: Buffer }> {
  private readonly telemetry: T[] = [];
  private head = 0;
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly handOver: HandOver<T>,
    private readonly sliceSize = TELEMETRY_SLICE,
  ) {}

  /** Telemetry messages read and not yet handed on. */
  get waiting(): number {
    return this.telemetry.length - this.head;
  }

  take(message: T): void {
    if (this.stopped) return;
    if (mayBeAlarmTraffic(message.payload)) return this.handOver(message);
    this.telemetry.push(message);
    this.schedule();
  }

  /** Hands nothing more on; what waits stays unacknowledged, and the broker delivers it again. */
  stop(): void {
    this.stopped = true;
    this.telemetry.length = 0;
    this.head = 0;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.handOverSlice());
  }

  private handOverSlice(): void {
    this.scheduled = false;
    const end = Math.min(this.telemetry.length, this.head + this.sliceSize);
    while (this.head < end && !this.stopped) this.handOver(this.telemetry[this.head++]);
    if (this.head === this.telemetry.length) {
      this.telemetry.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.telemetry.length) {
      this.telemetry.splice(0, this.head);
      this.head = 0;
    }
    if (this.waiting > 0) this.schedule();
  }
}

/** One QoS 1 message's place in its connection's PUBACK order. */
export interface PubackSlot {
  /** Kafka has the message: its PUBACK may go once every earlier message's has. */
  ready(): void;
}

interface Slot {
  messageId: number;
  ready: boolean;
}

/**
 * Writes a connection's PUBACKs in the order its PUBLISHes came (MQTT 3.1.1 and 5, section 4.6),
 * however the messages' hand-overs to Kafka finish: a PUBACK waits until every earlier message
 * of the connection is acknowledged. PUBACKs that became due in the same turn of the event loop
 * go out in one write.
 */
export class PubackSequencer {
  private readonly slots: Slot[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly writePubacks: (messageIds: number[]) => void) {}

  /** Messages taken in and not yet acknowledged. */
  get pending(): number {
    return this.slots.length;
  }

  take(messageId: number): PubackSlot {
    const slot: Slot = { messageId, ready: false };
    this.slots.push(slot);
    return {
      ready: () => {
        if (slot.ready || this.closed) return;
        slot.ready = true;
        this.scheduleFlush();
      },
    };
  }

  /** The connection is gone: nothing more is written; the broker delivers the rest again. */
  close(): void {
    this.closed = true;
    this.slots.length = 0;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the promise reactions of this turn: a whole Kafka batch's PUBACKs in one write.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    let due = 0;
    while (due < this.slots.length && this.slots[due].ready) due++;
    if (due === 0) return;
    this.writePubacks(this.slots.splice(0, due).map((slot) => slot.messageId));
  }
}

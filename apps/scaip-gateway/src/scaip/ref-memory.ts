import { createHash } from 'node:crypto';
import type { ScaipRequest } from './scaip-request';

export interface RememberedMessage {
  eventId: string;
  /** When the gateway first saw it (ms): a resend keeps the original's time. */
  firstSeenMs: number;
}

/**
 * Event ids for SCAIP messages. A unit resends a message whose receipt it missed with the same
 * `ref` and body, and reuses its few `ref`s later for new messages. The id is
 * `scaip.{ref}.{window}.{content}`: the resend window (`SCAIP_RESEND_WINDOW_SECONDS`) the message
 * was first seen in, and a hash of its fields, so
 * - a resend while the gateway runs gets the original's id (remembered here for one window after
 *   it was first seen, also when the resend falls in the next window);
 * - after a gateway restart the memory is gone, and a resend gets the same id unless a window
 *   boundary fell between the original and the resend: then it is a second event, which the
 *   response centre attaches to the open alarm as a repeat (no second alarm);
 * - the same `ref` with other content (a different message) is a new event at once, and the same
 *   message later than one window after it was first seen is new too.
 * Device ids scope event ids, so the unit's `cid` is not repeated in them.
 */
export class RefMemory {
  private readonly seen = new Map<string, RememberedMessage>();

  constructor(private readonly windowMs: number) {}

  /** The id and first-seen time of this message from this device at `nowMs`. */
  identify(deviceId: string, request: ScaipRequest, nowMs: number): RememberedMessage {
    this.forgetOlderThan(nowMs - this.windowMs);
    const content = contentHash(request);
    const key = `${deviceId}\u0000${request.ref}\u0000${content}`;
    const known = this.seen.get(key);
    if (known) return known;
    const remembered = {
      eventId: `scaip.${request.ref}.${Math.floor(nowMs / this.windowMs)}.${content}`,
      firstSeenMs: nowMs,
    };
    this.seen.set(key, remembered);
    return remembered;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Map order is insertion order, which is first-seen order: stop at the first one still young. */
  private forgetOlderThan(cutoffMs: number): void {
    for (const [key, message] of this.seen) {
      if (message.firstSeenMs >= cutoffMs) break;
      this.seen.delete(key);
    }
  }
}

/** Eight hex digits of the message's fields, in a fixed order (spacing and tag order do not matter). */
function contentHash(request: ScaipRequest): string {
  const fields = Object.entries(request.fields).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify([request.cid, fields]))
    .digest('hex')
    .slice(0, 8);
}

import { BadRequestException } from '@nestjs/common';

/**
 * A position in a team's dispatch log: the writing transaction's id (xid8) and the row id.
 * Rows are delivered in (tx, id) order, and only once every transaction older than them has
 * ended, so nothing can appear behind a cursor once it has moved past (dispatch-log.repository.ts).
 * Written as "tx.id", e.g. "5123.87". "X.0" means "everything written by transactions older than X".
 */
export interface StreamCursor {
  tx: string;
  id: string;
}

const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const FORMAT = /^(\d{1,20})\.(\d{1,19})$/;

export function formatCursor(cursor: StreamCursor): string {
  return `${cursor.tx}.${cursor.id}`;
}

/** The cursor in `text`, or null when it is not one (too large, wrong shape). */
export function parseCursor(text: string): StreamCursor | null {
  const match = FORMAT.exec(text.trim());
  if (!match) return null;
  const [tx, id] = [BigInt(match[1]), BigInt(match[2])];
  if (tx > XID8_MAX || id > BIGINT_MAX) return null;
  return { tx: tx.toString(), id: id.toString() };
}

/** The cursor of a request: the Last-Event-ID header wins over ?since= (a reconnecting client sends it). */
export function requestedCursor(lastEventId: string | undefined, since: string | undefined): StreamCursor | null {
  for (const [name, value] of [
    ['Last-Event-ID', lastEventId],
    ['since', since],
  ] as const) {
    if (value === undefined || value === '') continue;
    const cursor = parseCursor(value);
    if (!cursor)
      throw new BadRequestException(`${name} must be a stream position "tx.id" as sent in an event id (e.g. 5123.87)`);
    return cursor;
  }
  return null;
}

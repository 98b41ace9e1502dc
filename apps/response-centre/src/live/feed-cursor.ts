/**
 * A position in the handling-log feed: the transaction (xid8) and id of the last step
 * delivered, written "tx.id". Both are decimal strings (64-bit values do not fit a JS number).
 */
export interface FeedCursor {
  tx: string;
  id: string;
}

const CURSOR = /^(\d{1,20})\.(\d{1,19})$/;

/** The cursor in "tx.id", or null when the text is not one. */
export function parseCursor(text: string): FeedCursor | null {
  const match = CURSOR.exec(text.trim());
  if (!match) return null;
  const [tx, id] = [BigInt(match[1]), BigInt(match[2])];
  // xid8 and bigint limits: a larger number would be refused by the database, not by us.
  if (tx > 18446744073709551615n || id > 9223372036854775807n) return null;
  return { tx: tx.toString(), id: id.toString() };
}

export function formatCursor(cursor: FeedCursor): string {
  return `${cursor.tx}.${cursor.id}`;
}

/** The later of two positions. */
export function laterCursor(a: FeedCursor, b: FeedCursor): FeedCursor {
  const [ta, tb] = [BigInt(a.tx), BigInt(b.tx)];
  if (ta !== tb) return ta > tb ? a : b;
  return BigInt(a.id) >= BigInt(b.id) ? a : b;
}

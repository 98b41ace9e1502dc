/**
 * Requests per source address in a sliding minute (counted in six 10-second slots). A source
 * over the limit is refused until its older slots age out; the table forgets quiet sources.
 */
export class FloodGuard {
  private readonly sources = new Map<string, { slot: number; counts: number[] }>();

  constructor(private readonly perMinute: number) {}

  /** Counts one request of `source` at `nowMs`; false when it is over the limit. */
  admit(source: string, nowMs: number): boolean {
    const slot = Math.floor(nowMs / 10_000);
    let entry = this.sources.get(source);
    if (!entry || slot - entry.slot >= 6) entry = { slot, counts: [0, 0, 0, 0, 0, 0] };
    while (entry.slot < slot) entry.counts[++entry.slot % 6] = 0;
    this.sources.set(source, entry);
    if (entry.counts.reduce((a, b) => a + b, 0) >= this.perMinute) return false;
    entry.counts[slot % 6]++;
    if (this.sources.size > 100_000) this.forgetBefore(slot - 6);
    return true;
  }

  private forgetBefore(slot: number): void {
    for (const [source, entry] of this.sources) if (entry.slot < slot) this.sources.delete(source);
  }
}

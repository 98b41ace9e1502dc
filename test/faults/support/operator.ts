/**
 * An operator at the response centre, through its API as the console uses it: takes each
 * unresolved alarm of the queue and resolves it. Between fault scenarios this closes every
 * alarm, so the next scenario's presses open alarms of their own instead of attaching as repeats.
 */
export class Operator {
  constructor(
    /** The response centre's URL now (a restarted process listens on another port). */
    private readonly centreUrl: () => string,
    private readonly token: string,
  ) {}

  /** Takes and resolves every unresolved alarm in the centre's queue; returns how many. */
  async resolveAll(): Promise<number> {
    let resolved = 0;
    for (;;) {
      const queue = await this.call<{ id: string }[]>('GET', '/api/alarms?limit=500');
      if (queue.length === 0) return resolved;
      // A few at a time: each is two short transactions.
      for (let start = 0; start < queue.length; start += 8) {
        await Promise.all(
          queue.slice(start, start + 8).map(async ({ id }) => {
            await this.call('POST', `/api/alarms/${id}/acknowledge`);
            await this.call('POST', `/api/alarms/${id}/resolve`, { outcome: 'false_alarm', note: 'fault test' });
          }),
        );
      }
      resolved += queue.length;
    }
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.centreUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }
}

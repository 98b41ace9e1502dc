import { ReportKind, summarizeDurations, whileReportsAreMade } from './month-reports';

describe('summarizeDurations', () => {
  it('gives zeros for none', () => {
    expect(summarizeDurations([])).toEqual({ count: 0, p50Ms: 0, maxMs: 0 });
  });

  it('takes the nearest-rank median and the maximum, whatever the order', () => {
    expect(summarizeDurations([900, 100, 500])).toEqual({ count: 3, p50Ms: 500, maxMs: 900 });
    expect(summarizeDurations([400, 100, 300, 200])).toEqual({ count: 4, p50Ms: 200, maxMs: 400 });
  });

  it('leaves the durations it is given as they were', () => {
    const durations = [3, 1, 2];
    summarizeDurations(durations);
    expect(durations).toEqual([3, 1, 2]);
  });
});

/** A report API that answers each request after `ms` of real time, or fails the requests listed. */
function fakeApi(ms: number, failing = new Set<number>()) {
  const asked: ReportKind[] = [];
  return {
    asked,
    make: async (kind: ReportKind): Promise<number> => {
      asked.push(kind);
      const request = asked.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (failing.has(request)) throw new Error(`request ${request} failed`);
      return request * 10;
    },
  };
}

describe('whileReportsAreMade', () => {
  it('starts the work only after a first answer, and counts only the answers after that', async () => {
    const api = fakeApi(20);
    let askedBeforeWork = -1;
    const { value, requests } = await whileReportsAreMade(api, async () => {
      askedBeforeWork = api.asked.length;
      await new Promise((resolve) => setTimeout(resolve, 110));
      return 'phase result';
    });
    expect(value).toBe('phase result');
    // The first report was answered; the second (a PDF) is the one in flight when the work starts.
    expect(askedBeforeWork).toBe(2);
    expect(api.asked.slice(0, 4)).toEqual(['report', 'pdf', 'report', 'pdf']);
    const counted = requests.report.count + requests.pdf.count;
    expect(counted).toBe(api.asked.length - 1);
    expect(counted).toBeGreaterThanOrEqual(4);
    expect(requests.failed).toBe(0);
  });

  it('awaits the request in flight when the work ends, and asks no more after', async () => {
    const api = fakeApi(50);
    await whileReportsAreMade(api, () => new Promise((resolve) => setTimeout(resolve, 10)));
    const asked = api.asked.length;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(api.asked.length).toBe(asked);
  });

  it('counts failures and keeps the first one', async () => {
    const api = fakeApi(5, new Set([2, 3]));
    const { requests } = await whileReportsAreMade(api, () => new Promise((resolve) => setTimeout(resolve, 1500)));
    expect(requests.failed).toBe(2);
    expect(requests.firstFailure).toBe('request 2 failed');
  });
});

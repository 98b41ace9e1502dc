import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Latencies in an HDR histogram, kept in microseconds (3 significant digits) and reported in ms. */
export class LatencyHistogram {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });

  record(latencyMs: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
  }

  summary(): LatencySummary {
    const ms = (micros: number): number => micros / 1000;
    return {
      count: this.histogram.totalCount,
      p50Ms: ms(this.histogram.getValueAtPercentile(50)),
      p99Ms: ms(this.histogram.getValueAtPercentile(99)),
      p999Ms: ms(this.histogram.getValueAtPercentile(99.9)),
      maxMs: ms(this.histogram.maxValue),
    };
  }
}

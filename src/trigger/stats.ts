import { reasonPhrase } from '../output/delivery-line.js';

/** The outcome of one delivery of a trigger run, as the stats need it. */
export interface OutcomeSample {
  statusCode: number | null;
  durationMs: number;
  /** A send error code such as `ECONNREFUSED`, or null when an HTTP response came. */
  errorCode: string | null;
  /** True when the outcome meets the run's expectation (2xx unless `--expect` sets another rule). */
  expected: boolean;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface TriggerSummary {
  sent: number;
  /** Deliveries with a 2xx response. */
  ok: number;
  /** Deliveries whose outcome did not meet the expectation. */
  unexpected: number;
  /** Unexpected outcomes counted by label: `500 Internal Server Error`, `ECONNREFUSED`, … */
  failures: Record<string, number>;
  /** Deliveries with no HTTP answer at all (refused, reset, timed out, DNS). */
  networkErrors: number;
  latencyMs: LatencySummary;
  elapsedMs: number;
  requestsPerSecond: number;
}

/** Collects outcomes of a run and summarises them; durations live in one typed array. */
export class TriggerStats {
  private readonly durations: Float64Array;
  private count = 0;
  private okCount = 0;
  private unexpectedCount = 0;
  private networkErrorCount = 0;
  private readonly failureCounts = new Map<string, number>();

  constructor(capacity: number) {
    this.durations = new Float64Array(capacity);
  }

  add(sample: OutcomeSample): void {
    this.durations[this.count] = sample.durationMs;
    this.count += 1;
    if (sample.statusCode !== null && sample.statusCode >= 200 && sample.statusCode < 300) this.okCount += 1;
    if (sample.statusCode === null) this.networkErrorCount += 1;
    if (!sample.expected) {
      this.unexpectedCount += 1;
      const label = outcomeLabel(sample);
      this.failureCounts.set(label, (this.failureCounts.get(label) ?? 0) + 1);
    }
  }

  get sent(): number {
    return this.count;
  }

  get unexpected(): number {
    return this.unexpectedCount;
  }

  summarize(elapsedMs: number): TriggerSummary {
    const sorted = this.durations.slice(0, this.count).sort();
    return {
      sent: this.count,
      ok: this.okCount,
      unexpected: this.unexpectedCount,
      failures: Object.fromEntries([...this.failureCounts].sort((a, b) => b[1] - a[1])),
      networkErrors: this.networkErrorCount,
      latencyMs: {
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
      },
      elapsedMs: round(elapsedMs),
      requestsPerSecond: elapsedMs > 0 ? round((this.count * 1000) / elapsedMs) : 0,
    };
  }
}

/** Labels an outcome for the failure table: the status with its reason phrase, or the error code. */
export function outcomeLabel(sample: Pick<OutcomeSample, 'statusCode' | 'errorCode'>): string {
  if (sample.statusCode === null) return sample.errorCode ?? 'ERROR';
  return `${sample.statusCode} ${reasonPhrase(sample.statusCode)}`.trim();
}

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export function percentile(sorted: ArrayLike<number>, percent: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((percent / 100) * sorted.length);
  return round(sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

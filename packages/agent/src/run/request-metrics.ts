/**
 * The agent's per-request metrics (openpta_agent_requests_total, openpta_agent_request_duration_seconds), counted in
 * plain numbers and handed to prom-client only when the registry is read. prom-client's own observe() builds a
 * closure and a label hash and looks the bucket up by a number-keyed property on every call: 5-7 us of the agent's
 * CPU per sign-in at a few hundred sign-ins per second (perf, docs/PERFORMANCE.md channel round 5b); this is one
 * array increment. The exposition is the same as prom-client's Counter and Histogram with the same labels.
 */
import { Counter, type Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15] as const;

interface Series {
  readonly kind: string;
  /** Per bucket (non-cumulative); the last slot counts values above every bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  /** As prom-client reports it without exemplars (null on buckets, undefined on sum and count). */
  exemplar: null | undefined;
}

/** A histogram with one label, `kind`, in prom-client's metric shape (what Registry reads from a metric). */
class DurationHistogram {
  readonly name = 'openpta_agent_request_duration_seconds';
  readonly help = 'Time from receiving a request to answering it';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();

  observe(kind: string, seconds: number): void {
    let series = this.#series.get(kind);
    if (series === undefined) {
      series = { kind, buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(kind, series);
    }
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    series.buckets[i]!++;
    series.sum += seconds;
    series.count++;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    const values: MetricValue[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({
          labels: { le, kind: s.kind },
          value: cumulative,
          metricName: `${this.name}_bucket`,
          exemplar: null,
        });
      });
      values.push({
        labels: { le: '+Inf', kind: s.kind },
        value: s.count,
        metricName: `${this.name}_bucket`,
        exemplar: null,
      });
      values.push({ labels: { kind: s.kind }, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: { kind: s.kind }, value: s.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#series.clear();
  }
}

export interface RequestMetrics {
  /** One finished request: its kind, outcome (or refusal code) and duration. */
  done(kind: string, outcome: string, durationMs: number): void;
}

export function createRequestMetrics(registry: Registry): RequestMetrics {
  /** Requests counted since the registry was last read, by kind and outcome. */
  const pending = new Map<string, Map<string, { kind: string; outcome: string; n: number }>>();
  new Counter({
    name: 'openpta_agent_requests_total',
    help: 'Requests handled, by kind and outcome (or refusal code)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
    collect() {
      for (const byOutcome of pending.values()) {
        for (const p of byOutcome.values()) {
          if (p.n === 0) continue;
          this.inc({ kind: p.kind, outcome: p.outcome }, p.n);
          p.n = 0;
        }
      }
    },
  });
  const duration = new DurationHistogram();
  registry.registerMetric(duration as never);
  return {
    done(kind, outcome, durationMs) {
      let byOutcome = pending.get(kind);
      if (byOutcome === undefined) {
        byOutcome = new Map();
        pending.set(kind, byOutcome);
      }
      let p = byOutcome.get(outcome);
      if (p === undefined) {
        // Bounded: two kinds times the outcomes and refusal codes.
        p = { kind, outcome, n: 0 };
        byOutcome.set(outcome, p);
      }
      p.n++;
      duration.observe(kind, durationMs / 1000);
    },
  };
}

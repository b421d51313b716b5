/**
 * The Prometheus metrics of one `webhooks serve` process, in the text exposition format: counters,
 * gauges and histograms with fixed buckets. Small and dependency-free on purpose.
 */

const HELP: Record<string, [string, 'counter' | 'gauge' | 'histogram']> = {
  cdc_webhook_deliveries_total: [
    'Delivery attempts by result (delivered, failed: given up or refused, retry).',
    'counter',
  ],
  cdc_webhook_delivery_duration_seconds: ['Duration of one delivery attempt (request to response).', 'histogram'],
  cdc_webhook_queue_latency_seconds: ['Time from queueing to successful delivery.', 'histogram'],
  cdc_webhook_queue_depth: ['Messages in the shared queue by state (due, waiting for a retry, in flight).', 'gauge'],
  cdc_webhook_in_flight: ['Deliveries in flight in this process.', 'gauge'],
  cdc_webhook_events_queued_total: ['Messages queued by this process, by source (change, domain, alert).', 'counter'],
  cdc_webhook_subscriptions_disabled_total: [
    'Subscriptions this process disabled after N consecutive failures.',
    'counter',
  ],
};

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  private values = new Map<string, Map<string, number>>();
  private histograms = new Map<string, {counts: number[]; sum: number; count: number}>();

  inc(name: string, labels: Record<string, string>, by = 1): void {
    const m = this.values.get(name) ?? new Map<string, number>();
    const key = labelText(labels);
    m.set(key, (m.get(key) ?? 0) + by);
    this.values.set(name, m);
  }

  set(name: string, labels: Record<string, string>, value: number): void {
    const m = this.values.get(name) ?? new Map<string, number>();
    m.set(labelText(labels), value);
    this.values.set(name, m);
  }

  observe(name: string, value: number): void {
    let h = this.histograms.get(name);
    if (!h) {
      h = {counts: BUCKETS.map(() => 0), sum: 0, count: 0};
      this.histograms.set(name, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (value <= (BUCKETS[i] as number)) (h.counts[i] as number)++;
    h.sum += value;
    h.count++;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, [help, type]] of Object.entries(HELP)) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      if (type === 'histogram') {
        const h = this.histograms.get(name) ?? {counts: BUCKETS.map(() => 0), sum: 0, count: 0};
        BUCKETS.forEach((b, i) => {
          out.push(`${name}_bucket{le="${b}"} ${h.counts[i]}`);
        });
        out.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
        continue;
      }
      const m = this.values.get(name);
      if (!m || m.size === 0) {
        if (type === 'counter' && name === 'cdc_webhook_deliveries_total') {
          for (const r of ['delivered', 'failed', 'retry']) out.push(`${name}{result="${r}"} 0`);
        } else if (name === 'cdc_webhook_in_flight' || name === 'cdc_webhook_subscriptions_disabled_total') {
          out.push(`${name} 0`);
        }
        continue;
      }
      for (const [labels, v] of m) out.push(`${name}${labels} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}

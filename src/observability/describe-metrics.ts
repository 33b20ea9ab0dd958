import { Registry } from 'prom-client';

import { createMetrics } from './metrics.js';

export interface MetricDoc {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
}

/** Every relstream_* metric as registered (Node's default process metrics excluded): name, type, labels, help. */
export async function describeMetrics(): Promise<MetricDoc[]> {
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  // prom-client keeps each metric's label names on the instance without typing them.
  const labelsByName = new Map(Object.values(metrics).map((m) => {
    const { name, labelNames } = m as unknown as { name: string; labelNames?: readonly string[] };
    return [name, [...(labelNames ?? [])]] as const;
  }));
  return (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type), labels: labelsByName.get(m.name) ?? [], help: m.help }));
}

export async function metricTableMarkdown(): Promise<string> {
  const rows = (await describeMetrics()).map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${m.help} |`);
  return ['| metric | type | labels | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

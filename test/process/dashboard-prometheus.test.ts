/**
 * The Grafana dashboard's queries work against a real Prometheus (Debian's package) scraping a real
 * processor during a run on the local broker: every PromQL expression of every panel, and every alert rule,
 * parses and returns data.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { silentLogger } from '../../src/observability/logger.js';
import { packageRoot } from '../../src/paths.js';
import { startService } from '../../src/cli/build-service.js';
import { useKafka } from '../helpers/kafka.js';
import { manyRecords, testConfig, testTopics } from '../helpers/processor.js';
import { hasPrometheus, startPrometheus } from '../helpers/prometheus.js';
import { trialRecordCodec } from '../../src/records/avro.js';

interface Panel { title: string; targets?: { expr: string }[] }

const dashboardFile = join(packageRoot, 'deploy', 'grafana', 'dashboards', 'relstream.json');
const alertsFile = join(packageRoot, 'deploy', 'prometheus', 'alerts.yml');

describe('dashboard queries against Prometheus', { skip: hasPrometheus() ? false : 'prometheus is not installed (.ci/run installs it)' }, () => {
  const kafka = useKafka();

  it('every panel expression parses and returns data during a real run', { timeout: 180_000 }, async (t) => {
    const topics = testTopics('dashboard');
    await kafka.topics(t, [topics.inputTopic, topics.outputTopic, topics.deadLetterTopic].map((topic) => ({ topic, partitions: 2 })));
    // A small queue and few pairs per batch keep the pause, lag and batch series moving during the run.
    const service = await startService(testConfig(topics, { batchMaxPairs: '8', queueMaxPairs: '64' }), silentLogger);
    t.after(() => service.stop());
    const prometheus = await startPrometheus([`127.0.0.1:${service.httpPort}`], [alertsFile]);
    t.after(() => prometheus.stop());

    // Feed records (and one poison record) for a while, so every rate has several scrapes of activity.
    const codec = trialRecordCodec();
    const producer = await kafka.client.producer();
    t.after(() => producer.disconnect());
    const records = manyRecords(40);
    for (let round = 0; round < 10; round++) {
      const chunk = records.slice(round * 48, (round + 1) * 48);
      await producer.send(topics.inputTopic, [
        ...chunk.map((r) => ({ key: r.id, value: codec.encode(r) })),
        ...(round % 3 === 0 ? [{ key: 'poison', value: Buffer.from('not avro') }] : []),
      ]);
      await sleep(1000);
    }

    const dashboard = JSON.parse(await readFile(dashboardFile, 'utf8')) as { panels: Panel[] };
    const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, expr: target.expr })));
    assert.ok(expressions.length >= 15);
    const failing = async (): Promise<string[]> => {
      const failures: string[] = [];
      for (const { panel, expr } of expressions) {
        // Grafana fills $__rate_interval in; over a 1 s scrape interval, 30 s holds many samples.
        const query = expr.replaceAll('$__rate_interval', '30s');
        const answer = await prometheus.query(query);
        if (answer.status !== 'success') failures.push(`${panel}: ${query}: ${answer.error ?? answer.status}`);
        else if ((answer.data?.result.length ?? 0) === 0) failures.push(`${panel}: ${query}: no data`);
      }
      return failures;
    };
    // Scrapes and rule evaluations land on Prometheus's clock: polled, with a generous deadline, never a fixed wait.
    const started = Date.now();
    let failures = await failing();
    while (failures.length > 0 && Date.now() - started < 120_000) {
      await sleep(500);
      failures = await failing();
    }
    t.diagnostic(`every panel had data ${Date.now() - started} ms after the input ended`);
    assert.deepEqual(failures, []);

    const readRules = async (): Promise<{ name: string; health: string }[]> => {
      const rules = await (await fetch(`${prometheus.url}/api/v1/rules`)).json() as { data: { groups: { rules: { name: string; health: string }[] }[] } };
      return rules.data.groups.flatMap((g) => g.rules);
    };
    // Every rule evaluated at least once (health leaves "unknown"), polled like the panels.
    let loaded = await readRules();
    while (loaded.some((r) => r.health === 'unknown') && Date.now() - started < 120_000) {
      await sleep(500);
      loaded = await readRules();
    }
    assert.ok(loaded.length >= 5, 'the alert rules loaded');
    assert.ok(loaded.some((r) => r.name === 'RelstreamPartitionStalls'), 'the stall alert is among them');
    assert.deepEqual(loaded.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health}`), [], 'every alert rule evaluates');
  });
});

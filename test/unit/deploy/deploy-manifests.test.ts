/**
 * What can be checked of deploy/ without a container engine or a cluster: the manifests parse and agree
 * with the code (config keys and values, ports, probes, grace period vs shutdown timeout, scaling bounds),
 * and the image recipes copy files that exist and run what the CLI provides. docs/operations.md lists what
 * was not run.
 */
import { RUN_NODE_FLAGS } from '../../../src/config/runtime.js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';

import { parse, parseAllDocuments } from 'yaml';

import { envName, loadConfig } from '../../../src/config/load-config.js';
import { configKeys } from '../../../src/config/schema.js';
import { DEFAULT_KAFKA_VERSION } from '../../../tools/local-kafka/kafka-jars.js';
import { packageRoot } from '../../../src/paths.js';

const deploy = (...parts: string[]): string => join(packageRoot, 'deploy', ...parts);
const yamlDocs = (file: string): Record<string, unknown>[] =>
  parseAllDocuments(readFileSync(deploy(file), 'utf8')).map((d) => d.toJSON() as Record<string, unknown>);
const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);

const configMap = yamlDocs('k8s/configmap.yaml')[0];
const data = get(configMap, 'data') as Record<string, string>;
const deployment = yamlDocs('k8s/statefulset.yaml')[0];
const container = (get(deployment, 'spec.template.spec.containers') as Record<string, unknown>[])[0];
const [scaledObject, triggerAuth] = yamlDocs('k8s/scaledobject.yaml');

describe('Kubernetes manifests', () => {
  it('the ConfigMap holds only real config keys, with values the schema accepts', () => {
    const known = new Set(configKeys.map(envName));
    assert.deepEqual(Object.keys(data).filter((k) => !known.has(k)), []);
    const config = loadConfig({ env: data });
    assert.equal(config.executionProvider, 'cuda');
    assert.equal(config.kafkaSaslMechanism, 'scram-sha-512');
    assert.equal(config.kafkaSaslPassword, '', 'no password in the ConfigMap');
  });

  it('the StatefulSet asks for a GPU, takes its config from the ConfigMap and the password from a Secret file', () => {
    assert.equal((get(container, 'resources.limits') as Record<string, unknown>)['nvidia.com/gpu'], 1);
    assert.deepEqual(get(container, 'envFrom'), [{ configMapRef: { name: get(configMap, 'metadata.name') } }]);
    const passwordFile = data['RELSTREAM_KAFKA_SASL_PASSWORD_FILE'] ?? '';
    const mounts = get(container, 'volumeMounts') as { name: string; mountPath: string }[];
    const mount = mounts.find((m) => m.mountPath === dirname(passwordFile));
    assert.ok(mount, 'the password file lives in a mounted volume');
    const volume = (get(deployment, 'spec.template.spec.volumes') as { name: string; secret?: { secretName: string } }[]).find((v) => v.name === mount.name);
    const secret = yamlDocs('k8s/secret.example.yaml')[0];
    assert.equal(volume?.secret?.secretName, get(secret, 'metadata.name'));
    assert.ok(Object.keys(get(secret, 'stringData') as object).includes(basename(passwordFile)));
    assert.ok(!JSON.stringify(container).includes('PASSWORD"'), 'no password env var in the pod spec');
  });

  it('each replica\'s transactional id is its stable pod name, so exactly-once passes the config check', () => {
    assert.equal(get(deployment, 'kind'), 'StatefulSet', 'pod names survive restarts only in a StatefulSet');
    assert.equal(get(scaledObject, 'spec.scaleTargetRef.kind'), 'StatefulSet');
    const env = get(container, 'env') as { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    const id = env.find((e) => e.name === 'RELSTREAM_TRANSACTIONAL_ID');
    assert.equal(id?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    const exactlyOnce = { ...data, RELSTREAM_DELIVERY_GUARANTEE: 'exactly-once' };
    assert.throws(() => loadConfig({ env: exactlyOnce }), /RELSTREAM_TRANSACTIONAL_ID/, 'without the pod name it must not start');
    assert.equal(loadConfig({ env: { ...exactlyOnce, RELSTREAM_TRANSACTIONAL_ID: 'relstream-0' } }).transactionalId, 'relstream-0');
  });

  it('probes hit /healthz and /readyz on the port relstream serves', () => {
    const port = (get(container, 'ports') as { name: string; containerPort: number }[]).find((p) => p.name === 'metrics');
    assert.equal(String(port?.containerPort), data['RELSTREAM_HTTP_PORT']);
    assert.equal(get(container, 'readinessProbe.httpGet.path'), '/readyz');
    assert.equal(get(container, 'livenessProbe.httpGet.path'), '/healthz');
    assert.equal(get(container, 'startupProbe.httpGet.path'), '/healthz');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) assert.equal(get(container, `${probe}.httpGet.port`), 'metrics');
  });

  it('the termination grace period exceeds the shutdown timeout (the worst-case drain) with room for closing', () => {
    const graceMs = Number(get(deployment, 'spec.template.spec.terminationGracePeriodSeconds')) * 1000;
    assert.ok(graceMs >= Number(data['RELSTREAM_SHUTDOWN_TIMEOUT_MS']) + 15_000, `${graceMs} ms`);
  });

  it('KEDA scales the StatefulSet on the group\'s lag, at most to the partition count, cooling down past model load', () => {
    assert.equal(get(scaledObject, 'kind'), 'ScaledObject');
    assert.equal(get(scaledObject, 'spec.scaleTargetRef.name'), get(deployment, 'metadata.name'));
    const trigger = (get(scaledObject, 'spec.triggers') as Record<string, unknown>[])[0];
    assert.equal(get(trigger, 'type'), 'kafka');
    assert.equal(get(trigger, 'metadata.consumerGroup'), data['RELSTREAM_GROUP_ID']);
    assert.equal(get(trigger, 'metadata.topic'), data['RELSTREAM_INPUT_TOPIC']);
    assert.equal(get(trigger, 'metadata.bootstrapServers'), data['RELSTREAM_KAFKA_BROKERS']);
    const partitions = Number((get(scaledObject, 'metadata.annotations') as Record<string, string>)['relstream.dev/input-partitions']);
    assert.equal(get(scaledObject, 'spec.maxReplicaCount'), partitions);
    const startupBudget = Number(get(container, 'startupProbe.periodSeconds')) * Number(get(container, 'startupProbe.failureThreshold'));
    assert.ok(Number(get(scaledObject, 'spec.cooldownPeriod')) >= startupBudget, 'cooldown >= the model load budget');
    assert.equal(get(triggerAuth, 'kind'), 'TriggerAuthentication');
  });

  it('kustomization names files that exist', () => {
    const resources = get(parse(readFileSync(deploy('k8s/kustomization.yaml'), 'utf8')), 'resources') as string[];
    for (const file of resources) assert.ok(existsSync(deploy('k8s', file)), file);
  });
});

describe('compose file', () => {
  const compose = parse(readFileSync(deploy('compose.yaml'), 'utf8')) as { services: Record<string, Record<string, unknown>> };

  it('runs Kafka (the pinned version), relstream, Prometheus and Grafana', () => {
    assert.deepEqual(['kafka', 'relstream', 'prometheus', 'grafana'].filter((s) => !(s in compose.services)), []);
    assert.equal(compose.services['kafka']?.['image'], `apache/kafka:${DEFAULT_KAFKA_VERSION}`);
  });

  it('mounts files that exist: the Prometheus config and alerts, the Grafana provisioning and dashboard', () => {
    for (const service of ['prometheus', 'grafana']) {
      for (const volume of compose.services[service]?.['volumes'] as string[]) {
        const source = volume.split(':')[0] ?? '';
        assert.ok(existsSync(deploy(source)), `${service}: ${source}`);
      }
    }
    const dashboards = readFileSync(deploy('grafana/provisioning/dashboards/relstream.yaml'), 'utf8');
    assert.match(dashboards, /path: \/var\/lib\/grafana\/dashboards/);
    const datasource = readFileSync(deploy('grafana/provisioning/datasources/prometheus.yaml'), 'utf8');
    const dashboard = JSON.parse(readFileSync(deploy('grafana/dashboards/relstream.json'), 'utf8')) as { panels: { datasource: { uid: string } }[] };
    for (const panel of dashboard.panels) assert.match(datasource, new RegExp(`uid: ${panel.datasource.uid}\\b`));
  });

  it('gives relstream a stop grace period above its shutdown timeout', () => {
    const relstream = compose.services['relstream'] ?? {};
    const grace = Number(String(relstream['stop_grace_period']).replace('s', '')) * 1000;
    const timeout = Number(get(relstream, 'environment.RELSTREAM_SHUTDOWN_TIMEOUT_MS'));
    assert.ok(grace > timeout);
    assert.ok(existsSync(join(packageRoot, String(get(relstream, 'build.dockerfile')))));
  });
});

describe('image recipes', () => {
  for (const file of ['Dockerfile.cpu', 'Dockerfile.gpu']) {
    const text = readFileSync(deploy('docker', file), 'utf8');

    it(`${file}: every COPY source exists and the entrypoint is the relstream CLI, with the benchmarked heap flags, on its metrics port`, () => {
      for (const line of text.split('\n').filter((l) => l.startsWith('COPY ') && !l.includes('--from'))) {
        const sources = line.split(/\s+/).slice(1, -1);
        for (const source of sources) assert.ok(existsSync(join(packageRoot, source)), `${file}: ${source}`);
      }
      const entrypoint = /^ENTRYPOINT (.+)$/m.exec(text)?.[1] ?? '[]';
      assert.deepEqual(JSON.parse(entrypoint), ['node', ...RUN_NODE_FLAGS, 'bin/relstream.js'], 'the heap flags the benchmarks measured');
      assert.match(text, /EXPOSE 9464/);
      assert.equal(loadConfig({ env: {} }).httpPort, 9464);
    });
  }

  it('the GPU image checks the CUDA major the provider links against its base image', () => {
    const text = readFileSync(deploy('docker', 'Dockerfile.gpu'), 'utf8');
    const linked = /libcudart\.so\.(\d+)/.exec(text)?.[1];
    const base = /FROM nvidia\/cuda:(\d+)\.[\d.]+-cudnn-runtime/.exec(text)?.[1];
    assert.ok(linked && base);
    assert.equal(base, linked);
    assert.match(text, /RELSTREAM_EXECUTION_PROVIDER=cuda/);
    assert.match(text, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
});

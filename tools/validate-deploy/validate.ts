/**
 * Validates deploy/ offline against real schemas (issue 11, item 3), with the pinned tools that
 * scripts/setup-validators.sh installs into the cache:
 *   - deploy/k8s rendered by kustomize, every object checked by kubeconform (strict: unknown fields, wrong
 *     types, duplicate keys) against the Kubernetes schemas of each version in --kubernetes-versions and
 *     against KEDA's CRD schemas; the k8s YAML files kustomize does not render (the Secret example) too;
 *   - every Grafana dashboard read strictly into the Grafana Foundation SDK's dashboard type and validated;
 *   - the Prometheus alert rules with `promtool check rules`, the Prometheus config with `promtool check config`.
 * The command line is ./main.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse, parseAllDocuments } from 'yaml';

import { k8sSchemaFile, writeStandaloneSchemas } from './k8s-schemas.js';

/** Three of the versions the wheel has schemas for (1.25-1.37): the newest and two older; docs/operations.md says so. */
export const DEFAULT_K8S_VERSIONS: readonly string[] = ['1.29.0', '1.33.0', '1.37.0'];

/** What scripts/setup-validators.sh puts in the validators folder. */
export const VALIDATOR_TOOLS: readonly string[] = ['kustomize', 'kubeconform', 'kubernetes-json-schema', 'keda-schemas', 'dashboard-check', 'promtool'];

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly output: string;
}

function run(command: string, args: readonly string[]): { status: number; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) return { status: 127, output: `${command}: ${result.error.message}` };
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}`.trim() };
}

function kubernetesObjects(yamlText: string): { apiVersion: string; kind: string }[] {
  return parseAllDocuments(yamlText).map((d) => d.toJSON() as unknown)
    .filter((o): o is { apiVersion: string; kind: string } => o !== null && typeof o === 'object' && typeof (o as { apiVersion?: unknown }).apiVersion === 'string' && typeof (o as { kind?: unknown }).kind === 'string');
}

/** deploy/k8s: rendered by kustomize, then every object (and the files it does not render) through kubeconform. */
function kubernetesChecks(k8s: string, tool: (name: string) => string, versions: readonly string[], work: string): Check[] {
  const rendered = run(tool('kustomize'), ['build', k8s]);
  const objects = rendered.status === 0 ? kubernetesObjects(rendered.output) : [];
  const checks: Check[] = [{ name: 'kustomize build deploy/k8s', ok: rendered.status === 0, output: rendered.status === 0 ? `${objects.length} objects` : rendered.output }];
  const files: string[] = [];
  if (rendered.status === 0) {
    writeFileSync(join(work, 'rendered.yaml'), rendered.output);
    files.push(join(work, 'rendered.yaml'));
  }
  // The k8s files kustomize does not render (an example Secret to copy) are validated as they are.
  const resources = (parse(readFileSync(join(k8s, 'kustomization.yaml'), 'utf8')) as { resources?: string[] } | null)?.resources ?? [];
  for (const file of readdirSync(k8s).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml' && !resources.includes(f))) {
    files.push(join(k8s, file));
    objects.push(...kubernetesObjects(readFileSync(join(k8s, file), 'utf8')));
  }
  const kinds = [...new Set(objects.map((o) => k8sSchemaFile(o.apiVersion, o.kind)))];
  for (const version of versions) {
    writeStandaloneSchemas(tool('kubernetes-json-schema'), version, kinds, join(work, 'schemas'));
    const result = run(tool('kubeconform'), [
      '-strict', '-summary', '-output', 'text', '-kubernetes-version', version,
      '-schema-location', join(work, 'schemas', '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
      '-schema-location', join(tool('keda-schemas'), '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
      ...files,
    ]);
    checks.push({ name: `kubeconform (Kubernetes ${version}, KEDA CRDs)`, ok: result.status === 0 && files.length > 0, output: result.output });
  }
  return checks;
}

export function validateDeploy(deploy: string, validators: string, versions: readonly string[]): Check[] {
  const tool = (name: string): string => join(validators, name);
  const work = mkdtempSync(join(tmpdir(), 'relstream-validate-'));
  try {
    const checks = kubernetesChecks(join(deploy, 'k8s'), tool, versions, work);
    const dashboards = join(deploy, 'grafana', 'dashboards');
    const boards = existsSync(dashboards) ? readdirSync(dashboards).filter((f) => f.endsWith('.json')).map((f) => join(dashboards, f)) : [];
    const board = run(tool('dashboard-check'), boards);
    checks.push({ name: 'Grafana dashboards (grafana-foundation-sdk)', ok: board.status === 0 && boards.length > 0, output: board.output || 'no dashboards' });
    const rules = run(tool('promtool'), ['check', 'rules', join(deploy, 'prometheus', 'alerts.yml')]);
    checks.push({ name: 'promtool check rules', ok: rules.status === 0, output: rules.output });
    // The config names the rule file by its path inside the container: its syntax is checked, the rules above.
    const config = run(tool('promtool'), ['check', 'config', '--syntax-only', join(deploy, 'prometheus', 'prometheus.yml')]);
    checks.push({ name: 'promtool check config', ok: config.status === 0, output: config.output });
    return checks;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

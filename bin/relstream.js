#!/usr/bin/env node
// The CLI is compiled TypeScript: `npm run build` writes dist/. Node's version is checked first, before anything
// that an older Node could fail on is imported.
import { nodeVersionProblem, requiredNode } from './check-node.js';

const problem = nodeVersionProblem(process.versions.node, requiredNode());
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
const { main } = await import('../dist/src/cli/main.js');
// Exit explicitly: kafkajs leaves retry timers behind after disconnect that would hold the process ~20 s.
process.exit(await main(process.argv.slice(2)));

#!/usr/bin/env node
// The CLI is compiled TypeScript: `npm run build` writes dist/.
import { main } from '../dist/src/cli/main.js';

// Exit explicitly: kafkajs leaves retry timers behind after disconnect that would hold the process ~20 s.
process.exit(await main(process.argv.slice(2)));

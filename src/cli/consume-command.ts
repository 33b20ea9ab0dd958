/**
 * `relstream consume`: the relations topic -> one JSON line per event on stdout. Runs until Ctrl-C, or stops
 * after --max events or --idle-ms without new events.
 */
import { randomUUID } from 'node:crypto';

import { loadConfig } from '../config/load-config.js';
import { kafkaClientFromConfig } from '../kafka/connection-from-config.js';
import { relationEventCodec } from '../records/avro.js';
import { intFlag, parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';
import { untilShutdownSignal } from './signals.js';

export async function consumeCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { configFlags, commandFlags } = parseCommandArgs(argv, { max: { type: 'string' }, 'idle-ms': { type: 'string' }, group: { type: 'string' } });
  const config = loadConfig({ env, flags: configFlags });
  const max = intFlag(commandFlags['max'], 'max', 0);
  const idleMs = intFlag(commandFlags['idle-ms'], 'idle-ms', 0);
  const group = typeof commandFlags['group'] === 'string' ? commandFlags['group'] : `relstream-consume-${randomUUID()}`;
  const codec = relationEventCodec();
  const consumer = await kafkaClientFromConfig(config, ctx.logger).consumer({ groupId: group });
  let count = 0;
  let lastAt = Date.now();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  await consumer.run({
    topics: [config.outputTopic], fromBeginning: true,
    eachBatch: (batch) => {
      for (const message of batch.messages) {
        if (!message.value) continue;
        ctx.stdout(JSON.stringify(codec.decode(message.value)));
        lastAt = Date.now();
        if (max > 0 && ++count >= max) finish();
      }
      return Promise.resolve();
    },
  });
  const idle = idleMs > 0 ? setInterval(() => { if (Date.now() - lastAt >= idleMs) finish(); }, 100) : undefined;
  await Promise.race([done, untilShutdownSignal()]);
  if (idle) clearInterval(idle);
  await consumer.disconnect();
  return 0;
}

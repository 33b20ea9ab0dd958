/**
 * `relstream consume`: the relations topic -> one JSON line per event on stdout. Runs until Ctrl-C, or stops
 * after --max events or --idle-ms without new events. With schemaRegistryUrl set, values are read in the Confluent
 * wire format, each with the writer schema its id names.
 */
import { randomUUID } from 'node:crypto';

import { loadConfig } from '../config/load-config.js';
import { kafkaClientFromConfig } from '../kafka/connection-from-config.js';
import { relationEventCodec, type RecordDecoder, type RelationEvent } from '../records/avro.js';
import { RegistryDecoder } from '../registry/registry-codecs.js';
import { registryClientFromConfig } from '../registry/registry-from-config.js';
import { intFlag, parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';
import { untilShutdownSignal } from './signals.js';

export async function consumeCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { configFlags, commandFlags } = parseCommandArgs(argv, { max: { type: 'string' }, 'idle-ms': { type: 'string' }, group: { type: 'string' } });
  const config = loadConfig({ env, flags: configFlags });
  const max = intFlag(commandFlags['max'], 'max', 0);
  const idleMs = intFlag(commandFlags['idle-ms'], 'idle-ms', 0);
  const group = typeof commandFlags['group'] === 'string' ? commandFlags['group'] : `relstream-consume-${randomUUID()}`;
  const registry = registryClientFromConfig(config);
  const framed = registry === undefined ? undefined : new RegistryDecoder<RelationEvent>('RelationEvent', registry);
  const codec: RecordDecoder<RelationEvent> = framed ?? relationEventCodec();
  const consumer = await kafkaClientFromConfig(config, ctx.logger).consumer({ groupId: group });
  let count = 0;
  let lastAt = Date.now();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  await consumer.run({
    topics: [config.outputTopic], fromBeginning: true,
    eachBatch: async (batch) => {
      for (const message of batch.messages) {
        if (!message.value) continue;
        const schemaId = framed?.missing(message.value);
        if (schemaId !== undefined) await framed?.load(schemaId);
        ctx.stdout(JSON.stringify(codec.decode(message.value)));
        lastAt = Date.now();
        if (max > 0 && ++count >= max) finish();
      }
    },
  });
  const idle = idleMs > 0 ? setInterval(() => { if (Date.now() - lastAt >= idleMs) finish(); }, 100) : undefined;
  await Promise.race([done, untilShutdownSignal()]);
  if (idle) clearInterval(idle);
  await consumer.disconnect();
  registry?.close();
  return 0;
}
